"""What bellows 1.2.1 does that the rig must know about, shown on the emulated radio.

These pin upstream behaviour (bellows and zigpy are pinned in pyproject): when one of
them fails after an upgrade, upstream changed, and the rig's workaround can go.
"""

from __future__ import annotations

import asyncio

from bellows.zigbee.application import ControllerApplication

from tests.devices.conftest import StartApp, StartEmulator
from tests.devices.harness import EmulatorProcess, Listener, generic_device, rig_config

METER = "00:11:22:33:44:55:66:01"
REPORT = bytes.fromhex("18 2a 0a 1000 42 05") + b"quirk"


async def _copies_of_a_report(emu: EmulatorProcess, app: ControllerApplication) -> int:
    """How many times zigpy's listeners hear one report the device sends once."""
    listener = Listener()
    app.add_listener(listener)
    await emu.request("send", name="meter", payload=REPORT.hex(), cluster_id=0x0000)
    while (await asyncio.wait_for(listener.arrivals.get(), 10))[3] != REPORT:
        pass
    await asyncio.sleep(0.3)  # a second copy comes straight after the first, if it comes
    return sum(1 for message in listener.messages if message[3] == REPORT)


async def test_after_forming_with_an_energy_scan_bellows_hands_zigpy_every_message_twice(
    emulator: StartEmulator, application: StartApp
) -> None:
    """zigpy's form_network runs start_network to scan for a channel when none is configured,
    and bellows' start_network registers its EZSP callback handler each time it runs: until
    the next start, every callback (messages, joins, messageSentHandler) is handled twice.
    The rig should form with a configured channel, or restart after forming."""
    emu = await emulator(config=rig_config(generic_device("meter", METER, 0x1234)))
    app = await application(emu.port, auto_form=True)
    listener = Listener()
    app.add_listener(listener)
    listener.expect([METER])
    await app.permit(60)
    await listener.device(METER)
    assert await _copies_of_a_report(emu, app) == 2

    await app.shutdown()
    restarted = await application(emu.port)
    # Without a database zigpy has forgotten the device: the first report makes it ask who
    # the sender is (IEEE_addr_req) and interview it again.
    rediscovered = Listener()
    restarted.add_listener(rediscovered)
    rediscovered.expect([METER])
    await emu.request("send", name="meter", payload=REPORT.hex(), cluster_id=0x0000)
    await rediscovered.device(METER)
    assert await _copies_of_a_report(emu, restarted) == 1


async def test_forming_with_a_configured_channel_hands_zigpy_each_message_once(
    emulator: StartEmulator, application: StartApp
) -> None:
    emu = await emulator(config=rig_config(generic_device("meter", METER, 0x1234)))
    app = await application(emu.port, auto_form=True, network={"channel": 15})
    listener = Listener()
    app.add_listener(listener)
    listener.expect([METER])
    await app.permit(60)
    await listener.device(METER)
    assert app.state.network_info.channel == 15
    assert await _copies_of_a_report(emu, app) == 1
