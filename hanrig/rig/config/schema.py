"""What ``hil_config.yaml`` holds, as frozen values, and how each part is read.

The emulator's part (``coordinator.emulator`` and each device's ``emulated`` block) is
read by ``devices.spec``, which owns it; everything else is the rig's. Every field is
checked, unknown keys are typos, and each problem names its field path, which
``rig.config.load`` turns into a line number.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hanrig.devices.errors import SpecError
from hanrig.devices.fields import Fields
from hanrig.devices.han.kinds import DeviceSpec
from hanrig.devices.spec import EmulatorSpec, parse_config
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
_PORT_FORMS = "give a serial port (/dev/ttyUSB0), socket://HOST:PORT, usb:SERIAL-NUMBER or emulated"
RADIO_TYPES = ("ezsp", "znp", "deconz")
DEVICE_TYPES = ("ppmid", "hcalcs")


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
class GbcsConfig:
    """The keystore and the parties the CH deals with (test PKI EUIs by default)."""

    keystore: Path
    acb: str
    supplier: str
    comms_hub: str


@dataclass(frozen=True)
class DeviceConfig:
    """A HAN device the rig updates: its identity, and how it is reached or emulated."""

    name: str
    type: str
    eui64: str
    policy: str
    #: what the CH knows of the device's firmware identity (None: learnt from its query)
    manufacturer_code: int | None = None
    image_type: int | None = None
    hardware_version: int | None = None
    firmware_version: int | None = None
    install_code: str | None = None
    emulated: DeviceSpec | None = None


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

    #: how long the CH holds an image before it discards it (None: until replaced)
    image_retention: float | None = None
    join_timeout: float = 60.0
    #: how long to wait for a device's alert or response after the step that causes it
    alert_timeout: float = 120.0


@dataclass(frozen=True)
class RigConfig:
    path: Path
    sha256: str
    coordinator: CoordinatorConfig
    emulator: EmulatorSpec | None
    gbcs: GbcsConfig
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
    coordinator = _read_coordinator(root.mapping("coordinator"), base)
    _check_device_types(Fields(data, ""))
    emulator = parse_config(data, base_dir=base) if coordinator.emulated else None
    policies = _read_policies(root.mapping("ota_policies"))
    gbcs = _read_gbcs(root.mapping("gbcs"), base)
    devices = _read_devices(root, emulator, policies)
    config = RigConfig(
        path=path,
        sha256=sha256,
        coordinator=coordinator,
        emulator=emulator,
        gbcs=gbcs,
        devices=devices,
        images=_read_images(root.mapping("images"), base),
        ota_policies=policies,
        ch=_read_ch(root.mapping("ch")),
        suites=tuple(_strings(root, "suites", ["secmp0007"])),
        report_dir=root.named_path("report_dir", "reports", base=base, kind="directory", existing=False),
    )
    root.done()
    return config


def _strings(fields: Fields, key: str, default: list[str]) -> list[str]:
    values = fields.value(key, default)
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise SpecError(fields.at(key), f"must be a list of names, not {values!r}")
    return values


def _read_coordinator(fields: Fields, base: Path) -> CoordinatorConfig:
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
    fields.mapping("emulator")  # read by devices.spec; must be a mapping
    fields.done()
    return config


def _read_gbcs(fields: Fields, base: Path) -> GbcsConfig:
    config = GbcsConfig(
        keystore=fields.named_path("keystore", base=base, kind="directory", existing=True),
        acb=_eui(fields, "acb"),
        supplier=_eui(fields, "supplier"),
        comms_hub=_eui(fields, "comms_hub"),
    )
    fields.done()
    return config


def _eui(fields: Fields, key: str) -> str:
    return f"{fields.eui64(key).value:016X}"


def _check_device_types(root: Fields) -> None:
    """The rig updates PPMIDs and HCALCSs: say so before the emulator lists the kinds it can emulate."""
    for entry in root.items("devices"):
        entry.choice("type", {t: t for t in DEVICE_TYPES})


def _read_devices(root: Fields, emulator: EmulatorSpec | None,
                  policies: Mapping[str, OtaPolicy]) -> tuple[DeviceConfig, ...]:
    emulated_specs = {spec.name: spec for spec in emulator.devices} if emulator else {}
    devices: list[DeviceConfig] = []
    for entry in root.items("devices"):
        name = entry.string("name")
        device_type = entry.choice("type", {t: t for t in DEVICE_TYPES})
        policy = entry.string("policy", device_type)
        if policy not in policies:
            raise SpecError(entry.at("policy"), f"no OTA policy {policy!r} (policies: {', '.join(policies)})")
        if any(other.name == name for other in devices):
            raise SpecError(entry.at("name"), f"{name!r} is used by another device")
        if entry.has("emulated") == entry.has("physical"):
            raise SpecError(entry.at("name"), "give exactly one of emulated: or physical:")
        if entry.has("emulated"):
            if emulator is None:
                raise SpecError(entry.at("emulated"), "emulated devices need coordinator.port: emulated")
            entry.mapping("emulated")  # read by devices.spec
            device = _emulated_device(name, device_type, policy, emulated_specs[name])
        else:
            device = _physical_device(name, device_type, policy, entry.mapping("physical"))
        devices.append(device)
        entry.done()
    return tuple(devices)


def _emulated_device(name: str, device_type: str, policy: str, spec: DeviceSpec) -> DeviceConfig:
    settings = spec.settings
    return DeviceConfig(
        name=name, type=device_type, eui64=f"{spec.eui64.value:016X}", policy=policy,
        manufacturer_code=settings.manufacturer_code, image_type=settings.image_type,
        hardware_version=settings.hardware_version, firmware_version=settings.firmware_version, emulated=spec)


def _physical_device(name: str, device_type: str, policy: str, fields: Fields) -> DeviceConfig:
    device = DeviceConfig(
        name=name, type=device_type, eui64=_eui(fields, "eui64"), policy=policy,
        manufacturer_code=fields.integer("manufacturer_code", None, minimum=0, maximum=0xFFFF),
        image_type=fields.integer("image_type", None, minimum=0, maximum=0xFFFF),
        hardware_version=fields.integer("hardware_version", None, minimum=0, maximum=0xFFFF),
        firmware_version=fields.integer("firmware_version", None, minimum=0, maximum=0xFFFFFFFF),
        install_code=fields.string("install_code", None),
    )
    fields.done()
    return device


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
