"""The emulated stack behind the EZSP handlers, driven frame by frame on a hand-driven clock."""

from __future__ import annotations

import zigpy.zdo
import zigpy.zdo.types as zdo_t

from hanrig.devices.han.generic import GenericDevice, GenericSettings
from hanrig.devices.han.kinds import DeviceSpec
from hanrig.devices.han.node import WELL_KNOWN_LINK_KEY, Endpoint
from hanrig.devices.ieee import WILDCARD_EUI64, Eui64
from hanrig.devices.radio.ezsp.types import (
    ApsOption,
    ConfigId,
    DecisionBitmask,
    DeviceUpdate,
    EmberStatus,
    EzspStatus,
    JoinDecision,
    PolicyId,
    SlStatus,
    ValueId,
)
from tests.devices.han_fakes import identity_of
from tests.devices.stack_harness import Stack

DEVICE = Eui64.parse("00:11:22:33:44:55:66:77")


def _aps(
    cluster: int,
    *,
    profile: int = 0x0104,
    endpoint: int = 1,
    options: int = ApsOption.RETRY,
    group: int = 0,
    seq: int = 0,
) -> dict[str, int]:
    return {
        "profile_id": profile,
        "cluster_id": cluster,
        "source_endpoint": endpoint,
        "destination_endpoint": endpoint,
        "options": options,
        "group_id": group,
        "sequence": seq,
    }


def _up(version: int = 13) -> Stack:
    stack = Stack(version)
    stack.negotiate()
    stack.form()
    stack.callbacks()
    return stack


def _device(stack: Stack, *, key: bytes = WELL_KNOWN_LINK_KEY, joined: bool = True) -> GenericDevice:
    device = GenericDevice(DeviceSpec("dev", "generic", identity_of(DEVICE), 0x1234, key, False, GenericSettings()))
    device.attach(stack.air, stack.events, joined=joined)
    return device


def test_zdo_to_the_ncps_own_address_is_answered_by_the_stack() -> None:
    stack = _up()
    stack.ncp.endpoints[1] = Endpoint(1, profile_id=0x0104, device_id=5, clusters=[]).simple_descriptor
    sent = stack.command(
        "sendUnicast",
        type=0,
        index_or_destination=0x0000,
        aps_frame=_aps(0x0002, profile=0, endpoint=0),
        message_tag=9,
        message_contents=b"\x33\x00\x00",
    )
    assert sent.status == EmberStatus.SUCCESS
    stack.clock.advance(1.0)
    (_, sent_handler), (_, incoming) = stack.callbacks()
    assert (sent_handler.message_tag, sent_handler.status) == (9, EmberStatus.SUCCESS)
    assert (incoming.sender, incoming.aps_frame.cluster_id) == (0x0000, 0x8002)
    header, (status, nwk, descriptor) = zigpy.zdo.ZDO(None).deserialize(0x8002, incoming.message_contents)
    assert (header.tsn, status, nwk) == (0x33, zdo_t.Status.SUCCESS, 0x0000)
    assert descriptor.logical_type == zdo_t.LogicalType.Coordinator


def test_a_unicast_to_nobody_is_reported_failed_after_the_aps_retries() -> None:
    stack = _up()
    stack.command(
        "sendUnicast",
        type=0,
        index_or_destination=0x4444,
        aps_frame=_aps(6),
        message_tag=1,
        message_contents=b"\x01",
    )
    stack.clock.advance(1.5)
    assert stack.callbacks() == []
    stack.clock.advance(0.2)
    ((_, handler),) = stack.callbacks("messageSentHandler")
    assert handler.status == EmberStatus.DELIVERY_FAILED


def test_message_sent_handler_carries_the_message_only_when_the_policy_says_so() -> None:
    stack = _up()
    _device(stack)
    for policy, expected in ((0, b""), (1, b"\x10\x01\x00")):
        stack.command("setPolicy", policy_id=PolicyId.MESSAGE_CONTENTS_IN_CALLBACK_POLICY, decision_id=policy)
        stack.command(
            "sendUnicast",
            type=0,
            index_or_destination=0x1234,
            aps_frame=_aps(6),
            message_tag=2,
            message_contents=b"\x10\x01\x00",
        )
        stack.clock.advance(1.0)
        ((_, handler),) = stack.callbacks("messageSentHandler")
        assert handler.message_contents == expected


def test_sends_are_refused_while_the_network_is_down_or_when_too_long() -> None:
    stack = Stack(13)
    stack.negotiate()
    rsp = stack.command(
        "sendUnicast", type=0, index_or_destination=1, aps_frame=_aps(6), message_tag=1, message_contents=b"x"
    )
    assert rsp.status == EmberStatus.NETWORK_DOWN
    stack.form()
    rsp = stack.command(
        "sendUnicast",
        type=0,
        index_or_destination=1,
        aps_frame=_aps(6),
        message_tag=1,
        message_contents=bytes(83),
    )
    assert rsp.status == EmberStatus.MESSAGE_TOO_LONG


def test_configuration_endpoints_and_frame_counters_are_fixed_once_the_network_is_up() -> None:
    stack = _up()
    assert stack.command("setConfigurationValue", config_id=ConfigId.KEY_TABLE_SIZE, value=8).status == (
        EzspStatus.ERROR_INVALID_CALL
    )
    endpoint = dict(
        endpoint=1,
        profile_id=0x0104,
        device_id=5,
        device_version=0,
        input_cluster_count=0,
        output_cluster_count=0,
        input_cluster_list=[],
        output_cluster_list=[],
    )
    assert stack.command("addEndpoint", **endpoint).status == EzspStatus.ERROR_INVALID_CALL
    value = stack.command("setValue", value_id=ValueId.NWK_FRAME_COUNTER, value=b"\x00\x00\x00\x00")
    assert value.status == EzspStatus.ERROR_INVALID_CALL


