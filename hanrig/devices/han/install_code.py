"""Install codes: the link key a device joins with, derived as the Zigbee specification says.

An install code is 6, 8, 12 or 16 bytes followed by their CRC-16 (X.25, least significant
byte first), checked where the config is read (``hanrig.bench.identity``). The link key
is the AES-MMO hash of the code and its CRC.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK = 16


def aes_mmo_hash(data: bytes) -> bytes:
    """The Matyas-Meyer-Oseas hash with AES-128 and the Zigbee padding (bit length at the end)."""
    bit_length = len(data) * 8
    padded = data + b"\x80"
    while len(padded) % BLOCK != BLOCK - 2:
        padded += b"\x00"
    padded += bit_length.to_bytes(2, "big")
    digest = bytes(BLOCK)
    for start in range(0, len(padded), BLOCK):
        block = padded[start : start + BLOCK]
        encryptor = Cipher(algorithms.AES(digest), modes.ECB()).encryptor()
        encrypted = encryptor.update(block) + encryptor.finalize()
        digest = bytes(a ^ b for a, b in zip(encrypted, block, strict=True))
    return digest


def link_key_from_install_code(code_with_crc: bytes) -> bytes:
    """The 16-byte link key of an install code (with its CRC, as ``hanrig.bench.identity`` read it)."""
    return aes_mmo_hash(code_with_crc)
