"""Reports are folded from the journal alone: finished runs, killed runs and torn journals alike."""

from __future__ import annotations

import json
import time
from pathlib import Path
from xml.etree import ElementTree

import pytest
from click.testing import CliRunner

from hanrig import cli
from hanrig.rig.journal import Journal, read_journal
from hanrig.rig.record import Outcome, from_reading
from hanrig.rig.reports import write_reports

CCS08_HEX = ("DF09030000000000000FA00800DB1234567890A20890B3D51F30000002000201282B30290203008F8A180F32303135303130"
             "313030303030305A040800DB1234567890A404040123ABCD020100")


def _run(path: Path, *, finish: bool = True) -> Path:
    with Journal(path) as journal:
        journal.append("run_started", run_id="r1", suite="secmp0007",
                       config={"path": "hil_config.yaml", "sha256": "ab" * 32},
                       station={"hostname": "bench-3"}, versions={"hanrig": "0.1.0", "zigpy": "2.4.0"})
        journal.append("radio", radio="ezsp", path="/dev/pts/4", ezsp_version=13)
        journal.append("image", name="ppmid-v2", sha256="cd" * 32, manufacturer_image_sha256="ef" * 32,
                       file_version="0x00000002")
        journal.append("scenario_started", scenario="S-01", title="PPMID <update>", description="happy path",
                       evidence=["CCS08 8F8A", "CS09 8F8B"])
        journal.append("transition", scenario="S-01", device="ppmid", stage="Notified", percent=0, detail="")
        journal.append("gbcs", scenario="S-01", direction="raised-by-ch", device="00DB1234567890A4",
                       hex=CCS08_HEX, decoded={"use_case": "CCS08", "alert_code": "0x8F8A", "alert_name": "ok",
                                               "originator": "00DB1234567890A2", "recipient": "90B3D51F30000002",
                                               "signature": "valid", "mac": "absent", "payload": {}})
        journal.append("measurement", scenario="S-01", name="CS09 firmware version", value="00000001",
                       expected="00000002", verdict="fail", subject="device", units=None)
        journal.append("scenario_finished", scenario="S-01", outcome="fail", reason="CS09 firmware version")
        journal.append("scenario_started", scenario="S-02", title="stall", description="", evidence=[])
        if finish:
            journal.append("scenario_finished", scenario="S-02", outcome="skipped",
                           reason="emulated-only: needs a device told to stall")
            journal.append("run_finished", outcome="fail")
    return path


def test_finished_run_folds_into_scenarios_with_their_evidence(tmp_path: Path) -> None:
    record = from_reading(read_journal(_run(tmp_path / "run.journal")))

    assert record.outcome is Outcome.FAIL and record.suite == "secmp0007"
    first, second = record.scenarios
    assert (first.id, first.outcome, second.outcome) == ("S-01", Outcome.FAIL, Outcome.SKIPPED)
    assert [t["stage"] for t in first.transitions] == ["Notified"]
    assert first.messages[0]["decoded"]["alert_code"] == "0x8F8A"
    assert record.counts()["fail"] == 1 and record.counts()["skipped"] == 1


def test_killed_run_marks_the_open_scenario_and_the_run_interrupted(tmp_path: Path) -> None:
    path = _run(tmp_path / "run.journal", finish=False)
    with path.open("ab") as file:
        file.write(b'{"seq":99,"time":1,"kind":"meas')

    record = from_reading(read_journal(path))

    assert record.outcome is Outcome.INTERRUPTED and "ended before it finished" in record.reason
    assert record.scenarios[1].outcome is Outcome.INTERRUPTED
    assert record.journal_torn


def test_junit_carries_traceability_properties_and_the_failed_check(tmp_path: Path) -> None:
    written = write_reports(_run(tmp_path / "run.journal"), tmp_path / "out")

    root = ElementTree.parse(written["junit.xml"]).getroot()
    properties = {p.get("name"): p.get("value") for p in root.iter("property")}
    assert properties["zigpy_version"] == "2.4.0" and properties["ezsp_version"] == "13"
    assert properties["config_sha256"] == "ab" * 32
    assert properties["image_ppmid-v2_sha256"] == "cd" * 32
    assert properties["image_ppmid-v2_manufacturer_image_sha256"] == "ef" * 32
    suite = root.find("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("2", "1", "1")
    failure = suite.find("testcase/failure")
    assert "CS09 firmware version [device]: 00000001 (expected 00000002)" in failure.text


def test_json_record_and_html_report_and_journal_copy_are_written(tmp_path: Path) -> None:
    written = write_reports(_run(tmp_path / "run.journal"), tmp_path / "out")

    assert sorted(written) == ["junit.xml", "report.html", "run.journal", "run.json"]
    data = json.loads(written["run.json"].read_text())
    assert data["format"] == "hanrig-run-record/2" and data["scenarios"][0]["messages"][0]["hex"] == CCS08_HEX
    html = written["report.html"].read_text()
    assert 'id="verdicts"' in html and "S-01" in html
    assert "CommsHubAlert/FirmwareTransferAlert: N59 or N62 (N-code inferred)" in html
    assert "PPMID &lt;update&gt;" in html and "<update>" not in html


def test_hanrig_report_rebuilds_reports_from_a_journal(tmp_path: Path) -> None:
    journal = _run(tmp_path / "run.journal", finish=False)

    result = CliRunner().invoke(cli.main, ["report", "--journal", str(journal), "--out", str(tmp_path / "r")])

    assert result.exit_code == 0, result.output
    assert (tmp_path / "r" / "report.html").exists() and (tmp_path / "r" / "run.journal").exists()


def test_hanrig_report_without_a_journal_is_exit_2_with_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli.main, ["report", "--journal", str(tmp_path / "none"), "--out", str(tmp_path)])

    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "cannot read journal" in result.output


