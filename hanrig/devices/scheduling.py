"""Time for the emulator: one small interface so that timers can be faked in unit tests.

Everything in ``devices`` that waits (ASH retransmission, air latency, a device waking up)
asks a ``Scheduler`` rather than the event loop, so that a unit test can drive time by
hand and the emulator process runs on its asyncio loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, Protocol


class Timer(Protocol):
    """A scheduled call that can be cancelled."""

    def cancel(self) -> None: ...


class Scheduler(Protocol):
    """A clock in seconds and a way to run something later."""

    def time(self) -> float: ...

    def call_later(self, delay: float, callback: Callable[..., Any], *args: Any) -> Timer: ...


class LoopScheduler:
    """The running asyncio loop as a ``Scheduler``."""

    def __init__(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self._loop = loop or asyncio.get_running_loop()

    def time(self) -> float:
        return self._loop.time()

    def call_later(self, delay: float, callback: Callable[..., Any], *args: Any) -> Timer:
        return self._loop.call_later(max(delay, 0.0), callback, *args)
