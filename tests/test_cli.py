"""The command line's conventions: help, version and exit codes for typed errors."""

from __future__ import annotations

import subprocess
import sys
import types

import click
import pytest
from click.testing import CliRunner

from hanrig import cli
from hanrig.bench.errors import ConfigError
from hanrig.gbcs.errors import GbcsError
from hanrig.rig.errors import InfrastructureError


def _run_raising(monkeypatch: pytest.MonkeyPatch, exc: Exception) -> click.testing.Result:
    @click.command()
    def boom() -> None:
        raise exc

    module = types.ModuleType("hanrig_test_boom")
    module.boom = boom  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, module.__name__, module)
    monkeypatch.setitem(cli.SUBCOMMANDS, "boom", f"{module.__name__}:boom")
    return CliRunner().invoke(cli.main, ["boom"])


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (GbcsError("truncated frame", offset=12, field="content length"), 2),
        (ConfigError("hil_config.yaml:4: unknown device type 'esme'"), 2),
        (InfrastructureError("/dev/ttyUSB0: port busy"), 3),
        (RuntimeError("a bug"), 3),
    ],
)
def test_typed_errors_become_exit_codes_with_one_line_and_no_traceback(
    monkeypatch: pytest.MonkeyPatch, exc: Exception, code: int
) -> None:
    result = _run_raising(monkeypatch, exc)
    assert result.exit_code == code
    assert result.output.startswith("hanrig: error: ")
    assert result.output.count("\n") == 1
    assert "Traceback" not in result.output


def test_gbcs_error_names_field_and_byte_offset() -> None:
    assert str(GbcsError("truncated", offset=12, field="content")) == "truncated in content at byte 12"


def test_unknown_subcommand_is_a_usage_error() -> None:
    assert CliRunner().invoke(cli.main, ["no-such-command"]).exit_code == 2


def test_console_script_prints_version() -> None:
    result = subprocess.run([sys.executable, "-m", "hanrig", "--version"], capture_output=True, text=True)
    assert result.returncode == 0
    assert "hanrig" in result.stdout
