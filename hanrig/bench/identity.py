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

The same keys say who a device is whether it is a real one or the emulator plays it, so
the rig learns about an emulated device exactly as it does about a physical one.
"""

from __future__ import annotations

from dataclasses import dataclass

from hanrig.bench.errors import SpecError
from hanrig.bench.fields import REQUIRED, Fields
from hanrig.gbcs import Eui64

#: the HAN devices SECMP0007 updates over the air
GB_DEVICE_TYPES = ("ppmid", "hcalcs")
#: the keys of a device's firmware identity, which an emulated GB device must have
FIRMWARE_KEYS = ("manufacturer_code", "image_type", "hardware_version", "firmware_version")
#: the keys ``read_identity`` reads; the rest of an ``emulated:`` block is the emulator's
IDENTITY_KEYS = ("eui64", "install_code", *FIRMWARE_KEYS)
#: an install code is this many octets, then its CRC (Zigbee 3.0 Base Device Behaviour, 10.1)
INSTALL_CODE_LENGTHS = (6, 8, 12, 16)
#: 0xFFFFFFFF is the OTA cluster's wildcard file version, never one a device runs
MAX_FIRMWARE_VERSION = 0xFFFFFFFE


@dataclass(frozen=True)
class DeviceIdentity:
    eui64: Eui64
    manufacturer_code: int | None = None
    image_type: int | None = None
    hardware_version: int | None = None
    firmware_version: int | None = None
    #: the install code with its CRC; None for a device that joins with the well-known link key
    install_code: bytes | None = None


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
    )


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
