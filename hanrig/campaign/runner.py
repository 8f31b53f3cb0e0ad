"""Running a campaign: its stages in order, each stage's benches in parallel, each gate judged.

Everything is journaled as it happens (``campaign.journal`` in the campaign's directory):
the plan, each bench as it starts and ends, each device reaching a DSP stage, each gate.
A stage whose gate fails ends the campaign; the stages after it are reported as not run.
Interrupted (Ctrl-C, SIGTERM), the benches under way are stopped, and the campaign is
reported as far as it got.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from hanrig.bench.errors import BenchError, ConfigError
from hanrig.bench.source import read_config_source
from hanrig.campaign.benches import BenchJob, BenchResult, run_bench
from hanrig.campaign.dsp import DeviceTrack, DspStage
from hanrig.campaign.fleet import bench_config, draw_bench, fleet_keystore
from hanrig.campaign.gates import judge
from hanrig.campaign.places import Lab, PlaceBusy
from hanrig.campaign.record import CampaignRecord, fold
from hanrig.campaign.spec import Campaign, LabgridBenches, Stage, WhenBusy, absolute_paths
from hanrig.console import EXIT_INFRASTRUCTURE
from hanrig.rig.config import load_config
from hanrig.rig.errors import InfrastructureError
from hanrig.rig.journal import Entry, Journal

JOURNAL_NAME = "campaign.journal"
#: seconds between two looks at a busy labgrid place
PLACE_POLL = 1.0


@dataclass
class _Planned:
    job: BenchJob
    planned: list[dict[str, Any]]


@dataclass
class CampaignRun:
    """One campaign under way: its journal, and the record the live view reads."""

    campaign: Campaign
    out_dir: Path
    on_change: Callable[[CampaignRecord], None] = lambda record: None
    cancel: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.journal = Journal(self.out_dir / JOURNAL_NAME)
        self._entries: list[Entry] = []
        self._lock = threading.Lock()
        #: (bench, device) -> the DSP stages journaled for it
        self._stages: dict[tuple[str, str], set[str]] = {}
        #: labgrid places this campaign holds now
        self._holding: set[str] = set()

    # ---------------------------------------------------------------- journal and view

    def record(self, kind: str, **fields: Any) -> None:
        with self._lock:
            self._entries.append(self.journal.append(kind, **fields))
            snapshot = fold(self._entries, under_way=True)
        self.on_change(snapshot)

    def _progress(self, stage: str, bench: str, tracks: list[DeviceTrack]) -> None:
        """Journal each DSP stage a device has reached since the last look (the bench journals when)."""
        for track in tracks:
            journaled = self._stages.setdefault((bench, track.device), set())
            for dsp_stage, reached_at in sorted(track.reached.items(), key=lambda item: item[1]):
                if dsp_stage not in journaled:
                    journaled.add(dsp_stage)
                    alert = track.alert_at(DspStage(dsp_stage))
                    self.record("distribution", stage=stage, bench=bench, device=track.device, eui64=track.eui64,
                                dsp_stage=dsp_stage, reached_at=reached_at,
                                detail=track.reason if dsp_stage == "failed" else "",
                                alert=alert.as_dict() if alert is not None else None)

    # ---------------------------------------------------------------- the campaign

    def run(self, versions: dict[str, str]) -> CampaignRecord:
        campaign = self.campaign
        source = read_config_source(campaign.path)
        self.record("campaign_started", name=campaign.name, file=str(campaign.path), sha256=source.sha256,
                    out_dir=str(self.out_dir), versions=versions, expected_alerts=list(campaign.expected_alerts),
                    parallel=campaign.parallel,
                    stages=[_plan(stage) for stage in campaign.stages])
        keystore = self._keystore()
        outcome, reason = "pass", ""
        try:
            for index, stage in enumerate(campaign.stages):
                passed, why = self._stage(index, stage, keystore)
                if self.cancel.is_set():
                    outcome, reason = "interrupted", "interrupted during stage " + stage.name
                    break
                if not passed:
                    outcome, reason = "fail", f"stage {stage.name}: {why}"
                    break
        except (InfrastructureError, BenchError) as exc:
            self.record("campaign_finished", outcome="error", reason=str(exc))
            raise
        self.record("campaign_finished", outcome=outcome, reason=reason)
        return fold(self._entries)

    def _keystore(self) -> Path | None:
        """One test keystore for every emulated device of the campaign (the draws are known up front)."""
        fleet = self.campaign.fleet
        if fleet is None:
            return None
        euis = [device.eui64 for index, stage in enumerate(self.campaign.stages) if stage.emulated
                for bench in range(stage.emulated) for device in draw_bench(fleet, index, bench)]
        return fleet_keystore(self.campaign, self.out_dir / "keystore", euis)

    def _stage(self, index: int, stage: Stage, keystore: Path | None) -> tuple[bool, str]:
        stage_dir = self.out_dir / f"{index + 1}-{stage.name}"
        if stage.labgrid is not None:
            results = self._labgrid_stage(stage, stage.labgrid, stage_dir)
        else:
            self.record("stage_started", stage=stage.name, benches=stage.emulated)
            results = self._run_all([self._emulated_job(index, stage, bench, stage_dir, keystore)
                                     for bench in range(stage.emulated or 0)])
        if self.cancel.is_set():
            self.record("stage_finished", stage=stage.name, outcome="interrupted")
            return False, "interrupted"
        record = fold(self._entries, under_way=True).stage(stage.name)
        criteria = judge(stage.gate, [bench.gate_input() for bench in record.ran()], self.campaign.expected_alerts)
        passed = all(c.passed for c in criteria)
        failing = [c for c in criteria if not c.passed]
        why = "; ".join(f"{c.name} {c.actual}, gate {c.required}" for c in failing)
        self.record("gate", stage=stage.name, passed=passed, criteria=[c.as_dict() for c in criteria])
        infrastructure = [r for r in results if r.exit_code == EXIT_INFRASTRUCTURE]
        if results and len(infrastructure) == len(results):
            self.record("stage_finished", stage=stage.name, outcome="error", reason=infrastructure[0].reason)
            raise InfrastructureError(f"stage {stage.name}: every bench failed on its infrastructure, e.g. "
                                      f"{infrastructure[0].job.name}: {infrastructure[0].reason}")
        self.record("stage_finished", stage=stage.name, outcome="passed" if passed else "failed",
                    reason="" if passed else f"gate failed: {why}")
        return passed, f"gate failed: {why}"

    # ---------------------------------------------------------------- benches

    def _emulated_job(self, index: int, stage: Stage, bench: int, stage_dir: Path,
                      keystore: Path | None) -> _Planned:
        assert self.campaign.fleet is not None
        devices = draw_bench(self.campaign.fleet, index, bench)
        name = f"{stage.name}-{bench + 1:03d}"
        bench_dir = stage_dir / name
        config = bench_config(self.campaign, [d.entry for d in devices], seed=bench + 1, report_dir=bench_dir,
                              keystore=keystore)
        path = _write_config(bench_dir, config)
        planned = [{"name": d.name, "eui64": d.eui64, "model": d.model, "type": d.type, "faults": d.faults}
                   for d in devices]
        return _Planned(BenchJob(stage.name, name, path, bench_dir, stage.suite), planned)

    def _run_one(self, planned: _Planned) -> BenchResult:
        job = planned.job
        self.record("bench_started", stage=job.stage, bench=job.name, planned=planned.planned, place=job.place,
                    config=str(job.config), report_dir=str(job.report_dir))
        result = run_bench(job, timeout=self.campaign.bench_timeout, cancelled=self.cancel.is_set,
                           on_progress=lambda tracks: self._progress(job.stage, job.name, tracks))
        self._progress(job.stage, job.name, result.tracks)
        self.record("bench_finished", **result.as_dict())
        return result

    def _run_all(self, jobs: list[_Planned]) -> list[BenchResult]:
        results: list[BenchResult] = []
        with ThreadPoolExecutor(max_workers=self.campaign.parallel, thread_name_prefix="hanrig-bench") as pool:
            pending: set[Future[BenchResult | None]] = {pool.submit(self._unless_cancelled, job) for job in jobs}
            while pending:
                done, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
                results += [r for r in (f.result() for f in done) if r is not None]
        return results

    def _unless_cancelled(self, planned: _Planned) -> BenchResult | None:
        return None if self.cancel.is_set() else self._run_one(planned)

    # ---------------------------------------------------------------- labgrid

    def _labgrid_stage(self, stage: Stage, spec: LabgridBenches, stage_dir: Path) -> list[BenchResult]:
        lab = Lab(spec.coordinator)
        try:
            names = lab.places(spec.places)
            if not names:
                raise ConfigError(f"labgrid coordinator {lab.coordinator} has no place matching {spec.places!r}")
            count = spec.count or len(names)
            self.record("stage_started", stage=stage.name, benches=count, places=names)
            free: queue.Queue[str] = queue.Queue()
            waiters = [threading.Thread(target=self._when_free, args=(lab, stage, spec, name, free), daemon=True)
                       for name in names]
            for waiter in waiters:
                waiter.start()
            jobs = [(f"{stage.name}-{bench + 1:03d}", stage_dir / f"{stage.name}-{bench + 1:03d}")
                    for bench in range(count)]
            results: list[BenchResult] = []
            with ThreadPoolExecutor(max_workers=min(self.campaign.parallel, len(names)),
                                    thread_name_prefix="hanrig-place") as pool:
                futures = [pool.submit(self._on_a_place, lab, stage, spec, name, bench_dir, free, waiters)
                           for name, bench_dir in jobs]
                results = [r for r in (f.result() for f in futures) if r is not None]
            return results
        finally:
            lab.close()

    def _when_free(self, lab: Lab, stage: Stage, spec: LabgridBenches, place: str, free: queue.Queue[str]) -> None:
        """Put the place in the pool once nobody else holds it, or give up on it as the campaign says."""
        holder = lab.holder(place)
        if holder is not None and holder != lab.user:
            if spec.when_busy is WhenBusy.SKIP:
                self.record("place", stage=stage.name, place=place, event="skipped", holder=holder,
                            reason=f"held by {holder}; the campaign skips busy places")
                return
            self.record("place", stage=stage.name, place=place, event="busy", holder=holder,
                        reason=f"held by {holder}; waiting up to {spec.wait:g} s")
            deadline = time.monotonic() + spec.wait
            while holder is not None and time.monotonic() < deadline and not self.cancel.is_set():
                time.sleep(PLACE_POLL)
                holder = lab.holder(place)
            if holder is not None:
                self.record("place", stage=stage.name, place=place, event="skipped", holder=holder,
                            reason=f"still held by {holder} after {spec.wait:g} s")
                return
            self.record("place", stage=stage.name, place=place, event="freed")
        free.put(place)

    def _on_a_place(self, lab: Lab, stage: Stage, spec: LabgridBenches, name: str, bench_dir: Path,
                    free: queue.Queue[str], waiters: list[threading.Thread]) -> BenchResult | None:
        """Run one bench on the first place the pool gives; skipped when no place will come."""
        while not self.cancel.is_set():
            try:
                place = free.get(timeout=PLACE_POLL)
            except queue.Empty:
                if not any(w.is_alive() for w in waiters) and free.empty() and not self._holding:
                    self.record("bench_skipped", stage=stage.name, bench=name,
                                reason=f"no place matching {spec.places!r} could be had")
                    return None
                continue
            try:
                lab.acquire(place)
            except PlaceBusy as busy:  # taken between the look and the acquire
                self.record("place", stage=stage.name, place=place, event="skipped", holder=busy.holder,
                            reason=f"taken by {busy.holder} before the campaign could acquire it")
                continue
            self._holding.add(place)
            self.record("place", stage=stage.name, place=place, event="acquired", holder=lab.user)
            try:
                planned = self._place_job(lab, stage, spec, name, place, bench_dir)
                return self._run_one(planned)
            finally:
                lab.release(place)
                self.record("place", stage=stage.name, place=place, event="released")
                if spec.count is not None:  # with no count, each place runs one bench
                    free.put(place)  # back in the pool before it stops counting as held: no bench gives up between
                self._holding.discard(place)
        return None

    def _place_job(self, lab: Lab, stage: Stage, spec: LabgridBenches, name: str, place: str,
                   bench_dir: Path) -> _Planned:
        """The place's rig config with its coordinator on the place's serial port and the campaign's images."""
        config_path = Path(spec.config.replace("{place}", place))
        if not config_path.is_absolute():
            config_path = self.campaign.path.parent / config_path
        if not config_path.is_file():
            raise ConfigError(f"{self.campaign.path}: stage {stage.name}: no rig config {config_path} for place "
                              f"{place}")
        template = load_config(config_path)  # checked as the rig checks it, with its own file and line
        devices = [{"name": d.name, "eui64": d.eui64, "model": d.type, "type": d.type, "faults": {}}
                   for d in template.devices]
        data = yaml.safe_load(config_path.read_text())
        data["coordinator"]["port"] = lab.serial_url(place)
        data["images"] = self.campaign.images
        data["report_dir"] = str(bench_dir)
        data.pop("suites", None)
        path = _write_config(bench_dir, absolute_paths(data, config_path.parent))
        return _Planned(BenchJob(stage.name, name, path, bench_dir, stage.suite, place=place), devices)


def _plan(stage: Stage) -> dict[str, Any]:
    """A stage as the campaign's first journal entry announces it (a labgrid stage without a count: 0 benches)."""
    if stage.labgrid is not None:
        benches, source = stage.labgrid.count or 0, f"labgrid {stage.labgrid.places}"
    else:
        benches, source = stage.emulated or 0, "emulated"
    return {"name": stage.name, "suite": stage.suite, "gate": stage.gate.as_dict(), "benches": benches,
            "source": source}


def _write_config(bench_dir: Path, config: dict[str, Any]) -> Path:
    bench_dir.mkdir(parents=True, exist_ok=True)
    path = bench_dir / "hil_config.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path
