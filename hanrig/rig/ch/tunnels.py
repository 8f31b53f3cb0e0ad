"""Tunnels from the CH to its devices: how GBCS messages cross the HAN (ZSE Tunneling, GB-HGRP).

The CH is the Tunneling client: it asks each device's Tunneling server for a tunnel
(protocol 6, manufacturer 0xFFFF, no flow control, 1500 octets), sends GBCS messages
as TransferData, and receives the device's alerts and responses the same way. A
closed tunnel is reopened on the next send. The transfer data is the GBCS message
itself, with no GB-HGRP header: the GET/PUT header belongs to sleepy GSMEs (inferred
from Silicon Labs' comms-hub-function and Wireshark's GBCS dissector; GBCS §10.2.2 was
not available).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import zigpy.exceptions
import zigpy.types
from zigpy.zcl import foundation

from hanrig.rig.errors import InfrastructureError
from hanrig.rig.zcl.tunneling import (
    GB_HGRP_PROTOCOL_ID,
    GBCS_MANUFACTURER_CODE,
    GBCS_MAX_INCOMING_TRANSFER_SIZE,
    TransferDataStatus,
    Tunneling,
    TunnelStatus,
)

LOG = logging.getLogger(__name__)

#: How long a device has to answer RequestTunnel.
REQUEST_TUNNEL_TIMEOUT = 10.0

#: Called with the device's EUI-64 and the GBCS message it sent.
OnMessage = Callable[[zigpy.types.EUI64, bytes], None]

_FROM_SERVER = Tunneling.ClientCommandDefs
_TO_SERVER = Tunneling.ServerCommandDefs


class TunnelManager:
    """One tunnel per device; messages from devices go to ``on_message``.

    A device that restarts loses its tunnels and holds its alerts until the CH asks for
    a tunnel again, so the CH asks again as soon as the device announces itself.
    """

    def __init__(self, on_message: OnMessage) -> None:
        self._on_message = on_message
        self._tunnels: dict[zigpy.types.EUI64, int] = {}
        #: each device's Tunneling server cluster, once the CH has had a tunnel to it
        self._servers: dict[zigpy.types.EUI64, Any] = {}
        #: the last message sent to each device, sent again if the device had lost the tunnel
        self._last_sent: dict[zigpy.types.EUI64, bytes] = {}

    def is_open(self, ieee: zigpy.types.EUI64) -> bool:
        return ieee in self._tunnels

    async def open(self, cluster: Any) -> int:
        """Ask the device's Tunneling server for a GB-HGRP tunnel; returns its id."""
        ieee = cluster.endpoint.device.ieee
        try:
            response = await cluster.request_tunnel(
                protocol_id=GB_HGRP_PROTOCOL_ID,
                manufacturer_code=GBCS_MANUFACTURER_CODE,
                flow_control_support=False,
                maximum_incoming_transfer_size=GBCS_MAX_INCOMING_TRANSFER_SIZE,
                timeout=REQUEST_TUNNEL_TIMEOUT,
            )
        except (TimeoutError, zigpy.exceptions.ZigbeeException) as exc:
            raise InfrastructureError(f"device {ieee} did not answer RequestTunnel: {exc or 'timed out'}") from None
        if response.tunnel_status != TunnelStatus.Success:
            raise InfrastructureError(f"device {ieee} refused a GB-HGRP tunnel: {response.tunnel_status.name}")
        self._tunnels[ieee] = response.tunnel_id
        LOG.info("tunnel %d open to %s", response.tunnel_id, ieee)
        self._servers[ieee] = cluster
        return response.tunnel_id

    def announced(self, ieee: zigpy.types.EUI64) -> None:
        """The device announced itself: it restarted, and its tunnel is gone; ask for a new one (in the background)."""
        cluster = self._servers.get(ieee)
        if cluster is None:
            return  # the CH never had a tunnel to it: the next send opens one
        LOG.info("%s announced itself: asking for a new tunnel", ieee)
        self._tunnels.pop(ieee, None)
        cluster.create_catching_task(self.open(cluster))

    async def _resend(self, cluster: Any, message: bytes) -> None:
        """The device had lost its tunnel (it restarted unseen): open a new one and send the message again."""
        self._tunnels.pop(cluster.endpoint.device.ieee, None)
        await self.send(cluster, message)

    async def send(self, cluster: Any, message: bytes) -> None:
        """Send one GBCS message to the device, opening the tunnel first if need be."""
        ieee = cluster.endpoint.device.ieee
        tunnel_id = self._tunnels.get(ieee)
        if tunnel_id is None:
            tunnel_id = await self.open(cluster)
        self._last_sent[ieee] = message
        try:
            # By id: zigpy looks command names up among the client commands first, and
            # TransferData is a command of both sides, with different ids.
            await cluster.command(_TO_SERVER.transfer_data.id, tunnel_id=tunnel_id, data=message,
                                  expect_reply=False)
        except zigpy.exceptions.ZigbeeException as exc:
            raise InfrastructureError(f"GBCS message to {ieee} not delivered: {exc}") from None

    def tunneling_request(self, cluster: Any, hdr: foundation.ZCLHeader, args: Any) -> bool:
        """A command from a device's Tunneling server; True once the rig has taken it."""
        if hdr.direction != foundation.Direction.Server_to_Client:
            return False
        ieee = cluster.endpoint.device.ieee
        if hdr.command_id == _FROM_SERVER.transfer_data.id:
            if self._tunnels.get(ieee) != args.tunnel_id:
                LOG.warning("data from %s on unknown tunnel %d", ieee, args.tunnel_id)
                cluster.create_catching_task(cluster.command(
                    _TO_SERVER.transfer_data_error.id, tunnel_id=args.tunnel_id,
                    status=TransferDataStatus.No_Such_Tunnel, expect_reply=False))
                return True
            self._on_message(ieee, bytes(args.data))
            return True
        if hdr.command_id == _FROM_SERVER.tunnel_closure_notification.id:
            LOG.info("device %s closed tunnel %d", ieee, args.tunnel_id)
            self._tunnels.pop(ieee, None)
            return True
        if hdr.command_id == _FROM_SERVER.transfer_data_error.id:
            LOG.warning("device %s reports a transfer error on tunnel %d: %s", ieee, args.tunnel_id,
                        args.status.name)
            lost = self._last_sent.pop(ieee, None)
            if args.status == TransferDataStatus.No_Such_Tunnel and lost is not None:
                cluster.create_catching_task(self._resend(cluster, lost))
            return True
        return False
