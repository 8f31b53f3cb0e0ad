"""Where the tests find the repository and the shared reference vectors."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def shared_dir() -> Path:
    """``../shared`` beside the checkout, or ``$HANRIG_SHARED``: RTDS, DUIS and keystore vectors.

    Missing vectors fail the run loudly rather than skipping the tests that need them.
    """
    path = Path(os.environ.get("HANRIG_SHARED", REPO.parent / "shared"))
    if not (path / "rtds").is_dir():
        raise FileNotFoundError(
            f"reference vectors not found at {path}; set HANRIG_SHARED to the shared/ folder"
        )
    return path
