"""Install codes: the link key a device joins with, derived as the Zigbee specification says.

An install code is 6, 8, 12 or 16 bytes followed by their CRC-16 (X.25, least significant
byte first). The link key is the AES-MMO hash of the code and its CRC.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

CODE_LENGTHS = (6, 8, 12, 16)
BLOCK = 16


def crc16_x25(data: bytes) -> int:
    """CRC-16/X-25: reflected CCITT polynomial, initial value and final XOR 0xFFFF."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
    return crc ^ 0xFFFF


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
    """The 16-byte link key; ValueError if the length or the CRC is wrong."""
    code, crc = code_with_crc[:-2], code_with_crc[-2:]
    if len(code) not in CODE_LENGTHS:
        raise ValueError(f"an install code has {', '.join(map(str, CODE_LENGTHS))} bytes plus a 2-byte CRC")
    if crc16_x25(code).to_bytes(2, "little") != crc:
        raise ValueError(
            f"install code CRC is {crc.hex()}, expected {crc16_x25(code).to_bytes(2, 'little').hex()}"
        )
    return aes_mmo_hash(code_with_crc)
