"""How many emulated benches one machine sustains: devices per minute and peak memory against benches.

    .venv/bin/python -m benchmarks.fleet [--quick]

Each point is a real ``hanrig campaign`` of one stage of N emulated benches, each bench an
emulated PPMID and HCALCS updated with a 16 KiB image (the README campaign's devices, no
faults), run as a process of its own. Two series side by side: every bench at once
(``--parallel N``: how far concurrency carries), and the default, one bench per CPU core.
Devices per minute counts the devices activated (on verified device evidence) over the
stage's time, from its first bench starting to its last ending. Peak memory is the largest
sum of resident set sizes over the campaign's process tree (the campaign, every
``hanrig run``, every emulator), sampled every 0.2 s.

Prints a table and writes ``benchmarks/results/fleet.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

import yaml

from benchmarks.common import print_table, write_results

NAME = "fleet"
REPO = Path(__file__).parent.parent
BENCH_COUNTS = (1, 2, 4, 8, 16, 32, 50)
QUICK_BENCH_COUNTS = (1, 2)
SAMPLE_PERIOD = 0.2
CAMPAIGN_TIMEOUT = 1800.0


def _campaign_file(directory: Path, benches: int) -> Path:
    data = yaml.safe_load((REPO / "campaigns" / "ppmid-hcalcs-v2.yaml").read_text())
    data["fleet"]["devices"] = {"min": 2, "max": 2}
    data["fleet"]["models"] = [m for m in data["fleet"]["models"] if m["name"] in ("ppmid-a", "hcalcs-a")]
    data["fleet"]["faults"] = []
    data["stages"] = [{"name": "fleet", "emulated": benches, "gate": {"activated": 100}}]
    data["report_dir"] = str(directory / "reports")
    path = directory / "campaign.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def _tree_rss_mb(root: int) -> float:
    """The resident set of a process and all its descendants, in MB."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            status = (entry / "status").read_text()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
        rss[int(entry.name)] = next((int(line.split()[1]) for line in status.splitlines()
                                     if line.startswith("VmRSS:")), 0)
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo += children.get(pid, [])
    return total / 1024


def _one(benches: int, parallel: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="hanrig-fleet-") as scratch:
        directory = Path(scratch)
        path = _campaign_file(directory, benches)
        process = subprocess.Popen([sys.executable, "-m", "hanrig", "campaign", str(path), "--parallel",
                                    str(parallel), "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   cwd=directory)
        peak = [0.0]
        done = threading.Event()

        def sample() -> None:
            while not done.wait(SAMPLE_PERIOD):
                peak[0] = max(peak[0], _tree_rss_mb(process.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        stdout, stderr = process.communicate(timeout=CAMPAIGN_TIMEOUT)
        done.set()
        sampler.join()
        if process.returncode != 0:
            raise RuntimeError(f"campaign of {benches} benches exited {process.returncode}: {stderr.decode()[-500:]}")
        summary = json.loads(stdout)
        record = json.loads((Path(summary["reports"]) / "campaign.json").read_text())
    [stage] = record["stages"]
    seconds = stage["finished"] - stage["started"]
    activated = stage["funnel"]["activated (verified)"]
    return {"benches": benches, "parallel": parallel, "devices": stage["funnel"]["planned"],
            "activated": activated, "stage_s": round(seconds, 1),
            "devices_per_minute": round(60.0 * activated / seconds, 1), "peak_rss_mb": round(peak[0])}


def run(*, quick: bool = False) -> dict[str, Any]:
    cores = os.cpu_count() or 1
    counts = QUICK_BENCH_COUNTS if quick else BENCH_COUNTS
    rows = []
    for benches in counts:
        rows.append(_one(benches, benches))
        if benches > cores:
            rows.append(_one(benches, cores))
    best = max(rows, key=lambda row: row["devices_per_minute"])
    return {"image_octets": 16384, "devices_per_bench": 2, "cores": cores, "rows": rows,
            "best": {"benches": best["benches"], "parallel": best["parallel"],
                     "devices_per_minute": best["devices_per_minute"]}}


def report(results: dict[str, Any]) -> None:
    print_table("fleet: devices per minute and peak memory against emulated benches",
                ["benches", "at once", "devices", "activated", "stage s", "devices/min", "peak RSS MB"],
                [[r["benches"], r["parallel"], r["devices"], r["activated"], r["stage_s"], r["devices_per_minute"],
                  r["peak_rss_mb"]] for r in results["rows"]])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 and 2 benches only (a smoke run)")
    arguments = parser.parse_args()
    results = run(quick=arguments.quick)
    report(results)
    if not arguments.quick:
        write_results(NAME, results)


if __name__ == "__main__":
    main()
