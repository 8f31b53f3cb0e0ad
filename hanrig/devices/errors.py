"""The errors ``devices`` raises on purpose: bad input, or an emulator that cannot run.

``InputError`` is what the user can fix (a state file, a control request; a config value
is a ``hanrig.bench.errors.SpecError``): exit code 2. ``EmulatorError`` is infrastructure
trouble (a path in use, a socket that cannot be bound): exit code 3.
"""

from __future__ import annotations


class DevicesError(Exception):
    """Base of every error the devices package raises on purpose."""


class InputError(DevicesError):
    """Input the emulator cannot use: a state file, a control request."""


class StateFileError(InputError):
    """The NCP state file exists but cannot be read as an open coordinator backup."""


class EmulatorError(DevicesError):
    """The emulator cannot start or keep running: a path in use, a socket it cannot bind."""
