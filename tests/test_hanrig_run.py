"""hanrig run, the main job, end to end: the embedded default passes the SECMP0007 suite and is reported.

The suite runs once for this module (about a minute); the tests then read what it left.
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pdfminer.high_level import extract_pages
from pdfminer.layout import LTChar, LTPage, LTTextBox, LTTextLine

from hanrig.rig.journal import read_journal
from tests.browser import A4_PIXELS, Chromium, pixels_near
from tests.paths import REPO
from tests.runs import hanrig, run_dir

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
    result = hanrig("-vv", "run", "--report-dir", str(reports), "--junit", str(junit),
                     env={**os.environ, "TMPDIR": str(tmpdir)})
    after = _tree(REPO)
    changes = {path for path in before.keys() | after.keys() if before.get(path) != after.get(path)}
    return SuiteRun(result, run_dir(reports), junit, tmpdir, changes)


def test_embedded_default_passes_every_secmp0007_scenario(suite_run: SuiteRun) -> None:
    result, run_dir = suite_run.result, suite_run.run_dir

    assert result.returncode == 0, result.stdout + result.stderr
    record = json.loads((run_dir / "run.json").read_text())
    assert record["outcome"] == "pass"
    assert {s["outcome"] for s in record["scenarios"]} == {"pass"}
    assert len(record["scenarios"]) == 23
    assert result.stdout.strip().splitlines()[-1].startswith("PASS: 23 pass; reports in ")


def test_run_leaves_the_four_reports_its_log_its_han_capture_and_the_junit_asked_for(suite_run: SuiteRun) -> None:
    run_dir, junit = suite_run.run_dir, suite_run.junit

    assert sorted(p.name for p in run_dir.iterdir() if p.is_file()) == [
        "han.keys", "han.pcap", "junit.xml", "report.html", "run.journal", "run.json", "run.log"]
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
    chromium = Chromium(tmp_path / "profile")

    dom = chromium.dom(suite_run.run_dir / "report.html")

    verdicts = dom.split('id="verdicts"', 1)[1].split("</table>", 1)[0]
    assert verdicts.count("<tr>") == 1 + 23 and verdicts.count(">PASS<") == 23


def test_every_scenario_proves_each_piece_of_evidence_it_claims_with_passing_checks(suite_run: SuiteRun) -> None:
    record = json.loads((suite_run.run_dir / "run.json").read_text())

    unproven = []
    for scenario in record["scenarios"]:
        assert scenario["evidence"], scenario["id"]
        for statement in scenario["evidence"]:
            checks = [m for m in scenario["measurements"]
                      if m["name"].startswith(tuple(statement["checks"])) and not m.get("observation")]
            if not checks or any(m["verdict"] != "pass" for m in checks):
                unproven.append(f"{scenario['id']}: {statement['text']}")

    assert unproven == []


def _configured_images(run_dir: Path) -> list[dict[str, Any]]:
    return [i for i in json.loads((run_dir / "run.json").read_text())["images"] if not i.get("derived_from")]


def test_signoff_page_shows_verdict_devices_before_and_after_images_bench_versions_and_signoff(
        suite_run: SuiteRun, tmp_path: Path) -> None:
    chromium = Chromium(tmp_path / "profile")
    report = suite_run.run_dir / "report.html"

    cover = chromium.dom(report).split('<section class="cover"', 1)[1].split("</section>", 1)[0]
    shot = chromium.screenshot(report, tmp_path / "signoff.png", A4_PIXELS)

    assert 'Verdict: <span class="pass">PASS</span> (23 pass)' in cover
    for eui64 in ("48414E52494700A4", "48414E52494700A5"):
        assert eui64 in cover
    assert cover.count("0x00000001 (its query in SECMP0007-") == 2 and cover.count("(CS08 in SECMP0007-") == 2
    images = _configured_images(suite_run.run_dir)
    assert [i["name"] for i in images] == ["ppmid-v2", "hcalcs-v2"]
    for image in images:
        assert image["sha256"] in cover and image["manufacturer_image_sha256"] in cover
    assert "ezsp" in cover and "2.4.0" in cover and "1.2.1" in cover
    assert all(role in cover for role in ("Tested by", "Reviewed by", "Approved for roll-out"))
    # what the reader sees first: the verdict in green, nothing in the failure red
    assert pixels_near(shot.crop((0, 0, A4_PIXELS[0], 200)), "#0a6b2d") > 50
    assert pixels_near(shot, "#b00020") == 0


def _figure_page(report: Path, scenario: str, out: Path) -> Path:
    """A page holding only the scenario's transfer plot, as the report has it."""
    html = report.read_text()
    section = html.split(f'<section class="scenario" id="{scenario}">', 1)[1].split("</section>", 1)[0]
    figure = '<figure class="transfers">' + section.split('<figure class="transfers">', 1)[1].split("</figure>")[0]
    out.write_text(html.split("<body>", 1)[0] + f"<body>{figure}</figure></body></html>")
    return out


@pytest.mark.parametrize(("scenario", "marked", "end_colour", "absent_colour"), [
    ("SECMP0007-05", "device restarted", "#0a6b2d", "#b00020"),  # rebooted, resumed, transferred
    ("SECMP0007-04", "failed: no request for", "#b00020", "#0a6b2d"),  # stalled
])
def test_a_transfer_plot_shows_how_the_transfer_went(suite_run: SuiteRun, tmp_path: Path, scenario: str,
                                                     marked: str, end_colour: str, absent_colour: str) -> None:
    chromium = Chromium(tmp_path / "profile")
    page = _figure_page(suite_run.run_dir / "report.html", scenario, tmp_path / "plot.html")

    dom = chromium.dom(page)
    shot = chromium.screenshot(page, tmp_path / "plot.png", (900, 500))

    assert "<svg" in dom and marked in dom and "seconds since the scenario started" in dom
    assert pixels_near(shot, "#1f77b4", tolerance=24) > 200  # the transfer's line
    assert pixels_near(shot, end_colour, tolerance=24) > 20 and pixels_near(shot, absent_colour, tolerance=24) == 0


