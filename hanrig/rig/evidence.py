"""Checking the evidence of a firmware update, field by field, as measurements.

Each check takes the message the rig recorded and what it must say: the right alert
code from the right originator, the firmware version equal to the image's file
version, the hash equal to the image's Manufacturer Image hash, the outcome the
scenario expects, and the signature or MAC GBCS requires, present and valid. A check of
a message the device sent judges the device; one of a message the rig built as CH (its
CCS08) judges only the CH model. The OTA exchange is evidence too: the device's query
and whether it stopped when refused judge the device, the CH's answers the CH model.
"""

from __future__ import annotations

from typing import Any

from hanrig.bench.identity import DeviceIdentity
from hanrig.gbcs import (
    ActivateFirmwareOutcome,
    ActivateImageResult,
    ActivationResult,
    AlertCode,
    FirmwareActivationAlert,
    FirmwareTransferAlert,
    ReadFirmwareVersionResponse,
    ReadResult,
    TransferResult,
    Verdict,
    required_protection,
)
from hanrig.gbcs.alerts import DlmsFirmwareReceiptAlert, GbzFirmwareReceiptAlert
from hanrig.gbcs.registry import dcc_alerts_for
from hanrig.rig.ch.messages import Direction, GbcsRecord
from hanrig.rig.measurements import Measurement, Subject, at_most, equals, observed
from hanrig.rig.ota.policy import OtaPolicy
from hanrig.rig.ota.session import Conduct, Status

#: the observation of the file version a device says it runs (its Query Next Image), which reports read
RUNNING_VERSION_CHECK = "file version the device runs"


def _hex(value: bytes) -> str:
    return value.hex().upper()


def _code(value: int | None) -> str:
    return "none" if value is None else f"0x{value:04X}"


def subject_of(record: GbcsRecord) -> Subject:
    """A message from the device judges the device; one the rig built as CH (CCS08, commands) judges the CH model."""
    return Subject.DEVICE if record.direction is Direction.FROM_DEVICE else Subject.CH_MODEL


def authentic(prefix: str, record: GbcsRecord) -> list[Measurement]:
    """The message decoded, and the signature and MAC GBCS requires on it present and valid.

    Absent, or with no key in the keystore to check it, is a failed check, never a pass.
    """
    subject = subject_of(record)
    checks = [equals(f"{prefix} decodes", record.error, None, subject=subject, shown=lambda e: e or "yes")]
    if record.message is None or record.verification is None:
        return checks
    required = required_protection(record.message)
    if required.signed:
        checks.append(equals(f"{prefix} signature", record.verification.signature, Verdict.VALID, subject=subject,
                             shown=str))
    if required.maced:
        checks.append(equals(f"{prefix} MAC", record.verification.mac, Verdict.VALID, subject=subject, shown=str))
    return checks


def _payload(record: GbcsRecord, kind: type | tuple[type, ...], prefix: str) -> tuple[Any, list[Measurement]]:
    if isinstance(record.payload, kind):
        return record.payload, []
    found = type(record.payload).__name__ if record.payload is not None else "nothing"
    names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
    return None, [equals(f"{prefix} payload", found, names, subject=subject_of(record))]


def ccs08(record: GbcsRecord, *, entity: str, firmware_version: bytes, result: TransferResult) -> list[Measurement]:
    """CCS08 Firmware Transfer Alert raised by the CH (the rig) for a transfer to ``entity``: CH-model evidence."""
    checks = authentic("CCS08", record)
    alert, problems = _payload(record, FirmwareTransferAlert, "CCS08")
    if alert is None:
        return checks + problems
    expected_code = (AlertCode.FIRMWARE_TRANSFER_SUCCESS if result is TransferResult.SUCCESS
                     else AlertCode.FIRMWARE_TRANSFER_FAIL)
    ch = Subject.CH_MODEL
    return checks + [
        equals("CCS08 alert code", alert.alert_code, expected_code, subject=ch, shown=_code),
        equals("CCS08 response code", alert.response_code, result, subject=ch, shown=lambda r: r.name),
        equals("CCS08 entity", str(alert.entity_id), entity, subject=ch),
        equals("CCS08 firmware version", alert.firmware_version, firmware_version, subject=ch, shown=_hex),
    ]


def device_alert(record: GbcsRecord, *, what: str, device: str, alert_code: int) -> list[Measurement]:
    """An alert the device raised: decoded, protected as GBCS requires, from the device, with this code."""
    checks = authentic(what, record)
    if record.message is None:
        return checks
    return checks + [
        equals(f"{what} originator", record.message.originator, device, subject=Subject.DEVICE),
        equals(f"{what} alert code", record.alert_code, alert_code, subject=Subject.DEVICE, shown=_code),
    ]


def cs09(record: GbcsRecord, *, ppmid: str, firmware_version: bytes,
         result: ActivateImageResult = ActivateImageResult.SUCCESS) -> list[Measurement]:
    """CS09 PPMID Firmware Activation Alert after the PPMID activated (or failed to)."""
    checks = device_alert(record, what="CS09", device=ppmid, alert_code=AlertCode.FIRMWARE_VERSION)
    alert, problems = _payload(record, FirmwareActivationAlert, "CS09")
    if alert is None:
        return checks + problems
    return checks + [
        equals("CS09 result", alert.result, result, subject=Subject.DEVICE, shown=lambda r: r.name),
        equals("CS09 firmware version", alert.firmware_version, firmware_version, subject=Subject.DEVICE,
               shown=_hex),
    ]


