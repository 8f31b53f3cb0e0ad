"""DLMS date-times and A-XDR data: exact round trips, unspecified fields, bounded nesting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from hanrig.gbcs.binary import build, parse
from hanrig.gbcs.dlms import DlmsData, DlmsDateTime, DlmsDateTimeField, DlmsType, DlmsValue
from hanrig.gbcs.errors import DecodeError


def test_rtds_date_time_reads_as_utc_with_unspecified_parts_kept() -> None:
    raw = bytes.fromhex("07DF0101FF000000008000FF")
    value = DlmsDateTime(2015, 1, 1, 0xFF, 0, 0, 0, 0, -0x8000, 0xFF)
    assert DlmsDateTimeField.parse(raw) == value
    assert DlmsDateTimeField.build(value) == raw
    assert value.to_datetime() == datetime(2015, 1, 1, tzinfo=UTC)
    assert DlmsDateTime.from_datetime(datetime(2015, 1, 1, tzinfo=UTC)) == value


def test_deviation_moves_the_moment_to_utc() -> None:
    value = DlmsDateTime(2020, 6, 1, 0xFF, 13, 0, 0, 0, -60, 0x00)
    assert value.to_datetime().astimezone(UTC) == datetime(2020, 6, 1, 12, tzinfo=UTC)
    assert value.to_datetime().utcoffset() == timedelta(minutes=60)
    assert value.to_datetime().tzinfo == timezone(timedelta(minutes=60))


def test_unspecified_or_invalid_dates_have_no_moment_and_show_as_hex() -> None:
    every_year = DlmsDateTime(0xFFFF, 1, 1, 0xFF, 0, 0, 0, 0, -0x8000, 0xFF)
    assert every_year.to_datetime() is None
    assert every_year.isoformat() == "FFFF0101FF000000008000FF"
    assert DlmsDateTime(2015, 13, 1, 0xFF, 0, 0, 0, 0, -0x8000, 0xFF).to_datetime() is None


def test_nested_data_round_trips() -> None:
    raw = bytes.fromhex("0202" "0908" "00DB1234567890A0" "0102" "1100" "12FFFF")
    value, _ = parse(DlmsData, raw, what="data")
    assert value == DlmsValue(DlmsType.STRUCTURE, (
        DlmsValue(DlmsType.OCTET_STRING, bytes.fromhex("00DB1234567890A0")),
        DlmsValue(DlmsType.ARRAY, (DlmsValue(DlmsType.UNSIGNED, 0),
                                   DlmsValue(DlmsType.LONG_UNSIGNED, 0xFFFF))),
    ))
    assert build(DlmsData, value, what="data") == raw


def test_nesting_beyond_the_limit_is_a_decode_error_not_a_recursion_error() -> None:
    with pytest.raises(DecodeError, match="nested deeper"):
        parse(DlmsData, b"\x01\x01" * 1000 + b"\x00", what="data")


def test_unknown_data_type_is_named() -> None:
    with pytest.raises(DecodeError, match="unknown DLMS data type 0x13") as caught:
        parse(DlmsData, b"\x13\x00", what="data")
    assert caught.value.offset == 0
