"""How many inputs each fuzz target gets: a few hundred in the default suite, far more on request.

The default suite is derandomized, so a failure there reproduces on every run. An opt-in
run sets ``HANRIG_FUZZ`` to the number of inputs per target and selects the targets with
``-m fuzz``::

    HANRIG_FUZZ=100000 python -m pytest -m fuzz -p no:cacheprovider --hypothesis-show-statistics

Such a run is randomized (hypothesis prints the seed of any failure, and keeps the failing
input in its example database) so that each one explores inputs the last did not.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

#: inputs per target in an opt-in fuzz run (0: the default suite's own counts)
FUZZ_EXAMPLES = int(os.environ.get("HANRIG_FUZZ", "0") or 0)

fuzz = pytest.mark.fuzz


def examples(count: int) -> settings:
    """``count`` derandomized inputs, or ``HANRIG_FUZZ`` random ones in an opt-in fuzz run."""
    return settings(max_examples=FUZZ_EXAMPLES or count, deadline=None, derandomize=not FUZZ_EXAMPLES,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much])
