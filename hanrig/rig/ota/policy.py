"""How the rig's OTA server serves one device type: block sizes, pacing, timeouts, activation.

A policy is plain data from ``hil_config.yaml``; the defaults here are the only ones (the
embedded default config does not restate them). No public source gives GBCS's OTA
timings, block sizes or retry counts (GBCS §11 and CHTS were not available), so every
default is **inferred** and marked [INF] where it is set. They are chosen generous: a
GBCS device may verify a signed image for minutes before its Upgrade End Request, and
zigpy's own 30 s stall and 60 s final-block limits are known to kill such transfers.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

#: The most image data one Image Block Response can carry on the link: an 82-byte APS
#: payload (Zigbee PRO, network security, no APS encryption) less the ZCL header (3)
#: and the response's fixed fields (status, manufacturer, type, version, offset, length: 14).
LINK_MAX_BLOCK_SIZE = 82 - 3 - 14


class NotifyPayloadType(enum.IntEnum):
    """What an Image Notify carries beyond the query jitter (ZCL OTA 11.13.3)."""

    JITTER = 0
    JITTER_MANUFACTURER = 1
    JITTER_MANUFACTURER_IMAGE_TYPE = 2
    JITTER_MANUFACTURER_IMAGE_TYPE_VERSION = 3


class Activation(enum.Enum):
    """When the Upgrade End Response tells the device to switch to the new image."""

    NOW = "now"
    AFTER = "after"  # after ``PolicyActivation.delay`` seconds
    ON_COMMAND = "on-command"  # upgrade time 0xFFFFFFFF until the rig says go


@dataclass(frozen=True)
class PolicyActivation:
    when: Activation = Activation.NOW
    delay: float = 0.0


@dataclass(frozen=True)
class Notify:
    """Unicast Image Notify on the device's own profile; retried while the device is silent."""

    payload_type: NotifyPayloadType = NotifyPayloadType.JITTER_MANUFACTURER_IMAGE_TYPE_VERSION
    #: 100: every device that hears the notify queries [INF: a unicast notify is for that device]
    query_jitter: int = 100
    #: [INF] notifies before the device counts as unreachable
    attempts: int = 3
    #: How long to wait for Query Next Image after each notify [INF].
    interval: float = 10.0


@dataclass(frozen=True)
class WaitForData:
    """Answer one Image Block Request with WAIT_FOR_DATA once the transfer reaches ``at_fraction``."""

    at_fraction: float = 0.5
    delay: float = 2.0


@dataclass(frozen=True)
class OtaPolicy:
    #: [INF] the largest block an unfragmented frame carries with headroom; devices may ask for less
    max_block_size: int = 64
    #: Added before every block response, to model a slow server or a busy CH.
    response_delay: float = 0.0
    #: Told to the device in a WAIT_FOR_DATA before the first block, when set (milliseconds).
    minimum_block_period_ms: int | None = None
    wait_for_data: WaitForData | None = None
    page_requests: bool = True
    #: Without any request from the device for this long, the transfer has failed [INF].
    stall_timeout: float = 120.0
    #: After the last block, how long the device may verify before its Upgrade End Request [INF:
    #: minutes of signature and hash checking on a slow device's flash].
    final_block_timeout: float = 600.0
    #: After refusing a device (NO_IMAGE_AVAILABLE, ABORT), how long to listen on to see that it stops
    #: asking for blocks [INF: a device that ignores a refusal asks again within its response timeout].
    refusal_watch: float = 5.0
    notify: Notify = field(default_factory=Notify)
    activation: PolicyActivation = field(default_factory=PolicyActivation)

    def __post_init__(self) -> None:
        if not 1 <= self.max_block_size <= LINK_MAX_BLOCK_SIZE:
            raise ValueError(f"max_block_size must be 1..{LINK_MAX_BLOCK_SIZE} (what the link allows), "
                             f"not {self.max_block_size}")
        if self.wait_for_data is not None and not 0 <= self.wait_for_data.at_fraction <= 1:
            raise ValueError("wait_for_data.at_fraction must be between 0 and 1")
        for name in ("response_delay", "stall_timeout", "final_block_timeout", "refusal_watch"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")
