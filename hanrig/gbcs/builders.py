"""Builders for the firmware messages the rig and the emulated devices send.

Each takes typed values and keys and returns a :class:`~gbcs.framing.GbcsMessage`, signed
and MAC'd as GBCS requires; :func:`gbcs.framing.encode` gives its bytes. Forms follow
RTDS: critical alerts and CS06 responses are DF-only and signed by the originator's DS
key; CS06 commands are Supplier-signed then MAC'd between ACB and device; CS08 is MAC'd
and unsigned, with the Supplier as supplementary remote party.

MAC'ing takes one MAC party's KA private key and the other party's KA public key: for
commands the parties are the ACB and the device, otherwise originator and recipient.
"""

from __future__ import annotations

import enum
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric import ec

from hanrig.gbcs.alerts import (
    DlmsAlert,
    DlmsFirmwareReceiptAlert,
    GbzAlert,
    GbzFirmwareReceiptAlert,
    invoke_id_and_priority,
)
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
from hanrig.gbcs.dlms import DlmsDateTime
from hanrig.gbcs.eui import RTDS_ACB, Eui64
from hanrig.gbcs.framing import Cra, GbcsMessage, Layout
from hanrig.gbcs.registry import AlertCode, MessageCode
from hanrig.gbcs.security import add_mac, sign


class AlertForm(enum.StrEnum):
    """The body an alert takes: DLMS (ESME, CHF) or GBZ (GSME)."""

    DLMS = "dlms"
    GBZ = "gbz"


def build_ccs08_alert(*, chf: Eui64, entity: Eui64, firmware_version: bytes, response_code: TransferResult,
                      when: datetime, counter: int, chf_ds_key: ec.EllipticCurvePrivateKey,
                      recipient: Eui64 = RTDS_ACB) -> GbcsMessage:
    """CCS08 Firmware Transfer Alert from the CH: 8F8A on success, 8F89 otherwise."""
    alert_code = (AlertCode.FIRMWARE_TRANSFER_SUCCESS if response_code is TransferResult.SUCCESS
                  else AlertCode.FIRMWARE_TRANSFER_FAIL)
    payload = FirmwareTransferAlert(alert_code, when, entity, firmware_version, response_code)
    message = GbcsMessage(Cra.ALERT, counter, chf, recipient, MessageCode.FIRMWARE_TRANSFER_ALERT, payload.encode())
    return sign(message, chf_ds_key)


def build_cs09_alert(*, ppmid: Eui64, firmware_version: bytes, result: ActivateImageResult, when: datetime,
                     counter: int, ppmid_ds_key: ec.EllipticCurvePrivateKey,
                     recipient: Eui64 = RTDS_ACB) -> GbcsMessage:
    """CS09 PPMID Firmware Activation Alert (8F8B) from the PPMID."""
    payload = FirmwareActivationAlert(AlertCode.FIRMWARE_VERSION, when, firmware_version, result)
    message = GbcsMessage(Cra.ALERT, counter, ppmid, recipient, MessageCode.PPMID_FIRMWARE_ACTIVATION_ALERT,
                          payload.encode())
    return sign(message, ppmid_ds_key)


def build_fdra_dlms(*, device: Eui64, recipient: Eui64, calculated_hash: bytes, when: datetime, counter: int,
                    ds_key: ec.EllipticCurvePrivateKey) -> GbcsMessage:
    """Firmware Distribution Receipt Alert (8F72) in DLMS form, with the calculated image hash."""
    payload = DlmsFirmwareReceiptAlert(AlertCode.FIRMWARE_VERIFICATION_SUCCESSFUL,
                                       DlmsDateTime.from_datetime(when), calculated_hash,
                                       invoke_id_and_priority(counter))
    message = GbcsMessage(Cra.ALERT, counter, device, recipient, MessageCode.FIRMWARE_RECEIPT_DLMS, payload.encode())
    return sign(message, ds_key)


def build_fdra_gbz(*, device: Eui64, recipient: Eui64, calculated_hash: bytes, when: datetime, counter: int,
                   ds_key: ec.EllipticCurvePrivateKey) -> GbcsMessage:
    """Firmware Distribution Receipt Alert (8F72) in GBZ form, with the calculated image hash."""
    payload = GbzFirmwareReceiptAlert(AlertCode.FIRMWARE_VERIFICATION_SUCCESSFUL, when, calculated_hash)
    message = GbcsMessage(Cra.ALERT, counter, device, recipient, MessageCode.FIRMWARE_RECEIPT_GBZ, payload.encode())
    return sign(message, ds_key)


def build_generic_critical_alert(*, alert_code: int, form: AlertForm, device: Eui64, recipient: Eui64,
                                 when: datetime, counter: int, ds_key: ec.EllipticCurvePrivateKey) -> GbcsMessage:
    """A Generic Critical Alert (MC 0x1000): the alert code and its time, signed, in DLMS or GBZ form.

    Shaped like the RTDS GCA vectors: DF-only, no use-case body.
    """
    payload: DlmsAlert | GbzAlert
    if form is AlertForm.DLMS:
        payload = DlmsAlert(alert_code, DlmsDateTime.from_datetime(when),
                            invoke_id_and_priority=invoke_id_and_priority(counter))
    else:
        payload = GbzAlert(alert_code, when)
    message = GbcsMessage(Cra.ALERT, counter, device, recipient, MessageCode.GENERIC_CRITICAL_ALERT, payload.encode())
    return sign(message, ds_key)


