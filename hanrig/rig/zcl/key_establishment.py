"""The Smart Energy Key Establishment cluster (0x0800), declared in zigpy's cluster style.

zigpy 2.4.0 ships it as an empty stub. The commands (ZSE annex C.3.1): a device, the
client, sends its certificate (Initiate Key Establishment Request), its ephemeral key and
its confirmation MAC; the CH, the server, answers each with its own. Either side may end
it with Terminate Key Establishment. The certificate and the ephemeral key are as long as
the suite says, so they are carried as the rest of the frame. The CH takes these frames
before zigpy does (``rig.coordinator.key_establishment_lane``): a device runs CBKE before
its interview is over, when zigpy does not yet know its endpoints.
"""

from __future__ import annotations

from typing import Final

import zigpy.types as t
from zigpy.zcl import Cluster
from zigpy.zcl.foundation import BaseAttributeDefs, BaseCommandDefs, ZCLAttributeDef, ZCLCommandDef

CLUSTER_ID: Final = 0x0800


class TerminateStatus(t.enum8):
    """Why a key establishment was ended (ZSE; the names of Silicon Labs' plugin)."""

    UNKNOWN_ISSUER = 0x01
    BAD_KEY_CONFIRM = 0x02
    BAD_MESSAGE = 0x03
    NO_RESOURCES = 0x04
    UNSUPPORTED_SUITE = 0x05


_INITIATE: Final = {
    "key_establishment_suite": t.uint16_t,
    "ephemeral_data_generate_time": t.uint8_t,
    "confirm_key_generate_time": t.uint8_t,
    "identity": t.Bytes,
}
_TERMINATE: Final = {"status_code": TerminateStatus, "wait_time": t.uint8_t, "key_establishment_suite": t.uint16_t}


class KeyEstablishment(Cluster):
    TerminateStatus: Final = TerminateStatus

    cluster_id: Final[t.uint16_t] = CLUSTER_ID
    ep_attribute: Final = "key_establishment"

    class AttributeDefs(BaseAttributeDefs):
        key_establishment_suite: Final = ZCLAttributeDef(id=0x0000, type=t.enum16, access="r", mandatory=True)

    class ServerCommandDefs(BaseCommandDefs):
        initiate_key_establishment_request: Final = ZCLCommandDef(id=0x00, schema=_INITIATE)
        ephemeral_data_request: Final = ZCLCommandDef(id=0x01, schema={"ephemeral_data": t.Bytes})
        confirm_key_data_request: Final = ZCLCommandDef(id=0x02, schema={"mac": t.KeyData})
        terminate_key_establishment: Final = ZCLCommandDef(id=0x03, schema=_TERMINATE)

    class ClientCommandDefs(BaseCommandDefs):
        initiate_key_establishment_response: Final = ZCLCommandDef(id=0x00, schema=_INITIATE)
        ephemeral_data_response: Final = ZCLCommandDef(id=0x01, schema={"ephemeral_data": t.Bytes})
        confirm_key_data_response: Final = ZCLCommandDef(id=0x02, schema={"mac": t.KeyData})
        terminate_key_establishment: Final = ZCLCommandDef(id=0x03, schema=_TERMINATE)
