"""The emulator's 802.15.4 airtime model against a simple analytical model of a 256 KiB OTA transfer.

    .venv/bin/python -m benchmarks.airtime [--quick]

With the emulator's airtime model on (``coordinator.emulator.air.airtime: true``: every
hop takes its 250 kbit/s airtime, and ``devices.han.air`` accounts each frame's), the rig
pushes the image to a PPMID per block size (40, 50, 64, 65 octets). The emulator's
prediction is the airtime its status reports for the frames of the transfer (the
``air`` block, read before and after); the wall-clock time of the transfer is shown
beside it. The analytical model below is written from the standards, independently of
``devices.han.airtime``: per block an Image Block Request and an Image Block Response,
each an APS-acknowledged unicast over one hop, and the handful of messages around the
blocks (notify, query, upgrade end and their answers).

Target: the two predictions agree within 10 %. That checks the frame accounting, not the
physics: both are written from the same standards. So the model is also set against figures
published outside the project (``PUBLISHED``), each in the configuration its source states,
and the error is reported beside each.

Prints two tables and writes ``benchmarks/results/airtime.json``. The full run takes a few
minutes: the emulator plays every frame in real time.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.common import IMAGE, KIB, device_eui, ppmid, print_table, running_bench, write_config, write_results
from hanrig.devices.han import airtime
from hanrig.gbcs import encode_image
from hanrig.rig.tracking import Stage
from hanrig.rig.update import distribute

NAME = "airtime"
BLOCK_SIZES = (40, 50, 64, 65)
FULL_IMAGE = 256 * KIB
QUICK_IMAGE = 4 * KIB

# ---- the analytical model: IEEE 802.15.4-2006 O-QPSK 2.4 GHz, Zigbee PRO with network security
BIT_RATE = 250_000
SYMBOL_S = 16e-6
PHY_OVERHEAD = 4 + 1 + 1  # preamble, SFD, frame length
MAC_OVERHEAD = 2 + 1 + 2 + 2 + 2 + 2  # frame control, sequence, PAN id, destination, source, FCS
NWK_OVERHEAD = 8 + 14 + 4  # NWK header, auxiliary security header, MIC
APS_DATA_HEADER = 1 + 1 + 2 + 2 + 1 + 1  # frame control, endpoints, cluster, profile, counter
APS_ACK_HEADER = APS_DATA_HEADER  # an APS ACK names the same endpoints, cluster and profile, with no payload
ZCL_HEADER = 3
MAC_ACK_OCTETS = 5
BACKOFF_PERIOD_S = 20 * SYMBOL_S
MEAN_BACKOFF_S = (2**3 - 1) / 2 * BACKOFF_PERIOD_S  # macMinBE = 3: uniform 0..7 periods
CCA_S = 8 * SYMBOL_S
TURNAROUND_S = 12 * SYMBOL_S
LIFS_S, SIFS_S = 40 * SYMBOL_S, 12 * SYMBOL_S
#: ZCL OTA payloads after the ZCL header (ZCL spec 11.13)
IMAGE_BLOCK_REQUEST = 1 + 2 + 2 + 4 + 4 + 1
IMAGE_BLOCK_RESPONSE = 1 + 2 + 2 + 4 + 4 + 1  # status, ids, offset, data size; then the data
AROUND_THE_BLOCKS = (1 + 1 + 2 + 2 + 4,  # Image Notify, payload type 3
                     1 + 2 + 2 + 4 + 2,  # Query Next Image Request with hardware version
                     1 + 2 + 2 + 4 + 4,  # Query Next Image Response
                     1 + 2 + 2 + 4,  # Upgrade End Request
                     2 + 2 + 4 + 4 + 4)  # Upgrade End Response


def _frame_s(mac_payload: int) -> float:
    """One acknowledged 802.15.4 frame: CSMA-CA, the frame, the MAC ACK, the interframe space."""
    psdu = MAC_OVERHEAD + mac_payload
    octet_s = 8 / BIT_RATE
    ack = TURNAROUND_S + (PHY_OVERHEAD + MAC_ACK_OCTETS) * octet_s
    return (MEAN_BACKOFF_S + CCA_S + TURNAROUND_S + (PHY_OVERHEAD + psdu) * octet_s + ack
            + (LIFS_S if psdu > 18 else SIFS_S))


def _unicast_s(zcl_payload: int) -> float:
    """An APS-acknowledged unicast of a ZCL command over one hop: the data frame and the APS ACK frame."""
    return (_frame_s(NWK_OVERHEAD + APS_DATA_HEADER + ZCL_HEADER + zcl_payload)
            + _frame_s(NWK_OVERHEAD + APS_ACK_HEADER))


def analytical_s(file_octets: int, block_size: int) -> float:
    """Airtime of a whole transfer of ``file_octets`` at ``block_size`` octets a block."""
    full, last = divmod(file_octets, block_size)
    blocks = [block_size] * full + ([last] if last else [])
    return (sum(_unicast_s(IMAGE_BLOCK_REQUEST) + _unicast_s(IMAGE_BLOCK_RESPONSE + data) for data in blocks)
            + sum(_unicast_s(payload) for payload in AROUND_THE_BLOCKS))


@dataclass(frozen=True)
class Published:
    """A throughput figure from outside the project, and what the emulator's model predicts for the same set-up."""

    source: str
    url: str
    configuration: str
    kbit_per_s: float
    model_kbit_per_s: Callable[[], float]


