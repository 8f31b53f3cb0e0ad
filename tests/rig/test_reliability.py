"""What labs see daily, on the real stack: a noisy serial line, an NCP that resets mid-transfer, a radio gone.

Real zigpy and bellows drive the emulated radio in its own process across a pty; the faults
are the emulator's (seeded), never mocks.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from hanrig.rig.bench import Bench
from hanrig.rig.config import load_config
from hanrig.rig.coordinator.emulated import EmulatedRadio
from hanrig.rig.journal import Journal, read_journal
from hanrig.rig.recorder import Recorder
from hanrig.rig.tracking import Stage
from hanrig.rig.update import distribute
from tests.configs import write_config

WAIT = 60.0


def _small_image(size: int) -> Callable[[dict[str, Any]], None]:
    def change(config: dict[str, Any]) -> None:
        config["images"]["ppmid-v2"]["build"]["payload_size"] = size
    return change


async def _started(tmp_path: Path, config_path: Path) -> tuple[Bench, Journal]:
    journal = Journal(tmp_path / "run.journal")
    bench = Bench(load_config(config_path), Recorder(journal), workdir=tmp_path / "work")
    try:
        await bench.start()
    except BaseException:
        await bench.stop()
        journal.close()
        raise
    return bench, journal


async def _verified(bench: Bench, device: str) -> list[dict[str, Any]]:
    assert bench.emulator is not None
    return [e for e in await bench.emulator.request("events") if e["source"] == device and e["kind"] == "ota_verified"]


async def test_an_ota_over_a_lossy_serial_line_leaves_the_exact_image_on_the_device(bench: Bench) -> None:
    ppmid, image = bench.config.device("ppmid"), bench.image("ppmid-v2")
    await bench.join(ppmid)
    assert bench.emulator is not None
    await bench.emulator.request("set_faults", faults={"serial": {"drop": 0.05, "corrupt": 0.01}})

    result = await distribute(bench, ppmid, image)

    assert result.distribution.stage is Stage.TRANSFERRED, [m.describe() for m in result.measurements]
    (verified,) = await _verified(bench, "ppmid")
    assert verified["result"] == "valid"
    assert verified["file_sha256"] == image.sha256
    ash = (await bench.emulator.request("status"))["ash"]
    assert min(*ash["dropped"].values(), *ash["corrupted"].values()) > 0, ash  # both ways, both faults


@pytest.fixture
async def bench(tmp_path: Path) -> AsyncIterator[Bench]:
    bench, journal = await _started(tmp_path, write_config(tmp_path, _small_image(8192)))
    try:
        yield bench
    finally:
        await bench.stop()
        journal.close()


async def _when_half_served(bench: Bench, eui64: str) -> None:
    await _when_served(bench, eui64, 0.5)


async def _when_served(bench: Bench, eui64: str, fraction: float) -> None:
    assert bench.coordinator is not None
    ieee = bench.coordinator.device(eui64).ieee
    async with asyncio.timeout(WAIT):
        while (session := bench.hub.ota.session(ieee)) is None or session.progress.fraction < fraction:
            await asyncio.sleep(0.01)


async def test_an_ncp_reset_at_half_way_is_journaled_and_the_transfer_completes_from_the_devices_offset(
        bench: Bench, tmp_path: Path) -> None:
    ppmid, image = bench.config.device("ppmid"), bench.image("ppmid-v2")
    await bench.join(ppmid)
    transfer = asyncio.create_task(distribute(bench, ppmid, image))
    await _when_half_served(bench, ppmid.eui64)
    assert bench.emulator is not None

    await bench.emulator.request("reset_ncp", code="watchdog")
    result = await asyncio.wait_for(transfer, WAIT)

    assert result.distribution.stage is Stage.TRANSFERRED, [m.describe() for m in result.measurements]
    (verified,) = await _verified(bench, "ppmid")
    assert verified["file_sha256"] == image.sha256
    downloads = [e["kind"] for e in await bench.emulator.request("events")
                 if e["source"] == "ppmid" and e["kind"].startswith("ota_download_")]
    assert downloads == ["ota_download_started", "ota_download_complete"], "the device had to start over"
    radio = [(e.fields["state"], e.fields["detail"]) for e in read_journal(tmp_path / "run.journal").entries
             if e.kind == "radio_event"]
    assert [state for state, _ in radio] == ["lost", "restored"]
    assert "WATCHDOG" in radio[0][1].upper()


async def test_a_transfer_across_a_channel_change_resumes_and_completes_on_the_new_channel(tmp_path: Path) -> None:
    # long enough that the PPMID, which follows 9 s after the broadcast, is still downloading
    bench, journal = await _started(tmp_path, write_config(tmp_path, _small_image(98304)))
    try:
        ppmid, image = bench.config.device("ppmid"), bench.image("ppmid-v2")
        await bench.join(ppmid)
        transfer = asyncio.create_task(distribute(bench, ppmid, image))
        await _when_served(bench, ppmid.eui64, 0.05)
        assert bench.emulator is not None and bench.coordinator is not None
        new_channel = 20 if bench.coordinator.app.state.network_info.channel != 20 else 21

        # The coordinator moves at once; the PPMID follows once the broadcast has reached the whole
        # HAN, and until then its block requests go unanswered
        await asyncio.wait_for(bench.coordinator.app.move_network_to_channel(new_channel, num_broadcasts=1), WAIT)
        result = await asyncio.wait_for(transfer, WAIT)

        assert result.distribution.stage is Stage.TRANSFERRED, [m.describe() for m in result.measurements]
        (verified,) = await _verified(bench, "ppmid")
        assert verified["file_sha256"] == image.sha256
        events = await bench.emulator.request("events")
        moves = [(e["source"], e["channel"]) for e in events if e["kind"] == "channel_changed"]
        assert moves[0] == ("ncp", new_channel) and ("ppmid", new_channel) in moves[1:]
        downloads = [e["kind"] for e in events if e["source"] == "ppmid" and e["kind"].startswith("ota_download_")]
        assert downloads == ["ota_download_started", "ota_download_complete"], "the device had to start over"
    finally:
        await bench.stop()
        journal.close()


async def test_a_radio_that_stays_away_past_the_reconnect_timeout_is_gone_and_journaled(tmp_path: Path) -> None:
    def change(config: dict[str, Any]) -> None:
        _small_image(32768)(config)
        config["coordinator"]["reconnect_timeout"] = 2
    bench, journal = await _started(tmp_path, write_config(tmp_path, change))
    try:
        ppmid = bench.config.device("ppmid")
        await bench.join(ppmid)
        transfer = asyncio.create_task(distribute(bench, ppmid, bench.image("ppmid-v2")))
        await _when_half_served(bench, ppmid.eui64)
        assert bench.emulator is not None and bench.coordinator is not None

        bench.emulator.process.kill()
        await asyncio.wait_for(bench.coordinator.radio_gone.wait(), WAIT)

        transfer.cancel()
        with pytest.raises(asyncio.CancelledError):
            await transfer
    finally:
        await bench.stop()
        journal.close()
    radio = [e.fields for e in read_journal(tmp_path / "run.journal").entries if e.kind == "radio_event"]
    assert [event["state"] for event in radio] == ["lost", "gone"]
    assert radio[1]["seconds"] >= 2 and radio[1]["attempts"] >= 1


async def test_a_radio_restarted_within_the_reconnect_timeout_is_reconnected_and_the_transfer_completes(
        tmp_path: Path) -> None:
    def change(config: dict[str, Any]) -> None:
        _small_image(8192)(config)
        config["coordinator"]["emulator"]["state_file"] = str(tmp_path / "ncp-state.json")  # the HAN survives
    bench, journal = await _started(tmp_path, write_config(tmp_path, change))
    try:
        ppmid, image = bench.config.device("ppmid"), bench.image("ppmid-v2")
        await bench.join(ppmid)
        transfer = asyncio.create_task(distribute(bench, ppmid, image))
        await _when_half_served(bench, ppmid.eui64)
        killed = bench.emulator
        assert killed is not None

        killed.process.kill()
        await killed.stop()
        bench.emulator = await EmulatedRadio.start(bench.workdir / "emulator", config=bench.config.path)
        result = await asyncio.wait_for(transfer, WAIT)

        assert result.distribution.stage is Stage.TRANSFERRED, [m.describe() for m in result.measurements]
        # The emulated device died with its radio and starts over; a physical one keeps its offset.
        (verified,) = await _verified(bench, "ppmid")
        assert verified["file_sha256"] == image.sha256
    finally:
        await bench.stop()
        journal.close()
    radio = [e.fields["state"] for e in read_journal(tmp_path / "run.journal").entries if e.kind == "radio_event"]
    assert radio == ["lost", "restored"]
