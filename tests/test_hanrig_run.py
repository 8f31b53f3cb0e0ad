"""hanrig run, the main job, end to end: the embedded default passes the SECMP0007 suite and is reported.

The suite runs once for this module (about a minute); the tests then read what it left.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from hanrig.rig.journal import read_journal
from tests.paths import REPO

RUN_TIMEOUT = 600


def _hanrig(*args: str, cwd: Path = REPO, timeout: float = RUN_TIMEOUT,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "hanrig", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=timeout, env=env)


def _run_dir(reports: Path) -> Path:
    (run_dir,) = [path for path in reports.iterdir() if path.is_dir()]
    return run_dir


#: what other tools keep beside the code, and the virtualenv: not the rig's to write, nor ours to watch
_NOT_WATCHED = {".git", ".venv", "__pycache__", ".hypothesis", ".pytest_cache", ".ruff_cache"}


def _tree(root: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``root`` (but the tools' caches) with its size and modification time."""
    files = {}
    for directory, subdirectories, names in os.walk(root):
        subdirectories[:] = [d for d in subdirectories if d not in _NOT_WATCHED]
        for name in names:
            stat = os.lstat(os.path.join(directory, name))
            files[os.path.relpath(os.path.join(directory, name), root)] = (stat.st_size, stat.st_mtime_ns)
    return files


@dataclass(frozen=True)
class SuiteRun:
    result: subprocess.CompletedProcess[str]
    run_dir: Path
    junit: Path
    #: the run's TMPDIR, which it must leave empty
    tmpdir: Path
    #: files of the checkout the run created, changed or removed
    checkout_changes: set[str]


@pytest.fixture(scope="module")
def suite_run(tmp_path_factory: pytest.TempPathFactory) -> SuiteRun:
    reports = tmp_path_factory.mktemp("reports")
    junit = reports.parent / "ci-junit.xml"
    tmpdir = tmp_path_factory.mktemp("tmp")
    before = _tree(REPO)
    # The logs too must be free of key material: -vv shows them on stderr, and the run's log file has
    # them all. TMPDIR: whatever the run puts there, it must clear.
    result = _hanrig("-vv", "run", "--report-dir", str(reports), "--junit", str(junit),
                     env={**os.environ, "TMPDIR": str(tmpdir)})
    after = _tree(REPO)
    changes = {path for path in before.keys() | after.keys() if before.get(path) != after.get(path)}
    return SuiteRun(result, _run_dir(reports), junit, tmpdir, changes)


def test_embedded_default_passes_every_secmp0007_scenario(suite_run: SuiteRun) -> None:
    result, run_dir = suite_run.result, suite_run.run_dir

    assert result.returncode == 0, result.stdout + result.stderr
    record = json.loads((run_dir / "run.json").read_text())
    assert record["outcome"] == "pass"
    assert {s["outcome"] for s in record["scenarios"]} == {"pass"}
    assert len(record["scenarios"]) == 17
    assert result.stdout.strip().splitlines()[-1].startswith("PASS: 17 pass; reports in ")


def test_run_leaves_the_four_reports_its_log_and_the_junit_asked_for(suite_run: SuiteRun) -> None:
    run_dir, junit = suite_run.run_dir, suite_run.junit

    assert sorted(p.name for p in run_dir.iterdir() if p.is_file()) == [
        "junit.xml", "report.html", "run.journal", "run.json", "run.log"]
    root = ElementTree.parse(junit).getroot()
    properties = {p.get("name"): p.get("value") for p in root.find("testsuite/properties")}
    assert properties["zigpy_version"] == "2.4.0" and properties["bellows_version"] == "1.2.1"
    assert properties["ezsp_version"] == "13" and len(properties["config_sha256"]) == 64
    assert len(properties["image_ppmid-v2_sha256"]) == 64


