"""Checking a complete download: the image offered, for this device, intact and Supplier-signed."""

from __future__ import annotations

import hashlib

import pytest

from hanrig import testpki
from hanrig.devices.gb.firmware import Firmware, HeldImage, Identity, Offer, Rejection, check_download, version_octets
from hanrig.gbcs import Eui64, parse_image
from tests.devices.gb_fakes import HARDWARE, IMAGE_TYPES, MANUFACTURER, make_image

PPMID = Identity(Eui64(testpki.PPMID), MANUFACTURER, IMAGE_TYPES["ppmid"], HARDWARE, firmware_version=1)
SUPPLIER_KEY = testpki.private_key(testpki.SUPPLIER, "ds").public_key()


def _offer(data: bytes) -> Offer:
    header = parse_image(data).header
    return Offer(header.manufacturer_code, header.image_type, header.file_version, len(data))


def _check(data: bytes, *, offer: Offer | None = None, identity: Identity = PPMID, intact: bool = True,
           ) -> HeldImage | Rejection:
    return check_download(data, offer=offer or _offer(data), identity=identity, supplier_key=SUPPLIER_KEY,
                          intact=intact)


@pytest.mark.parametrize("signed", [False, True], ids=["unsigned", "supplier-signed"])
def test_a_good_image_is_held_with_the_sha256_of_its_manufacturer_image(signed: bool) -> None:
    data = make_image("ppmid", signed=signed)
    held = _check(data)
    assert isinstance(held, HeldImage) and held.file_version == 2
    assert held.manufacturer_image_hash == hashlib.sha256(parse_image(data).manufacturer_image).digest()


def test_an_image_signed_by_someone_other_than_the_supplier_is_refused() -> None:
    data = bytearray(make_image("ppmid", signed=True))
    data[-1] ^= 0x01
    assert _check(bytes(data)) is Rejection.BAD_SIGNATURE


@pytest.mark.parametrize(("image", "rejection"), [
    ({"manufacturer": 0x4321}, Rejection.WRONG_MANUFACTURER),
    ({"image_type": 0x0085}, Rejection.WRONG_IMAGE_TYPE),
    ({"hardware": (0x2000, 0x3000)}, Rejection.HARDWARE_VERSION_OUT_OF_RANGE),
    ({"destination": testpki.HCALCS}, Rejection.FOR_ANOTHER_DEVICE),
], ids=lambda value: getattr(value, "value", None))
def test_an_image_not_for_this_device_is_refused_with_the_reason(image: dict[str, object],
                                                                  rejection: Rejection) -> None:
    assert _check(make_image("ppmid", **image)) is rejection  # type: ignore[arg-type]


def test_an_image_for_this_very_device_is_accepted() -> None:
    assert isinstance(_check(make_image("ppmid", destination=testpki.PPMID)), HeldImage)


def test_an_image_other_than_the_one_offered_is_refused() -> None:
    data = make_image("ppmid")
    offer = _offer(data)
    assert _check(data, offer=Offer(offer.manufacturer_code, offer.image_type, 3, offer.image_size)) is (
        Rejection.NOT_AS_OFFERED)
    assert _check(data[:-1], offer=offer) is Rejection.MALFORMED


def test_a_download_that_failed_the_manufacturers_integrity_check_is_refused() -> None:
    assert _check(make_image("ppmid"), intact=False) is Rejection.CORRUPT


def test_activation_runs_the_held_image_and_versions_go_as_four_octets_most_significant_first() -> None:
    firmware = Firmware(1)
    held = _check(make_image("ppmid", version=0x0123ABCD))
    assert isinstance(held, HeldImage)
    firmware.hold(held)
    assert firmware.activate() == 0x0123ABCD and firmware.held is None
    assert version_octets(firmware.running_version) == bytes.fromhex("0123ABCD")
