"""A sleepy GB device, and what the control plane can ask of a GB device."""

from __future__ import annotations

import pytest

from hanrig.devices.errors import InputError
from hanrig.devices.han.zdo import LogicalType
from tests.devices.gb_fakes import Rig, make_device, make_image, on_air

SLEEPY = {"sleepy": {"wake_interval": 60, "awake_for": 5}}


def _sleepy(**behaviour: object) -> Rig:
    rig = on_air(make_device("ppmid", behaviour={**SLEEPY, **behaviour}))
    rig.ch.ota.image = make_image("ppmid")
    return rig


def test_a_sleepy_device_says_so_in_its_node_descriptor_and_basic_cluster() -> None:
    device = make_device("ppmid", behaviour=SLEEPY)
    assert device.logical_type is LogicalType.END_DEVICE and not device.rx_on_when_idle
    assert device.basic["power_source"] == 0x03


def test_an_image_notify_to_a_sleeping_device_fails_delivery() -> None:
    rig = _sleepy(sleepy={"wake_interval": 60, "awake_for": 5, "query_on_wake": False})
    rig.run(6)
    assert rig.device.asleep
    rig.ch.notify()
    rig.run(5)
    assert rig.ch.delivered == [False] and rig.ch.requests("query_next_image") == []


def test_a_sleepy_device_wakes_every_interval_and_asks_for_an_image_itself() -> None:
    rig = _sleepy()
    rig.ch.ota.image = None
    rig.run(5 + 60 + 5 + 60 + 1)
    assert [e.kind for e in rig.events.since() if e.kind in ("asleep", "awake")] == [
        "asleep", "awake", "asleep", "awake"]
    assert len(rig.ch.requests("query_next_image")) == 2


def test_a_download_keeps_a_sleepy_device_awake_until_it_is_over() -> None:
    rig = _sleepy(block_size=8, minimum_block_period_ms=100, reboot_on_activation=False)
    rig.run(5 + 60 + 1)
    assert not rig.device.asleep and rig.device.ota.download is not None
    rig.run(40)
    assert rig.events_of("activated") and rig.device.asleep


def test_a_notify_while_awake_is_answered() -> None:
    rig = _sleepy(sleepy={"wake_interval": 60, "awake_for": 5, "query_on_wake": False})
    rig.ch.notify()
    rig.run(2)
    assert rig.ch.delivered[0] is True and len(rig.ch.requests("query_next_image")) == 1


def test_the_control_plane_wakes_queries_restarts_and_reports() -> None:
    rig = _sleepy(sleepy={"wake_interval": 600, "awake_for": 5, "query_on_wake": False})
    rig.ch.ota.image = None
    rig.run(10)
    rig.device.control("wake", {})
    assert not rig.device.asleep
    rig.device.control("query", {})
    rig.run(1)
    assert len(rig.ch.requests("query_next_image")) == 1
    rig.device.control("restart", {})
    rig.run(3)
    assert [e.kind for e in rig.events.since()].count("rebooting") == 1
    status = rig.device.control("status", {})
    assert (status["kind"], status["firmware"]["running_version"], status["ota"]["state"], status["outbox"]) == (
        "ppmid", "0x00000001", "normal", [])
    with pytest.raises(InputError, match="no control command 'explode'"):
        rig.device.control("explode", {})


def test_a_device_off_the_network_refuses_commands_that_need_the_air() -> None:
    with pytest.raises(InputError, match="not on the network"):
        make_device("ppmid").control("query", {})
