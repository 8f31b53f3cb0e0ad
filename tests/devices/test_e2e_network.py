"""bellows and zigpy against the emulator in its own process: start, form, restart, back up."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import zigpy.backups
import zigpy.state

from tests.devices.conftest import StartApp, StartEmulator

VERSIONS = pytest.mark.parametrize("version", ["8", "13"])


def _script(name: str) -> str:
    """A console script installed beside this interpreter (bellows' and zigpy-cli's own CLIs)."""
    return str(Path(sys.executable).parent / name)


@VERSIONS
async def test_zigpy_forms_a_network_on_a_factory_new_ncp(
    version: str, emulator: StartEmulator, application: StartApp
) -> None:
    emu = await emulator("--ezsp-version", version)
    app = await application(emu.port, auto_form=True)
    info = app.state.network_info
    assert 11 <= info.channel <= 26 and info.pan_id not in (0x0000, 0xFFFF)
    assert app.state.node_info.manufacturer == "hanrig"
    assert app.state.node_info.version == ("6.7.8.0 build 373" if version == "8" else "7.4.2.0 build 0")
    status = await emu.request("status")
    assert status["ncp"]["formed"] and status["ncp"]["network_up"]
    assert status["ncp"]["pan_id"] == f"0x{info.pan_id:04X}"
    assert status["ezsp"]["unknown_commands"] == {}
    assert "unknown EZSP command" not in emu.stderr


@VERSIONS
async def test_a_restarted_emulator_comes_back_with_the_same_network(
    version: str, emulator: StartEmulator, application: StartApp, tmp_path: Path
) -> None:
    state = tmp_path / "ncp-state.json"
    first = await emulator("--ezsp-version", version, "--state", str(state), name="first")
    app = await application(first.port, auto_form=True)
    formed = app.state.network_info
    await app.shutdown()
    assert await first.stop() == 0
    assert not first.port.exists(), "the link must be gone after SIGTERM"

    second = await emulator("--ezsp-version", version, "--state", str(state), name="second")
    app = await application(second.port, auto_form=False)
    again = app.state.network_info
    assert (again.pan_id, again.extended_pan_id, again.channel) == (
        formed.pan_id,
        formed.extended_pan_id,
        formed.channel,
    )
    assert again.network_key.key == formed.network_key.key
    assert again.network_key.tx_counter >= formed.network_key.tx_counter


async def test_the_state_file_is_a_backup_zigpy_can_read_and_matches_zigpys_own(
    emulator: StartEmulator, application: StartApp, tmp_path: Path
) -> None:
    state = tmp_path / "ncp-state.json"
    emu = await emulator("--state", str(state))
    app = await application(emu.port, auto_form=True)
    backup = await app.backups.create_backup(load_devices=True)
    from_file = zigpy.backups.NetworkBackup.from_dict(json.loads(state.read_text()))
    assert from_file.is_compatible_with(backup)
    assert from_file.node_info.ieee == backup.node_info.ieee


async def test_zigpy_cli_backs_up_the_emulated_radio(
    emulator: StartEmulator, application: StartApp, tmp_path: Path
) -> None:
    emu = await emulator()
    app = await application(emu.port, auto_form=True)
    expected = zigpy.backups.NetworkBackup(network_info=app.state.network_info, node_info=app.state.node_info)
    await app.shutdown()
    out = tmp_path / "backup.json"
    command = [_script("zigpy"), "radio", "ezsp", str(emu.port), "backup", str(out)]
    result = await asyncio.to_thread(subprocess.run, command, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    backup = zigpy.backups.NetworkBackup.from_dict(json.loads(out.read_text()))
    assert backup.is_compatible_with(expected)


async def test_zigpy_cli_changes_the_channel_and_info_then_shows_the_new_one(
    emulator: StartEmulator, application: StartApp
) -> None:
    emu = await emulator()
    app = await application(emu.port, auto_form=True)
    assert app.state.network_info.channel != 20
    await app.shutdown()
    zigpy_cli = [_script("zigpy"), "radio", "ezsp", str(emu.port)]

    changed = await asyncio.to_thread(subprocess.run, [*zigpy_cli, "change-channel", "--channel", "20"],
                                      capture_output=True, text=True, timeout=120)
    info = await asyncio.to_thread(subprocess.run, [*zigpy_cli, "info"], capture_output=True, text=True, timeout=60)

    assert changed.returncode == 0, changed.stderr[-2000:]
    assert info.returncode == 0 and "Channel:               20" in info.stdout, info.stdout + info.stderr


async def test_bellows_tone_runs_the_manufacturing_library_until_interrupted_and_ends_it(
    emulator: StartEmulator,
) -> None:
    emu = await emulator()
    process = await asyncio.create_subprocess_exec(
        _script("bellows"), "-d", str(emu.port), "tone", "-c", "15", "-p", "-5",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    assert process.stderr is not None
    started = await asyncio.wait_for(process.stderr.readline(), 30)
    while started and b"Started transmitting" not in started:
        started = await asyncio.wait_for(process.stderr.readline(), 30)

    during = (await emu.request("status"))["ncp"]["mfglib"]
    # bellows notes when the tone started only after printing that it did, and reports the
    # streaming on Ctrl-C only if it has: give it the moment it takes on a loaded machine
    await asyncio.sleep(0.5)
    process.send_signal(signal.SIGINT)
    _, err = await asyncio.wait_for(process.communicate(), 30)

    assert b"Started transmitting unmodulated tone" in started
    assert (during["channel"], during["power"], during["transmitting"]) == (15, -5, "tone")
    assert process.returncode == 0 and b"Streamed on channel 15" in err
    assert (await emu.request("status"))["ncp"]["mfglib"] is None
    kinds = [e["kind"] for e in await emu.request("events") if e["kind"].startswith("mfglib")]
    assert kinds == ["mfglib_started", "mfglib_tone_started", "mfglib_tone_stopped", "mfglib_ended"]


async def test_bellows_own_cli_prints_the_emulated_ncp_version(
    emulator: StartEmulator, application: StartApp
) -> None:
    emu = await emulator()
    app = await application(emu.port, auto_form=True)
    await app.shutdown()
    command = [_script("bellows"), "-d", str(emu.port), "info"]
    result = await asyncio.to_thread(subprocess.run, command, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "Manufacturer: hanrig" in result.stdout
    assert "EmberZNet version: 7.4.2.0 build 0" in result.stdout


async def test_a_host_on_socket_is_greeted_by_rstack_like_a_network_coordinator(
    emulator: StartEmulator, application: StartApp
) -> None:
    emu = await emulator("--socket", "127.0.0.1:0")
    app = await application(emu.socket, auto_form=True)
    assert app.state.network_info.channel
    events = await emu.request("events")
    assert any(e["kind"] == "host_connected" and e.get("via") == "socket" for e in events)


async def test_a_second_opener_of_the_port_is_told_it_is_busy_and_the_first_keeps_working(
    emulator: StartEmulator, application: StartApp
) -> None:
    emu = await emulator()
    app = await application(emu.port, auto_form=True)
    with pytest.raises(PermissionError, match="locked by another application"):
        await application(emu.port)
    await asyncio.wait_for(app.watchdog_feed(), 10)
    assert (await emu.request("status"))["ash"]["bad_frames"] == {}


async def test_sigterm_stops_the_emulator_cleanly(emulator: StartEmulator) -> None:
    emu = await emulator()
    control = emu.readiness.control
    assert emu.port.is_symlink() and control.exists()
    assert await emu.stop() == 0
    assert not emu.port.exists() and not emu.port.is_symlink()
    assert not control.exists()


async def test_zigpy_reads_the_coordinator_itself_through_the_loop_back(
    emulator: StartEmulator, application: StartApp
) -> None:
    emu = await emulator()
    # Forming resets the NCP, and (as UG100 says of addEndpoint) a reset forgets the
    # endpoints, which bellows registers only on connect: interview a fresh start.
    await (await application(emu.port, auto_form=True)).shutdown()
    app = await application(emu.port)
    coordinator = app.get_device(ieee=app.state.node_info.ieee)
    status, _, descriptor = await asyncio.wait_for(coordinator.zdo.Node_Desc_req(0x0000), 10)
    assert status == 0 and descriptor.logical_type == zigpy.state.zdo_t.LogicalType.Coordinator
    status, _, endpoints = await asyncio.wait_for(coordinator.zdo.Active_EP_req(0x0000), 10)
    assert 1 in endpoints and 242 in endpoints
