"""APS data frames as the virtual HAN carries them between the coordinator and devices."""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace

#: the application profiles a GB HAN sees
HOME_AUTOMATION_PROFILE = 0x0104
SMART_ENERGY_PROFILE = 0x0109
ZDO_PROFILE = 0x0000
#: a frame sent with this profile reaches an endpoint of any (standard) profile
WILDCARD_PROFILE = 0xFFFF
ZDO_ENDPOINT = 0


class Delivery(enum.Enum):
    UNICAST = "unicast"
    BROADCAST = "broadcast"
    MULTICAST = "multicast"


class BroadcastAddress(enum.IntEnum):
    """Who a broadcast is for (Zigbee NWK broadcast addresses)."""

    ALL_DEVICES = 0xFFFF
    RX_ON_WHEN_IDLE = 0xFFFD
    ROUTERS_AND_COORDINATOR = 0xFFFC
    LOW_POWER_ROUTERS = 0xFFFB


@dataclass(frozen=True)
class Fragment:
    """Which part of a fragmented message a frame carries."""

    index: int
    count: int


@dataclass(frozen=True)
class ApsMessage:
    """One APS data frame, or one whole message once fragments are put back together.

    ``destination`` is a node id for a unicast, a ``BroadcastAddress`` for a broadcast and
    the group id for a multicast. ``counter`` is the sender's APS counter; every fragment
    of one message carries the same counter.
    """

    source: int
    destination: int
    profile_id: int
    cluster_id: int
    source_endpoint: int
    destination_endpoint: int
    payload: bytes
    counter: int = 0
    delivery: Delivery = Delivery.UNICAST
    ack_requested: bool = True
    fragment: Fragment | None = None
    #: the APS link key the frame is secured with; None for network security alone. A model of APS
    #: encryption: a receiver that holds another link key for the sender cannot read the frame
    link_key: bytes | None = None

    @property
    def is_zdo(self) -> bool:
        return self.profile_id == ZDO_PROFILE and self.destination_endpoint == ZDO_ENDPOINT

    def reply(self, source: int, payload: bytes, *, cluster_id: int | None = None) -> ApsMessage:
        """A unicast from ``source`` back to where this came from, endpoints swapped."""
        return ApsMessage(
            source=source,
            destination=self.source,
            profile_id=self.profile_id,
            cluster_id=self.cluster_id if cluster_id is None else cluster_id,
            source_endpoint=self.destination_endpoint,
            destination_endpoint=self.source_endpoint,
            payload=payload,
        )

    def with_payload(self, payload: bytes) -> ApsMessage:
        return replace(self, payload=payload, fragment=None)
