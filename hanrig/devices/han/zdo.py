"""The ZigBee Device Object: the descriptors every node serves on endpoint 0, and its answers.

``ZdoServer`` answers the requests zigpy's interview and discovery send (Node_Desc,
Active_EP, Simple_Desc, IEEE_addr, NWK_addr, Match_Desc) and refuses the rest with
NOT_SUPPORTED, as a Zigbee stack does. It serves both the emulated devices and the
emulated coordinator, which answers requests addressed to itself.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from construct import (
    BitsInteger,
    BitStruct,
    ConstructError,
    Container,
    Flag,
    GreedyBytes,
    If,
    Int8ul,
    Int16ul,
    Int32ul,
    Padding,
    Prefixed,
    PrefixedArray,
    Struct,
    this,
)

from hanrig.devices.codec import EUI64
from hanrig.devices.ieee import Eui64


class ZdoCluster(enum.IntEnum):
    NWK_ADDR_REQ = 0x0000
    IEEE_ADDR_REQ = 0x0001
    NODE_DESC_REQ = 0x0002
    SIMPLE_DESC_REQ = 0x0004
    ACTIVE_EP_REQ = 0x0005
    MATCH_DESC_REQ = 0x0006
    DEVICE_ANNCE = 0x0013
    MGMT_LEAVE_REQ = 0x0034
    MGMT_PERMIT_JOINING_REQ = 0x0036
    MGMT_NWK_UPDATE_REQ = 0x0038


#: a response's cluster is its request's with the top bit set
RESPONSE = 0x8000


class ZdoStatus(enum.IntEnum):
    SUCCESS = 0x00
    INV_REQUESTTYPE = 0x80
    DEVICE_NOT_FOUND = 0x81
    INVALID_EP = 0x82
    NOT_ACTIVE = 0x83
    NOT_SUPPORTED = 0x84


class LogicalType(enum.IntEnum):
    COORDINATOR = 0
    ROUTER = 1
    END_DEVICE = 2


class MacCapability(enum.IntFlag):
    ALTERNATE_PAN_COORDINATOR = 0x01
    FULL_FUNCTION_DEVICE = 0x02
    MAINS_POWERED = 0x04
    RX_ON_WHEN_IDLE = 0x08
    SECURITY = 0x40
    ALLOCATE_ADDRESS = 0x80


class ServerMask(enum.IntFlag):
    PRIMARY_TRUST_CENTER = 0x0001
    NETWORK_MANAGER = 0x0040
    #: stack compliance revision 22 (R22), in bits 9-15
    STACK_COMPLIANCE_R22 = 22 << 9


NodeDescriptorCodec = Struct(
    "flags"
    / BitStruct(
        Padding(3), "user_descriptor" / Flag, "complex_descriptor" / Flag, "logical_type" / BitsInteger(3)
    ),
    "band" / BitStruct("frequency_bands" / BitsInteger(5), "aps_flags" / BitsInteger(3)),
    "mac_capability" / Int8ul,
    "manufacturer_code" / Int16ul,
    "maximum_buffer_size" / Int8ul,
    "maximum_incoming_transfer_size" / Int16ul,
    "server_mask" / Int16ul,
    "maximum_outgoing_transfer_size" / Int16ul,
    "descriptor_capability" / Int8ul,
)

#: the 2.4 GHz band is bit 3 of the frequency band field
BAND_2400_MHZ = 0x08

SimpleDescriptorCodec = Struct(
    "endpoint" / Int8ul,
    "profile_id" / Int16ul,
    "device_id" / Int16ul,
    "device_version" / Int8ul,
    "input_clusters" / PrefixedArray(Int8ul, Int16ul),
    "output_clusters" / PrefixedArray(Int8ul, Int16ul),
)

#: Mgmt_NWK_Update_req's ScanDuration: 0-5 an energy scan, 0xFE a channel change, 0xFF a new
#: channel mask and network manager (Zigbee PRO, 2.4.3.3.9)
_LONGEST_SCAN = 0x05
CHANNEL_CHANGE = 0xFE
_MANAGER_CHANGE = 0xFF
#: the 2.4 GHz channels a channel mask may name
CHANNELS = range(11, 27)

_REQUESTS = {
    ZdoCluster.NWK_ADDR_REQ: Struct("ieee" / EUI64, "request_type" / Int8ul, "start_index" / Int8ul),
    ZdoCluster.IEEE_ADDR_REQ: Struct("nwk" / Int16ul, "request_type" / Int8ul, "start_index" / Int8ul),
    ZdoCluster.NODE_DESC_REQ: Struct("nwk" / Int16ul),
    ZdoCluster.SIMPLE_DESC_REQ: Struct("nwk" / Int16ul, "endpoint" / Int8ul),
    ZdoCluster.ACTIVE_EP_REQ: Struct("nwk" / Int16ul),
    ZdoCluster.MATCH_DESC_REQ: Struct(
        "nwk" / Int16ul,
        "profile_id" / Int16ul,
        "input_clusters" / PrefixedArray(Int8ul, Int16ul),
        "output_clusters" / PrefixedArray(Int8ul, Int16ul),
    ),
    ZdoCluster.MGMT_LEAVE_REQ: Struct("ieee" / EUI64, "flags" / Int8ul),
    ZdoCluster.MGMT_NWK_UPDATE_REQ: Struct(
        "scan_channels" / Int32ul,
        "scan_duration" / Int8ul,
        "scan_count" / If(this.scan_duration <= _LONGEST_SCAN, Int8ul),
        "nwk_update_id" / If(this.scan_duration >= CHANNEL_CHANGE, Int8ul),
        "nwk_manager_addr" / If(this.scan_duration == _MANAGER_CHANGE, Int16ul),
    ),
}

_ADDRESS_RESPONSE = Struct("status" / Int8ul, "ieee" / EUI64, "nwk" / Int16ul)
_NODE_DESC_RESPONSE = Struct("status" / Int8ul, "nwk" / Int16ul, "descriptor" / NodeDescriptorCodec)
_SIMPLE_DESC_RESPONSE = Struct(
    "status" / Int8ul, "nwk" / Int16ul, "descriptor" / Prefixed(Int8ul, SimpleDescriptorCodec)
)
_NO_DESCRIPTOR_RESPONSE = Struct("status" / Int8ul, "nwk" / Int16ul, "length" / Int8ul)
_ENDPOINT_LIST_RESPONSE = Struct(
    "status" / Int8ul, "nwk" / Int16ul, "endpoints" / PrefixedArray(Int8ul, Int8ul)
)
_STATUS_RESPONSE = Struct("status" / Int8ul)
_NWK_UPDATE_NOTIFY = Struct(
    "status" / Int8ul,
    "scanned_channels" / Int32ul,
    "total_transmissions" / Int16ul,
    "transmission_failures" / Int16ul,
    "energy_values" / PrefixedArray(Int8ul, Int8ul),
)

DeviceAnnounce = Struct("nwk" / Int16ul, "ieee" / EUI64, "capability" / Int8ul)
_WITH_TSN = Struct("tsn" / Int8ul, "body" / GreedyBytes)


@dataclass(frozen=True)
class NodeDescriptor:
    logical_type: LogicalType
    mac_capability: MacCapability
    manufacturer_code: int
    server_mask: ServerMask = ServerMask(0) | ServerMask.STACK_COMPLIANCE_R22
    maximum_buffer_size: int = 82
    maximum_incoming_transfer_size: int = 128
    maximum_outgoing_transfer_size: int = 128

    def to_bytes(self) -> bytes:
        return NodeDescriptorCodec.build(self._fields())

    def _fields(self) -> dict[str, object]:
        return {
            "flags": {
                "user_descriptor": False,
                "complex_descriptor": False,
                "logical_type": self.logical_type,
            },
            "band": {"frequency_bands": BAND_2400_MHZ, "aps_flags": 0},
            "mac_capability": self.mac_capability,
            "manufacturer_code": self.manufacturer_code,
            "maximum_buffer_size": self.maximum_buffer_size,
            "maximum_incoming_transfer_size": self.maximum_incoming_transfer_size,
            "server_mask": self.server_mask,
            "maximum_outgoing_transfer_size": self.maximum_outgoing_transfer_size,
            "descriptor_capability": 0,
        }


@dataclass(frozen=True)
class SimpleDescriptor:
    endpoint: int
    profile_id: int
    device_id: int
    device_version: int
    input_clusters: tuple[int, ...]
    output_clusters: tuple[int, ...]

    def fields(self) -> dict[str, object]:
        return {
            "endpoint": self.endpoint,
            "profile_id": self.profile_id,
            "device_id": self.device_id,
            "device_version": self.device_version,
            "input_clusters": list(self.input_clusters),
            "output_clusters": list(self.output_clusters),
        }


def _nwk_update_notify(status: ZdoStatus, channels: int) -> bytes:
    return _NWK_UPDATE_NOTIFY.build({"status": status, "scanned_channels": channels, "total_transmissions": 0,
                                     "transmission_failures": 0, "energy_values": []})


class ZdoIdentity(Protocol):
    """What a node's ZDO needs to know about the node."""

    @property
    def node_id(self) -> int: ...

    @property
    def eui64(self) -> Eui64: ...

    @property
    def node_descriptor(self) -> NodeDescriptor: ...

    @property
    def simple_descriptors(self) -> Sequence[SimpleDescriptor]: ...


