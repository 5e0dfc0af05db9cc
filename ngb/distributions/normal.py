"""Normal distribution; internal parameters (loc, log scale)."""

from __future__ import annotations

import numpy as np
from scipy import stats
from scipy.special import ndtr, ndtri

from ._fused import normal_log_natgrad, normal_log_score_leaves, normal_log_score_mean
from .base import Distribution

__all__ = ["Normal"]

_LOG_SQRT_2PI = 0.5 * np.log(2 * np.pi)
_INV_SQRT_PI = 1.0 / np.sqrt(np.pi)


def _phi(z):
    return np.exp(-0.5 * z * z) / np.sqrt(2 * np.pi)


class Normal(Distribution):
    """Normal(loc, scale). Internal theta[:, 0] = loc, theta[:, 1] = log(scale)."""

    param_names = ("loc", "log_scale")
    scores = ("log", "crps")
    bounds = ((-1e100, 1e100), (-40.0, 40.0))
    support = "real"
    _fused_scores = {"log": normal_log_score_mean}
    _fused_natgrads = {"log": normal_log_natgrad}
    _fused_leaf_scores = {"log": normal_log_score_leaves}

    @classmethod
    def fused_ex_signs(cls, k):
        return np.array([0.0, -1.0])  # 1 / scale = exp(-log scale); the mean needs none

    def __init__(self, loc=0.0, scale=1.0):
        loc, scale = np.broadcast_arrays(np.atleast_1d(np.asarray(loc, float)), np.atleast_1d(np.asarray(scale, float)))
        if loc.ndim != 1:
            raise ValueError("loc and scale must be scalars or 1-D arrays.")
        if np.any(~(scale > 0)):
            raise ValueError("scale must be positive.")
        self._set_internal(self.clip_internal(np.column_stack([loc, np.log(scale)])))

    def _set_internal(self, theta):
        self._theta = theta
        self.loc = theta[:, 0]
        self.scale = np.exp(theta[:, 1])

    @property
    def params(self):
        return {"loc": self.loc.copy(), "scale": self.scale.copy()}

    @classmethod
    def fit_marginal(cls, y, sample_weight=None):
        y = np.asarray(y, float)
        w = np.ones_like(y) if sample_weight is None else np.asarray(sample_weight, float)
        mean = np.average(y, weights=w)
        var = np.average((y - mean) ** 2, weights=w)
        tiny = np.finfo(float).tiny
        return cls.clip_internal(np.array([[mean, 0.5 * np.log(max(var, tiny))]]))[0]

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
    def _log_score(self, y):
        return -self.logpdf(y)

    def _log_d_score(self, y):
        z = self._z(y)
        return np.column_stack([-z / self.scale, 1.0 - z * z])

    def _log_metric(self):
        n = len(self)
        out = np.zeros((n, 2, 2))
        out[:, 0, 0] = 1.0 / self.scale**2
        out[:, 1, 1] = 2.0
        return out

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
        n = len(self)
        out = np.zeros((n, 2, 2))
        out[:, 0, 0] = _INV_SQRT_PI / self.scale
        out[:, 1, 1] = 0.5 * _INV_SQRT_PI * self.scale
        return out

    def _crps_natural_gradient(self, y):
        g = self._crps_d_score(y)
        sqrt_pi = np.sqrt(np.pi)
        return np.column_stack([g[:, 0] * self.scale * sqrt_pi, g[:, 1] * 2 * sqrt_pi / self.scale])
