"""The rig's Tunneling cluster replaces zigpy's stub and encodes GB-HGRP frames as ZSE defines them."""

from __future__ import annotations

import zigpy.zcl

from hanrig.rig.zcl import tunneling


def test_tunneling_replaces_zigpys_stub_in_the_cluster_registry() -> None:
    assert zigpy.zcl.Cluster._registry[0x0704] is tunneling.Tunneling


def test_request_tunnel_for_gbcs_encodes_protocol_6_manufacturer_ffff_no_flow_control_1500() -> None:
    schema = tunneling.Tunneling.ServerCommandDefs.request_tunnel.schema
    command = schema(protocol_id=tunneling.GB_HGRP_PROTOCOL_ID,
                     manufacturer_code=tunneling.GBCS_MANUFACTURER_CODE,
                     flow_control_support=False,
                     maximum_incoming_transfer_size=tunneling.GBCS_MAX_INCOMING_TRANSFER_SIZE)

    assert command.serialize() == bytes.fromhex("06ffff00dc05")


def test_transfer_data_carries_the_rest_of_the_frame_unprefixed() -> None:
    gbcs_message = bytes.fromhex("df0903000000000000138808")
    schema = tunneling.Tunneling.ClientCommandDefs.transfer_data.schema

    encoded = schema(tunnel_id=0x0102, data=gbcs_message).serialize()
    decoded, rest = schema.deserialize(encoded)

    assert encoded == bytes.fromhex("0201") + gbcs_message
    assert (decoded.tunnel_id, decoded.data, rest) == (0x0102, gbcs_message, b"")


def test_request_tunnel_response_statuses_decode_by_name() -> None:
    schema = tunneling.Tunneling.ClientCommandDefs.request_tunnel_response.schema
    decoded, _ = schema.deserialize(bytes.fromhex("0500" "03" "dc05"))

    assert decoded.tunnel_status is tunneling.TunnelStatus.Protocol_Not_Supported
    assert decoded.maximum_incoming_transfer_size == 1500

