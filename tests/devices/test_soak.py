"""An hour (``HANRIG_SOAK_SECONDS``) of bellows' watchdog and light traffic against the emulator.

Opt-in (``--run-soak``). Passes if zigpy never loses the radio (no watchdog failure), every
exchange works, and neither the emulator's nor this process's memory keeps growing.
"""

from __future__ import annotations

import asyncio
import gc
import os
import time
from pathlib import Path

import pytest

from tests.devices.conftest import StartApp, StartEmulator
from tests.devices.harness import Listener, generic_device, rig_config

METER = "00:11:22:33:44:55:66:01"
SOAK_SECONDS = float(os.environ.get("HANRIG_SOAK_SECONDS", "3600"))
#: a read and a report this often; bellows feeds its watchdog every 10 s on its own
TRAFFIC_PERIOD = 1.0
#: twenty memory samples a run, at most one a minute
SAMPLE_PERIOD = min(60.0, SOAK_SECONDS / 20)
#: memory is compared over the second half of the run: by then the emulator's bounded
#: event log and EZSP trace (4,096 and 1,000 entries) are full and stay the same size
WARM_UP = 0.5
#: growth allowed over the second half (allocator noise, not a leak)
ALLOWED_GROWTH_KIB = 1024


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmRSS for process {pid}")


@pytest.mark.soak
@pytest.mark.timeout(SOAK_SECONDS + 600)
async def test_an_hour_of_watchdog_and_traffic_leaks_nothing_and_never_loses_the_radio(
    emulator: StartEmulator, application: StartApp
) -> None:
    emu = await emulator(config=rig_config(generic_device("meter", METER, 0x1234)))
    app = await application(emu.port, auto_form=True, network={"channel": 15})
    listener = Listener()
    app.add_listener(listener)
    listener.expect([METER])
    await app.permit(60)
    basic = (await listener.device(METER)).endpoints[1].basic
    pid = emu.readiness.pid

    samples: list[tuple[float, int, int]] = []
    started = time.monotonic()
    next_sample = started
    exchanges = 0
    while (elapsed := time.monotonic() - started) < SOAK_SECONDS:
        success, _ = await asyncio.wait_for(basic.read_attributes(["model"], allow_cache=False), 30)
        assert success == {"model": "generic"}
        report = bytes([0x18, exchanges & 0xFF, 0x0A, 0x10, 0x00, 0x42, 0x04]) + exchanges.to_bytes(4, "big")
        await emu.request("send", name="meter", payload=report.hex(), cluster_id=0x0000)
        exchanges += 1
        if time.monotonic() >= next_sample:
            gc.collect()
            samples.append((elapsed, _rss_kib(pid), _rss_kib(os.getpid())))
            next_sample += SAMPLE_PERIOD
        assert not listener.lost, f"zigpy lost the radio after {elapsed:.0f} s: {listener.lost}"
        listener.messages.clear()  # the test keeps nothing either, or it would measure itself
        while not listener.arrivals.empty():
            listener.arrivals.get_nowait()
        await asyncio.sleep(TRAFFIC_PERIOD)

    commands = (await emu.request("status"))["ezsp"]["commands"]
    # bellows feeds its watchdog with readCounters (and readAndClearCounters now and then)
    watchdog_feeds = commands.get("readCounters", 0) + commands.get("readAndClearCounters", 0)
    assert watchdog_feeds >= SOAK_SECONDS // 10 - 1, "bellows fed its watchdog all along"
    warm = [s for s in samples if s[0] >= WARM_UP * SOAK_SECONDS]
    assert len(warm) >= 2, samples
    print(f"\nsoak {SOAK_SECONDS:.0f} s, {exchanges} exchanges, {watchdog_feeds} watchdog feeds")
    print(f"memory (s, emulator KiB, host KiB): {samples}")
    assert warm[-1][1] - warm[0][1] <= ALLOWED_GROWTH_KIB, "the emulator's memory keeps growing"
    assert warm[-1][2] - warm[0][2] <= ALLOWED_GROWTH_KIB, "the host's memory keeps growing"
