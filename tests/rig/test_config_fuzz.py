"""Whatever YAML the config holds, loading it gives a RigConfig or one ConfigError naming file and line.

Two sources of input: arbitrary YAML documents (and text that is not YAML at all), and
the embedded default ``hil_config.yaml`` with one part changed, dropped or added, so that
the loader is pushed down every block it reads. Nothing but ``ConfigError`` may escape,
and an error about a mapping's field must name the line it is on.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import example, given
from hypothesis import strategies as st

from hanrig.bench.errors import ConfigError
from hanrig.rig.config import load_config
from tests.fuzzing import examples, fuzz
from tests.paths import REPO

DEFAULT = yaml.safe_load((REPO / "hil_config.yaml").read_text())
DEFAULT["gbcs"]["keystore"] = str(REPO / "hanrig" / "testpki" / "keys")

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(-2, 2**64), st.floats(allow_nan=True),
    st.text(max_size=20), st.binary(max_size=8),
    st.sampled_from(["", "emulated", "ezsp", "ppmid", "hcalcs", "now", "on-command", "0x121D", "48414E52494700A4",
                     "../..", "/", "/dev/null", "fixtures/keys", "-1", "1e9", "null", "~", "x" * 300, "a\x00b",
                     "/proc/self/fd/0/x", "hil_config.yaml"]),
)
yaml_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12) | scalars.filter(
        lambda key: isinstance(key, str | int | bool | float) and not (isinstance(key, float) and math.isnan(key))),
        children, max_size=4),
    max_leaves=12,
)
#: text that only looks like YAML: tags, anchors, aliases, duplicate keys, bad indentation
yaml_text = st.lists(st.sampled_from([
    "coordinator:", "  port: emulated", "  emulator: {seed: 1}", "devices:", "  - name: x", "    type: ppmid",
    "    emulated:", "      eui64: 48414E52494700A4", "gbcs:", "  keystore: &k keys", "  acb: *k", "  acb: 1",
    "!!python/object:os.system {}", "? [a, b]", ": x", "- - -", "\t", "'", "{", "key: !!binary AAAA", "%YAML 1.1",
    "---", "...", "images: {a: {file: /etc/passwd}}", "report_dir: ../../..", "<<: *k", "\x00", "\ufeff",
]), max_size=12).map("\n".join) | st.text(max_size=200)


@pytest.fixture(scope="module")
def config_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("config")


def _load(directory: Path, text: str | bytes) -> tuple[Path, ConfigError | None]:
    path = directory / "hil_config.yaml"
    path.write_bytes(text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text)
    try:
        load_config(path)
    except ConfigError as exc:
        return path, exc
    return path, None


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every place in a YAML tree, as the keys and indices that lead to it."""
    yield prefix
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _paths(value, (*prefix, index))


@st.composite
def mutated_configs(draw: st.DrawFn) -> Any:
    """The default config with a few values replaced, keys dropped or added, list entries duplicated."""
    data = copy.deepcopy(DEFAULT)
    for _ in range(draw(st.integers(1, 3))):
        where = draw(st.sampled_from([p for p in _paths(data) if p]))
        parent = data
        for step in where[:-1]:
            parent = parent[step]
        last = where[-1]
        operation = draw(st.sampled_from(["replace", "drop", "add", "duplicate"]))
        if operation == "replace":
            parent[last] = draw(yaml_values)
        elif operation == "drop":
            del parent[last]
        elif operation == "add" and isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=10))] = draw(yaml_values)
        elif operation == "duplicate" and isinstance(parent, list):
            parent.append(parent[last])
    return data


@fuzz
@examples(300)
@given(st.one_of(yaml_values.map(yaml.safe_dump), yaml_text))
def test_any_yaml_document_loads_or_is_one_config_error_naming_the_file(config_dir: Path, text: str) -> None:
    path, error = _load(config_dir, text)

    assert error is None or str(error).startswith(f"{path}:") or str(error).startswith(f"{path} ")


@fuzz
@examples(200)
@given(mutated_configs())
@example({**DEFAULT, ".": None})  # a top-level key that is only a dot (the check, not the loader, was wrong)
def test_a_changed_default_config_loads_or_is_a_config_error_with_its_line(config_dir: Path, data: Any) -> None:
    path, error = _load(config_dir, yaml.dump(data, Dumper=yaml.CSafeDumper, allow_unicode=True))

    if error is not None:
        # The root stays a mapping: a field has the line of itself or of the nearest block holding it,
        # and only a field of a top-level block the file lacks altogether has none.
        located = re.match(rf"{re.escape(str(path))}(:\d+)?: ", str(error))
        assert located, str(error)
        unlocated = str(error)[located.end():]
        assert located[1] or not any(unlocated.startswith(f"{key}{after}") for key in data for after in ".[:"), \
            str(error)
