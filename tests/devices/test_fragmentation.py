"""APS fragmentation: splitting, sending a window at a time, and putting messages back together."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from hanrig.devices.han.aps import ApsMessage, Fragment
from hanrig.devices.han.fragmentation import FragmentedSend, Reassembler, split
from tests.devices.fakes import ManualScheduler

MESSAGE = ApsMessage(0x1234, 0x0000, 0x0109, 0x0704, 1, 1, bytes(range(200)) * 2, counter=5)


def test_split_cuts_into_pieces_of_the_size_and_refuses_more_than_255() -> None:
    assert [len(p) for p in split(bytes(170), 80)] == [80, 80, 10]
    with pytest.raises(ValueError, match="255"):
        split(bytes(80 * 256), 80)


def _fragments(message: ApsMessage, size: int) -> list[ApsMessage]:
    pieces = split(message.payload, size)
    return [
        ApsMessage(**{**message.__dict__, "payload": p, "fragment": Fragment(i, len(pieces))})
        for i, p in enumerate(pieces)
    ]


def test_fragments_in_any_order_with_duplicates_make_the_message_once() -> None:
    reassembler = Reassembler(ManualScheduler())
    fragments = _fragments(MESSAGE, 80)
    order = [fragments[i] for i in (2, 0, 0, 4, 1, 3)]
    results = [reassembler.add(f) for f in order]
    assert [r.payload for r in results if r] == [MESSAGE.payload]
    assert reassembler.pending == 0


def test_an_incomplete_message_is_dropped_after_the_timeout() -> None:
    clock = ManualScheduler()
    reassembler = Reassembler(clock, timeout=10.0)
    reassembler.add(_fragments(MESSAGE, 80)[0])
    clock.advance(10.0)
    assert reassembler.pending == 0 and reassembler.expired == 1


def _sender(
    window: int,
) -> tuple[FragmentedSend, list[tuple[ApsMessage, Callable[[bool], None]]], list[bool]]:
    sent: list[tuple[ApsMessage, Callable[[bool], None]]] = []
    done: list[bool] = []
    send = FragmentedSend(
        MESSAGE, size=80, window=window, send_frame=lambda f, cb: sent.append((f, cb)), on_done=done.append
    )
    return send, sent, done


def test_a_window_is_acknowledged_before_the_next_is_sent() -> None:
    send, sent, done = _sender(window=2)
    send.start()
    assert [f.fragment.index for f, _ in sent] == [0, 1]
    sent[0][1](True)
    assert len(sent) == 2
    sent[1][1](True)
    assert [f.fragment.index for f, _ in sent] == [0, 1, 2, 3]
    for _, ack in sent[2:]:
        ack(True)
    sent[4][1](True)
    assert done == [True]
    assert {f.counter for f, _ in sent} == {MESSAGE.counter}
    assert all(f.fragment.count == 5 for f, _ in sent)


def test_one_fragment_that_fails_fails_the_message_once() -> None:
    send, sent, done = _sender(window=2)
    send.start()
    sent[0][1](False)
    sent[1][1](True)
    assert done == [False]
    assert len(sent) == 2
