"""Every fault and behaviour of the GB devices: what the device does and what the CH sees."""

from __future__ import annotations

from typing import Any

from hanrig.devices.gb.ota_client import ImageUpgradeStatus
from hanrig.devices.han.zcl.foundation import Status
from hanrig.gbcs import (
    ActivateFirmwareOutcome,
    ActivateImageResult,
    ActivationResult,
    Verdict,
    encode,
    parse_image,
)
from tests.devices.gb_fakes import Rig, cs06, cs08, make_device, make_image, on_air, seen

#: 360 octets: 60 of header and 300 of Manufacturer Image, in blocks of 64
IMAGE_SIZE = 360


def _rig(kind: str = "ppmid", **entry: Any) -> Rig:
    rig = on_air(make_device(kind, **entry))
    rig.ch.ota.image = make_image(kind)
    rig.ch.open_tunnel()
    return rig


def _offsets(rig: Rig) -> list[int]:
    return [r.file_offset for r in rig.ch.requests("image_block")]


def _upgrade_ends(rig: Rig) -> list[int]:
    return [r.status for r in rig.ch.requests("upgrade_end")]


def _fired(rig: Rig) -> list[str]:
    return [e["fault"] for e in rig.events_of("fault")]


def test_stall_at_stops_asking_for_blocks_until_the_fault_is_cleared() -> None:
    rig = _rig(faults={"stall_at": 50})
    rig.ch.notify()
    rig.run(600)
    assert _offsets(rig) == [0, 64, 128] and _upgrade_ends(rig) == [] and _fired(rig) == ["stall_at"]
    assert rig.device.ota.state is ImageUpgradeStatus.DOWNLOAD_IN_PROGRESS
    rig.device.control("set_faults", {"stall_at": None})
    rig.run(5)
    assert _offsets(rig)[3:] == [192, 256, 320] and _upgrade_ends(rig) == [Status.SUCCESS]


def test_reboot_at_without_resume_starts_the_download_again_from_the_beginning() -> None:
    rig = _rig(faults={"reboot_at": 40})
    rig.ch.notify()
    rig.run(30)
    assert _offsets(rig) == [0, 64, 128, 0, 64, 128, 192, 256, 320]
    assert "rebooting" in [e.kind for e in rig.events.since()] and _fired(rig) == ["reboot_at"]
    assert rig.device.faults.reboot_at is None and _upgrade_ends(rig) == [Status.SUCCESS]


def test_reboot_at_with_resume_carries_on_from_the_offset_it_kept() -> None:
    rig = _rig(faults={"reboot_at": 40}, behaviour={"resume": True})
    rig.ch.notify()
    rig.run(30)
    assert _offsets(rig) == [0, 64, 128, 192, 256, 320]
    assert len(rig.ch.requests("query_next_image")) == 2
    assert rig.events_of("ota_download_resumed")[0]["offset"] == 192


def test_a_corrupt_block_fails_the_integrity_check_with_invalid_image() -> None:
    rig = _rig("hcalcs", faults={"corrupt_block": 50})
    rig.ch.notify()
    rig.run(10)
    assert _upgrade_ends(rig) == [Status.INVALID_IMAGE] and _fired(rig) == ["corrupt_block"]
    assert rig.events_of("ota_verified")[0]["result"] == "corrupt"
    assert seen(rig.ch.gbcs[0]).alert_code == 0x8F1C


def test_an_undetected_corrupt_block_shows_in_the_fdra_hash_and_cs06_then_mismatches() -> None:
    rig = _rig("hcalcs", faults={"corrupt_block": 50}, behaviour={"integrity_check": False})
    rig.ch.notify()
    rig.run(10)
    true_hash = parse_image(make_image("hcalcs")).manufacturer_image_hash
    fdra = seen(rig.ch.gbcs[0])
    assert _upgrade_ends(rig) == [Status.SUCCESS] and fdra.payload.calculated_hash != true_hash
    rig.ch.send_gbcs(encode(cs06("hcalcs", true_hash)))
    rig.run(2)
    assert seen(rig.ch.gbcs[-1]).payload.response_code is ActivationResult.HASH_MISMATCH


