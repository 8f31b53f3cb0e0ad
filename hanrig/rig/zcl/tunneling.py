"""The Smart Energy Tunneling cluster (0x0704), declared in zigpy's cluster style.

zigpy 2.4.0 ships Tunneling as an empty stub. GBCS carries every remote-party
message between the Communications Hub and a HAN device through it (protocol 6,
"GB-HGRP"). Defining a cluster with the same id replaces zigpy's stub in its
global registry, which is how zigpy itself expects clusters to be extended. The
commands a device sends are handed to the application's ``cluster_requests``.
"""

from __future__ import annotations

from typing import Any, Final

import zigpy.types as t
from zigpy.zcl import Cluster, foundation
from zigpy.zcl.foundation import BaseAttributeDefs, BaseCommandDefs, ZCLAttributeDef, ZCLCommandDef

#: GBCS §10.2.2 (as quoted by Silicon Labs' comms-hub-function plugin): every tunnel
#: for remote-party messages uses protocol 6, manufacturer code 0xFFFF ("not used"),
#: no flow control, and a maximum incoming transfer size of 1500 octets.
GB_HGRP_PROTOCOL_ID: Final = 6
GBCS_MANUFACTURER_CODE: Final = 0xFFFF
GBCS_MAX_INCOMING_TRANSFER_SIZE: Final = 1500


class TunnelStatus(t.enum8):
    Success = 0x00
    Busy = 0x01
    No_More_Tunnel_IDs = 0x02
    Protocol_Not_Supported = 0x03
    Flow_Control_Not_Supported = 0x04


class TransferDataStatus(t.enum8):
    No_Such_Tunnel = 0x00
    Wrong_Device = 0x01
    Data_Overflow = 0x02


class Protocol(t.Struct):
    manufacturer_code: t.uint16_t
    protocol_id: t.uint8_t


class Tunneling(Cluster):
    TunnelStatus: Final = TunnelStatus
    TransferDataStatus: Final = TransferDataStatus

    cluster_id: Final[t.uint16_t] = 0x0704
    ep_attribute: Final = "smartenergy_tunneling"

    class AttributeDefs(BaseAttributeDefs):
        close_tunnel_timeout: Final = ZCLAttributeDef(id=0x0000, type=t.uint16_t, access="r", mandatory=True)

    class ServerCommandDefs(BaseCommandDefs):
        request_tunnel: Final = ZCLCommandDef(
            id=0x00,
            schema={
                "protocol_id": t.uint8_t,
                "manufacturer_code": t.uint16_t,
                "flow_control_support": t.Bool,
                "maximum_incoming_transfer_size": t.uint16_t,
            },
        )
        close_tunnel: Final = ZCLCommandDef(id=0x01, schema={"tunnel_id": t.uint16_t})
        transfer_data: Final = ZCLCommandDef(id=0x02, schema={"tunnel_id": t.uint16_t, "data": t.Bytes})
        transfer_data_error: Final = ZCLCommandDef(
            id=0x03, schema={"tunnel_id": t.uint16_t, "status": TransferDataStatus})
        ack_transfer_data: Final = ZCLCommandDef(
            id=0x04, schema={"tunnel_id": t.uint16_t, "number_of_bytes_left": t.uint16_t})
        ready_data: Final = ZCLCommandDef(
            id=0x05, schema={"tunnel_id": t.uint16_t, "number_of_octets_left": t.uint16_t})
        get_supported_tunnel_protocols: Final = ZCLCommandDef(id=0x06, schema={"protocol_offset": t.uint8_t})

    class ClientCommandDefs(BaseCommandDefs):
        request_tunnel_response: Final = ZCLCommandDef(
            id=0x00,
            schema={
                "tunnel_id": t.uint16_t,
                "tunnel_status": TunnelStatus,
                "maximum_incoming_transfer_size": t.uint16_t,
            },
        )
        transfer_data: Final = ZCLCommandDef(id=0x01, schema={"tunnel_id": t.uint16_t, "data": t.Bytes})
        transfer_data_error: Final = ZCLCommandDef(
            id=0x02, schema={"tunnel_id": t.uint16_t, "status": TransferDataStatus})
        ack_transfer_data: Final = ZCLCommandDef(
            id=0x03, schema={"tunnel_id": t.uint16_t, "number_of_bytes_left": t.uint16_t})
        ready_data: Final = ZCLCommandDef(
            id=0x04, schema={"tunnel_id": t.uint16_t, "number_of_octets_left": t.uint16_t})
        supported_tunnel_protocols_response: Final = ZCLCommandDef(
            id=0x05,
            schema={
                "protocol_list_complete": t.Bool,
                "protocol_count": t.uint8_t,
                "protocol_list": t.List[Protocol],
            },
        )
        tunnel_closure_notification: Final = ZCLCommandDef(id=0x06, schema={"tunnel_id": t.uint16_t})

    def handle_cluster_request(self, hdr: foundation.ZCLHeader, args: list[Any], *,
                               dst_addressing: t.AddrMode | None = None) -> None:
        requests = getattr(self.endpoint.device.application, "cluster_requests", None)
        if requests is None or not requests.tunneling_request(self, hdr, args):
            super().handle_cluster_request(hdr, args, dst_addressing=dst_addressing)
