"""The virtual HAN: delivery, latency, loss, lost APS acks and retries, floods, joins."""

from __future__ import annotations

import pytest

from hanrig.bench.emulator import AirFaults, AirSettings, Faults
from hanrig.devices.han import airtime
from hanrig.devices.han.air import AckTiming
from hanrig.devices.han.aps import ApsMessage, BroadcastAddress, Delivery
from hanrig.devices.han.generic import GenericDevice, GenericSettings
from hanrig.devices.han.kinds import DeviceSpec
from hanrig.devices.han.node import WELL_KNOWN_LINK_KEY
from hanrig.devices.ieee import Eui64
from tests.devices.han_fakes import FakeCoordinator, identity_of, make_air


def _device(node_id: int = 0x1234, name: str = "dev") -> GenericDevice:
    spec = DeviceSpec(
        name, "generic", identity_of(Eui64(0x1100 + node_id)), node_id, WELL_KNOWN_LINK_KEY, True, GenericSettings()
    )
    return GenericDevice(spec)


def _to(node_id: int, payload: bytes = b"\x10\x01\x00\x00\x00", ack: bool = True) -> ApsMessage:
    return ApsMessage(0x0000, node_id, 0x0104, 0x0000, 1, 1, payload, counter=7, ack_requested=ack)


def _unanswered(octets: int) -> bytes:
    """A ZCL frame of ``octets`` that a device does not answer (a Default Response), so the channel is the sender's."""
    return b"\x18\x01\x0b\x00\x00" + bytes(octets - 5)


def test_a_unicast_arrives_after_the_latency_and_its_ack_after_another() -> None:
    air, _, clock, _ = make_air(settings=AirSettings(latency=0.01))
    device = _device()
    device.attach(air, air.events, joined=True)
    outcomes: list[bool] = []
    air.send(_to(0x1234), outcomes.append)
    clock.advance(0.0099)
    assert outcomes == []
    clock.advance(0.0102)
    assert outcomes == [True]


def test_with_the_airtime_model_a_hop_takes_as_long_as_on_a_real_radio() -> None:
    air, _, clock, _ = make_air(settings=AirSettings(latency=0.0, airtime=True))
    device = _device()
    device.attach(air, air.events, joined=True)
    outcomes: list[bool] = []
    message = _to(0x1234, payload=_unanswered(60))
    air.send(message, outcomes.append)
    clock.advance(airtime.unicast_time(60, aps_ack=True) - 1e-6)
    assert outcomes == []
    clock.advance(2e-6)
    assert outcomes == [True]


def test_in_real_time_air_two_transfers_on_one_channel_share_it_and_take_twice_as_long() -> None:
    air, _, clock, _ = make_air(settings=AirSettings(latency=0.0, airtime=True))
    first, second = _device(0x1234, "first"), _device(0x5678, "second")
    for device in (first, second):
        device.attach(air, air.events, joined=True)
    outcomes: list[int] = []
    air.send(_to(0x1234, payload=_unanswered(60)), lambda delivered: outcomes.append(0x1234))
    air.send(_to(0x5678, payload=_unanswered(60)), lambda delivered: outcomes.append(0x5678))
    one = airtime.unicast_time(60, aps_ack=True)
    clock.advance(one + 1e-6)
    # the second data frame waited for the first; the first's APS ACK waited for the second data frame
    assert outcomes == []
    clock.advance(one)
    assert sorted(outcomes) == [0x1234, 0x5678]


def test_in_real_time_air_stations_on_different_channels_do_not_wait_for_each_other() -> None:
    air, _, clock, _ = make_air(settings=AirSettings(latency=0.0, airtime=True))
    first, second = _device(0x1234, "first"), _device(0x5678, "second")
    for device in (first, second):
        device.attach(air, air.events, joined=True)
    elsewhere = FakeCoordinator()
    elsewhere.node_id, elsewhere.channel, elsewhere.eui64 = 0x0001, 25, Eui64(0x00124B0000000002)
    air.attach(elsewhere)
    second.channel = 25
    outcomes: list[int] = []
    air.send(_to(0x1234, payload=_unanswered(60)), lambda delivered: outcomes.append(0x1234))
    air.send(ApsMessage(0x0001, 0x5678, 0x0104, 0x0000, 1, 1, _unanswered(60), counter=8, ack_requested=True),
             lambda delivered: outcomes.append(0x5678))
    clock.advance(airtime.unicast_time(60, aps_ack=True) + 1e-6)
    assert sorted(outcomes) == [0x1234, 0x5678]


def test_without_the_airtime_model_frames_on_one_channel_do_not_wait_for_each_other() -> None:
    air, _, clock, _ = make_air(settings=AirSettings(latency=0.01))
    for node_id in (0x1234, 0x5678):
        _device(node_id, f"d{node_id}").attach(air, air.events, joined=True)
    outcomes: list[bool] = []
    air.send(_to(0x1234), outcomes.append)
    air.send(_to(0x5678), outcomes.append)
    clock.advance(0.0201)
    assert outcomes == [True, True]


