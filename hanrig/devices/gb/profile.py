"""The Smart Energy profile as the GB devices present it: device ids, endpoint, cluster ids."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from hanrig.devices.han.aps import SMART_ENERGY_PROFILE
from hanrig.devices.han.zcl.cluster import ClusterDef

__all__ = ["SMART_ENERGY_PROFILE", "ENDPOINT", "Address", "SeDeviceId", "ClusterId", "declared_only"]

#: the one application endpoint of a GB HAN device (the CH finds it by Match Descriptor on 0x0109)
ENDPOINT = 1


class SeDeviceId(enum.IntEnum):
    """ZSE device ids (ZigBee Smart Energy Profile, "Devices specified in the SE profile").

    The same values as Silicon Labs' and TI's ``ZCL_DEVICEID_SE_*``. A PPMID is a ZSE
    Prepayment Terminal (it displays balances and takes top-ups); an HCALCS is a Load
    Control Device.
    """

    IN_HOME_DISPLAY = 0x0502
    LOAD_CONTROL_DEVICE = 0x0504
    PREPAYMENT_TERMINAL = 0x0506


class ClusterId(enum.IntEnum):
    TIME = 0x000A
    OTA_UPGRADE = 0x0019
    PRICE = 0x0700
    DEMAND_RESPONSE_LOAD_CONTROL = 0x0701
    METERING = 0x0702
    MESSAGING = 0x0703
    TUNNELING = 0x0704
    PREPAYMENT = 0x0705


def declared_only(cluster_id: ClusterId) -> ClusterDef:
    """A cluster a device lists in its simple descriptor whose traffic hanrig does not model."""
    return ClusterDef(cluster_id=cluster_id, name=cluster_id.name.lower())


@dataclass(frozen=True)
class Address:
    """Where a cluster on another node is: its node id and endpoint."""

    node_id: int
    endpoint: int
