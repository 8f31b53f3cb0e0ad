"""zigbee-herdsman (the host stack of Zigbee2MQTT, under Node) on the emulated radio.

Its ``ember`` driver at EZSP v13 and its legacy ``ezsp`` driver at v8 each start on the
emulator, form a network, permit joining, and see the PPMID and HCALCS of the embedded
default join and pass their interview (node, endpoints, simple descriptors, Basic
cluster). herdsman reads Basic with the Home Automation profile, which the emulated GB
devices answer only with ``home_automation_profile`` on (see ``gb/behaviours.py``).

herdsman is installed with ``npm ci`` from ``hosts/herdsman``'s lock file into a cache
directory, once per version.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.devices.conftest import StartEmulator
from tests.paths import REPO

HOST = Path(__file__).parent / "hosts" / "herdsman"
INSTALL_TIMEOUT = 300
DRIVE_TIMEOUT = 120
#: how long herdsman may take to see both devices interviewed
INTERVIEW_TIMEOUT = 60


@pytest.fixture(scope="module")
def herdsman() -> Path:
    """A directory with zigbee-herdsman installed from the lock file (reused while the lock file is the same)."""
    npm = shutil.which("npm")
    assert npm and shutil.which("node"), "Node.js and npm are needed (the README's test command installs them)"
    lock = (HOST / "package-lock.json").read_bytes()
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    directory = cache / "hanrig-tests" / f"herdsman-{hashlib.sha256(lock).hexdigest()[:12]}"
    if not (directory / "node_modules" / "zigbee-herdsman").is_dir():
        directory.mkdir(parents=True, exist_ok=True)
        for name in ("package.json", "package-lock.json"):
            shutil.copy(HOST / name, directory / name)
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=directory, check=True, capture_output=True,
                       timeout=INSTALL_TIMEOUT)
    return directory


def _bench() -> dict[str, Any]:
    config: dict[str, Any] = yaml.safe_load((REPO / "hil_config.yaml").read_text())
    for device in config["devices"]:
        device["emulated"].setdefault("behaviour", {})["home_automation_profile"] = True
    return config


@pytest.mark.parametrize(("driver", "version"), [("ember", "13"), ("ezsp", "8")])
async def test_herdsman_forms_lets_both_devices_join_and_interviews_them(
        driver: str, version: str, herdsman: Path, emulator: StartEmulator, tmp_path: Path) -> None:
    emu = await emulator("--ezsp-version", version, config=_bench())
    (tmp_path / "herdsman").mkdir()

    process = await asyncio.create_subprocess_exec(
        "node", str(HOST / "drive.js"), driver, str(emu.port), str(tmp_path / "herdsman"), "2",
        str(INTERVIEW_TIMEOUT), cwd=herdsman, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "NODE_PATH": str(herdsman / "node_modules")})
    out, err = await asyncio.wait_for(process.communicate(), DRIVE_TIMEOUT)

    events = [json.loads(line) for line in out.decode().splitlines() if line.startswith("{")]
    assert process.returncode == 0, (events, err.decode()[-2000:])
    assert events[0]["event"] == "started" and events[0]["result"] == "reset"
    interviewed = {e["model"]: e for e in events if e["event"] == "interview" and e["status"] == "successful"}
    assert sorted(interviewed) == ["HCALCS", "PPMID"]
    assert all(e["endpoints"] == [{"id": 1, "profile": 0x0109, "inputs": [0x0000, 0x0704]}]
               for e in interviewed.values())
    status = await emu.request("status")
    assert status["ezsp"]["unknown_commands"] == {}, status["ezsp"]["unknown_commands"]
    assert "unknown EZSP command" not in emu.stderr
