"""Logit-normal distribution on (0, 1): logit(y) ~ Normal(loc, scale); internal parameters (loc, log scale).

The density is phi((logit y - loc) / scale) / (scale y (1 - y)). The Jacobian 1 / (y (1 - y)) does
not depend on the parameters, so the gradient and the Fisher information are those of the normal
of logit(y): with z = (logit y - loc) / scale, gradient (-z / scale, 1 - z^2) and Fisher
information diag(1 / scale^2, 2).

The mean and variance have no closed form; they are computed by quadrature (``_moments``).
"""

from __future__ import annotations

import numpy as np
from scipy import stats
from scipy.special import expit, log_ndtr, logit, ndtr, ndtri

from ._declare import IDENTITY, LOG, Param
from .base import Distribution, diagonal_metric, mean_and_log_sd
from .normal import _LOG_SQRT_2PI, _phi

__all__ = ["LogitNormal"]

# scale < 1: trapezoid rule in x = (logit y - loc) / scale on |x| <= 38.5, step 1/4 (error about
# exp(-2 pi^2 / (scale h)) < 1e-30: the logistic's nearest poles lie pi / scale from the real axis)
_X = np.arange(-154, 155) * 0.25
_WX = 0.25 * np.exp(-0.5 * _X * _X) / np.sqrt(2 * np.pi)
# scale >= 1: expit(loc + scale x) is a step at x0 = -loc / scale plus a correction that decays as
# e^-|u| in u = scale (x - x0), integrated by 200-point Gauss-Legendre on [0, 45]
_GL_U, _GL_W = np.polynomial.legendre.leggauss(200)
_U = 22.5 * (_GL_U + 1)
_WU = 22.5 * _GL_W
_E = expit(-_U)
_CHUNK = 2048


def _half_sech(a):
    """1 / (2 cosh(a / 2)) without overflow."""
    e = np.exp(-0.5 * np.abs(a))
    return e / (1 + e * e)


def _moments(loc, scale):
    """(mean, variance) of expit(Z), Z ~ Normal(loc, scale^2), per row (absolute error ~1e-16)."""
    mean, var = np.empty_like(loc), np.empty_like(loc)
    for start in range(0, len(loc), _CHUNK):
        rows = slice(start, start + _CHUNK)
        m, s = loc[rows], scale[rows]
        narrow = s < 1
        out_m, out_v = np.empty_like(m), np.empty_like(m)
        if narrow.any():
            mn, sn = m[narrow, None], s[narrow, None]
            # expit(loc + s x) - expit(loc) = 2 sinh(s x / 2) sech-halves: no cancellation
            d = 2 * np.sinh(0.5 * sn * _X) * _half_sech(mn + sn * _X) * _half_sech(mn)
            first = d @ _WX
            out_m[narrow] = expit(m[narrow]) + first
            out_v[narrow] = np.maximum(d * d @ _WX - first * first, 0.0)
        wide = ~narrow
        if wide.any():
            # with loc <= 0 (1 - Y is logit-normal with -loc: same variance, mean 1 - mean)
            sw = s[wide, None]
            x0 = np.abs(m[wide, None]) / sw
            below = _phi(x0 - _U / sw)
            above = _phi(x0 + _U / sw)
            step = ndtr(-x0[:, 0])
            first = step + (below - above) @ (_E * _WU) / sw[:, 0]
            second = step + (below @ (_E * _E * _WU) - above @ (_E * (2 - _E) * _WU)) / sw[:, 0]
            out_m[wide] = np.where(m[wide] <= 0, first, 1 - first)
            out_v[wide] = np.maximum(second - first * first, 0.0)
        mean[rows], var[rows] = out_m, out_v
    return mean, var


class _logitnorm_gen(stats.rv_continuous):
    """scipy form of the family: shape parameters m (the normal's mean) and s (its sd)."""

    def _argcheck(self, m, s):
        return np.isfinite(m) & (s > 0)

    def _logpdf(self, x, m, s):
        inside = (x > 0) & (x < 1)
        xs = np.where(inside, x, 0.5)
        z = (logit(xs) - m) / s
        return np.where(inside, -_LOG_SQRT_2PI - np.log(s) - 0.5 * z * z - np.log(xs) - np.log1p(-xs), -np.inf)

    def _pdf(self, x, m, s):
        return np.exp(self._logpdf(x, m, s))

    def _cdf(self, x, m, s):
        return ndtr((logit(x) - m) / s)

    def _ppf(self, q, m, s):
        return expit(m + s * ndtri(q))


logitnorm = _logitnorm_gen(a=0.0, b=1.0, name="logitnorm", shapes="m, s")


class LogitNormal(Distribution):
    """LogitNormal(loc, scale) on (0, 1): logit(Y) ~ Normal(loc, scale). Internal theta[:, 0] = loc,
    theta[:, 1] = log(scale).

    Score "log" (module docstring): Fisher information diag(1/scale^2, 2), closed-form natural
    gradient (-(logit y - loc), (1 - z^2) / 2). The marginal fit is exact (mean and standard
    deviation of logit y). Mean and variance by quadrature; quantiles expit(loc + scale Phi^-1(q)).
    """

    parameters = (Param("loc", IDENTITY, (-1e100, 1e100), default=0.0),
                  Param("scale", LOG, (-40.0, 40.0), domain=(-100.0, 100.0)))
    support = "unit"

    @classmethod
    def _fit_marginal(cls, y, w):
        return mean_and_log_sd(logit(y), w)

    def to_scipy(self):
        return logitnorm(self.loc, self.scale)

    def mean(self):
        return _moments(self.loc, self.scale)[0]

    def var(self):
        return _moments(self.loc, self.scale)[1]

    def _ppf(self, q):
        return expit(self.loc[:, None] + self.scale[:, None] * ndtri(q))

    def _z_inside(self, y):
        """(z = (logit y - loc) / scale with y in (0, 1), where y lies in (0, 1), y as an array)."""
        y = self._as_y(y)
        inside = (y > 0) & (y < 1)
        return (logit(np.where(inside, y, 0.5)) - self.loc) / self.scale, inside, y

    def cdf(self, y):
        z, inside, y = self._z_inside(y)
        return np.where(inside, ndtr(z), np.where(y >= 1, 1.0, 0.0))

    def sf(self, y):
        z, inside, y = self._z_inside(y)
        return np.where(inside, ndtr(-z), np.where(y >= 1, 0.0, 1.0))

    def logcdf(self, y):
        z, inside, y = self._z_inside(y)
        return np.where(inside, log_ndtr(z), np.where(y >= 1, 0.0, -np.inf))

    def logsf(self, y):
        z, inside, y = self._z_inside(y)
        return np.where(inside, log_ndtr(-z), np.where(y >= 1, -np.inf, 0.0))

    def logpdf(self, y):
        z, inside, y = self._z_inside(y)
        ys = np.where(inside, y, 0.5)
        inner = -_LOG_SQRT_2PI - self._theta[:, 1] - 0.5 * z * z - np.log(ys) - np.log1p(-ys)
        return np.where(inside, inner, -np.inf)

    # log score
    def _z(self, y):
        return (logit(y) - self.loc) / self.scale

    def _log_d_score(self, y):
        z = self._z(y)
        return np.column_stack([-z / self.scale, 1.0 - z * z])

    def _log_metric(self):
        return diagonal_metric(len(self), 1.0 / self.scale**2, 2.0)

    def _log_natural_gradient(self, y):
        z = self._z(y)
        return np.column_stack([-z * self.scale, 0.5 * (1.0 - z * z)])
