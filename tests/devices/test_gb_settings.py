"""The GB devices' config: the gbcs block, the emulated block, behaviours and faults, and their errors."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from hanrig import testpki
from hanrig.bench.errors import SpecError
from hanrig.devices.gb.behaviours import Behaviour, Faults, PageRequests, Sleep
from hanrig.devices.gb.settings import GbSettings
from hanrig.devices.han.zcl.foundation import GlobalCommand
from hanrig.devices.spec import parse_config
from hanrig.gbcs import AlertForm
from tests.devices.gb_fakes import KEYSTORE, TRUST, device_entry, make_device, on_air
from tests.paths import REPO


def _settings(*entries: dict[str, Any], gbcs: dict[str, Any] | None = None, base_dir: Path | None = None
              ) -> list[GbSettings]:
    config = {"gbcs": TRUST if gbcs is None else gbcs, "devices": list(entries)}
    return [spec.settings for spec in parse_config(config, base_dir=base_dir).devices]


def test_a_ppmid_reads_its_identity_and_starts_with_default_behaviour_and_no_faults() -> None:
    (spec,) = parse_config({"gbcs": TRUST, "devices": [device_entry("ppmid")]}).devices
    identity, settings = spec.identity, spec.settings
    assert (identity.manufacturer_code, identity.image_type, identity.hardware_version,
            identity.firmware_version, settings.model) == (0x121D, 0x0084, 0x1111, 1, "PPMID")
    assert (settings.behaviour, settings.faults) == (Behaviour(), Faults())
    assert settings.keys.device == testpki.PPMID and settings.keys.anchors.supplier == testpki.SUPPLIER


def test_behaviour_and_faults_are_read_from_the_emulated_block() -> None:
    (settings,) = _settings(device_entry(
        "hcalcs", behaviour={"block_size": 40, "sleepy": {"wake_interval": 60}, "page_requests": True,
                             "alert_form": "dlms", "resume": True},
        faults={"reboot_at": 40, "wrong_version": "0x99", "delay_alerts": 5}))
    behaviour, faults = settings.behaviour, settings.faults
    assert (behaviour.block_size, behaviour.sleepy, behaviour.page_requests, behaviour.alert_form,
            behaviour.resume) == (40, Sleep(wake_interval=60.0), PageRequests(), AlertForm.DLMS, True)
    assert (faults.reboot_at, faults.wrong_version, faults.delay_alerts) == (40.0, 0x99, 5.0)


def test_the_keystore_is_found_relative_to_the_config_file(tmp_path: Path) -> None:
    shutil.copytree(KEYSTORE, tmp_path / "keys")
    (settings,) = _settings(device_entry("ppmid"), gbcs={**TRUST, "keystore": "keys"}, base_dir=tmp_path)
    assert settings.keys.device == testpki.PPMID


@pytest.mark.parametrize(("change", "path"), [
    ({"gbcs": None}, "gbcs"),
    ({"gbcs": {**TRUST, "keystore": "/nonexistent/keys"}}, "gbcs.keystore"),
    ({"gbcs": {**TRUST, "acb": "not-an-eui"}}, "gbcs.acb"),
    ({"gbcs": {**TRUST, "colour": "blue"}}, "gbcs.colour"),
    ({"gbcs": {**TRUST, "supplier": "0011223344556677"}}, "gbcs.supplier"),
    ({"eui64": "00:11:22:33:44:55:66:77"}, "devices[0].emulated.eui64"),
    ({"image_type": None}, "devices[0].emulated.image_type"),
    ({"behaviour": {"block_size": 0}}, "devices[0].emulated.behaviour.block_size"),
    ({"behaviour": {"sleepy": {"wake_interval": 0}}}, "devices[0].emulated.behaviour.sleepy.wake_interval"),
    ({"behaviour": {"alert_form": "xml"}}, "devices[0].emulated.behaviour.alert_form"),
    ({"behaviour": {"verification_delay": 301}}, "devices[0].emulated.behaviour.verification_delay"),
    ({"faults": {"stall_at": 100}}, "devices[0].emulated.faults.stall_at"),
    ({"faults": {"explode": True}}, "devices[0].emulated.faults.explode"),
    ({"faults": {"reject_image": True, "require_more_image": True}}, "devices[0].emulated.faults.require_more_image"),
], ids=lambda value: value if isinstance(value, str) else None)
def test_a_bad_setting_is_a_spec_error_naming_its_field(change: dict[str, Any], path: str) -> None:
    entry = device_entry("ppmid")
    gbcs = change.pop("gbcs", TRUST)
    entry["emulated"].update(change)
    config: dict[str, Any] = {"devices": [entry]}
    if gbcs is not None:
        config["gbcs"] = gbcs
    with pytest.raises(SpecError) as caught:
        parse_config(config)
    assert caught.value.path == path


def test_no_key_material_appears_in_a_keystore_error(tmp_path: Path) -> None:
    (tmp_path / f"{testpki.PPMID.lower()}-ds.key").write_text("-----BEGIN PRIVATE KEY-----\nnonsense\n")
    with pytest.raises(SpecError) as caught:
        _settings(device_entry("ppmid"), gbcs={**TRUST, "keystore": str(tmp_path)})
    assert caught.value.path == "gbcs.keystore" and "nonsense" not in str(caught.value)


def test_sleepy_and_page_requests_can_be_switched_off_with_false() -> None:
    (settings,) = _settings(device_entry("ppmid", behaviour={"sleepy": False, "page_requests": None}))
    assert settings.behaviour.sleepy is None and settings.behaviour.page_requests is None


def test_settings_changed_at_run_time_are_checked_like_the_config() -> None:
    device = make_device("ppmid")
    assert device.set_behaviour({"block_size": 50})["block_size"] == 50
    assert device.set_faults({"drop_alerts": True})["drop_alerts"] is True
    with pytest.raises(SpecError) as caught:
        device.set_behaviour({"block_size": 300})
    assert caught.value.path == "behaviour.block_size"
    with pytest.raises(SpecError) as caught:
        device.set_faults({"stall_at": -1})
    assert caught.value.path == "faults.stall_at"
    assert device.behaviour.block_size == 50 and device.faults.stall_at is None


def test_the_readme_example_is_a_config_the_emulator_reads() -> None:
    section = (REPO / "README.md").read_text().split("### Emulated PPMID and HCALCS", 1)[1]
    (example,) = re.findall(r"```yaml\n(.+?)\n```", section.split("\n## ", 1)[0], flags=re.DOTALL)
    (spec,) = parse_config(yaml.safe_load(example), base_dir=REPO).devices
    assert (spec.kind, spec.settings.behaviour.block_size, spec.settings.faults.reboot_at) == ("ppmid", 50, 40.0)


@pytest.mark.parametrize(("profile", "setting", "answered"), [
    (0x0109, False, True),  # its own profile, Smart Energy
    (0xFFFF, False, True),  # the wildcard
    (0x0104, False, False),  # Home Automation: dropped, as Silicon Labs' Application Framework does
    (0x0104, True, True),
])
def test_a_gb_device_answers_a_basic_read_on_its_profile_the_wildcard_and_ha_only_when_told(
        profile: int, setting: bool, answered: bool) -> None:
    rig = on_air(make_device("ppmid", behaviour={"home_automation_profile": setting}))
    read_model = bytes([0x00, 0x42, GlobalCommand.READ_ATTRIBUTES]) + (0x0005).to_bytes(2, "little")

    rig.ch.send_raw(0x0000, read_model, profile_id=profile)
    rig.run(1)

    answers = [m for m in rig.ch.received if m.cluster_id == 0x0000]
    assert bool(answers) is answered
    if answered:
        assert answers[0].profile_id == profile and b"PPMID" in answers[0].payload


def test_the_home_automation_setting_changed_at_run_time_takes_effect() -> None:
    rig = on_air(make_device("ppmid"))
    rig.device.set_behaviour({"home_automation_profile": True})

    rig.ch.send_raw(0x0000, bytes([0x00, 0x43, GlobalCommand.READ_ATTRIBUTES, 0x05, 0x00]), profile_id=0x0104)
    rig.run(1)

    assert [m.cluster_id for m in rig.ch.received if m.cluster_id == 0x0000] == [0x0000]
