"""The emulator's part of the rig config, read from plain mappings into frozen specs.

    coordinator:
      emulator:
        ezsp_version: 13          # 8 or 13
        state_file: ncp-state.json
        seed: 1
        eui64: "00:0d:6f:00:00:00:00:01"
        faults: {serial: {drop: 0.05, corrupt: 0.01, delay: 0}, ezsp: {...}, air: {...}}
        air: {latency: 0.002, airtime: false, aps_ack_timeout: 0.4, aps_retries: 3, fragment_window: 1}
    devices:
      - name: meter-display
        type: generic
        emulated: {eui64: "…", node_id: 0x1234, install_code: "…", manufacturer: "…"}

Only the ``emulator`` block and the ``emulated`` blocks are read, and whatever other
top-level block a device kind asks for (the GB kinds read ``gbcs:``, see
``devices.gb.trust``); everything else in the file is the rig's. A device without an
``emulated`` block is a physical one and ignored. Problems are ``SpecError``s naming the
field (``devices[1].emulated.eui64``).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from hanrig.devices.errors import SpecError
from hanrig.devices.fields import Fields
from hanrig.devices.han.air import AirSettings
from hanrig.devices.han.install_code import link_key_from_install_code
from hanrig.devices.han.kinds import ConfigContext, DeviceSpec, kinds
from hanrig.devices.han.node import WELL_KNOWN_LINK_KEY
from hanrig.devices.ieee import FIRST_BROADCAST_NODE_ID, Eui64
from hanrig.devices.radio.ezsp.commands import TABLES
from hanrig.devices.radio.faults import AirFaults, EzspFaults, Faults, SerialFaults

#: Silicon Labs' OUI, which the emulated NCP's default EUI-64 starts with
SILICON_LABS_OUI = 0x000D6F
DEFAULT_EZSP_VERSION = 13
#: the unsolicited RSTACK sent to a ``socket://`` host, as zigbeed does, this long after it connects
DEFAULT_SOCKET_RSTACK_DELAY = 0.5


@dataclass(frozen=True)
class EmulatorSpec:
    ezsp_version: int = DEFAULT_EZSP_VERSION
    state_file: Path | None = None
    seed: int = 0
    eui64: Eui64 | None = None
    faults: Faults = Faults()
    air: AirSettings = AirSettings()
    socket_rstack_delay: float | None = DEFAULT_SOCKET_RSTACK_DELAY
    devices: tuple[DeviceSpec, ...] = ()
    #: what devices added later (through the control plane) read their shared settings from
    context: ConfigContext = field(default_factory=ConfigContext, compare=False)

    @property
    def ncp_eui64(self) -> Eui64:
        """The configured EUI-64, or one derived from the seed (stable across runs)."""
        if self.eui64 is not None:
            return self.eui64
        low = random.Random(f"{self.seed}/eui64").getrandbits(40)
        return Eui64(SILICON_LABS_OUI << 40 | low)


def parse_config(config: object, *, base_dir: Path | None = None) -> EmulatorSpec:
    """The emulator's spec from a whole rig config (already parsed from YAML)."""
    root = Fields(config, "")
    coordinator = root.mapping("coordinator")
    emulator = coordinator.mapping("emulator")
    base_dir = base_dir or Path.cwd()
    spec = _read_emulator(emulator, base_dir)
    raw: Mapping[str, Any] = config if isinstance(config, Mapping) else {}
    shared = {key: value for key, value in raw.items() if key not in ("coordinator", "devices")}
    context = ConfigContext(base_dir, shared)
    devices: list[DeviceSpec] = []
    for entry in root.items("devices"):
        if entry.has("emulated"):
            devices.append(read_device(entry, taken=devices, context=context))
    return replace(spec, devices=tuple(devices), context=context)


def _read_emulator(fields: Fields, base_dir: Path) -> EmulatorSpec:
    versions = {version: version for version in TABLES}
    delay = fields.number("socket_rstack_delay", DEFAULT_SOCKET_RSTACK_DELAY, minimum=0, maximum=1.9)
    spec = EmulatorSpec(
        ezsp_version=fields.choice("ezsp_version", versions, DEFAULT_EZSP_VERSION),
        state_file=fields.named_path("state_file", None, base=base_dir, kind="file", existing=False),
        seed=fields.integer("seed", 0, minimum=0),
        eui64=fields.eui64("eui64", None),
        faults=read_faults(fields.mapping("faults")),
        air=_read_air(fields.mapping("air")),
        socket_rstack_delay=delay,
    )
    fields.done()
    return spec


