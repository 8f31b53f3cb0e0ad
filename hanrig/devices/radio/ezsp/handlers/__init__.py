"""What the emulated NCP does for each EZSP command, one module per section of UG100.

Each handler takes the ``Ncp`` and the decoded parameters and returns the response
fields; ``HANDLERS`` maps command names to handlers. A command a version's table lacks
is never dispatched, so one handler serves every version that has its command.
"""

from __future__ import annotations

from hanrig.devices.radio.ezsp.handlers import (
    cbke,
    configuration,
    messaging,
    mfglib,
    networking,
    security,
    utilities,
)
from hanrig.devices.radio.ezsp.handlers.registry import HANDLERS

__all__ = ["HANDLERS", "cbke", "configuration", "messaging", "mfglib", "networking", "security", "utilities"]