def test_the_corrupted_byte_is_the_same_on_every_run_with_the_same_seed() -> None:
    hashes = []
    for _ in range(2):
        rig = _rig("hcalcs", faults={"corrupt_block": 10}, behaviour={"integrity_check": False})
        rig.ch.notify()
        rig.run(10)
        hashes.append(seen(rig.ch.gbcs[0]).payload.calculated_hash)
    assert hashes[0] == hashes[1]


def test_reject_image_answers_a_good_image_with_invalid_image() -> None:
    rig = _rig(faults={"reject_image": True})
    rig.ch.notify()
    rig.run(10)
    assert _upgrade_ends(rig) == [Status.INVALID_IMAGE] and rig.device.firmware.held is None
    assert rig.events_of("ota_verified")[0]["result"] == "refused"


def test_require_more_image_answers_a_good_image_with_require_more_image() -> None:
    rig = _rig(faults={"require_more_image": True})
    rig.ch.notify()
    rig.run(10)
    assert _upgrade_ends(rig) == [Status.REQUIRE_MORE_IMAGE]
    assert rig.device.ota.state is ImageUpgradeStatus.WAIT_FOR_MORE


def test_abort_at_ends_the_download_with_upgrade_end_abort() -> None:
    rig = _rig(faults={"abort_at": 30})
    rig.ch.notify()
    rig.run(30)
    assert _offsets(rig) == [0, 64] and _upgrade_ends(rig) == [Status.ABORT]
    assert rig.device.ota.state is ImageUpgradeStatus.NORMAL


def test_a_hardware_version_outside_the_images_range_makes_the_image_invalid() -> None:
    rig = _rig(hardware_version=0x3000)
    rig.ch.notify()
    rig.run(10)
    assert rig.ch.requests("query_next_image")[0].hardware_version == 0x3000
    assert _upgrade_ends(rig) == [Status.INVALID_IMAGE]
    assert rig.events_of("ota_verified")[0]["result"] == "hardware-version-out-of-range"


def test_refuse_activation_keeps_the_old_version_and_cs09_reports_failure() -> None:
    rig = _rig(faults={"refuse_activation": True})
    rig.ch.notify()
    rig.run(10)
    (alert,) = [seen(m) for m in rig.ch.gbcs]
    assert (alert.payload.result, alert.payload.firmware_version) == (ActivateImageResult.FAILURE, bytes(3) + b"\x01")
    assert rig.device.firmware.running_version == 1 and rig.device.ota.current_version == 1


def test_refuse_activation_makes_cs06_answer_activation_failure() -> None:
    rig = _rig("hcalcs", faults={"refuse_activation": True})
    rig.ch.notify()
    rig.run(10)
    rig.ch.send_gbcs(encode(cs06("hcalcs", parse_image(make_image("hcalcs")).manufacturer_image_hash)))
    rig.run(2)
    assert seen(rig.ch.gbcs[-1]).payload == ActivateFirmwareOutcome(ActivationResult.ACTIVATION_FAILURE,
                                                                     bytes.fromhex("00000001"))


def test_wrong_version_is_what_cs09_cs08_and_the_ota_attribute_report_after_activation() -> None:
    rig = _rig(faults={"wrong_version": 0x0000BEEF}, behaviour={"reboot_on_activation": False})
    rig.ch.notify()
    rig.run(10)
    rig.ch.send_gbcs(encode(cs08("ppmid")))
    rig.run(2)
    alert, response = (seen(m) for m in rig.ch.gbcs)
    assert alert.payload.firmware_version == response.payload.firmware_version == bytes.fromhex("0000BEEF")
    assert rig.device.ota.current_version == 0xBEEF and rig.device.firmware.running_version == 2


def test_drop_alerts_sends_nothing_and_says_so() -> None:
    rig = _rig(faults={"drop_alerts": True}, behaviour={"reboot_on_activation": False})
    rig.ch.notify()
    rig.run(10)
    assert rig.ch.gbcs == [] and _fired(rig) == ["drop_alerts"]
    assert rig.events_of("alert_raised")[0]["alert"] == "0x8F8B"


