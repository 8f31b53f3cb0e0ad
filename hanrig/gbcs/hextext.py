"""Message input as people and tools hand it over: hex text (any case, any spacing) or raw bytes."""

from __future__ import annotations

import string

from hanrig.gbcs.errors import HexError

_FRAME_TAGS = (0xDD, 0xDF)
_HEX = frozenset(string.hexdigits)
_SPACE = frozenset(string.whitespace)


def message_bytes(data: bytes) -> bytes:
    """The message in ``data``: raw bytes if they start with a GBCS frame tag, else hex text.

    Hex text may be upper or lower case and broken by any whitespace (RTDS files, copies
    from logs). Anything else is a :class:`~gbcs.errors.HexError` naming the character.
    """
    if not data:
        raise HexError("empty input", offset=0)
    if data[0] in _FRAME_TAGS:
        return data
    digits = []
    for offset, byte in enumerate(data):
        char = chr(byte)
        if char in _HEX:
            digits.append(char)
        elif char not in _SPACE:
            shown = repr(char) if byte < 0x80 else f"byte 0x{byte:02X}"
            raise HexError(f"not hex text: {shown} is not a hex digit (and the input does not start "
                           f"with a GBCS frame tag DD or DF)", offset=offset)
    if not digits:
        raise HexError("no hex digits in the input", offset=0)
    if len(digits) % 2:
        raise HexError(f"odd number of hex digits ({len(digits)})", offset=len(data))
    return bytes.fromhex("".join(digits))
