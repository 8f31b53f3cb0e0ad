"""Zigbee OTA upgrade images in both forms: GBCS and tag-length sub-elements.

The header (ZCL §11.4, little-endian, magic ``0x0BEEF11E``) is the same in both. In the
GBCS form (the DCC/GFI DUIS samples) the Manufacturer Image follows the header directly
and, when the Supplier has signed it, a trailer ends the file: a one-octet Force Replace
flag (00 or 01, read by the CH), ``0x40`` (the signature's length), then the 64-octet raw
ECDSA P-256/SHA-256 signature over the Manufacturer Image only (GBCS 11.2.3-11.2.4 as
HenryGiraldo/gbcs ``create_ota_upgrade_image`` builds it; the DUIS 11.1 sample's trailer
starts ``00 40`` and its signature verifies over exactly the Manufacturer Image). In the
Zigbee form the body is a list of tag-length sub-elements and the Manufacturer Image is
the Upgrade Image (tag 0). ``image_size`` always equals the file's length; encoding
recomputes it.
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass, replace

import construct as c
from cryptography.hazmat.primitives.asymmetric import ec

from hanrig.gbcs.binary import Eui64FieldLE, Record, UntilEnd, Validated, build, parse
from hanrig.gbcs.crypto import SIGNATURE_LENGTH, Verdict, ecdsa_sign, ecdsa_verify
from hanrig.gbcs.errors import DecodeError, EncodeError, ImageError
from hanrig.gbcs.eui import Eui64

OTA_MAGIC = 0x0BEEF11E
HEADER_STRING_LENGTH = 32
_FIXED_HEADER_LENGTH = 56

#: The GBCS form's signature trailer: Force Replace flag, the signature's length, the signature.
_TRAILER = c.Struct(
    "force_replace" / c.Mapping(c.Int8ul, {False: 0, True: 1}),
    "signature_length" / c.Const(SIGNATURE_LENGTH.to_bytes(1, "big")),
    "signature" / c.Bytes(SIGNATURE_LENGTH),
)
TRAILER_LENGTH = _TRAILER.sizeof()


class FieldControl(enum.IntFlag):
    """Which optional header fields are present."""

    SECURITY_CREDENTIAL_VERSION = 0x0001
    DEVICE_SPECIFIC_FILE = 0x0002
    HARDWARE_VERSIONS = 0x0004


class ImageForm(enum.StrEnum):
    GBCS = "gbcs"
    ZIGBEE = "zigbee"


class SubElementTag(enum.IntEnum):
    """Sub-element tags of the Zigbee form (ZCL §11.4.4)."""

    UPGRADE_IMAGE = 0x0000
    ECDSA_SIGNATURE = 0x0001
    ECDSA_SIGNING_CERTIFICATE = 0x0002
    IMAGE_INTEGRITY_CODE = 0x0003
    PICTURE_DATA = 0x0004


class Applicability(enum.StrEnum):
    """Whether an image is for a device; anything but APPLICABLE says why not."""

    APPLICABLE = "applicable"
    WRONG_MANUFACTURER = "wrong-manufacturer"
    WRONG_IMAGE_TYPE = "wrong-image-type"
    #: CCS08 reports this as response code 2, Hardware Version Mismatch.
    HARDWARE_VERSION_OUT_OF_RANGE = "hardware-version-out-of-range"


@dataclass(frozen=True)
class OtaHeader:
    """The OTA header; which optional fields are present follows from which are set."""

    manufacturer_code: int
    image_type: int
    file_version: int
    header_string: bytes = bytes(HEADER_STRING_LENGTH)
    stack_version: int = 0x0002
    header_version: int = 0x0100
    image_size: int = 0
    security_credential_version: int | None = None
    upgrade_file_destination: Eui64 | None = None
    minimum_hardware_version: int | None = None
    maximum_hardware_version: int | None = None

    def __post_init__(self) -> None:
        if (self.minimum_hardware_version is None) != (self.maximum_hardware_version is None):
            raise EncodeError("give both hardware versions or neither", field="hardware versions")
        if self.upgrade_file_destination is not None and not isinstance(self.upgrade_file_destination, Eui64):
            object.__setattr__(self, "upgrade_file_destination", Eui64(self.upgrade_file_destination))

    @property
    def field_control(self) -> FieldControl:
        return _field_control(self.security_credential_version, self.upgrade_file_destination,
                              self.minimum_hardware_version)

    @property
    def header_length(self) -> int:
        return _header_length(self.field_control)

    @property
    def header_text(self) -> str:
        """The header string as text, NUL padding removed, undecodable bytes escaped."""
        return self.header_string.rstrip(b"\x00").decode("utf-8", errors="backslashreplace")


def _field_control(security_credential_version: int | None, upgrade_file_destination: Eui64 | None,
                   minimum_hardware_version: int | None) -> FieldControl:
    control = FieldControl(0)
    if security_credential_version is not None:
        control |= FieldControl.SECURITY_CREDENTIAL_VERSION
    if upgrade_file_destination is not None:
        control |= FieldControl.DEVICE_SPECIFIC_FILE
    if minimum_hardware_version is not None:
        control |= FieldControl.HARDWARE_VERSIONS
    return control


def _header_length(control: int) -> int:
    return (_FIXED_HEADER_LENGTH
            + (1 if control & FieldControl.SECURITY_CREDENTIAL_VERSION else 0)
            + (8 if control & FieldControl.DEVICE_SPECIFIC_FILE else 0)
            + (4 if control & FieldControl.HARDWARE_VERSIONS else 0))


@dataclass(frozen=True)
class SubElement:
    """One tag-length element of the Zigbee form."""

    tag: int
    data: bytes


@dataclass(frozen=True, repr=False)
class OtaImage:
    """An OTA file: header, body elements in file order, and (GBCS form) the Supplier signature.

    The GBCS form has exactly one element, the Upgrade Image, written without tag or length;
    a signed one carries ``force_replace`` in its trailer, which tells the CH to replace an
    image it holds even if this one's version is not newer.
    """

    header: OtaHeader
    form: ImageForm
    elements: tuple[SubElement, ...]
    signature: bytes | None = None
    force_replace: bool = False

    @property
    def manufacturer_image(self) -> bytes:
        for element in self.elements:
            if element.tag == SubElementTag.UPGRADE_IMAGE:
                return element.data
        raise ImageError("the image has no Upgrade Image sub-element", field="sub-elements")

    @property
    def manufacturer_image_hash(self) -> bytes:
        """SHA-256 of the Manufacturer Image: what CS06 carries and FDRA reports [INF: SHA-256]."""
        return hashlib.sha256(self.manufacturer_image).digest()

    def __repr__(self) -> str:
        signed = ("signed, force replace" if self.force_replace else "signed") if self.signature else "unsigned"
        return (f"<OtaImage {self.form} {signed} mfr=0x{self.header.manufacturer_code:04X} "
                f"type=0x{self.header.image_type:04X} version=0x{self.header.file_version:08X} "
                f"image={len(self.manufacturer_image)} bytes>")


def _field_control_of(this: c.Container) -> int:
    return int(_field_control(this.security_credential_version, this.upgrade_file_destination,
                              this.minimum_hardware_version))


_HEADER = Record(OtaHeader, c.Struct(
    "magic" / c.Const(OTA_MAGIC.to_bytes(4, "little")),
    "header_version" / c.Int16ul,
    "header_length" / c.Rebuild(c.Int16ul, lambda this: _header_length(_field_control_of(this))),
    "field_control" / c.Rebuild(
        Validated(c.Int16ul, lambda control: control & ~0x0007 == 0,
                  "unknown field control bits in 0x{:04X}"),
        _field_control_of),
    "manufacturer_code" / c.Int16ul,
    "image_type" / c.Int16ul,
    "file_version" / c.Int32ul,
    "stack_version" / c.Int16ul,
    "header_string" / c.Bytes(HEADER_STRING_LENGTH),
    "image_size" / c.Int32ul,
    "security_credential_version" / c.If(c.this.field_control & FieldControl.SECURITY_CREDENTIAL_VERSION,
                                         c.Int8ul),
    "upgrade_file_destination" / c.If(c.this.field_control & FieldControl.DEVICE_SPECIFIC_FILE, Eui64FieldLE),
    "minimum_hardware_version" / c.If(c.this.field_control & FieldControl.HARDWARE_VERSIONS, c.Int16ul),
    "maximum_hardware_version" / c.If(c.this.field_control & FieldControl.HARDWARE_VERSIONS, c.Int16ul),
))

_SUB_ELEMENTS = UntilEnd(Record(SubElement, c.Struct(
    "tag" / c.Int16ul,
    "data" / c.Prefixed(c.Int32ul, c.GreedyBytes),
)))


def _parse_header(data: bytes) -> OtaHeader:
    # The header length must agree with the field control; construct cannot say why a Check failed.
    if len(data) >= 10 and data[:4] == OTA_MAGIC.to_bytes(4, "little"):
        control, declared = int.from_bytes(data[8:10], "little"), int.from_bytes(data[6:8], "little")
        if control & ~0x0007 == 0 and declared != _header_length(control):
            raise ImageError(f"header length {declared} disagrees with field control 0x{control:04X} "
                             f"({_header_length(control)} bytes)", offset=6, field="header length")
    header, _ = parse(c.FocusedSeq("header", "header" / _HEADER, c.GreedyBytes), data,
                      what="OTA header", error=ImageError)
    return header


def _tiles_as_sub_elements(body: bytes) -> bool:
    try:
        elements, _ = parse(_SUB_ELEMENTS, body, what="sub-elements")
    except DecodeError:
        return False
    return any(element.tag == SubElementTag.UPGRADE_IMAGE for element in elements)


def _trailer(body: bytes) -> c.Container | None:
    """The signature trailer the body ends with, or None if it does not end with one."""
    if len(body) < TRAILER_LENGTH:
        return None
    try:
        return _TRAILER.parse(body[-TRAILER_LENGTH:])
    except c.ConstructError:
        return None


def parse_image(data: bytes, *, form: ImageForm | None = None, signed: bool | None = None) -> OtaImage:
    """Parse an OTA file; ``form`` and ``signed`` are detected unless given.

    Detection: the Zigbee form when the body is exactly a run of sub-elements including
    an Upgrade Image; in the GBCS form, signed when the body ends with a trailer (``00 40``
    or ``01 40`` and 64 octets). A caller that knows better (an unsigned image that happens
    to end that way) says so.
    """
    header = _parse_header(data)
    if header.image_size != len(data):
        raise ImageError(f"image size {header.image_size} in the header is not the file's length {len(data)}",
                         offset=52, field="image size")
    body = data[header.header_length:]
    if form is None:
        form = ImageForm.ZIGBEE if _tiles_as_sub_elements(body) else ImageForm.GBCS
    if form is ImageForm.ZIGBEE:
        if signed:
            raise ImageError("the Zigbee form carries no GBCS Supplier signature")
        elements, _ = parse(_SUB_ELEMENTS, body, what="sub-elements", base_offset=header.header_length,
                            error=ImageError)
        return OtaImage(header, form, tuple(elements))
    trailer = _trailer(body) if signed is not False else None
    if signed and trailer is None:
        raise ImageError("no signature trailer (Force Replace 00 or 01, then 40, then 64 octets) at the end",
                         offset=max(len(data) - TRAILER_LENGTH, 0), field="signature")
    if trailer is None:
        return OtaImage(header, form, (SubElement(SubElementTag.UPGRADE_IMAGE, body),))
    image = body[:-TRAILER_LENGTH]
    return OtaImage(header, form, (SubElement(SubElementTag.UPGRADE_IMAGE, image),), trailer.signature,
                    trailer.force_replace)


def _body(image: OtaImage) -> bytes:
    if image.form is ImageForm.ZIGBEE:
        if image.signature is not None or image.force_replace:
            raise EncodeError("the Zigbee form carries no GBCS Supplier signature trailer", field="signature")
        return build(_SUB_ELEMENTS, list(image.elements), what="sub-elements")
    if len(image.elements) != 1 or image.elements[0].tag != SubElementTag.UPGRADE_IMAGE:
        raise EncodeError("the GBCS form holds exactly one element, the Upgrade Image", field="elements")
    if image.signature is None:
        if image.force_replace:
            raise EncodeError("Force Replace travels in the signature trailer: sign the image", field="force replace")
        return image.manufacturer_image
    if len(image.signature) != SIGNATURE_LENGTH:
        raise EncodeError(f"a signature is {SIGNATURE_LENGTH} bytes, got {len(image.signature)}",
                          field="signature")
    trailer = build(_TRAILER, {"force_replace": image.force_replace, "signature_length": None,
                               "signature": image.signature}, what="signature trailer")
    return image.manufacturer_image + trailer


def encode_image(image: OtaImage) -> bytes:
    """The OTA file, with ``image_size`` set to its length."""
    body = _body(image)
    header = replace(image.header, image_size=image.header.header_length + len(body))
    return build(_HEADER, header, what="OTA header") + body


def with_image_size(image: OtaImage) -> OtaImage:
    """``image`` with the header's ``image_size`` filled in from its encoded length."""
    return replace(image, header=replace(image.header, image_size=len(encode_image(image))))


