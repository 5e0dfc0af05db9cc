"""Log-normal distribution in scipy's parametrisation (``lognorm(s, scale)``);
internal parameters (mu, log s) with mu = log(scale)."""

from __future__ import annotations

import numpy as np
from scipy import stats
from scipy.special import erfcx, log_ndtr, ndtr, ndtri, owens_t

from . import _lognormal_fast as _fast
from ._declare import LOG, Param
from .base import Distribution, diagonal_metric, mean_and_log_sd, symmetric_metric
from .fast import FastScore, log_time

__all__ = ["LogNormal"]

_LOG_SQRT_2PI = 0.5 * np.log(2 * np.pi)
_INV_SQRT_PI = 1.0 / np.sqrt(np.pi)
_SQRT_2 = np.sqrt(2.0)
_SQRT_2_OVER_PI = np.sqrt(2.0 / np.pi)
# The censored CRPS switches from its closed form to a 24-node Gauss-Laguerre rule where the
# integrand's decay rate reaches 4; both sides are then accurate to ~1e-10 relative.
_LAG_X, _LAG_W = np.polynomial.laguerre.laggauss(24)
_TAIL_RATE = 4.0


def _phi(z):
    return np.exp(-0.5 * z * z) / np.sqrt(2 * np.pi)


def _mills(u):
    """phi(u) / Phi(u) elementwise, accurate for u -> -inf (through erfcx)."""
    out = np.empty(np.shape(u))
    neg = u < 0
    out[neg] = _SQRT_2_OVER_PI / erfcx(-u[neg] / _SQRT_2)
    pos = u[~neg]
    out[~neg] = _phi(pos) / ndtr(pos)
    return out


def _log_ndtr_drop(z, v):
    """log Phi(z - v) - log Phi(z) for z (m,) and v >= 0 (m, q), without the cancellation of
    log_ndtr for z << 0 (through erfcx); shape (m, q)."""
    out = np.empty(v.shape)
    low = z < -1.0
    zl, vl = z[low, None], v[low]
    out[low] = np.log(erfcx((vl - zl) / _SQRT_2) / erfcx(-zl / _SQRT_2)) + vl * (zl - 0.5 * vl)
    zh, vh = z[~low, None], v[~low]
    out[~low] = log_ndtr(zh - vh) - log_ndtr(zh)
    return out


def _bvn_anti(h, k):
    """Phi_2(h, k; rho = -1/sqrt 2), the standard bivariate normal cdf, for k > 0, by Owen's T:
    Phi(h)/2 + Phi(k)/2 - T(h, 1 + sqrt2 k/h) - T(k, 1 + sqrt2 h/k) - [h < 0]/2 (T(0, +inf) = 1/4)."""
    zero = np.abs(h) < 1e-100  # the limit h -> 0+, exact to O(h)
    hs = np.where(zero, 1.0, h)
    t_h = np.where(zero, 0.25, owens_t(hs, 1.0 + _SQRT_2 * k / hs))
    t_k = owens_t(k, 1.0 + _SQRT_2 * h / k)
    return 0.5 * (ndtr(h) + ndtr(k)) - t_h - t_k - np.where(hs < 0, 0.5, 0.0)


def _below_closed(mu, s, t, z, grad):
    """int_0^t F^2 = t Phi(z)^2 - 2 E J, E = exp(mu + s^2/2), J = Phi_2(z - s, s/sqrt2; -1/sqrt2),
    and its (mu, log s) gradient; each row's arrays (m,). Cancels in the lower tail of F."""
    e = np.exp(mu + 0.5 * s * s)
    j = _bvn_anti(z - s, s / _SQRT_2)
    f = ndtr(z)
    value = t * f * f - 2 * e * j
    if not grad:
        return value, None
    # d/ds = -2 E L, L = int_-inf^z u Phi(u) phi(u - s) du
    #      = s J - Phi(z) phi(z - s) + exp(-s^2/4) Phi(sqrt2 z - s/sqrt2) / (2 sqrt pi),
    # and E L is formed with E Phi(z) phi(z - s) = t Phi(z) phi(z)
    gauss = np.exp(mu + 0.25 * s * s) * (0.5 * _INV_SQRT_PI) * ndtr(_SQRT_2 * z - s / _SQRT_2)
    inner = s * e * j - t * f * _phi(z) + gauss
    return value, np.column_stack([-2 * e * j, -2 * s * inner])


def _below_tail(s, t, z, rate, grad):
    """int_0^t F^2 = s e^mu int_-inf^z Phi(u)^2 e^(s u) du and its (mu, log s) gradient by
    Gauss-Laguerre in w = rate (z - u), rate = 2 phi(z)/Phi(z) + s the integrand's decay rate at z
    (the integrand relative to its value at z is smooth in w); each row's arrays (m,)."""
    v = _LAG_X / rate[:, None]  # (m, q) distances z - u
    u = z[:, None] - v
    ratio = np.exp(2 * _log_ndtr_drop(z, v) + _LAG_X * (1.0 - s / rate)[:, None])
    scale = np.exp(np.log(t) + 2 * log_ndtr(z)) / rate  # t Phi(z)^2 / rate
    value = s * scale * _laguerre_sum(ratio)
    if not grad:
        return value, None
    weighted = ratio * _mills(u)  # d/dmu = -2 e^mu int Phi phi e^(s u), d/dlog s = -2 s e^mu int u Phi phi e^(s u)
    return value, np.column_stack([-2 * scale * _laguerre_sum(weighted), -2 * s * scale * _laguerre_sum(weighted * u)])


