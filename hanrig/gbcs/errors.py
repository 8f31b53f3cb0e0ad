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


class DecodeError(GbcsError):
    """Bytes that are not a well-formed GBCS message, payload or OTA image."""


class UnsupportedError(DecodeError):
    """Well-formed input in a form this package deliberately does not handle (e.g. GBT)."""


class EncodeError(GbcsError):
    """A value that cannot be encoded: out of range, inconsistent or too long."""


class HexError(GbcsError):
    """Text that should be hex digits but is not; the offset counts characters."""


class ImageError(DecodeError):
    """An OTA upgrade image whose structure or header is wrong."""


class KeyStoreError(GbcsError):
    """A key or certificate file that cannot be read, or a key of the wrong kind."""


class CryptoError(GbcsError):
    """A signing or key-derivation step that cannot be carried out with the keys given."""


class DuisError(GbcsError):
    """A DUIS request that is not the XML expected, or carries no usable firmware image."""
