"""Each SECMP0007 and commissioning scenario fails when the evidence it claims is wrong.

Every case runs ``hanrig run --scenario ...`` on the embedded default bench with one
emulated device told to misbehave in the one way a check judges (an unsigned alert, a
wrong FDRA hash, a device that keeps downloading after it was refused ...), and expects
each scenario named to fail on exactly that check, judged as the device's. One case
makes the rig itself, as CH, break its block-size policy, another makes it believe any
device in key establishment: those scenarios fail on CH-model checks.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.paths import REPO

RUN_TIMEOUT = 300


@dataclass(frozen=True)
class Case:
    name: str
    device: str
    faults: dict[str, Any]
    #: scenario -> the failed checks (measurement names) that must be among its failures
    fails: dict[str, set[str]]
    subject: str = "device"
    #: extra environment for the run (a plugin that makes the CH itself misbehave)
    env: dict[str, str] = field(default_factory=dict)


CASES = [
    Case("unsigned 8F1C and FDRA", "hcalcs", {"unsigned_alerts": True},
         {"SECMP0007-02": {"FDRA signature"}, "SECMP0007-07": {"8F1C signature"},
          "SECMP0007-15": {"8F1C signature"}}),
    Case("FDRA with the wrong hash", "hcalcs", {"wrong_fdra_hash": True},
         {"SECMP0007-02": {"FDRA calculated hash"}, "SECMP0007-09": {"FDRA calculated hash"}}),
    Case("FDRA with a bad signature", "hcalcs", {"bad_alert_signature": True},
         {"SECMP0007-09": {"FDRA signature"}}),
    Case("downloads after NO_IMAGE_AVAILABLE or ABORT", "ppmid", {"ignore_refusals": 3},
         {"SECMP0007-03": {"Image Block Requests after NO_IMAGE_AVAILABLE"},
          "SECMP0007-08": {"Image Block Requests after ABORT"}}),
    Case("real hardware outside the range, config inside", "ppmid", {"real_hardware_version": 0x2000},
         {"SECMP0007-01": {"hardware version the device reports"}}),
    Case("responses that do not verify", "ppmid", {"bad_response_protection": True},
         {"SECMP0007-04": {"CS08 response MAC"}, "SECMP0007-10": {"CS08 response MAC"},
          "SECMP0007-14": {"CS08 response MAC"}}),
    Case("reports the wrong firmware version", "ppmid", {"wrong_version": 0x99},
         {"SECMP0007-05": {"CS09 firmware version"}, "SECMP0007-06": {"CS09 firmware version"},
          "SECMP0007-11": {"CS09 firmware version"}, "SECMP0007-13": {"CS09 firmware version"}}),
    Case("the CH serves a block larger than its policy", "ppmid", {},
         {"SECMP0007-12[40]": {"largest Image Block Response"}}, subject="ch-model",
         env={"PYTHONPATH": str(Path(__file__).parent / "plugins"), "PYTEST_ADDOPTS": "-p oversized_blocks"}),
    Case("a failed first CBKE and a link key other than the NCP's", "ppmid",
         {"cbke_bad_mac": True, "cbke_store_wrong_key": True},
         {"CBKE-01": {"CBKE outcome", "link key (fingerprint) the device holds"}}),
    Case("the CH believes any certificate and any MAC", "ppmid", {},
         {"CBKE-02": {"CBKE ended by"}, "CBKE-03": {"CBKE ending status"}, "CBKE-04": {"CBKE ending status"}},
         subject="ch-model",
         env={"PYTHONPATH": str(Path(__file__).parent / "plugins"), "PYTEST_ADDOPTS": "-p credulous_ch"}),
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_a_scenario_fails_on_the_wrong_evidence_it_claims(tmp_path: Path, case: Case) -> None:
    config = yaml.safe_load((REPO / "hil_config.yaml").read_text())
    config["gbcs"]["keystore"] = str(REPO / "hanrig" / "testpki" / "keys")
    (device,) = [d for d in config["devices"] if d["name"] == case.device]
    device["emulated"]["faults"] = case.faults
    (tmp_path / "hil_config.yaml").write_text(yaml.safe_dump(config))
    selection = [arg for scenario in case.fails for arg in ("--scenario", scenario)]

    result = subprocess.run([sys.executable, "-m", "hanrig", "run", "--config", str(tmp_path / "hil_config.yaml"),
                             "--report-dir", str(tmp_path / "r"), "--json", *selection], capture_output=True,
                            text=True, timeout=RUN_TIMEOUT, env={**os.environ, **case.env})

    assert result.returncode == 1, result.stdout + result.stderr
    (record_path,) = (tmp_path / "r").glob("*/run.json")
    scenarios = {s["id"]: s for s in json.loads(record_path.read_text())["scenarios"]}
    assert sorted(scenarios) == sorted(case.fails)
    for scenario_id, checks in case.fails.items():
        scenario = scenarios[scenario_id]
        failed = {m["name"]: m["subject"] for m in scenario["measurements"] if m["verdict"] == "fail"}
        assert scenario["outcome"] == "fail", (scenario_id, scenario["reason"])
        assert {name: failed.get(name) for name in checks} == dict.fromkeys(checks, case.subject), (
            scenario_id, failed)
