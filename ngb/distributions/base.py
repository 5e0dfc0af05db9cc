"""The vectorised distribution API shared by every family.

A distribution object holds ``n`` rows. Internally each row is described by ``k`` unconstrained
parameters, stored as an array ``theta`` of shape ``(n, k)`` (always rows first). Families
subclass :class:`Distribution` and implement, for every scoring rule name ``r`` they support,

- ``_{r}_score(y)``          per-row score, shape (n,)
- ``_{r}_d_score(y)``        gradient of the score w.r.t. theta, shape (n, k)
- ``_{r}_metric()``          the rule's Riemannian metric, shape (n, k, k)
- ``_{r}_natural_gradient(y)`` (optional) closed-form metric^{-1} @ gradient, shape (n, k)

plus the user-facing quantities (mean, cdf, ...) which default to the frozen ``scipy.stats``
object from :meth:`to_scipy` and are overridden where a closed form is cheaper.
"""

from __future__ import annotations

import functools
import numbers

import numpy as np

from ..scores import resolve_score

__all__ = ["Distribution", "solve_small"]


def solve_small(metric, grad):
    """metric^{-1} @ grad per row for (n, k, k) metrics: explicit for k <= 2, batched LAPACK above."""
    k = grad.shape[1]
    if k == 1:
        return grad / metric[:, :, 0]
    if k == 2:
        a, b, c, d = metric[:, 0, 0], metric[:, 0, 1], metric[:, 1, 0], metric[:, 1, 1]
        det = a * d - b * c
        g0, g1 = grad[:, 0], grad[:, 1]
        return np.column_stack([(d * g0 - b * g1) / det, (a * g1 - c * g0) / det])
    return np.linalg.solve(metric, grad[..., None])[..., 0]


#: per-row evaluations that also take a grid of m values per row, y of shape (n, m) -> (n, m)
_PER_ROW_METHODS = ("cdf", "logcdf", "sf", "logsf", "logpdf", "pdf")


def _on_grids(method):
    """Let ``method(y)`` take y of shape (n, m) (m values for each of the n rows) -> (n, m)."""

    @functools.wraps(method)
    def evaluate(self, y):
        grid = np.asarray(y) if not np.isscalar(y) else None
        if grid is not None and grid.ndim == 2 and self._y_per_row_is_scalar and grid.shape[0] == len(self):
            n, m = grid.shape
            rows = self if m == 1 else self[np.repeat(np.arange(n), m)]
            return np.asarray(method(rows, grid.reshape(-1))).reshape(n, m)
        return method(self, y)

    return evaluate


def edge_logpdf(shape, at_shape_one):
    """Log-density at a closed edge of the support where it behaves like x^(shape - 1), as scipy
    takes the limit: +inf for shape < 1, ``at_shape_one`` for shape = 1, -inf for shape > 1."""
    return np.where(shape < 1, np.inf, np.where(shape == 1, at_shape_one, -np.inf))


def _finite_y(y):
    y = np.asarray(y, dtype=float)
    if not np.all(np.isfinite(y)):
        raise ValueError("y contains NaN or infinite values.")
    return y


