"""The emulated HCALCS: FDRA on verified receipt, activation only by an authentic CS06, typed refusals."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hanrig import testpki
from hanrig.devices.gb.ota_client import ImageUpgradeStatus
from hanrig.devices.han.zcl.foundation import Status
from hanrig.gbcs import (
    ActivateFirmwareAccepted,
    ActivateFirmwareAlert,
    ActivateFirmwareOutcome,
    ActivationResult,
    DlmsFirmwareReceiptAlert,
    GbcsMessage,
    GbzAlert,
    GbzFirmwareReceiptAlert,
    Verdict,
    encode,
    parse_image,
)
from tests.devices.gb_fakes import NEW_YEAR, OTA, Rig, cs06, cs08, make_device, make_image, on_air, seen

IMAGE = make_image("hcalcs")
IMAGE_HASH = parse_image(IMAGE).manufacturer_image_hash


def _distributed(*, image: bytes = IMAGE, **entry: object) -> Rig:
    """An HCALCS that was notified and downloaded ``image``, with a tunnel open."""
    rig = on_air(make_device("hcalcs", **entry))
    rig.ch.ota.image = image
    rig.ch.open_tunnel()
    rig.ch.notify()
    rig.run(10)
    return rig


def _activate(rig: Rig, command: GbcsMessage) -> list[bytes]:
    """Send ``command``; what came back once a tunnel was opened again after any restart."""
    before = len(rig.ch.gbcs)
    rig.ch.send_gbcs(encode(command))
    rig.run(5)
    rig.ch.open_tunnel()
    rig.run(1)
    return rig.ch.gbcs[before:]


def test_a_verified_download_is_reported_to_the_supplier_with_fdra_and_its_hash_in_gbz_form() -> None:
    rig = _distributed()
    (alert,) = [seen(m) for m in rig.ch.gbcs]
    assert (alert.message.message_code, alert.message.originator, alert.message.recipient) == (
        0x00CF, testpki.HCALCS, testpki.SUPPLIER)
    assert alert.payload == GbzFirmwareReceiptAlert(0x8F72, NEW_YEAR, IMAGE_HASH)
    assert alert.verification.signature is Verdict.VALID


def test_fdra_goes_in_dlms_form_when_configured() -> None:
    rig = _distributed(behaviour={"alert_form": "dlms"})
    (alert,) = [seen(m) for m in rig.ch.gbcs]
    assert alert.message.message_code == 0x00CE and isinstance(alert.payload, DlmsFirmwareReceiptAlert)
    assert alert.payload.calculated_hash == IMAGE_HASH and alert.verification.signature is Verdict.VALID


def test_the_upgrade_end_response_does_not_activate_an_hcalcs() -> None:
    rig = _distributed()
    assert rig.ch.refusals(OTA) == [(0x07, Status.NOT_AUTHORIZED)]
    assert rig.device.ota.state is ImageUpgradeStatus.WAITING_TO_UPGRADE_VIA_EXTERNAL_EVENT
    assert rig.device.firmware.running_version == 1 and rig.device.firmware.held is not None


def test_an_image_that_fails_verification_is_reported_with_8f1c() -> None:
    rig = _distributed(image=make_image("hcalcs", hardware=(0x2000, 0x3000)))
    (alert,) = [seen(m) for m in rig.ch.gbcs]
    assert (alert.message.message_code, alert.alert_code, alert.message.recipient) == (
        0x1000, 0x8F1C, testpki.SUPPLIER)
    assert alert.verification.signature is Verdict.VALID
    assert rig.ch.requests("upgrade_end")[0].status == Status.INVALID_IMAGE


def test_cs06_with_the_held_hash_activates_and_answers_success_with_the_new_version() -> None:
    rig = _distributed()
    (response,) = [seen(m) for m in _activate(rig, cs06("hcalcs", IMAGE_HASH, counter=1001))]
    assert response.payload == ActivateFirmwareOutcome(ActivationResult.SUCCESS, bytes.fromhex("00000002"))
    assert (response.message.counter, response.message.recipient, response.message.date_time is not None) == (
        1001, testpki.SUPPLIER, True)
    assert response.verification.signature is Verdict.VALID
    assert rig.device.firmware.running_version == 2 and rig.device.ota.state is ImageUpgradeStatus.NORMAL


def test_cs06_without_a_held_image_answers_no_image_held_with_the_running_version() -> None:
    rig = on_air(make_device("hcalcs"))
    rig.ch.open_tunnel()
    (response,) = [seen(m) for m in _activate(rig, cs06("hcalcs", IMAGE_HASH))]
    assert response.payload == ActivateFirmwareOutcome(ActivationResult.NO_IMAGE_HELD, bytes.fromhex("00000001"))


def test_cs06_with_another_hash_answers_hash_mismatch_and_keeps_the_image() -> None:
    rig = _distributed()
    (response,) = [seen(m) for m in _activate(rig, cs06("hcalcs", bytes(32)))]
    assert response.payload == ActivateFirmwareOutcome(ActivationResult.HASH_MISMATCH, bytes.fromhex("00000001"))
    assert rig.device.firmware.held is not None


def _tampered(message: GbcsMessage, part: str) -> GbcsMessage:
    value = getattr(message, part)
    return GbcsMessage(**{**message.__dict__, part: bytes([value[0] ^ 1]) + value[1:]})


@pytest.mark.parametrize(("part", "check"), [("signature", "signature invalid"), ("mac", "MAC invalid")])
def test_cs06_that_fails_authentication_gets_no_response_and_an_8f3d_alert(part: str, check: str) -> None:
    rig = _distributed()
    (alert,) = [seen(m) for m in _activate(rig, _tampered(cs06("hcalcs", IMAGE_HASH), part))]
    assert (alert.message.message_code, alert.alert_code, alert.message.recipient) == (
        0x1000, 0x8F3D, testpki.SUPPLIER)
    assert isinstance(alert.payload, GbzAlert) and alert.verification.signature is Verdict.VALID
    assert rig.device.firmware.running_version == 1
    assert rig.events_of("gbcs_rejected")[0]["check"] == check


def test_a_replayed_cs06_is_discarded_without_an_alert() -> None:
    rig = _distributed()
    _activate(rig, cs06("hcalcs", bytes(32), counter=1001))
    after = _activate(rig, cs06("hcalcs", IMAGE_HASH, counter=1001))
    assert after == [] and rig.device.firmware.running_version == 1
    assert rig.events_of("gbcs_rejected")[-1]["reason"] == "replayed counter"


def test_bytes_that_are_not_gbcs_get_an_8f1e_alert() -> None:
    rig = _distributed()
    rig.ch.send_gbcs(b"\xdd\x00\x00\x00\x00\x00\x00\x05\x11")
    rig.run(2)
    alert = seen(rig.ch.gbcs[-1])
    assert (alert.message.message_code, alert.alert_code) == (0x1000, 0x8F1E)


def test_a_command_for_another_device_is_discarded_quietly() -> None:
    rig = _distributed()
    rig.ch.send_gbcs(encode(cs08("ppmid")))
    rig.run(2)
    assert len(rig.ch.gbcs) == 1 and rig.events_of("gbcs_rejected")[0]["reason"] == "for another device"


def test_a_future_dated_cs06_is_accepted_now_and_reported_by_8f66_when_carried_out() -> None:
    rig = _distributed()
    command = cs06("hcalcs", IMAGE_HASH, counter=1002, execution_date_time=NEW_YEAR + timedelta(hours=1))
    rig.ch.send_gbcs(encode(command))
    rig.run(2)
    accepted = seen(rig.ch.gbcs[-1])
    assert accepted.payload == ActivateFirmwareAccepted() and rig.device.firmware.running_version == 1
    rig.run(3600)
    rig.ch.open_tunnel()
    rig.run(1)
    alert = seen(rig.ch.gbcs[-1])
    assert (alert.message.message_code, alert.alert_code, alert.message.recipient) == (
        0x00CA, 0x8F66, testpki.SUPPLIER)
    assert alert.payload == ActivateFirmwareAlert(
        0x8F66, NEW_YEAR + timedelta(hours=1), 1002,
        ActivateFirmwareOutcome(ActivationResult.SUCCESS, bytes.fromhex("00000002")))
    assert rig.device.firmware.running_version == 2


def test_cs08_is_answered_by_an_hcalcs_too() -> None:
    rig = _distributed()
    rig.ch.send_gbcs(encode(cs08("hcalcs")))
    rig.run(2)
    response = seen(rig.ch.gbcs[-1])
    assert response.payload.firmware_version == bytes.fromhex("00000001") and response.verification.mac is (
        Verdict.VALID)
