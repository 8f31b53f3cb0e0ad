"""What one emulator runs, read from the rig config: its radio and the devices it plays.

    coordinator:
      emulator: {ezsp_version: 13, seed: 1, ...}     # hanrig.bench.emulator
    devices:
      - name: meter-display
        type: generic
        emulated: {eui64: "…", node_id: 0x1234, install_code: "…", manufacturer: "…"}

The radio's block and who each device is (its identity keys) are read with
``hanrig.bench``, exactly as the rig reads them; the rest of each ``emulated:`` block
(node id, link key, behaviour, faults ...) is the emulator's own, read by the device's
kind, which may also read a block every device shares (the GB kinds read ``gbcs:``). A
device without an ``emulated`` block is a physical one and not the emulator's business.
Problems are ``SpecError``s naming the field (``devices[1].emulated.eui64``).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hanrig.bench.emulator import EmulatorSpec, read_emulator
from hanrig.bench.errors import SpecError
from hanrig.bench.fields import Fields
from hanrig.bench.identity import read_identity
from hanrig.bench.source import ConfigSource, load_config_file
from hanrig.devices.han.install_code import link_key_from_install_code
from hanrig.devices.han.kinds import ConfigContext, DeviceSpec, kinds
from hanrig.devices.han.node import WELL_KNOWN_LINK_KEY
from hanrig.devices.ieee import FIRST_BROADCAST_NODE_ID, Eui64

#: Silicon Labs' OUI, which the emulated NCP's default EUI-64 starts with
SILICON_LABS_OUI = 0x000D6F


@dataclass(frozen=True)
class Emulation:
    """The radio (the config's ``coordinator.emulator`` block) and the devices behind it."""

    radio: EmulatorSpec = EmulatorSpec()
    devices: tuple[DeviceSpec, ...] = ()
    #: what devices added later (through the control plane) read their shared settings from
    context: ConfigContext = field(default_factory=ConfigContext, compare=False)

    @property
    def ncp_eui64(self) -> Eui64:
        """The configured EUI-64, or one derived from the seed (stable across runs)."""
        if self.radio.eui64 is not None:
            return Eui64.parse(self.radio.eui64)
        low = random.Random(f"{self.radio.seed}/eui64").getrandbits(40)
        return Eui64(SILICON_LABS_OUI << 40 | low)


def load_emulation(path: Path) -> Emulation:
    """The emulation a config file describes; a mistake is a ``ConfigError`` with its file and line."""
    return load_config_file(path, _from_source)


def _from_source(source: ConfigSource) -> Emulation:
    return parse_config(source.data, base_dir=source.path.parent)


def parse_config(config: object, *, base_dir: Path | None = None) -> Emulation:
    """The emulation from a whole rig config (already parsed from YAML)."""
    root = Fields(config, "")
    base_dir = base_dir or Path.cwd()
    radio = read_emulator(root.mapping("coordinator").mapping("emulator"), base_dir)
    raw: Mapping[str, Any] = config if isinstance(config, Mapping) else {}
    shared = {key: value for key, value in raw.items() if key not in ("coordinator", "devices")}
    context = ConfigContext(base_dir, shared)
    devices: list[DeviceSpec] = []
    for entry in root.items("devices"):
        if entry.has("emulated"):
            devices.append(read_device(entry, taken=devices, context=context))
    return Emulation(radio, tuple(devices), context)


def read_device(entry: Fields, *, taken: list[DeviceSpec], context: ConfigContext) -> DeviceSpec:
    """One ``devices[i]`` entry with an ``emulated`` block; ``taken`` are the devices before it."""
    name = entry.string("name")
    if not name:
        raise SpecError(entry.at("name"), "must not be empty")
    if any(other.name == name for other in taken):
        raise SpecError(entry.at("name"), f"{name!r} is used by another device")
    registry = kinds()
    kind = registry[entry.choice("type", {k: k for k in registry})]
    emulated = entry.mapping("emulated")
    if emulated.has("install_code") and emulated.has("link_key"):
        raise SpecError(emulated.at("link_key"), "give install_code or link_key, not both")
    identity = read_identity(emulated, firmware_required=kind.firmware_identity)
    if any(other.identity.eui64 == identity.eui64 for other in taken):
        raise SpecError(emulated.at("eui64"), f"{identity.eui64} is used by another device")
    node_id = emulated.integer("node_id", None, minimum=0x0001, maximum=FIRST_BROADCAST_NODE_ID - 1)
    if node_id is None:
        node_id = _derived_node_id(Eui64.parse(identity.eui64), {other.node_id for other in taken})
    elif any(other.node_id == node_id for other in taken):
        raise SpecError(emulated.at("node_id"), f"0x{node_id:04X} is used by another device")
    if identity.install_code is not None:
        link_key = link_key_from_install_code(identity.install_code)
    else:
        link_key = emulated.hex_bytes("link_key", WELL_KNOWN_LINK_KEY, lengths=(16,))
    auto_join = emulated.boolean("auto_join", True)
    settings = kind.read_settings(emulated, context, identity)
    emulated.done()
    return DeviceSpec(name, kind.name, identity, node_id, link_key, auto_join, settings)


def _derived_node_id(eui64: Eui64, taken: set[int]) -> int:
    """A node id from the EUI-64, the same on every run, avoiding ones already in use."""
    candidate = 1 + eui64.value % (FIRST_BROADCAST_NODE_ID - 1)
    while candidate in taken:
        candidate = candidate % (FIRST_BROADCAST_NODE_ID - 1) + 1
    return candidate


def parse_device(entry: Mapping[str, Any], existing: list[DeviceSpec], context: ConfigContext) -> DeviceSpec:
    """One device for the control plane's add_device, checked against the devices running."""
    return read_device(Fields(entry, "device"), taken=existing, context=context)
