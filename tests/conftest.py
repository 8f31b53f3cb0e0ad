"""Fixtures shared by every test."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.paths import shared_dir


@pytest.fixture(scope="session")
def shared() -> Path:
    """The shared reference vectors (``../shared``)."""
    return shared_dir()
