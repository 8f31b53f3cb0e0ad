"""APS fragmentation: cutting a long message into frames and putting them back together.

A message longer than one frame goes as up to 255 fragments with the same APS counter,
each carrying its index; the first also carries the count. The receiver keeps what has
arrived until the last piece comes or it gives up waiting.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from hanrig.devices.han.aps import ApsMessage, Fragment
from hanrig.devices.scheduling import Scheduler, Timer

LOG = logging.getLogger(__name__)

MAX_FRAGMENTS = 255
#: how long a receiver keeps an incomplete message (EmberZNet waits about this long)
REASSEMBLY_TIMEOUT = 10.0


def split(payload: bytes, size: int) -> list[bytes]:
    """``payload`` in pieces of ``size`` octets (the last may be shorter)."""
    if size <= 0:
        raise ValueError(f"fragment size must be positive, not {size}")
    pieces = [payload[i : i + size] for i in range(0, len(payload), size)] or [b""]
    if len(pieces) > MAX_FRAGMENTS:
        raise ValueError(f"{len(payload)} octets need {len(pieces)} fragments; APS allows {MAX_FRAGMENTS}")
    return pieces


_Key = tuple[int, int, int, int]


@dataclass
class _Partial:
    count: int | None = None
    pieces: dict[int, bytes] = field(default_factory=dict)
    timer: Timer | None = None


class Reassembler:
    """Collects fragments per (sender, APS counter, profile, cluster) and returns whole messages."""

    def __init__(self, scheduler: Scheduler, timeout: float = REASSEMBLY_TIMEOUT) -> None:
        self._scheduler = scheduler
        self._timeout = timeout
        self._partial: dict[_Key, _Partial] = {}
        self.expired = 0

    def add(self, message: ApsMessage) -> ApsMessage | None:
        """The whole message once ``message`` completes it, else None. Duplicates are ignored."""
        fragment = message.fragment
        assert fragment is not None, "only fragments are reassembled"
        key = (message.source, message.counter, message.profile_id, message.cluster_id)
        partial = self._partial.setdefault(key, _Partial())
        if fragment.index == 0:
            partial.count = fragment.count
        partial.pieces.setdefault(fragment.index, message.payload)
        if partial.timer is not None:
            partial.timer.cancel()
        if partial.count is not None and len(partial.pieces) >= partial.count:
            del self._partial[key]
            if set(partial.pieces) != set(range(partial.count)):
                LOG.warning("fragments %s do not make a message of %d", sorted(partial.pieces), partial.count)
                return None
            return message.with_payload(b"".join(partial.pieces[i] for i in range(partial.count)))
        partial.timer = self._scheduler.call_later(self._timeout, self._expire, key)
        return None

    def _expire(self, key: _Key) -> None:
        if self._partial.pop(key, None) is not None:
            self.expired += 1
            LOG.info("gave up reassembling a message from 0x%04X (APS counter %d)", key[0], key[1])

    @property
    def pending(self) -> int:
        return len(self._partial)


class FragmentedSend:
    """Sends one long message as fragments, ``window`` at a time, each acknowledged.

    ``send_frame(frame, on_done)`` puts one fragment on the air; ``on_done(delivered)`` is
    called once, when every fragment was acknowledged or one was given up on.
    """

    def __init__(
        self,
        message: ApsMessage,
        *,
        size: int,
        window: int,
        send_frame: Callable[[ApsMessage, Callable[[bool], None]], None],
        on_done: Callable[[bool], None],
    ) -> None:
        self._pieces = split(message.payload, size)
        self._message = message
        self._window = max(window, 1)
        self._send_frame = send_frame
        self._on_done = on_done
        self._next = 0
        self._in_flight = 0
        self._failed = False

    @property
    def count(self) -> int:
        return len(self._pieces)

    def start(self) -> None:
        self._fill_window()

    def _fill_window(self) -> None:
        while self._next < len(self._pieces) and self._in_flight < self._window:
            index = self._next
            self._next += 1
            self._in_flight += 1
            frame = replace(
                self._message, payload=self._pieces[index], fragment=Fragment(index, len(self._pieces))
            )
            self._send_frame(frame, self._fragment_done)

    def _fragment_done(self, delivered: bool) -> None:
        self._in_flight -= 1
        if self._failed:
            return
        if not delivered:
            self._failed = True
            self._on_done(False)
        elif self._next == len(self._pieces) and self._in_flight == 0:
            self._on_done(True)
        elif self._in_flight == 0:
            # The window is acknowledged as a whole before the next one goes (APS block ack).
            self._fill_window()
