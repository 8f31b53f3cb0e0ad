"""The Smart Energy Tunneling server (cluster 0x0704) on a GB device: GB-HGRP tunnels to the CH.

GBCS §10.2.2 (as Silicon Labs' ``comms-hub-function`` and ``tunneling-server`` plugins quote
and implement it): the CH, as client, asks for a tunnel with protocol 6 (GB-HGRP),
manufacturer code 0xFFFF, no flow control and a maximum incoming transfer size of 1500
octets; the device answers with a tunnel id, or refuses another protocol with
PROTOCOL_NOT_SUPPORTED and flow control with FLOW_CONTROL_NOT_SUPPORTED. A second request
from the same client and endpoint gets the tunnel it already has. TransferData for an
unknown tunnel, from another node, or longer than 1500 octets is answered with
TransferDataError (NO_SUCH_TUNNEL, WRONG_DEVICE, DATA_OVERFLOW); good data is acknowledged
with a Default Response and handed to the device. A tunnel idle for CloseTunnelTimeout
seconds is closed.

A GBCS message from the CH may start with the GBCS tunnel header PUT (0x03), which is
dropped; GET (0x01) and GET-RESPONSE (0x02) belong to the sleepy GSME's polling and are
not served. Which messages carry the header is inferred (reference notes §4) [INF]; a
bare message starts with its own tag (0xDD or 0xDF), so both forms are told apart.

The device sends its GBCS messages server-to-client (TransferData 0x01) as they are; a
message too long for one frame goes in APS fragments. Messages sent while no tunnel is
open, or whose delivery fails, wait in the outbox and go once one is open.
"""

from __future__ import annotations

import enum
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from construct import Array, Flag, GreedyBytes, Int8ul, Int16ul, Struct, this

from hanrig.devices.gb.profile import Address, ClusterId
from hanrig.devices.han.zcl.cluster import AttributeDef, Cluster, ClusterDef, CommandDef, Role, ZclReply, ZclRequest
from hanrig.devices.han.zcl.foundation import Status
from hanrig.devices.han.zcl.types import DataType
from hanrig.devices.scheduling import Timer

GB_HGRP_PROTOCOL_ID = 6
#: "manufacturer code not used": the protocol id is a standard one
STANDARD_PROTOCOLS = 0xFFFF
MAXIMUM_INCOMING_TRANSFER_SIZE = 1500
#: ZSE's default CloseTunnelTimeout: 0xFFFF s (about 18 hours)
CLOSE_TUNNEL_TIMEOUT = 0xFFFF
#: tunnels open at once (a GB device tunnels with its CH; one more covers a CH that moved endpoint)
TUNNEL_LIMIT = 2
#: a tunnel id that names no tunnel, in a refused RequestTunnelResponse
NO_TUNNEL = 0xFFFF
#: after a failed delivery, try the outbox again this much later
RETRY_DELAY = 30.0


class TunnelStatus(enum.IntEnum):
    SUCCESS = 0x00
    BUSY = 0x01
    NO_MORE_TUNNEL_IDS = 0x02
    PROTOCOL_NOT_SUPPORTED = 0x03
    FLOW_CONTROL_NOT_SUPPORTED = 0x04


class TunnelHeader(enum.IntEnum):
    """The first octet of a GBCS tunnel payload that carries one [INF]."""

    GET = 0x01
    GET_RESPONSE = 0x02
    PUT = 0x03


class TransferDataStatus(enum.IntEnum):
    NO_SUCH_TUNNEL = 0x00
    WRONG_DEVICE = 0x01
    DATA_OVERFLOW = 0x02


_TUNNEL_ID = "tunnel_id" / Int16ul

TUNNELING = ClusterDef(
    cluster_id=ClusterId.TUNNELING,
    name="tunneling",
    attributes=(AttributeDef(0x0000, "close_tunnel_timeout", DataType.UINT16),),
    server_commands=(
        CommandDef(0x00, "request_tunnel", Struct(
            "protocol_id" / Int8ul,
            "manufacturer_code" / Int16ul,
            "flow_control_support" / Flag,
            "maximum_incoming_transfer_size" / Int16ul,
        )),
        CommandDef(0x01, "close_tunnel", Struct(_TUNNEL_ID)),
        CommandDef(0x02, "transfer_data", Struct(_TUNNEL_ID, "data" / GreedyBytes)),
        CommandDef(0x03, "transfer_data_error", Struct(_TUNNEL_ID, "status" / Int8ul)),
        CommandDef(0x04, "ack_transfer_data", Struct(_TUNNEL_ID, "number_of_bytes_left" / Int16ul)),
        CommandDef(0x05, "ready_data", Struct(_TUNNEL_ID, "number_of_octets_left" / Int16ul)),
        CommandDef(0x06, "get_supported_tunnel_protocols", Struct("protocol_offset" / Int8ul)),
    ),
    client_commands=(
        CommandDef(0x00, "request_tunnel_response", Struct(
            _TUNNEL_ID,
            "tunnel_status" / Int8ul,
            "maximum_incoming_transfer_size" / Int16ul,
        )),
        CommandDef(0x01, "transfer_data", Struct(_TUNNEL_ID, "data" / GreedyBytes)),
        CommandDef(0x02, "transfer_data_error", Struct(_TUNNEL_ID, "status" / Int8ul)),
        CommandDef(0x05, "supported_tunnel_protocols_response", Struct(
            "protocol_list_complete" / Flag,
            "protocol_count" / Int8ul,
            "protocols" / Array(this.protocol_count, Struct(
                "manufacturer_code" / Int16ul, "protocol_id" / Int8ul)),
        )),
        CommandDef(0x06, "tunnel_closure_notification", Struct(_TUNNEL_ID)),
    ),
)


