"""Zero-inflated count families; the zero-inflated Poisson.

:class:`ZeroInflated` inflates a count family (the ``component``: internal parameters A, diagonal
Fisher information J, pmf f, p0 = f(0), zero-cell score u = grad_A log p0) at zero:
P(0) = P0 = pi + q p0, P(k) = q f(k) for k >= 1 (q = 1 - pi); internal (A, logit pi). With
s = pi / P0 and t = p0 s, summing grad grad^T over y (the zero cell apart) gives exactly

    I_AA = q (J - t u u^T),   I_A,pi = q t u,   I_pi,pi = q pi (1 - p0) s.

In the hurdle coordinates (A, P0) the information is block diagonal, diag(q S, 1 / (P0 (1 - P0))),
S = J - k u u^T, k = p0 / (1 - p0) (q S: the information of the zero-truncated component). So the
natural gradient is (0, ..., 0, -1/pi) at y = 0 and, at y >= 1 (g_A the component's gradient),

    ng_A = S^-1 (g_A - k u) / q,   ng_pi = (P0 - q p0 u . ng_A) / (pi q (1 - p0)),
    S^-1 = J^-1 + (p0 / B) J^-1 u u^T J^-1,   B = (1 - p0) (1 - k u^T J^-1 u) = P(f >= 2) - p0 sum_{j>=2} u_j^2 / J_j

(Sherman-Morrison; for the Poisson and NB components u_1^2 / J_1 = f(1) / p0). The Poisson (Lambert
1992): J = mu, u = -mu, B = P(Poisson >= 2), written out in :class:`ZeroInflatedPoisson`.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize, stats
from scipy.special import expit, gammainc, logit

from ._declare import Link, Param
from .base import Distribution
from .poisson import Poisson

__all__ = ["ZeroInflated", "ZeroInflatedPoisson", "LOGIT", "PI"]


def _to_logit(p):
    p = np.asarray(p, float)
    if np.any(~((p >= 0) & (p <= 1))):
        raise ValueError("pi must lie in [0, 1].")
    return logit(p)


#: a probability <-> its log-odds (0 and 1 map to -inf and inf, which the bounds clip)
LOGIT = Link("logit_", _to_logit, expit)
#: the zero-inflation probability; the default 1/2 is logit 0
PI = Param("pi", LOGIT, (-30.0, 30.0), default=0.5)
_SERIES = [1 / math.factorial(j + 2) for j in range(17, -1, -1)]  # e^x - 1 - x = x^2 sum_j x^j / (j + 2)!


def _softplus(x):
    return np.logaddexp(0.0, x)


def _log(x):
    with np.errstate(divide="ignore"):
        return np.log(x)


class ZeroInflated(Distribution):
    """A ``component`` count family inflated at zero (module docstring); the last internal parameter is
    logit(pi). Subclasses set ``component``, ``parameters = component.parameters + (PI,)`` and ``scores``."""

    component = None
    scores = ()
    support = "count"
    discrete = True

    def _derive(self):
        zeta, n = self._theta[:, -1], len(self)
        self._base = self.component.from_internal(self._theta[:, :-1])
        self._log_p0 = self._base.logpdf(np.zeros(n))
        self._q, self._p0 = expit(-zeta), np.exp(self._log_p0)
        self._s, self._r = expit(zeta - self._log_p0), expit(self._log_p0 - zeta)  # pi / P0, q p0 / P0
        self._log_p_zero = np.logaddexp(zeta, self._log_p0) - _softplus(zeta)  # log P0

    @classmethod
    def _fit_marginal(cls, y, w):
        """Weighted MLE. Given A the best pi has P0 = the weighted share of zeros (clipped to the bounds:
        no zeros put it at the lower bound), so L-BFGS-B maximises that profile likelihood over A from
        the component's fit to the positive counts. All zeros: A at its lower bounds, pi at the upper."""
        values, inverse = np.unique(y, return_inverse=True)
        w = np.bincount(inverse, weights=w) / w.sum()
        zeros, (z_lo, z_hi) = float(w[values == 0].sum()), cls.bounds[-1]
        if zeros >= 1:
            return (*(lo for lo, _ in cls.bounds[:-1]), z_hi)

        def best_logit_pi(a):
            p0 = np.exp(cls.component.from_internal(a).logpdf(np.zeros(1))[0])
            return float(np.clip(logit(np.clip((zeros - p0) / (1 - p0), expit(z_lo), expit(z_hi))), z_lo, z_hi))

        def objective(a):
            d = cls.from_internal(np.tile([*a, best_logit_pi(a)], (len(values), 1)))
            return float(w @ d._log_score(values)), w @ d._log_d_score(values)[:, :-1]

        start = cls.component._fit_marginal(values[values > 0], w[values > 0])
        res = optimize.minimize(objective, start, jac=True, method="L-BFGS-B", bounds=cls.bounds[:-1],
                                options={"ftol": 1e-15, "gtol": 1e-11, "maxiter": 1000})
        return (*res.x, best_logit_pi(res.x))

    def to_scipy(self):
        frozen = self._base.to_scipy()
        return zero_inflated(frozen.dist, type(self).__name__)(*frozen.args, **frozen.kwds, pi=self.pi)

    def mean(self):
        return self._q * self._base.mean()

    def var(self):
        return self._q * (self._base.var() + self.pi * self._base.mean() ** 2)

    def _ppf(self, q):
        """The smallest k >= 0 with F(k) >= q, from the component's quantile (within one of it)."""
        k = np.maximum(self._base._ppf(np.clip((q - self.pi[:, None]) / self._q[:, None], 0.0, 1.0)), 0.0)
        finite = np.isfinite(k)
        kf = np.where(finite, k, 0.0)
        kf = np.where((kf > 0) & (self.cdf(kf - 1) >= q), kf - 1, kf)
        return np.where(finite, np.where(self.cdf(kf) < q, kf + 1, kf), k)

    def cdf(self, y):
        y = self._as_y(y)
        return np.where(y < 0, 0.0, self.pi + self._q * self._base.cdf(y))

    def sf(self, y):
        y = self._as_y(y)
        return np.where(y < 0, 1.0, self._q * self._base.sf(y))

    def logcdf(self, y):
        return _log(self.cdf(y))

    def logsf(self, y):
        return _log(self.sf(y))

    def logpdf(self, y):
        y = self._as_y(y)
        return np.where(y == 0, self._log_p_zero, self._base.logpdf(y) - _softplus(self._theta[:, -1]))

    def _log_d_score(self, y):
        zero = y == 0
        g = self._base._log_d_score(y) * np.where(zero, self._r, 1.0)[:, None]
        return np.column_stack([g, np.where(zero, self._q * np.expm1(self._log_p0) * self._s, self.pi)])

    def _parts(self):
        """(J, u): the component's Fisher diagonal and grad_A log p0, each (n, k - 1)."""
        return self._base.metric_diagonal("log"), -self._base._log_d_score(np.zeros(len(self)))

    def _log_metric(self):
        j, u = self._parts()
        k = u.shape[1]
        t = np.exp(-np.logaddexp(-self._log_p0, -self._theta[:, -1]))  # pi p0 / P0
        out = np.empty((len(self), k + 1, k + 1))
        out[:, :k, :k] = -t[:, None, None] * u[:, :, None] * u[:, None, :]
        out[:, range(k), range(k)] += j
        out[:, :k, k] = out[:, k, :k] = t[:, None] * u
        out[:, k, k] = self.pi * -np.expm1(self._log_p0) * self._s
        return out * self._q[:, None, None]

    def _tail2(self):
        """P(component >= 2)."""
        return self._base.sf(np.ones(len(self)))

    def _log_natural_gradient(self, y):
        j, u = self._parts()
        q, pi, p0 = self._q, self.pi, self._p0
        one_minus_p0 = -np.expm1(self._log_p0)
        tail = self._tail2()
        b = np.maximum(tail - p0 * np.sum(u[:, 1:] ** 2 / j[:, 1:], axis=1), 1e-13 * tail)  # B > 0
        v = (self._base._log_d_score(y) - (p0 / one_minus_p0)[:, None] * u) / j  # J^-1 (g_A - k u)
        ng_a = (v + (p0 / b * np.einsum("ij,ij->i", u, v))[:, None] * (u / j)) / q[:, None]
        ng_pi = (np.exp(self._log_p_zero) - q * p0 * np.einsum("ij,ij->i", u, ng_a)) / (pi * q * one_minus_p0)
        zero = y == 0
        return np.column_stack([np.where(zero[:, None], 0.0, ng_a), np.where(zero, -1.0 / pi, ng_pi)])


