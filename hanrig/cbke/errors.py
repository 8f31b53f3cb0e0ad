"""The ``CbkeError`` family: every way bad certificates, points or keys are reported."""

from __future__ import annotations

from hanrig.gbcs.errors import GbcsError


class CbkeError(GbcsError):
    """Base of every error the cbke package raises on bad input.

    A ``GbcsError``: the same one-line error naming the field and byte offset, which the CLI
    reports with exit 2.
    """


class PointError(CbkeError):
    """Octets that are not a point of the curve, or a point of the wrong order."""


class CertificateError(CbkeError):
    """Octets that are not an implicit certificate of the suite expected."""


class CredentialsError(CbkeError):
    """A private key out of range, or one that does not match its certificate."""
