"""The table from EZSP command name to handler, filled by the section modules, and how each is served."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

from hanrig.devices.radio.ezsp.layer import Handler


class Support(enum.Enum):
    """How the emulated NCP serves a command (the EZSP conformance table in docs/ says it per frame)."""

    #: as EmberZNet does, with its effect on the NCP and the virtual HAN
    EMULATED = "emulated"
    #: answered with success, but it changes nothing the virtual HAN has (routing on a one-hop HAN ...)
    ACCEPTED = "accepted, no effect"
    #: answered as stock firmware without the feature answers (no XNCP, no NV3 tokens)
    REFUSED = "refused as firmware without it"


@dataclass(frozen=True)
class Service:
    support: Support
    #: why, for a command not fully emulated
    note: str = ""


HANDLERS: dict[str, Handler] = {}
SERVICE: dict[str, Service] = {}


def handles(*names: str, support: Support = Support.EMULATED, note: str = "") -> Callable[[Handler], Handler]:
    """Register the decorated function as the handler of these commands, served as ``support`` says."""

    def register(handler: Handler) -> Handler:
        for name in names:
            if name in HANDLERS:
                raise ValueError(f"two handlers for {name}")
            HANDLERS[name] = handler
            SERVICE[name] = Service(support, note)
        return handler

    return register
