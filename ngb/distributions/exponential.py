"""Exponential distribution (scipy ``expon(scale)``); internal parameter log(scale)."""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from . import _exponential_fast as _fast
from ._declare import LOG, Param
from .base import Distribution, log_weighted_mean
from .fast import FastScore

__all__ = ["Exponential"]

# g(u) = int_0^u (1 - e^-v)^2 dv = sum_{n>=2} c_n u^(n+1), c_n = (-1)^n (2^n - 2) / (n+1)!, used
# below u = 0.1 where the closed form cancels (g ~ u^3 / 3); eleven terms reach double precision.
_SERIES_N = np.arange(2, 13)
_SERIES_C = np.array([(-1.0) ** n * (2.0**n - 2.0) / math.factorial(n + 1) for n in _SERIES_N])
_SERIES_U = 0.1


def _below_parts(u):
    """g(u) = int_0^u (1 - e^-v)^2 dv and g(u) - u g'(u) for u = t / scale >= 0, each (n,)."""
    small = u < _SERIES_U
    us = np.where(small, u, 0.0)[:, None]
    powers = us ** (_SERIES_N + 1)
    g_series = np.einsum("ij,j->i", powers, _SERIES_C)
    h_series = -np.einsum("ij,j->i", powers, _SERIES_C * _SERIES_N)
    a = -np.expm1(-u)  # F(t)
    e = np.exp(-u)
    g = u - a - 0.5 * a * a
    h = u * e * (2.0 - e) - a - 0.5 * a * a  # g - u a^2 as 1 - a^2 = e (2 - e): stable for large u
    return np.where(small, g_series, g), np.where(small, h_series, h)


class Exponential(Distribution):
    """Exponential(scale), mean = scale. Internal theta[:, 0] = log(scale).

    Scores: "log" (Fisher information 1, so the natural gradient is the gradient) and "crps"
    (closed form, metric scale / 2 in closed form), and for right-censored (time, event) targets
    "censored_log" and "censored_crps". Targets must be >= 0; y = 0 is accepted because the density
    is finite there.
    """

    parameters = (Param("scale", LOG, (-40.0, 40.0), unit="scale"),)
    scores = ("log", "crps")
    censoring = ("log", "crps")
    support = "positive"
    zero_in_support = True
    # 1 / scale = exp(-log scale) is the row factor
    fast = {"log": FastScore(_fast.log_score_mean, _fast.log_natural_gradient, _fast.log_score_leaves, ex_signs=(-1.0,)),
            "censored_log": FastScore(_fast.censored_score_mean, _fast.censored_natural_gradient,
                                      _fast.censored_score_leaves, ex_signs=(-1.0,))}

    @classmethod
    def _fit_marginal(cls, y, w):
        return (log_weighted_mean(y, w),)

    def to_scipy(self):
        return stats.expon(scale=self.scale)

    def mean(self):
        return self.scale.copy()

    def var(self):
        return self.scale**2

    def _ppf(self, q):
        return -self.scale[:, None] * np.log1p(-q)

    def cdf(self, y):
        y = self._as_y(y)
        return np.where(y > 0, -np.expm1(-np.maximum(y, 0.0) / self.scale), 0.0)

    def logpdf(self, y):
        y = self._as_y(y)
        return np.where(y >= 0, -self._theta[:, 0] - np.maximum(y, 0.0) / self.scale, -np.inf)

    # log score
    def _log_score(self, y):
        return self._theta[:, 0] + y / self.scale

    def _log_d_score(self, y):
        return (1.0 - y / self.scale)[:, None]

    def _log_metric(self):
        return np.ones((len(self), 1, 1))

    def _log_natural_gradient(self, y):
        return self._log_d_score(y)

    # CRPS: y - 2 scale (1 - exp(-y/scale)) + scale / 2   (y >= 0)
    def _crps_score(self, y):
        u = y / self.scale
        return y + self.scale * (2 * np.expm1(-u) + 0.5)

    def _crps_d_score(self, y):
        u = y / self.scale
        e = np.exp(-u)
        return (self.scale * (2 * np.expm1(-u) + 2 * u * e + 0.5))[:, None]

    def _crps_metric(self):
        # dF/dlog(scale) = -(y/scale) exp(-y/scale); 2 * int (.)^2 dy = scale / 2
        return (0.5 * self.scale)[:, None, None]

    def _crps_natural_gradient(self, y):
        return self._crps_d_score(y) * (2.0 / self.scale)[:, None]

    # right censoring: log S(t) = -t / scale
    def logsf(self, y):
        return -np.maximum(self._as_y(y), 0.0) / self.scale  # S(y) = 1 below the support

    def _d_logsf(self, y):
        return (np.maximum(self._as_y(y), 0.0) / self.scale)[:, None]

    # censored CRPS: int_0^t F^2 = t - 2 scale (1 - e^-u) + scale (1 - e^-2u) / 2 = scale g(u), u = t / scale
    def _crps_below(self, t):
        return self.scale * _below_parts(self._as_y(t) / self.scale)[0]

    def _d_crps_below(self, t):
        # d/dlog(scale) [scale g(t / scale)] = scale (g(u) - u g'(u)), g'(u) = (1 - e^-u)^2
        return (self.scale * _below_parts(self._as_y(t) / self.scale)[1])[:, None]
