"""Many devices updating at once: 1, 4, 16 and 64 emulated PPMIDs behind one emulated radio.

    .venv/bin/python -m benchmarks.concurrency [--quick] [--devices N]

For each device count, in a fresh process of its own (so that its peak RSS is the rig's
for that count alone): a config built in code with that many PPMIDs (their keys made
with the test PKI into a scratch keystore), every device joined, then the rig's
``distribute`` to all of them at once with ``asyncio.gather``. The image is 32 KiB (not
the 256 KiB of the throughput benchmark: 64 devices x 256 KiB would take long for no
more insight), 64-octet blocks. Aggregate throughput is every device's octets over the
time from the first block served to the last; peak RSS (VmHWM) of the rig's process and
of the emulator's are taken at the end.

Targets: every transfer completes; aggregate throughput at 16 devices at least 0.9x the
single-device figure; the rig's peak RSS at 64 devices under 300 MB. Prints a table and
writes ``benchmarks/results/concurrency.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.common import (
    IMAGE,
    KIB,
    device_eui,
    peak_rss_mb,
    ppmid,
    print_table,
    running_bench,
    write_config,
    write_results,
)
from hanrig.rig.tracking import Stage
from hanrig.rig.update import distribute

NAME = "concurrency"
DEVICE_COUNTS = (1, 4, 16, 64)
QUICK_DEVICE_COUNTS = (1, 4)
IMAGE_SIZE = 32 * KIB
QUICK_IMAGE_SIZE = 4 * KIB
BLOCK_SIZE = 64
JOIN_TIMEOUT = 300.0
#: the longest permit zigpy allows, in seconds
PERMIT_DURATION = 254
CHILD_TIMEOUT = 1800.0


async def measure(count: int, image_size: int) -> dict[str, Any]:
    """Update ``count`` devices at once on one bench; in this process."""
    devices = [ppmid(f"ppmid-{index:02d}", device_eui(index), block_size=BLOCK_SIZE) for index in range(count)]
    with tempfile.TemporaryDirectory(prefix="hanrig-bench-") as scratch:
        config = write_config(Path(scratch), devices, payload_size=image_size)
        async with running_bench(config, Path(scratch) / "run") as (bench, clock):
            assert bench.coordinator is not None and bench.emulator is not None
            targets = [bench.config.device(d["name"]) for d in devices]
            # one permit for all of them: a permit per device would flood the HAN with broadcasts
            await bench.coordinator.permit(duration=PERMIT_DURATION)
            await asyncio.gather(*(bench.coordinator.wait_for_device(d.eui64, JOIN_TIMEOUT) for d in targets))
            image = bench.image(IMAGE)
            updates = await asyncio.gather(*(distribute(bench, device, image) for device in targets))
            emulator_rss = peak_rss_mb(bench.emulator.process.pid)
    transfers = [clock.transfers[d.name] for d in targets if d.name in clock.transfers]
    completed = sum(u.distribution.stage is Stage.TRANSFERRED for u in updates)
    octets = sum(t.octets for t in transfers)
    seconds = max(t.last for t in transfers) - min(t.first for t in transfers)
    return {"devices": count, "completed": completed, "octets": octets, "seconds": seconds,
            "aggregate_octets_per_s": octets / seconds,
            "per_device_octets_per_s": octets / seconds / count,
            "rig_peak_rss_mb": peak_rss_mb(), "emulator_peak_rss_mb": emulator_rss}


async def _in_child(count: int, image_size: int) -> dict[str, Any]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "benchmarks.concurrency", "--child", str(count), "--image-size", str(image_size),
        stdout=asyncio.subprocess.PIPE)
    output, _ = await asyncio.wait_for(process.communicate(), CHILD_TIMEOUT)
    if process.returncode != 0:
        raise RuntimeError(f"{count} devices: the measuring process exited with {process.returncode}")
    return json.loads(output.decode().strip().splitlines()[-1])


async def run(quick: bool = False, counts: tuple[int, ...] | None = None) -> dict[str, Any]:
    image_size = QUICK_IMAGE_SIZE if quick else IMAGE_SIZE
    counts = counts or (QUICK_DEVICE_COUNTS if quick else DEVICE_COUNTS)
    rows = [await _in_child(count, image_size) for count in counts]
    single = next((r for r in rows if r["devices"] == 1), None)
    for row in rows:
        row["aggregate_ratio_to_single"] = (row["aggregate_octets_per_s"] / single["aggregate_octets_per_s"]
                                            if single else None)
    by_count = {row["devices"]: row for row in rows}
    met: dict[str, bool | None] = {"all_completed": all(r["completed"] == r["devices"] for r in rows)}
    met["aggregate_at_16"] = (by_count[16]["aggregate_ratio_to_single"] >= 0.9
                              if 16 in by_count and single else None)
    met["rig_rss_at_64"] = by_count[64]["rig_peak_rss_mb"] < 300 if 64 in by_count else None
    return {"image_payload_octets": image_size, "block_size": BLOCK_SIZE, "rows": rows,
            "targets": {"aggregate_ratio_at_16_min": 0.9, "rig_peak_rss_at_64_mb_max": 300}, "met": met}


def report(results: dict[str, Any]) -> None:
    rows = [(r["devices"], f"{r['completed']}/{r['devices']}", r["seconds"], r["aggregate_octets_per_s"] / KIB,
             r["aggregate_ratio_to_single"], r["per_device_octets_per_s"] / KIB, r["rig_peak_rss_mb"],
             r["emulator_peak_rss_mb"]) for r in results["rows"]]
    print_table(f"Concurrent updates, {results['image_payload_octets'] // KIB} KiB image each",
                ("devices", "completed", "seconds", "aggregate KiB/s", "÷ single", "per device KiB/s",
                 "rig peak RSS MB", "emulator peak RSS MB"), rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 and 4 devices, 4 KiB images")
    parser.add_argument("--devices", type=int, action="append", help="only this device count (repeatable)")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--image-size", type=int, default=IMAGE_SIZE, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:  # one count, measured in this process: the result is the last line
        print(json.dumps(asyncio.run(measure(args.child, args.image_size))))
        return
    results = asyncio.run(run(args.quick, tuple(args.devices) if args.devices else None))
    report(results)
    if not args.quick:  # a smoke run's figures are not worth recording
        write_results(NAME, results)


if __name__ == "__main__":
    main()
