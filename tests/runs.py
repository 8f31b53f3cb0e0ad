"""Helpers for tests that run ``hanrig run`` in a subprocess and watch it through its journal."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from hanrig.rig.journal import Entry, read_journal
from tests.paths import REPO

#: how long a test waits for a run to reach a moment
REACH_TIMEOUT = 120


def hanrig(*args: str, cwd: Path = REPO, timeout: float = 600,
           env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "hanrig", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=timeout, env=env)


def start_run(tmp_path: Path, change: Callable[[dict[str, Any]], None]) -> tuple[subprocess.Popen[str], Path]:
    """``hanrig run`` on the embedded default, changed, in the background; and its report directory."""
    config = yaml.safe_load((REPO / "hil_config.yaml").read_text())
    config["gbcs"]["keystore"] = str(REPO / "hanrig" / "testpki" / "keys")
    config["images"]["ppmid-v2"]["build"]["payload_size"] = 65536  # a transfer long enough to interrupt
    config["suites"] = ["secmp0007"]  # its first scenario is the transfer (commissioning has none)
    change(config)
    (tmp_path / "hil_config.yaml").write_text(yaml.safe_dump(config))
    reports = tmp_path / "r"
    process = subprocess.Popen([sys.executable, "-m", "hanrig", "run", "--config", str(tmp_path / "hil_config.yaml"),
                                "--report-dir", str(reports)], cwd=tmp_path, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    return process, reports


def run_dir(reports: Path) -> Path:
    """The one run directory a run made under ``reports``."""
    (directory,) = [path for path in reports.iterdir() if path.is_dir()]
    return directory


def wait_for(reports: Path, process: subprocess.Popen[str], seen: Callable[[Entry], bool]) -> Path:
    """The run's journal once it holds an entry ``seen`` picks (a run that ends first fails the test)."""
    deadline = time.monotonic() + REACH_TIMEOUT
    while time.monotonic() < deadline and process.poll() is None:
        for journal in reports.glob("*/run.journal"):
            if any(seen(entry) for entry in read_journal(journal).entries):
                return journal
        time.sleep(0.05)
    process.kill()
    raise AssertionError(f"the run never got there: {process.communicate()}")


def transferring(entry: Entry) -> bool:
    return entry.kind == "transition" and entry.fields["stage"] == "Transferring"


def emulators_of(reports: Path) -> list[int]:
    """The emulated radios' processes of the run reporting to ``reports``."""
    found = subprocess.run(["pgrep", "-f", rf"hanrig\.devices .*{reports}"], capture_output=True, text=True)
    return [int(pid) for pid in found.stdout.split()]
