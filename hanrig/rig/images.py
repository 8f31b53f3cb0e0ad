"""The firmware images a run serves: read from a file or a DUIS request, or built from a payload.

An image is loaded once per run and identified by what sign-off needs: the SHA-256 of
the whole OTA file, the Manufacturer Image hash that CS06 and FDRA carry, and the file
version that every GBCS firmware version field must equal.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from pathlib import Path

from hanrig.bench.errors import ConfigError
from hanrig.gbcs import GbcsError, KeyStore, KeyUsage, OtaImage, build_image, encode_image, parse_image
from hanrig.gbcs.duis import parse_firmware_request
from hanrig.rig.config import ImageBuild, ImageConfig, ImageSource


@dataclass(frozen=True)
class LoadedImage:
    name: str
    image: OtaImage
    data: bytes = field(repr=False)
    #: where it came from: a path, or "built"
    origin: str
    #: from a DUIS request: its id, service reference (11.1, 11.4) and the devices it names
    request_id: str | None = None
    service_reference: str | None = None
    device_ids: tuple[str, ...] = ()
    #: the image this one was made from by the rig (a variant, a tampered copy); None for a configured one
    derived_from: str | None = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def manufacturer_image_hash(self) -> bytes:
        return self.image.manufacturer_image_hash

    @property
    def file_version(self) -> int:
        return self.image.header.file_version

    @property
    def firmware_version(self) -> bytes:
        """The four octets GBCS carries as the firmware version (the OTA file version, big-endian)."""
        return self.file_version.to_bytes(4, "big")

    def identity(self) -> dict[str, object]:
        """What reports record of the image."""
        header = self.image.header
        return {
            "name": self.name,
            "origin": self.origin,
            "derived_from": self.derived_from,
            "request_id": self.request_id,
            "sha256": self.sha256,
            "manufacturer_image_sha256": self.manufacturer_image_hash.hex(),
            "manufacturer_code": f"0x{header.manufacturer_code:04X}",
            "image_type": f"0x{header.image_type:04X}",
            "file_version": f"0x{header.file_version:08X}",
            "hardware_versions": None if header.minimum_hardware_version is None else
            [f"0x{header.minimum_hardware_version:04X}", f"0x{header.maximum_hardware_version:04X}"],
            "size": len(self.data),
            "signed": self.image.signature is not None,
        }


def load_image(config: ImageConfig, keystore: KeyStore, *, supplier: str) -> LoadedImage:
    """The image a config entry names; bad input is a ConfigError naming the image and the problem."""
    try:
        if config.source is ImageSource.BUILD:
            assert config.build is not None
            return _built(config.name, config.build, keystore, supplier)
        assert config.path is not None
        data = _read(config.name, config.path)
        if config.source is ImageSource.DUIS:
            return load_duis_request(config.name, data, origin=str(config.path))
        return LoadedImage(config.name, parse_image(data), data, str(config.path))
    except GbcsError as exc:
        raise ConfigError(f"image {config.name!r}: {exc}") from None


def load_duis_request(name: str, xml: bytes, *, origin: str) -> LoadedImage:
    """The image and device list of a DUIS 11.1 or 11.4 request."""
    request = parse_firmware_request(xml)
    image = parse_image(request.firmware_image)
    return LoadedImage(name, image, encode_image(image), origin, request.request_id, request.service_reference,
                       tuple(str(eui) for eui in request.device_ids))


def _read(name: str, path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"image {name!r}: cannot read {path}: {exc.strerror}") from None


def _built(name: str, build: ImageBuild, keystore: KeyStore, supplier: str) -> LoadedImage:
    if build.payload is not None:
        payload = _read(name, build.payload)
    else:
        payload = random.Random(build.seed).randbytes(build.payload_size)
    sign_key = None
    if build.sign:
        sign_key = keystore.private_key(supplier, KeyUsage.DIGITAL_SIGNING)
        if sign_key is None:
            raise ConfigError(f"image {name!r}: sign: true needs the Supplier's ({supplier}) ds private key "
                              "in the keystore")
    image = build_image(manufacturer_code=build.manufacturer_code, image_type=build.image_type,
                        file_version=build.file_version, manufacturer_image=payload,
                        hardware_versions=build.hardware_versions, header_text=build.header_string,
                        sign_key=sign_key)
    return LoadedImage(name, image, encode_image(image), "built")


def variant(image: LoadedImage, name: str, *, keystore: KeyStore, supplier: str, file_version: int | None = None,
            hardware_versions: tuple[int, int] | None = None) -> LoadedImage:
    """The same Manufacturer Image under a changed header (a newer version, another hardware range).

    Signed again with the Supplier's key if the original was signed; the signature covers
    only the Manufacturer Image, so it stays what a Supplier would have made.
    """
    header = image.image.header
    sign_key = None
    if image.image.signature is not None:
        sign_key = keystore.private_key(supplier, KeyUsage.DIGITAL_SIGNING)
        if sign_key is None:
            raise ConfigError(f"re-signing {image.name} needs the Supplier's ({supplier}) ds private key")
    if hardware_versions is None and header.minimum_hardware_version is not None:
        hardware_versions = (header.minimum_hardware_version, header.maximum_hardware_version)
    built = build_image(manufacturer_code=header.manufacturer_code, image_type=header.image_type,
                        file_version=header.file_version if file_version is None else file_version,
                        manufacturer_image=image.image.manufacturer_image, hardware_versions=hardware_versions,
                        header_text=header.header_string.rstrip(b"\0"), stack_version=header.stack_version,
                        sign_key=sign_key)
    return LoadedImage(name, built, encode_image(built), f"variant of {image.name}",
                       derived_from=image.name)


def tampered(image: LoadedImage, name: str) -> LoadedImage:
    """The image with one bit of its Manufacturer Image flipped after signing, the signature left as it was.

    What a device must refuse: the Supplier's signature no longer covers what it would run.
    """
    data = bytearray(image.data)
    data[image.image.header.header_length + len(image.image.manufacturer_image) // 2] ^= 0x10
    return LoadedImage(name, parse_image(bytes(data), form=image.image.form, signed=image.image.signature is not None),
                       bytes(data), f"{image.name} with one bit of its Manufacturer Image flipped",
                       derived_from=image.name)
