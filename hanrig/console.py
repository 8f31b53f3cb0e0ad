"""What every hanrig program shares: exit codes, one-line errors, logging and JSON output.

The rig's commands and the emulator's program (``python -m hanrig.devices``) follow the
same conventions, so this sits below both.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

import click

LOG = logging.getLogger(__name__)
T = TypeVar("T")

EXIT_OK = 0
EXIT_VERDICT_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_INFRASTRUCTURE = 3

#: loggers that -vvv opens up; below that they stay at INFO (a run's log file) or WARNING (stderr): they are chatty
RADIO_LOGGERS = ("bellows", "zigpy", "serialx", "asyncio")


def report_error(message: str) -> None:
    """Print ``hanrig: error: <message>`` as one line on stderr."""
    one_line = " ".join(message.split())
    click.echo(f"hanrig: error: {one_line}", err=True)


def fail(message: str, code: int) -> NoReturn:
    """Print ``hanrig: error: <message>`` as one line on stderr and exit with ``code``."""
    report_error(message)
    sys.exit(code)


def exiting_on_errors(invoke: Callable[[], T], exit_code_for: Callable[[BaseException], int | None]) -> T:
    """``invoke()``, with an error raised on purpose turned into one line and its exit code.

    ``exit_code_for`` gives the code of an error the program raises on purpose, or None
    for a bug, which exits 3 as an internal error; the traceback is logged at debug level.
    """
    try:
        return invoke()
    except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
        raise
    except Exception as exc:  # the one place every error becomes an exit code
        code = exit_code_for(exc)
        if code is None:
            LOG.debug("internal error", exc_info=True)
            fail(f"internal error: {type(exc).__name__}: {exc} (run with -vv for the traceback)", EXIT_INFRASTRUCTURE)
        LOG.debug("%s", type(exc).__name__, exc_info=True)
        fail(str(exc), code)


def configure_logging(verbosity: int, *, log_files: bool = True) -> None:
    """Log to stderr at a level chosen by the number of ``-v`` flags.

    With ``log_files`` records are made at every level, for the file a run logs to at debug
    level, and the stderr handler lets through what ``-v`` asks for; without, only what
    stderr shows is made at all. A terminal gets rich's layout;
    anything else (CI logs, files) gets one plain line per record, never wrapped, so that
    logs can be searched.
    """
    level = (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbosity, 2)]
    handler: logging.Handler
    if sys.stderr.isatty():
        from rich.console import Console
        from rich.logging import RichHandler

        handler = RichHandler(console=Console(stderr=True), show_path=False, rich_tracebacks=False)
        handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    else:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.setLevel(level)
    logging.basicConfig(level=logging.DEBUG if log_files else level, handlers=[handler], force=True)
    radio_level = logging.DEBUG if verbosity >= 3 else logging.INFO
    for name in RADIO_LOGGERS:
        logging.getLogger(name).setLevel(radio_level)
    # the report's charts: matplotlib's font search logs scores of lines at debug level
    logging.getLogger("matplotlib").setLevel(logging.INFO)


def emit_json(value: Any) -> None:
    """Write one JSON document on stdout, one line, for machines."""
    click.echo(json.dumps(value, sort_keys=False, separators=(",", ":")))


json_option = click.option("--json", "as_json", is_flag=True, help="Machine output: JSON on stdout.")