@pytest.mark.parametrize(("scenario", "response_code"), [
    ("SECMP0007-01", "success"), ("SECMP0007-03", "hardware-version-mismatch"),
    ("SECMP0007-04", "file-transfer-failure"), ("SECMP0007-07", "file-transfer-failure"),
    ("SECMP0007-08", "image-discarded"), ("SECMP0007-14", "file-transfer-failure"),
    ("SECMP0007-15", "file-transfer-failure"),
])
def test_each_outcome_raised_the_ccs08_response_code_gbcs_gives_it(
        suite_run: SuiteRun, scenario: str, response_code: str) -> None:
    run_dir = suite_run.run_dir
    record = json.loads((run_dir / "run.json").read_text())
    messages = next(s for s in record["scenarios"] if s["id"] == scenario)["messages"]

    ccs08 = [m["decoded"] for m in messages if m["direction"] == "raised-by-ch"]

    assert [c["payload"]["response_code"] for c in ccs08] == [response_code]
    assert ccs08[0]["signature"] == "valid"


def test_journal_shows_the_reboot_scenarios_transitions(suite_run: SuiteRun) -> None:
    run_dir = suite_run.run_dir
    entries = read_journal(run_dir / "run.journal").entries

    stages = [e.fields["stage"] for e in entries
              if e.kind == "transition" and e.fields.get("scenario") == "SECMP0007-05"]

    assert stages[0] == "Pending" and stages[-2:] == ["Transferred", "Activated"]


def test_html_report_renders_in_headless_chromium_with_its_verdict_table(suite_run: SuiteRun, tmp_path: Path) -> None:
    run_dir = suite_run.run_dir
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "Debian's chromium is needed (scripts/test installs it)"
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path / 'p'}"]
    url = (run_dir / "report.html").as_uri()

    dom = subprocess.run([chromium, *flags, "--dump-dom", url], capture_output=True, text=True, timeout=120)
    shot = subprocess.run([chromium, *flags, f"--screenshot={tmp_path / 'report.png'}", "--window-size=1280,2000",
                           url], capture_output=True, timeout=120)

    assert dom.returncode == 0 and shot.returncode == 0, dom.stderr
    verdicts = dom.stdout.split('id="verdicts"', 1)[1].split("</table>", 1)[0]
    assert verdicts.count("<tr>") == 1 + 17 and verdicts.count(">PASS<") == 17
    assert (tmp_path / "report.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_report_rebuilds_the_same_record_from_the_runs_journal(suite_run: SuiteRun, tmp_path: Path) -> None:
    run_dir = suite_run.run_dir

    result = _hanrig("report", "--journal", str(run_dir / "run.journal"), "--out", str(tmp_path))

    assert result.returncode == 0
    assert json.loads((tmp_path / "run.json").read_text()) == json.loads((run_dir / "run.json").read_text())


def _private_key_spellings(path: Path) -> list[str]:
    """A private key file's key in every spelling a leak could take: PEM body, DER, scalar in hex and decimal."""
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    scalar = key.private_numbers().private_value
    raw = scalar.to_bytes(32, "big")
    pkcs8 = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption())
    sec1 = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.TraditionalOpenSSL,
                             serialization.NoEncryption())
    pem_lines = [line for line in path.read_text().splitlines() if line and not line.startswith("-----")]
    return [
        # hex is compared in lower case, with separators and line breaks taken out (see _leaks)
        raw.hex(), f"{scalar:x}", pkcs8.hex(), sec1.hex(), str(scalar),
        *(base64.b64encode(data).decode() for data in (raw, pkcs8, sec1)),
        base64.urlsafe_b64encode(raw).decode().rstrip("="), "".join(pem_lines), *pem_lines[:2],
    ]


def _leaks(text: str, spellings: list[str]) -> list[str]:
    squeezed = "".join(text.split()).replace(":", "").replace("\\n", "")
    folded = squeezed.lower()
    return [s for s in spellings if s in text or s in squeezed or (s.isalnum() and s.lower() in folded)]


def test_no_private_key_appears_in_any_report_log_or_output_of_a_verbose_run(suite_run: SuiteRun) -> None:
    keys = sorted((REPO / "hanrig" / "testpki" / "keys").glob("*.key"))
    spellings = {path.name: _private_key_spellings(path) for path in keys}
    outputs = {path: path.read_text(errors="replace") for path in suite_run.run_dir.parent.rglob("*")
               if path.is_file()}
    outputs |= {Path("stdout"): suite_run.result.stdout, Path("stderr"): suite_run.result.stderr,
                suite_run.junit: suite_run.junit.read_text()}

    assert " DEBUG hanrig." in suite_run.result.stderr
    assert " DEBUG hanrig." in (suite_run.run_dir / "run.log").read_text()
    assert len(keys) == 10 and {p.name for p in outputs} >= {"run.journal", "run.json", "junit.xml", "run.log",
                                                             "report.html", "emulator.log", "stdout"}
    for name, key_spellings in spellings.items():
        # Each spelling is right: it finds the key in its own file.
        assert _leaks((REPO / "hanrig" / "testpki" / "keys" / name).read_text(), key_spellings)
        for path, text in outputs.items():
            assert _leaks(text, key_spellings) == [], f"{name} in {path}"


