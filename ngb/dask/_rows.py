"""A worker's rows as a shard holds them: weights and rows of any partition type, their counts,
concatenation, the initial parameters with offsets, the score sums, the survival event sums, and
the rows that go left at a split."""

from __future__ import annotations

import numpy as np

from .._objective import FastRule
from ..tree import N_HIST_BINS

__all__ = ["rule_sums"]


def _weights(w):
    """(n,) float64 weights of a partition, checked as ``check_weight`` checks them (no scaling), or None."""
    if w is None:
        return None
    w = np.asarray(w, dtype=np.float64).reshape(-1)
    if not np.all(np.isfinite(w)):
        raise ValueError("sample_weight contains NaN or infinite values.")
    if np.any(w < 0):
        raise ValueError("Negative values in data passed to sample_weight")
    return w


def _rows(obj, idx):
    """Rows ``idx`` of an array, a pandas object or None."""
    if obj is None:
        return None
    if hasattr(obj, "iloc"):
        return obj.iloc[idx]
    return np.asarray(obj)[idx]


def _nrows(obj):
    return obj.shape[0] if hasattr(obj, "shape") else len(obj)


def rule_sums(rule, theta, y, w, aux, step=None):
    """(score sum, weight sum) of ``rule`` at clip(theta - step) (theta when ``step`` is None): the
    two sums whose ratio is ``rule.mean``, so that workers' sums add up to the mean over all rows."""
    if isinstance(rule, FastRule):
        s = 0.0 if step is None else 1.0
        return rule.fast.mean_score(rule.bounds, theta, step, s, y, w, aux, n_threads=rule.n_threads, sums=True)
    n = theta.shape[0]
    if n == 0:
        return 0.0, 0.0
    moved = theta if step is None else theta - step
    values = rule.family.from_internal(moved, copy=step is None).score(y, rule.name)
    wsum = float(n) if w is None else float(w.sum())
    if not np.all(np.isfinite(values)):
        return np.inf, wsum
    return (float(values.sum()) if w is None else float(np.multiply(values, w).sum())), wsum


def _cat(arrays):
    """The concatenation of a list of arrays (None when they are None)."""
    if not arrays or arrays[0] is None:
        return None
    return arrays[0] if len(arrays) == 1 else np.concatenate(arrays)


def _initial(theta0, n, offset):
    """(n, k) initial parameters, the offset added to the first (``boosting._with_offset``)."""
    theta = np.tile(theta0, (n, 1))
    if offset is not None:
        theta[:, 0] += offset
    return theta


def _event_sums(y, w):
    """(weighted events, weight sum) of a survival target (n, 2)."""
    e = y[:, 1]
    return (float(e.sum()), float(e.size)) if w is None else (float(np.multiply(e, w).sum()), float(w.sum()))


def _go_left(b, split):
    """Rows (bin codes ``b``) going left at a split ``(node, feature, bin, missing_go_left, bits, left)``."""
    _, _, bt, ml, bits, _ = split
    if bits is not None:  # categorical: bit b of word b >> 5
        table = np.unpackbits(np.asarray(bits, dtype="<u4").view(np.uint8), bitorder="little").astype(bool)
        return table[b]
    missing = b == N_HIST_BINS - 1
    return ((b <= bt) & ~missing) | (missing & bool(ml))

