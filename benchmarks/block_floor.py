"""The floor of an OTA transfer: the least time per block the pty, ASH, EZSP and emulator path allows.

A device downloads an image as it would from the rig, but every Image Block Response was
built before the clock started and goes out from the moment bellows hands the request over:
no OTA session, no ZCL parsing beyond the offset, no zigpy device or cluster, only bellows'
``send_packet`` (which, like every bellows host on stock firmware, asks the NCP for the
device's extended timeout before each unicast). Replies are not awaited before the next
request is taken, so the floor has all the overlap an OTA server could use: one device
asks for one block at a time, and the server cannot answer before it has been asked.

Query Next Image and Upgrade End are answered through zigpy; they are outside the clock.
The Upgrade End Response tells the device to wait for a command, so it does not restart.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import zigpy.device
import zigpy.types as t
from zigpy.application import ControllerApplication

from hanrig.rig.coordinator.coordinator import CH_ENDPOINT, SMART_ENERGY_PROFILE
from hanrig.rig.ota.server import ZigpyOtaLink
from hanrig.rig.ota.session import UPGRADE_ON_COMMAND, Status
from hanrig.rig.zcl.ota_blocks import OTA_CLUSTER, block_response, parse_block_request

_QUERY_NEXT_IMAGE = 0x01
_UPGRADE_END = 0x06


class BlockFloor:
    """Serves ``file`` to one device, blocks of ``block_size``, timing the first block to the last."""

    def __init__(self, app: ControllerApplication, device: zigpy.device.Device, ota_cluster: Any, file: bytes,
                 ids: dict[str, int], block_size: int) -> None:
        self._app = app
        self._device = device
        self._link = ZigpyOtaLink(ota_cluster)
        self._ids = ids
        self._file = file
        self._device_endpoint = ota_cluster.endpoint.endpoint_id
        self._frames = {offset: block_response(tsn=0, file_offset=offset, image_data=file[offset:offset + block_size],
                                               **ids)
                        for offset in range(0, len(file), block_size)}
        self._block_size = block_size
        self._done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._tasks: set[asyncio.Task[None]] = set()
        self.first = self.last = 0.0
        self.blocks = 0

    async def run(self, timeout: float) -> float:
        """Seconds from the first block served to the last."""
        original = self._app.packet_received
        self._app.packet_received = self._received  # type: ignore[method-assign]
        try:
            await self._link.send("image_notify", payload_type=0, query_jitter=100)
            await asyncio.wait_for(self._done, timeout)
        finally:
            self._app.packet_received = original  # type: ignore[method-assign]
        return self.last - self.first

    def _received(self, packet: t.ZigbeePacket) -> None:
        if packet.cluster_id != OTA_CLUSTER or packet.src is None or packet.src.address != self._device.nwk:
            type(self._app).packet_received(self._app, packet)
            return
        data = packet.data.serialize()
        request = parse_block_request(data)
        if request is not None:
            self._serve(request.tsn, request.file_offset, request.maximum_data_size)
        elif data[2] == _QUERY_NEXT_IMAGE:
            self._spawn(self._link.send("query_next_image_response", tsn=data[1], status=Status.SUCCESS,
                                        image_size=len(self._file), **self._ids))
        elif data[2] == _UPGRADE_END:
            self._spawn(self._link.send("upgrade_end_response", tsn=data[1], current_time=0,
                                        upgrade_time=UPGRADE_ON_COMMAND, **self._ids))
            if not self._done.done():
                self._done.set_result(None)

    def _serve(self, tsn: int, offset: int, requested: int) -> None:
        frame = self._frames.get(offset) if requested >= self._block_size else None
        if frame is None:
            raise AssertionError(f"the device asked for {requested} octets at {offset}, off the floor's blocks")
        now = time.monotonic()
        self.first = self.first or now
        self.last = now
        self.blocks += 1
        packet = t.ZigbeePacket(
            src=t.AddrModeAddress(addr_mode=t.AddrMode.NWK, address=self._app.state.node_info.nwk),
            src_ep=t.uint8_t(CH_ENDPOINT), dst=t.AddrModeAddress(addr_mode=t.AddrMode.NWK, address=self._device.nwk),
            dst_ep=t.uint8_t(self._device_endpoint), tsn=t.uint8_t(tsn), profile_id=t.uint16_t(SMART_ENERGY_PROFILE),
            cluster_id=t.uint16_t(OTA_CLUSTER), data=t.SerializableBytes(frame[:1] + bytes((tsn,)) + frame[2:]),
            tx_options=t.TransmitOptions.ACK, radius=t.uint8_t(0))
        self._spawn(self._app.send_packet(packet))

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
