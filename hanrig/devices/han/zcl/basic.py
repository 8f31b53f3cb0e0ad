"""The Basic cluster (0x0000): who made the device and what it is."""

from __future__ import annotations

import enum

from hanrig.devices.han.zcl.cluster import Access, AttributeDef, Cluster, ClusterDef, Role
from hanrig.devices.han.zcl.types import DataType


class PowerSource(enum.IntEnum):
    UNKNOWN = 0x00
    MAINS_SINGLE_PHASE = 0x01
    BATTERY = 0x03


BASIC = ClusterDef(
    cluster_id=0x0000,
    name="basic",
    attributes=(
        AttributeDef(0x0000, "zcl_version", DataType.UINT8),
        AttributeDef(0x0001, "application_version", DataType.UINT8),
        AttributeDef(0x0002, "stack_version", DataType.UINT8),
        AttributeDef(0x0003, "hw_version", DataType.UINT8),
        AttributeDef(0x0004, "manufacturer_name", DataType.CHARACTER_STRING),
        AttributeDef(0x0005, "model_identifier", DataType.CHARACTER_STRING),
        AttributeDef(0x0006, "date_code", DataType.CHARACTER_STRING),
        AttributeDef(0x0007, "power_source", DataType.ENUM8),
        AttributeDef(0x0010, "location_description", DataType.CHARACTER_STRING, Access.READ | Access.WRITE),
        AttributeDef(0x4000, "sw_build_id", DataType.CHARACTER_STRING),
    ),
)


def basic_server(
    *, manufacturer: str, model: str, power_source: PowerSource, sw_build_id: str = ""
) -> Cluster:
    """A Basic server answering with these identity strings."""
    return Cluster(
        BASIC,
        Role.SERVER,
        values={
            "zcl_version": 8,
            "application_version": 1,
            "stack_version": 2,
            "hw_version": 1,
            "manufacturer_name": manufacturer,
            "model_identifier": model,
            "date_code": "",
            "power_source": power_source,
            "location_description": "",
            "sw_build_id": sw_build_id,
        },
    )
