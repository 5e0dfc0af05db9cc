"""Gumbel distribution of maxima (scipy ``gumbel_r(loc, scale)``); internal parameters (loc, log scale).

With z = (y - loc) / scale and W = e^-z (W ~ Exp(1) under the model, so E[log W] = -g,
E[W log W] = 1 - g, E[W^2 log W] = 3 - 2g, E[log^2 W] = g^2 + pi^2/6, ..., g Euler's constant) the
log score is log scale + z + W, its gradient (-(1 - W) / scale, 1 - z (1 - W)), the Fisher information

    [[1 / scale^2, -(1 - g) / scale], [-(1 - g) / scale, (1 - g)^2 + pi^2/6]]  (determinant pi^2 / (6 scale^2))

and the natural gradient (6 / pi^2) [[((1-g)^2 + pi^2/6) scale^2, (1-g) scale], [(1-g) scale, 1]] @ grad.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize, stats

from . import _gumbel_fast as _fast
from ._declare import IDENTITY, LOG, Param
from .base import Distribution, mean_and_log_sd, symmetric_metric
from .fast import FastScore

__all__ = ["Gumbel"]

_ONE_MINUS_G = 1.0 - np.euler_gamma
_A = _ONE_MINUS_G**2 + np.pi**2 / 6  # Fisher entry for log scale
_DET_FACTOR = 6.0 / np.pi**2
# -z is capped in the score and its gradient so that W, W / scale and z W stay finite (as the
# Weibull caps log W); the cap is only reached where the score exceeds e^600.
_MINUS_Z_MAX = 600.0


class Gumbel(Distribution):
    """Gumbel(loc, scale): P(Y <= y) = exp(-e^-z). Internal theta[:, 0] = loc, theta[:, 1] = log(scale).
    Score "log" with the closed-form Fisher information and natural gradient of the module docstring."""

    parameters = (Param("loc", IDENTITY, (-1e100, 1e100), default=0.0, unit="location"),
                  Param("scale", LOG, (-40.0, 40.0), unit="scale"))
    support = "real"
    fast = {"log": FastScore(_fast.log_score_mean, _fast.log_natural_gradient, _fast.log_score_leaves,
                             ex_signs=(0.0, -1.0))}  # 1 / scale is the row factor

    @classmethod
    def _fit_marginal(cls, y, w):
        """Weighted MLE on the standardised data x: the profile equation b = mean(x) - sum w x W / sum w W
        by brentq in log b, then loc = -b log(sum w e^(-x/b)) in closed form."""
        mean, log_sd = mean_and_log_sd(y, w)
        if not np.ptp(y) > 0:
            return mean, cls.bounds[1][0]
        x, w = (y - mean) / np.exp(log_sd), w / w.sum()
        d = x - x.min()  # >= 0: e^(-d / b) never overflows

        def profile(log_b):
            e = w * np.exp(-d / np.exp(log_b))
            return np.exp(log_b) - w @ x + (e @ x) / e.sum()

        log_b = optimize.brentq(profile, -30.0, 10.0, xtol=1e-14, rtol=1e-15, maxiter=500)
        loc = x.min() - np.exp(log_b) * np.log(w @ np.exp(-d / np.exp(log_b)))
        return mean + np.exp(log_sd) * loc, log_sd + log_b

    def to_scipy(self):
        return stats.gumbel_r(loc=self.loc, scale=self.scale)

    def mean(self):
        return self.loc + np.euler_gamma * self.scale

    def var(self):
        return (np.pi**2 / 6) * self.scale**2

    def _ppf(self, q):
        with np.errstate(divide="ignore"):
            return self.loc[:, None] - self.scale[:, None] * np.log(-np.log(q))

    def _z_w(self, y, cap=np.inf):
        """(z, W = e^-z) with -z capped at ``cap`` (W = inf, quietly, where it exceeds doubles)."""
        z = np.maximum((self._as_y(y) - self.loc) / self.scale, -cap)
        with np.errstate(over="ignore"):
            return z, np.exp(-z)

    def cdf(self, y):
        return np.exp(-self._z_w(y)[1])

    def sf(self, y):
        return -np.expm1(-self._z_w(y)[1])

    def logcdf(self, y):
        return -self._z_w(y)[1]

    def logsf(self, y):
        with np.errstate(divide="ignore"):
            return np.log(-np.expm1(-self._z_w(y)[1]))

    def logpdf(self, y):
        z, w = self._z_w(y)
        return -self._theta[:, 1] - z - w

    def _log_score(self, y):
        return self._theta[:, 1] + (y - self.loc) / self.scale + self._z_w(y, _MINUS_Z_MAX)[1]

    def _log_d_score(self, y):
        z, w = self._z_w(y, _MINUS_Z_MAX)
        return np.column_stack([(w - 1.0) / self.scale, 1.0 + z * (w - 1.0)])

    def _log_metric(self):
        return symmetric_metric(len(self), self.scale**-2.0, _A, -_ONE_MINUS_G / self.scale)

    def _log_natural_gradient(self, y):
        z, w = self._z_w(y, _MINUS_Z_MAX)
        a, g1 = w - 1.0, 1.0 + z * (w - 1.0)  # a = scale * d/dloc
        return np.column_stack([_DET_FACTOR * self.scale * (_A * a + _ONE_MINUS_G * g1), _DET_FACTOR * (_ONE_MINUS_G * a + g1)])
