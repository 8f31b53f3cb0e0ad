"""Infrastructure the rig cannot reach: the one error of its own it raises for trouble outside a verdict.

A failed verdict is a result, never an exception. Input the rig cannot use is a
``hanrig.bench.errors.ConfigError`` (exit 2), whatever found it.
"""


class InfrastructureError(Exception):
    """A radio, port, process or file system the rig needs is unreachable or broken (exit 3)."""
