"""Who a HAN device is: what the Communications Hub knows of it before it hears from it.

    devices:
      - name: ppmid
        type: ppmid                        # ppmid or hcalcs
        physical:                          # or emulated: (these keys and the emulator's own)
          eui64: 00-0D-6F-00-00-00-00-A4
          install_code: 83FED3407A939723A5C639B26916D505C3B5   # how it joins (in the CH's device log)
          manufacturer_code: 0x121D        # its firmware identity, as its OTA client reports it
          image_type: 0x0084
          hardware_version: 0x1111
          firmware_version: 0x00000001
          cbke: {suite: 2, issuer: 5445535453454341}   # it runs CBKE with the CH (omit: it does not)

The same keys say who a device is whether it is a real one or the emulator plays it, so
the rig learns about an emulated device exactly as it does about a physical one.
"""

from __future__ import annotations

from dataclasses import dataclass

from hanrig.bench.errors import SpecError
from hanrig.bench.fields import REQUIRED, Fields
from hanrig.gbcs import Eui64
from hanrig.testpki.cbke import TEST_ISSUER

#: the HAN devices SECMP0007 updates over the air
GB_DEVICE_TYPES = ("ppmid", "hcalcs")
#: the keys of a device's firmware identity, which an emulated GB device must have
FIRMWARE_KEYS = ("manufacturer_code", "image_type", "hardware_version", "firmware_version")
#: the keys ``read_identity`` reads; the rest of an ``emulated:`` block is the emulator's
IDENTITY_KEYS = ("eui64", "install_code", "cbke", *FIRMWARE_KEYS)
#: the crypto suite of a device that does not say: suite 2 (sect283k1). ZSE 1.2 added it and GBCS
#: v0.8.1 aligns with ZSE 1.2a; that GB HAN devices use suite 2 is inferred, no public GB text says it [INF]
DEFAULT_CBKE_SUITE = 2
#: an install code is this many octets, then its CRC (Zigbee 3.0 Base Device Behaviour, 10.1)
INSTALL_CODE_LENGTHS = (6, 8, 12, 16)
#: 0xFFFFFFFF is the OTA cluster's wildcard file version, never one a device runs
MAX_FIRMWARE_VERSION = 0xFFFFFFFE


@dataclass(frozen=True)
class KeyEstablishment:
    """How a device authenticates to the CH with CBKE before it uses the Smart Energy clusters."""

    suite: int = DEFAULT_CBKE_SUITE
    #: the 8-octet issuer id of the CA that issued the device's certificate
    issuer: bytes = TEST_ISSUER
    #: the implicit certificate the device must present, when the lab knows it (48 or 74 octets)
    certificate: bytes | None = None


@dataclass(frozen=True)
class DeviceIdentity:
    eui64: Eui64
    manufacturer_code: int | None = None
    image_type: int | None = None
    hardware_version: int | None = None
    firmware_version: int | None = None
    #: the install code with its CRC; None for a device that joins with the well-known link key
    install_code: bytes | None = None
    #: CBKE with the CH after joining; None for a device that goes straight to its tunnel
    cbke: KeyEstablishment | None = None


def read_identity(block: Fields, *, firmware_required: bool) -> DeviceIdentity:
    """The identity keys of a ``physical:`` or ``emulated:`` block (leaving any others unread)."""
    absent = REQUIRED if firmware_required else None
    return DeviceIdentity(
        eui64=block.eui64("eui64"),
        manufacturer_code=block.integer("manufacturer_code", absent, minimum=0, maximum=0xFFFF),
        image_type=block.integer("image_type", absent, minimum=0, maximum=0xFFFF),
        hardware_version=block.integer("hardware_version", absent, minimum=0, maximum=0xFFFF),
        firmware_version=block.integer("firmware_version", absent, minimum=0, maximum=MAX_FIRMWARE_VERSION),
        install_code=read_install_code(block),
        cbke=read_key_establishment(block),
    )


def read_key_establishment(block: Fields) -> KeyEstablishment | None:
    """``cbke:``: absent or false, no CBKE; ``true`` or a mapping, CBKE with the suite and issuer given."""
    fields = block.optional_mapping("cbke")
    if fields is None:
        return None
    suite = fields.choice("suite", {1: 1, 2: 2}, DEFAULT_CBKE_SUITE)
    issuer = _issuer(fields)
    certificate = fields.hex_bytes("certificate", None, lengths=(48 if suite == 1 else 74,))
    if certificate is not None:
        # where the issuer lies in each suite's certificate (ZSE annex C.4.2.2)
        offset = 30 if suite == 1 else 11
        if certificate[offset:offset + 8] != issuer:
            raise SpecError(fields.at("certificate"), f"was issued by {certificate[offset:offset + 8].hex().upper()}, "
                                                      f"not by the issuer {issuer.hex().upper()} given")
    fields.done()
    return KeyEstablishment(suite, issuer, certificate)


def _issuer(fields: Fields) -> bytes:
    """An issuer id as 16 hex digits, or as 8 characters (``HANRIGCA``, ``TESTSECA``)."""
    text = fields.string("issuer", TEST_ISSUER.decode())
    if len(text) == 8 and text.isascii():
        return text.encode()
    try:
        issuer = bytes.fromhex(text)
    except ValueError:
        issuer = b""
    if len(issuer) != 8:
        raise SpecError(fields.at("issuer"), f"must be 8 characters or 16 hex digits, not {text!r}")
    return issuer


def read_install_code(block: Fields) -> bytes | None:
    code = block.hex_bytes("install_code", None, lengths=tuple(n + 2 for n in INSTALL_CODE_LENGTHS))
    if code is not None:
        expected = crc16_x25(code[:-2]).to_bytes(2, "little")
        if code[-2:] != expected:
            raise SpecError(block.at("install_code"), f"the CRC is {code[-2:].hex().upper()}, the code gives "
                                                      f"{expected.hex().upper()}: a digit is wrong")
    return code


def crc16_x25(data: bytes) -> int:
    """CRC-16/X-25 (reflected CCITT polynomial, initial value and final XOR 0xFFFF), an install code's check."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
    return crc ^ 0xFFFF
