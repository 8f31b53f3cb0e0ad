"""What a campaign shows while it runs: a live table on a terminal, one line per event in a log.

Both read the campaign record the runner folds after each journal entry; the record is
replaced whole, so the runner's threads and rich's refresh never share a half-made one.
"""

from __future__ import annotations

import time

import click
from rich.console import Console
from rich.live import Live
from rich.table import Table

from hanrig.campaign.dsp import FUNNEL
from hanrig.campaign.record import CampaignRecord, StageRecord

_STYLES = {"passed": "green", "failed": "bold red", "error": "bold red", "interrupted": "bold red",
           "running": "yellow", "not run": "dim"}


def devices_per_minute(stage: StageRecord, now: float) -> float:
    """Devices whose update ended (activated or failed) per minute of the stage so far."""
    ended = sum(1 for bench in stage.benches.values() for track in bench.tracks)
    ended += sum(1 for bench in stage.benches.values() if not bench.tracks
                 for value in bench.progress.values() if value in ("activated", "failed"))
    elapsed = ((stage.finished or now) - stage.started) if stage.started else 0.0
    return 60.0 * ended / elapsed if elapsed > 0 else 0.0


def render(record: CampaignRecord) -> Table:
    now = time.time()
    table = Table(title=f"campaign {record.name}", title_justify="left", expand=False)
    for column in ("stage", "benches", *[s.value for s in FUNNEL], "verified", "failed", "devices/min", "gate"):
        table.add_column(column, justify="left" if column in ("stage", "gate") else "right")
    for stage in record.stages:
        funnel = stage.funnel()
        ran = stage.ran()
        running = len(stage.benches) - len(ran)
        benches = f"{len(ran)}/{stage.planned_benches or len(stage.benches)}" + (f" (+{running})" if running else "")
        gate = "; ".join(f"{c['name']} {c['actual']} {'ok' if c['passed'] else 'FAIL'}" for c in stage.gate)
        style = _STYLES.get(stage.outcome, "")
        table.add_row(f"[{style}]{stage.name}[/]", benches,
                      *[f"{funnel[s.value]}/{funnel['planned']}" for s in FUNNEL],
                      str(funnel["activated (verified)"]), str(funnel["failed"]),
                      f"{devices_per_minute(stage, now):.0f}", gate or stage.outcome)
    return table  # the verdict is the command's last line, not the table's


class LiveTable:
    """The campaign as a table redrawn a few times a second (a terminal)."""

    def __init__(self, console: Console | None = None) -> None:
        self._record = CampaignRecord()
        self._live = Live(console=console or Console(), refresh_per_second=4,
                          get_renderable=lambda: render(self._record))

    def __enter__(self) -> LiveTable:
        self._live.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._live.stop()

    def update(self, record: CampaignRecord) -> None:
        self._record = record


class EventLines:
    """The campaign as one line per bench, place and gate (a log: CI, a pipe)."""

    def __init__(self) -> None:
        self._said: set[tuple[str, ...]] = set()

    def __enter__(self) -> EventLines:
        return self

    def __exit__(self, *exc_info: object) -> None:
        pass

    def _say(self, key: tuple[str, ...], line: str) -> None:
        if key not in self._said:
            self._said.add(key)
            click.echo(f"{time.strftime('%H:%M:%S')} {line}")

    def update(self, record: CampaignRecord) -> None:
        for stage in record.stages:
            if stage.outcome != "not run":
                self._say(("stage", stage.name),
                          f"stage {stage.name}: {stage.planned_benches} benches ({stage.source})")
            for event in stage.places:
                self._say(("place", stage.name, event["place"], event["event"], str(event["time"])),
                          f"  place {event['place']} {event['event']}"
                          + (f": {event['reason']}" if event.get("reason") else ""))
            for bench in stage.ran():
                activated = sum(t.activated for t in bench.tracks)
                self._say(("bench", bench.name), f"  {bench.name} {bench.outcome.upper()}: {activated}/"
                          f"{len(bench.planned)} devices activated" + (f"; {bench.reason}" if bench.reason else ""))
            for skipped in stage.skipped:
                self._say(("skipped", skipped["bench"]), f"  {skipped['bench']} SKIPPED: {skipped['reason']}")
            if stage.gate:
                verdict = "passed" if all(c["passed"] for c in stage.gate) else "FAILED"
                figures = "; ".join(f"{c['name']} {c['actual']} (gate {c['required']})" for c in stage.gate)
                self._say(("gate", stage.name), f"stage {stage.name} gate {verdict}: {figures}")