class ZeroInflatedPoisson(ZeroInflated):
    """ZeroInflatedPoisson(mu, pi): P(0) = pi + (1 - pi) e^-mu, P(k) = (1 - pi) Poisson(k; mu).
    Internal theta[:, 0] = log(mu), theta[:, 1] = logit(pi); ``mu`` is the Poisson rate (the mean is
    (1 - pi) mu), ``pi`` the probability of a structural zero. Score "log" with the Fisher information
    [[q mu (1 - mu t), -q mu t], [-q mu t, q pi (1 - p0) s]] (module docstring, p0 = e^-mu) and the
    natural gradient (0, -1/pi) at y = 0, at y >= 1 ((mu - y (1 - p0)) / (q mu A),
    (pi (1 - p0) + p0 (1 + q mu - y)) / (q pi A)), A = P(Poisson >= 2): closed form, stable for small mu."""

    component = Poisson
    parameters = Poisson.parameters + (PI,)
    scores = ("log",)

    def _log_natural_gradient(self, y):
        mu, q, pi, p0 = self.mu, self._q, self.pi, self._p0
        one_minus_p0, a = -np.expm1(-mu), gammainc(2, mu)  # A = 1 - (1 + mu) e^-mu
        # mu - y (1 - p0) = [mu - (1 - p0)] - (y - 1) (1 - p0), the bracket by its series for small mu
        head = np.where(mu < 0.5, mu**2 * np.polyval(_SERIES, -np.minimum(mu, 0.5)), mu - one_minus_p0)
        ng_mu = (head - (y - 1) * one_minus_p0) / (q * mu * a)
        ng_pi = (pi * one_minus_p0 + p0 * (1 + q * mu - y)) / (q * pi * a)
        zero = y == 0
        return np.column_stack([np.where(zero, 0.0, ng_mu), np.where(zero, -1.0 / pi, ng_pi)])


def zero_inflated(base, name):
    """A scipy ``rv_discrete``: the scipy discrete family ``base`` inflated at zero (shapes: base's, then pi)."""

    class ZeroInflatedGen(stats.rv_discrete):
        def _pmf(self, k, *args):
            return args[-1] * (k == 0) + (1 - args[-1]) * base.pmf(k, *args[:-1])

        def _cdf(self, k, *args):
            return args[-1] + (1 - args[-1]) * base.cdf(k, *args[:-1])

        def _stats(self, *args):
            mean, var = base.stats(*args[:-1], moments="mv")
            return (1 - args[-1]) * mean, (1 - args[-1]) * (var + args[-1] * mean**2), None, None

    return ZeroInflatedGen(a=0, name=name, shapes=", ".join([*base.shapes.split(", "), "pi"]))
