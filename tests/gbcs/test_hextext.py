"""Message input: hex text in any case and spacing, or raw bytes; anything else says where."""

from __future__ import annotations

import pytest

from hanrig.gbcs.errors import HexError
from hanrig.gbcs.hextext import message_bytes


def test_hex_text_in_lower_case_with_spaces_and_newlines_is_read() -> None:
    assert message_bytes(b"df 09\n03\r\n\tab") == bytes.fromhex("DF0903AB")


def test_raw_frames_pass_through() -> None:
    assert message_bytes(b"\xdf\x09\x03") == b"\xdf\x09\x03"


def test_non_hex_character_is_named_with_its_offset() -> None:
    with pytest.raises(HexError) as caught:
        message_bytes(b"DF09 zz")
    assert caught.value.offset == 5 and "'z'" in str(caught.value)


def test_odd_number_of_digits_is_refused() -> None:
    with pytest.raises(HexError, match="odd number"):
        message_bytes(b"DF0")


@pytest.mark.parametrize("data", [b"", b"  \n"])
def test_empty_input_is_refused(data: bytes) -> None:
    with pytest.raises(HexError):
        message_bytes(data)
