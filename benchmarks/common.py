"""What the benchmarks share: benches built in code, transfer timing, the machine, tables and result files.

Not a benchmark itself. A bench here is the rig's own ``Bench`` on a config written to a
scratch directory: the emulated radio, emulated PPMIDs (keys from the test PKI, one pair
per device), and one image built from a seeded payload and signed with the test
Supplier key, as the embedded default does.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import time
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from rich.console import Console
from rich.table import Table

from hanrig import testpki
from hanrig.rig.bench import Bench
from hanrig.rig.config import load_config
from hanrig.rig.journal import Journal
from hanrig.rig.recorder import Recorder

RESULTS_DIR = Path(__file__).parent / "results"
MANUFACTURER_CODE = 0x121D
PPMID_IMAGE_TYPE = 0x0084
HARDWARE_VERSION = 0x1111
IMAGE = "image"
KIB = 1024


def device_eui(index: int) -> str:
    """The EUI-64 of the ``index``-th benchmark PPMID: the test PKI's prefix, clear of the default devices."""
    return f"48414E524947{0x1000 + index:04X}"


def ppmid(name: str, eui: str, *, block_size: int) -> dict[str, Any]:
    """A config ``devices[]`` entry: an emulated PPMID asking for ``block_size`` octets a block."""
    return {"name": name, "type": "ppmid", "emulated": {
        "eui64": eui, "manufacturer_code": MANUFACTURER_CODE, "image_type": PPMID_IMAGE_TYPE,
        "hardware_version": HARDWARE_VERSION, "firmware_version": 1, "behaviour": {"block_size": block_size}}}


def write_config(directory: Path, devices: list[dict[str, Any]], *, payload_size: int, max_block_size: int = 65,
                 air: dict[str, Any] | None = None) -> Path:
    """``hil_config.yaml`` in ``directory`` for these devices, with a keystore holding every party's test keys."""
    directory.mkdir(parents=True, exist_ok=True)
    testpki.write_keystore(directory / "keys", [*testpki.DEFAULT_ENTITIES,
                                                *(d["emulated"]["eui64"] for d in devices)])
    emulator: dict[str, Any] = {"seed": 1, **({"air": air} if air else {})}
    config = {
        "coordinator": {"radio": "ezsp", "port": "emulated", "channel": 15, "emulator": emulator},
        "gbcs": {"keystore": "keys", "acb": testpki.ACB, "supplier": testpki.SUPPLIER,
                 "comms_hub": testpki.COMMS_HUB},
        "devices": devices,
        "images": {IMAGE: {"build": {
            "manufacturer_code": MANUFACTURER_CODE, "image_type": PPMID_IMAGE_TYPE, "file_version": 2,
            "hardware_versions": [HARDWARE_VERSION, HARDWARE_VERSION], "payload_size": payload_size, "seed": 1,
            "sign": True}}},
        # A device that joins late or verifies 64 images at once must not be taken for a stalled one.
        "ota_policies": {"ppmid": {"max_block_size": max_block_size, "stall_timeout": 120,
                                   "final_block_timeout": 300}},
        "ch": {"join_timeout": 120, "alert_timeout": 120},
    }
    path = directory / "hil_config.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


@dataclass
class Transfer:
    """One device's blocks as the rig served them: when the first and the last went, and how many."""

    first: float
    last: float
    blocks: int = 0
    octets: int = 0

    @property
    def seconds(self) -> float:
        return self.last - self.first


@dataclass
class TransferClock:
    """A recorder listener timing each device's transfer from its first block served to its last."""

    transfers: dict[str, Transfer] = field(default_factory=dict)

    def __call__(self, kind: str, fields: dict[str, Any]) -> None:
        if kind != "progress":
            return
        now = time.monotonic()
        transfer = self.transfers.setdefault(fields["device"], Transfer(now, now))
        transfer.last, transfer.blocks, transfer.octets = now, fields["blocks"], fields["offset"]


@contextlib.asynccontextmanager
async def running_bench(config_path: Path, workdir: Path) -> AsyncIterator[tuple[Bench, TransferClock]]:
    """The rig's bench on ``config_path``, up, with a clock on its transfers; journal and emulator in ``workdir``."""
    clock = TransferClock()
    workdir.mkdir(parents=True, exist_ok=True)
    with Journal(workdir / "run.journal") as journal:
        recorder = Recorder(journal)
        recorder.add_listener(clock)
        async with Bench(load_config(config_path), recorder, workdir=workdir / "work") as bench:
            yield bench, clock


def peak_rss_mb(pid: int | str = "self") -> float:
    """A process's peak resident set (VmHWM) in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmHWM for process {pid}")


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    models = [line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
              if line.startswith("model name")]
    return {"cpu": models[0] if models else platform.processor(), "cores": os.cpu_count(),
            "python": platform.python_version()}


def write_results(name: str, results: dict[str, Any]) -> Path:
    """``benchmarks/results/<name>.json``, with the machine it came from."""
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    path.write_text(json.dumps({"benchmark": name, "machine": machine(), **results}, indent=2) + "\n")
    return path


def print_table(title: str, columns: Iterable[str], rows: Iterable[Iterable[object]]) -> None:
    table = Table(title=title)
    for column in columns:
        table.add_column(column, justify="right")
    for row in rows:
        table.add_row(*(_cell(value) for value in row))
    Console(width=160).print(table)


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 100 else f"{value:.1f}"
    return str(value)
