"""The OTA session's state machine, driven by a scripted device through a fake link (no radio)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

import pytest
from zigpy.zcl.clusters.general import Ota

from hanrig.gbcs import build_image, encode_image
from hanrig.rig.ota.policy import Activation, Notify, OtaPolicy, PolicyActivation, WaitForData
from hanrig.rig.ota.session import UPGRADE_ON_COMMAND, LinkError, OtaSession, Outcome, Request, SessionResult, Status

MFR, IMAGE_TYPE, VERSION = 0x121D, 0x0084, 0x00000002
IMAGE = build_image(manufacturer_code=MFR, image_type=IMAGE_TYPE, file_version=VERSION,
                    manufacturer_image=bytes(range(256)) * 2, hardware_versions=(0x1111, 0x1211))
FILE = encode_image(IMAGE)
FAST = OtaPolicy(notify=Notify(attempts=2, interval=0.05), stall_timeout=0.2, final_block_timeout=0.2,
                 refusal_watch=0.3)

Sent = tuple[str, int | None, dict[str, Any]]


class FakeLink:
    """Records what the session sends; the test plays the device by reading it."""

    def __init__(self) -> None:
        self.sent: asyncio.Queue[Sent] = asyncio.Queue()

    async def send(self, command: str, /, *, tsn: int | None = None, **fields: Any) -> None:
        self.sent.put_nowait((command, tsn, fields))

    async def default_response(self, tsn: int, command_id: int, status: Status) -> None:
        self.sent.put_nowait(("default_response", tsn, {"command_id": command_id, "status": status}))

    async def next(self) -> Sent:
        return await asyncio.wait_for(self.sent.get(), 5)


class Device:
    """A scripted OTA client: builds zigpy request objects and hands them to the session."""

    def __init__(self, session: OtaSession, link: FakeLink) -> None:
        self.session, self.link, self._tsn = session, link, 0

    def _deliver(self, command: str, fields: Any) -> None:
        self._tsn += 1
        command_id = getattr(Ota.ServerCommandDefs, command).id
        self.session.deliver(Request(command, command_id, self._tsn, fields))

    def query(self, hardware_version: int | None = 0x1111) -> None:
        control = Ota.QueryNextImageCommand.FieldControl(0 if hardware_version is None else 1)
        self._deliver("query_next_image", Ota.QueryNextImageCommand(
            field_control=control, manufacturer_code=MFR, image_type=IMAGE_TYPE,
            current_file_version=1, hardware_version=hardware_version))

    def block(self, offset: int, size: int = 50, file_version: int = VERSION) -> None:
        self._deliver("image_block", Ota.ImageBlockCommand(
            field_control=0, manufacturer_code=MFR, image_type=IMAGE_TYPE, file_version=file_version,
            file_offset=offset, maximum_data_size=size))

    def page(self, offset: int, page_size: int, size: int = 50) -> None:
        self._deliver("image_page", Ota.ImagePageCommand(
            field_control=0, manufacturer_code=MFR, image_type=IMAGE_TYPE, file_version=VERSION,
            file_offset=offset, maximum_data_size=size, page_size=page_size, response_spacing=0))

    def upgrade_end(self, status: int = Status.SUCCESS) -> None:
        schema = Ota.ServerCommandDefs.upgrade_end.schema
        self._deliver("upgrade_end", schema(status=status, manufacturer_code=MFR, image_type=IMAGE_TYPE,
                                            file_version=VERSION))

    async def download(self, size: int = 50, start: int = 0) -> bytes:
        """Ask for blocks until the whole file is here; return what arrived."""
        data, offset = bytearray(FILE[:start]), start
        while offset < len(FILE):
            self.block(offset, size)
            command, _, fields = await self.link.next()
            assert (command, fields["status"]) == ("image_block_response", Status.SUCCESS)
            data += fields["image_data"]
            offset += len(fields["image_data"])
        return bytes(data)


def run(policy: OtaPolicy, script: Callable[[Device], Awaitable[None]], **session_args: Any) -> SessionResult:
    async def main() -> SessionResult:
        link = FakeLink()
        session = OtaSession(IMAGE, policy, link, **session_args)
        task = asyncio.create_task(session.run())
        await script(Device(session, link))
        return await asyncio.wait_for(task, 5)

    return asyncio.run(main())


async def _notified_and_queried(device: Device, **query: Any) -> dict[str, Any]:
    command, _, _ = await device.link.next()
    assert command == "image_notify"
    device.query(**query)
    command, _, fields = await device.link.next()
    assert command == "query_next_image_response"
    return fields


def test_happy_path_serves_the_whole_file_and_activates_now() -> None:
    seen: dict[str, Any] = {}

    async def script(device: Device) -> None:
        seen["query"] = await _notified_and_queried(device)
        seen["data"] = await device.download()
        device.upgrade_end()
        seen["end"] = await device.link.next()

    result = run(FAST, script)

    assert result.outcome is Outcome.TRANSFERRED
    assert seen["query"]["status"] is Status.SUCCESS and seen["query"]["image_size"] == len(FILE)
    assert seen["data"] == FILE
    command, _, end = seen["end"]
    assert command == "upgrade_end_response" and end["upgrade_time"] == end["current_time"]
    assert (result.progress.offset, result.progress.total) == (len(FILE), len(FILE))


def test_image_notify_carries_manufacturer_type_and_version_for_payload_type_3() -> None:
    seen: list[dict[str, Any]] = []

    async def script(device: Device) -> None:
        _, _, fields = await device.link.next()
        seen.append(fields)
        await device.link.next()  # the retry; then the device stays silent

    run(FAST, script)

    assert seen[0] == {"payload_type": 3, "query_jitter": 100, "manufacturer_code": MFR,
                       "image_type": IMAGE_TYPE, "new_file_version": VERSION}


@pytest.mark.parametrize(("policy_cap", "requested", "served"), [(64, 50, 50), (40, 50, 40), (64, 64, 64)])
def test_block_size_is_the_smaller_of_the_policy_cap_and_the_devices_request(
        policy_cap: int, requested: int, served: int) -> None:
    sizes: list[int] = []

    async def script(device: Device) -> None:
        await _notified_and_queried(device)
        device.block(0, requested)
        _, _, fields = await device.link.next()
        sizes.append(len(fields["image_data"]))

    run(replace(FAST, max_block_size=policy_cap), script)

    assert sizes == [served]


def test_hardware_version_outside_the_image_range_gets_no_image_and_a_mismatch_outcome() -> None:
    replies: list[dict[str, Any]] = []

    async def script(device: Device) -> None:
        replies.append(await _notified_and_queried(device, hardware_version=0x2000))

    result = run(FAST, script)

    assert replies[0]["status"] is Status.NO_IMAGE_AVAILABLE
    assert result.outcome is Outcome.HARDWARE_VERSION_MISMATCH
    assert "0x2000" in result.detail


def test_the_query_is_kept_as_the_device_sent_it_with_the_answer_it_got() -> None:
    async def script(device: Device) -> None:
        await _notified_and_queried(device, hardware_version=0x2000)

    (query,) = run(FAST, script, hardware_version=0x1111).conduct.queries
    assert (query.manufacturer_code, query.image_type, query.current_file_version, query.hardware_version,
            query.answer) == (MFR, IMAGE_TYPE, 1, 0x2000, Status.NO_IMAGE_AVAILABLE)


def test_a_device_that_asks_for_blocks_after_no_image_available_is_counted_and_refused_again() -> None:
    replies: list[Sent] = []

    async def script(device: Device) -> None:
        await _notified_and_queried(device, hardware_version=0x2000)
        for offset in (0, 0):
            device.block(offset)
            replies.append(await device.link.next())

    result = run(FAST, script)

    assert [fields for _, _, fields in replies] == [{"status": Status.NO_IMAGE_AVAILABLE}] * 2
    assert (result.conduct.refusal, result.conduct.requests_after_refusal) == (Status.NO_IMAGE_AVAILABLE, 2)


def test_a_device_that_stops_when_refused_shows_no_requests_after_the_refusal() -> None:
    async def script(device: Device) -> None:
        await _notified_and_queried(device, hardware_version=0x2000)

    conduct = run(FAST, script).conduct
    assert (conduct.refusal, conduct.requests_after_refusal) == (Status.NO_IMAGE_AVAILABLE, 0)


def test_the_largest_block_asked_for_and_sent_are_kept() -> None:
    async def script(device: Device) -> None:
        await _notified_and_queried(device)
        await device.download(size=40)
        device.upgrade_end()
        await device.link.next()

    conduct = run(replace(FAST, max_block_size=32), script).conduct
    assert (conduct.largest_block_asked, conduct.largest_block_sent) == (40, 32)


def test_known_hardware_version_is_checked_when_the_query_has_none() -> None:
    async def script(device: Device) -> None:
        await _notified_and_queried(device, hardware_version=None)

    assert run(FAST, script, hardware_version=0x0001).outcome is Outcome.HARDWARE_VERSION_MISMATCH


def test_silent_device_gets_every_notify_attempt_then_no_query() -> None:
    notifies: list[str] = []

    async def script(device: Device) -> None:
        for _ in range(FAST.notify.attempts):
            notifies.append((await device.link.next())[0])

    result = run(FAST, script)

    assert notifies == ["image_notify"] * FAST.notify.attempts
    assert result.outcome is Outcome.NO_QUERY


def test_device_that_stops_requesting_mid_transfer_is_stalled_at_its_offset() -> None:
    async def script(device: Device) -> None:
        await _notified_and_queried(device)
        device.block(0)
        await device.link.next()

    result = run(FAST, script)

    assert result.outcome is Outcome.STALLED
    assert "offset 50" in result.detail


def test_device_silent_after_the_last_block_times_out_waiting_for_upgrade_end() -> None:
    async def script(device: Device) -> None:
        await _notified_and_queried(device)
        await device.download()

    assert run(FAST, script).outcome is Outcome.NO_UPGRADE_END


@pytest.mark.parametrize(("status", "outcome"), [
    (Status.INVALID_IMAGE, Outcome.INVALID_IMAGE),
    (Status.REQUIRE_MORE_IMAGE, Outcome.REQUIRE_MORE_IMAGE),
    (Status.ABORT, Outcome.DEVICE_ABORTED),
])
def test_failed_upgrade_end_gets_a_default_response_and_its_outcome(status: Status, outcome: Outcome) -> None:
    replies: list[Sent] = []

    async def script(device: Device) -> None:
        await _notified_and_queried(device)
        await device.download()
        device.upgrade_end(status)
        replies.append(await device.link.next())

    result = run(FAST, script)

    assert result.outcome is outcome
    assert replies[0][0] == "default_response" and replies[0][2]["status"] is Status.SUCCESS


def test_abort_answers_the_next_block_with_abort() -> None:
    replies: list[Sent] = []

    async def script(device: Device) -> None:
        await _notified_and_queried(device)
        device.block(0)
        await device.link.next()
        device.session.abort()
        device.block(50)
        replies.append(await device.link.next())
        device.block(50)
        replies.append(await device.link.next())

    result = run(FAST, script)

    assert [fields for _, _, fields in replies] == [{"status": Status.ABORT}] * 2
    assert result.outcome is Outcome.ABORTED
    assert (result.conduct.refusal, result.conduct.requests_after_refusal) == (Status.ABORT, 1)


def test_minimum_block_period_is_told_with_wait_for_data_before_the_first_block() -> None:
    replies: list[dict[str, Any]] = []

    async def script(device: Device) -> None:
        await _notified_and_queried(device)
        device.block(0)
        replies.append((await device.link.next())[2])
        device.block(0)
        replies.append((await device.link.next())[2])

    run(replace(FAST, minimum_block_period_ms=250), script)

    assert replies[0]["status"] is Status.WAIT_FOR_DATA and replies[0]["minimum_block_period"] == 250
    assert replies[1]["status"] is Status.SUCCESS and replies[1]["file_offset"] == 0


def test_wait_for_data_pause_is_sent_once_at_its_fraction() -> None:
    statuses: list[Status] = []

    async def script(device: Device) -> None:
        await _notified_and_queried(device)
        offset = 0
        while offset < len(FILE):
            device.block(offset)
            _, _, fields = await device.link.next()
            statuses.append(fields["status"])
            offset += len(fields.get("image_data", b""))

    run(replace(FAST, wait_for_data=WaitForData(at_fraction=0.5, delay=0)), script)

    assert statuses.count(Status.WAIT_FOR_DATA) == 1
    assert statuses.index(Status.WAIT_FOR_DATA) > len(statuses) // 3


def test_page_request_is_answered_with_consecutive_blocks_covering_the_page() -> None:
    blocks: list[tuple[int | None, int, int]] = []

    async def script(device: Device) -> None:
        await _notified_and_queried(device)
        device.page(0, page_size=120, size=50)
        for _ in range(3):
            _, tsn, fields = await device.link.next()
            blocks.append((tsn, fields["file_offset"], len(fields["image_data"])))

    run(FAST, script)

    assert [(offset, size) for _, offset, size in blocks] == [(0, 50), (50, 50), (100, 20)]
    assert blocks[0][0] is not None and blocks[1][0] is None


def test_page_requests_refused_by_policy_get_unsupported_command() -> None:
    replies: list[Sent] = []

    async def script(device: Device) -> None:
        await _notified_and_queried(device)
        device.page(0, page_size=120)
        replies.append(await device.link.next())

    run(replace(FAST, page_requests=False), script)

    assert replies[0][0] == "default_response"
    assert replies[0][2]["status"] is Status.UNSUP_CLUSTER_COMMAND


def test_rebooted_device_that_resumes_is_served_from_its_offset_and_counted_as_a_restart() -> None:
    async def script(device: Device) -> None:
        await _notified_and_queried(device)
        device.block(0)
        await device.link.next()
        device.query()  # rebooted, kept its offset
        await device.link.next()
        await device.download(start=50)
        device.upgrade_end()
        await device.link.next()

    result = run(FAST, script)

    assert result.outcome is Outcome.TRANSFERRED
    assert (result.progress.restarts, result.progress.retries) == (1, 0)


def test_block_for_another_file_version_gets_no_image_and_the_transfer_goes_on() -> None:
    replies: list[dict[str, Any]] = []

    async def script(device: Device) -> None:
        await _notified_and_queried(device)
        device.block(0, file_version=VERSION + 1)
        replies.append((await device.link.next())[2])
        await device.download()
        device.upgrade_end()
        await device.link.next()

    result = run(FAST, script)

    assert replies[0] == {"status": Status.NO_IMAGE_AVAILABLE}
    assert result.outcome is Outcome.TRANSFERRED


def test_activation_on_command_sends_the_wait_upgrade_time_until_told() -> None:
    ends: list[dict[str, Any]] = []

    async def script(device: Device) -> None:
        await _notified_and_queried(device)
        await device.download()
        device.upgrade_end()
        ends.append((await device.link.next())[2])

    result = run(replace(FAST, activation=PolicyActivation(Activation.ON_COMMAND)), script)

    assert result.outcome is Outcome.TRANSFERRED
    assert ends[0]["upgrade_time"] == UPGRADE_ON_COMMAND


def test_activation_after_a_delay_sets_the_upgrade_time_that_far_ahead() -> None:
    ends: list[dict[str, Any]] = []

    async def script(device: Device) -> None:
        await _notified_and_queried(device)
        await device.download()
        device.upgrade_end()
        ends.append((await device.link.next())[2])

    run(replace(FAST, activation=PolicyActivation(Activation.AFTER, delay=30)), script)

    assert ends[0]["upgrade_time"] - ends[0]["current_time"] == 30


def test_progress_is_reported_for_every_block_with_a_rate() -> None:
    reports = []

    async def script(device: Device) -> None:
        await _notified_and_queried(device)
        await device.download()
        device.upgrade_end()
        await device.link.next()

    run(FAST, script, on_progress=reports.append)

    assert len(reports) == -(-len(FILE) // 50)
    assert [r.offset for r in reports] == sorted(r.offset for r in reports)
    assert reports[-1].fraction == 1.0


class DroppingLink(FakeLink):
    """A radio that fails to send the first block response (an NCP reset, say)."""

    def __init__(self) -> None:
        super().__init__()
        self.failed = 0

    async def send(self, command: str, /, *, tsn: int | None = None, **fields: Any) -> None:
        if command == "image_block_response" and self.failed == 0:
            self.failed += 1
            raise LinkError("ApplicationController is not running")
        await super().send(command, tsn=tsn, **fields)


def test_a_reply_the_radio_could_not_send_waits_for_the_device_to_ask_again() -> None:
    seen: dict[str, Any] = {}

    async def main() -> SessionResult:
        link = DroppingLink()
        session = OtaSession(IMAGE, FAST, link)
        task = asyncio.create_task(session.run())
        device = Device(session, link)
        await _notified_and_queried(device)
        device.block(0)  # its response is lost; the device times out and asks again
        seen["data"] = await device.download()
        device.upgrade_end()
        await device.link.next()
        return await asyncio.wait_for(task, 5)

    result = asyncio.run(main())

    assert result.outcome is Outcome.TRANSFERRED and seen["data"] == FILE
    assert result.progress.retries == 0  # a block never served is not a retry
