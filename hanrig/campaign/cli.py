"""``hanrig campaign FILE``: a firmware variant through its roll-out stages, on a fleet of benches.

Exit code 0 when every stage's gate passed, 1 when a gate failed or the campaign was
interrupted, 2 for a bad campaign file, 3 when the lab failed (labgrid's coordinator
unreachable, every bench of a stage failing on its infrastructure). The reports are
written from the journal at the end, and ``hanrig report --journal .../campaign.journal``
rebuilds them at any time, also for a campaign that was killed.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import time
from dataclasses import replace
from pathlib import Path

import click

from hanrig.bench.errors import BenchError, ConfigError
from hanrig.campaign.live import EventLines, LiveTable
from hanrig.campaign.record import CampaignRecord
from hanrig.campaign.reports import write_campaign_reports
from hanrig.campaign.runner import JOURNAL_NAME, CampaignRun
from hanrig.campaign.spec import load_campaign
from hanrig.console import EXIT_OK, EXIT_VERDICT_FAILED, emit_json, json_option
from hanrig.rig.errors import InfrastructureError


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for package in ("hanrig", "zigpy", "bellows", "labgrid"):
        with contextlib.suppress(PackageNotFoundError):
            found[package] = version(package)
    return found


@click.command("campaign")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--report-dir", type=click.Path(path_type=Path),
              help="Where the campaign's directory goes (default: the campaign file's report_dir).")
@click.option("--junit", type=click.Path(path_type=Path), help="Also write the campaign's JUnit XML here.")
@click.option("--parallel", type=click.IntRange(1, 256), help="Benches at once (default: the file's, or the CPUs).")
@json_option
def campaign(file: Path, report_dir: Path | None, junit: Path | None, parallel: int | None, as_json: bool) -> None:
    """Run a staged roll-out campaign (validation, pilot, mass...) and report its tracking."""
    spec = load_campaign(file)
    if parallel is not None:
        spec = replace(spec, parallel=parallel)
    out_dir = (report_dir or spec.report_dir) / f"{spec.name}-{time.strftime('%Y%m%dT%H%M%S')}"
    view: LiveTable | EventLines | None = None if as_json else LiveTable() if sys.stdout.isatty() else EventLines()
    run = CampaignRun(spec, out_dir, on_change=view.update if view else lambda record: None)
    previous = {signum: signal.signal(signum, lambda *_: run.cancel.set()) for signum in (signal.SIGINT,
                                                                                          signal.SIGTERM)}
    error: InfrastructureError | BenchError | None = None
    try:
        with view or contextlib.nullcontext():
            record = run.run(_versions())
    except (InfrastructureError, BenchError) as exc:  # journaled by the run: reported like any other end
        error = exc
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        run.journal.close()
    written = write_campaign_reports(out_dir / JOURNAL_NAME, out_dir, junit=junit)
    if isinstance(error, InfrastructureError):
        raise InfrastructureError(f"{error} (reports in {out_dir})")
    if error is not None:
        raise ConfigError(f"{error} (reports in {out_dir})")
    _say(record, written["campaign.html"], as_json)
    sys.exit(EXIT_OK if record.outcome == "pass" else EXIT_VERDICT_FAILED)


def _say(record: CampaignRecord, html: Path, as_json: bool) -> None:
    if as_json:
        emit_json({"campaign": record.name, "outcome": record.outcome, "reason": record.reason,
                   "reports": str(html.parent),
                   "stages": [{"name": s.name, "outcome": s.outcome, "funnel": s.funnel(), "gate": s.gate}
                              for s in record.stages]})
        return
    click.echo(f"{record.outcome.upper()}: {record.reason or 'every gate passed'}; report {html}")
