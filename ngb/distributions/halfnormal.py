"""Half-normal distribution (scipy ``halfnorm(scale)``); internal parameter log(scale)."""

from __future__ import annotations

import numpy as np
from scipy import stats
from scipy.special import ndtri

from . import _halfnormal_fast as _fast
from ._declare import LOG, Param
from .base import Distribution
from .fast import FastScore

__all__ = ["HalfNormal"]

_HALF_LOG_2_OVER_PI = 0.5 * np.log(2 / np.pi)


class HalfNormal(Distribution):
    """HalfNormal(scale): |X| for X ~ Normal(0, scale^2). Internal theta[:, 0] = log(scale).

    Score "log" with Fisher information 2 (closed-form natural gradient). Targets must be >= 0;
    y = 0 is accepted because the density is finite there.
    """

    parameters = (Param("scale", LOG, (-40.0, 40.0), unit="scale"),)
    support = "positive"
    zero_in_support = True
    fast = {"log": FastScore(_fast.log_score_mean, _fast.log_natural_gradient, _fast.log_score_leaves, ex_signs=(-1.0,))}

    @classmethod
    def _fit_marginal(cls, y, w):
        return (0.5 * np.log(max(np.average(y * y, weights=w), np.finfo(float).tiny)),)

    def to_scipy(self):
        return stats.halfnorm(scale=self.scale)

    def mean(self):
        return self.scale * np.sqrt(2 / np.pi)

    def var(self):
        return self.scale**2 * (1 - 2 / np.pi)

    def _ppf(self, q):
        return self.scale[:, None] * ndtri(0.5 * (1 + q))

    def logpdf(self, y):
        y = self._as_y(y)
        z = np.maximum(y, 0.0) / self.scale
        return np.where(y >= 0, _HALF_LOG_2_OVER_PI - self._theta[:, 0] - 0.5 * z * z, -np.inf)

    def _log_d_score(self, y):
        z = y / self.scale
        return (1.0 - z * z)[:, None]

    def _log_metric(self):
        return np.full((len(self), 1, 1), 2.0)

    def _log_natural_gradient(self, y):
        return 0.5 * self._log_d_score(y)
