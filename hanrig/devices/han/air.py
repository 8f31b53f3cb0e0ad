"""The virtual HAN: APS frames between stations (the coordinator and the devices) by node id.

A unicast takes ``latency`` per hop (the host's and the stacks' own time; none by default).
With the airtime model on (``airtime: true``, real-time air) each frame also takes its
802.15.4 airtime, and a channel is one shared medium: a frame waits for the frames put on
the same channel before it, so transfers that share a channel share its 250 kbit/s as on a
real HAN where every station hears every other (CSMA-CA's outcome, without its collisions).
A receiver's own answer may take the channel before the APS ACK of what it answers (a real
stack acknowledges first): the order of the two differs, the time they take together does not.
A unicast may be lost, and so may its APS acknowledgement, as the air faults say. With an APS ack
requested the sender retries up to ``aps_retries`` times, and the receiver, like a real
APS layer, acts on a message only once however often it arrives. The outcome reaches the
sender as ``on_done(delivered)``: that is what becomes a messageSentHandler.

Every frame put on the air (data, APS ACK, broadcast; retries and lost frames too) is
accounted in ``Air.account`` with what the airtime model predicts it takes, whether or
not the model is on, so that a run can be compared with a real 250 kbit/s hop.

Joins go through the coordinator, which plays the trust center; stations not on the
network neither send nor receive, and stations on different channels do not hear each
other (a channel change moves the coordinator and each device at its own moment).
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from hanrig.bench.emulator import AirSettings
from hanrig.devices.events import EventLog
from hanrig.devices.han import airtime
from hanrig.devices.han.aps import ApsMessage, BroadcastAddress, Delivery
from hanrig.devices.ieee import Eui64
from hanrig.devices.radio.faults import FaultInjector
from hanrig.devices.scheduling import Scheduler, Timer

LOG = logging.getLogger(__name__)

OnDone = Callable[[bool], None]

#: nwkNetworkBroadcastDeliveryTime: how long a broadcast takes to reach the whole network, after which
#: a broadcast channel change takes effect (Zigbee PRO's default, 9 s; zigbee-herdsman#977 saw an EZSP
#: coordinator report the change about 9 s after its broadcast)
BROADCAST_DELIVERY_TIME = 9.0


class AckTiming(enum.Enum):
    #: the receiving stack acknowledges at once (every device, and the NCP for whole messages)
    NOW = "now"
    #: the receiver acknowledges later with ``Air.acknowledge`` (the NCP leaves fragments to its host)
    LATER = "later"


@dataclass(frozen=True)
class Link:
    """How the receiver heard the last hop."""

    lqi: int
    rssi: int


@dataclass
class AirtimeAccount:
    """The frames put on the air so far and their predicted airtime (``devices.han.airtime``)."""

    frames: int = 0
    seconds: float = 0.0

    def add(self, seconds: float) -> None:
        self.frames += 1
        self.seconds += seconds

    def as_dict(self) -> dict[str, float | int]:
        return {"frames": self.frames, "airtime_s": self.seconds}


class FrameKind(enum.Enum):
    DATA = "data"
    APS_ACK = "aps_ack"


@dataclass(frozen=True)
class OnAir:
    """A frame as it goes on the air, for whoever listens in (a capture): sent, if not necessarily heard."""

    time: float
    kind: FrameKind
    #: the data frame, or for an APS ACK the data frame it acknowledges
    message: ApsMessage
    #: the node id that sends it (for an ACK, the receiver of ``message``)
    sender: int
    #: the EUI-64 of the sender, which the NWK security header carries
    sender_eui64: Eui64
    channel: int | None


@dataclass(frozen=True)
class JoinRequest:
    eui64: Eui64
    node_id: int
    is_router: bool
    rx_on_when_idle: bool
    link_key: bytes


class Station(Protocol):
    """Anything with a node id on the air: the coordinator and every device."""

    @property
    def node_id(self) -> int: ...

    @property
    def eui64(self) -> Eui64: ...

    @property
    def on_network(self) -> bool: ...

    @property
    def in_range(self) -> bool: ...

    @property
    def channel(self) -> int | None:
        """The 2.4 GHz channel it listens on (None: not on a network); only stations on one channel hear each other."""
        ...

    @property
    def is_router(self) -> bool: ...

    @property
    def rx_on_when_idle(self) -> bool: ...

    def member_of(self, group_id: int) -> bool: ...

    def receive(self, message: ApsMessage, link: Link) -> AckTiming: ...


class TrustCenter(Protocol):
    """The coordinator's part in joins and leaves."""

    @property
    def channel(self) -> int | None: ...

    @property
    def eui64(self) -> Eui64: ...

    def admit(self, request: JoinRequest) -> bool: ...

    def left(self, eui64: Eui64, node_id: int) -> None: ...


class Joiner(Protocol):
    """A device that can be told the network now permits joining."""

    def permit_opened(self) -> None: ...


