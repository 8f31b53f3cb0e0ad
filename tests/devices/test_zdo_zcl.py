"""ZDO and ZCL as the emulated devices speak them, checked by zigpy's own parsers."""

from __future__ import annotations

import pytest
import zigpy.types
import zigpy.zcl.foundation as zf
import zigpy.zdo
import zigpy.zdo.types as zdo_t

from hanrig.devices.han.generic import GenericDevice, GenericSettings
from hanrig.devices.han.kinds import DeviceSpec
from hanrig.devices.han.node import WELL_KNOWN_LINK_KEY
from hanrig.devices.han.zcl.cluster import dispatch
from hanrig.devices.han.zcl.foundation import Status
from hanrig.devices.han.zcl.frame import Direction, FrameType, ZclFrame
from hanrig.devices.han.zdo import ZdoServer, device_announce
from hanrig.devices.ieee import Eui64
from tests.devices.han_fakes import identity_of

EUI64 = Eui64.parse("00:11:22:33:44:55:66:77")
DEVICE = GenericDevice(
    DeviceSpec("dev", "generic", identity_of(EUI64), 0x1234, WELL_KNOWN_LINK_KEY, True,
               GenericSettings("Acme", "Widget"))
)
ZDO = zigpy.zdo.ZDO(None)


def _zdo(cluster: int, body: bytes, *, broadcast: bool = False) -> tuple[int | None, list[object]]:
    answer = ZdoServer(DEVICE).handle(cluster, b"\x2a" + body, broadcast=broadcast)
    if answer.cluster_id is None:
        return None, []
    header, args = ZDO.deserialize(answer.cluster_id, answer.payload)
    assert header.tsn == 0x2A
    return answer.cluster_id, args


def test_node_descriptor_parses_as_zigpys_and_says_mains_powered_router() -> None:
    cluster, (status, nwk, descriptor) = _zdo(0x0002, b"\x34\x12")
    assert (cluster, status, nwk) == (0x8002, zdo_t.Status.SUCCESS, 0x1234)
    assert descriptor.logical_type == zdo_t.LogicalType.Router
    assert descriptor.is_mains_powered and descriptor.is_receiver_on_when_idle
    assert descriptor.frequency_band == zdo_t.NodeDescriptor.FrequencyBand.Freq2400MHz
    assert descriptor.manufacturer_code == 0x1234


def test_active_endpoints_and_simple_descriptor_describe_the_basic_server() -> None:
    _, (status, _, endpoints) = _zdo(0x0005, b"\x34\x12")
    assert (status, endpoints) == (zdo_t.Status.SUCCESS, [1])
    _, (status, _, descriptor) = _zdo(0x0004, b"\x34\x12\x01")
    assert descriptor.profile == 0x0104 and descriptor.input_clusters == [0x0000]
    assert descriptor.output_clusters == []


def test_a_simple_descriptor_for_a_missing_endpoint_is_not_active() -> None:
    _, (status, _, _) = _zdo(0x0004, b"\x34\x12\x07")
    assert status == zdo_t.Status.NOT_ACTIVE


def test_address_requests_are_answered_only_for_this_device() -> None:
    _, (status, ieee, nwk, *_rest) = _zdo(0x0001, b"\x34\x12\x00\x00")
    assert (status, str(ieee), nwk) == (zdo_t.Status.SUCCESS, str(EUI64), 0x1234)
    assert _zdo(0x0001, b"\x99\x99\x00\x00", broadcast=True) == (None, [])
    _, (status, ieee, _nwk, *_rest) = _zdo(0x0000, EUI64.to_wire() + b"\x00\x00", broadcast=True)
    assert str(ieee) == str(EUI64)


def test_match_descriptor_finds_the_endpoint_and_a_broadcast_miss_stays_silent() -> None:
    _, (status, _, endpoints) = _zdo(0x0006, b"\xfd\xff\x04\x01\x01\x00\x00\x00")
    assert endpoints == [1]
    assert _zdo(0x0006, b"\xfd\xff\x04\x01\x01\x19\x00\x00", broadcast=True) == (None, [])


def test_an_unsupported_request_is_refused_with_not_supported() -> None:
    cluster, (status, *_rest) = _zdo(0x0031, b"\x00")
    assert (cluster, status) == (0x8031, zdo_t.Status.NOT_SUPPORTED)


def _nwk_update(channels: list[int], duration: int) -> bytes:
    request = zdo_t.NwkUpdate(ScanChannels=zigpy.types.Channels.from_channel_list(channels), ScanDuration=duration,
                              ScanCount=1, nwkUpdateId=7, nwkManagerAddr=0x0000)
    return request.serialize()


def test_a_broadcast_channel_change_is_followed_silently_and_a_unicast_one_is_answered_with_a_notify() -> None:
    broadcast = ZdoServer(DEVICE).handle(0x0038, b"\x2a" + _nwk_update([20], 0xFE), broadcast=True)
    assert (broadcast.cluster_id, broadcast.channel_change) == (None, (20, 7))
    unicast = ZdoServer(DEVICE).handle(0x0038, b"\x2a" + _nwk_update([20], 0xFE), broadcast=False)
    assert unicast.channel_change == (20, 7)
    _, (status, channels, *_rest) = _zdo(0x0038, _nwk_update([20], 0xFE))
    assert (status, list(channels)) == (zdo_t.Status.SUCCESS, [20])


