"""Laplace distribution (scipy ``laplace(loc, scale)``); internal parameters (loc, log scale)."""

from __future__ import annotations

import numpy as np
from scipy import stats

from . import _laplace_fast as _fast
from ._declare import IDENTITY, LOG, Param
from .base import Distribution, diagonal_metric
from .fast import FastScore

__all__ = ["Laplace"]


class Laplace(Distribution):
    """Laplace(loc, scale), density exp(-|y - loc| / scale) / (2 scale).

    Internal theta[:, 0] = loc, theta[:, 1] = log(scale). Scores: "log" (Fisher diag(1/scale^2, 1))
    and "crps" (closed form |y-loc| + scale exp(-|z|) - 3 scale / 4, metric diag(1/(2 scale),
    scale/4)); both with closed-form natural gradients.
    """

    # the constructor keeps scales in [e^-100, e^100] exactly: every method is still correct there
    parameters = (Param("loc", IDENTITY, (-1e100, 1e100), default=0.0, unit="location"),
                  Param("scale", LOG, (-40.0, 40.0), domain=(-100.0, 100.0), unit="scale"))
    scores = ("log", "crps")
    support = "real"
    fast = {"log": FastScore(_fast.log_score_mean, _fast.log_natural_gradient, _fast.log_score_leaves,
                             ex_signs=(0.0, -1.0))}  # 1 / scale is the row factor

    @classmethod
    def _fit_marginal(cls, y, w):
        """Weighted median and weighted mean absolute deviation about it (the exact MLE)."""
        order = np.argsort(y)
        ys, ws = y[order], w[order]
        cum = np.cumsum(ws)
        half = 0.5 * cum[-1]
        i = int(np.searchsorted(cum, half))
        # if the cumulative weight hits exactly half, every point of [ys[i], ys[i+1]] is a median
        loc = 0.5 * (ys[i] + ys[i + 1]) if np.isclose(cum[i], half, rtol=1e-15, atol=0) and i + 1 < len(ys) else ys[i]
        mad = np.average(np.abs(y - loc), weights=w)
        return loc, np.log(max(mad, np.finfo(float).tiny))

    def to_scipy(self):
        return stats.laplace(loc=self.loc, scale=self.scale)

    def mean(self):
        return self.loc.copy()

    def var(self):
        return 2 * self.scale**2

    def _ppf(self, q):
        # loc - scale * sign(q - 1/2) * log(1 - 2 |q - 1/2|)
        d = q - 0.5
        with np.errstate(divide="ignore"):
            return self.loc[:, None] - self.scale[:, None] * np.sign(d) * np.log1p(-2 * np.abs(d))

    def _z(self, y):
        return (y - self.loc) / self.scale

    def cdf(self, y):
        z = self._z(self._as_y(y))
        half_tail = 0.5 * np.exp(-np.abs(z))
        return np.where(z < 0, half_tail, 1 - half_tail)

    def logpdf(self, y):
        z = self._z(self._as_y(y))
        return -np.log(2.0) - self._theta[:, 1] - np.abs(z)

    # log score
    def _log_d_score(self, y):
        z = self._z(y)
        return np.column_stack([-np.sign(z) / self.scale, 1.0 - np.abs(z)])

    def _log_metric(self):
        return diagonal_metric(len(self), 1.0 / self.scale**2, 1.0)

    def _log_natural_gradient(self, y):
        z = self._z(y)
        return np.column_stack([-np.sign(z) * self.scale, 1.0 - np.abs(z)])

    # CRPS
    def _crps_score(self, y):
        z = self._z(y)
        a = np.abs(z)
        return self.scale * (a + np.exp(-a) - 0.75)

    def _crps_d_score(self, y):
        # d/dloc = -sign(z) (1 - exp(-|z|));  d/dlog(scale) = scale [(1 + |z|) exp(-|z|) - 3/4]
        z = self._z(y)
        a = np.abs(z)
        e = np.exp(-a)
        return np.column_stack([np.sign(z) * np.expm1(-a), self.scale * ((1 + a) * e - 0.75)])

    def _crps_metric(self):
        return diagonal_metric(len(self), 0.5 / self.scale, 0.25 * self.scale)

    def _crps_natural_gradient(self, y):
        g = self._crps_d_score(y)
        return np.column_stack([2 * self.scale * g[:, 0], 4 * g[:, 1] / self.scale])
