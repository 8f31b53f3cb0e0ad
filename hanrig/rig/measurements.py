"""Measurements: a named value, what it had to be, whether it was, and whose behaviour it judges.

Every verdict the rig reaches is made of these (as OpenHTF's are), so that a report can
show not only that a scenario failed but which value was wrong and what was expected.
A measurement judges either the device under test (what it sent, when, signed by whom)
or the CH model (what the rig itself did as the Communications Hub: its CCS08, its OTA
responses). Only the first says anything about the device; the second checks the rig.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


class Verdict(enum.StrEnum):
    PASS = "pass"
    FAIL = "fail"


class Subject(enum.StrEnum):
    """Whose behaviour a measurement judges."""

    #: the device under test: its messages, its requests, what it holds and runs
    DEVICE = "device"
    #: the rig playing the CH: evidence of its own model, never of the device
    CH_MODEL = "ch-model"


@dataclass(frozen=True)
class Measurement:
    name: str
    value: Any
    expected: str
    verdict: Verdict
    subject: Subject
    units: str | None = None
    #: a value recorded for the report with no limit: it judges nothing
    observation: bool = False

    @property
    def passed(self) -> bool:
        return self.verdict is Verdict.PASS

    def describe(self) -> str:
        units = f" {self.units}" if self.units else ""
        return f"{self.name}: {self.value}{units} (expected {self.expected})"

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "value": self.value, "expected": self.expected, "verdict": self.verdict.value,
                "subject": self.subject.value, "units": self.units, "observation": self.observation}


def equals(name: str, value: Any, expected: Any, *, subject: Subject,
           shown: Callable[[Any], Any] = lambda v: v) -> Measurement:
    verdict = Verdict.PASS if value == expected else Verdict.FAIL
    return Measurement(name, shown(value), f"{shown(expected)}", verdict, subject)


def at_most(name: str, value: float, limit: float, units: str, *, subject: Subject) -> Measurement:
    verdict = Verdict.PASS if value <= limit else Verdict.FAIL
    return Measurement(name, round(value, 3), f"<= {limit:g}", verdict, subject, units)


def observed(name: str, value: Any, units: str | None = None, *, subject: Subject) -> Measurement:
    """A value recorded for the report, with no limit: it always passes and judges nothing."""
    return Measurement(name, value, "any", Verdict.PASS, subject, units, observation=True)