def test_a_message_to_a_device_out_of_range_fails_after_every_retry() -> None:
    air, _, clock, events = make_air(settings=AirSettings(aps_ack_timeout=0.5, aps_retries=3))
    device = _device()
    device.attach(air, air.events, joined=True)
    device.in_range = False
    outcomes: list[bool] = []
    air.send(_to(0x1234), outcomes.append)
    clock.advance(4 * 0.5 - 0.01)
    assert outcomes == []
    clock.advance(0.02)
    assert outcomes == [False]
    assert [e.details["attempt"] for e in events.since() if e.kind == "lost"] == [1, 2, 3, 4]


def test_a_lost_aps_ack_makes_the_sender_retry_but_the_device_acts_once() -> None:
    air, coordinator, clock, events = make_air(faults=Faults(air=AirFaults(aps_ack_failure=0.5)))
    device = _device()
    device.attach(air, air.events, joined=True)
    results = []
    for _ in range(20):
        air.send(_to(0x1234), results.append)
        clock.advance(5.0)
    handled = [e for e in events.since() if e.source == "dev" and e.kind == "zcl_received"]
    assert len(handled) == 20
    assert any(e.kind == "ack_lost" for e in events.since())
    assert len(results) == 20


def test_a_message_without_aps_ack_is_reported_at_the_mac_ack() -> None:
    air, _, clock, _ = make_air(settings=AirSettings(latency=0.01))
    device = _device()
    device.attach(air, air.events, joined=True)
    outcomes: list[bool] = []
    air.send(_to(0x1234, ack=False), outcomes.append)
    clock.advance(0.011)
    assert outcomes == [True]


def test_a_receiver_that_acknowledges_later_holds_the_sender_until_it_does() -> None:
    air, coordinator, clock, _ = make_air(coordinator=FakeCoordinator(ack=AckTiming.LATER))
    device = _device()
    device.attach(air, air.events, joined=True)
    outcomes: list[bool] = []
    message = ApsMessage(0x1234, 0x0000, 0x0104, 0x0000, 1, 1, b"x", counter=9)
    air.send(message, outcomes.append)
    clock.advance(0.1)
    assert len(coordinator.received) == 1 and outcomes == []
    assert air.acknowledge(0x0000, 0x1234, 9, 0)
    clock.advance(0.1)
    assert outcomes == [True]
    assert len(coordinator.received) == 1


def test_a_broadcast_reaches_every_station_in_range_but_the_sender() -> None:
    air, coordinator, clock, _ = make_air()
    near, far = _device(0x1111, "near"), _device(0x2222, "far")
    for device in (near, far):
        device.attach(air, air.events, joined=True)
    far.in_range = False
    message = ApsMessage(
        0x1111, BroadcastAddress.ALL_DEVICES, 0x0000, 0x0013, 0, 0, b"\x01", delivery=Delivery.BROADCAST
    )
    air.send(message)
    clock.advance(1.0)
    assert [m.source for m in coordinator.received] == [0x1111]


def test_a_device_that_is_not_joined_neither_sends_nor_receives() -> None:
    air, _, clock, _ = make_air()
    device = _device()
    device.attach(air, air.events, joined=False)
    outcomes: list[bool] = []
    air.send(_to(0x1234), outcomes.append)
    clock.run_all()
    assert outcomes == [False]


def test_a_device_joins_when_permit_opens_and_announces_itself() -> None:
    air, coordinator, clock, _ = make_air()
    device = _device()
    device.attach(air, air.events)
    assert not device.joined
    air.permit_opened()
    clock.advance(1.0)
    assert device.joined
    assert [r.eui64 for r in coordinator.joined] == [device.eui64]
    (announce,) = [m for m in coordinator.received if m.cluster_id == 0x0013]
    assert announce.payload[1:3] == (0x1234).to_bytes(2, "little")


def test_a_refused_device_stays_out() -> None:
    air, _, clock, events = make_air(coordinator=FakeCoordinator(admit=False))
    device = _device()
    device.attach(air, air.events)
    assert not device.join()
    assert any(e.kind == "join_refused" for e in events.since())


def test_two_stations_cannot_share_a_node_id() -> None:
    air, _, _, _ = make_air()
    _device().attach(air, air.events)
    with pytest.raises(ValueError, match="already on the air"):
        _device().attach(air, air.events)


def test_air_loss_is_repeatable_for_a_seed() -> None:
    def run() -> list[bool]:
        air, _, clock, _ = make_air(
            faults=Faults(air=AirFaults(loss=0.3)), settings=AirSettings(aps_retries=0)
        )
        device = _device()
        device.attach(air, air.events, joined=True)
        outcomes: list[bool] = []
        for _ in range(30):
            air.send(_to(0x1234), outcomes.append)
            clock.advance(1.0)
        return outcomes

    first = run()
    assert first == run()
    assert 0 < first.count(False) < 30