def fdra(record: GbcsRecord, *, device: str, manufacturer_image_hash: bytes) -> list[Measurement]:
    """Firmware Distribution Receipt Alert: the device verified the image and reports its hash."""
    checks = device_alert(record, what="FDRA", device=device, alert_code=AlertCode.FIRMWARE_VERIFICATION_SUCCESSFUL)
    alert, problems = _payload(record, (GbzFirmwareReceiptAlert, DlmsFirmwareReceiptAlert), "FDRA")
    if alert is None:
        return checks + problems
    return checks + [
        equals("FDRA calculated hash", alert.calculated_hash, manufacturer_image_hash, subject=Subject.DEVICE,
               shown=_hex),
    ]


def cs06_response(record: GbcsRecord, *, outcome: ActivationResult, firmware_version: bytes) -> list[Measurement]:
    """CS06 Activate Firmware response from the device."""
    checks = authentic("CS06 response", record)
    payload, problems = _payload(record, ActivateFirmwareOutcome, "CS06 response")
    if payload is None:
        return checks + problems
    return checks + [
        equals("CS06 response code", payload.response_code, outcome, subject=Subject.DEVICE,
               shown=lambda r: r.name),
        equals("CS06 firmware version", payload.firmware_version, firmware_version, subject=Subject.DEVICE,
               shown=_hex),
    ]


def cs08_response(record: GbcsRecord, *, firmware_version: bytes) -> list[Measurement]:
    """CS08 Read Firmware Version response: the version the device runs."""
    checks = authentic("CS08 response", record)
    payload, problems = _payload(record, ReadFirmwareVersionResponse, "CS08 response")
    if payload is None:
        return checks + problems
    return checks + [
        equals("CS08 read result", payload.response_code, ReadResult.READ_SUCCESS, subject=Subject.DEVICE,
               shown=lambda r: r.name),
        equals("CS08 firmware version", payload.firmware_version, firmware_version, subject=Subject.DEVICE,
               shown=_hex),
    ]


def ota_conduct(conduct: Conduct, *, identity: DeviceIdentity, policy: OtaPolicy,
                expect: TransferResult) -> list[Measurement]:
    """What the device did in the OTA exchange (its query, whether it stopped when refused), and the CH's answers.

    Where the config gives the device's firmware identity, what the device reports must
    agree with it: a config that is wrong about the hardware would otherwise decide
    whether an image applies.
    """
    device, ch = Subject.DEVICE, Subject.CH_MODEL
    checks = [equals("Query Next Image from the device", "yes" if conduct.queries else "no", "yes", subject=device)]
    if conduct.queries:
        query = conduct.queries[0]
        for label, reported, configured, width in (
                ("manufacturer code", query.manufacturer_code, identity.manufacturer_code, 4),
                ("image type", query.image_type, identity.image_type, 4),
                ("hardware version", query.hardware_version, identity.hardware_version, 4)):
            shown = "not in its query" if reported is None else f"0x{reported:0{width}X}"
            if reported is None or configured is None:
                checks.append(observed(f"{label} the device reports", shown, subject=device))
            else:
                checks.append(equals(f"{label} the device reports", shown, f"0x{configured:0{width}X}",
                                     subject=device))
        checks.append(observed(RUNNING_VERSION_CHECK, f"0x{query.current_file_version:08X}", subject=device))
        answer = Status.NO_IMAGE_AVAILABLE if expect is TransferResult.HARDWARE_VERSION_MISMATCH else Status.SUCCESS
        checks.append(equals("Query Next Image answered", query.answer.name, answer.name, subject=ch))
    if conduct.refusal is not None:
        checks.append(equals(f"Image Block Requests after {conduct.refusal.name}", conduct.requests_after_refusal,
                             0, subject=device))
    if expect is TransferResult.SUCCESS:
        checks.append(upgrade_end(conduct, Status.SUCCESS))
    if conduct.largest_block_sent:
        checks += [at_most("largest Image Block Response", conduct.largest_block_sent, policy.max_block_size,
                           "octets", subject=ch),
                   observed("largest block the device asked for", conduct.largest_block_asked, "octets",
                            subject=device)]
    return checks


def upgrade_end(conduct: Conduct, expected: Status) -> Measurement:
    """The status of the device's Upgrade End Request: what it made of the image it downloaded."""
    status = conduct.upgrade_end
    if status is None:
        shown = "none sent"
    else:
        try:
            shown = Status(status).name
        except ValueError:
            shown = f"0x{status:02X}"
    return equals("Upgrade End Request status", shown, expected.name, subject=Subject.DEVICE)


def dcc_alerts(record: GbcsRecord) -> list[dict[str, Any]]:
    """The DCC alerts a Service User would get for this message, each part marked confirmed or inferred."""
    if record.alert_code is None:
        return []
    return [mapping.as_dict() for mapping in dcc_alerts_for(record.alert_code)]
