"""DUIS firmware service requests: 11.1 Update Firmware and 11.4 Update PPMID Firmware.

Only what the rig needs is read: the request id, the service reference, the firmware
image, its version and the target devices. Documents with a DOCTYPE are refused before
parsing, so entity expansion cannot be used against the rig.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field
from xml.etree import ElementTree

from hanrig.gbcs.errors import DuisError, GbcsError
from hanrig.gbcs.eui import Eui64

DUIS_NAMESPACE = "http://www.dccinterface.co.uk/ServiceUserGateway"
_NS = {"sr": DUIS_NAMESPACE}
_BODIES = ("UpdateFirmware", "UpdatePPMIDFirmware")
_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


@dataclass(frozen=True)
class FirmwareRequest:
    """The parts of a DUIS 11.1 or 11.4 request the rig uses."""

    request_id: str
    service_reference: str
    firmware_image: bytes = field(repr=False)
    firmware_version: str
    device_ids: tuple[Eui64, ...]


def _text(parent: ElementTree.Element, path: str) -> str | None:
    found = parent.find(path, _NS)
    return None if found is None or found.text is None else found.text.strip()


def _device_ids(body: ElementTree.Element) -> tuple[Eui64, ...]:
    # DeviceIDList is a whitespace-separated list; tolerate one DeviceID child per device too.
    listed = body.find("sr:DeviceIDList", _NS)
    if listed is None:
        return ()
    words = (listed.text or "").split() + [child.text.strip() for child in listed if child.text]
    try:
        return tuple(Eui64(word) for word in words)
    except GbcsError as exc:
        raise DuisError(exc.message, field="DeviceIDList") from None


def parse_firmware_request(data: bytes) -> FirmwareRequest:
    """Read a DUIS 11.1 or 11.4 request from its XML bytes."""
    if declaration := _DOCTYPE.search(data):
        raise DuisError("DOCTYPE and ENTITY declarations are not accepted in a DUIS request",
                        offset=declaration.start())
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        line, column = exc.position
        raise DuisError(f"not well-formed XML (line {line}, column {column})") from None
    except LookupError:
        raise DuisError("the XML declaration names an unknown encoding") from None
    if root.tag != f"{{{DUIS_NAMESPACE}}}Request":
        raise DuisError(f"the root element is {root.tag}, not a DUIS sr:Request", field="root")
    bodies = [found for name in _BODIES if (found := root.find(f"sr:Body/sr:{name}", _NS)) is not None]
    if not bodies:
        raise DuisError("no UpdateFirmware or UpdatePPMIDFirmware body: not an 11.1 or 11.4 request",
                        field="Body")
    body = bodies[0]
    encoded = _text(body, "sr:FirmwareImage")
    if not encoded:
        raise DuisError("the request carries no firmware image", field="FirmwareImage")
    try:
        image = base64.b64decode("".join(encoded.split()), validate=True)
    except (binascii.Error, ValueError):
        raise DuisError("the firmware image is not valid base64", field="FirmwareImage") from None
    return FirmwareRequest(
        request_id=_text(root, "sr:Header/sr:RequestID") or "",
        service_reference=_text(root, "sr:Header/sr:ServiceReference") or "",
        firmware_image=image,
        firmware_version=_text(body, "sr:FirmwareVersion") or "",
        device_ids=_device_ids(body),
    )


def looks_like_xml(data: bytes) -> bool:
    """Whether ``data`` starts like an XML document (after any byte-order mark and space)."""
    return data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")
