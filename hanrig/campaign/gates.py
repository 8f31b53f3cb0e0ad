"""A stage's gate judged on what its benches showed: each criterion with its figure and its verdict."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from hanrig.campaign.dsp import Alert, DeviceTrack
from hanrig.campaign.spec import Gate


@dataclass(frozen=True)
class BenchOutcome:
    """What the gate needs of one bench that ran: its verdict, its planned devices, what they did."""

    outcome: str
    planned: int
    tracks: list[DeviceTrack]
    alerts: list[Alert]


@dataclass(frozen=True)
class Criterion:
    name: str
    required: str
    actual: str
    passed: bool
    detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "required": self.required, "actual": self.actual, "passed": self.passed,
                "detail": self.detail}


def unexpected(alerts: Iterable[Alert], expected: Iterable[int]) -> list[Alert]:
    """Alerts of a kind the campaign does not expect, and device alerts that do not verify."""
    known = set(expected)
    return [a for a in alerts if a.code not in known or (a.direction == "from-device" and not a.verified)]


def judge(gate: Gate, benches: list[BenchOutcome], expected_alerts: Iterable[int]) -> list[Criterion]:
    """Every criterion of the gate; a stage where no bench ran fails whatever the gate says."""
    if not benches:
        return [Criterion("benches", "at least one bench ran", "none", False, "no bench of the stage ran")]
    criteria = []
    if gate.benches_passed is not None:
        passed = sum(b.outcome == "pass" for b in benches)
        share = 100.0 * passed / len(benches)
        criteria.append(Criterion("benches passed", f">= {gate.benches_passed:g}%",
                                  f"{share:.1f}% ({passed}/{len(benches)})", share >= gate.benches_passed))
    if gate.activated is not None:
        planned = sum(b.planned for b in benches)
        activated = sum(t.activated for b in benches for t in b.tracks)
        share = 100.0 * activated / planned if planned else 0.0
        criteria.append(Criterion("devices activated", f">= {gate.activated:g}%",
                                  f"{share:.1f}% ({activated}/{planned})", planned > 0 and share >= gate.activated,
                                  "activated on verified device evidence (CS09, or FDRA and CS06, and CS08)"))
    if gate.unexpected_alerts is not None:
        found = unexpected((a for b in benches for a in b.alerts), expected_alerts)
        kinds = sorted({a.label + ("" if a.verified else " (unverified)") for a in found})
        criteria.append(Criterion("unexpected alerts", f"<= {gate.unexpected_alerts}", str(len(found)),
                                  len(found) <= gate.unexpected_alerts, ", ".join(kinds)))
    return criteria
