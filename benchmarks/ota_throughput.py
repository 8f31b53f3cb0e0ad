"""OTA throughput through unmodified bellows on the emulated radio: the rig beside its floor, zigpy and the air.

    .venv/bin/python -m benchmarks.ota_throughput [--quick]

One bench (the rig on zigpy and bellows, the emulated radio in its own process, its air
latency per hop stated in the results: ``HOST_LATENCY``, none, so that what is measured is
the host path and not a fixed wait) with emulated PPMIDs asking for 40, 50, 64 and 65
octets a block (65: the most the rig's policy sends), all in the same run, one after the
other:

Each figure is the median of three rounds, each on a device of its own, floor and rig
interleaved (``--quick``: one round of a 20 KiB image).

* **rig**: ``rig.update.distribute`` pushes the 256 KiB image (GBCS form, signed) to a
  PPMID; timed from the first block served to the last.
* **floor**: ``benchmarks.block_floor`` serves the same file to another PPMID with every
  response built before the clock starts, sent through bellows the moment bellows hands
  the request over: the least the pty, ASH, EZSP and emulator path allows per block.
* **zigpy**: zigpy 2.4.0's own OTA manager (``Device.update_firmware``) serves the same
  payload in the Zigbee form (tag-length sub-elements, what zigpy parses) to a PPMID
  asking for 50 octets; zigpy caps blocks at 50 for this manufacturer. The rig defers a
  device's OTA requests to zigpy while zigpy updates it (``rig/zcl/ota.py``).
* **air**: what one block costs on a real 250 kbit/s hop (``devices.han.airtime``): the
  request and the response, each with its MAC and APS acknowledgements; the limit no host
  can beat.

Targets: the rig's time per block at most 1.1x the floor at every block size; at 50 octets
and above at most 0.9x zigpy's time for the same image (a device asking for 40 octets
needs more blocks, so that row is shown but not judged).

Prints a table and writes ``benchmarks/results/ota_throughput.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

import zigpy.ota
import zigpy.ota.image
import zigpy.ota.providers
from zigpy.zcl import foundation
from zigpy.zcl.clusters.general import Ota

from benchmarks.block_floor import BlockFloor
from benchmarks.common import (
    IMAGE,
    KIB,
    TransferClock,
    device_eui,
    ppmid,
    print_table,
    running_bench,
    write_config,
    write_results,
)
from hanrig.devices.han import airtime
from hanrig.gbcs import ImageForm, build_image, encode_image
from hanrig.rig.bench import Bench
from hanrig.rig.tracking import Stage
from hanrig.rig.update import distribute

NAME = "ota_throughput"
BLOCK_SIZES = (40, 50, 64, 65)
ZIGPY_BLOCK_SIZE = 50
FULL_IMAGE = 256 * KIB
#: more than 256 blocks at every size: the ZCL sequence numbers wrap
QUICK_IMAGE = 20 * KIB
#: an Image Block Request's APS payload (ZCL header 3, then field control, ids, offset, size); the response adds
#: a status and the data's length to the same fields, then the data
BLOCK_REQUEST_PAYLOAD = 3 + 14
BLOCK_RESPONSE_HEADER = 3 + 14
ZIGPY_TIMEOUT = 600.0
#: the emulator's air latency per hop in this benchmark
HOST_LATENCY = 0.0
TARGET_RATIO_TO_FLOOR = 1.1
#: each transfer is run this many times on a device of its own, and the median round reported
ROUNDS = 3
TARGET_RATIO_TO_ZIGPY = 0.9


async def _floor(bench: Bench, name: str, block_size: int) -> dict[str, Any]:
    """The floor's transfer of the bench's image to ``name``."""
    assert bench.coordinator is not None
    device = await bench.join(bench.config.device(name))
    ota = bench.coordinator.smart_energy_endpoint(device, Ota.cluster_id, server=False)
    image = bench.image(IMAGE).image
    ids = {"manufacturer_code": image.header.manufacturer_code, "image_type": image.header.image_type,
           "file_version": image.header.file_version}
    floor = BlockFloor(bench.coordinator.app, device, ota, encode_image(image), ids, block_size)
    seconds = await floor.run(ZIGPY_TIMEOUT)
    return {"seconds": seconds, "blocks": floor.blocks}


def air_ms_per_block(block_size: int) -> float:
    """A block's request and response over one real hop, acknowledgements included."""
    return 1000 * (airtime.unicast_time(BLOCK_REQUEST_PAYLOAD, aps_ack=True)
                   + airtime.unicast_time(BLOCK_RESPONSE_HEADER + block_size, aps_ack=True))


