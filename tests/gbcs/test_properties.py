"""Properties over generated and mutated input: stable round trips, and only typed errors.

Mutations start from the real vectors (truncations, bit flips, rewritten length bytes),
so the decoders are pushed along the paths real messages take. Examples are
derandomized: a failure reproduces on every run.
"""

from __future__ import annotations

import contextlib
from dataclasses import replace
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from hanrig.gbcs.der import (
    ActivateFirmwareAlert,
    ActivateFirmwareCommand,
    ActivateFirmwareOutcome,
    ActivateImageResult,
    ActivationResult,
    FirmwareActivationAlert,
    FirmwareTransferAlert,
    ReadFirmwareVersionResponse,
    ReadResult,
    TransferResult,
)
from hanrig.gbcs.dlms import DlmsDateTime
from hanrig.gbcs.duis import parse_firmware_request
from hanrig.gbcs.errors import GbcsError
from hanrig.gbcs.eui import Eui64
from hanrig.gbcs.framing import Cra, GbcsMessage, Layout, decode, encode
from hanrig.gbcs.hextext import message_bytes
from hanrig.gbcs.ota_image import ImageForm, SubElement, SubElementTag, build_image, encode_image, parse_image
from hanrig.gbcs.payloads import Payload, encode_payload
from tests.fuzzing import examples, fuzz
from tests.gbcs.exactness import decode_exactly, parse_exactly
from tests.gbcs.vectors import DUIS, RTDS_FILES

VECTORS = [bytes.fromhex(path.read_text()) for path in RTDS_FILES]
OTA_SAMPLES = [parse_firmware_request(path.read_bytes()).firmware_image
               for path in sorted(DUIS.glob("*.XML"))]
#: the Zigbee (tag-length) form too, with a second sub-element and every optional header field
_ZIGBEE = build_image(manufacturer_code=0x121D, image_type=0x0084, file_version=2,
                      manufacturer_image=bytes(range(200)), form=ImageForm.ZIGBEE,
                      hardware_versions=(0x1111, 0x1211), security_credential_version=2,
                      upgrade_file_destination="48414E52494700A4")
ZIGBEE_SAMPLES = [encode_image(_ZIGBEE), encode_image(replace(
    _ZIGBEE, elements=(*_ZIGBEE.elements, SubElement(SubElementTag.PICTURE_DATA, b"photo"))))]


@st.composite
def mutated(draw: st.DrawFn, originals: list[bytes]) -> bytes:
    """A real input, truncated, bit-flipped, or with a byte (often a length) rewritten."""
    data = bytearray(draw(st.sampled_from(originals)))
    kind = draw(st.sampled_from(["truncate", "flip", "rewrite", "insert", "several"]))
    rounds = draw(st.integers(2, 6)) if kind == "several" else 1
    for _ in range(rounds):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        operation = kind
        if kind == "several":
            operation = draw(st.sampled_from(["truncate", "flip", "rewrite", "insert"]))
        if operation == "truncate":
            del data[at:]
        elif operation == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif operation == "rewrite":
            data[at] = draw(st.sampled_from([0x00, 0x01, 0x7F, 0x80, 0x81, 0x82, 0x83, 0x84, 0xFF]))
        else:
            data[at:at] = draw(st.binary(min_size=1, max_size=4))
    return bytes(data)


@fuzz
@examples(1500)
@given(mutated(VECTORS))
def test_mutated_vectors_decode_exactly_or_raise_typed_errors(data: bytes) -> None:
    decode_exactly(data)


@fuzz
@examples(500)
@given(st.sampled_from([b"", b"\xdd\x00\x00\x00\x00\x00\x00", b"\xdf\x09"]), st.binary(max_size=300))
def test_random_bytes_decode_exactly_or_raise_typed_errors(prefix: bytes, data: bytes) -> None:
    decode_exactly(prefix + data)


euis = st.binary(min_size=8, max_size=8).map(Eui64)
counters = st.integers(0, 2**64 - 1)
dlms_date_times = st.builds(DlmsDateTime, st.integers(0, 0xFFFF), *[st.integers(0, 255)] * 7,
                            st.integers(-0x8000, 0x7FFF), st.integers(0, 255))
widths = st.none() | st.integers(0, 3)


