"""ASH frames on the wire: control bytes, CRC, data randomisation, byte stuffing, delimiting.

Written from UG101 ("UART Gateway Protocol Reference"), independently of bellows so that a
bug in either side shows up as a failure instead of being shared.

A frame is ``control | data | CRC-CCITT (big-endian)``; DATA frames XOR their data with a
fixed pseudo-random sequence; the whole frame is byte-stuffed and ends with a Flag byte.
"""

from __future__ import annotations

import binascii
import enum
from dataclasses import dataclass

from construct import (
    Bit,
    BitsInteger,
    BitStruct,
    Bytes,
    Checksum,
    Const,
    ConstructError,
    Flag,
    Int8ub,
    Int16ub,
    RawCopy,
    Struct,
    this,
)


class Reserved(enum.IntEnum):
    """Bytes with a meaning of their own on the line; inside a frame they are escaped."""

    FLAG = 0x7E
    ESCAPE = 0x7D
    XON = 0x11
    XOFF = 0x13
    SUBSTITUTE = 0x18
    CANCEL = 0x1A


class ResetCode(enum.IntEnum):
    """Why the NCP reset (RSTACK) or failed (ERROR): UG101 "Reset and Error Codes"."""

    UNKNOWN_REASON = 0x00
    EXTERNAL = 0x01
    POWER_ON = 0x02
    WATCHDOG = 0x03
    ASSERT = 0x06
    BOOTLOADER = 0x09
    SOFTWARE = 0x0B
    EXCEEDED_MAXIMUM_ACK_TIMEOUT_COUNT = 0x51
    CHIP_SPECIFIC = 0x80


class FrameError(enum.Enum):
    """Why bytes between two Flags are not a frame."""

    TOO_SHORT = "too short"
    TOO_LONG = "too long"
    BAD_CRC = "bad CRC"
    BAD_ESCAPE = "escape of a byte that needs none"
    BAD_CONTROL = "unknown control byte"
    BAD_LENGTH = "wrong data length for its type"


class AshDecodeError(ValueError):
    """Bytes that are not a valid ASH frame; ``control`` is the first byte when there is one."""

    def __init__(self, reason: FrameError, control: int | None) -> None:
        super().__init__(reason.value)
        self.reason = reason
        self.control = control

    @property
    def looks_like_data(self) -> bool:
        """A damaged frame whose control byte still reads as DATA must be NAKed (UG101)."""
        return self.control is not None and self.control & 0x80 == 0


#: the version byte of RSTACK and ERROR frames; bellows refuses any other
ASH_VERSION = 2
#: a DATA frame carries 3 to 128 bytes of EZSP frame
MIN_DATA_LEN = 3
MAX_DATA_LEN = 128
#: control + largest data + CRC, before stuffing
MAX_FRAME_LEN = 1 + MAX_DATA_LEN + 2
#: stuffing at most doubles a frame; anything longer between two Flags is garbage
MAX_STUFFED_LEN = 2 * MAX_FRAME_LEN


def _pseudo_random_sequence(length: int) -> bytes:
    """UG101's data randomisation: an 8-bit LFSR seeded with 0x42, feedback 0xB8."""
    out = bytearray()
    value = 0x42
    for _ in range(length):
        out.append(value)
        value = (value >> 1) ^ 0xB8 if value & 1 else value >> 1
    return bytes(out)


_PSEUDO_RANDOM = _pseudo_random_sequence(MAX_DATA_LEN)


def randomise(data: bytes) -> bytes:
    """XOR with the pseudo-random sequence; applying it twice gives the data back."""
    return bytes(a ^ b for a, b in zip(data, _PSEUDO_RANDOM, strict=False))


def crc_ccitt(data: bytes) -> int:
    """CRC-CCITT (x^16 + x^12 + x^5 + 1), initial value 0xFFFF."""
    return binascii.crc_hqx(data, 0xFFFF)


