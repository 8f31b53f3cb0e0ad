"""Use-case payloads: the firmware use cases decode field by field; everything re-encodes exactly."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hanrig.gbcs.alerts import DlmsAlert, DlmsFirmwareReceiptAlert, GbzAlert, GbzFirmwareReceiptAlert
from hanrig.gbcs.der import (
    ActivateFirmwareAccepted,
    ActivateFirmwareAlert,
    ActivateFirmwareCommand,
    ActivateFirmwareOutcome,
    ActivateImageResult,
    ActivationResult,
    FirmwareActivationAlert,
    FirmwareTransferAlert,
    ReadFirmwareVersionCommand,
    ReadFirmwareVersionResponse,
    ReadResult,
    TransferResult,
)
from hanrig.gbcs.dlms import DlmsDateTime, DlmsType, DlmsValue
from hanrig.gbcs.errors import DecodeError
from hanrig.gbcs.framing import decode
from hanrig.gbcs.payloads import Payload, RawPayload, alert_code_of, decode_payload, encode_payload
from tests.gbcs.vectors import RTDS_FILES, rtds_bytes, rtds_id

NEW_YEAR_2015 = datetime(2015, 1, 1, tzinfo=UTC)
RTDS_DLMS_NEW_YEAR_2015 = DlmsDateTime(2015, 1, 1, 0xFF, 0, 0, 0, 0, -0x8000, 0xFF)
CS06_HASH = bytes.fromhex("AA758690730934FF0685AA758690730934FF0685657788990011223344556677")


def payload_of(name: str) -> Payload:
    return decode_payload(decode(rtds_bytes(name)))


@pytest.mark.parametrize("path", RTDS_FILES, ids=rtds_id)
def test_every_rtds_payload_decodes_and_re_encodes_to_the_same_bytes(path: Path) -> None:
    message = decode(bytes.fromhex(path.read_text()))
    assert encode_payload(decode_payload(message)) == message.content


def test_ccs08_firmware_transfer_alert_fields() -> None:
    assert payload_of("CCS08_NA_NA_ALERT_GBCS.HEX") == FirmwareTransferAlert(
        0x8F8A, NEW_YEAR_2015, "00DB1234567890A4", bytes.fromhex("0123ABCD"), TransferResult.SUCCESS)


def test_cs09_ppmid_firmware_activation_alert_fields() -> None:
    payload = payload_of("CS09_NA_8F8B_ALERT_GBCS.HEX")
    assert payload == FirmwareActivationAlert(0x8F8B, NEW_YEAR_2015, bytes.fromhex("1234ABCD"),
                                              ActivateImageResult.SUCCESS)
    assert alert_code_of(payload) == 0x8F8B


@pytest.mark.parametrize(
    ("name", "when"),
    [
        ("CS06_11.3_IMMEDIATE_SUCCESS_COMMAND_GBCS.HEX", None),
        ("CS06_11.3_IMMEDIATE_ERROR_COMMAND_GBCS.HEX", None),
        ("CS06_11.3_FUTURE_DATED_SUCCESS_COMMAND_GBCS.HEX", datetime(2030, 1, 15, 9, tzinfo=UTC)),
        ("CS06_11.3_FUTURE_DATED_ERROR_COMMAND_GBCS.HEX", datetime(2030, 1, 1, tzinfo=UTC)),
        ("CS06_11.3_CANCELLATION_SUCCESS_COMMAND_GBCS.HEX", datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)),
        ("CS06_11.3_IMMEDIATE_SUCCESS_PRECOMMAND_GBCS.HEX", None),
    ],
)
def test_cs06_commands_carry_hash_counter_and_execution_time(name: str, when: datetime | None) -> None:
    message = decode(rtds_bytes(name))
    assert decode_payload(message) == ActivateFirmwareCommand(CS06_HASH, message.counter, when)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("CS06_11.3_IMMEDIATE_SUCCESS_RESPONSE_GBCS.HEX",
         ActivateFirmwareOutcome(ActivationResult.SUCCESS, bytes.fromhex("0123ABCE"))),
        ("CS06_11.3_IMMEDIATE_ERROR_RESPONSE_GBCS.HEX",
         ActivateFirmwareOutcome(ActivationResult.NO_IMAGE_HELD, bytes.fromhex("0123ABCF"))),
        ("CS06_11.3_FUTURE_DATED_SUCCESS_RESPONSE_GBCS.HEX", ActivateFirmwareAccepted()),
        ("CS06_11.3_FUTURE_DATED_ERROR_RESPONSE_GBCS.HEX", ActivateFirmwareAccepted()),
        ("CS06_11.3_CANCELLATION_SUCCESS_RESPONSE_GBCS.HEX", ActivateFirmwareAccepted()),
    ],
)
def test_cs06_responses_are_an_outcome_or_command_accepted(name: str, expected: Payload) -> None:
    assert payload_of(name) == expected


@pytest.mark.parametrize(
    ("name", "alert_code", "when", "counter", "outcome"),
    [
        ("CS06_11.3_8F66_FUTURE_DATED_SUCCESS_ALERT_GBCS.HEX", 0x8F66,
         datetime(2030, 1, 15, 9, tzinfo=UTC), 1001,
         ActivateFirmwareOutcome(ActivationResult.SUCCESS, bytes.fromhex("0123ABCF"))),
        ("CS06_11.3_8F67_FUTURE_DATED_ERROR_ALERT_GBCS.HEX", 0x8F67,
         datetime(2030, 1, 1, tzinfo=UTC), 1004,
         ActivateFirmwareOutcome(ActivationResult.HASH_MISMATCH, bytes.fromhex("0123ABCF"))),
    ],
)
def test_cs06_future_dated_alerts(name: str, alert_code: int, when: datetime, counter: int,
                                  outcome: ActivateFirmwareOutcome) -> None:
    assert payload_of(name) == ActivateFirmwareAlert(alert_code, when, counter, outcome)


def test_cs08_command_is_null_and_responses_carry_version_and_result() -> None:
    assert payload_of("CS08_11.2_SUCCESS_COMMAND_GBCS.HEX") == ReadFirmwareVersionCommand()
    assert payload_of("CS08_11.2_SUCCESS_RESPONSE_GBCS.HEX") == ReadFirmwareVersionResponse(
        bytes.fromhex("0123ABCD"), ReadResult.READ_SUCCESS)
    assert payload_of("CS08_11.2_ERROR_RESPONSE_GBCS.HEX") == ReadFirmwareVersionResponse(
        bytes(4), ReadResult.READ_FAILURE)


def test_fdra_dlms_carries_the_calculated_hash() -> None:
    payload = payload_of("FDRA-DLMS_NA_8F72_ALERT_GBCS.HEX")
    assert payload == DlmsFirmwareReceiptAlert(0x8F72, RTDS_DLMS_NEW_YEAR_2015, bytes([0x01] * 32),
                                               0x200007D0)


def test_fdra_gbz_carries_the_calculated_hash() -> None:
    assert payload_of("FDRA-ZigBee_NA_8F72_ALERT_GBCS.HEX") == GbzFirmwareReceiptAlert(
        0x8F72, NEW_YEAR_2015, bytes([0xA1] * 32))


def test_cs14_device_log_changed_is_a_dlms_alert_with_its_body() -> None:
    payload = payload_of("CS14_NA_8F12_ALERT_GBCS.HEX")
    assert isinstance(payload, DlmsAlert)
    assert (payload.alert_code, payload.timestamp) == (0x8F12, RTDS_DLMS_NEW_YEAR_2015)
    (change,) = payload.body
    assert change.type is DlmsType.STRUCTURE
    log_time, _, entries = change.value
    assert log_time == DlmsValue(DlmsType.OCTET_STRING, bytes.fromhex("07DF0101FF000000008000FF"))
    device_ids = [entry.value[0].value.hex().upper() for entry in entries.value]
    assert device_ids == ["00DB1234567890A0", "00DB1234567890A1"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("GCA-DLMS_NA_8F30_ALERT_GBCS.HEX", DlmsAlert(0x8F30, RTDS_DLMS_NEW_YEAR_2015, (), 0x200007D0)),
        ("GNCA-DLMS_NA_810E_ALERT_GBCS.HEX", DlmsAlert(0x810E, RTDS_DLMS_NEW_YEAR_2015, (), 0x200007D0)),
        ("GCA-ZigBee_NA_8F30_ALERT_GBCS.HEX", GbzAlert(0x8F30, NEW_YEAR_2015)),
        ("GNCA-ZigBee_NA_810E_ALERT_GBCS.HEX", GbzAlert(0x810E, NEW_YEAR_2015)),
    ],
)
def test_generic_alerts_decode_in_both_forms_by_sniffing(name: str, expected: Payload) -> None:
    assert payload_of(name) == expected


def test_payloads_the_package_does_not_interpret_stay_raw() -> None:
    message = decode(rtds_bytes("ECS52_11.2_SUCCESS_COMMAND_GBCS.HEX"))
    assert decode_payload(message) == RawPayload(message.content)
    assert alert_code_of(RawPayload(b"")) is None


def test_unknown_message_code_decodes_as_raw() -> None:
    message = replace(decode(rtds_bytes("CCS08_NA_NA_ALERT_GBCS.HEX")), message_code=0x7FFF)
    assert decode_payload(message) == RawPayload(message.content)


def test_content_that_only_looks_like_a_dlms_alert_stays_raw() -> None:
    message = replace(decode(rtds_bytes("GNCA-DLMS_NA_810E_ALERT_GBCS.HEX")), content=b"\x0f\x00")
    assert decode_payload(message) == RawPayload(b"\x0f\x00")


def test_malformed_payload_of_a_named_message_code_is_an_error_at_the_content() -> None:
    message = decode(rtds_bytes("CCS08_NA_NA_ALERT_GBCS.HEX"))
    broken = replace(message, content=message.content[:-3])
    with pytest.raises(DecodeError) as caught:
        decode_payload(broken)
    assert caught.value.offset == 34 and "CCS08" in str(caught.value)


def test_unknown_response_code_is_an_error_naming_it() -> None:
    message = decode(rtds_bytes("CCS08_NA_NA_ALERT_GBCS.HEX"))
    broken = replace(message, content=message.content[:-1] + b"\x07")
    with pytest.raises(DecodeError, match="unknown response code 7") as caught:
        decode_payload(broken)
    assert caught.value.field == "CCS08 Firmware Transfer Alert"


def test_non_der_encoding_is_refused() -> None:
    long_form_null = bytes.fromhex("058100")
    with pytest.raises(DecodeError):
        ReadFirmwareVersionCommand.decode(long_form_null)
    long_form_sequence = bytes.fromhex("308109") + bytes.fromhex("04040123ABCD020100")
    with pytest.raises(DecodeError, match="not DER"):
        ReadFirmwareVersionResponse.decode(long_form_sequence)
