"""Poisson distribution; internal parameter log(mu)."""

from __future__ import annotations

import numpy as np
from scipy import stats
from scipy.special import gammaln

from .base import Distribution

__all__ = ["Poisson"]


class Poisson(Distribution):
    """Poisson(mu). Internal theta[:, 0] = log(mu)."""

    param_names = ("log_mu",)
    scores = ("log",)
    bounds = ((-30.0, 30.0),)
    support = "count"
    discrete = True

    def __init__(self, mu=1.0):
        mu = np.atleast_1d(np.asarray(mu, float))
        if mu.ndim != 1:
            raise ValueError("mu must be a scalar or a 1-D array.")
        if np.any(~(mu > 0)):
            raise ValueError("mu must be positive.")
        self._set_internal(self.clip_internal(np.log(mu)[:, None]))

    def _set_internal(self, theta):
        self._theta = theta
        self.mu = np.exp(theta[:, 0])

    @property
    def params(self):
        return {"mu": self.mu.copy()}

    @classmethod
    def check_y(cls, y):
        y = super().check_y(y)
        if np.any(y < 0) or np.any(y != np.round(y)):
            raise ValueError("Poisson targets must be non-negative integers (counts).")
        return y

    @classmethod
    def fit_marginal(cls, y, sample_weight=None):
        y = np.asarray(y, float)
        w = np.ones_like(y) if sample_weight is None else np.asarray(sample_weight, float)
        mean = np.average(y, weights=w)
        return cls.clip_internal(np.array([[np.log(max(mean, np.finfo(float).tiny))]]))[0]

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