_DATA_CONTROL = BitStruct(
    "is_control" / Const(0, Bit), "frm_num" / BitsInteger(3), "re_tx" / Flag, "ack_num" / BitsInteger(3)
)
_ACK_CONTROL = BitStruct(
    "kind" / Const(0b100, BitsInteger(3)), "reserved" / Bit, "not_ready" / Flag, "ack_num" / BitsInteger(3)
)
_NAK_CONTROL = BitStruct(
    "kind" / Const(0b101, BitsInteger(3)), "reserved" / Bit, "not_ready" / Flag, "ack_num" / BitsInteger(3)
)
_RESET_DATA = Struct("version" / Int8ub, "code" / Int8ub)

#: control byte | data | CRC over both; the data length comes from the frame's size
_FRAME = Struct(
    "covered" / RawCopy(Struct("control" / Int8ub, "data" / Bytes(lambda ctx: ctx._._params.size - 3))),
    "crc" / Checksum(Int16ub, crc_ccitt, this.covered.data),
)

RST_CONTROL = 0xC0
RSTACK_CONTROL = 0xC1
ERROR_CONTROL = 0xC2


@dataclass(frozen=True)
class DataFrame:
    """Carries one EZSP frame (``payload``, not randomised)."""

    frm_num: int
    re_tx: bool
    ack_num: int
    payload: bytes


@dataclass(frozen=True)
class AckFrame:
    ack_num: int
    not_ready: bool = False


@dataclass(frozen=True)
class NakFrame:
    ack_num: int
    not_ready: bool = False


@dataclass(frozen=True)
class RstFrame:
    """The host asks the NCP to reset."""


@dataclass(frozen=True)
class RstAckFrame:
    """The NCP has reset, and says why."""

    code: ResetCode | int
    version: int = ASH_VERSION


@dataclass(frozen=True)
class ErrorFrame:
    """The NCP is in the FAILED state, and says why."""

    code: ResetCode | int
    version: int = ASH_VERSION


AshFrame = DataFrame | AckFrame | NakFrame | RstFrame | RstAckFrame | ErrorFrame


def _control_and_data(frame: AshFrame) -> tuple[int, bytes]:
    match frame:
        case DataFrame():
            control = _DATA_CONTROL.build(
                {"frm_num": frame.frm_num, "re_tx": frame.re_tx, "ack_num": frame.ack_num}
            )[0]
            return control, randomise(frame.payload)
        case AckFrame():
            control = _ACK_CONTROL.build(
                {"reserved": 0, "not_ready": frame.not_ready, "ack_num": frame.ack_num}
            )
            return control[0], b""
        case NakFrame():
            control = _NAK_CONTROL.build(
                {"reserved": 0, "not_ready": frame.not_ready, "ack_num": frame.ack_num}
            )
            return control[0], b""
        case RstFrame():
            return RST_CONTROL, b""
        case RstAckFrame():
            return RSTACK_CONTROL, _RESET_DATA.build({"version": frame.version, "code": int(frame.code)})
        case ErrorFrame():
            return ERROR_CONTROL, _RESET_DATA.build({"version": frame.version, "code": int(frame.code)})
    raise TypeError(f"not an ASH frame: {frame!r}")


def frame_bytes(frame: AshFrame) -> bytes:
    """Control, data and CRC: the frame before stuffing."""
    control, data = _control_and_data(frame)
    return _FRAME.build({"covered": {"value": {"control": control, "data": data}}}, size=len(data) + 3)


def stuff(frame: bytes) -> bytes:
    """Escape every reserved byte as ``0x7D, byte ^ 0x20``."""
    out = bytearray()
    for byte in frame:
        if byte in _RESERVED:
            out += bytes((Reserved.ESCAPE, byte ^ 0x20))
        else:
            out.append(byte)
    return bytes(out)


def unstuff(stuffed: bytes) -> bytes:
    """Undo ``stuff``; an escape of a byte that needs none, or a dangling escape, is an error."""
    out = bytearray()
    escaped = False
    for byte in stuffed:
        if escaped:
            original = byte ^ 0x20
            if original not in _RESERVED:
                raise AshDecodeError(FrameError.BAD_ESCAPE, _first(out, stuffed))
            out.append(original)
            escaped = False
        elif byte == Reserved.ESCAPE:
            escaped = True
        else:
            out.append(byte)
    if escaped:
        raise AshDecodeError(FrameError.BAD_ESCAPE, _first(out, stuffed))
    return bytes(out)


