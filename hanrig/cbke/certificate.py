"""Implicit certificates (ECQV) of the two Smart Energy crypto suites, declared with construct.

Suite 1 (48 octets, ZSE 1.1 annex C.4.2.2.1): the public-key reconstruction point, the
subject's EUI-64, the issuer's id and ten octets of profile attribute data. Suite 2
(74 octets, ZSE 1.2): type, serial number, curve, hash, issuer, validity, subject, key
usage and the reconstruction point. Both layouts are checked against Certicom's test
certificates (``tests/cbke``). Decoding keeps the certificate's octets: the ECQV hash
covers exactly them.
"""

from __future__ import annotations

from dataclasses import dataclass

from construct import Bytes, BytesInteger, Const, ConstructError, Int8ub, Int32ub, Struct

from hanrig.cbke.errors import CertificateError
from hanrig.cbke.suites import SUITE_1, SUITE_2, CryptoSuite

SUITE_1_LAYOUT = Struct(
    "public_reconstruction" / Bytes(SUITE_1.public_key_length),
    "subject" / Bytes(8),
    "issuer" / Bytes(8),
    "profile_attributes" / Bytes(10),
)

#: curve and hash identifiers of suite 2 certificates: sect283k1, AES-MMO
SUITE_2_CURVE = 0x0D
SUITE_2_HASH = 0x08

SUITE_2_LAYOUT = Struct(
    "type" / Const(0, Int8ub),
    "serial" / Bytes(8),
    "curve" / Const(SUITE_2_CURVE, Int8ub),
    "hash" / Const(SUITE_2_HASH, Int8ub),
    "issuer" / Bytes(8),
    "valid_from" / BytesInteger(5),
    "valid_to" / Int32ub,
    "subject" / Bytes(8),
    "key_usage" / Int8ub,
    "public_reconstruction" / Bytes(SUITE_2.public_key_length),
)

_LAYOUTS = {SUITE_1.id: SUITE_1_LAYOUT, SUITE_2.id: SUITE_2_LAYOUT}
#: key usage of a suite 2 certificate for key agreement (0x08) and signing (0x80) [inferred from
#: Certicom's test certificates, which carry 0x08, and ZSE 1.2's key usage bits]
KEY_AGREEMENT = 0x08
#: valid_to meaning "no expiry" in suite 2 certificates (Certicom's test certificates use it)
NO_EXPIRY = 0xFFFFFFFF


@dataclass(frozen=True)
class ImplicitCertificate:
    suite: CryptoSuite
    subject: bytes
    issuer: bytes
    public_reconstruction: bytes
    raw: bytes

    @property
    def subject_eui64(self) -> str:
        """The subject as hanrig writes EUI-64s: 16 hex digits, most significant first."""
        return self.subject.hex().upper()


def decode_certificate(suite: CryptoSuite, data: bytes) -> ImplicitCertificate:
    if len(data) != suite.certificate_length:
        raise CertificateError(f"a {suite.name} certificate is {suite.certificate_length} octets, not {len(data)}")
    try:
        fields = _LAYOUTS[suite.id].parse(data)
    except ConstructError as error:
        raise CertificateError(f"not a {suite.name} certificate: {error}") from None
    return ImplicitCertificate(suite, fields.subject, fields.issuer, fields.public_reconstruction, bytes(data))


def encode_suite_1(*, public_reconstruction: bytes, subject: bytes, issuer: bytes, attributes: bytes) -> bytes:
    return SUITE_1_LAYOUT.build(
        {"public_reconstruction": public_reconstruction, "subject": subject, "issuer": issuer,
         "profile_attributes": attributes}
    )


def encode_suite_2(
    *, public_reconstruction: bytes, subject: bytes, issuer: bytes, serial: bytes, valid_from: int,
    valid_to: int = NO_EXPIRY, key_usage: int = KEY_AGREEMENT,
) -> bytes:
    return SUITE_2_LAYOUT.build(
        {"serial": serial, "issuer": issuer, "valid_from": valid_from, "valid_to": valid_to, "subject": subject,
         "key_usage": key_usage, "public_reconstruction": public_reconstruction}
    )
