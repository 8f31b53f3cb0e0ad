"""The README's benchmark tables, rendered from the committed results.

    .venv/bin/python -m benchmarks.readme

Each table sits in README.md between ``<!-- results: NAME -->`` and ``<!-- /results -->``;
this rewrites every one of them from ``benchmarks/results/*.json``, so that the figures the
README shows are those of the recorded run. ``tests/test_readme.py`` fails when they differ.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.common import KIB, RESULTS_DIR

README = Path(__file__).parent.parent / "README.md"
_BLOCK = re.compile(r"(<!-- results: (?P<name>[a-z_]+) -->\n)(?P<body>.*?)(<!-- /results -->)", re.DOTALL)


def _table(header: tuple[str, ...], rows: list[tuple[object, ...]], align: str | None = None) -> str:
    lines = ["| " + " | ".join(header) + " |", align or "|" + "---:|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _ota_throughput(results: dict[str, Any]) -> str:
    rows: list[tuple[object, ...]] = []
    for row in results["rows"]:
        judged = row["block_size"] >= results["zigpy"]["block_size"]
        rows.append((row["block_size"], f"{row['seconds']:.2f}", f"{row['blocks']:,}", f"{row['ms_per_block']:.2f}",
                     f"{row['floor_ms_per_block']:.2f}", f"{row['air_ms_per_block']:.1f}",
                     f"{row['ratio_to_floor']:.2f}",
                     f"{row['ratio_to_zigpy']:.2f}" + ("" if judged else " (not judged: more blocks)")))
    zigpy = results["zigpy"]
    rows.append((f"zigpy, {zigpy['block_size']}", f"{zigpy['seconds']:.2f}", f"{zigpy['blocks']:,}",
                 f"{zigpy['ms_per_block']:.2f}", "", "", "", "1"))
    return _table(("block octets", "seconds", "blocks", "ms/block", "floor ms/block", "air ms/block", "÷ floor",
                   "÷ zigpy"), rows)


def _concurrency(results: dict[str, Any]) -> str:
    return _table(("devices", "completed", "seconds", "aggregate KiB/s", "÷ single", "rig peak RSS MB",
                   "emulator peak RSS MB"),
                  [(row["devices"], f"{row['completed']}/{row['devices']}", f"{row['seconds']:.2f}",
                    f"{row['aggregate_octets_per_s'] / KIB:.1f}", f"{row['aggregate_ratio_to_single']:.2f}",
                    f"{row['rig_peak_rss_mb']:.0f}", f"{row['emulator_peak_rss_mb']:.0f}")
                   for row in results["rows"]])


_CODEC_OPERATIONS = {
    "decode and verify": "decode (framing and payload) and verify (signature and MAC)",
    "decode only": "decode only",
    "verify only": "verify only",
    "sign": "sign (`hanrig.gbcs.security.sign`, ECDSA P-256)",
}


def _gbcs_codec(results: dict[str, Any]) -> str:
    return _table(("operation", "messages/s"),
                  [(_CODEC_OPERATIONS[name], f"{rate['per_second']:,.0f}") for name, rate in results["rates"].items()],
                  align="|---|---:|")


def _airtime(results: dict[str, Any]) -> str:
    return _table(("block octets", "blocks", "frames", "emulator s", "analytical s", "emulator ÷ analytical",
                   "transfer wall s"),
                  [(row["block_size"], f"{row['blocks']:,}", f"{row['frames']:,}",
                    f"{row['emulator_airtime_s']:.1f}", f"{row['analytical_airtime_s']:.1f}",
                    f"{row['emulator_over_analytical']:.3f}", f"{row['wall_s']:.1f}") for row in results["rows"]])


def _airtime_published(results: dict[str, Any]) -> str:
    return _table(("source", "set-up", "published kbit/s", "model kbit/s", "model error"),
                  [(f"[{row['source']}]({row['url']})", row["configuration"], f"{row['published_kbit_per_s']:g}",
                    f"{row['model_kbit_per_s']:.1f}", f"{100 * row['model_error']:+.1f} %")
                   for row in results["published"]],
                  align="|---|---|---:|---:|---:|")


def _machine(results: dict[str, Any]) -> str:
    machine = results["machine"]
    return f"Machine: {machine['cpu']}, {machine['cores']} cores, Python {machine['python']}.\n"


def _startup(results: dict[str, Any]) -> str:
    runs = ", ".join(f"{seconds:.2f}" for seconds in results["runs_s"])
    return f"median {results['median_s']:.2f} s of {len(results['runs_s'])} runs ({runs} s)\n"


def _suite_time(results: dict[str, Any]) -> str:
    return _table(("", "commit", "median s", "each s"),
                  [*((side, f"`{results[side]['commit'][:7]}`", f"{results[side]['median_s']:.1f}",
                      ", ".join(f"{seconds:.1f}" for seconds in results[side]["runs_s"])) for side in ("old", "new")),
                   ("new ÷ old", "", f"{results['new_over_old']:.2f}", "")],
                  align="|---|---|---:|---|")


def _fleet(results: dict[str, Any]) -> str:
    return _table(("benches", "at once", "devices activated", "stage s", "devices/min", "peak RSS MB"),
                  [(row["benches"], row["parallel"], f"{row['activated']}/{row['devices']}", f"{row['stage_s']:.1f}",
                    f"{row['devices_per_minute']:.1f}", f"{row['peak_rss_mb']:,}") for row in results["rows"]])


#: block name -> (results file, renderer)
RENDERERS: dict[str, tuple[str, Callable[[dict[str, Any]], str]]] = {
    "machine": ("ota_throughput", _machine),
    "ota_throughput": ("ota_throughput", _ota_throughput),
    "concurrency": ("concurrency", _concurrency),
    "gbcs_codec": ("gbcs_codec", _gbcs_codec),
    "airtime": ("airtime", _airtime),
    "airtime_published": ("airtime", _airtime_published),
    "startup": ("startup", _startup),
    "suite_time": ("suite_time", _suite_time),
    "fleet": ("fleet", _fleet),
}


def render(name: str, results_dir: Path = RESULTS_DIR) -> str:
    """The README block ``name``, from its benchmark's results file."""
    file, renderer = RENDERERS[name]
    return renderer(json.loads((results_dir / f"{file}.json").read_text()))


def rewrite(text: str, results_dir: Path = RESULTS_DIR) -> str:
    """``text`` with every results block rendered again."""
    def block(match: re.Match[str]) -> str:
        return match.group(1) + render(match.group("name"), results_dir) + match.group(4)

    return _BLOCK.sub(block, text)


def blocks(text: str) -> dict[str, str]:
    """The results blocks of ``text`` as they stand, by name."""
    return {match.group("name"): match.group("body") for match in _BLOCK.finditer(text)}


def main() -> None:
    README.write_text(rewrite(README.read_text()))


if __name__ == "__main__":
    main()
