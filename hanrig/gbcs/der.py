"""The DER payloads of the firmware use cases: CS06, CS08, CS09 and CCS08 (GBCS ASN.1).

The ASN.1 is declared as asn1crypto specs and nothing is hand-rolled; each payload is a
frozen dataclass that names its spec (``DerPayload``), and decoding and encoding follow
from its fields. A payload decodes only if it is DER: re-encoding the decoded value must
give back the same bytes.
"""

from __future__ import annotations

import enum
import functools
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, ClassVar, Self, get_args, get_type_hints

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


# --- one declaration per payload ---------------------------------------------------------------

def asn1(name: str) -> Any:
    """A payload field whose ASN.1 component has another name (the rest share theirs)."""
    return field(metadata={"asn1": name})


class DerPayload:
    """A DER payload declared as a dataclass over its ASN.1 ``SPEC``; decoding and encoding follow from the fields.

    Each field holds its ASN.1 component of the same name (or the one ``asn1()`` names):
    an ``IntEnum`` the INTEGER it stands for, an ``Eui64`` the OCTET STRING of its eight
    octets, a nested ``DerPayload`` its SEQUENCE, ``X | None`` an OPTIONAL component.
    A payload decodes only if it is DER: re-encoding the value must give back the bytes.
    """

    WHAT: ClassVar[str]
    SPEC: ClassVar[type[core.Asn1Value]]

    @classmethod
    def decode(cls, data: bytes, *, offset: int = 0) -> Self:
        payload = cls._from_native(_load(cls.SPEC, data, cls.WHAT, offset), offset)
        try:
            again = payload.encode()
        except (EncodeError, *_ASN1_ERRORS):
            again = None
        if again != data:
            raise DecodeError("not DER: re-encoding gives different bytes", offset=offset, field=cls.WHAT)
        return payload

    def encode(self) -> bytes:
        try:
            return self.SPEC(self._native()).dump(force=True)
        except _ASN1_ERRORS as exc:
            raise EncodeError(f"cannot encode: {exc}", field=self.WHAT) from None

    @classmethod
    def _from_native(cls, native: dict[str, Any], offset: int) -> Self:
        values = {}
        for name, component, kind in _components(cls):
            value = native[component]
            values[name] = None if value is None else _from_component(kind, value, name, cls.WHAT, offset)
        return cls(**values)

    def _native(self) -> dict[str, Any]:
        native = {}
        for name, component, kind in _components(type(self)):
            value = getattr(self, name)
            if value is not None:
                native[component] = _to_component(kind, value)
        return native


@functools.cache
def _components(payload: type[DerPayload]) -> tuple[tuple[str, str, Any], ...]:
    """Each field of a payload: its name, its ASN.1 component's name, and its type (``X`` of ``X | None``)."""
    hints = get_type_hints(payload)
    return tuple((spec_field.name, spec_field.metadata.get("asn1", spec_field.name), _required(hints[spec_field.name]))
                 for spec_field in fields(payload))  # type: ignore[arg-type]


class NullPayload:
    """A payload that is ASN.1 NULL (``05 00``) and nothing else."""

    WHAT: ClassVar[str]

    @classmethod
    def decode(cls, data: bytes, *, offset: int = 0) -> Self:
        if data != _NULL:
            raise DecodeError(f"expected ASN.1 NULL (05 00), found {data[:4].hex().upper()}",
                              offset=offset, field=cls.WHAT)
        return cls()

    def encode(self) -> bytes:
        return _NULL


_NULL = core.Null().dump()


def _required(hint: Any) -> Any:
    """``X`` of ``X | None``."""
    options = [option for option in get_args(hint) if option is not type(None)]
    return options[0] if options else hint


def _from_component(kind: Any, value: Any, name: str, what: str, offset: int) -> Any:
    if isinstance(kind, type) and issubclass(kind, enum.IntEnum):
        try:
            return kind(value)
        except ValueError:
            raise DecodeError(f"unknown {name.replace('_', ' ')} {value}", offset=offset, field=what) from None
    if kind is Eui64:
        if len(value) != 8:
            raise DecodeError(f"{name.replace('_', ' ')} is {len(value)} bytes, not 8", offset=offset, field=what)
        return Eui64(value)
    if isinstance(kind, type) and issubclass(kind, DerPayload):
        return kind._from_native(value, offset)
    return value