class Air:
    def __init__(
        self, scheduler: Scheduler, *, settings: AirSettings, faults: FaultInjector, events: EventLog
    ) -> None:
        self.scheduler = scheduler
        self.settings = settings
        self.faults = faults
        self.events = events
        self._stations: dict[int, Station] = {}
        self._joiners: list[Joiner] = []
        self.trust_center: TrustCenter | None = None
        self._awaiting_ack: dict[tuple[int, int, int, int], _Transmission] = {}
        self.account = AirtimeAccount()
        #: with the airtime model on, when each channel is next free
        self._channel_busy_until: dict[int | None, float] = {}
        #: called with every frame put on the air (a capture listens here)
        self.listeners: list[Callable[[OnAir], None]] = []

    # ---------------------------------------------------------------- membership

    def attach(self, station: Station) -> None:
        if station.node_id in self._stations:
            raise ValueError(f"node id 0x{station.node_id:04X} is already on the air")
        self._stations[station.node_id] = station

    def detach(self, station: Station) -> None:
        self._stations.pop(station.node_id, None)
        if station in self._joiners:
            self._joiners.remove(station)  # type: ignore[arg-type]

    def station(self, node_id: int) -> Station | None:
        return self._stations.get(node_id)

    def watch_permit(self, joiner: Joiner) -> None:
        """Tell ``joiner`` when the network next permits joining."""
        if joiner not in self._joiners:
            self._joiners.append(joiner)

    def permit_opened(self) -> None:
        for joiner in list(self._joiners):
            joiner.permit_opened()

    @property
    def network_channel(self) -> int | None:
        """The channel the trust center (the coordinator) is on."""
        return self.trust_center.channel if self.trust_center is not None else None

    def join(self, request: JoinRequest) -> int | None:
        """The channel of the network, if the trust center lets the device in; None if not."""
        if self.trust_center is None or not self.trust_center.admit(request):
            return None
        return self.network_channel

    def leave(self, eui64: Eui64, node_id: int) -> None:
        if self.trust_center is not None:
            self.trust_center.left(eui64, node_id)

    # ---------------------------------------------------------------- sending

    def send(self, message: ApsMessage, on_done: OnDone | None = None) -> None:
        """Put ``message`` on the air; ``on_done(delivered)`` follows when the sender knows."""
        if message.delivery is Delivery.UNICAST:
            _Transmission(self, message, on_done or _ignore).attempt()
        else:
            self._flood(message, on_done or _ignore)

    def acknowledge(self, receiver: int, source: int, counter: int, fragment_index: int) -> bool:
        """A receiver that chose ``AckTiming.LATER`` acknowledges a frame; False if none waits."""
        transmission = self._awaiting_ack.get((receiver, source, counter, fragment_index))
        if transmission is None:
            return False
        transmission.acknowledged()
        return True

    def _flood(self, message: ApsMessage, on_done: OnDone) -> None:
        sender = self._stations.get(message.source)
        hop = self.settings.latency
        if sender is not None and sender.on_network and sender.in_range:
            hop = self._occupy(airtime.broadcast_time(len(message.payload)), sender)
            self.put_on_air(FrameKind.DATA, message, sender)
            for station in list(self._stations.values()):
                if station is sender or station.channel != sender.channel or not self._floods_to(message, station):
                    continue
                if self.faults.random.chance("air.loss", self.faults.faults.air.loss):
                    self.events.emit("air", "lost", **_describe(message), to=f"0x{station.node_id:04X}")
                    continue
                self.scheduler.call_later(hop, self._deliver_flood, station, message)
        self.scheduler.call_later(hop, on_done, True)

    def put_on_air(self, kind: FrameKind, message: ApsMessage, sender: Station) -> None:
        """Tell the listeners a frame went out from ``sender``."""
        if self.listeners:
            frame = OnAir(self.scheduler.time(), kind, message, sender.node_id, sender.eui64, sender.channel)
            for listener in self.listeners:
                listener(frame)

    def _floods_to(self, message: ApsMessage, station: Station) -> bool:
        if not (station.on_network and station.in_range):
            return False
        if message.delivery is Delivery.MULTICAST:
            return station.member_of(message.destination)
        if message.destination == BroadcastAddress.ROUTERS_AND_COORDINATOR:
            return station.is_router
        if message.destination == BroadcastAddress.RX_ON_WHEN_IDLE:
            return station.rx_on_when_idle
        return True

    def _deliver_flood(self, station: Station, message: ApsMessage) -> None:
        if station.on_network:
            self.hand_over(station, message)

    def hand_over(self, station: Station, message: ApsMessage) -> AckTiming:
        """Give ``station`` a frame; a device model that fails is logged, never fatal to the HAN."""
        try:
            return station.receive(message, self.link())
        except Exception:
            LOG.exception("station 0x%04X failed on a frame from 0x%04X", station.node_id, message.source)
            return AckTiming.NOW

    def link(self) -> Link:
        """How every receiver hears a hop (one link quality for the whole HAN)."""
        return Link(self.settings.lqi, self.settings.rssi)

    def _data_time(self, message: ApsMessage, sender: Station | None) -> float:
        """Put a data frame on the air: how long its hop takes."""
        return self._occupy(airtime.data_time(len(message.payload), fragment=message.fragment is not None), sender)

    def _ack_time(self, message: ApsMessage, sender: Station | None) -> float:
        """Put an APS ACK on the air: how long its hop takes."""
        return self._occupy(airtime.aps_ack_time(fragment=message.fragment is not None), sender)

    def _occupy(self, frame_airtime: float, sender: Station | None) -> float:
        """Account a frame put on the air: how long until it has gone.

        With the model on, the frame has the sender's channel from when the frames before it
        there are done until its own airtime has passed.
        """
        self.account.add(frame_airtime)
        if not self.settings.airtime:
            return self.settings.latency
        channel = sender.channel if sender is not None else None
        now = self.scheduler.time()
        start = max(now, self._channel_busy_until.get(channel, now))
        self._channel_busy_until[channel] = start + frame_airtime
        return self.settings.latency + start + frame_airtime - now