def _first(unstuffed: bytearray, stuffed: bytes) -> int | None:
    if unstuffed:
        return unstuffed[0]
    return stuffed[0] if stuffed and stuffed[0] != Reserved.ESCAPE else None


_RESERVED = frozenset(Reserved)


def encode(frame: AshFrame) -> bytes:
    """The frame as it goes on the wire: stuffed and ended by a Flag."""
    return stuff(frame_bytes(frame)) + bytes((Reserved.FLAG,))


def decode(stuffed: bytes) -> AshFrame:
    """Parse the bytes found between two Flags (still stuffed)."""
    raw = unstuff(stuffed)
    control = raw[0] if raw else None
    if len(raw) < 3:
        raise AshDecodeError(FrameError.TOO_SHORT, control)
    if len(raw) > MAX_FRAME_LEN:
        raise AshDecodeError(FrameError.TOO_LONG, control)
    try:
        parsed = _FRAME.parse(raw, size=len(raw))
    except ConstructError as exc:
        raise AshDecodeError(FrameError.BAD_CRC, control) from exc
    data: bytes = parsed.covered.value.data
    assert control is not None
    if control & 0x80 == 0:
        if not MIN_DATA_LEN <= len(data) <= MAX_DATA_LEN:
            raise AshDecodeError(FrameError.BAD_LENGTH, control)
        bits = _DATA_CONTROL.parse(bytes((control,)))
        return DataFrame(
            frm_num=bits.frm_num, re_tx=bits.re_tx, ack_num=bits.ack_num, payload=randomise(data)
        )
    if control & 0xE0 in (0x80, 0xA0):
        if data:
            raise AshDecodeError(FrameError.BAD_LENGTH, control)
        if control & 0xE0 == 0x80:
            bits = _ACK_CONTROL.parse(bytes((control,)))
            return AckFrame(ack_num=bits.ack_num, not_ready=bits.not_ready)
        bits = _NAK_CONTROL.parse(bytes((control,)))
        return NakFrame(ack_num=bits.ack_num, not_ready=bits.not_ready)
    if control == RST_CONTROL:
        if data:
            raise AshDecodeError(FrameError.BAD_LENGTH, control)
        return RstFrame()
    if control in (RSTACK_CONTROL, ERROR_CONTROL):
        if len(data) != 2:
            raise AshDecodeError(FrameError.BAD_LENGTH, control)
        fields = _RESET_DATA.parse(data)
        code = _reset_code(fields.code)
        if control == RSTACK_CONTROL:
            return RstAckFrame(code=code, version=fields.version)
        return ErrorFrame(code=code, version=fields.version)
    raise AshDecodeError(FrameError.BAD_CONTROL, control)


def _reset_code(value: int) -> ResetCode | int:
    try:
        return ResetCode(value)
    except ValueError:
        return value


class FrameReader:
    """Cuts a byte stream into frames the way UG101 says a receiver must.

    Cancel discards the frame in progress, Substitute marks it as damaged (it is dropped at
    the next Flag), XON/XOFF are flow control and never part of a frame. A run of bytes
    longer than any frame can be is cut short, so that garbage never grows the buffer.
    """

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._damaged = False

    def feed(self, data: bytes) -> list[bytes]:
        """The stuffed bytes of every frame completed by ``data``, in order."""
        frames: list[bytes] = []
        for byte in data:
            if byte == Reserved.FLAG:
                if self._buffer and not self._damaged:
                    frames.append(bytes(self._buffer))
                self._buffer.clear()
                self._damaged = False
            elif byte == Reserved.CANCEL:
                self._buffer.clear()
                self._damaged = False
            elif byte == Reserved.SUBSTITUTE:
                self._buffer.clear()
                self._damaged = True
            elif byte in (Reserved.XON, Reserved.XOFF):
                continue
            elif len(self._buffer) <= MAX_STUFFED_LEN:
                # One byte past the limit is kept so that the frame decodes as TOO_LONG.
                self._buffer.append(byte)
        return frames

    def discard(self) -> None:
        """Forget a partial frame (the line went away in the middle of one)."""
        self._buffer.clear()
        self._damaged = False
