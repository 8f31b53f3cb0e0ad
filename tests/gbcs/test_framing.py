"""GBCS framing: every RTDS vector round-trips, header fields decode, bad frames say where."""

from __future__ import annotations

from pathlib import Path

import pytest

from hanrig.gbcs.dlms import DlmsDateTime
from hanrig.gbcs.errors import DecodeError, EncodeError, UnsupportedError
from hanrig.gbcs.eui import RTDS_ACB, RTDS_SUPPLIER, Eui64
from hanrig.gbcs.framing import Cra, GbcsMessage, content_offset, decode, encode, signed_data
from tests.gbcs.vectors import RTDS_FILES, rtds_bytes, rtds_id

PPMID = Eui64("00DB1234567890A4")
CHF = Eui64("00DB1234567890A2")
ESME = Eui64("00DB1234567890A0")


@pytest.mark.parametrize("path", RTDS_FILES, ids=rtds_id)
def test_every_rtds_vector_decodes_and_encodes_back_byte_for_byte(path: Path) -> None:
    data = bytes.fromhex(path.read_text())
    assert encode(decode(data)) == data


def test_rtds_set_is_present_and_non_trivial() -> None:
    assert len(RTDS_FILES) >= 70


def test_ccs08_alert_is_a_signed_df_only_alert_from_the_chf_to_the_acb() -> None:
    message = decode(rtds_bytes("CCS08_NA_NA_ALERT_GBCS.HEX"))
    assert (message.cra, message.counter, message.originator, message.recipient) == (
        Cra.ALERT, 0xFA0, CHF, RTDS_ACB)
    assert (message.message_code, message.use_case) == (0x0128, "CCS08")
    assert message.mac is None and message.signature is not None and len(message.signature) == 64
    assert message.date_time is None and message.remote_party is None


def test_cs08_command_carries_the_supplier_as_supplementary_remote_party() -> None:
    message = decode(rtds_bytes("CS08_11.2_SUCCESS_COMMAND_GBCS.HEX"))
    assert (message.originator, message.recipient) == (RTDS_ACB, PPMID)
    assert (message.remote_party, message.remote_party_counter) == (RTDS_SUPPLIER, 1000)
    assert message.content == bytes.fromhex("0500")
    assert message.signature is None and message.mac == bytes.fromhex("BDC5E70406017D96EE0F9759")


def test_cs06_response_carries_a_dlms_date_time_in_the_grouping_header() -> None:
    message = decode(rtds_bytes("CS06_11.3_IMMEDIATE_SUCCESS_RESPONSE_GBCS.HEX"))
    assert message.date_time == DlmsDateTime(2015, 1, 1, 0xFF, 0, 0, 0, 0, -0x8000, 0xFF)
    assert message.date_time.to_datetime().isoformat() == "2015-01-01T00:00:00+00:00"


def test_precommand_has_no_signature_field_and_re_encodes_without_one() -> None:
    data = rtds_bytes("CS06_11.3_IMMEDIATE_SUCCESS_PRECOMMAND_GBCS.HEX")
    message = decode(data)
    assert message.is_precommand and message.signature is None and message.mac is None
    assert data.endswith(message.content)


def test_signed_data_runs_from_after_df_to_the_end_of_the_content() -> None:
    command = decode(rtds_bytes("CS06_11.3_IMMEDIATE_SUCCESS_COMMAND_GBCS.HEX"))
    precommand = rtds_bytes("CS06_11.3_IMMEDIATE_SUCCESS_PRECOMMAND_GBCS.HEX")
    assert signed_data(command) == precommand[1:]


def test_content_offset_points_at_the_payload_in_both_frame_forms() -> None:
    for name in ("CCS08_NA_NA_ALERT_GBCS.HEX", "CS08_11.2_SUCCESS_COMMAND_GBCS.HEX"):
        data = rtds_bytes(name)
        message = decode(data)
        start = content_offset(message)
        assert data[start:start + len(message.content)] == message.content


def test_long_form_lengths_that_could_be_short_survive_the_round_trip() -> None:
    data = rtds_bytes("CCS08_NA_NA_ALERT_GBCS.HEX")
    content_length_at = 33
    assert data[content_length_at] == 0x2B
    long_form = data[:content_length_at] + b"\x81" + data[content_length_at:]
    message = decode(long_form)
    assert message.layout.content_length == 1
    assert encode(message) == long_form


