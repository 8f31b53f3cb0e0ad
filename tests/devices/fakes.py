"""Fakes for unit tests of ``devices``: a clock driven by hand."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from typing import Any


class _Call:
    def __init__(self, due: float, callback: Callable[..., Any], args: tuple[Any, ...]) -> None:
        self.due = due
        self.callback = callback
        self.args = args
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class ManualScheduler:
    """A ``devices.scheduling.Scheduler`` whose time moves only when the test says so."""

    def __init__(self) -> None:
        self.now = 0.0
        self._queue: list[tuple[float, int, _Call]] = []
        self._order = itertools.count()

    def time(self) -> float:
        return self.now

    def call_later(self, delay: float, callback: Callable[..., Any], *args: Any) -> _Call:
        call = _Call(self.now + max(delay, 0.0), callback, args)
        heapq.heappush(self._queue, (call.due, next(self._order), call))
        return call

    def advance(self, seconds: float) -> None:
        """Run everything due in the next ``seconds``, in time order."""
        end = self.now + seconds
        while self._queue and self._queue[0][0] <= end:
            due, _, call = heapq.heappop(self._queue)
            self.now = max(self.now, due)
            if not call.cancelled:
                call.callback(*call.args)
        self.now = end

    def run_all(self, limit: float = 3600.0) -> None:
        """Run until nothing is scheduled (or ``limit`` seconds have passed)."""
        end = self.now + limit
        while self._queue and self._queue[0][0] <= end:
            self.advance(self._queue[0][0] - self.now)

    @property
    def pending(self) -> int:
        return sum(1 for _, _, call in self._queue if not call.cancelled)