def test_run_writes_only_in_its_report_dir_and_leaves_its_tmpdir_empty(suite_run: SuiteRun) -> None:
    assert suite_run.result.returncode == 0
    assert suite_run.checkout_changes == set()
    assert list(suite_run.tmpdir.iterdir()) == []


def test_run_with_a_bad_config_is_exit_2_with_file_and_line(tmp_path: Path) -> None:
    config = tmp_path / "hil_config.yaml"
    config.write_text((REPO / "hil_config.yaml").read_text().replace("type: hcalcs", "type: esme")
                      )

    result = _hanrig("run", "--config", str(config), timeout=60)

    assert result.returncode == 2
    line = config.read_text().splitlines().index("    type: esme") + 1
    assert result.stderr.startswith(f"hanrig: error: {config}:{line}: devices[1].type: must be one of ppmid, hcalcs")


def test_a_mistake_only_the_emulator_reads_is_exit_2_with_its_file_and_line_and_no_scenario_run(
        tmp_path: Path) -> None:
    config = tmp_path / "hil_config.yaml"
    config.write_text((REPO / "hil_config.yaml").read_text()
                      .replace("      firmware_version: 0x00000001\n", "      firmware_version: 0x00000001\n"
                               "      behaviour: {colour: blue}\n", 1)
                      )

    result = _hanrig("run", "--config", str(config), "--report-dir", str(tmp_path / "r"), timeout=120)

    assert result.returncode == 2, result.stdout + result.stderr
    line = config.read_text().splitlines().index("      behaviour: {colour: blue}") + 1
    assert result.stderr == (f"hanrig: error: {config}:{line}: devices[0].emulated.behaviour.colour: "
                             "is not a known setting\n")
    record = json.loads((_run_dir(tmp_path / "r") / "run.json").read_text())
    assert (record["outcome"], record["error_cause"]) == ("error", "config")
    assert {s["outcome"] for s in record["scenarios"]} <= {"interrupted"}


@pytest.mark.parametrize(("selection", "message"), [
    (("--scenario", "SECMP0007-99"), "--scenario SECMP0007-99: no such scenario in the suite (scenarios: "),
    (("-k", "no_test_is_named_this"), "no scenario ran: the selection (--scenario, -k) matched none"),
])
def test_a_selection_that_matches_no_scenario_is_exit_2_with_one_line_not_a_pass(
        tmp_path: Path, selection: tuple[str, ...], message: str) -> None:
    result = _hanrig("run", *selection, "--report-dir", str(tmp_path / "r"), timeout=120)

    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith(f"hanrig: error: {message}") and len(result.stderr.splitlines()) == 1


def test_a_labs_own_test_file_runs_under_plain_pytest_with_the_fixtures_beside_its_own_packages(
        pytester: pytest.Pytester) -> None:
    config = yaml.safe_load((REPO / "hil_config.yaml").read_text())
    config["gbcs"]["keystore"] = str(REPO / "hanrig" / "testpki" / "keys")
    config["report_dir"] = str(pytester.path / "reports")
    pytester.makefile(".yaml", hil_config=yaml.safe_dump(config))
    # A lab's repository has packages of its own with names hanrig's subpackages also have.
    for package in ("fixtures", "devices", "rig", "gbcs"):
        pytester.mkpydir(package).joinpath("lab.py").write_text(f'NAME = "the lab\'s own {package}"\n')
    pytester.makepyfile(test_lab="""
        import pytest
        from devices.lab import NAME as DEVICES
        from fixtures.lab import NAME as FIXTURES
        from hanrig.rig.tracking import Stage

        @pytest.mark.hil_feature("ppmid")
        def test_our_ppmid_takes_the_update(rig, ppmid, ota_image):
            assert (FIXTURES, DEVICES) == ("the lab's own fixtures", "the lab's own devices")
            assert rig.update(ppmid, rig.newer(ota_image(ppmid))).distribution.stage is Stage.ACTIVATED

        @pytest.mark.hil_feature("esme")
        def test_needs_an_esme(rig):
            pass

        @pytest.mark.physical_only("needs the lab's real PPMID")
        def test_on_hardware(rig):
            pass
    """)

    result = pytester.runpytest_subprocess("--hil-config", "hil_config.yaml", "-p", "no:cacheprovider",
                                           timeout=RUN_TIMEOUT)

    result.assert_outcomes(passed=1, skipped=2)
    result.stdout.fnmatch_lines(["*hanrig reports: *reports*"])


