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

Who the device is (``eui64``, ``install_code`` and the firmware identity) is read by
``hanrig.bench.identity``, the other common keys (``node_id``, ``link_key``,
``auto_join``) by ``hanrig.devices.spec``, and the shared ``gbcs:`` block by
``hanrig.devices.gb.trust``.
"""

from __future__ import annotations

from dataclasses import dataclass

from hanrig.bench.fields import Fields
from hanrig.bench.identity import DeviceIdentity
from hanrig.devices.gb.behaviours import Behaviour, Faults, read_behaviour, read_faults
from hanrig.devices.gb.trust import DeviceKeys, read_device_keys
from hanrig.devices.han.kinds import ConfigContext


@dataclass(frozen=True)
class GbSettings:
    manufacturer: str
    model: str
    behaviour: Behaviour
    faults: Faults
    keys: DeviceKeys


def read_gb_settings(fields: Fields, context: ConfigContext, identity: DeviceIdentity, *, model: str) -> GbSettings:
    """A GB device's settings; ``model`` is the Basic model identifier unless the config names one."""
    return GbSettings(
        manufacturer=fields.string("manufacturer", "hanrig"),
        model=fields.string("model", model),
        behaviour=read_behaviour(fields.mapping("behaviour")),
        faults=read_faults(fields.mapping("faults")),
        keys=read_device_keys(context, identity.eui64, fields.at("eui64")),
    )
