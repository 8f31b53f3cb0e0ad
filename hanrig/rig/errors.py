"""Errors the rig raises for trouble outside a test verdict.

A failed verdict is a result, never an exception; these are for input the rig
cannot use and for infrastructure it cannot reach.
"""


class RigError(Exception):
    """Base of the rig's own errors."""


class ConfigError(RigError):
    """A config file, command-line value or input file the rig cannot use.

    The message names where it went wrong (file and line, or field) and what to do.
    """


class InfrastructureError(RigError):
    """A radio, port, process or file system the rig needs is unreachable or broken."""
