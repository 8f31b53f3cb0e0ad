"""A bad serial line (lost and damaged ASH frames, seeded) must cost time, never messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.devices.conftest import StartApp, StartEmulator
from tests.devices.exchange import READS, REPORTS, exchange, report
from tests.devices.harness import Listener, generic_device, rig_config

METER = "00:11:22:33:44:55:66:01"


@pytest.mark.parametrize(("drop", "corrupt"), [("0", "0"), ("0.05", "0.01")], ids=["clean", "lossy"])
async def test_startup_and_a_thousand_messages_lose_and_duplicate_nothing(
    drop: str, corrupt: str, emulator: StartEmulator, application: StartApp, tmp_path: Path
) -> None:
    config = rig_config(generic_device("meter", METER, 0x1234))
    state = str(tmp_path / "ncp-state.json")
    # The network is formed on a good line; the bad line is for the startup the rig does every run.
    forming = await emulator("--state", state, name="forming", config=config)
    await (await application(forming.port, auto_form=True)).shutdown()
    await forming.stop()
    emu = await emulator(
        "--state", state, "--ash-drop", drop, "--ash-corrupt", corrupt, "--seed", "7", config=config
    )
    app = await application(emu.port)
    listener = Listener()
    app.add_listener(listener)
    listener.expect([METER])
    await app.permit(60)
    basic = (await listener.device(METER, timeout=60)).endpoints[1].basic

    exchanged = await exchange(emu, listener, basic, device="meter")

    assert len(exchanged.reads_handled) == READS, "the device must act on every read exactly once"
    assert len(exchanged.answers) == READS, "zigpy must receive every answer exactly once"
    assert sorted(exchanged.reports) == sorted(report(n) for n in range(REPORTS)), "every report exactly once"
    ash = (await emu.request("status"))["ash"]
    if drop != "0":
        assert ash["dropped"]["to_ncp"] and ash["dropped"]["to_host"] and ash["bad_frames"]
