"""Benches from a labgrid lab: places found, acquired, used through their serial port, released.

A place is a bench: its coordinator is a ``NetworkSerialPort`` resource, exported by a
labgrid exporter (ser2net in front of a dongle's ``USBSerialPort``, or a serial server that
speaks RFC 2217 itself, such as ``hanrig emulate --rfc2217``). hanrig talks to labgrid's
coordinator with labgrid's own client session, as ``labgrid-client`` does: it acquires a
place in the name of this host and user, reads the resource's host and port, and releases
the place when the bench is done, whatever happened on it.

The client session is an asyncio API: ``Lab`` gives it a loop of its own, and serialises
calls from the campaign's threads. Every call to the coordinator has a timeout.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import fnmatch
import io
import threading
from collections.abc import Awaitable
from typing import Any, TypeVar

from hanrig.rig.errors import InfrastructureError

T = TypeVar("T")

#: seconds any one exchange with labgrid's coordinator may take
CALL_TIMEOUT = 30.0


class PlaceBusy(Exception):
    """The place is acquired by someone else (``holder``: their host/user)."""

    def __init__(self, place: str, holder: str) -> None:
        super().__init__(f"place {place} is held by {holder}")
        self.place = place
        self.holder = holder


class Lab:
    """A session with a labgrid coordinator."""

    def __init__(self, coordinator: str) -> None:
        self.coordinator = coordinator if ":" in coordinator else f"{coordinator}:20408"
        self._loop = asyncio.new_event_loop()
        self._lock = threading.Lock()
        try:
            self._session = self._loop.run_until_complete(asyncio.wait_for(self._open(), CALL_TIMEOUT))
        except Exception as exc:  # grpc's and labgrid's errors alike: the coordinator is not there
            self._loop.close()
            raise InfrastructureError(f"labgrid coordinator {self.coordinator} unreachable: "
                                      f"{str(exc) or type(exc).__name__}") from None

    async def _open(self) -> Any:
        from labgrid.remote.client import ClientSession

        session = ClientSession(self.coordinator, self._loop,
                                args=argparse.Namespace(place=None, allow_unmatched=False, kick=False))
        await session.start()  # returns once the coordinator has sent every place and resource
        return session

    def _call(self, work: Awaitable[T]) -> T:
        # labgrid's session prints what it did ("acquired place ..."): stdout is the campaign's own
        with self._lock, contextlib.redirect_stdout(io.StringIO()):
            try:
                return self._loop.run_until_complete(asyncio.wait_for(work, CALL_TIMEOUT))
            except TimeoutError:
                raise InfrastructureError(f"labgrid coordinator {self.coordinator} did not answer within "
                                          f"{CALL_TIMEOUT:g} s") from None

    def _refresh(self) -> None:
        if not self._call(self._session.sync_with_coordinator()):
            raise InfrastructureError(f"lost labgrid coordinator {self.coordinator}")

    @property
    def user(self) -> str:
        """Who this campaign acquires places as: labgrid's host/user."""
        return f"{self._session.gethostname()}/{self._session.getuser()}"

    def places(self, pattern: str) -> list[str]:
        self._refresh()
        return sorted(name for name in self._session.places if fnmatch.fnmatchcase(name, pattern))

    def holder(self, place: str) -> str | None:
        self._refresh()
        return self._session.places[place].acquired or None

    def acquire(self, place: str) -> None:
        """Acquire the place for this host/user; ``PlaceBusy`` if someone else has it."""
        from labgrid.remote.client import Error

        holder = self.holder(place)
        if holder is not None:
            raise PlaceBusy(place, holder)
        self._session.args.place = place
        try:
            self._call(self._session.acquire())
        except Error as exc:
            holder = self.holder(place)
            if holder is not None and holder != self.user:
                raise PlaceBusy(place, holder) from None
            raise InfrastructureError(f"labgrid: cannot acquire {place}: {exc}") from None

    def release(self, place: str) -> None:
        from labgrid.remote.client import Error

        self._session.args.place = place
        try:
            self._call(self._session.release())
        except Error as exc:
            raise InfrastructureError(f"labgrid: cannot release {place}: {exc}") from None

    def serial_url(self, place: str) -> str:
        """The place's coordinator as bellows opens it: ``rfc2217://`` or ``socket://`` HOST:PORT."""
        self._refresh()
        resources = self._session.get_target_resources(self._session.places[place])
        ports = [resource for (_, cls), resource in resources.items() if cls == "NetworkSerialPort"]
        if len(ports) != 1:
            raise InfrastructureError(f"labgrid place {place} has {len(ports)} NetworkSerialPort resources; a bench "
                                      "needs exactly one, its coordinator's")
        params = ports[0].params
        if not ports[0].avail or params.get("port") is None:
            raise InfrastructureError(f"labgrid place {place}: its serial port is not available "
                                      f"({params.get('extra', {}).get('broken') or 'exporter gone?'})")
        scheme = "socket" if params.get("protocol") == "raw" else "rfc2217"
        return f"{scheme}://{params['host']}:{params['port']}"

    def close(self) -> None:
        async def stop() -> None:
            await self._session.stop()
            await self._session.close()
        try:
            self._call(stop())
        finally:
            self._loop.close()
