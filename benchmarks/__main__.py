"""Run the benchmarks: all of them, or those named, each printing its table and writing its JSON.

    .venv/bin/python -m benchmarks [--quick] [--only NAME ...]

``--quick`` runs each benchmark's smallest configuration (a smoke run: the figures are
not worth recording). Results go to ``benchmarks/results/<name>.json``; commit those of a
full run.
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import json
from types import ModuleType
from typing import Any

from benchmarks import airtime, cbke, concurrency, emulator_speed, fleet, gbcs_codec, ota_throughput, startup
from benchmarks.common import write_results

BENCHMARKS: dict[str, ModuleType] = {
    "ota_throughput": ota_throughput,
    "concurrency": concurrency,
    "gbcs_codec": gbcs_codec,
    "cbke": cbke,
    "airtime": airtime,
    "startup": startup,
    "emulator_speed": emulator_speed,
    "fleet": fleet,
}


def run_one(name: str, *, quick: bool) -> dict[str, Any]:
    """Run one benchmark and report it; its results (also written to its JSON unless ``quick``)."""
    module = BENCHMARKS[name]
    outcome = module.run(quick=quick)
    results: dict[str, Any] = asyncio.run(outcome) if inspect.isawaitable(outcome) else outcome
    module.report(results)
    if not quick:
        write_results(name, results)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="each benchmark's smallest configuration, not recorded")
    parser.add_argument("--only", action="append", choices=sorted(BENCHMARKS), help="run only this one (repeatable)")
    args = parser.parse_args()
    met: dict[str, Any] = {}
    for name in args.only or list(BENCHMARKS):
        met[name] = run_one(name, quick=args.quick).get("met")
    print(json.dumps({"targets_met": {k: v for k, v in met.items() if v is not None}}, indent=2))


if __name__ == "__main__":
    main()
