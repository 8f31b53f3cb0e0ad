"""Reading a campaign file: what it holds, and every mistake named with its file and line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hanrig.bench.errors import ConfigError
from hanrig.campaign.spec import DEFAULT_SUITE, EXPECTED_ALERTS, Gate, WhenBusy, load_campaign
from tests.campaign.files import README_CAMPAIGN, write_campaign
from tests.runs import hanrig


def test_the_readme_campaign_has_three_stages_of_1_10_and_50_emulated_benches_with_their_gates() -> None:
    campaign = load_campaign(README_CAMPAIGN)
    assert [(s.name, s.emulated, s.suite) for s in campaign.stages] == [
        ("validation", 1, DEFAULT_SUITE), ("pilot", 10, DEFAULT_SUITE), ("mass", 50, DEFAULT_SUITE)]
    assert campaign.stages[0].gate == Gate(benches_passed=100)
    assert campaign.stages[1].gate == Gate(activated=98, unexpected_alerts=0)
    assert campaign.expected_alerts == tuple(int(code) for code in EXPECTED_ALERTS)
    assert {m.name for m in campaign.fleet.models} == {"ppmid-a", "ppmid-b", "hcalcs-a"}


def test_a_stage_with_no_gate_must_pass_on_every_bench(tmp_path: Path) -> None:
    def no_gate(data: dict[str, Any]) -> None:
        del data["stages"][0]["gate"]
    campaign = load_campaign(write_campaign(tmp_path, no_gate))
    assert campaign.stages[0].gate == Gate(benches_passed=100.0)


def test_a_labgrid_stage_reads_its_coordinator_places_and_what_to_do_with_a_busy_place(tmp_path: Path) -> None:
    def labgrid(data: dict[str, Any]) -> None:
        data["stages"][2] = {"name": "lab", "labgrid": {"coordinator": "lab.example:20408", "places": "gb-*",
                                                        "config": "places/{place}.yaml", "when_busy": "skip"}}
    stage = load_campaign(write_campaign(tmp_path, labgrid)).stages[2]
    assert stage.emulated is None and stage.labgrid is not None
    assert (stage.labgrid.coordinator, stage.labgrid.places, stage.labgrid.when_busy) == (
        "lab.example:20408", "gb-*", WhenBusy.SKIP)


def _stage(index: int, **fields: Any) -> Any:
    def change(data: dict[str, Any]) -> None:
        data["stages"][index].update(fields)
    return change


def _model(index: int, key: str, value: Any) -> Any:
    def change(data: dict[str, Any]) -> None:
        data["fleet"]["models"][index]["emulated"][key] = value
    return change


def _drop(*path: str) -> Any:
    def change(data: dict[str, Any]) -> None:
        holder = data
        for key in path[:-1]:
            holder = holder[key]
        del holder[path[-1]]
    return change


@pytest.mark.parametrize(("change", "message"), [
    (_drop("images"), "images: must name the firmware variant's images"),
    (_drop("stages"), "stages: must list at least one stage"),
    (_stage(1, name="validation"), "stages[1].name: 'validation' is already a stage's name"),
    (_stage(0, labgrid={"places": "*", "config": "x.yaml"}), "give exactly one of emulated: (how many benches) "
                                                            "or labgrid:"),
    (_stage(1, gate={"activated": 140}), "stages[1].gate.activated: must be between 0 and 100, not 140"),
    (_stage(1, gate={"activatd": 98}), "stages[1].gate.activatd: is not a known setting"),
    (_drop("fleet"), "fleet: is required when a stage has emulated benches"),
    (_model(1, "hardware_version", "not a number"), "fleet.models[1].emulated.hardware_version: must be an "
                                                    "integer"),
    (_model(0, "eui64", "48414E5249470001"), "fleet.models[0].emulated.eui64: is given by the fleet"),
])
def test_a_mistake_in_the_campaign_file_is_named_with_its_line(tmp_path: Path, change: Any, message: str) -> None:
    path = write_campaign(tmp_path, change)
    with pytest.raises(ConfigError) as raised:
        load_campaign(path)
    assert str(raised.value).startswith(f"{path}:")
    assert message in str(raised.value)


def test_a_fault_that_names_no_model_of_the_fleet_is_refused(tmp_path: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        data["fleet"]["faults"][1]["models"] = ["ppmid-z"]
    with pytest.raises(ConfigError, match=r"fleet.faults\[1\].models: no model 'ppmid-z'"):
        load_campaign(write_campaign(tmp_path, change))


def test_a_fault_the_devices_do_not_know_is_refused_before_any_bench_runs(tmp_path: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        data["fleet"]["faults"][0]["faults"] = {"explode_at": 40}
    with pytest.raises(ConfigError, match=r"fleet.models\[0\].emulated.faults"):
        load_campaign(write_campaign(tmp_path, change))


def test_the_cli_says_what_is_wrong_in_one_line_and_exits_2(tmp_path: Path) -> None:
    path = write_campaign(tmp_path, _stage(1, gate={"activated": 140}))
    result = hanrig("campaign", str(path))
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "stages[1].gate.activated" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "reports").exists()