async def _rig(bench: Bench, clock: TransferClock, name: str) -> dict[str, Any]:
    update = await distribute(bench, bench.config.device(name), bench.image(IMAGE))
    if update.distribution.stage is not Stage.TRANSFERRED:
        raise AssertionError(f"{name}: {update.distribution.stage}: {update.distribution.reason}")
    transfer = clock.transfers[name]
    return {"seconds": transfer.seconds, "blocks": transfer.blocks, "octets": transfer.octets}


def _zigbee_form(bench: Bench) -> zigpy.ota.OtaImageWithMetadata:
    """The bench's image with the same header and payload, in the form zigpy parses, wrapped for zigpy's manager."""
    rig_image = bench.image(IMAGE).image
    header = rig_image.header
    built = build_image(manufacturer_code=header.manufacturer_code, image_type=header.image_type,
                        file_version=header.file_version, manufacturer_image=rig_image.manufacturer_image,
                        form=ImageForm.ZIGBEE, hardware_versions=(header.minimum_hardware_version,
                                                                 header.maximum_hardware_version),
                        header_text=header.header_string)
    firmware, _ = zigpy.ota.image.OTAImage.deserialize(encode_image(built))
    metadata = zigpy.ota.providers.BaseOtaImageMetadata(file_version=header.file_version,
                                                        manufacturer_id=header.manufacturer_code,
                                                        image_type=header.image_type)
    return zigpy.ota.OtaImageWithMetadata(metadata=metadata, firmware=firmware)


async def _zigpy(bench: Bench, name: str) -> dict[str, Any]:
    device = await bench.join(bench.config.device(name))
    image = _zigbee_form(bench)
    times: list[float] = []
    last = [0]

    def progress(current: int, total: int, percent: float) -> None:
        times.append(time.monotonic())
        last[0] = current

    status = await asyncio.wait_for(device.update_firmware(image, progress), ZIGPY_TIMEOUT)
    if status != foundation.Status.SUCCESS or last[0] != len(image.firmware.serialize()):
        raise AssertionError(f"zigpy's OTA manager ended with {status!r} at {last[0]} octets")
    return {"seconds": times[-1] - times[0], "blocks": len(times), "octets": last[0]}


def _per_block(measured: dict[str, Any]) -> float:
    # the clock starts at the first block, so the time covers the blocks after it
    return measured["seconds"] / (measured["blocks"] - 1)


