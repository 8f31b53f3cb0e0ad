"""The config names every path the rig reads or writes, and the rig uses exactly those.

A relative path is taken from the config file's directory, ``..`` included; an absolute
one as it is. A path that is a symbolic link, an input that is missing, or one of the
wrong kind is a ConfigError naming the file, line and field. The keystore takes no key
file that is a link.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from hanrig.bench.errors import ConfigError
from hanrig.rig.config import load_config
from tests.paths import REPO

CONFIG = """\
coordinator:
  port: {port}
  database: {database}
  emulator:
    state_file: {state_file}
gbcs:
  keystore: {keystore}
  acb: 48414E5249470002
  supplier: 48414E5249470100
  comms_hub: 48414E52494700A2
devices:
  - name: lab-ppmid
    type: ppmid
    physical:
      eui64: 48414E52494700A4
images:
  as-file:
    file: {file}
  from-duis:
    duis: {duis}
  built:
    build:
      manufacturer_code: 0x121D
      image_type: 0x0084
      file_version: 2
      payload: {payload}
report_dir: {report_dir}
"""
#: each path field: its line in CONFIG, and whether it is an input (must exist) of which kind
FIELDS = {
    "coordinator.database": (3, "file", False),
    "coordinator.emulator.state_file": (5, "file", False),
    "gbcs.keystore": (7, "directory", True),
    "images.as-file.file": (18, "file", True),
    "images.from-duis.duis": (20, "file", True),
    "images.built.build.payload": (26, "file", True),
    "report_dir": (27, "directory", False),
}
KEYS = {"coordinator.database": "database", "coordinator.emulator.state_file": "state_file",
        "gbcs.keystore": "keystore", "images.as-file.file": "file", "images.from-duis.duis": "duis",
        "images.built.build.payload": "payload", "report_dir": "report_dir"}


@pytest.fixture
def lab(tmp_path: Path) -> Path:
    """A lab directory: the config's own directory holds what it names; ``../shared`` one more keystore."""
    config_dir = tmp_path / "bench"
    (config_dir / "images").mkdir(parents=True)
    shutil.copytree(REPO / "hanrig" / "testpki" / "keys", config_dir / "keys")
    shutil.copytree(REPO / "hanrig" / "testpki" / "keys", tmp_path / "shared-keys")
    for name in ("v2.ota", "request.xml", "payload.bin"):
        (config_dir / "images" / name).write_bytes(b"\x00")
    return config_dir


def _values(**changes: str) -> dict[str, str]:
    values = {"port": "/dev/ttyUSB0", "database": "zigbee.db", "state_file": "ncp.json", "keystore": "keys",
              "file": "images/v2.ota", "duis": "images/request.xml", "payload": "images/payload.bin",
              "report_dir": "reports"}
    return {**values, **changes}


def _load(lab: Path, **changes: str) -> object:
    (lab / "hil_config.yaml").write_text(CONFIG.format(**_values(**changes)))
    return load_config(lab / "hil_config.yaml")


def _resolved(config: object) -> dict[str, Path | None]:
    images = config.images  # type: ignore[attr-defined]
    return {
        "coordinator.database": config.coordinator.database,  # type: ignore[attr-defined]
        "gbcs.keystore": config.gbcs.keystore,  # type: ignore[attr-defined]
        "images.as-file.file": images["as-file"].path,
        "images.from-duis.duis": images["from-duis"].path,
        "images.built.build.payload": images["built"].build.payload,
        "report_dir": config.report_dir,  # type: ignore[attr-defined]
    }


def test_every_path_is_taken_from_the_config_directory_and_nothing_else(lab: Path) -> None:
    config = _load(lab)

    assert {field: path.relative_to(lab).as_posix() for field, path in _resolved(config).items()} == {
        "coordinator.database": "zigbee.db", "gbcs.keystore": "keys", "images.as-file.file": "images/v2.ota",
        "images.from-duis.duis": "images/request.xml", "images.built.build.payload": "images/payload.bin",
        "report_dir": "reports"}


