"""``hil_config.yaml``: the rig's environment (radio, devices, images, policies, suites).

``load_config(path)`` reads and checks the whole file; every problem is a
``ConfigError`` naming the file, the line, the field and what is wrong.
"""

from __future__ import annotations

from pathlib import Path

from hanrig.bench.source import ConfigSource, load_config_file
from hanrig.rig.config.schema import (
    ChConfig,
    CoordinatorConfig,
    DeviceConfig,
    ImageBuild,
    ImageConfig,
    ImageSource,
    RigConfig,
    read_rig_config,
)

DEFAULT_CONFIG = Path("hil_config.yaml")


def load_config(path: Path = DEFAULT_CONFIG) -> RigConfig:
    return load_config_file(path, _from_source)


def _from_source(source: ConfigSource) -> RigConfig:
    return read_rig_config(source.data, path=source.path, sha256=source.sha256)


__all__ = [
    "DEFAULT_CONFIG", "ChConfig", "CoordinatorConfig", "DeviceConfig", "ImageBuild", "ImageConfig", "ImageSource",
    "RigConfig", "load_config",
]
