"""hanrig ota: one image to one device through the CLI, as a lab engineer or CI runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

from tests.paths import REPO


def _hanrig(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "hanrig", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=300)


def _config(tmp_path: Path, *, physical: bool = False, **coordinator: object) -> Path:
    data = yaml.safe_load((REPO / "hil_config.yaml").read_text())
    data["coordinator"].update(coordinator)
    if physical:
        del data["coordinator"]["emulator"]
        for device in data["devices"]:
            device["physical"] = {"eui64": device.pop("emulated")["eui64"]}
    data["gbcs"]["keystore"] = str(REPO / "hanrig" / "testpki" / "keys")
    data["report_dir"] = str(tmp_path / "reports")
    path = tmp_path / "hil_config.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_ota_to_the_emulated_ppmid_passes_with_its_evidence_as_json_and_nothing_on_stderr(tmp_path: Path) -> None:
    result = _hanrig("ota", "--config", str(_config(tmp_path)), "--device", "ppmid", "--json", "ppmid-v2")

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # no "Task exception was never retrieved" from bellows at shutdown
    report = json.loads(result.stdout)
    assert report["passed"] and report["stage"] == "Activated"
    assert report["transfer"]["outcome"] == "transferred" and report["transfer"]["octets"] == report["image"]["size"]
    alerts = [e["decoded"]["alert_code"] for e in report["evidence"] if e["direction"] != "to-device"]
    assert alerts[:2] == ["0x8F8A", "0x8F8B"]
    assert {"dcc_alerts": ["N39"], "code_status": "inferred"}.items() <= report["evidence"][1]["dcc_alerts"][0].items()
    assert Path(report["journal"]).is_file()


def test_ota_to_an_unknown_device_is_exit_2_naming_the_known_ones(tmp_path: Path) -> None:
    result = _hanrig("ota", "--config", str(_config(tmp_path)), "--device", "esme", "ppmid-v2")

    assert result.returncode == 2
    assert result.stderr.strip() == (f"hanrig: error: no device 'esme' in {tmp_path / 'hil_config.yaml'} "
                                     "(devices: ppmid, hcalcs)")


def test_ota_of_a_file_that_is_not_an_image_is_exit_2_with_the_offset(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.ota"
    bogus.write_bytes(b"\x1e\xf1\xee\x0b\x00\x01")

    result = _hanrig("ota", "--config", str(_config(tmp_path)), "--device", "ppmid", str(bogus))

    assert result.returncode == 2
    assert "bogus.ota" in result.stderr and "at byte" in result.stderr and "Traceback" not in result.stderr


def test_ota_with_an_unreachable_radio_is_exit_3(tmp_path: Path) -> None:
    config = _config(tmp_path, physical=True, port=str(tmp_path / "ttyUSB9"))

    result = _hanrig("ota", "--config", str(config), "--device", "ppmid", "ppmid-v2")

    assert result.returncode == 3
    assert "unreachable" in result.stderr and result.stderr.count("\n") == 1
