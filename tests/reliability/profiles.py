"""Hypothesis profiles for the reliability tests: a quick one for every run, a long one on demand.

``GREPLS_HYPOTHESIS_PROFILE=slow`` (set by ``make test-slow``) selects the long profile. Tests that
only make sense in it are marked ``slow`` *and* skipped unless it is selected, because the normal
``make test`` runs every test without a ``-m`` filter. The quick tests have fixed example counts;
their long twins are separate tests, so that ``pytest -m slow`` selects exactly the long runs.
No example database: nothing is written under the work tree, and a failure prints the seed and
the shrunk steps instead.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

PROFILE = os.environ.get("GREPLS_HYPOTHESIS_PROFILE", "ci")
SLOW = PROFILE == "slow"

_COMMON = dict(
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)
settings.register_profile("ci", **_COMMON)
settings.register_profile("slow", **_COMMON)
settings.load_profile("slow" if SLOW else "ci")

SLOW_TIMEOUT = 1_800
"""Seconds one slow test may run."""

_skip_unless_slow = pytest.mark.skipif(
    not SLOW, reason="long run: make test-slow (GREPLS_HYPOTHESIS_PROFILE=slow)"
)


def slow_only(test: Any) -> Any:
    """Mark a test ``slow``, skip it unless the slow profile is selected, and lift the per-test
    timeout (pyproject's two minutes) to what a long run needs."""
    return pytest.mark.slow(_skip_unless_slow(pytest.mark.timeout(SLOW_TIMEOUT)(test)))
