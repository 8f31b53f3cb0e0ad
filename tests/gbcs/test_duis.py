"""DUIS requests: the 11.1 and 11.4 samples read; bad XML is refused with a typed error."""

from __future__ import annotations

import base64

import pytest

from hanrig.gbcs.duis import FirmwareRequest, looks_like_xml, parse_firmware_request
from hanrig.gbcs.errors import DuisError
from hanrig.gbcs.eui import Eui64
from tests.gbcs.vectors import DUIS

SAMPLE_11_1 = (DUIS / "11.1_UPDATE_FIRMWARE_REQUEST_DUIS.XML").read_bytes()
SAMPLE_11_4 = (DUIS / "11.4_UPDATE_PPMID_FIRMWARE_REQUEST_DUIS.XML").read_bytes()


def _with_body(body: str, root: str = "sr:Request") -> bytes:
    return (f'<?xml version="1.0"?><{root} xmlns:sr="http://www.dccinterface.co.uk/ServiceUserGateway">'
            f"<sr:Header><sr:RequestID>R</sr:RequestID><sr:ServiceReference>11.4</sr:ServiceReference>"
            f"</sr:Header><sr:Body>{body}</sr:Body></{root}>").encode()


def test_11_1_request_yields_image_version_and_device() -> None:
    request = parse_firmware_request(SAMPLE_11_1)
    assert (request.service_reference, request.firmware_version) == ("11.1", "00000000")
    assert request.request_id == "90-B3-D5-1F-30-01-00-00:90-B3-D5-1F-30-00-00-02:1000"
    assert request.device_ids == (Eui64("00DB1234567890A0"),)
    assert len(request.firmware_image) == 361 and request.firmware_image[:4] == bytes.fromhex("1EF1EE0B")


def test_11_4_request_targets_the_ppmid() -> None:
    request = parse_firmware_request(SAMPLE_11_4)
    assert (request.service_reference, request.device_ids) == ("11.4", (Eui64("00DB1234567890A4"),))
    assert len(request.firmware_image) == 295


def test_several_device_ids_in_the_list_are_all_read() -> None:
    image = base64.b64encode(b"\x01\x02").decode()
    request = parse_firmware_request(_with_body(
        f"<sr:UpdatePPMIDFirmware><sr:FirmwareImage>{image}</sr:FirmwareImage>"
        "<sr:FirmwareVersion>1</sr:FirmwareVersion>"
        "<sr:DeviceIDList>00-DB-12-34-56-78-90-A4 00-DB-12-34-56-78-90-A6</sr:DeviceIDList>"
        "</sr:UpdatePPMIDFirmware>"))
    assert request == FirmwareRequest("R", "11.4", b"\x01\x02", "1",
                                      (Eui64("00DB1234567890A4"), Eui64("00DB1234567890A6")))


def test_request_without_an_image_is_a_duis_error() -> None:
    with pytest.raises(DuisError, match="no firmware image"):
        parse_firmware_request(_with_body("<sr:UpdateFirmware><sr:FirmwareVersion>1</sr:FirmwareVersion>"
                                          "</sr:UpdateFirmware>"))


def test_bad_base64_is_a_duis_error() -> None:
    with pytest.raises(DuisError, match="not valid base64"):
        parse_firmware_request(_with_body("<sr:UpdateFirmware><sr:FirmwareImage>@@@</sr:FirmwareImage>"
                                          "</sr:UpdateFirmware>"))


def test_wrong_root_is_a_duis_error() -> None:
    with pytest.raises(DuisError, match="root element"):
        parse_firmware_request(_with_body("", root="sr:Response"))


def test_another_service_request_is_refused() -> None:
    with pytest.raises(DuisError, match="not an 11.1 or 11.4 request"):
        parse_firmware_request(_with_body("<sr:ReadFirmwareVersion/>"))


def test_doctype_is_refused_before_parsing() -> None:
    bomb = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
            b"<r>&b;</r>")
    with pytest.raises(DuisError, match="DOCTYPE") as caught:
        parse_firmware_request(bomb)
    assert caught.value.offset == 21


def test_malformed_xml_is_a_duis_error_with_its_position() -> None:
    with pytest.raises(DuisError, match="line 1"):
        parse_firmware_request(b"<sr:Request")


def test_xml_is_told_apart_from_binary_images() -> None:
    assert looks_like_xml(b"\xef\xbb\xbf  <?xml")
    assert not looks_like_xml(bytes.fromhex("1EF1EE0B"))
