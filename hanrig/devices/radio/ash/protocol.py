"""The NCP's half of ASH: sequencing, acknowledgement, retransmission, reject, reset, failure.

One ``AshNcp`` sits between the serial line and the EZSP layer. It accepts the host's DATA
frames in sequence and hands their EZSP frames up; it sends EZSP frames down in DATA frames,
at most ``tx_window`` unacknowledged, retransmitting them after a NAK or an ACK timeout with
the adaptive timer of UG101. After too many timeouts in a row it enters the FAILED state:
it sends an ERROR frame and answers every frame but RST with another one, as an NCP does.
"""

from __future__ import annotations

import enum
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from hanrig.devices.radio.ash.frames import (
    AckFrame,
    AshDecodeError,
    AshFrame,
    DataFrame,
    ErrorFrame,
    FrameReader,
    NakFrame,
    ResetCode,
    RstAckFrame,
    RstFrame,
    decode,
    encode,
)
from hanrig.devices.scheduling import Scheduler, Timer

LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class AshTimers:
    """UG101's defaults for the acknowledgement timer and the transmit window."""

    t_rx_ack_init: float = 1.6
    t_rx_ack_min: float = 0.4
    t_rx_ack_max: float = 3.2
    #: consecutive ACK timeouts before the NCP gives up and enters the FAILED state
    ack_timeouts: int = 4
    #: DATA frames the NCP may have unacknowledged at once (3-bit numbers allow up to 7)
    tx_window: int = 3
    #: DATA frames waiting for the window; beyond this the NCP has no buffers and drops them
    tx_queue_limit: int = 64


class LineFaults(Protocol):
    """What the serial line does to frames on the way: see ``devices.radio.faults``."""

    def on_receive(self, stuffed: bytes) -> bytes | None:
        """The frame as received (maybe damaged), or None if it was lost."""

    def on_transmit(self, wire: bytes) -> tuple[bytes | None, float]:
        """The bytes as they reach the host (maybe damaged, None if lost) and the extra delay."""


class AshState(enum.Enum):
    CONNECTED = "connected"
    FAILED = "failed"


@dataclass
class AshCounters:
    """What the ASH layer has seen and done, for the control plane's status."""

    frames_received: int = 0
    frames_sent: int = 0
    data_received: int = 0
    data_sent: int = 0
    duplicates_received: int = 0
    retransmissions: int = 0
    naks_sent: int = 0
    naks_received: int = 0
    ack_timeouts: int = 0
    resets: int = 0
    tx_queue_overflows: int = 0
    bad_frames: dict[str, int] = field(default_factory=dict)

    def count_bad(self, error: AshDecodeError) -> None:
        self.bad_frames[error.reason.name] = self.bad_frames.get(error.reason.name, 0) + 1


@dataclass
class _Outstanding:
    frm_num: int
    payload: bytes
    sent_at: float
    retransmitted: bool = False


