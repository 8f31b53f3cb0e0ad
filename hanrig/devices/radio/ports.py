"""Where the host plugs in: a pseudo-terminal linked at a path, or a TCP ``socket://`` port.

The emulator holds only the master side of the pty. When no host has the slave open the
master reports a hang-up, so the emulator knows when a host comes and goes (and drops what
it would have sent into an unplugged cable). It never opens or locks the slave itself:
serialx's ``flock`` on the slave is what makes a second host get "port busy".
"""

from __future__ import annotations

import asyncio
import errno
import fcntl
import logging
import os
import select
import tty
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hanrig.devices.errors import EmulatorError, InputError
from hanrig.devices.radio.rfc2217 import Rfc2217Server

LOG = logging.getLogger(__name__)

#: how often to look for a host while none has the pty open
HOST_POLL_INTERVAL = 0.05
#: bytes the host has not read yet that the emulator keeps before it drops more (a UART FIFO)
MAX_PENDING_OUTPUT = 64 * 1024
READ_SIZE = 4096


@dataclass(frozen=True)
class Line:
    """What a port tells the emulator: bytes from the host, and the host coming and going."""

    on_data: Callable[[bytes], None]
    on_connect: Callable[[], None]
    on_disconnect: Callable[[], None]


class PtyPort:
    """A pseudo-terminal whose slave side is linked at ``link``."""

    def __init__(self, link: Path, line: Line) -> None:
        self.link = link
        self._line = line
        self._loop = asyncio.get_running_loop()
        self._master = -1
        self.slave_path = ""
        self.connected = False
        self._poll_timer: asyncio.TimerHandle | None = None
        self._pending = bytearray()
        self.dropped_bytes = 0
        self._lock: int = -1

    def open(self) -> None:
        self._lock = _claim_link_path(self.link)
        master, slave = os.openpty()
        # Raw until the host configures it: no echo, no line editing of binary frames.
        tty.setraw(slave)
        self.slave_path = os.ttyname(slave)
        os.close(slave)
        os.set_blocking(master, False)
        self._master = master
        try:
            self.link.symlink_to(self.slave_path)
        except OSError as exc:
            os.close(master)
            self._release_link_path()
            raise EmulatorError(f"cannot link {self.link} to {self.slave_path}: {exc.strerror}") from exc
        LOG.info("pty %s linked at %s", self.slave_path, self.link)
        self._watch_for_host()

    def _hung_up(self) -> bool:
        poller = select.poll()
        poller.register(self._master, select.POLLIN)
        return any(events & select.POLLHUP for _, events in poller.poll(0))

    def _watch_for_host(self) -> None:
        self._poll_timer = None
        if self._master < 0:
            return
        if self._hung_up():
            self._poll_timer = self._loop.call_later(HOST_POLL_INTERVAL, self._watch_for_host)
            return
        self.connected = True
        LOG.info("host opened %s", self.link)
        self._loop.add_reader(self._master, self._readable)
        self._line.on_connect()

    def _readable(self) -> None:
        try:
            data = os.read(self._master, READ_SIZE)
        except BlockingIOError:
            return
        except OSError as exc:
            if exc.errno != errno.EIO:
                LOG.warning("reading the pty: %s", exc)
            data = b""
        if data:
            self._line.on_data(data)
            return
        self._host_gone()

    def _host_gone(self) -> None:
        """The last host closed the slave: the master reads EIO until one opens it again."""
        self._loop.remove_reader(self._master)
        self._loop.remove_writer(self._master)
        self._pending.clear()
        self.connected = False
        LOG.info("host closed %s", self.link)
        self._line.on_disconnect()
        self._watch_for_host()

    def write(self, data: bytes) -> None:
        if not self.connected:
            self.dropped_bytes += len(data)
            return
        if self._pending:
            self._queue(data)
            return
        try:
            written = os.write(self._master, data)
        except BlockingIOError:
            written = 0
        except OSError:
            self.dropped_bytes += len(data)
            return
        if written < len(data):
            self._queue(data[written:])
            self._loop.add_writer(self._master, self._writable)

    def _queue(self, data: bytes) -> None:
        room = MAX_PENDING_OUTPUT - len(self._pending)
        self._pending += data[:room]
        self.dropped_bytes += max(len(data) - room, 0)

    def _writable(self) -> None:
        try:
            written = os.write(self._master, self._pending)
        except BlockingIOError:
            return
        except OSError:
            written = len(self._pending)
        del self._pending[:written]
        if not self._pending:
            self._loop.remove_writer(self._master)

    def close(self) -> None:
        if self._poll_timer is not None:
            self._poll_timer.cancel()
            self._poll_timer = None
        if self._master >= 0:
            self._loop.remove_reader(self._master)
            self._loop.remove_writer(self._master)
            os.close(self._master)
            self._master = -1
        if self.link.is_symlink() and os.readlink(self.link) == self.slave_path:
            self.link.unlink()
        self._release_link_path()

    def _release_link_path(self) -> None:
        if self._lock >= 0:
            _lock_path(self.link).unlink(missing_ok=True)
            os.close(self._lock)  # closing it releases the lock
            self._lock = -1


