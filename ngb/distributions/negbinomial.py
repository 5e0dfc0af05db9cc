"""Negative binomial distribution (scipy ``nbinom(n, p)``) for over-dispersed counts.

Internal parameters (log mu, log n) with mean mu = n (1 - p) / p and size n, so p = n / (n + mu);
Var = mu + mu^2 / n. The two are orthogonal: the Fisher information is diagonal,

    I_logmu = n mu / (n + mu)                                 (closed form)
    I_logn  = n^2 I_nn,  I_nn = trigamma(n) - E[trigamma(n + Y)] - mu / (n (n + mu)).

I_nn is the infinite series over y of trigamma differences. Expanding trigamma(n) - trigamma(n+y)
in factorial moments of Y (which are closed form) and resumming gives, with a = mu / (n + mu),

    I_nn = sum_{m>=1} a^(m+1) m! / ((m+1) n (n+1) ... (n+m))
         = int_0^inf exp(-n s) phi(s) ds,   phi(s) = [-log(1 - a E) - a E] / E,  E = 1 - exp(-s),

both with positive terms only (no cancellation, unlike the direct series). For a <= 0.8 the series
is summed until the terms fall below 1e-17 of the sum (term ratio < a, so at most ~170 terms;
relative error ~1e-15). For a > 0.8 the integral is evaluated by the trapezoidal rule in log s
(exponentially convergent for this analytic integrand); the step is set from
the distance of phi's nearest complex singularity, s = log(a/p) +- i pi, so the relative error is
below ~1e-11 everywhere inside the bounds (checked against the series and against exact sums over
y in the tests). Nothing is sampled. These two are the numpy reference; ``size_fisher`` (compiled:
``_negbinomial_fast``, which the fast kernels share) evaluates a table of their interpolants for
a <= 0.999 (``_nb_size_table``: ~35 ns a row, relative error below 3e-13) and the trapezoidal rule
per row above.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize, stats
from scipy.special import betaln, digamma, gammaln

from . import _negbinomial_fast as _fast
from ._declare import LOG, Param
from ._nb_size_table import size_fisher_series as _size_fisher_series
from .base import Distribution, diagonal_metric
from .fast import FastScore
from .poisson import _log_factorial

__all__ = ["NegativeBinomial"]

# coefficients c_j of x^-j in digamma(x) - log(x) for large x
_PSI_LOG_SERIES = ((1, -0.5), (2, -1 / 12), (4, 1 / 120), (6, -1 / 252), (8, 1 / 240), (10, -1 / 132), (12, 691 / 32760), (14, -1 / 12))
_PSI_LARGE = 10.0
_SERIES_MAX_A = 0.8  # series (<= ~170 terms) below, quadrature above
_H_MAX = 0.25  # largest quadrature step in log s


def _log1pmx(x):
    """log(1 + x) - x for x > -1, without cancellation near 0."""
    x = np.asarray(x, float)
    small = np.abs(x) < 0.05
    xs = np.where(small, x, 0.0)
    series = np.zeros_like(xs)
    for k in range(16, 1, -1):
        series = series * xs + ((-1) ** (k + 1)) / k
    series *= xs * xs
    xl = np.where(small, 0.0, x)
    return np.where(small, series, np.log1p(xl) - xl)


def _psi_minus_log(x):
    """digamma(x) - log(x) for x > 0."""
    x = np.asarray(x, float)
    big = x >= _PSI_LARGE
    xb = np.where(big, x, 1.0)
    series = sum(c * xb ** (-j) for j, c in _PSI_LOG_SERIES)
    xs = np.where(big, 1.0, x)
    return np.where(big, series, digamma(xs) - np.log(xs))


def _psi_minus_log_diff(n, k):
    """[digamma(n+k) - log(n+k)] - [digamma(n) - log(n)] for n > 0, k >= 0, stable for large n."""
    n, k = np.broadcast_arrays(np.asarray(n, float), np.asarray(k, float))
    big = n >= _PSI_LARGE
    nb = np.where(big, n, 1.0)
    kb = np.where(big, k, 0.0)
    l1p = np.log1p(kb / nb)
    # (n+k)^-j - n^-j = n^-j expm1(-j log1p(k/n))
    series = sum(c * nb ** (-j) * np.expm1(-j * l1p) for j, c in _PSI_LOG_SERIES)
    ns = np.where(big, 1.0, n)
    ks = np.where(big, 0.0, k)
    direct = _psi_minus_log(ns + ks) - _psi_minus_log(ns)
    return np.where(big, series, direct)


# coefficients c_j of x^-j in the Stirling remainder log Gamma(x) - [(x - 1/2) log x - x + log(2 pi)/2]
_STIRLING_SERIES = ((1, 1 / 12), (3, -1 / 360), (5, 1 / 1260), (7, -1 / 1680), (9, 1 / 1188), (11, -691 / 360360), (13, 1 / 156))


def _log_pmf(k, log_mu, mu, n):
    """log P(Y = k) for NB(mean mu, size n), k a non-negative integer (array).

    For n < 10 via betaln; for n >= 10 via Stirling's formula with the remainder difference taken
    term by term (n^-j expm1(-j log1p(k/n))), which keeps ~1e-15 absolute accuracy for huge n where
    differences of log-gamma values (as in scipy) lose up to ~1e-8."""
    big = n >= _PSI_LARGE
    nb = np.where(big, n, 1.0)
    l1p = np.log1p(k / nb)
    corr = sum(c * nb ** (-j) * np.expm1(-j * l1p) for j, c in _STIRLING_SERIES)
    stirling = (
        (nb - 0.5) * l1p
        - nb * np.log1p(mu / nb)
        - k
        + k * np.log1p((k - mu) / (nb + mu))
        + k * log_mu
        - gammaln(k + 1)
        + corr
    )
    ns = np.where(big, 1.0, n)
    direct = -betaln(ns, k + 1) - np.log(ns + k) - ns * np.log1p(mu / ns) + k * (log_mu - np.log(ns + mu))
    return np.where(big, stirling, direct)


#: (-1)^k (k - 1) / k! for k = 2 .. 21: 1 - e^-u (1 + u) = u^2 sum_k c_k u^(k-2), summed for u < 1
#: (the first omitted term is below 1e-18 of the sum there)
_NOT_01_COEFFS = tuple((-1) ** k * (k - 1) / math.factorial(k) for k in range(2, 22))


def _not_0_or_1(u):
    """1 - e^-u (1 + u) = P(Poisson(u) >= 2) for u >= 0, without cancellation at small u."""
    u = np.asarray(u, float)
    small = u < 1.0
    us = np.where(small, u, 0.0)
    series = np.zeros_like(us)
    for c in _NOT_01_COEFFS[::-1]:
        series = series * us + c
    return np.where(small, series * (us * us), 1.0 - np.exp(-u) * (1.0 + u))


def tail2(n, a):
    """P(Y >= 2) of NB(size n, a = mu / (n + mu)) (shapes broadcast): 1 - p0 (1 + n a) with
    p0 = (1 - a)^n = e^(x - n a), x = n (log(1 - a) + a) <= 0, summed as two positive terms
    -expm1(x) + e^x (1 - e^(-n a) (1 + n a)), so no digit is lost when the tail is small (a scipy
    ``betainc(2, n, a)`` costs ~340 ns per row; this a few exponentials)."""
    n, a = np.broadcast_arrays(np.asarray(n, float), np.asarray(a, float))
    x = n * _log1pmx(-a)
    return -np.expm1(x) + np.exp(x) * _not_0_or_1(n * a)


def _size_fisher_quadrature(n, a, p, refine=1, cut=2e-12):
    """n^2 I_nn by the trapezoidal rule in log(n s) (used for a > _SERIES_MAX_A); ``refine``
    divides the step (the error falls like exp(-2 pi strip / h)) and ``cut`` bounds the part left
    out below the first node (relative): finer for the size table's reference."""
    out = np.empty_like(n)
    # angle of the singularity s = log(a/p) + i pi seen from the origin = strip half-width in log s;
    # the step is at most strip / 4 (error ~ exp(-2 pi strip / h) < 1e-10, in practice < 1e-11)
    strip = np.arctan2(np.pi, np.log(a / p))
    level = np.ceil(4 * np.log2(np.maximum(1.0, _H_MAX * 4 / strip))).astype(int)
    for lev in np.unique(level):
        rows = np.flatnonzero(level == lev)
        h = _H_MAX * 2.0 ** (-lev / 4) / refine
        for start in range(0, len(rows), 2048):
            idx = rows[start : start + 2048]
            nn, aa, pp = n[idx, None], a[idx, None], p[idx, None]
            # left cut: the neglected part is < 1e-12 relative (integrand ~ a^2 s / 2 near 0)
            lo = 0.5 * np.log(cut * nn.min() / (nn.min() + 1)) - 0.5
            w = np.arange(lo, np.log(40.0) + 0.2, h)
            tau = np.exp(w)  # tau = n s
            weight = np.exp(-tau) * tau
            s = tau[None, :] / nn
            decay = np.exp(-s)
            e = 1.0 - decay
            near0 = s < 0.5
            e[near0] = -np.expm1(-s[near0])  # 1 - exp(-s) without cancellation
            x = aa * e
            # phi = [-log(1 - x) - x] / e, with 1 - x = p + a exp(-s) formed without cancellation
            decay *= aa
            decay += pp
            phi = np.log(decay, out=decay)
            phi += x
            np.negative(phi, out=phi)
            small = x < 0.05
            phi[small] = -_log1pmx(-x[small])
            phi /= e
            out[idx] = nn[:, 0] * h * (phi @ weight)
    return out


