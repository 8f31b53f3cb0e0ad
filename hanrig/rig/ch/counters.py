"""Originator counters: strictly increasing per originator, as GBCS requires for replay protection.

They start from the wall clock in milliseconds (as DCC Boxed does), so a rig restarted
with the same keys never goes back below a counter a device has already seen.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class OriginatorCounter:
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._last = 0

    def next(self) -> int:
        self._last = max(self._last + 1, int(self._clock() * 1000))
        return self._last
