"""The embedded default config, changed for one test and written beside it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from tests.paths import REPO


def write_config(directory: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    """The embedded default, changed, written beside the test (its keystore still the project's)."""
    config = yaml.safe_load((REPO / "hil_config.yaml").read_text())
    config["gbcs"]["keystore"] = str(REPO / "hanrig" / "testpki" / "keys")
    change(config)
    path = directory / "hil_config.yaml"
    path.write_text(yaml.safe_dump(config))
    return path
