"""Where everything a run learns goes: to the journal, durably, and to live listeners.

Transitions, GBCS messages and verdicts are journaled as they happen (``record``);
high-rate news such as every OTA block only reaches the listeners (``notify``), which
is what the live view draws from. The scenario under way is added to each entry.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hanrig.rig.journal import Journal

Listener = Callable[[str, dict[str, Any]], None]


class Recorder:
    def __init__(self, journal: Journal | None = None) -> None:
        self.journal = journal
        self.scenario: str | None = None
        self._listeners: list[Listener] = []

    def add_listener(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def record(self, kind: str, **fields: Any) -> None:
        """Journal an entry (fsync'd before this returns) and tell the listeners."""
        fields = self._in_context(fields)
        if self.journal is not None:
            self.journal.append(kind, **fields)
        self._tell(kind, fields)

    def notify(self, kind: str, **fields: Any) -> None:
        """Tell the listeners only: for news too frequent to journal."""
        self._tell(kind, self._in_context(fields))

    def _in_context(self, fields: dict[str, Any]) -> dict[str, Any]:
        return {"scenario": self.scenario, **fields} if self.scenario is not None else fields

    def _tell(self, kind: str, fields: dict[str, Any]) -> None:
        for listener in self._listeners:
            listener(kind, fields)
