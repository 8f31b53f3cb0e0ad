"""The ``emulated:`` block of a PPMID or HCALCS, read into ``GbSettings``.

    devices:
      - name: ppmid
        type: ppmid                     # or hcalcs
        emulated:
          eui64: 48414E52494700A4       # its keys must be in the gbcs.keystore directory
          manufacturer_code: 0x121D
          image_type: 0x0084
          hardware_version: 0x1111
          firmware_version: 0x00000001
          manufacturer: hanrig          # Basic cluster strings (optional)
          model: PPMID
          behaviour: {block_size: 50, verification_delay: 5, resume: true, ...}   # devices.gb.behaviours
          faults: {reboot_at: 40, drop_alerts: true, ...}

The common keys (``eui64``, ``node_id``, ``install_code``/``link_key``, ``auto_join``) are
read by ``devices.spec``; the shared ``gbcs:`` block by ``devices.gb.trust``.
"""

from __future__ import annotations

from dataclasses import dataclass

from hanrig.devices.fields import Fields
from hanrig.devices.gb.behaviours import Behaviour, Faults, read_behaviour, read_faults
from hanrig.devices.gb.trust import DeviceKeys, read_device_keys
from hanrig.devices.han.kinds import ConfigContext


@dataclass(frozen=True)
class GbSettings:
    manufacturer_code: int
    image_type: int
    hardware_version: int
    firmware_version: int
    manufacturer: str
    model: str
    behaviour: Behaviour
    faults: Faults
    keys: DeviceKeys


def read_gb_settings(fields: Fields, context: ConfigContext, *, model: str) -> GbSettings:
    """A GB device's settings; ``model`` is the Basic model identifier unless the config names one."""
    keys = read_device_keys(context, fields.eui64("eui64"), fields.at("eui64"))
    return GbSettings(
        manufacturer_code=fields.integer("manufacturer_code", minimum=0, maximum=0xFFFF),
        image_type=fields.integer("image_type", minimum=0, maximum=0xFFFF),
        hardware_version=fields.integer("hardware_version", minimum=0, maximum=0xFFFF),
        firmware_version=fields.integer("firmware_version", minimum=0, maximum=0xFFFFFFFE),
        manufacturer=fields.string("manufacturer", "hanrig"),
        model=fields.string("model", model),
        behaviour=read_behaviour(fields.mapping("behaviour")),
        faults=read_faults(fields.mapping("faults")),
        keys=keys,
    )