class Distribution:
    """Base class: ``n`` rows of one family, internal parameters ``theta`` of shape (n, k).

    Subclasses set ``param_names`` (internal names, length k), ``scores`` (names of supported
    scoring rules), ``bounds`` (per internal parameter, the (low, high) clip range that keeps every
    score, gradient and metric finite) and implement ``_set_internal``.
    """

    param_names: tuple = ()
    #: False for families whose y per row is a vector (multivariate): no (n, m) grids for them
    _y_per_row_is_scalar: bool = True
    scores: tuple = ("log",)
    bounds: tuple = ()
    #: kind of target the family models: "real", "positive", "count", "unit", "class"
    support: str = "real"
    #: whether y is discrete (log-pmf) or continuous (log-density)
    discrete: bool = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name in _PER_ROW_METHODS:
            if name in cls.__dict__:
                setattr(cls, name, _on_grids(cls.__dict__[name]))

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_internal(cls, theta, copy=True):
        """Build from an internal parameter array of shape (n, k) (a 1-D array is one row).

        With ``copy=False`` a float64 array is clipped in place and kept (for callers that own it)."""
        theta = np.array(theta, dtype=float, copy=copy) if copy else np.asarray(theta, dtype=float)
        if theta.ndim == 1:
            theta = theta[None, :]
        if theta.ndim != 2:
            raise ValueError(f"theta must have shape (n, k); got shape {theta.shape}.")
        cls._check_n_params(theta.shape[1])
        obj = cls.__new__(cls)
        obj._set_internal(cls.clip_internal(theta))
        return obj

    @classmethod
    def _check_n_params(cls, k):
        if len(cls.param_names) and k != len(cls.param_names):
            raise ValueError(f"{cls.__name__} has {len(cls.param_names)} internal parameters; got {k}.")

    @classmethod
    def clip_internal(cls, theta):
        """Clip an (n, k) internal array (in place) to the family's safe range and return it.
        NaN (which no finite input produces) is replaced by 0 so it cannot propagate."""
        for j, (lo, hi) in enumerate(cls._bounds_for(theta.shape[1])):
            column = theta[:, j]  # scalar bounds per column: much faster than broadcast bounds
            np.clip(column, lo, hi, out=column)
        if np.isnan(theta.sum()):
            np.nan_to_num(theta, nan=0.0, copy=False)
        return theta

    @classmethod
    def _bounds_for(cls, k):
        return cls.bounds

    def _set_internal(self, theta):
        """Store the clipped (n, k) array and cache derived quantities."""
        raise NotImplementedError

    @classmethod
    def fit_marginal(cls, y, sample_weight=None):
        """Weighted maximum-likelihood constant fit; returns internal parameters of shape (k,)."""
        raise NotImplementedError

    @classmethod
    def check_y(cls, y):
        """Return y as a float array after checking it lies in the family's support."""
        return _finite_y(y)

    @classmethod
    def _check_counts(cls, y):
        """check_y for count families whose first internal parameter is the log mean."""
        y = _finite_y(y)
        if np.any(y < 0) or np.any(y != np.round(y)):
            raise ValueError(f"{cls.__name__} targets must be non-negative integers (counts).")
        top = np.exp(cls.bounds[0][1])
        if np.any(y > top):
            raise ValueError(f"{cls.__name__} counts above {top:.3g} (e^{cls.bounds[0][1]:g}) are beyond the "
                             "family's range of means; model them with a continuous family (e.g. lognormal).")
        return y

    # ------------------------------------------------------------------ internal state
    @property
    def theta(self):
        """Internal (unconstrained) parameters, shape (n, k). A copy."""
        return self._theta.copy()

    @property
    def n_params(self):
        """Number k of internal parameters per row."""
        return self._theta.shape[1]

    @property
    def params(self):
        """User-facing parameters as a dict of arrays of shape (n,) (or (n, K))."""
        raise NotImplementedError

    def __len__(self):
        return self._theta.shape[0]

    def __getitem__(self, idx):
        if isinstance(idx, numbers.Integral):
            n = len(self)
            if not -n <= idx < n:
                raise IndexError(f"index {idx} out of range for {n} rows.")
            idx = slice(idx, idx + 1 if idx != -1 else None)
        return type(self).from_internal(self._theta[idx])

    def __repr__(self):
        shown = {}
        for name, value in self.params.items():
            value = np.asarray(value)
            shown[name] = value[:3].round(4).tolist()
        more = ", ..." if len(self) > 3 else ""
        body = ", ".join(f"{k}={v}" for k, v in shown.items())
        return f"{type(self).__name__}(n={len(self)}: {body}{more})"

    # ------------------------------------------------------------------ scoring rules
    #: score name -> fused numba kernel of the weighted mean score (see ``_fused.py``)
    _fused_scores: dict = {}

    @classmethod
    def fused_score_kernel(cls, score):
        """The fused mean-score kernel for ``score`` or None (the engine then uses ``score``)."""
        return cls._fused_scores.get(score)

    #: score name -> fused kernel writing the natural gradient and returning the mean score
    _fused_natgrads: dict = {}

    @classmethod
    def fused_natgrad_kernel(cls, score):
        """The fused natural-gradient-and-score kernel for ``score`` or None."""
        return cls._fused_natgrads.get(score)

    #: score name -> leaf-structured score kernel of the line search (see ``_fused.py``); it reads
    #: the row factors the fused natural-gradient kernel writes into its ``ex`` argument
    _fused_leaf_scores: dict = {}

    @classmethod
    def fused_leaf_score_kernel(cls, score):
        """The leaf-structured mean-score kernel for ``score`` or None."""
        return cls._fused_leaf_scores.get(score)

    @classmethod
    def fused_ex_signs(cls, k):
        """(k,) signs a_j of the row factors exp(a_j * theta_j) of the fused kernels (0: unused)."""
        return np.ones(k)

    @classmethod
    def fused_aux(cls, y):
        """Per-row terms of the fused kernels that depend on y only (None when there are none)."""
        return None

    @classmethod
    def available_scores(cls) -> tuple:
        """Names of the scoring rules this family implements (censored scores included)."""
        censored = (("censored_log",) if cls.supports_censoring() else ()) + (
            ("censored_crps",) if cls.supports_censored_crps() else ()
        )
        return tuple(cls.scores) + censored

    @classmethod
    def supports(cls, score) -> bool:
        return resolve_score(score) in cls.available_scores()

    def _rule(self, score, what):
        name = resolve_score(score)
        if name not in self.available_scores():
            raise ValueError(
                f"{type(self).__name__} does not implement the {name!r} score; "
                f"available: {list(self.available_scores())}."
            )
        return getattr(self, f"_{name}_{what}")

    def score(self, y, score="log"):
        """Per-row score S(P_i, y_i), shape (n,). Lower is better."""
        return self._rule(score, "score")(self._as_y(y))

    def d_score(self, y, score="log"):
        """Gradient of the score w.r.t. the internal parameters, shape (n, k)."""
        return self._rule(score, "d_score")(self._as_y(y))

    def metric(self, score="log"):
        """The score's Riemannian metric (Fisher information for the log score), (n, k, k)."""
        return self._rule(score, "metric")()

    def metric_diagonal(self, score="log"):
        """Diagonal of the score's metric, shape (n, k) (closed form where the family has
        ``_{rule}_metric_diagonal``); the engine's ``metric_weighted`` fit uses it as weights."""
        name = resolve_score(score)
        closed = getattr(self, f"_{name}_metric_diagonal", None)
        if closed is not None and name in self.available_scores():
            return closed()
        return np.einsum("ijj->ij", self.metric(score)).copy()

    def natural_gradient(self, y, score="log"):
        """metric^{-1} @ d_score per row, shape (n, k); closed form where the family has one."""
        name = resolve_score(score)
        closed = getattr(self, f"_{name}_natural_gradient", None)
        if closed is not None and name in self.available_scores():
            return closed(self._as_y(y))
        grad = self.d_score(y, score)
        return np.linalg.solve(self.metric(score), grad[..., None])[..., 0]

    # ------------------------------------------------------------------ right censoring
    # Survival targets are (n, 2) arrays [time, event] with event 1 for an observed event and 0
    # for a right-censored time. Families that implement ``_d_logsf(t)`` (gradient of log S(t)
    # w.r.t. theta, (n, k)) get the censored log score; its metric is the family's Fisher
    # information (exact for events; for a censored row, which carries less information, it is
    # the full-data Fisher, a conservative positive-definite choice).
    @classmethod
    def supports_censoring(cls) -> bool:
        return hasattr(cls, "_d_logsf")

    def _censored_log_score(self, y):
        t, event = y[:, 0], y[:, 1]
        return -np.where(event > 0, self.logpdf(t), self.logsf(t))

    def _censored_log_d_score(self, y):
        t, event = y[:, 0], y[:, 1]
        return np.where(event[:, None] > 0, self._log_d_score(t), -self._d_logsf(t))

    def _censored_log_metric(self):
        return self._log_metric()

    def _censored_log_natural_gradient(self, y):
        return solve_small(self._log_metric(), self._censored_log_d_score(y))

    # Families that also implement ``_crps_below(t)`` (the integral of F(z)^2 over 0 <= z <= t per
    # row, (n,)) and ``_d_crps_below(t)`` (its gradient w.r.t. theta, (n, k)) get the censored CRPS,
    # the "survival CRPS" of Avati et al. (2020): the ordinary CRPS for an event and the part below
    # the censoring time, int_0^t F(z)^2 dz, for a censored row. Its metric is the family's CRPS
    # metric 2 int grad F grad F^T dz over the whole support for every row (exact for events; for
    # a censored row, whose score only sees z <= t, it dominates the partial integral: a
    # conservative positive-definite choice, as the full-data Fisher information is above).
    @classmethod
    def supports_censored_crps(cls) -> bool:
        return hasattr(cls, "_crps_below") and "crps" in cls.scores

    def _by_event(self, y, on_event, on_censored):
        """Rows of ``on_event(d, t)`` for events and ``on_censored(d, t)`` for censored rows, each
        evaluated only on its own rows (d the sub-distribution, t its times). One row broadcasts."""
        t, event = y[:, 0], y[:, 1] > 0
        d = self
        if len(d) == 1 and len(t) > 1:
            d = type(d).from_internal(np.repeat(d._theta, len(t), axis=0), copy=False)
        if event.all():
            return on_event(d, t)
        if not event.any():
            return on_censored(d, t)
        a = on_event(d[event], t[event])
        b = on_censored(d[~event], t[~event])
        out = np.empty((len(t),) + a.shape[1:])
        out[event], out[~event] = a, b
        return out

    def _censored_crps_score(self, y):
        return self._by_event(y, lambda d, t: d._crps_score(t), lambda d, t: d._crps_below(t))

    def _censored_crps_d_score(self, y):
        return self._by_event(y, lambda d, t: d._crps_d_score(t), lambda d, t: d._d_crps_below(t))

    def _censored_crps_metric(self):
        return self._crps_metric()

    def _censored_crps_natural_gradient(self, y):
        return self._crps_metric_solve(self._censored_crps_d_score(y))

    def _crps_metric_solve(self, grad):
        """CRPS metric^{-1} @ grad per row, (n, k); families override it with a closed form."""
        return solve_small(self._crps_metric(), grad)

    def hazard(self, t):
        """Hazard rate pdf(t) / sf(t) per row, shape (n,)."""
        return np.exp(self.logpdf(t) - self.logsf(t))

    def cumulative_hazard(self, t):
        """-log S(t) per row, shape (n,)."""
        return -self.logsf(t)

    def survival_function(self, t):
        """S(t) = P(T > t) per row, shape (n,)."""
        return self.sf(t)

    def _as_y(self, y):
        y = np.asarray(y, dtype=float)
        if y.ndim == 0:
            y = np.full(len(self), float(y))
        return y

    # ------------------------------------------------------------------ what users read
    def to_scipy(self):
        """A frozen ``scipy.stats`` object with the same parameters (vectorised over rows)."""
        raise NotImplementedError

    def mean(self):
        """Mean per row, shape (n,)."""
        return np.asarray(self.to_scipy().mean(), dtype=float)

    def point_prediction(self):
        """The point prediction of ``NGBRegressor.predict``: the mean, shape (n,) (families whose
        mean may not exist override it)."""
        return self.mean()

    def var(self):
        """Variance per row, shape (n,)."""
        return np.asarray(self.to_scipy().var(), dtype=float)

    def std(self):
        """Standard deviation per row, shape (n,)."""
        return np.sqrt(self.var())

    def median(self):
        """Median per row, shape (n,)."""
        return self.quantile(0.5)

    def _broadcast_q(self, q):
        """Return (q as (n, m) array, scalar?) for quantile-style inputs."""
        q = np.asarray(q, dtype=float)
        if np.any((q < 0) | (q > 1)) or np.any(np.isnan(q)):
            raise ValueError("quantile levels must lie in [0, 1].")
        if q.ndim == 0:
            return np.full((len(self), 1), float(q)), True
        if q.ndim == 1:
            return np.broadcast_to(q, (len(self), q.size)), False
        raise ValueError("q must be a scalar or a 1-D array of levels.")

    def _ppf(self, q):
        """Quantile function for q of shape (n, m); returns (n, m)."""
        frozen = self.to_scipy()
        return np.asarray(frozen.ppf(q.T), dtype=float).T

    def quantile(self, q):
        """Quantiles: q scalar gives shape (n,); q a 1-D array of m levels gives (n, m)."""
        qq, scalar = self._broadcast_q(q)
        out = self._ppf(np.ascontiguousarray(qq))
        return out[:, 0] if scalar else out

    ppf = quantile

    def interval(self, alpha):
        """Central interval holding probability ``alpha`` (e.g. 0.9): (lower, upper), each (n,)."""
        alpha = float(alpha)
        if not 0 <= alpha <= 1:
            raise ValueError("alpha is a coverage probability in [0, 1].")
        lo, hi = self.quantile(np.array([(1 - alpha) / 2, (1 + alpha) / 2])).T
        return lo, hi

    def cdf(self, y):
        """P(Y <= y) per row: y scalar or (n,) -> (n,); y (n, m), m values per row -> (n, m) (as
        logcdf, sf, logsf, logpdf and pdf)."""
        return np.asarray(self.to_scipy().cdf(self._as_y(y)), dtype=float)

    def logcdf(self, y):
        return np.asarray(self.to_scipy().logcdf(self._as_y(y)), dtype=float)

    def sf(self, y):
        """Survival function P(Y > y), shape (n,)."""
        return np.asarray(self.to_scipy().sf(self._as_y(y)), dtype=float)

    def logsf(self, y):
        return np.asarray(self.to_scipy().logsf(self._as_y(y)), dtype=float)

    def logpdf(self, y):
        """Log-density (log-pmf for discrete families) per row, shape (n,)."""
        frozen = self.to_scipy()
        y = self._as_y(y)
        return np.asarray(frozen.logpmf(y) if self.discrete else frozen.logpdf(y), dtype=float)

    def pdf(self, y):
        """Density (pmf for discrete families) per row, shape (n,)."""
        return np.exp(self.logpdf(y))

    def sample(self, size=None, random_state=None):
        """Random draws: shape (n,) when size is None, else (n, size)."""
        rng = np.random.default_rng(random_state)
        m = 1 if size is None else int(size)
        u = rng.random((len(self), m))
        draws = self._sample_uniform(u, rng)
        return draws[:, 0] if size is None else draws

    def _sample_uniform(self, u, rng):
        """Draws from uniforms u of shape (n, m) (inverse-cdf by default)."""
        return self._ppf(u)


for _name in _PER_ROW_METHODS:
    setattr(Distribution, _name, _on_grids(getattr(Distribution, _name)))