def _ignore(delivered: bool) -> None:
    """For sends whose outcome nobody needs."""


def _describe(message: ApsMessage) -> dict[str, object]:
    described: dict[str, object] = {
        "from": f"0x{message.source:04X}",
        "cluster": f"0x{message.cluster_id:04X}",
        "counter": message.counter,
    }
    if message.fragment is not None:
        described["fragment"] = message.fragment.index
    return described


class _Transmission:
    """One unicast and its retries, until the sender knows whether it arrived."""

    def __init__(self, air: Air, message: ApsMessage, on_done: OnDone) -> None:
        self.air = air
        self.message = message
        self.on_done = on_done
        self.attempts = 0
        self.delivered = False
        self.ack_timing = AckTiming.NOW
        self.receiver_acked = False
        self.finished = False
        self.timer: Timer | None = None
        index = message.fragment.index if message.fragment else 0
        self.key = (message.destination, message.source, message.counter, index)

    def attempt(self) -> None:
        air = self.air
        self.attempts += 1
        sender = air.station(self.message.source)
        receiver = air.station(self.message.destination)
        reachable = (
            sender is not None
            and receiver is not None
            and sender.on_network
            and receiver.on_network
            and sender.in_range
            and receiver.in_range
            and sender.channel == receiver.channel
        )
        hop = air._data_time(self.message, sender)  # a frame that is lost took its airtime all the same
        if sender is not None and sender.on_network and sender.in_range:
            air.put_on_air(FrameKind.DATA, self.message, sender)
        if not reachable or air.faults.random.chance("air.loss", air.faults.faults.air.loss):
            air.events.emit("air", "lost", **_describe(self.message), attempt=self.attempts)
            if self.message.ack_requested:
                self.timer = air.scheduler.call_later(air.settings.aps_ack_timeout, self._no_ack)
            else:
                self.timer = air.scheduler.call_later(hop, self._finish, False)
            return
        assert receiver is not None
        self.timer = air.scheduler.call_later(hop, self._arrive, receiver)

    def _arrive(self, receiver: Station) -> None:
        air = self.air
        if not self.delivered:
            # A retry of a frame that already arrived is only acknowledged (APS duplicate rejection).
            self.delivered = True
            self.ack_timing = air.hand_over(receiver, self.message)
        if not self.message.ack_requested:
            self._finish(True)
            return
        if self.ack_timing is AckTiming.LATER and not self.receiver_acked:
            air._awaiting_ack[self.key] = self
            self.timer = air.scheduler.call_later(air.settings.aps_ack_timeout, self._no_ack)
            return
        self._send_ack()

    def acknowledged(self) -> None:
        self.receiver_acked = True
        self.air._awaiting_ack.pop(self.key, None)
        if self.timer is not None:
            self.timer.cancel()
        self._send_ack()

    def _send_ack(self) -> None:
        air = self.air
        receiver = air.station(self.message.destination)
        hop = air._ack_time(self.message, receiver)
        if receiver is not None:
            air.put_on_air(FrameKind.APS_ACK, self.message, receiver)
        if air.faults.random.chance("air.aps_ack_failure", air.faults.faults.air.aps_ack_failure):
            air.events.emit("air", "ack_lost", **_describe(self.message), attempt=self.attempts)
            self.timer = air.scheduler.call_later(air.settings.aps_ack_timeout, self._no_ack)
            return
        self.timer = air.scheduler.call_later(hop, self._finish, True)

    def _no_ack(self) -> None:
        self.air._awaiting_ack.pop(self.key, None)
        if self.attempts <= self.air.settings.aps_retries:
            self.attempt()
        else:
            self._finish(False)

    def _finish(self, delivered: bool) -> None:
        if self.finished:
            return
        self.finished = True
        self.air._awaiting_ack.pop(self.key, None)
        if not delivered:
            self.air.events.emit("air", "delivery_failed", **_describe(self.message), attempts=self.attempts)
        self.on_done(delivered)
