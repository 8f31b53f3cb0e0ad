"""``hanrig run`` stopped by a signal, at any moment, and seen live in a terminal.

SIGINT (Ctrl-C) and SIGTERM (what CI runners, ``timeout`` and lab schedulers send) stop a
run the same way: the scenario under way is interrupted, the bench comes down, every
report is written and the exit code is 1. A second signal stops at once and leaves the
journal. Each is tried while the bench starts, mid-transfer, and while the rig waits for a
device's alert. A rig killed outright (SIGKILL) leaves a journal its report is rebuilt from.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from hanrig.rig.journal import Entry, read_journal
from tests.paths import REPO
from tests.runs import emulators_of, hanrig, start_run, transferring, wait_for

STOP_TIMEOUT = 120


def _start(reports: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "hanrig", "run", "--report-dir", str(reports), *args], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


#: where in a run the signal comes: the moment the journal shows this
MOMENTS: dict[str, Callable[[Entry], bool]] = {
    "while the bench starts": lambda e: e.kind == "run_started",
    "mid-transfer": lambda e: e.kind == "transition" and e.fields["stage"] == "Transferring"
                              and e.fields.get("percent", 0) > 0,
    "while waiting for a device's alert": lambda e: e.kind == "transition" and e.fields["device"] == "hcalcs"
                                                    and e.fields["stage"] == "Transferred",
}


@pytest.mark.parametrize("moment", list(MOMENTS))
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_interrupts_the_run_stops_the_bench_writes_every_report_and_exits_1(
        tmp_path: Path, signum: signal.Signals, moment: str) -> None:
    reports = tmp_path / "r"
    process = _start(reports, "--scenario", "SECMP0007-01", "--scenario", "SECMP0007-02")
    wait_for(reports, process, MOMENTS[moment])

    process.send_signal(signum)
    out, err = process.communicate(timeout=STOP_TIMEOUT)

    assert process.returncode == 1, out + err
    assert "Traceback" not in out + err
    (run_dir,) = [path for path in reports.iterdir() if path.is_dir()]
    assert {"report.html", "junit.xml", "run.json", "run.journal", "run.log"} <= {p.name for p in run_dir.iterdir()}
    record = json.loads((run_dir / "run.json").read_text())
    assert record["outcome"] == "interrupted"
    assert [s["outcome"] for s in record["scenarios"]][-1:] in ([], ["interrupted"])
    assert out.strip().splitlines()[-1].startswith("INTERRUPTED: ")
    assert emulators_of(reports) == [], "the emulated radio was left running"


def test_a_second_signal_stops_at_once_and_leaves_the_journal(tmp_path: Path) -> None:
    reports = tmp_path / "r"
    process = _start(reports, "--scenario", "SECMP0007-01")
    wait_for(reports, process, MOMENTS["mid-transfer"])

    process.send_signal(signal.SIGTERM)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=STOP_TIMEOUT)

    assert process.returncode == 1, out + err
    assert "stopping now (second signal)" in err and "Traceback" not in err
    (journal,) = reports.glob("*/run.journal")
    assert any(e.kind == "transition" for e in read_journal(journal).entries)
    deadline = time.monotonic() + 30  # the emulator notices its parent gone within a second
    while emulators_of(reports) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert emulators_of(reports) == []


def test_the_live_view_in_a_terminal_changes_within_5_s_of_the_first_block(tmp_path: Path) -> None:
    assert shutil.which("tmux"), "tmux is needed (the README's test command installs it)"
    session, reports = f"hanrig-{uuid.uuid4().hex[:8]}", tmp_path / "r"
    command = f"{sys.executable} -m hanrig run --report-dir {reports} --scenario SECMP0007-01; sleep 120"
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "160", "-y", "50", "-c", str(REPO), command],
                   check=True)
    try:
        deadline = time.monotonic() + 120
        while not list(reports.glob("*/run.journal")) or not any(
                e.kind == "transition" and e.fields["stage"] == "Transferring"
                for e in read_journal(next(reports.glob("*/run.journal"))).entries):
            assert time.monotonic() < deadline, "no transfer started"
            time.sleep(0.05)
        first = _pane(session)
        later, changed_by = first, time.monotonic() + 5
        while later == first and time.monotonic() < changed_by:
            time.sleep(0.2)
            later = _pane(session)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], check=False)

    assert later != first
    assert "Devices in SECMP0007-01" in later and "ppmid" in later
    assert any(stage in later for stage in ("Transferring", "Transferred", "Activated"))


def _pane(session: str) -> str:
    return subprocess.run(["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True,
                          check=True).stdout


def test_a_rig_killed_mid_run_keeps_its_journal_and_report_rebuilds_the_run_from_it(tmp_path: Path) -> None:
    process, reports = start_run(tmp_path, lambda config: None)
    journal = wait_for(reports, process, transferring)
    before = read_journal(journal).entries

    process.kill()
    process.communicate(timeout=60)
    result = hanrig("report", "--journal", str(journal), "--out", str(tmp_path / "rebuilt"), timeout=60)

    after = read_journal(journal)
    assert after.entries[:len(before)] == before and not after.torn_tail
    assert result.returncode == 0, result.stderr
    record = json.loads((tmp_path / "rebuilt" / "run.json").read_text())
    assert record["outcome"] == "interrupted" and "killed or crashed" in record["reason"]
    assert record["scenarios"][0]["outcome"] == "interrupted"
    assert "Transferring" in [t["stage"] for t in record["scenarios"][0]["transitions"]]
    deadline = time.monotonic() + 10
    while emulators_of(reports) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not emulators_of(reports), "the rig's emulated radio outlived it"


def test_an_interrupt_before_the_session_starts_still_finishes_the_run_and_writes_its_reports(
        pytester: pytest.Pytester) -> None:
    config = yaml.safe_load((REPO / "hil_config.yaml").read_text())
    config["report_dir"] = str(pytester.path / "reports")
    pytester.makefile(".yaml", hil_config=yaml.safe_dump(config))
    # The moment after the rig's plugin is configured and before pytest's session starts, where
    # pytest skips pytest_sessionfinish.
    pytester.makeconftest("""
        import pytest

        @pytest.hookimpl(tryfirst=True)
        def pytest_sessionstart(session):
            raise KeyboardInterrupt("SIGINT")
    """)
    pytester.makepyfile(test_lab="def test_never_runs(rig):\n    pass\n")

    pytester.runpytest_subprocess("--hil-config", "hil_config.yaml", "-p", "no:cacheprovider", timeout=STOP_TIMEOUT)

    (run_dir,) = (pytester.path / "reports").iterdir()
    record = json.loads((run_dir / "run.json").read_text())
    assert (record["outcome"], record["scenarios"]) == ("interrupted", [])
    assert {"report.html", "run.journal"} <= {p.name for p in run_dir.iterdir()}


def test_a_run_a_signal_stopped_before_the_suite_wrote_its_reports_is_reported_from_its_journal(
        tmp_path: Path) -> None:
    from hanrig.rig.cli.run import report_interrupted_run

    reports = tmp_path / "r"
    finished = hanrig("run", "--scenario", "SECMP0007-07", "--report-dir", str(reports))
    assert finished.returncode == 0, finished.stdout + finished.stderr
    (directory,) = [path for path in reports.iterdir() if path.is_dir()]
    # what a signal in the wrong moment leaves: the journal up to the run's start, and its log
    journal = directory / "run.journal"
    head = journal.read_text().splitlines(keepends=True)[:2]
    assert json.loads(head[1])["kind"] == "run_started"
    journal.write_text("".join(head))
    for name in ("report.html", "junit.xml", "run.json"):
        (directory / name).unlink()

    assert report_interrupted_run(directory, junit=None)

    record = json.loads((directory / "run.json").read_text())
    assert record["outcome"] == "interrupted"
    assert {"report.html", "junit.xml", "run.json", "run.journal"} <= {path.name for path in directory.iterdir()}
    assert not report_interrupted_run(tmp_path / "never-began", junit=None)
