"""Device kinds: the registry the config's ``type:`` names, and what a kind must provide.

A kind reads its own settings from the device's ``emulated:`` block (and, through the
``ConfigContext``, from blocks every device shares, such as ``gbcs:``) and builds a
``Node`` from a ``DeviceSpec``. Who the device is (``hanrig.bench.identity``) is read for
it, the same way the rig reads it. ``generic`` is registered here; the GB kinds (``ppmid``,
``hcalcs``) register themselves the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hanrig.bench.fields import Fields
from hanrig.bench.identity import DeviceIdentity
from hanrig.devices.han.node import Node
from hanrig.devices.ieee import Eui64


@dataclass(frozen=True)
class DeviceSpec:
    """One emulated device as the config describes it."""

    name: str
    kind: str
    identity: DeviceIdentity
    node_id: int
    link_key: bytes
    auto_join: bool
    #: what the kind read from the rest of the ``emulated:`` block
    settings: Any

    @property
    def eui64(self) -> Eui64:
        return Eui64.parse(self.identity.eui64)


@dataclass(frozen=True)
class ConfigContext:
    """What a kind may read besides a device's own ``emulated:`` block."""

    #: where relative paths in the config start (the config file's directory)
    base_dir: Path = field(default_factory=Path.cwd)
    #: the config's top-level blocks other than ``coordinator`` and ``devices``, as written
    shared: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DeviceKind:
    name: str
    #: reads the kind's own keys from the ``emulated:`` block (the identity and common ones are already read)
    read_settings: Callable[[Fields, ConfigContext, DeviceIdentity], Any]
    build: Callable[[DeviceSpec], Node]
    #: whether its identity must give the firmware it runs (manufacturer code, image type, versions)
    firmware_identity: bool = False


_KINDS: dict[str, DeviceKind] = {}


def register(kind: DeviceKind) -> DeviceKind:
    if kind.name in _KINDS:
        raise ValueError(f"device kind {kind.name!r} is registered twice")
    _KINDS[kind.name] = kind
    return kind


def kinds() -> dict[str, DeviceKind]:
    """Every registered kind, by name (the kinds in this package are registered on import)."""
    from hanrig.devices.gb import hcalcs, ppmid  # noqa: F401 - register themselves
    from hanrig.devices.han import generic  # noqa: F401 - registers itself

    return dict(_KINDS)
