"""``hanrig image build`` and ``inspect``: built images inspect back, zigpy agrees, errors are one line."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
import zigpy.ota.image as zigpy_image
from click.testing import CliRunner, Result

from hanrig import cli
from tests.gbcs.vectors import DUIS, KEYSTORE

SUPPLIER_KEY = KEYSTORE / "90b3d51f30010000-ds.key"
SUPPLIER_CERT = KEYSTORE / "90b3d51f30010000-ds.pem"
ACB_CERT = KEYSTORE / "90b3d51f30000002-ds.pem"
DUIS_11_1 = DUIS / "11.1_UPDATE_FIRMWARE_REQUEST_DUIS.XML"
DUIS_11_4 = DUIS / "11.4_UPDATE_PPMID_FIRMWARE_REQUEST_DUIS.XML"
SAMPLE_HASH = "7542f475e3f12eae887d81e32c46d313741d67076b13caec2f82e00ba5e1bb36"


def run(*args: str) -> Result:
    # Wide enough that rich never folds a hash across lines.
    return CliRunner().invoke(cli.main, ["image", *args], env={"COLUMNS": "200"})


def inspect_json(*args: str) -> tuple[int, dict]:
    result = run("inspect", "--json", *args)
    return result.exit_code, json.loads(result.stdout) if result.stdout else {}


def build(tmp_path: Path, *extra: str, payload: bytes = b"\x5a" * 300) -> Path:
    source, output = tmp_path / "manufacturer.bin", tmp_path / "image.ota"
    source.write_bytes(payload)
    result = run("build", "--manufacturer-code", "0x121D", "--image-type", "0x0084", "--file-version",
                 "0x01020304", "--payload", str(source), "-o", str(output), *extra)
    assert result.exit_code == 0, result.output
    return output


def test_11_1_sample_verifies_with_the_supplier_key_from_the_keystore() -> None:
    code, record = inspect_json("--keystore", str(KEYSTORE), str(DUIS_11_1))
    assert code == 0
    assert (record["source"], record["signature"]) == ("duis", "valid")
    assert record["verified_with"] == "90B3D51F30010000"
    assert record["manufacturer_image_sha256"] == SAMPLE_HASH
    assert record["duis"]["device_ids"] == ["00DB1234567890A0"]


def test_11_4_sample_is_unsigned_and_inspects_its_header() -> None:
    code, record = inspect_json(str(DUIS_11_4))
    assert code == 0
    assert record["signature"] == "absent"
    header = record["header"]
    assert (header["manufacturer_code"], header["image_type"]) == (0x121D, 0x84)
    assert header["file_version"] == 0xACDCACDC
    assert (header["minimum_hardware_version"], header["maximum_hardware_version"]) == (0x1111, 0x1211)
    assert (record["file_size"], record["manufacturer_image_size"], header["image_size"]) == (295, 235, 295)


def test_signed_sample_with_the_wrong_key_is_a_failed_verdict() -> None:
    code, record = inspect_json("--verify-key", str(ACB_CERT), str(DUIS_11_1))
    assert (code, record["signature"]) == (1, "invalid")


def test_built_image_inspects_back_to_the_same_fields_and_zigpy_reads_it(tmp_path: Path) -> None:
    output = build(tmp_path, "--hw-min", "0x1111", "--hw-max", "4625", "--header-string", "hanrig",
                   "--stack-version", "2", "--sign-key", str(SUPPLIER_KEY))
    code, record = inspect_json("--keystore", str(KEYSTORE), str(output))
    assert code == 0
    header = record["header"]
    fields = ("manufacturer_code", "image_type", "file_version", "stack_version", "minimum_hardware_version",
              "maximum_hardware_version", "header_text")
    assert {key: header[key] for key in fields} == {
        "manufacturer_code": 0x121D, "image_type": 0x0084, "file_version": 0x01020304, "stack_version": 2,
        "minimum_hardware_version": 0x1111, "maximum_hardware_version": 0x1211, "header_text": "hanrig"}
    assert (record["form"], record["signature"], record["manufacturer_image_size"]) == ("gbcs", "valid", 300)
    data = output.read_bytes()
    zigpy_header, _ = zigpy_image.OTAImageHeader.deserialize(data)
    assert zigpy_header.image_size == len(data) == record["file_size"]


def test_a_built_image_with_force_replace_inspects_as_signed_with_the_flag_set(tmp_path: Path) -> None:
    output = build(tmp_path, "--sign-key", str(SUPPLIER_KEY), "--force-replace")
    code, record = inspect_json("--keystore", str(KEYSTORE), str(output))
    assert (code, record["signature"], record["force_replace"], record["manufacturer_image_size"]) == (
        0, "valid", True, 300)
    assert output.read_bytes()[-66:-64] == bytes.fromhex("0140")


def test_the_11_1_sample_with_force_replace_set_inspects_as_signed_with_its_235_octet_image(tmp_path: Path) -> None:
    request = DUIS_11_1.read_text()
    body = request.split("<sr:FirmwareImage>")[1].split("</sr:FirmwareImage>")[0]
    image = base64.b64decode(body)
    flagged = image[:-66] + b"\x01" + image[-65:]
    (tmp_path / "flagged.ota").write_bytes(flagged)
    code, record = inspect_json("--keystore", str(KEYSTORE), str(tmp_path / "flagged.ota"))
    assert (code, record["signature"], record["force_replace"]) == (0, "valid", True)
    assert (record["manufacturer_image_size"], record["manufacturer_image_sha256"]) == (235, SAMPLE_HASH)


def test_zigbee_format_parses_whole_with_zigpy(tmp_path: Path) -> None:
    output = build(tmp_path, "--format", "zigbee")
    image, rest = zigpy_image.parse_ota_image(output.read_bytes())
    assert rest == b"" and image.subelements[0].data == b"\x5a" * 300
    code, record = inspect_json(str(output))
    assert (code, record["form"], record["signature"]) == (0, "zigbee", "absent")


def test_human_output_shows_header_hash_and_signature() -> None:
    result = run("inspect", "--verify-key", str(SUPPLIER_CERT), str(DUIS_11_1))
    assert result.exit_code == 0
    for expected in ("0x121D", "0xACDCACDC", "0x1111 to 0x1211", SAMPLE_HASH, "valid", "11.1"):
        assert expected in result.stdout


def _one_error_line(result: Result) -> str:
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("hanrig: error: ") and "Traceback" not in result.output
    return lines[0]


def test_xml_without_an_image_exits_2_naming_the_file(tmp_path: Path) -> None:
    request = tmp_path / "request.xml"
    request.write_bytes(DUIS_11_4.read_bytes().replace(b"<sr:FirmwareImage>", b"<sr:Ignored>")
                        .replace(b"</sr:FirmwareImage>", b"</sr:Ignored>"))
    result = run("inspect", str(request))
    assert result.exit_code == 2
    expected = f"hanrig: error: {request}: the request carries no firmware image in FirmwareImage"
    assert _one_error_line(result) == expected


def test_a_file_that_is_not_an_image_exits_2_with_the_offset(tmp_path: Path) -> None:
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"\x00" * 80)
    result = run("inspect", str(junk))
    assert result.exit_code == 2
    assert "junk.bin: expected 1EF1EE0B, found 00000000 in magic at byte 0" in _one_error_line(result)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--hw-min", "1"), "--hw-min and --hw-max go together"),
        (("--header-string", "x" * 33), "header string"),
        (("--format", "zigbee", "--sign-key", str(SUPPLIER_KEY)), "gbcs format only"),
        (("--file-version", "0x1FFFFFFFF"), "does not fit in 32 bits"),
        (("--force-replace",), "give --sign-key too"),
    ],
)
def test_bad_build_options_exit_2_with_one_line(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    source = tmp_path / "manufacturer.bin"
    source.write_bytes(b"x")
    result = run("build", "--manufacturer-code", "1", "--image-type", "2", "--file-version", "3",
                 "--payload", str(source), "-o", str(tmp_path / "out.ota"), *args)
    assert result.exit_code == 2
    assert message in _one_error_line(result)


def test_keystore_and_verify_key_together_are_refused() -> None:
    result = run("inspect", "--keystore", str(KEYSTORE), "--verify-key", str(SUPPLIER_CERT), str(DUIS_11_1))
    assert result.exit_code == 2 and "not both" in _one_error_line(result)
