"""OTA images: the DUIS samples parse and verify, built images round-trip and satisfy zigpy."""

from __future__ import annotations

import hashlib

import pytest
import zigpy.ota.image as zigpy_image

from hanrig.gbcs.crypto import Verdict
from hanrig.gbcs.duis import parse_firmware_request
from hanrig.gbcs.errors import EncodeError, ImageError
from hanrig.gbcs.eui import RTDS_SUPPLIER
from hanrig.gbcs.keystore import KeyUsage
from hanrig.gbcs.ota_image import (
    Applicability,
    ImageForm,
    OtaHeader,
    SubElement,
    SubElementTag,
    build_image,
    check_applicability,
    encode_image,
    parse_image,
    sign_image,
    verify_image,
)
from tests.gbcs.keys import throwaway_key
from tests.gbcs.vectors import DUIS, rtds_keystore

SAMPLE_IMAGE_HASH = "7542f475e3f12eae887d81e32c46d313741d67076b13caec2f82e00ba5e1bb36"


def duis_image(name: str) -> bytes:
    return parse_firmware_request((DUIS / name).read_bytes()).firmware_image


ESME_SAMPLE = duis_image("11.1_UPDATE_FIRMWARE_REQUEST_DUIS.XML")
PPMID_SAMPLE = duis_image("11.4_UPDATE_PPMID_FIRMWARE_REQUEST_DUIS.XML")


def test_esme_sample_is_supplier_signed_over_its_manufacturer_image() -> None:
    image = parse_image(ESME_SAMPLE)
    assert (image.form, len(image.manufacturer_image), len(ESME_SAMPLE)) == (ImageForm.GBCS, 235, 361)
    assert image.manufacturer_image_hash.hex() == SAMPLE_IMAGE_HASH
    supplier = rtds_keystore().public_key(RTDS_SUPPLIER, KeyUsage.DIGITAL_SIGNING)
    assert verify_image(image, supplier) is Verdict.VALID


#: the DUIS 11.1 sample with its Force Replace octet (66 octets before the end) set
FORCED_SAMPLE = ESME_SAMPLE[:-66] + b"\x01" + ESME_SAMPLE[-65:]


def test_the_esme_samples_trailer_is_force_replace_off_then_0x40_then_the_signature() -> None:
    assert ESME_SAMPLE[-66:-64] == bytes.fromhex("0040") and parse_image(ESME_SAMPLE).force_replace is False


def test_a_sample_with_force_replace_set_is_still_signed_over_the_same_235_octet_manufacturer_image() -> None:
    image = parse_image(FORCED_SAMPLE)
    assert image.force_replace is True and len(image.manufacturer_image) == 235
    assert image.manufacturer_image_hash.hex() == SAMPLE_IMAGE_HASH
    supplier = rtds_keystore().public_key(RTDS_SUPPLIER, KeyUsage.DIGITAL_SIGNING)
    assert verify_image(image, supplier) is Verdict.VALID
    assert encode_image(image) == FORCED_SAMPLE


@pytest.mark.parametrize("flag", [b"\x02", b"\xff"])
def test_a_trailer_whose_force_replace_octet_is_neither_00_nor_01_is_no_trailer(flag: bytes) -> None:
    data = ESME_SAMPLE[:-66] + flag + ESME_SAMPLE[-65:]
    assert parse_image(data).signature is None
    with pytest.raises(ImageError, match="no signature trailer"):
        parse_image(data, signed=True)


def test_force_replace_is_built_into_a_signed_image_and_read_back() -> None:
    key = throwaway_key("supplier")
    image = build_image(manufacturer_code=1, image_type=2, file_version=3, manufacturer_image=b"firmware",
                        sign_key=key, force_replace=True)
    data = encode_image(image)
    assert data[-66:-64] == bytes.fromhex("0140")
    again = parse_image(data)
    assert again.force_replace and verify_image(again, key.public_key()) is Verdict.VALID


def test_force_replace_without_a_signature_is_refused() -> None:
    with pytest.raises(EncodeError, match="signature trailer"):
        build_image(manufacturer_code=1, image_type=2, file_version=3, manufacturer_image=b"x", force_replace=True)


