"""The boosted scoring rule: its direction, its score along a step, and the update of the parameters.

A :class:`Rule` is a family's scoring rule evaluated through distribution objects; a
:class:`FastRule` evaluates it with the family's compiled kernels (``Family.fast``). An
:class:`Objective` is a rule on a set of rows (y, weights) at their current internal parameters
theta (n, k), offsets included. The training objective gives the engine the natural-gradient
direction on the iteration's rows, the score along a fitted step (for the line search) and the
update; a validation objective is only scored and moved.

With a fast rule, trees grown on every row and a leaf-structured step (``LeafStep``), the score
along the step and the update work from the leaves, through row factors exp(a_j theta_j) the
direction pass writes (see ``distributions/fast.py``): one exponential per leaf, not per row.
"""

from __future__ import annotations

import numpy as np

from ._backends import LeafStep
from ._threads import map_chunks

__all__ = ["Rule", "FastRule", "make_rule", "Objective", "LINE_SEARCH_ROWS", "project_at_bounds", "mean_weight_exponent",
           "positive_weight_sums"]

#: above 4 * LINE_SEARCH_ROWS rows the line search scores an evenly spaced sample of this many rows:
#: it only chooses a power of two, and paired score differences on 65,536 rows decide that as the
#: full data would except at near-ties, at a fraction of the cost
LINE_SEARCH_ROWS = 65_536


def _diagonal_newton(grad, diag):
    """grad / diag per entry (0 where the metric diagonal is not positive), column order."""
    out = np.zeros(grad.shape, order="F")
    np.divide(grad, diag, out=out, where=diag > 0)
    return out


def _metric_weights(diag, w):
    """Per-parameter fit weights w_i * diag_ij as a list of k columns; a column that is constant
    (the Normal log-scale Fisher entry 2) leaves the fit unweighted, as the same leaves result."""
    out = []
    for j in range(diag.shape[1]):
        col = diag[:, j]
        if col.size and col[0] == col[-1] and np.all(col == col[0]):
            out.append(w)
        else:
            out.append(col if w is None else col * w)
    return out


def _finite_or_inf(value):
    return value if np.isfinite(value) else np.inf


class Rule:
    """Scoring rule ``name`` of ``family`` through distribution objects. ``weighted``: fit the
    learners on d_score / metric diagonal with the diagonal as weights (a Newton step per leaf)
    instead of the natural gradient; ``natural_gradient`` False: on the plain gradient."""

    leaf_kernel = None
    direction_scores = False  #: whether :meth:`direction` also returns the mean score at theta

    def __init__(self, family, name, natural_gradient=True, weighted=False):
        self.family, self.name = family, name
        self.natural_gradient, self.weighted = natural_gradient, weighted

    def aux(self, y):
        """Per-row terms of the fast kernels that depend on y only (None here)."""
        return None

    def mean(self, theta, y, w, aux=None, step=None, s=0.0):
        """Weighted mean score at clip(theta - s * step) (theta itself when step is None); inf when
        any row's score is not finite."""
        moved = theta if step is None else theta - s * step
        values = self.family.from_internal(moved, copy=step is None).score(y, self.name)
        return float(np.average(values, weights=w)) if np.all(np.isfinite(values)) else np.inf

    def direction(self, theta, y, w, aux=None, ex=None, ex_given=False):
        """(direction (n, k), mean score at theta or None, metric diagonal or None)."""
        d = self.family.from_internal(theta)
        if self.weighted:  # the diagonal Newton direction, weights = the metric diagonal
            diag = d.metric_diagonal(self.name)
            return _diagonal_newton(d.d_score(y, self.name), diag), None, diag
        if self.natural_gradient:
            return d.natural_gradient(y, self.name), None, None
        return d.d_score(y, self.name), None, None


