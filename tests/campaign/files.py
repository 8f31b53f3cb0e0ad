"""Campaign files for tests: the README's campaign, made small and changed for one test."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from tests.paths import REPO

README_CAMPAIGN = REPO / "campaigns" / "ppmid-hcalcs-v2.yaml"


def write_campaign(directory: Path, change: Callable[[dict[str, Any]], None] = lambda data: None,
                   *, name: str = "campaign.yaml") -> Path:
    """The README's campaign with small images (4 KiB), changed, written in ``directory``."""
    data = yaml.safe_load(README_CAMPAIGN.read_text())
    for image in data["images"].values():
        image["build"]["payload_size"] = 4096
    data["report_dir"] = str(directory / "reports")
    change(data)
    path = directory / name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path
