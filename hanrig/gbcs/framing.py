"""GBCS message framing: the General Ciphering MAC header around the General Signing APDU.

Wire layout (GBCS §7; reference notes §1)::

    [DD 00 00 00 00 00 00 | len | 11 00000000 |]        MAC header, absent for DF-only messages
    DF 09 | CRA | counter(8) | 08 originator(8) | 08 recipient(8) | date-time (00 or 0C+12)
       | len other-information: message code(2) [remote party(8) [counter(8) [originator counter(8) | cert]]]
       | len content | [len signature]                    no signature length at all: a pre-command
    [| MAC(12)]

Decoding then encoding gives back the input exactly: the encodings of lengths are kept
in :class:`Layout`. Payloads stay bytes here; :mod:`gbcs.payloads` interprets them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from typing import Any

import construct as c

from hanrig.gbcs import registry
from hanrig.gbcs.binary import (
    Eui64Field,
    LengthPrefixed,
    Sized,
    StrictEnum,
    Validated,
    Widths,
    build,
    parse,
    present,
    remaining,
)
from hanrig.gbcs.dlms import DlmsDateTime, DlmsDateTimeField
from hanrig.gbcs.errors import DecodeError, EncodeError, UnsupportedError
from hanrig.gbcs.eui import Eui64

GENERAL_CIPHERING = 0xDD
GENERAL_SIGNING = 0xDF
#: Security control 0x11 (authentication only) and a zero invocation counter: all GBCS uses.
SECURITY_HEADER = bytes.fromhex("1100000000")
MAC_LENGTH = 12


class Cra(enum.IntEnum):
    """The CRA flag: what kind of message this is."""

    COMMAND = 1
    RESPONSE = 2
    ALERT = 3


@dataclass(frozen=True)
class Layout:
    """How lengths were written where not in the shortest form (None: the shortest).

    Each such length is stored as the number of bytes after its first byte (0: one-byte form).
    ``signature_field`` is False for a pre-command, which has no signature length at all.
    """

    ciphered_length: int | None = None
    other_information_length: int | None = None
    content_length: int | None = None
    signature_length: int | None = None
    signature_field: bool = True

    def widths(self) -> Widths:
        return {name: width for name, width in vars(self).items()
                if name.endswith("_length") and width is not None}


@dataclass(frozen=True)
class GbcsMessage:
    """One GBCS message: grouping header, content (payload bytes), signature and MAC.

    ``mac`` is None for a DF-only message (critical alerts, responses and pre-commands in
    RTDS); ``signature`` is None when there is none. The supplementary remote party
    fields are those of the other-information, in order; each needs the one before it,
    and the last is either ``supplementary_originator_counter`` or
    ``remote_party_ka_certificate``.
    """

    cra: Cra
    counter: int
    originator: Eui64
    recipient: Eui64
    message_code: int
    content: bytes
    date_time: DlmsDateTime | None = None
    remote_party: Eui64 | None = None
    remote_party_counter: int | None = None
    supplementary_originator_counter: int | None = None
    remote_party_ka_certificate: bytes | None = None
    signature: bytes | None = None
    mac: bytes | None = None
    layout: Layout = field(default_factory=Layout)

    def __post_init__(self) -> None:
        # Take EUIs in any spelling people paste; keep the canonical form.
        for name in ("originator", "recipient", "remote_party"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, Eui64):
                object.__setattr__(self, name, Eui64(value))

    @property
    def is_precommand(self) -> bool:
        """A pre-command: DF-only, with no signature length byte, waiting to be signed."""
        return not self.layout.signature_field

    @property
    def use_case(self) -> str | None:
        """The use case the message code belongs to (e.g. ``CCS08``), if known."""
        info = registry.message_code(self.message_code)
        return info.use_case if info else None

    @property
    def message_name(self) -> str | None:
        info = registry.message_code(self.message_code)
        return info.name if info else None


_OTHER_INFORMATION = c.Struct(
    "message_code" / c.Int16ub,
    "remote_party" / c.If(present("remote_party"), Eui64Field),
    "remote_party_counter" / c.If(present("remote_party_counter"), c.Int64ub),
    # Exactly 8 more bytes are the supplementary originator counter; more are a KA certificate.
    "supplementary_originator_counter" / c.If(
        present("supplementary_originator_counter", lambda this: remaining(this) == 8), c.Int64ub),
    "remote_party_ka_certificate" / c.If(
        present("remote_party_ka_certificate", lambda this: remaining(this) > 8), c.GreedyBytes),
)


class _OptionalDateTime(c.Adapter):
    """The grouping header's date-time: ``00`` when absent, else ``0C`` and a DLMS date-time."""

    def _decode(self, obj: c.Container, context: c.Container, path: str) -> DlmsDateTime | None:
        return obj.value

    def _encode(self, obj: DlmsDateTime | None, context: c.Container, path: str) -> dict[str, Any]:
        return {"date_time_length": 0 if obj is None else 12, "value": obj}


_DATE_TIME = _OptionalDateTime(c.Struct(
    "date_time_length" / Validated(c.Int8ub, lambda length: length in (0, 12),
                                   "date-time length {} is neither 0 nor 12"),
    "value" / c.If(c.this.date_time_length == 12, DlmsDateTimeField),
))

_GENERAL_SIGNING = c.Struct(
    c.Const(bytes([GENERAL_SIGNING])),
    "transaction_id_length" / c.Const(b"\x09"),
    "cra_flag" / StrictEnum(c.Int8ub, Cra, "CRA flag"),
    "counter" / c.Int64ub,
    "originator" / c.FocusedSeq("eui", c.Const(b"\x08"), "eui" / Eui64Field),
    "recipient" / c.FocusedSeq("eui", c.Const(b"\x08"), "eui" / Eui64Field),
    "date_time" / _DATE_TIME,
    "other_information" / LengthPrefixed(_OTHER_INFORMATION, "other_information_length"),
    "content" / LengthPrefixed(c.GreedyBytes, "content_length"),
    "signature" / c.If(present("signature"), LengthPrefixed(c.GreedyBytes, "signature_length")),
)

