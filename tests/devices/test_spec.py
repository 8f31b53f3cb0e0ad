"""The emulator's part of the rig config: what it reads, and errors that name the field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hanrig.bench.emulator import EmulatorSpec
from hanrig.bench.errors import SpecError
from hanrig.bench.fields import Fields
from hanrig.bench.identity import DeviceIdentity, crc16_x25
from hanrig.devices.han import kinds as kinds_module
from hanrig.devices.han.generic import GenericDevice
from hanrig.devices.han.install_code import link_key_from_install_code
from hanrig.devices.han.kinds import ConfigContext, DeviceKind
from hanrig.devices.han.node import WELL_KNOWN_LINK_KEY
from hanrig.devices.ieee import Eui64
from hanrig.devices.spec import Emulation, parse_config, parse_device

METER = {"name": "meter", "type": "generic", "emulated": {"eui64": "00:11:22:33:44:55:66:01"}}


def _config(*devices: dict[str, Any], **emulator: Any) -> dict[str, Any]:
    return {"coordinator": {"emulator": emulator}, "devices": list(devices)}


def test_an_empty_config_is_the_default_emulator() -> None:
    assert parse_config({}) == Emulation(EmulatorSpec())


def test_the_emulator_block_and_emulated_devices_are_read_and_physical_ones_ignored(tmp_path: Path) -> None:
    physical = {"name": "real-ppmid", "type": "ppmid", "serial": "/dev/ttyUSB1"}
    spec = parse_config(
        _config(
            physical,
            {**METER, "emulated": {**METER["emulated"], "node_id": "0x1234", "manufacturer": "Acme"}},
            ezsp_version=8,
            state_file="ncp.json",
            seed=4,
            faults={"serial": {"drop": 0.05}, "air": {"loss": 0.1}},
            air={"airtime": True},
        ),
        base_dir=tmp_path,
    )
    radio = spec.radio
    assert (radio.ezsp_version, radio.state_file, radio.seed) == (8, tmp_path / "ncp.json", 4)
    assert (radio.faults.serial.drop, radio.faults.air.loss, radio.air.airtime) == (0.05, 0.1, True)
    (meter,) = spec.devices
    assert (meter.name, meter.node_id, meter.settings.manufacturer, meter.link_key) == (
        "meter",
        0x1234,
        "Acme",
        WELL_KNOWN_LINK_KEY,
    )


def test_an_install_code_becomes_the_devices_link_key() -> None:
    code = bytes.fromhex("83fed3407a939723")
    full = code + crc16_x25(code).to_bytes(2, "little")
    spec = parse_config(_config({**METER, "emulated": {**METER["emulated"], "install_code": full.hex()}}))
    assert spec.devices[0].link_key == link_key_from_install_code(full)


@pytest.mark.parametrize(
    ("config", "path", "problem"),
    [
        (_config(ezsp_version=9), "coordinator.emulator.ezsp_version", "one of 8, 13"),
        (_config(seed=-1), "coordinator.emulator.seed", "between"),
        (
            _config(faults={"serial": {"drop": 2}}),
            "coordinator.emulator.faults.serial.drop",
            "between 0 and 1",
        ),
        (_config(faults={"serial": {"dorp": 0.1}}), "coordinator.emulator.faults.serial.dorp", "not a known"),
        (_config(air={"latency": "fast"}), "coordinator.emulator.air.latency", "must be a number"),
        (_config(colour="blue"), "coordinator.emulator.colour", "not a known setting"),
        (
            _config(METER, {**METER, "emulated": {"eui64": "zz"}}),
            "devices[1].name",
            "used by another device",
        ),
        (
            _config({**METER, "emulated": {"eui64": "00:11"}}),
            "devices[0].emulated.eui64",
            "not an EUI-64",
        ),
        (_config({**METER, "type": "esme"}), "devices[0].type", "one of"),
        (
            _config({**METER, "emulated": {**METER["emulated"], "node_id": 0xFFFF}}),
            "devices[0].emulated.node_id",
            "between",
        ),
        (
            _config({**METER, "emulated": {**METER["emulated"], "install_code": "00" * 10}}),
            "devices[0].emulated.install_code",
            "CRC",
        ),
        (
            _config({**METER, "emulated": {**METER["emulated"], "modle": "x"}}),
            "devices[0].emulated.modle",
            "not a known setting",
        ),
        ({"devices": {"meter": METER}}, "devices", "must be a list"),
    ],
)
def test_a_bad_value_is_reported_with_the_path_of_its_field(
    config: dict[str, Any], path: str, problem: str
) -> None:
    with pytest.raises(SpecError) as caught:
        parse_config(config)
    assert caught.value.path == path
    assert problem in caught.value.problem


def test_node_ids_left_out_are_derived_from_the_eui64_the_same_every_time_and_never_shared() -> None:
    devices = [
        {"name": f"d{i}", "type": "generic", "emulated": {"eui64": str(Eui64(0xFFF7 * i))}}
        for i in range(1, 4)
    ]
    first = parse_config(_config(*devices)).devices
    assert [d.node_id for d in first] == [d.node_id for d in parse_config(_config(*devices)).devices]
    assert len({d.node_id for d in first}) == 3
    assert all(0 < d.node_id < 0xFFF8 for d in first)


def test_the_ncp_eui64_defaults_to_a_silicon_labs_address_fixed_by_the_seed() -> None:
    def seeded(seed: int) -> Emulation:
        return Emulation(EmulatorSpec(seed=seed))

    assert seeded(1).ncp_eui64 == seeded(1).ncp_eui64 != seeded(2).ncp_eui64
    assert str(seeded(1).ncp_eui64).startswith("00:0d:6f")


def test_a_kind_reads_the_configs_shared_blocks_relative_to_its_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    contexts: list[ConfigContext] = []

    def read(fields: Fields, context: ConfigContext, identity: DeviceIdentity) -> None:
        contexts.append(context)

    monkeypatch.setitem(kinds_module._KINDS, "probe", DeviceKind("probe", read, GenericDevice))
    probe = {**METER, "type": "probe"}
    spec = parse_config({**_config(probe), "gbcs": {"keystore": "keys"}, "rig": {"x": 1}}, base_dir=tmp_path)
    assert [(c.base_dir, dict(c.shared)) for c in contexts] == [(tmp_path, {"gbcs": {"keystore": "keys"},
                                                                           "rig": {"x": 1}})]
    later = {**probe, "name": "later", "emulated": {"eui64": "00:11:22:33:44:55:66:09"}}
    parse_device(later, list(spec.devices), spec.context)
    assert contexts[-1] is spec.context


@pytest.mark.parametrize(("value", "on"), [(None, False), (False, False), (True, True), ({"a": 1}, True)])
def test_a_block_that_can_be_switched_off_reads_null_and_false_as_off(value: object, on: bool) -> None:
    block = Fields({"sleepy": value}, "behaviour").optional_mapping("sleepy")
    assert (block is not None) is on
    if isinstance(value, dict):
        assert block is not None and block.integer("a") == 1


def test_a_switchable_block_that_is_not_a_mapping_is_an_error() -> None:
    with pytest.raises(SpecError) as caught:
        Fields({"sleepy": 5}, "behaviour").optional_mapping("sleepy")
    assert caught.value.path == "behaviour.sleepy"
