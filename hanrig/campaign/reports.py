"""A campaign's reports from its journal: the JSON record, JUnit XML and the HTML tracking report.

The HTML page shows, per stage, the DSP funnel (request received, transfer started, CCS08,
activated on verified device evidence), the gate with each criterion's figure, the devices
that did not activate and why, with the DCC alerts their updates raised, and a link to
each bench's own run report and HAN capture. Self-contained, no scripts.
"""

from __future__ import annotations

import json
import os
import time
from html import escape
from pathlib import Path
from xml.etree import ElementTree

from hanrig.bench.errors import ConfigError
from hanrig.campaign.dsp import FUNNEL, DeviceTrack
from hanrig.campaign.record import BenchRecord, CampaignRecord, StageRecord, from_reading
from hanrig.rig.journal import read_journal

_STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em; color: #111; }
h2 { margin-top: 1.6em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.6em 0; }
th, td { border: 1px solid #ccc; padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: #f2f2f2; } td.n { text-align: right; }
.bar { background: #2b6cb0; height: 0.8em; display: inline-block; }
.pass, .passed { color: #0a6b2d; font-weight: bold; }
.fail, .failed, .error, .interrupted { color: #b00020; font-weight: bold; }
.notrun, .skipped { color: #666; font-weight: bold; } .inferred { color: #8a5a00; }
"""


def _time(value: float | None) -> str:
    return "-" if value is None else time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(value))


def _link(target: Path | None, base: Path, text: str) -> str:
    if target is None or not target.exists():
        return ""
    return f'<a href="{escape(os.path.relpath(target, base))}">{escape(text)}</a>'


def _funnel(stage: StageRecord) -> str:
    counts = stage.funnel()
    planned = counts["planned"] or 1
    rows = []
    for name in [*(s.value for s in FUNNEL), "activated (verified)", "failed"]:
        share = 100.0 * counts[name] / planned
        rows.append(f"<tr><td>{escape(name)}</td><td class=n>{counts[name]}/{counts['planned']}</td>"
                    f"<td class=n>{share:.1f}%</td>"
                    f"<td><span class=bar style='width:{share * 3:.0f}px'></span></td></tr>")
    return ("<table><tr><th>DSP stage</th><th>devices</th><th>share</th><th></th></tr>" + "".join(rows) + "</table>"
            "<p>Transferred counts the CH's CCS08 (the rig's CH model); activated (verified) counts only "
            "devices whose own alerts and responses verified.</p>")


def _gate(stage: StageRecord) -> str:
    if not stage.gate:
        return f"<p class=notrun>gate not judged ({escape(stage.outcome)})</p>"
    rows = "".join(f"<tr><td>{escape(c['name'])}</td><td>{escape(c['required'])}</td><td>{escape(c['actual'])}</td>"
                   f"<td class={'pass' if c['passed'] else 'fail'}>{'pass' if c['passed'] else 'FAIL'}</td>"
                   f"<td>{escape(c.get('detail', ''))}</td></tr>" for c in stage.gate)
    return ("<table><tr><th>criterion</th><th>gate</th><th>actual</th><th>verdict</th><th>detail</th></tr>"
            + rows + "</table>")


def _alerts(track: DeviceTrack) -> str:
    parts = []
    for alert in track.alerts:
        dcc = alert.dcc
        who = "CH model" if alert.direction == "raised-by-ch" else "device"
        mapped = f" &rarr; {escape(dcc.name)}" if dcc else ""
        if dcc and dcc.code:
            mapped += f" <span class=inferred>{escape(dcc.code)}{' [inferred]' if dcc.inferred else ''}</span>"
        parts.append(f"{escape(alert.label)} ({who}{'' if alert.verified else ', NOT verified'}){mapped}")
    return "<br>".join(parts) or "none"


def _failed_devices(stage: StageRecord, base: Path) -> str:
    failed = stage.failed_devices()
    missing = [(bench, device) for bench in stage.benches.values() for device in bench.planned
               if device["name"] not in {t.device for t in bench.tracks}]
    if not failed and not missing:
        return "<p>Every device of the stage activated.</p>"
    rows = []
    for bench, track in failed:
        faults = next((d.get("faults") for d in bench.planned if d["name"] == track.device), None)
        rows.append(f"<tr><td>{escape(bench.name)}</td><td>{escape(track.device)}</td><td>{escape(track.eui64)}</td>"
                    f"<td>{escape(track.stage.value)}</td><td>{escape(track.reason)}</td>"
                    f"<td>{escape(json.dumps(faults)) if faults else ''}</td><td>{_alerts(track)}</td>"
                    f"<td>{_bench_links(bench, base)}</td></tr>")
    for bench, device in missing:
        rows.append(f"<tr><td>{escape(bench.name)}</td><td>{escape(device['name'])}</td>"
                    f"<td>{escape(device['eui64'])}</td><td>not started</td><td>{escape(bench.reason)}</td>"
                    f"<td>{escape(json.dumps(device.get('faults'))) if device.get('faults') else ''}</td><td></td>"
                    f"<td>{_bench_links(bench, base)}</td></tr>")
    return ("<table><tr><th>bench</th><th>device</th><th>EUI-64</th><th>reached</th><th>why</th>"
            "<th>seeded faults</th><th>alerts (DCC alert)</th><th>evidence</th></tr>" + "".join(rows) + "</table>")


def _bench_links(bench: BenchRecord, base: Path) -> str:
    run_dir = Path(bench.run_dir) if bench.run_dir else None
    if run_dir is None:
        return _link(Path(bench.report_dir) / "bench.log", base, "log") if bench.report_dir else ""
    return " ".join(link for link in (_link(run_dir / "report.html", base, "report"),
                                      _link(run_dir / "han.pcap", base, "capture"),
                                      _link(run_dir / "run.journal", base, "journal")) if link)


def _benches(stage: StageRecord, base: Path) -> str:
    rows = []
    for bench in stage.benches.values():
        activated = sum(t.activated for t in bench.tracks)
        rows.append(f"<tr><td>{escape(bench.name)}</td><td>{escape(bench.place or 'emulated')}</td>"
                    f"<td class={escape(bench.outcome)}>{escape(bench.outcome)}</td>"
                    f"<td class=n>{activated}/{len(bench.planned)}</td><td>{escape(bench.reason)}</td>"
                    f"<td>{_bench_links(bench, base)}</td></tr>")
    for skipped in stage.skipped:
        rows.append(f"<tr><td>{escape(skipped['bench'])}</td><td></td><td class=skipped>skipped</td><td></td>"
                    f"<td>{escape(skipped['reason'])}</td><td></td></tr>")
    places = "".join(f"<li>{_time(p['time'])} {escape(p['place'])} {escape(p['event'])}"
                     f"{': ' + escape(p['reason']) if p.get('reason') else ''}</li>" for p in stage.places)
    return ("<table><tr><th>bench</th><th>place</th><th>outcome</th><th>activated</th><th>why</th><th>evidence</th>"
            "</tr>" + "".join(rows) + "</table>" + (f"<p>labgrid places:</p><ul>{places}</ul>" if places else ""))


def render_html(record: CampaignRecord, base: Path) -> str:
    stages = []
    for stage in record.stages:
        outcome = stage.outcome.replace(" ", "")
        stages.append(
            f"<h2>Stage {stage.index + 1}: {escape(stage.name)} "
            f"<span class={outcome}>{escape(stage.outcome)}</span></h2>"
            f"<p>{stage.planned_benches} benches ({escape(stage.source)}), suite {escape(stage.suite)}; "
            f"{_time(stage.started)} to {_time(stage.finished)}"
            f"{'; ' + escape(stage.reason) if stage.reason else ''}</p>"
            + ("" if stage.outcome == "not run" else
               "<h3>Funnel</h3>" + _funnel(stage) + "<h3>Gate</h3>" + _gate(stage)
               + "<h3>Devices that did not activate</h3>" + _failed_devices(stage, base)
               + "<h3>Benches</h3>" + _benches(stage, base)))
    versions = ", ".join(f"{escape(k)} {escape(v)}" for k, v in record.versions.items())
    return (f"<!doctype html><html><head><meta charset=utf-8><title>campaign {escape(record.name)}</title>"
            f"<style>{_STYLE}</style></head><body><h1>Campaign {escape(record.name)}</h1>"
            f"<p class={record.outcome} style='font-size:1.5em'>{escape(record.outcome.upper())}</p>"
            f"<p>{escape(record.reason)}</p>"
            f"<p>File {escape(record.file)} (SHA-256 {escape(record.sha256)}); {_time(record.started)} to "
            f"{_time(record.finished)}; {record.devices()} devices on "
            f"{sum(len(s.benches) for s in record.stages)} benches. {versions}</p>"
            f"<p>Expected alerts: {escape(', '.join(f'0x{c:04X}' for c in record.expected_alerts))}. DCC alert "
            "codes marked [inferred] are not confirmed by a public source.</p>"
            + "".join(stages) + "</body></html>")


def write_junit(record: CampaignRecord, path: Path) -> Path:
    """One testsuite per stage: a testcase per bench, and one for the stage's gate."""
    root = ElementTree.Element("testsuites", name=f"campaign {record.name}")
    for stage in record.stages:
        suite = ElementTree.SubElement(root, "testsuite", name=f"{stage.index + 1}-{stage.name}",
                                       tests=str(len(stage.benches) + 1))
        for bench in stage.benches.values():
            case = ElementTree.SubElement(suite, "testcase", classname=f"campaign.{stage.name}", name=bench.name,
                                          time=f"{(bench.finished or 0) - (bench.started or 0):.3f}"
                                          if bench.finished else "0")
            if bench.outcome == "fail":
                ElementTree.SubElement(case, "failure", message=bench.reason or "a scenario failed")
            elif bench.outcome != "pass":
                ElementTree.SubElement(case, "error", message=bench.reason or bench.outcome)
        gate = ElementTree.SubElement(suite, "testcase", classname=f"campaign.{stage.name}", name="gate")
        if stage.outcome == "not run":
            ElementTree.SubElement(gate, "skipped", message="an earlier stage's gate failed")
        elif not stage.gate or not all(c["passed"] for c in stage.gate):
            ElementTree.SubElement(gate, "failure", message=stage.reason or stage.outcome)
    ElementTree.indent(root)
    ElementTree.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
    return path


def write_campaign_reports(journal: Path, out_dir: Path, *, junit: Path | None = None) -> dict[str, Path]:
    record = from_reading(read_journal(journal))
    if not record.name:
        raise ConfigError(f"{journal}: not a campaign journal (no campaign_started entry)")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"{out_dir}: cannot create the report directory: {exc.strerror}") from None
    written: dict[str, Path] = {}
    written["campaign.json"] = out_dir / "campaign.json"
    written["campaign.json"].write_text(json.dumps(record.as_dict(), indent=1, default=str))
    written["junit.xml"] = write_junit(record, out_dir / "junit.xml")
    if junit is not None:
        written["junit"] = write_junit(record, junit)
    written["campaign.html"] = out_dir / "campaign.html"
    written["campaign.html"].write_text(render_html(record, out_dir))
    return written


def is_campaign_journal(journal: Path) -> bool:
    """Whether a journal is a campaign's (its first entry after the header is ``campaign_started``)."""
    try:
        with journal.open("rb") as file:
            for _, line in zip(range(2), file, strict=False):
                if json.loads(line).get("kind") == "campaign_started":
                    return True
    except (OSError, ValueError):
        return False
    return False