def test_a_reset_forgets_ram_but_keeps_the_network() -> None:
    stack = _up()
    stack.command("setPolicy", policy_id=PolicyId.TRUST_CENTER_POLICY, decision_id=0x11)
    stack.ncp.reboot()
    stack.layer.reset()
    stack.negotiate()
    assert (
        stack.command("getPolicy", policy_id=PolicyId.TRUST_CENTER_POLICY).decision_id
        == DecisionBitmask.ALLOW_JOINS
    )
    assert stack.command("networkState").status == 0
    assert stack.command("networkInit", bitmask=0).status == EmberStatus.SUCCESS


def test_a_device_joins_only_while_permitted_and_is_reported_to_the_host() -> None:
    stack = _up()
    device = _device(stack, joined=False)
    assert not device.join()
    stack.command("permitJoining", duration=10)
    assert device.join()
    ((_, join),) = stack.callbacks("trustCenterJoinHandler")
    assert (join.new_node_id, join.new_node_eui64, join.status, join.policy_decision) == (
        0x1234,
        DEVICE,
        DeviceUpdate.STANDARD_SECURITY_UNSECURED_JOIN,
        JoinDecision.USE_PRECONFIGURED_KEY,
    )
    stack.clock.advance(10.0)
    assert not stack.ncp.permitting


def test_the_install_code_policy_admits_only_a_device_whose_key_was_given() -> None:
    key = bytes(range(16))
    stack = _up()
    stack.command("permitJoining", duration=60)
    stack.command("setPolicy", policy_id=PolicyId.TRUST_CENTER_POLICY, decision_id=0x11)
    assert not _device(stack, key=key, joined=False).join()
    ((_, denied),) = stack.callbacks("trustCenterJoinHandler")
    assert denied.policy_decision == JoinDecision.DENY_JOIN
    assert stack.command("importTransientKey", eui64=DEVICE, plaintext_key=key, flags=0).status == SlStatus.OK
    stack.air.detach(stack.air.station(0x1234))
    assert _device(stack, key=key, joined=False).join()


def test_the_well_known_key_joins_through_a_wildcard_transient_key_too() -> None:
    stack = _up(8)
    stack.command("permitJoining", duration=60)
    stack.command("setPolicy", policy_id=PolicyId.TRUST_CENTER_POLICY, decision_id=0x11)
    stack.command("addTransientLinkKey", partner=WILDCARD_EUI64, transient_key=WELL_KNOWN_LINK_KEY)
    assert _device(stack, joined=False).join()


def test_fragments_go_up_one_by_one_and_each_waits_for_the_hosts_ack() -> None:
    stack = _up()
    device = _device(stack)
    outcome: list[bool] = []
    device.send(
        payload=bytes(200),
        profile_id=0x0104,
        cluster_id=0xFC00,
        source_endpoint=1,
        destination_endpoint=1,
        on_done=outcome.append,
    )
    group_ids = []
    for index in range(3):
        stack.clock.advance(0.01)
        ((_, incoming),) = stack.callbacks("incomingMessageHandler")
        assert incoming.aps_frame.options & ApsOption.FRAGMENT
        group_ids.append(incoming.aps_frame.group_id)
        ack = dict(incoming.aps_frame, group_id=0xFF00 | index)
        assert stack.command("sendReply", sender=0x1234, aps_frame=ack, message_contents=b"").status == 0
    stack.clock.advance(0.01)
    assert group_ids == [0x0300, 0x0001, 0x0002], "the count only in the first fragment, as APS carries it"
    assert outcome == [True]


def test_the_v8_key_table_stores_finds_and_erases_link_keys() -> None:
    stack = _up(8)
    assert (
        stack.command("addOrUpdateKeyTableEntry", address=DEVICE, link_key=True, key_data=bytes(16)).status
        == 0
    )
    assert stack.command("findKeyTableEntry", address=DEVICE, link_key=True).index == 0
    entry = stack.command("getKeyTableEntry", index=0)
    assert (entry.status, entry.key_struct.partner_eui64) == (EmberStatus.SUCCESS, DEVICE)
    assert stack.command("getKeyTableEntry", index=1).status == EmberStatus.TABLE_ENTRY_ERASED
    assert stack.command("getKeyTableEntry", index=12).status == EmberStatus.INDEX_OUT_OF_RANGE
    stack.command("eraseKeyTableEntry", index=0)
    assert stack.command("findKeyTableEntry", address=DEVICE, link_key=True).index == 0xFF


def test_v13_exports_the_network_key_the_host_set() -> None:
    stack = Stack(13)
    stack.negotiate()
    state = {
        "bitmask": 0x1F04,
        "preconfigured_key": b"ZigBeeAlliance09",
        "network_key": bytes(range(16)),
        "network_key_sequence_number": 3,
        "preconfigured_trust_center_eui64": Eui64(0),
    }
    assert stack.command("setInitialSecurityState", state=state).status == 0
    stack.form()
    context = dict(
        core_key_type=1,
        key_index=0,
        derived_type=0,
        eui64=Eui64(0),
        multi_network_index=0,
        flags=0,
        psa_key_alg_permission=0,
    )
    exported = stack.command("exportKey", context=context)
    assert (exported.key, exported.status) == (bytes(range(16)), SlStatus.OK)
    info = stack.command("getNetworkKeyInfo").network_key_info
    assert info.network_key_set and info.network_key_sequence_number == 3
