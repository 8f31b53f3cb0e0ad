"""hil_config.yaml: what a valid file gives, and every mistake named with its line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hanrig import testpki
from hanrig.bench.errors import ConfigError
from hanrig.gbcs import KeyUsage
from hanrig.rig.config import ImageSource, load_config
from hanrig.rig.ota.policy import Activation
from tests.paths import REPO

PHYSICAL = """\
coordinator:
  radio: ezsp
  port: /dev/ttyUSB0
  baudrate: 115200
  flow_control: hardware
gbcs:
  keystore: keys
  acb: 48414E5249470002
  supplier: 48414E5249470100
  comms_hub: 48414E52494700A2
devices:
  - name: lab-ppmid
    type: ppmid
    physical:
      eui64: 00-0D-6F-00-00-00-00-A4
      install_code: 83FED3407A939723A5C639B26916D505C3B5
      hardware_version: 0x1111
images:
  next:
    file: images/ppmid-v2.ota
ota_policies:
  ppmid:
    max_block_size: 50
    activation: {when: on-command}
"""


def _load(tmp_path: Path, text: str) -> object:
    # What PHYSICAL names must be there: the config is checked against the files and keys it names.
    testpki.write_keystore(tmp_path / "keys", (testpki.ACB, testpki.SUPPLIER, testpki.COMMS_HUB, "000D6F00000000A4"))
    (tmp_path / "images").mkdir(exist_ok=True)
    (tmp_path / "images" / "ppmid-v2.ota").touch()
    path = tmp_path / "hil_config.yaml"
    path.write_text(text)
    return load_config(path)


def test_physical_lab_config_loads_with_its_values_and_defaults(tmp_path: Path) -> None:
    config = _load(tmp_path, PHYSICAL)

    assert config.coordinator.port == "/dev/ttyUSB0" and not config.coordinator.emulated
    assert config.coordinator.flow_control == "hardware"
    device = config.device("lab-ppmid")
    assert device.eui64 == "000D6F00000000A4" and device.identity.hardware_version == 0x1111
    assert device.identity.install_code == bytes.fromhex("83FED3407A939723A5C639B26916D505C3B5")
    assert config.device("00:0d:6f:00:00:00:00:a4") is device
    assert config.images["next"].source is ImageSource.FILE
    assert config.images["next"].path == tmp_path / "images" / "ppmid-v2.ota"
    policy = config.policy_for(device)
    assert policy.max_block_size == 50 and policy.activation.when is Activation.ON_COMMAND
    assert config.ota_policies["hcalcs"].max_block_size == 64
    assert config.gbcs.keystore == tmp_path / "keys"
    assert len(config.sha256) == 64


@pytest.mark.parametrize(("original", "replacement", "message"), [
    ("  port: /dev/ttyUSB0\n", "", r"hil_config.yaml:1: coordinator.port: is required: give a serial port"),
    ("    type: ppmid\n", "    type: esme\n", r"hil_config.yaml:13: devices\[0\].type: must be one of ppmid, hcalcs"),
    ("      eui64: 00-0D-6F-00-00-00-00-A4\n", "      eui64: 00-0D-6F\n",
     r"hil_config.yaml:15: devices\[0\].physical.eui64:"),
    ("  baudrate: 115200\n", "  baudrate: 115200\n  baud: 9600\n",
     r"hil_config.yaml:5: coordinator.baud: is not a known setting"),
    ("    file: images/ppmid-v2.ota\n", "    file: a.ota\n    duis: b.xml\n",
     r"hil_config.yaml:19: images.next: give exactly one of file:, duis: or build:"),
    ("    max_block_size: 50\n", "    max_block_size: 200\n",
     r"hil_config.yaml:23: ota_policies.ppmid.max_block_size: must be between 1 and 65"),
    ("    type: ppmid\n", "    type: ppmid\n    policy: fast\n",
     r"hil_config.yaml:14: devices\[0\].policy: no OTA policy 'fast'"),
])
def test_each_mistake_names_file_line_field_and_problem(
        tmp_path: Path, original: str, replacement: str, message: str) -> None:
    assert original in PHYSICAL

    with pytest.raises(ConfigError, match=message):
        _load(tmp_path, PHYSICAL.replace(original, replacement))


def test_a_list_where_a_choice_belongs_is_a_config_error_not_a_type_error(tmp_path: Path) -> None:
    # Found by tests/rig/test_config_fuzz.py: a list is unhashable, and looking it up raised TypeError.
    with pytest.raises(ConfigError, match=r"hil_config.yaml:24: ota_policies.ppmid.activation.when: must be one of"):
        _load(tmp_path, PHYSICAL.replace("{when: on-command}", "{when: [now]}"))


def test_yaml_syntax_error_names_its_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"hil_config.yaml:4: not valid YAML"):
        _load(tmp_path, "coordinator:\n  port: [\n  radio: ezsp\n")


def test_missing_config_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read the config"):
        load_config(tmp_path / "absent.yaml")


def test_unknown_device_lookup_lists_the_known_devices(tmp_path: Path) -> None:
    with pytest.raises(KeyError, match="devices: lab-ppmid"):
        _load(tmp_path, PHYSICAL).device("hcalcs")


def test_the_rig_holds_the_private_keys_of_the_roles_it_plays_and_no_devices() -> None:
    config = load_config(REPO / "hil_config.yaml")
    keystore, parties = config.keystore, config.gbcs
    assert keystore.private_key(parties.comms_hub, KeyUsage.DIGITAL_SIGNING) is not None
    assert keystore.private_key(parties.supplier, KeyUsage.DIGITAL_SIGNING) is not None
    assert keystore.private_key(parties.acb, KeyUsage.KEY_AGREEMENT) is not None
    for device in config.devices:
        for usage in KeyUsage:
            assert keystore.private_key(device.eui64, usage) is None
        assert keystore.public_key(device.eui64, KeyUsage.DIGITAL_SIGNING) is not None


def test_the_rig_reads_who_an_emulated_device_is_and_leaves_the_rest_of_its_block_to_the_emulator(
        tmp_path: Path) -> None:
    text = (REPO / "hil_config.yaml").read_text()
    text = text.replace("      firmware_version: 0x00000001\n", "      firmware_version: 0x00000001\n"
                        "      behaviour: {colour: blue}\n", 1)
    (tmp_path / "hil_config.yaml").write_text(text)

    ppmid = load_config(tmp_path / "hil_config.yaml").device("ppmid")

    assert ppmid.emulated and ppmid.identity.image_type == 0x0084 and ppmid.identity.firmware_version == 1


@pytest.mark.parametrize(("missing", "field"), [
    ("48414e52494700a2-ds.key", "gbcs.comms_hub"), ("48414e5249470100-ds.key", "gbcs.supplier"),
    ("48414e5249470002-ka.key", "gbcs.acb"), ("000d6f00000000a4-ds.pem", "devices[0].physical.eui64"),
    ("000d6f00000000a4-ka.pem", "devices[0].physical.eui64"),
])
def test_a_key_the_rig_needs_missing_from_the_keystore_is_a_config_error_at_load(
        tmp_path: Path, missing: str, field: str) -> None:
    testpki.write_keystore(tmp_path / "keys", (testpki.ACB, testpki.SUPPLIER, testpki.COMMS_HUB, "000D6F00000000A4"))
    (tmp_path / "keys" / missing).unlink()
    # The device's private keys are not the rig's: without them its public keys come from the .pem alone.
    for private in (tmp_path / "keys").glob("000d6f00000000a4-*.key"):
        private.unlink()

    with pytest.raises(ConfigError, match=rf"hil_config.yaml:\d+: {re.escape(field)}: the keystore .* holds no"):
        _load_with_keys(tmp_path, PHYSICAL)


def _load_with_keys(tmp_path: Path, text: str) -> object:
    (tmp_path / "images").mkdir(exist_ok=True)
    (tmp_path / "images" / "ppmid-v2.ota").touch()
    path = tmp_path / "hil_config.yaml"
    path.write_text(text)
    return load_config(path)
