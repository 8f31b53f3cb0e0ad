"""EZSP frame headers: the legacy one (only for the first ``version``) and the extended one.

``sequence | frame control | frame id | parameters``: legacy frames have a one-byte frame
control and frame id; from EZSP v8 both are two bytes and the high byte of the frame
control carries the frame format version, 1.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from construct import BitsInteger, BitStruct, Bytes, ConstructError, Flag, Int8ul, Int16ul, Padding, Struct

from hanrig.devices.radio.ezsp.types import EzspStatus


class FrameFormat(enum.Enum):
    LEGACY = "legacy"
    EXTENDED = "extended"


class CallbackType(enum.IntEnum):
    NONE = 0
    SYNCHRONOUS = 1
    ASYNCHRONOUS = 2


_EXTENDED_FORMAT_VERSION = 1

_RESPONSE_CONTROL = BitStruct(
    "is_response" / Flag,
    "network_index" / BitsInteger(2),
    "callback_type" / BitsInteger(2),
    "callback_pending" / Flag,
    "truncated" / Flag,
    "overflow" / Flag,
)
_HIGH_CONTROL = BitStruct(
    "security_enabled" / Flag, "padding_enabled" / Flag, Padding(4), "format" / BitsInteger(2)
)

_LEGACY = Struct("sequence" / Int8ul, "control" / Bytes(1), "frame_id" / Int8ul)
_EXTENDED = Struct("sequence" / Int8ul, "control" / Bytes(1), "high" / _HIGH_CONTROL, "frame_id" / Int16ul)

_LEGACY_SIZE = _LEGACY.sizeof()
_EXTENDED_SIZE = _EXTENDED.sizeof()


class EzspHeaderError(ValueError):
    """A frame the NCP cannot take as a command; ``status`` is what invalidCommand reports."""

    def __init__(self, message: str, status: EzspStatus, header: EzspHeader | None) -> None:
        super().__init__(message)
        self.status = status
        self.header = header


@dataclass(frozen=True)
class EzspHeader:
    sequence: int
    frame_id: int
    format: FrameFormat


def parse_command(frame: bytes) -> tuple[EzspHeader, bytes]:
    """The header of a command from the host, and its parameter bytes."""
    if len(frame) < _LEGACY_SIZE:
        raise EzspHeaderError(f"frame of {len(frame)} bytes has no header", EzspStatus.ERROR_TRUNCATED, None)
    extended = len(frame) >= _EXTENDED_SIZE and frame[2] & 0x03 == _EXTENDED_FORMAT_VERSION
    try:
        if extended:
            fields = _EXTENDED.parse(frame)
            header = EzspHeader(fields.sequence, fields.frame_id, FrameFormat.EXTENDED)
            params = frame[_EXTENDED_SIZE:]
            if fields.high.security_enabled or fields.high.padding_enabled:
                raise EzspHeaderError(
                    "secure EZSP is not supported", EzspStatus.ERROR_UNSUPPORTED_CONTROL, header
                )
        else:
            fields = _LEGACY.parse(frame)
            header = EzspHeader(fields.sequence, fields.frame_id, FrameFormat.LEGACY)
            params = frame[_LEGACY_SIZE:]
        control = _RESPONSE_CONTROL.parse(fields.control)
    except ConstructError as exc:  # pragma: no cover - lengths are checked above
        raise EzspHeaderError(str(exc), EzspStatus.ERROR_TRUNCATED, None) from exc
    if control.is_response:
        raise EzspHeaderError("a response sent to the NCP", EzspStatus.ERROR_WRONG_DIRECTION, header)
    return header, params


def build_frame(
    sequence: int,
    frame_id: int,
    payload: bytes,
    *,
    frame_format: FrameFormat,
    callback: CallbackType = CallbackType.NONE,
) -> bytes:
    """A response or callback from the NCP."""
    control = _RESPONSE_CONTROL.build(
        {
            "is_response": True,
            "network_index": 0,
            "callback_type": callback,
            "callback_pending": False,
            "truncated": False,
            "overflow": False,
        }
    )
    if frame_format is FrameFormat.LEGACY:
        return _LEGACY.build({"sequence": sequence, "control": control, "frame_id": frame_id}) + payload
    high = {"security_enabled": False, "padding_enabled": False, "format": _EXTENDED_FORMAT_VERSION}
    return (
        _EXTENDED.build({"sequence": sequence, "control": control, "high": high, "frame_id": frame_id})
        + payload
    )
