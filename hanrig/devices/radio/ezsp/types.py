"""EZSP data types: the named values and structures of UG100, declared with construct.

Only what the emulated NCP reads or writes is declared. Values come from UG100 (EZSP
Reference Guide) and the EmberZNet headers it documents; they are written here
independently of bellows, and ``tests/devices/test_ezsp_commands.py`` checks the two
against each other so that a disagreement is seen rather than copied.
"""

from __future__ import annotations

import enum

from construct import (
    Array,
    Bytes,
    Flag,
    GreedyBytes,
    Int8sl,
    Int8ul,
    Int16ul,
    Int32ul,
    Prefixed,
    PrefixedArray,
    Struct,
)

from hanrig.devices.codec import EUI64, EnumAdapter

u8 = Int8ul
i8 = Int8sl
u16 = Int16ul
u32 = Int32ul
Bool = Flag
NodeId = Int16ul
PanId = Int16ul
KeyData = Bytes(16)
#: a byte string behind a one-byte length
LVBytes = Prefixed(Int8ul, GreedyBytes)
#: a byte string behind a four-byte length (the v13 token interface)
LVBytes32 = Prefixed(Int32ul, GreedyBytes)


class EzspStatus(enum.IntEnum):
    """Status of the EZSP layer itself (UG100 "EzspStatus")."""

    SUCCESS = 0x00
    ERROR_VERSION_NOT_SET = 0x30
    ERROR_INVALID_FRAME_ID = 0x31
    ERROR_WRONG_DIRECTION = 0x32
    ERROR_TRUNCATED = 0x33
    ERROR_OVERFLOW = 0x34
    ERROR_OUT_OF_MEMORY = 0x35
    ERROR_INVALID_VALUE = 0x36
    ERROR_INVALID_ID = 0x37
    ERROR_INVALID_CALL = 0x38
    ERROR_NO_RESPONSE = 0x39
    ERROR_COMMAND_TOO_LONG = 0x40
    ERROR_QUEUE_FULL = 0x41
    ERROR_COMMAND_FILTERED = 0x42
    ERROR_UNSUPPORTED_CONTROL = 0x49


class EmberStatus(enum.IntEnum):
    """Status of the stack (UG100 "EmberStatus"); the ones the emulated NCP reports."""

    SUCCESS = 0x00
    ERR_FATAL = 0x01
    BAD_ARGUMENT = 0x02
    NOT_FOUND = 0x03
    NO_BUFFERS = 0x18
    DELIVERY_FAILED = 0x66
    INVALID_CALL = 0x70
    MAX_MESSAGE_LIMIT_REACHED = 0x72
    MESSAGE_TOO_LONG = 0x74
    NETWORK_UP = 0x90
    NETWORK_DOWN = 0x91
    NOT_JOINED = 0x93
    CHANNEL_CHANGED = 0x9B
    NETWORK_BUSY = 0xA1
    INDEX_OUT_OF_RANGE = 0xB1
    TABLE_FULL = 0xB4
    LIBRARY_NOT_PRESENT = 0xB5
    TABLE_ENTRY_ERASED = 0xB6
    OPERATION_IN_PROGRESS = 0xBA


class SlStatus(enum.IntEnum):
    """The Gecko SDK's ``sl_status_t``, which the v13 security manager commands return."""

    OK = 0x0000
    FAIL = 0x0001
    INVALID_STATE = 0x0002
    INVALID_PARAMETER = 0x0021
    INVALID_INDEX = 0x0027
    NOT_FOUND = 0x002D


class NetworkStatus(enum.IntEnum):
    NO_NETWORK = 0x00
    JOINING_NETWORK = 0x01
    JOINED_NETWORK = 0x02
    JOINED_NETWORK_NO_PARENT = 0x03
    LEAVING_NETWORK = 0x04


class NodeType(enum.IntEnum):
    UNKNOWN_DEVICE = 0x00
    COORDINATOR = 0x01
    ROUTER = 0x02
    END_DEVICE = 0x03
    SLEEPY_END_DEVICE = 0x04


class JoinMethod(enum.IntEnum):
    USE_MAC_ASSOCIATION = 0x00
    USE_NWK_REJOIN = 0x01
    USE_NWK_REJOIN_HAVE_NWK_KEY = 0x02
    USE_CONFIGURED_NWK_STATE = 0x03


class IncomingMessageType(enum.IntEnum):
    UNICAST = 0x00
    UNICAST_REPLY = 0x01
    MULTICAST = 0x02
    MULTICAST_LOOPBACK = 0x03
    BROADCAST = 0x04
    BROADCAST_LOOPBACK = 0x05


