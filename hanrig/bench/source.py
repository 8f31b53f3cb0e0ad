"""A YAML config file read into plain data, remembering the line of every field.

Config errors name a field the way the file spells it (``devices[1].emulated.eui64``);
this is what turns that path back into a line number, so that every message says
``hil_config.yaml:14: devices[1].emulated.eui64: ...``. The rig and the emulator read
the same file this way, so they report a mistake in the same words.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml

from hanrig.bench.errors import ConfigError, SpecError


@dataclass(frozen=True)
class ConfigSource:
    path: Path
    data: Any
    lines: dict[str, int]
    sha256: str

    def where(self, field: str) -> str:
        """``file:line`` for a field path, falling back to its nearest parent that has a line."""
        path = field
        while path:
            if path in self.lines:
                return f"{self.path}:{self.lines[path]}"
            path = path.rpartition("[")[0] if path.endswith("]") else path.rpartition(".")[0]
        return str(self.path)

    def error(self, field: str, problem: str) -> ConfigError:
        return ConfigError(f"{self.where(field)}: {field}: {problem}" if field else f"{self.path}: {problem}")


T = TypeVar("T")


def load_config_file(path: Path, read: Callable[[ConfigSource], T]) -> T:
    """What ``read`` makes of the file at ``path``; a ``SpecError`` becomes a ``ConfigError`` with its line."""
    source = read_config_source(path)
    try:
        return read(source)
    except SpecError as exc:
        raise source.error(exc.path, exc.problem) from None


def read_config_source(path: Path) -> ConfigSource:
    try:
        text = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the config: {exc.strerror}") from None
    try:
        root = yaml.compose(text.decode("utf-8"), Loader=yaml.SafeLoader)
        data = yaml.safe_load(text) if root is not None else {}
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{path}{where}: not valid YAML: {getattr(exc, 'problem', None) or exc}") from None
    lines: dict[str, int] = {}
    if root is not None:
        _index(root, "", lines)
    return ConfigSource(path, data, lines, hashlib.sha256(text).hexdigest())


def _index(node: yaml.Node, path: str, lines: dict[str, int]) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = f"{path}.{key.value}" if path else str(key.value)
            lines[child] = key.start_mark.line + 1
            _index(value, child, lines)
            lines[child] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _index(item, f"{path}[{index}]", lines)
