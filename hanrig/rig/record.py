"""The run record: everything one run established, folded from its journal.

Reports are never written from a run's memory, only from its journal, so a run that
was killed is reported exactly like one that finished: what was journaled is there,
and whatever had started but not finished is marked interrupted.

Journal entries (kinds) that make a record: ``run_started``, ``radio``, ``radio_event``
(lost, restored, gone), ``device`` (each device under test, as the config says it is),
``image``, ``scenario_started``, ``transition``, ``transfer_sample`` (a transfer's offset,
every few percent), ``gbcs``, ``measurement``, ``scenario_finished``, ``run_finished``.
Entries carry the scenario they belong to.
"""

from __future__ import annotations

import enum
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from hanrig.rig.journal import Entry, Reading


def new_run_id() -> str:
    """A run's name: when it started, and a few random digits so that two runs never collide."""
    return f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"


#: how ``RunRecord.counts`` names passes that rest only on the rig's own CH model
SELF_CHECK = "self-check"


class Outcome(enum.StrEnum):
    PASS = "pass"
    FAIL = "fail"
    ERROR = "error"
    SKIPPED = "skipped"
    INTERRUPTED = "interrupted"


class Basis(enum.StrEnum):
    """What a scenario's verdict rests on."""

    #: at least one check judged the device under test
    DEVICE = "device"
    #: every check judged the rig's own CH model: a pass says nothing about the device
    SELF_CHECK = "rig self-check"


@dataclass
class ScenarioRecord:
    id: str
    title: str = ""
    description: str = ""
    #: each statement of evidence the scenario claims: ``{"text": ..., "checks": [name prefixes]}``
    evidence: list[dict[str, Any]] = field(default_factory=list)
    outcome: Outcome = Outcome.INTERRUPTED
    reason: str = ""
    started: float | None = None
    finished: float | None = None
    measurements: list[dict[str, Any]] = field(default_factory=list)
    transitions: list[dict[str, Any]] = field(default_factory=list)
    samples: list[dict[str, Any]] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)

    @property
    def duration(self) -> float | None:
        return None if self.started is None or self.finished is None else self.finished - self.started

    def checks_proving(self, statement: dict[str, Any]) -> list[dict[str, Any]]:
        """The judging checks whose names start as the statement of evidence says."""
        prefixes = tuple(statement["checks"])
        return [m for m in self.measurements if m["name"].startswith(prefixes) and not m.get("observation")]

    def checks_of(self, subject: str) -> list[dict[str, Any]]:
        """The measurements that judge ``subject`` (``device`` or ``ch-model``), observations left out."""
        return [m for m in self.measurements if m.get("subject") == subject and not m.get("observation")]

    @property
    def basis(self) -> Basis:
        return Basis.DEVICE if self.checks_of("device") else Basis.SELF_CHECK


@dataclass
class RunRecord:
    run_id: str = ""
    started: float | None = None
    finished: float | None = None
    outcome: Outcome = Outcome.INTERRUPTED
    reason: str = ""
    #: for an ``error`` outcome, what was wrong: ``config`` (the user's to fix) or ``infrastructure``
    error_cause: str = ""
    suite: str = ""
    config: dict[str, Any] = field(default_factory=dict)
    station: dict[str, Any] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)
    radio: dict[str, Any] = field(default_factory=dict)
    #: the devices under test, as the config says they are
    devices: list[dict[str, Any]] = field(default_factory=list)
    #: the radio lost, restored or gone during the run, with the scenario under way
    radio_events: list[dict[str, Any]] = field(default_factory=list)
    images: list[dict[str, Any]] = field(default_factory=list)
    scenarios: list[ScenarioRecord] = field(default_factory=list)
    #: entries outside any scenario (setup, teardown, a single ``hanrig ota``)
    measurements: list[dict[str, Any]] = field(default_factory=list)
    transitions: list[dict[str, Any]] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)
    journal_torn: bool = False

    def counts(self) -> dict[str, int]:
        """Scenarios by outcome; a pass that rests on no device evidence counts as a ``self-check``, not a pass."""
        counts = {Outcome.PASS.value: 0, SELF_CHECK: 0, **{outcome.value: 0 for outcome in Outcome}}
        for scenario in self.scenarios:
            self_check = scenario.outcome is Outcome.PASS and scenario.basis is Basis.SELF_CHECK
            counts[SELF_CHECK if self_check else scenario.outcome.value] += 1
        return counts


def _scenario(record: RunRecord, entry: Entry) -> ScenarioRecord | None:
    name = entry.fields.get("scenario")
    if name is None:
        return None
    for scenario in reversed(record.scenarios):
        if scenario.id == name:
            return scenario
    scenario = ScenarioRecord(name)  # an entry for a scenario whose start was not journaled
    record.scenarios.append(scenario)
    return scenario


def _fields(entry: Entry, *drop: str) -> dict[str, Any]:
    return {"time": entry.time, **{k: v for k, v in entry.fields.items() if k not in ("scenario", *drop)}}


def fold(entries: Iterable[Entry], *, torn_tail: bool = False) -> RunRecord:
    record = RunRecord(journal_torn=torn_tail)
    for entry in entries:
        fields, scenario = entry.fields, _scenario(record, entry)
        match entry.kind:
            case "run_started":
                record.run_id = fields.get("run_id", "")
                record.started = entry.time
                record.suite = fields.get("suite", "")
                record.config = fields.get("config", {})
                record.station = fields.get("station", {})
                record.versions = fields.get("versions", {})
            case "radio":
                record.radio = _fields(entry)
            case "radio_event":
                record.radio_events.append({"scenario": fields.get("scenario"), **_fields(entry)})
            case "device":
                record.devices.append(_fields(entry))
            case "image":
                record.images.append(_fields(entry))
            case "scenario_started":
                assert scenario is not None
                scenario.title = fields.get("title", "")
                scenario.description = fields.get("description", "")
                scenario.evidence = [{"text": item, "checks": item.split()[:1]} if isinstance(item, str) else item
                                     for item in fields.get("evidence", [])]
                scenario.started = entry.time
            case "scenario_finished":
                assert scenario is not None
                scenario.outcome = Outcome(fields["outcome"])
                scenario.reason = fields.get("reason", "")
                scenario.finished = entry.time
            case "measurement":
                (scenario.measurements if scenario else record.measurements).append(_fields(entry))
            case "transition":
                (scenario.transitions if scenario else record.transitions).append(_fields(entry))
            case "transfer_sample":
                if scenario is not None:
                    scenario.samples.append(_fields(entry))
            case "gbcs":
                (scenario.messages if scenario else record.messages).append(_fields(entry))
            case "run_finished":
                record.finished = entry.time
                record.outcome = Outcome(fields["outcome"])
                record.reason = fields.get("reason", "")
                record.error_cause = fields.get("error_cause", "")
    if record.finished is None:
        record.reason = record.reason or "the run ended before it finished (killed or crashed)"
    return record


def from_reading(reading: Reading) -> RunRecord:
    return fold(reading.entries, torn_tail=reading.torn_tail)
