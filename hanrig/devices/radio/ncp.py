"""The emulated EmberZNet stack: the network, the trust center, messaging, and RAM state.

``Ncp`` is what the EZSP handlers act on. It keeps what a reset clears (configuration
values, policies, endpoints, the multicast and address tables, transient keys, the permit
window) and works on the ``Nvm`` that a reset keeps. On the virtual HAN it is the station
with node id 0x0000 and the trust center: it admits joining devices, passes what they send
up to the host as callbacks, answers ZDO requests addressed to itself (as the stack does,
so zigpy's interview of the coordinator loops back), and reports each message it sends
with messageSentHandler.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any, Protocol

from hanrig.devices.events import EventLog
from hanrig.devices.han import airtime
from hanrig.devices.han.air import BROADCAST_DELIVERY_TIME, AckTiming, Air, JoinRequest, Link
from hanrig.devices.han.aps import ZDO_ENDPOINT, ZDO_PROFILE, ApsMessage, Delivery, Fragment
from hanrig.devices.han.zdo import (
    RESPONSE,
    LogicalType,
    MacCapability,
    NodeDescriptor,
    ServerMask,
    SimpleDescriptor,
    ZdoAnswer,
    ZdoCluster,
    ZdoServer,
)
from hanrig.devices.ieee import COORDINATOR_NODE_ID, WILDCARD_EUI64, Eui64
from hanrig.devices.radio.cbke import CbkeLibrary
from hanrig.devices.radio.ezsp.types import (
    COUNTER_TYPE_COUNT,
    ApsOption,
    ConfigId,
    CounterType,
    DecisionBitmask,
    DeviceUpdate,
    EmberStatus,
    IncomingMessageType,
    JoinDecision,
    NodeType,
    OutgoingMessageType,
    PolicyId,
    ZdoConfigFlags,
)
from hanrig.devices.radio.faults import FaultInjector
from hanrig.devices.radio.nvm import WELL_KNOWN_TC_LINK_KEY, NetworkMember, NetworkSettings, Nvm, NvmStore
from hanrig.devices.scheduling import Scheduler, Timer

LOG = logging.getLogger(__name__)

#: Key Establishment (ZSE): its frames go with network security only, whatever keys the NCP holds
KEY_ESTABLISHMENT_CLUSTER = 0x0800

SILICON_LABS_MANUFACTURER = 0x1049
#: permitJoining with this duration opens the network until told otherwise
PERMIT_FOREVER = 0xFF
#: how long an energy or active scan dwells on a channel, for a scan duration exponent
SCAN_SLOT = 0.01536


@dataclass(frozen=True)
class Firmware:
    """What the emulated NCP says it runs."""

    ezsp_version: int
    version: tuple[int, int, int, int]
    build: int
    manufacturer: str = "hanrig"
    board: str = "EZSP emulator"
    #: EZSP "stack type" 2: the mesh stack
    stack_type: int = 2

    @property
    def stack_version(self) -> int:
        """The version as EZSP ``version`` reports it: one nibble per number."""
        major, minor, patch, special = self.version
        return major << 12 | minor << 8 | patch << 4 | special


#: EmberZNet 6.7 speaks EZSP v8, 7.4 speaks v13
FIRMWARE = {
    8: Firmware(8, (6, 7, 8, 0), 373),
    13: Firmware(13, (7, 4, 2, 0), 0),
}

#: configuration values after a reset, as a 7.4 NCP reports them
DEFAULT_CONFIG: dict[ConfigId, int] = {
    ConfigId.PACKET_BUFFER_COUNT: 75,
    ConfigId.NEIGHBOR_TABLE_SIZE: 16,
    ConfigId.APS_UNICAST_MESSAGE_COUNT: 10,
    ConfigId.BINDING_TABLE_SIZE: 0,
    ConfigId.ADDRESS_TABLE_SIZE: 8,
    ConfigId.MULTICAST_TABLE_SIZE: 8,
    ConfigId.ROUTE_TABLE_SIZE: 16,
    ConfigId.DISCOVERY_TABLE_SIZE: 8,
    ConfigId.STACK_PROFILE: 2,
    ConfigId.SECURITY_LEVEL: 5,
    ConfigId.MAX_HOPS: 30,
    ConfigId.MAX_END_DEVICE_CHILDREN: 6,
    ConfigId.INDIRECT_TRANSMISSION_TIMEOUT: 3000,
    ConfigId.END_DEVICE_POLL_TIMEOUT: 8,
    ConfigId.TX_POWER_MODE: 0,
    ConfigId.DISABLE_RELAY: 0,
    ConfigId.TRUST_CENTER_ADDRESS_CACHE_SIZE: 2,
    ConfigId.SOURCE_ROUTE_TABLE_SIZE: 7,
    ConfigId.FRAGMENT_WINDOW_SIZE: 1,
    ConfigId.FRAGMENT_DELAY_MS: 50,
    ConfigId.KEY_TABLE_SIZE: 12,
    ConfigId.APS_ACK_TIMEOUT: 1600,
    ConfigId.BEACON_JITTER_DURATION: 3,
    ConfigId.PAN_ID_CONFLICT_REPORT_THRESHOLD: 1,
    ConfigId.REQUEST_KEY_TIMEOUT: 0,
    ConfigId.APPLICATION_ZDO_FLAGS: 0,
    ConfigId.BROADCAST_TABLE_SIZE: 15,
    ConfigId.SUPPORTED_NETWORKS: 1,
    ConfigId.SEND_MULTICASTS_TO_SLEEPY_ADDRESS: 0,
    ConfigId.ZLL_GROUP_ADDRESSES: 0,
    ConfigId.ZLL_RSSI_THRESHOLD: 128,
    ConfigId.MTORR_FLOW_CONTROL: 1,
    ConfigId.RETRY_QUEUE_SIZE: 16,
    ConfigId.NEW_BROADCAST_ENTRY_THRESHOLD: 10,
    ConfigId.TRANSIENT_KEY_TIMEOUT_S: 300,
    ConfigId.BROADCAST_MIN_ACKS_NEEDED: 255,
    ConfigId.TC_REJOINS_USING_WELL_KNOWN_KEY_TIMEOUT_S: 0,
}

DEFAULT_POLICIES: dict[PolicyId, int] = {
    PolicyId.TRUST_CENTER_POLICY: DecisionBitmask.ALLOW_JOINS,
    PolicyId.BINDING_MODIFICATION_POLICY: 0x10,
    PolicyId.UNICAST_REPLIES_POLICY: 0x21,
    PolicyId.POLL_HANDLER_POLICY: 0x30,
    PolicyId.MESSAGE_CONTENTS_IN_CALLBACK_POLICY: 0x40,
    PolicyId.TC_KEY_REQUEST_POLICY: 0x51,
    PolicyId.APP_KEY_REQUEST_POLICY: 0x60,
    PolicyId.PACKET_VALIDATE_LIBRARY_POLICY: 0x62,
    PolicyId.ZLL_POLICY: 0x00,
    PolicyId.TC_REJOINS_USING_WELL_KNOWN_KEY_POLICY: 0x00,
}

#: ZDO requests the stack answers itself (the rest go to the host, if it wants them)
STACK_ZDO_REQUESTS = frozenset(
    {
        ZdoCluster.NWK_ADDR_REQ,
        ZdoCluster.IEEE_ADDR_REQ,
        ZdoCluster.NODE_DESC_REQ,
        ZdoCluster.SIMPLE_DESC_REQ,
        ZdoCluster.ACTIVE_EP_REQ,
        ZdoCluster.MATCH_DESC_REQ,
        ZdoCluster.MGMT_NWK_UPDATE_REQ,
    }
)
ENDPOINT_REQUESTS = frozenset(
    {ZdoCluster.SIMPLE_DESC_REQ, ZdoCluster.ACTIVE_EP_REQ, ZdoCluster.MATCH_DESC_REQ}
)


@dataclass
class Mfglib:
    """The radio as the manufacturing library drives it."""

    channel: int
    power: int
    rx_callback: bool
    #: "tone" or "stream" while one is being transmitted
    transmitting: str | None = None
    packets_sent: int = 0


class Host(Protocol):
    """Where callbacks go: the EZSP layer, which sends them after the current response."""

    def callback(self, name: str, **fields: Any) -> None: ...


@dataclass(frozen=True)
class AddressEntry:
    eui64: Eui64
    node_id: int
    extended_timeout: bool


@dataclass(frozen=True)
class TransientKey:
    eui64: Eui64
    key: bytes
    timer: Timer


class Ncp:
    """The stack behind the EZSP handlers."""

    def __init__(
        self,
        *,
        firmware: Firmware,
        nvm: Nvm,
        store: NvmStore,
        air: Air,
        faults: FaultInjector,
        events: EventLog,
    ) -> None:
        self.firmware = firmware
        self.nvm = nvm
        self.store = store
        self.air = air
        self.faults = faults
        self.events = events
        self.host: Host | None = None
        self._zdo = ZdoServer(self)
        self._aps_counter = itertools.count(1)
        self.counters = [0] * COUNTER_TYPE_COUNT
        self.network_up = False
        self._power_on_ram()

    @property
    def scheduler(self) -> Scheduler:
        return self.air.scheduler

    def _power_on_ram(self) -> None:
        self.config: dict[ConfigId, int] = dict(DEFAULT_CONFIG)
        self.values_written: dict[int, bytes] = {}
        self.policies: dict[PolicyId, int] = dict(DEFAULT_POLICIES)
        self.endpoints: dict[int, SimpleDescriptor] = {}
        self.multicast_table: dict[int, tuple[int, int]] = {}
        self.address_table: dict[int, AddressEntry] = {}
        self.extended_timeouts: set[Eui64] = set()
        self.transient_keys: dict[Eui64, TransientKey] = {}
        self.manufacturer_code = SILICON_LABS_MANUFACTURER
        self.tx_power = self.nvm.network.tx_power if self.nvm.network else 8
        self._permit_timer: Timer | None = None
        self.permitting = False
        #: the manufacturing library's state while a host runs radio tests (mfglibStart to mfglibEnd)
        self.mfglib: Mfglib | None = None
        #: the CBKE library: its temporary data is RAM, lost on a reset like the firmware's
        self.cbke = CbkeLibrary.over(self.nvm.cbke)

    # ---------------------------------------------------------------- reset and persistence

    def reboot(self) -> None:
        """A reset: RAM back to its defaults, the network down until networkInit."""
        for transient in self.transient_keys.values():
            transient.timer.cancel()
        if self._permit_timer is not None:
            self._permit_timer.cancel()
        self.network_up = False
        self._power_on_ram()
        self.events.emit("ncp", "reset")

    def save(self) -> None:
        self.store.save(self.nvm)

    def callback(self, name: str, **fields: Any) -> None:
        if self.host is not None:
            self.host.callback(name, **fields)

    def count(self, counter: CounterType) -> None:
        self.counters[counter] = min(self.counters[counter] + 1, 0xFFFF)

    # ---------------------------------------------------------------- the network

    def network_init(self) -> EmberStatus:
        if self.nvm.network is None:
            return EmberStatus.NOT_JOINED
        if self.network_up:
            return EmberStatus.INVALID_CALL
        self._network_up()
        return EmberStatus.SUCCESS

    def form_network(self, settings: NetworkSettings) -> EmberStatus:
        if self.network_up or self.nvm.network is not None:
            return EmberStatus.INVALID_CALL
        self.nvm.network = settings
        self.nvm.members.clear()
        self.save()
        self.events.emit("ncp", "formed", pan_id=f"0x{settings.pan_id:04X}", channel=settings.channel)
        self._network_up()
        return EmberStatus.SUCCESS

    def leave_network(self) -> EmberStatus:
        if not self.network_up:
            return EmberStatus.INVALID_CALL
        self.network_up = False
        self.nvm.network = None
        self.nvm.members.clear()
        self.save()
        self.events.emit("ncp", "left_network")
        self.callback("stackStatusHandler", status=EmberStatus.NETWORK_DOWN)
        return EmberStatus.SUCCESS

    def _network_up(self) -> None:
        self.network_up = True
        self.events.emit("ncp", "network_up")
        self.callback("stackStatusHandler", status=EmberStatus.NETWORK_UP)

    def permit_joining(self, duration: int) -> EmberStatus:
        if not self.network_up:
            return EmberStatus.INVALID_CALL
        if self._permit_timer is not None:
            self._permit_timer.cancel()
            self._permit_timer = None
        self.permitting = duration > 0
        self.events.emit("ncp", "permit_joining", seconds=duration)
        if duration and duration != PERMIT_FOREVER:
            self._permit_timer = self.scheduler.call_later(duration, self.permit_joining, 0)
        if self.permitting:
            self.air.permit_opened()
        return EmberStatus.SUCCESS

    def settings_or_empty(self) -> NetworkSettings:
        return self.nvm.network or NetworkSettings(0xFFFF, Eui64(0), 0, self.tx_power)

    # ---------------------------------------------------------------- as a station on the air

    @property
    def node_id(self) -> int:
        return COORDINATOR_NODE_ID

    @property
    def eui64(self) -> Eui64:
        return self.nvm.eui64

    @property
    def on_network(self) -> bool:
        return self.network_up

    @property
    def channel(self) -> int | None:
        # the formed network's, even before networkInit brings it up: devices restored as members
        # of it listen there from the start
        return self.nvm.network.channel if self.nvm.network is not None else None

    @property
    def in_range(self) -> bool:
        return True

    @property
    def is_router(self) -> bool:
        return True

    @property
    def rx_on_when_idle(self) -> bool:
        return True

    def member_of(self, group_id: int) -> bool:
        return any(group == group_id for group, _ in self.multicast_table.values())

    @property
    def node_descriptor(self) -> NodeDescriptor:
        return NodeDescriptor(
            logical_type=LogicalType.COORDINATOR,
            mac_capability=MacCapability.ALTERNATE_PAN_COORDINATOR
            | MacCapability.FULL_FUNCTION_DEVICE
            | MacCapability.MAINS_POWERED
            | MacCapability.RX_ON_WHEN_IDLE
            | MacCapability.ALLOCATE_ADDRESS,
            manufacturer_code=self.manufacturer_code,
            server_mask=ServerMask.PRIMARY_TRUST_CENTER
            | ServerMask.NETWORK_MANAGER
            | ServerMask.STACK_COMPLIANCE_R22,
        )

    @property
    def simple_descriptors(self) -> list[SimpleDescriptor]:
        return list(self.endpoints.values())

    def _aps_link_key(self, node_id: int, cluster_id: int, profile_id: int) -> bytes | None:
        """The CBKE link key in the key table for a node, which secures what the NCP sends it.

        ZDO and Key Establishment itself go with network security only (ZSE exempts the cluster).
        """
        if profile_id == ZDO_PROFILE or cluster_id == KEY_ESTABLISHMENT_CLUSTER:
            return None
        partner = self.lookup_eui64(node_id)
        entries = [entry for entry in self.nvm.key_table.values() if entry.partner == partner]
        return entries[0].key if partner is not None and entries else None

    def receive(self, message: ApsMessage, link: Link) -> AckTiming:
        """A frame from a device, for the host (or for the stack's own ZDO)."""
        if message.link_key is not None:
            expected = self._aps_link_key(message.source, message.cluster_id, message.profile_id)
            if expected is not None and expected != message.link_key:
                # The stack cannot decrypt it: the host never sees it.
                self.events.emit("ncp", "aps_security_failure", sender=message.source, cluster=message.cluster_id)
                return AckTiming.NOW
        self.count(
            CounterType.MAC_RX_UNICAST
            if message.delivery is Delivery.UNICAST
            else CounterType.MAC_RX_BROADCAST
        )
        is_request = message.is_zdo and not message.cluster_id & RESPONSE and message.fragment is None
        if is_request and not self._stack_zdo(message):
            return AckTiming.NOW
        self.count(
            CounterType.APS_DATA_RX_UNICAST
            if message.delivery is Delivery.UNICAST
            else CounterType.APS_DATA_RX_BROADCAST
        )
        self._to_host(message, link)
        # A fragment is acknowledged by the host, which alone puts the message back together.
        return AckTiming.LATER if message.fragment is not None else AckTiming.NOW

    def _stack_zdo(self, message: ApsMessage) -> bool:
        """Answer a ZDO request as the stack does; whether the host also gets to see it."""
        flags = ZdoConfigFlags(self.config[ConfigId.APPLICATION_ZDO_FLAGS] & 0x0F)
        try:
            request = ZdoCluster(message.cluster_id)
        except ValueError:
            return bool(flags & ZdoConfigFlags.APP_HANDLES_UNSUPPORTED_ZDO_REQUESTS)
        if request not in STACK_ZDO_REQUESTS:
            # Notifications such as Device_annce always reach the host.
            return request is ZdoCluster.DEVICE_ANNCE or bool(
                flags & ZdoConfigFlags.APP_HANDLES_UNSUPPORTED_ZDO_REQUESTS
            )
        if request in ENDPOINT_REQUESTS and flags & ZdoConfigFlags.APP_HANDLES_ZDO_ENDPOINT_REQUESTS:
            return True
        broadcast = message.delivery is not Delivery.UNICAST
        answer = self._zdo.handle(message.cluster_id, message.payload, broadcast=broadcast)
        self._follow(answer, broadcast=broadcast)
        if answer.cluster_id is not None:
            self.air.send(message.reply(self.node_id, answer.payload, cluster_id=answer.cluster_id))
        return bool(flags & ZdoConfigFlags.APP_RECEIVES_SUPPORTED_ZDO_REQUESTS)

    def _follow(self, answer: ZdoAnswer, *, broadcast: bool) -> None:
        """Move the network to another channel if a Mgmt_NWK_Update_req said so: a broadcast one once it
        has reached the whole network, a unicast one (to the NCP itself) at once."""
        if answer.channel_change is not None:
            channel, update_id = answer.channel_change
            delay = BROADCAST_DELIVERY_TIME if broadcast else 0.0
            self.scheduler.call_later(delay, self._change_channel, channel, update_id)

    def _change_channel(self, channel: int, update_id: int) -> None:
        network = self.nvm.network
        if not self.network_up or network is None or network.channel == channel:
            return
        self.nvm.network = replace(network, channel=channel, nwk_update_id=update_id)
        self.save()
        self.events.emit("ncp", "channel_changed", channel=channel, nwk_update_id=update_id)
        self.callback("stackStatusHandler", status=EmberStatus.CHANNEL_CHANGED)

    def _to_host(self, message: ApsMessage, link: Link) -> None:
        options = ApsOption.NONE
        group_id = message.destination if message.delivery is Delivery.MULTICAST else 0
        if message.fragment is not None:
            options |= ApsOption.FRAGMENT
            # As the APS extended header does: only the first block carries the count.
            count = message.fragment.count if message.fragment.index == 0 else 0
            group_id = count << 8 | message.fragment.index
        message_type = {
            Delivery.UNICAST: IncomingMessageType.UNICAST,
            Delivery.BROADCAST: IncomingMessageType.BROADCAST,
            Delivery.MULTICAST: IncomingMessageType.MULTICAST,
        }[message.delivery]
        self.callback(
            "incomingMessageHandler",
            type=message_type,
            aps_frame=_aps_frame(message, options, group_id),
            last_hop_lqi=link.lqi,
            last_hop_rssi=link.rssi,
            sender=message.source,
            binding_index=0xFF,
            address_index=self._address_index(message.source),
            message_contents=message.payload,
        )

    def _address_index(self, node_id: int) -> int:
        for index, entry in self.address_table.items():
            if entry.node_id == node_id:
                return index
        return 0xFF

    # ---------------------------------------------------------------- the trust center

    def admit(self, request: JoinRequest) -> bool:
        if not (self.network_up and self.permitting):
            return False
        policy = DecisionBitmask(self.policies[PolicyId.TRUST_CENTER_POLICY] & 0x3F)
        transient = self.transient_keys.get(request.eui64) or self.transient_keys.get(WILDCARD_EUI64)
        if policy & DecisionBitmask.JOINS_USE_INSTALL_CODE_KEY:
            allowed = transient is not None and transient.key == request.link_key
        else:
            known_key = request.link_key == WELL_KNOWN_TC_LINK_KEY or (
                transient is not None and transient.key == request.link_key
            )
            allowed = bool(policy & DecisionBitmask.ALLOW_JOINS) and known_key
        decision = JoinDecision.USE_PRECONFIGURED_KEY if allowed else JoinDecision.DENY_JOIN
        child = not request.is_router
        node_type = (
            NodeType.ROUTER
            if request.is_router
            else (NodeType.END_DEVICE if request.rx_on_when_idle else NodeType.SLEEPY_END_DEVICE)
        )
        if allowed:
            self.nvm.members[request.eui64] = NetworkMember(request.eui64, request.node_id, child, node_type)
            self.save()
            if child:
                index = list(self.nvm.members).index(request.eui64)
                self.callback(
                    "childJoinHandler",
                    index=index,
                    joining=True,
                    child_id=request.node_id,
                    child_eui64=request.eui64,
                    child_type=node_type,
                )
        self.events.emit("ncp", "join" if allowed else "join_denied", eui64=str(request.eui64))
        self.callback(
            "trustCenterJoinHandler",
            new_node_id=request.node_id,
            new_node_eui64=request.eui64,
            status=DeviceUpdate.STANDARD_SECURITY_UNSECURED_JOIN,
            policy_decision=decision,
            parent_of_new_node_id=self.node_id,
        )
        return allowed

    def left(self, eui64: Eui64, node_id: int) -> None:
        member = self.nvm.members.pop(eui64, None)
        if member is not None:
            self.save()
        self.events.emit("ncp", "device_left", eui64=str(eui64))
        if not self.network_up:
            return
        if member is not None and member.is_child:
            self.callback(
                "childJoinHandler",
                index=0,
                joining=False,
                child_id=node_id,
                child_eui64=eui64,
                child_type=member.node_type,
            )
        self.callback(
            "trustCenterJoinHandler",
            new_node_id=node_id,
            new_node_eui64=eui64,
            status=DeviceUpdate.DEVICE_LEFT,
            policy_decision=JoinDecision.NO_ACTION,
            parent_of_new_node_id=self.node_id,
        )

    def add_transient_key(self, eui64: Eui64, key: bytes) -> None:
        previous = self.transient_keys.pop(eui64, None)
        if previous is not None:
            previous.timer.cancel()
        timeout = self.config[ConfigId.TRANSIENT_KEY_TIMEOUT_S]
        timer = self.scheduler.call_later(timeout, self.transient_keys.pop, eui64, None)
        self.transient_keys[eui64] = TransientKey(eui64, key, timer)

    def clear_transient_keys(self) -> None:
        for transient in self.transient_keys.values():
            transient.timer.cancel()
        self.transient_keys.clear()

    # ---------------------------------------------------------------- knowing other nodes

    def lookup_eui64(self, node_id: int) -> Eui64 | None:
        """What the stack knows of ``node_id``: itself, address table, children and neighbours."""
        if self.network_up and node_id == self.node_id:
            return self.eui64
        for entry in self.address_table.values():
            if entry.node_id == node_id:
                return entry.eui64
        for member in self.nvm.members.values():
            if member.node_id == node_id:
                return member.eui64
        return None

    def lookup_node_id(self, eui64: Eui64) -> int | None:
        if self.network_up and eui64 == self.eui64:
            return self.node_id
        for entry in self.address_table.values():
            if entry.eui64 == eui64:
                return entry.node_id
        member = self.nvm.members.get(eui64)
        return member.node_id if member is not None else None

    # ---------------------------------------------------------------- sending

    def next_aps_counter(self) -> int:
        return next(self._aps_counter) & 0xFF

    def _check_send(self, length: int, fragment: bool) -> EmberStatus:
        if not self.network_up:
            return EmberStatus.NETWORK_DOWN
        if self.faults.random.chance("ezsp.busy", self.faults.faults.ezsp.busy):
            self.events.emit("ncp", "busy")
            return EmberStatus.MAX_MESSAGE_LIMIT_REACHED
        if length > airtime.max_aps_payload(fragment=fragment):
            return EmberStatus.MESSAGE_TOO_LONG
        return EmberStatus.SUCCESS

    def _frame_sent(self) -> None:
        self.nvm.nwk_frame_counter = (self.nvm.nwk_frame_counter + 1) & 0xFFFFFFFF
        self.store.frame_counter_advanced(self.nvm)

    def send_unicast(
        self,
        message_type: OutgoingMessageType,
        destination: int,
        aps_frame: Mapping[str, Any],
        tag: int,
        payload: bytes,
    ) -> tuple[EmberStatus, int]:
        options = ApsOption(aps_frame["options"])
        fragment = None
        if options & ApsOption.FRAGMENT:
            group_id = aps_frame["group_id"]
            fragment = Fragment(group_id & 0xFF, group_id >> 8)
        status = self._check_send(len(payload), fragment is not None)
        if status is not EmberStatus.SUCCESS:
            return status, 0
        # Every fragment but the first carries the APS counter the stack gave the first.
        counter = aps_frame["sequence"] if fragment and fragment.index else self.next_aps_counter()
        message = ApsMessage(
            source=self.node_id,
            destination=destination,
            profile_id=aps_frame["profile_id"],
            cluster_id=aps_frame["cluster_id"],
            source_endpoint=aps_frame["source_endpoint"],
            destination_endpoint=aps_frame["destination_endpoint"],
            payload=payload,
            counter=counter,
            ack_requested=bool(options & ApsOption.RETRY),
            fragment=fragment,
            link_key=self._aps_link_key(destination, aps_frame["cluster_id"], aps_frame["profile_id"]),
        )
        sent = _aps_fields(aps_frame, sequence=counter)
        self._frame_sent()

        def done(delivered: bool) -> None:
            self.count(
                CounterType.APS_DATA_TX_UNICAST_SUCCESS
                if delivered
                else CounterType.APS_DATA_TX_UNICAST_FAILED
            )
            self._message_sent(message_type, destination, sent, tag, payload, delivered)

        if destination == self.node_id:
            self.scheduler.call_later(self.air.settings.latency, self._loop_back, message, done)
        else:
            self.air.send(message, done)
        return EmberStatus.SUCCESS, counter

    def _loop_back(self, message: ApsMessage, done: Any) -> None:
        """A unicast to the NCP itself: the stack answers ZDO, the rest goes straight up."""
        done(True)
        if message.is_zdo and message.cluster_id in STACK_ZDO_REQUESTS:
            answer = self._zdo.handle(message.cluster_id, message.payload, broadcast=False)
            self._follow(answer, broadcast=False)
            if answer.cluster_id is not None:
                reply = message.reply(self.node_id, answer.payload, cluster_id=answer.cluster_id)
                self._to_host(reply, self.air.link())
            return
        self._to_host(message, self.air.link())

    def send_broadcast(
        self,
        destination: int,
        aps_frame: Mapping[str, Any],
        tag: int,
        payload: bytes,
        *,
        multicast: bool = False,
    ) -> tuple[EmberStatus, int]:
        status = self._check_send(len(payload), False)
        if status is not EmberStatus.SUCCESS:
            return status, 0
        counter = self.next_aps_counter()
        group = aps_frame["group_id"] if multicast else destination
        message = ApsMessage(
            source=self.node_id,
            destination=group,
            profile_id=aps_frame["profile_id"],
            cluster_id=aps_frame["cluster_id"],
            source_endpoint=aps_frame["source_endpoint"],
            destination_endpoint=aps_frame["destination_endpoint"],
            payload=payload,
            counter=counter,
            delivery=Delivery.MULTICAST if multicast else Delivery.BROADCAST,
            ack_requested=False,
        )
        self._frame_sent()
        self.count(CounterType.APS_DATA_TX_BROADCAST)
        if message.is_zdo and message.cluster_id == ZdoCluster.MGMT_NWK_UPDATE_REQ:
            # The stack acts on a network update it broadcasts itself, as every router that hears it does
            self._follow(self._zdo.handle(message.cluster_id, payload, broadcast=True), broadcast=True)
        message_type = OutgoingMessageType.MULTICAST if multicast else OutgoingMessageType.BROADCAST
        sent = {**aps_frame, "sequence": counter}
        self.air.send(
            message, lambda delivered: self._message_sent(message_type, group, sent, tag, payload, delivered)
        )
        return EmberStatus.SUCCESS, counter

    def send_reply(self, sender: int, aps_frame: Mapping[str, Any], payload: bytes) -> EmberStatus:
        """sendReply: the host's APS ack of a fragment it received, or a reply to a message."""
        options = ApsOption(aps_frame["options"])
        if options & ApsOption.FRAGMENT and aps_frame["group_id"] >> 8 == 0xFF:
            # As EmberZNet's host fragmentation does with a window of one: mask 0xFF, index low.
            index = aps_frame["group_id"] & 0xFF
            if not self.air.acknowledge(self.node_id, sender, aps_frame["sequence"], index):
                self.events.emit("ncp", "stray_fragment_ack", sender=sender, index=index)
            return EmberStatus.SUCCESS
        frame = _aps_fields(aps_frame, options=aps_frame["options"] & ~ApsOption.FRAGMENT)
        status, _ = self.send_unicast(OutgoingMessageType.DIRECT, sender, frame, 0, payload)
        return status

    def _message_sent(
        self,
        message_type: OutgoingMessageType,
        destination: int,
        aps_frame: Mapping[str, Any],
        tag: int,
        payload: bytes,
        delivered: bool,
    ) -> None:
        ezsp = self.faults.faults.ezsp
        if delivered and self.faults.random.chance("ezsp.sent_failure", ezsp.sent_failure):
            self.events.emit("ncp", "sent_failure_injected", tag=tag)
            delivered = False
        contents_policy = self.policies[PolicyId.MESSAGE_CONTENTS_IN_CALLBACK_POLICY]
        fields = {
            "type": message_type,
            "index_or_destination": destination,
            "aps_frame": _aps_fields(aps_frame),
            "message_tag": tag,
            "status": EmberStatus.SUCCESS if delivered else EmberStatus.DELIVERY_FAILED,
            "message_contents": payload if contents_policy & 0x01 else b"",
        }
        if ezsp.sent_delay:
            self.scheduler.call_later(ezsp.sent_delay, lambda: self.callback("messageSentHandler", **fields))
        else:
            self.callback("messageSentHandler", **fields)

    def remove_device(self, node_id: int, eui64: Eui64) -> EmberStatus:
        """removeDevice: ask the device to leave (a ZDO Mgmt_Leave_req it acts on)."""
        if not self.network_up:
            return EmberStatus.NETWORK_DOWN
        payload = bytes([self.next_aps_counter()]) + eui64.to_wire() + b"\x00"
        self.air.send(
            ApsMessage(
                self.node_id,
                node_id,
                ZDO_PROFILE,
                ZdoCluster.MGMT_LEAVE_REQ,
                ZDO_ENDPOINT,
                ZDO_ENDPOINT,
                payload,
            )
        )
        return EmberStatus.SUCCESS

    # ---------------------------------------------------------------- scanning

    def start_scan(self, energy: bool, channel_mask: int, duration: int) -> None:
        """Report each channel of an energy scan (an active scan finds no other network)."""
        dwell = SCAN_SLOT * (2**duration + 1) if self.air.settings.airtime else self.air.settings.latency
        channels = [c for c in range(11, 27) if channel_mask & 1 << c]
        noise = self.faults.random.stream("scan.energy")
        for step, channel in enumerate(channels, start=1):
            if energy:
                rssi = -95 + noise.randrange(10)
                self.scheduler.call_later(
                    step * dwell,
                    lambda c=channel, r=rssi: self.callback(
                        "energyScanResultHandler", channel=c, max_rssi_value=r
                    ),
                )
        self.scheduler.call_later(
            (len(channels) + 1) * dwell,
            lambda: self.callback("scanCompleteHandler", channel=0, status=EmberStatus.SUCCESS),
        )

    # ---------------------------------------------------------------- status

    def status(self) -> dict[str, Any]:
        network = self.nvm.network
        return {
            "eui64": str(self.eui64),
            "formed": network is not None,
            "network_up": self.network_up,
            "permitting": self.permitting,
            "pan_id": f"0x{network.pan_id:04X}" if network else None,
            "extended_pan_id": str(network.extended_pan_id) if network else None,
            "channel": network.channel if network else None,
            "nwk_frame_counter": self.nvm.nwk_frame_counter,
            "members": {str(m.eui64): f"0x{m.node_id:04X}" for m in self.nvm.members.values()},
            "endpoints": sorted(self.endpoints),
            "mfglib": asdict(self.mfglib) if self.mfglib is not None else None,
        }


APS_FRAME_FIELDS = (
    "profile_id",
    "cluster_id",
    "source_endpoint",
    "destination_endpoint",
    "options",
    "group_id",
    "sequence",
)


def _aps_fields(aps_frame: Mapping[str, Any], **changes: int) -> dict[str, Any]:
    """An EmberApsFrame as a plain dict (without construct's bookkeeping), with some fields changed."""
    return {name: changes.get(name, aps_frame[name]) for name in APS_FRAME_FIELDS}


def _aps_frame(message: ApsMessage, options: ApsOption, group_id: int) -> dict[str, int]:
    return {
        "profile_id": message.profile_id,
        "cluster_id": message.cluster_id,
        "source_endpoint": message.source_endpoint,
        "destination_endpoint": message.destination_endpoint,
        "options": options,
        "group_id": group_id,
        "sequence": message.counter,
    }


def network_settings_from(parameters: Mapping[str, Any]) -> NetworkSettings:
    """The NVM record of EZSP ``EmberNetworkParameters``."""
    channel = parameters["radio_channel"]
    return NetworkSettings(
        pan_id=parameters["pan_id"],
        extended_pan_id=parameters["extended_pan_id"],
        channel=channel,
        tx_power=parameters["radio_tx_power"],
        nwk_update_id=parameters["nwk_update_id"],
        nwk_manager_id=parameters["nwk_manager_id"],
    )


def with_tx_power(settings: NetworkSettings, power: int) -> NetworkSettings:
    return replace(settings, tx_power=power)
