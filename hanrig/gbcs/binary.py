"""How gbcs runs its ``construct`` declarations: shared field types and typed errors.

The declarations elsewhere stay declarative; this module supplies what construct lacks
for GBCS: the BER-style length that remembers its exact encoding, length-prefixed and
sized windows that keep reporting absolute byte offsets, strict enums, EUI-64 fields,
and the two runners, :func:`parse` and :func:`build`, that turn every construct error
into a :class:`~gbcs.errors.DecodeError` or :class:`~gbcs.errors.EncodeError` naming
the field and the byte offset.
"""

from __future__ import annotations

import ast
import dataclasses
import enum
import io
import re
from collections.abc import Callable
from typing import Any

import construct as c

from hanrig.gbcs.errors import DecodeError, EncodeError, GbcsError
from hanrig.gbcs.eui import Eui64

#: Length fields read in a longer form than needed: extra bytes after the first byte, by name.
Widths = dict[str, int]


class _Cursor:
    """Where the last read began, shared by a stream and every window cut from it."""

    def __init__(self) -> None:
        self.last_read_at = 0


class _TrackingStream(io.BytesIO):
    """A byte stream that records the absolute offset of every read, for error messages."""

    def __init__(self, data: bytes, *, base: int, cursor: _Cursor) -> None:
        super().__init__(data)
        self.base = base
        self.cursor = cursor

    def read(self, size: int | None = -1) -> bytes:
        self.cursor.last_read_at = self.base + self.tell()
        return super().read(size)

    def absolute(self) -> int:
        return self.base + self.tell()

    def remaining(self) -> int:
        return len(self.getbuffer()) - self.tell()


def _window(stream: Any, length: int, path: str) -> _TrackingStream:
    """Cut the next ``length`` bytes out of ``stream`` as a stream of their own."""
    start = stream.absolute()
    data = c.stream_read(stream, length, path)
    return _TrackingStream(data, base=start, cursor=stream.cursor)


def _require_consumed(window: _TrackingStream, what: str) -> None:
    if window.remaining():
        raise DecodeError(f"{window.remaining()} unexpected bytes at the end of the {what}",
                          offset=window.absolute(), field=what)


def remaining(this: c.Container) -> int:
    """How many bytes the stream the enclosing Struct reads still holds."""
    return this._io.remaining()


def present(name: str, when_parsing: Callable[[c.Container], bool] = lambda this: remaining(this) > 0,
            ) -> Callable[[c.Container], bool]:
    """Condition for an optional field: ``when_parsing`` decides on parse, the value being set on build.

    By default the field is a trailing one, present when bytes remain.
    """

    def condition(this: c.Container) -> bool:
        return this[name] is not None if this._building else when_parsing(this)

    return condition


class Validated(c.Adapter):
    """``subcon`` whose parsed value must pass ``test``; ``problem``, formatted with the value, says why."""

    def __init__(self, subcon: c.Construct, test: Callable[[Any], bool], problem: str) -> None:
        super().__init__(subcon)
        self.test = test
        self.problem = problem

    def _decode(self, obj: Any, context: c.Container, path: str) -> Any:
        if not self.test(obj):
            raise c.ValidationError(self.problem.format(obj), path=path)
        return obj

    def _encode(self, obj: Any, context: c.Container, path: str) -> Any:
        return obj


class EncodedLength(int):
    """A length value that remembers how many extra bytes encoded it (0 = one-byte form)."""

    width: int

    def __new__(cls, value: int, width: int) -> EncodedLength:
        obj = super().__new__(cls, value)
        obj.width = width
        return obj


def _minimal_width(value: int) -> int:
    if value < 0x80:
        return 0
    width = (value.bit_length() + 7) // 8
    if width > 3:
        raise EncodeError(f"length {value} does not fit the 3-byte length form")
    return width


def _fits(value: int, width: int) -> bool:
    return value < 0x80 if width == 0 else value < 256**width


