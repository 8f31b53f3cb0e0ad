"""hanrig campaign end to end: real benches (hanrig run, bellows, the emulator in its own process)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest

from hanrig.rig.journal import read_journal
from tests.campaign.files import write_campaign
from tests.paths import REPO
from tests.runs import hanrig


def _small(data: dict[str, Any]) -> None:
    """The README's campaign with a pilot of 2 benches (the second draws a PPMID that refuses to activate)."""
    data["stages"][1]["emulated"] = 2
    data["stages"][2]["emulated"] = 3


@pytest.fixture(scope="module")
def stopped_at_pilot(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], Path]:
    directory = tmp_path_factory.mktemp("campaign")
    result = hanrig("campaign", str(write_campaign(directory, _small)), "--junit", str(directory / "ci.xml"),
                    cwd=directory)
    [out_dir] = (directory / "reports").iterdir()
    return result, out_dir


def test_the_campaign_stops_at_the_gate_the_seeded_fault_fails_and_exits_1(
        stopped_at_pilot: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    result, out_dir = stopped_at_pilot
    assert result.returncode == 1, result.stderr
    assert "FAIL: stage pilot: gate failed: devices activated 75.0% (3/4), gate >= 98%" in result.stdout
    # off a terminal, a line per bench and gate as they end
    assert "  pilot-002 FAIL: 1/2 devices activated; ROLLOUT[ppmid-b-2]" in result.stdout
    assert "stage pilot gate FAILED: devices activated 75.0% (3/4) (gate >= 98%)" in result.stdout
    record = json.loads((out_dir / "campaign.json").read_text())
    assert [(s["name"], s["outcome"]) for s in record["stages"]] == [
        ("validation", "passed"), ("pilot", "failed"), ("mass", "not run")]
    assert [len(s["benches"]) for s in record["stages"]] == [1, 2, 0]


def test_the_report_names_the_device_that_failed_its_seeded_fault_its_alerts_and_the_bench_evidence(
        stopped_at_pilot: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    _, out_dir = stopped_at_pilot
    pilot = json.loads((out_dir / "campaign.json").read_text())["stages"][1]
    failed = [(bench, device) for bench in pilot["benches"] for device in bench["devices"] if not device["activated"]]
    [(bench, device)] = failed
    assert (bench["name"], device["device"]) == ("pilot-002", "ppmid-b-2")
    assert "CS09 result: FAILURE" in device["reason"]
    assert next(p for p in bench["planned"] if p["name"] == "ppmid-b-2")["faults"] == {"refuse_activation": True}
    assert [(a["use_case"], a["direction"], a["verified"]) for a in device["alerts"]] == [
        ("CCS08", "raised-by-ch", True), ("CS09", "from-device", True)]
    html = (out_dir / "campaign.html").read_text()
    assert "ppmid-b-2" in html and "refuse_activation" in html and "PPMIDAlert/PPMIDFirmwareUpgradeAlert" in html
    assert (Path(bench["run_dir"]) / "report.html").is_file() and (Path(bench["run_dir"]) / "han.pcap").is_file()
    assert os.path.relpath(Path(bench["run_dir"]) / "report.html", out_dir) in html


def test_every_devices_distribution_stage_is_journaled_as_it_moves(
        stopped_at_pilot: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    _, out_dir = stopped_at_pilot
    entries = read_journal(out_dir / "campaign.journal").entries
    moves = [(e.fields["device"], e.fields["dsp_stage"]) for e in entries
             if e.kind == "distribution" and e.fields["bench"] == "pilot-002"]
    assert moves[-1] == ("ppmid-b-2", "failed")
    assert ("ppmid-b-2", "transferred (CCS08)") in moves
    # each with the DCC alert it becomes: the CH's CCS08, then the PPMID's CS09 reporting the failure
    alerts = {e.fields["dsp_stage"]: e.fields["alert"] for e in entries
              if e.kind == "distribution" and e.fields["device"] == "ppmid-b-2"}
    assert alerts["request received"] is None
    assert alerts["transferred (CCS08)"]["dcc_alert"]["name"].startswith("CommsHubAlert/FirmwareTransferAlert")
    assert alerts["failed"]["dcc_alert"]["name"] == "PPMIDAlert/PPMIDFirmwareUpgradeAlert"
    kinds = [e.kind for e in entries]
    assert kinds.index("bench_started") < kinds.index("distribution") < kinds.index("bench_finished")


def test_the_junit_has_a_suite_per_stage_with_the_failed_gate_and_the_stage_not_run_skipped(
        stopped_at_pilot: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    _, out_dir = stopped_at_pilot
    root = ElementTree.parse(out_dir.parent.parent / "ci.xml").getroot()
    suites = {suite.get("name"): suite for suite in root}
    assert list(suites) == ["1-validation", "2-pilot", "3-mass"]
    gate = suites["2-pilot"].find("testcase[@name='gate']")
    assert gate is not None and gate.find("failure") is not None
    assert suites["2-pilot"].find("testcase[@name='pilot-002']/failure") is not None
    assert suites["3-mass"].find("testcase[@name='gate']/skipped") is not None


def test_a_killed_campaign_is_reported_from_its_journal_with_its_benches_as_far_as_they_got(tmp_path: Path) -> None:
    def one_long_bench(data: dict[str, Any]) -> None:
        data["stages"] = [{"name": "validation", "emulated": 1}]
        for image in data["images"].values():
            image["build"]["payload_size"] = 262144
    path = write_campaign(tmp_path, one_long_bench)
    process = subprocess.Popen([sys.executable, "-m", "hanrig", "campaign", str(path)], cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        journal = _wait_for(lambda: next((tmp_path / "reports").glob("*/campaign.journal"), None))
        _wait_for(lambda: any(e.kind == "distribution" and e.fields["dsp_stage"] == "transfer started"
                              for e in read_journal(journal).entries) or None)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate(timeout=30)
    result = hanrig("report", "--journal", str(journal), "--out", str(tmp_path / "after"))
    assert result.returncode == 0, result.stderr
    record = json.loads((tmp_path / "after" / "campaign.json").read_text())
    assert record["outcome"] == "interrupted" and "killed or crashed" in record["reason"]
    [bench] = record["stages"][0]["benches"]
    assert bench["outcome"] == "interrupted"
    assert any(d["stage"] == "transfer started" for d in bench["devices"])


def test_sigterm_stops_the_benches_under_way_and_the_campaign_reports_them_interrupted(tmp_path: Path) -> None:
    def one_long_bench(data: dict[str, Any]) -> None:
        data["stages"] = [{"name": "validation", "emulated": 1}, {"name": "pilot", "emulated": 2}]
        for image in data["images"].values():
            image["build"]["payload_size"] = 262144
    path = write_campaign(tmp_path, one_long_bench)
    process = subprocess.Popen([sys.executable, "-m", "hanrig", "campaign", str(path)], cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    journal = _wait_for(lambda: next((tmp_path / "reports").glob("*/campaign.journal"), None))
    _wait_for(lambda: any(e.kind == "distribution" and e.fields["dsp_stage"] == "transfer started"
                          for e in read_journal(journal).entries) or None)
    process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=120)

    assert process.returncode == 1, stderr
    assert stdout.strip().endswith(f"report {journal.parent / 'campaign.html'}")
    record = json.loads((journal.parent / "campaign.json").read_text())
    assert record["outcome"] == "interrupted"
    assert [(s["name"], s["outcome"]) for s in record["stages"]] == [("validation", "interrupted"),
                                                                     ("pilot", "not run")]
    [bench] = record["stages"][0]["benches"]
    assert bench["outcome"] == "interrupted" and bench["reason"] == "the campaign was interrupted"
    # the bench's own run was stopped the way Ctrl-C stops it: its reports are there
    assert (Path(bench["run_dir"]) / "report.html").is_file()


def _wait_for(found: Any, timeout: float = 120.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = found()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"not reached within {timeout} s")


def test_the_readme_campaign_file_is_the_one_the_tests_shrink() -> None:
    assert "hanrig campaign campaigns/ppmid-hcalcs-v2.yaml" in (REPO / "README.md").read_text()
