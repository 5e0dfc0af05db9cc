"""Gamma distribution (scipy ``gamma(a, scale)``); internal parameters (log a, log scale)."""

from __future__ import annotations

import numpy as np
from scipy import stats
from scipy.special import digamma, gammaincc, gammaln, polygamma

from . import _gamma_fast as _fast
from ._declare import LOG, Param
from .base import Distribution, edge_logpdf, symmetric_metric
from .fast import FastScore, log_time

__all__ = ["Gamma"]


def _a_trigamma_minus_one(a):
    """a * trigamma(a) - 1 (> 0), accurate also for large a where it is ~ 1/(2a).

    For a > 20 the asymptotic series of trigamma is used (truncation error < 1e-15 relative);
    below, the direct difference loses at most ~2 digits.
    """
    a = np.asarray(a, float)
    big = a > 20
    ab = np.where(big, a, 1.0)
    inv = 1.0 / ab
    inv2 = inv * inv
    series = inv * (0.5 + inv * (1 / 6 + inv2 * (-1 / 30 + inv2 * (1 / 42 + inv2 * (-1 / 30 + inv2 * 5 / 66)))))
    small = np.where(big, 1.0, a)
    direct = small * polygamma(1, small) - 1.0
    return np.where(big, series, direct)


def _log_q(a, x):
    """log of the regularised upper incomplete gamma Q(a, x), finite where Q underflows.

    Where Q < 1e-280 (x far in the upper tail, x >> a) the asymptotic series
    Q ~ x^(a-1) e^-x / Gamma(a) * sum_k (a-1)...(a-k) / x^k (8 terms) is used in log space."""
    q = gammaincc(a, x)
    small = q < 1e-280
    if not np.any(small):
        return np.log(q)
    xs = np.where(small, x, 1.0)
    term = np.ones_like(xs)
    total = np.ones_like(xs)
    for j in range(1, 9):
        term = term * (a - j) / xs
        total = total + term
    tail = (a - 1) * np.log(xs) - xs - gammaln(a) + np.log(np.abs(total))
    with np.errstate(divide="ignore"):
        return np.where(small, tail, np.log(np.where(small, 1.0, q)))


class Gamma(Distribution):
    """Gamma(a, scale): shape a, scale (mean a * scale).

    Internal theta[:, 0] = log(a), theta[:, 1] = log(scale) (the scale, not the rate, is used).
    Score "log": Fisher information [[a^2 trigamma(a), a], [a, a]] (closed form) with a closed-form
    2x2 natural gradient that uses a stable a*trigamma(a) - 1.
    """

    parameters = (Param("a", LOG, (-20.0, 20.0)), Param("scale", LOG, (-40.0, 40.0), unit="scale"))
    censoring = ("log",)
    support = "positive"
    # a and 1 / scale are the row factors, log y the per-row term
    fast = {"log": FastScore(_fast.log_score_mean, _fast.log_natural_gradient, _fast.log_score_leaves,
                             ex_signs=(1.0, -1.0), aux=log_time),
            "censored_log": FastScore(_fast.censored_score_mean, _fast.censored_natural_gradient,
                                      _fast.censored_score_leaves, ex_signs=(1.0, -1.0), aux=log_time)}

    @classmethod
    def location_params(cls, k):
        """The scale sets the location (early stopping gates only the shape's steps)."""
        return np.array([1])

    @classmethod
    def _fit_marginal(cls, y, w):
        """Weighted MLE: Newton on log a for log a - digamma(a) = log(mean y) - mean(log y)."""
        w = w / w.sum()
        mean = float(w @ y)
        s = np.log(mean) - float(w @ np.log(y))
        lo, hi = cls.bounds[0]
        if not s > 0:  # all targets equal: a -> infinity
            x = hi
        else:
            a = (3 - s + np.sqrt((s - 3) ** 2 + 24 * s)) / (12 * s)  # Minka's starting value
            x = float(np.clip(np.log(a), lo, hi))
            for _ in range(50):
                a = np.exp(x)
                f = x - digamma(a) - s
                step = f / float(_a_trigamma_minus_one(a))  # d f / d log a = -(a trigamma(a) - 1)
                x = float(np.clip(x + step, lo, hi))
                if abs(step) < 1e-13:
                    break
        return x, np.log(mean) - x

    def to_scipy(self):
        return stats.gamma(a=self.a, scale=self.scale)

    def mean(self):
        return self.a * self.scale

    def var(self):
        return self.a * self.scale**2

    def logpdf(self, y):
        y = self._as_y(y)
        pos = y > 0
        ys = np.where(pos, y, 1.0)
        out = (self.a - 1) * np.log(ys) - ys / self.scale - self.a * self._theta[:, 1] - gammaln(self.a)
        at0 = edge_logpdf(self.a, -self._theta[:, 1])  # density 1/scale at y = 0 when a = 1
        return np.where(pos, out, np.where(y == 0, at0, -np.inf))

    def _log_d_score(self, y):
        a = self.a
        return np.column_stack([a * (digamma(a) + self._theta[:, 1] - np.log(y)), a - y / self.scale])

    def _log_metric(self):
        a = self.a
        return symmetric_metric(len(self), a * (1.0 + _a_trigamma_minus_one(a)), a, a)  # (a^2 trigamma(a), a, a)

    def _log_natural_gradient(self, y):
        # inverse of [[a^2 psi1, a], [a, a]] is [[1, -1], [-1, a psi1]] / (a D), D = a psi1 - 1
        g = self._log_d_score(y)
        a = self.a
        d = _a_trigamma_minus_one(a)
        diff = (g[:, 0] - g[:, 1]) / (a * d)
        return np.column_stack([diff, g[:, 1] / a - diff])

    # right censoring: log S(t) = log Q(a, t / scale)
    def logsf(self, y):
        y = self._as_y(y)
        return _log_q(self.a, np.maximum(y, 0.0) / self.scale)

    def _d_logsf(self, y):
        """d log Q / d log scale in closed form; d log Q / d log a = a d log Q / da by 4-point
        Richardson-extrapolated central differences in a (relative error ~1e-10)."""
        y = np.maximum(self._as_y(y), 0.0)
        a, x = self.a, y / self.scale
        log_q = _log_q(a, x)
        with np.errstate(divide="ignore"):
            d_log_scale = np.exp(a * np.log(np.where(x > 0, x, 1.0)) - x - gammaln(a) - log_q)
        d_log_scale = np.where(x > 0, d_log_scale, 0.0)
        h = 1e-3 * a

        def central(step):
            return (_log_q(a + step, x) - _log_q(a - step, x)) / (2 * step)

        d_a = (4 * central(h / 2) - central(h)) / 3
        return np.column_stack([a * d_a, d_log_scale])
