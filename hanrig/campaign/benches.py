"""One bench of a campaign: a ``hanrig run`` of its own, watched through its journal.

Each bench runs as a separate ``hanrig run`` process (which starts its emulated radio,
if any, as a process of its own), so benches share nothing but the machine: a bench
that crashes or hangs takes no other down. While it runs, its run journal is read
every ``POLL`` seconds for the devices' progress; when it ends, its run record is the
bench's result. A bench past the campaign's timeout is stopped (SIGTERM to its process
group, SIGKILL after ``STOP_GRACE``) and counted as an error.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hanrig.bench.errors import ConfigError
from hanrig.campaign.dsp import Alert, DeviceTrack, alerts_of, tracks_of
from hanrig.console import EXIT_BAD_INPUT, EXIT_INFRASTRUCTURE, EXIT_OK, EXIT_VERDICT_FAILED
from hanrig.rig.journal import read_journal
from hanrig.rig.record import RunRecord, from_reading
from hanrig.rig.reports import JOURNAL_NAME

#: seconds between two readings of a running bench's journal
POLL = 0.5
#: seconds a bench told to stop has before it is killed
STOP_GRACE = 20.0


@dataclass(frozen=True)
class BenchJob:
    """A bench to run: its name, its rig config, and where its run's reports go."""

    stage: str
    name: str
    config: Path
    report_dir: Path
    suite: str
    #: the labgrid place it stands on, if any
    place: str | None = None


@dataclass
class BenchResult:
    job: BenchJob
    #: pass, fail, error (config or infrastructure) or interrupted
    outcome: str
    exit_code: int | None
    reason: str
    run_dir: Path | None
    started: float
    finished: float
    tracks: list[DeviceTrack] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"stage": self.job.stage, "bench": self.job.name, "place": self.job.place,
                "outcome": self.outcome, "exit_code": self.exit_code, "reason": self.reason,
                "run_dir": str(self.run_dir) if self.run_dir else None, "started": self.started,
                "finished": self.finished, "devices": [t.as_dict() for t in self.tracks],
                "alerts": [a.as_dict() for a in self.alerts]}


_OUTCOMES = {EXIT_OK: "pass", EXIT_VERDICT_FAILED: "fail", EXIT_BAD_INPUT: "error", EXIT_INFRASTRUCTURE: "error"}


def run_directory(report_dir: Path) -> Path | None:
    """The directory ``hanrig run`` made in a bench's report directory for its run, once it has made it."""
    found = sorted(report_dir.glob(f"*/{JOURNAL_NAME}")) if report_dir.is_dir() else []
    return found[-1].parent if found else None


def read_run(run_dir: Path) -> RunRecord | None:
    """The bench's run record as journaled so far (a journal torn mid-line reads up to the tear)."""
    try:
        return from_reading(read_journal(run_dir / JOURNAL_NAME))
    except ConfigError:
        return None


def run_bench(job: BenchJob, *, timeout: float, on_progress: Callable[[list[DeviceTrack]], None],
              cancelled: Callable[[], bool]) -> BenchResult:
    """Run the bench to its end (or its timeout, or the campaign's cancellation) and return what it showed."""
    command = [sys.executable, "-m", "hanrig", "run", "--config", str(job.config), "--suite", job.suite,
               "--report-dir", str(job.report_dir), "--json"]
    started = time.time()
    log = job.report_dir / "bench.log"
    job.report_dir.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as stderr:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stderr, start_new_session=True,
                                   env={**os.environ, "PYTHONUNBUFFERED": "1"})
    reason = ""
    seen = 0.0
    while True:
        try:
            process.wait(POLL)
            break
        except subprocess.TimeoutExpired:
            pass
        if cancelled():
            reason = "the campaign was interrupted"
            _stop(process)
            break
        if time.time() - started > timeout:
            reason = f"the bench did not finish within {timeout:g} s and was stopped"
            _stop(process)
            break
        run_dir = run_directory(job.report_dir)
        journal = run_dir / JOURNAL_NAME if run_dir else None
        if journal is not None and journal.stat().st_mtime != seen:
            seen = journal.stat().st_mtime
            record = read_run(journal.parent)
            if record is not None:
                on_progress(tracks_of(record))
    stdout = process.stdout.read() if process.stdout else b""
    if process.stdout:
        process.stdout.close()
    return _result(job, process.returncode, reason, stdout, started)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the bench's process group (its run and its emulator), SIGKILL if it lingers."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(STOP_GRACE)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(STOP_GRACE)
    except ProcessLookupError:
        pass


def _result(job: BenchJob, code: int | None, reason: str, stdout: bytes, started: float) -> BenchResult:
    run_dir = run_directory(job.report_dir)
    record = read_run(run_dir) if run_dir else None
    outcome = "interrupted" if reason else _OUTCOMES.get(code if code is not None else -1, "error")
    if not reason:
        reason = _reason(record, stdout, job, code)
    result = BenchResult(job, outcome, code, reason, run_dir, started, time.time())
    if record is not None:
        result.tracks = tracks_of(record)
        result.alerts = alerts_of(record)
    return result


def _reason(record: RunRecord | None, stdout: bytes, job: BenchJob, code: int | None) -> str:
    """Why the bench did not pass, in one line: its run's reason, a failed scenario's, or its error output."""
    if code == EXIT_OK:
        return ""
    if record is not None:
        if record.reason:
            return record.reason
        failed = [s for s in record.scenarios if s.outcome.value != "pass"]
        if failed:
            return f"{failed[0].id}: {failed[0].reason}"
    try:
        summary = json.loads(stdout.decode() or "{}")
    except ValueError:
        summary = {}
    if summary.get("outcome"):
        return f"the run ended {summary['outcome']}"
    errors = (job.report_dir / "bench.log").read_text(errors="replace").strip().splitlines()
    return errors[-1] if errors else f"hanrig run exited {code}"