class _GbcsLength(c.Construct):
    """GBCS (and DLMS A-XDR) length: ``0xxxxxxx``, or ``0x81``-``0x83`` then 1-3 big-endian bytes.

    Parses to an :class:`EncodedLength`; builds an int in its shortest form, or an
    :class:`EncodedLength` in the form it was read in when the value still fits.
    """

    def _parse(self, stream: Any, context: c.Container, path: str) -> EncodedLength:
        first = c.stream_read(stream, 1, path)[0]
        if first < 0x80:
            return EncodedLength(first, 0)
        width = first & 0x7F
        if not 1 <= width <= 3:
            raise c.ValidationError(f"unsupported length form 0x{first:02X}", path=path)
        return EncodedLength(int.from_bytes(c.stream_read(stream, width, path), "big"), width)

    def _build(self, obj: int, stream: Any, context: c.Container, path: str) -> int:
        width = getattr(obj, "width", None)
        if width is None or not _fits(obj, width):
            width = _minimal_width(obj)
        encoded = bytes([obj]) if width == 0 else bytes([0x80 | width]) + obj.to_bytes(width, "big")
        c.stream_write(stream, encoded, len(encoded), path)
        return obj

    def _sizeof(self, context: c.Container, path: str) -> int:
        raise c.SizeofError("a GBCS length has no fixed size", path=path)


GbcsLength = _GbcsLength()


class LengthPrefixed(c.Subconstruct):
    """A GBCS length followed by exactly that many bytes holding ``subcon``.

    ``width_key`` names the length in the ``widths`` record that :func:`parse` fills (for
    lengths not written in their shortest form) and :func:`build` consults, so that a
    decoded message re-encodes byte for byte.
    """

    def __init__(self, subcon: c.Construct, width_key: str | None = None) -> None:
        super().__init__(subcon)
        self.width_key = width_key

    def _parse(self, stream: Any, context: c.Container, path: str) -> Any:
        length = GbcsLength._parsereport(stream, context, path)
        if self.width_key is not None and length.width != _minimal_width(length):
            context._params.widths[self.width_key] = length.width
        window = _window(stream, length, path)
        obj = self.subcon._parsereport(window, context, path)
        _require_consumed(window, path.rsplit(" -> ", 1)[-1].replace("_", " "))
        return obj

    def _build(self, obj: Any, stream: Any, context: c.Container, path: str) -> Any:
        inner = io.BytesIO()
        built = self.subcon._build(obj, inner, context, path)
        data = inner.getvalue()
        width = context._params.get("widths", {}).get(self.width_key)
        length = len(data) if width is None else EncodedLength(len(data), width)
        GbcsLength._build(length, stream, context, path)
        c.stream_write(stream, data, len(data), path)
        return built

    def _sizeof(self, context: c.Container, path: str) -> int:
        raise c.SizeofError("a length-prefixed field has no fixed size", path=path)


class Sized(c.Subconstruct):
    """Exactly ``length`` bytes (an int or a function of the context) holding ``subcon``."""

    def __init__(self, length: int | Callable[[c.Container], int], subcon: c.Construct) -> None:
        super().__init__(subcon)
        self.length = length

    def _parse(self, stream: Any, context: c.Container, path: str) -> Any:
        length = c.evaluate(self.length, context)
        if length < 0:
            raise c.ValidationError(f"too short: {-length} bytes missing", path=path)
        window = _window(stream, length, path)
        obj = self.subcon._parsereport(window, context, path)
        _require_consumed(window, path.rsplit(" -> ", 1)[-1].replace("_", " "))
        return obj

    def _build(self, obj: Any, stream: Any, context: c.Container, path: str) -> Any:
        return self.subcon._build(obj, stream, context, path)

    def _sizeof(self, context: c.Container, path: str) -> int:
        raise c.SizeofError("a sized window has no fixed size", path=path)


class UntilEnd(c.Subconstruct):
    """``subcon`` repeated until the stream ends; unlike GreedyRange, a bad element is an error."""

    def _parse(self, stream: Any, context: c.Container, path: str) -> list[Any]:
        items = []
        while stream.remaining():
            items.append(self.subcon._parsereport(stream, context, path))
        return items

    def _build(self, obj: list[Any], stream: Any, context: c.Container, path: str) -> list[Any]:
        for item in obj:
            self.subcon._build(item, stream, context, path)
        return obj

    def _sizeof(self, context: c.Container, path: str) -> int:
        raise c.SizeofError("a repeated field has no fixed size", path=path)


class StrictEnum(c.Adapter):
    """An integer field that must hold one of ``enum_type``'s values."""

    def __init__(self, subcon: c.Construct, enum_type: type[enum.IntEnum], label: str) -> None:
        super().__init__(subcon)
        self.enum_type = enum_type
        self.label = label

    def _decode(self, obj: int, context: c.Container, path: str) -> enum.IntEnum:
        try:
            return self.enum_type(obj)
        except ValueError:
            raise c.ValidationError(f"unknown {self.label} 0x{obj:02X}", path=path) from None

    def _encode(self, obj: enum.IntEnum, context: c.Container, path: str) -> int:
        return int(obj)


