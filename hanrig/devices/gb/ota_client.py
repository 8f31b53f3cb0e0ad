"""The Zigbee OTA Upgrade client (cluster 0x0019) of a GB device and its state machine.

It follows the ZCL OTA Upgrade cluster and, where the specification leaves a choice, Silicon
Labs' ``ota-client`` plugin (gecko_sdk): a unicast Image Notify is always answered and a
broadcast one only if it names this device and the seeded draw falls within the query
jitter; a block response for another offset is ignored (a response timeout asks again)
and one for another image is refused with INVALID_VALUE; WAIT_FOR_DATA waits for the
server's request time plus the minimum block period it gives; ABORT ends the download
without an Upgrade End; a server that refuses page requests gets block requests; an
Upgrade End Response with upgrade time 0xFFFFFFFF makes the client wait and ask again
(``upgrade_requery``), and an out-of-band activation policy answers any other upgrade
time with NOT_AUTHORIZED.

``OtaClient`` is a plain object: it speaks, keeps time and records through an ``OtaHost``
(the device it runs on) and leaves verification and activation to it.
"""

from __future__ import annotations

import enum
import hashlib
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from construct import GreedyBytes, If, Int8ul, Int16ul, Int32ul, Optional, Prefixed, Struct, this

from hanrig.devices.codec import EUI64
from hanrig.devices.gb.behaviours import Behaviour, Faults
from hanrig.devices.gb.firmware import NO_VERSION, Identity, Offer
from hanrig.devices.gb.profile import Address, ClusterId
from hanrig.devices.han.zcl.cluster import (
    AttributeDef,
    Cluster,
    ClusterDef,
    CommandDef,
    Role,
    ZclRequest,
)
from hanrig.devices.han.zcl.foundation import Status
from hanrig.devices.han.zcl.types import DataType
from hanrig.devices.ieee import COORDINATOR_NODE_ID, Eui64
from hanrig.devices.scheduling import Timer

#: Upgrade time meaning "wait until the server says when" (ZCL OTA Upgrade End Response)
UPGRADE_ON_COMMAND = 0xFFFFFFFF
#: the ZigBee PRO stack version an OTA header names
ZIGBEE_PRO_STACK = 0x0002
_NO_STACK_VERSION = 0xFFFF
_UNKNOWN_SERVER = Eui64((1 << 64) - 1)
#: wildcards a server may put in an Upgrade End Response
_ANY_MANUFACTURER = 0xFFFF
_ANY_IMAGE_TYPE = 0xFFFF
_ANY_VERSION = 0xFFFFFFFF
_QUERY_HARDWARE_VERSION_PRESENT = 0x01
_BLOCK_MINIMUM_PERIOD_PRESENT = 0x02


class ImageUpgradeStatus(enum.IntEnum):
    """The ImageUpgradeStatus attribute (0x0006)."""

    NORMAL = 0
    DOWNLOAD_IN_PROGRESS = 1
    DOWNLOAD_COMPLETE = 2
    WAITING_TO_UPGRADE = 3
    COUNT_DOWN = 4
    WAIT_FOR_MORE = 5
    WAITING_TO_UPGRADE_VIA_EXTERNAL_EVENT = 6


class ActivationPolicy(enum.IntEnum):
    """The UpgradeActivationPolicy attribute (0x000B, ZSE 1.2b)."""

    OTA_SERVER_ALLOWED = 0
    OUT_OF_BAND_ONLY = 1


class TimeoutPolicy(enum.IntEnum):
    """The UpgradeTimeoutPolicy attribute (0x000C): never activate just because the server is silent."""

    APPLY_AFTER_TIMEOUT = 0
    DO_NOT_APPLY_AFTER_TIMEOUT = 1


_IMAGE_ID = ("manufacturer_code" / Int16ul, "image_type" / Int16ul, "file_version" / Int32ul)

