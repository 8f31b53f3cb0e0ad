"""zigpy's EUI-64s as hanrig writes them everywhere else (config, journal, GBCS): 16 hex digits."""

from __future__ import annotations

import zigpy.types


def eui_text(ieee: zigpy.types.EUI64) -> str:
    """zigpy's EUI-64 (least significant byte first inside) as GBCS writes it: 16 hex digits."""
    return str(ieee).replace(":", "").upper()
