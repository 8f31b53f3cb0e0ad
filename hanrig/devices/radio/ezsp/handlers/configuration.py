"""Configuration frames: config values, policies, endpoints and values (UG100 section 4)."""

from __future__ import annotations

from typing import Any

from construct import Bytes, Container, Int8sl, Int8ul, Int16ul, Int32ul

from hanrig.devices.han.zdo import SimpleDescriptor
from hanrig.devices.radio.ezsp.handlers.registry import handles
from hanrig.devices.radio.ezsp.types import ConfigId, ExtendedValueId, EzspStatus, PolicyId, ValueId
from hanrig.devices.radio.ncp import Ncp

_VALUE_CODECS = {
    ValueId.FREE_BUFFERS: Int8ul,
    ValueId.MAXIMUM_INCOMING_TRANSFER_SIZE: Int16ul,
    ValueId.MAXIMUM_OUTGOING_TRANSFER_SIZE: Int16ul,
    ValueId.STACK_TOKEN_WRITING: Int8ul,
    ValueId.EXTENDED_SECURITY_BITMASK: Int16ul,
    ValueId.NODE_SHORT_ID: Int16ul,
    ValueId.DESCRIPTOR_CAPABILITY: Int8ul,
    ValueId.NEXT_ZIGBEE_SEQUENCE_NUMBER: Int8ul,
    ValueId.NWK_FRAME_COUNTER: Int32ul,
    ValueId.APS_FRAME_COUNTER: Int32ul,
    ValueId.ENABLE_R21_BEHAVIOR: Int8ul,
    ValueId.FORCE_TX_AFTER_FAILED_CCA_ATTEMPTS: Int8ul,
    ValueId.TRANSIENT_KEY_TIMEOUT_S: Int16ul,
    ValueId.CCA_THRESHOLD: Int8sl,
    ValueId.END_DEVICE_TIMEOUT_OPTIONS_MASK: Int8ul,
    ValueId.END_DEVICE_KEEP_ALIVE_SUPPORT_MODE: Int8ul,
    ValueId.TRANSIENT_DEVICE_TIMEOUT: Int16ul,
    ValueId.CERTIFICATE_283K1: Bytes(74),
    ValueId.PUBLIC_KEY_283K1: Bytes(37),
    ValueId.PRIVATE_KEY_283K1: Bytes(36),
}
#: staged for savePreinstalledCbkeData283k1, never read back: one of them is a private key
_WRITE_ONLY = frozenset({ValueId.CERTIFICATE_283K1, ValueId.PUBLIC_KEY_283K1, ValueId.PRIVATE_KEY_283K1})
#: what a value reads before the host sets it. Inferred from the EmberZNet SDK's defaults, not read off
#: a stick: CCA threshold -75 dBm, keep-alive support for both MAC data polls and timeout requests (3),
#: a transient device kept 10 s.
_VALUE_DEFAULTS = {
    ValueId.CCA_THRESHOLD: -75,
    ValueId.END_DEVICE_KEEP_ALIVE_SUPPORT_MODE: 3,
    ValueId.TRANSIENT_DEVICE_TIMEOUT: 10_000,
}
_FREE_BUFFERS = 200
#: EZSP_ENDPOINT_ENABLED: the endpoint flags of an endpoint the host added
_ENDPOINT_ENABLED = 0x0001


@handles("getConfigurationValue")
def get_configuration_value(ncp: Ncp, p: Container) -> dict[str, Any]:
    if p.config_id not in ncp.config:
        return {"status": EzspStatus.ERROR_INVALID_ID, "value": 0}
    return {"status": EzspStatus.SUCCESS, "value": ncp.config[p.config_id]}


@handles("setConfigurationValue")
def set_configuration_value(ncp: Ncp, p: Container) -> dict[str, Any]:
    if p.config_id not in ncp.config:
        return {"status": EzspStatus.ERROR_INVALID_ID}
    if ncp.network_up:
        # The stack sizes its tables once, when it starts.
        return {"status": EzspStatus.ERROR_INVALID_CALL}
    ncp.config[ConfigId(p.config_id)] = p.value
    return {"status": EzspStatus.SUCCESS}


@handles("setPolicy")
def set_policy(ncp: Ncp, p: Container) -> dict[str, Any]:
    if not isinstance(p.policy_id, PolicyId):
        return {"status": EzspStatus.ERROR_INVALID_ID}
    ncp.policies[p.policy_id] = p.decision_id
    return {"status": EzspStatus.SUCCESS}


@handles("getPolicy")
def get_policy(ncp: Ncp, p: Container) -> dict[str, Any]:
    if not isinstance(p.policy_id, PolicyId):
        return {"status": EzspStatus.ERROR_INVALID_ID, "decision_id": 0}
    return {"status": EzspStatus.SUCCESS, "decision_id": ncp.policies[p.policy_id]}


