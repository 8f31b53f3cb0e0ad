"""The block lane's compiled Image Block frames against zigpy's own encoding of the same commands."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest
import zigpy.types as t
from hypothesis import given
from hypothesis import strategies as st
from zigpy.zcl import foundation
from zigpy.zcl.clusters.general import Ota

from hanrig.rig.ota.server import ZigpyOtaLink
from hanrig.rig.ota.session import Status
from hanrig.rig.zcl.ota_blocks import block_response, is_block_request, parse_block_request


class RecordingEndpoint:
    """What a zigpy cluster needs of its endpoint to build a reply, keeping the frame it would send."""

    endpoint_id = 1
    device = SimpleNamespace(name="ppmid")

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    async def reply(self, **kwargs: Any) -> None:
        self.sent.append(kwargs)


def _zigpy_reply(command: str, tsn: int, **fields: Any) -> bytes:
    endpoint = RecordingEndpoint()
    cluster = Ota(endpoint, is_server=False)  # type: ignore[arg-type]
    asyncio.run(cluster.client_command(getattr(Ota.ClientCommandDefs, command).id, tsn=tsn, **fields))
    return bytes(endpoint.sent[0]["data"])


u8 = st.integers(0, 0xFF)
u16 = st.integers(0, 0xFFFF)
u32 = st.integers(0, 0xFFFFFFFF)


@given(tsn=u8, manufacturer_code=u16, image_type=u16, file_version=u32, file_offset=u32,
       image_data=st.binary(max_size=82))
def test_block_response_is_the_frame_zigpy_builds_for_the_same_reply(tsn: int, manufacturer_code: int,
                                                                      image_type: int, file_version: int,
                                                                      file_offset: int, image_data: bytes) -> None:
    fields = {"manufacturer_code": manufacturer_code, "image_type": image_type, "file_version": file_version,
              "file_offset": file_offset, "image_data": image_data}
    assert block_response(tsn=tsn, **fields) == _zigpy_reply("image_block_response", tsn,
                                                             status=foundation.Status.SUCCESS, **fields)


def _zigpy_request(tsn: int, **fields: Any) -> bytes:
    header = foundation.ZCLHeader.cluster(tsn, Ota.ServerCommandDefs.image_block.id)
    return header.serialize() + Ota.ServerCommandDefs.image_block.schema(**fields).serialize()


@given(tsn=u8, manufacturer_code=u16, image_type=u16, file_version=u32, file_offset=u32, maximum_data_size=u8,
       node=st.none() | st.binary(min_size=8, max_size=8), period=st.none() | u16)
def test_block_request_parses_to_what_zigpy_encoded(tsn: int, manufacturer_code: int, image_type: int,
                                                    file_version: int, file_offset: int, maximum_data_size: int,
                                                    node: bytes | None, period: int | None) -> None:
    field_control = (0x01 if node is not None else 0) | (0x02 if period is not None else 0)
    optional: dict[str, Any] = {}
    if node is not None:
        optional["request_node_addr"] = t.EUI64(node)
    if period is not None:
        optional["minimum_block_period"] = period
    data = _zigpy_request(tsn, field_control=field_control, manufacturer_code=manufacturer_code,
                          image_type=image_type, file_version=file_version, file_offset=file_offset,
                          maximum_data_size=maximum_data_size, **optional)
    assert is_block_request(data)
    request = parse_block_request(data)
    assert request is not None
    assert (request.tsn, request.manufacturer_code, request.image_type, request.file_version, request.file_offset,
            request.maximum_data_size, request.request_node_addr, request.minimum_block_period) == (
        tsn, manufacturer_code, image_type, file_version, file_offset, maximum_data_size,
        None if node is None else t.EUI64(node).serialize(), period)


@pytest.mark.parametrize(("frame", "why"), [
    (bytes.fromhex("0107 01"), "an Image Block Request is command 0x03, not Query Next Image 0x01"),
    (bytes.fromhex("0907 03"), "server to client"),
    (bytes.fromhex("0507 03 3412"), "manufacturer-specific"),
    (bytes.fromhex("0007 03"), "a profile-wide command"),
    (bytes.fromhex("01 07"), "shorter than a ZCL header"),
])
def test_only_client_image_block_requests_take_the_lane(frame: bytes, why: str) -> None:
    assert not is_block_request(frame), why


@pytest.mark.parametrize("cut", [1, 2, 3])
def test_a_block_request_shorter_than_its_field_control_says_is_left_to_zigpy(cut: int) -> None:
    data = _zigpy_request(7, field_control=0x03, manufacturer_code=1, image_type=2, file_version=3, file_offset=4,
                          maximum_data_size=50, request_node_addr=t.EUI64(bytes(range(8))), minimum_block_period=10)
    assert parse_block_request(data) is not None
    assert parse_block_request(data[:-cut]) is None


class RecordingCluster:
    """A device's OTA client cluster as the link uses it: replies through its endpoint, or as zigpy commands."""

    def __init__(self) -> None:
        self.endpoint = RecordingEndpoint()
        self.commands: list[tuple[int, dict[str, Any]]] = []

    async def client_command(self, command_id: int, **fields: Any) -> None:
        self.commands.append((command_id, fields))


def test_link_sends_successful_blocks_compiled_and_every_other_reply_through_zigpy() -> None:
    cluster = RecordingCluster()
    link = ZigpyOtaLink(cluster)
    ids = {"manufacturer_code": 0x121D, "image_type": 0x0084, "file_version": 2}
    asyncio.run(link.send("image_block_response", tsn=9, status=Status.SUCCESS, file_offset=100, image_data=b"ab",
                          **ids))
    asyncio.run(link.send("image_block_response", tsn=10, status=Status.ABORT))
    assert cluster.endpoint.sent == [{"cluster": Ota.cluster_id, "sequence": 9, "command_id": 0x05,
                                      "data": block_response(tsn=9, file_offset=100, image_data=b"ab", **ids)}]
    assert cluster.commands == [(0x05, {"tsn": 10, "status": Status.ABORT})]
