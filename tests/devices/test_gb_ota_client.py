"""The OTA Upgrade client of a GB device against a scripted OTA server: what it asks, when, and why."""

from __future__ import annotations

import pytest

from hanrig.devices.gb.ota_client import OTA_UPGRADE, ImageUpgradeStatus
from hanrig.devices.han.zcl.foundation import ReadAttributes, ReadAttributesResponse, Status
from hanrig.devices.han.zcl.frame import Direction, FrameType, ZclFrame
from tests.devices.gb_fakes import HARDWARE, MANUFACTURER, OTA, Rig, make_device, make_image, on_air


def _ready(kind: str = "ppmid", *, image: bytes | None = None, **entry: object) -> Rig:
    rig = on_air(make_device(kind, **entry))
    rig.ch.ota.image = make_image(kind) if image is None else image
    return rig


def _statuses(rig: Rig) -> list[str]:
    return [e["status"] for e in rig.events_of("ota_upgrade_end")]


def test_a_unicast_image_notify_is_answered_with_query_next_image_naming_the_hardware_version() -> None:
    rig = _ready()
    rig.ch.ota.image = None
    rig.ch.notify()
    rig.run(1)
    (query,) = rig.ch.requests("query_next_image")
    assert (query.field_control, query.manufacturer_code, query.image_type, query.current_file_version,
            query.hardware_version) == (0x01, MANUFACTURER, 0x0084, 1, HARDWARE)
    assert rig.events_of("ota_no_image") == [{"status": "NO_IMAGE_AVAILABLE"}]
    assert rig.ch.requests("image_block") == []


def test_a_broadcast_notify_for_another_manufacturer_or_the_running_version_is_ignored() -> None:
    rig = _ready()
    rig.ch.notify(payload_type=1, manufacturer_code=0x1234, broadcast=True)
    rig.ch.notify(payload_type=2, manufacturer_code=MANUFACTURER, image_type=0x0085, broadcast=True)
    rig.ch.notify(payload_type=3, manufacturer_code=MANUFACTURER, image_type=0x0084, new_file_version=1,
                  broadcast=True)
    rig.run(1)
    assert rig.ch.requests("query_next_image") == []
    assert [e["reason"] for e in rig.events_of("ota_notify_ignored")] == [
        "another manufacturer", "another image type", "the version running"]


def test_a_broadcast_notify_naming_this_device_and_a_new_version_is_answered() -> None:
    rig = _ready()
    rig.ch.notify(payload_type=3, manufacturer_code=MANUFACTURER, image_type=0x0084, new_file_version=2,
                  broadcast=True)
    rig.run(5)
    assert len(rig.ch.requests("query_next_image")) == 1 and _statuses(rig) == ["SUCCESS"]


def _jitter_decisions() -> list[bool]:
    rig = _ready()
    decisions = []
    for _ in range(12):
        before = len(rig.ch.requests("query_next_image"))
        rig.ch.ota.answering = False
        rig.ch.notify(jitter=50, broadcast=True)
        rig.run(6)
        decisions.append(len(rig.ch.requests("query_next_image")) > before)
    return decisions


def test_a_broadcast_notify_with_query_jitter_is_answered_by_a_seeded_draw_the_same_every_run() -> None:
    first, second = _jitter_decisions(), _jitter_decisions()
    assert first == second and any(first) and not all(first)


def test_an_offer_of_the_running_version_starts_no_download() -> None:
    rig = _ready(image=make_image("ppmid", version=1))
    rig.ch.notify()
    rig.run(1)
    assert rig.ch.requests("image_block") == [] and rig.device.ota.state is ImageUpgradeStatus.NORMAL


def test_an_offer_for_another_manufacturer_is_refused_with_invalid_field() -> None:
    rig = _ready(image=make_image("ppmid", manufacturer=0x4321))
    rig.ch.notify()
    rig.run(1)
    assert rig.ch.refusals(OTA) == [(0x02, Status.INVALID_FIELD)]
    assert rig.ch.requests("image_block") == []