@st.composite
def messages(draw: st.DrawFn) -> GbcsMessage:
    depth = draw(st.integers(0, 4))
    remote_party = draw(euis) if depth >= 1 else None
    remote_party_counter = draw(counters) if depth >= 2 else None
    originator_counter = draw(counters) if depth == 3 else None
    certificate = draw(st.binary(min_size=9, max_size=200)) if depth == 4 else None
    precommand = draw(st.booleans())
    signature = None if precommand else draw(st.none() | st.binary(min_size=1, max_size=70))
    mac = None if precommand else draw(st.none() | st.binary(min_size=12, max_size=12))
    return GbcsMessage(
        cra=draw(st.sampled_from(Cra)), counter=draw(counters), originator=draw(euis), recipient=draw(euis),
        message_code=draw(st.integers(0, 0xFFFF)), content=draw(st.binary(max_size=300)),
        date_time=draw(st.none() | dlms_date_times), remote_party=remote_party,
        remote_party_counter=remote_party_counter, supplementary_originator_counter=originator_counter,
        remote_party_ka_certificate=certificate, signature=signature, mac=mac,
        layout=Layout(draw(widths), draw(widths), draw(widths), draw(widths), signature_field=not precommand),
    )


@examples(400)
@given(messages())
def test_encode_decode_encode_is_stable_for_any_message(message: GbcsMessage) -> None:
    data = encode(message)
    again = decode(data)
    assert encode(again) == data
    assert decode(encode(again)) == again


utc_seconds = st.datetimes(min_value=datetime(1950, 1, 1), max_value=datetime(9999, 12, 31),
                           timezones=st.just(UTC)).map(lambda moment: moment.replace(microsecond=0))
octets = st.binary(max_size=40)
der_payloads = st.one_of(
    st.builds(ActivateFirmwareCommand, st.binary(min_size=32, max_size=32), st.integers(0, 2**63),
              st.none() | utc_seconds),
    st.builds(ActivateFirmwareOutcome, st.sampled_from(ActivationResult), octets),
    st.builds(ActivateFirmwareAlert, st.integers(0, 0xFFFF), utc_seconds, st.integers(0, 2**63),
              st.builds(ActivateFirmwareOutcome, st.sampled_from(ActivationResult), octets)),
    st.builds(ReadFirmwareVersionResponse, octets, st.sampled_from(ReadResult)),
    st.builds(FirmwareActivationAlert, st.integers(0, 0xFFFF), utc_seconds, octets,
              st.sampled_from(ActivateImageResult)),
    st.builds(FirmwareTransferAlert, st.integers(0, 0xFFFF), utc_seconds, euis, octets,
              st.sampled_from(TransferResult)),
)


@examples(400)
@given(der_payloads)
def test_der_payloads_encode_decode_encode_stably(payload: Payload) -> None:
    data = encode_payload(payload)
    again = type(payload).decode(data)
    assert again == payload
    assert encode_payload(again) == data


@examples(300)
@given(st.sampled_from(ImageForm), st.integers(0, 0xFFFF), st.integers(0, 0xFFFF), st.integers(0, 2**32 - 1),
       st.binary(max_size=400), st.none() | st.tuples(st.integers(0, 0xFFFF), st.integers(0, 0xFFFF)),
       st.text(max_size=10))
def test_built_images_parse_back_to_the_same_image(form: ImageForm, manufacturer: int, image_type: int,
                                                   version: int, payload: bytes,
                                                   hardware: tuple[int, int] | None, text: str) -> None:
    image = build_image(manufacturer_code=manufacturer, image_type=image_type, file_version=version,
                        manufacturer_image=payload, form=form, hardware_versions=hardware, header_text=text)
    data = encode_image(image)
    assert parse_image(data, form=form, signed=False) == image


@fuzz
@examples(700)
@given(mutated(OTA_SAMPLES + ZIGBEE_SAMPLES))
def test_mutated_images_of_both_forms_parse_exactly_or_raise_typed_errors(data: bytes) -> None:
    parse_exactly(data)


#: the magic, then a header length and field control that agree, so random bytes reach the body
_OTA_PREFIXES = [b"", bytes.fromhex("1EF1EE0B"), bytes.fromhex("1EF1EE0B 0001 3800 0000"),
                 bytes.fromhex("1EF1EE0B 0001 4500 0700")]


@fuzz
@examples(500)
@given(st.sampled_from(_OTA_PREFIXES), st.binary(max_size=200), st.booleans())
def test_random_bytes_parse_as_an_image_exactly_or_raise_typed_errors(prefix: bytes, data: bytes,
                                                                      true_size: bool) -> None:
    image = bytearray(prefix + data)
    if true_size and len(image) >= 56:
        # A wrong image size is refused first; a right one lets the bytes reach the body parsers.
        image[52:56] = len(image).to_bytes(4, "little")
    parse_exactly(bytes(image))


@examples(200)
@given(st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_any_input_is_hex_bytes_or_a_hex_error(data: bytes) -> None:
    with contextlib.suppress(GbcsError):
        message_bytes(data)


@examples(200)
@given(mutated([(DUIS / "11.4_UPDATE_PPMID_FIRMWARE_REQUEST_DUIS.XML").read_bytes()]))
def test_mutated_duis_requests_parse_or_raise_typed_errors(data: bytes) -> None:
    with contextlib.suppress(GbcsError):
        parse_firmware_request(data)
