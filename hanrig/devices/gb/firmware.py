"""The firmware a device runs and holds: checking a downloaded image, then activating it.

A download is accepted only if it is the image the server offered, meant for this
device, intact and, where it carries one, signed by the Supplier. What is held then is
what the device stored, so its Manufacturer Image hash is the one FDRA reports and CS06
must match, whatever happened to it on the way.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import ec

from hanrig.bench.identity import DeviceIdentity
from hanrig.gbcs import (
    Applicability,
    Eui64,
    GbcsError,
    OtaImage,
    Verdict,
    check_applicability,
    parse_image,
    verify_image,
)

#: DownloadedFileVersion and friends when there is nothing (ZCL OTA: all ones)
NO_VERSION = 0xFFFFFFFF


def version_octets(file_version: int) -> bytes:
    """A firmware version as GBCS carries it: the OTA header's File Version in 4 octets,
    most significant first (the octet order is inferred, reference notes §2.1) [INF]."""
    return file_version.to_bytes(4, "big")


@dataclass(frozen=True)
class Identity:
    """What a device's images must match."""

    eui: Eui64
    manufacturer_code: int
    image_type: int
    hardware_version: int
    #: the version it runs when it starts
    firmware_version: int

    @classmethod
    def of(cls, device: DeviceIdentity) -> Identity:
        """A GB device's identity from the config's (where its kind requires every part of it)."""
        parts = (device.manufacturer_code, device.image_type, device.hardware_version, device.firmware_version)
        manufacturer_code, image_type, hardware_version, firmware_version = parts
        if manufacturer_code is None or image_type is None or hardware_version is None or firmware_version is None:
            raise ValueError(f"{device.eui64}: a GB device's identity must give the firmware it runs")
        return cls(device.eui64, manufacturer_code, image_type, hardware_version, firmware_version)


@dataclass(frozen=True)
class Offer:
    """The image a Query Next Image Response offered."""

    manufacturer_code: int
    image_type: int
    file_version: int
    image_size: int


class Rejection(enum.StrEnum):
    """Why a complete download is not accepted (each is answered with INVALID_IMAGE)."""

    MALFORMED = "malformed"
    NOT_AS_OFFERED = "not-as-offered"
    WRONG_MANUFACTURER = "wrong-manufacturer"
    WRONG_IMAGE_TYPE = "wrong-image-type"
    HARDWARE_VERSION_OUT_OF_RANGE = "hardware-version-out-of-range"
    FOR_ANOTHER_DEVICE = "for-another-device"
    CORRUPT = "corrupt"
    BAD_SIGNATURE = "bad-signature"
    #: the device would not take it (the ``reject_image`` fault)
    REFUSED = "refused"


_BY_APPLICABILITY = {
    Applicability.WRONG_MANUFACTURER: Rejection.WRONG_MANUFACTURER,
    Applicability.WRONG_IMAGE_TYPE: Rejection.WRONG_IMAGE_TYPE,
    Applicability.HARDWARE_VERSION_OUT_OF_RANGE: Rejection.HARDWARE_VERSION_OUT_OF_RANGE,
}


@dataclass(frozen=True, repr=False)
class HeldImage:
    """A verified image, as stored, waiting to be activated."""

    image: OtaImage

    @property
    def file_version(self) -> int:
        return self.image.header.file_version

    @property
    def manufacturer_image_hash(self) -> bytes:
        return self.image.manufacturer_image_hash

    def __repr__(self) -> str:
        return f"<HeldImage version=0x{self.file_version:08X} hash={self.manufacturer_image_hash.hex()[:16]}…>"


def check_download(stored: bytes, *, offer: Offer, identity: Identity,
                   supplier_key: ec.EllipticCurvePublicKey, intact: bool) -> HeldImage | Rejection:
    """Check a complete download; ``intact`` is the manufacturer's own integrity check."""
    try:
        image = parse_image(stored)
    except GbcsError:
        return Rejection.MALFORMED
    header = image.header
    offered = (offer.manufacturer_code, offer.image_type, offer.file_version, offer.image_size)
    if (header.manufacturer_code, header.image_type, header.file_version, len(stored)) != offered:
        return Rejection.NOT_AS_OFFERED
    applicability = check_applicability(header, manufacturer_code=identity.manufacturer_code,
                                        image_type=identity.image_type,
                                        hardware_version=identity.hardware_version)
    if applicability is not Applicability.APPLICABLE:
        return _BY_APPLICABILITY[applicability]
    if header.upgrade_file_destination not in (None, identity.eui):
        return Rejection.FOR_ANOTHER_DEVICE
    if not intact:
        return Rejection.CORRUPT
    if verify_image(image, supplier_key) is Verdict.INVALID:
        return Rejection.BAD_SIGNATURE
    return HeldImage(image)


class Firmware:
    """The version a device runs and the image it holds; both survive a restart."""

    def __init__(self, running_version: int) -> None:
        self.running_version = running_version
        self.held: HeldImage | None = None

    def hold(self, image: HeldImage) -> None:
        self.held = image

    def discard(self) -> None:
        self.held = None

    def activate(self) -> int:
        """Run the held image from now on; its version."""
        if self.held is None:
            raise RuntimeError("no image is held")
        self.running_version = self.held.file_version
        self.held = None
        return self.running_version

    def as_dict(self) -> dict[str, object]:
        held = None
        if self.held is not None:
            held = {"file_version": f"0x{self.held.file_version:08X}",
                    "manufacturer_image_hash": self.held.manufacturer_image_hash.hex()}
        return {"running_version": f"0x{self.running_version:08X}", "held_image": held}
