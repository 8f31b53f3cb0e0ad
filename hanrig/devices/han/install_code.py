"""Install codes: the link key a device joins with, derived as the Zigbee specification says.

An install code is 6, 8, 12 or 16 bytes followed by their CRC-16 (X.25, least significant
byte first), checked where the config is read (``hanrig.bench.identity``). The link key
is the AES-MMO hash of the code and its CRC.
"""

from __future__ import annotations

from hanrig.cbke.mmo import aes_mmo_hash


def link_key_from_install_code(code_with_crc: bytes) -> bytes:
    """The 16-byte link key of an install code (with its CRC, as ``hanrig.bench.identity`` read it)."""
    return aes_mmo_hash(code_with_crc)