class FastRule(Rule):
    """:class:`Rule` on the family's compiled kernels ``fast`` (a ``FastScore``) with internal
    ``bounds`` (k, 2); the kernels run on fixed row chunks (results do not depend on the threads)."""

    def __init__(self, family, name, fast, bounds, natural_gradient=True, weighted=False, n_threads=1):
        super().__init__(family, name, natural_gradient, weighted)
        self.fast, self.bounds, self.n_threads = fast, bounds, n_threads
        self.natgrad_kernel = fast.natural_gradient if natural_gradient else None
        self.direction_scores = self.natgrad_kernel is not None
        # the leaf-structured line search needs the row factors of the natural-gradient pass
        self.leaf_kernel = fast.leaf_mean if self.natgrad_kernel is not None else None

    def aux(self, y):
        return self.fast.aux(y)

    def mean(self, theta, y, w, aux=None, step=None, s=0.0):
        return _finite_or_inf(self.fast.mean_score(self.bounds, theta, step, s, y, w, aux, n_threads=self.n_threads))

    def direction(self, theta, y, w, aux=None, ex=None, ex_given=False):
        if self.natgrad_kernel is None:
            return super().direction(theta, y, w, aux)
        grad, score, diag = self.fast.natural_gradient_and_score(
            self.bounds, theta, y, w, aux, n_threads=self.n_threads, want_diag=self.weighted, ex=ex,
            ex_given=ex is not None and ex_given)
        return grad, _finite_or_inf(score), diag

    def leaf_mean(self, theta, ex, leaves, vals, s, y, w, aux):
        value = self.fast.leaf_mean_score(self.bounds, theta, ex, leaves, vals, s, y, w, aux, n_threads=self.n_threads)
        return _finite_or_inf(value)


def make_rule(family, name, k, natural_gradient=True, weighted=False, n_threads=1):
    """The fast rule when the family registers kernels for ``name``, else the generic one."""
    fast = family.fast.get(name)
    if fast is None:
        return Rule(family, name, natural_gradient, weighted)
    bounds = np.asarray(family._bounds_for(k), dtype=float).reshape(k, 2)
    return FastRule(family, name, fast, bounds, natural_gradient, weighted, n_threads)


def positive_weight_sums(w):
    """(sum, count) of the positive weights of ``w`` ((0.0, 0) for None)."""
    if w is None:
        return 0.0, 0
    pos = w[w > 0]
    return float(np.sum(pos)), int(pos.size)


def mean_weight_exponent(total, count):
    """e such that the mean positive weight, ``total`` / ``count`` (:func:`positive_weight_sums`, or
    their sums over a distributed fit's shards), times 2**e is in [1, 2); 0 without weights."""
    if not count or not total > 0:
        return 0
    return int(1 - np.frexp(total / count)[1])


def _take(idx, *arrays):
    """``a[idx]`` for each array (None stays None)."""
    return tuple(None if a is None else a[idx] for a in arrays)


def project_at_bounds(step, theta, bounds):
    """Zero, in place, the parts of ``step`` (n, k) that would move a parameter of ``theta`` (n, k)
    at or beyond its internal bound further out (theta -= s * step, s > 0): the score is flat there
    (the parameters are clipped), and a natural gradient that grows without limit at a bound (a
    zero-inflation probability near 0) must not push rows ever further past it. ``bounds`` (k, 2)."""
    for j, (lo, hi) in enumerate(np.asarray(bounds, dtype=float).reshape(-1, 2)):
        col = theta[:, j]
        if col.min() <= lo:
            step[(col <= lo) & (step[:, j] > 0), j] = 0.0
        if col.max() >= hi:
            step[(col >= hi) & (step[:, j] < 0), j] = 0.0


