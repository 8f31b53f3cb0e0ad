"""Shared test fixtures: where the reference vectors live."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def shared_dir() -> Path:
    """``../shared`` beside the checkout (or ``$HANRIG_SHARED``): the RTDS, DUIS and keystore vectors."""
    path = Path(os.environ.get("HANRIG_SHARED", REPO.parent / "shared"))
    if not (path / "rtds").is_dir():
        pytest.fail(f"reference vectors not found at {path}; set HANRIG_SHARED to the shared/ folder")
    return path


@pytest.fixture(scope="session")
def shared() -> Path:
    return shared_dir()