OTA_UPGRADE = ClusterDef(
    cluster_id=ClusterId.OTA_UPGRADE,
    name="ota_upgrade",
    attributes=(
        AttributeDef(0x0000, "upgrade_server_id", DataType.IEEE_ADDRESS),
        AttributeDef(0x0001, "file_offset", DataType.UINT32),
        AttributeDef(0x0002, "current_file_version", DataType.UINT32),
        AttributeDef(0x0003, "current_zigbee_stack_version", DataType.UINT16),
        AttributeDef(0x0004, "downloaded_file_version", DataType.UINT32),
        AttributeDef(0x0005, "downloaded_zigbee_stack_version", DataType.UINT16),
        AttributeDef(0x0006, "image_upgrade_status", DataType.ENUM8),
        AttributeDef(0x0007, "manufacturer_id", DataType.UINT16),
        AttributeDef(0x0008, "image_type_id", DataType.UINT16),
        AttributeDef(0x0009, "minimum_block_period", DataType.UINT16),
        AttributeDef(0x000B, "upgrade_activation_policy", DataType.ENUM8),
        AttributeDef(0x000C, "upgrade_timeout_policy", DataType.ENUM8),
    ),
    server_commands=(
        CommandDef(0x01, "query_next_image", Struct(
            "field_control" / Int8ul,
            *_IMAGE_ID[:2],
            "current_file_version" / Int32ul,
            "hardware_version" / If(this.field_control & _QUERY_HARDWARE_VERSION_PRESENT, Int16ul),
        )),
        CommandDef(0x03, "image_block", Struct(
            "field_control" / Int8ul,
            *_IMAGE_ID,
            "file_offset" / Int32ul,
            "maximum_data_size" / Int8ul,
            "request_node_address" / If(this.field_control & 0x01, EUI64),
            "minimum_block_period" / If(this.field_control & _BLOCK_MINIMUM_PERIOD_PRESENT, Int16ul),
        )),
        CommandDef(0x04, "image_page", Struct(
            "field_control" / Int8ul,
            *_IMAGE_ID,
            "file_offset" / Int32ul,
            "maximum_data_size" / Int8ul,
            "page_size" / Int16ul,
            "response_spacing" / Int16ul,
            "request_node_address" / If(this.field_control & 0x01, EUI64),
        )),
        CommandDef(0x06, "upgrade_end", Struct("status" / Int8ul, *_IMAGE_ID)),
    ),
    client_commands=(
        CommandDef(0x00, "image_notify", Struct(
            "payload_type" / Int8ul,
            "query_jitter" / Int8ul,
            "manufacturer_code" / If(this.payload_type >= 1, Int16ul),
            "image_type" / If(this.payload_type >= 2, Int16ul),
            "new_file_version" / If(this.payload_type >= 3, Int32ul),
        )),
        CommandDef(0x02, "query_next_image_response", Struct(
            "status" / Int8ul,
            "offer" / If(this.status == Status.SUCCESS, Struct(*_IMAGE_ID, "image_size" / Int32ul)),
        )),
        CommandDef(0x05, "image_block_response", Struct(
            "status" / Int8ul,
            "block" / If(this.status == Status.SUCCESS, Struct(
                *_IMAGE_ID,
                "file_offset" / Int32ul,
                "image_data" / Prefixed(Int8ul, GreedyBytes),
            )),
            "wait" / If(this.status == Status.WAIT_FOR_DATA, Struct(
                "current_time" / Int32ul,
                "request_time" / Int32ul,
                "minimum_block_period" / Optional(Int16ul),
            )),
        )),
        CommandDef(0x07, "upgrade_end_response", Struct(
            *_IMAGE_ID,
            "current_time" / Int32ul,
            "upgrade_time" / Int32ul,
        )),
    ),
)

#: Image Notify payload types: jitter; and manufacturer; and image type; and file version
_KNOWN_PAYLOAD_TYPES = range(4)
_SERVER_COMMANDS = {command.command_id: command.name for command in OTA_UPGRADE.server_commands}


class Awaiting(enum.Enum):
    """The response the client waits for (each has a timeout)."""

    QUERY = "query"
    BLOCK = "block"
    PAGE = "page"
    UPGRADE_END = "upgrade-end"
    #: a block asked for after the server refused (the ``ignore_refusals`` fault)
    REFUSED_BLOCK = "refused-block"


