"""RigRuntime.call: a caller interrupted while the bench works waits for that work to clean up."""

from __future__ import annotations

import asyncio
import signal
import threading
from pathlib import Path

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
