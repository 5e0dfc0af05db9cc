"""Normal distribution; internal parameters (loc, log scale)."""

from __future__ import annotations

import numpy as np
from scipy import stats
from scipy.special import ndtr, ndtri

from . import _normal_fast
from ._declare import IDENTITY, LOG, Param
from .base import Distribution, diagonal_metric, mean_and_log_sd
from .fast import FastScore

__all__ = ["Normal"]

_LOG_SQRT_2PI = 0.5 * np.log(2 * np.pi)
_INV_SQRT_PI = 1.0 / np.sqrt(np.pi)


def _phi(z):
    return np.exp(-0.5 * z * z) / np.sqrt(2 * np.pi)


class Normal(Distribution):
    """Normal(loc, scale). Internal theta[:, 0] = loc, theta[:, 1] = log(scale)."""

    # the constructor keeps scales in [e^-100, e^100] exactly: every method is still correct there
    parameters = (Param("loc", IDENTITY, (-1e100, 1e100), default=0.0, unit="location"),
                  Param("scale", LOG, (-40.0, 40.0), domain=(-100.0, 100.0), unit="scale"))
    scores = ("log", "crps")
    support = "real"
    # 1 / scale = exp(-log scale) is the row factor; the mean needs none
    fast = {"log": FastScore(_normal_fast.log_score_mean, _normal_fast.log_natural_gradient,
                             _normal_fast.log_score_leaves, ex_signs=(0.0, -1.0))}

    @classmethod
    def _fit_marginal(cls, y, w):
        return mean_and_log_sd(y, w)

    def to_scipy(self):
        return stats.norm(loc=self.loc, scale=self.scale)

    # user-facing closed forms
    def mean(self):
        return self.loc.copy()

    def var(self):
        return self.scale**2

    def std(self):
        return self.scale.copy()

    def _ppf(self, q):
        return self.loc[:, None] + self.scale[:, None] * ndtri(q)

    def cdf(self, y):
        return ndtr((self._as_y(y) - self.loc) / self.scale)

    def logpdf(self, y):
        z = (self._as_y(y) - self.loc) / self.scale
        return -_LOG_SQRT_2PI - self._theta[:, 1] - 0.5 * z * z

    def _z(self, y):
        return (y - self.loc) / self.scale

    # log score
    def _log_d_score(self, y):
        z = self._z(y)
        return np.column_stack([-z / self.scale, 1.0 - z * z])

    def _log_metric(self):
        return diagonal_metric(len(self), 1.0 / self.scale**2, 2.0)

    def _log_metric_diagonal(self):
        out = np.empty((len(self), 2), order="F")
        out[:, 0] = self.scale**-2.0
        out[:, 1] = 2.0
        return out

    def _log_natural_gradient(self, y):
        out = np.empty((len(self), 2), order="F")  # column order: what the tree grower reads
        np.subtract(self.loc, self._as_y(y), out=out[:, 0])  # -z * scale
        z = out[:, 0] / self.scale
        np.multiply(z, z, out=z)
        np.subtract(0.5, 0.5 * z, out=out[:, 1])  # (1 - z^2) / 2
        return out

    # CRPS: sigma * [z (2 Phi(z) - 1) + 2 phi(z) - 1/sqrt(pi)]
    def _crps_score(self, y):
        z = self._z(y)
        return self.scale * (z * (2 * ndtr(z) - 1) + 2 * _phi(z) - _INV_SQRT_PI)

    def _crps_d_score(self, y):
        z = self._z(y)
        return np.column_stack([-(2 * ndtr(z) - 1), self.scale * (2 * _phi(z) - _INV_SQRT_PI)])

    def _crps_metric(self):
        # 2 * int grad F grad F^T dy with F = Phi((y - loc) / scale): diag(1/(s sqrt(pi)), s/(2 sqrt(pi)))
        return diagonal_metric(len(self), _INV_SQRT_PI / self.scale, 0.5 * _INV_SQRT_PI * self.scale)

    def _crps_natural_gradient(self, y):
        g = self._crps_d_score(y)
        sqrt_pi = np.sqrt(np.pi)
        return np.column_stack([g[:, 0] * self.scale * sqrt_pi, g[:, 1] * 2 * sqrt_pi / self.scale])
