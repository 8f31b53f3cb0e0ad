"""The two Smart Energy crypto suites: which curve, and how long each CBKE field is."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from hanrig.cbke.curve import SECT163K1, SECT283K1, KoblitzCurve


class SuiteId(enum.IntEnum):
    """The Key Establishment Suite values on the air (a bitmap attribute; one bit per suite)."""

    SUITE_1 = 0x0001
    SUITE_2 = 0x0002


@dataclass(frozen=True)
class CryptoSuite:
    id: SuiteId
    curve: KoblitzCurve
    certificate_length: int

    @property
    def name(self) -> str:
        return f"suite {int(self.id)} ({self.curve.name})"

    @property
    def public_key_length(self) -> int:
        return self.curve.compressed_length

    @property
    def private_key_length(self) -> int:
        return self.curve.octets


SUITE_1 = CryptoSuite(SuiteId.SUITE_1, SECT163K1, certificate_length=48)
SUITE_2 = CryptoSuite(SuiteId.SUITE_2, SECT283K1, certificate_length=74)
SUITES = {suite.id: suite for suite in (SUITE_1, SUITE_2)}


def suite_of(value: int) -> CryptoSuite:
    try:
        return SUITES[SuiteId(value)]
    except ValueError:
        raise ValueError(f"no crypto suite {value:#06x}: Smart Energy defines 0x0001 and 0x0002") from None
