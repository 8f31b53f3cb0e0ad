"""The ``GbcsError`` family: every way bad bytes, XML or keys are reported.

Each error says what went wrong and, where it can, where: the byte offset in the
input and the field being read. Nothing else ever escapes a decoder.
"""

from __future__ import annotations


class GbcsError(Exception):
    """Base of every error raised by the gbcs package on bad input."""

    def __init__(self, message: str, *, offset: int | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset
        self.field = field

    def __str__(self) -> str:
        where = []
        if self.field:
            where.append(f"in {self.field}")
        if self.offset is not None:
            where.append(f"at byte {self.offset}")
        return " ".join([self.message, *where])
