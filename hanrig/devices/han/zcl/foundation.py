"""The ZCL foundation: global commands, the status codes, and the records they carry."""

from __future__ import annotations

import enum

from construct import (
    Construct,
    FocusedSeq,
    GreedyRange,
    If,
    Int8ul,
    Int16ul,
    Struct,
    Switch,
    Terminated,
    this,
)

from hanrig.devices.codec import EnumAdapter
from hanrig.devices.han.zcl.types import CODECS, DataType


class GlobalCommand(enum.IntEnum):
    READ_ATTRIBUTES = 0x00
    READ_ATTRIBUTES_RESPONSE = 0x01
    WRITE_ATTRIBUTES = 0x02
    WRITE_ATTRIBUTES_UNDIVIDED = 0x03
    WRITE_ATTRIBUTES_RESPONSE = 0x04
    WRITE_ATTRIBUTES_NO_RESPONSE = 0x05
    CONFIGURE_REPORTING = 0x06
    CONFIGURE_REPORTING_RESPONSE = 0x07
    REPORT_ATTRIBUTES = 0x0A
    DEFAULT_RESPONSE = 0x0B
    DISCOVER_ATTRIBUTES = 0x0C
    DISCOVER_ATTRIBUTES_RESPONSE = 0x0D


class Status(enum.IntEnum):
    SUCCESS = 0x00
    FAILURE = 0x01
    NOT_AUTHORIZED = 0x7E
    MALFORMED_COMMAND = 0x80
    UNSUP_CLUSTER_COMMAND = 0x81
    UNSUP_GENERAL_COMMAND = 0x82
    UNSUP_MANUF_CLUSTER_COMMAND = 0x83
    UNSUP_MANUF_GENERAL_COMMAND = 0x84
    INVALID_FIELD = 0x85
    UNSUPPORTED_ATTRIBUTE = 0x86
    INVALID_VALUE = 0x87
    READ_ONLY = 0x88
    INSUFFICIENT_SPACE = 0x89
    NOT_FOUND = 0x8B
    INVALID_DATA_TYPE = 0x8D
    #: the OTA Upgrade statuses (ZCL 11.13)
    ABORT = 0x95
    INVALID_IMAGE = 0x96
    WAIT_FOR_DATA = 0x97
    NO_IMAGE_AVAILABLE = 0x98
    REQUIRE_MORE_IMAGE = 0x99
    UNSUPPORTED_CLUSTER = 0xC3


def _records(record: Construct) -> Construct:
    """Records up to the end of the payload; a truncated last record is malformed, not ignored."""
    return FocusedSeq("records", "records" / GreedyRange(record), Terminated)


TypedValue = Struct(
    "data_type" / EnumAdapter(Int8ul, DataType),
    "value" / Switch(this.data_type, CODECS),
)

ReadAttributes = _records(Int16ul)

ReadAttributeRecord = Struct(
    "attribute_id" / Int16ul,
    "status" / EnumAdapter(Int8ul, Status),
    "typed" / If(this.status == Status.SUCCESS, TypedValue),
)
ReadAttributesResponse = _records(ReadAttributeRecord)

AttributeRecord = Struct("attribute_id" / Int16ul, "typed" / TypedValue)
WriteAttributes = _records(AttributeRecord)

WriteAttributeStatus = Struct("status" / EnumAdapter(Int8ul, Status), "attribute_id" / Int16ul)
#: all written: one SUCCESS byte; otherwise a record for each attribute that was not
WriteAttributesResponse = _records(WriteAttributeStatus)

DefaultResponse = Struct("command_id" / Int8ul, "status" / EnumAdapter(Int8ul, Status))