def _to_component(kind: Any, value: Any) -> Any:
    if kind is Eui64:
        return Eui64(value).octets
    if isinstance(kind, type) and issubclass(kind, enum.IntEnum):
        return int(value)
    if isinstance(kind, type) and issubclass(kind, DerPayload):
        return value._native()
    return value


def _load(spec: type[core.Asn1Value], data: bytes, what: str, offset: int) -> Any:
    """The native value of ``data`` read as ``spec``, every field parsed, or a DecodeError."""
    try:
        return spec.load(data, strict=True).native
    except _ASN1_ERRORS as exc:
        reason = str(exc).split("\n", 1)[0] or type(exc).__name__
        raise DecodeError(f"malformed DER: {reason}", offset=offset, field=what) from None


# --- CS06 Activate Firmware ----------------------------------------------------------------------

@dataclass(frozen=True)
class ActivateFirmwareCommand(DerPayload):
    """CS06 command: activate the image with this Manufacturer Image hash, now or at a time."""

    manufacturer_image_hash: bytes
    originator_counter: int
    execution_date_time: datetime | None = None

    WHAT = "CS06 Activate Firmware command"
    SPEC = _ActivateFirmwareCommand


@dataclass(frozen=True)
class ActivateFirmwareAccepted(NullPayload):
    """CS06 response to a future-dated command: NULL, "Command Accepted"."""

    WHAT = "CS06 Activate Firmware response"


@dataclass(frozen=True)
class ActivateFirmwareOutcome(DerPayload):
    """CS06 ExecutionOutcome: the result and the firmware version now running."""

    response_code: ActivationResult
    firmware_version: bytes

    WHAT = "CS06 Activate Firmware outcome"
    SPEC = _ExecutionOutcome


def decode_activate_firmware_response(
    data: bytes, *, offset: int = 0,
) -> ActivateFirmwareAccepted | ActivateFirmwareOutcome:
    """A CS06 response: NULL for a future-dated command accepted, else the ExecutionOutcome."""
    if data[:1] == _NULL[:1]:
        return ActivateFirmwareAccepted.decode(data, offset=offset)
    return ActivateFirmwareOutcome.decode(data, offset=offset)


@dataclass(frozen=True)
class ActivateFirmwareAlert(DerPayload):
    """CS06 future-dated activation alert (MC 0x00CA): 8F66 actioned or 8F67 not."""

    alert_code: int
    execution_date_time: datetime
    originator_counter: int
    outcome: ActivateFirmwareOutcome = asn1("execution_outcome")

    WHAT = "CS06 future-dated firmware activation alert"
    SPEC = _ActivateFirmwareAlert


# --- CS08 Read PPMID/HCALCS Firmware Version ---------------------------------------------------

@dataclass(frozen=True)
class ReadFirmwareVersionCommand(NullPayload):
    """CS08 command: NULL."""

    WHAT = "CS08 Read Firmware Version command"


@dataclass(frozen=True)
class ReadFirmwareVersionResponse(DerPayload):
    """CS08 response: the firmware version the PPMID or HCALCS runs."""

    firmware_version: bytes
    response_code: ReadResult

    WHAT = "CS08 Read Firmware Version response"
    SPEC = _ReadFirmwareVersionResponse


# --- CS09 PPMID Firmware Activation Alert ------------------------------------------------------

@dataclass(frozen=True)
class FirmwareActivationAlert(DerPayload):
    """CS09 (MC 0x012B, alert 8F8B): the PPMID activated a new image, or failed to."""

    alert_code: int
    execution_date_time: datetime
    firmware_version: bytes
    result: ActivateImageResult = asn1("activate_image_result")

    WHAT = "CS09 PPMID Firmware Activation Alert"
    SPEC = _FirmwareActivationAlert


# --- CCS08 Firmware Transfer Alert -------------------------------------------------------------

@dataclass(frozen=True)
class FirmwareTransferAlert(DerPayload):
    """CCS08 (MC 0x0128): how the CH's transfer of an image to a HAN device ended (8F8A / 8F89)."""

    alert_code: int
    execution_date_time: datetime
    entity_id: Eui64
    firmware_version: bytes
    response_code: TransferResult

    WHAT = "CCS08 Firmware Transfer Alert"
    SPEC = _FirmwareTransferAlert