@pytest.mark.parametrize("block_size", [40, 50, 64, 17])
def test_blocks_are_asked_for_with_the_configured_maximum_data_size(block_size: int) -> None:
    rig = _ready(behaviour={"block_size": block_size})
    rig.ch.notify()
    rig.run(10)
    requests = rig.ch.requests("image_block")
    size = len(rig.ch.ota.image or b"")
    assert {r.maximum_data_size for r in requests} == {block_size}
    assert [r.file_offset for r in requests] == list(range(0, size, block_size))
    assert _statuses(rig) == ["SUCCESS"]


def test_page_requests_ask_for_pages_and_take_the_blocks_that_follow() -> None:
    rig = _ready(behaviour={"page_requests": {"page_size": 128, "response_spacing_ms": 50}, "block_size": 32})
    rig.ch.notify()
    rig.run(10)
    pages = rig.ch.requests("image_page")
    assert [(p.file_offset, p.page_size, p.response_spacing, p.maximum_data_size) for p in pages] == [
        (0, 128, 50, 32), (128, 128, 50, 32), (256, 128, 50, 32)]
    assert rig.ch.requests("image_block") == [] and _statuses(rig) == ["SUCCESS"]


def test_a_server_that_refuses_page_requests_gets_block_requests() -> None:
    rig = _ready(behaviour={"page_requests": True})
    rig.ch.ota.pages_supported = False
    rig.ch.notify()
    rig.run(10)
    assert len(rig.ch.requests("image_page")) == 1 and rig.ch.requests("image_block")[0].file_offset == 0
    assert _statuses(rig) == ["SUCCESS"]


def test_wait_for_data_waits_the_servers_time_and_minimum_block_period_and_keeps_the_period() -> None:
    rig = _ready(behaviour={"response_timeout": 60})
    rig.ch.ota.wait_for_data = (3, 500)
    rig.ch.notify()
    rig.run(3.4)
    assert len(rig.ch.requests("image_block")) == 1
    assert rig.events_of("ota_wait_for_data") == [{"seconds": 3.5, "minimum_block_period_ms": 500}]
    rig.run(0.2)
    assert len(rig.ch.requests("image_block")) == 2
    assert rig.device.ota.cluster["minimum_block_period"] == 500
    assert rig.ch.requests("image_block")[1].minimum_block_period == 500


def test_the_minimum_block_period_spaces_the_block_requests() -> None:
    rig = _ready(behaviour={"minimum_block_period_ms": 1000})
    rig.ch.notify()
    rig.run(2.5)
    assert len(rig.ch.requests("image_block")) == 3
    rig.run(10)
    assert _statuses(rig) == ["SUCCESS"]


def test_a_block_for_another_offset_is_ignored_and_asked_for_again_after_the_response_timeout() -> None:
    rig = _ready(behaviour={"response_timeout": 5})
    rig.ch.ota.wrong_offset = 64
    rig.ch.notify()
    rig.run(1)
    assert [r.file_offset for r in rig.ch.requests("image_block")] == [0]
    assert rig.events_of("ota_block_ignored") == [{"reason": "another offset", "offset": 64, "expected": 0}]
    rig.run(5)
    assert [r.file_offset for r in rig.ch.requests("image_block")][:2] == [0, 0]
    rig.run(5)
    assert _statuses(rig) == ["SUCCESS"]


def test_a_block_for_another_file_version_is_refused_with_invalid_value_and_asked_for_again() -> None:
    rig = _ready()
    rig.ch.ota.wrong_version = 7
    rig.ch.notify()
    rig.run(1)
    assert rig.ch.refusals(OTA) == [(0x05, Status.INVALID_VALUE)]
    rig.run(10)
    assert _statuses(rig) == ["SUCCESS"] and rig.device.firmware.running_version == 2


def test_a_silent_server_is_asked_again_then_given_up_on_with_upgrade_end_abort() -> None:
    rig = _ready(behaviour={"max_retries": 2, "response_timeout": 3})
    rig.ch.ota.silent_after_blocks = 2
    rig.ch.notify()
    rig.run(8.9)
    assert [r.file_offset for r in rig.ch.requests("image_block")] == [0, 64, 128, 128, 128] and _statuses(rig) == []
    rig.run(0.2)
    assert _statuses(rig) == ["ABORT"]
    assert rig.ch.requests("upgrade_end")[0].status == Status.ABORT
    assert rig.device.ota.state is ImageUpgradeStatus.NORMAL


