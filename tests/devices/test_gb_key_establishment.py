"""A GB device's side of CBKE, in memory: what it takes before it holds a link key, and after."""

from __future__ import annotations

from hanrig.devices.gb.key_establishment import Stage
from hanrig.devices.han.zcl.foundation import GlobalCommand, ReadAttributes
from hanrig.devices.han.zcl.frame import Direction, FrameType, ZclFrame
from tests.devices.gb_fakes import TUNNEL, TUNNELING, Rig, make_device, on_air

_TUNNEL_REQUEST = {"protocol_id": 6, "manufacturer_code": 0xFFFF, "flow_control_support": False,
                    "maximum_incoming_transfer_size": 1500}


def _ask_for_tunnel(rig: Rig) -> None:
    rig.ch.send(TUNNELING, "request_tunnel", _TUNNEL_REQUEST)
    rig.run(0.1)


def test_a_device_that_powers_up_in_its_network_kept_its_link_key() -> None:
    rig = on_air(make_device("ppmid", cbke={"suite": 2}))

    assert rig.device.key_establishment is not None
    assert rig.device.key_establishment.stage is Stage.ESTABLISHED
    _ask_for_tunnel(rig)
    assert rig.ch.requests("request_tunnel_response")


def test_during_cbke_a_device_answers_reads_but_drops_tunnel_requests() -> None:
    rig = on_air(make_device("ppmid", cbke={"suite": 2}))
    assert rig.device.key_establishment is not None
    rig.device.key_establishment.start()  # the scripted CH never answers: CBKE stays under way

    _ask_for_tunnel(rig)
    read = ZclFrame(FrameType.GLOBAL, Direction.CLIENT_TO_SERVER, 9, GlobalCommand.READ_ATTRIBUTES,
                    ReadAttributes.build([0x0000]))
    rig.ch.send_raw(0x0000, read.to_bytes())
    rig.run(0.1)

    assert not rig.ch.requests("request_tunnel_response")
    assert {"reason": "no CBKE link key yet", "cluster": TUNNEL, "sender": 0} in rig.events_of("dropped")
    reads = [e["command"] for e in rig.events_of("zcl_received") if e["cluster"] == 0x0000]
    assert reads == [GlobalCommand.READ_ATTRIBUTES]


def test_a_device_without_cbke_takes_tunnel_requests_at_once() -> None:
    rig = on_air(make_device("ppmid"))

    _ask_for_tunnel(rig)

    assert rig.device.key_establishment is None
    assert rig.ch.requests("request_tunnel_response")
