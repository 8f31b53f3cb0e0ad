"""Every Device_annce a device sends reaches the rig, even one zigpy drops as a duplicate.

A device that restarts announces itself, and a GB device's tunnels are gone with the
restart: the CH must ask for a new one before the device can send its alerts. zigpy hands
a Device_annce to the device's ZDO listeners only after its duplicate filter, which drops
a frame identical to one seen in the last 10 s; a device that restarts twice in that time
with its ZDO sequence number starting over (as a powered-up stack's does) sends exactly
that, and its second restart would go unseen. So the application tells its listeners of
every announcement (``device_announced``, with the EUI-64) as the frame arrives.
"""

from __future__ import annotations

import zigpy.types
import zigpy.zdo.types as zdo_types

_ZDO_ENDPOINT = 0
#: sequence number, NWK address, then the IEEE address (ZDO Device_annce)
_IEEE_AT = 1 + 2


class DeviceAnnouncements:
    """Mixin for a zigpy ``ControllerApplication``: ``device_announced(ieee)`` for every Device_annce."""

    def packet_received(self, packet: zigpy.types.ZigbeePacket) -> None:
        super().packet_received(packet)  # type: ignore[misc]
        if packet.cluster_id != zdo_types.ZDOCmd.Device_annce or packet.dst_ep != _ZDO_ENDPOINT:
            return
        data = packet.data.serialize()
        try:
            ieee, _ = zigpy.types.EUI64.deserialize(data[_IEEE_AT:])
        except ValueError:
            return  # too short to name a device: zigpy has logged it
        self.listener_event("device_announced", ieee)  # type: ignore[attr-defined]
