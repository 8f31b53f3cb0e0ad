"""The campaign's live table: per stage, benches, the DSP funnel, failures and the gate's figures."""

from __future__ import annotations

from rich.console import Console

from hanrig.campaign.live import render
from hanrig.campaign.record import fold
from hanrig.rig.journal import Entry


def _record_of(*kinds: tuple[str, dict[str, object]]) -> object:
    return fold((Entry(seq, 100.0 + seq, kind, fields) for seq, (kind, fields) in enumerate(kinds)), under_way=True)


def test_the_table_shows_each_stage_with_its_benches_funnel_and_gate_as_they_stand() -> None:
    planned = [{"name": f"d{n}", "eui64": f"48414E520100010{n}", "model": "m", "type": "ppmid", "faults": {}}
               for n in (1, 2)]
    record = _record_of(
        ("campaign_started", {"name": "c", "stages": [
            {"name": "validation", "source": "emulated", "suite": "rollout", "benches": 2, "gate": {}},
            {"name": "pilot", "source": "emulated", "suite": "rollout", "benches": 10, "gate": {}}]}),
        ("stage_started", {"stage": "validation", "benches": 2}),
        ("bench_started", {"stage": "validation", "bench": "validation-001", "planned": planned}),
        ("bench_started", {"stage": "validation", "bench": "validation-002", "planned": planned}),
        ("distribution", {"stage": "validation", "bench": "validation-001", "device": "d1",
                          "dsp_stage": "request received"}),
        ("distribution", {"stage": "validation", "bench": "validation-001", "device": "d1",
                          "dsp_stage": "transfer started"}),
        ("distribution", {"stage": "validation", "bench": "validation-001", "device": "d2",
                          "dsp_stage": "request received"}),
        ("distribution", {"stage": "validation", "bench": "validation-001", "device": "d2", "dsp_stage": "failed"}),
        ("gate", {"stage": "validation", "criteria": [{"name": "benches passed", "required": ">= 100%",
                                                        "actual": "50.0% (1/2)", "passed": False}]}),
    )
    console = Console(width=220, record=True)
    console.print(render(record))  # type: ignore[arg-type]
    lines = console.export_text().splitlines()
    validation = next(line for line in lines if "validation" in line)
    assert [cell.strip() for cell in validation.split("│")[1:-1]][:8] == [
        "validation", "0/2 (+2)", "2/4", "1/4", "0/4", "0/4", "0", "1"]
    assert "benches passed 50.0% (1/2) FAIL" in validation
    pilot = next(line for line in lines if "pilot" in line)
    assert "0/10" in pilot and "not run" in pilot
