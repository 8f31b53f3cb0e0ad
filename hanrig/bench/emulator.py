"""The emulated radio's block of the config: ``coordinator.emulator``, as a typed spec.

    coordinator:
      port: emulated
      emulator:
        ezsp_version: 13          # 8 or 13
        state_file: ncp-state.json
        seed: 1                   # every random fault and choice follows it
        eui64: 00-0D-6F-00-00-00-00-01
        faults: {serial: {drop: 0.05, corrupt: 0.01, delay: 0}, ezsp: {busy: 0.01}, air: {loss: 0.02}}
        air: {latency: 0, airtime: false, aps_ack_timeout: 0.4, aps_retries: 3, fragment_window: 1}
        cbke: test-ca             # CBKE data of a factory-new NCP: the project's test CA, or none

The rig reads it to check it with the rest of the file; the emulator reads it to run.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

from hanrig.bench.fields import Fields
from hanrig.gbcs import Eui64

#: the EZSP protocol versions the emulated NCP speaks (EmberZNet 6.10 and 7.4)
EZSP_VERSIONS = (8, 13)
DEFAULT_EZSP_VERSION = 13
#: the unsolicited RSTACK sent to a ``socket://`` host, as zigbeed does, this long after it connects
DEFAULT_SOCKET_RSTACK_DELAY = 0.5
#: what CBKE data a factory-new emulated NCP holds: certificates of the project's test CA
#: for both crypto suites (``hanrig.testpki.cbke``), or none, like a stick never provisioned
CBKE_DATA = ("test-ca", "none")


@dataclass(frozen=True)
class SerialFaults:
    """Per ASH frame and per direction: the chance it is lost or damaged, and a fixed delay."""

    drop: float = 0.0
    corrupt: float = 0.0
    delay: float = 0.0


@dataclass(frozen=True)
class EzspFaults:
    """``busy``: chance a send is refused; ``sent_failure``/``sent_delay``: the messageSentHandler."""

    busy: float = 0.0
    sent_failure: float = 0.0
    sent_delay: float = 0.0


@dataclass(frozen=True)
class AirFaults:
    """Per transmission on the air: the chance it is lost, and the chance its APS ack is lost."""

    loss: float = 0.0
    aps_ack_failure: float = 0.0


@dataclass(frozen=True)
class Faults:
    serial: SerialFaults = SerialFaults()
    ezsp: EzspFaults = EzspFaults()
    air: AirFaults = AirFaults()

    def as_dict(self) -> dict[str, dict[str, float]]:
        return {level.name: {setting.name: getattr(getattr(self, level.name), setting.name)
                             for setting in fields(getattr(self, level.name))}
                for level in fields(self)}


@dataclass(frozen=True)
class AirSettings:
    #: seconds one hop takes on top of the airtime model: what the stacks take to pass a frame on.
    #: Zero by default, so that the emulator is as fast as its host; real modules take several
    #: milliseconds (``benchmarks/airtime.py`` sets the model against published measurements)
    latency: float = 0.0
    #: real-time air: every frame takes its 250 kbit/s airtime (``hanrig.devices.han.airtime``)
    #: and waits for the frames before it on the same channel
    airtime: bool = False
    #: how long an APS sender waits for the ACK before it tries again
    aps_ack_timeout: float = 0.4
    aps_retries: int = 3
    #: fragments a sender sends before it waits for their acknowledgement
    fragment_window: int = 1
    lqi: int = 255
    rssi: int = -45


@dataclass(frozen=True)
class EmulatorSpec:
    ezsp_version: int = DEFAULT_EZSP_VERSION
    state_file: Path | None = None
    seed: int = 0
    #: the NCP's own EUI-64 (None: one derived from the seed)
    eui64: Eui64 | None = None
    faults: Faults = Faults()
    air: AirSettings = AirSettings()
    socket_rstack_delay: float | None = DEFAULT_SOCKET_RSTACK_DELAY
    cbke: str = "test-ca"


def read_emulator(fields: Fields, base_dir: Path) -> EmulatorSpec:
    """The ``coordinator.emulator`` block; paths in it are taken from ``base_dir``."""
    delay = fields.number("socket_rstack_delay", DEFAULT_SOCKET_RSTACK_DELAY, minimum=0, maximum=1.9)
    spec = EmulatorSpec(
        ezsp_version=fields.choice("ezsp_version", {version: version for version in EZSP_VERSIONS},
                                   DEFAULT_EZSP_VERSION),
        state_file=fields.named_path("state_file", None, base=base_dir, kind="file", existing=False),
        seed=fields.integer("seed", 0, minimum=0),
        eui64=fields.eui64("eui64", None),
        faults=read_faults(fields.mapping("faults")),
        air=_read_air(fields.mapping("air")),
        socket_rstack_delay=delay,
        cbke=fields.choice("cbke", {name: name for name in CBKE_DATA}, "test-ca"),
    )
    fields.done()
    return spec


def read_faults(fields: Fields) -> Faults:
    """A ``faults:`` block (at start, or changed while the emulator runs)."""
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
