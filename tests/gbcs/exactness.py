"""The fuzz oracle for the gbcs decoders, shared by the hypothesis targets and the atheris script.

A typed ``GbcsError`` is an answer; whatever decodes must encode back to the same bytes.
"""

from __future__ import annotations

from hanrig.gbcs.errors import DecodeError, GbcsError
from hanrig.gbcs.framing import decode, encode
from hanrig.gbcs.ota_image import encode_image, parse_image
from hanrig.gbcs.payloads import decode_payload, encode_payload


def decode_exactly(data: bytes) -> None:
    """Decode a GBCS message and its payload; whatever decodes must re-encode to the same bytes."""
    try:
        message = decode(data)
    except GbcsError:
        return
    assert encode(message) == data
    try:
        payload = decode_payload(message)
    except DecodeError:
        return
    assert encode_payload(payload) == message.content


def parse_exactly(data: bytes) -> None:
    """Parse an OTA file; whatever parses must encode back to the same bytes."""
    try:
        image = parse_image(data)
    except GbcsError:
        return
    assert encode_image(image) == data
