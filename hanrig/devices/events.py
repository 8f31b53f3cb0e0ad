"""The emulator's event log: what happened, in order, for tests and the control plane to read.

Bounded, so that a long soak does not grow it without limit; readers page through it by
sequence number and can wait (with a timeout) for an event that matches.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from hanrig.devices.scheduling import Scheduler

LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    sequence: int
    time: float
    source: str
    kind: str
    details: Mapping[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "sequence": self.sequence,
            "time": round(self.time, 6),
            "source": self.source,
            "kind": self.kind,
            **self.details,
        }

    def matches(self, source: str | None, kind: str | None, details: Mapping[str, Any]) -> bool:
        return (
            (source is None or self.source == source)
            and (kind is None or self.kind == kind)
            and all(self.details.get(key) == value for key, value in details.items())
        )


class EventLog:
    """The last ``capacity`` events; ``sequence`` keeps counting so readers can tell what they missed."""

    def __init__(self, scheduler: Scheduler, capacity: int = 4_096) -> None:
        self._scheduler = scheduler
        self._events: deque[Event] = deque(maxlen=capacity)
        self._next = 1
        self._listeners: list[Callable[[Event], None]] = []

    def emit(self, source: str, kind: str, /, **details: Any) -> Event:
        event = Event(self._next, self._scheduler.time(), source, kind, details)
        self._next += 1
        self._events.append(event)
        LOG.debug("%s: %s %s", source, kind, details)
        for listener in list(self._listeners):
            listener(event)
        return event

    def since(self, sequence: int = 0) -> list[Event]:
        """Events after ``sequence`` that are still kept."""
        return [event for event in self._events if event.sequence > sequence]

    async def wait_for(
        self,
        *,
        source: str | None = None,
        kind: str | None = None,
        after: int = 0,
        timeout: float,
        **details: Any,
    ) -> Event:
        """The first event after ``after`` that matches, waiting up to ``timeout`` seconds."""
        for event in self.since(after):
            if event.matches(source, kind, details):
                return event
        future: asyncio.Future[Event] = asyncio.get_running_loop().create_future()

        def listen(event: Event) -> None:
            if not future.done() and event.matches(source, kind, details):
                future.set_result(event)

        self._listeners.append(listen)
        try:
            return await asyncio.wait_for(future, timeout)
        finally:
            self._listeners.remove(listen)
