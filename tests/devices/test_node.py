"""The device framework as the device kinds use it: clusters as data, handlers, timers, kinds."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from construct import Int8ul, Int16ul, Struct

from hanrig.bench.emulator import AirSettings
from hanrig.bench.fields import Fields
from hanrig.devices.errors import InputError
from hanrig.devices.han.aps import SMART_ENERGY_PROFILE, ApsMessage, Delivery
from hanrig.devices.han.kinds import ConfigContext, DeviceKind, DeviceSpec, kinds, register
from hanrig.devices.han.node import WELL_KNOWN_LINK_KEY, Endpoint, Node
from hanrig.devices.han.zcl.cluster import AttributeDef, Cluster, ClusterDef, CommandDef, Role, ZclReply, ZclRequest
from hanrig.devices.han.zcl.foundation import Status
from hanrig.devices.han.zcl.frame import Direction, FrameType, ZclFrame
from hanrig.devices.han.zcl.types import DataType
from hanrig.devices.ieee import Eui64
from tests.devices.han_fakes import identity_of, make_air

#: a made-up cluster in the shape of the SE ones: one attribute, a request and its response
PING = ClusterDef(
    cluster_id=0xFC01,
    name="ping",
    attributes=(AttributeDef(0x0000, "pings", DataType.UINT16),),
    server_commands=(CommandDef(0x00, "ping", Struct("value" / Int8ul)),),
    client_commands=(CommandDef(0x00, "pong", Struct("value" / Int8ul, "count" / Int16ul)),),
)


class PingDevice(Node):
    """An SE-profile device whose ping server counts pings and answers pong."""

    def __init__(self) -> None:
        self.ping = Cluster(PING, Role.SERVER, values={"pings": 0}, handlers={"ping": self._on_ping})
        super().__init__(
            name="pinger",
            eui64=Eui64(0x42),
            node_id=0x4242,
            endpoints=[Endpoint(1, profile_id=SMART_ENERGY_PROFILE, device_id=0x0507, clusters=[self.ping])],
        )

    def control(self, command: str, args: Mapping[str, Any]) -> Any:
        if command == "reset_pings":
            self.ping["pings"] = args.get("to", 0)
            return self.ping["pings"]
        return super().control(command, args)

    def _on_ping(self, request: ZclRequest) -> ZclReply | Status:
        if request.fields.value == 0:
            return Status.INVALID_VALUE
        self.ping["pings"] += 1
        return ZclReply("pong", {"value": request.fields.value, "count": self.ping["pings"]})


def _ping(value: int, tsn: int = 1) -> ApsMessage:
    frame = ZclFrame(FrameType.CLUSTER, Direction.CLIENT_TO_SERVER, tsn, 0x00, bytes([value]))
    return ApsMessage(0x0000, 0x4242, SMART_ENERGY_PROFILE, 0xFC01, 1, 1, frame.to_bytes())


def test_a_cluster_command_handler_answers_with_its_declared_reply() -> None:
    air, coordinator, clock, _ = make_air()
    device = PingDevice()
    device.attach(air, air.events, joined=True)
    air.send(_ping(7))
    clock.advance(1.0)
    (answer,) = coordinator.received
    frame = ZclFrame.parse(answer.payload)
    assert (answer.profile_id, frame.frame_type, frame.direction, frame.command_id) == (
        SMART_ENERGY_PROFILE,
        FrameType.CLUSTER,
        Direction.SERVER_TO_CLIENT,
        0x00,
    )
    assert PING.command(Direction.SERVER_TO_CLIENT, "pong").schema.parse(frame.payload) == {
        "value": 7,
        "count": 1,
    }


def test_a_handler_returning_a_status_sends_a_default_response_with_it() -> None:
    air, coordinator, clock, _ = make_air()
    PingDevice().attach(air, air.events, joined=True)
    air.send(_ping(0))
    clock.advance(1.0)
    assert ZclFrame.parse(coordinator.received[0].payload).payload == bytes([0x00, Status.INVALID_VALUE])


def test_a_frame_with_another_profile_does_not_reach_the_endpoint() -> None:
    air, coordinator, clock, events = make_air()
    PingDevice().attach(air, air.events, joined=True)
    message = _ping(1)
    air.send(ApsMessage(**{**message.__dict__, "profile_id": 0x0104}))
    clock.advance(1.0)
    assert coordinator.received == []
    assert any(e.kind == "dropped" for e in events.since())


def test_a_device_acts_on_its_own_through_timers_and_sends_zcl_with_its_endpoint_profile() -> None:
    air, coordinator, clock, _ = make_air()
    device = PingDevice()
    device.attach(air, air.events, joined=True)
    frame = ZclFrame(FrameType.CLUSTER, Direction.SERVER_TO_CLIENT, device.next_tsn(), 0x00, b"\x01\x00\x00")
    device.call_later(
        30.0, lambda: device.send_zcl(frame, cluster_id=0xFC01, source_endpoint=1, destination_endpoint=1)
    )
    clock.advance(29.0)
    assert coordinator.received == []
    clock.advance(2.0)
    assert [(m.profile_id, m.payload) for m in coordinator.received] == [
        (SMART_ENERGY_PROFILE, frame.to_bytes())
    ]


def test_kinds_are_found_by_name_and_build_their_devices() -> None:
    generic = kinds()["generic"]
    identity = identity_of(Eui64(1))
    settings = generic.read_settings(Fields({}, "devices[0].emulated"), ConfigContext(), identity)
    device = generic.build(DeviceSpec("x", "generic", identity, 0x0101, WELL_KNOWN_LINK_KEY, True, settings))
    assert (device.name, device.node_id, device.endpoints[1].profile_id) == ("x", 0x0101, 0x0104)


def test_a_kind_name_cannot_be_registered_twice() -> None:
    with pytest.raises(ValueError, match="twice"):
        register(DeviceKind("generic", lambda fields, context: None, lambda spec: PingDevice()))


def test_a_kind_adds_control_commands_of_its_own() -> None:
    device = PingDevice()
    assert device.control("reset_pings", {"to": 5}) == 5
    with pytest.raises(InputError, match="no control command 'fly'"):
        device.control("fly", {})


class Pinger(PingDevice):
    """A ping device that also hears how its own pongs were answered, and notices restarts."""

    def __init__(self) -> None:
        super().__init__()
        self.answers: list[tuple[int, int]] = []
        self.broadcasts: list[bool] = []
        self.restarts = 0
        self.ping._handlers[0x00] = self._note_ping
        self.ping.on_default_response = lambda command, status: self.answers.append((command, status))

    def _note_ping(self, request: ZclRequest) -> ZclReply | Status:
        self.broadcasts.append(request.broadcast)
        return ZclReply("pong", {"value": request.fields.value, "count": 0})

    def on_rebooted(self) -> None:
        self.restarts += 1


def test_a_cluster_is_told_how_its_own_request_was_answered_by_default_response() -> None:
    air, coordinator, clock, _ = make_air()
    device = Pinger()
    device.attach(air, air.events, joined=True)
    answer = ZclFrame(FrameType.GLOBAL, Direction.CLIENT_TO_SERVER, 9, 0x0B, bytes([0x00, Status.NOT_FOUND]))
    air.send(ApsMessage(0x0000, 0x4242, SMART_ENERGY_PROFILE, 0xFC01, 1, 1, answer.to_bytes()))
    clock.advance(1.0)
    assert device.answers == [(0x00, Status.NOT_FOUND)] and coordinator.received == []


def test_a_handler_knows_whether_the_command_was_a_broadcast() -> None:
    air, _, clock, _ = make_air()
    device = Pinger()
    device.attach(air, air.events, joined=True)
    air.send(_ping(1))
    broadcast = ApsMessage(**{**_ping(2).__dict__, "destination": 0xFFFF, "delivery": Delivery.BROADCAST})
    air.send(broadcast)
    clock.advance(1.0)
    assert device.broadcasts == [False, True]


def test_a_rebooting_device_is_off_the_air_then_back_in_the_network_and_announced() -> None:
    air, coordinator, clock, events = make_air(settings=AirSettings(aps_retries=0, aps_ack_timeout=0.1))
    device = Pinger()
    device.attach(air, events, joined=True)
    device.reboot(2.0)
    air.send(_ping(3))
    clock.advance(1.0)
    assert coordinator.received == [] and device.restarts == 0
    clock.advance(2.0)
    announce = [m for m in coordinator.received if m.cluster_id == 0x0013]
    assert device.joined and device.restarts == 1 and len(announce) == 1
    assert [e.kind for e in events.since() if e.source == "pinger"][-3:] == ["powered_off", "powered_on", "sent"]


def test_a_device_that_reboots_again_before_announcing_itself_announces_once_when_it_is_back() -> None:
    air, coordinator, clock, _ = make_air()
    device = Pinger()
    device.attach(air, air.events, joined=True)
    device.reboot(0.1)
    clock.advance(0.1)  # back on the air, its announcement not yet sent
    device.reboot(0.5)
    clock.advance(5.0)
    announce = [m for m in coordinator.received if m.cluster_id == 0x0013]
    assert device.restarts == 2 and len(announce) == 1


def test_a_device_removed_while_rebooting_stays_off() -> None:
    air, _, clock, _ = make_air()
    device = Pinger()
    device.attach(air, air.events, joined=True)
    device.reboot(1.0)
    device.detach()
    clock.advance(5.0)
    assert air.station(0x4242) is None and device.restarts == 0
