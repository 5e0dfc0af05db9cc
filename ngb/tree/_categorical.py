"""Categorical features: input handling and binning checks.

A categorical feature holds non-negative integer codes (a pandas ``category`` column: the codes
of the categories seen in fit).  Its bin is its code (``n_bins_non_missing`` = number of
categories, at most :data:`MAX_CATEGORIES`); NaN, negative and out-of-range codes go to the
missing bin (255).  On raw values a code is its bin when it is an integer in ``[0, 255)``,
anything else (NaN, negative, non-integer, >= 255) is missing (``raw_category_bin`` in
``_routing.pxd``; binning kernel ``_bin_codes.map_categorical``).

A categorical split sends a set of bins left, stored as a 256-bit set (:data:`N_WORDS` ``uint32``
words, bit ``b`` of word ``b >> 5`` for bin ``b``).  Its search (``_splitting``) scans the
prefixes of the node's non-empty bins sorted by mean target; bins without training rows in the
node go to the child with the larger weight, codes ``>= n_bins_non_missing`` (< 255) follow the
missing bin.
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd

MAX_CATEGORIES = 255
"""Largest number of categories of a categorical feature (codes 0..254; 255 is the NaN bin)."""

N_WORDS = 8
"""uint32 words of a categorical split's bitset (256 bins)."""


def category_columns(X):
    """(p,) bool mask of the pandas ``category`` columns of a DataFrame, None for other inputs."""
    if not isinstance(X, pd.DataFrame):
        return None
    return np.array([isinstance(dt, pd.CategoricalDtype) for dt in X.dtypes], dtype=bool)


def encode_categories(X, categories=None):
    """DataFrame ``X`` with its ``category`` columns replaced by float codes.

    ``categories``: dict column -> categories (pandas Index) of the fit; None learns them from
    ``X`` (a fit).  Values not among the fit categories, and NaN, become NaN (missing).  Other
    column dtypes must be numeric or bool.  Returns ``(X, categories)``; non-DataFrame input is
    returned as is (with ``{}`` when learning).
    """
    if not isinstance(X, pd.DataFrame):
        return X, ({} if categories is None else categories)
    is_cat = category_columns(X)
    cat_cols = [c for c, k in zip(X.columns, is_cat) if k]
    bad = [
        c for c, k in zip(X.columns, is_cat)
        if not k and not (pd.api.types.is_numeric_dtype(X[c]) or pd.api.types.is_bool_dtype(X[c]))
    ]
    if bad:
        raise ValueError(
            f"Non-numeric columns {bad[:5]} (dtype {X[bad[0]].dtype}): convert them to numbers or to pandas "
            "'category' dtype (categories get native categorical splits with ngb's histogram trees, "
            "and are used as ordered integer codes by other base learners)."
        )
    if categories is None:
        categories = {c: X[c].cat.categories for c in cat_cols}
    if categories:
        X = X.copy()
        for c, cats in categories.items():
            if c in X.columns:
                # codes of the fit categories; unseen categories and NaN become missing
                codes = cats.get_indexer(X[c].astype(object)).astype(float)
                codes[codes < 0] = np.nan
                X[c] = codes
    return X, categories


def category_counts(columns, categories):
    """(p,) int64 number of fit categories of each pandas category column of ``columns`` (-1 for the
    other columns), from the ``categories`` dict of :func:`encode_categories`."""
    return np.array([len(categories[c]) if c in categories else -1 for c in columns], dtype=np.int64)


def resolve_categorical_features(spec, n_features, from_dtype=None, feature_names=None):
    """(n_features,) bool mask of the categorical features for ``categorical_features=spec``.

    ``spec``: ``"from_dtype"`` (the pandas category columns, ``from_dtype`` mask; none for arrays),
    None (none), a bool mask of length ``n_features``, integer column indices, or column names
    (strings; needs ``feature_names``, the DataFrame's columns).
    """
    mask = np.zeros(n_features, dtype=bool)
    if spec is None:
        return mask
    if isinstance(spec, str):
        if spec != "from_dtype":
            raise ValueError(f"categorical_features must be 'from_dtype', None, a boolean mask, integer indices "
                             f"or column names, got {spec!r}")
        if from_dtype is not None:
            mask[:] = from_dtype
        return mask
    arr = np.asarray(spec)
    if arr.ndim != 1:
        raise ValueError(f"categorical_features must be 1-d (a boolean mask or integer indices), got shape "
                         f"{arr.shape}")
    if arr.dtype == np.bool_:
        if arr.shape[0] != n_features:
            raise ValueError(f"categorical_features as a boolean mask must have length {n_features} (the "
                             f"number of features), got {arr.shape[0]}")
        return arr.copy()
    if arr.size == 0:
        return mask
    if arr.dtype.kind in "US" or (arr.dtype == object and all(isinstance(v, str) for v in arr.tolist())):
        if feature_names is None:
            raise ValueError("categorical_features given as column names needs X as a DataFrame with those "
                             f"columns; got names {arr.tolist()} and X without column names")
        names = [str(c) for c in feature_names]
        unknown = [v for v in arr.tolist() if v not in names]
        if unknown:
            raise ValueError(f"categorical_features names {unknown} are not columns of X ({names[:10]}...)"
                             if len(names) > 10 else
                             f"categorical_features names {unknown} are not columns of X ({names})")
        mask[[names.index(v) for v in arr.tolist()]] = True
        return mask
    if not (np.issubdtype(arr.dtype, np.integer) or all(isinstance(v, numbers.Integral) for v in arr.tolist())):
        raise ValueError(f"categorical_features must be 'from_dtype', None, a boolean mask, integer indices or "
                         f"column names, got {spec!r}")
    idx = arr.astype(np.int64)
    if idx.min() < 0 or idx.max() >= n_features:
        raise ValueError(f"categorical_features indices must be in [0, {n_features}), got {idx.tolist()}")
    mask[idx] = True
    return mask


def categorical_n_bins(col, n_categories=None, name=None):
    """Number of value bins of a categorical column (float codes, NaN / negative = missing).

    ``n_categories`` (the fit categories of a pandas column) or else max code + 1 (at least 1).
    Raises ValueError for non-integer or infinite codes and for more than :data:`MAX_CATEGORIES`
    categories.
    """
    label = f"categorical feature {name}"
    if n_categories is not None and n_categories > MAX_CATEGORIES:
        raise ValueError(f"{label} has {n_categories} categories; at most {MAX_CATEGORIES} are supported "
                         "(set categorical_features to leave it out and use its codes as ordered numbers)")
    col = np.asarray(col, dtype=np.float64)
    v = col[~np.isnan(col)]
    bad = ~np.isfinite(v) | (v != np.floor(v))
    if bad.any():
        raise ValueError(f"{label} must hold integer codes (NaN = missing), found {v[bad][0]!r}")
    top = v.max() if v.size else -1.0
    if top >= MAX_CATEGORIES:
        raise ValueError(f"{label} has code {top:g}; at most {MAX_CATEGORIES} categories (codes 0..254) "
                         "are supported (set categorical_features to leave it out and use its codes as ordered "
                         "numbers)")
    if n_categories is not None:
        return max(int(n_categories), 1)
    return max(int(top) + 1, 1)