def size_fisher(n, mu):
    """Fisher information of log n in NB(mean mu, size n): n^2 I_nn (see module docstring), per row
    by the compiled series / quadrature the fast kernels use (``_negbinomial_fast``), shape (m,)."""
    n, mu = np.broadcast_arrays(np.asarray(n, float), np.asarray(mu, float))
    return _fast.size_fisher_rows(np.ascontiguousarray(n.ravel()), np.ascontiguousarray(mu.ravel()))


def _size_fisher_numpy(n, mu):
    """size_fisher vectorised in numpy (blocks of rows share the quadrature's left cut): the
    reference the compiled version is tested against."""
    n, mu = np.broadcast_arrays(np.asarray(n, float), np.asarray(mu, float))
    n, mu = n.ravel(), mu.ravel()
    a = mu / (n + mu)
    p = n / (n + mu)
    out = np.empty_like(n)
    lo = a <= _SERIES_MAX_A
    if np.any(lo):
        out[lo] = _size_fisher_series(n[lo], a[lo])
    if np.any(~lo):
        out[~lo] = _size_fisher_quadrature(n[~lo], a[~lo], p[~lo])
    return out


class NegativeBinomial(Distribution):
    """NegativeBinomial(n, p) as scipy's ``nbinom``: P(Y=k) = C(k+n-1, k) p^n (1-p)^k.

    Internal theta[:, 0] = log(mu) with mu = n (1-p)/p the mean, theta[:, 1] = log(n) (the size;
    1/n is the over-dispersion). Score "log"; diagonal Fisher information (module docstring), so the
    natural gradient is the gradient divided by it.
    """

    parameters = (Param("mu", LOG, (-20.0, 20.0)), Param("n", LOG, (-10.0, 15.0)))
    constructor = ("n", "p")  # scipy's nbinom(n, p); from_mean(mu, n) takes the mean
    support = "count"
    discrete = True
    # mu and n are the row factors, log(y!) the per-row term
    fast = {"log": FastScore(_fast.log_score_mean, _fast.log_natural_gradient, _fast.log_score_leaves,
                             ex_signs=(1.0, 1.0), aux=_log_factorial)}

    def __init__(self, n=1.0, p=0.5):
        n, p = np.broadcast_arrays(np.atleast_1d(np.asarray(n, float)), np.atleast_1d(np.asarray(p, float)))
        if n.ndim != 1:
            raise ValueError("n and p must be scalars or 1-D arrays.")
        if np.isnan(n).any() or np.isnan(p).any():
            raise ValueError("NegativeBinomial: n and p must not be NaN.")
        if np.any(~(n > 0)):
            raise ValueError("n must be positive.")
        if np.any(~((p > 0) & (p < 1))):
            raise ValueError("p must lie strictly inside (0, 1).")
        mu = n * (1 - p) / p
        with np.errstate(divide="ignore"):
            theta = np.column_stack([np.log(mu), np.log(n)])
        self._set_internal(self._check_exact(theta))

    @classmethod
    def from_mean(cls, mu, n):
        """Build from the mean mu and the size n."""
        mu, n = np.broadcast_arrays(np.atleast_1d(np.asarray(mu, float)), np.atleast_1d(np.asarray(n, float)))
        if np.isnan(mu).any() or np.isnan(n).any():
            raise ValueError("NegativeBinomial: mu and n must not be NaN.")
        if np.any(~(mu > 0)) or np.any(~(n > 0)):
            raise ValueError("mu and n must be positive.")
        obj = cls.__new__(cls)
        obj._set_internal(cls._check_exact(np.column_stack([np.log(mu), np.log(n)])))
        return obj

    def _derive(self):
        self.p = self.n / (self.n + self.mu)

    @staticmethod
    def _size_bracket(k, mu, n):
        """d log pmf / d n = digamma(k+n) - digamma(n) + log(n/(n+mu)) + (mu-k)/(n+mu), stably."""
        return _log1pmx((k - mu) / (n + mu)) + _psi_minus_log_diff(n, k)

    @classmethod
    def _fit_marginal(cls, y, w):
        """Weighted MLE: mu = weighted mean (orthogonality), then the size by brentq on log n."""
        w = w / w.sum()
        mean = float(w @ y)
        (mu_lo, _), (lo, hi) = cls.bounds
        if not mean > 0:
            return mu_lo, 0.0
        # the score in n depends on y through its distinct counts only: sum their weights once
        values, inverse = np.unique(y, return_inverse=True)
        wv = np.bincount(inverse.ravel(), weights=w, minlength=len(values))

        def size_score(log_n):
            n = np.exp(log_n)
            return float(wv @ cls._size_bracket(values, mean, n)) * n * n

        if size_score(hi) >= 0:  # not over-dispersed: the likelihood increases up to the bound
            log_n = hi
        elif size_score(lo) <= 0:
            log_n = lo
        else:
            log_n = optimize.brentq(size_score, lo, hi, xtol=1e-13, rtol=1e-15, maxiter=500)
        return np.log(mean), log_n

    def to_scipy(self):
        return stats.nbinom(n=self.n, p=self.p)

    def mean(self):
        return self.mu.copy()

    def var(self):
        return self.mu + self.mu**2 / self.n

    def logpdf(self, y):
        y = self._as_y(y)
        valid = (y >= 0) & (y == np.floor(y))
        k = np.where(valid, y, 0.0)
        return np.where(valid, _log_pmf(k, self._theta[:, 0], self.mu, self.n), -np.inf)

    def _log_d_score(self, y):
        n, mu = self.n, self.mu
        d_mu = n * (mu - y) / (n + mu)
        d_n = -n * self._size_bracket(y, mu, n)
        return np.column_stack([d_mu, d_n])

    def _log_metric(self):
        return diagonal_metric(len(self), self.n * self.mu / (self.n + self.mu), size_fisher(self.n, self.mu))

    def _log_natural_gradient(self, y):
        g = self._log_d_score(y)
        return np.column_stack([g[:, 0] * (self.n + self.mu) / (self.n * self.mu), g[:, 1] / size_fisher(self.n, self.mu)])