@dataclass
class Download:
    """An image arriving block by block; only data at the expected offset is kept."""

    offer: Offer
    stored: bytearray = field(default_factory=bytearray)
    #: what arrived off the air, before anything could damage it in storage
    received: Any = field(default_factory=hashlib.sha256)

    @property
    def offset(self) -> int:
        return len(self.stored)

    @property
    def complete(self) -> bool:
        return self.offset >= self.offer.image_size

    def percent(self) -> float:
        return 100.0 * self.offset / self.offer.image_size

    @property
    def intact(self) -> bool:
        return hashlib.sha256(self.stored).digest() == self.received.digest()


class OtaHost(Protocol):
    """What the client needs from the device it runs on."""

    @property
    def behaviour(self) -> Behaviour: ...

    @property
    def faults(self) -> Faults: ...

    def call_later(self, delay: float, callback: Callable[..., Any], *args: Any) -> Timer: ...

    def random(self, purpose: str) -> random.Random: ...

    def record(self, kind: str, **details: Any) -> None: ...

    def send_command(self, cluster: Cluster, command: str, fields: Mapping[str, Any], to: Address) -> None: ...

    def fault_fired(self, fault: str, **details: Any) -> None:
        """A one-shot fault took effect: clear it."""

    def restart(self) -> None:
        """Restart the device once the frame in hand is dealt with (a fault: it reboots mid-download)."""

    def verify(self, download: Download) -> Status:
        """Check a complete download and hold it; the Upgrade End status to send."""

    def activate(self) -> None:
        """Switch to the held image (the Upgrade End Response's upgrade time has come)."""