def header_string(text: str | bytes) -> bytes:
    """A header string field: ``text`` (UTF-8) padded with NULs to 32 bytes."""
    raw = text.encode("utf-8") if isinstance(text, str) else text
    if len(raw) > HEADER_STRING_LENGTH:
        raise EncodeError(f"the header string is {len(raw)} bytes; at most {HEADER_STRING_LENGTH} fit",
                          field="header string")
    return raw.ljust(HEADER_STRING_LENGTH, b"\x00")


def build_image(*, manufacturer_code: int, image_type: int, file_version: int, manufacturer_image: bytes,
                form: ImageForm = ImageForm.GBCS, hardware_versions: tuple[int, int] | None = None,
                header_text: str | bytes = b"", stack_version: int = 0x0002,
                security_credential_version: int | None = None, upgrade_file_destination: str | None = None,
                sign_key: ec.EllipticCurvePrivateKey | None = None, force_replace: bool = False) -> OtaImage:
    """A new image; the defaults give the layout of the DUIS samples.

    ``hardware_versions`` is the (minimum, maximum) range. With ``sign_key`` (the
    Supplier's DS key) the GBCS form is signed over its Manufacturer Image, and its
    trailer carries ``force_replace``.
    """
    minimum, maximum = hardware_versions if hardware_versions else (None, None)
    header = OtaHeader(manufacturer_code, image_type, file_version, header_string(header_text), stack_version,
                       security_credential_version=security_credential_version,
                       upgrade_file_destination=None if upgrade_file_destination is None
                       else Eui64(upgrade_file_destination),
                       minimum_hardware_version=minimum, maximum_hardware_version=maximum)
    image = OtaImage(header, form, (SubElement(SubElementTag.UPGRADE_IMAGE, manufacturer_image),))
    if sign_key is not None:
        image = sign_image(image, sign_key, force_replace=force_replace)
    elif force_replace:
        raise EncodeError("Force Replace travels in the signature trailer: give the Supplier's key to sign with",
                          field="force replace")
    return with_image_size(image)


