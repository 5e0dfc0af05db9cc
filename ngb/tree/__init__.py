"""Fast histogram regression trees (numba), the weak learners of ngb.

Layout follows scikit-learn's ``ensemble/_hist_gradient_boosting``:

* ``_binning``   -- :class:`BinMapper` (quantile bins, NaN bin 255; a
  categorical feature's bin is its code) and the thread-pool helpers;
* ``_categorical`` -- categorical features: pandas category encoding,
  ``categorical_features`` resolution, the sorted-prefix split search and
  the 256-bit "bins going left" rule;
* ``_histogram`` -- per-node (sum w*y, sum w, count) histograms;
* ``_splitting`` -- best split search (squared-error gain, NaN routing,
  categorical subsets);
* ``_grower``    -- level-wise growth (or best-first with ``max_leaf_nodes``)
  in one numba call, :func:`grow_tree`, :func:`grow_trees`;
* ``_predictor`` -- :class:`Tree`, single-tree and packed-forest kernels,
  :func:`predict_forest`, :func:`predict_forest_binned`;
* ``_estimator`` -- :class:`HistTreeRegressor` (scikit-learn estimator).

Typical use by a boosting engine::

    bm = BinMapper(max_bins=255, random_state=0).fit(X)
    Xb = bm.transform(X)                      # uint8, C-ordered (fast growth)
    XbF = np.asfortranarray(Xb)               # optional: fastest binned predict
    trees = grow_trees(Xb, G, w, rows, features, bin_mapper=bm, max_depth=3)
    step = predict_forest_binned(XbF, trees, np.arange(k), 1.0, k)   # (n, k)
    # or, on all rows: grow_trees(..., leaves=L) records each row's leaf,
    # and trees[c].value[L[c]] is the step without a prediction pass
    ...
    F = predict_forest(X_new, all_trees, params, weights, k, init=F0)

All kernels are numba ``nogil`` functions cached on disk (``cache=True``);
parallelism uses a shared Python thread pool, results never depend on the
number of threads.
"""

from ._binning import MISSING_BIN, N_HIST_BINS, BinMapper
from ._categorical import category_columns, category_counts, encode_categories, resolve_categorical_features
from ._estimator import HistTreeRegressor
from ._grower import bin_counts, check_growth, grow_tree, grow_trees
from ._predictor import PackedForest, leaf_value_table, leaf_values, predict_forest, predict_forest_binned
from ._tree import Tree

__all__ = [
    "BinMapper",
    "N_HIST_BINS",
    "bin_counts",
    "check_growth",
    "leaf_value_table",
    "leaf_values",
    "category_columns",
    "category_counts",
    "encode_categories",
    "resolve_categorical_features",
    "grow_tree",
    "grow_trees",
    "HistTreeRegressor",
    "Tree",
    "PackedForest",
    "predict_forest",
    "predict_forest_binned",
    "MISSING_BIN",
]
