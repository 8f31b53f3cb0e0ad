"""The README's quick start works as written: CI runs its test command, and this runs its main job.

The main-job command runs exactly as a newcomer would paste it, in a fresh clone of the
repository (what is committed, nothing else) with a virtualenv of its own.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.paths import REPO

#: pip installs hanrig and its dependencies, then hanrig run runs the whole suite
MAIN_JOB_TIMEOUT = 900


def _quick_start_commands() -> list[str]:
    section = (REPO / "README.md").read_text().split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.+?)\n```", section)


def test_readme_quick_start_has_exactly_two_commands() -> None:
    assert len(_quick_start_commands()) == 2


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    test_command = _quick_start_commands()[1]
    ci_lines = (REPO / ".ci" / "run").read_text().splitlines()
    assert test_command in ci_lines


@pytest.mark.timeout(MAIN_JOB_TIMEOUT + 60)
def test_the_readme_main_job_command_passes_in_a_fresh_clone_and_installs_only_hanrig(tmp_path: Path) -> None:
    clone = tmp_path / "hanrig"
    subprocess.run(["git", "clone", "--quiet", str(REPO), str(clone)], check=True, timeout=120)
    # The command as a newcomer's shell runs it: none of this test run's virtualenv or settings.
    env = {key: value for key, value in os.environ.items()
           if key not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTEST_ADDOPTS", "PYTEST_CURRENT_TEST")}
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if not p.startswith(str(REPO)))

    result = subprocess.run(["bash", "-c", _quick_start_commands()[0]], cwd=clone, env=env, capture_output=True,
                            text=True, timeout=MAIN_JOB_TIMEOUT)

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    last = result.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"PASS: 23 pass; reports in reports/\S+", last), last
    run_dir = clone / last.rsplit(" ", 1)[1]
    assert sorted(p.name for p in run_dir.iterdir() if p.is_file()) == [
        "han.keys", "han.pcap", "junit.xml", "report.html", "run.journal", "run.json", "run.log"]
    (record,) = clone.glob(".venv/lib/python*/site-packages/hanrig-*.dist-info/RECORD")
    installed = {line.split(",")[0].split("/")[0] for line in record.read_text().splitlines()}
    assert {name for name in installed if not name.startswith("..")} == {"hanrig", record.parent.name}


def test_readme_benchmark_tables_are_the_committed_results() -> None:
    from benchmarks import readme

    text = (REPO / "README.md").read_text()
    shown = readme.blocks(text)

    assert set(shown) == set(readme.RENDERERS)
    assert shown == {name: readme.render(name) for name in shown}, "run python -m benchmarks.readme"