def read_faults(fields: Fields) -> Faults:
    serial = fields.mapping("serial")
    ezsp = fields.mapping("ezsp")
    air = fields.mapping("air")
    faults = Faults(
        serial=SerialFaults(
            drop=serial.number("drop", 0.0, minimum=0, maximum=1),
            corrupt=serial.number("corrupt", 0.0, minimum=0, maximum=1),
            delay=serial.number("delay", 0.0, minimum=0, maximum=60),
        ),
        ezsp=EzspFaults(
            busy=ezsp.number("busy", 0.0, minimum=0, maximum=1),
            sent_failure=ezsp.number("sent_failure", 0.0, minimum=0, maximum=1),
            sent_delay=ezsp.number("sent_delay", 0.0, minimum=0, maximum=60),
        ),
        air=AirFaults(
            loss=air.number("loss", 0.0, minimum=0, maximum=1),
            aps_ack_failure=air.number("aps_ack_failure", 0.0, minimum=0, maximum=1),
        ),
    )
    for level in (serial, ezsp, air, fields):
        level.done()
    return faults


def _read_air(fields: Fields) -> AirSettings:
    defaults = AirSettings()
    settings = AirSettings(
        latency=fields.number("latency", defaults.latency, minimum=0, maximum=10),
        airtime=fields.boolean("airtime", defaults.airtime),
        aps_ack_timeout=fields.number("aps_ack_timeout", defaults.aps_ack_timeout, minimum=0.001, maximum=30),
        aps_retries=fields.integer("aps_retries", defaults.aps_retries, minimum=0, maximum=10),
        fragment_window=fields.integer("fragment_window", defaults.fragment_window, minimum=1, maximum=8),
    )
    fields.done()
    return settings


def read_device(entry: Fields, *, taken: list[DeviceSpec], context: ConfigContext) -> DeviceSpec:
    """One ``devices[i]`` entry with an ``emulated`` block; ``taken`` are the devices before it."""
    name = entry.string("name")
    if not name:
        raise SpecError(entry.at("name"), "must not be empty")
    if any(other.name == name for other in taken):
        raise SpecError(entry.at("name"), f"{name!r} is used by another device")
    registry = kinds()
    kind = entry.choice("type", {k: k for k in registry})
    emulated = entry.mapping("emulated")
    eui64 = emulated.eui64("eui64")
    if any(other.eui64 == eui64 for other in taken):
        raise SpecError(emulated.at("eui64"), f"{eui64} is used by another device")
    node_id = emulated.integer("node_id", None, minimum=0x0001, maximum=FIRST_BROADCAST_NODE_ID - 1)
    if node_id is None:
        node_id = _derived_node_id(eui64, {other.node_id for other in taken})
    elif any(other.node_id == node_id for other in taken):
        raise SpecError(emulated.at("node_id"), f"0x{node_id:04X} is used by another device")
    link_key = _read_link_key(emulated)
    auto_join = emulated.boolean("auto_join", True)
    settings = registry[kind].read_settings(emulated, context)
    emulated.done()
    return DeviceSpec(name, kind, eui64, node_id, link_key, auto_join, settings)


def _read_link_key(emulated: Fields) -> bytes:
    if emulated.has("install_code") and emulated.has("link_key"):
        raise SpecError(emulated.at("link_key"), "give install_code or link_key, not both")
    code = emulated.hex_bytes("install_code", None, lengths=(8, 10, 14, 18))
    if code is not None:
        try:
            return link_key_from_install_code(code)
        except ValueError as exc:
            raise SpecError(emulated.at("install_code"), str(exc)) from None
    return emulated.hex_bytes("link_key", WELL_KNOWN_LINK_KEY, lengths=(16,))


def _derived_node_id(eui64: Eui64, taken: set[int]) -> int:
    """A node id from the EUI-64, the same on every run, avoiding ones already in use."""
    candidate = 1 + eui64.value % (FIRST_BROADCAST_NODE_ID - 1)
    while candidate in taken:
        candidate = candidate % (FIRST_BROADCAST_NODE_ID - 1) + 1
    return candidate


def parse_device(entry: Mapping[str, Any], existing: list[DeviceSpec], context: ConfigContext) -> DeviceSpec:
    """One device for the control plane's add_device, checked against the devices running."""
    return read_device(Fields(entry, "device"), taken=existing, context=context)
