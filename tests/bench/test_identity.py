"""Who a device is, read the same way for the rig and the emulator, and each mistake named."""

from __future__ import annotations

from typing import Any

import pytest

from hanrig.bench.errors import SpecError
from hanrig.bench.fields import Fields
from hanrig.bench.identity import DeviceIdentity, crc16_x25, read_identity

FIRMWARE = {"manufacturer_code": "0x121D", "image_type": 0x0084, "hardware_version": 0x1111, "firmware_version": 1}
#: an install code from Zigbee's own examples, with its CRC
INSTALL_CODE = "83FED3407A939723A5C639B26916D505C3B5"


def _read(block: dict[str, Any], *, firmware_required: bool = False) -> DeviceIdentity:
    return read_identity(Fields(block, "devices[0].physical"), firmware_required=firmware_required)


def test_an_identity_reads_the_eui64_in_any_spelling_and_the_firmware_it_runs() -> None:
    identity = _read({"eui64": "00-0d-6f-00-00-00-00-a4", **FIRMWARE, "install_code": INSTALL_CODE})
    assert identity == DeviceIdentity("000D6F00000000A4", 0x121D, 0x0084, 0x1111, 1, bytes.fromhex(INSTALL_CODE))


def test_a_physical_device_may_leave_its_firmware_to_be_learnt_from_its_query() -> None:
    assert _read({"eui64": "000D6F00000000A4"}) == DeviceIdentity("000D6F00000000A4")


def test_a_device_the_emulator_plays_must_say_what_firmware_it_runs() -> None:
    with pytest.raises(SpecError) as caught:
        _read({"eui64": "000D6F00000000A4", "image_type": 1}, firmware_required=True)
    assert (caught.value.path, caught.value.problem) == ("devices[0].physical.manufacturer_code", "is required")


@pytest.mark.parametrize(("block", "field", "problem"), [
    ({"eui64": "00-0D-6F"}, "eui64", "not an EUI-64"),
    # YAML reads sixteen digits without a letter as a number
    ({"eui64": 13500100000001}, "eui64", "quoted if it has no letters"),
    ({"eui64": "000D6F00000000A4", "firmware_version": 0xFFFFFFFF}, "firmware_version", "between"),
    ({"eui64": "000D6F00000000A4", "install_code": INSTALL_CODE[:-1] + "4"}, "install_code", "CRC is"),
    ({"eui64": "000D6F00000000A4", "install_code": "0011"}, "install_code", "bytes in hex"),
])
def test_a_wrong_identity_names_its_field_and_what_is_wrong(block: dict[str, Any], field: str, problem: str) -> None:
    with pytest.raises(SpecError) as caught:
        _read(block)
    assert caught.value.path == f"devices[0].physical.{field}" and problem in caught.value.problem


def test_the_install_code_crc_is_crc16_x25() -> None:
    # CRC-16/X-25 of "123456789" is 0x906E (its catalogued check value)
    assert crc16_x25(b"123456789") == 0x906E
