"""Key Establishment frames straight to the CH, before zigpy knows the device's endpoints.

A device runs CBKE as soon as it has joined, while zigpy is still interviewing it: zigpy
would drop a frame for an endpoint it has not learnt yet. So the application takes every
client-to-server command on the Key Establishment cluster from a device it knows, parses
it with the cluster's declared schemas (``rig.zcl.key_establishment``) and hands it to the
coordinator's cluster requests. Anything it cannot parse goes on to zigpy, which logs it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import zigpy.types
from zigpy.zcl import foundation

from hanrig.rig.coordinator.eui import eui_text
from hanrig.rig.zcl.key_establishment import CLUSTER_ID, KeyEstablishment

_COMMANDS = {command.id: command for command in KeyEstablishment.ServerCommandDefs}


@dataclass(frozen=True)
class Partner:
    """A device in a key establishment: who it is and where its Key Establishment client is."""

    ieee: zigpy.types.EUI64
    nwk: int
    endpoint: int

    @property
    def eui(self) -> str:
        return eui_text(self.ieee)


class KeyEstablishmentLane:
    """Mixin for a zigpy ``ControllerApplication``: Key Establishment requests go to ``key_establishment_request``."""

    def packet_received(self, packet: zigpy.types.ZigbeePacket) -> None:
        if packet.cluster_id == CLUSTER_ID and self._took_key_establishment(packet):
            return
        super().packet_received(packet)  # type: ignore[misc]

    def _took_key_establishment(self, packet: zigpy.types.ZigbeePacket) -> bool:
        requests = getattr(self, "cluster_requests", None)
        if requests is None or packet.src is None or packet.src_ep is None:
            return False
        try:
            device: Any = self.get_device_with_address(packet.src)  # type: ignore[attr-defined]
            header, payload = foundation.ZCLHeader.deserialize(packet.data.serialize())
        except (KeyError, ValueError):
            return False
        control = header.frame_control
        command = _COMMANDS.get(header.command_id)
        if (command is None or control.frame_type != foundation.FrameType.CLUSTER_COMMAND
                or control.direction != foundation.Direction.Client_to_Server):
            return False
        try:
            args, _ = command.schema.deserialize(payload)
        except ValueError:
            return False
        device.last_seen = packet.timestamp
        requests.key_establishment_request(Partner(device.ieee, device.nwk, packet.src_ep), header.tsn,
                                           command.name, args)
        return True