class OtaClient:
    """One device's OTA Upgrade client: attributes, command handlers and the download."""

    def __init__(self, *, identity: Identity, current_version: int, activation_policy: ActivationPolicy,
                 host: OtaHost) -> None:
        self.identity = identity
        self._host = host
        self.cluster = Cluster(
            OTA_UPGRADE,
            Role.CLIENT,
            values={
                "upgrade_server_id": _UNKNOWN_SERVER,
                "file_offset": 0,
                "current_file_version": current_version,
                "current_zigbee_stack_version": ZIGBEE_PRO_STACK,
                "downloaded_file_version": NO_VERSION,
                "downloaded_zigbee_stack_version": _NO_STACK_VERSION,
                "image_upgrade_status": ImageUpgradeStatus.NORMAL,
                "manufacturer_id": identity.manufacturer_code,
                "image_type_id": identity.image_type,
                "minimum_block_period": host.behaviour.minimum_block_period_ms,
                "upgrade_activation_policy": activation_policy,
                "upgrade_timeout_policy": TimeoutPolicy.DO_NOT_APPLY_AFTER_TIMEOUT,
            },
            handlers={
                "image_notify": self._on_image_notify,
                "query_next_image_response": self._on_query_response,
                "image_block_response": self._on_block_response,
                "upgrade_end_response": self._on_upgrade_end_response,
            },
            on_default_response=self._on_default_response,
        )
        self.activation_policy = activation_policy
        self.download: Download | None = None
        self._server: Address | None = None
        self._awaiting: Awaiting | None = None
        self._timer: Timer | None = None
        self._errors = 0
        self._page_end = 0
        self._pages_refused = False
        self._stalled = False
        self._interrupted = False
        #: the image the last Image Notify named (payload type 3), for a device that defies a refusal
        self._notified: Offer | None = None
        self._refusals_ignored = 0

    # ---------------------------------------------------------------- state

    @property
    def state(self) -> ImageUpgradeStatus:
        return ImageUpgradeStatus(self.cluster["image_upgrade_status"])

    def _set_state(self, state: ImageUpgradeStatus) -> None:
        if state is not self.state:
            self.cluster["image_upgrade_status"] = state
            self._host.record("ota_state", state=state.name.lower())

    @property
    def current_version(self) -> int:
        return int(self.cluster["current_file_version"])

    @current_version.setter
    def current_version(self, version: int) -> None:
        self.cluster["current_file_version"] = version

    @property
    def busy(self) -> bool:
        """Whether the client is in the middle of an exchange (a sleepy device stays awake)."""
        return self._awaiting is not None or self.state in (
            ImageUpgradeStatus.DOWNLOAD_IN_PROGRESS, ImageUpgradeStatus.DOWNLOAD_COMPLETE,
            ImageUpgradeStatus.COUNT_DOWN)

    @property
    def server(self) -> Address:
        return self._server or Address(COORDINATOR_NODE_ID, self._host.behaviour.server_endpoint)

    def status(self) -> dict[str, Any]:
        download = self.download
        return {
            "state": self.state.name.lower(),
            "current_file_version": f"0x{self.current_version:08X}",
            "awaiting": self._awaiting.value if self._awaiting else None,
            "download": None if download is None else {
                "file_version": f"0x{download.offer.file_version:08X}",
                "offset": download.offset,
                "size": download.offer.image_size,
                "stalled": self._stalled,
            },
        }

    # ---------------------------------------------------------------- the device's own moves

    def query(self) -> None:
        """Send Query Next Image now (after a notify, on waking, after a restart, or on command)."""
        real = self._host.faults.real_hardware_version
        fields = {
            "field_control": _QUERY_HARDWARE_VERSION_PRESENT,
            "manufacturer_code": self.identity.manufacturer_code,
            "image_type": self.identity.image_type,
            "current_file_version": self.current_version,
            "hardware_version": self.identity.hardware_version if real is None else real,
        }
        if real is not None:
            self._host.record("fault", fault="real_hardware_version", hardware_version=f"0x{real:04X}")
        self._host.record("ota_query", current_file_version=f"0x{self.current_version:08X}")
        self._send("query_next_image", fields, awaiting=Awaiting.QUERY)

    def settings_changed(self) -> None:
        """Behaviour or faults changed at run time: take up what applies now."""
        if self._awaiting is None:
            self.cluster["minimum_block_period"] = self._host.behaviour.minimum_block_period_ms
        if self._stalled and not self._stall_applies():
            self._stalled = False
            self._host.record("ota_unstalled", offset=self.download.offset if self.download else 0)
            self._request_next()

    def rebooted(self, *, resume: bool) -> None:
        """The device restarted: timers are gone, and a partial download too unless it resumes.

        A verified image survives (it is in the device's image store); a device that was
        interrupted mid-download asks the server again once it is back (``after_reboot``).
        """
        self._cancel_timer()
        self._awaiting = None
        self._stalled = False
        if self.state is ImageUpgradeStatus.DOWNLOAD_IN_PROGRESS:
            self._interrupted = True
            if not resume:
                self._forget_download()
            self._set_state(ImageUpgradeStatus.NORMAL)
        elif self.state in (ImageUpgradeStatus.DOWNLOAD_COMPLETE, ImageUpgradeStatus.COUNT_DOWN):
            self._interrupted = True
            self._forget_download()
            self._set_state(ImageUpgradeStatus.NORMAL)
        else:
            self._interrupted = False

    def after_reboot(self) -> None:
        if self._interrupted:
            self._interrupted = False
            self.query()
        elif self.state is ImageUpgradeStatus.WAITING_TO_UPGRADE:
            self._ask_to_upgrade()

    def activated(self, version: int) -> None:
        """The device now runs ``version``: the download is over."""
        self.current_version = version
        self._finish(ImageUpgradeStatus.NORMAL)

    def activation_failed(self) -> None:
        self._finish(ImageUpgradeStatus.NORMAL)

    # ---------------------------------------------------------------- Image Notify

    def _on_image_notify(self, request: ZclRequest) -> Status | None:
        notify = request.fields
        if self.state in (ImageUpgradeStatus.DOWNLOAD_IN_PROGRESS, ImageUpgradeStatus.DOWNLOAD_COMPLETE,
                          ImageUpgradeStatus.COUNT_DOWN):
            self._host.record("ota_notify_ignored", reason=f"busy ({self.state.name.lower()})")
            return None
        if request.broadcast:
            reason = self._broadcast_notify_refusal(notify)
            if reason is not None:
                self._host.record("ota_notify_ignored", reason=reason)
                return None
        self._learn_server(request)
        if notify.new_file_version is not None:
            self._notified = Offer(notify.manufacturer_code, notify.image_type, notify.new_file_version, 0)
        self.query()
        return None

    def _broadcast_notify_refusal(self, notify: Any) -> str | None:
        """Why a broadcast Image Notify is not for this device now (None: query)."""
        if notify.payload_type not in _KNOWN_PAYLOAD_TYPES:
            return f"unknown payload type {notify.payload_type}"
        if not 1 <= notify.query_jitter <= 100:
            return f"query jitter {notify.query_jitter} out of range"
        if notify.manufacturer_code not in (None, self.identity.manufacturer_code):
            return "another manufacturer"
        if notify.image_type not in (None, self.identity.image_type):
            return "another image type"
        if notify.new_file_version == self.current_version:
            return "the version running"
        if notify.query_jitter < 100:
            draw = self._host.random("query-jitter").randint(1, 100)
            if draw > notify.query_jitter:
                return f"jitter: drew {draw} > {notify.query_jitter}"
        return None

    def _learn_server(self, request: ZclRequest) -> None:
        self._server = Address(request.source, request.source_endpoint)

    # ---------------------------------------------------------------- Query Next Image

    def _on_query_response(self, request: ZclRequest) -> Status | None:
        if self._awaiting is not Awaiting.QUERY:
            self._host.record("ota_unexpected", command="query_next_image_response")
            return Status.FAILURE
        self._done_waiting()
        self._learn_server(request)
        response = request.fields
        if response.status != Status.SUCCESS:
            self._host.record("ota_no_image", status=_status_name(response.status))
            self._ignore_refusal(self._notified, 0)
            return None
        offer = Offer(response.offer.manufacturer_code, response.offer.image_type,
                      response.offer.file_version, response.offer.image_size)
        if ((offer.manufacturer_code, offer.image_type) != (self.identity.manufacturer_code,
                                                            self.identity.image_type)
                or offer.image_size == 0):
            self._host.record("ota_offer_refused", reason="not for this device",
                              manufacturer_code=offer.manufacturer_code, image_type=offer.image_type)
            return Status.INVALID_FIELD
        if offer.file_version == self.current_version:
            self._host.record("ota_no_image", status="the version running")
            return None
        self._start(offer)
        return None

    def _start(self, offer: Offer) -> None:
        download = self.download
        if download is not None and download.offer == offer and not download.complete:
            self._host.record("ota_download_resumed", file_version=f"0x{offer.file_version:08X}",
                              offset=download.offset, size=offer.image_size)
        else:
            self.download = Download(offer)
            self._host.record("ota_download_started", file_version=f"0x{offer.file_version:08X}",
                              size=offer.image_size)
        self.cluster["downloaded_file_version"] = offer.file_version
        self.cluster["file_offset"] = self.download.offset
        self._errors = 0
        self._set_state(ImageUpgradeStatus.DOWNLOAD_IN_PROGRESS)
        self._request_next()

    # ---------------------------------------------------------------- blocks and pages

    def _stall_applies(self) -> bool:
        stall_at = self._host.faults.stall_at
        return stall_at is not None and self.download is not None and self.download.percent() >= stall_at

    def _request_next(self) -> None:
        download = self.download
        if download is None or self.state is not ImageUpgradeStatus.DOWNLOAD_IN_PROGRESS:
            return
        if self._stall_applies():
            if not self._stalled:
                self._stalled = True
                self._host.record("fault", fault="stall_at", offset=download.offset)
            return
        behaviour = self._host.behaviour
        offer = download.offer
        image_id = {"manufacturer_code": offer.manufacturer_code, "image_type": offer.image_type,
                    "file_version": offer.file_version, "file_offset": download.offset,
                    "maximum_data_size": behaviour.block_size, "request_node_address": None}
        pages = behaviour.page_requests
        if pages is not None and not self._pages_refused:
            self._page_end = min(download.offset + pages.page_size, offer.image_size)
            self._send("image_page", {"field_control": 0, **image_id, "page_size": pages.page_size,
                                      "response_spacing": pages.response_spacing_ms},
                       awaiting=Awaiting.PAGE, timeout=self._page_timeout())
        else:
            self._send("image_block", {"field_control": _BLOCK_MINIMUM_PERIOD_PRESENT, **image_id,
                                       "minimum_block_period": self.cluster["minimum_block_period"]},
                       awaiting=Awaiting.BLOCK)

    def _page_timeout(self) -> float:
        """Long enough for a whole page at the spacing asked for, and the usual wait besides."""
        behaviour = self._host.behaviour
        assert behaviour.page_requests is not None
        blocks = -(-behaviour.page_requests.page_size // behaviour.block_size)
        return behaviour.response_timeout + blocks * behaviour.page_requests.response_spacing_ms / 1000

    def _on_block_response(self, request: ZclRequest) -> Status | None:
        if self._awaiting is Awaiting.REFUSED_BLOCK:
            self._done_waiting()
            offer = self._notified
            self._ignore_refusal(offer, 0)
            return None
        if self.state is not ImageUpgradeStatus.DOWNLOAD_IN_PROGRESS or self.download is None:
            self._host.record("ota_unexpected", command="image_block_response")
            return Status.FAILURE
        self._learn_server(request)
        response = request.fields
        if response.status == Status.WAIT_FOR_DATA:
            self._wait_for_data(response.wait)
            return None
        if response.status in (Status.ABORT, Status.NO_IMAGE_AVAILABLE):
            self._host.record("ota_download_aborted", by="server", status=_status_name(response.status))
            offer, offset = self.download.offer, self.download.offset
            self._finish(ImageUpgradeStatus.NORMAL)
            self._notified = offer
            self._ignore_refusal(offer, offset)
            return None
        if response.status != Status.SUCCESS:
            return Status.INVALID_VALUE
        return self._store(response.block)

    def _ignore_refusal(self, offer: Offer | None, offset: int) -> None:
        """The ``ignore_refusals`` fault: ask for a block the server has just refused, while it lasts."""
        if offer is None or self._refusals_ignored >= self._host.faults.ignore_refusals:
            self._refusals_ignored = 0
            return
        self._refusals_ignored += 1
        self._host.record("fault", fault="ignore_refusals", file_version=f"0x{offer.file_version:08X}",
                          offset=offset, request=self._refusals_ignored)
        self._send("image_block", {"field_control": 0, "manufacturer_code": offer.manufacturer_code,
                                   "image_type": offer.image_type, "file_version": offer.file_version,
                                   "file_offset": offset, "maximum_data_size": self._host.behaviour.block_size,
                                   "request_node_address": None, "minimum_block_period": None},
                   awaiting=Awaiting.REFUSED_BLOCK)

    def _wait_for_data(self, wait: Any) -> None:
        delay = wait.request_time if wait.current_time == 0 else max(0, wait.request_time - wait.current_time)
        if wait.minimum_block_period is not None:
            self.cluster["minimum_block_period"] = wait.minimum_block_period
        pause = delay + self.cluster["minimum_block_period"] / 1000
        self._host.record("ota_wait_for_data", seconds=pause,
                          minimum_block_period_ms=self.cluster["minimum_block_period"])
        self._done_waiting()
        self._timer = self._host.call_later(pause, self._request_next)

    def _store(self, block: Any) -> Status | None:
        download = self.download
        assert download is not None
        offer = download.offer
        if (block.manufacturer_code, block.image_type, block.file_version) != (
                offer.manufacturer_code, offer.image_type, offer.file_version):
            self._host.record("ota_block_ignored", reason="another image", file_version=block.file_version)
            return Status.INVALID_VALUE
        if block.file_offset != download.offset:
            self._host.record("ota_block_ignored", reason="another offset", offset=block.file_offset,
                              expected=download.offset)
            return None
        data = bytes(block.image_data)
        if not data or len(data) > self._host.behaviour.block_size or (
                download.offset + len(data) > offer.image_size):
            self._host.record("ota_block_ignored", reason="wrong length", offset=block.file_offset,
                              length=len(data))
            return Status.INVALID_VALUE
        start = download.offset
        download.received.update(data)
        download.stored += data
        self._errors = 0
        self.cluster["file_offset"] = download.offset
        if not self._faults_at(start):
            self._next_after_block()
        return None

    def _faults_at(self, start: int) -> bool:
        """Apply the faults the download has now reached; True if one ended or paused it."""
        download = self.download
        assert download is not None
        faults = self._host.faults
        if faults.corrupt_block is not None and download.percent() >= faults.corrupt_block:
            self._corrupt(start)
        if download.complete:
            return False
        if faults.abort_at is not None and download.percent() >= faults.abort_at:
            self._host.fault_fired("abort_at", offset=download.offset)
            self._upgrade_end(Status.ABORT)
            return True
        if faults.reboot_at is not None and download.percent() >= faults.reboot_at:
            self._host.fault_fired("reboot_at", offset=download.offset)
            self._host.restart()
            return True
        return False

    def _corrupt(self, start: int) -> None:
        """Damage one stored byte of the block just written, as a flash write error would."""
        download = self.download
        assert download is not None
        stream = self._host.random("corrupt-block")
        position = stream.randrange(start, download.offset)
        download.stored[position] ^= 1 << stream.randrange(8)
        self._host.fault_fired("corrupt_block", offset=position)

    def _next_after_block(self) -> None:
        download = self.download
        assert download is not None
        if download.complete:
            self._done_waiting()
            self._downloaded()
            return
        if self._awaiting is Awaiting.PAGE and download.offset < self._page_end:
            self._arm_timeout(self._page_timeout())  # the rest of the page is on its way
            return
        self._done_waiting()
        self._timer = self._host.call_later(self.cluster["minimum_block_period"] / 1000, self._request_next)

    def _on_default_response(self, command_id: int, status: Status | int) -> None:
        if status == Status.SUCCESS:
            return
        command = _SERVER_COMMANDS.get(command_id)
        self._host.record("ota_refused_by_server", command=command or command_id, status=_status_name(status))
        if command == "image_page" and self._awaiting is Awaiting.PAGE:
            self._pages_refused = True
            self._done_waiting()
            self._request_next()
        elif command == "query_next_image" and self._awaiting is Awaiting.QUERY:
            self._done_waiting()
        elif command in ("image_block", "image_page") and self._awaiting in (Awaiting.BLOCK, Awaiting.PAGE):
            self._finish(ImageUpgradeStatus.NORMAL)

    # ---------------------------------------------------------------- verification and Upgrade End

    def _downloaded(self) -> None:
        download = self.download
        assert download is not None
        self._set_state(ImageUpgradeStatus.DOWNLOAD_COMPLETE)
        self._host.record("ota_download_complete", size=download.offset)
        self._timer = self._host.call_later(self._host.behaviour.verification_delay, self._verified)

    def _verified(self) -> None:
        self._timer = None
        download = self.download
        assert download is not None
        status = self._host.verify(download)
        self._upgrade_end(status)

    def _upgrade_end(self, status: Status) -> None:
        download = self.download
        assert download is not None
        self._host.record("ota_upgrade_end", status=status.name)
        offer = download.offer
        fields = {"status": status, "manufacturer_code": offer.manufacturer_code,
                  "image_type": offer.image_type, "file_version": offer.file_version}
        if status is Status.SUCCESS:
            self._set_state(ImageUpgradeStatus.WAITING_TO_UPGRADE)
            self._send("upgrade_end", fields, awaiting=Awaiting.UPGRADE_END,
                       timeout=self._host.behaviour.upgrade_requery)
            return
        self._send("upgrade_end", fields, awaiting=None)
        self._finish(ImageUpgradeStatus.WAIT_FOR_MORE if status is Status.REQUIRE_MORE_IMAGE
                     else ImageUpgradeStatus.NORMAL)

    def _ask_to_upgrade(self) -> None:
        """Send Upgrade End Request SUCCESS again for the verified image held."""
        download = self.download
        if download is None:
            return
        offer = download.offer
        self._host.record("ota_upgrade_end", status=Status.SUCCESS.name, again=True)
        self._send("upgrade_end", {"status": Status.SUCCESS, "manufacturer_code": offer.manufacturer_code,
                                   "image_type": offer.image_type, "file_version": offer.file_version},
                   awaiting=Awaiting.UPGRADE_END, timeout=self._host.behaviour.upgrade_requery)

    def _on_upgrade_end_response(self, request: ZclRequest) -> Status | None:
        if self.state not in (ImageUpgradeStatus.WAITING_TO_UPGRADE,
                              ImageUpgradeStatus.WAITING_TO_UPGRADE_VIA_EXTERNAL_EVENT) or self.download is None:
            self._host.record("ota_unexpected", command="upgrade_end_response")
            return Status.FAILURE
        response = request.fields
        offer = self.download.offer
        if (response.manufacturer_code not in (offer.manufacturer_code, _ANY_MANUFACTURER)
                or response.image_type not in (offer.image_type, _ANY_IMAGE_TYPE)
                or response.file_version not in (offer.file_version, _ANY_VERSION)):
            self._host.record("ota_upgrade_end_response_refused", reason="another image")
            return Status.INVALID_VALUE
        self._done_waiting()
        if response.upgrade_time == UPGRADE_ON_COMMAND:
            self._set_state(ImageUpgradeStatus.WAITING_TO_UPGRADE)
            self._host.record("ota_upgrade_scheduled", when="on-command")
            self._timer = self._host.call_later(self._host.behaviour.upgrade_requery, self._ask_to_upgrade)
            return None
        if self.activation_policy is ActivationPolicy.OUT_OF_BAND_ONLY:
            self._set_state(ImageUpgradeStatus.WAITING_TO_UPGRADE_VIA_EXTERNAL_EVENT)
            self._host.record("ota_upgrade_scheduled", when="out-of-band")
            return Status.NOT_AUTHORIZED
        if response.current_time == 0:
            delay = response.upgrade_time
        else:
            delay = max(0, response.upgrade_time - response.current_time)
        self._set_state(ImageUpgradeStatus.COUNT_DOWN)
        self._host.record("ota_upgrade_scheduled", when="in", seconds=delay)
        self._timer = self._host.call_later(delay, self._upgrade_time)
        return None

    def _upgrade_time(self) -> None:
        self._timer = None
        self._host.activate()

    # ---------------------------------------------------------------- sending, timeouts

    def _send(self, command: str, fields: Mapping[str, Any], *, awaiting: Awaiting | None,
              timeout: float | None = None) -> None:
        self._cancel_timer()
        self._awaiting = awaiting
        self._host.send_command(self.cluster, command, fields, self.server)
        if awaiting is not None:
            self._arm_timeout(self._host.behaviour.response_timeout if timeout is None else timeout)

    def _arm_timeout(self, seconds: float) -> None:
        self._cancel_timer()
        self._timer = self._host.call_later(seconds, self._timed_out)

    def _timed_out(self) -> None:
        self._timer = None
        awaiting = self._awaiting
        self._awaiting = None
        if awaiting is Awaiting.UPGRADE_END:
            self._ask_to_upgrade()
            return
        self._errors += 1
        self._host.record("ota_timeout", awaiting=awaiting.value if awaiting else None, errors=self._errors)
        if awaiting in (Awaiting.QUERY, Awaiting.REFUSED_BLOCK):
            return
        if self._errors > self._host.behaviour.max_retries:
            self._host.record("ota_download_aborted", by="device", reason="no answer")
            self._upgrade_end(Status.ABORT)
            return
        self._request_next()

    def _done_waiting(self) -> None:
        self._cancel_timer()
        self._awaiting = None

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _forget_download(self) -> None:
        self.download = None
        self.cluster["downloaded_file_version"] = NO_VERSION
        self.cluster["file_offset"] = 0

    def _finish(self, state: ImageUpgradeStatus) -> None:
        """The download is over, one way or another: nothing is awaited, nothing kept."""
        self._done_waiting()
        self._stalled = False
        self._forget_download()
        self._set_state(state)


def _status_name(status: int) -> str:
    try:
        return Status(status).name
    except ValueError:
        return f"0x{status:02X}"

