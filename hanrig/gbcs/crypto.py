"""GBCS cryptographic primitives: ECDSA P-256 raw signatures, the GBCS KDF and GMAC.

Only ``cryptography`` does the work; this module fixes the GBCS choices (curve, hash,
signature encoding, KDF OtherInfo, IV and tag length) in one place.
"""

from __future__ import annotations

import enum
import hashlib

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from hanrig.gbcs.errors import CryptoError
from hanrig.gbcs.eui import Eui64

SIGNATURE_LENGTH = 64
_COORDINATE = 32
#: AlgorithmID of the GBCS KDF OtherInfo (GBCS §4).
_KDF_ALGORITHM_ID = bytes.fromhex("60857406080300")
GMAC_TAG_LENGTH = 12


class Verdict(enum.StrEnum):
    """The outcome of checking a signature or a MAC."""

    VALID = "valid"
    INVALID = "invalid"
    ABSENT = "absent"
    NO_KEY = "no-key"


class KdfMode(enum.IntEnum):
    """The byte after ``09`` in the KDF OtherInfo: which kind of message the key protects."""

    COMMAND = 1
    RESPONSE = 2
    ALERT = 3
    PAYLOAD_ENCRYPTION = 4


def _check_p256(key: ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey) -> None:
    if not isinstance(key.curve, ec.SECP256R1):
        raise CryptoError(f"GBCS keys are on P-256, not {key.curve.name}")


def ecdsa_sign(private_key: ec.EllipticCurvePrivateKey, data: bytes) -> bytes:
    """ECDSA P-256 / SHA-256 over ``data``, as GBCS sends it: raw ``r || s`` (64 bytes)."""
    _check_p256(private_key)
    r, s = decode_dss_signature(private_key.sign(data, ec.ECDSA(hashes.SHA256())))
    return r.to_bytes(_COORDINATE, "big") + s.to_bytes(_COORDINATE, "big")


def ecdsa_verify(public_key: ec.EllipticCurvePublicKey, data: bytes, signature: bytes) -> bool:
    """Whether ``signature`` (raw ``r || s``) is a valid P-256 / SHA-256 signature of ``data``."""
    _check_p256(public_key)
    if len(signature) != SIGNATURE_LENGTH:
        return False
    r = int.from_bytes(signature[:_COORDINATE], "big")
    s = int.from_bytes(signature[_COORDINATE:], "big")
    try:
        public_key.verify(encode_dss_signature(r, s), data, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True


def derive_key(
    private_key: ec.EllipticCurvePrivateKey,
    public_key: ec.EllipticCurvePublicKey,
    *,
    mode: KdfMode,
    originator: Eui64,
    counter: int,
    recipient: Eui64,
) -> bytes:
    """The 16-byte AES key GBCS derives for one message (GBCS §4, single-step KDF).

    Key = first 16 bytes of SHA-256(``00000001`` || Z || OtherInfo), Z the P-256 ECDH
    shared secret, OtherInfo = AlgorithmID || originator || ``09`` || mode || counter ||
    recipient. Either party's private key with the other's public key gives the same key.
    """
    _check_p256(private_key)
    _check_p256(public_key)
    shared_secret = private_key.exchange(ec.ECDH(), public_key)
    other_info = (_KDF_ALGORITHM_ID + originator.octets + bytes([0x09, mode])
                  + counter.to_bytes(8, "big") + recipient.octets)
    return hashlib.sha256(b"\x00\x00\x00\x01" + shared_secret + other_info).digest()[:16]


def gmac(key: bytes, iv: bytes, authenticated_data: bytes) -> bytes:
    """AES-128-GCM over an empty plaintext: the 12-byte tag authenticating ``authenticated_data``."""
    encryptor = Cipher(algorithms.AES(key), modes.GCM(iv, min_tag_length=GMAC_TAG_LENGTH)).encryptor()
    encryptor.authenticate_additional_data(authenticated_data)
    encryptor.finalize()
    return encryptor.tag[:GMAC_TAG_LENGTH]
