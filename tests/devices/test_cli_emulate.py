"""``hanrig emulate`` on bad input: exit 2 (bad input) or 3 (infrastructure), one line, no traceback."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from hanrig import cli
from tests.devices.conftest import StartEmulator


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli.main, ["emulate", *args])
    return result.exit_code, result.output


def _assert_one_line(output: str, *fragments: str) -> None:
    assert output.startswith("hanrig: error: ") and output.count("\n") == 1, output
    assert "Traceback" not in output
    for fragment in fragments:
        assert fragment in output, output


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--ezsp-version", "9"], "--ezsp-version: '9' is not emulated"),
        (["--ash-drop", "1.5"], "--ash-drop: 1.5 is not a probability"),
        (["--ash-corrupt", "lots"], "--ash-corrupt: 'lots' is not a number"),
        (["--socket", "localhost"], "--socket: 'localhost' is not HOST:PORT"),
        (["--seed", "-3"], "--seed: '-3'"),
    ],
)
def test_an_invalid_option_value_exits_2_with_one_line(
    args: list[str], fragment: str, tmp_path: Path
) -> None:
    code, output = _run("--port", str(tmp_path / "tty"), *args)
    assert code == 2
    _assert_one_line(output, fragment)


def test_a_missing_port_exits_2_with_one_line() -> None:
    code, output = _run()
    assert code == 2
    _assert_one_line(output, "--port is required")


def test_a_config_value_error_names_the_file_its_line_and_the_field(tmp_path: Path) -> None:
    config = tmp_path / "hil_config.yaml"
    config.write_text("devices:\n  - name: meter\n    type: generic\n    emulated: {eui64: '00:11'}\n")
    code, output = _run("--port", str(tmp_path / "tty"), "--config", str(config))
    assert code == 2
    _assert_one_line(output, "hil_config.yaml:4: devices[0].emulated.eui64", "not an EUI-64")


def test_a_config_that_is_not_yaml_names_the_line(tmp_path: Path) -> None:
    config = tmp_path / "hil_config.yaml"
    config.write_text("coordinator:\n  emulator: [\n")
    code, output = _run("--port", str(tmp_path / "tty"), "--config", str(config))
    assert code == 2
    _assert_one_line(output, "hil_config.yaml:3: not valid YAML")


def test_a_port_path_that_is_a_real_file_is_never_replaced(tmp_path: Path) -> None:
    port = tmp_path / "ttyUSB0"
    port.write_text("precious")
    code, output = _run("--port", str(port))
    assert code == 2
    _assert_one_line(output, "exists and is not a link left by the emulator")
    assert port.read_text() == "precious"


def test_a_state_file_that_is_not_a_backup_exits_2(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    state.write_text("[]")
    code, output = _run("--port", str(tmp_path / "tty"), "--state", str(state))
    assert code == 2
    _assert_one_line(output, "state.json: not a usable NCP state")


async def test_a_link_left_by_a_killed_emulator_is_taken_over_though_its_terminal_number_lives_again(
    emulator: StartEmulator, tmp_path: Path
) -> None:
    # A killed emulator leaves its link behind; the pty number it names is at once reused by
    # another process's terminal (another emulator's, in a parallel test run).
    master, slave = os.openpty()
    try:
        directory = tmp_path / "emulator"
        directory.mkdir()
        (directory / "ttyEZSP").symlink_to(os.ttyname(slave))

        emu = await emulator()

        assert (await emu.request("status"))["ncp"]["eui64"]
        assert os.readlink(emu.port) != os.ttyname(slave)
    finally:
        os.close(slave)
        os.close(master)


async def test_a_second_emulator_on_a_live_port_exits_3_and_leaves_its_state_alone(
    emulator: StartEmulator, tmp_path: Path
) -> None:
    emu = await emulator()
    command = [
        sys.executable,
        "-m",
        "hanrig",
        "emulate",
        "--port",
        str(emu.port),
        "--state",
        str(tmp_path / "x.json"),
    ]
    result = await asyncio.to_thread(subprocess.run, command, capture_output=True, text=True, timeout=60)
    assert result.returncode == 3
    _assert_one_line(result.stderr, "already links to the live terminal", "is an emulator running?")
    assert not (tmp_path / "x.json").exists(), "an emulator that never started writes no state"
    assert (await emu.request("status"))["ncp"]["eui64"]
