"""RigRuntime.call: a caller interrupted while the bench works waits for that work to clean up."""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hanrig.rig.config import load_config
from hanrig.rig.journal import Journal
from hanrig.rig.recorder import Recorder
from hanrig.rig.runtime import RigRuntime
from tests.paths import REPO


def _cleaned_up_after_an_interrupted_call(tmp_path: Path, arrange: Callable[[threading.Event], None]) -> bool:
    """Interrupt (as ``arrange`` sets up) a call whose work is slow to clean up; whether it returned after it."""
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

        arrange(started)
        previous = signal.signal(signal.SIGINT, signal.default_int_handler)  # Ctrl-C, as hanrig run has it
        try:
            with pytest.raises(KeyboardInterrupt):
                runtime.call(work, timeout=60)
            return cleaned_up.is_set()
        finally:
            signal.signal(signal.SIGINT, previous)
            runtime.stop()


def _ctrl_c() -> None:
    signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)


def test_an_interrupted_call_returns_only_once_the_cancelled_work_has_cleaned_up(tmp_path: Path) -> None:
    def once_the_work_runs(started: threading.Event) -> None:
        threading.Thread(target=lambda: (started.wait(10), _ctrl_c()), daemon=True).start()

    assert _cleaned_up_after_an_interrupted_call(tmp_path, once_the_work_runs)


def test_an_interrupt_the_moment_the_work_is_handed_over_still_waits_for_its_clean_up(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hand_over = asyncio.run_coroutine_threadsafe
    handed: list[Any] = []

    def hand_over_then_interrupt(coroutine: Any, loop: asyncio.AbstractEventLoop) -> Any:
        future = hand_over(coroutine, loop)
        if not handed:  # the call's own hand-over, not the bench's stop afterwards
            handed.append(future)
            _ctrl_c()
        return future

    def at_the_hand_over(started: threading.Event) -> None:
        monkeypatch.setattr(asyncio, "run_coroutine_threadsafe", hand_over_then_interrupt)

    assert _cleaned_up_after_an_interrupted_call(tmp_path, at_the_hand_over)
