"""Fast histogram regression trees (Cython kernels compiled at install), the weak learners of ngb.

Layout (after scikit-learn's ``ensemble/_hist_gradient_boosting``; ``.pyx``/``.pxd``: compiled):

* ``_binning``     -- :class:`BinMapper` (quantile bins, NaN bin 255; a categorical feature's bin
  is its code); kernels in ``_bin_codes.pyx``;
* ``_categorical`` -- categorical input: pandas category encoding, ``categorical_features``
  resolution, the number of categories;
* ``_routing.pxd`` -- bin code constants and the split tests every kernel inlines (threshold bin,
  NaN route, 256-bit "bins going left" set, raw value -> category bin);
* ``_histogram``   -- per-node (sum w*g, sum w) histograms (+ counts for weighted fits);
* ``_splitting``   -- best split search (squared-error gain, NaN routing, sorted-prefix
  categorical subsets; the bounded search of trees with monotonic constraints);
* ``_monotonic``   -- monotonic constraints per feature (scikit-learn's convention): checks;
* ``_nodes``       -- the node record (``node_t`` / ``NODE_DTYPE``) shared by both growers, and
  its helpers (root, row partition, recorded leaves);
* ``_grow_level``, ``_grow_best_first`` -- level-wise growth, best-first growth
  (``max_leaf_nodes``), one GIL-free call per tree;
* ``_grower``      -- :func:`grow_tree`, :func:`grow_trees` (argument checks, threads);
* ``_tree``        -- :class:`Tree` (numpy arrays, picklable);
* ``_predictor``   -- :class:`PackedForest` (packing), :func:`predict_forest`,
  :func:`predict_forest_binned` and the table of forest kernels (``KERNELS``);
* ``_predict_d3``  -- forest kernels of depth <= 3 (vectorised), raw or binned rows;
* ``_predict_nodes`` -- kernels walking node arrays: padded / pointer forests, single trees,
  leaves -> values;
* ``_estimator``   -- :class:`HistTreeRegressor` (scikit-learn estimator).

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

The kernels are compiled when ngb is installed (nothing is compiled at first use) and release the
GIL; parallelism uses the shared Python thread pool, results never depend on the number of
threads.
"""

from ._binning import MISSING_BIN, N_HIST_BINS, BinMapper
from ._categorical import category_columns, category_counts, encode_categories, resolve_categorical_features
from ._estimator import HistTreeRegressor
from ._grow_level import MIN_GAIN_ABS_REL, MIN_GAIN_REL, WEIGHT_EPS_REL
from ._grower import bin_counts, check_growth, grow_tree, grow_trees
from ._histogram import build_histogram_py
from ._monotonic import check_monotonic_cst
from ._nodes import new_nodes
from ._predictor import PackedForest, leaf_value_table, leaf_values, predict_forest, predict_forest_binned
from ._splitting import find_best_split_py
from ._tree import Tree

__all__ = [
    "BinMapper",
    "N_HIST_BINS",
    "bin_counts",
    "check_growth",
    "check_monotonic_cst",
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
    # the growers' parts, for growers elsewhere (ngb.dask grows trees from reduced histograms)
    "build_histogram_py",
    "find_best_split_py",
    "new_nodes",
    "MIN_GAIN_ABS_REL",
    "MIN_GAIN_REL",
    "WEIGHT_EPS_REL",
]
