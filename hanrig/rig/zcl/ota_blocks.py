"""The two OTA frames a transfer repeats for every block, declared with construct and compiled.

A 256 KiB image is some 5,000 Image Block Requests and as many responses. zigpy parses
and builds each one through its generic ZCL schemas, which costs more host time per block
than the whole of the rest of the rig's path; these declarations are the same frames
(ZCL header and payload, ZCL OTA Upgrade cluster 11.13.6.2 and 11.13.8.2) compiled once.
``tests/rig/test_ota_blocks.py`` holds them to zigpy's own encoding of the same commands.
"""

from __future__ import annotations

import struct
from typing import Any

import construct
from construct import Bytes, Const, GreedyBytes, If, Int8ul, Int16ul, Int32ul, Prefixed, Struct, this

OTA_CLUSTER = 0x0019
IMAGE_BLOCK_REQUEST = 0x03
IMAGE_BLOCK_RESPONSE = 0x05

#: frame control: a cluster-specific command, not manufacturer-specific, client to server
_REQUEST_FRAME_CONTROL_MASK = 0x0F
_REQUEST_FRAME_CONTROL = 0x01
#: frame control: a cluster-specific command, server to client, no default response wanted
#: (what zigpy's ``Cluster.reply`` sends)
_RESPONSE_FRAME_CONTROL = 0x19
_SUCCESS = 0x00

_REQUEST = Struct(
    "frame_control" / Int8ul,
    "tsn" / Int8ul,
    "command_id" / Int8ul,
    "field_control" / Int8ul,
    "manufacturer_code" / Int16ul,
    "image_type" / Int16ul,
    "file_version" / Int32ul,
    "file_offset" / Int32ul,
    "maximum_data_size" / Int8ul,
    "request_node_addr" / If(this.field_control & 0x01, Bytes(8)),
    "minimum_block_period" / If(this.field_control & 0x02, Int16ul),
).compile()

_RESPONSE = Struct(
    "frame_control" / Const(_RESPONSE_FRAME_CONTROL, Int8ul),
    "tsn" / Int8ul,
    "command_id" / Const(IMAGE_BLOCK_RESPONSE, Int8ul),
    "status" / Const(_SUCCESS, Int8ul),
    "manufacturer_code" / Int16ul,
    "image_type" / Int16ul,
    "file_version" / Int32ul,
    "file_offset" / Int32ul,
    "image_data" / Prefixed(Int8ul, GreedyBytes),
).compile()


def is_block_request(data: bytes) -> bool:
    """Whether a frame on the OTA cluster is an Image Block Request (cheap: the header only)."""
    return (len(data) >= 3 and data[0] & _REQUEST_FRAME_CONTROL_MASK == _REQUEST_FRAME_CONTROL
            and data[2] == IMAGE_BLOCK_REQUEST)


def parse_block_request(data: bytes) -> Any | None:
    """The request's header and fields (attributes as zigpy names them), or None if it is malformed."""
    try:
        return _REQUEST.parse(data)
    except (construct.ConstructError, struct.error, ValueError):  # compiled parsers raise struct's errors
        return None


def block_response(*, tsn: int, manufacturer_code: int, image_type: int, file_version: int, file_offset: int,
                   image_data: bytes) -> bytes:
    """A SUCCESS Image Block Response, header included, as zigpy would send it."""
    return _RESPONSE.build({"tsn": tsn, "manufacturer_code": manufacturer_code, "image_type": image_type,
                            "file_version": file_version, "file_offset": file_offset, "image_data": image_data})
