"""What ``hil_config.yaml`` holds, as frozen values, and how each part is read.

What the rig and the emulator share (the emulator's block, who each device is, the
``gbcs:`` parties) is read with ``hanrig.bench``; the rest of an ``emulated:`` block
(behaviour, faults ...) is the emulator's own, which it checks when it starts. Every
other field is the rig's and is checked here: unknown keys are typos, and each problem
names its field path, which ``hanrig.bench.source`` turns into a line number.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hanrig.bench.emulator import EmulatorSpec, read_emulator
from hanrig.bench.errors import SpecError
from hanrig.bench.fields import Fields
from hanrig.bench.identity import GB_DEVICE_TYPES, DeviceIdentity, read_identity
from hanrig.bench.trust import GbcsParties, read_gbcs_parties
from hanrig.gbcs import Eui64, GbcsError, KeyStore, KeyUsage
from hanrig.rig.ota.policy import (
    LINK_MAX_BLOCK_SIZE,
    Activation,
    Notify,
    NotifyPayloadType,
    OtaPolicy,
    PolicyActivation,
    WaitForData,
)

EMULATED_PORT = "emulated"
_PORT_FORMS = ("give a serial port (/dev/ttyUSB0), socket://HOST:PORT, rfc2217://HOST:PORT, usb:SERIAL-NUMBER "
               "or emulated")
RADIO_TYPES = ("ezsp", "znp", "deconz")


@dataclass(frozen=True)
class CoordinatorConfig:
    radio: str = "ezsp"
    #: a serial path, ``socket://HOST:PORT``, ``usb:SERIAL-NUMBER``, or ``emulated``
    port: str = EMULATED_PORT
    baudrate: int = 115200
    flow_control: str | None = None
    channel: int | None = None
    database: Path | None = None
    #: seconds to keep reconnecting to a lost radio before the run stops (exit 3)
    reconnect_timeout: float = 60.0

    @property
    def emulated(self) -> bool:
        return self.port == EMULATED_PORT


@dataclass(frozen=True)
class DeviceConfig:
    """A HAN device the rig updates: who it is, its OTA policy, and whether the emulator plays it."""

    name: str
    type: str
    policy: str
    #: what the CH knows of it (firmware identity None where it is learnt from the device's query)
    identity: DeviceIdentity
    emulated: bool = False

    @property
    def eui64(self) -> Eui64:
        return self.identity.eui64


class ImageSource(enum.Enum):
    FILE = "file"
    DUIS = "duis"
    BUILD = "build"


@dataclass(frozen=True)
class ImageBuild:
    manufacturer_code: int
    image_type: int
    file_version: int
    payload: Path | None = None
    #: with no payload file: this many pseudo-random octets from ``seed``
    payload_size: int = 16384
    seed: int = 0
    hardware_versions: tuple[int, int] | None = None
    header_string: str = ""
    sign: bool = True


@dataclass(frozen=True)
class ImageConfig:
    name: str
    source: ImageSource
    path: Path | None = None
    build: ImageBuild | None = None


@dataclass(frozen=True)
class ChConfig:
    """The Communications Hub's own policy and the rig's waits."""

    #: how long the CH holds an image before it discards it (None: until replaced) [INF: GBCS's rule not found]
    image_retention: float | None = None
    #: how long a device may take to join and be interviewed [INF]
    join_timeout: float = 60.0
    #: how long to wait for a device's alert or response after the step that causes it [INF: an FDRA
    #: follows the device's own verification, which may take minutes]
    alert_timeout: float = 300.0


@dataclass(frozen=True)
class RigConfig:
    path: Path
    sha256: str
    coordinator: CoordinatorConfig
    emulator: EmulatorSpec | None
    gbcs: GbcsParties
    #: the keystore as the rig holds it: every public key, the private keys of the roles it plays only
    keystore: KeyStore = field(compare=False)
    devices: tuple[DeviceConfig, ...]
    images: Mapping[str, ImageConfig]
    ota_policies: Mapping[str, OtaPolicy]
    ch: ChConfig = field(default_factory=ChConfig)
    suites: tuple[str, ...] = ("secmp0007",)
    report_dir: Path = Path("reports")

    def device(self, name_or_eui: str) -> DeviceConfig:
        """A device by name or EUI-64 (any spelling); KeyError names what is known."""
        wanted = name_or_eui.replace(":", "").replace("-", "").upper()
        for device in self.devices:
            if name_or_eui == device.name or wanted == device.eui64:
                return device
        known = ", ".join(d.name for d in self.devices) or "none"
        raise KeyError(f"no device {name_or_eui!r} in {self.path} (devices: {known})")

    def policy_for(self, device: DeviceConfig) -> OtaPolicy:
        return self.ota_policies[device.policy]


def read_rig_config(data: Any, *, path: Path, sha256: str) -> RigConfig:
    base = path.parent
    root = Fields(data, "")
    coordinator, emulator = _read_coordinator(root.mapping("coordinator"), base)
    policies = _read_policies(root.mapping("ota_policies"))
    gbcs_fields = root.mapping("gbcs")
    gbcs = read_gbcs_parties(gbcs_fields, base)
    devices = _read_devices(root, coordinator, policies)
    keystore = _rigs_keystore(gbcs, gbcs_fields)
    _check_keys(keystore, gbcs, gbcs_fields, root, devices)
    config = RigConfig(
        path=path,
        sha256=sha256,
        coordinator=coordinator,
        emulator=emulator,
        gbcs=gbcs,
        keystore=keystore,
        devices=devices,
        images=_read_images(root.mapping("images"), base),
        ota_policies=policies,
        ch=_read_ch(root.mapping("ch")),
        suites=tuple(_strings(root, "suites", ["secmp0007"])),
        report_dir=root.named_path("report_dir", "reports", base=base, kind="directory", existing=False),
    )
    root.done()
    return config


def _rigs_keystore(parties: GbcsParties, fields: Fields) -> KeyStore:
    """The keystore with the private keys of the parties the rig plays (CH) or stands in for (ACB, Supplier)."""
    try:
        return KeyStore.load(parties.keystore, private_keys_of=(parties.acb, parties.supplier, parties.comms_hub))
    except GbcsError as exc:
        raise SpecError(fields.at("keystore"), str(exc)) from None


#: what the rig signs or MACs as each party it plays, and the private key it needs for it
_ROLE_KEYS = (("comms_hub", KeyUsage.DIGITAL_SIGNING, "signs CCS08 as the CH"),
              ("supplier", KeyUsage.DIGITAL_SIGNING, "signs CS06 and images as the Supplier"),
              ("acb", KeyUsage.KEY_AGREEMENT, "MACs commands and checks devices' MACs as the ACB"))


def _check_keys(keystore: KeyStore, parties: GbcsParties, gbcs: Fields, root: Fields,
                devices: tuple[DeviceConfig, ...]) -> None:
    """Every key the rig signs, MACs or verifies with is in the keystore: a missing one is a config error now.

    Without a device's public keys its signatures and MACs could not be checked, and what
    cannot be checked must not pass as checked.
    """
    for party, usage, why in _ROLE_KEYS:
        eui = getattr(parties, party)
        if keystore.private_key(eui, usage) is None:
            raise SpecError(gbcs.at(party), f"the keystore {parties.keystore} holds no {usage.value} private key "
                                            f"for {eui}, which the rig needs: it {why}")
    entries = root.items("devices")
    for entry, device in zip(entries, devices, strict=True):
        block = entry.mapping("emulated" if device.emulated else "physical")
        for usage in (KeyUsage.DIGITAL_SIGNING, KeyUsage.KEY_AGREEMENT):
            if keystore.public_key(device.eui64, usage) is None:
                raise SpecError(block.at("eui64"), f"the keystore {parties.keystore} holds no {usage.value} "
                                                   f"certificate or public key for {device.eui64}: add "
                                                   f"{device.eui64.lower()}-{usage.value}.pem, or the device's "
                                                   f"signatures and MACs cannot be checked")


def _strings(fields: Fields, key: str, default: list[str]) -> list[str]:
    values = fields.value(key, default)
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise SpecError(fields.at(key), f"must be a list of names, not {values!r}")
    return values


def _read_coordinator(fields: Fields, base: Path) -> tuple[CoordinatorConfig, EmulatorSpec | None]:
    if not fields.has("port"):
        raise SpecError(fields.at("port"), f"is required: {_PORT_FORMS}")
    config = CoordinatorConfig(
        radio=fields.choice("radio", {r: r for r in RADIO_TYPES}, "ezsp"),
        port=fields.string("port"),
        baudrate=fields.choice("baudrate", {b: b for b in (57600, 115200, 230400, 460800)}, 115200),
        flow_control=fields.choice("flow_control", {"hardware": "hardware", "software": "software"}, None),
        channel=fields.integer("channel", None, minimum=11, maximum=26),
        database=fields.named_path("database", None, base=base, kind="file", existing=False),
        reconnect_timeout=fields.number("reconnect_timeout", 60.0, minimum=1, maximum=3600),
    )
    if not config.port.strip():
        raise SpecError(fields.at("port"), f"must not be empty: {_PORT_FORMS}")
    if config.emulated and config.radio != "ezsp":
        raise SpecError(fields.at("radio"), "the emulated radio speaks EZSP: use radio: ezsp")
    emulator = read_emulator(fields.mapping("emulator"), base) if config.emulated else None
    if emulator is None:
        fields.mapping("emulator")  # not used with a physical radio, but it must still be a mapping
    fields.done()
    return config, emulator


def _read_devices(root: Fields, coordinator: CoordinatorConfig,
                  policies: Mapping[str, OtaPolicy]) -> tuple[DeviceConfig, ...]:
    devices: list[DeviceConfig] = []
    for entry in root.items("devices"):
        name = entry.string("name")
        if not name:
            raise SpecError(entry.at("name"), "must not be empty")
        device_type = entry.choice("type", {t: t for t in GB_DEVICE_TYPES})
        policy = entry.string("policy", device_type)
        if policy not in policies:
            raise SpecError(entry.at("policy"), f"no OTA policy {policy!r} (policies: {', '.join(policies)})")
        if any(other.name == name for other in devices):
            raise SpecError(entry.at("name"), f"{name!r} is used by another device")
        if entry.has("emulated") == entry.has("physical"):
            raise SpecError(entry.at("name"), "give exactly one of emulated: or physical:")
        emulated = entry.has("emulated")
        if emulated and not coordinator.emulated:
            raise SpecError(entry.at("emulated"), "emulated devices need coordinator.port: emulated")
        block = entry.mapping("emulated" if emulated else "physical")
        identity = read_identity(block, firmware_required=emulated)
        if any(other.eui64 == identity.eui64 for other in devices):
            raise SpecError(block.at("eui64"), f"{identity.eui64} is used by another device")
        if not emulated:
            block.done()  # the rest of an emulated: block is the emulator's, which checks it
        devices.append(DeviceConfig(name, device_type, policy, identity, emulated))
        entry.done()
    return tuple(devices)


def _read_images(fields: Fields, base: Path) -> dict[str, ImageConfig]:
    images: dict[str, ImageConfig] = {}
    for name in fields.names():
        entry = fields.mapping(name)
        sources = [s for s in ImageSource if entry.has(s.value)]
        if len(sources) != 1:
            raise SpecError(entry.path, "give exactly one of file:, duis: or build:")
        source = sources[0]
        if source is ImageSource.BUILD:
            images[name] = ImageConfig(name, source, build=_read_build(entry.mapping("build"), base))
        else:
            images[name] = ImageConfig(name, source, path=entry.named_path(source.value, base=base, kind="file",
                                                                     existing=True))
        entry.done()
    return images


def _read_build(fields: Fields, base: Path) -> ImageBuild:
    hardware = fields.value("hardware_versions", None)
    if hardware is not None and not (isinstance(hardware, list) and len(hardware) == 2
                                     and all(isinstance(v, int) and 0 <= v <= 0xFFFF for v in hardware)
                                     and hardware[0] <= hardware[1]):
        raise SpecError(fields.at("hardware_versions"), f"must be [minimum, maximum] 16-bit versions, not {hardware!r}")
    build = ImageBuild(
        manufacturer_code=fields.integer("manufacturer_code", minimum=0, maximum=0xFFFF),
        image_type=fields.integer("image_type", minimum=0, maximum=0xFFFF),
        file_version=fields.integer("file_version", minimum=0, maximum=0xFFFFFFFF),
        payload=fields.named_path("payload", None, base=base, kind="file", existing=True),
        payload_size=fields.integer("payload_size", 16384, minimum=1, maximum=8 * 1024 * 1024),
        seed=fields.integer("seed", 0, minimum=0),
        hardware_versions=tuple(hardware) if hardware is not None else None,
        header_string=fields.string("header_string", ""),
        sign=fields.boolean("sign", True),
    )
    fields.done()
    return build


#: Each device type's default: a PPMID activates when the CH says (now); an HCALCS only on CS06,
#: so its Upgrade End Response says wait (0xFFFFFFFF).
DEFAULT_POLICIES = {
    "ppmid": OtaPolicy(),
    "hcalcs": OtaPolicy(activation=PolicyActivation(Activation.ON_COMMAND)),
}


def _read_policies(fields: Fields) -> dict[str, OtaPolicy]:
    policies = dict(DEFAULT_POLICIES)
    for name in fields.names():
        policies[name] = _read_policy(fields.mapping(name), DEFAULT_POLICIES.get(name, OtaPolicy()))
    return policies


def _read_policy(fields: Fields, defaults: OtaPolicy) -> OtaPolicy:
    notify_fields, activation_fields = fields.mapping("notify"), fields.mapping("activation")
    pause = fields.mapping("wait_for_data") if fields.has("wait_for_data") else None
    notify = Notify(
        payload_type=NotifyPayloadType(notify_fields.integer("payload_type", defaults.notify.payload_type,
                                                             minimum=0, maximum=3)),
        query_jitter=notify_fields.integer("query_jitter", defaults.notify.query_jitter, minimum=1, maximum=100),
        attempts=notify_fields.integer("attempts", defaults.notify.attempts, minimum=1, maximum=100),
        interval=notify_fields.number("interval", defaults.notify.interval, minimum=0.1, maximum=3600),
    )
    when = activation_fields.choice("when", {a.value: a for a in Activation}, defaults.activation.when)
    activation = PolicyActivation(when, activation_fields.number("delay", defaults.activation.delay, minimum=0,
                                                                 maximum=86400))
    policy = OtaPolicy(
        max_block_size=fields.integer("max_block_size", defaults.max_block_size, minimum=1,
                                      maximum=LINK_MAX_BLOCK_SIZE),
        response_delay=fields.number("response_delay", defaults.response_delay, minimum=0, maximum=60),
        minimum_block_period_ms=fields.integer("minimum_block_period_ms", None, minimum=0, maximum=0xFFFF),
        wait_for_data=None if pause is None else WaitForData(
            pause.number("at_fraction", 0.5, minimum=0, maximum=1), pause.number("delay", 2.0, minimum=0,
                                                                                 maximum=3600)),
        page_requests=fields.boolean("page_requests", defaults.page_requests),
        stall_timeout=fields.number("stall_timeout", defaults.stall_timeout, minimum=0.1, maximum=86400),
        final_block_timeout=fields.number("final_block_timeout", defaults.final_block_timeout, minimum=0.1,
                                          maximum=86400),
        refusal_watch=fields.number("refusal_watch", defaults.refusal_watch, minimum=0, maximum=3600),
        notify=notify,
        activation=activation,
    )
    for part in (notify_fields, activation_fields, *([pause] if pause else []), fields):
        part.done()
    return policy


def _read_ch(fields: Fields) -> ChConfig:
    defaults = ChConfig()
    config = ChConfig(
        image_retention=fields.number("image_retention", None, minimum=0, maximum=365 * 86400),
        join_timeout=fields.number("join_timeout", defaults.join_timeout, minimum=1, maximum=3600),
        alert_timeout=fields.number("alert_timeout", defaults.alert_timeout, minimum=1, maximum=86400),
    )
    fields.done()
    return config
