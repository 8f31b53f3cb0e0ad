"""Checking the GBCS evidence of a firmware update, field by field, as measurements.

Each check takes the message the rig recorded and what it must say: the right alert
code from the right originator, the firmware version equal to the image's file
version, the hash equal to the image's Manufacturer Image hash, the outcome the
scenario expects, and a signature or MAC that verifies.
"""

from __future__ import annotations

from typing import Any

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
)
from hanrig.gbcs.alerts import DlmsFirmwareReceiptAlert, GbzFirmwareReceiptAlert
from hanrig.gbcs.registry import dcc_alerts_for
from hanrig.rig.ch.messages import GbcsRecord
from hanrig.rig.measurements import Measurement, equals


def _hex(value: bytes) -> str:
    return value.hex().upper()


def _code(value: int | None) -> str:
    return "none" if value is None else f"0x{value:04X}"


def authentic(prefix: str, record: GbcsRecord, *, signed: bool = False, maced: bool = False) -> list[Measurement]:
    """The message decoded, and its signature and MAC verify where GBCS puts them."""
    checks = [equals(f"{prefix} decodes", record.error, None, shown=lambda e: e or "yes")]
    if record.verification is None:
        return checks
    if signed:
        checks.append(equals(f"{prefix} signature", record.verification.signature, Verdict.VALID, shown=str))
    if maced:
        checks.append(equals(f"{prefix} MAC", record.verification.mac, Verdict.VALID, shown=str))
    return checks


def _payload(record: GbcsRecord, kind: type | tuple[type, ...], prefix: str) -> tuple[Any, list[Measurement]]:
    if isinstance(record.payload, kind):
        return record.payload, []
    found = type(record.payload).__name__ if record.payload is not None else "nothing"
    names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
    return None, [equals(f"{prefix} payload", found, names)]


def ccs08(record: GbcsRecord, *, entity: str, firmware_version: bytes, result: TransferResult) -> list[Measurement]:
    """CCS08 Firmware Transfer Alert raised by the CH for a transfer to ``entity``."""
    checks = authentic("CCS08", record, signed=True)
    alert, problems = _payload(record, FirmwareTransferAlert, "CCS08")
    if alert is None:
        return checks + problems
    expected_code = (AlertCode.FIRMWARE_TRANSFER_SUCCESS if result is TransferResult.SUCCESS
                     else AlertCode.FIRMWARE_TRANSFER_FAIL)
    return checks + [
        equals("CCS08 alert code", alert.alert_code, expected_code, shown=_code),
        equals("CCS08 response code", alert.response_code, result, shown=lambda r: r.name),
        equals("CCS08 entity", str(alert.entity_id), entity),
        equals("CCS08 firmware version", alert.firmware_version, firmware_version, shown=_hex),
    ]


def cs09(record: GbcsRecord, *, ppmid: str, firmware_version: bytes,
         result: ActivateImageResult = ActivateImageResult.SUCCESS) -> list[Measurement]:
    """CS09 PPMID Firmware Activation Alert after the PPMID activated (or failed to)."""
    checks = authentic("CS09", record, signed=True)
    alert, problems = _payload(record, FirmwareActivationAlert, "CS09")
    if alert is None:
        return checks + problems
    assert record.message is not None
    return checks + [
        equals("CS09 originator", record.message.originator, ppmid),
        equals("CS09 alert code", alert.alert_code, AlertCode.FIRMWARE_VERSION, shown=_code),
        equals("CS09 result", alert.result, result, shown=lambda r: r.name),
        equals("CS09 firmware version", alert.firmware_version, firmware_version, shown=_hex),
    ]


def fdra(record: GbcsRecord, *, device: str, manufacturer_image_hash: bytes) -> list[Measurement]:
    """Firmware Distribution Receipt Alert: the device verified the image and reports its hash."""
    checks = authentic("FDRA", record, signed=True)
    alert, problems = _payload(record, (GbzFirmwareReceiptAlert, DlmsFirmwareReceiptAlert), "FDRA")
    if alert is None:
        return checks + problems
    assert record.message is not None
    return checks + [
        equals("FDRA originator", record.message.originator, device),
        equals("FDRA alert code", alert.alert_code, AlertCode.FIRMWARE_VERIFICATION_SUCCESSFUL, shown=_code),
        equals("FDRA calculated hash", alert.calculated_hash, manufacturer_image_hash, shown=_hex),
    ]


def cs06_response(record: GbcsRecord, *, outcome: ActivationResult, firmware_version: bytes) -> list[Measurement]:
    """CS06 Activate Firmware response from the device."""
    checks = authentic("CS06 response", record, signed=True)
    payload, problems = _payload(record, ActivateFirmwareOutcome, "CS06 response")
    if payload is None:
        return checks + problems
    return checks + [
        equals("CS06 response code", payload.response_code, outcome, shown=lambda r: r.name),
        equals("CS06 firmware version", payload.firmware_version, firmware_version, shown=_hex),
    ]


def cs08_response(record: GbcsRecord, *, firmware_version: bytes) -> list[Measurement]:
    """CS08 Read Firmware Version response: the version the device runs."""
    checks = authentic("CS08 response", record, maced=True)
    payload, problems = _payload(record, ReadFirmwareVersionResponse, "CS08 response")
    if payload is None:
        return checks + problems
    return checks + [
        equals("CS08 read result", payload.response_code, ReadResult.READ_SUCCESS, shown=lambda r: r.name),
        equals("CS08 firmware version", payload.firmware_version, firmware_version, shown=_hex),
    ]


def dcc_alerts(record: GbcsRecord) -> list[dict[str, Any]]:
    """The DCC alerts a Service User would get for this message, each part marked confirmed or inferred."""
    if record.alert_code is None:
        return []
    return [mapping.as_dict() for mapping in dcc_alerts_for(record.alert_code)]
