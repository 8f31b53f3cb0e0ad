"""The AES Matyas-Meyer-Oseas hash of the Zigbee specification and the HMAC built on it.

The hash (Zigbee spec, annex B.6) pads the message with a 1 bit, zeros, and its bit length
in 16 bits, then chains AES-128 over 16-octet blocks. Smart Energy keys its MACs with the
HMAC construction of FIPS 198 over that hash, whose block is 16 octets (ZSE, annex C).
"""

from __future__ import annotations

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK = 16
_IPAD = bytes([0x36] * BLOCK)
_OPAD = bytes([0x5C] * BLOCK)


def aes_mmo_hash(data: bytes) -> bytes:
    """The 16-octet digest of ``data`` (shorter than 8192 octets, the padding's limit)."""
    if len(data) * 8 >= 1 << 16:
        raise ValueError("the short-message padding covers messages under 2^16 bits")
    padded = data + b"\x80"
    padded += bytes((BLOCK - 2 - len(padded)) % BLOCK)
    padded += (len(data) * 8).to_bytes(2, "big")
    digest = bytes(BLOCK)
    for start in range(0, len(padded), BLOCK):
        block = padded[start : start + BLOCK]
        encryptor = Cipher(algorithms.AES(digest), modes.ECB()).encryptor()
        encrypted = encryptor.update(block) + encryptor.finalize()
        digest = bytes(a ^ b for a, b in zip(encrypted, block, strict=True))
    return digest


def hmac_mmo(key: bytes, message: bytes) -> bytes:
    """HMAC over the AES-MMO hash; keys longer than a block are hashed first, as FIPS 198 says."""
    if len(key) > BLOCK:
        key = aes_mmo_hash(key)
    key = key.ljust(BLOCK, b"\x00")
    inner = aes_mmo_hash(bytes(k ^ p for k, p in zip(key, _IPAD, strict=True)) + message)
    return aes_mmo_hash(bytes(k ^ p for k, p in zip(key, _OPAD, strict=True)) + inner)
