"""Measurements: a named value, what it had to be, and whether it was.

Every verdict the rig reaches is made of these (as OpenHTF's are), so that a report can
show not only that a scenario failed but which value was wrong and what was expected.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


class Verdict(enum.StrEnum):
    PASS = "pass"
    FAIL = "fail"


@dataclass(frozen=True)
class Measurement:
    name: str
    value: Any
    expected: str
    verdict: Verdict
    units: str | None = None

    @property
    def passed(self) -> bool:
        return self.verdict is Verdict.PASS

    def describe(self) -> str:
        units = f" {self.units}" if self.units else ""
        return f"{self.name}: {self.value}{units} (expected {self.expected})"

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "value": self.value, "expected": self.expected,
                "verdict": self.verdict.value, "units": self.units}


def equals(name: str, value: Any, expected: Any, *, shown: Callable[[Any], Any] = lambda v: v) -> Measurement:
    verdict = Verdict.PASS if value == expected else Verdict.FAIL
    return Measurement(name, shown(value), f"{shown(expected)}", verdict)


def at_most(name: str, value: float, limit: float, units: str) -> Measurement:
    verdict = Verdict.PASS if value <= limit else Verdict.FAIL
    return Measurement(name, round(value, 3), f"<= {limit:g}", verdict, units)


def observed(name: str, value: Any, units: str | None = None) -> Measurement:
    """A value recorded for the report, with no limit: it always passes."""
    return Measurement(name, value, "any", Verdict.PASS, units)
