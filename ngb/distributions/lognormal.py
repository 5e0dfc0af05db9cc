"""Log-normal distribution in scipy's parametrisation (``lognorm(s, scale)``);
internal parameters (mu, log s) with mu = log(scale)."""

from __future__ import annotations

import numpy as np
from scipy import stats
from scipy.special import log_ndtr, ndtr, ndtri

from .base import Distribution

__all__ = ["LogNormal"]

_LOG_SQRT_2PI = 0.5 * np.log(2 * np.pi)
_INV_SQRT_PI = 1.0 / np.sqrt(np.pi)
_SQRT_2 = np.sqrt(2.0)


def _phi(z):
    return np.exp(-0.5 * z * z) / np.sqrt(2 * np.pi)


class LogNormal(Distribution):
    """LogNormal(s, scale): log(Y) ~ Normal(log(scale), s^2).

    Internal theta[:, 0] = mu = log(scale), theta[:, 1] = log(s). Scores: "log" (Fisher
    diag(1/s^2, 2), closed-form natural gradient) and "crps" (closed form of Baran & Lerch 2015,
    closed-form metric and natural gradient).
    """

    param_names = ("mu", "log_s")
    scores = ("log", "crps")
    # mu within +-300 and s <= e^3 keep exp(mu + s^2/2) (the mean, used by the CRPS) finite.
    bounds = ((-300.0, 300.0), (-30.0, 3.0))
    support = "positive"

    def __init__(self, s=1.0, scale=1.0):
        s, scale = np.broadcast_arrays(np.atleast_1d(np.asarray(s, float)), np.atleast_1d(np.asarray(scale, float)))
        if s.ndim != 1:
            raise ValueError("s and scale must be scalars or 1-D arrays.")
        if np.any(~(s > 0)) or np.any(~(scale > 0)):
            raise ValueError("s and scale must be positive.")
        self._set_internal(self.clip_internal(np.column_stack([np.log(scale), np.log(s)])))

    def _set_internal(self, theta):
        self._theta = theta
        self.mu = theta[:, 0]
        self.s = np.exp(theta[:, 1])
        self.scale = np.exp(self.mu)

    @property
    def params(self):
        return {"s": self.s.copy(), "scale": self.scale.copy()}

    @classmethod
    def check_y(cls, y):
        y = super().check_y(y)
        if np.any(y <= 0):
            raise ValueError("LogNormal targets must be strictly positive.")
        return y

    @classmethod
    def fit_marginal(cls, y, sample_weight=None):
        logy = np.log(np.asarray(y, float))
        w = np.ones_like(logy) if sample_weight is None else np.asarray(sample_weight, float)
        mean = np.average(logy, weights=w)
        var = np.average((logy - mean) ** 2, weights=w)
        return cls.clip_internal(np.array([[mean, 0.5 * np.log(max(var, np.finfo(float).tiny))]]))[0]

    def to_scipy(self):
        return stats.lognorm(s=self.s, scale=self.scale)

    # user-facing closed forms
    def mean(self):
        return np.exp(self.mu + 0.5 * self.s**2)

    def var(self):
        with np.errstate(over="ignore"):  # inf when beyond the double range (s and mu near bounds)
            return np.exp(np.log(np.expm1(self.s**2)) + 2 * self.mu + self.s**2)

    def _ppf(self, q):
        return np.exp(self.mu[:, None] + self.s[:, None] * ndtri(q))

    def _z(self, y):
        with np.errstate(divide="ignore"):
            return (np.log(y) - self.mu) / self.s

    def cdf(self, y):
        y = self._as_y(y)
        return np.where(y > 0, ndtr(self._z(np.where(y > 0, y, 1.0))), 0.0)

    def logpdf(self, y):
        y = self._as_y(y)
        pos = y > 0
        ys = np.where(pos, y, 1.0)
        z = self._z(ys)
        out = -_LOG_SQRT_2PI - self._theta[:, 1] - np.log(ys) - 0.5 * z * z
        return np.where(pos, out, -np.inf)

    # log score
    def _log_score(self, y):
        return -self.logpdf(y)

    def _log_d_score(self, y):
        z = self._z(y)
        return np.column_stack([-z / self.s, 1.0 - z * z])

    def _log_metric(self):
        out = np.zeros((len(self), 2, 2))
        out[:, 0, 0] = 1.0 / self.s**2
        out[:, 1, 1] = 2.0
        return out

    def _log_natural_gradient(self, y):
        z = self._z(y)
        return np.column_stack([-z * self.s, 0.5 * (1.0 - z * z)])

    # CRPS: y (2 Phi(z) - 1) - 2 E [Phi(z - s) + Phi(s / sqrt 2) - 1],  E = exp(mu + s^2 / 2)
    def _crps_parts(self, y):
        z = self._z(y)
        s = self.s
        big_e = np.exp(self.mu + 0.5 * s * s)
        bracket = ndtr(z - s) - ndtr(-s / _SQRT_2)  # = Phi(z - s) + Phi(s / sqrt 2) - 1
        return z, s, big_e, bracket

    def _crps_score(self, y):
        z, s, big_e, bracket = self._crps_parts(y)
        return y * (2 * ndtr(z) - 1) - 2 * big_e * bracket

    def _crps_d_score(self, y):
        # uses E phi(z - s) = y phi(z), which cancels the z-derivative terms
        z, s, big_e, bracket = self._crps_parts(y)
        d_mu = -2 * big_e * bracket
        d_s = 2 * y * _phi(z) - 2 * big_e * s * bracket - _SQRT_2 * big_e * _phi(s / _SQRT_2)
        return np.column_stack([d_mu, s * d_s])

    def _crps_metric(self):
        # 2 * int grad F grad F^T dy = K [[1/s, s/2], [s/2, s (s^2/4 + 1/2)]],
        # K = exp(mu + s^2/4) / sqrt(pi)  (Gaussian integrals after y = exp(mu + s w)).
        s = self.s
        k = np.exp(self.mu + 0.25 * s * s) * _INV_SQRT_PI
        out = np.empty((len(self), 2, 2))
        out[:, 0, 0] = k / s
        out[:, 0, 1] = out[:, 1, 0] = 0.5 * k * s
        out[:, 1, 1] = k * s * (0.25 * s * s + 0.5)
        return out

    def _crps_natural_gradient(self, y):
        # the metric has determinant K^2 / 2, so its inverse is (2 / K) [[s(s^2/4+1/2), -s/2], [-s/2, 1/s]]
        g = self._crps_d_score(y)
        s = self.s
        two_over_k = 2.0 * np.exp(-self.mu - 0.25 * s * s) * np.sqrt(np.pi)
        g0 = two_over_k * (s * (0.25 * s * s + 0.5) * g[:, 0] - 0.5 * s * g[:, 1])
        g1 = two_over_k * (-0.5 * s * g[:, 0] + g[:, 1] / s)
        return np.column_stack([g0, g1])

    # right censoring: log S(t) = log Phi(-z), z = (log t - mu) / s
    def _z(self, y):
        y = self._as_y(y)
        with np.errstate(divide="ignore"):
            return (np.log(y) - self.mu) / self.s

    def logsf(self, y):
        return log_ndtr(-self._z(y))

    def _d_logsf(self, y):
        z = self._z(y)
        mills = np.exp(-0.5 * z * z - _LOG_SQRT_2PI - log_ndtr(-z))  # phi(z) / Phi(-z)
        return np.column_stack([mills / self.s, mills * z])

