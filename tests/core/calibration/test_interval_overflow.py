"""A huge standard error gives an unbounded interval end, not an OverflowError that failed the
whole calibration (seen: Bates on a large chain through the Celery worker)."""
from __future__ import annotations

import math

import numpy as np

from core.calibration.uncertainty import Z_95, transformed_intervals
from core.pricing.charfuncs import MODELS


def test_huge_standard_errors_give_domain_limits_not_an_error():
    spec = MODELS["bates"] if isinstance(MODELS, dict) else next(m for m in MODELS if m.name == "bates")
    x = np.array([(lo + hi) / 2 for lo, hi in zip(spec.lower, spec.upper)], float)
    out = transformed_intervals(spec, x, np.full(len(x), 1e6))
    for i, name in enumerate(spec.param_names):
        lo, _, hi, _ = spec.domain[i]
        a, b = out[name]
        assert a <= x[i] <= b
        # the domain-respecting map's limits: a finite domain end is reached (the map's image of
        # +-1.96e6 standard errors), an unbounded one is the identity map's x -+ z se
        assert a == (lo if math.isfinite(lo) else x[i] - Z_95 * 1e6) or math.isclose(a, x[i] - Z_95 * 1e6)
        assert b == (hi if math.isfinite(hi) else math.inf) or math.isclose(b, x[i] + Z_95 * 1e6)


def test_an_ordinary_interval_is_unchanged():
    spec = MODELS["bates"] if isinstance(MODELS, dict) else next(m for m in MODELS if m.name == "bates")
    x = np.array([(lo + hi) / 2 for lo, hi in zip(spec.lower, spec.upper)], float)
    se = np.full(len(x), 1e-3)
    out = transformed_intervals(spec, x, se)
    for i, name in enumerate(spec.param_names):
        a, b = out[name]
        assert math.isclose(b - a, 2 * Z_95 * se[i], rel_tol=1e-3)   # delta method, small se
