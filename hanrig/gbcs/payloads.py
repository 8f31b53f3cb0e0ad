"""Which payload a message carries: dispatch on message code and CRA, then sniffing.

Like the reference parser, the message code decides first; for other codes the first
bytes are sniffed (``0F`` a DLMS alert, ``01 09`` with CRA alert a GBZ alert), which is
how CS14 and the generic alerts decode, in whichever form the device sends them. A payload
the message code names must decode, or it is a :class:`~gbcs.errors.DecodeError`; a
sniffed one that does not decode, and anything else, is kept as :class:`RawPayload`.
Every decoded payload re-encodes to the bytes it came from.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Self

from hanrig.gbcs.alerts import DlmsAlert, DlmsFirmwareReceiptAlert, GbzAlert, GbzFirmwareReceiptAlert
from hanrig.gbcs.der import (
    ActivateFirmwareAccepted,
    ActivateFirmwareAlert,
    ActivateFirmwareCommand,
    ActivateFirmwareOutcome,
    FirmwareActivationAlert,
    FirmwareTransferAlert,
    ReadFirmwareVersionCommand,
    ReadFirmwareVersionResponse,
    decode_activate_firmware_response,
)
from hanrig.gbcs.errors import DecodeError
from hanrig.gbcs.framing import Cra, GbcsMessage, content_offset
from hanrig.gbcs.registry import MessageCode


@dataclass(frozen=True)
class RawPayload:
    """A payload this package does not interpret: its bytes, unchanged."""

    data: bytes

    @classmethod
    def decode(cls, data: bytes, *, offset: int = 0) -> Self:
        return cls(data)

    def encode(self) -> bytes:
        return self.data


Payload = (
    RawPayload
    | ActivateFirmwareCommand | ActivateFirmwareAccepted | ActivateFirmwareOutcome | ActivateFirmwareAlert
    | ReadFirmwareVersionCommand | ReadFirmwareVersionResponse
    | FirmwareActivationAlert | FirmwareTransferAlert
    | DlmsAlert | DlmsFirmwareReceiptAlert | GbzAlert | GbzFirmwareReceiptAlert
)

#: Payload types that carry an alert code.
ALERT_PAYLOADS = (ActivateFirmwareAlert, FirmwareActivationAlert, FirmwareTransferAlert,
                  DlmsAlert, DlmsFirmwareReceiptAlert, GbzAlert, GbzFirmwareReceiptAlert)

_Decoder = Callable[..., Payload]

#: (message code, CRA or None for any) -> decoder of the payload that message code names.
_BY_MESSAGE_CODE: dict[tuple[int, Cra | None], _Decoder] = {
    (MessageCode.ACTIVATE_FIRMWARE, Cra.COMMAND): ActivateFirmwareCommand.decode,
    (MessageCode.ACTIVATE_FIRMWARE, Cra.RESPONSE): decode_activate_firmware_response,
    (MessageCode.FUTURE_DATED_FIRMWARE_ACTIVATION_ALERT, None): ActivateFirmwareAlert.decode,
    (MessageCode.READ_FIRMWARE_VERSION, Cra.COMMAND): ReadFirmwareVersionCommand.decode,
    (MessageCode.READ_FIRMWARE_VERSION, Cra.RESPONSE): ReadFirmwareVersionResponse.decode,
    (MessageCode.READ_FIRMWARE_VERSION, Cra.ALERT): FirmwareActivationAlert.decode,
    (MessageCode.PPMID_FIRMWARE_ACTIVATION_ALERT, None): FirmwareActivationAlert.decode,
    (MessageCode.FIRMWARE_TRANSFER_ALERT, None): FirmwareTransferAlert.decode,
    (MessageCode.FIRMWARE_RECEIPT_DLMS, None): DlmsFirmwareReceiptAlert.decode,
    (MessageCode.FIRMWARE_RECEIPT_GBZ, None): GbzFirmwareReceiptAlert.decode,
}

_DLMS_DATA_NOTIFICATION = 0x0F
_GBZ_PROFILE = b"\x01\x09"


def _sniffed_decoder(content: bytes, cra: Cra) -> _Decoder | None:
    if content[:1] == bytes([_DLMS_DATA_NOTIFICATION]):
        return DlmsAlert.decode
    if content[:2] == _GBZ_PROFILE and cra is Cra.ALERT:
        return GbzAlert.decode
    return None


def decode_payload(message: GbcsMessage) -> Payload:
    """The payload of ``message``, typed where this package knows it, else raw.

    Error offsets count from the start of the encoded message.
    """
    content = message.content
    named = (_BY_MESSAGE_CODE.get((message.message_code, message.cra))
             or _BY_MESSAGE_CODE.get((message.message_code, None)))
    if named is not None:
        return named(content, offset=content_offset(message))
    sniffed = _sniffed_decoder(content, message.cra)
    if sniffed is not None:
        try:
            return sniffed(content, offset=content_offset(message))
        except DecodeError:
            pass  # sniffing is a guess: bytes that only look like an alert stay raw
    return RawPayload(content)


def encode_payload(payload: Payload) -> bytes:
    """The payload's bytes, for a message's ``content``."""
    return payload.encode()


def alert_code_of(payload: Payload) -> int | None:
    """The alert code a payload carries, if it is an alert."""
    return payload.alert_code if isinstance(payload, ALERT_PAYLOADS) else None
