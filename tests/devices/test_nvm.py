"""The NCP state file: an open coordinator backup zigpy can read, written so a crash loses nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import zigpy.backups
import zigpy.state
import zigpy.types as zt

from hanrig.devices.errors import StateFileError
from hanrig.devices.ieee import Eui64
from hanrig.devices.radio.ezsp.types import InitialSecurityBitmask, NodeType
from hanrig.devices.radio.nvm import (
    DEFAULT_SECURITY_BITMASK,
    FRAME_COUNTER_STRIDE,
    LinkKey,
    NetworkMember,
    NetworkSettings,
    Nvm,
    NvmStore,
    from_backup,
    to_backup,
)

NCP = Eui64.parse("00:0d:6f:00:00:00:00:01")
DEVICE = Eui64.parse("00:11:22:33:44:55:66:77")


def _formed() -> Nvm:
    return Nvm(
        eui64=NCP,
        network=NetworkSettings(0x1A2B, Eui64(0x1122334455667788), 15, 8, nwk_update_id=2),
        security_bitmask=int(
            DEFAULT_SECURITY_BITMASK | InitialSecurityBitmask.TRUST_CENTER_USES_HASHED_LINK_KEY
        ),
        preconfigured_key=bytes(range(16)),
        network_key=bytes(range(16, 32)),
        network_key_sequence=1,
        nwk_frame_counter=1234,
        aps_frame_counter=56,
        key_table={2: LinkKey(DEVICE, bytes(16), 7, 9)},
        members={DEVICE: NetworkMember(DEVICE, 0x1234, True, NodeType.SLEEPY_END_DEVICE)},
    )


def test_the_state_survives_a_round_trip_through_the_file_shape() -> None:
    nvm = _formed()
    assert from_backup(json.loads(json.dumps(to_backup(nvm, ezsp_version=13)))) == nvm


def test_zigpy_reads_the_state_file_as_the_same_network() -> None:
    backup = zigpy.backups.NetworkBackup.from_dict(to_backup(_formed(), ezsp_version=13))
    info = backup.network_info
    assert (info.pan_id, info.channel, info.nwk_update_id) == (0x1A2B, 15, 2)
    assert info.extended_pan_id == zt.ExtendedPanId.convert("11:22:33:44:55:66:77:88")
    assert info.network_key.key == zt.KeyData(bytes(range(16, 32))) and info.network_key.tx_counter == 1234
    assert info.stack_specific == {"ezsp": {"hashed_tclk": bytes(range(16)).hex()}}
    assert info.children == [zt.EUI64.convert(str(DEVICE))]
    assert backup.node_info.ieee == zt.EUI64.convert(str(NCP))


def test_a_backup_zigpy_wrote_seeds_a_formed_ncp() -> None:
    network = zigpy.state.NetworkInfo(
        extended_pan_id=zt.ExtendedPanId.convert("aa:bb:cc:dd:ee:ff:00:11"),
        pan_id=zt.PanId(0x4321),
        channel=20,
        channel_mask=zt.Channels.from_channel_list([20]),
        security_level=5,
        network_key=zigpy.state.Key(key=zt.KeyData(bytes(range(16))), tx_counter=99, seq=0),
        tc_link_key=zigpy.state.Key(
            key=zt.KeyData(b"ZigBeeAlliance09"), partner_ieee=zt.EUI64.convert(str(NCP))
        ),
        stack_specific={"ezsp": {"hashed_tclk": "00" * 16}},
    )
    node = zigpy.state.NodeInfo(nwk=zt.NWK(0x0000), ieee=zt.EUI64.convert(str(NCP)))
    backup = zigpy.backups.NetworkBackup(network_info=network, node_info=node)
    nvm = from_backup(json.loads(json.dumps(backup.as_open_coordinator_json())))
    assert nvm.network == NetworkSettings(0x4321, Eui64.parse("aa:bb:cc:dd:ee:ff:00:11"), 20, 8)
    assert nvm.hashed_tc_link_key and nvm.preconfigured_key == bytes(16)
    assert (nvm.eui64, nvm.nwk_frame_counter) == (NCP, 99)


def test_a_missing_file_is_a_factory_new_ncp_and_a_bad_one_is_a_clear_error(tmp_path: Path) -> None:
    store = NvmStore(tmp_path / "state.json", ezsp_version=8)
    assert store.load(NCP) == Nvm(eui64=NCP)
    (tmp_path / "state.json").write_text("{not json")
    with pytest.raises(StateFileError, match="state.json"):
        store.load(NCP)


def test_saving_replaces_the_file_whole_and_leaves_nothing_else(tmp_path: Path) -> None:
    store = NvmStore(tmp_path / "state.json", ezsp_version=13)
    store.save(_formed())
    store.save(Nvm(eui64=NCP))
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]
    assert store.load(NCP) == Nvm(eui64=NCP)


def test_the_frame_counter_is_written_a_stride_ahead_so_a_crash_never_reuses_one(tmp_path: Path) -> None:
    store = NvmStore(tmp_path / "state.json", ezsp_version=13)
    nvm = _formed()
    nvm.nwk_frame_counter = 0
    store.save(nvm)
    for _ in range(10):
        nvm.nwk_frame_counter += 1
        store.frame_counter_advanced(nvm)
    crashed = store.load(NCP).nwk_frame_counter
    assert crashed >= nvm.nwk_frame_counter
    assert crashed == 1 + FRAME_COUNTER_STRIDE, "written once, at the first frame of the stride"
