"""OTA throughput through unmodified bellows on the emulated radio, beside the link floor and zigpy's OTA manager.

    .venv/bin/python -m benchmarks.ota_throughput [--quick]

One bench (the rig on zigpy and bellows, the emulated radio in its own process) with an
emulated PPMID per block size (40, 50, 64 and 65 octets, the most one frame carries; the
rig's policy cap is 65) and one more for zigpy. All in the same run, one after the other:

* **rig**: ``rig.update.distribute`` pushes the 256 KiB image (GBCS form, signed) to each
  PPMID; timed from the first block served to the last.
* **floor**: the least EZSP exchange a block needs, without OTA logic: just before the
  transfer, the rig's zigpy application writes attributes to the same PPMID's Basic cluster, one Write Attributes
  out (a unicast and its sent confirmation) and one Write Attributes Response in, padded
  to the sizes of an Image Block Response of that block size (17 + block octets) and an
  Image Block Request (17 octets; the response has 18). As many exchanges as the
  transfer has blocks.
* **zigpy**: zigpy 2.4.0's own OTA manager (``Device.update_firmware``) serves the same
  payload in the Zigbee form (tag-length sub-elements, what zigpy parses) to a PPMID
  asking for 50 octets; zigpy caps blocks at 50 for this manufacturer. The rig defers a
  device's OTA requests to zigpy while zigpy updates it (``rig/zcl/ota.py``).

Targets: the rig's time per block at most 1.2x the floor; at 50 octets and above no
slower than zigpy for the same image (ratio at most 1.0; a device asking for 40 octets
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
import zigpy.types as t
from zigpy.zcl import foundation

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
from hanrig.gbcs import ImageForm, build_image, encode_image
from hanrig.rig.bench import Bench
from hanrig.rig.tracking import Stage
from hanrig.rig.update import distribute

NAME = "ota_throughput"
BLOCK_SIZES = (40, 50, 64, 65)
ZIGPY_BLOCK_SIZE = 50
FULL_IMAGE = 256 * KIB
#: more than 256 blocks at every size: the ZCL sequence numbers wrap, which the floor must survive
QUICK_IMAGE = 20 * KIB
#: an Image Block Response's APS payload before its data: ZCL header 3, then status, ids, offset, length
BLOCK_RESPONSE_HEADER = 3 + 14
#: attributes written to per exchange, each refused with a 3-octet status record (the Basic cluster has none of them)
REFUSED = 5
FIRST_UNKNOWN_ATTRIBUTE = 0x1000
LOCATION_DESCRIPTION = 0x0010
ZIGPY_TIMEOUT = 600.0


def _floor_write(block_size: int, exchange: int) -> list[foundation.Attribute]:
    """Write Attributes records whose frame is as long as an Image Block Response of ``block_size``.

    Five records of attributes the cluster does not have (4 octets each) make the answer
    3 + 5 x 3 = 18 octets, one more than a block request; the location description (4 +
    length) pads the frame. The refused attributes change with every cycle of the 256 ZCL
    sequence numbers: zigpy drops an answer identical to one it saw in the last 10 s but for
    its APS counter, which would turn the floor into a measure of its retries.
    """
    first = FIRST_UNKNOWN_ATTRIBUTE + REFUSED * (exchange // 256)
    records = [foundation.Attribute(first + n, foundation.TypeValue(0x20, t.uint8_t(1))) for n in range(REFUSED)]
    padding = BLOCK_RESPONSE_HEADER + block_size - 3 - 4 * REFUSED - 4
    records.append(foundation.Attribute(LOCATION_DESCRIPTION,
                                        foundation.TypeValue(0x42, t.CharacterString("x" * padding))))
    return records


async def _floor(bench: Bench, name: str, block_size: int, exchanges: int) -> float:
    """Seconds for ``exchanges`` write/answer exchanges with the device, sized like its blocks."""
    assert bench.coordinator is not None
    device = await bench.join(bench.config.device(name))
    basic = bench.coordinator.smart_energy_endpoint(device, 0x0000, server=True)
    writes = [_floor_write(block_size, exchange) for exchange in range(exchanges)]
    started = time.monotonic()
    for records in writes:
        answer = await basic.write_attributes_raw(records)
        if len(answer[0]) != REFUSED:
            raise AssertionError(f"expected {REFUSED} refused records, got {answer}")
    return time.monotonic() - started


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


async def run(quick: bool = False) -> dict[str, Any]:
    image_size = QUICK_IMAGE if quick else FULL_IMAGE
    devices = [ppmid(f"ppmid-{size}", device_eui(index), block_size=size) for index, size in enumerate(BLOCK_SIZES)]
    devices.append(ppmid("zigpy-50", device_eui(len(BLOCK_SIZES)), block_size=ZIGPY_BLOCK_SIZE))
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="hanrig-bench-") as scratch:
        config = write_config(Path(scratch), devices, payload_size=image_size)
        async with running_bench(config, Path(scratch) / "run") as (bench, clock):
            zigpy_run = await _zigpy(bench, "zigpy-50")
            file_octets = len(encode_image(bench.image(IMAGE).image))
            for size in BLOCK_SIZES:
                # the floor first, while the device is idle: after its transfer it activates, restarts and alerts
                intervals = -(-file_octets // size) - 1
                floor = await _floor(bench, f"ppmid-{size}", size, intervals)
                rig = await _rig(bench, clock, f"ppmid-{size}")
                if rig["blocks"] - 1 != intervals:
                    raise AssertionError(f"ppmid-{size}: {rig['blocks']} blocks, expected {intervals + 1}")
                rows.append({"block_size": size, "image_octets": rig["octets"], "seconds": rig["seconds"],
                             "blocks": rig["blocks"], "ms_per_block": 1000 * _per_block(rig),
                             "floor_ms_per_block": 1000 * floor / intervals})
    zigpy_ms = 1000 * _per_block(zigpy_run)
    zigpy_seconds_per_octet = zigpy_run["seconds"] / zigpy_run["octets"]
    for row in rows:
        row["ratio_to_floor"] = row["ms_per_block"] / row["floor_ms_per_block"]
        # time for the same image, against zigpy's at its 50 octets a block
        row["ratio_to_zigpy"] = row["seconds"] / row["image_octets"] / zigpy_seconds_per_octet
    return {
        "image_payload_octets": image_size,
        "rows": rows,
        "zigpy": {"block_size": ZIGPY_BLOCK_SIZE, **zigpy_run, "ms_per_block": zigpy_ms},
        "targets": {"ratio_to_floor_max": 1.2, "ratio_to_zigpy_max": 1.0},
        "met": {"ratio_to_floor": all(r["ratio_to_floor"] <= 1.2 for r in rows),
                # zigpy serves 50 octets a block: the comparison is at 50 and at the sizes the policy allows above it
                "ratio_to_zigpy": all(r["ratio_to_zigpy"] <= 1.0 for r in rows
                                      if r["block_size"] >= ZIGPY_BLOCK_SIZE)},
    }


def report(results: dict[str, Any]) -> None:
    zigpy_run = results["zigpy"]
    rows = [(r["block_size"], r["seconds"], r["blocks"], r["ms_per_block"], r["floor_ms_per_block"],
             r["ratio_to_floor"], r["ratio_to_zigpy"]) for r in results["rows"]]
    rows.append((f"zigpy {zigpy_run['block_size']}", zigpy_run["seconds"], zigpy_run["blocks"],
                 zigpy_run["ms_per_block"], "", "", 1.0))
    print_table(f"OTA throughput, {results['image_payload_octets'] // KIB} KiB image",
                ("block", "seconds", "blocks", "ms/block", "floor ms/block", "÷ floor", "÷ zigpy"), rows)


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
