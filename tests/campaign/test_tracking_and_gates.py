"""DSP tracking read from a bench's run, and gates judged on it: each fed wrong evidence, and failing."""

from __future__ import annotations

from typing import Any

import pytest

from hanrig.campaign.dsp import DspStage, alerts_of, tracks_of
from hanrig.campaign.gates import BenchOutcome, judge
from hanrig.campaign.spec import EXPECTED_ALERTS, Gate
from hanrig.rig.journal import Entry
from hanrig.rig.record import RunRecord, fold

EUI = "48414E5201000101"
EXPECTED = [int(code) for code in EXPECTED_ALERTS]


def _alert(use_case: str, code: str, direction: str, signature: str = "valid") -> dict[str, Any]:
    return {"direction": direction, "device": EUI, "hex": "00",
            "decoded": {"cra": "alert", "use_case": use_case, "alert_code": code, "signature": signature,
                        "mac": "absent"}}


def _run(*, stages: tuple[str, ...] = ("Pending", "Notified", "Transferring", "Transferred", "Activated"),
         outcome: str = "pass", subject: str = "device", alerts: list[dict[str, Any]] | None = None,
         detail: str = "") -> RunRecord:
    """One device's ROLLOUT scenario as its run journals it."""
    scenario = "ROLLOUT[ppmid-a-1]"
    kinds: list[tuple[str, dict[str, Any]]] = [("scenario_started", {"title": "t"})]
    kinds += [("transition", {"device": "ppmid-a-1", "eui64": EUI, "image": "ppmid-v2", "stage": stage,
                              "detail": detail if stage == "Failed" else ""}) for stage in stages]
    kinds.append(("measurement", {"name": "CS09 result", "subject": subject, "verdict": "pass", "value": 0,
                                  "expected": 0}))
    kinds += [("gbcs", alert) for alert in (alerts if alerts is not None else [
        _alert("CCS08", "0x8F8A", "raised-by-ch"), _alert("CS09", "0x8F8B", "from-device")])]
    kinds.append(("scenario_finished", {"outcome": outcome, "reason": "" if outcome == "pass" else "it failed"}))
    return fold(Entry(seq, float(seq), kind, {"scenario": scenario, **fields})
                for seq, (kind, fields) in enumerate(kinds))


def _bench(record: RunRecord, outcome: str = "pass") -> BenchOutcome:
    return BenchOutcome(outcome, 1, tracks_of(record), alerts_of(record))


def test_a_device_that_activated_on_verified_device_evidence_counts_as_activated() -> None:
    [track] = tracks_of(_run())
    assert (track.stage, track.activated) == (DspStage.ACTIVATED, True)
    assert list(track.reached) == ["request received", "transfer started", "transferred (CCS08)", "activated"]
    assert [(a.label, a.direction) for a in track.alerts] == [("CCS08 0x8F8A", "raised-by-ch"),
                                                              ("CS09 0x8F8B", "from-device")]
    assert [c.passed for c in judge(Gate(activated=100, unexpected_alerts=0), [_bench(_run())], EXPECTED)] == [
        True, True]


def test_an_activation_resting_only_on_the_rigs_ch_model_is_not_counted_and_fails_the_gate() -> None:
    record = _run(subject="ch-model")
    [track] = tracks_of(record)
    assert track.stage is DspStage.ACTIVATED and not track.activated
    assert "rig self-check" in track.reason
    [criterion] = judge(Gate(activated=100), [_bench(record)], EXPECTED)
    assert not criterion.passed and criterion.actual == "0.0% (0/1)"


def test_an_activation_whose_scenario_failed_is_not_counted() -> None:
    [track] = tracks_of(_run(outcome="fail"))
    assert not track.activated and "did not pass" in track.reason


def test_a_failed_update_carries_its_reason_and_the_ch_alert_it_raised_with_the_dcc_alert() -> None:
    record = _run(stages=("Pending", "Notified", "Transferring", "Failed"), outcome="fail",
                  detail="Upgrade End Request ABORT", alerts=[_alert("CCS08", "0x8F89", "raised-by-ch")])
    [track] = tracks_of(record)
    assert (track.stage, track.reason) == (DspStage.FAILED, "Upgrade End Request ABORT")
    [alert] = track.alerts
    assert alert.dcc is not None and alert.dcc.code == "N62" and alert.dcc.inferred


@pytest.mark.parametrize(("alerts", "kind"), [
    ([_alert("CS09", "0x8F8B", "from-device", signature="invalid")], "CS09 0x8F8B (unverified)"),
    ([_alert("CS09", "0x8F8B", "from-device", signature="absent")], "CS09 0x8F8B (unverified)"),
    ([_alert("ECS", "0x8F1C", "from-device")], "ECS 0x8F1C"),
])
def test_an_alert_of_an_unexpected_kind_or_one_that_does_not_verify_fails_the_alerts_gate(
        alerts: list[dict[str, Any]], kind: str) -> None:
    [criterion] = judge(Gate(unexpected_alerts=0), [_bench(_run(alerts=alerts))], EXPECTED)
    assert (criterion.passed, criterion.actual, criterion.detail) == (False, "1", kind)


def test_the_benches_gate_counts_passed_benches_and_a_stage_without_benches_fails() -> None:
    benches = [_bench(_run()), _bench(_run(outcome="fail"), "fail"), _bench(_run()), _bench(_run())]
    [criterion] = judge(Gate(benches_passed=75), benches, EXPECTED)
    assert (criterion.passed, criterion.actual) == (True, "75.0% (3/4)")
    assert not judge(Gate(benches_passed=76), benches, EXPECTED)[0].passed
    [nothing] = judge(Gate(benches_passed=0), [], EXPECTED)
    assert not nothing.passed


def test_devices_a_bench_never_reached_count_against_the_activated_gate() -> None:
    bench = BenchOutcome("error", 3, tracks_of(_run()), [])
    [criterion] = judge(Gate(activated=50), [bench], EXPECTED)
    assert (criterion.passed, criterion.actual) == (False, "33.3% (1/3)")
