"""RigRuntime.call: a caller interrupted while the bench works waits for that work to clean up."""

from __future__ import annotations

import asyncio
import signal
import threading
from pathlib import Path
from typing import Any

import pytest

from hanrig.rig.config import load_config
from hanrig.rig.journal import Journal
from hanrig.rig.recorder import Recorder
from hanrig.rig.runtime import RigRuntime
from tests.paths import REPO


def test_an_interrupted_call_returns_only_once_the_cancelled_work_has_cleaned_up(tmp_path: Path) -> None:
    with Journal(tmp_path / "run.journal") as journal:
        runtime = RigRuntime(load_config(REPO / "hil_config.yaml"), Recorder(journal), workdir=tmp_path / "work")
        started, cleaned_up = threading.Event(), threading.Event()

        async def work() -> None:
            started.set()
            try:
                await asyncio.sleep(60)
            except asyncio.CancelledError:
                await asyncio.sleep(0.3)  # cleaning up takes a while, as stopping a half-started emulator does
                cleaned_up.set()
                raise

        def interrupt() -> None:
            started.wait(10)
            signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)

        previous = signal.signal(signal.SIGINT, signal.default_int_handler)  # Ctrl-C, as hanrig run has it
        threading.Thread(target=interrupt, daemon=True).start()
        try:
            with pytest.raises(KeyboardInterrupt):
                runtime.call(work, timeout=60)
            assert cleaned_up.is_set()
        finally:
            signal.signal(signal.SIGINT, previous)
            runtime.stop()


def test_an_interrupt_the_moment_the_work_is_handed_over_still_waits_for_its_clean_up(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with Journal(tmp_path / "run.journal") as journal:
        runtime = RigRuntime(load_config(REPO / "hil_config.yaml"), Recorder(journal), workdir=tmp_path / "work")
        cleaned_up = threading.Event()

        async def work() -> None:
            try:
                await asyncio.sleep(60)
            except asyncio.CancelledError:
                await asyncio.sleep(0.3)
                cleaned_up.set()
                raise

        hand_over = asyncio.run_coroutine_threadsafe

        def hand_over_then_interrupt(coroutine: Any, loop: asyncio.AbstractEventLoop) -> Any:
            future = hand_over(coroutine, loop)
            signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)  # Ctrl-C right then
            return future

        monkeypatch.setattr(asyncio, "run_coroutine_threadsafe", hand_over_then_interrupt)
        previous = signal.signal(signal.SIGINT, signal.default_int_handler)
        try:
            with pytest.raises(KeyboardInterrupt):
                runtime.call(work, timeout=60)
            assert cleaned_up.is_set()
        finally:
            signal.signal(signal.SIGINT, previous)
            monkeypatch.undo()
            runtime.stop()
