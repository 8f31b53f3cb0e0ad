"""Our NCP-side ASH against bellows' host-side ASH, in one process, over a fake serial line.

bellows' ``AshProtocol`` is the real host implementation; the line between the two can cut
frames into single bytes, lose them or damage them. Every host request must reach the NCP
exactly once and every reply must reach the host exactly once, in order.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from bellows.ash import AshProtocol

from hanrig.bench.emulator import Faults, SerialFaults
from hanrig.devices.radio.ash.protocol import AshNcp
from hanrig.devices.radio.faults import FaultInjector
from hanrig.devices.scheduling import LoopScheduler


class _HostEzsp:
    """Stands where bellows' EZSP layer would: collects what ASH hands up."""

    def __init__(self) -> None:
        self.frames: asyncio.Queue[bytes] = asyncio.Queue()
        self.resets: asyncio.Queue[object] = asyncio.Queue()

    def connection_made(self, transport: object) -> None: ...

    def connection_lost(self, exc: Exception | None) -> None: ...

    def eof_received(self) -> None: ...

    def data_received(self, data: bytes) -> None:
        self.frames.put_nowait(data)

    def reset_received(self, code: object) -> None:
        self.resets.put_nowait(code)

    def error_received(self, code: object) -> None:
        raise AssertionError(f"NCP failed: {code}")


class _Line:
    """Carries bytes one way, a chunk per loop turn, like a serial port would."""

    def __init__(self, sink: Callable[[bytes], None], chunk: int | None) -> None:
        self._sink = sink
        self._chunk = chunk

    def write(self, data: bytes) -> None:
        step = self._chunk or len(data)
        for i in range(0, len(data), step):
            asyncio.get_running_loop().call_soon(self._sink, bytes(data[i : i + step]))

    def is_closing(self) -> bool:
        return False

    def close(self) -> None: ...


async def _exchange(
    count: int, *, chunk: int | None, faults: Faults | None
) -> tuple[list[bytes], list[bytes]]:
    host_ezsp = _HostEzsp()
    host = AshProtocol(host_ezsp)
    received_by_ncp: list[bytes] = []

    def deliver(payload: bytes) -> None:
        received_by_ncp.append(payload)
        ncp.send(b"\x00\x80\x01" + payload[3:])

    ncp = AshNcp(
        scheduler=LoopScheduler(),
        write=lambda data: host_line.write(data),
        deliver=deliver,
        on_host_reset=lambda: None,
        faults=FaultInjector(faults, seed=7).line() if faults else None,
    )
    host_line = _Line(host.data_received, chunk)
    host.connection_made(_Line(ncp.feed, chunk))

    for _attempt in range(5):  # like bellows' startup: a damaged RST is simply sent again
        host.send_reset()
        try:
            await asyncio.wait_for(host_ezsp.resets.get(), 1)
            break
        except TimeoutError:
            continue
    else:
        raise AssertionError("the NCP never answered RST with RSTACK")
    replies = []
    for n in range(count):
        await asyncio.wait_for(host.send_data(b"\x00\x00\x01" + n.to_bytes(2, "little") + b"req"), 30)
        replies.append(await asyncio.wait_for(host_ezsp.frames.get(), 30))
    ncp.close()
    return received_by_ncp, replies


def _expected(count: int) -> tuple[list[bytes], list[bytes]]:
    requests = [b"\x00\x00\x01" + n.to_bytes(2, "little") + b"req" for n in range(count)]
    return requests, [b"\x00\x80\x01" + r[3:] for r in requests]


async def test_bellows_host_and_our_ncp_talk_with_every_byte_sent_alone() -> None:
    assert await _exchange(60, chunk=1, faults=None) == _expected(60)


@pytest.mark.parametrize(
    "serial",
    [SerialFaults(drop=0.08), SerialFaults(corrupt=0.08), SerialFaults(drop=0.04, corrupt=0.04)],
    ids=["loss", "corruption", "both"],
)
async def test_bellows_host_and_our_ncp_recover_every_frame_from_a_bad_line(serial: SerialFaults) -> None:
    assert await _exchange(25, chunk=7, faults=Faults(serial=serial)) == _expected(25)
