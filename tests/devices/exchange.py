"""The 1,000-message exchange between zigpy and an emulated device, for tests and benchmarks.

1,000 APS messages at the application, both ways: zigpy reads an attribute and the device
answers (400 messages), and the device reports an attribute on its own (600). What each
side received is returned, so a test can check that nothing was lost or duplicated.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from typing import Any

from tests.devices.harness import EmulatorProcess, Listener

READS = 200
REPORTS = 600
MESSAGES = 2 * READS + REPORTS
#: Basic attributes to read in turn; see _attribute_for
READ_IN_TURN = ("model", "manufacturer", "zcl_version", "power_source")
#: reports the device may send ahead of what zigpy has heard
REPORT_WINDOW = 8


def _attribute_for(read: int) -> str:
    """A different attribute for each cycle of the 256 ZCL sequence numbers.

    zigpy drops a frame identical to one it saw in the last 10 s but for the APS counter;
    once its sequence numbers wrap, a second read of the same attribute would get exactly
    the answer the first got, and be dropped as a duplicate.
    """
    return READ_IN_TURN[read // 256 % len(READ_IN_TURN)]


def report(number: int) -> bytes:
    """Report Attributes from the Basic server: location_description = "report-NNNN"."""
    text = f"report-{number:04d}".encode()
    return bytes([0x18, number & 0xFF, 0x0A, 0x10, 0x00, 0x42, len(text)]) + text


@dataclass(frozen=True)
class Exchanged:
    #: events of the device acting on a read (from the emulator's event log)
    reads_handled: list[dict[str, Any]]
    #: read answers that reached zigpy's listeners
    answers: list[bytes]
    #: reports that reached zigpy's listeners, late duplicates included
    reports: list[bytes]


async def exchange(emu: EmulatorProcess, listener: Listener, basic: Any, *, device: str) -> Exchanged:
    """Run the exchange with the joined ``device`` whose Basic cluster (in zigpy) is ``basic``."""
    after = (await emu.request("events"))[-1]["sequence"]
    start = len(listener.messages)
    for read in range(READS):
        attribute = _attribute_for(read)
        success, failure = await asyncio.wait_for(basic.read_attributes([attribute], allow_cache=False), 30)
        if attribute not in success or failure:
            raise AssertionError(f"read {read} of {attribute} failed: {success} {failure}")
    reports = await _reports(emu, listener, device)
    events = await emu.request("events", since=after)
    return Exchanged(
        reads_handled=[e for e in events if e["source"] == device and e["kind"] == "zcl_received"],
        answers=[m[3] for m in listener.messages[start:] if m[2] == 0x0000 and m[3][2] == 0x01],
        reports=reports,
    )


def _is_report(arrival: tuple[int, int, int, bytes]) -> bool:
    return arrival[2] == 0x0000 and arrival[3][2] == 0x0A


async def _reports(emu: EmulatorProcess, listener: Listener, device: str) -> list[bytes]:
    """The device reports, at most ``REPORT_WINDOW`` ahead of what zigpy has heard (a device
    does not flood the coordinator faster than its host reads)."""
    while not listener.arrivals.empty():
        listener.arrivals.get_nowait()
    sent = 0
    arrived: list[bytes] = []
    while len(arrived) < REPORTS:
        while sent < REPORTS and sent - len(arrived) < REPORT_WINDOW:
            await emu.request("send", name=device, payload=report(sent).hex(), cluster_id=0x0000)
            sent += 1
        arrival = await asyncio.wait_for(listener.arrivals.get(), 30)
        if _is_report(arrival):
            arrived.append(arrival[3])
    with contextlib.suppress(TimeoutError):
        while True:  # a duplicate arriving late must still be seen
            arrival = await asyncio.wait_for(listener.arrivals.get(), 0.5)
            if _is_report(arrival):
                arrived.append(arrival[3])
    return arrived
