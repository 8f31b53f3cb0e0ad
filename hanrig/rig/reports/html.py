"""The sign-off report: one self-contained HTML page a person reads, and prints.

Verdict table first, then what was tested (images, radio, config, versions), then for
each scenario its checks, each saying whether it judges the device under test or only the
rig's own CH model (a pass resting on the CH model alone is shown as a rig self-check), a
per-device timeline of the distribution stages, and every GBCS message decoded with the
DCC alerts it maps to. No scripts, no external files:
it opens anywhere and prints on A4 without losing a column.
"""

from __future__ import annotations

import time
from html import escape
from pathlib import Path
from typing import Any

from hanrig.gbcs.registry import dcc_alerts_for
from hanrig.rig.record import Basis, Outcome, RunRecord, ScenarioRecord

_STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em; color: #111; }
h1 { margin-bottom: 0.2em; } h2 { margin-top: 1.6em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.6em 0; width: 100%; }
th, td { border: 1px solid #ccc; padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
td.mono, code { font-family: ui-monospace, monospace; font-size: 12px; word-break: break-all; }
.pass { color: #0a6b2d; font-weight: bold; } .fail, .error, .interrupted { color: #b00020; font-weight: bold; }
.skipped { color: #666; font-weight: bold; } .selfcheck { color: #8a5a00; font-weight: bold; }
.verdict { font-size: 1.4em; }
details > summary { cursor: pointer; }
@media print {
  body { margin: 1cm; font-size: 11px; }
  details { display: block; } details > summary { display: none; }
  section.scenario { break-inside: avoid-page; }
  a { color: inherit; text-decoration: none; }
}
"""


def _time(value: float | None) -> str:
    return "-" if value is None else time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(value))


def _outcome(outcome: Outcome) -> str:
    return f'<span class="{outcome.value}">{escape(outcome.value.upper())}</span>'


def _table(headers: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _pairs(values: dict[str, Any]) -> str:
    return _table(["", ""], [[escape(str(k)), f'<span class="mono">{escape(str(v))}</span>'] for k, v in values.items()
                             if v is not None])


def _verdict(scenario: ScenarioRecord) -> str:
    """The outcome, and, for a pass that rests on no device evidence, that it is only a rig self-check."""
    if scenario.outcome is Outcome.PASS and scenario.basis is Basis.SELF_CHECK:
        return f'{_outcome(scenario.outcome)} <span class="selfcheck">({escape(Basis.SELF_CHECK.value)})</span>'
    return _outcome(scenario.outcome)


def _verdicts(record: RunRecord) -> str:
    rows = [[f'<a href="#{escape(s.id)}">{escape(s.id)}</a>', escape(s.title), _verdict(s),
             f"{len(s.checks_of('device'))} device, {len(s.checks_of('ch-model'))} CH model",
             escape(s.reason), f"{s.duration:.1f} s" if s.duration is not None else "-"]
            for s in record.scenarios]
    return _table(["scenario", "title", "verdict", "checks", "reason", "time"], rows)


#: how each measurement subject is named in the report
_JUDGES = {"device": "device", "ch-model": "CH model"}


def _images(record: RunRecord) -> str:
    rows = [[escape(str(i.get("name"))), escape(str(i.get("file_version"))), escape(str(i.get("manufacturer_code"))),
             escape(str(i.get("image_type"))), f'<span class="mono">{escape(str(i.get("sha256")))}</span>',
             f'<span class="mono">{escape(str(i.get("manufacturer_image_sha256")))}</span>',
             "yes" if i.get("signed") else "no"] for i in record.images]
    return _table(["image", "file version", "manufacturer", "type", "SHA-256 (file)",
                   "Manufacturer Image SHA-256", "signed"], rows)


def _dcc(decoded: dict[str, Any]) -> str:
    code = decoded.get("alert_code")
    if not code:
        return ""
    return "; ".join(f"{m.duis_alert_type}: {m.label}" for m in dcc_alerts_for(int(code, 16)))


def _messages(messages: list[dict[str, Any]]) -> str:
    rows = []
    for message in messages:
        decoded = message.get("decoded")
        if decoded is None:
            raw = f'<span class="mono">{escape(message["hex"])}</span>'
            rows.append([escape(message["direction"]), escape(message["device"]), "undecodable",
                         escape(str(message.get("error"))), "", "", raw])
            continue
        what = " ".join(p for p in (decoded.get("use_case"), decoded.get("alert_code"), decoded.get("alert_name")) if p)
        payload = decoded.get("payload", {})
        shown = ", ".join(f"{k}: {v}" for k, v in payload.items() if k != "type")
        rows.append([escape(message["direction"]), escape(f"{decoded['originator']} -> {decoded['recipient']}"),
                     escape(what), escape(shown), escape(f"sig {decoded['signature']}, mac {decoded['mac']}"),
                     escape(_dcc(decoded)),
                     f'<details><summary>hex</summary><span class="mono">{escape(message["hex"])}</span></details>'])
    return _table(["direction", "from -> to", "message", "payload", "verified", "DCC alert", "bytes"], rows)


def _timeline(transitions: list[dict[str, Any]], started: float | None) -> str:
    rows = [[f"{t['time'] - started:+.2f} s" if started else _time(t["time"]), escape(t["device"]),
             escape(t["stage"] + (f" {t['percent']}%" if t["stage"] == "Transferring" else "")),
             escape(t.get("detail", ""))] for t in transitions]
    return _table(["at", "device", "stage", "detail"], rows)


def _scenario(scenario: ScenarioRecord) -> str:
    measurements = _table(["check", "judges", "value", "expected", "verdict"], [
        [escape(m["name"]), escape(_JUDGES.get(m.get("subject", ""), "?")),
         escape(f"{m['value']}{' ' + m['units'] if m.get('units') else ''}"),
         escape(str(m["expected"])), "observed" if m.get("observation") else _outcome(Outcome(m["verdict"]))]
        for m in scenario.measurements])
    evidence = "".join(f"<li>{escape(e)}</li>" for e in scenario.evidence)
    return (f'<section class="scenario" id="{escape(scenario.id)}"><h2>{escape(scenario.id)} '
            f"{escape(scenario.title)} {_verdict(scenario)}</h2>"
            f"<p>{escape(scenario.description)}</p>"
            + (f"<p>Expected GBCS evidence:</p><ul>{evidence}</ul>" if evidence else "")
            + (f"<p><b>Reason:</b> {escape(scenario.reason)}</p>" if scenario.reason else "")
            + (f"<h3>Checks</h3>{measurements}" if scenario.measurements else "")
            + (f"<h3>Timeline</h3>{_timeline(scenario.transitions, scenario.started)}" if scenario.transitions else "")
            + (f"<h3>GBCS messages</h3>{_messages(scenario.messages)}" if scenario.messages else "")
            + "</section>")


def _radio_events(record: RunRecord) -> str:
    if not record.radio_events:
        return ""
    return _table(["time", "radio", "scenario", "detail", "attempts", "seconds"],
                  [[escape(str(cell)) for cell in (_time(e["time"]), e["state"], e.get("scenario") or "",
                                                   e.get("detail", ""), e.get("attempts", ""), e.get("seconds", ""))]
                   for e in record.radio_events])


def render_html(record: RunRecord) -> str:
    counts = record.counts()
    summary = ", ".join(f"{n} {k}" for k, n in counts.items() if n)
    run = {"run": record.run_id, "suite": record.suite, "started": _time(record.started),
           "finished": _time(record.finished), "config": record.config.get("path"),
           "config SHA-256": record.config.get("sha256"), **{f"station {k}": v for k, v in record.station.items()}}
    if record.journal_torn:
        run["journal"] = "its last line was torn (the run was killed mid-write) and was ignored"
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>hanrig {escape(record.suite)} "
            f"{escape(record.run_id)}</title><style>{_STYLE}</style></head><body>"
            f"<h1>hanrig sign-off report: {escape(record.suite or 'run')}</h1>"
            f'<p class="verdict">Verdict: {_outcome(record.outcome)} ({escape(summary or "no scenarios")})'
            + (f" &mdash; {escape(record.reason)}" if record.reason else "") + "</p>"
            f'<h2>Verdicts</h2><div id="verdicts">{_verdicts(record)}</div>'
            f"<h2>Images</h2>{_images(record)}"
            f"<h2>Run</h2>{_pairs(run)}<h2>Radio</h2>{_pairs(record.radio)}{_radio_events(record)}"
            f"<h2>Versions</h2>{_pairs(record.versions)}"
            + "".join(_scenario(s) for s in record.scenarios)
            + (f"<h2>Outside scenarios</h2>{_timeline(record.transitions, record.started)}"
               f"{_messages(record.messages)}" if record.transitions or record.messages else "")
            + "</body></html>\n")


def write_html(record: RunRecord, path: Path) -> Path:
    path.write_text(render_html(record))
    return path
