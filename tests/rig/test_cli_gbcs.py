"""``hanrig gbcs decode``: JSON fields, verdicts, exit codes and one-line errors with offsets."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from hanrig import cli
from tests.gbcs.vectors import KEYSTORE, RTDS, RTDS_FILES

CCS08 = RTDS / "NA_CCS08" / "CCS08_NA_NA_ALERT_GBCS.HEX"
CS08_COMMAND = RTDS / "11.2_CS08" / "CS08_11.2_SUCCESS_COMMAND_GBCS.HEX"
PCS01_COMMAND = RTDS / "NA_PCS01" / "PCS01_NA_SUCCESS_COMMAND_GBCS.HEX"


def run(*args: str, stdin: bytes | None = None) -> Result:
    return CliRunner().invoke(cli.main, ["gbcs", "decode", *args], input=stdin)


def records(result: Result) -> list[dict]:
    return [json.loads(line) for line in result.stdout.splitlines()]


def write(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def vector(path: Path) -> bytes:
    return bytes.fromhex(path.read_text())


def one_error_line(result: Result) -> str:
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("hanrig: error: ")
    assert "Traceback" not in result.output
    return lines[0]


def test_ccs08_decodes_to_the_documented_json_fields() -> None:
    result = run("--keystore", str(KEYSTORE), "--json", str(CCS08))
    assert result.exit_code == 0
    (record,) = records(result)
    assert {key: record[key] for key in ("file", "cra", "message_code", "use_case", "originator", "recipient",
                                         "counter", "signature", "mac", "alert_code", "roundtrip")} == {
        "file": str(CCS08), "cra": "alert", "message_code": "0x0128", "use_case": "CCS08",
        "originator": "00DB1234567890A2", "recipient": "90B3D51F30000002", "counter": 4000,
        "signature": "valid", "mac": "absent", "alert_code": "0x8F8A", "roundtrip": True,
    }
    assert record["payload"] == {"type": "FirmwareTransferAlert", "alert_code": "0x8F8A",
                                 "execution_date_time": "2015-01-01T00:00:00+00:00",
                                 "entity_id": "00DB1234567890A4", "firmware_version": "0123ABCD",
                                 "response_code": "success"}


def test_unknown_payloads_are_shown_as_raw_hex() -> None:
    (record,) = records(run("--json", str(RTDS / "11.2_ECS52" / "ECS52_11.2_SUCCESS_COMMAND_GBCS.HEX")))
    assert set(record["payload"]) == {"raw"} and record["payload"]["raw"].startswith("D9")
    assert record["alert_code"] is None


def test_every_rtds_vector_but_the_documented_pcs01_command_passes_with_the_keystore() -> None:
    files = [str(path) for path in RTDS_FILES if path != PCS01_COMMAND]
    result = run("--keystore", str(KEYSTORE), "--json", *files)
    assert result.exit_code == 0, result.stderr
    decoded = records(result)
    assert len(decoded) == len(files) and all(record["roundtrip"] for record in decoded)
    assert not any("invalid" in (record["signature"], record["mac"]) for record in decoded)


def test_an_invalid_mac_is_a_failed_verdict_exit_1() -> None:
    result = run("--keystore", str(KEYSTORE), "--json", str(PCS01_COMMAND))
    assert result.exit_code == 1
    assert records(result)[0]["mac"] == "invalid"


def test_without_a_keystore_present_protection_is_no_key() -> None:
    (record,) = records(run("--json", str(CS08_COMMAND)))
    assert (record["signature"], record["mac"]) == ("absent", "no-key")


def test_a_different_acb_cannot_check_command_macs() -> None:
    (record,) = records(run("--keystore", str(KEYSTORE), "--acb", "90-B3-D5-1F-30-00-00-99", "--json",
                            str(CS08_COMMAND)))
    assert record["mac"] == "no-key"


def test_tampered_signed_content_fails_with_exit_1(tmp_path: Path) -> None:
    data = bytearray(vector(CCS08))
    data[60] ^= 0x01
    tampered = write(tmp_path, "tampered.hex", bytes(data).hex().encode())
    result = run("--keystore", str(KEYSTORE), "--json", tampered)
    assert result.exit_code == 1
    assert records(result)[0]["signature"] == "invalid"


def test_wrong_key_in_the_keystore_gives_invalid(tmp_path: Path) -> None:
    keystore = tmp_path / "keys"
    keystore.mkdir()
    (keystore / "00db1234567890a2-ds.pem").write_bytes((KEYSTORE / "00db1234567890a4-ds.pem").read_bytes())
    result = run("--keystore", str(keystore), "--json", str(CCS08))
    assert result.exit_code == 1 and records(result)[0]["signature"] == "invalid"


def test_lower_case_hex_with_whitespace_binary_and_stdin_all_decode(tmp_path: Path) -> None:
    data = vector(CCS08)
    spaced = " ".join(data[i:i + 16].hex() for i in range(0, len(data), 16)).replace(" ", "\n ", 3)
    files = [write(tmp_path, "spaced.txt", spaced.encode()), write(tmp_path, "message.bin", data)]
    result = run("--json", *files, "-", stdin=data.hex().encode())
    assert result.exit_code == 0, result.stderr
    assert [record["file"] for record in records(result)] == [*files, "<stdin>"]
    assert all(record["message_code"] == "0x0128" for record in records(result))


def test_human_output_names_use_case_verdicts_and_alert() -> None:
    result = run("--keystore", str(KEYSTORE), str(CCS08))
    assert result.exit_code == 0
    for expected in ("CCS08 Firmware Transfer Alert", "valid", "0x8F8A", "FirmwareTransferAlert", "exact"):
        assert expected in result.stdout


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda data: data[:50], "truncated: 43 bytes needed, 16 left in content at byte 34"),
        (lambda data: b"\xde" + data[1:],
         "unknown frame tag 0xDE (expected DD or DF) in frame tag at byte 0"),
        (lambda data: data[:2] + b"\x07" + data[3:], "unknown CRA flag 0x07 in cra flag at byte 2"),
        (lambda data: data[:33] + b"\x7f" + data[34:],
         "truncated: 127 bytes needed, 108 left in content at byte 34"),
    ],
    ids=["truncated-frame", "wrong-tag", "unknown-cra", "length-past-end"],
)
def test_bad_frames_exit_2_with_one_line_naming_file_and_offset(
        tmp_path: Path, mutate: Callable[[bytes], bytes], expected: str) -> None:
    name = write(tmp_path, "bad.hex", mutate(vector(CCS08)).hex().encode())
    result = run(name)
    assert result.exit_code == 2
    assert one_error_line(result) == f"hanrig: error: {name}: {expected}"


def test_non_hex_text_exits_2_naming_the_character(tmp_path: Path) -> None:
    name = write(tmp_path, "notes.txt", b"DF09 hello")
    result = run(name)
    assert result.exit_code == 2
    assert "'h' is not a hex digit" in one_error_line(result) and "at byte 5" in result.stderr


def test_missing_file_exits_2_with_one_line(tmp_path: Path) -> None:
    result = run(str(tmp_path / "nope.hex"))
    assert result.exit_code == 2
    assert "nope.hex: cannot read" in one_error_line(result)


def test_several_files_with_one_bad_report_each_and_exit_with_the_worst(tmp_path: Path) -> None:
    bad = write(tmp_path, "bad.hex", b"zz")
    result = run("--json", str(CCS08), bad, str(CS08_COMMAND))
    assert result.exit_code == 2
    lines = records(result)
    assert [line["file"] for line in lines] == [str(CCS08), bad, str(CS08_COMMAND)]
    assert lines[1]["offset"] == 0 and "not hex text" in lines[1]["error"]
    assert one_error_line(result).startswith(f"hanrig: error: {bad}: ")


def test_bad_acb_is_a_usage_error() -> None:
    result = run("--acb", "not-an-eui", str(CCS08))
    assert result.exit_code == 2
    assert "--acb" in one_error_line(result)


def test_real_process_decodes_and_sets_the_exit_code(tmp_path: Path) -> None:
    good = subprocess.run([sys.executable, "-m", "hanrig", "gbcs", "decode", "--keystore", str(KEYSTORE),
                           "--json", str(CCS08)], capture_output=True, text=True, timeout=60)
    assert good.returncode == 0, good.stderr
    assert json.loads(good.stdout)["use_case"] == "CCS08"
    bad = subprocess.run([sys.executable, "-m", "hanrig", "gbcs", "decode",
                          write(tmp_path, "short.hex", vector(CCS08)[:20].hex().encode())],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2
    assert bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr
    assert "in recipient at byte 20" in bad.stderr
