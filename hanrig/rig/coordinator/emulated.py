"""The emulated radio as the rig runs it: ``python -m hanrig.devices`` in a process of its own.

The emulator has to live in another process so that bellows meets it exactly as it
meets a dongle, across a real pseudo-terminal, and so that its timers never share an
event loop with the rig's. The rig knows it only through ``hanrig.devices.protocol``: it
waits for the start line, talks to its control plane for emulated-only faults, and stops
it with SIGTERM, which makes it remove its link and save its state. The emulator reads
the config file itself; a mistake in its part comes back as a ``ConfigError`` with its line.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import signal
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hanrig.bench.errors import ConfigError
from hanrig.devices.protocol import ControlClient, ProtocolError, Readiness, StartFailed, read_start_line
from hanrig.rig.errors import InfrastructureError

LOG = logging.getLogger(__name__)

READY_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0


@dataclass
class EmulatedRadio:
    """A running emulator process: where its port is, and its control plane."""

    process: asyncio.subprocess.Process
    port: Path
    control: ControlClient
    log_path: Path
    socket_dir: Path

    @classmethod
    async def start(cls, directory: Path, *, config: Path | None = None, args: tuple[str, ...] = (),
                    timeout: float = READY_TIMEOUT) -> EmulatedRadio:
        """Start the emulator with its port and control socket in ``directory``; wait until it is ready."""
        directory.mkdir(parents=True, exist_ok=True)
        # A Unix socket path must be short; a work directory deep in a report tree may not be.
        socket_dir = Path(tempfile.mkdtemp(prefix="hanrig-"))
        command = [sys.executable, "-m", "hanrig.devices", "--json", "--exit-with-parent",
                   "--port", str(directory / "ttyEZSP"), "--control", str(socket_dir / "control.sock"), *args]
        if config is not None:
            command += ["--config", str(config)]
        log_path = directory / "emulator.log"
        with log_path.open("ab") as log:
            process = await asyncio.create_subprocess_exec(*command, stdout=asyncio.subprocess.PIPE, stderr=log)
        try:
            readiness = await cls._readiness(process, log_path, timeout)
            assert readiness.control is not None  # asked for with --control
            control = await ControlClient.connect(readiness.control, timeout=timeout)
        except BaseException:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
            shutil.rmtree(socket_dir, ignore_errors=True)
            raise
        LOG.info("emulated radio ready on %s (pid %d)", readiness.port, process.pid)
        return cls(process, readiness.port, control, log_path, socket_dir)

    @staticmethod
    async def _readiness(process: asyncio.subprocess.Process, log_path: Path, timeout: float) -> Readiness:
        assert process.stdout is not None
        try:
            line = await asyncio.wait_for(process.stdout.readline(), timeout)
        except TimeoutError:
            raise InfrastructureError(f"the emulated radio was not ready within {timeout:g} s; "
                                      f"its log is {log_path}") from None
        if not line:
            await process.wait()
            last = log_path.read_text().strip().splitlines()[-1:] or ["(no output)"]
            raise InfrastructureError(f"the emulated radio exited with {process.returncode}: {last[0]}")
        try:
            return read_start_line(line)
        except StartFailed as failed:
            if failed.kind == "config":
                raise ConfigError(failed.message) from None
            raise InfrastructureError(f"the emulated radio could not start: {failed.message}") from None
        except ProtocolError as exc:
            raise InfrastructureError(f"{exc}; its log is {log_path}") from None

    async def stop(self, timeout: float = STOP_TIMEOUT) -> int:
        """SIGTERM and wait; kill if it does not stop in time. Returns the exit code."""
        with contextlib.suppress(Exception):
            await self.control.close()
        if self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), timeout)
            except TimeoutError:
                LOG.warning("the emulated radio did not stop within %g s; killing it", timeout)
                self.process.kill()
                await self.process.wait()
        shutil.rmtree(self.socket_dir, ignore_errors=True)
        assert self.process.returncode is not None
        return self.process.returncode

    async def request(self, op: str, **args: Any) -> Any:
        """One control-plane request (``hanrig.devices.protocol.OPERATIONS``)."""
        return await self.control.request(op, **args)
