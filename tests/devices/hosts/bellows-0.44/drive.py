"""bellows 0.44 and zigpy 0.78 on a serial port: form, permit joining, read each joined device's Basic cluster.

    python drive.py PORT EXPECTED TIMEOUT

Runs in a virtualenv of its own (requirements.txt beside it), so it imports nothing of hanrig.
One JSON line per event on stdout; exit 0 once EXPECTED devices were read, 1 otherwise.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

import zigpy.config
import zigpy.device
from bellows.zigbee.application import ControllerApplication


def say(event: str, **fields: Any) -> None:
    print(json.dumps({"event": event, **fields}), flush=True)


class Joined:
    def __init__(self) -> None:
        self.devices: asyncio.Queue[zigpy.device.Device] = asyncio.Queue()

    def device_initialized(self, device: zigpy.device.Device) -> None:
        self.devices.put_nowait(device)


async def main(port: str, expected: int, timeout: float) -> None:
    config = {
        zigpy.config.CONF_DEVICE: {zigpy.config.CONF_DEVICE_PATH: port},
        zigpy.config.CONF_DATABASE: None,
        zigpy.config.CONF_NWK_BACKUP_ENABLED: False,
        zigpy.config.CONF_TOPO_SCAN_ENABLED: False,
        zigpy.config.CONF_OTA: {zigpy.config.CONF_OTA_ENABLED: False},
    }
    app = await ControllerApplication.new(config, auto_form=True)
    say("started", channel=app.state.network_info.channel, version=app.state.node_info.version)
    joined = Joined()
    app.add_listener(joined)
    await app.permit(254)
    try:
        async with asyncio.timeout(timeout):
            for _ in range(expected):
                device = await joined.devices.get()
                endpoint = next(e for e in device.non_zdo_endpoints if 0x0000 in e.in_clusters)
                values, failed = await endpoint.in_clusters[0x0000].read_attributes(
                    ["manufacturer", "model", "zcl_version"], allow_cache=False)
                say("read", ieee=str(device.ieee), profile=endpoint.profile_id, values=values,
                    failed={str(k): str(v) for k, v in failed.items()})
    finally:
        await app.shutdown()


if __name__ == "__main__":
    port, expected, timeout = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    try:
        asyncio.run(main(port, expected, timeout))
    except Exception as error:  # the test reads the reason from stdout
        say("error", message=f"{type(error).__name__}: {error}")
        sys.exit(1)
