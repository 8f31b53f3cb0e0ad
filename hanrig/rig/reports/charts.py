"""The report's pictures: matplotlib figures as SVG, to embed in the self-contained page.

- a transfer plot per scenario, a panel per device: each transfer's offset against time,
  the device's restarts (a reboot: it asked again from where it stood, or from 0), time
  without progress (a stall, a reboot) dotted, and how the transfer ended (transferred, or
  failed and why) marked;
- the run's timeline: each scenario a bar from its start to its end, coloured by verdict.

Figures are drawn without pyplot (no global state) and written without a date, so the same
run always gives the same SVG.
"""

from __future__ import annotations

import io
from collections import defaultdict
from typing import Any

from matplotlib import rc_context
from matplotlib.figure import Figure

#: verdict -> colour, as the page's own
OUTCOME_COLOURS = {"pass": "#0a6b2d", "fail": "#b00020", "error": "#b00020", "interrupted": "#b00020",
                   "skipped": "#888888"}
_WIDTH_INCHES = 7.0


def _svg(figure: Figure) -> str:
    buffer = io.StringIO()
    # stable element ids; text kept as text, so the page can be searched and copied from
    with rc_context({"svg.hashsalt": "hanrig", "svg.fonttype": "none"}):
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    text = buffer.getvalue()
    return text[text.index("<svg"):]


def transfer_plot(samples: list[dict[str, Any]], transitions: list[dict[str, Any]], started: float) -> str | None:
    """Each transfer's offset (KiB) against seconds since ``started``, a panel per device; None without any."""
    transfers: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for sample in samples:
        transfers[sample["request"]].append(sample)
    if not transfers:
        return None
    devices = list(dict.fromkeys(points[0]["device"] for points in transfers.values()))
    ends = {t["request"]: t for t in transitions if t["stage"] in ("Transferred", "Failed")}
    figure = Figure(figsize=(_WIDTH_INCHES, 0.6 + 2.0 * len(devices)), layout="constrained")
    panels = figure.subplots(len(devices), 1, sharex=True, squeeze=False)[:, 0]
    for request, points in transfers.items():
        axes = panels[devices.index(points[0]["device"])]
        _plot_transfer(axes, points, ends.get(request), started)
    for axes, device in zip(panels, devices, strict=True):
        total = max(p["total"] for points in transfers.values() for p in points if p["device"] == device) / 1024
        axes.axhline(total, color="#999999", linewidth=0.8, linestyle="--")
        axes.set_ylim(0, total * 1.1)
        axes.set_ylabel(f"{device}\noffset (KiB)")
        axes.grid(alpha=0.3)
        axes.legend(fontsize=7, loc="lower right")
    panels[-1].set_xlabel("seconds since the scenario started")
    return _svg(figure)


def _plot_transfer(axes: Any, points: list[dict[str, Any]], end: dict[str, Any] | None, started: float) -> None:
    """One transfer: its offsets, a break at each restart, how it ended; time without progress dotted."""
    seconds = [p["time"] - started for p in points]
    kib = [p["offset"] / 1024 for p in points]
    restarts = [i for i in range(1, len(points)) if points[i]["restarts"] > points[i - 1]["restarts"]]
    colour = None
    for first, last in zip([0, *restarts], [*restarts, len(points)], strict=True):
        line, = axes.plot(seconds[first:last], kib[first:last], marker=".", markersize=3, linewidth=1.2,
                          color=colour, label=None if colour else points[0]["image"])
        colour = line.get_color()
    for i in restarts:  # waiting at the old offset, then asking again from the new one
        axes.plot([seconds[i - 1], seconds[i], seconds[i]], [kib[i - 1], kib[i - 1], kib[i]], linestyle=":",
                  linewidth=1.2, color=colour)
    if restarts:
        axes.scatter([seconds[i] for i in restarts], [kib[i] for i in restarts], marker="v", s=50, color=colour,
                     zorder=3, label="device restarted")
    if end is None:
        return
    failed = end["stage"] == "Failed"
    at = end["time"] - started
    axes.plot([seconds[-1], at], [kib[-1], kib[-1]], linestyle=":", linewidth=1.2, color=colour)
    axes.scatter([at], [kib[-1]], marker="x" if failed else "o", s=60, zorder=3,
                 color=OUTCOME_COLOURS["fail" if failed else "pass"],
                 label="failed: " + end.get("detail", "")[:70] if failed else "transferred")


def run_timeline(scenarios: list[tuple[str, float, float, str]], started: float) -> str | None:
    """A bar per scenario (id, start, end, verdict), seconds since ``started``; None without scenarios."""
    if not scenarios:
        return None
    figure = Figure(figsize=(_WIDTH_INCHES, 0.3 * len(scenarios) + 0.8), layout="constrained")
    axes = figure.add_subplot()
    for row, (_, start, end, outcome) in enumerate(scenarios):
        axes.barh(row, end - start, left=start - started, color=OUTCOME_COLOURS.get(outcome, "#444444"), height=0.6)
    axes.set_yticks(range(len(scenarios)), [name for name, *_ in scenarios], fontsize=7)
    axes.invert_yaxis()
    axes.set_xlabel("seconds since the run started")
    axes.grid(axis="x", alpha=0.3)
    return _svg(figure)
