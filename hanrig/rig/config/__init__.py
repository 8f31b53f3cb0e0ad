"""``hil_config.yaml``: the rig's environment (radio, devices, images, policies, suites).

``load_config(path)`` reads and checks the whole file; every problem is a
``ConfigError`` naming the file, the line, the field and what is wrong.
"""

from __future__ import annotations

from pathlib import Path

from hanrig.devices.errors import SpecError
from hanrig.rig.config.schema import (
    ChConfig,
    CoordinatorConfig,
    DeviceConfig,
    GbcsConfig,
    ImageBuild,
    ImageConfig,
    ImageSource,
    RigConfig,
    read_rig_config,
)
from hanrig.rig.config.source import read_config_source

DEFAULT_CONFIG = Path("hil_config.yaml")


def load_config(path: Path = DEFAULT_CONFIG) -> RigConfig:
    source = read_config_source(path)
    try:
        return read_rig_config(source.data, path=path, sha256=source.sha256)
    except SpecError as exc:
        raise source.error(exc.path, exc.problem) from None


__all__ = [
    "DEFAULT_CONFIG", "ChConfig", "CoordinatorConfig", "DeviceConfig", "GbcsConfig", "ImageBuild", "ImageConfig",
    "ImageSource", "RigConfig", "load_config",
]
