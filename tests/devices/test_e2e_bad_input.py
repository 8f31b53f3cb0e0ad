"""Bad input on the serial line: the emulator recovers as an NCP would, and keeps serving.

A raw host (the pty opened directly, frames built with the test's own ASH codec) sends
what bellows never would; then real bellows must still start against the same emulator.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import tty
from pathlib import Path

from hanrig.devices.radio.ash.frames import (
    AshFrame,
    DataFrame,
    FrameReader,
    NakFrame,
    Reserved,
    RstAckFrame,
    RstFrame,
    decode,
    encode,
    stuff,
)
from tests.devices.conftest import StartApp, StartEmulator
from tests.devices.harness import EmulatorProcess

CANCEL = bytes([Reserved.CANCEL])
FLAG = bytes([Reserved.FLAG])


class RawHost:
    """The pty opened as a plain file: bytes in, ASH frames out, nothing else."""

    def __init__(self, path: Path) -> None:
        self._fd = os.open(path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        tty.setraw(self._fd)
        self._reader = FrameReader()
        self._received: asyncio.Queue[AshFrame] = asyncio.Queue()
        asyncio.get_running_loop().add_reader(self._fd, self._readable)

    def _readable(self) -> None:
        with contextlib.suppress(BlockingIOError):
            for stuffed in self._reader.feed(os.read(self._fd, 4096)):
                self._received.put_nowait(decode(stuffed))

    def write(self, data: bytes) -> None:
        os.write(self._fd, data)

    async def frame(self, timeout: float = 5.0) -> AshFrame:
        return await asyncio.wait_for(self._received.get(), timeout)

    async def data(self, timeout: float = 5.0) -> DataFrame:
        while not isinstance(frame := await self.frame(timeout), DataFrame):
            pass
        return frame

    async def reset(self) -> RstAckFrame:
        self.write(CANCEL * 32 + encode(RstFrame()))
        while not isinstance(frame := await self.frame(), RstAckFrame):
            pass
        return frame

    def close(self) -> None:
        asyncio.get_running_loop().remove_reader(self._fd)
        os.close(self._fd)


async def test_garbage_partial_frames_bad_crcs_and_oversized_frames_are_survived(
    emulator: StartEmulator, application: StartApp
) -> None:
    emu = await emulator()
    host = RawHost(emu.port)
    noise = bytes(random.Random(5).randrange(256) for _ in range(3000))
    damaged = bytearray(encode(DataFrame(0, False, 0, b"\x00\x00\x01\x00\x00")))
    damaged[3] ^= 0x40
    host.write(noise + FLAG)
    host.write(encode(DataFrame(0, False, 0, b"\x00\x00\x01\x05\x00"))[:4] + FLAG)  # cut short
    host.write(bytes(damaged))  # wrong CRC
    host.write(stuff(bytes(range(100)) * 3) + FLAG)  # longer than any frame
    assert isinstance(await host.frame(), NakFrame), "a damaged DATA frame is NAKed"
    await host.reset()
    host.close()

    app = await application(emu.port, auto_form=True)
    assert app.state.network_info.channel
    bad = (await emu.request("status"))["ash"]["bad_frames"]
    assert bad.get("BAD_CRC") and bad.get("TOO_LONG")


async def test_an_unknown_command_is_answered_invalid_command_and_logged(emulator: StartEmulator) -> None:
    emu = await emulator()
    host = RawHost(emu.port)
    await host.reset()
    host.write(encode(DataFrame(0, False, 0, bytes.fromhex("0100010500"))))  # nop before version
    refused = await host.data()
    assert refused.payload[3:6] == bytes.fromhex("580030"), "invalidCommand, VERSION_NOT_SET"
    host.write(encode(DataFrame(1, False, 1, bytes.fromhex("0200000d"))))  # legacy version(13)
    assert (await host.data()).payload[:4] == bytes.fromhex("0280000d")
    host.write(encode(DataFrame(2, False, 2, bytes.fromhex("030001ff0f"))))  # frame id 0x0FFF
    refused = await host.data()
    assert refused.payload[:6] == bytes.fromhex("038001580031"), "invalidCommand, INVALID_FRAME_ID"
    host.close()
    assert "unknown EZSP command 0x0FFF" in emu.stderr
    assert (await emu.request("status"))["ezsp"]["unknown_commands"] == {"0x0FFF": 1}


async def test_a_host_that_leaves_mid_frame_and_one_that_comes_back_are_both_served(
    emulator: StartEmulator, application: StartApp
) -> None:
    emu = await emulator()
    host = RawHost(emu.port)
    await host.reset()
    host.write(encode(DataFrame(0, False, 0, bytes.fromhex("0000000d")))[:3])
    await asyncio.sleep(0.2)  # let the emulator read the half frame before the host goes
    host.close()
    for left in (1, 2):
        # the next host comes once the emulator has seen the last one go (it polls for a host
        # every HOST_POLL_INTERVAL: one that leaves and comes back in between is one visit)
        await _until_seen(emu, "host_disconnected", left)
        app = await application(emu.port, auto_form=True)
        await app.shutdown()
    events = [e["kind"] for e in await emu.request("events")]
    assert events.count("host_connected") == 3 and events.count("host_disconnected") >= 2


async def _until_seen(emu: EmulatorProcess, kind: str, count: int, timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while [e["kind"] for e in await emu.request("events")].count(kind) < count:
            await asyncio.sleep(0.05)
