"""How a program talks to a running emulator: its start line and its control plane.

This module is all a host (the rig, a test, a lab's script) needs of the emulator, and it
imports nothing else of ``hanrig.devices``: a host never loads the emulator itself.

**Start line.** ``python -m hanrig.devices --json`` (``hanrig emulate --json``) prints one
JSON object on one stdout line: ``{"event": "ready", ...}`` (``Readiness``) once the pty
link, the ``socket://`` port and the control socket all listen, or ``{"event": "failed",
"kind": "config" | "infrastructure", "message": ...}`` (``StartFailed``) when it cannot
start, and then exits 2 or 3. A host waits for that line with a timeout, and stops the
emulator with SIGTERM, which makes it remove its link and save its state.

**Control plane.** JSON lines on a Unix socket. A request ``{"id": 1, "op": "join",
"args": {"name": "meter"}}`` gets one answer, ``{"id": 1, "ok": true, "result": ...}`` or
``{"id": 1, "ok": false, "error": {"type": ..., "message": ...}}``. On one connection the
answers come in order (a ``wait_event`` holds those behind it); open another connection
to ask something meanwhile. ``OPERATIONS`` are the operations; ``ControlClient`` is the
host's end.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

#: what a control request may ask (``hanrig.devices.radio.control.EmulatorControl`` documents each)
OPERATIONS = frozenset({
    "status", "add_device", "remove_device", "join", "leave", "set_in_range", "send", "device_command",
    "set_faults", "reset_ncp", "fail_ncp", "events", "trace", "wait_event",
})
#: sun_path holds 108 bytes on Linux, including the terminating NUL
MAX_SOCKET_PATH = 107
#: a request line longer than this is not a control request
MAX_REQUEST_LINE = 1 << 20
#: answers (a long event log, an EZSP trace) may be longer
MAX_ANSWER_LINE = 1 << 24
#: how long a control request may take unless the caller says otherwise
REQUEST_TIMEOUT = 30.0

FailureKind = Literal["config", "infrastructure"]


@dataclass(frozen=True)
class Readiness:
    """Where a ready emulator can be reached."""

    port: Path
    pty: str
    socket: str | None
    control: Path | None
    ezsp_version: int
    pid: int
    #: ``rfc2217://HOST:PORT`` when the emulator also serves its UART as an RFC 2217 access server
    rfc2217: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"event": "ready", "port": str(self.port), "pty": self.pty, "socket": self.socket,
                "rfc2217": self.rfc2217, "control": str(self.control) if self.control else None,
                "ezsp_version": self.ezsp_version, "pid": self.pid}


class StartFailed(Exception):
    """The emulator could not start: its config (``kind`` ``config``) or what it runs on (``infrastructure``)."""

    def __init__(self, kind: FailureKind, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message

    def as_dict(self) -> dict[str, Any]:
        return {"event": "failed", "kind": self.kind, "message": self.message}


class ProtocolError(Exception):
    """A line from the emulator that is not what this protocol says it sends."""


def read_start_line(line: bytes) -> Readiness:
    """The emulator's start line as a ``Readiness``; ``StartFailed`` if it says it could not start."""
    try:
        event = json.loads(line)
        if event["event"] == "failed":
            raise StartFailed(event["kind"], str(event["message"]))
        if event["event"] != "ready":
            raise ProtocolError(f"the emulator's first line is not its start line: {line[:200]!r}")
        return Readiness(port=Path(event["port"]), pty=event["pty"], socket=event["socket"],
                         control=Path(event["control"]) if event["control"] else None,
                         ezsp_version=int(event["ezsp_version"]), pid=int(event["pid"]),
                         rfc2217=event.get("rfc2217"))
    except (ValueError, KeyError, TypeError) as exc:
        raise ProtocolError(f"the emulator's start line is not JSON of the start protocol ({exc}): "
                            f"{line[:200]!r}") from None


class ControlRequestError(Exception):
    """The emulator refused a control request; ``kind`` is its error type."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(f"{kind}: {message}")
        self.kind = kind


class ControlClient:
    """The host's end of the control plane: ``await client.request("join", name="meter")``."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer
        self._next_id = 0
        self._lock = asyncio.Lock()

    @classmethod
    async def connect(cls, path: Path, *, timeout: float = 10.0) -> ControlClient:
        reader, writer = await asyncio.wait_for(asyncio.open_unix_connection(str(path), limit=MAX_ANSWER_LINE), timeout)
        return cls(reader, writer)

    async def request(self, op: str, *, timeout: float = REQUEST_TIMEOUT, **args: Any) -> Any:
        """The result of one operation (``OPERATIONS``); ``TimeoutError`` if it takes longer than ``timeout``."""
        async with self._lock, asyncio.timeout(timeout):
            self._next_id += 1
            request_id = self._next_id
            self._writer.write(json.dumps({"id": request_id, "op": op, "args": args}).encode() + b"\n")
            await self._writer.drain()
            while True:
                line = await self._reader.readline()
                if not line:
                    raise ConnectionError("the emulator closed its control socket")
                answer = json.loads(line)
                # An earlier request that timed out may still be answered: that answer is not this one's.
                if answer.get("id") == request_id:
                    break
        if not answer["ok"]:
            raise ControlRequestError(answer["error"]["type"], answer["error"]["message"])
        return answer["result"]

    async def close(self) -> None:
        self._writer.close()
        with contextlib.suppress(ConnectionError):
            await self._writer.wait_closed()
