"""Shared helpers: weighted means, targets (survival arrays, class labels), distribution checks."""

from __future__ import annotations

import numpy as np

from .._survival_target import time_event as survival_target

__all__ = ["weighted_mean", "survival_target", "class_codes", "univariate", "as_rows"]


def weighted_mean(values, sample_weight=None):
    """Weighted mean of per-row values (n,); rows of zero weight are dropped (so an infinite value
    there does not count). Infinite values with positive weight give an infinite mean."""
    values = np.asarray(values, dtype=float)
    if sample_weight is None:
        return float(np.mean(values))
    w = np.asarray(sample_weight, dtype=float).reshape(-1)
    if w.shape[0] != values.shape[0]:
        raise ValueError(f"sample_weight has {w.shape[0]} entries for {values.shape[0]} rows.")
    if np.any(~(w >= 0)) or not np.any(w > 0):
        raise ValueError("sample_weight must be non-negative with a positive sum.")
    keep = w > 0
    return float(np.average(values[keep], weights=w[keep]))


def as_rows(y, n, what="y"):
    """y as a float array of n rows (a scalar is repeated)."""
    y = np.asarray(y, dtype=float)
    if y.ndim == 0:
        return np.full(n, float(y))
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.shape[0] != n:
        raise ValueError(f"{what} has {y.shape[0]} rows but the distribution has {n}.")
    return y


def univariate(dist, what):
    """Raise a clear error for multivariate distributions."""
    if not getattr(dist, "_y_per_row_is_scalar", True):
        raise ValueError(f"{what} needs a univariate distribution; got {type(dist).__name__} "
                         "(for the multivariate normal use ngb.metrics.energy_score or nll).")


def class_codes(y, classes=None, n_classes=None):
    """Class codes 0..K-1 (n,) from labels: with ``classes`` (the estimator's sorted ``classes_``)
    labels are looked up in it, else y must already hold the codes."""
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if classes is None:
        codes = y.astype(float)
        if np.any(codes != np.round(codes)) or np.any(codes < 0) or (n_classes is not None and np.any(codes >= n_classes)):
            raise ValueError("y must hold class codes 0..K-1 unless classes= (the estimator's classes_) is given.")
        return codes.astype(np.int64)
    classes = np.asarray(classes)
    idx = np.clip(np.searchsorted(classes, y), 0, len(classes) - 1)
    unseen = classes[idx] != y
    if np.any(unseen):
        raise ValueError(f"y has labels not in classes: {np.unique(y[unseen])[:10].tolist()}.")
    return idx.astype(np.int64)
