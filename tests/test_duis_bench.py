"""DUIS runs out of the box: the shipped bench of the samples' devices, keys by hanrig keys, both samples pass."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.paths import REPO, shared_dir

SAMPLES = ["11.1_UPDATE_FIRMWARE_REQUEST_DUIS.XML", "11.4_UPDATE_PPMID_FIRMWARE_REQUEST_DUIS.XML"]


def _hanrig(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "hanrig", *args], capture_output=True, text=True, cwd=REPO,
                          timeout=300)


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped DUIS bench, copied, with its keys made as the README says."""
    directory = tmp_path_factory.mktemp("duis-bench")
    config = Path(shutil.copy(REPO / "benches" / "duis-samples.yaml", directory))
    made = _hanrig("keys", "--config", str(config), "--from", str(shared_dir() / "rtds" / "keystore"), "--json")
    assert made.returncode == 0, made.stderr
    origins = {entry["name"]: entry["origin"] for entry in json.loads(made.stdout)["keys"]}
    assert origins["supplier"].startswith("copied from") and origins["ppmid"] == "made by hanrig's test PKI"
    return config


@pytest.mark.parametrize("sample", SAMPLES)
def test_each_shipped_duis_sample_runs_on_the_duis_bench_and_passes_on_the_device(bench: Path, sample: str) -> None:
    result = _hanrig("run", "--config", str(bench), "--duis", str(shared_dir() / "duis" / sample), "--json",
                     "--report-dir", str(bench.parent / "reports"))

    assert result.returncode == 0, result.stdout + result.stderr
    (scenario,) = json.loads(result.stdout)["scenarios"]
    assert (scenario["outcome"], scenario["basis"]) == ("pass", "device")


def test_a_duis_request_for_a_device_the_bench_lacks_is_exit_2_naming_it() -> None:
    result = _hanrig("run", "--duis", str(shared_dir() / "duis" / SAMPLES[0]))

    assert result.returncode == 2
    assert "the request names device 00DB1234567890A0, which hil_config.yaml does not have" in result.stderr


def test_keys_are_never_made_into_hanrigs_own_test_pki(tmp_path: Path) -> None:
    result = _hanrig("keys", "--config", str(REPO / "hil_config.yaml"))

    assert result.returncode == 2 and "builtin-test is hanrig's own test PKI" in result.stderr


def test_keys_refuse_to_overwrite_a_different_key(tmp_path: Path) -> None:
    config = Path(shutil.copy(REPO / "benches" / "duis-samples.yaml", tmp_path))
    (tmp_path / "duis-samples-keys").mkdir()
    (tmp_path / "duis-samples-keys" / "00db1234567890a4-ds.key").write_text("another key")

    result = _hanrig("keys", "--config", str(config))

    assert result.returncode == 2 and "exists and holds another key" in result.stderr
    assert sorted(p.name for p in (tmp_path / "duis-samples-keys").iterdir()) == ["00db1234567890a4-ds.key"]


def test_a_bench_without_its_keystore_says_how_to_make_it(tmp_path: Path) -> None:
    config = Path(shutil.copy(REPO / "benches" / "duis-samples.yaml", tmp_path))

    result = _hanrig("run", "--config", str(config))

    assert result.returncode == 2 and "hanrig keys --config FILE makes a bench's test keys" in result.stderr
