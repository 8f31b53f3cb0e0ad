"""The emulated PPMID: OTA then activation on the CH's word, CS09 after it, CS08 at any time."""

from __future__ import annotations

from datetime import UTC, datetime

from hanrig import testpki
from hanrig.devices.gb.ota_client import ImageUpgradeStatus
from hanrig.gbcs import (
    ActivateImageResult,
    FirmwareActivationAlert,
    ReadFirmwareVersionResponse,
    ReadResult,
    Verdict,
    encode,
)
from tests.devices.gb_fakes import NEW_YEAR, Rig, cs06, cs08, make_device, make_image, on_air, seen


def _upgraded(**entry: object) -> Rig:
    """A PPMID that was notified, downloaded version 2 and was told to activate now."""
    rig = on_air(make_device("ppmid", **entry))
    rig.ch.ota.image = make_image("ppmid")
    rig.ch.open_tunnel()
    rig.ch.notify()
    rig.run(10)
    return rig


def test_a_ppmid_activates_on_the_upgrade_end_response_and_sends_cs09_once_a_tunnel_is_back() -> None:
    rig = _upgraded()
    assert rig.device.firmware.running_version == 2 and rig.device.ota.current_version == 2
    assert rig.ch.gbcs == [] and rig.device.tunnel.tunnels == {}  # the restart took the tunnel
    assert [m.cluster_id for m in rig.ch.received if m.is_zdo] == [0x0013]  # back, it announced itself
    rig.ch.open_tunnel()
    rig.run(1)
    (alert,) = [seen(m) for m in rig.ch.gbcs]
    assert (alert.message.message_code, alert.alert_code, alert.message.originator, alert.message.recipient) == (
        0x012B, 0x8F8B, testpki.PPMID, testpki.ACB)
    assert alert.payload == FirmwareActivationAlert(0x8F8B, NEW_YEAR, bytes.fromhex("00000002"),
                                                    ActivateImageResult.SUCCESS)
    assert (alert.verification.signature, alert.verification.mac) == (Verdict.VALID, Verdict.ABSENT)


def test_activation_keeps_the_device_off_the_air_for_its_reboot_time() -> None:
    rig = _upgraded(behaviour={"reboot_time": 30})
    rig.run(15)
    rig.ch.open_tunnel()
    rig.run(5)
    assert rig.ch.delivered[-1] is False and rig.device.tunnel.tunnels == {}
    rig.run(15)
    assert rig.ch.open_tunnel().tunnel_status == 0 and rig.ch.delivered[-1] is True
    rig.run(1)
    assert seen(rig.ch.gbcs[0]).alert_code == 0x8F8B


def test_without_a_restart_on_activation_cs09_goes_through_the_open_tunnel_at_once() -> None:
    rig = _upgraded(behaviour={"reboot_on_activation": False})
    (alert,) = [seen(m) for m in rig.ch.gbcs]
    assert alert.payload.result is ActivateImageResult.SUCCESS and rig.events_of("rebooting") == []


def test_activation_waits_for_the_upgrade_time_given() -> None:
    rig = on_air(make_device("ppmid"))
    rig.ch.ota.image, rig.ch.ota.upgrade_in = make_image("ppmid"), 3600
    rig.ch.notify()
    rig.run(3500)
    assert rig.device.ota.state is ImageUpgradeStatus.COUNT_DOWN and rig.device.firmware.running_version == 1
    rig.run(200)
    assert rig.device.firmware.running_version == 2


def test_cs08_is_answered_with_the_running_version_maced_for_the_acb() -> None:
    rig = _upgraded()
    rig.ch.open_tunnel()
    rig.run(1)
    rig.ch.send_gbcs(encode(cs08("ppmid", counter=4000, supplier_counter=88)))
    rig.run(1)
    response = seen(rig.ch.gbcs[-1])
    assert response.payload == ReadFirmwareVersionResponse(bytes.fromhex("00000002"), ReadResult.READ_SUCCESS)
    assert (response.message.counter, response.message.remote_party_counter, response.message.recipient) == (
        4000, 88, testpki.ACB)
    assert (response.verification.signature, response.verification.mac) == (Verdict.ABSENT, Verdict.VALID)


def test_a_ppmid_does_not_act_on_cs06() -> None:
    rig = on_air(make_device("ppmid"))
    rig.ch.open_tunnel()
    rig.ch.send_gbcs(encode(cs06("ppmid", bytes(32))))
    rig.run(2)
    assert rig.ch.gbcs == [] and rig.events_of("gbcs_rejected")[0]["reason"] == "not served by this device"


def test_alert_counters_keep_growing_across_restarts() -> None:
    rig = _upgraded(behaviour={"reboot_on_activation": False})
    rig.ch.ota.image = make_image("ppmid", version=3)
    rig.device.restart()
    rig.run(5)
    rig.ch.open_tunnel()
    rig.ch.notify()
    rig.run(10)
    counters = [seen(m).message.counter for m in rig.ch.gbcs]
    assert len(counters) == 2 and counters[0] < counters[1]
    assert counters[0] == int(datetime(2026, 1, 1, tzinfo=UTC).timestamp() * 1000)