def test_with_the_airtime_model_a_fragmented_message_takes_as_long_as_its_fragments_would() -> None:
    air, coordinator, clock, _ = make_air(settings=AirSettings(latency=0.0, airtime=True))
    device = _device()
    device.attach(air, air.events, joined=True)
    outcomes: list[bool] = []
    device.send(
        payload=bytes(200),
        profile_id=0x0104,
        cluster_id=0xFC00,
        source_endpoint=1,
        destination_endpoint=1,
        on_done=outcomes.append,
    )
    # 80 + 80 + 40 octets, one window of one fragment at a time, each acknowledged
    expected = 2 * airtime.unicast_time(80, aps_ack=True, fragment=True) + airtime.unicast_time(
        40, aps_ack=True, fragment=True
    )
    clock.advance(expected - 1e-6)
    assert outcomes == []
    clock.advance(2e-6)
    assert outcomes == [True]
    assert [len(m.payload) for m in coordinator.received] == [80, 80, 40]


def test_a_broadcast_too_long_for_one_frame_is_refused() -> None:
    air, _, _, _ = make_air()
    device = _device()
    device.attach(air, air.events, joined=True)
    with pytest.raises(ValueError, match="fragments only unicasts"):
        device.send(
            payload=bytes(83),
            profile_id=0x0104,
            cluster_id=0,
            source_endpoint=1,
            destination_endpoint=1,
            destination=BroadcastAddress.ALL_DEVICES,
            delivery=Delivery.BROADCAST,
        )


def test_a_device_model_that_fails_on_a_frame_is_logged_and_the_sender_still_hears_back(
    caplog: pytest.LogCaptureFixture,
) -> None:
    air, _, clock, _ = make_air()
    device = _device()
    device.attach(air, air.events, joined=True)

    def broken(message: ApsMessage) -> None:
        raise RuntimeError("a bug in a device kind")

    device.handle_message = broken  # type: ignore[method-assign]
    outcomes: list[bool] = []
    air.send(_to(0x1234), outcomes.append)
    clock.advance(1.0)
    assert outcomes == [True]
    assert "station 0x1234 failed" in caplog.text


def test_every_frame_of_an_acknowledged_unicast_is_accounted_with_its_predicted_airtime() -> None:
    air, _, clock, _ = make_air(settings=AirSettings(latency=0.01))
    device = _device()
    device.attach(air, air.events, joined=True)
    # to an endpoint the device does not have, so that it sends nothing back
    air.send(ApsMessage(0x0000, 0x1234, 0x0104, 0x0000, 1, 7, bytes(60), counter=7, ack_requested=True))
    clock.advance(1.0)
    assert air.account.frames == 2  # the data frame and its APS ACK
    assert air.account.seconds == pytest.approx(airtime.unicast_time(60, aps_ack=True))


def test_airtime_is_accounted_with_the_model_off_as_with_it_on() -> None:
    def accounted(model: bool) -> dict[str, float | int]:
        air, _, clock, _ = make_air(settings=AirSettings(latency=0.0, airtime=model))
        device = _device()
        device.attach(air, air.events, joined=True)
        device.send(payload=bytes(200), profile_id=0x0104, cluster_id=0xFC00, source_endpoint=1,
                    destination_endpoint=1)
        clock.advance(1.0)
        return air.account.as_dict()

    assert accounted(model=False) == accounted(model=True)
    assert accounted(model=True)["frames"] == 6  # three fragments, each with its APS ACK


def test_lost_frames_and_retries_are_accounted_for_the_airtime_they_took() -> None:
    air, _, clock, _ = make_air(settings=AirSettings(aps_ack_timeout=0.5, aps_retries=3))
    device = _device()
    device.attach(air, air.events, joined=True)
    device.in_range = False
    air.send(_to(0x1234, payload=bytes(10)))
    clock.advance(5.0)
    assert air.account.frames == 4
    assert air.account.seconds == pytest.approx(4 * airtime.data_time(10))


def test_a_broadcast_is_one_frame_without_acknowledgements() -> None:
    air, _, clock, _ = make_air()
    for node_id, name in ((0x1111, "near"), (0x2222, "other")):
        _device(node_id, name).attach(air, air.events, joined=True)
    air.send(ApsMessage(0x1111, BroadcastAddress.ALL_DEVICES, 0x0000, 0x0013, 0, 0, b"\x01",
                        delivery=Delivery.BROADCAST))
    clock.advance(1.0)
    assert air.account.as_dict() == {"frames": 1, "airtime_s": pytest.approx(airtime.broadcast_time(1))}
