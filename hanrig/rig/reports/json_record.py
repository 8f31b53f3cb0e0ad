"""The JSON run record: every scenario, measurement, transition and GBCS message (hex and decode).

Each measurement says whose behaviour it judges (``subject``: ``device`` or ``ch-model``);
each scenario what its verdict rests on (``basis``); ``counts`` counts a pass that rests on
the rig's CH model alone as ``self-check``, not as ``pass``.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from hanrig.rig.record import RunRecord

FORMAT = "hanrig-run-record/2"


def record_dict(record: RunRecord) -> dict[str, Any]:
    data = dataclasses.asdict(record)
    for scenario, original in zip(data["scenarios"], record.scenarios, strict=True):
        scenario["duration"] = original.duration
        scenario["basis"] = original.basis.value
    return {"format": FORMAT, **data, "counts": record.counts()}


def write_json(record: RunRecord, path: Path) -> Path:
    path.write_text(json.dumps(record_dict(record), indent=2, default=str) + "\n")
    return path
