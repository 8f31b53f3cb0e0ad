"""A bad serial line (lost and damaged ASH frames, seeded) must cost time, never messages.

The exchange is 1,000 APS messages at the application, both ways: zigpy reads an attribute
and the device answers (400 messages), and the device reports attributes on its own (600).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from pathlib import Path
from typing import Any

import pytest

from tests.devices.conftest import StartApp, StartEmulator
from tests.devices.harness import EmulatorProcess, Listener, generic_device, rig_config

METER = "00:11:22:33:44:55:66:01"
READS = 200
REPORTS = 600
#: Basic attributes to read in turn; see _attribute_for
READ_IN_TURN = ("model", "manufacturer", "zcl_version", "power_source")


def _attribute_for(read: int) -> str:
    """A different attribute for each cycle of the 256 ZCL sequence numbers.

    zigpy drops a frame identical to one it saw in the last 10 s but for the APS counter;
    once its sequence numbers wrap, a second read of the same attribute would get exactly
    the answer the first got, and be dropped as a duplicate.
    """
    return READ_IN_TURN[read // 256 % len(READ_IN_TURN)]


def _report(tsn: int, number: int) -> bytes:
    """Report Attributes from the Basic server: location_description = "report-NNNN"."""
    text = f"report-{number:04d}".encode()
    return bytes([0x18, tsn & 0xFF, 0x0A, 0x10, 0x00, 0x42, len(text)]) + text


@pytest.mark.parametrize(("drop", "corrupt"), [("0", "0"), ("0.05", "0.01")], ids=["clean", "lossy"])
async def test_startup_and_a_thousand_messages_lose_and_duplicate_nothing(
    drop: str, corrupt: str, emulator: StartEmulator, application: StartApp, tmp_path: Path
) -> None:
    config = rig_config(generic_device("meter", METER, 0x1234))
    state = str(tmp_path / "ncp-state.json")
    # The network is formed on a good line; the bad line is for the startup the rig does every run.
    formed = await emulator("--state", state, name="forming", config=config)
    await (await application(formed.port, auto_form=True)).shutdown()
    await formed.stop()
    emu = await emulator(
        "--state", state, "--ash-drop", drop, "--ash-corrupt", corrupt, "--seed", "7", config=config
    )
    started = time.monotonic()
    app = await application(emu.port)
    startup = time.monotonic() - started
    listener = Listener()
    app.add_listener(listener)
    listener.expect([METER])
    await app.permit(60)
    basic = (await listener.device(METER, timeout=60)).endpoints[1].basic
    after = (await emu.request("events"))[-1]["sequence"]
    arrived_before = len(listener.messages)

    started = time.monotonic()
    for read in range(READS):
        attribute = _attribute_for(read)
        success, failure = await asyncio.wait_for(basic.read_attributes([attribute], allow_cache=False), 30)
        assert attribute in success and failure == {}
    arrived = await _exchange_reports(emu, listener)
    elapsed = time.monotonic() - started

    events = await emu.request("events", since=after)
    reads_handled = [e for e in events if e["source"] == "meter" and e["kind"] == "zcl_received"]
    assert len(reads_handled) == READS, "the device must act on every read exactly once"
    answers = [m for m in listener.messages[arrived_before:] if m[2] == 0x0000 and m[3][2] == 0x01]
    assert len(answers) == READS, "zigpy must receive every answer exactly once"
    assert sorted(arrived) == sorted(_report(n, n) for n in range(REPORTS)), "every report exactly once"
    ash: dict[str, Any] = (await emu.request("status"))["ash"]
    if drop != "0":
        assert ash["dropped"]["to_ncp"] and ash["dropped"]["to_host"] and ash["bad_frames"]
    rate = (2 * READS + REPORTS) / elapsed
    print(f"\nserial drop {drop} corrupt {corrupt}: startup {startup:.2f} s, {rate:.0f} messages/s")


def _is_report(arrival: tuple[int, int, int, bytes]) -> bool:
    return arrival[2] == 0x0000 and arrival[3][2] == 0x0A


async def _exchange_reports(emu: EmulatorProcess, listener: Listener, window: int = 8) -> list[bytes]:
    """The device reports ``REPORTS`` times, at most ``window`` ahead of what zigpy has heard
    (a device does not flood the coordinator faster than its host reads), and every report
    that reached zigpy, late duplicates included."""
    while not listener.arrivals.empty():
        listener.arrivals.get_nowait()
    sent = 0
    arrived: list[bytes] = []
    while len(arrived) < REPORTS:
        while sent < REPORTS and sent - len(arrived) < window:
            await emu.request("send", name="meter", payload=_report(sent, sent).hex(), cluster_id=0x0000)
            sent += 1
        arrival = await asyncio.wait_for(listener.arrivals.get(), 30)
        if _is_report(arrival):
            arrived.append(arrival[3])
    with contextlib.suppress(TimeoutError):
        while True:
            arrival = await asyncio.wait_for(listener.arrivals.get(), 0.5)
            if _is_report(arrival):
                arrived.append(arrival[3])
    return arrived
