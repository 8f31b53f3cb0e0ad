"""The EZSP command tables: every declared frame encodes and decodes, and agrees with bellows.

bellows is the other independent reading of UG100. Each of our frames is encoded with our
declaration and decoded with bellows' (and back): a different id, a missing or extra byte,
or a field of another width fails here rather than on a real radio.
"""

from __future__ import annotations

from typing import Any

import bellows.types as bt
import pytest
from bellows.ezsp.v8.commands import COMMANDS as BELLOWS_V8
from bellows.ezsp.v13.commands import COMMANDS as BELLOWS_V13
from construct import Construct

from hanrig.devices.radio.ezsp.commands import TABLES, V8, V13, FrameDef
from tests.devices.construct_samples import sample

BELLOWS = {8: BELLOWS_V8, 13: BELLOWS_V13}

CASES = [
    pytest.param(table.version, frame, id=f"v{table.version}-{frame.name}")
    for table in TABLES.values()
    for frame in table.frames
]


def _sample_bytes(con: Construct) -> bytes:
    return con.build(sample(con))


@pytest.mark.parametrize(("version", "frame"), CASES)
def test_every_declared_frame_decodes_to_what_it_encoded(version: int, frame: FrameDef) -> None:
    for con in (frame.parameters, frame.response):
        data = _sample_bytes(con)
        assert con.build(con.parse(data)) == data


def _bellows_round_trip(schema: Any, data: bytes) -> bytes:
    if isinstance(schema, dict):
        values, rest = bt.deserialize_dict(data, schema)
        assert rest == b"", f"bellows left {rest.hex()} unread"
        return bt.serialize_dict(list(values.values()), {}, schema)
    value, rest = schema.deserialize(data)
    assert rest == b"", f"bellows left {rest.hex()} unread"
    return value.serialize()


@pytest.mark.parametrize(("version", "frame"), CASES)
def test_frame_id_and_byte_layout_agree_with_bellows(version: int, frame: FrameDef) -> None:
    frame_id, tx_schema, rx_schema = BELLOWS[version][frame.name]
    assert frame_id == frame.frame_id
    params = _sample_bytes(frame.parameters)
    response = _sample_bytes(frame.response)
    assert _bellows_round_trip(tx_schema, params) == params
    assert _bellows_round_trip(rx_schema, response) == response


def test_v13_has_the_security_manager_in_place_of_the_v8_key_commands() -> None:
    for name in ("getKey", "getKeyTableEntry", "addTransientLinkKey", "addOrUpdateKeyTableEntry"):
        assert name in V8
        assert name not in V13
    for name in ("exportKey", "getNetworkKeyInfo", "importTransientKey", "exportLinkKeyByIndex"):
        assert name in V13
        assert name not in V8


def test_v13_child_data_carries_the_remaining_timeout() -> None:
    v8_size = V8["getChildData"].response.sizeof()
    assert V13["getChildData"].response.sizeof() == v8_size + 4


def test_frame_ids_are_unique_within_a_version() -> None:
    for table in TABLES.values():
        ids = [frame.frame_id for frame in table.frames]
        assert len(ids) == len(set(ids))