class AshNcp:
    """NCP-side ASH over a byte stream.

    ``write`` puts bytes on the line; ``deliver`` receives each EZSP frame from the host, in
    order and exactly once; ``on_host_reset`` is called when the host sends RST, before the
    RSTACK goes out, so that the layers above can reboot.
    """

    def __init__(
        self,
        *,
        scheduler: Scheduler,
        write: Callable[[bytes], None],
        deliver: Callable[[bytes], None],
        on_host_reset: Callable[[], None],
        timers: AshTimers | None = None,
        faults: LineFaults | None = None,
    ) -> None:
        self._scheduler = scheduler
        self._write = write
        self._deliver = deliver
        self._on_host_reset = on_host_reset
        self._timers = timers or AshTimers()
        self.faults = faults
        self.counters = AshCounters()
        self._reader = FrameReader()
        self.state = AshState.CONNECTED
        self._failure_code: ResetCode | int = ResetCode.UNKNOWN_REASON
        self._rx_seq = 0
        self._tx_seq = 0
        self._rejecting = False
        self._ack_owed = False
        self._outstanding: deque[_Outstanding] = deque()
        self._queue: deque[bytes] = deque()
        self._t_rx_ack = self._timers.t_rx_ack_init
        self._consecutive_timeouts = 0
        self._retransmit_timer: Timer | None = None
        self._line_free_at = 0.0

    # ---------------------------------------------------------------- from the host

    def feed(self, data: bytes) -> None:
        """Bytes from the line, in any chunks."""
        for stuffed in self._reader.feed(data):
            received = self.faults.on_receive(stuffed) if self.faults else stuffed
            if received is not None:
                self._frame_received(received)

    def line_lost(self) -> None:
        """The host went away; a frame it was in the middle of will never end."""
        self._reader.discard()

    def _frame_received(self, stuffed: bytes) -> None:
        try:
            frame = decode(stuffed)
        except AshDecodeError as exc:
            self.counters.count_bad(exc)
            LOG.debug("bad ASH frame (%s): %s", exc.reason.value, stuffed.hex())
            if exc.looks_like_data and self.state is AshState.CONNECTED:
                self._reject()
            return
        self.counters.frames_received += 1
        if isinstance(frame, RstFrame):
            LOG.info("host reset the NCP (ASH RST)")
            self._on_host_reset()
            self.reset(ResetCode.SOFTWARE)
            return
        if self.state is AshState.FAILED:
            self._send_frame(ErrorFrame(self._failure_code))
            return
        match frame:
            case DataFrame():
                self._acknowledged(frame.ack_num)
                self._data_received(frame)
            case AckFrame():
                self._acknowledged(frame.ack_num)
            case NakFrame():
                self.counters.naks_received += 1
                self._acknowledged(frame.ack_num)
                self._retransmit_outstanding()
            case _:
                LOG.debug("ignoring %s from the host: only an NCP sends it", type(frame).__name__)

    def _data_received(self, frame: DataFrame) -> None:
        if frame.frm_num == self._rx_seq:
            self.counters.data_received += 1
            self._rx_seq = (self._rx_seq + 1) % 8
            self._rejecting = False
            self._ack_owed = True
            self._deliver(frame.payload)
            # The response usually went out already and carried the acknowledgement.
            if self._ack_owed and self.state is AshState.CONNECTED:
                self._send_frame(AckFrame(self._rx_seq))
        elif frame.re_tx:
            # The host did not hear our acknowledgement: acknowledge again, deliver nothing.
            self.counters.duplicates_received += 1
            self._send_frame(AckFrame(self._rx_seq))
        else:
            self._reject()

    def _reject(self) -> None:
        """NAK once, then stay quiet until an in-sequence DATA frame arrives (UG101)."""
        if not self._rejecting:
            self._rejecting = True
            self.counters.naks_sent += 1
            self._send_frame(NakFrame(self._rx_seq))

    # ---------------------------------------------------------------- to the host

    def send(self, payload: bytes) -> None:
        """Queue one EZSP frame for the host."""
        if self.state is AshState.FAILED:
            return
        if len(self._queue) >= self._timers.tx_queue_limit:
            self.counters.tx_queue_overflows += 1
            LOG.warning("ASH transmit queue full (host not acknowledging?); dropping a frame")
            return
        self._queue.append(payload)
        self._pump()

    def _pump(self) -> None:
        while self._queue and len(self._outstanding) < self._timers.tx_window:
            payload = self._queue.popleft()
            entry = _Outstanding(self._tx_seq, payload, self._scheduler.time())
            self._tx_seq = (self._tx_seq + 1) % 8
            self._outstanding.append(entry)
            self.counters.data_sent += 1
            self._send_frame(DataFrame(entry.frm_num, False, self._rx_seq, payload))
        if self._outstanding and self._retransmit_timer is None:
            self._start_timer()

    def _acknowledged(self, ack_num: int) -> None:
        if not self._outstanding:
            return
        released = (ack_num - self._outstanding[0].frm_num) % 8
        if released == 0 or released > len(self._outstanding):
            return
        now = self._scheduler.time()
        for _ in range(released):
            entry = self._outstanding.popleft()
            if not entry.retransmitted:
                # Karn: only a frame sent once times the round trip unambiguously.
                self._set_t_rx_ack(7 / 8 * self._t_rx_ack + (now - entry.sent_at) / 2)
        self._consecutive_timeouts = 0
        self._stop_timer()
        self._pump()

    def _retransmit_outstanding(self) -> None:
        for entry in self._outstanding:
            entry.retransmitted = True
            self.counters.retransmissions += 1
            self._send_frame(DataFrame(entry.frm_num, True, self._rx_seq, entry.payload))
        if self._outstanding:
            self._stop_timer()
            self._start_timer()

    def _start_timer(self) -> None:
        self._retransmit_timer = self._scheduler.call_later(self._t_rx_ack, self._ack_timeout)

    def _stop_timer(self) -> None:
        if self._retransmit_timer is not None:
            self._retransmit_timer.cancel()
            self._retransmit_timer = None

    def _ack_timeout(self) -> None:
        self._retransmit_timer = None
        if not self._outstanding:
            return
        self.counters.ack_timeouts += 1
        self._consecutive_timeouts += 1
        if self._consecutive_timeouts > self._timers.ack_timeouts:
            LOG.warning("host stopped acknowledging: ASH enters the FAILED state")
            self.fail(ResetCode.EXCEEDED_MAXIMUM_ACK_TIMEOUT_COUNT)
            return
        self._set_t_rx_ack(2 * self._t_rx_ack)
        self._retransmit_outstanding()

    def _set_t_rx_ack(self, value: float) -> None:
        self._t_rx_ack = min(max(value, self._timers.t_rx_ack_min), self._timers.t_rx_ack_max)

    # ---------------------------------------------------------------- reset and failure

    def reset(self, code: ResetCode | int) -> None:
        """Start afresh and tell the host why with RSTACK (after RST, or an NCP crash)."""
        self._stop_timer()
        self._outstanding.clear()
        self._queue.clear()
        self._rx_seq = self._tx_seq = 0
        self._rejecting = False
        self._ack_owed = False
        self._t_rx_ack = self._timers.t_rx_ack_init
        self._consecutive_timeouts = 0
        self.state = AshState.CONNECTED
        self.counters.resets += 1
        self._send_frame(RstAckFrame(code))

    def fail(self, code: ResetCode | int) -> None:
        """Enter the FAILED state: only RST brings the NCP back."""
        self._stop_timer()
        self._outstanding.clear()
        self._queue.clear()
        self.state = AshState.FAILED
        self._failure_code = code
        self._send_frame(ErrorFrame(code))

    def close(self) -> None:
        """Stop every timer: the emulator is shutting down."""
        self._stop_timer()

    # ---------------------------------------------------------------- the line

    def _send_frame(self, frame: AshFrame) -> None:
        if isinstance(frame, DataFrame | AckFrame | NakFrame):
            self._ack_owed = False
        self.counters.frames_sent += 1
        wire = encode(frame)
        delay = 0.0
        if self.faults:
            damaged, delay = self.faults.on_transmit(wire)
            if damaged is None:
                return
            wire = damaged
        now = self._scheduler.time()
        # A delayed frame holds back the ones after it: a serial line never reorders.
        due = max(now + delay, self._line_free_at)
        self._line_free_at = due
        if due > now:
            self._scheduler.call_later(due - now, self._write, wire)
        else:
            self._write(wire)
