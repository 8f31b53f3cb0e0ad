"""GBCS alert bodies in their two non-ASN.1 forms, DLMS and GBZ.

DLMS (ESME, CHF): a Data-Notification ``0F``, long-invoke-id-and-priority, an empty
date-time, then a structure of alert code (long-unsigned), timestamp (octet-string
holding a DLMS date-time) and any use-case elements. GBZ (GSME): profile ``01 09``,
number of GBZ components, alert code, timestamp (ZigBee UTCTime) and the components.
The Firmware Distribution Receipt Alert (8F72) adds the 32-byte calculated hash in either.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Self

import construct as c

from hanrig.gbcs.binary import GbcsLength, Record, Validated, build, parse
from hanrig.gbcs.dlms import DlmsData, DlmsDateTime, DlmsDateTimeField, DlmsValue
from hanrig.gbcs.errors import EncodeError

#: ZigBee UTCTime counts seconds from here.
ZIGBEE_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
#: The high byte RTDS alerts put in long-invoke-id-and-priority, above the counter's low 24 bits [INF].
_RTDS_INVOKE_PRIORITY = 0x20000000


def invoke_id_and_priority(counter: int) -> int:
    """The long-invoke-id-and-priority RTDS alerts carry: ``0x20`` and the counter's low 24 bits."""
    return _RTDS_INVOKE_PRIORITY | (counter & 0x00FFFFFF)


class _ZigbeeUtcTime(c.Adapter):
    """ZigBee UTCTime: whole seconds since 2000-01-01T00:00Z, 4 bytes big-endian in GBZ."""

    def _decode(self, obj: int, context: c.Container, path: str) -> datetime:
        return ZIGBEE_EPOCH + timedelta(seconds=obj)

    def _encode(self, obj: datetime, context: c.Container, path: str) -> int:
        seconds = (obj - ZIGBEE_EPOCH).total_seconds()
        if seconds != int(seconds) or not 0 <= seconds < 2**32:
            raise EncodeError(f"{obj.isoformat()} is not a whole second within ZigBee UTCTime",
                              field="timestamp")
        return int(seconds)


ZigbeeUtcTime = _ZigbeeUtcTime(c.Int32ub)

_OCTET_STRING = c.FocusedSeq("value", c.Const(b"\x09"), "value" / c.Prefixed(GbcsLength, c.GreedyBytes))

#: The fixed start of a DLMS alert: notification header, structure tag, alert code and timestamp.
_DLMS_HEAD = (
    c.Const(b"\x0f"),
    "invoke_id_and_priority" / c.Int32ub,
    "notification_date_time" / c.Prefixed(GbcsLength, c.GreedyBytes),
    c.Const(b"\x02"),
)
_DLMS_CODE_AND_TIME = (
    c.Const(b"\x12"),
    "alert_code" / c.Int16ub,
    c.Const(b"\x09\x0c"),
    "timestamp" / DlmsDateTimeField,
)
_GBZ_HEAD = (c.Const(b"\x01\x09"),)
_GBZ_CODE_AND_TIME = (
    "alert_code" / c.Int16ub,
    "timestamp" / ZigbeeUtcTime,
)


class _Codec:
    """``decode``/``encode`` for a payload dataclass declared by a construct ``STRUCT``."""

    STRUCT: c.Construct
    WHAT: str

    @classmethod
    def decode(cls, data: bytes, *, offset: int = 0) -> Self:
        value, _ = parse(cls.STRUCT, data, what=cls.WHAT, base_offset=offset)
        return value

    def encode(self) -> bytes:
        return build(self.STRUCT, self, what=self.WHAT)


@dataclass(frozen=True)
class DlmsAlert(_Codec):
    """Any alert in DLMS form (CS14 8F12, generic critical and non-critical alerts, 8F1C ...)."""

    alert_code: int
    timestamp: DlmsDateTime
    body: tuple[DlmsValue, ...] = ()
    invoke_id_and_priority: int = _RTDS_INVOKE_PRIORITY
    notification_date_time: bytes = b""

    WHAT = "DLMS alert"


DlmsAlert.STRUCT = Record(DlmsAlert, c.Struct(
    *_DLMS_HEAD,
    "element_count" / c.Rebuild(
        Validated(GbcsLength, lambda count: count >= 2, "an alert structure has 2 or more elements, not {}"),
        lambda this: len(this.body) + 2),
    *_DLMS_CODE_AND_TIME,
    "body" / c.Array(c.this.element_count - 2, DlmsData),
))


@dataclass(frozen=True)
class DlmsFirmwareReceiptAlert(_Codec):
    """Firmware Distribution Receipt Alert from an ESME (MC 0x00CE): 8F72 and the calculated hash."""

    alert_code: int
    timestamp: DlmsDateTime
    calculated_hash: bytes
    invoke_id_and_priority: int = _RTDS_INVOKE_PRIORITY
    notification_date_time: bytes = b""

    WHAT = "DLMS Firmware Distribution Receipt Alert"


DlmsFirmwareReceiptAlert.STRUCT = Record(DlmsFirmwareReceiptAlert, c.Struct(
    *_DLMS_HEAD,
    "element_count" / c.Const(b"\x03"),
    *_DLMS_CODE_AND_TIME,
    "calculated_hash" / _OCTET_STRING,
))


@dataclass(frozen=True)
class GbzAlert(_Codec):
    """Any alert in GBZ form; the GBZ components are kept as bytes."""

    alert_code: int
    timestamp: datetime
    component_count: int = 0
    components: bytes = b""

    WHAT = "GBZ alert"


GbzAlert.STRUCT = Record(GbzAlert, c.Struct(
    *_GBZ_HEAD,
    "component_count" / c.Int8ub,
    *_GBZ_CODE_AND_TIME,
    "components" / c.GreedyBytes,
))


@dataclass(frozen=True)
class GbzFirmwareReceiptAlert(_Codec):
    """Firmware Distribution Receipt Alert from a GSME (MC 0x00CF): 8F72 and the calculated hash."""

    alert_code: int
    timestamp: datetime
    calculated_hash: bytes

    WHAT = "GBZ Firmware Distribution Receipt Alert"


GbzFirmwareReceiptAlert.STRUCT = Record(GbzFirmwareReceiptAlert, c.Struct(
    *_GBZ_HEAD,
    "component_count" / c.Const(b"\x01"),
    *_GBZ_CODE_AND_TIME,
    "calculated_hash" / _OCTET_STRING,
))
