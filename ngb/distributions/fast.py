"""Compiled fast paths of a family's scoring rule, for the boosting engine's hot loop.

A family registers, per rule, a :class:`FastScore` (``Family.fast = {"log": FastScore(...)}``) whose
kernels compute the weighted mean score of ``clip(theta - s * step)`` in one pass over the rows,
without a distribution object or any (n, k) temporary; the generic path (distribution objects)
needs none. Each kernel reproduces its family's ``score`` (tests check agreement). Kernel contracts
(arrays float64 and C-ordered unless said; ``lo``, ``hi`` (k,) the internal bounds; ``w`` and
``aux`` stand in for y when absent, ``has_w`` says which; every kernel works on rows
``start:stop`` of its arrays, its last two arguments):

- ``mean(theta (n, k), step (n, k), s, y (n,), w, has_w, lo, hi, aux, start, stop) -> (score sum,
  weight sum)``;
  ``aux`` (n,) holds per-row terms that depend on y only, from ``aux(y)`` once per fit (the
  Poisson log(y!));
- ``natural_gradient(theta, y, w, has_w, lo, hi, aux, out (n, k) F-ordered, diag (n, k) F-ordered
  or (0, k), want_diag, ex (n, k) or (0, k), ex_given, start, stop) -> (score sum, weight sum)`` writes the natural gradient at
  clip(theta) into ``out`` (with ``want_diag``: d_score / metric diagonal and the diagonal into
  ``diag``);
- ``leaf_mean(theta, ex, leaves (k, n) int32, vals (k, L), s, y, w, has_w, lo, hi, aux, start, stop)`` is
  ``mean`` along a leaf-structured step, whose row i moves parameter j by ``vals[j, leaves[j, i]]``.

Row factors. ``ex[i, j] = exp(a_j * clip(theta[i, j]))`` with the signs ``a_j`` of ``ex_signs``
(0: column unused): the Normal's 1 / scale, the Poisson mean, the categorical exp(logit). The
natural-gradient kernel writes them (or reads them when given), the leaf kernel reads them, and
:func:`subtract_leaf_steps` updates them with the parameters by one factor per leaf, so after the
first iteration the fast path takes no per-row exponential (the factors drift from exp(a * theta) by
rounding only, about one unit in the last place per iteration).

The wrappers run the kernels on row chunks that depend on n only (on the shared thread pool when
asked) and add the chunk sums in order, so results do not depend on the number of threads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .._threads import sum_fixed_chunks
from ._leaf_steps import subtract_leaf_steps

__all__ = ["FastScore", "subtract_leaf_steps", "log_time"]


def _no_aux(y):
    return None


def log_time(y):
    """(n,) log of y (n,), or of the time column of a censored target (n, 2): the kernels' per-row
    term of families scored in log y (0 where y <= 0, which those kernels do not read)."""
    y = np.asarray(y, dtype=float)
    t = y[:, 0] if y.ndim == 2 else y
    return np.log(np.where(t > 0, t, 1.0))


@dataclass(frozen=True)
class FastScore:
    """Compiled kernels of one rule of one family (module docstring). ``ex_signs`` (k,) may be a
    sequence, or None for all ones; ``aux`` maps y to the per-row terms (or None)."""

    mean: Callable
    natural_gradient: Callable | None = None
    leaf_mean: Callable | None = None
    ex_signs: tuple | None = None
    aux: Callable = _no_aux

    def signs(self, k):
        """(k,) signs a_j of the row factors exp(a_j * theta_j)."""
        return np.ones(k) if self.ex_signs is None else np.asarray(self.ex_signs, dtype=float)

    def mean_score(self, bounds, theta, step, s, y, w, aux=None, n_threads=1, sums=False):
        """Weighted mean score at clip(theta - s * step); ``step`` None: at theta. ``sums``: the
        (score sum, weight sum) pair instead of their ratio (here and in the methods below)."""
        lo, hi, has_w, y, ww, aa = _kernel_args(bounds, y, w, aux)
        theta = np.ascontiguousarray(theta)
        step, s = (theta, 0.0) if step is None else (np.ascontiguousarray(step), float(s))
        kernel = self.mean
        return sum_fixed_chunks(
            lambda a, b: kernel(theta, step, s, y, ww, has_w, lo, hi, aa, a, b), theta.shape[0],
            n_threads, sums,
        )

    def natural_gradient_and_score(self, bounds, theta, y, w, aux=None, n_threads=1, want_diag=False, ex=None,
                                   ex_given=False, sums=False):
        """(direction (n, k) in column order, weighted mean score, metric diagonal (n, k) or None):
        the natural gradient, or with ``want_diag`` d_score / metric diagonal and the diagonal.
        ``ex``: optional (n, k) C-ordered row factors at theta, filled here, or read when
        ``ex_given`` (kept up to date by :func:`subtract_leaf_steps`)."""
        out = np.empty(theta.shape, order="F")
        diag = np.empty(theta.shape, order="F") if want_diag else out[:0]  # empty: the kernel skips it
        if ex is None:
            ex, ex_given = out[:0], False
        lo, hi, has_w, y, ww, aa = _kernel_args(bounds, y, w, aux)
        theta = np.ascontiguousarray(theta)
        kernel = self.natural_gradient
        value = sum_fixed_chunks(
            lambda a, b: kernel(theta, y, ww, has_w, lo, hi, aa, out, diag, want_diag, ex, ex_given, a, b),
            theta.shape[0],
            n_threads,
            sums,
        )
        return out, value, (diag if want_diag else None)

    def leaf_mean_score(self, bounds, theta, ex, leaves, vals, s, y, w, aux=None, n_threads=1, sums=False):
        """Weighted mean score at clip(theta - s * vals[j, leaves[j, i]])."""
        lo, hi, has_w, y, ww, aa = _kernel_args(bounds, y, w, aux)
        theta, ex, leaves, vals = (np.ascontiguousarray(a) for a in (theta, ex, leaves, vals))
        s = float(s)
        kernel = self.leaf_mean
        return sum_fixed_chunks(
            lambda a, b: kernel(theta, ex, leaves, vals, s, y, ww, has_w, lo, hi, aa, a, b),
            theta.shape[0],
            n_threads,
            sums,
        )


def _kernel_args(bounds, y, w, aux):
    """(lo, hi, has_w, y, w, aux) as the kernels take them: contiguous arrays, and y standing in for
    absent weights or per-row terms (the kernels then do not read it)."""
    lo = np.ascontiguousarray(bounds[:, 0])
    hi = np.ascontiguousarray(bounds[:, 1])
    y = np.ascontiguousarray(y, dtype=float)
    ww = y if w is None else np.ascontiguousarray(w, dtype=float)
    return lo, hi, w is not None, y, ww, (y if aux is None else np.ascontiguousarray(aux, dtype=float))