@pytest.mark.parametrize(("channels", "duration"), [([20, 25], 0xFE), ([20], 0x03), ([20], 0xFF)])
def test_network_updates_other_than_a_single_channel_change_move_nothing(channels: list[int], duration: int) -> None:
    answer = ZdoServer(DEVICE).handle(0x0038, b"\x2a" + _nwk_update(channels, duration), broadcast=False)
    assert answer.channel_change is None
    _, (status, *_rest) = _zdo(0x0038, _nwk_update(channels, duration))
    assert status == zdo_t.Status.NOT_SUPPORTED


def test_device_announce_parses_as_zigpys() -> None:
    header, (nwk, ieee, capability) = ZDO.deserialize(
        0x0013, device_announce(9, 0x1234, EUI64, DEVICE.capability)
    )
    assert (header.tsn, nwk, str(ieee)) == (9, 0x1234, str(EUI64))
    assert capability == 0x8E  # allocate address, receiver on, mains, full function


def _zcl(frame: ZclFrame, *, broadcast: bool = False) -> tuple[zf.ZCLHeader | None, object]:
    outcome = dispatch(
        DEVICE.endpoints[1].clusters,
        0x0000,
        frame.to_bytes(),
        source=0,
        source_endpoint=1,
        broadcast=broadcast,
    )
    if outcome.answer is None:
        return None, None
    header, rest = zf.ZCLHeader.deserialize(outcome.answer.to_bytes())
    command = zf.GENERAL_COMMANDS[header.command_id]
    value, rest = command.schema.deserialize(rest)
    assert rest == b""
    return header, value


def test_read_attributes_answers_values_and_unsupported_attributes_as_zigpy_expects() -> None:
    request = ZclFrame(FrameType.GLOBAL, Direction.CLIENT_TO_SERVER, 11, 0x00, b"\x04\x00\x05\x00\x99\x00")
    header, response = _zcl(request)
    assert header.tsn == 11 and header.direction == zf.Direction.Server_to_Client
    records = {r.attrid: r for r in response.status_records}
    assert records[0x0004].value.value == "Acme" and records[0x0005].value.value == "Widget"
    assert records[0x0099].status == zf.Status.UNSUPPORTED_ATTRIBUTE


def test_a_cluster_command_without_a_handler_gets_unsup_cluster_command() -> None:
    header, response = _zcl(ZclFrame(FrameType.CLUSTER, Direction.CLIENT_TO_SERVER, 3, 0x00))
    assert header.command_id == zf.GeneralCommand.Default_Response
    assert (response.command_id, response.status) == (0x00, zf.Status.UNSUP_CLUSTER_COMMAND)


def test_an_unknown_global_command_gets_unsup_general_command() -> None:
    _, response = _zcl(ZclFrame(FrameType.GLOBAL, Direction.CLIENT_TO_SERVER, 3, 0x11))
    assert response.status == zf.Status.UNSUP_GENERAL_COMMAND


def test_a_frame_for_a_cluster_the_endpoint_lacks_gets_unsupported_cluster() -> None:
    frame = ZclFrame(FrameType.GLOBAL, Direction.CLIENT_TO_SERVER, 4, 0x00, b"\x00\x00")
    outcome = dispatch(
        DEVICE.endpoints[1].clusters, 0x0006, frame.to_bytes(), source=0, source_endpoint=1, broadcast=False
    )
    assert outcome.answer is not None
    assert outcome.answer.payload == bytes([0x00, Status.UNSUPPORTED_CLUSTER])


def test_writing_a_read_only_attribute_is_refused_and_a_writable_one_is_written() -> None:
    write = ZclFrame(
        FrameType.GLOBAL, Direction.CLIENT_TO_SERVER, 5, 0x02, b"\x04\x00\x42\x01X" + b"\x10\x00\x42\x03lab"
    )
    _, response = _zcl(write)
    assert [(r.status, r.attrid) for r in response.status_records] == [(zf.Status.READ_ONLY, 0x0004)]
    assert DEVICE.endpoints[1].cluster(0x0000)["location_description"] == "lab"


def test_no_default_response_to_a_broadcast_or_to_success_when_disabled() -> None:
    report = ZclFrame(
        FrameType.GLOBAL, Direction.CLIENT_TO_SERVER, 6, 0x0A, b"", disable_default_response=True
    )
    assert _zcl(report) == (None, None)
    assert _zcl(ZclFrame(FrameType.CLUSTER, Direction.CLIENT_TO_SERVER, 7, 0x00), broadcast=True) == (
        None,
        None,
    )


def test_a_malformed_read_is_answered_malformed_command() -> None:
    _, response = _zcl(ZclFrame(FrameType.GLOBAL, Direction.CLIENT_TO_SERVER, 8, 0x00, b"\x04"))
    assert response.status == zf.Status.MALFORMED_COMMAND
