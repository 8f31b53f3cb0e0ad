"""Campaign benches drawn from labgrid places on localhost: a real coordinator, exporter and client.

Two emulated coordinators serve their UARTs over RFC 2217 (``hanrig emulate --rfc2217``);
labgrid's exporter exports each as a ``NetworkSerialPort``; two places match them. The
campaign acquires a place, runs a bench on it through ``rfc2217://`` with bellows, and
releases it. Someone else holds the second place: the campaign skips it or waits for it,
as its file says.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from hanrig.campaign.places import Lab
from hanrig.rig.journal import read_journal
from tests.campaign.files import write_campaign
from tests.configs import write_config
from tests.runs import hanrig

BIN = Path(sys.executable).parent
pytestmark = pytest.mark.skipif(not (BIN / "labgrid-coordinator").exists(),
                                reason="labgrid is not installed (pip install 'hanrig[labgrid]')")

START_TIMEOUT = 60.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Lab2:
    coordinator: str
    directory: Path
    processes: list[subprocess.Popen[bytes]]

    def client(self, *args: str, user: str | None = None) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "LG_COORDINATOR": self.coordinator}
        if user is not None:
            env["LG_USERNAME"] = user
        return subprocess.run([str(BIN / "labgrid-client"), *args], capture_output=True, text=True, env=env,
                              timeout=60, check=True)


def _emulator(directory: Path) -> tuple[subprocess.Popen[bytes], str]:
    """An emulated coordinator with the embedded default's PPMID and HCALCS, on RFC 2217."""
    config = write_config(directory, lambda data: None)
    process = subprocess.Popen([sys.executable, "-m", "hanrig.devices", "--port", str(directory / "ncp"),
                                "--config", str(config), "--state", str(directory / "ncp.json"),
                                "--rfc2217", "127.0.0.1:0", "--json", "--exit-with-parent"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert process.stdout is not None
    ready = json.loads(process.stdout.readline())
    assert ready["event"] == "ready", ready
    return process, ready["rfc2217"]


def _place_config(places: Path, place: str, emulator_dir: Path) -> None:
    """The place's rig config: the emulator's devices, as a lab describes physical ones."""
    data = yaml.safe_load((emulator_dir / "hil_config.yaml").read_text())
    data["coordinator"] = {"radio": "ezsp", "port": "set-by-the-campaign", "channel": 15,
                           "database": str(places / f"{place}.db")}
    for device in data["devices"]:
        device["physical"] = {k: v for k, v in device.pop("emulated").items() if k not in ("behaviour", "faults")}
    data["ota_policies"]["ppmid"]["refusal_watch"] = 1
    (places / f"{place}.yaml").write_text(yaml.safe_dump(data))


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[Lab2]:
    processes: list[subprocess.Popen[bytes]] = []
    try:
        exports: dict[str, Any] = {}
        (tmp_path / "places").mkdir()
        for number in (1, 2):
            emulator_dir = tmp_path / f"bench{number}"
            emulator_dir.mkdir()
            process, url = _emulator(emulator_dir)
            processes.append(process)
            host, port = url.removeprefix("rfc2217://").split(":")
            exports[f"bench{number}"] = {"NetworkSerialPort": {"host": host, "port": int(port), "speed": 115200,
                                                               "protocol": "rfc2217"}}
            _place_config(tmp_path / "places", f"hanrig-{number}", emulator_dir)
        coordinator = f"127.0.0.1:{_free_port()}"
        (tmp_path / "coordinator").mkdir()
        processes.append(subprocess.Popen([str(BIN / "labgrid-coordinator"), "--listen", coordinator],
                                          cwd=tmp_path / "coordinator", stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL))
        (tmp_path / "exporter.yaml").write_text(yaml.safe_dump(exports))
        lab = Lab2(coordinator, tmp_path, processes)
        _until(lambda: lab_reachable(coordinator))
        processes.append(subprocess.Popen([str(BIN / "labgrid-exporter"), "-c", coordinator, "--name", "lgtest",
                                           "--hostname", "127.0.0.1", str(tmp_path / "exporter.yaml")],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        for number in (1, 2):
            lab.client("-p", f"hanrig-{number}", "create")
            lab.client("-p", f"hanrig-{number}", "add-match", f"lgtest/bench{number}/*")
        _until(lambda: "bench2" in lab.client("resources").stdout)
        yield lab
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()


def lab_reachable(coordinator: str) -> bool:
    host, port = coordinator.split(":")
    with socket.socket() as probe:
        return probe.connect_ex((host, int(port))) == 0


def _until(condition: Any, timeout: float = START_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached within {timeout} s")
        time.sleep(0.2)


def _campaign(lab: Lab2, **labgrid: Any) -> Path:
    def on_places(data: dict[str, Any]) -> None:
        data["stages"] = [{"name": "lab", "labgrid": {"coordinator": lab.coordinator, "places": "hanrig-*",
                                                      "config": str(lab.directory / "places" / "{place}.yaml"),
                                                      **labgrid}}]
    return write_campaign(lab.directory, on_places)


def _record(lab: Lab2) -> dict[str, Any]:
    [out_dir] = (lab.directory / "reports").iterdir()
    return json.loads((out_dir / "campaign.json").read_text())


def _holders(lab: Lab2) -> dict[str, str | None]:
    session = Lab(lab.coordinator)
    try:
        return {name: session.holder(name) for name in session.places("hanrig-*")}
    finally:
        session.close()


def test_a_busy_place_is_skipped_the_free_one_used_and_released_and_used_again_it_knows_its_devices(
        lab: Lab2) -> None:
    lab.client("-p", "hanrig-2", "acquire", user="someone-else")

    result = hanrig("campaign", str(_campaign(lab, when_busy="skip")), cwd=lab.directory)

    stage = _record(lab)["stages"][0]
    [bench] = stage["benches"]
    assert (bench["place"], bench["outcome"]) == ("hanrig-1", "pass"), bench["reason"]
    assert all(device["activated"] for device in bench["devices"]) and len(bench["devices"]) == 2
    events = {place: [p["event"] for p in stage["places"] if p["place"] == place] for place in ("hanrig-1", "hanrig-2")}
    assert events == {"hanrig-1": ["acquired", "released"], "hanrig-2": ["skipped"]}
    assert "someone-else" in next(p["holder"] for p in stage["places"] if p["event"] == "skipped")
    assert [s["reason"] for s in stage["skipped"]] == ["no place matching 'hanrig-*' could be had"]
    assert result.returncode == 0, result.stdout + result.stderr  # the gate: every bench that ran passed
    holders = _holders(lab)
    assert holders["hanrig-1"] is None and "someone-else" in str(holders["hanrig-2"])
    assert "cbke" in [entry.kind for entry in read_journal(Path(bench["run_dir"]) / "run.journal").entries]

    # Used again, the place knows its devices (zigpy's database) and their CBKE keys (the NCP's key table):
    # no rejoin, no key establishment; the kept key carries a CS08 that finds them on the variant already.
    shutil.rmtree(lab.directory / "reports")
    again = hanrig("campaign", str(_campaign(lab, when_busy="skip")), cwd=lab.directory)
    assert again.returncode == 1
    [bench] = _record(lab)["stages"][0]["benches"]
    assert "ppmid already runs 00000002, the image's version" in bench["reason"]
    assert "cbke" not in [entry.kind for entry in read_journal(Path(bench["run_dir"]) / "run.journal").entries]


def test_a_place_held_by_someone_else_is_waited_for_and_used_once_they_release_it(lab: Lab2) -> None:
    lab.client("-p", "hanrig-2", "acquire", user="someone-else")
    releaser = threading.Timer(4.0, lambda: lab.client("-p", "hanrig-2", "release", user="someone-else"))
    releaser.start()
    try:
        result = hanrig("campaign", str(_campaign(lab, when_busy="wait", wait=60)), cwd=lab.directory)
    finally:
        releaser.cancel()

    assert result.returncode == 0, result.stdout + result.stderr
    stage = _record(lab)["stages"][0]
    assert sorted((b["place"], b["outcome"]) for b in stage["benches"]) == [("hanrig-1", "pass"),
                                                                            ("hanrig-2", "pass")]
    events = [(p["place"], p["event"]) for p in stage["places"] if p["place"] == "hanrig-2"]
    assert events == [("hanrig-2", "busy"), ("hanrig-2", "freed"), ("hanrig-2", "acquired"), ("hanrig-2", "released")]
    assert _holders(lab) == {"hanrig-1": None, "hanrig-2": None}
    config = yaml.safe_load(Path(stage["benches"][0]["config"]).read_text())
    assert config["coordinator"]["port"].startswith("rfc2217://127.0.0.1:")


def test_an_unreachable_labgrid_coordinator_is_infrastructure_trouble_exit_3(tmp_path: Path) -> None:
    def on_places(data: dict[str, Any]) -> None:
        data["stages"] = [{"name": "lab", "labgrid": {"coordinator": f"127.0.0.1:{_free_port()}",
                                                      "places": "*", "config": "x.yaml"}}]
    result = hanrig("campaign", str(write_campaign(tmp_path, on_places)), cwd=tmp_path)
    assert result.returncode == 3
    assert "labgrid coordinator 127.0.0.1:" in result.stderr and "unreachable" in result.stderr
    assert "Traceback" not in result.stderr


def test_labgrid_is_installed_where_the_tests_run() -> None:
    assert shutil.which("labgrid-client", path=str(BIN))
