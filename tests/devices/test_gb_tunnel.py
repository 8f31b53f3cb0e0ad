"""The Tunneling server on a GB device: GB-HGRP tunnels, TransferData both ways, refusals, the outbox."""

from __future__ import annotations

from hanrig.devices.gb.tunnel import TUNNELING
from hanrig.devices.han.zcl.foundation import Status
from hanrig.gbcs import encode
from tests.devices.gb_fakes import TUNNEL, cs08, make_device, on_air, seen


def test_a_gb_hgrp_request_opens_a_tunnel_with_a_1500_octet_limit() -> None:
    rig = on_air(make_device("ppmid"))
    response = rig.ch.open_tunnel()
    assert (response.tunnel_id, response.tunnel_status, response.maximum_incoming_transfer_size) == (0, 0, 1500)
    assert rig.events_of("tunnel_opened") == [{"tunnel_id": 0, "client": "0x0000", "endpoint": 1}]


def test_asking_again_from_the_same_client_gets_the_same_tunnel() -> None:
    rig = on_air(make_device("ppmid"))
    first, again = rig.ch.open_tunnel(), rig.ch.open_tunnel()
    assert first.tunnel_id == again.tunnel_id and len(rig.device.tunnel.tunnels) == 1


def test_another_protocol_or_flow_control_is_refused_with_its_status() -> None:
    rig = on_air(make_device("ppmid"))
    other = rig.ch.open_tunnel(protocol_id=2)
    manufacturer = rig.ch.open_tunnel(manufacturer_code=0x1234)
    flow = rig.ch.open_tunnel(flow_control=True)
    assert [(r.tunnel_id, r.tunnel_status) for r in (other, manufacturer, flow)] == [
        (0xFFFF, 0x03), (0xFFFF, 0x03), (0xFFFF, 0x04)]
    assert rig.device.tunnel.tunnels == {}


def test_transfer_data_for_an_unknown_tunnel_is_answered_no_such_tunnel() -> None:
    rig = on_air(make_device("ppmid"))
    rig.ch.send_gbcs(b"\xdf", tunnel_id=7)
    rig.run(1)
    assert [(e.tunnel_id, e.status) for e in rig.ch.requests("transfer_data_error")] == [(7, 0x00)]


def test_transfer_data_longer_than_1500_octets_is_answered_data_overflow() -> None:
    rig = on_air(make_device("ppmid"))
    rig.ch.open_tunnel()
    rig.ch.send_gbcs(bytes(1501))
    rig.run(5)
    assert [e.status for e in rig.ch.requests("transfer_data_error")] == [0x02]


def test_transfer_data_on_someone_elses_tunnel_is_answered_wrong_device() -> None:
    rig = on_air(make_device("ppmid"))
    rig.ch.open_tunnel(source_endpoint=1)
    rig.ch.send_gbcs(encode(cs08("ppmid")), tunnel_id=0, source_endpoint=2)
    rig.run(2)
    assert [(e.tunnel_id, e.status) for e in rig.ch.requests("transfer_data_error")] == [(0, 0x01)]
    assert rig.ch.gbcs == []


def test_a_third_client_finds_no_tunnel_id_free() -> None:
    rig = on_air(make_device("ppmid"))
    statuses = [rig.ch.open_tunnel(source_endpoint=endpoint).tunnel_status for endpoint in (1, 2, 3)]
    assert statuses == [0x00, 0x00, 0x02]


def test_a_leading_put_header_is_dropped_and_get_is_not_served() -> None:
    rig = on_air(make_device("ppmid"))
    rig.ch.open_tunnel()
    rig.ch.send_gbcs(b"\x03" + encode(cs08("ppmid")))
    rig.ch.send_gbcs(b"\x01")
    rig.run(2)
    (response,) = [seen(m) for m in rig.ch.gbcs]
    assert response.message.message_code == 0x0129
    assert rig.events_of("tunnel_header_ignored") == [{"tunnel_id": 0, "header": "GET"}]


def test_good_transfer_data_is_acknowledged_with_a_default_response() -> None:
    rig = on_air(make_device("ppmid"))
    rig.ch.open_tunnel()
    rig.ch.send_gbcs(encode(cs08("ppmid")))
    rig.run(2)
    assert [(r.command_id, r.status) for r in rig.ch.default_responses(TUNNEL)] == [(0x02, Status.SUCCESS)]


def test_what_the_device_sends_without_a_tunnel_waits_for_one() -> None:
    rig = on_air(make_device("ppmid"))
    rig.device.tunnel.send(b"\xdf queued", "test message")
    rig.run(5)
    assert rig.ch.gbcs == [] and rig.device.status()["outbox"] == ["test message"]
    rig.ch.open_tunnel()
    rig.run(1)
    assert rig.ch.gbcs == [b"\xdf queued"] and rig.device.status()["outbox"] == []


def test_a_closed_tunnel_takes_nothing_more_until_another_is_opened() -> None:
    rig = on_air(make_device("ppmid"))
    rig.ch.open_tunnel()
    rig.ch.send(TUNNELING, "close_tunnel", {"tunnel_id": 0})
    rig.run(1)
    rig.device.tunnel.send(b"\xdf later", "test message")
    rig.run(1)
    assert rig.ch.gbcs == [] and rig.events_of("tunnel_closed") == [
        {"tunnel_id": 0, "reason": "closed by the client"}]


def test_an_idle_tunnel_closes_after_the_close_tunnel_timeout() -> None:
    rig = on_air(make_device("ppmid"))
    rig.device.tunnel.cluster["close_tunnel_timeout"] = 60
    rig.ch.open_tunnel()
    rig.run(59)
    assert rig.device.tunnel.tunnels
    rig.run(2)
    assert not rig.device.tunnel.tunnels and rig.events_of("tunnel_closed")[-1]["reason"] == "idle"


def test_the_supported_protocols_are_gb_hgrp_alone() -> None:
    rig = on_air(make_device("ppmid"))
    rig.ch.send(TUNNELING, "get_supported_tunnel_protocols", {"protocol_offset": 0})
    rig.run(1)
    (response,) = rig.ch.requests("supported_tunnel_protocols_response")
    assert (response.protocol_list_complete, [(p.manufacturer_code, p.protocol_id) for p in response.protocols]) == (
        True, [(0xFFFF, 6)])


def test_a_truncated_request_tunnel_is_answered_malformed_command() -> None:
    rig = on_air(make_device("ppmid"))
    rig.ch.send_raw(TUNNEL, bytes([0x01, 0x42, 0x00, 0x06]))
    rig.run(1)
    assert [(r.command_id, r.status) for r in rig.ch.default_responses(TUNNEL)] == [
        (0x00, Status.MALFORMED_COMMAND)]