def _start_run(tmp_path: Path, change: Callable[[dict[str, Any]], None]) -> tuple[subprocess.Popen[str], Path]:
    """``hanrig run`` on the embedded default, changed, in the background; and its report directory."""
    config = yaml.safe_load((REPO / "hil_config.yaml").read_text())
    config["gbcs"]["keystore"] = str(REPO / "hanrig" / "testpki" / "keys")
    config["images"]["ppmid-v2"]["build"]["payload_size"] = 65536  # a transfer long enough to interrupt
    change(config)
    (tmp_path / "hil_config.yaml").write_text(yaml.safe_dump(config))
    reports = tmp_path / "r"
    process = subprocess.Popen([sys.executable, "-m", "hanrig", "run", "--config", str(tmp_path / "hil_config.yaml"),
                                "--report-dir", str(reports)], cwd=tmp_path, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    return process, reports


def _await_transferring(reports: Path, process: subprocess.Popen[str]) -> Path:
    """The run's journal once it shows a transfer under way."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        for journal in reports.glob("*/run.journal"):
            if any(e.kind == "transition" and e.fields["stage"] == "Transferring"
                   for e in read_journal(journal).entries):
                return journal
        time.sleep(0.1)
    process.kill()
    raise AssertionError(f"no transfer started: {process.communicate()}")


def _emulators_of(reports: Path) -> list[int]:
    found = subprocess.run(["pgrep", "-f", rf"hanrig\.devices .*{reports}"], capture_output=True, text=True)
    return [int(pid) for pid in found.stdout.split()]


def test_a_radio_killed_mid_transfer_ends_the_run_with_exit_3_the_scenario_interrupted_and_reports(
        tmp_path: Path) -> None:
    process, reports = _start_run(tmp_path, lambda config: config["coordinator"].update(reconnect_timeout=3))
    _await_transferring(reports, process)
    (emulator,) = _emulators_of(reports)

    os.kill(emulator, signal.SIGKILL)
    out, err = process.communicate(timeout=120)

    assert process.returncode == 3, out + err
    record = json.loads((_run_dir(reports) / "run.json").read_text())
    assert record["outcome"] == "error" and "did not come back within 3 s" in record["reason"]
    assert [s["outcome"] for s in record["scenarios"]] == ["interrupted"]
    assert "did not come back within 3 s" in record["scenarios"][0]["reason"]
    assert [e["state"] for e in record["radio_events"]] == ["lost", "gone"]
    assert sorted(p.name for p in _run_dir(reports).iterdir() if p.is_file()) == [
        "junit.xml", "report.html", "run.journal", "run.json"]


def test_a_rig_killed_mid_run_keeps_its_journal_and_report_rebuilds_the_run_from_it(tmp_path: Path) -> None:
    process, reports = _start_run(tmp_path, lambda config: None)
    journal = _await_transferring(reports, process)
    before = read_journal(journal).entries

    process.kill()
    process.communicate(timeout=60)
    result = _hanrig("report", "--journal", str(journal), "--out", str(tmp_path / "rebuilt"), timeout=60)

    after = read_journal(journal)
    assert after.entries[:len(before)] == before and not after.torn_tail
    assert result.returncode == 0, result.stderr
    record = json.loads((tmp_path / "rebuilt" / "run.json").read_text())
    assert record["outcome"] == "interrupted" and "killed or crashed" in record["reason"]
    assert record["scenarios"][0]["outcome"] == "interrupted"
    assert "Transferring" in [t["stage"] for t in record["scenarios"][0]["transitions"]]
    deadline = time.monotonic() + 10
    while _emulators_of(reports) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _emulators_of(reports), "the rig's emulated radio outlived it"
