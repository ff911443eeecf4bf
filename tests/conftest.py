"""Suite-wide settings: the hypothesis profiles.

`make test` uses "suite": 50 examples a property and no per-example deadline (a loaded machine must not fail a
property); tests that set their own max_examples keep it. "soak" runs 2,000 examples a property; it is chosen
when `FOLLOWTUI_SOAK_RUNS` is set (as `make soak` does), or by name with `FOLLOWTUI_HYPOTHESIS_PROFILE=soak`.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile("suite", max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("soak", max_examples=2_000, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _profile() -> str:
    named = os.environ.get("FOLLOWTUI_HYPOTHESIS_PROFILE", "").strip()
    if named:
        return named
    return "soak" if os.environ.get("FOLLOWTUI_SOAK_RUNS", "").strip() not in ("", "0") else "suite"


settings.load_profile(_profile())
