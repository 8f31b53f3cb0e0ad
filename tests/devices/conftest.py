"""Fixtures that start emulators and bellows applications, and always stop them."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from bellows.zigbee.application import ControllerApplication

from tests.devices.harness import EmulatorProcess, start_app

StartEmulator = Callable[..., Awaitable[EmulatorProcess]]
StartApp = Callable[..., Awaitable[ControllerApplication]]


@pytest.fixture
async def emulator(tmp_path: Path) -> AsyncIterator[StartEmulator]:
    """``await emulator(*cli_args, config=…, name=…)`` starts one; every one is stopped after the test."""
    started: list[EmulatorProcess] = []

    async def start(
        *args: str, config: dict[str, Any] | None = None, name: str = "emulator"
    ) -> EmulatorProcess:
        process = await EmulatorProcess.start(tmp_path / name, *args, config=config)
        started.append(process)
        return process

    yield start
    for process in reversed(started):
        with contextlib.suppress(Exception):
            await process.stop()


@pytest.fixture
async def application() -> AsyncIterator[StartApp]:
    """``await application(port, auto_form=…, **zigpy_config)``; every one is shut down after the test."""
    started: list[ControllerApplication] = []

    async def start(port: Any, **kwargs: Any) -> ControllerApplication:
        app = await start_app(port, **kwargs)
        started.append(app)
        return app

    yield start
    for app in reversed(started):
        with contextlib.suppress(Exception):
            await app.shutdown()
