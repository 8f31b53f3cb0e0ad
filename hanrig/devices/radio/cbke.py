"""The NCP's CBKE library: its preinstalled credentials and one key establishment's temporary data.

As EmberZNet's CBKE library does for the host (UG100 "Certificate Based Key Exchange"):
it holds the CA public key, the node's implicit certificate and its private key for each
crypto suite (manufacturing tokens on a real NCP; the state file here), makes an ephemeral
key pair on request, computes both confirmation MACs from the partner's certificate and
ephemeral key, and on the host's word stores the derived link key in the key table for the
partner. The results come back in callbacks, as from firmware that takes time to compute
them. The arithmetic is ``hanrig.cbke``'s.
"""

from __future__ import annotations

from dataclasses import dataclass

from hanrig.cbke.agreement import Agreement, Credentials, EphemeralKey, agree, generate_ephemeral
from hanrig.cbke.ecqv import ScalarSource
from hanrig.cbke.errors import CbkeError
from hanrig.cbke.suites import SuiteId, suite_of
from hanrig.devices.ieee import Eui64

#: seconds the emulated NCP takes to answer generateCbkeKeys and calculateSmacs. EmberZNet on
#: EFR32 takes longer (the ZSE attributes EphemeralDataGenerateTime and ConfirmKeyGenerateTime
#: let a device say how long); zero keeps CI fast, and a device's fault can slow its own side
CBKE_CALLBACK_DELAY = 0.0


@dataclass(frozen=True)
class Computed:
    """What calculateSmacs produced, held until clearTemporaryDataMaybeStoreLinkKey."""

    partner: Eui64
    agreement: Agreement


@dataclass
class CbkeLibrary:
    """The CBKE state of one NCP: credentials per suite (persistent), temporary data (RAM)."""

    credentials: dict[SuiteId, Credentials]
    ephemeral: dict[SuiteId, EphemeralKey]
    computed: dict[SuiteId, Computed]

    @classmethod
    def over(cls, credentials: dict[SuiteId, Credentials]) -> CbkeLibrary:
        """A library over the NCP's stored credentials (the same dict: provisioning changes both)."""
        return cls(credentials, {}, {})

    def certificate(self, suite: SuiteId) -> bytes | None:
        held = self.credentials.get(suite)
        return held.certificate if held is not None else None

    def generate(self, suite: SuiteId, scalars: ScalarSource) -> EphemeralKey | None:
        """A new ephemeral key pair, or None without credentials for the suite."""
        if suite not in self.credentials:
            return None
        key = generate_ephemeral(suite_of(suite), scalars)
        self.ephemeral[suite] = key
        return key

    def calculate(self, suite: SuiteId, *, initiator: bool, partner_certificate: bytes,
                  partner_ephemeral: bytes) -> Agreement | None:
        """Both MACs, or None if there is no ephemeral key yet or the partner's data is not usable."""
        held, ephemeral = self.credentials.get(suite), self.ephemeral.get(suite)
        if held is None or ephemeral is None:
            return None
        try:
            agreement = agree(held, ephemeral, initiator=initiator, partner_certificate=partner_certificate,
                              partner_ephemeral=partner_ephemeral)
        except CbkeError:
            return None
        self.computed[suite] = Computed(Eui64(int.from_bytes(agreement.partner.subject, "big")), agreement)
        return agreement

    def clear(self, suite: SuiteId) -> Computed | None:
        """Forget the temporary data; what was computed, for the caller to store if asked."""
        self.ephemeral.pop(suite, None)
        return self.computed.pop(suite, None)
