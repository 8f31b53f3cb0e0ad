"""The sign-off report: one self-contained HTML page a person reads, prints and signs.

Its first page signs the run off at a glance: the verdict, the devices under test with
the firmware they ran before and after, the images with their full hashes, the bench,
the versions, and a block for the signatures. Then the verdict table with a timeline of
the run, and for each scenario: the evidence it claims, each statement with the checks that prove
it; the images it delivered; its checks, each saying which device and whether it judges
the device under test or only the rig's own CH model (a pass resting on the CH model
alone is shown as a rig self-check); a plot of each transfer; the distribution stages;
and the GBCS messages, decoded, with the DCC alerts they map to. Every message's bytes
are printed in an appendix. No scripts, no external files: it opens anywhere and prints
on A4 without clipping a column (long values wrap).
"""

from __future__ import annotations

import time
from html import escape
from pathlib import Path
from typing import Any

from hanrig.gbcs.registry import dcc_alerts_for
from hanrig.rig.evidence import RUNNING_VERSION_CHECK
from hanrig.rig.record import Basis, Outcome, RunRecord, ScenarioRecord
from hanrig.rig.reports.charts import run_timeline, transfer_plot

_STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em; color: #111; }
h1 { margin-bottom: 0.2em; } h2 { margin-top: 1.6em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.6em 0; width: 100%; table-layout: auto; }
th, td { border: 1px solid #ccc; padding: 3px 6px; text-align: left; vertical-align: top;
         overflow-wrap: break-word; }