def test_report_times_are_the_journal_times(tmp_path: Path) -> None:
    before = time.time()
    record = from_reading(read_journal(_run(tmp_path / "run.journal")))

    assert before <= record.started <= record.finished <= time.time()


def _passing_run(path: Path, *subjects: str) -> Path:
    """A run of one passing scenario whose checks judge ``subjects`` (device, ch-model)."""
    with Journal(path) as journal:
        journal.append("run_started", run_id="r2", suite="secmp0007")
        journal.append("scenario_started", scenario="S-08", title="discard", evidence=["CCS08 8F89"])
        for subject in subjects:
            journal.append("measurement", scenario="S-08", name=f"a {subject} check", value=1, expected="1",
                           verdict="pass", subject=subject, units=None, observation=False)
        journal.append("measurement", scenario="S-08", name="transfer time", value=2.5, expected="any",
                       verdict="pass", subject="device", units="s", observation=True)
        journal.append("scenario_finished", scenario="S-08", outcome="pass", reason="")
        journal.append("run_finished", outcome="pass")
    return path


def test_a_pass_on_ch_model_checks_alone_is_a_rig_self_check_in_every_report(tmp_path: Path) -> None:
    written = write_reports(_passing_run(tmp_path / "run.journal", "ch-model"), tmp_path / "out")

    data = json.loads(written["run.json"].read_text())
    assert data["scenarios"][0]["basis"] == "rig self-check"
    assert (data["counts"]["pass"], data["counts"]["self-check"]) == (0, 1)
    assert "(rig self-check)" in written["report.html"].read_text()
    properties = {p.get("name"): p.get("value") for p in ElementTree.parse(written["junit.xml"]).iter("property")}
    assert (properties["evidence_basis"], properties["device_checks"], properties["ch_model_checks"]) == (
        "rig self-check", "0", "1")


def test_a_pass_with_a_device_check_rests_on_the_device(tmp_path: Path) -> None:
    written = write_reports(_passing_run(tmp_path / "run.journal", "ch-model", "device"), tmp_path / "out")

    data = json.loads(written["run.json"].read_text())
    assert data["scenarios"][0]["basis"] == "device"
    assert (data["counts"]["pass"], data["counts"]["self-check"]) == (1, 0)
    html = written["report.html"].read_text()
    assert "rig self-check" not in html and "<td>CH model</td>" in html and "1 device, 1 CH model" in html


def _signoff_run(path: Path) -> Path:
    """A passing run of two devices: configured and derived images, a query, a reboot, a read-back."""
    with Journal(path) as journal:
        journal.append("run_started", run_id="r3", suite="secmp0007")
        for name, eui64 in (("ppmid", "00DB1234567890A4"), ("hcalcs", "00DB1234567890A5")):
            journal.append("device", name=name, type=name, eui64=eui64, emulated=False, manufacturer_code=0x121D,
                           image_type=0x84, hardware_version=0x1111, firmware_version=1)
        journal.append("image", name="ppmid-v2", sha256="cd" * 32, manufacturer_image_sha256="ef" * 32,
                       file_version="0x00000002", derived_from=None)
        journal.append("image", name="ppmid-v2~1", sha256="12" * 32, manufacturer_image_sha256="ef" * 32,
                       file_version="0x00000003", derived_from="ppmid-v2")
        journal.append("scenario_started", scenario="S-05", title="reboot", description="",
                       evidence=[{"text": "the transfer restarts once", "checks": ["restarts"]},
                                 {"text": "CS09 8F8B from the PPMID", "checks": ["CS09"]}])
        journal.append("measurement", scenario="S-05", name="file version the device runs", value="0x00000001",
                       expected="any", verdict="pass", subject="device", device="ppmid", observation=True)
        journal.append("measurement", scenario="S-05", name="restarts", value=1, expected="1", verdict="pass",
                       subject="device", device="ppmid", observation=False)
        for percent, restarts in ((0, 0), (10, 0), (20, 0), (30, 0), (0, 1), (10, 1)):
            if restarts == 0 or percent == 0:
                journal.append("transfer_sample", scenario="S-05", request="q1", device="ppmid", image="ppmid-v2~1",
                               offset=percent * 100, total=10000, restarts=restarts, retries=0)
            journal.append("transition", scenario="S-05", request="q1", device="ppmid", stage="Transferring",
                           percent=percent, restarts=restarts, detail=f"{percent * 100} of 10000 octets",
                           image="ppmid-v2~1")
        journal.append("transition", scenario="S-05", request="q1", device="ppmid", stage="Transferred", percent=100,
                       detail="Upgrade End Request SUCCESS", image="ppmid-v2~1")
        journal.append("gbcs", scenario="S-05", direction="from-device", device="00DB1234567890A4", hex="00",
                       decoded={"use_case": "CS08", "originator": "00DB1234567890A4", "recipient": "00DB1234567890A2",
                                "signature": "absent", "mac": "valid", "payload": {"firmware_version": "00000003"}})
        journal.append("scenario_finished", scenario="S-05", outcome="pass", reason="")
        journal.append("run_finished", outcome="pass")
    return path


