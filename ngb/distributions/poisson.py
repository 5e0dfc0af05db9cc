"""Poisson distribution; internal parameter log(mu).

Scores: "log" (Fisher information mu) and "crps". The CRPS of a count forecast is
sum_k (F(k) - 1{y <= k})^2; with Bessel functions it is (Wei & Held 2014)

    (y - mu) (2 F(y) - 1) + 2 mu f(y) - mu exp(-2 mu) [I0(2 mu) + I1(2 mu)],

its derivative in mu is 1 - 2 F(y - 1) - exp(-2 mu) I0(2 mu), and its metric
2 sum_k (dF(k)/dlog mu)^2 = 2 mu^2 sum_k f(k)^2 = 2 mu^2 exp(-2 mu) I0(2 mu): all closed form
(exponentially scaled Bessel functions keep them finite for every mu).
"""

from __future__ import annotations

import numpy as np
from scipy import stats
from scipy.special import gammaln, i0e, i1e, pdtr

from . import _poisson_fast
from ._declare import LOG, Param
from .base import Distribution, log_weighted_mean
from .fast import FastScore

__all__ = ["Poisson"]


def _log_factorial(y):
    """log(y!) per row: the fast kernels' per-row term, once per fit."""
    return gammaln(np.asarray(y, dtype=float) + 1.0)


class Poisson(Distribution):
    """Poisson(mu). Internal theta[:, 0] = log(mu)."""

    # log mu <= 20 (mu <= 4.9e8): scipy's Poisson quantile function returns NaN above about e^25
    parameters = (Param("mu", LOG, (-30.0, 20.0)),)
    scores = ("log", "crps")
    support = "count"
    discrete = True
    fast = {"log": FastScore(_poisson_fast.log_score_mean, _poisson_fast.log_natural_gradient,
                             _poisson_fast.log_score_leaves, aux=_log_factorial)}

    @classmethod
    def _fit_marginal(cls, y, w):
        return (log_weighted_mean(y, w),)

    def to_scipy(self):
        return stats.poisson(mu=self.mu)

    def mean(self):
        return self.mu.copy()

    def var(self):
        return self.mu.copy()

    def logpdf(self, y):
        y = self._as_y(y)
        valid = (y >= 0) & (y == np.floor(y))
        ys = np.where(valid, y, 0.0)
        out = ys * self._theta[:, 0] - self.mu - gammaln(ys + 1)
        return np.where(valid, out, -np.inf)

    def _log_score(self, y):
        return self.mu - y * self._theta[:, 0] + gammaln(y + 1)

    def _log_d_score(self, y):
        return (self.mu - y)[:, None]

    def _log_metric(self):
        return self.mu[:, None, None].copy()

    def _log_natural_gradient(self, y):
        return (1.0 - y / self.mu)[:, None]

    # CRPS (closed form with Bessel functions; y is a non-negative integer)
    def _crps_score(self, y):
        mu = self.mu
        k = np.floor(y)
        pmf = np.exp(k * self._theta[:, 0] - mu - gammaln(k + 1))
        two_mu = 2 * mu
        return (y - mu) * (2 * pdtr(k, mu) - 1) + 2 * mu * pmf - mu * (i0e(two_mu) + i1e(two_mu))

    def _crps_d_score(self, y):
        mu = self.mu
        k = np.floor(y)
        cdf_below = np.where(k >= 1, pdtr(np.maximum(k - 1, 0), mu), 0.0)  # F(y - 1)
        return (mu * (1 - 2 * cdf_below - i0e(2 * mu)))[:, None]

    def _crps_metric(self):
        return (2 * self.mu**2 * i0e(2 * self.mu))[:, None, None]

    def _crps_natural_gradient(self, y):
        mu = self.mu
        k = np.floor(y)
        cdf_below = np.where(k >= 1, pdtr(np.maximum(k - 1, 0), mu), 0.0)
        return ((1 - 2 * cdf_below - i0e(2 * mu)) / (2 * mu * i0e(2 * mu)))[:, None]
