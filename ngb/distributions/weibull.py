"""Weibull distribution (scipy ``weibull_min(c, scale)``); internal parameters (log c, log scale)."""

from __future__ import annotations

import numpy as np
from scipy import optimize, stats
from scipy.special import gammaln

from . import _weibull_fast as _fast
from ._declare import LOG, Param
from .base import Distribution, edge_logpdf, symmetric_metric
from .fast import FastScore, log_time

__all__ = ["Weibull"]

_EULER = np.euler_gamma
_ONE_MINUS_G = 1.0 - _EULER
_A = _ONE_MINUS_G**2 + np.pi**2 / 6  # Fisher entry for log c
_DET_FACTOR = 6.0 / np.pi**2
# log((y/scale)^c) is capped here so that (y/scale)^c, and c times it, stay finite; the cap is
# only reached far outside any fitted range (the score is then ~e^600).
_LOG_W_MAX = 600.0


class Weibull(Distribution):
    """Weibull(c, scale): P(Y > y) = exp(-(y/scale)^c).

    Internal theta[:, 0] = log(c), theta[:, 1] = log(scale). Score "log" with the closed-form Fisher
    information [[(1-g)^2 + pi^2/6, -c (1-g)], [-c (1-g), c^2]] (g = Euler's constant) and its
    closed-form inverse (determinant c^2 pi^2 / 6).
    """

    # c >= e^-5 keeps quantiles up to 1 - 1e-16 finite (scale * (-log(1-q))^(1/c) < e^600)
    parameters = (Param("c", LOG, (-5.0, 5.0)), Param("scale", LOG, (-40.0, 40.0), unit="scale"))
    censoring = ("log",)
    support = "positive"
    # c is the row factor, log y the per-row term
    fast = {"log": FastScore(_fast.log_score_mean, _fast.log_natural_gradient, _fast.log_score_leaves,
                             ex_signs=(1.0, 0.0), aux=log_time),
            "censored_log": FastScore(_fast.censored_score_mean, _fast.censored_natural_gradient,
                                      _fast.censored_score_leaves, ex_signs=(1.0, 0.0), aux=log_time)}

    @classmethod
    def location_params(cls, k):
        """The scale sets the location (early stopping gates only the shape's steps)."""
        return np.array([1])

    @classmethod
    def _fit_marginal(cls, y, w):
        """Weighted MLE: root of the profile score in log c (brentq), then the scale in closed form."""
        ly = np.log(y)
        w = w / w.sum()
        m = ly.max()
        d = ly - m  # <= 0, so exp(c d) never overflows
        mean_d = float(w @ d)

        def profile_score(log_c):
            c = np.exp(log_c)
            e = w * np.exp(c * d)
            return 1.0 / c + mean_d - float(e @ d) / float(e.sum())

        lo, hi = cls.bounds[0]
        f_lo, f_hi = profile_score(lo), profile_score(hi)
        if f_lo <= 0:
            log_c = lo
        elif f_hi >= 0:
            log_c = hi
        else:
            log_c = optimize.brentq(profile_score, lo, hi, xtol=1e-14, rtol=1e-15, maxiter=500)
        c = np.exp(log_c)
        log_scale = m + np.log(float(w @ np.exp(c * d))) / c
        return log_c, log_scale

    def to_scipy(self):
        return stats.weibull_min(c=self.c, scale=self.scale)

    # user-facing values in log space (no overflow warnings; inf where the value exceeds doubles)
    def mean(self):
        with np.errstate(over="ignore"):
            return np.exp(self._theta[:, 1] + gammaln(1 + 1 / self.c))

    def var(self):
        g1, g2 = gammaln(1 + 1 / self.c), gammaln(1 + 2 / self.c)
        with np.errstate(over="ignore"):
            return np.exp(2 * self._theta[:, 1] + g2 + np.log1p(-np.exp(2 * g1 - g2)))

    def _ppf(self, q):
        with np.errstate(divide="ignore", over="ignore"):
            return np.exp(self._theta[:, 1, None] + np.log(-np.log1p(-q)) / self.c[:, None])

    def _log_w(self, y):
        """log((y / scale)^c) for y > 0 (uncapped), and the mask y > 0."""
        y = self._as_y(y)
        pos = y > 0
        return self.c * (np.log(np.where(pos, y, 1.0)) - self._theta[:, 1]), pos

    def _w(self, y):
        log_w, pos = self._log_w(y)
        return np.where(pos, np.exp(np.minimum(log_w, 710.0)), 0.0)  # e^710 = inf, quietly

    def cdf(self, y):
        with np.errstate(over="ignore"):
            return -np.expm1(-self._w(y))

    def sf(self, y):
        with np.errstate(over="ignore"):
            return np.exp(-self._w(y))

    def logsf(self, y):
        with np.errstate(over="ignore"):
            return -self._w(y)

    def logcdf(self, y):
        with np.errstate(over="ignore", divide="ignore"):
            return np.log(-np.expm1(-self._w(y)))

    def _parts(self, y):
        """(L, log w, w) with L = log y - log scale and w = (y / scale)^c."""
        with np.errstate(divide="ignore"):
            big_l = np.log(y) - self._theta[:, 1]
        log_w = np.minimum(self.c * big_l, _LOG_W_MAX)
        return big_l, log_w, np.exp(log_w)

    def logpdf(self, y):
        y = self._as_y(y)
        pos = y > 0
        big_l, log_w, w = self._parts(np.where(pos, y, 1.0))
        out = self._theta[:, 0] - self._theta[:, 1] + (self.c - 1) * big_l - w
        at0 = edge_logpdf(self.c, -self._theta[:, 1])  # density 1/scale at y = 0 when c = 1
        return np.where(pos, out, np.where(y == 0, at0, -np.inf))

    def _log_d_score(self, y):
        _, log_w, w = self._parts(y)
        return np.column_stack([-1.0 + log_w * (w - 1.0), self.c * (1.0 - w)])

    def _log_metric(self):
        c = self.c
        return symmetric_metric(len(self), _A, c * c, -c * _ONE_MINUS_G)

    def _log_natural_gradient(self, y):
        g = self._log_d_score(y)
        c = self.c
        g0 = _DET_FACTOR * (g[:, 0] + _ONE_MINUS_G * g[:, 1] / c)
        g1 = _DET_FACTOR * (_ONE_MINUS_G * g[:, 0] / c + _A * g[:, 1] / (c * c))
        return np.column_stack([g0, g1])

    # right censoring: log S(t) = -w, w = (t / scale)^c
    def _d_logsf(self, y):
        y = self._as_y(y)
        pos = y > 0
        big_l, _, w = self._parts(np.where(pos, y, 1.0))
        w = np.where(pos, w, 0.0)
        return np.column_stack([-self.c * w * np.where(pos, big_l, 0.0), self.c * w])

