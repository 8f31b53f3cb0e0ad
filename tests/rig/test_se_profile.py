"""Smart Energy frames reach zigpy's ZCL handling through the rig's application, against the pinned zigpy."""

from __future__ import annotations

from pathlib import Path

import zigpy.device
import zigpy.profiles.zha
import zigpy.types as t

from hanrig.rig.bench import Bench
from hanrig.rig.config import load_config
from hanrig.rig.coordinator.application import SMART_ENERGY_PROFILE, SmartEnergyProfile
from hanrig.rig.recorder import Recorder
from tests.paths import REPO


def _packet(profile: int) -> t.ZigbeePacket:
    return t.ZigbeePacket(src=t.AddrModeAddress(addr_mode=t.AddrMode.NWK, address=0x1234), src_ep=1,
                          dst=t.AddrModeAddress(addr_mode=t.AddrMode.NWK, address=0x0000), dst_ep=1,
                          profile_id=profile, cluster_id=0x0000, data=t.SerializableBytes(b"\x18\x01\x01"))


def test_pinned_zigpy_still_ignores_smart_energy_zcl_which_is_why_the_rig_rewrites_it() -> None:
    header, key = zigpy.device.ZigbeeDevice._parse_packet_header(None, _packet(SMART_ENERGY_PROFILE))

    assert (header, key) == (None, None)


def test_smart_energy_packets_reach_zigpy_as_home_automation_and_others_pass_untouched() -> None:
    seen: list[t.ZigbeePacket] = []

    class Base:
        def packet_received(self, packet: t.ZigbeePacket) -> None:
            seen.append(packet)

    class App(SmartEnergyProfile, Base):
        pass

    App().packet_received(_packet(SMART_ENERGY_PROFILE))
    App().packet_received(_packet(0xC05E))

    assert [p.profile_id for p in seen] == [zigpy.profiles.zha.PROFILE_ID, 0xC05E]


async def test_smart_energy_ppmid_passes_zigpys_interview_on_the_rigs_application(tmp_path: Path) -> None:
    config = load_config(REPO / "hil_config.yaml")
    async with Bench(config, Recorder(), workdir=tmp_path) as bench:
        device = await bench.join(config.device("ppmid"))

        assert device.is_initialized
        assert device.endpoints[1].profile_id == SMART_ENERGY_PROFILE
        assert (device.manufacturer, device.model) == ("hanrig", "PPMID")
