"""Quantile binning of a float feature matrix into ``uint8`` codes.

Every feature ``f`` gets ``n_bins_non_missing_[f] <= max_bins`` bins for its
non-missing values, coded ``0 .. n_bins_non_missing_[f] - 1``, plus one bin
for NaN whose code is always :data:`MISSING_BIN` (= 255).  With
``max_bins <= 255`` the NaN code never collides with a value code.

Bin ``i`` of feature ``f`` holds the values ``x`` with
``thresholds[i - 1] < x <= thresholds[i]`` (``thresholds`` strictly increasing,
finite).  Thresholds always lie at the midpoint between two adjacent distinct
(non-zero-weight) training values, so when a feature has at most ``max_bins``
distinct values each value gets its own bin.  Otherwise the cut points are
(weighted) quantiles of the distinct values.  ``-inf`` falls in bin 0 and
``+inf`` in the last non-missing bin.

The split "go left iff bin <= b" is exactly the raw-unit split
"go left iff x <= thresholds_[f, b]" (``thresholds_`` is padded with +inf),
which is what the predictors use.

Categorical features (``categorical_features``): the bin of a value is its
integer code, ``n_bins_non_missing_[f]`` is the number of categories (given
``n_categories``, else max code + 1), NaN and codes outside
``[0, n_bins_non_missing_[f])`` get :data:`MISSING_BIN`; no quantiles (see
``_categorical``).
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state

from .._threads import get_executor, in_pool_thread, map_chunks, resolve_n_threads
from ._bin_codes import map_categorical, map_to_bins
from ._categorical import categorical_n_bins

MISSING_BIN = 255
"""Bin code of missing values (NaN), for every feature."""

N_HIST_BINS = 256
"""Number of histogram slots per feature (codes 0..255)."""

_FMAX = np.finfo(np.float64).max


def _midpoints(a, b):
    """Overflow-free midpoint of two finite float64 arrays."""
    return a * 0.5 + b * 0.5


def find_thresholds(col, max_bins, sample_weight=None):
    """Bin thresholds of one feature column (NaN ignored).

    Returns a strictly increasing finite float64 array of length
    ``n_bins - 1`` with ``n_bins <= max_bins``.
    """
    col = np.asarray(col, dtype=np.float64)
    keep = ~np.isnan(col)
    if sample_weight is not None:
        keep &= sample_weight > 0
    col = col[keep]
    if col.size == 0:
        return np.empty(0, dtype=np.float64)
    # +-inf are treated as the extreme finite values so midpoints stay finite.
    col = np.clip(col, -_FMAX, _FMAX)
    if sample_weight is None:
        distinct, counts = np.unique(col, return_counts=True)
        counts = counts.astype(np.float64)
    else:
        w = np.asarray(sample_weight, dtype=np.float64)[keep]
        distinct, inverse = np.unique(col, return_inverse=True)
        counts = np.bincount(inverse.ravel(), weights=w, minlength=distinct.size)
    if distinct.size <= 1:
        return np.empty(0, dtype=np.float64)
    if distinct.size <= max_bins:
        return _midpoints(distinct[:-1], distinct[1:])
    # Quantile cut points: for j = 1 .. max_bins - 1 cut after the distinct
    # value at which the cumulative weight first reaches j / max_bins of the
    # total.  Cutting between distinct values keeps thresholds at midpoints.
    cum = np.cumsum(counts)
    targets = cum[-1] * (np.arange(1, max_bins, dtype=np.float64) / max_bins)
    idx = np.searchsorted(cum, targets, side="left")
    idx = np.unique(np.minimum(idx, distinct.size - 2))
    return _midpoints(distinct[idx], distinct[idx + 1])


class BinMapper(BaseEstimator):
    """Map a float matrix (NaN allowed) to ``uint8`` bin codes.

    Parameters
    ----------
    max_bins : int, default=255
        Maximum number of bins for the non-missing values of a feature
        (2..255).  NaN always gets the extra code :data:`MISSING_BIN`.
    subsample : int or None, default=200_000
        Number of rows used to compute the quantiles (None: all rows).
    random_state : int, RandomState or None
        Seed for the row subsample (only used when ``n > subsample``).
    n_threads : int or None
        Threads used by ``fit``/``transform`` (None: all cores).
    categorical_features : bool array (n_features,) or None
        Features whose values are category codes (bin = code, at most 255
        categories; negative codes are missing). None: no categorical feature.
    n_categories : int array (n_features,) or None
        Number of categories of each categorical feature (entries of the other
        features are ignored); None or a negative entry: max code + 1 of the
        data given to ``fit``.

    Attributes
    ----------
    bin_thresholds_ : list of float64 arrays
        Per feature, the ``n_bins_non_missing_[f] - 1`` thresholds.
    thresholds_ : ndarray (n_features, 256) float64
        The thresholds padded with +inf: ``thresholds_[f, b]`` is the raw-unit
        threshold of the split "bin <= b".
    n_bins_non_missing_ : ndarray (n_features,) int64
    is_categorical_ : ndarray (n_features,) bool
    has_missing_values_ : ndarray (n_features,) bool
        Whether the feature had NaN in the data given to ``fit``.
    missing_values_bin_idx_ : int
        Always 255.
    """

    def __init__(self, max_bins=255, subsample=200_000, random_state=None, n_threads=None, categorical_features=None,
                 n_categories=None):
        self.max_bins = max_bins
        self.subsample = subsample
        self.random_state = random_state
        self.n_threads = n_threads
        self.categorical_features = categorical_features
        self.n_categories = n_categories

    def fit(self, X, y=None, sample_weight=None, feature_names=None):
        """Compute the bin thresholds. Zero-weight rows are ignored (by the quantiles).

        ``feature_names`` (optional) name the columns in error messages."""
        if not (isinstance(self.max_bins, (int, np.integer)) and 2 <= self.max_bins <= 255):
            raise ValueError(f"max_bins must be an int in [2, 255], got {self.max_bins!r}")
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2:
            raise ValueError("X must be 2-dimensional")
        n, p = X.shape
        is_cat = np.zeros(p, dtype=bool)
        if self.categorical_features is not None:
            is_cat = np.asarray(self.categorical_features, dtype=bool).reshape(-1)
            if is_cat.shape[0] != p:
                raise ValueError(f"categorical_features must have one entry per feature ({p})")
        cat_cols = np.flatnonzero(is_cat)
        n_cats = None if self.n_categories is None else np.asarray(self.n_categories).reshape(-1)
        cat_bins = {  # on all rows: every code seen in fit gets its bin
            int(f): categorical_n_bins(X[:, f], None if n_cats is None or n_cats[f] < 0 else int(n_cats[f]),
                                       f"{f}" if feature_names is None else f"{feature_names[f]!r}")
            for f in cat_cols
        }
        X_all = X
        if sample_weight is not None:
            sample_weight = np.asarray(sample_weight, dtype=np.float64)
        if self.subsample is not None and n > self.subsample:
            rng = check_random_state(self.random_state)
            idx = np.sort(rng.choice(n, int(self.subsample), replace=False))
            X = X[idx]
            if sample_weight is not None:
                sample_weight = sample_weight[idx]
        Xf = np.asfortranarray(X)
        max_bins = int(self.max_bins)

        def work(f):
            if is_cat[f]:
                return np.empty(0, dtype=np.float64)
            return find_thresholds(Xf[:, f], max_bins, sample_weight)

        n_threads = resolve_n_threads(self.n_threads)
        if n_threads > 1 and p > 1 and n * p > 50_000 and not in_pool_thread():
            self.bin_thresholds_ = list(get_executor().map(work, range(p)))
        else:
            self.bin_thresholds_ = [work(f) for f in range(p)]
        self.n_bins_non_missing_ = np.array([cat_bins[f] if is_cat[f] else t.size + 1
                                             for f, t in enumerate(self.bin_thresholds_)], dtype=np.int64)
        self.is_categorical_ = is_cat
        thr = np.full((p, 256), np.inf)
        for f, t in enumerate(self.bin_thresholds_):
            thr[f, : t.size] = t
        self.thresholds_ = thr
        self.has_missing_values_ = np.isnan(Xf).any(axis=0)
        if cat_cols.size:  # negative codes are missing too (on all rows)
            Xc = X_all[:, cat_cols]
            self.has_missing_values_[cat_cols] = (np.isnan(Xc) | (Xc < 0)).any(axis=0)
        self.missing_values_bin_idx_ = MISSING_BIN
        self.n_features_in_ = p
        return self

    def transform(self, X):
        """Bin ``X``: returns a C-contiguous ``uint8`` array (n, p)."""
        X = np.ascontiguousarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != self.n_features_in_:
            raise ValueError(f"X must have shape (n, {self.n_features_in_}), got {X.shape}")
        n = X.shape[0]
        out = np.empty((n, X.shape[1]), dtype=np.uint8)
        map_chunks(
            lambda a, b: map_to_bins(X, self.thresholds_, out, a, b),
            n,
            n_threads=resolve_n_threads(self.n_threads),
            min_chunk=20_000,
        )
        is_cat = getattr(self, "is_categorical_", None)  # None: fitted before categorical features
        if is_cat is not None and is_cat.any():
            cols = np.flatnonzero(is_cat).astype(np.int64)
            map_categorical(X, cols, self.n_bins_non_missing_, out, 0, n)
        return out

    def fit_transform(self, X, y=None, sample_weight=None):
        return self.fit(X, sample_weight=sample_weight).transform(X)
