"""An older host stack on the emulated radio: bellows 0.44 with zigpy 0.78, in a virtualenv of its own.

It forms a network at EZSP v8 and v13, lets the embedded default's PPMID and HCALCS join,
and reads their Basic clusters end to end (on the Smart Energy profile, as zigpy reads a
device's Basic cluster on the endpoint's own profile). The virtualenv is made once per
``hosts/bellows-0.44/requirements.txt`` in a cache directory.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.devices.conftest import StartEmulator
from tests.paths import REPO

HOST = Path(__file__).parent / "hosts" / "bellows-0.44"
INSTALL_TIMEOUT = 300
DRIVE_TIMEOUT = 120
#: how long the old stack may take to see both devices join and read them
READ_TIMEOUT = 60


@pytest.fixture(scope="module")
def old_stack() -> Path:
    """The python of a virtualenv with the pinned older bellows and zigpy (reused while the pins are the same)."""
    requirements = (HOST / "requirements.txt").read_bytes()
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    directory = cache / "hanrig-tests" / f"bellows-0.44-{hashlib.sha256(requirements).hexdigest()[:12]}"
    python = directory / "bin" / "python"
    if not (directory / "installed").is_file():
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(directory)], check=True, timeout=120)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "-r", str(HOST / "requirements.txt")],
                       check=True, capture_output=True, timeout=INSTALL_TIMEOUT)
        (directory / "installed").touch()
    return python


@pytest.mark.parametrize("version", ["8", "13"])
async def test_bellows_0_44_forms_and_reads_both_gb_devices_basic_clusters(
        version: str, old_stack: Path, emulator: StartEmulator) -> None:
    emu = await emulator("--ezsp-version", version, config=yaml.safe_load((REPO / "hil_config.yaml").read_text()))

    process = await asyncio.create_subprocess_exec(
        str(old_stack), str(HOST / "drive.py"), str(emu.port), "2", str(READ_TIMEOUT),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), DRIVE_TIMEOUT)

    events = [json.loads(line) for line in out.decode().splitlines() if line.startswith("{")]
    assert process.returncode == 0, (events, err.decode()[-2000:])
    reads = {e["values"]["model"]: e for e in events if e["event"] == "read"}
    assert sorted(reads) == ["HCALCS", "PPMID"]
    assert all(e["profile"] == 0x0109 and e["values"]["manufacturer"] == "hanrig" and e["failed"] == {}
               for e in reads.values())
    assert "unknown EZSP command" not in emu.stderr