@handles("addEndpoint")
def add_endpoint(ncp: Ncp, p: Container) -> dict[str, Any]:
    # 1-240 for applications, 241-254 for the reserved ones such as Green Power (242).
    if ncp.network_up or p.endpoint in ncp.endpoints or not 1 <= p.endpoint <= 254:
        return {"status": EzspStatus.ERROR_INVALID_CALL}
    ncp.endpoints[p.endpoint] = SimpleDescriptor(
        endpoint=p.endpoint,
        profile_id=p.profile_id,
        device_id=p.device_id,
        device_version=p.device_version,
        input_clusters=tuple(p.input_cluster_list),
        output_clusters=tuple(p.output_cluster_list),
    )
    return {"status": EzspStatus.SUCCESS}


def _value(ncp: Ncp, value_id: ValueId) -> int:
    match value_id:
        case ValueId.FREE_BUFFERS:
            return _FREE_BUFFERS
        case ValueId.NODE_SHORT_ID:
            return ncp.node_id
        case ValueId.NWK_FRAME_COUNTER:
            return ncp.nvm.nwk_frame_counter
        case ValueId.APS_FRAME_COUNTER:
            return ncp.nvm.aps_frame_counter
        case ValueId.TRANSIENT_KEY_TIMEOUT_S:
            return ncp.config[ConfigId.TRANSIENT_KEY_TIMEOUT_S]
        case ValueId.MAXIMUM_INCOMING_TRANSFER_SIZE | ValueId.MAXIMUM_OUTGOING_TRANSFER_SIZE:
            return 128
    written = ncp.values_written.get(value_id)
    return _VALUE_CODECS[value_id].parse(written) if written else _VALUE_DEFAULTS.get(value_id, 0)


@handles("getValue")
def get_value(ncp: Ncp, p: Container) -> dict[str, Any]:
    firmware = ncp.firmware
    if p.value_id == ValueId.VERSION_INFO:
        major, minor, patch, special = firmware.version
        # build, major, minor, patch, special, type (0xAA: a GA release)
        value = Int16ul.build(firmware.build) + bytes([major, minor, patch, special, 0xAA])
        return {"status": EzspStatus.SUCCESS, "value": value}
    if p.value_id not in _VALUE_CODECS or p.value_id in _WRITE_ONLY:
        return {"status": EzspStatus.ERROR_INVALID_ID, "value": b""}
    return {"status": EzspStatus.SUCCESS, "value": _VALUE_CODECS[p.value_id].build(_value(ncp, p.value_id))}


@handles("setValue")
def set_value(ncp: Ncp, p: Container) -> dict[str, Any]:
    codec = _VALUE_CODECS.get(p.value_id)
    if codec is None or p.value_id in (ValueId.FREE_BUFFERS, ValueId.NODE_SHORT_ID):
        return {"status": EzspStatus.ERROR_INVALID_ID}
    if len(p.value) != codec.sizeof():
        return {"status": EzspStatus.ERROR_INVALID_VALUE}
    value = codec.parse(p.value)
    if p.value_id in (ValueId.NWK_FRAME_COUNTER, ValueId.APS_FRAME_COUNTER):
        if ncp.network_up:
            # Frame counters can only be set before the node joins or forms a network.
            return {"status": EzspStatus.ERROR_INVALID_CALL}
        if p.value_id == ValueId.NWK_FRAME_COUNTER:
            ncp.nvm.nwk_frame_counter = value
        else:
            ncp.nvm.aps_frame_counter = value
        ncp.save()
    elif p.value_id == ValueId.TRANSIENT_KEY_TIMEOUT_S:
        ncp.config[ConfigId.TRANSIENT_KEY_TIMEOUT_S] = value
    ncp.values_written[p.value_id] = bytes(p.value)
    return {"status": EzspStatus.SUCCESS}


@handles("getExtendedValue")
def get_extended_value(ncp: Ncp, p: Container) -> dict[str, Any]:
    if p.value_id == ExtendedValueId.ENDPOINT_FLAGS:
        # An endpoint the host never added answers an error with a two-octet value all the same:
        # zigbee-herdsman's ember driver reads the flags before it looks at the status, and adds
        # its endpoints only when the status is not SUCCESS (the NCP's source is not public).
        if p.characteristics in ncp.endpoints:
            return {"status": EzspStatus.SUCCESS, "value": Int16ul.build(_ENDPOINT_ENABLED)}
        return {"status": EzspStatus.ERROR_INVALID_VALUE, "value": Int16ul.build(0)}
    if p.value_id == ExtendedValueId.GET_SOURCE_ROUTE_OVERHEAD:
        # a HAN of one hop: no relay list, so no source route overhead
        return {"status": EzspStatus.SUCCESS, "value": b"\x00"}
    return {"status": EzspStatus.ERROR_INVALID_ID, "value": b""}