def test_dot_dot_and_absolute_paths_resolve_to_exactly_what_they_name(lab: Path) -> None:
    outside = lab.parent / "shared-keys"

    config = _load(lab, keystore="images/../../shared-keys", report_dir=str(lab.parent / "elsewhere"),
                   file="./images/../images/v2.ota")

    assert config.gbcs.keystore.resolve() == outside.resolve()  # type: ignore[attr-defined]
    assert config.report_dir == lab.parent / "elsewhere"  # type: ignore[attr-defined]
    assert config.images["as-file"].path.resolve() == (lab / "images" / "v2.ota").resolve()  # type: ignore


@pytest.mark.parametrize("field", FIELDS)
def test_a_path_that_is_a_symbolic_link_is_a_config_error_with_its_line(lab: Path, field: str) -> None:
    line, kind, _ = FIELDS[field]
    target = lab.parent / f"target-{kind}"
    target.mkdir() if kind == "directory" else target.write_bytes(b"\x00")
    (lab / "link").symlink_to(target)

    # The emulator's state file is read only when the radio is the emulated one.
    port = "emulated" if field == "coordinator.emulator.state_file" else "/dev/ttyUSB0"

    with pytest.raises(ConfigError, match=rf"hil_config.yaml:{line}: {field}: .*link is a symbolic link"):
        _load(lab, port=port, **{KEYS[field]: "link"})


@pytest.mark.parametrize("field", [field for field, (_, _, existing) in FIELDS.items() if existing])
def test_a_missing_input_is_a_config_error_with_its_line(lab: Path, field: str) -> None:
    line, kind, _ = FIELDS[field]

    with pytest.raises(ConfigError, match=rf"hil_config.yaml:{line}: {field}: .*absent: no such {kind}"):
        _load(lab, **{KEYS[field]: "absent"})


@pytest.mark.parametrize(("field", "value"), [("gbcs.keystore", "images/v2.ota"), ("images.as-file.file", "keys"),
                                              ("report_dir", "images/v2.ota")])
def test_a_path_of_the_wrong_kind_is_a_config_error_with_its_line(lab: Path, field: str, value: str) -> None:
    line, kind, _ = FIELDS[field]

    with pytest.raises(ConfigError, match=rf"hil_config.yaml:{line}: {field}: .* is not a {kind}"):
        _load(lab, **{KEYS[field]: value})


@pytest.mark.parametrize(("value", "problem"), [("x" * 300, "File name too long"), ("a\\0b", "embedded null byte"),
                                               ("images/v2.ota/inside", "no such directory")])
def test_a_path_no_file_system_can_hold_is_a_config_error_with_its_line(lab: Path, value: str, problem: str) -> None:
    with pytest.raises(ConfigError, match=rf"hil_config.yaml:7: gbcs.keystore: .*{problem}"):
        _load(lab, keystore=f'"{value}"')


def test_outputs_not_there_yet_are_fine_and_not_made_by_loading(lab: Path) -> None:
    config = _load(lab, database="db/zigbee.db", report_dir="out/reports")

    assert config.coordinator.database == lab / "db" / "zigbee.db"  # type: ignore[attr-defined]
    assert not (lab / "db").exists() and not (lab / "out").exists()


def test_a_key_file_that_is_a_link_out_of_the_keystore_is_a_config_error_with_the_keystore_line(lab: Path) -> None:
    # Emulated devices read their keys from the keystore when the config is loaded.
    (lab / "keys" / "48414e52494700a4-ds.key").unlink()
    (lab / "keys" / "48414e52494700a4-ds.key").symlink_to(lab.parent / "shared-keys" / "48414e52494700a4-ds.key")
    text = (REPO / "hil_config.yaml").read_text().replace("keystore: builtin-test", "keystore: keys")
    (lab / "hil_config.yaml").write_text(text)

    with pytest.raises(ConfigError, match=r"hil_config.yaml:\d+: gbcs.keystore: .*-ds.key: a symbolic link"):
        load_config(lab / "hil_config.yaml")