_GENERAL_CIPHERING = c.Struct(
    c.Const(bytes([GENERAL_CIPHERING])),
    # Transaction id, originator and recipient system titles, date-time, other-information
    # and key-info: all empty in GBCS, which carries them in the grouping header instead.
    "empty_fields" / c.Const(bytes(6)),
    "ciphered_service" / LengthPrefixed(c.Struct(
        "security_header" / c.Const(SECURITY_HEADER),
        "apdu" / Sized(lambda this: remaining(this) - MAC_LENGTH, _GENERAL_SIGNING),
        "mac" / c.Bytes(MAC_LENGTH),
    ), "ciphered_length"),
)


def _check_supported(data: bytes) -> None:
    if not data:
        raise DecodeError("empty input: no GBCS frame", offset=0)
    if data[0] == GENERAL_CIPHERING and len(data) > 1 and data[1] != 0:
        raise UnsupportedError("General Block Transfer (segmented message) is not supported",
                               offset=1, field="general ciphering")
    if data[0] not in (GENERAL_CIPHERING, GENERAL_SIGNING):
        raise DecodeError(f"unknown frame tag 0x{data[0]:02X} (expected DD or DF)", offset=0,
                          field="frame tag")


def decode(data: bytes) -> GbcsMessage:
    """Decode one GBCS message (DD-wrapped or DF-only) from its bytes."""
    _check_supported(data)
    if data[0] == GENERAL_CIPHERING:
        frame, widths = parse(_GENERAL_CIPHERING, data, what="GBCS message")
        apdu, mac = frame.ciphered_service.apdu, frame.ciphered_service.mac
    else:
        apdu, widths = parse(_GENERAL_SIGNING, data, what="GBCS message")
        mac = None
    other = apdu.other_information
    signature = apdu.signature
    layout = Layout(signature_field=signature is not None, **widths)
    return GbcsMessage(
        cra=apdu.cra_flag,
        counter=apdu.counter,
        originator=apdu.originator,
        recipient=apdu.recipient,
        message_code=other.message_code,
        content=apdu.content,
        date_time=apdu.date_time,
        remote_party=other.remote_party,
        remote_party_counter=other.remote_party_counter,
        supplementary_originator_counter=other.supplementary_originator_counter,
        remote_party_ka_certificate=other.remote_party_ka_certificate,
        signature=signature or None,
        mac=mac,
        layout=layout,
    )


def _check_encodable(message: GbcsMessage) -> None:
    last = message.supplementary_originator_counter
    chain = (message.remote_party, message.remote_party_counter,
             message.remote_party_ka_certificate if last is None else last)
    for earlier, later in zip(chain, chain[1:], strict=False):
        if earlier is None and later is not None:
            raise EncodeError("supplementary remote party fields must be filled in order",
                              field="other information")
    if None not in (message.supplementary_originator_counter, message.remote_party_ka_certificate):
        raise EncodeError("other information holds an originator counter or a KA certificate, not both",
                          field="other information")
    if message.remote_party_ka_certificate is not None and len(message.remote_party_ka_certificate) <= 8:
        raise EncodeError("a KA certificate must be longer than 8 bytes", field="other information")
    if message.signature is not None and not message.layout.signature_field:
        raise EncodeError("a pre-command has no signature field, yet a signature is given", field="signature")
    if message.mac is not None and len(message.mac) != MAC_LENGTH:
        raise EncodeError(f"a MAC is {MAC_LENGTH} bytes, got {len(message.mac)}", field="MAC")


def _apdu_value(message: GbcsMessage) -> dict[str, Any]:
    signature = None
    if message.layout.signature_field:
        signature = message.signature or b""
    return {
        "cra_flag": message.cra,
        "counter": message.counter,
        "originator": message.originator,
        "recipient": message.recipient,
        "date_time": message.date_time,
        "other_information": {
            "message_code": message.message_code,
            "remote_party": message.remote_party,
            "remote_party_counter": message.remote_party_counter,
            "supplementary_originator_counter": message.supplementary_originator_counter,
            "remote_party_ka_certificate": message.remote_party_ka_certificate,
        },
        "content": message.content,
        "signature": signature,
    }


def general_signing_apdu(message: GbcsMessage) -> bytes:
    """The DF APDU as sent: grouping header, content and signature fields."""
    _check_encodable(message)
    return build(_GENERAL_SIGNING, _apdu_value(message), what="GBCS message", widths=message.layout.widths())


def signed_data(message: GbcsMessage) -> bytes:
    """The bytes a GBCS signature covers: from the byte after ``DF`` to the end of the content."""
    unsigned = replace(message, signature=None, layout=replace(message.layout, signature_field=False))
    return general_signing_apdu(unsigned)[1:]


def content_offset(message: GbcsMessage) -> int:
    """Where the content (payload) starts in the encoded message."""
    end_of_content = len(signed_data(message)) + 1
    prefix = len(encode(message)) - len(general_signing_apdu(message)) - (MAC_LENGTH if message.mac else 0)
    return prefix + end_of_content - len(message.content)


def encode(message: GbcsMessage) -> bytes:
    """Encode a message; a decoded message encodes back to exactly the bytes it came from."""
    if message.mac is None:
        return general_signing_apdu(message)
    _check_encodable(message)
    frame = {"ciphered_service": {"apdu": _apdu_value(message), "mac": message.mac}}
    return build(_GENERAL_CIPHERING, frame, what="GBCS message", widths=message.layout.widths())