def test_esme_sample_signature_fails_with_another_key() -> None:
    other = throwaway_key("not the supplier").public_key()
    assert verify_image(parse_image(ESME_SAMPLE), other) is Verdict.INVALID


def test_ppmid_sample_has_no_signature_and_its_header_fields() -> None:
    image = parse_image(PPMID_SAMPLE)
    assert image.signature is None and verify_image(image, None) is Verdict.ABSENT
    header = image.header
    assert (header.manufacturer_code, header.image_type, header.file_version) == (0x121D, 0x0084, 0xACDCACDC)
    assert (header.minimum_hardware_version, header.maximum_hardware_version) == (0x1111, 0x1211)
    assert (header.header_length, header.image_size, header.stack_version) == (60, 295, 2)
    assert header.header_text == "I am a GFI PPMID firmware image "
    assert image.manufacturer_image_hash.hex() == SAMPLE_IMAGE_HASH


@pytest.mark.parametrize("data", [ESME_SAMPLE, PPMID_SAMPLE], ids=["11.1", "11.4"])
def test_duis_samples_re_encode_byte_for_byte(data: bytes) -> None:
    assert encode_image(parse_image(data)) == data


def test_signed_sample_without_a_key_reports_no_key() -> None:
    assert verify_image(parse_image(ESME_SAMPLE), None) is Verdict.NO_KEY


def test_built_gbcs_image_inspects_back_to_the_same_fields_and_zigpy_reads_its_header() -> None:
    image = build_image(manufacturer_code=0x121D, image_type=0x0084, file_version=0x01020304,
                        manufacturer_image=b"firmware" * 40, hardware_versions=(0x0100, 0x02FF),
                        header_text="hanrig test image", stack_version=2)
    data = encode_image(image)
    again = parse_image(data)
    assert again == image
    header, rest = zigpy_image.OTAImageHeader.deserialize(data)
    assert (header.manufacturer_id, header.image_type, header.file_version) == (0x121D, 0x0084, 0x01020304)
    assert (header.image_size, header.header_length) == (len(data), 60)
    assert (header.minimum_hardware_version, header.maximum_hardware_version) == (0x0100, 0x02FF)
    assert rest == b"firmware" * 40


def test_built_zigbee_image_parses_whole_with_zigpy() -> None:
    image = build_image(manufacturer_code=0x1234, image_type=0x0001, file_version=7,
                        manufacturer_image=bytes(500),
                        form=ImageForm.ZIGBEE, security_credential_version=1,
                        upgrade_file_destination="00DB1234567890A4")
    data = encode_image(image)
    parsed, rest = zigpy_image.parse_ota_image(data)
    assert rest == b""
    assert parsed.header.image_size == len(data)
    assert str(parsed.header.upgrade_file_destination).replace(":", "").upper() == "00DB1234567890A4"
    assert [(element.tag_id, element.data) for element in parsed.subelements] == [
        (zigpy_image.ElementTagId.UPGRADE_IMAGE, bytes(500))]
    assert parse_image(data) == image


def test_zigbee_form_keeps_every_sub_element_in_order() -> None:
    image = build_image(manufacturer_code=1, image_type=2, file_version=3, manufacturer_image=b"abc",
                        form=ImageForm.ZIGBEE)
    elements = (SubElement(SubElementTag.ECDSA_SIGNING_CERTIFICATE, bytes(48)), *image.elements,
                SubElement(0xF000, b"vendor"))
    data = encode_image(type(image)(image.header, ImageForm.ZIGBEE, elements))
    again = parse_image(data)
    assert again.elements == elements and again.manufacturer_image == b"abc"
    assert encode_image(again) == data


def test_signing_a_built_image_verifies_and_grows_image_size_by_66() -> None:
    key = throwaway_key("supplier")
    unsigned = build_image(manufacturer_code=1, image_type=2, file_version=3, manufacturer_image=b"payload")
    signed = sign_image(unsigned, key)
    data = encode_image(signed)
    assert signed.header.image_size == len(data) == unsigned.header.image_size + 66
    assert data[-66:-64] == b"\x00\x40"
    assert verify_image(parse_image(data), key.public_key()) is Verdict.VALID