def _laguerre_sum(values):
    """Rows of (m, q) node values times the Laguerre weights, (m,) (einsum: no BLAS threads)."""
    return np.einsum("ij,j->i", values, _LAG_W)


class LogNormal(Distribution):
    """LogNormal(s, scale): log(Y) ~ Normal(log(scale), s^2).

    Internal theta[:, 0] = mu = log(scale), theta[:, 1] = log(s). Scores: "log" (Fisher
    diag(1/s^2, 2), closed-form natural gradient) and "crps" (closed form of Baran & Lerch 2015,
    closed-form metric and natural gradient), and for right-censored (time, event) targets
    "censored_log" and "censored_crps" (the part below a censoring time through a bivariate normal
    cdf, by Owen's T).
    """

    # mu within +-300 and s <= e^3 keep exp(mu + s^2/2) (the mean, used by the CRPS) finite.
    parameters = (Param("scale", LOG, (-300.0, 300.0), internal="mu", unit="scale"), Param("s", LOG, (-30.0, 3.0)))
    constructor = ("s", "scale")
    scores = ("log", "crps")
    censoring = ("log", "crps")
    support = "positive"
    # 1 / s is the row factor, log y the per-row term
    fast = {"log": FastScore(_fast.log_score_mean, _fast.log_natural_gradient, _fast.log_score_leaves,
                             ex_signs=(0.0, -1.0), aux=log_time),
            "censored_log": FastScore(_fast.censored_score_mean, _fast.censored_natural_gradient,
                                      _fast.censored_score_leaves, ex_signs=(0.0, -1.0), aux=log_time)}

    def _derive(self):
        self.mu = self._theta[:, 0]

    @classmethod
    def _fit_marginal(cls, y, w):
        return mean_and_log_sd(np.log(y), w)

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
    def _log_d_score(self, y):
        z = self._z(y)
        return np.column_stack([-z / self.s, 1.0 - z * z])

    def _log_metric(self):
        return diagonal_metric(len(self), 1.0 / self.s**2, 2.0)

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
        return symmetric_metric(len(self), k / s, k * s * (0.25 * s * s + 0.5), 0.5 * k * s)

    def _crps_natural_gradient(self, y):
        return self._crps_metric_solve(self._crps_d_score(y))

    def _crps_metric_solve(self, g):
        # the metric has determinant K^2 / 2, so its inverse is (2 / K) [[s(s^2/4+1/2), -s/2], [-s/2, 1/s]]
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
        y = self._as_y(y)
        pos = y > 0  # S(y) = 1 below the support
        return np.where(pos, log_ndtr(-self._z(np.where(pos, y, 1.0))), 0.0)

    def _d_logsf(self, y):
        y = self._as_y(y)
        pos = y > 0
        z = self._z(np.where(pos, y, 1.0))
        mills = np.where(pos, np.exp(-0.5 * z * z - _LOG_SQRT_2PI - log_ndtr(-z)), 0.0)  # phi(z) / Phi(-z)
        return np.column_stack([mills / self.s, mills * z])

    # censored CRPS: int_0^t F^2 dx. With x = exp(mu + s u) and one integration by parts it is
    # t Phi(z)^2 - 2 E J, J = int_-inf^z Phi(u) phi(u - s) du = P(X <= z, Z <= X), X ~ N(s, 1),
    # Z ~ N(0, 1), i.e. Phi_2(z - s, s/sqrt2; -1/sqrt2). Both terms cancel where the integrand's
    # decay rate 2 phi(z)/Phi(z) + s is large (the lower tail of F, or large s); from a rate of 4
    # the integral itself is computed by Gauss-Laguerre instead, to ~1e-10 relative or better. (For
    # tiny s the closed form loses ~eps/s relative accuracy, as the uncensored CRPS does.)
    def _crps_below_parts(self, t, grad):
        t = self._as_y(t)
        z = self._z(t)
        rate = 2 * _mills(z) + self.s
        tail = rate >= _TAIL_RATE
        value = np.empty(len(t))
        d = np.empty((len(t), 2)) if grad else None
        if tail.any():
            value[tail], part = _below_tail(self.s[tail], t[tail], z[tail], rate[tail], grad)
            if grad:
                d[tail] = part
        bulk = ~tail
        if bulk.any():
            value[bulk], part = _below_closed(self.mu[bulk], self.s[bulk], t[bulk], z[bulk], grad)
            if grad:
                d[bulk] = part
        return value, d

    def _crps_below(self, t):
        return self._crps_below_parts(t, grad=False)[0]

    def _d_crps_below(self, t):
        return self._crps_below_parts(t, grad=True)[1]
