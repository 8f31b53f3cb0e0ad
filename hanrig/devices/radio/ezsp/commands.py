"""The EZSP frames the emulated NCP understands, per protocol version, declared as data.

Each frame has a name and id from UG100, the layout of its parameters (host to NCP) and of
its response or callback (NCP to host). EZSP v13 (EmberZNet 7.4) is v8 (EmberZNet 6.7)
with the security manager commands in place of the old key commands, and a longer child
data structure. A frame id absent from a table is, to the NCP, an unknown command.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from construct import Array, Bytes, Construct, Struct, this

from hanrig.devices.codec import EUI64, EnumAdapter
from hanrig.devices.radio.ezsp.types import (
    ApsFrame,
    Bool,
    ChildDataV7,
    ChildDataV10,
    ConfigId,
    Counters,
    CurrentSecurityState,
    DeviceUpdate,
    EmberStatus,
    ExtendedValueId,
    EzspStatus,
    IncomingMessageType,
    InitialSecurityState,
    JoinDecision,
    KeyData,
    KeyStruct,
    KeyType,
    LVBytes,
    LVBytes32,
    MfgTokenId,
    MulticastTableEntry,
    NetworkParameters,
    NetworkScanType,
    NetworkStatus,
    NodeId,
    NodeIdList,
    NodeType,
    OutgoingMessageType,
    PolicyId,
    SecurityManagerApsKeyMetadata,
    SecurityManagerContext,
    SecurityManagerNetworkKeyInfo,
    SlStatus,
    ValueId,
    i8,
    u8,
    u16,
    u32,
)


class FrameKind(enum.Enum):
    #: sent by the host, answered by the NCP with the same id and sequence number
    COMMAND = "command"
    #: sent by the NCP on its own
    CALLBACK = "callback"
    #: sent by the NCP instead of a response it cannot give (invalidCommand)
    REFUSAL = "refusal"


@dataclass(frozen=True)
class FrameDef:
    name: str
    frame_id: int
    parameters: Construct
    response: Construct
    kind: FrameKind = FrameKind.COMMAND


def command(
    name: str, frame_id: int, parameters: Iterable[Construct] = (), response: Iterable[Construct] = ()
) -> FrameDef:
    return FrameDef(name, frame_id, Struct(*parameters), Struct(*response))


def callback(name: str, frame_id: int, fields: Iterable[Construct]) -> FrameDef:
    return FrameDef(name, frame_id, Struct(), Struct(*fields), FrameKind.CALLBACK)


@dataclass(frozen=True)
class CommandTable:
    """The frames of one EZSP protocol version."""

    version: int
    frames: tuple[FrameDef, ...]

    @cached_property
    def _by_id(self) -> dict[int, FrameDef]:
        return {frame.frame_id: frame for frame in self.frames}

    @cached_property
    def _by_name(self) -> dict[str, FrameDef]:
        return {frame.name: frame for frame in self.frames}

    def by_id(self, frame_id: int) -> FrameDef | None:
        return self._by_id.get(frame_id)

    def __getitem__(self, name: str) -> FrameDef:
        return self._by_name[name]

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def derive(
        self,
        version: int,
        *,
        add: Iterable[FrameDef] = (),
        replace: Iterable[FrameDef] = (),
        remove: Iterable[str] = (),
    ) -> CommandTable:
        """A later version: some frames added, some changed, some withdrawn."""
        frames = {frame.name: frame for frame in self.frames}
        for name in remove:
            del frames[name]
        for frame in replace:
            if frame.name not in frames:
                raise KeyError(f"{frame.name} is not in EZSP v{self.version}")
            frames[frame.name] = frame
        for frame in add:
            if frame.name in frames:
                raise KeyError(f"{frame.name} is already in EZSP v{self.version}")
            frames[frame.name] = frame
        return CommandTable(version, tuple(frames.values()))


def _status(name: str = "status") -> Construct:
    return name / EnumAdapter(u8, EmberStatus)


def _ezsp_status() -> Construct:
    return "status" / EnumAdapter(u8, EzspStatus)


def _sl_status() -> Construct:
    return "status" / EnumAdapter(u32, SlStatus)


_CONFIGURATION = (
    command(
        "version",
        0x0000,
        ["desired_protocol_version" / u8],
        ["protocol_version" / u8, "stack_type" / u8, "stack_version" / u16],
    ),
    command(
        "addEndpoint",
        0x0002,
        [
            "endpoint" / u8,
            "profile_id" / u16,
            "device_id" / u16,
            "device_version" / u8,
            "input_cluster_count" / u8,
            "output_cluster_count" / u8,
            "input_cluster_list" / Array(this.input_cluster_count, u16),
            "output_cluster_list" / Array(this.output_cluster_count, u16),
        ],
        [_ezsp_status()],
    ),
    command(
        "getConfigurationValue",
        0x0052,
        ["config_id" / EnumAdapter(u8, ConfigId)],
        [_ezsp_status(), "value" / u16],
    ),
    command(
        "setConfigurationValue",
        0x0053,
        ["config_id" / EnumAdapter(u8, ConfigId), "value" / u16],
        [_ezsp_status()],
    ),
    command(
        "setPolicy", 0x0055, ["policy_id" / EnumAdapter(u8, PolicyId), "decision_id" / u8], [_ezsp_status()]
    ),
    command(
        "getPolicy", 0x0056, ["policy_id" / EnumAdapter(u8, PolicyId)], [_ezsp_status(), "decision_id" / u8]
    ),
    command("getValue", 0x00AA, ["value_id" / EnumAdapter(u8, ValueId)], [_ezsp_status(), "value" / LVBytes]),
    command(
        "getExtendedValue",
        0x0003,
        ["value_id" / EnumAdapter(u8, ExtendedValueId), "characteristics" / u32],
        [_ezsp_status(), "value" / LVBytes],
    ),
    command("setValue", 0x00AB, ["value_id" / EnumAdapter(u8, ValueId), "value" / LVBytes], [_ezsp_status()]),
)

_UTILITIES = (
    command("nop", 0x0005),
    command("getMfgToken", 0x000B, ["token_id" / EnumAdapter(u8, MfgTokenId)], ["token_data" / LVBytes]),
    command("customFrame", 0x0047, ["payload" / LVBytes], [_status(), "reply" / LVBytes]),
    FrameDef(
        "invalidCommand", 0x0058, Struct(), Struct("reason" / EnumAdapter(u8, EzspStatus)), FrameKind.REFUSAL
    ),
    command("readAndClearCounters", 0x0065, [], ["values" / Counters]),
    command("echo", 0x0081, ["data" / LVBytes], ["echo" / LVBytes]),
    command("readCounters", 0x00F1, [], ["values" / Counters]),
)

_NETWORKING = (
    command(
        "setConcentrator",
        0x0010,
        [
            "on" / Bool,
            "concentrator_type" / u16,
            "min_time" / u16,
            "max_time" / u16,
            "route_error_threshold" / u8,
            "delivery_failure_threshold" / u8,
            "max_hops" / u8,
        ],
        [_status()],
    ),
    command("setManufacturerCode", 0x0015, ["code" / u16]),
    command("setPowerDescriptor", 0x0016, ["descriptor" / u16]),
    command("networkInit", 0x0017, ["bitmask" / u16], [_status()]),
    command("networkState", 0x0018, [], ["status" / EnumAdapter(u8, NetworkStatus)]),
    callback("stackStatusHandler", 0x0019, [_status()]),
    command(
        "startScan",
        0x001A,
        ["scan_type" / EnumAdapter(u8, NetworkScanType), "channel_mask" / u32, "duration" / u8],
        [_status()],
    ),
    callback("scanCompleteHandler", 0x001C, ["channel" / u8, _status()]),
    command("formNetwork", 0x001E, ["parameters" / NetworkParameters], [_status()]),
    command("leaveNetwork", 0x0020, [], [_status()]),
    command("permitJoining", 0x0022, ["duration" / u8], [_status()]),
    callback(
        "childJoinHandler",
        0x0023,
        [
            "index" / u8,
            "joining" / Bool,
            "child_id" / NodeId,
            "child_eui64" / EUI64,
            "child_type" / EnumAdapter(u8, NodeType),
        ],
    ),
    callback(
        "trustCenterJoinHandler",
        0x0024,
        [
            "new_node_id" / NodeId,
            "new_node_eui64" / EUI64,
            "status" / EnumAdapter(u8, DeviceUpdate),
            "policy_decision" / EnumAdapter(u8, JoinDecision),
            "parent_of_new_node_id" / NodeId,
        ],
    ),
    command("getEui64", 0x0026, [], ["eui64" / EUI64]),
    command("getNodeId", 0x0027, [], ["node_id" / NodeId]),
    command(
        "getNetworkParameters",
        0x0028,
        [],
        [_status(), "node_type" / EnumAdapter(u8, NodeType), "parameters" / NetworkParameters],
    ),
    callback("energyScanResultHandler", 0x0048, ["channel" / u8, "max_rssi_value" / i8]),
    command("getChildData", 0x004A, ["index" / u8], [_status(), "child_data" / ChildDataV7]),
    command("setSourceRouteDiscoveryMode", 0x005A, ["mode" / u8], ["remaining_time" / u32]),
    command("setRadioPower", 0x0099, ["power" / i8], [_status()]),
    command("setRadioChannel", 0x009A, ["channel" / u8], [_status()]),
)

_MESSAGING = (
    command("maximumPayloadLength", 0x0033, [], ["aps_length" / u8]),
    command(
        "sendUnicast",
        0x0034,
        [
            "type" / EnumAdapter(u8, OutgoingMessageType),
            "index_or_destination" / NodeId,
            "aps_frame" / ApsFrame,
            "message_tag" / u8,
            "message_contents" / LVBytes,
        ],
        [_status(), "sequence" / u8],
    ),
    command(
        "sendBroadcast",
        0x0036,
        [
            "destination" / NodeId,
            "aps_frame" / ApsFrame,
            "radius" / u8,
            "message_tag" / u8,
            "message_contents" / LVBytes,
        ],
        [_status(), "sequence" / u8],
    ),
    command(
        "sendMulticast",
        0x0038,
        [
            "aps_frame" / ApsFrame,
            "hops" / u8,
            "nonmember_radius" / u8,
            "message_tag" / u8,
            "message_contents" / LVBytes,
        ],
        [_status(), "sequence" / u8],
    ),
    command(
        "sendReply",
        0x0039,
        ["sender" / NodeId, "aps_frame" / ApsFrame, "message_contents" / LVBytes],
        [_status()],
    ),
    callback(
        "messageSentHandler",
        0x003F,
        [
            "type" / EnumAdapter(u8, OutgoingMessageType),
            "index_or_destination" / u16,
            "aps_frame" / ApsFrame,
            "message_tag" / u8,
            _status(),
            "message_contents" / LVBytes,
        ],
    ),
    callback(
        "incomingMessageHandler",
        0x0045,
        [
            "type" / EnumAdapter(u8, IncomingMessageType),
            "aps_frame" / ApsFrame,
            "last_hop_lqi" / u8,
            "last_hop_rssi" / i8,
            "sender" / NodeId,
            "binding_index" / u8,
            "address_index" / u8,
            "message_contents" / LVBytes,
        ],
    ),
    command("getAddressTableRemoteEui64", 0x005E, ["address_table_index" / u8], ["eui64" / EUI64]),
    command("getAddressTableRemoteNodeId", 0x005F, ["address_table_index" / u8], ["node_id" / NodeId]),
    command("lookupNodeIdByEui64", 0x0060, ["eui64" / EUI64], ["node_id" / NodeId]),
    command("lookupEui64ByNodeId", 0x0061, ["node_id" / NodeId], [_status(), "eui64" / EUI64]),
    command("getMulticastTableEntry", 0x0063, ["index" / u8], [_status(), "value" / MulticastTableEntry]),
    command(
        "setMulticastTableEntry",
        0x0064,
        ["index" / u8, "value" / MulticastTableEntry],
        [_status()],
    ),
    command("setExtendedTimeout", 0x007E, ["remote_eui64" / EUI64, "extended_timeout" / Bool]),
    command("getExtendedTimeout", 0x007F, ["remote_eui64" / EUI64], ["extended_timeout" / Bool]),
    command(
        "replaceAddressTableEntry",
        0x0082,
        ["address_table_index" / u8, "new_eui64" / EUI64, "new_id" / NodeId, "new_extended_timeout" / Bool],
        [_status(), "old_eui64" / EUI64, "old_id" / NodeId, "old_extended_timeout" / Bool],
    ),
    command("setSourceRoute", 0x00AE, ["destination" / NodeId, "relay_list" / NodeIdList], [_status()]),
)

_SECURITY_V8 = (
    command(
        "addOrUpdateKeyTableEntry",
        0x0066,
        ["address" / EUI64, "link_key" / Bool, "key_data" / KeyData],
        [_status()],
    ),
    command("getKey", 0x006A, ["key_type" / EnumAdapter(u8, KeyType)], [_status(), "key_struct" / KeyStruct]),
    command("getKeyTableEntry", 0x0071, ["index" / u8], [_status(), "key_struct" / KeyStruct]),
    command("addTransientLinkKey", 0x00AF, ["partner" / EUI64, "transient_key" / KeyData], [_status()]),
)

_SECURITY = (
    command("setInitialSecurityState", 0x0068, ["state" / InitialSecurityState], [_status()]),
    command("getCurrentSecurityState", 0x0069, [], [_status(), "state" / CurrentSecurityState]),
    command("clearTransientLinkKeys", 0x006B),
    command("findKeyTableEntry", 0x0075, ["address" / EUI64, "link_key" / Bool], ["index" / u8]),
    command("eraseKeyTableEntry", 0x0076, ["index" / u8], [_status()]),
    command(
        "removeDevice",
        0x00A8,
        ["dest_short" / NodeId, "dest_long" / EUI64, "target_long" / EUI64],
        [_status()],
    ),
    command("clearKeyTable", 0x00B1, [], [_status()]),
)

_MFGLIB = (
    command("mfglibStart", 0x0083, ["rx_callback" / Bool], [_status()]),
    command("mfglibEnd", 0x0084, [], [_status()]),
    command("mfglibStartTone", 0x0085, [], [_status()]),
    command("mfglibStopTone", 0x0086, [], [_status()]),
    command("mfglibStartStream", 0x0087, [], [_status()]),
    command("mfglibStopStream", 0x0088, [], [_status()]),
    command("mfglibSendPacket", 0x0089, ["packet_contents" / LVBytes], [_status()]),
    command("mfglibSetChannel", 0x008A, ["channel" / u8], [_status()]),
    command("mfglibGetChannel", 0x008B, [], ["channel" / u8]),
    command("mfglibSetPower", 0x008C, ["tx_power_mode" / u16, "power" / i8], [_status()]),
    command("mfglibGetPower", 0x008D, [], ["power" / i8]),
    callback("mfglibRxHandler", 0x008E, ["link_quality" / u8, "rssi" / i8, "packet_contents" / LVBytes]),
)

#: UG100 section 11, the same ids in every version since v4; suite 1 sizes first, then sect283k1's
_CERTIFICATE, _PUBLIC_KEY, _PRIVATE_KEY, _SMAC = Bytes(48), Bytes(22), Bytes(21), Bytes(16)
_CERTIFICATE_283K1, _PUBLIC_KEY_283K1 = Bytes(74), Bytes(37)
_CBKE = (
    command("generateCbkeKeys", 0x00A4, [], [_status()]),
    callback("generateCbkeKeysHandler", 0x009E, [_status(), "ephemeral_public_key" / _PUBLIC_KEY]),
    command(
        "calculateSmacs",
        0x009F,
        ["am_initiator" / Bool, "partner_certificate" / _CERTIFICATE, "partner_ephemeral_public_key" / _PUBLIC_KEY],
        [_status()],
    ),
    callback("calculateSmacsHandler", 0x00A0, [_status(), "initiator_smac" / _SMAC, "responder_smac" / _SMAC]),
    command("generateCbkeKeys283k1", 0x00E8, [], [_status()]),
    callback("generateCbkeKeysHandler283k1", 0x00E9, [_status(), "ephemeral_public_key" / _PUBLIC_KEY_283K1]),
    command(
        "calculateSmacs283k1",
        0x00EA,
        [
            "am_initiator" / Bool,
            "partner_certificate" / _CERTIFICATE_283K1,
            "partner_ephemeral_public_key" / _PUBLIC_KEY_283K1,
        ],
        [_status()],
    ),
    callback("calculateSmacsHandler283k1", 0x00EB, [_status(), "initiator_smac" / _SMAC, "responder_smac" / _SMAC]),
    command("clearTemporaryDataMaybeStoreLinkKey", 0x00A1, ["store_link_key" / Bool], [_status()]),
    command("clearTemporaryDataMaybeStoreLinkKey283k1", 0x00EE, ["store_link_key" / Bool], [_status()]),
    command("getCertificate", 0x00A5, [], [_status(), "local_certificate" / _CERTIFICATE]),
    command("getCertificate283k1", 0x00EC, [], [_status(), "local_certificate" / _CERTIFICATE_283K1]),
    command(
        "setPreinstalledCbkeData",
        0x00A2,
        ["ca_public" / _PUBLIC_KEY, "my_certificate" / _CERTIFICATE, "my_key" / _PRIVATE_KEY],
        [_status()],
    ),
    command("savePreinstalledCbkeData283k1", 0x00ED, [], [_status()]),
)

_GREEN_POWER = (command("gpSinkTableClearAll", 0x00E2),)

V8 = CommandTable(
    8,
    _CONFIGURATION + _UTILITIES + _NETWORKING + _MESSAGING + _SECURITY_V8 + _SECURITY + _CBKE + _MFGLIB
    + _GREEN_POWER,
)

V13 = V8.derive(
    13,
    remove=[frame.name for frame in _SECURITY_V8],
    replace=[command("getChildData", 0x004A, ["index" / u8], [_status(), "child_data" / ChildDataV10])],
    add=[
        command("tokenFactoryReset", 0x0077, ["exclude_outgoing_fc" / Bool, "exclude_boot_counter" / Bool]),
        command("setChildData", 0x00AC, ["index" / u8, "child_data" / ChildDataV10], [_status()]),
        command(
            "getTokenData",
            0x0102,
            ["token" / u32, "index" / u32],
            [_status(), "value" / LVBytes32],
        ),
        command("importLinkKey", 0x010E, ["index" / u8, "address" / EUI64, "key" / KeyData], [_sl_status()]),
        command(
            "exportLinkKeyByIndex",
            0x010F,
            ["index" / u8],
            [
                "eui64" / EUI64,
                "plaintext_key" / KeyData,
                "key_data" / SecurityManagerApsKeyMetadata,
                _sl_status(),
            ],
        ),
        command(
            "importTransientKey",
            0x0111,
            ["eui64" / EUI64, "plaintext_key" / KeyData, "flags" / u8],
            [_sl_status()],
        ),
        command("exportKey", 0x0114, ["context" / SecurityManagerContext], ["key" / KeyData, _sl_status()]),
        command(
            "getNetworkKeyInfo",
            0x0116,
            [],
            [_sl_status(), "network_key_info" / SecurityManagerNetworkKeyInfo],
        ),
    ],
)

TABLES: dict[int, CommandTable] = {table.version: table for table in (V8, V13)}