class _Eui64Adapter(c.Adapter):
    def __init__(self, *, little_endian: bool) -> None:
        super().__init__(c.Bytes(8))
        self.little_endian = little_endian

    def _decode(self, obj: bytes, context: c.Container, path: str) -> Eui64:
        return Eui64(obj[::-1] if self.little_endian else obj)

    def _encode(self, obj: str, context: c.Container, path: str) -> bytes:
        octets = Eui64(obj).octets
        return octets[::-1] if self.little_endian else octets


#: An EUI-64 as GBCS sends it, most significant byte first.
Eui64Field = _Eui64Adapter(little_endian=False)
#: An EUI-64 as Zigbee sends it, least significant byte first.
Eui64FieldLE = _Eui64Adapter(little_endian=True)


_STREAM_SHORT = re.compile(r"expected (\d+), found (\d+)")
_CONST_MISMATCH = re.compile(r"parsing expected (b'.*'|b\".*\") but parsed (b'.*'|b\".*\")", re.S)


def _plain_message(exc: c.ConstructError) -> str:
    text = str(exc)
    return text.split("\n", 1)[1] if text.startswith("Error in path") and "\n" in text else text


def _describe(exc: c.ConstructError) -> str:
    message = _plain_message(exc)
    if isinstance(exc, c.StreamError) and (short := _STREAM_SHORT.search(message)):
        needed = int(short[1])
        return f"truncated: {needed} byte{'' if needed == 1 else 's'} needed, {short[2]} left"
    if isinstance(exc, c.ConstError) and (mismatch := _CONST_MISMATCH.search(message)):
        expected, found = (ast.literal_eval(side).hex().upper() for side in mismatch.groups())
        return f"expected {expected}, found {found}"
    return message


def _field_of(path: str | None, what: str) -> str:
    names = [part for part in (path or "").split(" -> ")[1:] if part and not part.startswith("_")]
    return names[-1].replace("_", " ") if names else what


def parse(struct: c.Construct, data: bytes, *, what: str, base_offset: int = 0,
          error: type[DecodeError] = DecodeError) -> tuple[Any, Widths]:
    """Parse all of ``data`` with ``struct``; return the value and the length encodings seen.

    Offsets in errors count from ``base_offset``, so a payload inside a message reports
    where it sits in the message. Trailing bytes are an error. Failures raise ``error``.
    """
    cursor = _Cursor()
    stream = _TrackingStream(bytes(data), base=base_offset, cursor=cursor)
    widths: Widths = {}
    try:
        value = struct.parse_stream(stream, widths=widths)
    except c.ConstructError as exc:
        field = _field_of(exc.path, what)
        raise error(_describe(exc), offset=cursor.last_read_at, field=field) from None
    except DecodeError as exc:
        if isinstance(exc, error):
            raise
        raise error(exc.message, offset=exc.offset, field=exc.field) from None
    if stream.remaining():
        raise error(f"{stream.remaining()} trailing bytes after the end of the {what}",
                    offset=stream.absolute())
    return value, widths


def build(struct: c.Construct, value: Any, *, what: str, widths: Widths | None = None) -> bytes:
    """Build ``value`` with ``struct``; lengths take the encodings in ``widths`` where they fit."""
    try:
        return struct.build(value, widths=widths or {})
    except GbcsError:
        raise
    except c.ConstructError as exc:
        raise EncodeError(f"cannot encode: {_plain_message(exc)}", field=_field_of(exc.path, what)) from None


class Record(c.Adapter):
    """A construct Struct read into, and built from, a frozen dataclass with the same field names."""

    def __init__(self, record_type: type, struct: c.Construct) -> None:
        super().__init__(struct)
        self.record_type = record_type
        self.names = [field.name for field in dataclasses.fields(record_type)]

    def _decode(self, obj: c.Container, context: c.Container, path: str) -> Any:
        return self.record_type(**{name: tuple(obj[name]) if isinstance(obj[name], list) else obj[name]
                                   for name in self.names})

    def _encode(self, obj: Any, context: c.Container, path: str) -> dict[str, Any]:
        return {name: getattr(obj, name) for name in self.names}
