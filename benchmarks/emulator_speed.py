"""How fast bellows and zigpy get on with the emulated radio, measured side by side in one run.

    .venv/bin/python -m benchmarks.emulator_speed [--repeat N]

For EZSP v8 and v13: forming a network on a factory-new NCP, and starting on a formed one
(the rig's every-day startup); then the 1,000-message exchange of the tests on a clean
line and on one that loses 5 % and damages 1 % of ASH frames. Prints a table and writes
``benchmarks/results/emulator_speed.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.devices.exchange import MESSAGES, exchange
from tests.devices.harness import EmulatorProcess, Listener, generic_device, rig_config, start_app

METER = "00:11:22:33:44:55:66:01"
RESULTS = Path(__file__).parent / "results" / "emulator_speed.json"


async def _startup(directory: Path, version: str) -> tuple[float, float]:
    """Seconds to form on a factory-new NCP, and to start on the network it formed."""
    state = directory / "state.json"
    emu = await EmulatorProcess.start(directory, "--ezsp-version", version, "--state", str(state))
    try:
        started = time.monotonic()
        app = await start_app(emu.port, auto_form=True, network={"channel": 15})
        form = time.monotonic() - started
        await app.shutdown()
        started = time.monotonic()
        app = await start_app(emu.port)
        start = time.monotonic() - started
        await app.shutdown()
    finally:
        await emu.stop()
    return form, start


async def _exchange(directory: Path, drop: str, corrupt: str) -> tuple[float, float]:
    """Seconds to start on a formed network over the line, and messages per second after."""
    config = rig_config(generic_device("meter", METER, 0x1234))
    state = directory / "state.json"
    forming = await EmulatorProcess.start(directory / "forming", "--state", str(state), config=config)
    await (await start_app(forming.port, auto_form=True, network={"channel": 15})).shutdown()
    await forming.stop()
    emu = await EmulatorProcess.start(
        directory / "line", "--state", str(state), "--ash-drop", drop, "--ash-corrupt", corrupt, config=config
    )
    try:
        started = time.monotonic()
        app = await start_app(emu.port)
        startup = time.monotonic() - started
        listener = Listener()
        app.add_listener(listener)
        listener.expect([METER])
        await app.permit(60)
        basic = (await listener.device(METER, timeout=60)).endpoints[1].basic
        started = time.monotonic()
        await exchange(emu, listener, basic, device="meter")
        rate = MESSAGES / (time.monotonic() - started)
        await app.shutdown()
    finally:
        await emu.stop()
    return startup, rate


async def main(repeat: int) -> dict[str, Any]:
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        for version in ("8", "13"):
            runs = [await _startup(root / f"v{version}-{n}", version) for n in range(repeat)]
            results[f"form_v{version}_s"] = statistics.median(r[0] for r in runs)
            results[f"startup_v{version}_s"] = statistics.median(r[1] for r in runs)
        for name, drop, corrupt in (("clean", "0", "0"), ("lossy", "0.05", "0.01")):
            runs = [await _exchange(root / f"{name}-{n}", drop, corrupt) for n in range(repeat)]
            results[f"startup_{name}_line_s"] = statistics.median(r[0] for r in runs)
            results[f"messages_per_s_{name}"] = statistics.median(r[1] for r in runs)
    results["lossy_over_clean_rate"] = results["messages_per_s_lossy"] / results["messages_per_s_clean"]
    return results


async def run(quick: bool = False) -> dict[str, Any]:
    """What ``python -m benchmarks`` runs: one run of each measurement with ``quick``, else the median of 3."""
    return await main(1 if quick else 3)


def report(measured: dict[str, Any]) -> None:
    for key, value in measured.items():
        print(f"{key:28} {value:10.3f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement (median reported)")
    measured = asyncio.run(main(parser.parse_args().repeat))
    report(measured)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(measured, indent=2) + "\n")
