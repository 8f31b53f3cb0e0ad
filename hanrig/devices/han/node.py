"""The base of every emulated device: identity, endpoints and clusters, join, send and receive.

A ``Node`` is a plain object; on the virtual HAN it is a station of the ``Air``. It joins
through the coordinator (when joining is permitted, by itself unless told otherwise),
announces itself, answers ZDO on endpoint 0 and ZCL on its endpoints, puts long messages
back together and cuts its own into fragments. Device kinds subclass it or just give it
endpoints with clusters whose commands have handlers; ``call_later`` lets a device act on
its own (wake up, send a request) on the emulator's clock.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from hanrig.devices.errors import InputError
from hanrig.devices.events import EventLog
from hanrig.devices.han import airtime
from hanrig.devices.han.air import BROADCAST_DELIVERY_TIME, AckTiming, Air, JoinRequest, Link
from hanrig.devices.han.aps import (
    WILDCARD_PROFILE,
    ZDO_ENDPOINT,
    ZDO_PROFILE,
    ApsMessage,
    BroadcastAddress,
    Delivery,
)
from hanrig.devices.han.fragmentation import FragmentedSend, Reassembler
from hanrig.devices.han.zcl.cluster import Cluster, Role, dispatch
from hanrig.devices.han.zcl.frame import ZclFrame
from hanrig.devices.han.zdo import (
    RESPONSE,
    LogicalType,
    MacCapability,
    NodeDescriptor,
    SimpleDescriptor,
    ZdoCluster,
    ZdoServer,
    device_announce,
)
from hanrig.devices.ieee import COORDINATOR_NODE_ID, Eui64
from hanrig.devices.scheduling import Timer

LOG = logging.getLogger(__name__)

#: the key every Zigbee 3.0 device may join with when it has no install code
WELL_KNOWN_LINK_KEY = b"ZigBeeAlliance09"
#: a device waits this long after joining is permitted before it asks (it scans first)
JOIN_DELAY = 0.05
#: and this long after joining before it announces itself
ANNOUNCE_DELAY = 0.02
#: endpoint 0xFF addresses every endpoint of a node
ALL_ENDPOINTS = 0xFF

OnDone = Callable[[bool], None]


class Endpoint:
    """One application endpoint: its simple descriptor and its clusters."""

    def __init__(
        self,
        endpoint_id: int,
        *,
        profile_id: int,
        device_id: int,
        clusters: Iterable[Cluster],
        device_version: int = 0,
        also_accepts: Iterable[int] = (),
    ) -> None:
        if not 1 <= endpoint_id <= 240:
            raise ValueError(f"application endpoints are 1 to 240, not {endpoint_id}")
        self.endpoint_id = endpoint_id
        self.profile_id = profile_id
        self.device_id = device_id
        self.device_version = device_version
        self.clusters: dict[tuple[int, Role], Cluster] = {(c.cluster_id, c.role): c for c in clusters}
        #: profiles this endpoint answers besides its own and the wildcard
        self.also_accepts = frozenset(also_accepts)

    def cluster(self, cluster_id: int, role: Role = Role.SERVER) -> Cluster:
        return self.clusters[(cluster_id, role)]

    @property
    def simple_descriptor(self) -> SimpleDescriptor:
        return SimpleDescriptor(
            endpoint=self.endpoint_id,
            profile_id=self.profile_id,
            device_id=self.device_id,
            device_version=self.device_version,
            input_clusters=tuple(sorted(cid for cid, role in self.clusters if role is Role.SERVER)),
            output_clusters=tuple(sorted(cid for cid, role in self.clusters if role is Role.CLIENT)),
        )

    def accepts(self, profile_id: int) -> bool:
        """APS delivers a frame to an endpoint of the same profile, or sent with the wildcard (or one it also takes)."""
        return profile_id in (self.profile_id, WILDCARD_PROFILE) or profile_id in self.also_accepts


class Node:
    """An emulated device on the virtual HAN."""

    def __init__(
        self,
        *,
        name: str,
        eui64: Eui64,
        node_id: int,
        endpoints: Sequence[Endpoint],
        logical_type: LogicalType = LogicalType.ROUTER,
        manufacturer_code: int = 0x1234,
        mains_powered: bool = True,
        link_key: bytes = WELL_KNOWN_LINK_KEY,
        auto_join: bool = True,
    ) -> None:
        if logical_type is LogicalType.COORDINATOR:
            raise ValueError("an emulated device cannot be the coordinator")
        self.name = name
        self._eui64 = eui64
        self._node_id = node_id
        self.endpoints = {endpoint.endpoint_id: endpoint for endpoint in endpoints}
        self.logical_type = logical_type
        self.manufacturer_code = manufacturer_code
        self.mains_powered = mains_powered
        self.link_key = link_key
        self.auto_join = auto_join
        self.joined = False
        #: the channel of the network it joined (it follows a channel change)
        self.channel: int | None = None
        self._in_range = True
        self.groups: set[int] = set()
        self._air: Air | None = None
        self._events: EventLog | None = None
        self._reassembler: Reassembler | None = None
        self._zdo = ZdoServer(self)
        self._tsn = itertools.count(1)
        self._aps_counter = itertools.count(1)
        self._join_timer: Timer | None = None
        self._power_up_timer: Timer | None = None
        #: the Device_annce a device sends once it is (back) in the network; a reboot before it cancels it
        self._announce_timer: Timer | None = None

    # ---------------------------------------------------------------- identity (Station, ZdoIdentity)

    @property
    def node_id(self) -> int:
        return self._node_id

    @property
    def eui64(self) -> Eui64:
        return self._eui64

    @property
    def on_network(self) -> bool:
        return self.joined

    @property
    def in_range(self) -> bool:
        return self._in_range

    @in_range.setter
    def in_range(self, value: bool) -> None:
        self._in_range = value
        self._record("in_range" if value else "out_of_range")

    @property
    def is_router(self) -> bool:
        return self.logical_type is LogicalType.ROUTER

    @property
    def rx_on_when_idle(self) -> bool:
        return self.is_router or self.mains_powered

    def member_of(self, group_id: int) -> bool:
        return group_id in self.groups

    @property
    def capability(self) -> MacCapability:
        capability = MacCapability.ALLOCATE_ADDRESS
        if self.is_router:
            capability |= MacCapability.FULL_FUNCTION_DEVICE
        if self.mains_powered:
            capability |= MacCapability.MAINS_POWERED
        if self.rx_on_when_idle:
            capability |= MacCapability.RX_ON_WHEN_IDLE
        return capability

    @property
    def node_descriptor(self) -> NodeDescriptor:
        return NodeDescriptor(
            logical_type=self.logical_type,
            mac_capability=self.capability,
            manufacturer_code=self.manufacturer_code,
        )

    @property
    def simple_descriptors(self) -> list[SimpleDescriptor]:
        return [endpoint.simple_descriptor for endpoint in self.endpoints.values()]

    # ---------------------------------------------------------------- life on the HAN

    @property
    def air(self) -> Air:
        if self._air is None:
            raise RuntimeError(f"{self.name} is not on the air")
        return self._air

    def attach(self, air: Air, events: EventLog, *, joined: bool = False) -> None:
        """Power the device up on ``air``; ``joined`` if it was in the network already."""
        self._air = air
        self._events = events
        self._reassembler = Reassembler(air.scheduler)
        self.joined = joined
        self.channel = air.network_channel if joined else None
        air.attach(self)
        air.watch_permit(self)
        self._record("powered_on", joined=joined)

    def detach(self) -> None:
        """Power the device off: it vanishes from the air without leaving."""
        for timer in (self._join_timer, self._power_up_timer, self._announce_timer):
            if timer is not None:
                timer.cancel()
        self._join_timer = self._power_up_timer = self._announce_timer = None
        if self._air is not None:
            self._air.detach(self)
            self._record("powered_off")
        self._air = None

    def reboot(self, off_for: float) -> None:
        """Restart: off the air for ``off_for`` seconds, then back in the network it was in.

        Like a device after a firmware activation or a watchdog reset, it keeps its network
        settings, announces itself once it is back and forgets every fragment it was given.
        """
        air, events = self.air, self._events
        assert events is not None
        self._record("rebooting", off_for=off_for)
        self.detach()
        self._power_up_timer = air.scheduler.call_later(off_for, self._power_up, air, events)

    def _power_up(self, air: Air, events: EventLog) -> None:
        self._power_up_timer = None
        self.attach(air, events, joined=self.joined)
        if self.joined:
            self._announce_timer = self.call_later(ANNOUNCE_DELAY, self._announce)
        self.on_rebooted()

    def permit_opened(self) -> None:
        if self.auto_join and not self.joined and self._join_timer is None:
            self._join_timer = self.call_later(JOIN_DELAY, self._auto_join)

    def _auto_join(self) -> None:
        self._join_timer = None
        self.join()

    def join(self) -> bool:
        """Ask the coordinator to let this device in; announce it if it says yes."""
        if self.joined:
            return True
        request = JoinRequest(self.eui64, self.node_id, self.is_router, self.rx_on_when_idle, self.link_key)
        channel = self.air.join(request) if self.in_range else None
        if channel is None:
            self._record("join_refused")
            return False
        self.channel = channel
        self.joined = True
        self._record("joined")
        self._announce_timer = self.call_later(ANNOUNCE_DELAY, self._announce)
        self.on_joined()
        return True

    def leave(self) -> None:
        """Leave the network, telling the coordinator."""
        if not self.joined:
            return
        self.joined = False
        self.air.leave(self.eui64, self.node_id)
        self._record("left")
        self.on_left()

    def _move_to(self, channel: int) -> None:
        if self.joined and self.channel != channel:
            self.channel = channel
            self._record("channel_changed", channel=channel)

    def _announce(self) -> None:
        self._announce_timer = None
        if self.joined:
            payload = device_announce(self.next_tsn(), self.node_id, self.eui64, self.capability)
            self.send(
                destination=BroadcastAddress.RX_ON_WHEN_IDLE,
                profile_id=ZDO_PROFILE,
                cluster_id=ZdoCluster.DEVICE_ANNCE,
                source_endpoint=ZDO_ENDPOINT,
                destination_endpoint=ZDO_ENDPOINT,
                payload=payload,
                delivery=Delivery.BROADCAST,
            )

    # ---------------------------------------------------------------- hooks for device kinds

    def on_joined(self) -> None:
        """Called when the device has joined; a kind may start its own timers here."""

    def on_left(self) -> None:
        """Called when the device has left the network."""

    def on_rebooted(self) -> None:
        """Called when the device is back on the air after ``reboot``."""

    def aps_link_key(self, profile_id: int, cluster_id: int) -> bytes | None:
        """The APS link key that secures a unicast of this cluster; None, network security alone (the default)."""
        return None

    def on_zdo_response(self, request: int, payload: bytes, sender: int) -> None:
        """A ZDO response (to the request cluster ``request``) from ``sender``; a kind that asks acts on it."""

    def control(self, command: str, args: Mapping[str, Any]) -> Any:
        """A control-plane command of this kind (an OTA abort, a wake-up…); kinds add theirs."""
        raise InputError(f"{self.name} ({type(self).__name__}) has no control command {command!r}")

    # ---------------------------------------------------------------- receiving

    def receive(self, message: ApsMessage, link: Link) -> AckTiming:
        """A frame from the air (a fragment, or a whole message)."""
        if message.fragment is not None:
            assert self._reassembler is not None
            whole = self._reassembler.add(message)
            if whole is not None:
                self.handle_message(whole)
        else:
            self.handle_message(message)
        return AckTiming.NOW

    def handle_message(self, message: ApsMessage) -> None:
        """A whole message for this device: ZDO on endpoint 0, ZCL on the others."""
        broadcast = message.delivery is not Delivery.UNICAST
        if message.is_zdo and message.cluster_id & RESPONSE:
            self._record("zdo_received", cluster=message.cluster_id, sender=message.source)
            self.on_zdo_response(message.cluster_id & ~RESPONSE, message.payload, message.source)
            return
        if message.is_zdo:
            answer = self._zdo.handle(message.cluster_id, message.payload, broadcast=broadcast)
            self._record("zdo_received", cluster=message.cluster_id, sender=message.source)
            if answer.channel_change is not None:
                # A broadcast change waits until the broadcast has reached the whole network
                self.call_later(BROADCAST_DELIVERY_TIME if broadcast else 0.0, self._move_to, answer.channel_change[0])
            if answer.cluster_id is not None:
                after = self._leave_later if answer.leave else None
                self._answer(message, answer.payload, cluster_id=answer.cluster_id, on_done=after)
            return
        if message.destination_endpoint == ALL_ENDPOINTS:
            targets = list(self.endpoints.values())
        else:
            target = self.endpoints.get(message.destination_endpoint)
            targets = [target] if target is not None else []
        for endpoint in targets:
            if not endpoint.accepts(message.profile_id):
                self._record("dropped", reason="profile mismatch", profile=message.profile_id)
                continue
            outcome = dispatch(
                endpoint.clusters,
                message.cluster_id,
                message.payload,
                source=message.source,
                source_endpoint=message.source_endpoint,
                broadcast=broadcast,
            )
            self._record(
                "zcl_received",
                endpoint=endpoint.endpoint_id,
                sender=message.source,
                length=len(message.payload),
                **outcome.summary,
            )
            if outcome.answer is not None:
                self._answer(message, outcome.answer.to_bytes(), source_endpoint=endpoint.endpoint_id)

    def _leave_later(self, delivered: bool) -> None:
        self.call_later(ANNOUNCE_DELAY, self.leave)

    def _answer(
        self,
        request: ApsMessage,
        payload: bytes,
        *,
        cluster_id: int | None = None,
        source_endpoint: int | None = None,
        on_done: OnDone | None = None,
    ) -> None:
        self.send(
            destination=request.source,
            profile_id=request.profile_id,
            cluster_id=request.cluster_id if cluster_id is None else cluster_id,
            source_endpoint=request.destination_endpoint if source_endpoint is None else source_endpoint,
            destination_endpoint=request.source_endpoint,
            payload=payload,
            on_done=on_done,
        )

    # ---------------------------------------------------------------- sending

    def next_tsn(self) -> int:
        """The next transaction sequence number for a ZCL or ZDO frame this device starts."""
        return next(self._tsn) & 0xFF

    def send(
        self,
        *,
        payload: bytes,
        profile_id: int,
        cluster_id: int,
        source_endpoint: int,
        destination_endpoint: int,
        destination: int = COORDINATOR_NODE_ID,
        delivery: Delivery = Delivery.UNICAST,
        ack: bool = True,
        on_done: OnDone | None = None,
    ) -> int:
        """Send an APS message, in fragments if it is too long for one frame; returns its counter."""
        counter = next(self._aps_counter) & 0xFF
        message = ApsMessage(
            source=self.node_id,
            destination=destination,
            profile_id=profile_id,
            cluster_id=cluster_id,
            source_endpoint=source_endpoint,
            destination_endpoint=destination_endpoint,
            payload=payload,
            counter=counter,
            delivery=delivery,
            ack_requested=ack and delivery is Delivery.UNICAST,
            link_key=self.aps_link_key(profile_id, cluster_id) if delivery is Delivery.UNICAST else None,
        )
        done = self._sent_reporter(message, on_done)
        too_long = len(payload) > airtime.max_aps_payload()
        if too_long and delivery is not Delivery.UNICAST:
            limit = airtime.max_aps_payload()
            raise ValueError(
                f"a {delivery.value} carries at most {limit} octets: APS fragments only unicasts"
            )
        if too_long:
            send = FragmentedSend(
                message,
                size=airtime.max_aps_payload(fragment=True),
                window=self.air.settings.fragment_window,
                send_frame=self.air.send,
                on_done=done,
            )
            self._record("sending_fragmented", counter=counter, length=len(payload), fragments=send.count)
            send.start()
        else:
            self.air.send(message, done)
        return counter

    def send_zcl(
        self,
        frame: ZclFrame,
        *,
        cluster_id: int,
        source_endpoint: int,
        destination_endpoint: int,
        destination: int = COORDINATOR_NODE_ID,
        on_done: OnDone | None = None,
    ) -> int:
        """Send a ZCL frame from one of this device's endpoints (with that endpoint's profile)."""
        return self.send(
            payload=frame.to_bytes(),
            profile_id=self.endpoints[source_endpoint].profile_id,
            cluster_id=cluster_id,
            source_endpoint=source_endpoint,
            destination_endpoint=destination_endpoint,
            destination=destination,
            on_done=on_done,
        )

    def _sent_reporter(self, message: ApsMessage, on_done: OnDone | None) -> OnDone:
        def done(delivered: bool) -> None:
            self._record(
                "sent" if delivered else "send_failed",
                counter=message.counter,
                cluster=message.cluster_id,
                destination=message.destination,
            )
            if on_done is not None:
                on_done(delivered)

        return done

    # ---------------------------------------------------------------- time and records

    def call_later(self, delay: float, callback: Callable[..., Any], *args: Any) -> Timer:
        """Run ``callback`` after ``delay`` seconds on the emulator's clock."""
        return self.air.scheduler.call_later(delay, callback, *args)

    def _record(self, kind: str, **details: Any) -> None:
        if self._events is not None:
            self._events.emit(self.name, kind, **details)

    def status(self) -> dict[str, Any]:
        """What the control plane reports about this device."""
        return {
            "name": self.name,
            "eui64": str(self.eui64),
            "node_id": f"0x{self.node_id:04X}",
            "joined": self.joined,
            "in_range": self.in_range,
            "endpoints": [endpoint.endpoint_id for endpoint in self.endpoints.values()],
        }
