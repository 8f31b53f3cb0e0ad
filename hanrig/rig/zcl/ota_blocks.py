"""The two OTA frames a transfer repeats for every block, as fixed layouts packed in one step.

A 256 KiB image is some 5,000 Image Block Requests and as many responses. zigpy parses and
builds each one through its generic ZCL schemas, and construct, even compiled, takes some
40 us to build one response: more host time per block than the rest of the rig's path. These
are the same frames (ZCL header and payload, ZCL OTA Upgrade cluster 11.13.6.2 and 11.13.8.2)
as ``struct`` layouts. ``tests/rig/test_ota_blocks.py`` holds them to zigpy's own encoding of
the same commands.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

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
_NODE_ADDRESS_PRESENT = 0x01
_MINIMUM_BLOCK_PERIOD_PRESENT = 0x02

#: frame control, tsn, command id | field control, manufacturer code, image type, file version,
#: file offset, maximum data size; then the request node address (8) and the minimum block
#: period (2) when the field control says so
_REQUEST = struct.Struct("<BBB BHHIIB")
_NODE_ADDRESS = struct.Struct("<8s")
_MINIMUM_BLOCK_PERIOD = struct.Struct("<H")
#: frame control, tsn, command id | status, manufacturer code, image type, file version, file offset,
#: data length; then the data
_RESPONSE = struct.Struct("<BBB BHHIIB")


@dataclass(frozen=True, slots=True)
class BlockRequest:
    """An Image Block Request, fields named as zigpy names them."""

    tsn: int
    field_control: int
    manufacturer_code: int
    image_type: int
    file_version: int
    file_offset: int
    maximum_data_size: int
    #: the EUI-64 as it is on the air (little-endian)
    request_node_addr: bytes | None
    minimum_block_period: int | None


def is_block_request(data: bytes) -> bool:
    """Whether a frame on the OTA cluster is an Image Block Request (cheap: the header only)."""
    return (len(data) >= 3 and data[0] & _REQUEST_FRAME_CONTROL_MASK == _REQUEST_FRAME_CONTROL
            and data[2] == IMAGE_BLOCK_REQUEST)


def parse_block_request(data: bytes) -> BlockRequest | None:
    """The request, or None if it is malformed (too short for what its field control announces)."""
    try:
        _, tsn, _, field_control, manufacturer_code, image_type, file_version, file_offset, maximum_data_size = (
            _REQUEST.unpack_from(data))
        at = _REQUEST.size
        node = None
        if field_control & _NODE_ADDRESS_PRESENT:
            (node,) = _NODE_ADDRESS.unpack_from(data, at)
            at += _NODE_ADDRESS.size
        period = None
        if field_control & _MINIMUM_BLOCK_PERIOD_PRESENT:
            (period,) = _MINIMUM_BLOCK_PERIOD.unpack_from(data, at)
    except struct.error:
        return None
    return BlockRequest(tsn, field_control, manufacturer_code, image_type, file_version, file_offset,
                        maximum_data_size, node, period)


def block_response(*, tsn: int, manufacturer_code: int, image_type: int, file_version: int, file_offset: int,
                   image_data: bytes) -> bytes:
    """A SUCCESS Image Block Response, header included, as zigpy would send it."""
    return _RESPONSE.pack(_RESPONSE_FRAME_CONTROL, tsn, IMAGE_BLOCK_RESPONSE, _SUCCESS, manufacturer_code,
                          image_type, file_version, file_offset, len(image_data)) + image_data
