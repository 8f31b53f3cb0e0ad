"""Registries: names for the firmware message and alert codes, and the N-code mapping's status."""

from __future__ import annotations

from hanrig.gbcs.registry import (
    ALERT_CODES,
    DCC_ALERTS,
    MESSAGE_CODES,
    AlertCode,
    DeviceType,
    MessageCode,
    alert_name,
    message_code,
)

FIRMWARE_ALERTS = (0x8F12, 0x8F1C, 0x8F30, 0x810E, 0x8F66, 0x8F67, 0x8F72, 0x8F89, 0x8F8A, 0x8F8B,
                   0x8F1B, 0x8F43, 0x81AD, 0x8154, 0x8155, 0x8F48, 0x8F49, 0x8F4A, 0x8F4B, 0x8183,
                   0x8F3D, 0x8F1E, 0x8F84)


def test_firmware_message_codes_name_their_use_cases() -> None:
    assert (message_code(0x0128).use_case, message_code(0x0128).name) == ("CCS08", "Firmware Transfer Alert")
    assert message_code(0x0129).use_case == "CS08"
    assert message_code(0x0012).use_case == "CS06"
    assert message_code(0x012B).use_case == "CS09" and "RTDS" in message_code(0x012B).source
    assert message_code(0x7FFF) is None


def test_every_firmware_and_han_alert_code_of_the_notes_has_a_name() -> None:
    unnamed = [hex(code) for code in FIRMWARE_ALERTS if alert_name(code) is None]
    assert unnamed == []
    assert alert_name(0x8F8A) == "Firmware transfer alert SUCCESS"


def test_device_types_follow_gbcs_numbering() -> None:
    assert [(member.name, member.value) for member in DeviceType] == [
        ("GSME", 0), ("ESME", 1), ("CHF", 2), ("GPF", 3), ("HCALCS", 4), ("PPMID", 5), ("TYPE_2", 6)]


def test_n_code_mapping_marks_only_the_sourced_entries_confirmed() -> None:
    assert {code: mapping.confirmed for code, mapping in DCC_ALERTS.items()} == {
        "N59": False, "N60": True, "N61": True, "N62": False, "N39": False}
    assert DCC_ALERTS["N39"].gbcs_alert_codes == (0x8F8B,)
    assert all(mapping.source for mapping in DCC_ALERTS.values())


def test_ccs08_and_cs09_alerts_map_to_their_inferred_dcc_alerts() -> None:
    from hanrig.gbcs.registry import dcc_alerts_for

    assert [m.dcc_alert for m in dcc_alerts_for(0x8F8A)] == ["N59", "N62"]
    assert [(m.dcc_alert, m.confirmed) for m in dcc_alerts_for(0x8F8B)] == [("N39", False)]
    assert dcc_alerts_for(0x8F72) == ()


def test_every_named_message_code_is_one_the_tables_know() -> None:
    assert all(code in MESSAGE_CODES for code in MessageCode)
    assert MESSAGE_CODES[MessageCode.FIRMWARE_TRANSFER_ALERT].use_case == "CCS08"
    assert MESSAGE_CODES[MessageCode.PPMID_FIRMWARE_ACTIVATION_ALERT].use_case == "CS09"


def test_every_named_alert_code_is_one_the_tables_know() -> None:
    assert all(code in ALERT_CODES for code in AlertCode)
    assert AlertCode.FIRMWARE_TRANSFER_SUCCESS.label == "0x8F8A"
