"""DLMS encodings GBCS borrows: the 12-byte date-time and A-XDR typed data."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import construct as c

from hanrig.gbcs.binary import GbcsLength, Record, StrictEnum

#: ``deviation`` value meaning "not specified" (0x8000 on the wire).
UNSPECIFIED_DEVIATION = -0x8000
_UNSPECIFIED = 0xFF
#: Nesting deeper than this in A-XDR data is refused, so hostile input cannot exhaust the stack.
MAX_DLMS_DEPTH = 16


@dataclass(frozen=True)
class DlmsDateTime:
    """A DLMS date-time (12 bytes), field by field, so that unspecified parts survive.

    ``0xFF`` (``0xFFFF`` for the year) means "not specified"; ``deviation`` is in minutes,
    :data:`UNSPECIFIED_DEVIATION` when not specified. GBCS clocks run in UTC.
    """

    year: int
    month: int
    day: int
    weekday: int
    hour: int
    minute: int
    second: int
    hundredths: int
    deviation: int
    clock_status: int

    @classmethod
    def from_datetime(cls, when: datetime) -> DlmsDateTime:
        """The form RTDS uses: weekday, deviation and clock status left unspecified."""
        when = when.astimezone(UTC) if when.tzinfo else when
        return cls(when.year, when.month, when.day, _UNSPECIFIED, when.hour, when.minute, when.second,
                   when.microsecond // 10_000, UNSPECIFIED_DEVIATION, _UNSPECIFIED)

    def to_datetime(self) -> datetime | None:
        """The moment this names, or None when part of the date or time is unspecified or invalid."""
        parts = (self.month, self.day, self.hour, self.minute, self.second)
        if self.year == 0xFFFF or _UNSPECIFIED in parts:
            return None
        if self.deviation in (UNSPECIFIED_DEVIATION, 0):
            zone: timezone = UTC
        else:
            zone = timezone(timedelta(minutes=-self.deviation))
        hundredths = 0 if self.hundredths == _UNSPECIFIED else self.hundredths
        try:
            return datetime(self.year, *parts, hundredths * 10_000, tzinfo=zone)
        except ValueError:
            return None

    def isoformat(self) -> str:
        """ISO 8601 when fully specified, else the 12 bytes in hex."""
        moment = self.to_datetime()
        return moment.isoformat() if moment else DlmsDateTimeField.build(self).hex().upper()


DlmsDateTimeField = Record(DlmsDateTime, c.Struct(
    "year" / c.Int16ub,
    "month" / c.Int8ub,
    "day" / c.Int8ub,
    "weekday" / c.Int8ub,
    "hour" / c.Int8ub,
    "minute" / c.Int8ub,
    "second" / c.Int8ub,
    "hundredths" / c.Int8ub,
    "deviation" / c.Int16sb,
    "clock_status" / c.Int8ub,
))


class DlmsType(enum.IntEnum):
    """A-XDR data tags (IEC 62056-6-2) that GBCS payloads use."""

    NULL_DATA = 0
    ARRAY = 1
    STRUCTURE = 2
    BOOLEAN = 3
    BIT_STRING = 4
    DOUBLE_LONG = 5
    DOUBLE_LONG_UNSIGNED = 6
    OCTET_STRING = 9
    VISIBLE_STRING = 10
    UTF8_STRING = 12
    BCD = 13
    INTEGER = 15
    LONG = 16
    UNSIGNED = 17
    LONG_UNSIGNED = 18
    LONG64 = 20
    LONG64_UNSIGNED = 21
    ENUM = 22
    FLOAT32 = 23
    FLOAT64 = 24
    DATE_TIME = 25
    DATE = 26
    TIME = 27


@dataclass(frozen=True)
class BitString:
    """A DLMS bit-string: ``bits`` significant bits packed into ``data``."""

    bits: int
    data: bytes


@dataclass(frozen=True)
class DlmsValue:
    """One A-XDR data element; arrays and structures hold a tuple of elements."""

    type: DlmsType
    value: None | int | bytes | BitString | tuple[DlmsValue, ...]


class _Nested(c.Construct):
    """A nested data element, refused beyond :data:`MAX_DLMS_DEPTH` levels."""

    def _parse(self, stream: Any, context: c.Container, path: str) -> DlmsValue:
        depth = context._params.get("dlms_depth", 0)
        if depth >= MAX_DLMS_DEPTH:
            raise c.ValidationError(f"DLMS data nested deeper than {MAX_DLMS_DEPTH} levels", path=path)
        context._params.dlms_depth = depth + 1
        try:
            return DlmsData._parsereport(stream, context, path)
        finally:
            context._params.dlms_depth = depth

    def _build(self, obj: DlmsValue, stream: Any, context: c.Container, path: str) -> DlmsValue:
        return DlmsData._build(obj, stream, context, path)


_OCTETS = c.Prefixed(GbcsLength, c.GreedyBytes)

_DATA = c.Struct(
    "type" / StrictEnum(c.Int8ub, DlmsType, "DLMS data type"),
    "value" / c.Switch(c.this.type, {
        DlmsType.NULL_DATA: c.Pass,
        DlmsType.ARRAY: c.PrefixedArray(GbcsLength, _Nested()),
        DlmsType.STRUCTURE: c.PrefixedArray(GbcsLength, _Nested()),
        DlmsType.BOOLEAN: c.Int8ub,
        DlmsType.BIT_STRING: c.Struct("bits" / GbcsLength, "data" / c.Bytes((c.this.bits + 7) // 8)),
        DlmsType.DOUBLE_LONG: c.Int32sb,
        DlmsType.DOUBLE_LONG_UNSIGNED: c.Int32ub,
        DlmsType.OCTET_STRING: _OCTETS,
        DlmsType.VISIBLE_STRING: _OCTETS,
        DlmsType.UTF8_STRING: _OCTETS,
        DlmsType.BCD: c.Int8ub,
        DlmsType.INTEGER: c.Int8sb,
        DlmsType.LONG: c.Int16sb,
        DlmsType.UNSIGNED: c.Int8ub,
        DlmsType.LONG_UNSIGNED: c.Int16ub,
        DlmsType.LONG64: c.Int64sb,
        DlmsType.LONG64_UNSIGNED: c.Int64ub,
        DlmsType.ENUM: c.Int8ub,
        DlmsType.FLOAT32: c.Bytes(4),
        DlmsType.FLOAT64: c.Bytes(8),
        DlmsType.DATE_TIME: c.Bytes(12),
        DlmsType.DATE: c.Bytes(5),
        DlmsType.TIME: c.Bytes(4),
    }),
)


class _DlmsValueAdapter(c.Adapter):
    def _decode(self, obj: c.Container, context: c.Container, path: str) -> DlmsValue:
        value = obj.value
        if obj.type in (DlmsType.ARRAY, DlmsType.STRUCTURE):
            value = tuple(value)
        elif obj.type is DlmsType.BIT_STRING:
            value = BitString(int(value.bits), value.data)
        return DlmsValue(obj.type, value)

    def _encode(self, obj: DlmsValue, context: c.Container, path: str) -> dict[str, Any]:
        value: Any = obj.value
        if isinstance(value, BitString):
            value = {"bits": value.bits, "data": value.data}
        elif isinstance(value, tuple):
            value = list(value)
        return {"type": obj.type, "value": value}


#: One A-XDR data element, to and from :class:`DlmsValue`.
DlmsData = _DlmsValueAdapter(_DATA)