def _median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The round with the median time per block, and every round's time per block beside it."""
    ranked = sorted(runs, key=_per_block)
    return {**ranked[len(ranked) // 2], "rounds_ms_per_block": [1000 * _per_block(run) for run in runs]}


async def run(quick: bool = False) -> dict[str, Any]:
    image_size = QUICK_IMAGE if quick else FULL_IMAGE
    rounds = 1 if quick else ROUNDS
    names = [f"{kind}-{size}-{round_}" for size in BLOCK_SIZES for round_ in range(rounds) for kind in ("floor", "rig")]
    names += [f"zigpy-{ZIGPY_BLOCK_SIZE}-{round_}" for round_ in range(rounds)]
    devices = [ppmid(name, device_eui(index), block_size=int(name.split("-")[1])) for index, name in enumerate(names)]
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="hanrig-bench-") as scratch:
        config = write_config(Path(scratch), devices, payload_size=image_size, air={"latency": HOST_LATENCY})
        async with running_bench(config, Path(scratch) / "run") as (bench, clock):
            zigpy_run = _median_run([await _zigpy(bench, f"zigpy-{ZIGPY_BLOCK_SIZE}-{round_}")
                                     for round_ in range(rounds)])
            file_octets = len(encode_image(bench.image(IMAGE).image))
            for size in BLOCK_SIZES:
                floors, rigs = [], []
                for round_ in range(rounds):  # interleaved, so that a slow spell of the machine hits both
                    floors.append(await _floor(bench, f"floor-{size}-{round_}", size))
                    rigs.append(await _rig(bench, clock, f"rig-{size}-{round_}"))
                expected = -(-file_octets // size)
                if any(run["blocks"] != expected for run in floors + rigs):
                    raise AssertionError(f"{size} octets: {[run['blocks'] for run in floors + rigs]} blocks, "
                                         f"expected {expected}")
                rig, floor = _median_run(rigs), _median_run(floors)
                rows.append({"block_size": size, "image_octets": rig["octets"], "seconds": rig["seconds"],
                             "blocks": rig["blocks"], "ms_per_block": 1000 * _per_block(rig),
                             "rounds_ms_per_block": rig["rounds_ms_per_block"],
                             "floor_ms_per_block": 1000 * _per_block(floor),
                             "floor_rounds_ms_per_block": floor["rounds_ms_per_block"],
                             "air_ms_per_block": air_ms_per_block(size)})
    zigpy_ms = 1000 * _per_block(zigpy_run)
    zigpy_seconds_per_octet = zigpy_run["seconds"] / zigpy_run["octets"]
    for row in rows:
        row["ratio_to_floor"] = row["ms_per_block"] / row["floor_ms_per_block"]
        # time for the same image, against zigpy's at its 50 octets a block
        row["ratio_to_zigpy"] = row["seconds"] / row["image_octets"] / zigpy_seconds_per_octet
    return {
        "image_payload_octets": image_size,
        "emulator_latency_per_hop_s": HOST_LATENCY,
        "rounds": rounds,
        "rows": rows,
        "zigpy": {"block_size": ZIGPY_BLOCK_SIZE, **zigpy_run, "ms_per_block": zigpy_ms},
        "targets": {"ratio_to_floor_max": TARGET_RATIO_TO_FLOOR, "ratio_to_zigpy_max": TARGET_RATIO_TO_ZIGPY},
        "met": {"ratio_to_floor": all(r["ratio_to_floor"] <= TARGET_RATIO_TO_FLOOR for r in rows),
                # zigpy serves 50 octets a block: the comparison is at 50 and at the sizes the policy allows above it
                "ratio_to_zigpy": all(r["ratio_to_zigpy"] <= TARGET_RATIO_TO_ZIGPY for r in rows
                                      if r["block_size"] >= ZIGPY_BLOCK_SIZE)},
    }


def report(results: dict[str, Any]) -> None:
    zigpy_run = results["zigpy"]
    rows = [(r["block_size"], r["seconds"], r["blocks"], r["ms_per_block"], r["floor_ms_per_block"],
             r["air_ms_per_block"], r["ratio_to_floor"], r["ratio_to_zigpy"]) for r in results["rows"]]
    rows.append((f"zigpy {zigpy_run['block_size']}", zigpy_run["seconds"], zigpy_run["blocks"],
                 zigpy_run["ms_per_block"], "", "", "", 1.0))
    print_table(f"OTA throughput, {results['image_payload_octets'] // KIB} KiB image, "
                f"{1000 * results['emulator_latency_per_hop_s']:g} ms emulator latency a hop",
                ("block", "seconds", "blocks", "ms/block", "floor ms/block", "air ms/block", "÷ floor", "÷ zigpy"),
                rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"a {QUICK_IMAGE // KIB} KiB image instead")
    args = parser.parse_args()
    results = asyncio.run(run(args.quick))
    report(results)
    if not args.quick:  # a smoke run's figures are not worth recording
        write_results(NAME, results)


if __name__ == "__main__":
    main()
