"""Image Block Requests straight to the rig's OTA session, past zigpy's generic ZCL parsing.

A request from a device the rig is updating is parsed with the fixed layout in
``rig.zcl.ota_blocks`` and handed to the coordinator's cluster requests as it arrives;
every other frame, and every request the rig does not take (no transfer under way,
zigpy's own OTA manager at work, a malformed frame), goes on through zigpy as before.
What zigpy would have noted of the device on the way (when it was last heard, how well)
is noted here too.
"""

from __future__ import annotations

from typing import Any

import zigpy.types

from hanrig.rig.zcl.ota_blocks import OTA_CLUSTER, is_block_request, parse_block_request


class OtaBlockLane:
    """Mixin for a zigpy ``ControllerApplication``: block requests of a transfer under way skip zigpy's ZCL layer."""

    def packet_received(self, packet: zigpy.types.ZigbeePacket) -> None:
        if packet.cluster_id == OTA_CLUSTER and self._took_block_request(packet):
            return
        super().packet_received(packet)  # type: ignore[misc]

    def _took_block_request(self, packet: zigpy.types.ZigbeePacket) -> bool:
        requests = getattr(self, "cluster_requests", None)
        data = packet.data.serialize()
        if requests is None or not is_block_request(data):
            return False
        try:
            device: Any = self.get_device_with_address(packet.src)  # type: ignore[attr-defined]
        except (KeyError, ValueError):
            return False
        if device.ota_in_progress:  # zigpy's own OTA manager is updating it
            return False
        request = parse_block_request(data)
        if request is None or not requests.ota_block_request(device.ieee, request):
            return False
        device.last_seen = packet.timestamp
        if packet.lqi is not None:
            device.lqi = packet.lqi
        if packet.rssi is not None:
            device.rssi = packet.rssi
        return True
