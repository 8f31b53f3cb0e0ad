"""``python -m hanrig.devices``: the emulated coordinator as a program of its own (``hanrig emulate``)."""

from hanrig.console import configure_logging, exiting_on_errors
from hanrig.devices.cli import emulate, exit_code_for

configure_logging(0, log_files=False)
exiting_on_errors(lambda: emulate.main(prog_name="python -m hanrig.devices"), exit_code_for)
