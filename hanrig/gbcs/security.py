"""Signing and MAC'ing whole GBCS messages, and checking both against a keystore.

*Signature*: ECDSA over :func:`gbcs.framing.signed_data`, by the originator's
digital-signing (DS) key.

*MAC*: GMAC with the GBCS KDF key of the two parties, IV = originator system title ||
the security header's zero invocation counter, and authenticated data = ``11 00000000 00``
|| the whole DF APDU (signature fields included). The extra ``00`` after the 5-byte
security header is what makes every RTDS MAC verify [V-run]; the reference notes
record the same 6 bytes. Commands are MAC'd between the Access Control Broker and the
recipient, whoever the grouping header names as originator; responses and alerts
between originator and recipient. The KDF always uses the grouping header's
originator, counter and recipient.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from cryptography.hazmat.primitives.asymmetric import ec

from hanrig.gbcs.crypto import KdfMode, Verdict, derive_key, ecdsa_sign, ecdsa_verify, gmac
from hanrig.gbcs.eui import RTDS_ACB, Eui64
from hanrig.gbcs.framing import SECURITY_HEADER, Cra, GbcsMessage, general_signing_apdu, signed_data
from hanrig.gbcs.keystore import KeyStore, KeyUsage
from hanrig.gbcs.registry import MessageCode

_MAC_AAD_PREFIX = SECURITY_HEADER + b"\x00"
_INVOCATION_COUNTER = SECURITY_HEADER[1:]


@dataclass(frozen=True)
class Verification:
    """Both checks of one message."""

    signature: Verdict
    mac: Verdict

    @property
    def failed(self) -> bool:
        """True when either check found something wrong (a verdict, not a missing key)."""
        return Verdict.INVALID in (self.signature, self.mac)


@dataclass(frozen=True)
class Protection:
    """What GBCS puts on a message: its originator's signature, a MAC, or both."""

    signed: bool
    maced: bool


_SIGNED, _MACED = Protection(signed=True, maced=False), Protection(signed=False, maced=True)

#: What GBCS puts on the messages of the firmware use cases, as every DCC RTDS 4.5.0 vector of
#: each (message code, CRA) carries it.
PROTECTIONS: dict[tuple[int, Cra], Protection] = {
    (MessageCode.ACTIVATE_FIRMWARE, Cra.COMMAND): Protection(signed=True, maced=True),
    (MessageCode.ACTIVATE_FIRMWARE, Cra.RESPONSE): _SIGNED,
    (MessageCode.FUTURE_DATED_FIRMWARE_ACTIVATION_ALERT, Cra.ALERT): _SIGNED,
    (MessageCode.FIRMWARE_RECEIPT_DLMS, Cra.ALERT): _SIGNED,
    (MessageCode.FIRMWARE_RECEIPT_GBZ, Cra.ALERT): _SIGNED,
    (MessageCode.FIRMWARE_TRANSFER_ALERT, Cra.ALERT): _SIGNED,
    (MessageCode.READ_FIRMWARE_VERSION, Cra.COMMAND): _MACED,
    (MessageCode.READ_FIRMWARE_VERSION, Cra.RESPONSE): _MACED,
    (MessageCode.PPMID_FIRMWARE_ACTIVATION_ALERT, Cra.ALERT): _SIGNED,
    (MessageCode.GENERIC_CRITICAL_ALERT, Cra.ALERT): _SIGNED,
    (MessageCode.GENERIC_NON_CRITICAL_ALERT, Cra.ALERT): _MACED,
}


def required_protection(message: GbcsMessage) -> Protection:
    """What GBCS requires on this message; for one outside the table, what it carries."""
    carried = Protection(signed=message.signature is not None, maced=message.mac is not None)
    return PROTECTIONS.get((message.message_code, message.cra), carried)


