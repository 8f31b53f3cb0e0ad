"""The ``CbkeError`` family: every way bad certificates, points or keys are reported."""

from __future__ import annotations


class CbkeError(Exception):
    """Base of every error the cbke package raises on bad input."""

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


class PointError(CbkeError):
    """Octets that are not a point of the curve, or a point of the wrong order."""


class CertificateError(CbkeError):
    """Octets that are not an implicit certificate of the suite expected."""


class CredentialsError(CbkeError):
    """A private key out of range, or one that does not match its certificate."""
