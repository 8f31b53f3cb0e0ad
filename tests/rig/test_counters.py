"""Originator counters never repeat or go back, whatever the clock does."""

from __future__ import annotations

from hanrig.rig.ch.counters import OriginatorCounter


def test_counter_follows_the_clock_in_milliseconds() -> None:
    assert OriginatorCounter(lambda: 1700000000.5).next() == 1700000000500


def test_counter_strictly_increases_when_the_clock_stands_still_or_goes_back() -> None:
    times = iter([10.0, 10.0, 9.0, 11.0])
    counter = OriginatorCounter(lambda: next(times))

    assert [counter.next() for _ in range(4)] == [10000, 10001, 10002, 11000]
