"""ECQV implicit certificates (SEC 4): reconstructing a public key, and a CA that issues them.

The hash of a certificate is the AES-MMO digest of all its octets, read as a big-endian
integer (ZSE annex C.4.2.2; checked against Certicom's test certificates of both suites).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from hanrig.cbke.certificate import ImplicitCertificate, decode_certificate
from hanrig.cbke.curve import Point
from hanrig.cbke.errors import CertificateError, CredentialsError
from hanrig.cbke.mmo import aes_mmo_hash
from hanrig.cbke.suites import CryptoSuite

#: draws a scalar in [1, n - 1]; seeded in tests and for the project's test CA
ScalarSource = Callable[[int], int]


def certificate_hash(certificate: bytes) -> int:
    return int.from_bytes(aes_mmo_hash(certificate), "big")


def reconstruct_public_key(certificate: ImplicitCertificate, ca_public_key: bytes) -> tuple[int, int]:
    """The subject's public key: e * P_U + Q_CA."""
    curve = certificate.suite.curve
    # partially validated: the key is used only in ECMQV, which multiplies by the cofactor
    reconstruction = curve.decode(certificate.public_reconstruction, full_validation=False)
    ca_point = curve.decode(ca_public_key, full_validation=False)
    public = curve.add(curve.multiply(certificate_hash(certificate.raw), reconstruction), ca_point)
    if public is None:
        raise CertificateError("the certificate reconstructs the point at infinity", field="public_reconstruction")
    return public


def private_key_matches(certificate: ImplicitCertificate, ca_public_key: bytes, private_key: int) -> bool:
    curve = certificate.suite.curve
    return curve.base_multiply(private_key) == reconstruct_public_key(certificate, ca_public_key)


@dataclass(frozen=True)
class Issued:
    """What a CA hands a device: its certificate and its private key."""

    certificate: bytes
    private_key: int


@dataclass(frozen=True)
class CertificateAuthority:
    """An ECQV issuer: its private key and the 8-octet issuer id its certificates carry."""

    suite: CryptoSuite
    private_key: int
    issuer: bytes

    def __post_init__(self) -> None:
        if not 0 < self.private_key < self.suite.curve.order:
            raise CredentialsError("the CA's private key is not in [1, n-1]")
        if len(self.issuer) != 8:
            raise CredentialsError(f"an issuer id is 8 octets, not {len(self.issuer)}")

    @property
    def public_key(self) -> bytes:
        return self.suite.curve.encode(self.suite.curve.base_multiply(self.private_key))

    def issue(self, build: Callable[[bytes], bytes], scalars: ScalarSource) -> Issued:
        """Issue one certificate; ``build`` lays out its fields around the reconstruction point.

        The request and the CA's own contribution are made in one place, as a test CA may:
        the device's request key k_U and the CA's k both come from ``scalars``.
        """
        curve = self.suite.curve
        n = curve.order
        while True:
            request_key = scalars(n)
            ca_key = scalars(n)
            reconstruction: Point = curve.add(curve.base_multiply(request_key), curve.base_multiply(ca_key))
            if reconstruction is None:
                continue
            certificate = build(curve.encode(reconstruction))
            decode_certificate(self.suite, certificate)
            e = certificate_hash(certificate)
            private_key = (e * request_key + e * ca_key + self.private_key) % n
            if private_key:
                return Issued(certificate, private_key)