def test_the_zigbee_form_cannot_be_supplier_signed() -> None:
    image = build_image(manufacturer_code=1, image_type=2, file_version=3, manufacturer_image=b"x",
                        form=ImageForm.ZIGBEE)
    with pytest.raises(EncodeError, match="GBCS form"):
        sign_image(image, throwaway_key("supplier"))


def test_an_unsigned_image_that_ends_like_a_signature_can_be_read_as_unsigned() -> None:
    body = b"code" + b"\x00\x40" + bytes(64)
    image = build_image(manufacturer_code=1, image_type=2, file_version=3, manufacturer_image=body)
    data = encode_image(image)
    assert parse_image(data).signature is not None
    assert parse_image(data, signed=False).manufacturer_image == body


def test_image_size_disagreeing_with_the_file_is_an_image_error_at_its_field() -> None:
    with pytest.raises(ImageError) as caught:
        parse_image(PPMID_SAMPLE + b"\x00")
    assert (caught.value.offset, caught.value.field) == (52, "image size")


def test_wrong_magic_is_an_image_error_at_byte_zero() -> None:
    with pytest.raises(ImageError) as caught:
        parse_image(b"\x00" + PPMID_SAMPLE[1:])
    assert caught.value.offset == 0


def test_header_length_disagreeing_with_field_control_is_reported() -> None:
    data = bytearray(PPMID_SAMPLE)
    data[6] = 56
    with pytest.raises(ImageError, match="header length 56") as caught:
        parse_image(bytes(data))
    assert caught.value.offset == 6


def test_truncated_header_is_an_image_error() -> None:
    with pytest.raises(ImageError, match="truncated"):
        parse_image(PPMID_SAMPLE[:30])


def test_header_string_longer_than_32_bytes_is_refused() -> None:
    with pytest.raises(EncodeError, match="header string"):
        build_image(manufacturer_code=1, image_type=2, file_version=3, manufacturer_image=b"",
                    header_text="x" * 33)


@pytest.mark.parametrize(
    ("identity", "expected"),
    [
        ({"manufacturer_code": 0x121D, "image_type": 0x84, "hardware_version": 0x1111},
         Applicability.APPLICABLE),
        ({"manufacturer_code": 0x121D, "image_type": 0x84, "hardware_version": 0x1211},
         Applicability.APPLICABLE),
        ({"manufacturer_code": 0x121D, "image_type": 0x84, "hardware_version": None},
         Applicability.APPLICABLE),
        ({"manufacturer_code": 0x1000, "image_type": 0x84, "hardware_version": 0x1111},
         Applicability.WRONG_MANUFACTURER),
        ({"manufacturer_code": 0x121D, "image_type": 0x00, "hardware_version": 0x1111},
         Applicability.WRONG_IMAGE_TYPE),
        ({"manufacturer_code": 0x121D, "image_type": 0x84, "hardware_version": 0x1110},
         Applicability.HARDWARE_VERSION_OUT_OF_RANGE),
        ({"manufacturer_code": 0x121D, "image_type": 0x84, "hardware_version": 0x1212},
         Applicability.HARDWARE_VERSION_OUT_OF_RANGE),
    ],
)
def test_applicability_checks_manufacturer_type_and_hardware_range(identity: dict[str, int | None],
                                                                   expected: Applicability) -> None:
    assert check_applicability(parse_image(PPMID_SAMPLE).header, **identity) is expected


def test_a_header_needs_both_hardware_versions_or_neither() -> None:
    with pytest.raises(EncodeError, match="both hardware versions"):
        OtaHeader(1, 2, 3, minimum_hardware_version=1)


def test_hash_is_sha256_of_the_manufacturer_image() -> None:
    image = parse_image(ESME_SAMPLE)
    assert image.manufacturer_image_hash == hashlib.sha256(ESME_SAMPLE[60:-66]).digest()
