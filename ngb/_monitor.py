"""What a fit records per iteration: the score traces, and the early-stopping rule."""

from __future__ import annotations

import numpy as np

__all__ = ["ScoreTrace", "EarlyStopping"]


class ScoreTrace:
    """Mean score per iteration, index 0 before boosting. An entry may be left pending (None) when
    the next iteration's direction pass computes that very score anyway; :meth:`resolve` fills it."""

    def __init__(self, first):
        self.values = [first]

    def append(self, value):
        self.values.append(value)

    def resolve(self, value):
        """Fill a pending last entry with ``value`` (ignored when None or nothing is pending)."""
        if value is not None and self.values[-1] is None:
            self.values[-1] = value

    @property
    def last(self):
        return self.values[-1]

    def array(self, n_kept, final=None):
        """The first ``n_kept + 1`` entries; a pending last entry is computed by ``final()``."""
        if self.values[-1] is None:
            self.values[-1] = final()
        return np.asarray(self.values[: n_kept + 1])


class EarlyStopping:
    """Stop after ``patience`` iterations without the validation score improving by more than
    ``tol``; ``best_iter`` is the number of iterations of the best score (0: none improved)."""

    def __init__(self, enabled, first_score, patience, tol, keep_all=False):
        self.enabled = enabled
        self.keep_all = keep_all  # keep every iteration run, not only up to the best (ngboost's behaviour)
        self.best, self.best_iter, self.since_best = first_score, 0, 0
        self.patience, self.tol = patience, tol

    def update(self, n_done, score):
        """Record the score after ``n_done`` iterations; True when the fit should stop."""
        if not self.enabled:
            return False
        if score < self.best - self.tol:
            self.best, self.best_iter, self.since_best = score, n_done, 0
            return False
        self.since_best += 1
        return self.since_best >= self.patience

    def n_kept(self, n_done):
        """Iterations the model keeps: the best one's count when stopping early, else all."""
        return self.best_iter if self.enabled and not self.keep_all else n_done
