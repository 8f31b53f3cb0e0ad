"""``hanrig cbke``: provisioning an NCP that holds no CBKE data, and reading back what it holds."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from hanrig import testpki
from hanrig.testpki.cbke import BUILTIN_CBKE
from tests.configs import write_config


def _hanrig(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "hanrig", *args], capture_output=True, text=True, input=stdin,
                          timeout=120)


def _unprovisioned(tmp_path: Path) -> Path:
    """An emulated NCP with no CBKE data, whose EUI-64 is the test CH's (the shipped certificate's subject)."""
    def change(config: dict[str, Any]) -> None:
        config["coordinator"]["emulator"].update(cbke="none", state_file=str(tmp_path / "ncp-state.json"),
                                                 eui64=testpki.COMMS_HUB)
    return write_config(tmp_path, change)


def _files(eui: str, suite: int = 2) -> list[str]:
    stem = BUILTIN_CBKE / f"{eui.lower()}-suite{suite}"
    return ["--ca", str(BUILTIN_CBKE / f"ca-suite{suite}.pub"), "--certificate", f"{stem}.cert",
            "--private-key", f"{stem}.key"]


def test_provisioned_data_is_what_the_ncp_then_holds_and_a_cbke_bench_starts_on_it(tmp_path: Path) -> None:
    config = str(_unprovisioned(tmp_path))
    before = _hanrig("cbke", "show", "--config", config, "--json")

    written = _hanrig("cbke", "provision", "--config", config, *_files(testpki.COMMS_HUB), "--yes", "--json")
    after = _hanrig("cbke", "show", "--config", config, "--json")
    run = _hanrig("run", "--config", config, "--report-dir", str(tmp_path / "r"), "--scenario", "CBKE-01")

    assert json.loads(before.stdout) == {"suites": {}}
    assert written.returncode == 0, written.stderr
    held = json.loads(after.stdout)["suites"]["2"]
    assert held["certificate"] == (BUILTIN_CBKE / f"{testpki.COMMS_HUB.lower()}-suite2.cert").read_text().strip()
    assert held["issuer"] == b"HANRIGCA".hex().upper()
    assert run.returncode == 0, run.stdout + run.stderr
    private_key = (BUILTIN_CBKE / f"{testpki.COMMS_HUB.lower()}-suite2.key").read_text().strip()
    assert private_key not in written.stdout + written.stderr + after.stdout


def test_a_key_that_is_not_the_certificates_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    config = str(_unprovisioned(tmp_path))
    files = _files(testpki.COMMS_HUB)
    files[-1] = str(BUILTIN_CBKE / f"{testpki.PPMID.lower()}-suite2.key")

    result = _hanrig("cbke", "provision", "--config", config, *files, "--yes")

    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "hanrig: error: the CBKE data do not fit together: the private key does not belong to the certificate"]
    assert json.loads(_hanrig("cbke", "show", "--config", config, "--json").stdout) == {"suites": {}}


def test_a_certificate_for_another_eui_than_the_ncps_is_refused(tmp_path: Path) -> None:
    config = str(_unprovisioned(tmp_path))

    result = _hanrig("cbke", "provision", "--config", config, *_files(testpki.PPMID), "--yes")

    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"hanrig: error: the certificate is issued to {testpki.PPMID}, the NCP is {testpki.COMMS_HUB}: "
        "devices would end CBKE with BAD_MESSAGE"]


def test_provisioning_asks_first_and_writes_nothing_when_told_no(tmp_path: Path) -> None:
    config = str(_unprovisioned(tmp_path))

    result = _hanrig("cbke", "provision", "--config", config, "--test-ca", stdin="n\n")

    assert "manufacturing tokens" in result.stdout
    assert result.returncode == 1
    assert json.loads(_hanrig("cbke", "show", "--config", config, "--json").stdout) == {"suites": {}}
