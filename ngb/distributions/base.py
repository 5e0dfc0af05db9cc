"""The vectorised distribution API shared by every family.

A distribution object holds ``n`` rows. Internally each row is described by ``k`` unconstrained
parameters, stored as an array ``theta`` of shape ``(n, k)`` (always rows first). A family
declares (see ``_declare.py``) its ``parameters`` (name, link, bounds), ``support``, ``scores``
and ``censoring``, and implements, for every scoring rule ``r`` it names,

- ``_{r}_score(y)``          per-row score, shape (n,)
- ``_{r}_d_score(y)``        gradient of the score w.r.t. theta, shape (n, k)
- ``_{r}_metric()``          the rule's Riemannian metric, shape (n, k, k)
- ``_{r}_natural_gradient(y)`` (optional) closed-form metric^{-1} @ gradient, shape (n, k)

plus ``_fit_marginal(y, w)`` and the user-facing quantities (mean, cdf, ...) that are cheaper in
closed form than through the frozen ``scipy.stats`` object of :meth:`to_scipy` (the default).
Compiled fast paths of a rule are optional (``fast``, see ``fast.py``).
"""

from __future__ import annotations

import functools
import numbers

import numpy as np

from ..scores import resolve_score
from ._censoring import CensoredScores, censored_target, solve_small
from ._declare import check_exact_range, check_rules, check_target, make_init
from ._law import Law

__all__ = ["Distribution", "solve_small", "pinv_solve", "edge_logpdf", "diagonal_metric", "symmetric_metric",
           "log_weighted_mean", "mean_and_log_sd"]


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


def diagonal_metric(n, *entries):
    """(n, k, k) metric with diagonal ``entries`` (each (n,) or a scalar) and zeros elsewhere."""
    out = np.zeros((n, len(entries), len(entries)))
    for j, value in enumerate(entries):
        out[:, j, j] = value
    return out


def symmetric_metric(n, m00, m11, m01):
    """(n, 2, 2) symmetric metric [[m00, m01], [m01, m11]] (each entry (n,) or a scalar)."""
    out = np.empty((n, 2, 2))
    out[:, 0, 0] = m00
    out[:, 1, 1] = m11
    out[:, 0, 1] = out[:, 1, 0] = m01
    return out


def pinv_solve(metric, grad, rcond=1e-12):
    """Minimum-norm solutions x of metric x = grad per row ((n, k, k) symmetric positive
    semi-definite, (n, k)): eigenvalues below ``rcond`` times a row's largest count as zero (the
    natural gradient where the metric is singular, e.g. a parameter the outcome does not identify)."""
    lam, vec = np.linalg.eigh(metric)
    keep = lam > rcond * lam[:, -1:]
    inv = np.where(keep, 1.0 / np.where(keep, lam, 1.0), 0.0)
    return np.einsum("nij,nj,nkj,nk->ni", vec, inv, vec, grad)


def log_weighted_mean(y, w):
    """log of the weighted mean of y (at least the smallest positive double): a log-mean MLE."""
    return np.log(max(np.average(y, weights=w), np.finfo(float).tiny))


def mean_and_log_sd(values, w):
    """(weighted mean, log of the weighted standard deviation) of ``values``: a normal MLE."""
    mean = np.average(values, weights=w)
    var = np.average((values - mean) ** 2, weights=w)
    return mean, 0.5 * np.log(max(var, np.finfo(float).tiny))


