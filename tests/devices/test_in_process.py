"""The emulator on the test's own event loop, steered through the same control API."""

from __future__ import annotations

from pathlib import Path

from hanrig.devices.radio.control import running
from hanrig.devices.spec import parse_config
from tests.devices.harness import Listener, generic_device, rig_config, start_app

METER = "00:11:22:33:44:55:66:01"


async def test_an_in_process_emulator_serves_bellows_and_answers_the_control_api(tmp_path: Path) -> None:
    spec = parse_config(rig_config(generic_device("meter", METER, 0x1234)))
    async with running(spec, port=tmp_path / "ttyEZSP") as (control, readiness):
        app = await start_app(readiness.port, auto_form=True, network={"channel": 15})
        try:
            listener = Listener()
            app.add_listener(listener)
            listener.expect([METER])
            await app.permit(60)
            await listener.device(METER)
            assert control.status()["devices"][0]["joined"]
            event = await control.wait_event("joined", source="meter", timeout=1)
            assert event["kind"] == "joined"
        finally:
            await app.shutdown()
    assert not (tmp_path / "ttyEZSP").exists()
