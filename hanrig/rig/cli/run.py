"""``hanrig run``: the main job. Run a suite on the bench the config describes and report it.

The built-in suites are pytest modules written with hanrig's pytest plugin, the same
way a lab writes its own; ``hanrig run`` runs them with pytest, names the run, shows
the live view on a terminal, and takes its verdict from the run record the plugin
writes. With no arguments it uses ``./hil_config.yaml``, which by default starts the
emulated radio itself. Exit code 0 when every scenario passed, 1 when one failed or
the run was interrupted, 2 for a bad config, 3 when the rig's infrastructure failed.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import click

from hanrig.bench.errors import ConfigError
from hanrig.console import (
    EXIT_OK,
    EXIT_VERDICT_FAILED,
    emit_json,
    json_option,
)
from hanrig.gbcs import GbcsError
from hanrig.gbcs.duis import parse_firmware_request
from hanrig.rig.config import RigConfig, load_config
from hanrig.rig.errors import InfrastructureError
from hanrig.rig.record import new_run_id
from hanrig.rig.reports import JOURNAL_NAME, write_reports

#: The suite a DUIS request runs: each device the request names gets its image.
DUIS_SUITE = "duis"


def suite_path(name: str) -> Path:
    """The file of a built-in suite."""
    path = Path(str(resources.files("hanrig.fixtures") / "suites" / f"{name}.py"))
    if not path.is_file():
        known = sorted(p.stem for p in path.parent.glob("*.py") if not p.stem.startswith("_"))
        raise ConfigError(f"no suite {name!r} (built-in suites: {', '.join(known)})")
    return path


def _check_duis(path: Path, config: RigConfig) -> None:
    """The request reads, and every device it names is one of the bench's (in the CH's device log)."""
    try:
        request = parse_firmware_request(path.read_bytes())
    except OSError as exc:
        raise ConfigError(f"{path}: {exc.strerror}") from None
    except GbcsError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    known = {device.eui64 for device in config.devices}
    for eui in request.device_ids:
        if eui not in known:
            devices = ", ".join(f"{d.name} {d.eui64}" for d in config.devices) or "none"
            raise ConfigError(f"{path}: the request names device {eui}, which {config.path} does not have "
                              f"(devices: {devices}); benches/duis-samples.yaml has the DUIS samples' devices")


class _Signals:
    """SIGINT and SIGTERM stop a run the same way: the first as Ctrl-C does, the second at once.

    The first becomes a KeyboardInterrupt in the main thread, where pytest runs the suite: the
    scenario under way is marked interrupted, the bench is stopped and the reports written. A
    second, while that is under way, ends the process there and then; the journal, written
    entry by entry, still holds everything up to that moment.
    """

    def __init__(self) -> None:
        #: the first signal received, if any
        self.received: signal.Signals | None = None

    def __enter__(self) -> _Signals:
        self._previous = {signum: signal.signal(signum, self._handle) for signum in (signal.SIGINT, signal.SIGTERM)}
        return self

    def __exit__(self, *exc_info: object) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)

    def _handle(self, signum: int, frame: object) -> None:
        if self.received is not None:
            os.write(2, b"hanrig: stopping now (second signal); the run's journal holds what it did\n")
            os._exit(EXIT_VERDICT_FAILED)
        self.received = signal.Signals(signum)
        raise KeyboardInterrupt(self.received.name)


def _verdict(record: dict[str, Any], reports: Path, *, say: bool) -> int:
    """How the run ended, as its exit code (and in one line, if ``say``); errors as the typed errors they are."""
    where = f"reports in {reports}"
    if record["outcome"] == "error":
        if record["error_cause"] == "config":
            raise ConfigError(f"{record['reason']} ({where})")
        raise InfrastructureError(f"{record['reason']} ({where})")
    if not record["scenarios"] and record["outcome"] != "interrupted":
        raise ConfigError("no scenario ran: the selection (--scenario, -k) matched none of the suite's")
    if say:
        counts = ", ".join(f"{n} {k}" for k, n in record["counts"].items() if n)
        click.echo(f"{record['outcome'].upper()}: {counts or 'no scenarios'}; {where}")
    return EXIT_OK if record["outcome"] == "pass" else EXIT_VERDICT_FAILED


def report_interrupted_run(run_dir: Path, *, junit: Path | None) -> bool:
    """Reports for a run a signal stopped before the suite could write them; False if it never began.

    The journal holds what happened up to the signal, and the reports are made from it as
    ``hanrig report`` makes them for a killed run: nothing journaled is lost.
    """
    journal = run_dir / JOURNAL_NAME
    if not journal.is_file():
        return False
    write_reports(journal, run_dir, junit=junit)
    return True


@click.command("run")
@click.option("--config", "config_path", type=click.Path(path_type=Path), default=Path("hil_config.yaml"),
              show_default=True, help="The rig config.")
@click.option("--suite", help="A built-in suite (default: the config's suites).")
@click.option("--report-dir", type=click.Path(path_type=Path), help="Where the run's reports go "
              "(default: the config's report_dir); each run gets a directory of its own in it.")
@click.option("--junit", type=click.Path(path_type=Path), help="Also write the JUnit XML here (for CI).")
@click.option("--duis", type=click.Path(path_type=Path), help="Take the image and devices from this DUIS "
              "11.1/11.4 request instead of a suite.")
@click.option("--scenario", "scenarios", multiple=True, metavar="ID",
              help="Run only this scenario (SECMP0007-12 for all its cases, SECMP0007-12[64] for one); repeatable.")
@click.option("-k", "keyword", metavar="EXPR", help="Run only the scenarios whose test names match EXPR (pytest -k).")
@json_option
def run(config_path: Path, suite: str | None, report_dir: Path | None, junit: Path | None, duis: Path | None,
        scenarios: tuple[str, ...], keyword: str | None, as_json: bool) -> None:
    """Run the HIL suite on the configured bench; write JUnit, JSON, HTML and journal reports."""
    import pytest

    if not config_path.is_file():
        raise ConfigError(f"{config_path}: no such config; run from a hanrig checkout or pass --config FILE")
    config = load_config(config_path)
    if duis is not None:
        _check_duis(duis, config)
        suites = [DUIS_SUITE]
    else:
        suites = [suite] if suite else list(config.suites)
    files = [str(suite_path(name)) for name in suites]
    run_id = new_run_id()
    out_root = report_dir or config.report_dir
    # The suites' own settings, never those of a project around the working directory (which pytest
    # would otherwise find from the paths among the arguments).
    settings = Path(str(resources.files("hanrig.fixtures") / "suites" / "pytest.ini"))
    args = [*files, "-c", str(settings), "--rootdir", str(settings.parent),
            # the suites' files are the test files: a wider pattern has pytest rewrite the asserts of every
            # module imported after it (numpy, zigpy, bellows...), seconds of start-up, and their code changed
            "-o", f"python_files={' '.join(Path(file).name for file in files)}",
            "--hil-config", str(config_path), "--hil-run-id", run_id, "--hil-report-dir", str(out_root),
            "--hil-suite", ",".join(suites),
            # Nothing of pytest's own on the terminal (the run's views and one verdict line are the output),
            # nothing captured (the views and -v's logs reach the terminal as they happen).
            "-p", "no:terminal", "-p", "no:cacheprovider", "-p", "no:logging", "-s",
            # the suites are synchronous: an asyncio plugin installed beside hanrig has nothing to do
            "-p", "no:asyncio",
            # labgrid's plugin (installed with hanrig[labgrid]) reads pytest's terminal options, gone here,
            # and a campaign acquires its places itself
            "-p", "no:labgrid"]
    for scenario_id in scenarios:
        args += ["--hil-scenario", scenario_id]
    if keyword is not None:
        args += ["-k", keyword]
    if junit is not None:
        args += ["--hil-junit", str(junit)]
    if duis is not None:
        args += ["--hil-duis", str(duis)]
    if not as_json:  # stdout carries only the one JSON document with --json
        args.append("--hil-live" if sys.stdout.isatty() else "--hil-lines")
    with _Signals() as signals:
        status = pytest.main(args)
    record_path = out_root / run_id / "run.json"
    if not record_path.is_file():
        if signals.received is None:
            raise InfrastructureError(f"the suite did not run (pytest exit {int(status)})")
        if not report_interrupted_run(record_path.parent, junit=junit):
            click.echo(f"INTERRUPTED: by {signals.received.name} before the run began; nothing ran")
            sys.exit(EXIT_VERDICT_FAILED)
    record = json.loads(record_path.read_text())
    if as_json:
        emit_json({"run_id": run_id, "outcome": record["outcome"], "counts": record["counts"],
                   "reports": str(record_path.parent),
                   "scenarios": [{"id": s["id"], "outcome": s["outcome"], "basis": s["basis"], "reason": s["reason"]}
                                 for s in record["scenarios"]]})
    sys.exit(_verdict(record, record_path.parent, say=not as_json))
