"""The rows a fit learns from: checked arrays, zero weights removed, the validation split.

:class:`FitData` holds X (n, p) float64 (NaN allowed), y (n,) or (n, m) encoded for the family,
weights (n,) or None and offsets (n,) or None. The estimator validates its inputs into one, then
:func:`drop_zero_weights` and :func:`split_validation` (or given validation data) produce the
training and validation rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.utils.validation import _check_sample_weight

__all__ = ["FitData", "check_weight", "uniform_to_none", "check_offset", "drop_zero_weights",
           "split_validation"]


@dataclass
class FitData:
    X: np.ndarray
    y: np.ndarray
    w: np.ndarray | None = None
    offset: np.ndarray | None = None

    def take(self, idx):
        """The rows ``idx`` (indices or a boolean mask)."""
        return FitData(self.X[idx], self.y[idx], *(None if a is None else a[idx] for a in (self.w, self.offset)))


#: weights whose largest is beyond 2^+-64 are scaled by a power of two (exactly) to bring it to [1, 2)
_WEIGHT_RANGE = 2.0**64


def check_weight(sample_weight, X):
    """(n,) float64 non-negative finite weights with a positive sum, or None. Only their ratios
    matter: weights whose largest is beyond 2^+-64 are scaled by a power of two (an exact scaling)
    so that sums and products with the metric stay finite (1e308 or 1e-300 everywhere)."""
    if sample_weight is None:
        return None
    w = _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)
    if not np.all(np.isfinite(w)):
        raise ValueError("sample_weight contains NaN or infinite values.")
    top = w.max() if w.size else 0.0
    if not top > 0:
        raise ValueError("sample_weight sums to zero: at least one row needs a positive weight.")
    if not 1 / _WEIGHT_RANGE <= top <= _WEIGHT_RANGE:
        w = np.ldexp(w, 1 - np.frexp(top)[1])
    return w


def uniform_to_none(w):
    """None for weights that are all the same positive number (the unweighted fit, exactly), else w."""
    if w is not None and w.size and w[0] > 0 and np.all(w == w[0]):
        return None
    return w


def check_offset(offset, n, family=None):
    """(n,) float64 finite offsets (one value per row), or None. With ``family``, offsets beyond
    the range its first internal parameter can absorb (its bounds' largest magnitude plus their
    span: log mu in [-30, 20] takes offsets up to 80) are refused: the parameter would be clipped."""
    if offset is None:
        return None
    offset = np.asarray(offset, dtype=float)
    if offset.ndim > 2 or (offset.ndim == 2 and offset.shape[1] != 1):
        raise ValueError(f"offset must be one value per row, shape ({n},); got shape {offset.shape}.")
    offset = offset.reshape(-1)
    if offset.shape[0] != n:
        raise ValueError(f"offset has {offset.shape[0]} values for {n} rows.")
    if not np.all(np.isfinite(offset)):
        raise ValueError("offset contains NaN or infinite values.")
    if family is not None and family.parameters and offset.size:
        (lo, hi), name = family.bounds[0], family.param_names[0]
        limit = max(abs(lo), abs(hi)) + (hi - lo)
        if np.abs(offset).max() > limit:
            raise ValueError(f"offset values up to {np.abs(offset).max():.6g} are beyond what {family.__name__}'s "
                             f"{name} (in [{lo:g}, {hi:g}]) can take: offsets must lie within +-{limit:g}.")
    return offset


def drop_zero_weights(data):
    """The rows with a positive weight: a zero weight removes the row, exactly (scikit-learn's
    convention), so the bins, the minimum leaf sizes and the validation split never see it; equal
    remaining weights become None (unweighted)."""
    if data.w is None:
        return data
    if not np.all(data.w > 0):
        data = data.take(data.w > 0)
    data.w = uniform_to_none(data.w)  # equal weights (of any size) are the unweighted fit
    return data


def split_validation(data, fraction, rng, stratify=False, strict=True):
    """(training rows, validation rows): a seeded split holding out ``fraction`` of the rows
    (stratified by class when ``stratify`` and every class has two members), each in row order.
    A stratified split with fewer rows on a side than classes is a ValueError when ``strict``, else
    the split is not stratified."""
    y = data.y
    labels = y if stratify and np.unique(y, return_counts=True)[1].min() >= 2 else None
    if labels is not None:
        n_classes, n_val = len(np.unique(y)), int(np.ceil(fraction * len(y)))
        if min(n_val, len(y) - n_val) < n_classes and not strict:
            labels = None
        elif min(n_val, len(y) - n_val) < n_classes:
            raise ValueError(
                f"early stopping with validation_fraction={fraction} splits {len(y)} rows into {len(y) - n_val} "
                f"training and {n_val} validation rows, too few for a stratified split of {n_classes} classes: "
                "raise validation_fraction, pass X_val and y_val, or set early_stopping=False."
            )
    idx_tr, idx_val = train_test_split(np.arange(len(y)), test_size=fraction, stratify=labels,
                                       random_state=rng.randint(2**31 - 1))
    idx_tr.sort()
    idx_val.sort()
    return data.take(idx_tr), data.take(idx_val)
