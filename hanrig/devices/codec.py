"""construct adapters shared by the EZSP, ZDO and ZCL codecs."""

from __future__ import annotations

import enum
from typing import Any

from construct import Adapter, Bytes, Construct

from hanrig.devices.ieee import Eui64


class EnumAdapter(Adapter):
    """An integer field read as a member of ``enum_type`` (or left an int if unknown)."""

    def __init__(self, subcon: Construct, enum_type: type[enum.IntEnum]) -> None:
        super().__init__(subcon)
        self.enum_type = enum_type

    def _decode(self, obj: int, context: Any, path: str) -> enum.IntEnum | int:
        try:
            return self.enum_type(obj)
        except ValueError:
            return obj

    def _encode(self, obj: int, context: Any, path: str) -> int:
        return int(obj)


class Eui64Adapter(Adapter):
    """Eight bytes, least significant first, read as an ``Eui64``."""

    def _decode(self, obj: bytes, context: Any, path: str) -> Eui64:
        return Eui64.from_wire(obj)

    def _encode(self, obj: Eui64, context: Any, path: str) -> bytes:
        return obj.to_wire()


EUI64 = Eui64Adapter(Bytes(8))
