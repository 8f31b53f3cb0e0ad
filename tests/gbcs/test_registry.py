"""Registries: names for the firmware message and alert codes, and the N-code mapping's status."""

from __future__ import annotations

from hanrig.gbcs.registry import (
    ALERT_CODES,
    DCC_ALERTS,
    MESSAGE_CODES,
    AlertCode,
    DeviceType,
    MessageCode,
    Status,
    alert_name,
    dcc_alerts_for,
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


def test_no_dcc_alert_mapping_is_called_confirmed_while_a_part_of_it_is_inferred() -> None:
    by_codes = {mapping.dcc_alerts: mapping for mapping in DCC_ALERTS}
    assert {codes: (m.code_status, m.type_status) for codes, m in by_codes.items()} == {
        ("N59", "N62"): (Status.INFERRED, Status.CONFIRMED),
        ("N60", "N61"): (Status.CONFIRMED, Status.INFERRED),
        ("N39",): (Status.INFERRED, Status.CONFIRMED)}
    assert not any(mapping.confirmed for mapping in DCC_ALERTS)
    assert all(mapping.source for mapping in DCC_ALERTS)


def test_a_ccs08_maps_to_one_dcc_alert_whose_n_code_is_one_of_two_candidates() -> None:
    (mapping,) = dcc_alerts_for(0x8F8A)
    assert dcc_alerts_for(0x8F89) == (mapping,)
    assert mapping.duis_alert_type == "CommsHubAlert/FirmwareTransferAlert"
    assert mapping.label == "N59 or N62 (N-code inferred)"


def test_a_cs09_maps_to_the_ppmid_alert_with_its_n_code_marked_inferred() -> None:
    (mapping,) = dcc_alerts_for(0x8F8B)
    assert (mapping.label, mapping.duis_alert_type) == ("N39 (N-code inferred)", "PPMIDAlert/PPMIDFirmwareUpgradeAlert")
    assert dcc_alerts_for(0x8F72) == ()


def test_every_named_message_code_is_one_the_tables_know() -> None:
    assert all(code in MESSAGE_CODES for code in MessageCode)
    assert MESSAGE_CODES[MessageCode.FIRMWARE_TRANSFER_ALERT].use_case == "CCS08"
    assert MESSAGE_CODES[MessageCode.PPMID_FIRMWARE_ACTIVATION_ALERT].use_case == "CS09"


def test_every_named_alert_code_is_one_the_tables_know() -> None:
    assert all(code in ALERT_CODES for code in AlertCode)
    assert AlertCode.FIRMWARE_TRANSFER_SUCCESS.label == "0x8F8A"
