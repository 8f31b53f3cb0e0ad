"""Emulated benches drawn from a fleet: the same every time, unique EUI-64s, faults where the file says."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from hanrig.campaign.fleet import EUI_PREFIX, bench_config, draw_bench, fleet_keystore
from hanrig.campaign.spec import load_campaign
from hanrig.rig.config.schema import read_rig_config
from tests.campaign.files import README_CAMPAIGN, write_campaign


def test_a_bench_is_drawn_the_same_way_every_time_and_differently_from_its_neighbour() -> None:
    fleet = load_campaign(README_CAMPAIGN).fleet
    assert fleet is not None
    assert draw_bench(fleet, 1, 3) == draw_bench(fleet, 1, 3)
    assert [d.entry for d in draw_bench(fleet, 1, 3)] != [d.entry for d in draw_bench(fleet, 1, 4)]


def test_every_device_of_the_campaign_has_its_own_eui64_under_the_fleet_prefix() -> None:
    campaign = load_campaign(README_CAMPAIGN)
    assert campaign.fleet is not None
    euis = [d.eui64 for index, stage in enumerate(campaign.stages) for bench in range(stage.emulated or 0)
            for d in draw_bench(campaign.fleet, index, bench)]
    assert len(euis) == len(set(euis)) > 100
    assert all(int(eui, 16) >> 32 == EUI_PREFIX for eui in euis)


def test_devices_per_bench_stay_within_the_fleets_bounds_and_models_follow_their_weights(tmp_path: Path) -> None:
    def wide(data: dict[str, Any]) -> None:
        data["fleet"]["devices"] = {"min": 2, "max": 4}
        data["fleet"]["models"][1]["weight"] = 0  # ppmid-b: never drawn
    fleet = load_campaign(write_campaign(tmp_path, wide)).fleet
    assert fleet is not None
    benches = [draw_bench(fleet, 0, bench) for bench in range(200)]
    assert {len(devices) for devices in benches} == {2, 3, 4}
    models = Counter(d.model for devices in benches for d in devices)
    assert models["ppmid-b"] == 0
    assert 0.8 < models["ppmid-a"] / models["hcalcs-a"] < 1.25  # weights 2 and 2


def test_a_fault_is_drawn_at_its_probability_and_only_on_the_models_it_names(tmp_path: Path) -> None:
    def faults(data: dict[str, Any]) -> None:
        data["fleet"]["faults"] = [{"probability": 0.25, "models": ["hcalcs-a"], "faults": {"drop_alerts": True}}]
    fleet = load_campaign(write_campaign(tmp_path, faults)).fleet
    assert fleet is not None
    devices = [d for bench in range(400) for d in draw_bench(fleet, 0, bench)]
    hit = [d for d in devices if d.faults]
    assert {d.model for d in hit} == {"hcalcs-a"}
    share = len(hit) / sum(d.model == "hcalcs-a" for d in devices)
    assert 0.2 < share < 0.3
    assert all(d.entry["emulated"]["faults"] == {"drop_alerts": True} for d in hit)


def test_a_drawn_bench_is_a_rig_config_the_rig_accepts_with_a_keystore_of_test_keys(tmp_path: Path) -> None:
    campaign = load_campaign(README_CAMPAIGN)
    assert campaign.fleet is not None
    devices = draw_bench(campaign.fleet, 1, 0)
    keystore = fleet_keystore(campaign, tmp_path / "keys", [d.eui64 for d in devices])
    assert keystore is not None
    config = bench_config(campaign, [d.entry for d in devices], seed=5, report_dir=tmp_path / "r",
                          keystore=keystore)
    rig = read_rig_config(config, path=tmp_path / "hil_config.yaml", sha256="")
    assert [d.eui64 for d in rig.devices] == [d.eui64 for d in devices]
    assert sorted(rig.images) == ["hcalcs-v2", "ppmid-v2"]
    assert config["coordinator"]["emulator"]["seed"] == 5
