"""A coordinator stand-in for HAN unit tests: a station that records and admits."""

from __future__ import annotations

from hanrig.bench.emulator import AirSettings, Faults
from hanrig.bench.identity import DeviceIdentity
from hanrig.devices.events import EventLog
from hanrig.devices.han.air import AckTiming, Air, JoinRequest, Link
from hanrig.devices.han.aps import ApsMessage
from hanrig.devices.ieee import Eui64
from hanrig.devices.radio.faults import FaultInjector
from hanrig.gbcs import Eui64 as GbcsEui64
from tests.devices.fakes import ManualScheduler


class FakeCoordinator:
    node_id = 0x0000
    on_network = True
    in_range = True
    is_router = True
    rx_on_when_idle = True
    channel = 11
    eui64 = Eui64(0x00124B0000000001)

    def __init__(self, ack: AckTiming = AckTiming.NOW, admit: bool = True) -> None:
        self.received: list[ApsMessage] = []
        self.ack = ack
        self.admits = admit
        self.joined: list[JoinRequest] = []
        self.left_devices: list[Eui64] = []

    def member_of(self, group_id: int) -> bool:
        return False

    def receive(self, message: ApsMessage, link: Link) -> AckTiming:
        self.received.append(message)
        return self.ack

    def admit(self, request: JoinRequest) -> bool:
        if self.admits:
            self.joined.append(request)
        return self.admits

    def left(self, eui64: Eui64, node_id: int) -> None:
        self.left_devices.append(eui64)


def make_air(
    faults: Faults | None = None,
    settings: AirSettings | None = None,
    coordinator: FakeCoordinator | None = None,
) -> tuple[Air, FakeCoordinator, ManualScheduler, EventLog]:
    clock = ManualScheduler()
    events = EventLog(clock)
    air = Air(
        clock,
        settings=settings or AirSettings(),
        faults=FaultInjector(faults or Faults(), seed=3),
        events=events,
    )
    coordinator = coordinator or FakeCoordinator()
    air.attach(coordinator)
    air.trust_center = coordinator
    return air, coordinator, clock, events


def identity_of(eui64: Eui64) -> DeviceIdentity:
    """Who a device with this address is, as its ``DeviceSpec`` holds it."""
    return DeviceIdentity(GbcsEui64(eui64.to_wire()[::-1]))
