"""Builders: what the rig and the emulated devices send decodes, verifies and matches RTDS."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from hanrig.gbcs.alerts import DlmsAlert, GbzAlert
from hanrig.gbcs.builders import (
    AlertForm,
    build_ccs08_alert,
    build_cs06_alert,
    build_cs06_command,
    build_cs06_precommand,
    build_cs06_response,
    build_cs08_command,
    build_cs08_response,
    build_cs09_alert,
    build_fdra_dlms,
    build_fdra_gbz,
    build_firmware_verification_failed_alert,
    build_generic_critical_alert,
)
from hanrig.gbcs.crypto import Verdict
from hanrig.gbcs.der import (
    ActivateFirmwareAccepted,
    ActivateFirmwareOutcome,
    ActivateImageResult,
    ActivationResult,
    FirmwareTransferAlert,
    ReadResult,
    TransferResult,
)
from hanrig.gbcs.eui import RTDS_ACB, RTDS_SUPPLIER, Eui64
from hanrig.gbcs.framing import GbcsMessage, decode, encode
from hanrig.gbcs.keystore import KeyStore, KeyUsage
from hanrig.gbcs.payloads import decode_payload
from hanrig.gbcs.security import verify
from tests.gbcs.keys import throwaway_key
from tests.gbcs.vectors import KEYSTORE, rtds_bytes, rtds_keystore

ESME, GSME, CHF = Eui64("00DB1234567890A0"), Eui64("00DB1234567890A1"), Eui64("00DB1234567890A2")
PPMID, HCALCS = Eui64("00DB1234567890A4"), Eui64("00DB1234567890A5")
NEW_YEAR_2015 = datetime(2015, 1, 1, tzinfo=UTC)
CS06_HASH = bytes.fromhex("AA758690730934FF0685AA758690730934FF0685657788990011223344556677")


def _private(eui: str, usage: KeyUsage) -> ec.EllipticCurvePrivateKey:
    key = rtds_keystore().private_key(eui, usage)
    assert key is not None
    return key


def _public(eui: str, usage: KeyUsage) -> ec.EllipticCurvePublicKey:
    key = rtds_keystore().public_key(eui, usage)
    assert key is not None
    return key


def _device_keystore(
        *devices: Eui64) -> tuple[KeyStore, dict[tuple[Eui64, KeyUsage], ec.EllipticCurvePrivateKey]]:
    """The RTDS organisation keys plus throw-away DS and KA keys for the devices under test."""
    store = KeyStore.load(KEYSTORE)
    keys = {}
    for device in devices:
        for usage in (KeyUsage.DIGITAL_SIGNING, KeyUsage.KEY_AGREEMENT):
            key = throwaway_key(f"{device} {usage}")
            store.add_private_key(device, usage, key)
            store.add_public_key(device, usage, key.public_key())
            keys[device, usage] = key
    return store, keys


def _round_trip(message: GbcsMessage) -> GbcsMessage:
    decoded = decode(encode(message))
    assert decoded == message
    return decoded


def _without_signature_and_mac(message: GbcsMessage) -> GbcsMessage:
    return replace(message, signature=None, mac=None)


def test_cs08_command_matches_the_rtds_vector_byte_for_byte() -> None:
    message = build_cs08_command(device=PPMID, supplier=RTDS_SUPPLIER, counter=0x514, supplier_counter=1000,
                                 mac_private_key=_private(RTDS_ACB, KeyUsage.KEY_AGREEMENT),
                                 mac_peer_public_key=_public(PPMID, KeyUsage.KEY_AGREEMENT))
    assert encode(message) == rtds_bytes("CS08_11.2_SUCCESS_COMMAND_GBCS.HEX")


def test_cs08_response_matches_the_rtds_vector_byte_for_byte() -> None:
    message = build_cs08_response(device=PPMID, supplier=RTDS_SUPPLIER, counter=0x514, supplier_counter=1000,
                                  firmware_version=bytes.fromhex("0123ABCD"),
                                  response_code=ReadResult.READ_SUCCESS,
                                  mac_private_key=_private(RTDS_ACB, KeyUsage.KEY_AGREEMENT),
                                  mac_peer_public_key=_public(PPMID, KeyUsage.KEY_AGREEMENT))
    assert encode(message) == rtds_bytes("CS08_11.2_SUCCESS_RESPONSE_GBCS.HEX")


def test_cs06_command_is_supplier_signed_acb_maced_and_shaped_like_rtds() -> None:
    message = build_cs06_command(supplier=RTDS_SUPPLIER, device=ESME, manufacturer_image_hash=CS06_HASH,
                                 counter=1000,
                                 supplier_ds_key=_private(RTDS_SUPPLIER, KeyUsage.DIGITAL_SIGNING),
                                 mac_private_key=_private(RTDS_ACB, KeyUsage.KEY_AGREEMENT),
                                 mac_peer_public_key=_public(ESME, KeyUsage.KEY_AGREEMENT))
    decoded = _round_trip(message)
    rtds = decode(rtds_bytes("CS06_11.3_IMMEDIATE_SUCCESS_COMMAND_GBCS.HEX"))
    assert _without_signature_and_mac(decoded) == _without_signature_and_mac(rtds)
    result = verify(decoded, rtds_keystore())
    assert (result.signature, result.mac) == (Verdict.VALID, Verdict.VALID)


def test_cs06_precommand_matches_the_rtds_precommand_byte_for_byte() -> None:
    message = build_cs06_precommand(supplier=RTDS_SUPPLIER, device=ESME, manufacturer_image_hash=CS06_HASH,
                                    counter=1001, execution_date_time=datetime(2030, 1, 15, 9, tzinfo=UTC))
    assert encode(message) == rtds_bytes("CS06_11.3_FUTURE_DATED_SUCCESS_PRECOMMAND_GBCS.HEX")


@pytest.mark.parametrize(
    ("outcome", "vector"),
    [
        (ActivateFirmwareOutcome(ActivationResult.SUCCESS, bytes.fromhex("0123ABCE")),
         "CS06_11.3_IMMEDIATE_SUCCESS_RESPONSE_GBCS.HEX"),
        (ActivateFirmwareAccepted(), "CS06_11.3_FUTURE_DATED_SUCCESS_RESPONSE_GBCS.HEX"),
    ],
)
def test_cs06_response_is_device_signed_and_shaped_like_rtds(
        outcome: ActivateFirmwareOutcome | ActivateFirmwareAccepted, vector: str) -> None:
    rtds = decode(rtds_bytes(vector))
    store, keys = _device_keystore(ESME)
    message = build_cs06_response(device=ESME, supplier=RTDS_SUPPLIER, counter=rtds.counter, outcome=outcome,
                                  date_time=NEW_YEAR_2015, device_ds_key=keys[ESME, KeyUsage.DIGITAL_SIGNING])
    decoded = _round_trip(message)
    assert _without_signature_and_mac(decoded) == _without_signature_and_mac(rtds)
    assert verify(decoded, store).signature is Verdict.VALID


def test_ccs08_alert_is_chf_signed_and_shaped_like_rtds() -> None:
    store, keys = _device_keystore(CHF)
    message = build_ccs08_alert(chf=CHF, entity=PPMID, firmware_version=bytes.fromhex("0123ABCD"),
                                response_code=TransferResult.SUCCESS, when=NEW_YEAR_2015, counter=0xFA0,
                                chf_ds_key=keys[CHF, KeyUsage.DIGITAL_SIGNING])
    decoded = _round_trip(message)
    rtds = decode(rtds_bytes("CCS08_NA_NA_ALERT_GBCS.HEX"))
    assert _without_signature_and_mac(decoded) == _without_signature_and_mac(rtds)
    assert verify(decoded, store).signature is Verdict.VALID


@pytest.mark.parametrize("code", [TransferResult.IMAGE_DISCARDED, TransferResult.HARDWARE_VERSION_MISMATCH,
                                  TransferResult.FILE_TRANSFER_FAILURE])
def test_ccs08_failures_carry_alert_8f89(code: TransferResult) -> None:
    message = build_ccs08_alert(chf=CHF, entity=HCALCS, firmware_version=bytes(4), response_code=code,
                                when=NEW_YEAR_2015, counter=1, chf_ds_key=throwaway_key("chf"))
    payload = decode_payload(_round_trip(message))
    assert isinstance(payload, FirmwareTransferAlert)
    assert (payload.alert_code, payload.response_code) == (0x8F89, code)


def test_cs09_alert_is_ppmid_signed_and_shaped_like_rtds() -> None:
    store, keys = _device_keystore(PPMID)
    message = build_cs09_alert(ppmid=PPMID, firmware_version=bytes.fromhex("1234ABCD"),
                               result=ActivateImageResult.SUCCESS, when=NEW_YEAR_2015, counter=5000,
                               ppmid_ds_key=keys[PPMID, KeyUsage.DIGITAL_SIGNING])
    decoded = _round_trip(message)
    rtds = decode(rtds_bytes("CS09_NA_8F8B_ALERT_GBCS.HEX"))
    assert _without_signature_and_mac(decoded) == _without_signature_and_mac(rtds)
    assert verify(decoded, store).signature is Verdict.VALID


def test_fdra_dlms_is_shaped_like_rtds_and_verifies() -> None:
    store, keys = _device_keystore(ESME)
    message = build_fdra_dlms(device=ESME, recipient=RTDS_SUPPLIER, calculated_hash=bytes([1] * 32),
                              when=NEW_YEAR_2015, counter=2000, ds_key=keys[ESME, KeyUsage.DIGITAL_SIGNING])
    decoded = _round_trip(message)
    rtds = decode(rtds_bytes("FDRA-DLMS_NA_8F72_ALERT_GBCS.HEX"))
    assert _without_signature_and_mac(decoded) == _without_signature_and_mac(rtds)
    assert verify(decoded, store).signature is Verdict.VALID


def test_fdra_gbz_is_shaped_like_rtds_and_verifies() -> None:
    store, keys = _device_keystore(GSME)
    message = build_fdra_gbz(device=GSME, recipient=RTDS_SUPPLIER, calculated_hash=bytes([0xA1] * 32),
                             when=NEW_YEAR_2015, counter=3000, ds_key=keys[GSME, KeyUsage.DIGITAL_SIGNING])
    decoded = _round_trip(message)
    rtds = decode(rtds_bytes("FDRA-ZigBee_NA_8F72_ALERT_GBCS.HEX"))
    assert _without_signature_and_mac(decoded) == _without_signature_and_mac(rtds)
    assert verify(decoded, store).signature is Verdict.VALID


@pytest.mark.parametrize(("form", "payload_type", "device"), [(AlertForm.DLMS, DlmsAlert, ESME),
                                                              (AlertForm.GBZ, GbzAlert, GSME)])
def test_firmware_verification_failed_alert_goes_as_a_signed_generic_critical_alert(
        form: AlertForm, payload_type: type, device: Eui64) -> None:
    store, keys = _device_keystore(device)
    message = build_firmware_verification_failed_alert(form=form, device=device, recipient=RTDS_SUPPLIER,
                                                       when=NEW_YEAR_2015, counter=7,
                                                       ds_key=keys[device, KeyUsage.DIGITAL_SIGNING])
    decoded = _round_trip(message)
    payload = decode_payload(decoded)
    assert (decoded.message_code, decoded.mac) == (0x1000, None)
    assert isinstance(payload, payload_type) and payload.alert_code == 0x8F1C
    assert verify(decoded, store).signature is Verdict.VALID


def test_device_maced_cs08_response_verifies_with_a_throwaway_device_key() -> None:
    store, keys = _device_keystore(HCALCS)
    message = build_cs08_response(device=HCALCS, supplier=RTDS_SUPPLIER, counter=9, supplier_counter=3,
                                  firmware_version=bytes(4), response_code=ReadResult.READ_FAILURE,
                                  mac_private_key=keys[HCALCS, KeyUsage.KEY_AGREEMENT],
                                  mac_peer_public_key=_public(RTDS_ACB, KeyUsage.KEY_AGREEMENT))
    result = verify(_round_trip(message), store)
    assert (result.signature, result.mac) == (Verdict.ABSENT, Verdict.VALID)


def test_generic_critical_alert_is_shaped_like_the_rtds_gca_vector() -> None:
    store, keys = _device_keystore(GSME)
    message = build_generic_critical_alert(alert_code=0x8F30, form=AlertForm.GBZ, device=GSME,
                                           recipient=RTDS_SUPPLIER, when=NEW_YEAR_2015, counter=3000,
                                           ds_key=keys[GSME, KeyUsage.DIGITAL_SIGNING])
    decoded = _round_trip(message)
    rtds = decode(rtds_bytes("GCA-ZigBee_NA_8F30_ALERT_GBCS.HEX"))
    assert _without_signature_and_mac(decoded) == _without_signature_and_mac(rtds)
    assert verify(decoded, store).signature is Verdict.VALID


@pytest.mark.parametrize("vector", ["CS06_11.3_8F66_FUTURE_DATED_SUCCESS_ALERT_GBCS.HEX",
                                    "CS06_11.3_8F67_FUTURE_DATED_ERROR_ALERT_GBCS.HEX"], ids=["8F66", "8F67"])
def test_cs06_future_dated_alert_is_device_signed_and_shaped_like_rtds(vector: str) -> None:
    rtds = decode(rtds_bytes(vector))
    rtds_payload = decode_payload(rtds)
    store, keys = _device_keystore(ESME)
    message = build_cs06_alert(device=ESME, supplier=RTDS_SUPPLIER, command_counter=rtds_payload.originator_counter,
                               outcome=rtds_payload.outcome, execution_date_time=rtds_payload.execution_date_time,
                               counter=rtds.counter, device_ds_key=keys[ESME, KeyUsage.DIGITAL_SIGNING])
    decoded = _round_trip(message)
    assert _without_signature_and_mac(decoded) == _without_signature_and_mac(rtds)
    assert verify(decoded, store).signature is Verdict.VALID