def test_printed_report_clips_no_column_and_prints_every_message_in_its_appendix(
        suite_run: SuiteRun, tmp_path: Path) -> None:
    pdf = Chromium(tmp_path / "profile").pdf(suite_run.run_dir / "report.html", tmp_path / "report.pdf")

    pages = list(extract_pages(pdf))
    outside = [(n, c.get_text()) for n, page in enumerate(pages, 1) for c in _characters(page)
               if c.x0 < PAGE_MARGIN - 1 or c.x1 > page.width - PAGE_MARGIN + 1]
    text = [_columns(page) for page in pages]

    assert outside == []
    # Chromium fits a page too wide for the paper by shrinking the whole document: the title must
    # print at the size the print style gives it (2em of 10px, 15 pt)
    assert max(c.size for c in _characters(pages[0])) == pytest.approx(TITLE_POINTS, abs=0.1)
    for image in _configured_images(suite_run.run_dir):
        assert image["sha256"] in text[0] and image["manufacturer_image_sha256"] in text[0]
    appendix = "".join(text[next(n for n, t in enumerate(text) if "AppendixA:" in t):])
    record = json.loads((suite_run.run_dir / "run.json").read_text())
    messages = [m for s in record["scenarios"] for m in s["messages"]]
    assert len(messages) > 50 and all(m["hex"] in appendix for m in messages)


#: the report's printed page margin (1.2 cm) in points: text beyond it is cut off
PAGE_MARGIN = 1.2 / 2.54 * 72
TITLE_POINTS = 15.0


def _columns(page: LTPage) -> str:
    """The page's text read down each column in turn (lines that start at the same x), spaces left out:
    a value wrapped over several lines of a table cell reads as one."""
    lines = [line for box in page if isinstance(box, LTTextBox) for line in box if isinstance(line, LTTextLine)]
    lines.sort(key=lambda line: (round(line.x0), -line.y1))
    return "".join("".join(line.get_text().split()) for line in lines)


def _characters(item: Any) -> list[LTChar]:
    if isinstance(item, LTChar):
        return [item]
    return [c for child in item for c in _characters(child)] if hasattr(item, "__iter__") else []


def test_report_rebuilds_the_same_record_from_the_runs_journal(suite_run: SuiteRun, tmp_path: Path) -> None:
    run_dir = suite_run.run_dir

    result = hanrig("report", "--journal", str(run_dir / "run.journal"), "--out", str(tmp_path))

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

    # a debug record of the rig's own, in either form: "DEBUG hanrig.x: ..." or "DEBUG <thread> hanrig.x: ..."
    debug = re.compile(r" DEBUG (\S+ )?hanrig\.")
    assert debug.search(suite_run.result.stderr) and debug.search((suite_run.run_dir / "run.log").read_text())
    assert "matplotlib" not in (suite_run.run_dir / "run.log").read_text()
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


def _tshark(run_dir: Path, display_filter: str, *fields: str) -> list[list[str]]:
    """The capture's frames matching ``display_filter``, decrypted with the run's keys file, as field rows."""
    assert shutil.which("tshark"), "tshark is needed (the README's test command installs it)"
    keys = (run_dir / "han.keys").read_text().strip()
    command = ["tshark", "-r", str(run_dir / "han.pcap"), "-o", f"uat:zigbee_pc_keys:{keys}", "-Y", display_filter,
               "-T", "fields", *itertools.chain.from_iterable(("-e", field) for field in fields)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, check=True)
    return [line.split("\t") for line in result.stdout.splitlines()]


def test_the_han_capture_decodes_in_tshark_and_its_block_responses_are_the_transfer_the_record_shows(
        suite_run: SuiteRun) -> None:
    record = json.loads((suite_run.run_dir / "run.json").read_text())
    (first,) = [s for s in record["scenarios"] if s["id"] == "SECMP0007-01"]
    block = max(m["value"] for m in first["measurements"] if m["name"] == "largest Image Block Response")
    total = first["samples"][-1]["total"]
    during = f'frame.time_epoch >= {first["started"]} && frame.time_epoch <= {first["finished"]}'

    responses = _tshark(suite_run.run_dir, f"{during} && zbee_zcl_general.ota.cmd.srv_tx.id == 0x05",
                        "zbee_zcl_general.ota.file.offset", "zbee_zcl_general.ota.data_size")
    commands = {row[0] for row in _tshark(suite_run.run_dir, f"{during} && zbee_zcl", "_ws.col.Info")}

    assert [(int(offset), int(size)) for offset, size in responses] == [
        (offset, min(block, total - offset)) for offset in range(0, total, block)]
    for command in ("Image Notify", "Query Next Image Request", "Query Next Image Response", "Image Block Request",
                    "Upgrade End Request", "Upgrade End Response", "Request Tunnel", "Request Tunnel Response"):
        assert any(f"ZCL OTA: {command}," in info or f"ZCL Tunneling: {command}," in info for info in commands), command
    # the GBCS messages the tunnel carried, as Wireshark's GBCS dissector names them
    tunnelled = _tshark(suite_run.run_dir, "zbee_zcl_se.tun.cmd.srv_rx.id || zbee_zcl_se.tun.cmd.srv_tx.id",
                        "_ws.col.Info")
    kinds = {row[0].split(",")[0] for row in tunnelled}
    assert {"Alert", "Command", "Response"} <= kinds, kinds
