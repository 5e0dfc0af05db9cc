"""Registry of distribution test cases: one entry per family drives every oracle test.

Each case gives
- ``make(rng, n)``: a random distribution of n rows built through the public constructor;
- ``oracle(d)``: an independent frozen ``scipy.stats`` object built from ``d.params`` (not from
  ``d.to_scipy()``) so the library's formulas are checked against scipy's;
- ``scores``: the scoring rules to test;
- ``discrete``: whether y is integer-valued (CRPS metric then sums over integers);
- ``sample(rng, d, size)``: draws y from the oracle, shape (size, n);
- ``mc_samples``: Monte Carlo draws per row for the Fisher-information test (raise it for families
  whose score gradients have heavy tails rather than loosening the 6-standard-error rule).

Adding a family to the library without adding a case here fails ``test_every_family_has_a_case``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
from scipy import integrate, special, stats

import ngb


@dataclass
class FamilyCase:
    name: str
    make: Callable
    oracle: Callable
    scores: tuple = ("log",)
    discrete: bool = False
    # user-facing methods compared with the oracle
    compare: tuple = ("mean", "var", "cdf", "logpdf", "quantile")
    extra: dict = field(default_factory=dict)
    mc_samples: int = 100_000

    def sample(self, rng, d, size):
        frozen = self.oracle(d)
        return np.asarray(frozen.rvs(size=(size, len(d)), random_state=rng), dtype=float)


def _normal(rng, n):
    return ngb.Normal(loc=rng.normal(0, 3, n), scale=np.exp(rng.normal(0, 0.7, n)))


def _poisson(rng, n):
    return ngb.Poisson(mu=np.exp(rng.uniform(-1, 3, n)))


def _lognormal(rng, n):
    return ngb.LogNormal(s=np.exp(rng.uniform(-1.2, -0.4, n)), scale=np.exp(rng.normal(0, 1, n)))


def _exponential(rng, n):
    return ngb.Exponential(scale=np.exp(rng.normal(0, 1, n)))


def _gamma(rng, n):
    return ngb.Gamma(a=np.exp(rng.uniform(-0.5, 2.0, n)), scale=np.exp(rng.normal(0, 1, n)))


def _laplace(rng, n):
    return ngb.Laplace(loc=rng.normal(0, 3, n), scale=np.exp(rng.normal(0, 0.7, n)))


def _studentt(rng, n):
    return ngb.StudentT(df=rng.uniform(3.0, 12.0, n), loc=rng.normal(0, 3, n), scale=np.exp(rng.normal(0, 0.7, n)))


def _loc_scale(cls):
    def make(rng, n):
        return cls(loc=rng.normal(0, 3, n), scale=np.exp(rng.normal(0, 0.7, n)))

    return make


def _weibull(rng, n):
    return ngb.Weibull(c=np.exp(rng.uniform(-0.2, 1.2, n)), scale=np.exp(rng.normal(0, 1, n)))


def _halfnormal(rng, n):
    return ngb.HalfNormal(scale=np.exp(rng.normal(0, 1, n)))


def _beta_binomial(trials):
    cls = ngb.BetaBinomial.with_trials(trials) if trials > 1 else ngb.BetaBernoulli

    def make(rng, n):
        return cls(a=np.exp(rng.normal(0.3, 1.0, n)), b=np.exp(rng.normal(0.3, 1.0, n)))

    return make


def _negative_binomial(rng, n):
    size = np.exp(rng.uniform(np.log(0.5), np.log(5.0), n))
    mu = np.exp(rng.uniform(0.0, 3.0, n))
    return ngb.NegativeBinomial(n=size, p=size / (size + mu))


def _beta(rng, n):
    return ngb.Beta(a=np.exp(rng.uniform(-0.5, 1.5, n)), b=np.exp(rng.uniform(-0.5, 1.5, n)))


def _categorical(k, family=None):
    def make(rng, n):
        return (family or ngb.Categorical)(rng.dirichlet(np.ones(k) * 2, size=n))

    return make


class _CategoricalOracle:
    """A vectorised frozen law on codes 0..K-1 built from scipy.stats.rv_discrete per row."""

    def __init__(self, probs):
        self.rows = [stats.rv_discrete(values=(np.arange(len(p)), p)) for p in probs]

    def _apply(self, meth, *args):
        """Call ``meth`` row by row; args broadcast with rows on the last axis."""
        n = len(self.rows)
        if not args:
            return np.array([getattr(r, meth)() for r in self.rows], dtype=float)
        arr = np.broadcast_to(np.asarray(args[0], float), np.broadcast_shapes(np.shape(args[0]), (n,)))
        out = np.empty(arr.shape)
        for i, r in enumerate(self.rows):
            out[..., i] = getattr(r, meth)(arr[..., i])
        return out

    def mean(self):
        return self._apply("mean")

    def var(self):
        return self._apply("var")

    def cdf(self, y):
        return self._apply("cdf", y)

    def logpmf(self, y):
        return self._apply("logpmf", y)

    def ppf(self, q):
        return self._apply("ppf", q)

    def rvs(self, size, random_state):
        m, n = size
        return np.column_stack([r.rvs(size=m, random_state=random_state) for r in self.rows])


class _BetaBinomialEstNOracle:
    """The beta-binomial formula C(n, y) B(y + a, n - y + b) / B(a, b) at real n (log-gammas), normalised
    over y = 0..floor(n) by direct summation; values broadcast with the rows on the last axis."""

    def __init__(self, a, b, n):
        self.a, self.b, self.n = (np.asarray(v, float) for v in (a, b, n))
        self.top = np.floor(self.n * (1 + 1e-12))
        k = np.arange(int(self.top.max()) + 1, dtype=float)[:, None]  # (K, rows)
        inside = k <= self.top
        kk = np.where(inside, k, 0.0)
        logf = (special.gammaln(self.n + 1) - special.gammaln(kk + 1) - special.gammaln(self.n - kk + 1)
                + special.betaln(kk + self.a, self.n - kk + self.b) - special.betaln(self.a, self.b))
        f = np.where(inside, np.exp(logf), 0.0)
        self.pmf_table = f / f.sum(axis=0)  # (K, rows)
        self.cdf_table = np.cumsum(self.pmf_table, axis=0)
        self.k = k[:, 0]

    def _at(self, table, y, outside_low, outside_high):
        y = np.asarray(y, float)
        kk = np.floor(y)
        idx = np.clip(kk, 0, len(self.k) - 1).astype(int)
        vals = np.take_along_axis(np.broadcast_to(table[:, None, :] if y.ndim == 2 else table, (len(self.k),) + y.shape),
                                  idx[None], axis=0)[0]
        return np.where(kk < 0, outside_low, np.where(kk > self.top, outside_high, vals))

    def pmf(self, y):
        y = np.asarray(y, float)
        return np.where(y == np.floor(y), self._at(self.pmf_table, y, 0.0, 0.0), 0.0)

    def logpmf(self, y):
        with np.errstate(divide="ignore"):
            return np.log(self.pmf(y))

    def cdf(self, y):
        return np.minimum(self._at(self.cdf_table, y, 0.0, 1.0), 1.0)

    def sf(self, y):
        return 1.0 - self.cdf(y)

    def logcdf(self, y):
        with np.errstate(divide="ignore"):
            return np.log(self.cdf(y))

    def logsf(self, y):
        with np.errstate(divide="ignore"):
            return np.log(self.sf(y))

    def mean(self):
        return self.k @ self.pmf_table

    def var(self):
        return np.sum((self.k[:, None] - self.mean()) ** 2 * self.pmf_table, axis=0)

    def ppf(self, q):
        k = np.zeros(np.broadcast_shapes(np.shape(q), self.n.shape))
        while np.any(short := (self.cdf(k) < q) & (k < self.top)):
            k += short
        return k

    def rvs(self, size, random_state):
        return self.ppf(random_state.random(size))


class _ZeroInflatedOracle:
    """P(0) = pi + (1 - pi) P_base(0), P(k) = (1 - pi) P_base(k) for k >= 1: a vectorised frozen law
    built from a frozen scipy discrete law (``poisson``, ``nbinom``) and pi, values broadcast with the
    rows on the last axis; the quantile is the smallest k with cdf(k) >= q, found by counting up."""

    def __init__(self, base, pi):
        self.base, self.pi = base, np.asarray(pi, float)

    def pmf(self, y):
        return np.where(np.asarray(y) == 0, self.pi, 0.0) + (1 - self.pi) * self.base.pmf(y)

    def logpmf(self, y):
        with np.errstate(divide="ignore"):
            return np.where(np.asarray(y) == 0, np.log(self.pmf(y)), np.log1p(-self.pi) + self.base.logpmf(y))

    def cdf(self, y):
        return np.where(np.asarray(y) < 0, 0.0, self.pi + (1 - self.pi) * self.base.cdf(y))

    def sf(self, y):
        return np.where(np.asarray(y) < 0, 1.0, (1 - self.pi) * self.base.sf(y))

    def logcdf(self, y):
        with np.errstate(divide="ignore"):
            return np.log(self.cdf(y))

    def logsf(self, y):
        with np.errstate(divide="ignore"):
            return np.log(self.sf(y))

    def mean(self):
        return (1 - self.pi) * self.base.mean()

    def var(self):
        return (1 - self.pi) * (self.base.var() + self.pi * self.base.mean() ** 2)

    def ppf(self, q):
        k = np.zeros(np.broadcast_shapes(np.shape(q), self.pi.shape))
        while np.any(short := self.cdf(k) < q):
            k += short
        return k

    def rvs(self, size, random_state):
        structural = random_state.random(size) < self.pi
        return np.where(structural, 0.0, self.base.rvs(size=size, random_state=random_state))


def _zero_inflated_poisson(rng, n):
    return ngb.ZeroInflatedPoisson(mu=np.exp(rng.uniform(-0.5, 2.5, n)), pi=rng.uniform(0.05, 0.6, n))


def _zero_inflated_negative_binomial(rng, n):
    size = np.exp(rng.uniform(np.log(0.5), np.log(5.0), n))
    return ngb.ZeroInflatedNegativeBinomial(mu=np.exp(rng.uniform(0.0, 3.0, n)), n=size, pi=rng.uniform(0.05, 0.6, n))



def _normal_fixed_var(rng, n):
    return ngb.NormalFixedVar(loc=rng.normal(0, 3, n))


def _normal_fixed_mean(rng, n):
    return ngb.NormalFixedMean(scale=np.exp(rng.normal(0, 0.7, n)))


def _t_fixed_df_fixed_var(rng, n):
    return ngb.TFixedDfFixedVar(loc=rng.normal(0, 3, n))


def _logitnormal(rng, n):
    # scales on both sides of 1, where the family's moments switch quadrature
    return ngb.LogitNormal(loc=rng.normal(0, 1.5, n), scale=np.exp(rng.uniform(-1.0, 1.0, n)))


class _LogitNormalOracle:
    """logit(Y) ~ Normal(loc, scale): values from scipy.stats.norm at logit(y) (the density times the
    Jacobian 1 / (y (1 - y))), draws expit of normal draws, mean and variance by adaptive quadrature
    (scipy.integrate.quad) of expit(z) against the normal density; rows on the last axis."""

    def __init__(self, loc, scale):
        self.loc, self.scale = np.asarray(loc, float), np.asarray(scale, float)
        self.normal = stats.norm(loc=self.loc, scale=self.scale)

    def _at(self, y, inside_value, below, above):
        y = np.asarray(y, float)
        inside = (y > 0) & (y < 1)
        ys = np.where(inside, y, 0.5)
        return np.where(inside, inside_value(ys, np.log(ys) - np.log1p(-ys)), np.where(y <= 0, below, above))

    def logpdf(self, y):
        return self._at(y, lambda ys, t: self.normal.logpdf(t) - np.log(ys) - np.log1p(-ys), -np.inf, -np.inf)

    def pdf(self, y):
        return np.exp(self.logpdf(y))

    def cdf(self, y):
        return self._at(y, lambda ys, t: self.normal.cdf(t), 0.0, 1.0)

    def sf(self, y):
        return self._at(y, lambda ys, t: self.normal.sf(t), 1.0, 0.0)

    def logcdf(self, y):
        return self._at(y, lambda ys, t: self.normal.logcdf(t), -np.inf, 0.0)

    def logsf(self, y):
        return self._at(y, lambda ys, t: self.normal.logsf(t), 0.0, -np.inf)

    def ppf(self, q):
        return special.expit(self.normal.ppf(q))

    def rvs(self, size, random_state):
        return special.expit(self.normal.rvs(size=size, random_state=random_state))

    @staticmethod
    def _quad(m, s, f):
        density = stats.norm(m, s).pdf
        value, _ = integrate.quad(lambda z: f(special.expit(z)) * density(z), m - 40 * s, m + 40 * s, points=[m],
                                  epsabs=0.0, epsrel=1e-13, limit=500)
        return value

    def _rows(self):
        return list(np.broadcast(self.loc, self.scale))

    def mean(self):
        return np.array([self._quad(m, s, lambda v: v) for m, s in self._rows()])

    def var(self):
        return np.array([self._quad(m, s, lambda v, mu=mu: (v - mu) ** 2)
                         for (m, s), mu in zip(self._rows(), self.mean())])


CASES = {
    "normal": FamilyCase(
        "normal",
        _normal,
        lambda d: stats.norm(loc=d.params["loc"], scale=d.params["scale"]),
        scores=("log", "crps"),
    ),
    "poisson": FamilyCase(
        "poisson",
        _poisson,
        lambda d: stats.poisson(mu=d.params["mu"]),
        scores=("log", "crps"),
        discrete=True,
    ),
    "categorical": FamilyCase(
        "categorical",
        _categorical(4),
        lambda d: _CategoricalOracle(d.params["probs"]),
        scores=("log", "brier"),
        discrete=True,
    ),
    "softmax_categorical": FamilyCase(
        "softmax_categorical",
        _categorical(4, ngb.SoftmaxCategorical),
        lambda d: _CategoricalOracle(d.params["probs"]),
        scores=("log", "brier"),
        discrete=True,
        extra={"singular_metric": True},  # K logits: only their differences are identified
    ),
    "bernoulli": FamilyCase(
        "bernoulli",
        lambda rng, n: ngb.Bernoulli(p=rng.uniform(0.05, 0.95, n)),
        lambda d: stats.bernoulli(d.params["p"]),
        scores=("log", "brier"),
        discrete=True,
    ),
    "lognormal": FamilyCase(
        "lognormal",
        _lognormal,
        lambda d: stats.lognorm(s=d.params["s"], scale=d.params["scale"]),
        scores=("log", "crps"),
    ),
    "exponential": FamilyCase(
        "exponential",
        _exponential,
        lambda d: stats.expon(scale=d.params["scale"]),
        scores=("log", "crps"),
    ),
    "gamma": FamilyCase(
        "gamma",
        _gamma,
        lambda d: stats.gamma(a=d.params["a"], scale=d.params["scale"]),
    ),
    "laplace": FamilyCase(
        "laplace",
        _laplace,
        lambda d: stats.laplace(loc=d.params["loc"], scale=d.params["scale"]),
        scores=("log", "crps"),
    ),
    "studentt": FamilyCase(
        "studentt",
        _studentt,
        lambda d: stats.t(df=d.params["df"], loc=d.params["loc"], scale=d.params["scale"]),
    ),
    "t_fixed_df": FamilyCase(
        "t_fixed_df",
        _loc_scale(ngb.TFixedDf),
        lambda d: stats.t(df=type(d).df, loc=d.params["loc"], scale=d.params["scale"]),
    ),
    "cauchy": FamilyCase(
        "cauchy",
        _loc_scale(ngb.Cauchy),
        lambda d: stats.cauchy(loc=d.params["loc"], scale=d.params["scale"]),
    ),
    "weibull": FamilyCase(
        "weibull",
        _weibull,
        lambda d: stats.weibull_min(c=d.params["c"], scale=d.params["scale"]),
    ),
    "halfnormal": FamilyCase(
        "halfnormal",
        _halfnormal,
        lambda d: stats.halfnorm(scale=d.params["scale"]),
    ),
    "negative_binomial": FamilyCase(
        "negative_binomial",
        _negative_binomial,
        lambda d: stats.nbinom(n=d.params["n"], p=d.params["p"]),
        discrete=True,
    ),
    "beta": FamilyCase(
        "beta",
        _beta,
        lambda d: stats.beta(a=d.params["a"], b=d.params["b"]),
    ),
    "logistic": FamilyCase(
        "logistic",
        _loc_scale(ngb.Logistic),
        lambda d: stats.logistic(loc=d.params["loc"], scale=d.params["scale"]),
        scores=("log", "crps"),
    ),
    "gumbel": FamilyCase(
        "gumbel",
        _loc_scale(ngb.Gumbel),
        lambda d: stats.gumbel_r(loc=d.params["loc"], scale=d.params["scale"]),
    ),
    "zero_inflated_poisson": FamilyCase(
        "zero_inflated_poisson",
        _zero_inflated_poisson,
        lambda d: _ZeroInflatedOracle(stats.poisson(mu=d.params["mu"]), d.params["pi"]),
        discrete=True,
    ),
    "zero_inflated_negative_binomial": FamilyCase(
        "zero_inflated_negative_binomial",
        _zero_inflated_negative_binomial,
        lambda d: _ZeroInflatedOracle(stats.nbinom(n=d.params["n"], p=d.params["n"] / (d.params["n"] + d.params["mu"])),
                                      d.params["pi"]),
        discrete=True,
    ),
    # the fixed normals' CRPS is checked in tests/test_compat_distns_extra.py (scoringrules' check of
    # the registry names its families)
    "normal_fixed_var": FamilyCase(
        "normal_fixed_var",
        _normal_fixed_var,
        lambda d: stats.norm(loc=d.params["loc"], scale=1.0),
        scores=("log", "crps"),
    ),
    "normal_fixed_mean": FamilyCase(
        "normal_fixed_mean",
        _normal_fixed_mean,
        lambda d: stats.norm(loc=0.0, scale=d.params["scale"]),
        scores=("log", "crps"),
    ),
    "t_fixed_df_fixed_var": FamilyCase(
        "t_fixed_df_fixed_var",
        _t_fixed_df_fixed_var,
        lambda d: stats.t(df=3.0, loc=d.params["loc"], scale=1.0),
    ),
    "logitnormal": FamilyCase(
        "logitnormal",
        _logitnormal,
        lambda d: _LogitNormalOracle(d.params["loc"], d.params["scale"]),
    ),
    "beta_binomial": FamilyCase(
        "beta_binomial",
        _beta_binomial(9),
        lambda d: stats.betabinom(n=type(d).trials, a=d.params["a"], b=d.params["b"]),
        discrete=True,
    ),
    "beta_binomial_est_n": FamilyCase(
        "beta_binomial_est_n",
        lambda rng, n: ngb.BetaBinomialEstN(a=np.exp(rng.normal(0.3, 0.8, n)), b=np.exp(rng.normal(0.3, 0.8, n)),
                                            n=rng.uniform(1, 30, n)),  # (integer n: tests/test_beta_binomial.py)
        lambda d: _BetaBinomialEstNOracle(d.params["a"], d.params["b"], d.params["n"]),
        discrete=True,
        # its support 0..floor(n) moves with n (outcomes beyond it score +inf), and its likelihood jumps
        # where floor(n) changes (the marginal fit is compared by likelihood)
        extra={"parameter_support": True, "piecewise_likelihood": True},
    ),
    "beta_bernoulli": FamilyCase(
        "beta_bernoulli",
        _beta_binomial(1),
        lambda d: stats.bernoulli(d.params["a"] / (d.params["a"] + d.params["b"])),
        discrete=True,
        extra={"singular_metric": True},
    ),
}


def fast_target(score, y):
    """The target a fast kernel of ``score`` takes for the sample y (n,): y itself, or for a censored
    score [time, event] with a fixed pattern of events and censored times (about
    60 % events; censored rows at the sampled times, which exercises both branches on every chunk)."""
    y = np.asarray(y, dtype=float)
    if not score.startswith("censored"):
        return y
    event = (np.arange(len(y)) * 7 % 10 < 6).astype(float)
    return np.column_stack([y, event])


#: tolerances of the fast-kernel natural-gradient checks where the family's own formula is not
#: accurate to the default (rtol 1e-12, atol 1e-14), and why
FAST_TOLERANCE = {
    # the numpy d log Q / d log a is a Richardson-extrapolated central difference (relative error
    # ~1e-10, more on rare rows); the kernels' is in closed form up to a = 100 (and the same
    # differences above, whose ulp differences in a and x, libm exp, they amplify): up to 5e-9
    # relative on 60,000 rows
    ("gamma", "censored_log"): {"rtol": 1e-8, "atol": 1e-10},
    # the (log scale, df) 2x2 solve cancels where a natural-gradient entry is small: absolute
    # differences up to ~1.4e-12 on 60,000 rows
    ("studentt", "log"): {"rtol": 1e-12, "atol": 1e-11},
    # d score / d log n cancels where it nearly vanishes: the distribution objects' value is off by
    # up to ~1e-11 relative there (the kernels' digamma recurrence is closer to a 40-digit reference)
    ("negative_binomial", "log"): {"rtol": 1e-12, "atol": 1e-12},
    ("zero_inflated_negative_binomial", "log"): {"rtol": 1e-12, "atol": 1e-12},
}


def fast_tolerance(name, score):
    """assert_allclose tolerances of family ``name``'s fast natural gradient for ``score``."""
    return FAST_TOLERANCE.get((name, score), {"rtol": 1e-12, "atol": 1e-14})
