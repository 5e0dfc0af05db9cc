"""Student t distributions (scipy ``t(df, loc, scale)``).

- :class:`StudentT`: internal parameters (loc, log scale, log(df / (1 + df))), all three learned.
- :class:`TFixedDf`: df fixed by the class attribute ``df`` (3 by default); internal (loc, log scale).
  ``TFixedDf.with_df(5.0)`` makes a subclass with another fixed df.
- :class:`Cauchy`: ``TFixedDf`` with df = 1.

Fisher information of t(df=nu, loc, scale) in (loc, scale, nu) (closed form):

    I_loc,loc = (nu + 1) / ((nu + 3) scale^2)
    I_scale,scale = 2 nu / ((nu + 3) scale^2)
    I_scale,nu = -2 / ((nu + 1) (nu + 3) scale)
    I_nu,nu = [trigamma(nu/2) - trigamma((nu+1)/2)] / 4 - (nu + 5) / (2 nu (nu + 1) (nu + 3))
    I_loc,scale = I_loc,nu = 0.

The df coordinate is d = log(nu / (1 + nu)) (d < 0; d ~ log nu for small nu, d ~ -1/nu for large
nu), so dnu/dd = nu (1 + nu). In (log scale, d) the entries are 2 nu / (nu + 3), the cross term
-2 nu / (nu + 3) and nu^2 (1 + nu)^2 I_nu,nu, which tends to 1 as nu -> 0 and to 3.5 as nu -> inf:
the metric stays well conditioned up to the normal limit. (In log nu the df entry falls like
3.5 / nu^2, the natural gradient on log nu grows like nu, and one shared step size would have to
freeze loc and scale with it.) For nu > 50 the nu entry and the digamma difference in the gradient
are evaluated by their asymptotic series (derived from the Euler-Boole summation of
trigamma/digamma), which avoids the cancellation of the direct differences; relative accuracy is
better than 1e-12 throughout.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize, stats
from scipy.special import digamma, gammaln, polygamma

from . import _studentt_fast, _tfixed_fast
from ._fixed import fixed_subclass, subclass_by_name
from ._declare import IDENTITY, LOG, Link, Param
from .base import Distribution, diagonal_metric
from .fast import FastScore

__all__ = ["StudentT", "TFixedDf", "Cauchy"]

_LARGE_DF = 50.0
# asymptotic series (in 1/nu) of I_nu,nu, coefficients of nu^-4, nu^-5, ...
_J_SERIES = (3.5, -13.0, 39.5, -119.0, 363.5, -1101.0, 3279.5, -9763.0, 29523.5, -89609.0, 265719.5, -778047.0)
# digamma(nu/2) - digamma((nu+1)/2) + 1/nu, coefficients of nu^-2, nu^-4, ...
_B_SERIES = (-0.5, 0.25, -0.5, 2.125, -15.5, 172.75)
# log Gamma(x + 1/2) - log Gamma(x) - log(x) / 2 ~ sum_k c_k x^-k, c_k = (-1)^(k+1) [B_(k+1)(1/2) -
# B_(k+1)(0)] / (k (k + 1)) (Bernoulli polynomials); coefficients of x^-1, x^-2, ..., x^-13
_LOG_GAMMA_RATIO = (-1 / 8, 0.0, 1 / 192, 0.0, -1 / 640, 0.0, 17 / 14336, 0.0, -31 / 18432, 0.0, 691 / 180224,
                    0.0, -5461 / 425984)


def _df_fisher(nu):
    """I_nu,nu of the Student t (see module docstring), stable for large nu."""
    nu = np.asarray(nu, float)
    big = nu > _LARGE_DF
    nb = np.where(big, nu, 1.0)
    inv = 1.0 / nb
    series = np.zeros_like(nb)
    for coef in reversed(_J_SERIES):
        series = series * inv + coef
    series *= inv**4
    ns = np.where(big, 1.0, nu)
    direct = 0.25 * (polygamma(1, 0.5 * ns) - polygamma(1, 0.5 * (ns + 1))) - (ns + 5) / (2 * ns * (ns + 1) * (ns + 3))
    return np.where(big, series, direct)


def _digamma_gap(nu):
    """digamma(nu/2) - digamma((nu+1)/2) + 1/nu (~ -1/(2 nu^2)), stable for large nu."""
    nu = np.asarray(nu, float)
    big = nu > _LARGE_DF
    nb = np.where(big, nu, 1.0)
    inv2 = 1.0 / (nb * nb)
    series = np.zeros_like(nb)
    for coef in reversed(_B_SERIES):
        series = series * inv2 + coef
    series *= inv2
    ns = np.where(big, 1.0, nu)
    direct = digamma(0.5 * ns) - digamma(0.5 * (ns + 1)) + 1.0 / ns
    return np.where(big, series, direct)


def _log1p_minus_frac(r):
    """log(1 + r) - r / (1 + r) for r >= 0 (~ r^2 / 2 for small r), without cancellation."""
    r = np.asarray(r, float)
    small = r < 1e-3
    rs = np.where(small, r, 0.0)
    # series: sum_{k>=2} (-1)^k (k-1)/k r^k
    series = rs * rs * (0.5 + rs * (-2 / 3 + rs * (3 / 4 + rs * (-4 / 5 + rs * (5 / 6)))))
    rl = np.where(small, 1.0, r)
    return np.where(small, series, np.log1p(rl) - rl / (1 + rl))


def _df_from_internal(d):
    """nu = e^d / (1 - e^d) for the internal df coordinate d = log(nu / (1 + nu)) < 0."""
    return 1.0 / np.expm1(-d)


def _internal_from_df(nu):
    return -np.log1p(1.0 / nu)


#: df <-> d = log(df / (1 + df)) (module docstring)
DF_RATIO = Link("log_df_ratio", _internal_from_df, _df_from_internal, positive=True)
_LOC = Param("loc", IDENTITY, (-1e100, 1e100), default=0.0, unit="location")
_SCALE = Param("scale", LOG, (-40.0, 40.0), unit="scale")


def _log_constant_series(inv):
    """log Gamma((nu + 1) / 2) - log Gamma(nu / 2) - log(nu pi) / 2 by its series in inv = 1 / nu
    (accurate for nu > 50; inv = 0 is the normal limit -log(2 pi) / 2)."""
    ratio = np.zeros_like(inv)
    for c in reversed(_LOG_GAMMA_RATIO):  # in 1 / x = 2 inv, x = nu / 2
        ratio = (ratio + c) * (2 * inv)
    return ratio - 0.5 * np.log(2 * np.pi)


def _log_constant(nu):
    """log Gamma((nu + 1) / 2) - log Gamma(nu / 2) - log(nu pi) / 2, the t log density's df-only
    term; above df 50 by its series (the difference of log-gammas of ~ nu log nu / 2 would lose
    digits: 4e-10 at df 1e6)."""
    nu = np.asarray(nu, float)
    big = nu > _LARGE_DF
    ns = np.where(big, 1.0, nu)
    direct = gammaln(0.5 * (ns + 1)) - gammaln(0.5 * ns) - 0.5 * np.log(ns * np.pi)
    return np.where(big, _log_constant_series(1.0 / np.where(big, nu, 1.0)), direct)


def _t_logpdf(z, log_scale, nu):
    return (
        _log_constant(nu)
        - log_scale
        - 0.5 * (nu + 1) * np.log1p(z * z / nu)
    )


def _weighted_fit(cls, y, w, start):
    """Minimise the weighted mean log score over the internal parameters with BFGS (its value and
    gradient by the compiled ``_studentt_fast.marginal_objective``: the per-row formulas of
    ``score`` / ``d_score`` at the clipped parameters, the df-only terms once)."""
    w = np.ascontiguousarray(w / w.sum(), dtype=float)
    y = np.ascontiguousarray(y, dtype=float)
    bounds = np.asarray(cls._bounds_for(len(start)), dtype=float)
    lo, hi = np.ascontiguousarray(bounds[:, 0]), np.ascontiguousarray(bounds[:, 1])
    fixed_df = float(cls.df) if issubclass(cls, TFixedDf) else 0.0

    def objective(theta):
        return _studentt_fast.marginal_objective(np.ascontiguousarray(theta, dtype=float), y, w, lo, hi, fixed_df)

    res = optimize.minimize(objective, start, jac=True, method="BFGS", options={"gtol": 1e-11, "maxiter": 1000})
    return res.x


def _robust_start(y, w):
    order = np.argsort(y)
    cum = np.cumsum(w[order]) / w.sum()
    loc = y[order][min(np.searchsorted(cum, 0.5), len(y) - 1)]
    dev = np.abs(y - loc)
    order = np.argsort(dev)
    cum = np.cumsum(w[order]) / w.sum()
    mad = dev[order][min(np.searchsorted(cum, 0.5), len(y) - 1)]
    return loc, np.log(max(mad, 1e-12))


class StudentT(Distribution):
    """StudentT(df, loc, scale). Internal theta = (loc, log scale, log(df / (1 + df))).

    Score "log" with the closed-form Fisher information of the module docstring; natural gradient
    in closed form (loc decouples; 2x2 inverse for (log scale, df coordinate)). df is kept in
    [e^-3, 1e6] (about 0.05 to the normal limit).
    """

    parameters = (_LOC, _SCALE, Param("df", DF_RATIO, (float(_internal_from_df(np.exp(-3.0))), float(_internal_from_df(1e6))),
                                      default=5.0, internal="log_df_ratio"))
    constructor = ("df", "loc", "scale")
    support = "real"
    fast = {"log": FastScore(_studentt_fast.log_score_mean, _studentt_fast.log_natural_gradient,
                             _studentt_fast.log_score_leaves, ex_signs=(0.0, -1.0, 0.0))}  # 1 / scale

    @classmethod
    def _fit_marginal(cls, y, w):
        loc, log_scale = _robust_start(y, w)
        return _weighted_fit(cls, y, w, np.array([loc, log_scale, _internal_from_df(5.0)]))

    def to_scipy(self):
        return stats.t(df=self.df, loc=self.loc, scale=self.scale)

    def _z(self, y):
        return (y - self.loc) / self.scale

    def point_prediction(self):
        """loc: the mean where it exists (df > 1), the median and mode always, shape (n,)."""
        return self.loc.copy()

    def logpdf(self, y):
        return _t_logpdf(self._z(self._as_y(y)), self._theta[:, 1], self.df)

    def _loc_scale_grad(self, z, nu):
        zz = z * z
        d_loc = -(nu + 1) * (z / (nu + zz)) / self.scale
        d_log_scale = 1.0 - (nu + 1) * (zz / (nu + zz))
        return d_loc, d_log_scale

    def _log_d_score(self, y):
        nu = self.df
        z = self._z(y)
        d_loc, d_log_scale = self._loc_scale_grad(z, nu)
        r = z * z / nu
        # nu (1 + nu) dS/dnu with
        # dS/dnu = 1/2 [psi(nu/2) - psi((nu+1)/2) + 1/nu + log(1+r) - (nu+1)/nu * r/(1+r)]
        d_df = 0.5 * nu * (1 + nu) * (_digamma_gap(nu) + _log1p_minus_frac(r) - (r / (1 + r)) / nu)
        return np.column_stack([d_loc, d_log_scale, d_df])

    def _fisher_parts(self):
        nu = self.df
        i_loc = (nu + 1) / ((nu + 3) * self.scale**2)
        i_ss = 2 * nu / (nu + 3)
        i_sd = -i_ss
        i_dd = (nu * (1 + nu)) ** 2 * _df_fisher(nu)
        return i_loc, i_ss, i_sd, i_dd

    def _log_metric(self):
        i_loc, i_ss, i_sd, i_dd = self._fisher_parts()
        out = np.zeros((len(self), 3, 3))
        out[:, 0, 0] = i_loc
        out[:, 1, 1] = i_ss
        out[:, 1, 2] = out[:, 2, 1] = i_sd
        out[:, 2, 2] = i_dd
        return out

    def _log_natural_gradient(self, y):
        g = self._log_d_score(y)
        i_loc, i_ss, i_sd, i_dd = self._fisher_parts()
        det = i_ss * i_dd - i_sd * i_sd
        return np.column_stack(
            [g[:, 0] / i_loc, (i_dd * g[:, 1] - i_sd * g[:, 2]) / det, (i_ss * g[:, 2] - i_sd * g[:, 1]) / det]
        )


class TFixedDf(Distribution):
    """Student t with df fixed by the class attribute ``df`` (default 3). Internal (loc, log scale).

    Score "log": Fisher diag((df+1)/((df+3) scale^2), 2 df/(df+3)); closed-form natural gradient.
    """

    df: float = 3.0
    parameters = (_LOC, _SCALE)
    support = "real"

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "fast" not in cls.__dict__:  # the kernels of the subclass's own df
            cls.fast = _fixed_df_fast(cls.df)

    @classmethod
    def with_df(cls, df):
        """The subclass of TFixedDf whose fixed degrees of freedom are ``df`` (the same class for the same df)."""
        df = float(df)
        if not (df > 0 and np.isfinite(df)):
            raise ValueError(f"df must be a positive finite number; got {df!r}.")
        return fixed_subclass(TFixedDf, "df", df)

    @classmethod
    def _fit_marginal(cls, y, w):
        return _weighted_fit(cls, y, w, np.array(_robust_start(y, w)))

    def to_scipy(self):
        return stats.t(df=self.df, loc=self.loc, scale=self.scale)

    def _z(self, y):
        return (y - self.loc) / self.scale

    point_prediction = StudentT.point_prediction

    def logpdf(self, y):
        return _t_logpdf(self._z(self._as_y(y)), self._theta[:, 1], float(self.df))

    def _log_d_score(self, y):
        nu = float(self.df)
        z = self._z(y)
        zz = z * z
        return np.column_stack([-(nu + 1) * (z / (nu + zz)) / self.scale, 1.0 - (nu + 1) * (zz / (nu + zz))])

    def _log_metric(self):
        nu = float(self.df)
        return diagonal_metric(len(self), (nu + 1) / ((nu + 3) * self.scale**2), 2 * nu / (nu + 3))

    def _log_natural_gradient(self, y):
        nu = float(self.df)
        g = self._log_d_score(y)
        return np.column_stack([g[:, 0] * (nu + 3) * self.scale**2 / (nu + 1), g[:, 1] * (nu + 3) / (2 * nu)])


def _fixed_df_fast(df):
    """The ``fast`` registry of a t with fixed df: 1 / scale is the row factor."""
    df = float(df)
    const = _log_constant(df)
    kernels = _tfixed_fast.FixedDf(df, float(const))
    return {"log": FastScore(kernels.mean, kernels.natural_gradient, kernels.leaf_mean, ex_signs=(0.0, -1.0))}


TFixedDf.fast = _fixed_df_fast(TFixedDf.df)


class Cauchy(TFixedDf):
    """Cauchy(loc, scale) = Student t with df = 1. Internal (loc, log scale).

    Fisher diag(1 / (2 scale^2), 1/2).
    """

    df = 1.0

    def to_scipy(self):
        return stats.cauchy(loc=self.loc, scale=self.scale)


def __getattr__(name):
    """``TFixedDf_<df>`` classes on demand (so that pickles of ``TFixedDf.with_df(df)`` load)."""
    cls = subclass_by_name(name, TFixedDf, TFixedDf.with_df)
    if cls is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return cls
