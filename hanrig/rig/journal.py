"""The run journal: an append-only JSON-lines file, fsync'd at every entry.

Everything a run learns (scenario starts and verdicts, distribution status changes,
GBCS messages, measurements) is written here as it happens, and every report is
built from the journal, so a run that is killed can still be reported from what it
had. A line is only whole once its newline is on disk: a torn last line (the process
died mid-write) is detected and ignored by readers, and cut off by the next writer.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hanrig.bench.errors import ConfigError

#: Bumped when an entry's meaning changes; readers refuse journals from the future.
FORMAT_VERSION = 1


@dataclass(frozen=True)
class Entry:
    """One journal line: a sequence number, a wall-clock time, a kind and its fields."""

    seq: int
    time: float
    kind: str
    fields: Mapping[str, Any]

    def to_json(self) -> str:
        return json.dumps({"seq": self.seq, "time": self.time, "kind": self.kind, **self.fields},
                          separators=(",", ":"), default=str)


@dataclass(frozen=True)
class Reading:
    """What a journal file holds: its whole entries, and whether a torn tail was ignored."""

    entries: tuple[Entry, ...]
    torn_tail: bool


class Journal:
    """Appends entries to a journal file, each one durable before ``append`` returns.

    Safe to append from several threads (the bench's and the tests').
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        self._next_seq = _cut_torn_tail(path)
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        if self._next_seq == 0:
            self.append("journal", format=FORMAT_VERSION)

    def append(self, kind: str, **fields: Any) -> Entry:
        with self._lock:
            entry = Entry(self._next_seq, time.time(), kind, fields)
            os.write(self._fd, (entry.to_json() + "\n").encode())
            os.fsync(self._fd)
            self._next_seq += 1
        return entry

    @property
    def closed(self) -> bool:
        return self._fd < 0

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def read_journal(path: Path) -> Reading:
    """Read every whole entry of a journal; a torn last line is ignored, never fatal.

    Raises ConfigError (with the line number) for a missing file, a line in the middle
    that is not an entry, or a journal written by a newer hanrig.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read journal: {exc.strerror}") from exc
    lines = data.split(b"\n")
    torn = lines.pop() != b""  # bytes after the last newline never became an entry
    entries = tuple(_parse_line(path, number, line) for number, line in enumerate(lines, start=1))
    if entries and entries[0].kind == "journal" and entries[0].fields.get("format", 0) > FORMAT_VERSION:
        raise ConfigError(f"{path}:1: journal format {entries[0].fields['format']} is newer than this hanrig")
    return Reading(entries, torn)


def _parse_line(path: Path, number: int, line: bytes) -> Entry:
    try:
        raw = json.loads(line)
        fields = {k: v for k, v in raw.items() if k not in ("seq", "time", "kind")}
        return Entry(int(raw["seq"]), float(raw["time"]), str(raw["kind"]), fields)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ConfigError(f"{path}:{number}: not a journal entry ({exc})") from exc


def _cut_torn_tail(path: Path) -> int:
    """Drop a torn last line so that appends start on a fresh line; return the next seq."""
    if not path.exists():
        return 0
    reading = read_journal(path)
    if reading.torn_tail:
        whole = path.read_bytes()
        with path.open("r+b") as file:
            file.truncate(whole.rfind(b"\n") + 1)
    return reading.entries[-1].seq + 1 if reading.entries else 0

