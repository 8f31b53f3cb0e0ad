"""The ``hanrig`` command line.

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
import logging
from typing import Any

import click

from hanrig.rig.cli.output import EXIT_BAD_INPUT, EXIT_INFRASTRUCTURE, configure_logging, fail

LOG = logging.getLogger(__name__)

#: command name -> "module:attribute" of its click command
SUBCOMMANDS: dict[str, str] = {
    "emulate": "hanrig.rig.cli.emulate:emulate",
    "gbcs": "hanrig.rig.cli.gbcs:gbcs_group",
    "image": "hanrig.rig.cli.image:image_group",
    "ota": "hanrig.rig.cli.ota:ota",
    "report": "hanrig.rig.cli.report:report",
    "run": "hanrig.rig.cli.run:run",
}


def _exit_code_for(exc: BaseException) -> int | None:
    """The exit code for an error the rig raises on purpose, or None for a bug."""
    from hanrig.devices.errors import EmulatorError
    from hanrig.devices.errors import InputError as DevicesInputError
    from hanrig.gbcs.errors import GbcsError
    from hanrig.rig.errors import ConfigError, InfrastructureError

    if isinstance(exc, GbcsError | ConfigError | DevicesInputError):
        return EXIT_BAD_INPUT
    if isinstance(exc, InfrastructureError | EmulatorError):
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
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as exc:  # the one place every error becomes an exit code
            code = _exit_code_for(exc)
            if code is None:
                LOG.debug("internal error", exc_info=True)
                fail(
                    f"internal error: {type(exc).__name__}: {exc} (run with -vv for the traceback)",
                    EXIT_INFRASTRUCTURE,
                )
            LOG.debug("%s", type(exc).__name__, exc_info=True)
            fail(str(exc), code)


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
