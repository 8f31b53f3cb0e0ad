"""The ZCL frame: frame control, optional manufacturer code, sequence number, command, payload."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from construct import (
    BitsInteger,
    BitStruct,
    ConstructError,
    Flag,
    GreedyBytes,
    If,
    Int8ul,
    Int16ul,
    Padding,
    Struct,
    this,
)


class FrameType(enum.IntEnum):
    #: a foundation command, the same for every cluster
    GLOBAL = 0
    CLUSTER = 1


class Direction(enum.IntEnum):
    CLIENT_TO_SERVER = 0
    SERVER_TO_CLIENT = 1

    def flip(self) -> Direction:
        return Direction(1 - self)


_FRAME = Struct(
    "control"
    / BitStruct(
        Padding(3),
        "disable_default_response" / Flag,
        "direction" / BitsInteger(1),
        "manufacturer_specific" / Flag,
        "frame_type" / BitsInteger(2),
    ),
    "manufacturer_code" / If(this.control.manufacturer_specific, Int16ul),
    "tsn" / Int8ul,
    "command_id" / Int8ul,
    "payload" / GreedyBytes,
)


class ZclDecodeError(ValueError):
    """Bytes that are not a ZCL frame."""


@dataclass(frozen=True)
class ZclFrame:
    frame_type: FrameType
    direction: Direction
    tsn: int
    command_id: int
    payload: bytes = b""
    manufacturer_code: int | None = None
    disable_default_response: bool = False

    @classmethod
    def parse(cls, data: bytes) -> ZclFrame:
        try:
            fields = _FRAME.parse(data)
        except ConstructError as exc:
            raise ZclDecodeError(f"not a ZCL frame: {data.hex()}") from exc
        if fields.control.frame_type > FrameType.CLUSTER:
            raise ZclDecodeError(f"reserved ZCL frame type {fields.control.frame_type}")
        return cls(
            frame_type=FrameType(fields.control.frame_type),
            direction=Direction(fields.control.direction),
            tsn=fields.tsn,
            command_id=fields.command_id,
            payload=fields.payload,
            manufacturer_code=fields.manufacturer_code,
            disable_default_response=fields.control.disable_default_response,
        )

    def to_bytes(self) -> bytes:
        return _FRAME.build(
            {
                "control": {
                    "disable_default_response": self.disable_default_response,
                    "direction": int(self.direction),
                    "manufacturer_specific": self.manufacturer_code is not None,
                    "frame_type": int(self.frame_type),
                },
                "manufacturer_code": self.manufacturer_code,
                "tsn": self.tsn,
                "command_id": self.command_id,
                "payload": self.payload,
            }
        )

    def answer(self, frame_type: FrameType, command_id: int, payload: bytes) -> ZclFrame:
        """A frame that answers this one: same sequence number, the other direction."""
        return ZclFrame(
            frame_type=frame_type,
            direction=self.direction.flip(),
            tsn=self.tsn,
            command_id=command_id,
            payload=payload,
            manufacturer_code=self.manufacturer_code,
            disable_default_response=True,
        )
