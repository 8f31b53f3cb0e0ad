"""The campaign record: everything a campaign established, folded from its journal.

As for runs, reports are made only from the journal, so a killed campaign is reported like
a finished one. A bench that started but whose end was never journaled is read from its
own run journal, as far as that got, and marked interrupted.

Journal entries: ``campaign_started``, ``stage_started``, ``bench_started`` (its planned
devices, its place), ``place`` (acquired, released, busy, skipped), ``distribution`` (a
device reaching a DSP stage, as it happens), ``bench_finished`` (its outcome and every
device's track), ``gate``, ``stage_finished``, ``campaign_finished``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hanrig.campaign.benches import read_run, run_directory
from hanrig.campaign.dsp import FUNNEL, Alert, DeviceTrack, DspStage, alerts_of, tracks_of
from hanrig.campaign.gates import BenchOutcome
from hanrig.rig.journal import Entry, Reading


@dataclass
class BenchRecord:
    name: str
    stage: str
    #: the devices it was to update: name, eui64, model, faults
    planned: list[dict[str, Any]] = field(default_factory=list)
    place: str | None = None
    config: str = ""
    report_dir: str = ""
    outcome: str = "running"
    reason: str = ""
    run_dir: str | None = None
    started: float | None = None
    finished: float | None = None
    tracks: list[DeviceTrack] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    #: the latest DSP stage of each device, from ``distribution`` entries (a bench under way)
    progress: dict[str, str] = field(default_factory=dict)

    def gate_input(self) -> BenchOutcome:
        return BenchOutcome(self.outcome, len(self.planned), self.tracks, self.alerts)

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "stage": self.stage, "place": self.place, "planned": self.planned,
                "config": self.config, "outcome": self.outcome, "reason": self.reason, "run_dir": self.run_dir,
                "started": self.started, "finished": self.finished,
                "devices": [t.as_dict() for t in self.tracks], "alerts": [a.as_dict() for a in self.alerts]}


@dataclass
class StageRecord:
    name: str
    index: int
    planned_benches: int = 0
    source: str = ""
    suite: str = ""
    gate_spec: dict[str, Any] = field(default_factory=dict)
    #: not run, running, passed, failed, interrupted
    outcome: str = "not run"
    reason: str = ""
    started: float | None = None
    finished: float | None = None
    benches: dict[str, BenchRecord] = field(default_factory=dict)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    places: list[dict[str, Any]] = field(default_factory=list)
    gate: list[dict[str, Any]] = field(default_factory=list)

    def ran(self) -> list[BenchRecord]:
        return [bench for bench in self.benches.values() if bench.outcome != "running"]

    def funnel(self) -> dict[str, int]:
        """How many devices reached each DSP stage (on finished benches, and so far on running ones)."""
        counts = {stage.value: 0 for stage in FUNNEL}
        counts["planned"] = sum(len(b.planned) for b in self.benches.values())
        counts[DspStage.FAILED.value] = 0
        counts["activated (verified)"] = 0
        for bench in self.benches.values():
            if bench.tracks:
                for track in bench.tracks:
                    for stage in track.reached:
                        counts[stage] += 1
                    counts["activated (verified)"] += track.activated
            else:
                for stage in bench.progress.values():
                    for reached in _reached_before(DspStage(stage)):
                        counts[reached.value] += 1
        return counts

    def failed_devices(self) -> list[tuple[BenchRecord, DeviceTrack]]:
        return [(bench, track) for bench in self.benches.values() for track in bench.tracks if not track.activated]

    @property
    def duration(self) -> float | None:
        return None if self.started is None or self.finished is None else self.finished - self.started

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "source": self.source, "suite": self.suite, "planned_benches": self.planned_benches,
                "gate_spec": self.gate_spec, "outcome": self.outcome, "reason": self.reason,
                "started": self.started, "finished": self.finished, "funnel": self.funnel(), "gate": self.gate,
                "benches": [b.as_dict() for b in self.benches.values()], "skipped": self.skipped,
                "places": self.places}


def _reached_before(stage: DspStage) -> list[DspStage]:
    """The funnel stages a device at ``stage`` has passed through (a failure counts as the request received)."""
    if stage is DspStage.FAILED:
        return [DspStage.REQUEST_RECEIVED, DspStage.FAILED]
    return list(FUNNEL[:FUNNEL.index(stage) + 1])


@dataclass
class CampaignRecord:
    name: str = ""
    file: str = ""
    sha256: str = ""
    out_dir: str = ""
    versions: dict[str, str] = field(default_factory=dict)
    expected_alerts: list[int] = field(default_factory=list)
    started: float | None = None
    finished: float | None = None
    #: pass, fail, error, interrupted
    outcome: str = "interrupted"
    reason: str = ""
    stages: list[StageRecord] = field(default_factory=list)
    journal_torn: bool = False

    def stage(self, name: str) -> StageRecord:
        for stage in self.stages:
            if stage.name == name:
                return stage
        stage = StageRecord(name, len(self.stages))
        self.stages.append(stage)
        return stage

    def devices(self) -> int:
        return sum(len(b.planned) for s in self.stages for b in s.benches.values())

    def as_dict(self) -> dict[str, Any]:
        return {"campaign": self.name, "file": self.file, "sha256": self.sha256, "versions": self.versions,
                "expected_alerts": [f"0x{c:04X}" for c in self.expected_alerts], "started": self.started,
                "finished": self.finished, "outcome": self.outcome, "reason": self.reason,
                "journal_torn": self.journal_torn, "stages": [s.as_dict() for s in self.stages]}


def fold(entries: Iterable[Entry], *, torn_tail: bool = False, under_way: bool = False) -> CampaignRecord:
    """The record of these entries; ``under_way``: of a campaign still running (nothing is settled as ended)."""
    record = CampaignRecord(journal_torn=torn_tail)
    for entry in entries:
        fields = entry.fields
        match entry.kind:
            case "campaign_started":
                record.name = fields["name"]
                record.file, record.sha256 = fields.get("file", ""), fields.get("sha256", "")
                record.out_dir = fields.get("out_dir", "")
                record.versions = fields.get("versions", {})
                record.expected_alerts = list(fields.get("expected_alerts", []))
                record.started = entry.time
                for index, planned in enumerate(fields.get("stages", [])):
                    stage = record.stage(planned["name"])
                    stage.index, stage.source, stage.suite = index, planned["source"], planned["suite"]
                    stage.planned_benches, stage.gate_spec = planned["benches"], planned["gate"]
            case "stage_started":
                stage = record.stage(fields["stage"])
                stage.outcome, stage.started = "running", entry.time
                stage.planned_benches = fields.get("benches") or stage.planned_benches
            case "bench_started":
                stage = record.stage(fields["stage"])
                stage.benches[fields["bench"]] = BenchRecord(
                    fields["bench"], fields["stage"], list(fields.get("planned", [])), fields.get("place"),
                    fields.get("config", ""), fields.get("report_dir", ""), started=entry.time)
            case "distribution":
                bench = record.stage(fields["stage"]).benches.get(fields["bench"])
                if bench is not None:
                    bench.progress[fields["device"]] = fields["dsp_stage"]
            case "bench_finished":
                bench = record.stage(fields["stage"]).benches.get(fields["bench"])
                if bench is not None:
                    bench.outcome, bench.reason = fields["outcome"], fields.get("reason", "")
                    bench.run_dir, bench.finished = fields.get("run_dir"), entry.time
                    bench.tracks = [DeviceTrack.from_dict(d) for d in fields.get("devices", [])]
                    bench.alerts = [Alert.from_dict(a) for a in fields.get("alerts", [])]
            case "bench_skipped":
                record.stage(fields["stage"]).skipped.append({"time": entry.time, **fields})
            case "place":
                record.stage(fields["stage"]).places.append({"time": entry.time, **fields})
            case "gate":
                record.stage(fields["stage"]).gate = list(fields.get("criteria", []))
            case "stage_finished":
                stage = record.stage(fields["stage"])
                stage.outcome, stage.reason, stage.finished = fields["outcome"], fields.get("reason", ""), entry.time
            case "campaign_finished":
                record.outcome, record.reason, record.finished = fields["outcome"], fields.get("reason", ""), entry.time
    if not under_way:
        _settle_unfinished(record)
    return record


def _settle_unfinished(record: CampaignRecord) -> None:
    """Benches and stages whose end was never journaled: read from the benches' own run journals."""
    if record.finished is not None:
        return
    record.reason = record.reason or "the campaign ended before it finished (killed or crashed)"
    for stage in record.stages:
        if stage.outcome == "running":
            stage.outcome = "interrupted"
        for bench in stage.benches.values():
            if bench.outcome != "running":
                continue
            bench.outcome = "interrupted"
            run_dir = run_directory(Path(bench.report_dir)) if bench.report_dir else None
            run = read_run(run_dir) if run_dir else None
            if run is not None:
                bench.run_dir = str(run_dir)
                bench.tracks, bench.alerts = tracks_of(run), alerts_of(run)


def from_reading(reading: Reading) -> CampaignRecord:
    return fold(reading.entries, torn_tail=reading.torn_tail)
