"""What CBKE data the CH's NCP holds: its certificate for each crypto suite, and who issued it.

Read at start-up and written to the journal, so that a report says which certificate the
CH presented; a bench whose devices need a suite the NCP has no data for stops there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hanrig.cbke.certificate import decode_certificate
from hanrig.cbke.errors import CbkeError
from hanrig.cbke.suites import SUITES
from hanrig.rig.coordinator.cbke import CbkeFailed, NcpCbke


@dataclass(frozen=True)
class NcpCertificate:
    suite: int
    subject: str
    issuer: bytes
    certificate: bytes

    def as_dict(self) -> dict[str, Any]:
        return {"subject": self.subject, "issuer": self.issuer.hex().upper(), "certificate": self.certificate.hex()}


async def ncp_cbke_data(ncp: NcpCbke) -> dict[int, NcpCertificate]:
    """The NCP's certificate per suite it holds one for (a refused request counts as none)."""
    held: dict[int, NcpCertificate] = {}
    for suite_id, suite in SUITES.items():
        try:
            certificate = await ncp.certificate(int(suite_id))
        except CbkeFailed:
            continue
        if certificate is None:
            continue
        try:
            decoded = decode_certificate(suite, certificate)
        except CbkeError:
            continue
        held[int(suite_id)] = NcpCertificate(int(suite_id), decoded.subject_eui64, decoded.issuer, certificate)
    return held
