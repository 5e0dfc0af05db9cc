"""Fast histogram regression trees (numba), the weak learners of ngb.

Layout follows scikit-learn's ``ensemble/_hist_gradient_boosting``:

* ``_binning``   -- :class:`BinMapper` (quantile bins, NaN bin 255) and the
  thread-pool helpers;
* ``_histogram`` -- per-node (sum w*y, sum w, count) histograms;
* ``_splitting`` -- best split search (squared-error gain, NaN routing);
* ``_grower``    -- level-wise growth in one numba call, :func:`grow_tree`,
  :func:`grow_trees`;
* ``_predictor`` -- :class:`Tree`, single-tree and packed-forest kernels,
  :func:`predict_forest`;
* ``_estimator`` -- :class:`HistTreeRegressor` (scikit-learn estimator).
"""

from ._binning import MISSING_BIN, BinMapper
from ._estimator import HistTreeRegressor
from ._grower import grow_tree, grow_trees
from ._predictor import PackedForest, Tree, predict_forest, predict_forest_binned

__all__ = [
    "BinMapper",
    "grow_tree",
    "grow_trees",
    "HistTreeRegressor",
    "Tree",
    "PackedForest",
    "predict_forest",
    "predict_forest_binned",
    "MISSING_BIN",
]
