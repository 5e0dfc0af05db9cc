"""Beta distribution (scipy ``beta(a, b)``) for rates in (0, 1); internal parameters (log a, log b)."""

from __future__ import annotations

import numpy as np
from scipy import stats
from scipy.special import betaln, digamma, polygamma

from . import _beta_fast as _fast
from ._declare import LOG, Param
from .base import Distribution, edge_logpdf, symmetric_metric
from .fast import FastScore

__all__ = ["Beta"]


def _trigamma_diff(x, h, tri_x=None, tri_xh=None):
    """trigamma(x) - trigamma(x + h) for x, h > 0, accurate also when h << x; ``tri_x``,
    ``tri_xh``: trigamma(x) and trigamma(x + h) when the caller has them (each a pass of scipy's
    Hurwitz zeta, its slowest part).

    When h <= x / 100 a Taylor series in h (8 terms, truncation < 1e-17 relative) replaces the
    direct difference, which would cancel catastrophically.
    """
    x, h = np.broadcast_arrays(np.asarray(x, float), np.asarray(h, float))
    tri_x = polygamma(1, x) if tri_x is None else tri_x
    tri_xh = polygamma(1, x + h) if tri_xh is None else tri_xh
    out = np.array(tri_x - tri_xh, dtype=float)
    near = h <= 0.01 * x
    if np.any(near):  # the series only where it is used: 8 polygamma calls per such entry
        xs, hs = x[near], h[near]
        series = np.zeros_like(xs)
        term = np.ones_like(xs)
        for k in range(1, 9):
            term = term * hs / k
            series -= polygamma(k + 1, xs) * term
        out[near] = series
    return out


def _log_y_and_1my(y):
    """(n, 2) [log y, log(1 - y)]: the fast kernels' per-row terms (0 outside (0, 1), not read there)."""
    y = np.asarray(y, dtype=float)
    inside = (y > 0) & (y < 1)
    ys = np.where(inside, y, 0.5)
    return np.where(inside[:, None], np.column_stack([np.log(ys), np.log1p(-ys)]), 0.0)


class Beta(Distribution):
    """Beta(a, b) on (0, 1). Internal theta[:, 0] = log(a), theta[:, 1] = log(b).

    Score "log": Fisher information (closed form in trigamma)
    [[a^2 (psi1(a) - psi1(a+b)), -a b psi1(a+b)], [-a b psi1(a+b), b^2 (psi1(b) - psi1(a+b))]],
    natural gradient by the closed-form 2x2 inverse.
    """

    # the constructor keeps a and b up to e^25 (7.2e10) exactly: every method is still correct there
    parameters = (Param("a", LOG, (-10.0, 12.0), domain=(-10.0, 25.0)),
                  Param("b", LOG, (-10.0, 12.0), domain=(-10.0, 25.0)))
    support = "unit"
    # a and b are the row factors
    fast = {"log": FastScore(_fast.log_score_mean, _fast.log_natural_gradient, _fast.log_score_leaves,
                             ex_signs=(1.0, 1.0), aux=_log_y_and_1my)}

    @classmethod
    def location_params(cls, k):
        """No parameter alone sets the location: early stopping gates none of the steps."""
        return np.arange(k)

    @classmethod
    def _fit_marginal(cls, y, w):
        """Weighted MLE by damped Newton steps on (log a, log b) from the method of moments."""
        w = w / w.sum()
        t1, t2 = float(w @ np.log(y)), float(w @ np.log1p(-y))  # sufficient statistics
        m = float(w @ y)
        v = float(w @ (y - m) ** 2)
        k = m * (1 - m) / v - 1 if v > 0 else 1e3
        x = np.log(np.maximum([m * k, (1 - m) * k], 1e-3))
        lo = np.array([b[0] for b in cls.bounds])
        hi = np.array([b[1] for b in cls.bounds])
        x = np.clip(x, lo, hi)

        def nll(x):
            a, b = np.exp(x)
            return float(betaln(a, b) - (a - 1) * t1 - (b - 1) * t2)

        f = nll(x)
        for _ in range(100):
            a, b = np.exp(x)
            tab = polygamma(1, a + b)
            ga = a * (digamma(a) - digamma(a + b) - t1)
            gb = b * (digamma(b) - digamma(a + b) - t2)
            g = np.array([ga, gb])
            # exact Hessian in log coordinates: Fisher (independent of y) plus the gradient diagonal
            hess = np.array(
                [[a * a * _trigamma_diff(a, b) + ga, -a * b * tab], [-a * b * tab, b * b * _trigamma_diff(b, a) + gb]]
            )
            try:
                step = -np.linalg.solve(hess, g)
                if not g @ step < 0:
                    raise np.linalg.LinAlgError
            except np.linalg.LinAlgError:
                step = -g / max(np.abs(g).max(), 1.0)
            t = 1.0
            while t > 1e-8:
                x_new = np.clip(x + t * step, lo, hi)
                f_new = nll(x_new)
                if f_new <= f + 1e-4 * t * (g @ step):
                    break
                t *= 0.5
            moved = np.abs(x_new - x).max()
            x, f = x_new, f_new
            if moved < 1e-13:
                break
        return x

    def to_scipy(self):
        return stats.beta(a=self.a, b=self.b)

    def mean(self):
        return self.a / (self.a + self.b)

    def var(self):
        s = self.a + self.b
        return self.a * self.b / (s * s * (s + 1))

    def logpdf(self, y):
        y = self._as_y(y)
        inside = (y > 0) & (y < 1)
        ys = np.where(inside, y, 0.5)
        out = (self.a - 1) * np.log(ys) + (self.b - 1) * np.log1p(-ys) - betaln(self.a, self.b)
        at0, at1 = edge_logpdf(self.a, np.log(self.b)), edge_logpdf(self.b, np.log(self.a))  # y = 0, y = 1
        return np.where(inside, out, np.where(y == 0, at0, np.where(y == 1, at1, -np.inf)))

    def _log_d_score(self, y):
        a, b = self.a, self.b
        dab = digamma(a + b)
        return np.column_stack([a * (digamma(a) - dab - np.log(y)), b * (digamma(b) - dab - np.log1p(-y))])

    def _fisher_parts(self):
        a, b = self.a, self.b
        tab = polygamma(1, a + b)
        return (a * a * _trigamma_diff(a, b, polygamma(1, a), tab), b * b * _trigamma_diff(b, a, polygamma(1, b), tab),
                -a * b * tab)

    def _log_metric(self):
        return symmetric_metric(len(self), *self._fisher_parts())

    def _log_natural_gradient(self, y):
        g = self._log_d_score(y)
        m00, m11, m01 = self._fisher_parts()
        det = m00 * m11 - m01 * m01
        return np.column_stack([(m11 * g[:, 0] - m01 * g[:, 1]) / det, (m00 * g[:, 1] - m01 * g[:, 0]) / det])
