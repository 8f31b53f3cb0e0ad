"""Zigbee clusters the Communications Hub needs that zigpy leaves as stubs."""
