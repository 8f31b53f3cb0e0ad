"""A sample value for any construct declaration, so that every declared codec can be exercised.

Integers are 1 (so that any count field makes its array one long), enumerations their first
member, byte strings short and recognisable.
"""

from __future__ import annotations

from typing import Any

from construct import (
    Adapter,
    Array,
    Bytes,
    Construct,
    FocusedSeq,
    FormatField,
    GreedyBytes,
    Prefixed,
    Renamed,
    Struct,
)
from construct.core import BitsInteger
from construct.core import Flag as _FlagInstance

from hanrig.devices.codec import EnumAdapter, Eui64Adapter
from hanrig.devices.ieee import Eui64


def sample(con: Construct) -> Any:
    if isinstance(con, Renamed):
        return sample(con.subcon)
    if isinstance(con, Struct):
        return {sub.name: sample(sub) for sub in con.subcons if sub.name}
    if isinstance(con, EnumAdapter):
        return next(iter(con.enum_type))
    if isinstance(con, Eui64Adapter):
        return Eui64(0x0011223344556677)
    if isinstance(con, Adapter):
        return sample(con.subcon)
    if isinstance(con, FormatField | BitsInteger):
        return 1
    if isinstance(con, type(_FlagInstance)):
        return True
    if isinstance(con, Bytes):
        return bytes(range(con.length))
    if isinstance(con, Prefixed):
        return b"\x01\x02\x03" if con.subcon is GreedyBytes else sample(con.subcon)
    if isinstance(con, Array):
        return [sample(con.subcon)] * (con.count if isinstance(con.count, int) else 1)
    if isinstance(con, FocusedSeq):  # PrefixedArray: a count, then the items
        (items,) = (sub for sub in con.subcons if sub.name == con.parsebuildfrom)
        return sample(items)
    raise TypeError(f"no sample for {con!r}")
