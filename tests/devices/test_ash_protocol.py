"""The NCP side of ASH, driven frame by frame on a clock the test controls."""

from __future__ import annotations

from hanrig.bench.emulator import Faults, SerialFaults
from hanrig.devices.radio.ash.frames import (
    AckFrame,
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
from hanrig.devices.radio.ash.protocol import AshNcp, AshState, AshTimers
from hanrig.devices.radio.faults import FaultInjector
from tests.devices.fakes import ManualScheduler


class Harness:
    """An NCP whose output is decoded back into frames, and whose upper layer echoes."""

    def __init__(self, *, echo: bool = True, faults: Faults | None = None) -> None:
        self.clock = ManualScheduler()
        self.reader = FrameReader()
        self.sent: list[AshFrame] = []
        self.delivered: list[bytes] = []
        self.host_resets = 0
        self.echo = echo
        injector = FaultInjector(faults or Faults(), seed=1)
        self.ncp = AshNcp(
            scheduler=self.clock,
            write=self._written,
            deliver=self._deliver,
            on_host_reset=self._host_reset,
            faults=injector.line() if faults else None,
        )

    def _written(self, data: bytes) -> None:
        self.sent += [decode(f) for f in self.reader.feed(data)]

    def _deliver(self, payload: bytes) -> None:
        self.delivered.append(payload)
        if self.echo:
            self.ncp.send(b"rsp" + payload)

    def _host_reset(self) -> None:
        self.host_resets += 1

    def host_sends(self, frame: AshFrame) -> list[AshFrame]:
        before = len(self.sent)
        self.ncp.feed(encode(frame))
        return self.sent[before:]


def test_in_sequence_data_is_delivered_once_and_acknowledged_by_the_response() -> None:
    h = Harness()
    out = h.host_sends(DataFrame(0, False, 0, b"cmd"))
    assert h.delivered == [b"cmd"]
    # The response carries ackNum 1: no separate ACK is needed.
    assert out == [DataFrame(0, False, 1, b"rspcmd")]


def test_data_without_an_immediate_response_gets_an_explicit_ack() -> None:
    h = Harness(echo=False)
    assert h.host_sends(DataFrame(0, False, 0, b"cmd")) == [AckFrame(1)]


def test_a_retransmitted_duplicate_is_acknowledged_but_not_delivered_again() -> None:
    h = Harness()
    h.host_sends(DataFrame(0, False, 0, b"cmd"))
    assert h.host_sends(DataFrame(0, True, 0, b"cmd")) == [AckFrame(1)]
    assert h.delivered == [b"cmd"]


def test_out_of_sequence_data_is_naked_once_until_the_expected_frame_arrives() -> None:
    h = Harness()
    assert h.host_sends(DataFrame(1, False, 0, b"two")) == [NakFrame(0)]
    assert h.host_sends(DataFrame(2, False, 0, b"three")) == []
    h.host_sends(DataFrame(0, True, 0, b"one"))
    assert h.delivered == [b"one"]
    assert h.ncp.counters.naks_sent == 1


def test_a_damaged_data_frame_is_naked() -> None:
    h = Harness()
    wire = bytearray(encode(DataFrame(0, False, 0, b"cmd")))
    wire[2] ^= 0x10
    h.ncp.feed(bytes(wire))
    assert h.sent == [NakFrame(0)]
    assert h.ncp.counters.bad_frames == {"BAD_CRC": 1}


def test_unacknowledged_data_is_retransmitted_with_a_doubling_timer_then_the_ncp_fails() -> None:
    h = Harness()
    h.host_sends(DataFrame(0, False, 0, b"cmd"))
    timers = AshTimers()
    h.clock.advance(timers.t_rx_ack_init)
    assert h.sent[-1] == DataFrame(0, True, 1, b"rspcmd")
    h.clock.advance(2 * timers.t_rx_ack_init - 0.01)
    assert len(h.sent) == 2
    h.clock.run_all()
    assert h.ncp.state is AshState.FAILED
    assert h.sent[-1] == ErrorFrame(ResetCode.EXCEEDED_MAXIMUM_ACK_TIMEOUT_COUNT)
    assert sum(isinstance(f, DataFrame) for f in h.sent) == 1 + timers.ack_timeouts


def test_a_failed_ncp_answers_everything_but_rst_with_error_and_rst_brings_it_back() -> None:
    h = Harness()
    h.ncp.fail(ResetCode.ASSERT)
    assert h.host_sends(DataFrame(0, False, 0, b"cmd")) == [ErrorFrame(ResetCode.ASSERT)]
    assert h.delivered == []
    assert h.host_sends(RstFrame()) == [RstAckFrame(ResetCode.SOFTWARE)]
    assert h.host_resets == 1
    h.host_sends(DataFrame(0, False, 0, b"cmd"))
    assert h.delivered == [b"cmd"]


def test_a_nak_from_the_host_makes_the_ncp_retransmit_at_once() -> None:
    h = Harness()
    h.host_sends(DataFrame(0, False, 0, b"cmd"))
    assert h.host_sends(NakFrame(0)) == [DataFrame(0, True, 1, b"rspcmd")]


def test_no_more_than_the_window_is_unacknowledged_and_an_ack_releases_the_rest() -> None:
    h = Harness()
    for n in range(5):
        h.ncp.send(bytes([n]) * 3)
    assert [f.frm_num for f in h.sent if isinstance(f, DataFrame)] == [0, 1, 2]
    h.host_sends(AckFrame(2))
    assert [f.frm_num for f in h.sent if isinstance(f, DataFrame)] == [0, 1, 2, 3, 4]


def test_reset_starts_sequence_numbers_afresh() -> None:
    h = Harness()
    h.host_sends(DataFrame(0, False, 0, b"cmd"))
    assert h.host_sends(RstFrame()) == [RstAckFrame(ResetCode.SOFTWARE)]
    assert h.host_sends(DataFrame(0, False, 0, b"again")) == [DataFrame(0, False, 1, b"rspagain")]
    assert h.clock.pending == 1  # only the new frame's retransmit timer: the old one is gone


def test_serial_delay_holds_frames_back_in_order() -> None:
    h = Harness(echo=False, faults=Faults(serial=SerialFaults(delay=0.5)))
    h.ncp.send(b"one")
    h.ncp.send(b"two")
    assert h.sent == []
    h.clock.advance(0.5)
    assert [f.payload for f in h.sent if isinstance(f, DataFrame)] == [b"one", b"two"]


def test_every_frame_to_the_host_is_lost_when_the_drop_rate_is_one() -> None:
    h = Harness(faults=Faults(serial=SerialFaults(drop=1.0)))
    h.ncp.send(b"lost")
    h.clock.advance(1.0)
    assert h.sent == []
