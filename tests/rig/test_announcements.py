"""A device that announces itself gets a new tunnel each time, even when zigpy drops the announcement as a duplicate."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import zigpy.types as t

from hanrig.rig.bench import Bench
from hanrig.rig.config import load_config
from hanrig.rig.recorder import Recorder
from tests.paths import REPO

WAIT = 10.0


class _ZdoAnnouncements:
    def __init__(self) -> None:
        self.count = 0

    def device_announce(self, device: Any) -> None:
        self.count += 1


def _device_annce(nwk: int, ieee: t.EUI64, tsn: int) -> t.ZigbeePacket:
    payload = bytes([tsn]) + t.NWK(nwk).serialize() + ieee.serialize() + bytes([0x8E])
    return t.ZigbeePacket(src=t.AddrModeAddress(addr_mode=t.AddrMode.NWK, address=nwk), src_ep=0,
                          dst=t.AddrModeAddress(addr_mode=t.AddrMode.Broadcast, address=0xFFFD), dst_ep=0,
                          tsn=tsn, profile_id=0, cluster_id=0x0013, data=t.SerializableBytes(payload))


async def _tunnel_requests(bench: Bench) -> int:
    assert bench.emulator is not None
    return sum(1 for event in await bench.emulator.request("events")
               if event["source"] == "ppmid" and event["kind"] in ("tunnel_opened", "tunnel_reopened"))


async def _until_tunnel_requests(bench: Bench, count: int) -> int:
    deadline = asyncio.get_running_loop().time() + WAIT
    while (seen := await _tunnel_requests(bench)) < count and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.05)
    return seen


async def test_the_same_announcement_twice_asks_for_a_new_tunnel_twice_though_zigpy_drops_the_second(
        tmp_path: Path) -> None:
    config = load_config(REPO / "hil_config.yaml")
    async with Bench(config, Recorder(), workdir=tmp_path) as bench:
        device = await bench.join(config.device("ppmid"))
        zdo = _ZdoAnnouncements()
        device.zdo.add_listener(zdo)
        assert bench.coordinator is not None
        app = bench.coordinator.app
        before = await _tunnel_requests(bench)
        announcement = _device_annce(device.nwk, device.ieee, tsn=0x42)

        app.packet_received(announcement)
        assert await _until_tunnel_requests(bench, before + 1) == before + 1
        app.packet_received(announcement)  # a device that restarted again, its ZDO counter started over

        assert await _until_tunnel_requests(bench, before + 2) == before + 2
        assert zdo.count == 1  # zigpy's duplicate filter took the second: the rig did not depend on it
