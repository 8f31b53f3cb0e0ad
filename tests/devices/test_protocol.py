"""The emulator's interface to its hosts: the start line and the control operations."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
from pathlib import Path

import pytest

from hanrig.bench.emulator import EZSP_VERSIONS
from hanrig.devices.protocol import OPERATIONS, ProtocolError, Readiness, StartFailed, read_start_line
from hanrig.devices.radio.control import EmulatorControl
from hanrig.devices.radio.ezsp.commands import TABLES
from tests.paths import REPO


def test_the_control_plane_serves_exactly_the_operations_the_protocol_names() -> None:
    served = {name for name, _ in inspect.getmembers(EmulatorControl, inspect.isfunction) if not name.startswith("_")}
    assert served == OPERATIONS


def test_the_bench_offers_exactly_the_ezsp_versions_the_emulator_speaks() -> None:
    assert set(EZSP_VERSIONS) == set(TABLES)


def test_a_ready_line_reads_back_as_the_readiness_it_was_written_from() -> None:
    readiness = Readiness(Path("/tmp/tty"), "/dev/pts/3", None, Path("/tmp/c.sock"), 13, 42)
    assert read_start_line(json.dumps(readiness.as_dict()).encode() + b"\n") == readiness


def test_a_failed_line_is_a_start_failure_of_its_kind() -> None:
    line = json.dumps(StartFailed("config", "hil_config.yaml:9: devices[0].emulated.colour: unknown").as_dict())
    with pytest.raises(StartFailed) as caught:
        read_start_line(line.encode())
    assert (caught.value.kind, caught.value.message) == ("config", "hil_config.yaml:9: devices[0].emulated.colour: "
                                                                   "unknown")


@pytest.mark.parametrize("line", [b"emulating EZSP v13 on /tmp/tty\n", b"{}\n", b'{"event": "ready"}\n', b"[1]\n"])
def test_a_line_that_is_not_the_start_protocol_is_a_protocol_error(line: bytes) -> None:
    with pytest.raises(ProtocolError, match="start"):
        read_start_line(line)


def test_a_host_importing_the_protocol_loads_nothing_else_of_the_emulator() -> None:
    probe = ("import sys, hanrig.devices.protocol; "
             "print(sorted(m for m in sys.modules if m.startswith('hanrig')))")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO, check=True)
    assert loaded.stdout.strip() == "['hanrig', 'hanrig.devices', 'hanrig.devices.protocol']"


def test_the_emulator_says_why_it_cannot_start_on_its_start_line(tmp_path: Path) -> None:
    config = tmp_path / "hil_config.yaml"
    config.write_text("coordinator:\n  emulator:\n    seed: -1\n")
    result = subprocess.run([sys.executable, "-m", "hanrig.devices", "--json", "--port", str(tmp_path / "tty"),
                             "--config", str(config)], capture_output=True, text=True, timeout=60)
    with pytest.raises(StartFailed) as caught:
        read_start_line(result.stdout.encode())
    assert result.returncode == 2 and caught.value.kind == "config"
    assert caught.value.message.startswith(f"{config}:3: coordinator.emulator.seed: must be between")
