"""The errors ``devices`` raises on purpose: bad input, or an emulator that cannot run.

``InputError`` is what the user can fix (a config value, a state file); the CLI turns it
into exit code 2. ``EmulatorError`` is infrastructure trouble (a path in use, a socket
that cannot be bound); the CLI turns it into exit code 3.
"""

from __future__ import annotations


class DevicesError(Exception):
    """Base of every error the devices package raises on purpose."""


class InputError(DevicesError):
    """Input the emulator cannot use: a config value, a state file, a control request."""


class SpecError(InputError):
    """A value in the emulator's part of the rig config is wrong.

    ``path`` names the field as the config spells it (``devices[1].emulated.eui64``) so that
    the rig's config loader can map it to a line of the YAML file.
    """

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}" if path else problem)
        self.path = path
        self.problem = problem


class StateFileError(InputError):
    """The NCP state file exists but cannot be read as an open coordinator backup."""


class EmulatorError(DevicesError):
    """The emulator cannot start or keep running: a path in use, a socket it cannot bind."""
