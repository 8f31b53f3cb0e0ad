"""Every GBCS message that crosses the rig, decoded and verified as it arrives, and waited on.

Commands the rig sends to devices, alerts and responses devices send back, and the
alerts the CH raises all go through one log. Each is decoded with ``gbcs`` and its
signature and MAC checked against the keystore the moment it is recorded, so a
message that cannot be decoded or does not verify is evidence too, never an exception.
Scenarios wait on the log for the message they expect, with a timeout.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hanrig.gbcs import (
    GbcsError,
    GbcsMessage,
    KeyStore,
    Payload,
    Verification,
    alert_code_of,
    authentic,
    decode,
    decode_payload,
    verify,
)
from hanrig.gbcs.eui import Eui64
from hanrig.gbcs.summary import message_summary

LOG = logging.getLogger(__name__)


class Direction(enum.StrEnum):
    TO_DEVICE = "to-device"  # a command the rig delivered through a tunnel
    FROM_DEVICE = "from-device"  # an alert or response a device sent through its tunnel
    RAISED_BY_CH = "raised-by-ch"  # an alert the CH raised (CCS08)


@dataclass(frozen=True)
class GbcsRecord:
    """One message as the rig saw it: raw bytes, and what they decode to or why they do not."""

    sequence: int
    time: float
    direction: Direction
    device: str  # the HAN device's EUI-64 (the other end of the tunnel, or the CCS08's entity)
    raw: bytes
    message: GbcsMessage | None = None
    payload: Payload | None = None
    verification: Verification | None = None
    error: str | None = None

    @property
    def alert_code(self) -> int | None:
        return alert_code_of(self.payload) if self.payload is not None else None

    @property
    def message_code(self) -> int | None:
        return self.message.message_code if self.message is not None else None

    @property
    def authentic(self) -> bool:
        """Decoded, with every signature and MAC GBCS requires on it present and verified with a held key."""
        if self.message is None or self.verification is None:
            return False
        return authentic(self.message, self.verification)

    def as_dict(self) -> dict[str, Any]:
        """The record for journals and reports: raw hex, and the decode (or why there is none)."""
        fields: dict[str, Any] = {"sequence": self.sequence, "time": self.time, "direction": self.direction.value,
                                  "device": self.device, "hex": self.raw.hex().upper()}
        if self.message is not None:
            assert self.payload is not None and self.verification is not None
            fields["decoded"] = message_summary(self.message, self.payload, self.verification)
        else:
            fields["error"] = self.error
        return fields

    def describe(self) -> str:
        if self.message is None:
            return f"undecodable message from {self.device}: {self.error}"
        code = f" alert 0x{self.alert_code:04X}" if self.alert_code is not None else ""
        return (f"{self.message.use_case or f'MC 0x{self.message.message_code:04X}'}{code} "
                f"{self.message.cra.name.lower()} {self.message.originator} -> {self.message.recipient}")


class MessageLog:
    """Records messages, tells listeners, and lets scenarios wait for the one they expect."""

    def __init__(self, keystore: KeyStore, *, acb: Eui64) -> None:
        self._keystore = keystore
        self._acb = acb
        self.records: list[GbcsRecord] = []
        self._listeners: list[Callable[[GbcsRecord], None]] = []
        self._changed = asyncio.Condition()

    def add_listener(self, listener: Callable[[GbcsRecord], None]) -> None:
        self._listeners.append(listener)

    def record(self, direction: Direction, device: str, raw: bytes) -> GbcsRecord:
        record = self._decoded(len(self.records), direction, device, raw)
        self.records.append(record)
        LOG.info("%s: %s", direction.value, record.describe())
        for listener in self._listeners:
            listener(record)
        asyncio.get_running_loop().create_task(self._notify())
        return record

    def _decoded(self, sequence: int, direction: Direction, device: str, raw: bytes) -> GbcsRecord:
        now = time.time()
        try:
            message = decode(raw)
            payload = decode_payload(message)
        except GbcsError as exc:
            return GbcsRecord(sequence, now, direction, device, raw, error=str(exc))
        verification = verify(message, self._keystore, acb=self._acb)
        return GbcsRecord(sequence, now, direction, device, raw, message, payload, verification)

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait_for(self, matches: Callable[[GbcsRecord], bool], *, after: int, timeout: float,
                       what: str) -> GbcsRecord:
        """The first record from sequence ``after`` on that ``matches``; TimeoutError naming ``what``."""
        try:
            async with asyncio.timeout(timeout), self._changed:
                while True:
                    found = next((r for r in self.records[after:] if matches(r)), None)
                    if found is not None:
                        return found
                    await self._changed.wait()
        except TimeoutError:
            raise TimeoutError(f"no {what} within {timeout:g} s") from None

    @property
    def mark(self) -> int:
        """Where the log stands now: pass it as ``after`` to wait only for newer messages."""
        return len(self.records)
