"""The NCP's EZSP layer: frames from the host in, responses and callbacks out, in order.

It negotiates the protocol version (nothing but ``version`` is accepted until the host
asks for the NCP's own version), decodes each command with the table of that version,
runs its handler and encodes the response. Anything it cannot serve is answered with
invalidCommand, and an unknown frame id is logged as a warning, so a new bellows release
shows up in the log instead of hanging. Callbacks carry the sequence number of the last
command and are never sent between a command and its response: bellows would take one
for the response.
"""

from __future__ import annotations

import enum
import logging
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from construct import ConstructError, Container, ListContainer

from hanrig.devices.ieee import Eui64
from hanrig.devices.radio.ezsp.commands import CommandTable, FrameKind
from hanrig.devices.radio.ezsp.header import (
    CallbackType,
    EzspHeader,
    EzspHeaderError,
    FrameFormat,
    build_frame,
    parse_command,
)
from hanrig.devices.radio.ezsp.types import EzspStatus
from hanrig.devices.scheduling import Scheduler

LOG = logging.getLogger(__name__)
TRACE = logging.getLogger(f"{__name__}.trace")

VERSION_FRAME_ID = 0x0000
INVALID_COMMAND_FRAME_ID = 0x0058
#: zeros behind a command shorter than its full form: more than any command's parameters take
_SHORT_FRAME_PADDING = 256


class Refused(Exception):
    """Raised by a handler that answers its command with invalidCommand (``status``)."""

    def __init__(self, status: EzspStatus) -> None:
        super().__init__(status.name)
        self.status = status


Handler = Callable[[Any, Container], Mapping[str, Any]]


class Direction(enum.Enum):
    TO_NCP = ">"
    TO_HOST = "<"


@dataclass(frozen=True)
class TraceEntry:
    time: float
    direction: Direction
    sequence: int
    frame_id: int
    name: str
    kind: str
    fields: Any

    def as_dict(self) -> dict[str, Any]:
        return {
            "time": round(self.time, 6),
            "direction": "to_ncp" if self.direction is Direction.TO_NCP else "to_host",
            "sequence": self.sequence,
            "frame_id": f"0x{self.frame_id:04X}",
            "name": self.name,
            "kind": self.kind,
            "fields": self.fields,
        }


def plain(value: Any) -> Any:
    """A decoded EZSP value as JSON can carry it."""
    if isinstance(value, Mapping):
        # construct keeps its parsing state under "_" keys (such as "_io")
        return {k: plain(v) for k, v in value.items() if not str(k).startswith("_")}
    if isinstance(value, ListContainer | list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, Eui64):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.name
    return value


