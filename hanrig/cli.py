"""The ``hanrig`` command line: the rig's commands and the emulator's, under one name.

Exit codes are part of the interface, for people and for CI alike:

====  ==========================================================
 0    success, or every verdict passed
 1    a verdict failed
 2    bad usage, config or input (one line on stderr, no traceback)
 3    infrastructure trouble (radio unreachable, port busy, ...)
====  ==========================================================

Subcommands live in their own modules and are imported only when used, so that
``hanrig gbcs decode`` does not pay for importing zigpy and bellows.
"""

from __future__ import annotations

import importlib
from typing import Any

import click

from hanrig.console import EXIT_BAD_INPUT, EXIT_INFRASTRUCTURE, configure_logging, exiting_on_errors

#: command name -> "module:attribute" of its click command
SUBCOMMANDS: dict[str, str] = {
    "campaign": "hanrig.campaign.cli:campaign",
    "cbke": "hanrig.rig.cli.cbke:cbke_group",
    "emulate": "hanrig.devices.cli:emulate",
    "gbcs": "hanrig.rig.cli.gbcs:gbcs_group",
    "image": "hanrig.rig.cli.image:image_group",
    "keys": "hanrig.rig.cli.keys:keys",
    "ota": "hanrig.rig.cli.ota:ota",
    "report": "hanrig.report:report",
    "run": "hanrig.rig.cli.run:run",
}


def _exit_code_for(exc: BaseException) -> int | None:
    """The exit code for an error the rig raises on purpose, or None for a bug."""
    from hanrig.bench.errors import BenchError
    from hanrig.gbcs.errors import GbcsError
    from hanrig.rig.errors import InfrastructureError

    if isinstance(exc, GbcsError | BenchError):
        return EXIT_BAD_INPUT
    if isinstance(exc, InfrastructureError):
        return EXIT_INFRASTRUCTURE
    return None


class _HanrigGroup(click.Group):
    """A group that imports subcommands lazily and turns typed errors into exit codes."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(SUBCOMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = SUBCOMMANDS.get(name)
        if target is None:
            return None
        module_name, attribute = target.split(":")
        return getattr(importlib.import_module(module_name), attribute)

    def invoke(self, ctx: click.Context) -> Any:
        return exiting_on_errors(lambda: super(_HanrigGroup, self).invoke(ctx), _exit_code_for)


@click.group(cls=_HanrigGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "-v",
    "--verbose",
    count=True,
    help="More logging on stderr: -v info, -vv debug, -vvv debug of zigpy and bellows too.",
)
@click.version_option(package_name="hanrig")
def main(verbose: int) -> None:
    """hanrig: a hardware-in-the-loop rig that plays the GB Communications Hub."""
    configure_logging(verbose)
