"""The CH's Key Establishment server: CBKE with each device that joins, on the NCP's CBKE library.

The device initiates (ZSE annex C.3); the CH, as responder and trust centre, checks the
device's certificate (the suite, the issuer against its own certificate's, the subject
against the EUI-64 the device joined with, and the certificate the config names, if any),
answers with its own, exchanges ephemeral keys, and checks the device's MAC against the
one the NCP computes before it sends its own and has the NCP store the link key. A wrong
message ends the exchange with Terminate Key Establishment and the status saying why; a
device that falls silent is dropped at its advertised time plus 10 s without a Terminate,
as Silicon Labs' key-establishment plugin does (its behaviour is the model throughout).
The NCP holds one exchange's temporary data at a time, so a second device waits for the
first, up to ``BUSY_WAIT``, before it is told NO_RESOURCES.

Every exchange ends in a ``cbke`` journal record: the device, the suite, established or
how it failed, and who ended it. The evidence is the device's: its MAC proves it holds
the private key of the certificate it presented.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from typing import Any, NoReturn

import zigpy.types

from hanrig.bench.identity import KeyEstablishment
from hanrig.cbke.certificate import decode_certificate
from hanrig.cbke.errors import CbkeError
from hanrig.cbke.suites import SUITES, suite_of
from hanrig.rig.coordinator.cbke import CbkeFailed, NcpCbke
from hanrig.rig.coordinator.eui import eui_text
from hanrig.rig.coordinator.key_establishment_lane import Partner
from hanrig.rig.errors import InfrastructureError
from hanrig.rig.zcl.key_establishment import TerminateStatus

LOG = logging.getLogger(__name__)

#: added to the device's advertised times before it counts as silent (the plugin's base)
TIMEOUT_BASE = 10.0
#: the CH's own advertised times, in seconds [INF: the plugin's are build options]
EPHEMERAL_DATA_GENERATE_TIME = 10
CONFIRM_KEY_GENERATE_TIME = 10
#: seconds a device's exchange may wait for another's to finish on the NCP
BUSY_WAIT = 15.0
#: the wait time a Terminate asks the device for (the plugin's BACK_OFF_TIME_REPORTED_TO_PARTNER)
BACK_OFF = 30


@dataclass(frozen=True)
class Outcome:
    eui: str
    suite: int
    established: bool
    #: "ESTABLISHED", a Terminate status name, "TIMEOUT" or the NCP's failure
    status: str
    #: who ended it: "ch" (a Terminate it sent), "device" (one it received), or "timeout"
    ended_by: str
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def describe(self) -> str:
        if self.established:
            return f"CBKE with {self.eui} (suite {self.suite}) established in {self.seconds:.1f} s"
        return f"CBKE with {self.eui} (suite {self.suite}) failed: {self.status}, ended by {self.ended_by}"


class _Ended(Exception):
    def __init__(self, status: str, ended_by: str) -> None:
        super().__init__(status)
        self.status = status
        self.ended_by = ended_by


@dataclass(frozen=True)
class _Frame:
    tsn: int
    command: str
    args: Any


#: sends one of the cluster's server-to-client commands to a partner, answering the frame numbered tsn
Send = Callable[[Partner, str, int, dict[str, Any]], Awaitable[None]]


class KeyEstablishmentServer:
    def __init__(self, ncp: NcpCbke, send: Send, *, expected: Callable[[str], KeyEstablishment | None],
                 record: Callable[[Outcome], None]) -> None:
        self._ncp = ncp
        self._send = send
        self._expected = expected
        self._record = record
        self._library = asyncio.Lock()
        self._inboxes: dict[zigpy.types.EUI64, asyncio.Queue[_Frame]] = {}
        self._sessions: dict[zigpy.types.EUI64, asyncio.Task[None]] = {}
        self._established: dict[zigpy.types.EUI64, asyncio.Event] = {}
        #: every exchange's outcome, in the order they ended
        self.history: list[Outcome] = []
        self._ended = asyncio.Event()

    # ---------------------------------------------------------------- frames from devices

    def request(self, partner: Partner, tsn: int, command: str, args: Any) -> None:
        """A Key Establishment command a device sent; an Initiate starts a new exchange with it."""
        frame = _Frame(tsn, command, args)
        if command == "initiate_key_establishment_request":
            running = self._sessions.get(partner.ieee)
            if running is not None and not running.done():
                running.cancel()
            self._inboxes[partner.ieee] = asyncio.Queue()
            self._event(partner.ieee).clear()
            self._sessions[partner.ieee] = asyncio.get_running_loop().create_task(
                self._session(partner, frame), name=f"cbke {partner.eui}")
        elif partner.ieee in self._inboxes:
            self._inboxes[partner.ieee].put_nowait(frame)
        else:
            LOG.info("%s sent %s with no key establishment under way: ignored", partner.eui, command)

    def established(self, ieee: zigpy.types.EUI64) -> bool:
        """Whether the device holds a link key the CH knows of (from this run, or kept from an earlier one)."""
        return self._event(ieee).is_set()

    def held_from_earlier(self, ieee: zigpy.types.EUI64) -> None:
        """The radio kept a link key for the device from an earlier run: it needs no new exchange."""
        self._event(ieee).set()

    async def wait_established(self, ieee: zigpy.types.EUI64, *, timeout: float) -> Outcome | None:
        """The device's key establishment once it has succeeded (None: its key is kept from an earlier run);
        ``CbkeNotEstablished`` after ``timeout``."""
        try:
            async with asyncio.timeout(timeout):
                await self._event(ieee).wait()
        except TimeoutError:
            last = self._last(ieee)
            why = last.describe() if last is not None else f"{ieee} never started it"
            raise CbkeNotEstablished(f"no CBKE link key for {ieee} within {timeout:.0f} s: {why}") from None
        return self._last(ieee)

    def _last(self, ieee: zigpy.types.EUI64) -> Outcome | None:
        eui = eui_text(ieee)
        return next((outcome for outcome in reversed(self.history) if outcome.eui == eui), None)

    async def next_outcome(self, eui: str, *, after: int, timeout: float) -> Outcome:
        """The first outcome for the device (16 hex digits) after ``after`` outcomes of the history."""
        async with asyncio.timeout(timeout):
            while True:
                found = [outcome for outcome in self.history[after:] if outcome.eui == eui]
                if found:
                    return found[0]
                self._ended.clear()
                await self._ended.wait()

    async def stop(self) -> None:
        for task in self._sessions.values():
            task.cancel()
        for task in self._sessions.values():
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def _event(self, ieee: zigpy.types.EUI64) -> asyncio.Event:
        return self._established.setdefault(ieee, asyncio.Event())

    # ---------------------------------------------------------------- one exchange

    async def _session(self, partner: Partner, initiate: _Frame) -> None:
        started = time.monotonic()
        suite = int(initiate.args.key_establishment_suite)
        try:
            try:
                async with asyncio.timeout(BUSY_WAIT):
                    await self._library.acquire()
            except TimeoutError:
                await self._terminate(partner, initiate.tsn, TerminateStatus.NO_RESOURCES, suite)
                raise _Ended("NO_RESOURCES", "ch") from None
            try:
                await self._exchange(partner, initiate, suite)
            finally:
                self._library.release()
        except InfrastructureError as exc:
            LOG.warning("CBKE with %s: %s", partner.eui, exc)
            await self._abandon(suite)
            self._finish(Outcome(partner.eui, suite, False, f"UNDELIVERED: {exc}", "ch",
                                 round(time.monotonic() - started, 3)), partner)
            return
        except _Ended as ended:
            self._finish(Outcome(partner.eui, suite, False, ended.status, ended.ended_by,
                                 round(time.monotonic() - started, 3)), partner)
            return
        self._finish(Outcome(partner.eui, suite, True, "ESTABLISHED", "ch", round(time.monotonic() - started, 3)),
                     partner)

    def _finish(self, outcome: Outcome, partner: Partner) -> None:
        self.history.append(outcome)
        self._ended.set()
        self._inboxes.pop(partner.ieee, None)
        (LOG.info if outcome.established else LOG.warning)("%s", outcome.describe())
        self._record(outcome)
        if outcome.established:
            self._event(partner.ieee).set()

    async def _exchange(self, partner: Partner, initiate: _Frame, suite: int) -> None:
        """Run the exchange; raises ``_Ended`` when it ends otherwise than with a link key."""
        tsn = initiate.tsn
        if suite not in SUITES:
            await self._fail(partner, tsn, TerminateStatus.UNSUPPORTED_SUITE, suite)
        own = await self._certificate(suite)
        if own is None:
            await self._fail(partner, tsn, TerminateStatus.UNSUPPORTED_SUITE, suite)
        identity = bytes(initiate.args.identity)
        await self._check_certificate(partner, tsn, suite, identity, own)
        await self._send(partner, "initiate_key_establishment_response", tsn, {
            "key_establishment_suite": suite, "ephemeral_data_generate_time": EPHEMERAL_DATA_GENERATE_TIME,
            "confirm_key_generate_time": CONFIRM_KEY_GENERATE_TIME, "identity": zigpy.types.Bytes(own)})
        ephemeral = await self._next(partner, "ephemeral_data_request", suite,
                                     initiate.args.ephemeral_data_generate_time + TIMEOUT_BASE)
        partner_key = bytes(ephemeral.args.ephemeral_data)
        if len(partner_key) != suite_of(suite).public_key_length:
            await self._fail(partner, ephemeral.tsn, TerminateStatus.BAD_MESSAGE, suite)
        try:
            public_key = await self._ncp.generate_keys(suite)
            await self._send(partner, "ephemeral_data_response", ephemeral.tsn,
                             {"ephemeral_data": zigpy.types.Bytes(public_key)})
            confirm = await self._next(partner, "confirm_key_data_request", suite,
                                       initiate.args.confirm_key_generate_time + TIMEOUT_BASE)
            initiator_mac, responder_mac = await self._ncp.calculate_smacs(
                suite, initiator=False, partner_certificate=identity, partner_ephemeral=partner_key)
        except CbkeFailed as exc:
            LOG.warning("CBKE with %s: the NCP failed: %s", partner.eui, exc)
            await self._fail(partner, tsn, TerminateStatus.NO_RESOURCES, suite)
        if not self._confirmed(bytes(confirm.args.mac), initiator_mac):
            await self._fail(partner, confirm.tsn, TerminateStatus.BAD_KEY_CONFIRM, suite)
        await self._send(partner, "confirm_key_data_response", confirm.tsn,
                         {"mac": zigpy.types.KeyData(responder_mac)})
        try:
            await self._ncp.finish(suite, store_link_key=True)
        except CbkeFailed as exc:
            raise _Ended(f"link key not stored: {exc}", "ch") from None

    async def _check_certificate(self, partner: Partner, tsn: int, suite: int, identity: bytes,
                                 own: bytes) -> None:
        crypto = suite_of(suite)
        try:
            presented = decode_certificate(crypto, identity)
        except CbkeError:
            await self._fail(partner, tsn, TerminateStatus.BAD_MESSAGE, suite)
        if presented.issuer != decode_certificate(crypto, own).issuer:
            await self._fail(partner, tsn, TerminateStatus.UNKNOWN_ISSUER, suite)
        expected = self._expected(partner.eui)
        if presented.subject_eui64 != partner.eui or (
                expected is not None and expected.certificate is not None and expected.certificate != identity):
            await self._fail(partner, tsn, TerminateStatus.BAD_MESSAGE, suite)

    @staticmethod
    def _confirmed(received: bytes, computed: bytes) -> bool:
        """Whether the device's MAC is the one the NCP computed: it holds the key its certificate names."""
        return hmac.compare_digest(received, computed)

    async def _certificate(self, suite: int) -> bytes | None:
        try:
            return await self._ncp.certificate(suite)
        except CbkeFailed as exc:
            LOG.warning("the NCP did not give its suite %d certificate: %s", suite, exc)
            return None

    async def _next(self, partner: Partner, expected: str, suite: int, timeout: float) -> _Frame:
        """The device's next command; ends the exchange on its Terminate, a wrong command or silence."""
        try:
            async with asyncio.timeout(timeout):
                frame = await self._inboxes[partner.ieee].get()
        except TimeoutError:
            await self._abandon(suite)
            raise _Ended("TIMEOUT", "timeout") from None
        if frame.command == "terminate_key_establishment":
            await self._abandon(suite)
            raise _Ended(_status_name(frame.args.status_code), "device")
        if frame.command != expected:
            await self._fail(partner, frame.tsn, TerminateStatus.BAD_MESSAGE, suite)
        return frame

    async def _fail(self, partner: Partner, tsn: int, status: TerminateStatus, suite: int) -> NoReturn:
        await self._abandon(suite)
        await self._terminate(partner, tsn, status, suite)
        raise _Ended(status.name, "ch")

    async def _abandon(self, suite: int) -> None:
        if suite in SUITES:
            with contextlib.suppress(CbkeFailed, InfrastructureError):
                await self._ncp.finish(suite, store_link_key=False)

    async def _terminate(self, partner: Partner, tsn: int, status: TerminateStatus, suite: int) -> None:
        try:
            await self._send(partner, "terminate_key_establishment", tsn,
                             {"status_code": status, "wait_time": BACK_OFF, "key_establishment_suite": suite})
        except InfrastructureError as exc:
            LOG.warning("Terminate Key Establishment to %s not delivered: %s", partner.eui, exc)


class CbkeNotEstablished(Exception):
    """A device did not complete CBKE in time: the CH will not use its Smart Energy clusters."""


def _status_name(value: int) -> str:
    try:
        return TerminateStatus(value).name
    except ValueError:
        return f"0x{value:02X}"