def test_delay_alerts_holds_each_alert_for_the_delay() -> None:
    rig = _rig(faults={"delay_alerts": 120}, behaviour={"reboot_on_activation": False})
    rig.ch.notify()
    rig.run(110)
    assert rig.ch.gbcs == []
    rig.run(20)
    assert seen(rig.ch.gbcs[0]).alert_code == 0x8F8B


def test_bad_alert_signature_sends_an_alert_whose_signature_does_not_verify() -> None:
    rig = _rig("hcalcs", faults={"bad_alert_signature": True})
    rig.ch.notify()
    rig.run(10)
    fdra = seen(rig.ch.gbcs[0])
    assert fdra.alert_code == 0x8F72 and fdra.verification.signature is Verdict.INVALID


def test_a_fault_set_through_the_control_plane_takes_effect_on_the_next_block() -> None:
    rig = _rig()
    rig.ch.ota.silent_after_blocks = 2
    rig.ch.notify()
    rig.run(1)
    assert rig.device.control("set_faults", {"abort_at": 0})["abort_at"] == 0
    assert rig.device.control("set_behaviour", {"block_size": 40})["block_size"] == 40
    rig.ch.ota.silent_after_blocks = None
    rig.run(10)
    assert rig.ch.requests("image_block")[-1].maximum_data_size == 40 and _upgrade_ends(rig) == [Status.ABORT]


def test_unsigned_alerts_sends_an_alert_with_no_signature() -> None:
    rig = _rig("hcalcs", faults={"unsigned_alerts": True})
    rig.ch.notify()
    rig.run(10)
    fdra = seen(rig.ch.gbcs[0])
    assert fdra.alert_code == 0x8F72 and fdra.message.signature is None
    assert fdra.verification.signature is Verdict.ABSENT and _fired(rig) == ["unsigned_alerts"]


def test_bad_response_protection_damages_the_cs08_responses_mac() -> None:
    rig = _rig(faults={"bad_response_protection": True})
    rig.ch.send_gbcs(encode(cs08("ppmid")))
    rig.run(2)
    response = seen(rig.ch.gbcs[0])
    assert response.verification.mac is Verdict.INVALID and _fired(rig) == ["bad_response_protection"]


def test_wrong_fdra_hash_reports_a_hash_other_than_the_images() -> None:
    rig = _rig("hcalcs", faults={"wrong_fdra_hash": True})
    rig.ch.notify()
    rig.run(10)
    fdra = seen(rig.ch.gbcs[0])
    assert fdra.alert_code == 0x8F72 and fdra.verification.signature is Verdict.VALID
    assert fdra.payload.calculated_hash != parse_image(rig.ch.ota.image).manufacturer_image_hash
    assert _fired(rig) == ["wrong_fdra_hash"]


def test_a_device_told_no_image_asks_for_nothing_unless_it_ignores_refusals() -> None:
    polite = _rig()
    polite.ch.ota.image = None
    polite.ch.notify(payload_type=3, manufacturer_code=0x121D, image_type=0x0084, new_file_version=2)
    polite.run(30)
    assert polite.ch.requests("image_block") == []

    defiant = _rig(faults={"ignore_refusals": 3})
    defiant.ch.ota.image = None
    defiant.ch.notify(payload_type=3, manufacturer_code=0x121D, image_type=0x0084, new_file_version=2)
    defiant.run(30)
    requests = defiant.ch.requests("image_block")
    assert [(r.file_version, r.file_offset) for r in requests] == [(2, 0)] * 3
    assert _fired(defiant) == ["ignore_refusals"] * 3


def test_real_hardware_version_is_what_the_query_reports() -> None:
    rig = _rig(faults={"real_hardware_version": 0x2000})
    rig.ch.notify()
    rig.run(1)
    assert rig.ch.requests("query_next_image")[0].hardware_version == 0x2000
