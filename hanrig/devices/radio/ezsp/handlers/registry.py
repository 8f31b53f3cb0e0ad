"""The table from EZSP command name to handler, filled by the section modules."""

from __future__ import annotations

from collections.abc import Callable

from hanrig.devices.radio.ezsp.layer import Handler

HANDLERS: dict[str, Handler] = {}


def handles(*names: str) -> Callable[[Handler], Handler]:
    """Register the decorated function as the handler of these commands."""

    def register(handler: Handler) -> Handler:
        for name in names:
            if name in HANDLERS:
                raise ValueError(f"two handlers for {name}")
            HANDLERS[name] = handler
        return handler

    return register
