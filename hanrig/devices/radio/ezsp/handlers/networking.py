"""Networking frames: forming, starting and leaving the network, joins, scans, children."""

from __future__ import annotations

from typing import Any

from construct import Container

from hanrig.devices.ieee import Eui64
from hanrig.devices.radio.ezsp.handlers.registry import Support, handles
from hanrig.devices.radio.ezsp.types import EmberStatus, NetworkScanType, NetworkStatus, NodeType
from hanrig.devices.radio.ncp import Ncp, network_settings_from, with_tx_power
from hanrig.devices.radio.nvm import NetworkMember

#: the radio's transmit power range, in dBm
MIN_TX_POWER = -20
MAX_TX_POWER = 20


@handles("networkInit")
def network_init(ncp: Ncp, p: Container) -> dict[str, Any]:
    return {"status": ncp.network_init()}


@handles("networkState")
def network_state(ncp: Ncp, p: Container) -> dict[str, Any]:
    return {"status": NetworkStatus.JOINED_NETWORK if ncp.network_up else NetworkStatus.NO_NETWORK}


@handles("formNetwork")
def form_network(ncp: Ncp, p: Container) -> dict[str, Any]:
    if not MIN_TX_POWER <= p.parameters.radio_tx_power <= MAX_TX_POWER:
        return {"status": EmberStatus.BAD_ARGUMENT}
    return {"status": ncp.form_network(network_settings_from(p.parameters))}


@handles("leaveNetwork")
def leave_network(ncp: Ncp, p: Container) -> dict[str, Any]:
    return {"status": ncp.leave_network()}


@handles("permitJoining")
def permit_joining(ncp: Ncp, p: Container) -> dict[str, Any]:
    return {"status": ncp.permit_joining(p.duration)}


@handles("getNetworkParameters")
def get_network_parameters(ncp: Ncp, p: Container) -> dict[str, Any]:
    settings = ncp.settings_or_empty()
    parameters = {
        "extended_pan_id": settings.extended_pan_id,
        "pan_id": settings.pan_id,
        "radio_tx_power": ncp.tx_power,
        "radio_channel": settings.channel,
        "join_method": 0,
        "nwk_manager_id": settings.nwk_manager_id,
        "nwk_update_id": settings.nwk_update_id,
        "channels": settings.channel_mask if ncp.nvm.network else 0,
    }
    if not ncp.network_up:
        return {
            "status": EmberStatus.NOT_JOINED,
            "node_type": NodeType.UNKNOWN_DEVICE,
            "parameters": parameters,
        }
    return {"status": EmberStatus.SUCCESS, "node_type": NodeType.COORDINATOR, "parameters": parameters}


@handles("getEui64")
def get_eui64(ncp: Ncp, p: Container) -> dict[str, Any]:
    return {"eui64": ncp.eui64}


@handles("getNodeId")
def get_node_id(ncp: Ncp, p: Container) -> dict[str, Any]:
    return {"node_id": ncp.node_id}


@handles("getChildData")
def get_child_data(ncp: Ncp, p: Container) -> dict[str, Any]:
    children = [member for member in ncp.nvm.members.values() if member.is_child]
    empty = {"eui64": Eui64(0), "type": NodeType.UNKNOWN_DEVICE, "id": 0xFFFF}
    if p.index >= len(children):
        return {"status": EmberStatus.NOT_JOINED, "child_data": {**empty, **_radio()}}
    child = children[p.index]
    return {
        "status": EmberStatus.SUCCESS,
        "child_data": {"eui64": child.eui64, "type": child.node_type, "id": child.node_id, **_radio()},
    }


def _radio() -> dict[str, int]:
    return {"phy": 0, "power": 0, "timeout": 8, "timeout_remaining": 0}


@handles("setChildData")
def set_child_data(ncp: Ncp, p: Container) -> dict[str, Any]:
    data = p.child_data
    node_type = data.type if isinstance(data.type, NodeType) else NodeType.SLEEPY_END_DEVICE
    ncp.nvm.members[data.eui64] = NetworkMember(data.eui64, data.id, True, node_type)
    ncp.save()
    return {"status": EmberStatus.SUCCESS}


@handles("setConcentrator", support=Support.ACCEPTED, note="one-hop HAN: no routes to concentrate")
def set_concentrator(ncp: Ncp, p: Container) -> dict[str, Any]:
    return {"status": EmberStatus.SUCCESS}


@handles("setSourceRouteDiscoveryMode", support=Support.ACCEPTED, note="one-hop HAN: no source routes to discover")
def set_source_route_discovery_mode(ncp: Ncp, p: Container) -> dict[str, Any]:
    return {"remaining_time": 0}


@handles("setManufacturerCode")
def set_manufacturer_code(ncp: Ncp, p: Container) -> dict[str, Any]:
    ncp.manufacturer_code = p.code
    return {}


@handles("setPowerDescriptor", support=Support.ACCEPTED, note="the node descriptor's power field is fixed")
def set_power_descriptor(ncp: Ncp, p: Container) -> dict[str, Any]:
    return {}


@handles("setRadioPower")
def set_radio_power(ncp: Ncp, p: Container) -> dict[str, Any]:
    if not MIN_TX_POWER <= p.power <= MAX_TX_POWER:
        return {"status": EmberStatus.BAD_ARGUMENT}
    ncp.tx_power = p.power
    if ncp.nvm.network is not None:
        ncp.nvm.network = with_tx_power(ncp.nvm.network, p.power)
        ncp.save()
    return {"status": EmberStatus.SUCCESS}


@handles("setRadioChannel", support=Support.ACCEPTED, note="checked, but only a Mgmt_NWK_Update_req moves the network")
def set_radio_channel(ncp: Ncp, p: Container) -> dict[str, Any]:
    return {"status": EmberStatus.SUCCESS if 11 <= p.channel <= 26 else EmberStatus.BAD_ARGUMENT}


@handles("startScan")
def start_scan(ncp: Ncp, p: Container) -> dict[str, Any]:
    ncp.start_scan(p.scan_type == NetworkScanType.ENERGY_SCAN, p.channel_mask, p.duration)
    return {"status": EmberStatus.SUCCESS}
