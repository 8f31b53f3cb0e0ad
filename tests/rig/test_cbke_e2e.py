"""CBKE end to end: the CH's Key Establishment server on real bellows and zigpy, the emulated NCP and devices."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import zigpy.types

from hanrig.cbke.mmo import aes_mmo_hash
from hanrig.rig.bench import Bench
from hanrig.rig.config import load_config
from hanrig.rig.errors import InfrastructureError
from hanrig.rig.journal import Journal, read_journal
from hanrig.rig.recorder import Recorder
from tests.configs import write_config


async def _join_all(config_path: Path, tmp_path: Path) -> dict[str, Any]:
    """Start the bench, join every device, and return what each side holds."""
    config = load_config(config_path)
    with Journal(tmp_path / "run.journal") as journal:
        async with Bench(config, Recorder(journal), workdir=tmp_path / "work") as bench:
            held: dict[str, Any] = {}
            for device in config.devices:
                await bench.join(device)
                assert bench.emulator is not None and bench.coordinator is not None
                status = await bench.emulator.request("device_command", name=device.name, command="status")
                ncp_key = await bench.coordinator.link_key(zigpy.types.EUI64.convert(device.eui64))
                held[device.name] = (status["cbke"], ncp_key)
    return held


def _suite(number: int) -> Callable[[dict[str, Any]], None]:
    def change(config: dict[str, Any]) -> None:
        for device in config["devices"]:
            device["emulated"]["cbke"] = {"suite": number}
    return change


@pytest.mark.parametrize("suite", [1, 2])
async def test_every_device_runs_cbke_through_bellows_and_holds_the_link_key_the_ncp_stored(
        tmp_path: Path, suite: int) -> None:
    held = await _join_all(write_config(tmp_path, _suite(suite)), tmp_path)

    for name, (device, ncp_key) in held.items():
        assert device["stage"] == "established" and device["suite"] == suite, name
        assert ncp_key is not None, f"the NCP stored no link key for {name}"
        assert device["link_key_digest"] == aes_mmo_hash(ncp_key).hex()[:16], name
    keys = [ncp_key for _, ncp_key in held.values()]
    assert len(set(keys)) == len(keys), "two devices share a link key"
    outcomes = [e.fields for e in read_journal(tmp_path / "run.journal").entries if e.kind == "cbke"]
    assert [(o["established"], o["suite"]) for o in outcomes] == [(True, suite)] * len(held)


async def test_an_ncp_without_cbke_data_stops_the_bench_naming_the_device_and_suite(tmp_path: Path) -> None:
    path = write_config(tmp_path, lambda c: c["coordinator"]["emulator"].update(cbke="none"))

    with pytest.raises(InfrastructureError, match="ppmid needs CBKE with crypto suite 2, but the NCP holds no"):
        await _join_all(path, tmp_path)


async def test_a_device_issued_by_another_ca_than_the_ncps_stops_the_bench(tmp_path: Path) -> None:
    def other_issuer(config: dict[str, Any]) -> None:
        config["devices"][0]["emulated"]["cbke"] = {"suite": 2, "issuer": "TESTSECA"}

    with pytest.raises(InfrastructureError, match=r"issued by 5445535453454341 \(TESTSECA\), the NCP's by "
                                                  r"48414E5249474341 \(HANRIGCA\)"):
        await _join_all(write_config(tmp_path, other_issuer), tmp_path)


def test_hanrig_run_on_an_ncp_without_cbke_data_exits_3_with_one_line(tmp_path: Path) -> None:
    path = write_config(tmp_path, lambda c: c["coordinator"]["emulator"].update(cbke="none"))

    result = subprocess.run([sys.executable, "-m", "hanrig", "run", "--config", str(path), "--report-dir",
                             str(tmp_path / "r"), "--scenario", "CBKE-01"], capture_output=True, text=True,
                            timeout=120)

    assert result.returncode == 3, result.stderr
    assert "Traceback" not in result.stderr
    error_lines = [line for line in result.stderr.splitlines() if line.startswith("hanrig: error:")]
    assert len(error_lines) == 1 and "holds no suite 2 CBKE data" in error_lines[0]


async def test_the_tunnel_runs_over_the_cbke_link_key_and_a_device_that_kept_another_cannot_open_one(
        tmp_path: Path) -> None:
    def wrong_key(config: dict[str, Any]) -> None:
        config["devices"][0]["emulated"]["faults"] = {"cbke_store_wrong_key": True}
        config.setdefault("ch", {})["join_timeout"] = 5

    config = load_config(write_config(tmp_path, wrong_key))
    ppmid, hcalcs = config.device("ppmid"), config.device("hcalcs")
    with Journal(tmp_path / "run.journal") as journal:
        async with Bench(config, Recorder(journal), workdir=tmp_path / "work") as bench:
            await bench.join(hcalcs)  # its tunnel opens over its link key
            await bench.authenticate(ppmid)  # CBKE itself succeeds: the MACs were right
            with pytest.raises(InfrastructureError, match="tunnel"):
                await bench.join(ppmid)
            assert bench.emulator is not None
            events = await bench.emulator.request("events")
    dropped = [e for e in events if e["source"] == "ppmid" and e["kind"] == "dropped"]
    assert any(e["reason"] == "secured with another link key" and e["cluster"] == 0x0704 for e in dropped)
    assert not any(e["source"] == "hcalcs" and e.get("reason") == "secured with another link key" for e in events)
