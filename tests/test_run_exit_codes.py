"""``hanrig run``'s exit codes, each with one line on stderr that names the cause, and no traceback.

A config or input mistake found at any stage is exit 2; a radio the rig cannot reach (a
missing port, a refused socket, a line where nothing answers) is exit 3 naming it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.paths import REPO


def _physical_bench(tmp_path: Path, port: str) -> Path:
    """The embedded default with its devices made physical and the coordinator at ``port``."""
    config: dict[str, Any] = yaml.safe_load((REPO / "hil_config.yaml").read_text())
    config["gbcs"]["keystore"] = str(REPO / "hanrig" / "testpki" / "keys")
    config["coordinator"] = {"radio": "ezsp", "port": port}
    for device in config["devices"]:
        device["physical"] = {"eui64": device.pop("emulated")["eui64"]}
    path = tmp_path / "hil_config.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def _run(config: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "hanrig", "run", "--config", str(config), "--report-dir",
                           str(tmp_path / "r")], capture_output=True, text=True, timeout=180)


def _one_line(result: subprocess.CompletedProcess[str], code: int, cause: str) -> None:
    assert result.returncode == code, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    (line,) = result.stderr.splitlines()
    assert line.startswith("hanrig: error: ") and cause in line, line


@pytest.fixture
def silent_pty() -> Iterator[str]:
    """A serial line on which nothing ever answers."""
    master, slave = os.openpty()
    try:
        yield os.ttyname(slave)
    finally:
        os.close(master)
        os.close(slave)


@pytest.fixture
def silent_socket() -> Iterator[str]:
    """A TCP port that takes the connection and never says a word."""
    server = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    thread = threading.Thread(target=lambda: accepted.append(server.accept()[0]), daemon=True)
    thread.start()
    try:
        yield f"socket://127.0.0.1:{server.getsockname()[1]}"
    finally:
        for connection in accepted:
            connection.close()
        server.close()


def test_a_serial_port_that_is_not_there_is_exit_3_naming_it(tmp_path: Path) -> None:
    _one_line(_run(_physical_bench(tmp_path, "/dev/ttyHANRIG-NOT-THERE"), tmp_path), 3,
              "radio at /dev/ttyHANRIG-NOT-THERE unreachable: [Errno 2] No such file or directory")


def test_a_refused_socket_is_exit_3_naming_it(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # free once closed: nothing listens there
    _one_line(_run(_physical_bench(tmp_path, f"socket://127.0.0.1:{port}"), tmp_path), 3,
              f"radio at socket://127.0.0.1:{port} unreachable: [Errno 111]")


@pytest.mark.parametrize("line", ["silent_pty", "silent_socket"])
def test_a_line_where_nothing_answers_is_exit_3_saying_so(tmp_path: Path, line: str,
                                                          request: pytest.FixtureRequest) -> None:
    port = request.getfixturevalue(line)
    _one_line(_run(_physical_bench(tmp_path, port), tmp_path), 3,
              f"radio at {port} unreachable: no answer to an ASH reset")


def test_a_truncated_image_file_is_exit_2_naming_the_image_not_a_scenario_error(tmp_path: Path) -> None:
    (tmp_path / "truncated.ota").write_bytes(bytes.fromhex("1EF1EE0B0001380000"))
    config = yaml.safe_load((REPO / "hil_config.yaml").read_text())
    config["gbcs"]["keystore"] = str(REPO / "hanrig" / "testpki" / "keys")
    config["images"]["ppmid-v2"] = {"file": "truncated.ota"}
    (tmp_path / "hil_config.yaml").write_text(yaml.safe_dump(config))

    _one_line(_run(tmp_path / "hil_config.yaml", tmp_path), 2, "image 'ppmid-v2': ")
