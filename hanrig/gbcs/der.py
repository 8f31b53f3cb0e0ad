"""The DER payloads of the firmware use cases: CS06, CS08, CS09 and CCS08 (GBCS ASN.1).

Each payload is a frozen dataclass with ``decode`` and ``encode``; the ASN.1 is declared
as asn1crypto specs and nothing is hand-rolled. A payload decodes only if it is DER:
re-encoding the decoded value must give back the same bytes.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, Self, TypeVar

from asn1crypto import core

from hanrig.gbcs.errors import DecodeError, EncodeError
from hanrig.gbcs.eui import Eui64

#: What asn1crypto raises on malformed input, lazily, when a field is first read.
_ASN1_ERRORS = (ValueError, TypeError, KeyError, IndexError, OverflowError, UnicodeError)


class ActivationResult(enum.IntEnum):
    """CS06 ExecutionOutcome responseCode."""

    SUCCESS = 0
    NO_IMAGE_HELD = 1
    HASH_MISMATCH = 2
    ACTIVATION_FAILURE = 3


class ReadResult(enum.IntEnum):
    """CS08 response responseCode."""

    READ_SUCCESS = 0
    READ_FAILURE = 1


class ActivateImageResult(enum.IntEnum):
    """CS09 activateImage result (DUIS ActivateImageResultCode)."""

    SUCCESS = 0
    FAILURE = 1


class TransferResult(enum.IntEnum):
    """CCS08 responseCode (DUIS TransferResponseCode)."""

    SUCCESS = 0
    IMAGE_DISCARDED = 1
    HARDWARE_VERSION_MISMATCH = 2
    FILE_TRANSFER_FAILURE = 3


# --- ASN.1 declarations (GBCS ASN.1 module, as the reference parser reads them) ---------------

class _ActivateFirmwareCommand(core.Sequence):
    _fields = [
        ("manufacturer_image_hash", core.OctetString),
        ("originator_counter", core.Integer),
        ("execution_date_time", core.GeneralizedTime, {"optional": True}),
    ]


class _ExecutionOutcome(core.Sequence):
    _fields = [
        ("response_code", core.Integer),
        ("firmware_version", core.OctetString),
    ]


class _ActivateFirmwareAlert(core.Sequence):
    _fields = [
        ("alert_code", core.Integer),
        ("execution_date_time", core.GeneralizedTime),
        ("originator_counter", core.Integer),
        ("execution_outcome", _ExecutionOutcome),
    ]


class _ReadFirmwareVersionResponse(core.Sequence):
    _fields = [
        ("firmware_version", core.OctetString),
        ("response_code", core.Integer),
    ]


class _FirmwareActivationAlert(core.Sequence):
    _fields = [
        ("alert_code", core.Integer),
        ("execution_date_time", core.GeneralizedTime),
        ("firmware_version", core.OctetString),
        ("activate_image_result", core.Integer),
    ]


class _FirmwareTransferAlert(core.Sequence):
    _fields = [
        ("alert_code", core.Integer),
        ("execution_date_time", core.GeneralizedTime),
        ("entity_id", core.OctetString),
        ("firmware_version", core.OctetString),
        ("response_code", core.Integer),
    ]


# --- loading and checking ----------------------------------------------------------------------

def _load(spec: type[core.Asn1Value], data: bytes, what: str, offset: int) -> Any:
    """The native value of ``data`` read as ``spec``, every field parsed, or a DecodeError."""
    try:
        return spec.load(data, strict=True).native
    except _ASN1_ERRORS as exc:
        reason = str(exc).split("\n", 1)[0] or type(exc).__name__
        raise DecodeError(f"malformed DER: {reason}", offset=offset, field=what) from None


_Enum = TypeVar("_Enum", bound=enum.IntEnum)
_Payload = TypeVar("_Payload", bound="_Encodable")


class _Encodable(Protocol):
    def encode(self) -> bytes: ...


def _enum(enum_type: type[_Enum], value: int, label: str, what: str, offset: int) -> _Enum:
    try:
        return enum_type(value)
    except ValueError:
        raise DecodeError(f"unknown {label} {value}", offset=offset, field=what) from None


def _exact(payload: _Payload, data: bytes, what: str, offset: int) -> _Payload:
    try:
        again = payload.encode()
    except (EncodeError, *_ASN1_ERRORS):
        again = None
    if again != data:
        raise DecodeError("not DER: re-encoding gives different bytes", offset=offset, field=what)
    return payload


def _dump(value: core.Asn1Value, what: str) -> bytes:
    try:
        return value.dump(force=True)
    except _ASN1_ERRORS as exc:
        raise EncodeError(f"cannot encode: {exc}", field=what) from None


def _null(data: bytes, what: str, offset: int) -> None:
    if data != core.Null().dump():
        raise DecodeError(f"expected ASN.1 NULL (05 00), found {data[:4].hex().upper()}",
                          offset=offset, field=what)


# --- CS06 Activate Firmware ----------------------------------------------------------------------

@dataclass(frozen=True)
class ActivateFirmwareCommand:
    """CS06 command: activate the image with this Manufacturer Image hash, now or at a time."""

    manufacturer_image_hash: bytes
    originator_counter: int
    execution_date_time: datetime | None = None

    WHAT = "CS06 Activate Firmware command"

    @classmethod
    def decode(cls, data: bytes, *, offset: int = 0) -> Self:
        native = _load(_ActivateFirmwareCommand, data, cls.WHAT, offset)
        payload = cls(native["manufacturer_image_hash"], native["originator_counter"],
                      native["execution_date_time"])
        return _exact(payload, data, cls.WHAT, offset)

    def encode(self) -> bytes:
        value = {"manufacturer_image_hash": self.manufacturer_image_hash,
                 "originator_counter": self.originator_counter}
        if self.execution_date_time is not None:
            value["execution_date_time"] = self.execution_date_time
        return _dump(_ActivateFirmwareCommand(value), self.WHAT)


@dataclass(frozen=True)
class ActivateFirmwareAccepted:
    """CS06 response to a future-dated command: NULL, "Command Accepted"."""

    WHAT = "CS06 Activate Firmware response"

    @classmethod
    def decode(cls, data: bytes, *, offset: int = 0) -> Self:
        _null(data, cls.WHAT, offset)
        return cls()

    def encode(self) -> bytes:
        return core.Null().dump()


@dataclass(frozen=True)
class ActivateFirmwareOutcome:
    """CS06 ExecutionOutcome: the result and the firmware version now running."""

    response_code: ActivationResult
    firmware_version: bytes

    WHAT = "CS06 Activate Firmware outcome"

    @classmethod
    def decode(cls, data: bytes, *, offset: int = 0) -> Self:
        native = _load(_ExecutionOutcome, data, cls.WHAT, offset)
        return _exact(cls._from_native(native, offset), data, cls.WHAT, offset)

    @classmethod
    def _from_native(cls, native: dict[str, Any], offset: int) -> Self:
        code = _enum(ActivationResult, native["response_code"], "response code", cls.WHAT, offset)
        return cls(code, native["firmware_version"])

    def _native(self) -> dict[str, Any]:
        return {"response_code": int(self.response_code), "firmware_version": self.firmware_version}

    def encode(self) -> bytes:
        return _dump(_ExecutionOutcome(self._native()), self.WHAT)


def decode_activate_firmware_response(
    data: bytes, *, offset: int = 0,
) -> ActivateFirmwareAccepted | ActivateFirmwareOutcome:
    """A CS06 response: NULL for a future-dated command accepted, else the ExecutionOutcome."""
    if data[:1] == b"\x05":
        return ActivateFirmwareAccepted.decode(data, offset=offset)
    return ActivateFirmwareOutcome.decode(data, offset=offset)


@dataclass(frozen=True)
class ActivateFirmwareAlert:
    """CS06 future-dated activation alert (MC 0x00CA): 8F66 actioned or 8F67 not."""

    alert_code: int
    execution_date_time: datetime
    originator_counter: int
    outcome: ActivateFirmwareOutcome

    WHAT = "CS06 future-dated firmware activation alert"

    @classmethod
    def decode(cls, data: bytes, *, offset: int = 0) -> Self:
        native = _load(_ActivateFirmwareAlert, data, cls.WHAT, offset)
        outcome = ActivateFirmwareOutcome._from_native(native["execution_outcome"], offset)
        payload = cls(native["alert_code"], native["execution_date_time"], native["originator_counter"],
                      outcome)
        return _exact(payload, data, cls.WHAT, offset)

    def encode(self) -> bytes:
        return _dump(_ActivateFirmwareAlert({
            "alert_code": self.alert_code,
            "execution_date_time": self.execution_date_time,
            "originator_counter": self.originator_counter,
            "execution_outcome": self.outcome._native(),
        }), self.WHAT)


# --- CS08 Read PPMID/HCALCS Firmware Version ---------------------------------------------------

@dataclass(frozen=True)
class ReadFirmwareVersionCommand:
    """CS08 command: NULL."""

    WHAT = "CS08 Read Firmware Version command"

    @classmethod
    def decode(cls, data: bytes, *, offset: int = 0) -> Self:
        _null(data, cls.WHAT, offset)
        return cls()

    def encode(self) -> bytes:
        return core.Null().dump()


@dataclass(frozen=True)
class ReadFirmwareVersionResponse:
    """CS08 response: the firmware version the PPMID or HCALCS runs."""

    firmware_version: bytes
    response_code: ReadResult

    WHAT = "CS08 Read Firmware Version response"

    @classmethod
    def decode(cls, data: bytes, *, offset: int = 0) -> Self:
        native = _load(_ReadFirmwareVersionResponse, data, cls.WHAT, offset)
        code = _enum(ReadResult, native["response_code"], "response code", cls.WHAT, offset)
        return _exact(cls(native["firmware_version"], code), data, cls.WHAT, offset)

    def encode(self) -> bytes:
        return _dump(_ReadFirmwareVersionResponse({
            "firmware_version": self.firmware_version, "response_code": int(self.response_code)}), self.WHAT)


# --- CS09 PPMID Firmware Activation Alert ------------------------------------------------------

@dataclass(frozen=True)
class FirmwareActivationAlert:
    """CS09 (MC 0x012B, alert 8F8B): the PPMID activated a new image, or failed to."""

    alert_code: int
    execution_date_time: datetime
    firmware_version: bytes
    result: ActivateImageResult

    WHAT = "CS09 PPMID Firmware Activation Alert"

    @classmethod
    def decode(cls, data: bytes, *, offset: int = 0) -> Self:
        native = _load(_FirmwareActivationAlert, data, cls.WHAT, offset)
        result = _enum(ActivateImageResult, native["activate_image_result"], "activation result", cls.WHAT,
                       offset)
        payload = cls(native["alert_code"], native["execution_date_time"], native["firmware_version"], result)
        return _exact(payload, data, cls.WHAT, offset)

    def encode(self) -> bytes:
        return _dump(_FirmwareActivationAlert({
            "alert_code": self.alert_code,
            "execution_date_time": self.execution_date_time,
            "firmware_version": self.firmware_version,
            "activate_image_result": int(self.result),
        }), self.WHAT)


# --- CCS08 Firmware Transfer Alert -------------------------------------------------------------

@dataclass(frozen=True)
class FirmwareTransferAlert:
    """CCS08 (MC 0x0128): how the CH's transfer of an image to a HAN device ended (8F8A / 8F89)."""

    alert_code: int
    execution_date_time: datetime
    entity_id: Eui64
    firmware_version: bytes
    response_code: TransferResult

    WHAT = "CCS08 Firmware Transfer Alert"

    @classmethod
    def decode(cls, data: bytes, *, offset: int = 0) -> Self:
        native = _load(_FirmwareTransferAlert, data, cls.WHAT, offset)
        if len(native["entity_id"]) != 8:
            raise DecodeError(f"entity id is {len(native['entity_id'])} bytes, not 8",
                              offset=offset, field=cls.WHAT)
        code = _enum(TransferResult, native["response_code"], "response code", cls.WHAT, offset)
        payload = cls(native["alert_code"], native["execution_date_time"], Eui64(native["entity_id"]),
                      native["firmware_version"], code)
        return _exact(payload, data, cls.WHAT, offset)

    def encode(self) -> bytes:
        return _dump(_FirmwareTransferAlert({
            "alert_code": self.alert_code,
            "execution_date_time": self.execution_date_time,
            "entity_id": Eui64(self.entity_id).octets,
            "firmware_version": self.firmware_version,
            "response_code": int(self.response_code),
        }), self.WHAT)