@pytest.mark.parametrize("status", [Status.ABORT, Status.NO_IMAGE_AVAILABLE])
def test_a_server_abort_ends_the_download_without_upgrade_end(status: Status) -> None:
    rig = _ready()
    rig.ch.ota.refuse_block = status
    rig.ch.notify()
    rig.run(30)
    assert rig.ch.requests("upgrade_end") == [] and rig.device.ota.download is None
    assert rig.events_of("ota_download_aborted") == [{"by": "server", "status": status.name}]


def test_a_malformed_block_response_is_answered_malformed_command_and_nothing_breaks() -> None:
    rig = _ready()
    rig.ch.ota.silent_after_blocks = 1
    rig.ch.notify()
    rig.run(0.1)
    rig.ch.send_raw(OTA, bytes([0x19, 0x55, 0x05, 0x00, 0x1D, 0x12]))
    rig.run(0.1)
    rig.ch.ota.silent_after_blocks = None
    assert rig.ch.refusals(OTA) == [(0x05, Status.MALFORMED_COMMAND)]
    rig.run(10)
    assert _statuses(rig) == ["SUCCESS"]


def test_the_client_attributes_are_readable_over_zcl() -> None:
    rig = _ready(behaviour={"verification_delay": 100})
    rig.ch.notify()
    rig.run(5)
    names = ("current_file_version", "downloaded_file_version", "file_offset", "image_upgrade_status",
             "manufacturer_id", "image_type_id", "upgrade_activation_policy")
    ids = [OTA_UPGRADE.attribute(name).attribute_id for name in names]
    read = ZclFrame(FrameType.GLOBAL, Direction.SERVER_TO_CLIENT, 0x42, 0x00, ReadAttributes.build(ids))
    rig.ch.send_raw(OTA, read.to_bytes())
    rig.run(0.1)
    (answer,) = [r.frame for r in rig.ch.frames if r.frame.frame_type is FrameType.GLOBAL and r.frame.tsn == 0x42]
    values = {record.attribute_id: record.typed.value for record in ReadAttributesResponse.parse(answer.payload)}
    size = len(rig.ch.ota.image or b"")
    assert [values[i] for i in ids] == [1, 2, size, ImageUpgradeStatus.DOWNLOAD_COMPLETE, MANUFACTURER, 0x0084, 0]


def test_upgrade_end_waits_for_the_verification_delay() -> None:
    rig = _ready(behaviour={"verification_delay": 120})
    rig.ch.notify()
    rig.run(110)
    assert rig.ch.requests("upgrade_end") == [] and rig.device.ota.state is ImageUpgradeStatus.DOWNLOAD_COMPLETE
    rig.run(15)
    assert _statuses(rig) == ["SUCCESS"]


def test_an_upgrade_time_of_all_ones_waits_and_asks_again_until_given_a_time() -> None:
    rig = _ready(behaviour={"upgrade_requery": 600})
    rig.ch.ota.upgrade_in = None
    rig.ch.notify()
    rig.run(10)
    assert rig.device.ota.state is ImageUpgradeStatus.WAITING_TO_UPGRADE
    rig.run(600)
    assert len(rig.ch.requests("upgrade_end")) == 2 and rig.events_of("activated") == []
    rig.ch.ota.upgrade_in = 30
    rig.run(619)
    assert len(rig.ch.requests("upgrade_end")) == 3 and rig.events_of("activated") == []
    rig.run(2)
    assert rig.events_of("activated") == [{"version": "0x00000002", "reported": "0x00000002"}]


def test_an_unsolicited_upgrade_end_response_when_no_image_waits_is_refused() -> None:
    rig = _ready()
    rig.ch.send(OTA_UPGRADE, "upgrade_end_response", {"manufacturer_code": MANUFACTURER, "image_type": 0x0084,
                                                      "file_version": 2, "current_time": 0, "upgrade_time": 0})
    rig.run(1)
    assert rig.ch.refusals(OTA) == [(0x07, Status.FAILURE)]
    assert rig.events_of("activated") == []


def test_before_any_notify_the_device_asks_the_server_endpoint_it_was_given() -> None:
    rig = _ready(behaviour={"server_endpoint": 42})
    rig.device.control("query", {})
    rig.run(1)
    assert [m.destination_endpoint for m in rig.ch.received if m.cluster_id == OTA][0] == 42
