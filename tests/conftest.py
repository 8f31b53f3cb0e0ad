"""Fixtures shared by every test."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.paths import shared_dir

pytest_plugins = ["pytester"]


@pytest.fixture(scope="session")
def shared() -> Path:
    """The shared reference vectors (``../shared``)."""
    return shared_dir()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--run-soak", action="store_true", help="also run the long soak tests (marked soak)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--run-soak"):
        return
    skip = pytest.mark.skip(reason="a soak test: run with --run-soak")
    for item in items:
        if "soak" in item.keywords:
            item.add_marker(skip)