class Objective:
    """``rule`` on rows (y (n,) or (n, 2), weights w (n,) or None) at parameters ``theta`` (n, k),
    updated in place. ``n_rows``: rows of each iteration's direction (all: the row factors of the
    leaf-structured path are kept when ``leaf_steps``). The learners are fitted with the weights
    scaled by a power of two (``fit_w``; by default :func:`mean_weight_exponent` of w, a distributed
    fit sets that of all its rows): a leaf's weight then counts in rows of mean weight, whatever the
    weights' sum, and its value is unchanged."""

    def __init__(self, rule, theta, y, w=None, n_rows=None, leaf_steps=False):
        self.rule, self.theta, self.y, self.w = rule, theta, y, w
        self.set_fit_exponent(mean_weight_exponent(*positive_weight_sums(w)))
        self.aux = rule.aux(y)
        n, k = theta.shape
        self.n_rows = n if n_rows is None else n_rows
        self.ex = None  # row factors, kept up to date along the leaf-structured path
        if rule.leaf_kernel is not None and self.n_rows == n and leaf_steps:
            self.ex, self.ex_valid = np.empty((n, k)), False
            self.signs = rule.fast.signs(k)
            self.lo, self.hi = np.ascontiguousarray(rule.bounds[:, 0]), np.ascontiguousarray(rule.bounds[:, 1])
        self.bounds = rule.family._bounds_for(k)
        self.ls_idx = None  # the line search's evenly spaced row sample on large data
        if self.n_rows > 4 * LINE_SEARCH_ROWS:
            self.ls_idx = np.linspace(0, self.n_rows - 1, LINE_SEARCH_ROWS).round().astype(np.int64)
        self._score = None  # mean score at theta on all rows, while known

    def set_fit_exponent(self, exponent):
        """Fit the learners with the weights scaled by 2**``exponent`` (an exact scaling)."""
        self.fit_w = self.w if self.w is None or exponent == 0 else np.ldexp(self.w, int(exponent))

    @property
    def scores_in_direction(self):
        """Whether the next :meth:`direction` on all rows computes the training score anyway."""
        return self.rule.direction_scores and self.n_rows == self.theta.shape[0]

    def score(self):
        """Weighted mean score at theta on all rows."""
        if self._score is None:
            self._score = self.rule.mean(self.theta, self.y, self.w, self.aux)
        return self._score

    def _rows(self, rows):
        if rows is None:
            return self.theta, self.y, self.w, self.aux
        return _take(rows, self.theta, self.y, self.w, self.aux)

    def direction(self, rows=None):
        """(direction (n_rows, k), fit weights, score at theta on the rows, that score when it is
        the full training score computed by this pass else None) on ``rows`` (None: all)."""
        th, y, w, aux = self._rows(rows)
        ex = self.ex if self.ex is not None else None
        grad, score, diag = self.rule.direction(th, y, w, aux, ex=ex, ex_given=ex is not None and self.ex_valid)
        project_at_bounds(grad, th, self.bounds)
        computed = score is not None
        if not computed:
            score = self.score() if rows is None else self.rule.mean(th, y, w, aux)
        fit_w = self.fit_w if rows is None or self.fit_w is None else self.fit_w[rows]
        weight = fit_w if diag is None else _metric_weights(diag, fit_w)
        return grad, weight, score, (score if computed and rows is None else None)

    def metric_sample(self, limit=1000):
        """The score's metric (m, k, k) at the first ``limit`` rows, through the family's distribution
        objects (or None when the family has none for the rule)."""
        th, y = self.theta[:limit], self.y[:limit]
        try:
            return self.rule.family.from_internal(th).metric(self.rule.name)
        except (NotImplementedError, AttributeError, ValueError):
            return None

    def along(self, step, rows, score0):
        """(s -> mean score at clip(theta - s * step), its value at s = 0) on the line search's rows:
        the direction's rows, or an evenly spaced sample of them on large data; ``s`` (k,) scales
        each parameter's part of the step. ``score0``: the score at theta on the direction's rows."""
        if self._leaf_path(step, rows):
            th, ex, leaves, (y, w, aux), vals = self.theta, self.ex, step.leaves, (self.y, self.w, self.aux), step.vals
            if self.ls_idx is not None:
                th, ex, leaves = th[self.ls_idx], ex[self.ls_idx], leaves[:, self.ls_idx]
                y, w, aux = _take(self.ls_idx, y, w, aux)
                score0 = self.rule.leaf_mean(th, ex, leaves, vals, 0.0, y, w, aux)
            return (lambda s: self.rule.leaf_mean(th, ex, leaves, vals * s[:, None], 1.0, y, w, aux)), score0
        values = step.dense()
        th, y, w, aux = self._rows(rows)
        values = values if rows is None else values[rows]
        if self.ls_idx is not None:
            th, values, y, w, aux = _take(self.ls_idx, th, values, y, w, aux)
            score0 = self.rule.mean(th, y, w, aux)
        return (lambda s: self.rule.mean(th, y, w, aux, values * s, 1.0)), score0

    def _leaf_path(self, step, rows):
        return self.ex is not None and rows is None and isinstance(step, LeafStep)

    def apply(self, step, c):
        """theta -= c * step on every row, ``c`` (k,) per parameter (the row factors with it on the
        leaf-structured path)."""
        self._score = None
        if self._leaf_path(step, None):
            from .distributions.fast import subtract_leaf_steps

            th, ex, leaves, vals = self.theta, self.ex, step.leaves, step.vals * c[:, None]
            c = 1.0
            map_chunks(lambda a, b: subtract_leaf_steps(th, ex, leaves, vals, c, self.signs, self.lo, self.hi, a, b),
                       th.shape[0], self.rule.n_threads, min_chunk=50_000)
            self.ex_valid = True
            return
        values = step.dense()
        values *= c  # (the step is used up)
        self.theta -= values
        if self.ex is not None:
            self.ex_valid = False

    def subtract(self, delta):
        """theta -= delta (n, k): a validation objective moved by an iteration's prediction."""
        self._score = None
        self.theta -= delta