class EzspLayer:
    def __init__(
        self,
        *,
        table: CommandTable,
        handlers: Mapping[str, Handler],
        ncp: Any,
        send: Callable[[bytes], None],
        scheduler: Scheduler,
        stack_type: int,
        stack_version: int,
        trace_capacity: int = 1_000,
    ) -> None:
        self.table = table
        self._handlers = handlers
        self._ncp = ncp
        self._send = send
        self._scheduler = scheduler
        self._stack_type = stack_type
        self._stack_version = stack_version
        self.negotiated = False
        self._last_sequence = 0
        self._busy = False
        self._pending: list[bytes] = []
        self.trace: deque[TraceEntry] = deque(maxlen=trace_capacity)
        self.unknown_commands: dict[int, int] = {}
        self.command_counts: dict[str, int] = {}

    def reset(self) -> None:
        """The NCP rebooted: back to the legacy header until the host asks for the version."""
        self.negotiated = False
        self._pending.clear()

    # ---------------------------------------------------------------- commands

    def receive(self, frame: bytes) -> None:
        """One EZSP frame from the host: answer it, then send what callbacks came up meanwhile."""
        try:
            header, params = parse_command(frame)
        except EzspHeaderError as exc:
            LOG.warning("EZSP frame refused (%s): %s", exc, frame.hex())
            if exc.header is not None:
                self._last_sequence = exc.header.sequence
                self._reply(exc.header, INVALID_COMMAND_FRAME_ID, "invalidCommand", {"reason": exc.status})
            return
        self._last_sequence = header.sequence
        self._busy = True
        try:
            self._command(header, params)
        finally:
            self._busy = False
            pending, self._pending = self._pending, []
            for callback in pending:
                self._send(callback)

    def _command(self, header: EzspHeader, params: bytes) -> None:
        if header.frame_id == VERSION_FRAME_ID:
            self._version(header, params)
            return
        if not self.negotiated:
            self._refuse(header, EzspStatus.ERROR_VERSION_NOT_SET, "before the version was agreed")
            return
        if header.format is FrameFormat.LEGACY:
            self._refuse(header, EzspStatus.ERROR_INVALID_FRAME_ID, "in the legacy header after version")
            return
        frame = self.table.by_id(header.frame_id)
        handler = self._handlers.get(frame.name) if frame is not None else None
        if frame is None or frame.kind is not FrameKind.COMMAND or handler is None:
            self.unknown_commands[header.frame_id] = self.unknown_commands.get(header.frame_id, 0) + 1
            LOG.warning(
                "unknown EZSP command 0x%04X (%s) for EZSP v%d, answered invalidCommand; params %s",
                header.frame_id,
                frame.name if frame else "not in UG100 as emulated",
                self.table.version,
                params.hex(),
            )
            self._record(
                Direction.TO_NCP, header.sequence, header.frame_id, "unknown", "command", params.hex()
            )
            self._reply(
                header,
                INVALID_COMMAND_FRAME_ID,
                "invalidCommand",
                {"reason": EzspStatus.ERROR_INVALID_FRAME_ID},
            )
            return
        try:
            fields = frame.parameters.parse(params)
        except ConstructError:
            # Real firmware reads a short command's missing parameters as zeros rather than refusing it
            # (the legacy zigbee-herdsman driver sends networkInit bare); so does the emulated NCP.
            try:
                fields = frame.parameters.parse(params + bytes(_SHORT_FRAME_PADDING))
            except ConstructError:
                self._refuse(
                    header, EzspStatus.ERROR_TRUNCATED, f"{frame.name} parameters {params.hex()} do not parse"
                )
                return
            LOG.debug("%s sent with %d octets of parameters; the rest read as zeros", frame.name, len(params))
        self._record(Direction.TO_NCP, header.sequence, frame.frame_id, frame.name, "command", plain(fields))
        self.command_counts[frame.name] = self.command_counts.get(frame.name, 0) + 1
        try:
            response = handler(self._ncp, fields)
            payload = self.table[frame.name].response.build(dict(response))
        except Refused as refusal:
            LOG.debug("%s answered invalidCommand %s", frame.name, refusal.status.name)
            self._reply(header, INVALID_COMMAND_FRAME_ID, "invalidCommand", {"reason": refusal.status})
            return
        except Exception:  # an emulator bug: loud in the log, but the host gets an answer
            LOG.exception("the %s handler failed; answering invalidCommand", frame.name)
            self._reply(
                header, INVALID_COMMAND_FRAME_ID, "invalidCommand", {"reason": EzspStatus.ERROR_INVALID_CALL}
            )
            return
        self._record(
            Direction.TO_HOST, header.sequence, frame.frame_id, frame.name, "response", plain(response)
        )
        self._send(build_frame(header.sequence, frame.frame_id, payload, frame_format=header.format))

    def _version(self, header: EzspHeader, params: bytes) -> None:
        desired = params[0] if params else 0
        self._record(
            Direction.TO_NCP, header.sequence, VERSION_FRAME_ID, "version", "command", {"desired": desired}
        )
        if desired == self.table.version:
            self.negotiated = True
        self._reply(
            header,
            VERSION_FRAME_ID,
            "version",
            {
                "protocol_version": self.table.version,
                "stack_type": self._stack_type,
                "stack_version": self._stack_version,
            },
        )

    def _refuse(self, header: EzspHeader, status: EzspStatus, why: str) -> None:
        LOG.warning("EZSP command 0x%04X refused with %s: %s", header.frame_id, status.name, why)
        self._reply(header, INVALID_COMMAND_FRAME_ID, "invalidCommand", {"reason": status})

    def _reply(self, header: EzspHeader, frame_id: int, name: str, fields: Mapping[str, Any]) -> None:
        payload = self.table[name].response.build(dict(fields))
        self._record(Direction.TO_HOST, header.sequence, frame_id, name, "response", plain(fields))
        self._send(build_frame(header.sequence, frame_id, payload, frame_format=header.format))

    # ---------------------------------------------------------------- callbacks

    def callback(self, name: str, **fields: Any) -> None:
        """Send a callback now, or after the response to the command being handled."""
        if not self.negotiated:
            LOG.debug("no host listening for %s: dropped", name)
            return
        frame = self.table[name]
        payload = frame.response.build(fields)
        self._record(Direction.TO_HOST, self._last_sequence, frame.frame_id, name, "callback", plain(fields))
        data = build_frame(
            self._last_sequence,
            frame.frame_id,
            payload,
            frame_format=FrameFormat.EXTENDED,
            callback=CallbackType.ASYNCHRONOUS,
        )
        if self._busy:
            self._pending.append(data)
        else:
            self._send(data)

    def _record(
        self, direction: Direction, sequence: int, frame_id: int, name: str, kind: str, fields: Any
    ) -> None:
        entry = TraceEntry(self._scheduler.time(), direction, sequence, frame_id, name, kind, fields)
        self.trace.append(entry)
        if TRACE.isEnabledFor(logging.DEBUG):
            TRACE.debug("%s %s %s #%d %s", direction.value, name, kind, sequence, fields)
