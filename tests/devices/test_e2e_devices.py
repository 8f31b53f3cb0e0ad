"""Emulated devices on the virtual HAN, seen through real bellows and zigpy."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import zigpy.device
import zigpy.exceptions
import zigpy.types
import zigpy.util
from bellows.zigbee.application import ControllerApplication

from hanrig.bench.identity import crc16_x25
from tests.devices.conftest import StartApp, StartEmulator
from tests.devices.harness import EmulatorProcess, Listener, generic_device, rig_config, send_fragmented

METER = "00:11:22:33:44:55:66:01"
DISPLAY = "00:11:22:33:44:55:66:02"


async def _joined(
    emulator: StartEmulator,
    application: StartApp,
    *devices: dict[str, Any],
    args: tuple[str, ...] = (),
    **settings: Any,
) -> tuple[EmulatorProcess, ControllerApplication, Listener]:
    emu = await emulator(*args, config=rig_config(*devices, **settings))
    app = await application(emu.port, auto_form=True)
    listener = Listener()
    app.add_listener(listener)
    listener.expect(d["emulated"]["eui64"] for d in devices if d["emulated"].get("auto_join", True))
    await app.permit(60)
    return emu, app, listener


@pytest.mark.parametrize("version", [8, 13])
async def test_a_device_joins_is_interviewed_and_unicasts_go_both_ways(
    version: int, emulator: StartEmulator, application: StartApp
) -> None:
    meter = generic_device("meter", METER, 0x1234, manufacturer="Acme", model="Meter-1")
    emu, app, listener = await _joined(emulator, application, meter, ezsp_version=version)
    device = await listener.device(METER)
    assert (device.nwk, device.manufacturer, device.model) == (0x1234, "Acme", "Meter-1")
    assert device.endpoints[1].profile_id == 0x0104 and 0x0000 in device.endpoints[1].in_clusters

    success, failure = await asyncio.wait_for(
        device.endpoints[1].basic.read_attributes(["power_source", "zcl_version"], allow_cache=False), 10
    )
    assert success == {"power_source": 1, "zcl_version": 8} and failure == {}

    report = bytes.fromhex("18 07 0a 0500 42 03") + b"xyz"  # Report Attributes: model_identifier = "xyz"
    await emu.request("send", name="meter", payload=report.hex(), cluster_id=0x0000)
    nwk, profile, cluster, message = await asyncio.wait_for(listener.arrivals.get(), 10)
    while message != report:
        nwk, profile, cluster, message = await asyncio.wait_for(listener.arrivals.get(), 10)
    assert (nwk, profile, cluster) == (0x1234, 0x0104, 0x0000)


async def test_broadcasts_reach_the_devices_and_theirs_reach_zigpy(
    emulator: StartEmulator, application: StartApp
) -> None:
    meter = generic_device("meter", METER, 0x1234)
    display = generic_device("display", DISPLAY, 0x5678)
    emu, app, listener = await _joined(emulator, application, meter, display)
    for ieee in (METER, DISPLAY):
        await listener.device(ieee)  # each Device_annce was a broadcast zigpy acted on
    tsn = app.get_sequence()
    read_model = bytes([0x00, tsn, 0x00, 0x05, 0x00])
    await app.broadcast(
        profile=0x0104,
        cluster=0x0000,
        src_ep=1,
        dst_ep=0xFF,
        grpid=0,
        radius=0,
        sequence=tsn,
        data=read_model,
        broadcast_address=zigpy.types.BroadcastAddress.RX_ON_WHEN_IDLE,
    )
    for name in ("meter", "display"):
        await emu.request("wait_event", kind="zcl_received", source=name, match={"tsn": tsn}, timeout=10)


async def test_an_install_code_device_is_admitted_only_with_its_key(
    emulator: StartEmulator, application: StartApp
) -> None:
    code = bytes.fromhex("83fed3407a939723")
    install_code = code + crc16_x25(code).to_bytes(2, "little")
    meter = generic_device("meter", METER, 0x1234, install_code=install_code.hex(), auto_join=False)
    stranger = generic_device("stranger", DISPLAY, 0x5678, link_key="00" * 16, auto_join=False)
    emu = await emulator(config=rig_config(meter, stranger))
    app = await application(emu.port, auto_form=True)
    listener = Listener()
    app.add_listener(listener)
    listener.expect([METER])
    key = zigpy.util.convert_install_code(install_code)
    await app.permit_with_link_key(zigpy.types.EUI64.convert(METER), key, 60)
    assert not await emu.request("join", name="stranger")
    assert await emu.request("join", name="meter")
    assert (await listener.device(METER)).model == "generic"


async def test_a_fragmented_message_goes_both_ways(emulator: StartEmulator, application: StartApp) -> None:
    meter = generic_device("meter", METER, 0x1234)
    emu, app, listener = await _joined(emulator, application, meter)
    await listener.device(METER)
    long_message = bytes(range(256)) + bytes(range(44))

    await emu.request("send", name="meter", payload=long_message.hex(), cluster_id=0xFC00)
    while True:
        _, _, cluster, message = await asyncio.wait_for(listener.arrivals.get(), 15)
        if cluster == 0xFC00:
            break
    assert message == long_message

    after = (await emu.request("events"))[-1]["sequence"]
    await send_fragmented(app, 0x1234, long_message, cluster=0xFC00)
    event = await emu.request(
        "wait_event", kind="zcl_received", source="meter", after=after, match={"length": 300}, timeout=15
    )
    assert event["cluster"] == 0xFC00


async def test_a_device_out_of_range_fails_delivery_until_it_is_back(
    emulator: StartEmulator, application: StartApp
) -> None:
    meter = generic_device("meter", METER, 0x1234)
    emu, app, listener = await _joined(
        emulator, application, meter, air={"aps_retries": 0, "aps_ack_timeout": 0.2}
    )
    basic = (await listener.device(METER)).endpoints[1].basic
    await emu.request("set_in_range", name="meter", in_range=False)
    with pytest.raises(zigpy.exceptions.DeliveryError):
        await asyncio.wait_for(basic.read_attributes(["model"], allow_cache=False), 20)
    await emu.request("set_in_range", name="meter", in_range=True)
    success, _ = await asyncio.wait_for(basic.read_attributes(["model"], allow_cache=False), 10)
    assert success == {"model": "generic"}


@pytest.mark.parametrize(
    ("faults", "complaint"),
    [({"ezsp": {"busy": 1.0}}, "Failed to enqueue"), ({"ezsp": {"sent_failure": 1.0}}, "Failed to deliver")],
    ids=["ncp-busy", "message-sent-failure"],
)
async def test_ezsp_faults_surface_as_zigpy_delivery_errors(
    faults: dict[str, Any], complaint: str, emulator: StartEmulator, application: StartApp
) -> None:
    meter = generic_device("meter", METER, 0x1234)
    emu, app, listener = await _joined(emulator, application, meter)
    device = await listener.device(METER)
    await emu.request("set_faults", faults=faults)
    with pytest.raises(zigpy.exceptions.DeliveryError, match=complaint):
        await asyncio.wait_for(device.zdo.Node_Desc_req(0x1234), 20)
    await emu.request("set_faults", faults={"ezsp": {"busy": 0.0, "sent_failure": 0.0}})
    status, _, _ = await asyncio.wait_for(device.zdo.Node_Desc_req(0x1234), 10)
    assert status == 0


async def test_an_ncp_that_resets_by_itself_is_noticed_by_zigpy(
    emulator: StartEmulator, application: StartApp
) -> None:
    emu = await emulator()
    app = await application(emu.port, auto_form=True)
    listener = Listener()
    app.add_listener(listener)
    await emu.request("reset_ncp", code="watchdog")
    for _ in range(100):
        if listener.lost:
            break
        await asyncio.sleep(0.05)
    assert listener.lost, "zigpy never heard that the NCP had reset"


async def test_a_channel_change_moves_the_ncp_and_the_joined_devices_which_answer_on_the_new_channel(
    emulator: StartEmulator, application: StartApp
) -> None:
    meter = generic_device("meter", METER, 0x1234)
    emu, app, listener = await _joined(emulator, application, meter)
    device = await listener.device(METER)
    assert app.state.network_info.channel != 20

    # zigpy broadcasts the change, then sends it to the coordinator itself, as `zigpy radio ... change-channel` does
    await asyncio.wait_for(app.move_network_to_channel(20), 60)

    assert app.state.network_info.channel == 20
    events = await emu.request("events")
    assert [e["channel"] for e in events if e["kind"] == "channel_changed" and e["source"] == "ncp"] == [20]
    # the meter heard the broadcast and moves once it has reached the whole network (9 s): until then
    # the coordinator, already on channel 20, cannot reach it
    assert await _read_within(device, 30) == {"zcl_version": 8}
    events = await emu.request("events")
    assert [e["channel"] for e in events if e["kind"] == "channel_changed" and e["source"] == "meter"] == [20]


async def _read_within(device: zigpy.device.Device, seconds: float) -> dict[str, Any]:
    """The device's ZCL version, read again until it answers or ``seconds`` have passed."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        try:
            success, _ = await asyncio.wait_for(
                device.endpoints[1].basic.read_attributes(["zcl_version"], allow_cache=False), 10)
            return dict(success)
        except (zigpy.exceptions.DeliveryError, TimeoutError):
            if asyncio.get_running_loop().time() > deadline:
                raise
