"""The zigpy application the rig runs: the radio library's own, taught Smart Energy.

zigpy 2.4.0 parses ZCL only on the Home Automation and Light Link profiles; frames on
the Smart Energy profile (0x0109), which every GBCS device uses, go to
``custom_profile_packet_received`` and are dropped, so a PPMID cannot even finish its
interview. The fix sits at the application, not the device: zigpy builds plain shadow
devices during re-interviews, so a device subclass would miss frames. Incoming SE
frames are handed to zigpy's pipeline as if they were HA frames; outgoing frames keep
0x0109 because zigpy addresses them with the profile learnt from the simple descriptor.
``tests/rig/test_se_profile.py`` proves this against the pinned zigpy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

import zigpy.profiles.zha
import zigpy.types

from hanrig.bench.errors import ConfigError
from hanrig.rig.coordinator.announcements import DeviceAnnouncements
from hanrig.rig.coordinator.block_lane import OtaBlockLane
from hanrig.rig.coordinator.capture import HostCapture
from hanrig.rig.coordinator.key_establishment_lane import KeyEstablishmentLane

if TYPE_CHECKING:
    from zigpy.application import ControllerApplication

SMART_ENERGY_PROFILE = 0x0109

#: radio type -> the module and class of its zigpy application, and the pip extra that brings it
RADIO_LIBRARIES: dict[str, tuple[str, str, str | None]] = {
    "ezsp": ("bellows.zigbee.application", "ControllerApplication", None),
    "znp": ("zigpy_znp.zigbee.application", "ControllerApplication", "znp"),
    "deconz": ("zigpy_deconz.zigbee.application", "ControllerApplication", "deconz"),
}


class SmartEnergyProfile:
    """Mixin for a zigpy ``ControllerApplication``: Smart Energy frames reach zigpy's ZCL handling."""

    def packet_received(self, packet: zigpy.types.ZigbeePacket) -> None:
        if packet.profile_id == SMART_ENERGY_PROFILE:
            packet = packet.replace(profile_id=zigpy.profiles.zha.PROFILE_ID)
        super().packet_received(packet)  # type: ignore[misc]


def application_class(radio: str) -> type[ControllerApplication]:
    """The radio library's application class with the rig's additions mixed in."""
    try:
        module_name, class_name, extra = RADIO_LIBRARIES[radio]
    except KeyError:
        raise ConfigError(f"unknown radio type {radio!r}; known: {', '.join(RADIO_LIBRARIES)}") from None
    try:
        base: Any = getattr(importlib.import_module(module_name), class_name)
    except ImportError:
        raise ConfigError(f"radio type {radio!r} needs its zigpy library: pip install 'hanrig[{extra}]'") from None
    # the capture first: it records frames as they arrive, before the lanes take some of them
    # and before the Smart Energy profile is rewritten
    mixins: tuple[type, ...] = (HostCapture, OtaBlockLane, KeyEstablishmentLane, DeviceAnnouncements,
                                SmartEnergyProfile)
    if radio == "ezsp":
        from hanrig.rig.coordinator.fragmentation import EzspFragmentation

        mixins = (*mixins, EzspFragmentation)
    return type(f"Rig{base.__module__.split('.')[0].title()}Application", (*mixins, base), {})