def sign_image(image: OtaImage, supplier_ds_key: ec.EllipticCurvePrivateKey, *,
               force_replace: bool | None = None) -> OtaImage:
    """The GBCS-form image signed over its Manufacturer Image (its Force Replace flag kept unless given)."""
    if image.form is not ImageForm.GBCS:
        raise EncodeError("only the GBCS form carries a Supplier signature", field="signature")
    flag = image.force_replace if force_replace is None else force_replace
    return with_image_size(replace(image, signature=ecdsa_sign(supplier_ds_key, image.manufacturer_image),
                                   force_replace=flag))


def verify_image(image: OtaImage, public_key: ec.EllipticCurvePublicKey | None) -> Verdict:
    """Check the Supplier signature over the Manufacturer Image (None: no key to check with)."""
    if image.signature is None:
        return Verdict.ABSENT
    if public_key is None:
        return Verdict.NO_KEY
    valid = ecdsa_verify(public_key, image.manufacturer_image, image.signature)
    return Verdict.VALID if valid else Verdict.INVALID


def check_applicability(header: OtaHeader, *, manufacturer_code: int, image_type: int,
                        hardware_version: int | None) -> Applicability:
    """Whether the image is for a device with these identifiers.

    A device that reports no hardware version cannot be excluded by the header's range.
    """
    if header.manufacturer_code != manufacturer_code:
        return Applicability.WRONG_MANUFACTURER
    if header.image_type != image_type:
        return Applicability.WRONG_IMAGE_TYPE
    if hardware_version is not None:
        minimum, maximum = header.minimum_hardware_version, header.maximum_hardware_version
        if (minimum is not None and hardware_version < minimum) or (
                maximum is not None and hardware_version > maximum):
            return Applicability.HARDWARE_VERSION_OUT_OF_RANGE
    return Applicability.APPLICABLE
