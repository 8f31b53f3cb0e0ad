"""Zigbee clusters the Communications Hub needs and zigpy leaves as stubs or serves itself.

Importing this package registers them with zigpy, replacing its own definitions, so that
every device zigpy creates (also during re-interviews) carries them.
"""

from hanrig.rig.zcl import key_establishment, ota, tunneling

__all__ = ["key_establishment", "ota", "tunneling"]
