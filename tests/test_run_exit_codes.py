"""``hanrig run``'s exit codes, each with one line on stderr that names the cause, and no traceback.

A config or input mistake found at any stage is exit 2, as is a selection that matches no
scenario; a radio the rig cannot reach (a missing port, a refused socket, a line where nothing
answers) or one that dies mid-run is exit 3 naming it.
"""

from __future__ import annotations

import json
import os
import signal
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
from tests.runs import emulators_of, hanrig, run_dir, start_run, transferring, wait_for


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


def test_run_with_a_bad_config_is_exit_2_with_file_and_line(tmp_path: Path) -> None:
    config = tmp_path / "hil_config.yaml"
    config.write_text((REPO / "hil_config.yaml").read_text().replace("type: hcalcs", "type: esme")
                      )

    result = hanrig("run", "--config", str(config), timeout=60)

    assert result.returncode == 2
    line = config.read_text().splitlines().index("    type: esme") + 1
    assert result.stderr.startswith(f"hanrig: error: {config}:{line}: devices[1].type: must be one of ppmid, hcalcs")



def test_a_mistake_only_the_emulator_reads_is_exit_2_with_its_file_and_line_and_no_scenario_run(
        tmp_path: Path) -> None:
    config = tmp_path / "hil_config.yaml"
    original = (REPO / "hil_config.yaml").read_text()
    config.write_text(original.replace("{reboot_time: 0.2}", "{reboot_time: 0.2, colour: blue}", 1))

    result = hanrig("run", "--config", str(config), "--report-dir", str(tmp_path / "r"), timeout=120)

    assert result.returncode == 2, result.stdout + result.stderr
    line = next(number for number, text in enumerate(config.read_text().splitlines(), 1) if "colour" in text)
    reported = run_dir(tmp_path / "r")
    assert result.stderr == (f"hanrig: error: {config}:{line}: devices[0].emulated.behaviour.colour: "
                             f"is not a known setting (reports in {reported})\n")
    record = json.loads((reported / "run.json").read_text())
    assert (record["outcome"], record["error_cause"]) == ("error", "config")
    assert {s["outcome"] for s in record["scenarios"]} <= {"interrupted"}



@pytest.mark.parametrize(("selection", "message"), [
    (("--scenario", "SECMP0007-99"), "--scenario SECMP0007-99: no such scenario in the suite (scenarios: "),
    (("-k", "no_test_is_named_this"), "no scenario ran: the selection (--scenario, -k) matched none"),
])
def test_a_selection_that_matches_no_scenario_is_exit_2_with_one_line_not_a_pass(
        tmp_path: Path, selection: tuple[str, ...], message: str) -> None:
    result = hanrig("run", *selection, "--report-dir", str(tmp_path / "r"), timeout=120)

    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith(f"hanrig: error: {message}") and len(result.stderr.splitlines()) == 1



def test_a_radio_killed_mid_transfer_ends_the_run_with_exit_3_the_scenario_interrupted_and_reports(
        tmp_path: Path) -> None:
    process, reports = start_run(tmp_path, lambda config: config["coordinator"].update(reconnect_timeout=3))
    wait_for(reports, process, transferring)
    (emulator,) = emulators_of(reports)

    os.kill(emulator, signal.SIGKILL)
    out, err = process.communicate(timeout=120)

    assert process.returncode == 3, out + err
    record = json.loads((run_dir(reports) / "run.json").read_text())
    assert record["outcome"] == "error" and "did not come back within 3 s" in record["reason"]
    assert [s["outcome"] for s in record["scenarios"]] == ["interrupted"]
    assert "did not come back within 3 s" in record["scenarios"][0]["reason"]
    assert [e["state"] for e in record["radio_events"]] == ["lost", "gone"]
    assert sorted(p.name for p in run_dir(reports).iterdir() if p.is_file()) == [
        "han.keys", "han.pcap", "junit.xml", "report.html", "run.journal", "run.json", "run.log"]
