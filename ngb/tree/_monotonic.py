"""Monotonic constraints of a tree in scikit-learn's convention: one value per feature, +1 (the
prediction does not decrease when the feature grows, the others fixed), -1 (does not increase) or
0 (free); an array of them, or a dict by feature name (missing names: 0).  The kernels enforce
them (``_splitting``, ``_nodes.split_node``)."""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["check_monotonic_cst"]


def check_monotonic_cst(monotonic_cst, n_features, feature_names=None, what="monotonic_cst"):
    """(n_features,) int8 array of -1 / 0 / +1 from an array-like of them or a dict by feature name
    (``feature_names``: the columns of a DataFrame X, None for arrays); ValueError for anything
    else, naming ``what``."""
    if isinstance(monotonic_cst, dict):
        if feature_names is None:
            raise ValueError(f"{what} is a dict by feature name, which needs X to be a DataFrame with string column "
                             f"names; for an array X give one value per feature ({n_features}).")
        names = [str(c) for c in feature_names]
        unknown = [key for key in monotonic_cst if key not in names]
        if unknown:
            raise ValueError(f"{what} names features that are not columns of X: {unknown[:5]}; columns: "
                             f"{names[:10]}{' ...' if len(names) > 10 else ''}.")
        out = np.zeros(n_features, dtype=np.int8)
        for key, value in monotonic_cst.items():
            out[names.index(key)] = _one_value(value, f"{what}[{key!r}]")
        return out
    if isinstance(monotonic_cst, str):
        raise ValueError(f"{what} must be an array of -1, 0 or +1 per feature, or a dict by feature name; got "
                         f"{monotonic_cst!r}.")
    arr = np.asarray(monotonic_cst)
    if arr.ndim != 1 or arr.shape[0] != n_features:
        raise ValueError(f"{what} must have one value per feature: shape ({n_features},), got shape {arr.shape}.")
    if arr.dtype.kind not in "iuf":
        raise ValueError(f"{what} must hold -1, 0 or +1, got values of type {arr.dtype}.")
    bad = np.flatnonzero(~np.isin(arr, (-1, 0, 1)))
    if bad.size:
        raise ValueError(f"{what} must hold -1 (decreasing), 0 (no constraint) or +1 (increasing); feature "
                         f"{int(bad[0])} has {arr[bad[0]]!r}.")
    return arr.astype(np.int8)


def _one_value(value, what):
    if isinstance(value, (numbers.Real, np.number)) and not isinstance(value, (bool, np.bool_)) and value in (-1, 0, 1):
        return int(value)
    raise ValueError(f"{what} must be -1 (decreasing), 0 (no constraint) or +1 (increasing), got {value!r}.")