class OutgoingMessageType(enum.IntEnum):
    DIRECT = 0x00
    VIA_ADDRESS_TABLE = 0x01
    VIA_BINDING = 0x02
    MULTICAST = 0x03
    MULTICAST_WITH_ALIAS = 0x04
    BROADCAST_WITH_ALIAS = 0x05
    BROADCAST = 0x06


class DeviceUpdate(enum.IntEnum):
    """Why the trust center reports a device (trustCenterJoinHandler)."""

    STANDARD_SECURITY_SECURED_REJOIN = 0x00
    STANDARD_SECURITY_UNSECURED_JOIN = 0x01
    DEVICE_LEFT = 0x02
    STANDARD_SECURITY_UNSECURED_REJOIN = 0x03


class JoinDecision(enum.IntEnum):
    USE_PRECONFIGURED_KEY = 0x00
    SEND_KEY_IN_THE_CLEAR = 0x01
    DENY_JOIN = 0x02
    NO_ACTION = 0x03


class ApsOption(enum.IntFlag):
    NONE = 0x0000
    ENCRYPT_WITH_TRANSIENT_KEY = 0x0001
    USE_ALIAS_SEQUENCE_NUMBER = 0x0002
    DSA_SIGN = 0x0010
    ENCRYPTION = 0x0020
    RETRY = 0x0040
    ENABLE_ROUTE_DISCOVERY = 0x0100
    FORCE_ROUTE_DISCOVERY = 0x0200
    SOURCE_EUI64 = 0x0400
    DESTINATION_EUI64 = 0x0800
    ENABLE_ADDRESS_DISCOVERY = 0x1000
    POLL_RESPONSE = 0x2000
    ZDO_RESPONSE_REQUIRED = 0x4000
    FRAGMENT = 0x8000


class InitialSecurityBitmask(enum.IntFlag):
    DISTRIBUTED_TRUST_CENTER_MODE = 0x0002
    TRUST_CENTER_GLOBAL_LINK_KEY = 0x0004
    PRECONFIGURED_NETWORK_KEY_MODE = 0x0008
    HAVE_TRUST_CENTER_EUI64 = 0x0040
    TRUST_CENTER_USES_HASHED_LINK_KEY = 0x0084
    HAVE_PRECONFIGURED_KEY = 0x0100
    HAVE_NETWORK_KEY = 0x0200
    GET_LINK_KEY_WHEN_JOINING = 0x0400
    REQUIRE_ENCRYPTED_KEY = 0x0800
    NO_FRAME_COUNTER_RESET = 0x1000
    GET_PRECONFIGURED_KEY_FROM_INSTALL_CODE = 0x2000


class CurrentSecurityBitmask(enum.IntFlag):
    DISTRIBUTED_TRUST_CENTER_MODE = 0x0002
    GLOBAL_LINK_KEY = 0x0004
    HAVE_TRUST_CENTER_LINK_KEY = 0x0010
    TRUST_CENTER_USES_HASHED_LINK_KEY = 0x0084


class KeyStructBitmask(enum.IntFlag):
    HAS_SEQUENCE_NUMBER = 0x0001
    HAS_OUTGOING_FRAME_COUNTER = 0x0002
    HAS_INCOMING_FRAME_COUNTER = 0x0004
    HAS_PARTNER_EUI64 = 0x0008
    IS_AUTHORIZED = 0x0010
    PARTNER_IS_SLEEPY = 0x0020


class KeyType(enum.IntEnum):
    """``EmberKeyType``, the key ``getKey`` (v8) asks for."""

    TRUST_CENTER_LINK_KEY = 0x01
    CURRENT_NETWORK_KEY = 0x03
    NEXT_NETWORK_KEY = 0x04
    APPLICATION_LINK_KEY = 0x05


class SecurityManagerKeyType(enum.IntEnum):
    """The key a v13 security manager context names."""

    NONE = 0x00
    NETWORK = 0x01
    TC_LINK = 0x02
    TC_LINK_WITH_TIMEOUT = 0x03
    APP_LINK = 0x04


class ZdoConfigFlags(enum.IntFlag):
    """``CONFIG_APPLICATION_ZDO_FLAGS``: which ZDO requests the host sees or answers."""

    APP_RECEIVES_SUPPORTED_ZDO_REQUESTS = 0x01
    APP_HANDLES_UNSUPPORTED_ZDO_REQUESTS = 0x02
    APP_HANDLES_ZDO_ENDPOINT_REQUESTS = 0x04
    APP_HANDLES_ZDO_BINDING_REQUESTS = 0x08


class DecisionBitmask(enum.IntFlag):
    """The trust center policy as a bitmask (EZSP v8 and later)."""

    ALLOW_JOINS = 0x01
    ALLOW_UNSECURED_REJOINS = 0x02
    SEND_KEY_IN_CLEAR = 0x04
    IGNORE_UNSECURED_REJOINS = 0x08
    JOINS_USE_INSTALL_CODE_KEY = 0x10
    DEFER_JOINS = 0x20