@dataclass(frozen=True)
class ZdoAnswer:
    """What a ZDO request got: a response (cluster and payload) and/or a request to leave."""

    cluster_id: int | None
    payload: bytes = b""
    leave: bool = False
    #: the channel the network moves to, and its nwkUpdateId (a Mgmt_NWK_Update_req channel change)
    channel_change: tuple[int, int] | None = None


class ZdoServer:
    """Answers ZDO requests for one node."""

    def __init__(self, identity: ZdoIdentity) -> None:
        self._identity = identity

    def handle(self, cluster_id: int, data: bytes, *, broadcast: bool) -> ZdoAnswer:
        """The answer to one request; ``cluster_id`` None means stay silent."""
        try:
            framed = _WITH_TSN.parse(data)
            request = ZdoCluster(cluster_id)
            fields = _REQUESTS[request].parse(framed.body) if request in _REQUESTS else None
        except (ValueError, ConstructError):
            if cluster_id & RESPONSE or broadcast:
                return ZdoAnswer(None)
            return self._answer(
                cluster_id, data[:1], _STATUS_RESPONSE.build({"status": ZdoStatus.NOT_SUPPORTED})
            )
        tsn = data[:1]
        me = self._identity
        match request:
            case ZdoCluster.NWK_ADDR_REQ:
                if fields.ieee != me.eui64:
                    return ZdoAnswer(None)
                return self._answer(cluster_id, tsn, self._address())
            case ZdoCluster.IEEE_ADDR_REQ:
                if fields.nwk != me.node_id:
                    return ZdoAnswer(None)
                return self._answer(cluster_id, tsn, self._address())
            case ZdoCluster.NODE_DESC_REQ:
                payload = _NODE_DESC_RESPONSE.build(
                    {
                        "status": ZdoStatus.SUCCESS,
                        "nwk": me.node_id,
                        "descriptor": me.node_descriptor._fields(),
                    }
                )
                return self._answer(cluster_id, tsn, payload)
            case ZdoCluster.ACTIVE_EP_REQ:
                endpoints = [d.endpoint for d in me.simple_descriptors]
                payload = _ENDPOINT_LIST_RESPONSE.build(
                    {"status": ZdoStatus.SUCCESS, "nwk": me.node_id, "endpoints": endpoints}
                )
                return self._answer(cluster_id, tsn, payload)
            case ZdoCluster.SIMPLE_DESC_REQ:
                return self._answer(cluster_id, tsn, self._simple_descriptor(fields.endpoint))
            case ZdoCluster.MATCH_DESC_REQ:
                matches = [d.endpoint for d in me.simple_descriptors if _matches(d, fields)]
                if broadcast and not matches:
                    return ZdoAnswer(None)
                payload = _ENDPOINT_LIST_RESPONSE.build(
                    {"status": ZdoStatus.SUCCESS, "nwk": me.node_id, "endpoints": matches}
                )
                return self._answer(cluster_id, tsn, payload)
            case ZdoCluster.MGMT_LEAVE_REQ:
                if fields.ieee not in (me.eui64, Eui64(0)):
                    return self._answer(
                        cluster_id, tsn, _STATUS_RESPONSE.build({"status": ZdoStatus.NOT_SUPPORTED})
                    )
                return ZdoAnswer(
                    cluster_id | RESPONSE,
                    tsn + _STATUS_RESPONSE.build({"status": ZdoStatus.SUCCESS}),
                    leave=True,
                )
            case ZdoCluster.MGMT_NWK_UPDATE_REQ:
                return self._network_update(cluster_id, tsn, fields, broadcast=broadcast)
            case ZdoCluster.DEVICE_ANNCE | ZdoCluster.MGMT_PERMIT_JOINING_REQ:
                return ZdoAnswer(None)
        raise AssertionError(f"ZDO request {request!r} has no case")

    def _network_update(self, cluster_id: int, tsn: bytes, fields: Container, *, broadcast: bool) -> ZdoAnswer:
        channels = [c for c in CHANNELS if fields.scan_channels & 1 << c]
        if fields.scan_duration != CHANNEL_CHANGE or len(channels) != 1:
            # energy scans and network manager changes are not emulated
            if broadcast:
                return ZdoAnswer(None)
            return self._answer(cluster_id, tsn, _nwk_update_notify(ZdoStatus.NOT_SUPPORTED, 0))
        change = (channels[0], fields.nwk_update_id)
        if broadcast:
            return ZdoAnswer(None, channel_change=change)
        # A unicast channel change (zigpy sends one to the coordinator itself, and waits for an
        # answer) is answered with a Mgmt_NWK_Update_notify. [INF] zigpy's maintainers report that
        # EZSP coordinators act on it at once (zigpy/zigpy#1190); the answer's form is ours.
        notify = _nwk_update_notify(ZdoStatus.SUCCESS, fields.scan_channels)
        return ZdoAnswer(cluster_id | RESPONSE, tsn + notify, channel_change=change)

    def _answer(self, cluster_id: int, tsn: bytes, payload: bytes) -> ZdoAnswer:
        return ZdoAnswer(cluster_id | RESPONSE, tsn + payload)

    def _address(self) -> bytes:
        me = self._identity
        return _ADDRESS_RESPONSE.build({"status": ZdoStatus.SUCCESS, "ieee": me.eui64, "nwk": me.node_id})

    def _simple_descriptor(self, endpoint: int) -> bytes:
        me = self._identity
        for descriptor in me.simple_descriptors:
            if descriptor.endpoint == endpoint:
                return _SIMPLE_DESC_RESPONSE.build(
                    {"status": ZdoStatus.SUCCESS, "nwk": me.node_id, "descriptor": descriptor.fields()}
                )
        status = ZdoStatus.INVALID_EP if not 1 <= endpoint <= 240 else ZdoStatus.NOT_ACTIVE
        return _NO_DESCRIPTOR_RESPONSE.build({"status": status, "nwk": me.node_id, "length": 0})


