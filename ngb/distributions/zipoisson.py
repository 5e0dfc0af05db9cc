"""Zero-inflated count families; the zero-inflated Poisson.

:class:`ZeroInflated` inflates a count family (the ``component``: internal parameters A, diagonal
Fisher information J, pmf f, p0 = f(0), zero-cell score u = grad_A log p0) at zero:
P(0) = P0 = pi + q p0, P(k) = q f(k) for k >= 1 (q = 1 - pi); internal (A, logit pi). With
s = pi / P0 and t = p0 s, summing grad grad^T over y (the zero cell apart) gives exactly

    I_AA = q (J - t u u^T),   I_A,pi = q t u,   I_pi,pi = q pi (1 - p0) s.

In the hurdle coordinates (A, P0) the information is block diagonal, diag(q S, 1 / (P0 (1 - P0))),
q S = q (J - k u u^T) (k = p0 / (1 - p0)) that of the zero-truncated component. Mapping the hurdle
natural gradient back and inverting S by Sherman-Morrison, the natural gradient is (0, ..., 0, -1/pi)
at y = 0 and, at y >= 1 (g the component's score gradient),

    ng_A = (J^-1 g - (p0 c / B) J^-1 u) / q,   ng_pi = (1 + p0 c / (pi B)) / q,
    c = 1 - u . J^-1 g,   B = (1 - p0) (1 - k u . J^-1 u) = P(f >= 2) - p0 sum_{j>0} u_j^2 / J_j.

The components (Poisson, NB) have log mu first with J_0 = -u_0 = mu (1 - a) = f(1) / p0 and gradient
(1 - a)(mu - y) (``_zero_cell`` gives log p0 and a), so c = (1 - y) + mu + a (y - mu) - sum_{j>0} ...
and B are formed without cancelling their leading terms. The Poisson (Lambert 1992): J = mu, u = -mu.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize, stats
from scipy.special import expit, logit

from . import _zipoisson_fast
from ._declare import Link, Param
from .base import Distribution
from .fast import FastScore
from .poisson import Poisson, _log_factorial

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
        zeta = self._theta[:, -1]
        self._base = self.component.from_internal(self._theta[:, :-1])
        self._log_p0, self._a = self._zero_cell()
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
        if values[-1] == 0:
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
        q, pi, p0, tail = self._q, self.pi, self._p0, self._tail2()
        b = np.maximum(tail - p0 * np.sum(u[:, 1:] ** 2 / j[:, 1:], axis=1), 1e-13 * tail)  # B > 0
        jg = self._base._log_d_score(y) / j  # J^-1 g
        # c = 1 - u . J^-1 g, its log-mean term 1 + g_0 = (1 - y) + mu + a (y - mu) summed without cancellation
        c = (1 - y) + self.mu + self._a * (y - self.mu) - np.einsum("ij,ij->i", u[:, 1:], jg[:, 1:])
        m = p0 * c / b  # p0 c / B
        zero = y == 0
        ng_a = np.where(zero[:, None], 0.0, jg - m[:, None] * (u / j)) / q[:, None]
        return np.column_stack([ng_a, np.where(zero, -1.0 / pi, (1 + m / pi) / q)])


class ZeroInflatedPoisson(ZeroInflated):
    """ZeroInflatedPoisson(mu, pi): P(0) = pi + (1 - pi) e^-mu, P(k) = (1 - pi) Poisson(k; mu).
    Internal theta[:, 0] = log(mu), theta[:, 1] = logit(pi); ``mu`` is the Poisson rate (the mean is
    (1 - pi) mu), ``pi`` the probability of a structural zero. Score "log" with the Fisher information
    [[q mu (1 - mu t), -q mu t], [-q mu t, q pi (1 - p0) s]] (p0 = e^-mu, module docstring) and the
    natural gradient (0, -1/pi) at y = 0 and ((mu - y) / mu + p0 c / A, 1 + p0 c / (pi A)) / q at
    y >= 1, c = 1 + mu - y, A = P(Poisson >= 2) = 1 - (1 + mu) e^-mu."""

    component = Poisson
    parameters = Poisson.parameters + (PI,)
    scores = ("log",)
    # mu and e^-logit(pi) are the row factors, log(y!) the per-row term
    fast = {"log": FastScore(_zipoisson_fast.log_score_mean, _zipoisson_fast.log_natural_gradient,
                             _zipoisson_fast.log_score_leaves, ex_signs=(1.0, -1.0), aux=_log_factorial)}

    def _zero_cell(self):
        return -self.mu, 0.0


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
