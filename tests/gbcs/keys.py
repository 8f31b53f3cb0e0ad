"""Throw-away P-256 keys for tests, deterministic so failures reproduce."""

from __future__ import annotations

import hashlib

from cryptography.hazmat.primitives.asymmetric import ec


def throwaway_key(label: str) -> ec.EllipticCurvePrivateKey:
    """A P-256 private key derived from ``label``: the same label always gives the same key."""
    scalar = int.from_bytes(hashlib.sha256(label.encode()).digest(), "big") % (2**256 - 2**224) + 1
    return ec.derive_private_key(scalar, ec.SECP256R1())
