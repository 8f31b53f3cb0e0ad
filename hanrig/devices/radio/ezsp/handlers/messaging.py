"""Messaging frames: sending, replies, and the address and multicast tables."""

from __future__ import annotations

from typing import Any

from construct import Container

from hanrig.devices.han import airtime
from hanrig.devices.ieee import Eui64
from hanrig.devices.radio.ezsp.handlers.registry import Support, handles
from hanrig.devices.radio.ezsp.types import ConfigId, EmberStatus, OutgoingMessageType
from hanrig.devices.radio.ncp import AddressEntry, Ncp

#: what an address table slot reads when it is empty
UNUSED_NODE_ID = 0xFFFF
UNUSED_EUI64 = Eui64(0)


@handles("maximumPayloadLength")
def maximum_payload_length(ncp: Ncp, p: Container) -> dict[str, Any]:
    return {"aps_length": airtime.max_aps_payload()}


@handles("sendUnicast")
def send_unicast(ncp: Ncp, p: Container) -> dict[str, Any]:
    destination = p.index_or_destination
    if p.type == OutgoingMessageType.VIA_ADDRESS_TABLE:
        entry = ncp.address_table.get(destination)
        if entry is None:
            return {"status": EmberStatus.INVALID_CALL, "sequence": 0}
        destination = entry.node_id
    elif p.type != OutgoingMessageType.DIRECT:
        return {"status": EmberStatus.INVALID_CALL, "sequence": 0}
    status, sequence = ncp.send_unicast(p.type, destination, p.aps_frame, p.message_tag, p.message_contents)
    return {"status": status, "sequence": sequence}


@handles("sendBroadcast")
def send_broadcast(ncp: Ncp, p: Container) -> dict[str, Any]:
    if p.destination < 0xFFF8:
        return {"status": EmberStatus.BAD_ARGUMENT, "sequence": 0}
    status, sequence = ncp.send_broadcast(p.destination, p.aps_frame, p.message_tag, p.message_contents)
    return {"status": status, "sequence": sequence}


@handles("sendMulticast")
def send_multicast(ncp: Ncp, p: Container) -> dict[str, Any]:
    status, sequence = ncp.send_broadcast(
        p.aps_frame.group_id, p.aps_frame, p.message_tag, p.message_contents, multicast=True
    )
    return {"status": status, "sequence": sequence}


@handles("sendReply")
def send_reply(ncp: Ncp, p: Container) -> dict[str, Any]:
    return {"status": ncp.send_reply(p.sender, p.aps_frame, p.message_contents)}


@handles("lookupNodeIdByEui64")
def lookup_node_id_by_eui64(ncp: Ncp, p: Container) -> dict[str, Any]:
    node_id = ncp.lookup_node_id(p.eui64)
    return {"node_id": UNUSED_NODE_ID if node_id is None else node_id}


@handles("lookupEui64ByNodeId")
def lookup_eui64_by_node_id(ncp: Ncp, p: Container) -> dict[str, Any]:
    eui64 = ncp.lookup_eui64(p.node_id)
    if eui64 is None:
        return {"status": EmberStatus.ERR_FATAL, "eui64": UNUSED_EUI64}
    return {"status": EmberStatus.SUCCESS, "eui64": eui64}


def _in_table(ncp: Ncp, size: ConfigId, index: int) -> bool:
    return 0 <= index < ncp.config[size]


@handles("getAddressTableRemoteEui64")
def get_address_table_remote_eui64(ncp: Ncp, p: Container) -> dict[str, Any]:
    entry = ncp.address_table.get(p.address_table_index)
    return {"eui64": entry.eui64 if entry else UNUSED_EUI64}


@handles("getAddressTableRemoteNodeId")
def get_address_table_remote_node_id(ncp: Ncp, p: Container) -> dict[str, Any]:
    entry = ncp.address_table.get(p.address_table_index)
    return {"node_id": entry.node_id if entry else UNUSED_NODE_ID}


@handles("replaceAddressTableEntry")
def replace_address_table_entry(ncp: Ncp, p: Container) -> dict[str, Any]:
    index = p.address_table_index
    if not _in_table(ncp, ConfigId.ADDRESS_TABLE_SIZE, index):
        return {
            "status": EmberStatus.INDEX_OUT_OF_RANGE,
            "old_eui64": UNUSED_EUI64,
            "old_id": UNUSED_NODE_ID,
            "old_extended_timeout": False,
        }
    old = ncp.address_table.get(index)
    ncp.address_table[index] = AddressEntry(p.new_eui64, p.new_id, p.new_extended_timeout)
    if p.new_extended_timeout:
        ncp.extended_timeouts.add(p.new_eui64)
    return {
        "status": EmberStatus.SUCCESS,
        "old_eui64": old.eui64 if old else UNUSED_EUI64,
        "old_id": old.node_id if old else UNUSED_NODE_ID,
        "old_extended_timeout": old.extended_timeout if old else False,
    }


@handles("setExtendedTimeout")
def set_extended_timeout(ncp: Ncp, p: Container) -> dict[str, Any]:
    if p.extended_timeout:
        ncp.extended_timeouts.add(p.remote_eui64)
    else:
        ncp.extended_timeouts.discard(p.remote_eui64)
    return {}


@handles("getExtendedTimeout")
def get_extended_timeout(ncp: Ncp, p: Container) -> dict[str, Any]:
    return {"extended_timeout": p.remote_eui64 in ncp.extended_timeouts}


@handles("getMulticastTableEntry")
def get_multicast_table_entry(ncp: Ncp, p: Container) -> dict[str, Any]:
    if not _in_table(ncp, ConfigId.MULTICAST_TABLE_SIZE, p.index):
        return {"status": EmberStatus.INDEX_OUT_OF_RANGE, "value": _multicast(0, 0)}
    group, endpoint = ncp.multicast_table.get(p.index, (0, 0))
    return {"status": EmberStatus.SUCCESS, "value": _multicast(group, endpoint)}


def _multicast(group: int, endpoint: int) -> dict[str, int]:
    return {"multicast_id": group, "endpoint": endpoint, "network_index": 0}


@handles("setMulticastTableEntry")
def set_multicast_table_entry(ncp: Ncp, p: Container) -> dict[str, Any]:
    if not _in_table(ncp, ConfigId.MULTICAST_TABLE_SIZE, p.index):
        return {"status": EmberStatus.INDEX_OUT_OF_RANGE}
    if p.value.endpoint:
        ncp.multicast_table[p.index] = (p.value.multicast_id, p.value.endpoint)
    else:
        ncp.multicast_table.pop(p.index, None)
    return {"status": EmberStatus.SUCCESS}


@handles("setSourceRoute", support=Support.ACCEPTED, note="one-hop HAN: a source route changes nothing")
def set_source_route(ncp: Ncp, p: Container) -> dict[str, Any]:
    # Every device is one hop away on the virtual HAN: a source route changes nothing.
    return {"status": EmberStatus.SUCCESS}
