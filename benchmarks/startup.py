"""Startup: ``hanrig run`` on the embedded default config, from process start to the first image block.

    .venv/bin/python -m benchmarks.startup [--quick] [--repeat N]

Runs ``hanrig run --json --report-dir DIR`` from the top of the checkout (so on
``hil_config.yaml``: the emulated radio, a PPMID and an HCALCS), watches the journal it
writes under ``DIR`` for the first ``transition`` to ``Transferring`` (journaled when
the first block is served), and takes the time from just before the process was
started to that entry's wall-clock time. The run is then interrupted (SIGINT, which it
handles by writing its reports and stopping the emulator). Median of ``--repeat`` runs
(3; 1 with ``--quick``). Prints a table and writes ``benchmarks/results/startup.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import print_table, write_results
from tests.paths import REPO

NAME = "startup"
FIRST_BLOCK_TIMEOUT = 120.0
STOP_TIMEOUT = 60.0
POLL_S = 0.05


def _first_block_time(report_dir: Path) -> float | None:
    """The wall-clock time of the first Transferring transition in any journal under ``report_dir``."""
    for journal in report_dir.glob("*/run.journal"):
        for line in journal.read_text().splitlines():
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                break  # a line still being written
            if entry.get("kind") == "transition" and entry.get("stage") == "Transferring":
                return float(entry["time"])
    return None


async def once() -> float:
    """Seconds from starting ``hanrig run`` to its first block served."""
    with tempfile.TemporaryDirectory(prefix="hanrig-bench-") as scratch:
        report_dir = Path(scratch)
        started = time.time()
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "hanrig", "run", "--json", "--report-dir", str(report_dir), cwd=REPO,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + FIRST_BLOCK_TIMEOUT
            while (first := _first_block_time(report_dir)) is None:
                if process.returncode is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"hanrig run served no block (exit {process.returncode})")
                await asyncio.sleep(POLL_S)
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGINT)
                try:
                    await asyncio.wait_for(process.wait(), STOP_TIMEOUT)
                except TimeoutError:
                    process.kill()
                    await process.wait()
    return first - started


async def run(quick: bool = False, repeat: int | None = None) -> dict[str, Any]:
    runs = [await once() for _ in range(repeat or (1 if quick else 3))]
    return {"runs_s": runs, "median_s": statistics.median(runs)}


def report(results: dict[str, Any]) -> None:
    print_table("hanrig run: process start to first image block", ("runs", "median s", "each s"),
                [(len(results["runs_s"]), results["median_s"], ", ".join(f"{r:.2f}" for r in results["runs_s"]))])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one run")
    parser.add_argument("--repeat", type=int, help="runs (median reported)")
    args = parser.parse_args()
    results = asyncio.run(run(args.quick, args.repeat))
    report(results)
    if not args.quick:  # a smoke run's figures are not worth recording
        write_results(NAME, results)


if __name__ == "__main__":
    main()
