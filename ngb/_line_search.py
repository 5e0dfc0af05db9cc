"""The step size of an iteration: a line search over powers of two along the fitted step."""

from __future__ import annotations

import numpy as np

__all__ = ["line_search", "STEP_MAX", "STEP_MIN"]

STEP_MAX = 256.0  #: largest scaling tried
STEP_MIN = 2.0**-20  #: below this the iteration makes no step


def line_search(loss, loss0, start=1.0):
    """Scaling s in [0, STEP_MAX] of the step: the largest power of two whose score ``loss(s)`` is
    finite and better than ``loss0`` (the score at s = 0), doubling from ``start`` while that holds,
    else halving until it holds. Returns 0.0 when no tried step down to STEP_MIN improves.

    For a convex score the improving scalings form an interval (0, s_max), so the result does not
    depend on ``start`` (the engine passes the previous iteration's scaling, which saves an
    evaluation when the scale is steady) and lands in [s*, 2 s*) around the exact minimiser s*
    along the step, so ``learning_rate`` scales a step of that size."""
    if not np.isfinite(loss0):
        loss0 = np.inf
    s = float(min(max(start, 1.0), STEP_MAX))
    improves = lambda value: np.isfinite(value) and value < loss0  # noqa: E731
    if improves(loss(s)):
        while s < STEP_MAX and improves(loss(2 * s)):
            s *= 2
        return s
    while s >= STEP_MIN:
        s /= 2
        if improves(loss(s)):
            return s
    return 0.0