def test_new_message_takes_the_shortest_length_forms() -> None:
    message = GbcsMessage(Cra.ALERT, 1, CHF, RTDS_ACB, 0x0128, bytes(200))
    data = encode(message)
    assert data[33:36] == bytes.fromhex("81C8") + bytes(1)
    assert decode(data) == message


@pytest.mark.parametrize(
    "other",
    [
        {"remote_party": RTDS_SUPPLIER},
        {"remote_party": RTDS_SUPPLIER, "remote_party_counter": 7},
        {"remote_party": RTDS_SUPPLIER, "remote_party_counter": 7, "supplementary_originator_counter": 9},
        {"remote_party": RTDS_SUPPLIER, "remote_party_counter": 7, "remote_party_ka_certificate": bytes(300)},
    ],
    ids=["id", "id+counter", "id+counter+originator-counter", "id+counter+certificate"],
)
def test_every_other_information_form_round_trips(other: dict[str, object]) -> None:
    message = GbcsMessage(Cra.COMMAND, 5, RTDS_ACB, PPMID, 0x0129, b"\x05\x00", mac=bytes(12), **other)
    decoded = decode(encode(message))
    assert {name: getattr(decoded, name) for name in other} == other
    assert encode(decoded) == encode(message)


def test_remote_party_counter_without_remote_party_cannot_be_encoded() -> None:
    message = GbcsMessage(Cra.COMMAND, 5, RTDS_ACB, PPMID, 0x0129, b"", remote_party_counter=3)
    with pytest.raises(EncodeError, match="in order"):
        encode(message)


def _error(data: bytes) -> DecodeError:
    with pytest.raises(DecodeError) as caught:
        decode(data)
    return caught.value


def test_truncated_frame_raises_decode_error_at_the_field_it_cut() -> None:
    error = _error(rtds_bytes("CCS08_NA_NA_ALERT_GBCS.HEX")[:50])
    assert (error.offset, error.field) == (34, "content")
    assert "truncated" in str(error)


def test_wrong_tag_raises_decode_error_at_byte_zero() -> None:
    data = rtds_bytes("CCS08_NA_NA_ALERT_GBCS.HEX")
    error = _error(b"\xde" + data[1:])
    assert error.offset == 0 and "0xDE" in str(error)


def test_wrong_system_title_length_names_the_field() -> None:
    data = bytearray(rtds_bytes("CCS08_NA_NA_ALERT_GBCS.HEX"))
    data[20] = 0x07
    error = _error(bytes(data))
    assert (error.offset, error.field) == (20, "recipient")
    assert "expected 08, found 07" in str(error)


def test_unknown_cra_flag_raises_decode_error_at_its_byte() -> None:
    data = bytearray(rtds_bytes("CCS08_NA_NA_ALERT_GBCS.HEX"))
    data[2] = 0x07
    error = _error(bytes(data))
    assert error.offset == 2 and "CRA flag 0x07" in str(error)


def test_length_past_the_end_raises_decode_error_at_the_length() -> None:
    data = bytearray(rtds_bytes("CS08_11.2_SUCCESS_COMMAND_GBCS.HEX"))
    data[7] = 0x7F
    error = _error(bytes(data))
    assert error.offset == 8 and "127 bytes needed, 70 left" in str(error)


def test_bad_date_time_length_is_refused() -> None:
    data = bytearray(rtds_bytes("CCS08_NA_NA_ALERT_GBCS.HEX"))
    data[29] = 0x05
    assert _error(bytes(data)).offset == 29


def test_trailing_bytes_after_the_frame_are_refused() -> None:
    data = rtds_bytes("CCS08_NA_NA_ALERT_GBCS.HEX")
    assert _error(data + b"\x00").offset == len(data)


def test_general_block_transfer_is_reported_as_unsupported() -> None:
    data = rtds_bytes("CS08_11.2_SUCCESS_COMMAND_GBCS.HEX")
    with pytest.raises(UnsupportedError) as caught:
        decode(b"\xdd\x09" + data[2:])
    assert caught.value.offset == 1


def test_empty_input_is_a_decode_error() -> None:
    assert _error(b"").offset == 0
