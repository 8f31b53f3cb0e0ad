"""Reading what commands are given: files (``-`` for stdin), numbers in decimal or ``0x`` hex, EUI-64s.

Problems are :class:`~rig.errors.ConfigError`, which the CLI reports as one line, exit 2.
"""

from __future__ import annotations

import sys
from pathlib import Path

from hanrig.bench.errors import ConfigError
from hanrig.gbcs.errors import GbcsError
from hanrig.gbcs.eui import Eui64

STDIN = "-"


def read_input(name: str) -> bytes:
    """The bytes of file ``name``, or of stdin for ``-``."""
    if name == STDIN:
        return sys.stdin.buffer.read()
    try:
        return Path(name).read_bytes()
    except OSError as exc:
        raise ConfigError(f"{name}: cannot read ({exc.strerror})") from None


def display_name(name: str) -> str:
    return "<stdin>" if name == STDIN else name


def number(text: str, *, option: str, bits: int) -> int:
    """An unsigned integer of at most ``bits`` bits, written in decimal or with ``0x``."""
    try:
        value = int(text, 0)
    except ValueError:
        raise ConfigError(f"{option}: {text!r} is not a number (decimal or 0x hex)") from None
    if not 0 <= value < 1 << bits:
        raise ConfigError(f"{option}: {text} does not fit in {bits} bits")
    return value


def eui(text: str, *, option: str) -> Eui64:
    try:
        return Eui64(text)
    except GbcsError:
        raise ConfigError(f"{option}: {text!r} is not an EUI-64 (16 hex digits)") from None