class Distribution(Law, CensoredScores):
    """Base class: ``n`` rows of one family, internal parameters ``theta`` of shape (n, k).

    A family sets ``parameters`` (a tuple of :class:`~ngb.distributions.Param`, internal order)
    and, when its constructor takes them in another order, ``constructor`` (their names in that
    order); ``param_names``, ``bounds``, ``__init__``, ``_set_internal``, ``params`` and
    ``check_y`` are then derived. Families with a variable number of parameters (categorical,
    multivariate normal) implement those themselves.
    """

    #: declared parameters (internal order) and the constructor's order of their names
    parameters: tuple = ()
    constructor: tuple = ()
    #: internal names (length k) and (low, high) clip bounds per internal parameter (derived)
    param_names: tuple = ()
    bounds: tuple = ()
    #: scoring rules implemented (censored versions: ``censoring``)
    scores: tuple = ("log",)
    #: kind of target: "real", "positive", "count", "unit", "class" (see ``_declare.SUPPORTS``)
    support: str = "real"
    #: for a "positive" support: whether y = 0 belongs to it
    zero_in_support: bool = False
    #: whether y is discrete (log-pmf) or continuous (log-density)
    discrete: bool = False
    #: whether y per row is a vector (multivariate families)
    multi_output: bool = False
    #: False for families whose y per row is a vector: no (n, m) grids for them
    _y_per_row_is_scalar: bool = True
    #: compiled fast paths by rule name (``fast.FastScore``); the generic path needs none
    fast: dict = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "parameters" in cls.__dict__:
            cls.param_names = tuple(p.internal_name for p in cls.parameters)
            cls.bounds = tuple(tuple(p.bounds) for p in cls.parameters)
            if not cls.constructor or "constructor" not in cls.__dict__:
                cls.constructor = tuple(p.name for p in cls.parameters)
            if "__init__" not in cls.__dict__:
                cls.__init__ = make_init(cls.parameters, cls.constructor)
        check_rules(cls)
        for name in _PER_ROW_METHODS:
            if name in cls.__dict__:
                setattr(cls, name, _on_grids(cls.__dict__[name]))

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_internal(cls, theta, copy=True, bounds=None):
        """Build from an internal parameter array of shape (n, k) (a 1-D array is one row), clipped
        to the family's bounds, or to ``bounds`` (k, 2) (a fitted model's, in its target's units).

        With ``copy=False`` a float64 array is clipped in place and kept (for callers that own it)."""
        theta = np.array(theta, dtype=float, copy=copy) if copy else np.asarray(theta, dtype=float)
        if theta.ndim == 1:
            theta = theta[None, :]
        if theta.ndim != 2:
            raise ValueError(f"theta must have shape (n, k); got shape {theta.shape}.")
        cls._check_n_params(theta.shape[1])
        obj = cls.__new__(cls)
        obj._set_internal(cls.clip_internal(theta, bounds))
        return obj

    @classmethod
    def _check_n_params(cls, k):
        if len(cls.param_names) and k != len(cls.param_names):
            raise ValueError(f"{cls.__name__} has {len(cls.param_names)} internal parameters; got {k}.")

    @classmethod
    def clip_internal(cls, theta, bounds=None):
        """Clip an (n, k) internal array (in place) to the family's safe range (or ``bounds`` (k, 2))
        and return it. NaN is an error (ValueError naming the rows and the parameter)."""
        for j, (lo, hi) in enumerate(cls._bounds_for(theta.shape[1]) if bounds is None else bounds):
            column = theta[:, j]  # scalar bounds per column: much faster than broadcast bounds
            np.clip(column, lo, hi, out=column)
        if np.isnan(theta.sum()):
            where = _nan_summary(theta, cls._names_for(theta.shape[1]))
            raise ValueError(f"{cls.__name__}: internal parameters contain NaN ({where}).")
        return theta

    @classmethod
    def _names_for(cls, k):
        names = cls.param_names if isinstance(cls.param_names, tuple) and len(cls.param_names) == k else ()
        return names or tuple(f"parameter {j}" for j in range(k))

    @classmethod
    def _check_exact(cls, theta):
        """(n, k) internal values a constructor keeps exactly, after checking they are not NaN and
        lie within the family's exact range (``Param.exact_range``; the clip bounds without
        declared parameters)."""
        if np.isnan(theta).any():
            where = _nan_summary(theta, cls._names_for(theta.shape[1]))
            raise ValueError(f"{cls.__name__}: parameters contain NaN ({where}).")
        if cls.parameters:
            return check_exact_range(cls, cls.parameters, theta)
        names = cls._names_for(theta.shape[1])
        for j, (lo, hi) in enumerate(cls._bounds_for(theta.shape[1])):
            bad = ~((theta[:, j] >= lo) & (theta[:, j] <= hi))
            if bad.any():
                raise ValueError(f"{cls.__name__}: internal parameter {names[j]}={theta[:, j][bad][0]:.6g} is outside "
                                 f"[{lo:g}, {hi:g}], the range in which the family is represented exactly.")
        return theta

    @classmethod
    def _bounds_for(cls, k):
        return cls.bounds

    def _set_internal(self, theta):
        """Store the clipped (n, k) array and the user-facing parameters it maps to."""
        self._theta = theta
        for j, p in enumerate(self.parameters):
            setattr(self, p.name, p.link.from_internal(theta[:, j]))
        self._derive()

    def _derive(self):
        """Cache quantities derived from the parameters (families override it)."""

    @classmethod
    def fit_marginal(cls, y, sample_weight=None, **options):
        """Weighted maximum-likelihood constant fit; returns internal parameters of shape (k,)."""
        y = np.asarray(y, float)
        w = np.ones_like(y) if sample_weight is None else np.asarray(sample_weight, float)
        return cls.clip_internal(np.array([cls._fit_marginal(y, w, **options)], dtype=float))[0]

    @classmethod
    def _fit_marginal(cls, y, w):
        """The weighted MLE of a constant distribution as k internal values (y (n,), w (n,))."""
        raise NotImplementedError

    @classmethod
    def location_params(cls, k):
        """Indices of the internal parameters that set the location (here the first). Early stopping
        judges their steps only as a whole; the steps of the other parameters (scale, shape) are
        kept only while they improve the held-out rows' score (``_engine.gate_groups``). Families
        without a location parameter return all k (nothing is gated)."""
        return np.array([0])

    @classmethod
    def step_groups(cls, k):
        """Index arrays of the k internal parameters that share one step scaling in the engine's
        line search: each parameter alone (families with exchangeable parameters group them)."""
        return [np.array([j]) for j in range(k)]

    @classmethod
    def check_y(cls, y):
        """Return y as a float array after checking it lies in the family's support."""
        return check_target(cls, y)

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
        return {name: getattr(self, name).copy() for name in self.constructor}

    def __len__(self):
        return self._theta.shape[0]

    def __getitem__(self, idx):
        """Rows ``idx``: an int (a 1-row distribution), a slice, integer indices or a boolean mask
        of length n. A distribution is a 1-D sequence of rows: tuples, None and Ellipsis are refused."""
        n = len(self)
        if isinstance(idx, numbers.Integral) and not isinstance(idx, (bool, np.bool_)):
            if not -n <= idx < n:
                raise IndexError(f"index {idx} out of range for {n} rows.")
            idx = slice(idx, idx + 1 if idx != -1 else None)
        elif not isinstance(idx, slice):
            what = "Ellipsis" if idx is Ellipsis else "None" if idx is None else type(idx).__name__
            if idx is None or idx is Ellipsis or isinstance(idx, (tuple, bool, np.bool_, str, float)):
                raise IndexError(f"{type(self).__name__} rows are indexed by an int, a slice, integer indices or a "
                                 f"boolean mask of length {n}; got {what} (a distribution is one-dimensional: "
                                 "index its rows, then read a parameter, e.g. d[1:3].loc).")
            arr = np.asarray(idx)
            if arr.ndim != 1 or not (arr.dtype == bool or np.issubdtype(arr.dtype, np.integer) or arr.size == 0):
                raise IndexError(f"{type(self).__name__} rows are indexed by an int, a slice, integer indices or a "
                                 f"boolean mask of length {n}; got an array of shape {arr.shape} and dtype "
                                 f"{arr.dtype}.")
            if arr.dtype == bool and arr.shape[0] != n:
                raise IndexError(f"boolean mask of length {arr.shape[0]} for {n} rows.")
            idx = arr.astype(np.intp) if arr.dtype != bool else arr
            if idx.dtype != bool and idx.size and not (-n <= idx.min() and idx.max() < n):
                raise IndexError(f"row indices out of range for {n} rows.")
        return self._take(idx)

    def _take(self, idx):
        """A new distribution of the rows ``idx`` (a slice or an index array), values kept exactly."""
        obj = type(self).__new__(type(self))
        obj._set_internal(np.array(self._theta[idx], dtype=float))
        return obj

    def __repr__(self):
        shown = {}
        for name, value in self.params.items():
            value = np.asarray(value)
            shown[name] = value[:3].round(4).tolist()
        more = ", ..." if len(self) > 3 else ""
        body = ", ".join(f"{k}={v}" for k, v in shown.items())
        return f"{type(self).__name__}(n={len(self)}: {body}{more})"

    # ------------------------------------------------------------------ scoring rules
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
        """Per-row score S(P_i, y_i), shape (n,). Lower is better. For the censored rules y is a
        survival target: a structured array (event, time), a two-column DataFrame or (n, 2) [time, event]."""
        return self._rule(score, "score")(self._rule_y(score, y))

    def d_score(self, y, score="log"):
        """Gradient of the score w.r.t. the internal parameters, shape (n, k)."""
        return self._rule(score, "d_score")(self._rule_y(score, y))

    def _rule_y(self, score, y):
        """y as the rule reads it: survival targets as (n, 2) [time, event] for the censored rules."""
        return self._as_y(censored_target(y) if resolve_score(score).startswith("censored_") else y)

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
            return closed(self._rule_y(name, y))
        grad = self.d_score(y, score)
        return np.linalg.solve(self.metric(score), grad[..., None])[..., 0]

    def _as_y(self, y):
        y = np.asarray(y, dtype=float)
        if y.ndim == 0:
            y = np.full(len(self), float(y))
        elif y.ndim == 1 and y.shape[0] != len(self) and len(self) != 1 and y.shape[0] != 1:
            raise ValueError(f"y has {y.shape[0]} values for {len(self)} rows: give one value per row (shape "
                             f"({len(self)},)), a scalar, or ({len(self)}, m) for m values per row.")
        return y

    def _log_score(self, y):
        """The log score -log p(y) (families override it where a closed form is cheaper)."""
        return -self.logpdf(y)


def _nan_summary(theta, names):
    """'n of N rows, first row i, <parameter>' for the NaN entries of theta (n, k)."""
    rows, cols = np.nonzero(np.isnan(theta))
    return (f"{len(np.unique(rows))} of {theta.shape[0]} rows, first row {rows[0]}, {names[cols[0]]}"
            if rows.size else "none")


for _name in _PER_ROW_METHODS:
    setattr(Distribution, _name, _on_grids(getattr(Distribution, _name)))