def build_firmware_verification_failed_alert(*, form: AlertForm, device: Eui64, recipient: Eui64,
                                             when: datetime, counter: int,
                                             ds_key: ec.EllipticCurvePrivateKey) -> GbcsMessage:
    """Firmware Verification Failed (8F1C), signed, in DLMS or GBZ form.

    The carrier is inferred: no vector or source shows 8F1C on the wire, so it goes as a
    Generic Critical Alert (MC 0x1000) with no use-case body, like the RTDS GCA vectors.
    """
    return build_generic_critical_alert(alert_code=AlertCode.FIRMWARE_VERIFICATION_FAILED, form=form, device=device,
                                        recipient=recipient, when=when, counter=counter, ds_key=ds_key)


def build_cs06_alert(*, device: Eui64, supplier: Eui64, command_counter: int, outcome: ActivateFirmwareOutcome,
                     execution_date_time: datetime, counter: int,
                     device_ds_key: ec.EllipticCurvePrivateKey) -> GbcsMessage:
    """CS06 future-dated activation alert (MC 0x00CA): 8F66 on success, 8F67 otherwise.

    As in RTDS it goes to the Supplier, signed, and names the command's counter.
    """
    alert_code = (AlertCode.FUTURE_DATED_ACTIONED if outcome.response_code is ActivationResult.SUCCESS
                  else AlertCode.FUTURE_DATED_NOT_ACTIONED)
    payload = ActivateFirmwareAlert(alert_code, execution_date_time, command_counter, outcome)
    message = GbcsMessage(Cra.ALERT, counter, device, supplier, MessageCode.FUTURE_DATED_FIRMWARE_ACTIVATION_ALERT,
                          payload.encode())
    return sign(message, device_ds_key)


def build_cs06_precommand(*, supplier: Eui64, device: Eui64, manufacturer_image_hash: bytes, counter: int,
                          execution_date_time: datetime | None = None) -> GbcsMessage:
    """CS06 Activate Firmware as the Supplier hands it over to be signed: DF-only, no signature field."""
    payload = ActivateFirmwareCommand(manufacturer_image_hash, counter, execution_date_time)
    return GbcsMessage(Cra.COMMAND, counter, supplier, device, MessageCode.ACTIVATE_FIRMWARE, payload.encode(),
                       layout=Layout(signature_field=False))


def build_cs06_command(*, supplier: Eui64, device: Eui64, manufacturer_image_hash: bytes, counter: int,
                       supplier_ds_key: ec.EllipticCurvePrivateKey,
                       mac_private_key: ec.EllipticCurvePrivateKey,
                       mac_peer_public_key: ec.EllipticCurvePublicKey,
                       execution_date_time: datetime | None = None) -> GbcsMessage:
    """CS06 Activate Firmware: Supplier-signed, then MAC'd between ACB and device.

    As in RTDS the Supplier is the grouping header's originator (no supplementary remote
    party), and the payload's originator counter is the message counter.
    """
    precommand = build_cs06_precommand(supplier=supplier, device=device, counter=counter,
                                       manufacturer_image_hash=manufacturer_image_hash,
                                       execution_date_time=execution_date_time)
    return add_mac(sign(precommand, supplier_ds_key), mac_private_key, mac_peer_public_key)


def build_cs06_response(*, device: Eui64, supplier: Eui64, counter: int,
                        outcome: ActivateFirmwareOutcome | ActivateFirmwareAccepted, date_time: datetime,
                        device_ds_key: ec.EllipticCurvePrivateKey) -> GbcsMessage:
    """CS06 response from the device: DF-only, signed, dated, echoing the command's counter."""
    message = GbcsMessage(Cra.RESPONSE, counter, device, supplier, MessageCode.ACTIVATE_FIRMWARE, outcome.encode(),
                          date_time=DlmsDateTime.from_datetime(date_time))
    return sign(message, device_ds_key)


def build_cs08_command(*, device: Eui64, supplier: Eui64, counter: int, supplier_counter: int,
                       mac_private_key: ec.EllipticCurvePrivateKey,
                       mac_peer_public_key: ec.EllipticCurvePublicKey, acb: Eui64 = RTDS_ACB) -> GbcsMessage:
    """CS08 Read PPMID/HCALCS Firmware Version: from the ACB for the Supplier, MAC'd, unsigned."""
    message = GbcsMessage(Cra.COMMAND, counter, acb, device, MessageCode.READ_FIRMWARE_VERSION,
                          ReadFirmwareVersionCommand().encode(), remote_party=supplier,
                          remote_party_counter=supplier_counter)
    return add_mac(message, mac_private_key, mac_peer_public_key)


def build_cs08_response(*, device: Eui64, supplier: Eui64, counter: int, supplier_counter: int,
                        firmware_version: bytes, response_code: ReadResult,
                        mac_private_key: ec.EllipticCurvePrivateKey,
                        mac_peer_public_key: ec.EllipticCurvePublicKey, acb: Eui64 = RTDS_ACB) -> GbcsMessage:
    """CS08 response from the device to the ACB, MAC'd, echoing the command's counters."""
    payload = ReadFirmwareVersionResponse(firmware_version, response_code)
    message = GbcsMessage(Cra.RESPONSE, counter, device, acb, MessageCode.READ_FIRMWARE_VERSION, payload.encode(),
                          remote_party=supplier, remote_party_counter=supplier_counter)
    return add_mac(message, mac_private_key, mac_peer_public_key)
