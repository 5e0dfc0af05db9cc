"""Logistic distribution (scipy ``logistic(loc, scale)``); internal parameters (loc, log scale).

With z = (y - loc) / scale, F(z) = 1 / (1 + e^-z) and 2F - 1 = tanh(z/2):
- log score log scale + z + 2 log(1 + e^-z), gradient (-(2F - 1) / scale, 1 - z (2F - 1)), Fisher
  information diag(1 / (3 scale^2), (pi^2 + 3) / 9) (E[(2F-1)^2] = 1/3; the cross term is odd in z);
- CRPS scale [z - 2 log F - 1], gradient (-(2F - 1), scale [2z (1 - F) - 2 log F - 1]), metric
  2 int grad F grad F^T dy = diag(1 / (3 scale), scale (pi^2 - 6) / 9) (with u = F:
  int u (1-u) du = 1/6, int u (1-u) logit(u)^2 du = (pi^2 - 6)/18; the cross term is odd in z).
Both metrics are diagonal, so the natural gradients are the gradients divided by them.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize, stats
from scipy.special import expit, logit

from . import _logistic_fast as _fast
from ._declare import IDENTITY, LOG, Param
from .base import Distribution, diagonal_metric, mean_and_log_sd
from .fast import FastScore

__all__ = ["Logistic"]

_LOG_SCALE_FISHER = (np.pi**2 + 3) / 9
_CRPS_SCALE = (np.pi**2 - 6) / 9


class Logistic(Distribution):
    """Logistic(loc, scale), P(Y <= y) = 1 / (1 + e^-z). Internal theta[:, 0] = loc,
    theta[:, 1] = log(scale). Scores "log" and "crps" (module docstring)."""

    parameters = (Param("loc", IDENTITY, (-1e100, 1e100), default=0.0, unit="location"),
                  Param("scale", LOG, (-40.0, 40.0), unit="scale"))
    scores = ("log", "crps")
    support = "real"
    fast = {"log": FastScore(_fast.log_score_mean, _fast.log_natural_gradient, _fast.log_score_leaves,
                             ex_signs=(0.0, -1.0))}  # 1 / scale is the row factor

    @classmethod
    def _fit_marginal(cls, y, w):
        """Weighted MLE by BFGS on the standardised data, from scale = sd sqrt(3) / pi."""
        mean, log_sd = mean_and_log_sd(y, w)
        if not np.ptp(y) > 0:
            return mean, cls.bounds[1][0]
        x, w = (y - mean) / np.exp(log_sd), w / w.sum()

        def objective(theta):
            d = cls.from_internal(np.tile(theta, (len(x), 1)))
            return float(w @ d._log_score(x)), w @ d._log_d_score(x)

        res = optimize.minimize(objective, [0.0, np.log(np.sqrt(3) / np.pi)], jac=True, method="BFGS", options={"gtol": 1e-12})
        return mean + np.exp(log_sd) * res.x[0], log_sd + res.x[1]

    def to_scipy(self):
        return stats.logistic(loc=self.loc, scale=self.scale)

    def mean(self):
        return self.loc.copy()

    def var(self):
        return (np.pi**2 / 3) * self.scale**2

    def _ppf(self, q):
        return self.loc[:, None] + self.scale[:, None] * logit(q)

    def _z(self, y):
        return (self._as_y(y) - self.loc) / self.scale

    def cdf(self, y):
        return expit(self._z(y))

    def logpdf(self, y):
        a = np.abs(self._z(y))
        return -a - self._theta[:, 1] - 2 * np.log1p(np.exp(-a))

    def _log_d_score(self, y):
        z = self._z(y)
        t = np.tanh(0.5 * z)
        return np.column_stack([-t / self.scale, 1.0 - z * t])

    def _log_metric(self):
        return diagonal_metric(len(self), 1.0 / (3 * self.scale**2), _LOG_SCALE_FISHER)

    def _log_natural_gradient(self, y):
        g = self._log_d_score(y)
        return np.column_stack([3 * self.scale**2 * g[:, 0], g[:, 1] / _LOG_SCALE_FISHER])

    def _crps_score(self, y):
        z = self._z(y)
        return self.scale * (z + 2 * np.logaddexp(0.0, -z) - 1)  # -log F = log(1 + e^-z)

    def _crps_d_score(self, y):
        z = self._z(y)
        return np.column_stack([-np.tanh(0.5 * z), self.scale * (2 * z * expit(-z) + 2 * np.logaddexp(0.0, -z) - 1)])

    def _crps_metric(self):
        return diagonal_metric(len(self), 1.0 / (3 * self.scale), _CRPS_SCALE * self.scale)

    def _crps_natural_gradient(self, y):
        g = self._crps_d_score(y)
        return np.column_stack([3 * self.scale * g[:, 0], g[:, 1] / (_CRPS_SCALE * self.scale)])
