"""``hanrig run`` on the embedded default, this checkout against an earlier revision, side by side.

    .venv/bin/python -m benchmarks.suite_time REVISION [--runs N]

The earlier revision is checked out into a temporary git worktree and run with this
checkout's virtualenv (its own ``hanrig`` package first on the path, its own
``hil_config.yaml``); the two alternate, so that a slow spell of the machine hits both.
Each run is timed from starting the process to its exit, and must pass. Prints a table and
writes ``benchmarks/results/suite_time.json``. Not among ``python -m benchmarks``: it needs
git and a revision to compare with.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import print_table, write_results

NAME = "suite_time"
REPO = Path(__file__).parent.parent
RUN_TIMEOUT = 900.0


def _git(*args: str) -> str:
    return subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, text=True, check=True).stdout.strip()


def _run_suite(source: Path, workdir: Path) -> float:
    """Seconds for one ``hanrig run`` of ``source``'s package on ``source``'s embedded default."""
    workdir.mkdir(parents=True)
    (workdir / "hil_config.yaml").write_text((source / "hil_config.yaml").read_text())
    env = {**os.environ, "PYTHONPATH": str(source)}
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "hanrig", "run", "--config", "hil_config.yaml",
                             "--report-dir", "reports"], cwd=workdir, env=env, capture_output=True, text=True,
                            timeout=RUN_TIMEOUT)
    seconds = time.monotonic() - started
    if result.returncode != 0:
        raise AssertionError(f"hanrig run of {source} exited {result.returncode}: {result.stdout[-2000:]}")
    return seconds


def run(revision: str, runs: int = 3) -> dict[str, Any]:
    old_commit = _git("rev-parse", revision)
    new_commit = _git("rev-parse", "HEAD")
    times: dict[str, list[float]] = {"old": [], "new": []}
    with tempfile.TemporaryDirectory(prefix="hanrig-suite-time-") as scratch:
        old_tree = Path(scratch) / "old"
        _git("worktree", "add", "--detach", str(old_tree), old_commit)
        try:
            for index in range(runs):
                for side, source in (("old", old_tree), ("new", REPO)):
                    times[side].append(_run_suite(source, Path(scratch) / f"{side}-{index}"))
                    print(f"{side} {index + 1}: {times[side][-1]:.1f} s", flush=True)
        finally:
            _git("worktree", "remove", "--force", str(old_tree))
    old, new = statistics.median(times["old"]), statistics.median(times["new"])
    return {"old": {"commit": old_commit, "runs_s": times["old"], "median_s": old},
            "new": {"commit": new_commit, "runs_s": times["new"], "median_s": new},
            "new_over_old": new / old, "targets": {"new_over_old_max": 0.5}, "met": {"half": new / old <= 0.5}}


def report(results: dict[str, Any]) -> None:
    print_table("hanrig run on the embedded default, side by side",
                ("", "commit", "median s", "each s"),
                [(side, results[side]["commit"][:7], results[side]["median_s"],
                  ", ".join(f"{s:.1f}" for s in results[side]["runs_s"])) for side in ("old", "new")]
                + [("new ÷ old", "", results["new_over_old"], "")])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("revision", help="the earlier revision (a commit, tag or branch)")
    parser.add_argument("--runs", type=int, default=3, help="runs of each side (default 3)")
    args = parser.parse_args()
    results = run(args.revision, args.runs)
    report(results)
    write_results(NAME, results)


if __name__ == "__main__":
    main()
