"""The errors a bench description raises: a field that is wrong, and a file that is.

``SpecError`` names the field the way the config spells it (``devices[1].physical.eui64``);
``ConfigError`` is the one line a user sees, with the file and line
(``hil_config.yaml:14: devices[1].physical.eui64: not an EUI-64 ...``).
"""

from __future__ import annotations


class BenchError(Exception):
    """Base of the errors about a bench description: always the user's to fix."""


class SpecError(BenchError):
    """A value in the config is wrong; ``path`` names its field, ``problem`` what is wrong."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}" if path else problem)
        self.path = path
        self.problem = problem


class ConfigError(BenchError):
    """A config, command-line value or input file that cannot be used.

    The message names where it went wrong (file and line, or option) and what to do.
    """
