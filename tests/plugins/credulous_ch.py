"""A pytest plugin that makes the rig, as CH, believe every device in key establishment.

A CH-model fault for tests/test_wrong_evidence.py: it skips the certificate checks (issuer,
subject) and takes any confirmation MAC, so the commissioning scenarios that expect a
Terminate must fail on their CH-model checks. Loaded with ``-p credulous_ch``.
"""

from __future__ import annotations

from typing import Any

from hanrig.rig.ch.key_establishment import KeyEstablishmentServer


async def _accept_any_certificate(self: KeyEstablishmentServer, *args: Any) -> None:
    return None


KeyEstablishmentServer._check_certificate = _accept_any_certificate  # type: ignore[method-assign]
KeyEstablishmentServer._confirmed = staticmethod(lambda received, computed: True)  # type: ignore[method-assign]