def _lock_path(link: Path) -> Path:
    return link.with_name(link.name + ".lock")


def _claim_link_path(link: Path) -> int:
    """Make room for the link, but never take it from a running emulator or remove what is not ours.

    A running emulator holds a lock on ``<link>.lock`` (the kernel drops it when the process
    dies, however it dies); a link without a held lock is stale. Whether the terminal the link
    names still exists says nothing: pty numbers are reused at once by any other process.
    Returns the lock's file descriptor, held until the port closes.
    """
    if not link.parent.is_dir():
        raise InputError(f"--port {link}: directory {link.parent} does not exist")
    lock = os.open(_lock_path(link), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(lock)
        target = os.readlink(link) if link.is_symlink() else "a terminal"
        raise EmulatorError(f"{link} already links to the live terminal {target}: is an emulator running?") from None
    if link.is_symlink():
        link.unlink()
    elif link.exists():
        _lock_path(link).unlink(missing_ok=True)
        os.close(lock)
        raise InputError(f"--port {link} exists and is not a link left by the emulator; choose another path")
    return lock


class SocketPort:
    """``socket://HOST:PORT``: one host at a time over TCP, as a network coordinator serves."""

    scheme = "socket"

    def __init__(self, host: str, port: int, line: Line) -> None:
        self.host = host
        self.port = port
        self._line = line
        self._server: asyncio.Server | None = None
        self._transport: asyncio.Transport | None = None

    @property
    def connected(self) -> bool:
        return self._transport is not None

    async def open(self) -> None:
        try:
            self._server = await asyncio.get_running_loop().create_server(
                lambda: _SocketProtocol(self), self.host, self.port
            )
        except OSError as exc:
            raise EmulatorError(f"cannot listen on {self.url}: {exc.strerror}") from exc
        self.port = self._server.sockets[0].getsockname()[1]
        LOG.info("listening on %s", self.url)

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"

    def write(self, data: bytes) -> None:
        if self._transport is not None:
            self._transport.write(data)

    def _accepted(self, transport: asyncio.Transport) -> bool:
        if self._transport is not None:
            LOG.warning("refused a second host on %s: one is connected", self.url)
            transport.close()
            return False
        self._transport = transport
        self._line.on_connect()
        return True

    def _received(self, data: bytes) -> None:
        self._line.on_data(data)

    def _closed(self, transport: asyncio.Transport) -> None:
        if transport is self._transport:
            self._transport = None
            self._line.on_disconnect()

    async def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()


class Rfc2217Port(SocketPort):
    """``rfc2217://HOST:PORT``: the NCP's UART behind an RFC 2217 access server, as a lab shares a dongle."""

    scheme = "rfc2217"

    def __init__(self, host: str, port: int, line: Line) -> None:
        super().__init__(host, port, line)
        self._telnet = Rfc2217Server()

    def write(self, data: bytes) -> None:
        super().write(self._telnet.escape(data))

    def _accepted(self, transport: asyncio.Transport) -> bool:
        if not super()._accepted(transport):
            return False
        self._telnet = Rfc2217Server()
        transport.write(self._telnet.greeting())
        return True

    def _received(self, data: bytes) -> None:
        uart, reply = self._telnet.feed(data)
        if reply and self._transport is not None:
            self._transport.write(reply)
        if uart:
            self._line.on_data(uart)


class _SocketProtocol(asyncio.Protocol):
    def __init__(self, port: SocketPort) -> None:
        self._port = port
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        if self._port._accepted(transport):
            self._transport = transport

    def data_received(self, data: bytes) -> None:
        if self._transport is not None:
            self._port._received(data)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._transport is not None:
            self._port._closed(self._transport)