def authentic(message: GbcsMessage, verification: Verification) -> bool:
    """Every protection GBCS requires is there and verifies with a held key, and nothing it carries fails.

    A signature or MAC that is absent, or that no key in the keystore can check, is not
    authentic: what cannot be checked does not count as checked.
    """
    required = required_protection(message)
    return (not verification.failed
            and (not required.signed or verification.signature is Verdict.VALID)
            and (not required.maced or verification.mac is Verdict.VALID))


def sign(message: GbcsMessage, ds_private_key: ec.EllipticCurvePrivateKey) -> GbcsMessage:
    """The message signed by its originator (a pre-command becomes a signed one)."""
    signed = replace(message, signature=None, layout=replace(message.layout, signature_field=True))
    return replace(signed, signature=ecdsa_sign(ds_private_key, signed_data(signed)))


def verify_signature(message: GbcsMessage, ds_public_key: ec.EllipticCurvePublicKey | None) -> Verdict:
    """Check the signature with the originator's DS public key (None: the key is not held)."""
    if message.signature is None:
        return Verdict.ABSENT
    if ds_public_key is None:
        return Verdict.NO_KEY
    valid = ecdsa_verify(ds_public_key, signed_data(message), message.signature)
    return Verdict.VALID if valid else Verdict.INVALID


def _mac_over(message: GbcsMessage, key: bytes) -> bytes:
    iv = message.originator.octets + _INVOCATION_COUNTER
    return gmac(key, iv, _MAC_AAD_PREFIX + general_signing_apdu(message))


def _message_key(message: GbcsMessage, ka_private_key: ec.EllipticCurvePrivateKey,
                 peer_ka_public_key: ec.EllipticCurvePublicKey) -> bytes:
    return derive_key(ka_private_key, peer_ka_public_key, mode=KdfMode(message.cra),
                      originator=message.originator, counter=message.counter, recipient=message.recipient)


def add_mac(message: GbcsMessage, ka_private_key: ec.EllipticCurvePrivateKey,
            peer_ka_public_key: ec.EllipticCurvePublicKey) -> GbcsMessage:
    """The message wrapped in the General Ciphering MAC header.

    Pass one MAC party's KA private key and the other's KA public key; for a command the
    parties are the ACB and the recipient, otherwise the originator and the recipient.
    """
    return replace(message, mac=_mac_over(message, _message_key(message, ka_private_key, peer_ka_public_key)))


def verify_mac(message: GbcsMessage, ka_private_key: ec.EllipticCurvePrivateKey | None,
               peer_ka_public_key: ec.EllipticCurvePublicKey | None) -> Verdict:
    """Check the MAC with one party's KA private key and the other's KA public key."""
    if message.mac is None:
        return Verdict.ABSENT
    if ka_private_key is None or peer_ka_public_key is None:
        return Verdict.NO_KEY
    expected = _mac_over(message, _message_key(message, ka_private_key, peer_ka_public_key))
    return Verdict.VALID if expected == message.mac else Verdict.INVALID


def mac_parties(message: GbcsMessage, acb: Eui64 = RTDS_ACB) -> tuple[Eui64, Eui64]:
    """The two parties whose KA keys protect the message's MAC."""
    first = acb if message.cra is Cra.COMMAND else message.originator
    return first, message.recipient


def _mac_verdict(message: GbcsMessage, keystore: KeyStore, acb: Eui64) -> Verdict:
    if message.mac is None:
        return Verdict.ABSENT
    one, other = mac_parties(message, acb)
    for holder, peer in ((one, other), (other, one)):
        private = keystore.private_key(holder, KeyUsage.KEY_AGREEMENT)
        public = keystore.public_key(peer, KeyUsage.KEY_AGREEMENT)
        if private is not None and public is not None:
            return verify_mac(message, private, public)
    return Verdict.NO_KEY


def verify(message: GbcsMessage, keystore: KeyStore, *, acb: Eui64 = RTDS_ACB) -> Verification:
    """Check signature and MAC with whatever keys ``keystore`` holds."""
    signature = verify_signature(message, keystore.public_key(message.originator, KeyUsage.DIGITAL_SIGNING))
    return Verification(signature=signature, mac=_mac_verdict(message, keystore, acb))
