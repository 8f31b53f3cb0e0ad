"""One side of a key establishment: ephemeral keys, the shared secret, the derived keys and MACs.

What the Key Establishment cluster exchanges (ZSE annex C.4.2): each side's certificate,
then each side's ephemeral public key, then the MACs that confirm both derived the same
keys. The keying data is KDF(Z) = H(Z || 00000001) || H(Z || 00000002) with H the AES-MMO
hash; its first half keys the MACs, its second half is the new APS link key. The initiator
(U) sends MACU = MAC(02 || ID_U || ID_V || E_U || E_V), the responder MACV = MAC(03 ||
ID_V || ID_U || E_V || E_U), where the IDs are the certificates' subjects and the E the
compressed ephemeral public keys. [inferred: no outside vector for the KDF and MAC layout
was found; they follow the annex as quoted by open implementations, see docs/cbke.md]
"""

from __future__ import annotations

from dataclasses import dataclass

from hanrig.cbke.certificate import ImplicitCertificate, decode_certificate
from hanrig.cbke.ecmqv import shared_secret
from hanrig.cbke.ecqv import ScalarSource, reconstruct_public_key
from hanrig.cbke.errors import CertificateError, CredentialsError
from hanrig.cbke.mmo import aes_mmo_hash, hmac_mmo
from hanrig.cbke.suites import CryptoSuite

INITIATOR_TAG = b"\x02"
RESPONDER_TAG = b"\x03"


@dataclass(frozen=True)
class Credentials:
    """What a party holds before key establishment: its certificate, its private key and its CA's public key."""

    suite: CryptoSuite
    certificate: bytes
    private_key: int
    ca_public_key: bytes

    def __post_init__(self) -> None:
        certificate = decode_certificate(self.suite, self.certificate)
        if len(self.ca_public_key) != self.suite.public_key_length:
            raise CredentialsError(f"a {self.suite.name} CA public key is {self.suite.public_key_length} octets")
        if self.suite.curve.base_multiply(self.private_key) != reconstruct_public_key(certificate, self.ca_public_key):
            raise CredentialsError("the private key does not belong to the certificate")

    @property
    def decoded(self) -> ImplicitCertificate:
        return decode_certificate(self.suite, self.certificate)

    @property
    def issuer(self) -> bytes:
        return self.decoded.issuer


@dataclass(frozen=True)
class EphemeralKey:
    private_key: int
    public_key: bytes


def generate_ephemeral(suite: CryptoSuite, scalars: ScalarSource) -> EphemeralKey:
    private_key = scalars(suite.curve.order)
    return EphemeralKey(private_key, suite.curve.encode(suite.curve.base_multiply(private_key)))


@dataclass(frozen=True)
class Agreement:
    """What both sides compute once they hold each other's certificate and ephemeral key."""

    initiator_mac: bytes
    responder_mac: bytes
    link_key: bytes
    partner: ImplicitCertificate


def agree(
    credentials: Credentials,
    ephemeral: EphemeralKey,
    *,
    initiator: bool,
    partner_certificate: bytes,
    partner_ephemeral: bytes,
) -> Agreement:
    """The MACs both sides send and the link key, from one side's view.

    Raises :class:`CertificateError` or :class:`PointError` when the partner's data is not
    a certificate or a point of the suite's curve.
    """
    suite = credentials.suite
    curve = suite.curve
    partner = decode_certificate(suite, partner_certificate)
    if partner.issuer != credentials.issuer:
        raise CertificateError("the partner's certificate has another issuer", field="issuer")
    z = shared_secret(
        curve,
        static_private=credentials.private_key,
        ephemeral_private=ephemeral.private_key,
        ephemeral_public=curve.decode(ephemeral.public_key, full_validation=False),
        peer_static=reconstruct_public_key(partner, credentials.ca_public_key),
        peer_ephemeral=curve.decode(partner_ephemeral, full_validation=False),
    )
    mac_key, link_key = derive_keys(z)
    own_id = credentials.decoded.subject
    if initiator:
        ids = (own_id, partner.subject, ephemeral.public_key, partner_ephemeral)
    else:
        ids = (partner.subject, own_id, partner_ephemeral, ephemeral.public_key)
    id_u, id_v, e_u, e_v = ids
    return Agreement(
        initiator_mac=hmac_mmo(mac_key, INITIATOR_TAG + id_u + id_v + e_u + e_v),
        responder_mac=hmac_mmo(mac_key, RESPONDER_TAG + id_v + id_u + e_v + e_u),
        link_key=link_key,
        partner=partner,
    )


def derive_keys(shared: bytes) -> tuple[bytes, bytes]:
    """(MAC key, link key) from the shared secret Z."""
    keying_data = aes_mmo_hash(shared + (1).to_bytes(4, "big")) + aes_mmo_hash(shared + (2).to_bytes(4, "big"))
    return keying_data[:16], keying_data[16:]