def _matches(descriptor: SimpleDescriptor, request: Container) -> bool:
    """Match_Desc: same profile (or any), and one of the wanted clusters on the right side."""
    if request.profile_id not in (descriptor.profile_id, 0xFFFF):
        return False
    wanted_in = set(request.input_clusters) & set(descriptor.input_clusters)
    return bool(wanted_in or set(request.output_clusters) & set(descriptor.output_clusters))


def device_announce(tsn: int, node_id: int, eui64: Eui64, capability: MacCapability) -> bytes:
    """The payload of the Device_annce a node broadcasts when it joins."""
    return bytes([tsn]) + DeviceAnnounce.build({"nwk": node_id, "ieee": eui64, "capability": capability})


def match_descriptor_request(tsn: int, node_id: int, profile_id: int, input_clusters: list[int]) -> bytes:
    """The payload of a Match_Desc_req: which endpoints of ``node_id`` serve these clusters on this profile."""
    return bytes([tsn]) + _REQUESTS[ZdoCluster.MATCH_DESC_REQ].build(
        {"nwk": node_id, "profile_id": profile_id, "input_clusters": input_clusters, "output_clusters": []}
    )


def matching_endpoints(payload: bytes) -> list[int]:
    """The endpoints a successful Match_Desc_rsp lists; none for a failed or unreadable one."""
    try:
        response = _ENDPOINT_LIST_RESPONSE.parse(_WITH_TSN.parse(payload).body)
    except ConstructError:
        return []
    return list(response.endpoints) if response.status == ZdoStatus.SUCCESS else []