def test_signoff_page_names_devices_before_and_after_and_only_the_configured_images(tmp_path: Path) -> None:
    html = write_reports(_signoff_run(tmp_path / "run.journal"), tmp_path / "out")["report.html"].read_text()

    cover = html.split('<section class="cover"', 1)[1].split("</section>", 1)[0]
    assert "0x00000001 (its query in S-05)" in cover and "0x00000003 (CS08 in S-05)" in cover
    assert "0x00000001 (config)" in cover  # the hcalcs never queried: the config's word, marked as such
    assert "cd" * 32 in cover and "12" * 32 not in cover and "also served 1 images the rig derived" in cover
    assert cover.count("<tr>") - cover.count("<thead><tr>") >= 3 and "Approved for roll-out" in cover


def test_each_claimed_evidence_shows_its_proving_checks_or_not_checked(tmp_path: Path) -> None:
    html = write_reports(_signoff_run(tmp_path / "run.journal"), tmp_path / "out")["report.html"].read_text()

    evidence = html.split("<h3>Claimed evidence</h3>", 1)[1].split("</table>", 1)[0]
    restart_row, cs09_row = evidence.split("<tbody>", 1)[1].split("</tr>")[:2]
    assert "the transfer restarts once" in restart_row and ">PASS<" in restart_row and "<td>device</td>" in restart_row
    assert "CS09 8F8B" in cs09_row and "NOT CHECKED" in cs09_row


def test_a_scenario_names_the_image_it_delivered_with_what_it_was_derived_from(tmp_path: Path) -> None:
    html = write_reports(_signoff_run(tmp_path / "run.journal"), tmp_path / "out")["report.html"].read_text()

    delivered = html.split("<h3>Images delivered</h3>", 1)[1].split("</table>", 1)[0]
    assert "ppmid-v2~1" in delivered and "from ppmid-v2" in delivered and "12" * 32 in delivered


def test_a_transfers_progress_is_one_stage_row_and_a_plot_with_its_restart(tmp_path: Path) -> None:
    html = write_reports(_signoff_run(tmp_path / "run.journal"), tmp_path / "out")["report.html"].read_text()

    stages = html.split("<h3>Distribution stages</h3>", 1)[1].split("</table>", 1)[0]
    assert stages.count("Transferring") == 2  # before the restart, and after it
    assert "Transferring 0% to 30%" in stages and "Transferring 0% to 10%" in stages
    plot = html.split('<figure class="transfers">', 1)[1].split("</figure>", 1)[0]
    assert plot.startswith("<svg") and "device restarted" in plot and "transferred" in plot


@pytest.mark.parametrize(("capture", "shown", "not_shown"), [
    ({"pcap": "han.pcap", "keys": "han.keys", "side": "air"}, ['href="han.pcap"', 'href="han.keys"'], ["Host-side"]),
    ({"pcap": "han-host.pcap", "keys": None, "side": "host"}, ['href="han-host.pcap"', "not a sniffer trace"],
     ["han.keys"]),
])
def test_the_cover_links_the_han_capture_and_says_which_side_it_was_taken_on(
        tmp_path: Path, capture: dict[str, object], shown: list[str], not_shown: list[str]) -> None:
    with Journal(tmp_path / "run.journal") as journal:
        journal.append("run_started", run_id="r4", suite="secmp0007")
        journal.append("radio", radio="ezsp", path="/dev/ttyUSB0", capture=capture)
        journal.append("run_finished", outcome="pass", reason="")
    html = write_reports(tmp_path / "run.journal", tmp_path / "out")["report.html"].read_text()
    (paragraph,) = [part for part in html.split("<p ") if part.startswith('id="capture"')]
    assert all(text in paragraph for text in shown) and not any(text in paragraph for text in not_shown)
