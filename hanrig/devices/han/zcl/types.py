"""ZCL data types (ZCL specification, "Data Types") and how each travels on the air."""

from __future__ import annotations

import enum

from construct import (
    Bytes,
    BytesInteger,
    Construct,
    Flag,
    GreedyBytes,
    Int8sl,
    Int8ul,
    Int16sl,
    Int16ul,
    Int32sl,
    Int32ul,
    PascalString,
    Prefixed,
)

from hanrig.devices.codec import EUI64


class DataType(enum.IntEnum):
    NO_DATA = 0x00
    BOOLEAN = 0x10
    BITMAP8 = 0x18
    BITMAP16 = 0x19
    BITMAP24 = 0x1A
    BITMAP32 = 0x1B
    UINT8 = 0x20
    UINT16 = 0x21
    UINT24 = 0x22
    UINT32 = 0x23
    UINT40 = 0x24
    UINT48 = 0x25
    INT8 = 0x28
    INT16 = 0x29
    INT24 = 0x2A
    INT32 = 0x2B
    ENUM8 = 0x30
    ENUM16 = 0x31
    OCTET_STRING = 0x41
    CHARACTER_STRING = 0x42
    LONG_OCTET_STRING = 0x43
    UTC_TIME = 0xE2
    CLUSTER_ID = 0xE8
    ATTRIBUTE_ID = 0xE9
    IEEE_ADDRESS = 0xF0
    SECURITY_KEY = 0xF1


def _unsigned(octets: int) -> Construct:
    return BytesInteger(octets, signed=False, swapped=True)


def _signed(octets: int) -> Construct:
    return BytesInteger(octets, signed=True, swapped=True)


CODECS: dict[DataType, Construct] = {
    DataType.BOOLEAN: Flag,
    DataType.BITMAP8: Int8ul,
    DataType.BITMAP16: Int16ul,
    DataType.BITMAP24: _unsigned(3),
    DataType.BITMAP32: Int32ul,
    DataType.UINT8: Int8ul,
    DataType.UINT16: Int16ul,
    DataType.UINT24: _unsigned(3),
    DataType.UINT32: Int32ul,
    DataType.UINT40: _unsigned(5),
    DataType.UINT48: _unsigned(6),
    DataType.INT8: Int8sl,
    DataType.INT16: Int16sl,
    DataType.INT24: _signed(3),
    DataType.INT32: Int32sl,
    DataType.ENUM8: Int8ul,
    DataType.ENUM16: Int16ul,
    DataType.OCTET_STRING: Prefixed(Int8ul, GreedyBytes),
    DataType.CHARACTER_STRING: PascalString(Int8ul, "utf8"),
    DataType.LONG_OCTET_STRING: Prefixed(Int16ul, GreedyBytes),
    DataType.UTC_TIME: Int32ul,
    DataType.CLUSTER_ID: Int16ul,
    DataType.ATTRIBUTE_ID: Int16ul,
    DataType.IEEE_ADDRESS: EUI64,
    DataType.SECURITY_KEY: Bytes(16),
}