def _unsecured_unicast_kbit_per_s() -> float:
    """Back-to-back APS-acknowledged unicasts of the largest payload over one hop, with NWK security off."""
    headers = airtime.MAC_OVERHEAD + airtime.NWK_HEADER + airtime.APS_HEADER
    seconds = airtime.frame_time(airtime.MAX_PSDU, mac_ack=True) + airtime.frame_time(headers, mac_ack=True)
    return 8 * (airtime.MAX_PSDU - headers) / seconds / 1000


PUBLISHED = (
    Published("Latré et al., Throughput and Delay Analysis of Unslotted IEEE 802.15.4, Journal of Networks 1(1), "
              "2006 (analytical)",
              "https://www.sciweavers.org/publications/throughput-and-delay-analysis-unslotted-ieee-802154",
              "2.4 GHz, largest frame, no addresses (MAC header 3 + FCS 2), no acknowledgement: at most 163 kbit/s, "
              "a bandwidth efficiency of 64.9 %",
              163.0, lambda: 8 * (airtime.MAX_PSDU - 5) / airtime.frame_time(airtime.MAX_PSDU, mac_ack=False) / 1000),
    Published("Digi, XBee/XBee-PRO ZigBee RF Modules User Guide, Throughput (measured)",
              "https://easymanua.ls/digi/xbee2/manual?p=68",
              "1 hop, router to router, security disabled: 100,000 bytes sent at 115,200 b/s, 35 kb/s",
              35.0, _unsecured_unicast_kbit_per_s),
    Published("Digi, XBee/XBee-PRO ZigBee RF Modules User Guide, Throughput (measured)",
              "https://easymanua.ls/digi/xbee2/manual?p=68",
              "1 hop, router to router, security enabled: 19 kb/s",
              19.0, lambda: 8 * airtime.max_aps_payload() / airtime.unicast_time(airtime.max_aps_payload(),
                                                                                  aps_ack=True) / 1000),
)


def against_published() -> list[dict[str, Any]]:
    """Each published figure beside the model's, with the model's error relative to it."""
    rows = []
    for figure in PUBLISHED:
        model = figure.model_kbit_per_s()
        rows.append({"source": figure.source, "url": figure.url, "configuration": figure.configuration,
                     "published_kbit_per_s": figure.kbit_per_s, "model_kbit_per_s": model,
                     "model_error": model / figure.kbit_per_s - 1})
    return rows


async def run(quick: bool = False) -> dict[str, Any]:
    image_size = QUICK_IMAGE if quick else FULL_IMAGE
    devices = [ppmid(f"ppmid-{size}", device_eui(index), block_size=size) for index, size in enumerate(BLOCK_SIZES)]
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="hanrig-bench-") as scratch:
        config = write_config(Path(scratch), devices, payload_size=image_size, air={"airtime": True})
        async with running_bench(config, Path(scratch) / "run") as (bench, clock):
            assert bench.emulator is not None
            file_octets = len(encode_image(bench.image(IMAGE).image))
            for size in BLOCK_SIZES:
                name = f"ppmid-{size}"
                await bench.join(bench.config.device(name))
                before = (await bench.emulator.control.request("status"))["air"]
                started = time.monotonic()
                update = await distribute(bench, bench.config.device(name), bench.image(IMAGE))
                wall = time.monotonic() - started
                after = (await bench.emulator.control.request("status"))["air"]
                if update.distribution.stage is not Stage.TRANSFERRED or not after["airtime_model"]:
                    raise AssertionError(f"{name}: {update.distribution.stage}, model {after['airtime_model']}")
                emulator_s = after["airtime_s"] - before["airtime_s"]
                model_s = analytical_s(file_octets, size)
                rows.append({"block_size": size, "file_octets": file_octets, "blocks": clock.transfers[name].blocks,
                             "frames": after["frames"] - before["frames"], "emulator_airtime_s": emulator_s,
                             "analytical_airtime_s": model_s, "emulator_over_analytical": emulator_s / model_s,
                             "wall_s": wall})
    return {"image_payload_octets": image_size, "rows": rows, "published": against_published(),
            "targets": {"agreement_within": 0.10},
            "met": {"agreement": all(abs(r["emulator_over_analytical"] - 1) <= 0.10 for r in rows)}}


def report(results: dict[str, Any]) -> None:
    print_table(f"Airtime of a {results['image_payload_octets'] // KIB} KiB image over one 250 kbit/s hop",
                ("block", "blocks", "frames", "emulator s", "analytical s", "emulator ÷ analytical",
                 "transfer wall s"),
                [(r["block_size"], r["blocks"], r["frames"], r["emulator_airtime_s"], r["analytical_airtime_s"],
                  r["emulator_over_analytical"], r["wall_s"]) for r in results["rows"]])
    print_table("The airtime model against published throughput",
                ("source", "set-up", "published kbit/s", "model kbit/s", "model error"),
                [(r["source"], r["configuration"], r["published_kbit_per_s"], r["model_kbit_per_s"],
                  f"{100 * r['model_error']:+.1f} %") for r in results["published"]])


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