@dataclass
class Tunnel:
    tunnel_id: int
    client: Address
    #: the most the client takes in one TransferData
    client_limit: int
    idle_timer: Timer | None = None


@dataclass(frozen=True)
class Outgoing:
    """A GBCS message waiting for a tunnel, and what to call it in the event log."""

    data: bytes
    what: str


class TunnelHost(Protocol):
    """What the tunnel server needs from the device it runs on."""

    def call_later(self, delay: float, callback: Callable[..., Any], *args: Any) -> Timer: ...

    def record(self, kind: str, **details: Any) -> None: ...

    def send_command(self, cluster: Cluster, command: str, fields: Mapping[str, Any], to: Address,
                     on_done: Callable[[bool], None] | None = None) -> None: ...

    def can_send(self) -> bool:
        """Whether the device is awake and on the network."""

    def received(self, data: bytes) -> None:
        """A GBCS message arrived through a tunnel."""


class TunnelServer:
    def __init__(self, host: TunnelHost) -> None:
        self._host = host
        self.cluster = Cluster(
            TUNNELING,
            Role.SERVER,
            values={"close_tunnel_timeout": CLOSE_TUNNEL_TIMEOUT},
            handlers={
                "request_tunnel": self._on_request_tunnel,
                "close_tunnel": self._on_close_tunnel,
                "transfer_data": self._on_transfer_data,
                "transfer_data_error": self._on_transfer_data_error,
                "get_supported_tunnel_protocols": self._on_get_supported_protocols,
            },
        )
        self.tunnels: dict[int, Tunnel] = {}
        self.outbox: deque[Outgoing] = deque()
        self._sending = False
        self._retry: Timer | None = None

    # ---------------------------------------------------------------- the device's side

    @property
    def sending(self) -> bool:
        """A message is on its way (a sleepy device stays awake for it)."""
        return self._sending

    def send(self, data: bytes, what: str) -> None:
        """Send a GBCS message to the CH now, or as soon as a tunnel is open."""
        self.outbox.append(Outgoing(data, what))
        self.flush()

    def flush(self) -> None:
        """Send what waits in the outbox, one message at a time, while a tunnel is open."""
        if self._sending or not self.outbox or not self._host.can_send():
            return
        tunnel = self._current()
        if tunnel is None:
            return
        message = self.outbox.popleft()
        self._sending = True
        self._touch(tunnel)
        self._host.send_command(
            self.cluster, "transfer_data", {"tunnel_id": tunnel.tunnel_id, "data": message.data}, tunnel.client,
            on_done=lambda delivered: self._sent(message, tunnel, delivered),
        )

    def _sent(self, message: Outgoing, tunnel: Tunnel, delivered: bool) -> None:
        self._sending = False
        self._host.record("gbcs_sent" if delivered else "gbcs_send_failed", what=message.what,
                          tunnel_id=tunnel.tunnel_id, length=len(message.data))
        if delivered:
            self.flush()
            return
        self.outbox.appendleft(message)
        if self._retry is None:
            self._retry = self._host.call_later(RETRY_DELAY, self._retry_now)

    def _retry_now(self) -> None:
        self._retry = None
        self.flush()

    def close_all(self, reason: str) -> None:
        """Forget every tunnel (the device restarted); the outbox is kept."""
        for tunnel in list(self.tunnels.values()):
            self._close(tunnel, reason)
        self._sending = False
        if self._retry is not None:
            self._retry.cancel()
            self._retry = None

    def _current(self) -> Tunnel | None:
        """The tunnel messages go through: the one opened last."""
        return next(reversed(self.tunnels.values()), None)

    # ---------------------------------------------------------------- the CH's requests

    def _on_request_tunnel(self, request: ZclRequest) -> ZclReply:
        fields = request.fields
        client = Address(request.source, request.source_endpoint)
        if (fields.protocol_id, fields.manufacturer_code) != (GB_HGRP_PROTOCOL_ID, STANDARD_PROTOCOLS):
            return self._refuse(TunnelStatus.PROTOCOL_NOT_SUPPORTED, fields)
        if fields.flow_control_support:
            return self._refuse(TunnelStatus.FLOW_CONTROL_NOT_SUPPORTED, fields)
        tunnel = next((t for t in self.tunnels.values() if t.client == client), None)
        if tunnel is None:
            free = next((i for i in range(TUNNEL_LIMIT) if i not in self.tunnels), None)
            if free is None:
                return self._refuse(TunnelStatus.NO_MORE_TUNNEL_IDS, fields)
            tunnel = Tunnel(free, client, fields.maximum_incoming_transfer_size)
            self.tunnels[free] = tunnel
            self._host.record("tunnel_opened", tunnel_id=free, client=f"0x{client.node_id:04X}",
                              endpoint=client.endpoint)
        else:
            tunnel.client_limit = fields.maximum_incoming_transfer_size
            self._host.record("tunnel_reopened", tunnel_id=tunnel.tunnel_id)
        self._touch(tunnel)
        # The response goes first; what waited for a tunnel follows it.
        self._host.call_later(0, self.flush)
        return ZclReply("request_tunnel_response", {
            "tunnel_id": tunnel.tunnel_id, "tunnel_status": TunnelStatus.SUCCESS,
            "maximum_incoming_transfer_size": MAXIMUM_INCOMING_TRANSFER_SIZE})

    def _refuse(self, status: TunnelStatus, fields: Any) -> ZclReply:
        self._host.record("tunnel_refused", status=status.name, protocol_id=fields.protocol_id,
                          manufacturer_code=fields.manufacturer_code)
        return ZclReply("request_tunnel_response", {
            "tunnel_id": NO_TUNNEL, "tunnel_status": status,
            "maximum_incoming_transfer_size": MAXIMUM_INCOMING_TRANSFER_SIZE})

    def _on_close_tunnel(self, request: ZclRequest) -> Status:
        tunnel = self.tunnels.get(request.fields.tunnel_id)
        if tunnel is None:
            return Status.NOT_FOUND
        if tunnel.client != Address(request.source, request.source_endpoint):
            return Status.NOT_AUTHORIZED
        self._close(tunnel, "closed by the client")
        return Status.SUCCESS

    def _on_transfer_data(self, request: ZclRequest) -> ZclReply | Status:
        tunnel_id, data = request.fields.tunnel_id, bytes(request.fields.data)
        tunnel = self.tunnels.get(tunnel_id)
        error = None
        if tunnel is None:
            error = TransferDataStatus.NO_SUCH_TUNNEL
        elif tunnel.client != Address(request.source, request.source_endpoint):
            error = TransferDataStatus.WRONG_DEVICE
        elif len(data) > MAXIMUM_INCOMING_TRANSFER_SIZE:
            error = TransferDataStatus.DATA_OVERFLOW
        if error is not None:
            self._host.record("tunnel_data_refused", tunnel_id=tunnel_id, status=error.name, length=len(data))
            return ZclReply("transfer_data_error", {"tunnel_id": tunnel_id, "status": error})
        assert tunnel is not None
        self._touch(tunnel)
        if data[:1] in (bytes([TunnelHeader.GET]), bytes([TunnelHeader.GET_RESPONSE])):
            self._host.record("tunnel_header_ignored", tunnel_id=tunnel_id, header=TunnelHeader(data[0]).name)
            return Status.SUCCESS
        if data[:1] == bytes([TunnelHeader.PUT]):
            data = data[1:]
        self._host.record("gbcs_received", tunnel_id=tunnel_id, length=len(data))
        self._host.received(data)
        return Status.SUCCESS

    def _on_transfer_data_error(self, request: ZclRequest) -> Status:
        self._host.record("tunnel_data_error", tunnel_id=request.fields.tunnel_id,
                          status=_name(TransferDataStatus, request.fields.status))
        return Status.SUCCESS

    def _on_get_supported_protocols(self, request: ZclRequest) -> ZclReply:
        protocols = [{"manufacturer_code": STANDARD_PROTOCOLS, "protocol_id": GB_HGRP_PROTOCOL_ID}]
        listed = protocols[request.fields.protocol_offset:]
        return ZclReply("supported_tunnel_protocols_response", {
            "protocol_list_complete": True, "protocol_count": len(listed), "protocols": listed})

    # ---------------------------------------------------------------- idle tunnels

    def _touch(self, tunnel: Tunnel) -> None:
        if tunnel.idle_timer is not None:
            tunnel.idle_timer.cancel()
        timeout = self.cluster["close_tunnel_timeout"]
        tunnel.idle_timer = self._host.call_later(timeout, self._idle, tunnel)

    def _idle(self, tunnel: Tunnel) -> None:
        tunnel.idle_timer = None
        if self.tunnels.get(tunnel.tunnel_id) is tunnel:
            self._close(tunnel, "idle")

    def _close(self, tunnel: Tunnel, reason: str) -> None:
        if tunnel.idle_timer is not None:
            tunnel.idle_timer.cancel()
        del self.tunnels[tunnel.tunnel_id]
        self._host.record("tunnel_closed", tunnel_id=tunnel.tunnel_id, reason=reason)

    def status(self) -> dict[str, Any]:
        return {
            "tunnels": [{"tunnel_id": t.tunnel_id, "client": f"0x{t.client.node_id:04X}",
                         "endpoint": t.client.endpoint} for t in self.tunnels.values()],
            "outbox": [message.what for message in self.outbox],
        }


def _name(kind: type[enum.IntEnum], value: int) -> str:
    try:
        return kind(value).name
    except ValueError:
        return f"0x{value:02X}"
