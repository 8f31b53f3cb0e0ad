"""The control plane: the in-process API and the same API as JSON lines on a Unix socket."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hanrig.devices.errors import EmulatorError, InputError
from hanrig.devices.protocol import ControlClient, ControlRequestError
from hanrig.devices.radio.control import ControlServer, EmulatorControl
from hanrig.devices.radio.emulator import Emulator
from hanrig.devices.spec import Emulation

METER = {
    "name": "meter",
    "type": "generic",
    "emulated": {"eui64": "00:11:22:33:44:55:66:01", "node_id": 0x1234},
}


Served = tuple[EmulatorControl, ControlClient, Path]


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[Served]:
    emulator = Emulator(Emulation(), port=tmp_path / "tty")
    control = EmulatorControl(emulator)
    server = ControlServer(control, tmp_path / "control.sock")
    await server.open()
    client = await ControlClient.connect(server.path)
    yield control, client, server.path
    await client.close()
    await server.close()


async def test_a_device_added_through_the_socket_is_running_and_powered_up(served: Served) -> None:
    control, client, _ = served
    status = await client.request("add_device", device=METER)
    assert status == {
        "name": "meter",
        "eui64": "00:11:22:33:44:55:66:01",
        "node_id": "0x1234",
        "joined": False,
        "in_range": True,
        "endpoints": [1],
    }
    assert [d["name"] for d in control.status()["devices"]] == ["meter"]
    assert not await client.request("join", name="meter"), "no network, so no join"
    events = await client.request("events")
    assert [(e["source"], e["kind"]) for e in events[-2:]] == [
        ("meter", "powered_on"),
        ("meter", "join_refused"),
    ]


async def test_a_bad_request_is_answered_with_a_typed_error_and_the_connection_kept(served: Served) -> None:
    _, client, _ = served
    with pytest.raises(ControlRequestError, match="SpecError: device.emulated.eui64"):
        await client.request("add_device", device={**METER, "emulated": {"eui64": "nope"}})
    with pytest.raises(ControlRequestError, match="unknown op 'fly'"):
        await client.request("fly")
    with pytest.raises(ControlRequestError, match="no device named 'ghost'"):
        await client.request("leave", name="ghost")
    with pytest.raises(ControlRequestError, match="InputError: join"):
        await client.request("join", nmae="meter")
    assert (await client.request("status"))["ezsp_version"] == 13


async def test_a_device_command_reaches_the_devices_kind(served: Served) -> None:
    _, client, _ = served
    await client.request("add_device", device=METER)
    with pytest.raises(ControlRequestError, match="meter .GenericDevice. has no control command 'wake'"):
        await client.request("device_command", name="meter", command="wake")


async def test_a_line_that_is_not_json_gets_an_error_line(served: Served) -> None:
    _, _, path = served
    reader, writer = await asyncio.open_unix_connection(str(path))
    writer.write(b"{oops\n")
    answer = json.loads(await asyncio.wait_for(reader.readline(), 5))
    assert (answer["ok"], answer["error"]["type"]) == (False, "InputError")
    writer.close()


async def test_faults_are_changed_at_run_time_and_checked(served: Served) -> None:
    control, client, _ = served
    faults = await client.request("set_faults", faults={"serial": {"drop": 0.05}, "air": {"loss": 0.2}})
    assert (
        faults["serial"]["drop"] == 0.05
        and faults["air"]["loss"] == 0.2
        and faults["serial"]["corrupt"] == 0.0
    )
    with pytest.raises(ControlRequestError, match="faults.serial.drop"):
        await client.request("set_faults", faults={"serial": {"drop": 1.5}})
    assert control.status()["faults"]["serial"]["drop"] == 0.05


async def test_waiting_for_an_event_times_out_with_an_error(served: Served) -> None:
    control, _, _ = served
    with pytest.raises(InputError, match="no 'joined' event within 0.05 s"):
        await control.wait_event("joined", timeout=0.05)


async def test_a_live_control_socket_is_not_taken_over(served: Served, tmp_path: Path) -> None:
    control, _, path = served
    with pytest.raises(EmulatorError, match="in use"):
        await ControlServer(control, path).open()
    (tmp_path / "plain").write_text("")
    with pytest.raises(InputError, match="not a socket"):
        await ControlServer(control, tmp_path / "plain").open()


async def test_status_reports_whether_the_airtime_model_is_on_and_the_airtime_accounted(served: Served) -> None:
    _, client, _ = served
    assert (await client.request("status"))["air"] == {"airtime_model": False, "frames": 0, "airtime_s": 0.0}
