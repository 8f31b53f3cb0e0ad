"""ASH framing: the UG101 examples, every frame type both ways, and what garbage becomes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hanrig.devices.radio.ash.frames import (
    MAX_DATA_LEN,
    AckFrame,
    AshDecodeError,
    DataFrame,
    ErrorFrame,
    FrameError,
    FrameReader,
    NakFrame,
    Reserved,
    ResetCode,
    RstAckFrame,
    RstFrame,
    crc_ccitt,
    decode,
    encode,
    randomise,
    stuff,
    unstuff,
)


def test_version_command_matches_the_ug101_example() -> None:
    # UG101 "DATA Frame Format": version command 00 00 00 02 in DATA(2, 5, 0)
    assert encode(DataFrame(2, False, 5, bytes.fromhex("00000002"))) == bytes.fromhex("254221a856a6097e")


def test_version_response_data_is_randomised_as_in_ug101() -> None:
    # UG101 prints 96 23 as this frame's CRC, which does not check; its unrandomised twin
    # (53 00 80 00 02 02 11 30 63 16) does, and so does the CRC computed here.
    wire = encode(DataFrame(5, False, 3, bytes.fromhex("00800002021130")))
    assert wire[:8] == bytes.fromhex("5342a1a856280482")
    assert crc_ccitt(bytes.fromhex("5300800002021130")) == 0x6316


@pytest.mark.parametrize(
    ("frame", "wire"),
    [
        (RstFrame(), "c038bc7e"),
        (RstAckFrame(ResetCode.POWER_ON), "c102029b7b7e"),
        (AckFrame(3), "83401b7e"),
        (NakFrame(6), "a634dc7e"),
    ],
)
def test_control_frames_match_ug101(frame: object, wire: str) -> None:
    assert encode(frame) == bytes.fromhex(wire)  # type: ignore[arg-type]


frames = st.one_of(
    st.builds(
        DataFrame,
        st.integers(0, 7),
        st.booleans(),
        st.integers(0, 7),
        st.binary(min_size=3, max_size=MAX_DATA_LEN),
    ),
    st.builds(AckFrame, st.integers(0, 7), st.booleans()),
    st.builds(NakFrame, st.integers(0, 7), st.booleans()),
    st.just(RstFrame()),
    st.builds(RstAckFrame, st.sampled_from(ResetCode)),
    st.builds(ErrorFrame, st.sampled_from(ResetCode)),
)


@given(frames)
def test_every_frame_decodes_to_itself(frame: object) -> None:
    wire = encode(frame)  # type: ignore[arg-type]
    assert wire[-1] == Reserved.FLAG
    assert not set(wire[:-1]) & {
        Reserved.FLAG,
        Reserved.CANCEL,
        Reserved.SUBSTITUTE,
        Reserved.XON,
        Reserved.XOFF,
    }
    assert decode(wire[:-1]) == frame


@given(st.binary(max_size=300))
def test_stuffing_round_trips_any_bytes(data: bytes) -> None:
    assert unstuff(stuff(data)) == data


@given(st.binary(max_size=MAX_DATA_LEN))
def test_randomising_twice_gives_the_data_back(data: bytes) -> None:
    assert randomise(randomise(data)) == data


def test_wrong_crc_is_reported_and_a_data_frame_is_recognised_as_data() -> None:
    wire = bytearray(encode(DataFrame(1, False, 0, b"\x01\x02\x03"))[:-1])
    wire[-1] ^= 0x01
    with pytest.raises(AshDecodeError) as caught:
        decode(bytes(wire))
    assert caught.value.reason is FrameError.BAD_CRC
    assert caught.value.looks_like_data


@pytest.mark.parametrize(
    ("stuffed", "reason"),
    [
        (b"\x80", FrameError.TOO_SHORT),
        (bytes(200), FrameError.TOO_LONG),
        (b"\x7d\x41\x00\x00", FrameError.BAD_ESCAPE),
        (b"\x00\x01", FrameError.TOO_SHORT),
    ],
)
def test_malformed_frames_name_the_problem(stuffed: bytes, reason: FrameError) -> None:
    with pytest.raises(AshDecodeError) as caught:
        decode(stuffed)
    assert caught.value.reason is reason


def _with_crc(body: bytes) -> bytes:
    return stuff(body + crc_ccitt(body).to_bytes(2, "big"))


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"\xc3", FrameError.BAD_CONTROL),
        (b"\xc0\x00", FrameError.BAD_LENGTH),
        (b"\xc1\x02", FrameError.BAD_LENGTH),
        (b"\x81\x00", FrameError.BAD_LENGTH),
        (b"\x00\x01\x02", FrameError.BAD_LENGTH),
    ],
)
def test_frames_with_a_good_crc_but_a_wrong_shape_are_rejected(body: bytes, reason: FrameError) -> None:
    with pytest.raises(AshDecodeError) as caught:
        decode(_with_crc(body))
    assert caught.value.reason is reason


def test_reader_obeys_cancel_substitute_and_flow_control_bytes() -> None:
    reader = FrameReader()
    rst = encode(RstFrame())
    ack = encode(AckFrame(2))
    stream = (
        b"\x01\x02"
        + bytes((Reserved.CANCEL,))
        + rst  # cancelled junk, then RST
        + b"\x05"
        + bytes((Reserved.SUBSTITUTE,))
        + b"\x06\x7e"  # damaged frame: dropped
        + ack[:1]
        + bytes((Reserved.XON,))
        + ack[1:2]
        + bytes((Reserved.XOFF,))
        + ack[2:]
        + b"\x7e\x7e"  # empty frames between flags are nothing
    )
    assert [decode(f) for f in reader.feed(stream)] == [RstFrame(), AckFrame(2)]


def test_reader_keeps_frames_whole_across_any_split() -> None:
    wire = encode(DataFrame(3, False, 1, bytes(range(40)))) + encode(AckFrame(5))
    reader = FrameReader()
    found = [f for i in range(len(wire)) for f in reader.feed(wire[i : i + 1])]
    assert [decode(f) for f in found] == [DataFrame(3, False, 1, bytes(range(40))), AckFrame(5)]


def test_endless_garbage_never_grows_the_reader_and_ends_as_one_oversized_frame() -> None:
    reader = FrameReader()
    for _ in range(1000):
        assert reader.feed(b"\x55" * 1000) == []
    (frame,) = reader.feed(b"\x7e")
    assert len(frame) < 300
    with pytest.raises(AshDecodeError) as caught:
        decode(frame)
    assert caught.value.reason is FrameError.TOO_LONG
