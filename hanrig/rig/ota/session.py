"""One OTA transfer from the rig's server to one device: notify, query, blocks, upgrade end.

The session is driven by the device's requests, handed in by the zigpy binding as they
arrive, and by its own timeouts. It answers through an :class:`OtaLink`, so the same
state machine runs against zigpy on a real or emulated radio and against a fake in unit
tests. It never decides what an outcome means for GBCS: the Communications Hub does.

What the device did is kept as evidence (``Conduct``): each Query Next Image as the device
sent it, the block sizes asked for and sent, and, once the CH has refused it (no image
for it, or the transfer aborted), whether it kept asking for blocks: the session listens
on for the policy's ``refusal_watch`` to see that it stops.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from hanrig.gbcs import Applicability, OtaImage, check_applicability, encode_image
from hanrig.rig.ota.policy import Activation, OtaPolicy
from hanrig.rig.ota.progress import Progress, ProgressMeter

LOG = logging.getLogger(__name__)

_ZIGBEE_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
#: Upgrade time meaning "wait until the server says go" (ZCL OTA 11.13.9.6).
UPGRADE_ON_COMMAND = 0xFFFFFFFF


class Status(enum.IntEnum):
    """The ZCL statuses an OTA exchange uses."""

    SUCCESS = 0x00
    MALFORMED_COMMAND = 0x80
    UNSUP_CLUSTER_COMMAND = 0x81
    ABORT = 0x95
    INVALID_IMAGE = 0x96
    WAIT_FOR_DATA = 0x97
    NO_IMAGE_AVAILABLE = 0x98
    REQUIRE_MORE_IMAGE = 0x99


class Outcome(enum.Enum):
    TRANSFERRED = "transferred"
    NOT_APPLICABLE = "not-applicable"
    HARDWARE_VERSION_MISMATCH = "hardware-version-mismatch"
    NO_QUERY = "no-query"
    STALLED = "stalled"
    NO_UPGRADE_END = "no-upgrade-end"
    INVALID_IMAGE = "invalid-image"
    REQUIRE_MORE_IMAGE = "require-more-image"
    DEVICE_ABORTED = "device-aborted"
    ABORTED = "aborted"


_UPGRADE_END_OUTCOMES = {
    Status.SUCCESS: Outcome.TRANSFERRED,
    Status.INVALID_IMAGE: Outcome.INVALID_IMAGE,
    Status.REQUIRE_MORE_IMAGE: Outcome.REQUIRE_MORE_IMAGE,
    Status.ABORT: Outcome.DEVICE_ABORTED,
}


@dataclass(frozen=True)
class Query:
    """A Query Next Image as the device sent it, and the status the CH answered with."""

    manufacturer_code: int
    image_type: int
    current_file_version: int
    #: None: the device left it out of its query
    hardware_version: int | None
    answer: Status


@dataclass
class Conduct:
    """What the device did in the exchange as the CH saw it, and the largest block the CH sent it."""

    queries: list[Query] = field(default_factory=list)
    #: the largest Maximum Data Size the device asked for
    largest_block_asked: int = 0
    #: octets of image data in the largest Image Block Response the CH sent
    largest_block_sent: int = 0
    #: NO_IMAGE_AVAILABLE or ABORT, once the CH refused the device
    refusal: Status | None = None
    #: Image Block and Page Requests the device sent after the refusal
    requests_after_refusal: int = 0
    #: the status of the device's Upgrade End Request (None: it sent none)
    upgrade_end: int | None = None


@dataclass(frozen=True)
class SessionResult:
    outcome: Outcome
    detail: str
    progress: Progress
    conduct: Conduct


class LinkError(Exception):
    """A reply did not reach the device (radio busy, lost or reconnecting); the device will ask again."""


class OtaLink(Protocol):
    """Where a session's replies go: a server-to-client OTA command or a default response.

    Both raise :class:`LinkError` when the reply could not be sent.
    """

    async def send(self, command: str, /, *, tsn: int | None = None, **fields: Any) -> None: ...

    async def default_response(self, tsn: int, command_id: int, status: Status) -> None: ...


@dataclass(frozen=True)
class Request:
    """A client-to-server OTA command as the binding hands it over (zigpy's schema object)."""

    command: str
    command_id: int
    tsn: int
    fields: Any


def _hex_or_unknown(value: int | None) -> str:
    return "unknown" if value is None else f"0x{value:04X}"


async def send_upgrade_end_response(link: OtaLink, image: OtaImage, *, upgrade_time: int | None = None,
                                    current_time: int | None = None, tsn: int | None = None) -> None:
    """An Upgrade End Response for ``image``; unsolicited (no tsn) it tells a waiting device to go now."""
    now = zigbee_time() if current_time is None else current_time
    header = image.header
    await link.send("upgrade_end_response", tsn=tsn, manufacturer_code=header.manufacturer_code,
                    image_type=header.image_type, file_version=header.file_version, current_time=now,
                    upgrade_time=now if upgrade_time is None else upgrade_time)


def zigbee_time(now: datetime | None = None) -> int:
    """Zigbee UTCTime: whole seconds since 2000-01-01T00:00Z."""
    return int(((now or datetime.now(UTC)) - _ZIGBEE_EPOCH).total_seconds())


class OtaSession:
    """Serves one image to one device until its Upgrade End Request, a timeout or an abort."""

    def __init__(self, image: OtaImage, policy: OtaPolicy, link: OtaLink, *,
                 hardware_version: int | None = None,
                 on_progress: Callable[[Progress], None] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.image = image
        self.policy = policy
        self._file = encode_image(image)
        self._link = link
        self._hardware_version = hardware_version
        self._on_progress = on_progress or (lambda progress: None)
        self._clock = clock
        self._requests: asyncio.Queue[Request] = asyncio.Queue()
        self._meter = ProgressMeter(total=len(self._file), started=clock())
        self._abort_requested = False
        self._told_minimum_period = False
        self._waited_for_data = False
        self.conduct = Conduct()

    @property
    def progress(self) -> Progress:
        return self._meter.snapshot(self._clock())

    def deliver(self, request: Request) -> None:
        """Hand over a request from the device; the session answers it in order."""
        self._requests.put_nowait(request)

    def abort(self) -> None:
        """Answer the device's next block request with ABORT and end the transfer."""
        self._abort_requested = True

    async def run(self) -> SessionResult:
        first = await self._notify_until_queried()
        if first is None:
            return self._result(Outcome.NO_QUERY, f"no Query Next Image after {self.policy.notify.attempts} "
                                                  "Image Notify attempts")
        request: Request | None = first
        while True:
            if request is not None:
                result = await self._answer_or_wait(request)
                if result is not None:
                    return result
            request = await self._next_request()
            if request is None:
                return self._timed_out()

    async def _notify_until_queried(self) -> Request | None:
        notify = self.policy.notify
        for attempt in range(1, notify.attempts + 1):
            LOG.debug("Image Notify attempt %d of %d", attempt, notify.attempts)
            await self._send_notify()
            deadline = self._clock() + notify.interval
            while (remaining := deadline - self._clock()) > 0:
                try:
                    request = await asyncio.wait_for(self._requests.get(), remaining)
                except TimeoutError:
                    break
                if request.command == "query_next_image":
                    return request
                await self._answer_or_wait(request)  # a device already mid-transfer (it resumed on its own)
        return None

    async def renotify(self) -> None:
        """Send Image Notify again, as after the radio came back: a device that lost its
        download queries and starts over, one still downloading ignores it (ZCL OTA 11.13.3)."""
        await self._send_notify()

    async def _send_notify(self) -> None:
        header, notify = self.image.header, self.policy.notify
        fields: dict[str, Any] = {"payload_type": int(notify.payload_type), "query_jitter": notify.query_jitter}
        for key, value, needs in (("manufacturer_code", header.manufacturer_code, 1),
                                  ("image_type", header.image_type, 2),
                                  ("new_file_version", header.file_version, 3)):
            if notify.payload_type >= needs:
                fields[key] = value
        try:
            await self._link.send("image_notify", **fields)
        except LinkError as exc:  # a sleepy device misses notifies: that is not fatal, the retry is the cure
            LOG.info("Image Notify not delivered: %s", exc)

    async def _next_request(self) -> Request | None:
        awaiting_end = self._meter.offset >= self._meter.total
        timeout = self.policy.final_block_timeout if awaiting_end else self.policy.stall_timeout
        try:
            # a timeout scope, not wait_for: this runs once a block, and wait_for costs a task each time
            async with asyncio.timeout(timeout):
                return await self._requests.get()
        except TimeoutError:
            return None

    def _timed_out(self) -> SessionResult:
        if self._meter.offset >= self._meter.total:
            return self._result(Outcome.NO_UPGRADE_END, f"no Upgrade End Request within "
                                                        f"{self.policy.final_block_timeout:g} s of the last block")
        return self._result(Outcome.STALLED, f"no request for {self.policy.stall_timeout:g} s "
                                             f"at offset {self._meter.offset}")

    async def _answer_or_wait(self, request: Request) -> SessionResult | None:
        """Answer a request; a reply that cannot be sent is left to the device's own retry."""
        try:
            return await self._answer(request)
        except LinkError as exc:
            LOG.info("reply to %s not delivered (%s); waiting for the device to ask again", request.command, exc)
            return None

    async def _answer(self, request: Request) -> SessionResult | None:
        handler = {
            "query_next_image": self._on_query,
            "image_block": self._on_block,
            "image_page": self._on_page,
            "upgrade_end": self._on_upgrade_end,
        }.get(request.command)
        if handler is None:
            await self._link.default_response(request.tsn, request.command_id, Status.UNSUP_CLUSTER_COMMAND)
            return None
        return await handler(request)

    async def _on_query(self, request: Request) -> SessionResult | None:
        query, header = request.fields, self.image.header
        reported = getattr(query, "hardware_version", None)
        # The device's own word first; the CH's record of it only when the query does not say.
        hardware_version = self._hardware_version if reported is None else reported
        applicability = check_applicability(header, manufacturer_code=query.manufacturer_code,
                                            image_type=query.image_type, hardware_version=hardware_version)
        answer = Status.SUCCESS if applicability is Applicability.APPLICABLE else Status.NO_IMAGE_AVAILABLE
        self.conduct.queries.append(Query(query.manufacturer_code, query.image_type, query.current_file_version,
                                          reported, answer))
        if answer is Status.NO_IMAGE_AVAILABLE:
            await self._link.send("query_next_image_response", tsn=request.tsn, status=answer)
            outcome = (Outcome.HARDWARE_VERSION_MISMATCH
                       if applicability is Applicability.HARDWARE_VERSION_OUT_OF_RANGE else Outcome.NOT_APPLICABLE)
            return await self._refused(answer, outcome, f"{applicability.value}: device reports manufacturer "
                                       f"0x{query.manufacturer_code:04X}, image type 0x{query.image_type:04X}, "
                                       f"hardware version {_hex_or_unknown(hardware_version)}")
        if self._meter.blocks:
            self._meter.restarted()
        await self._link.send("query_next_image_response", tsn=request.tsn, status=answer,
                              manufacturer_code=header.manufacturer_code, image_type=header.image_type,
                              file_version=header.file_version, image_size=len(self._file))
        return None

    async def _refused(self, refusal: Status, outcome: Outcome, detail: str) -> SessionResult:
        """Listen on after refusing the device, answering the same way, to see whether it stops asking."""
        self.conduct.refusal = refusal
        deadline = self._clock() + self.policy.refusal_watch
        while (remaining := deadline - self._clock()) > 0:
            try:
                request = await asyncio.wait_for(self._requests.get(), remaining)
            except TimeoutError:
                break
            try:
                await self._answer_refused(request, refusal)
            except LinkError as exc:
                LOG.info("reply to %s after the refusal not delivered: %s", request.command, exc)
        return self._result(outcome, detail)

    async def _answer_refused(self, request: Request, refusal: Status) -> None:
        if request.command in ("image_block", "image_page"):
            self.conduct.requests_after_refusal += 1
            await self._link.send("image_block_response", tsn=request.tsn, status=refusal)
        elif request.command == "query_next_image":
            query = request.fields
            self.conduct.queries.append(Query(query.manufacturer_code, query.image_type, query.current_file_version,
                                              getattr(query, "hardware_version", None), Status.NO_IMAGE_AVAILABLE))
            await self._link.send("query_next_image_response", tsn=request.tsn, status=Status.NO_IMAGE_AVAILABLE)
        else:
            await self._link.default_response(request.tsn, request.command_id, Status.SUCCESS)

    def _names_our_image(self, fields: Any) -> bool:
        header = self.image.header
        return (fields.manufacturer_code, fields.image_type, fields.file_version) == (
            header.manufacturer_code, header.image_type, header.file_version)

    async def _on_block(self, request: Request) -> SessionResult | None:
        block = request.fields
        self.conduct.largest_block_asked = max(self.conduct.largest_block_asked, block.maximum_data_size)
        if self._abort_requested:
            await self._link.send("image_block_response", tsn=request.tsn, status=Status.ABORT)
            return await self._refused(Status.ABORT, Outcome.ABORTED,
                                       f"aborted by the rig at offset {block.file_offset}")
        if not self._names_our_image(block) or block.file_offset >= len(self._file):
            await self._link.send("image_block_response", tsn=request.tsn, status=Status.NO_IMAGE_AVAILABLE)
            return None
        if await self._maybe_wait_for_data(request):
            return None
        await self._send_block(request.tsn, block.file_offset, block.maximum_data_size)
        return None

    async def _maybe_wait_for_data(self, request: Request) -> bool:
        """Tell the device to wait (minimum block period, or the policy's one-off pause); True if told."""
        period = self.policy.minimum_block_period_ms
        pause = self.policy.wait_for_data
        if period is not None and not self._told_minimum_period:
            self._told_minimum_period = True
            delay = 0.0
        elif pause is not None and not self._waited_for_data and self.progress.fraction >= pause.at_fraction:
            self._waited_for_data = True
            delay = pause.delay
        else:
            return False
        now = zigbee_time()
        await self._link.send("image_block_response", tsn=request.tsn, status=Status.WAIT_FOR_DATA,
                              current_time=now, request_time=now + round(delay),
                              minimum_block_period=period or 0)
        return True

    async def _send_block(self, tsn: int | None, offset: int, requested: int) -> int:
        size = min(self.policy.max_block_size, requested, len(self._file) - offset)
        if self.policy.response_delay:
            await asyncio.sleep(self.policy.response_delay)
        header = self.image.header
        data = self._file[offset:offset + size]
        await self._link.send("image_block_response", tsn=tsn, status=Status.SUCCESS,
                              manufacturer_code=header.manufacturer_code, image_type=header.image_type,
                              file_version=header.file_version, file_offset=offset, image_data=data)
        self.conduct.largest_block_sent = max(self.conduct.largest_block_sent, len(data))
        self._meter.block_served(offset, size, self._clock())
        self._on_progress(self.progress)
        return size

    async def _on_page(self, request: Request) -> SessionResult | None:
        page = request.fields
        self.conduct.largest_block_asked = max(self.conduct.largest_block_asked, page.maximum_data_size)
        if not self.policy.page_requests:
            await self._link.default_response(request.tsn, request.command_id, Status.UNSUP_CLUSTER_COMMAND)
            return None
        if not self._names_our_image(page) or page.file_offset >= len(self._file):
            await self._link.send("image_block_response", tsn=request.tsn, status=Status.NO_IMAGE_AVAILABLE)
            return None
        offset, end = page.file_offset, min(page.file_offset + page.page_size, len(self._file))
        tsn: int | None = request.tsn
        while offset < end:
            offset += await self._send_block(tsn, offset, min(page.maximum_data_size, end - offset))
            tsn = None  # only the first response answers the request; the rest are unsolicited
            if offset < end:
                await asyncio.sleep(page.response_spacing / 1000)
        return None

    async def _on_upgrade_end(self, request: Request) -> SessionResult | None:
        end = request.fields
        self.conduct.upgrade_end = int(end.status)
        status = Status(end.status) if end.status in Status._value2member_map_ else None
        outcome = _UPGRADE_END_OUTCOMES.get(status) if status is not None else None
        if outcome is not Outcome.TRANSFERRED:
            await self._link.default_response(request.tsn, request.command_id, Status.SUCCESS)
            named = f" ({status.name})" if status is not None else ""
            detail = f"device ended the transfer with status 0x{int(end.status):02X}{named}"
            return self._result(outcome or Outcome.DEVICE_ABORTED, detail)
        if not self._names_our_image(end):
            await self._link.default_response(request.tsn, request.command_id, Status.MALFORMED_COMMAND)
            return None
        await self.send_upgrade_end_response(tsn=request.tsn)
        return self._result(Outcome.TRANSFERRED, "Upgrade End Request SUCCESS")

    async def send_upgrade_end_response(self, *, tsn: int | None = None) -> None:
        """Tell the device when to activate, as the policy says."""
        activation = self.policy.activation
        now = zigbee_time()
        if activation.when is Activation.NOW:
            upgrade_time = now
        elif activation.when is Activation.AFTER:
            upgrade_time = now + round(activation.delay)
        else:
            upgrade_time = UPGRADE_ON_COMMAND
        await send_upgrade_end_response(self._link, self.image, upgrade_time=upgrade_time, current_time=now, tsn=tsn)

    def _result(self, outcome: Outcome, detail: str) -> SessionResult:
        LOG.info("OTA transfer ended: %s (%s)", outcome.value, detail)
        return SessionResult(outcome, detail, self.progress, self.conduct)