class PolicyId(enum.IntEnum):
    TRUST_CENTER_POLICY = 0x00
    BINDING_MODIFICATION_POLICY = 0x01
    UNICAST_REPLIES_POLICY = 0x02
    POLL_HANDLER_POLICY = 0x03
    MESSAGE_CONTENTS_IN_CALLBACK_POLICY = 0x04
    TC_KEY_REQUEST_POLICY = 0x05
    APP_KEY_REQUEST_POLICY = 0x06
    PACKET_VALIDATE_LIBRARY_POLICY = 0x07
    ZLL_POLICY = 0x08
    TC_REJOINS_USING_WELL_KNOWN_KEY_POLICY = 0x09


#: MESSAGE_CONTENTS_IN_CALLBACK_POLICY decision: messageSentHandler carries the message
MESSAGE_TAG_AND_CONTENTS_IN_CALLBACK = 0x01


class ConfigId(enum.IntEnum):
    """``EzspConfigId`` values the emulated NCP knows; others are ERROR_INVALID_ID."""

    PACKET_BUFFER_COUNT = 0x01
    NEIGHBOR_TABLE_SIZE = 0x02
    APS_UNICAST_MESSAGE_COUNT = 0x03
    BINDING_TABLE_SIZE = 0x04
    ADDRESS_TABLE_SIZE = 0x05
    MULTICAST_TABLE_SIZE = 0x06
    ROUTE_TABLE_SIZE = 0x07
    DISCOVERY_TABLE_SIZE = 0x08
    STACK_PROFILE = 0x0C
    SECURITY_LEVEL = 0x0D
    MAX_HOPS = 0x10
    MAX_END_DEVICE_CHILDREN = 0x11
    INDIRECT_TRANSMISSION_TIMEOUT = 0x12
    END_DEVICE_POLL_TIMEOUT = 0x13
    TX_POWER_MODE = 0x17
    DISABLE_RELAY = 0x18
    TRUST_CENTER_ADDRESS_CACHE_SIZE = 0x19
    SOURCE_ROUTE_TABLE_SIZE = 0x1A
    FRAGMENT_WINDOW_SIZE = 0x1C
    FRAGMENT_DELAY_MS = 0x1D
    KEY_TABLE_SIZE = 0x1E
    APS_ACK_TIMEOUT = 0x1F
    BEACON_JITTER_DURATION = 0x20
    PAN_ID_CONFLICT_REPORT_THRESHOLD = 0x22
    REQUEST_KEY_TIMEOUT = 0x24
    APPLICATION_ZDO_FLAGS = 0x2A
    BROADCAST_TABLE_SIZE = 0x2B
    SUPPORTED_NETWORKS = 0x2D
    SEND_MULTICASTS_TO_SLEEPY_ADDRESS = 0x2E
    ZLL_GROUP_ADDRESSES = 0x2F
    ZLL_RSSI_THRESHOLD = 0x30
    MTORR_FLOW_CONTROL = 0x33
    RETRY_QUEUE_SIZE = 0x34
    NEW_BROADCAST_ENTRY_THRESHOLD = 0x35
    TRANSIENT_KEY_TIMEOUT_S = 0x36
    BROADCAST_MIN_ACKS_NEEDED = 0x37
    TC_REJOINS_USING_WELL_KNOWN_KEY_TIMEOUT_S = 0x38


class ValueId(enum.IntEnum):
    """``EzspValueId`` values the emulated NCP knows; others are ERROR_INVALID_ID."""

    FREE_BUFFERS = 0x03
    MAXIMUM_INCOMING_TRANSFER_SIZE = 0x05
    MAXIMUM_OUTGOING_TRANSFER_SIZE = 0x06
    STACK_TOKEN_WRITING = 0x07
    EXTENDED_SECURITY_BITMASK = 0x0A
    NODE_SHORT_ID = 0x0B
    DESCRIPTOR_CAPABILITY = 0x0C
    VERSION_INFO = 0x11
    NEXT_ZIGBEE_SEQUENCE_NUMBER = 0x14
    CCA_THRESHOLD = 0x15
    NWK_FRAME_COUNTER = 0x23
    APS_FRAME_COUNTER = 0x24
    ENABLE_R21_BEHAVIOR = 0x29
    FORCE_TX_AFTER_FAILED_CCA_ATTEMPTS = 0x3A
    TRANSIENT_KEY_TIMEOUT_S = 0x3B
    END_DEVICE_TIMEOUT_OPTIONS_MASK = 0x3E
    END_DEVICE_KEEP_ALIVE_SUPPORT_MODE = 0x3F
    TRANSIENT_DEVICE_TIMEOUT = 0x43
    #: the sect283k1 CBKE data a host stages before savePreinstalledCbkeData283k1 (write only)
    CERTIFICATE_283K1 = 0x1A
    PUBLIC_KEY_283K1 = 0x1B
    PRIVATE_KEY_283K1 = 0x1C


