"""The control plane: one API to steer a running emulator, in-process or over a socket.

``EmulatorControl`` is the API (in-process tests call it directly). ``ControlServer``
serves the same API as JSON lines on a Unix socket, as ``hanrig.devices.protocol``
describes; ``ControlClient`` there is the other end.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import logging
import socket
from collections.abc import AsyncIterator, Callable, Mapping
from pathlib import Path
from typing import Any

from hanrig.bench.emulator import read_faults
from hanrig.bench.errors import BenchError
from hanrig.bench.fields import Fields
from hanrig.devices.errors import DevicesError, EmulatorError, InputError
from hanrig.devices.han.aps import Delivery
from hanrig.devices.ieee import FIRST_BROADCAST_NODE_ID
from hanrig.devices.protocol import MAX_REQUEST_LINE, MAX_SOCKET_PATH, OPERATIONS, Readiness
from hanrig.devices.radio.ash.frames import ResetCode
from hanrig.devices.radio.emulator import Emulator
from hanrig.devices.spec import Emulation, parse_device

LOG = logging.getLogger(__name__)


def _reset_code(name: str) -> ResetCode:
    try:
        return ResetCode[name.upper()]
    except KeyError:
        raise InputError(
            f"unknown reset code {name!r} (one of {', '.join(c.name.lower() for c in ResetCode)})"
        ) from None


class EmulatorControl:
    """What can be asked of a running emulator."""

    def __init__(self, emulator: Emulator) -> None:
        self._emulator = emulator

    def status(self) -> dict[str, Any]:
        """Network, serial link, EZSP, faults and devices at a glance."""
        return self._emulator.status()

    def add_device(self, device: Mapping[str, Any]) -> dict[str, Any]:
        """Power up a device described like a config ``devices[]`` entry (with ``emulated:``)."""
        spec = parse_device(device, self._emulator.device_specs, self._emulator.emulation.context)
        return self._emulator.add_device(spec).status()

    def remove_device(self, name: str) -> None:
        """Power a device off (it vanishes without leaving the network)."""
        self._emulator.remove_device(name)

    def join(self, name: str) -> bool:
        """Make a device try to join now; whether the trust center let it in."""
        return self._emulator.device(name).join()

    def leave(self, name: str) -> None:
        self._emulator.device(name).leave()

    def set_in_range(self, name: str, in_range: bool) -> None:
        """Move a device out of (or back into) radio range of the coordinator."""
        self._emulator.device(name).in_range = bool(in_range)

    def send(
        self,
        name: str,
        payload: str | bytes,
        cluster_id: int,
        source_endpoint: int = 1,
        destination_endpoint: int = 1,
        profile_id: int | None = None,
        destination: int = 0x0000,
    ) -> int:
        """Make a device send raw APS ``payload`` (bytes, or hex over the socket); returns its APS counter.

        A ``destination`` of 0xFFF8 or more is a broadcast; a long unicast goes in fragments.
        """
        node = self._emulator.device(name)
        try:
            data = payload if isinstance(payload, bytes) else bytes.fromhex(payload)
        except (TypeError, ValueError):
            raise InputError(f"payload must be hex, not {payload!r}") from None
        if profile_id is None:
            if source_endpoint not in node.endpoints:
                raise InputError(f"{name} has no endpoint {source_endpoint}")
            profile_id = node.endpoints[source_endpoint].profile_id
        if not node.joined:
            raise InputError(f"{name} has not joined the network")
        delivery = Delivery.UNICAST if destination < FIRST_BROADCAST_NODE_ID else Delivery.BROADCAST
        try:
            return node.send(
                payload=data,
                profile_id=profile_id,
                cluster_id=cluster_id,
                source_endpoint=source_endpoint,
                destination_endpoint=destination_endpoint,
                destination=destination,
                delivery=delivery,
            )
        except ValueError as exc:
            raise InputError(str(exc)) from None

    def device_command(self, name: str, command: str, args: Mapping[str, Any] | None = None) -> Any:
        """A command a device's kind defines for itself (``Node.control``)."""
        return self._emulator.device(name).control(command, dict(args or {}))

    def set_faults(self, faults: Mapping[str, Any]) -> dict[str, dict[str, float]]:
        """Change some fault settings (``{"serial": {"drop": 0.05}}``); returns them all."""
        merged = self._emulator.faults.faults.as_dict()
        for level, settings in faults.items():
            if not isinstance(settings, Mapping):
                raise InputError(f"faults.{level} must be a mapping of settings")
            merged.setdefault(level, {}).update(settings)
        self._emulator.faults.faults = read_faults(Fields(merged, "faults"))
        return self._emulator.faults.faults.as_dict()

    def reset_ncp(self, code: str = "watchdog") -> None:
        """The NCP resets by itself and sends RSTACK with ``code`` (e.g. watchdog, assert)."""
        self._emulator.reset_ncp(_reset_code(code))

    def fail_ncp(self, code: str = "assert") -> None:
        """The NCP enters the ASH FAILED state (ERROR frame) until the host resets it."""
        self._emulator.fail_ncp(_reset_code(code))

    def events(self, since: int = 0) -> list[dict[str, Any]]:
        """Events after sequence number ``since``."""
        return [event.as_dict() for event in self._emulator.events.since(since)]

    def trace(self, last: int = 200) -> list[dict[str, Any]]:
        """The last ``last`` EZSP frames, both ways, decoded."""
        entries = list(self._emulator.ezsp.trace)[-last:] if last > 0 else []
        return [entry.as_dict() for entry in entries]

    async def wait_event(
        self,
        kind: str,
        source: str | None = None,
        after: int = 0,
        timeout: float = 10.0,
        match: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The first event of ``kind`` after ``after`` (whose details include ``match``)."""
        try:
            event = await self._emulator.events.wait_for(
                source=source, kind=kind, after=after, timeout=timeout, **(match or {})
            )
        except TimeoutError:
            raise InputError(f"no {kind!r} event within {timeout} s") from None
        return event.as_dict()


class ControlServer:
    """``EmulatorControl`` as JSON lines on a Unix socket."""

    def __init__(self, control: EmulatorControl, path: Path) -> None:
        self._control = control
        self.path = path
        self._server: asyncio.AbstractServer | None = None
        self._clients: set[asyncio.Task[None]] = set()

    async def open(self) -> None:
        if len(bytes(self.path)) > MAX_SOCKET_PATH:
            raise EmulatorError(f"control socket path {self.path} is {len(bytes(self.path))} bytes; a Unix socket "
                                f"path has at most {MAX_SOCKET_PATH}: choose a shorter one")
        _claim_socket_path(self.path)
        try:
            self._server = await asyncio.start_unix_server(
                self._serve, path=str(self.path), limit=MAX_REQUEST_LINE
            )
        except OSError as exc:
            raise EmulatorError(f"cannot listen on control socket {self.path}: {exc.strerror or exc}") from exc

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            for task in list(self._clients):
                task.cancel()
            await self._server.wait_closed()
            self._server = None
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._clients.add(task)
        try:
            while line := await reader.readline():
                writer.write(_encode(await self._answer(line)) + b"\n")
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            LOG.debug("control client went away", exc_info=True)
        finally:
            self._clients.discard(task)
            writer.close()

    async def _answer(self, line: bytes) -> dict[str, Any]:
        request_id = None
        try:
            request = json.loads(line)
            if not isinstance(request, dict):
                raise InputError("a control request is a JSON object")
            request_id = request.get("id")
            op = request.get("op")
            args = request.get("args", {})
            if op not in OPERATIONS:
                raise InputError(f"unknown op {op!r} (one of {', '.join(sorted(OPERATIONS))})")
            if not isinstance(args, dict):
                raise InputError("args must be a JSON object")
            method: Callable[..., Any] = getattr(self._control, op)
            try:
                result = method(**args)
            except TypeError as exc:
                raise InputError(f"{op}: {exc}") from None
            if inspect.isawaitable(result):
                result = await result
            return {"id": request_id, "ok": True, "result": result}
        except json.JSONDecodeError as exc:
            return _error(request_id, "InputError", f"not JSON: {exc}")
        except (DevicesError, BenchError) as exc:
            return _error(request_id, type(exc).__name__, str(exc))
        except Exception as exc:  # a bug must not take the emulator down with it
            LOG.exception("control request failed")
            return _error(request_id, "InternalError", f"{type(exc).__name__}: {exc}")


def _encode(answer: dict[str, Any]) -> bytes:
    try:
        return json.dumps(answer).encode()
    except (TypeError, ValueError) as exc:
        LOG.exception("control answer is not JSON")
        return json.dumps(_error(answer.get("id"), "InternalError", f"answer is not JSON: {exc}")).encode()


def _error(request_id: object, kind: str, message: str) -> dict[str, Any]:
    return {"id": request_id, "ok": False, "error": {"type": kind, "message": message}}


def _claim_socket_path(path: Path) -> None:
    """Reuse a stale socket file, refuse a live one or anything that is not a socket."""
    if not path.exists():
        return
    if not path.is_socket():
        raise InputError(f"--control {path} exists and is not a socket; choose another path")
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(str(path))
    except OSError:
        path.unlink()
    else:
        raise EmulatorError(f"control socket {path} is in use by a running emulator")
    finally:
        probe.close()


@contextlib.asynccontextmanager
async def running(
    emulation: Emulation,
    *,
    port: Path,
    socket: tuple[str, int] | None = None,
    rfc2217: tuple[str, int] | None = None,
    control: Path | None = None,
    capture: Path | None = None,
) -> AsyncIterator[tuple[EmulatorControl, Readiness]]:
    """An emulator on this event loop (and its control socket, if ``control`` is given).

    What ``hanrig emulate`` runs, and what an in-process pytest fixture uses: it yields the
    control API and the readiness, and stops everything (saving the NCP state) on exit.
    ``rfc2217``: also serve the UART as an RFC 2217 access server there (port 0: any free one).
    ``capture``: write every frame on the virtual HAN there (pcap, see ``han/capture.py``).
    """
    emulator = Emulator(emulation, port=port, socket=socket, rfc2217=rfc2217, capture=capture)
    api = EmulatorControl(emulator)
    server = ControlServer(api, control) if control is not None else None
    try:
        readiness = await emulator.start(control=control)
        if server is not None:
            await server.open()
        yield api, readiness
    finally:
        if server is not None:
            await server.close()
        await emulator.stop()