tr, figure { break-inside: avoid; } h2, h3 { break-after: avoid; }
th { background: #f2f2f2; }
.mono { font-family: ui-monospace, monospace; font-size: 12px; word-break: break-all; }
.wrap { overflow-wrap: anywhere; }
.pass { color: #0a6b2d; font-weight: bold; } .fail, .error, .interrupted { color: #b00020; font-weight: bold; }
.skipped, .unchecked { color: #666; font-weight: bold; } .selfcheck { color: #8a5a00; font-weight: bold; }
.verdict { font-size: 1.6em; margin: 0.3em 0; }
.signoff td { height: 2.2em; } .pairs td:first-child { width: 12em; }
figure { margin: 0.6em 0; max-width: 48em; } figure svg { width: 100%; height: auto; }
@media print {
  body { margin: 0; font-size: 10px; line-height: 1.3; }
  th, td { padding: 1px 4px; } h2 { margin-top: 1em; } table { margin: 0.4em 0; }
  .cover .side { display: grid; grid-template-columns: 3fr 2fr; gap: 1em; }
  @page { size: A4; margin: 1.2cm; }
  section.cover, #verdicts { break-after: page; }
  section.appendix { break-before: page; }
  a { color: inherit; text-decoration: none; }
  .mono { font-size: 9px; }
}
"""

#: how each measurement subject is named in the report
_JUDGES = {"device": "device", "ch-model": "CH model"}


def _time(value: float | None) -> str:
    return "-" if value is None else time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(value))


def _outcome(outcome: Outcome) -> str:
    return f'<span class="{outcome.value}">{escape(outcome.value.upper())}</span>'


def _mono(value: object) -> str:
    return f'<span class="mono">{escape(str(value))}</span>'


def _table(headers: list[str] | None, rows: list[list[str]], *, css: str = "") -> str:
    """A table; without ``headers``, one of name-value pairs."""
    head = ("" if headers is None else
            "<thead><tr>" + "".join(f"<th>{escape(h)}</th>" for h in headers) + "</tr></thead>")
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f'<table class="{css}">{head}<tbody>{body}</tbody></table>'


def _pairs(values: dict[str, Any]) -> str:
    return _table(None, [[escape(str(k)), _mono(v)] for k, v in values.items() if v is not None], css="pairs")


def _wrap(value: object) -> str:
    """Text that may hold long unbroken tokens (hashes, hex), allowed to break anywhere rather than widen its column."""
    return f'<span class="wrap">{escape(str(value))}</span>'


def _hex(value: object, digits: int) -> str:
    return f"0x{value:0{digits}X}" if isinstance(value, int) else "-"


def _figure(svg: str | None, caption: str, *, css: str) -> str:
    return f'<figure class="{css}">{svg}<figcaption>{escape(caption)}</figcaption></figure>' if svg else ""


# ---------------------------------------------------------------- the first page

def _verdict(scenario: ScenarioRecord) -> str:
    """The outcome, and, for a pass that rests on no device evidence, that it is only a rig self-check."""
    if scenario.outcome is Outcome.PASS and scenario.basis is Basis.SELF_CHECK:
        return f'{_outcome(scenario.outcome)} <span class="selfcheck">({escape(Basis.SELF_CHECK.value)})</span>'
    return _outcome(scenario.outcome)


def _firmware_read(record: RunRecord, eui64: str) -> tuple[str, str] | None:
    """The firmware version the device last reported in a CS08 response, and the scenario it did so in."""
    last = None
    for scenario in record.scenarios:
        for message in scenario.messages:
            decoded = message.get("decoded") or {}
            payload = decoded.get("payload", {})
            if (message["direction"] == "from-device" and decoded.get("originator") == eui64
                    and decoded.get("use_case") == "CS08" and "firmware_version" in payload):
                last = (str(payload["firmware_version"]), scenario.id)
    return last


def _first_query(record: RunRecord, name: str) -> tuple[str, str] | None:
    """The file version the device said it ran in its first Query Next Image of the run, and the scenario."""
    for scenario in record.scenarios:
        for m in scenario.measurements:
            if m["name"] == RUNNING_VERSION_CHECK and m.get("device") == name:
                return str(m["value"]), scenario.id
    return None


def _devices(record: RunRecord) -> str:
    rows = []
    for device in record.devices:
        queried = _first_query(record, device["name"])
        read = _firmware_read(record, device["eui64"])
        before = (f"{queried[0]} (its query in {queried[1]})" if queried
                  else _hex(device.get("firmware_version"), 8) + " (config)")
        after = f"0x{read[0]} (CS08 in {read[1]})" if read else "not read"
        rows.append([escape(device["name"]), escape(device["type"]), _mono(device["eui64"]),
                     "emulated" if device.get("emulated") else "physical",
                     f"{_hex(device.get('manufacturer_code'), 4)} / {_hex(device.get('image_type'), 4)} / "
                     f"{_hex(device.get('hardware_version'), 4)}", _mono(before), _mono(after)])
    return _table(["device", "type", "EUI-64", "radio", "manufacturer / image type / hardware", "firmware before",
                   "firmware after"], rows)


def _images(images: list[dict[str, Any]]) -> str:
    rows = [[escape(str(i.get("name"))) + (f"<br><small>from {escape(i['derived_from'])}</small>"
                                            if i.get("derived_from") else ""),
             _mono(i.get("file_version")),
             f"{escape(str(i.get('manufacturer_code')))} / {escape(str(i.get('image_type')))}",
             _mono(i.get("sha256")), _mono(i.get("manufacturer_image_sha256")), "yes" if i.get("signed") else "no"]
            for i in images]
    return _table(["image", "file version", "manufacturer / type", "SHA-256 (file)", "Manufacturer Image SHA-256",
                   "signed"], rows)


def _signoff() -> str:
    rows = [[escape(role), "", "", ""] for role in ("Tested by", "Reviewed by", "Approved for roll-out")]
    return _table(["", "name", "date", "signature"], rows, css="signoff")


def _cover(record: RunRecord) -> str:
    counts = ", ".join(f"{n} {k}" for k, n in record.counts().items() if n) or "no scenarios"
    bench = {"config": record.config.get("path"), "config SHA-256": record.config.get("sha256"),
             "radio": record.radio.get("radio"), "port": record.radio.get("path"),
             "EZSP version": record.radio.get("ezsp_version"), "channel": record.radio.get("channel"),
             **{f"station {k}": v for k, v in record.station.items()}}
    configured = [image for image in record.images if not image.get("derived_from")]
    derived = len(record.images) - len(configured)
    capture = record.radio.get("capture")
    torn = ("<p>The journal's last line was torn (the run was killed mid-write) and was ignored.</p>"
            if record.journal_torn else "")
    return (f'<section class="cover" id="signoff"><h1>hanrig sign-off report: {escape(record.suite or "run")}</h1>'
            f"<p>Run {escape(record.run_id)}, {_time(record.started)} to {_time(record.finished)}</p>"
            f'<p class="verdict">Verdict: {_outcome(record.outcome)} ({escape(counts)})'
            + (f" &mdash; {escape(record.reason)}" if record.reason else "") + f"</p>{torn}"
            f'<h2>Devices under test</h2><div id="devices">{_devices(record)}</div>'
            f'<h2>Images</h2><div id="images">{_images(configured)}</div>'
            + (f"<p>The scenarios also served {derived} images the rig derived from these (newer versions "
               "re-signed, tampered copies); each scenario names those it delivered.</p>" if derived else "")
            + f'<div class="side"><div><h2>Bench</h2>{_pairs(bench)}{_capture(capture)}</div>'
            f"<div><h2>Versions</h2>{_pairs(record.versions)}</div></div>"
            f'<h2>Sign-off</h2><div id="signoff-block">{_signoff()}</div></section>')


def _capture(capture: dict[str, Any] | None) -> str:
    """Links to the HAN capture of an emulated bench and its keys file, for Wireshark."""
    if not capture:
        return ""
    pcap = escape(capture["pcap"])
    if capture.get("side") == "host":
        return (f'<p id="capture">Host-side capture: <a href="{pcap}">{pcap}</a>, every frame the rig sent and '
                "received through its NCP, as the host saw it (after the NCP decrypted it): not a sniffer trace.</p>")
    keys = escape(capture["keys"])
    return (f'<p id="capture">HAN capture: <a href="{pcap}">{pcap}</a>, decrypted with the network key in '
            f'<a href="{keys}">{keys}</a> (Wireshark: copy it to the profile\'s '
            f'<span class="mono">zigbee_pc_keys</span>, or <span class="mono">'
            f'tshark -o "uat:zigbee_pc_keys:$(cat {keys})" -r {pcap}</span>).</p>')


def _timeline(record: RunRecord) -> str:
    timeline = run_timeline([(s.id, s.started, s.finished, s.outcome.value) for s in record.scenarios
                             if s.started is not None and s.finished is not None], record.started or 0.0)
    return _figure(timeline, "The run: each scenario from start to end, coloured by its verdict.", css="timeline")


def _verdicts(record: RunRecord) -> str:
    rows = [[f'<a href="#{escape(s.id)}">{escape(s.id)}</a>', escape(s.title), _verdict(s),
             f"{len(s.checks_of('device'))} device, {len(s.checks_of('ch-model'))} CH model",
             _wrap(s.reason), f"{s.duration:.1f} s" if s.duration is not None else "-"]
            for s in record.scenarios]
    return _table(["scenario", "title", "verdict", "checks", "reason", "time"], rows)


def _radio_events(record: RunRecord) -> str:
    if not record.radio_events:
        return ""
    return "<h2>Radio</h2>" + _table(
        ["time", "radio", "scenario", "detail", "attempts", "seconds"],
        [[escape(str(cell)) for cell in (_time(e["time"]), e["state"], e.get("scenario") or "", e.get("detail", ""),
                                         e.get("attempts", ""), e.get("seconds", ""))] for e in record.radio_events])


# ---------------------------------------------------------------- each scenario

def _evidence(scenario: ScenarioRecord) -> str:
    rows = []
    for statement in scenario.evidence:
        checks = scenario.checks_proving(statement)
        if not checks:
            verdict = '<span class="unchecked">NOT CHECKED</span>'
        else:
            verdict = _outcome(Outcome.PASS if all(m["verdict"] == "pass" for m in checks) else Outcome.FAIL)
        judged = sorted({_JUDGES.get(m.get("subject", ""), "?") for m in checks})
        rows.append([escape(statement["text"]), str(len(checks)), escape(", ".join(judged) or "-"), verdict])
    return _table(["claimed evidence", "checks", "judging", "verdict"], rows)


def _delivered(scenario: ScenarioRecord, record: RunRecord) -> str:
    names = list(dict.fromkeys(t["image"] for t in scenario.transitions if t.get("image")))
    known = {image["name"]: image for image in record.images}
    return _images([known.get(name, {"name": name}) for name in names]) if names else ""


def _checks(scenario: ScenarioRecord) -> str:
    return _table(["check", "device", "judges", "value", "expected", "verdict"], [
        [escape(m["name"]), escape(m.get("device", "-")), escape(_JUDGES.get(m.get("subject", ""), "?")),
         _wrap(f"{m['value']}{' ' + m['units'] if m.get('units') else ''}"), _wrap(m["expected"]),
         "observed" if m.get("observation") else _outcome(Outcome(m["verdict"]))]
        for m in scenario.measurements])


def _stages(transitions: list[dict[str, Any]], started: float | None) -> str:
    """Each device's stages; a transfer's steps of progress folded into a row per restart (the plot shows them)."""
    rows: list[dict[str, Any]] = []
    extending: dict[str, dict[str, Any]] = {}  # device -> its Transferring row that later steps fold into
    for t in transitions:
        open_row = extending.pop(t["device"], None)
        if t["stage"] == "Transferring" and open_row is not None and open_row["restarts"] == t.get("restarts", 0):
            open_row["stage"] = f"Transferring {open_row['first']}% to {t['percent']}%"
            open_row["detail"] = f"{open_row['first_detail']} ... {t.get('detail', '')}"
            extending[t["device"]] = open_row
            continue
        row = {"time": t["time"], "device": t["device"], "detail": t.get("detail", ""), "stage": t["stage"]}
        if t["stage"] == "Transferring":
            row |= {"stage": f"Transferring {t['percent']}%", "first": t["percent"], "first_detail": row["detail"],
                    "restarts": t.get("restarts", 0)}
            extending[t["device"]] = row
        rows.append(row)
    return _table(["at", "device", "stage", "detail"], [
        [f"{r['time'] - started:+.2f} s" if started else _time(r["time"]), escape(r["device"]), escape(r["stage"]),
         _wrap(r["detail"])] for r in rows])


def _dcc(decoded: dict[str, Any]) -> str:
    code = decoded.get("alert_code")
    if not code:
        return ""
    return "; ".join(f"{m.duis_alert_type}: {m.label}" for m in dcc_alerts_for(int(code, 16)))


def _messages(messages: list[dict[str, Any]], numbers: dict[int, int]) -> str:
    rows = []
    for message in messages:
        number = f'<a href="#hex-{numbers[id(message)]}">A.{numbers[id(message)]}</a>'
        decoded = message.get("decoded")
        if decoded is None:
            rows.append([number, escape(message["direction"]), escape(message["device"]), "undecodable",
                         _wrap(message.get("error")), "", ""])
            continue
        what = " ".join(p for p in (decoded.get("use_case"), decoded.get("alert_code"), decoded.get("alert_name")) if p)
        shown = ", ".join(f"{k}: {v}" for k, v in decoded.get("payload", {}).items() if k != "type")
        rows.append([number, escape(message["direction"]), escape(f"{decoded['originator']} -> {decoded['recipient']}"),
                     escape(what), _wrap(shown), escape(f"sig {decoded['signature']}, mac {decoded['mac']}"),
                     escape(_dcc(decoded))])
    return _table(["bytes", "direction", "from -> to", "message", "payload", "verified", "DCC alert"], rows)


def _scenario(scenario: ScenarioRecord, record: RunRecord, numbers: dict[int, int]) -> str:
    started = scenario.started or 0.0
    plot = transfer_plot(scenario.samples, scenario.transitions, started)
    delivered = _delivered(scenario, record)
    return (f'<section class="scenario" id="{escape(scenario.id)}"><h2>{escape(scenario.id)} '
            f"{escape(scenario.title)} {_verdict(scenario)}</h2>"
            f"<p>{escape(scenario.description)}</p>"
            + (f"<p><b>Reason:</b> {_wrap(scenario.reason)}</p>" if scenario.reason else "")
            + (f"<h3>Claimed evidence</h3>{_evidence(scenario)}" if scenario.evidence else "")
            + (f"<h3>Images delivered</h3>{delivered}" if delivered else "")
            + (f"<h3>Checks</h3>{_checks(scenario)}" if scenario.measurements else "")
            + _figure(plot, "Each transfer's offset against time: ▼ the device restarted, ● transferred, "
                            "✕ failed (why, in the legend); a dotted line is time without progress.", css="transfers")
            + (f"<h3>Distribution stages</h3>{_stages(scenario.transitions, scenario.started)}"
               if scenario.transitions else "")
            + (f"<h3>GBCS messages</h3>{_messages(scenario.messages, numbers)}" if scenario.messages else "")
            + "</section>")


def _appendix(messages: list[dict[str, Any]]) -> str:
    rows = [[f'<span id="hex-{n}">A.{n}</span>', escape(m["direction"]), _mono(m["hex"])]
            for n, m in enumerate(messages, 1)]
    return (f'<section class="appendix" id="appendix"><h2>Appendix A: every GBCS message, as bytes</h2>'
            f'{_table(["", "direction", "hex"], rows)}</section>') if rows else ""


def render_html(record: RunRecord) -> str:
    messages = [m for s in record.scenarios for m in s.messages] + record.messages
    numbers = {id(message): n for n, message in enumerate(messages, 1)}
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>hanrig {escape(record.suite)} "
            f"{escape(record.run_id)}</title><style>{_STYLE}</style></head><body>"
            + _cover(record)
            + f'<div id="verdicts"><h2>Verdicts</h2>{_verdicts(record)}{_timeline(record)}</div>'
            + _radio_events(record)
            + "".join(_scenario(s, record, numbers) for s in record.scenarios)
            + (f"<h2>Outside scenarios</h2>{_stages(record.transitions, record.started)}"
               f"{_messages(record.messages, numbers)}" if record.transitions or record.messages else "")
            + _appendix(messages)
            + "</body></html>\n")


def write_html(record: RunRecord, path: Path) -> Path:
    path.write_text(render_html(record))
    return path