class ExtendedValueId(enum.IntEnum):
    """``EzspExtendedValueId``: values read with a characteristic (UG100 getExtendedValue)."""

    ENDPOINT_FLAGS = 0x00
    LAST_LEAVE_REASON = 0x01
    GET_SOURCE_ROUTE_OVERHEAD = 0x02


class MfgTokenId(enum.IntEnum):
    CUSTOM_VERSION = 0x00
    STRING = 0x01
    BOARD_NAME = 0x02
    MANUF_ID = 0x03
    PHY_CONFIG = 0x04
    BOOTLOAD_AES_KEY = 0x05
    ASH_CONFIG = 0x06
    STORAGE = 0x07
    STACK_CAL_DATA = 0x08
    CBKE_DATA = 0x09
    INSTALLATION_CODE = 0x0A
    STACK_CAL_FILTER = 0x0B
    CUSTOM_EUI_64 = 0x0C
    CTUNE = 0x0D


class NetworkScanType(enum.IntEnum):
    ENERGY_SCAN = 0x00
    ACTIVE_SCAN = 0x01


class CounterType(enum.IntEnum):
    """The ``EmberCounterType`` entries the emulated NCP keeps (readCounters returns all 41)."""

    MAC_RX_BROADCAST = 0
    MAC_TX_BROADCAST = 1
    MAC_RX_UNICAST = 2
    MAC_TX_UNICAST_SUCCESS = 3
    MAC_TX_UNICAST_FAILED = 5
    APS_DATA_RX_BROADCAST = 6
    APS_DATA_TX_BROADCAST = 7
    APS_DATA_RX_UNICAST = 8
    APS_DATA_TX_UNICAST_SUCCESS = 9
    APS_DATA_TX_UNICAST_FAILED = 11


#: EMBER_COUNTER_TYPE_COUNT: readCounters returns this many 16-bit counters
COUNTER_TYPE_COUNT = 41

ApsFrame = Struct(
    "profile_id" / u16,
    "cluster_id" / u16,
    "source_endpoint" / u8,
    "destination_endpoint" / u8,
    "options" / u16,
    "group_id" / u16,
    "sequence" / u8,
)

NetworkParameters = Struct(
    "extended_pan_id" / EUI64,
    "pan_id" / PanId,
    "radio_tx_power" / i8,
    "radio_channel" / u8,
    "join_method" / EnumAdapter(u8, JoinMethod),
    "nwk_manager_id" / NodeId,
    "nwk_update_id" / u8,
    "channels" / u32,
)

KeyStruct = Struct(
    "bitmask" / u16,
    "type" / EnumAdapter(u8, KeyType),
    "key" / KeyData,
    "outgoing_frame_counter" / u32,
    "incoming_frame_counter" / u32,
    "sequence_number" / u8,
    "partner_eui64" / EUI64,
)

InitialSecurityState = Struct(
    "bitmask" / u16,
    "preconfigured_key" / KeyData,
    "network_key" / KeyData,
    "network_key_sequence_number" / u8,
    "preconfigured_trust_center_eui64" / EUI64,
)

CurrentSecurityState = Struct("bitmask" / u16, "trust_center_long_address" / EUI64)

MulticastTableEntry = Struct("multicast_id" / u16, "endpoint" / u8, "network_index" / u8)

ChildDataV7 = Struct(
    "eui64" / EUI64,
    "type" / EnumAdapter(u8, NodeType),
    "id" / NodeId,
    "phy" / u8,
    "power" / u8,
    "timeout" / u8,
)

#: EZSP v10 added the time left before an end device's timeout
ChildDataV10 = Struct(*ChildDataV7.subcons, "timeout_remaining" / u32)

SecurityManagerContext = Struct(
    "core_key_type" / EnumAdapter(u8, SecurityManagerKeyType),
    "key_index" / u8,
    "derived_type" / u16,
    "eui64" / EUI64,
    "multi_network_index" / u8,
    "flags" / u8,
    "psa_key_alg_permission" / u32,
)

SecurityManagerNetworkKeyInfo = Struct(
    "network_key_set" / Bool,
    "alternate_network_key_set" / Bool,
    "network_key_sequence_number" / u8,
    "alt_network_key_sequence_number" / u8,
    "network_key_frame_counter" / u32,
)

SecurityManagerApsKeyMetadata = Struct(
    "bitmask" / u16,
    "outgoing_frame_counter" / u32,
    "incoming_frame_counter" / u32,
    "ttl_in_seconds" / u16,
)

NodeIdList = PrefixedArray(u8, NodeId)
Counters = Array(COUNTER_TYPE_COUNT, u16)
