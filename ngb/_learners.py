"""Base-learner back ends for the boosting engine.

Each back end fits, in one boosting iteration, one learner per distribution parameter on the
(n_rows, k) gradient array, and predicts the iteration's (n, k) contribution.

- :class:`SklearnLearners` clones any scikit-learn regressor (joblib threads over the k params).
- :class:`HistTreeLearners` bins X once per fit and grows histogram trees on the binned matrix.
"""

from __future__ import annotations

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import clone

from ._threads import resolve_n_threads

__all__ = ["SklearnLearners", "HistTreeLearners", "make_learners", "predict_iteration"]


def _fit_one(base, X, g, w, seed):
    est = clone(base)
    if seed is not None and "random_state" in est.get_params():
        est.set_params(random_state=seed)
    if w is None:
        est.fit(X, g)
    else:
        est.fit(X, g, sample_weight=w)
    return est


class SklearnLearners:
    """One clone of ``base`` per parameter and iteration, fitted on X[rows][:, cols]."""

    records_leaves = False  # see HistTreeLearners.recorded_leaves

    def __init__(self, base, X, n_jobs=None):
        self.base = base
        self.X = X
        self.n_jobs = n_jobs

    def fit_iteration(self, rows, cols, grad, weight, rng):
        """grad: (len(rows), k). Returns (learners, cols) for this iteration."""
        X = self.X
        if rows is not None:
            X = X[rows]
        if cols is not None:
            X = X[:, cols]
        k = grad.shape[1]
        seeds = rng.randint(0, 2**31 - 1, size=k)
        grad = np.asfortranarray(grad)
        col_w = (lambda j: weight[j]) if isinstance(weight, list) else (lambda j: weight)
        if resolve_n_threads(self.n_jobs) == 1 or k == 1:
            learners = [_fit_one(self.base, X, grad[:, j], col_w(j), int(seeds[j])) for j in range(k)]
        else:
            learners = Parallel(n_jobs=min(resolve_n_threads(self.n_jobs), k), prefer="threads")(
                delayed(_fit_one)(self.base, X, grad[:, j], col_w(j), int(seeds[j])) for j in range(k)
            )
        return learners

    def predict_train(self, learners, cols):
        """(n, k) predictions of this iteration's learners on all training rows."""
        return predict_iteration(learners, cols, self.X)

    def recorded_leaves(self, learners):
        """(leaves (k, n) int32, leaf values (k, L)) of the training rows, or None (not recorded)."""
        return None


class HistTreeLearners:
    """Histogram trees on X binned once per fit; the k trees of an iteration grow in parallel threads.

    ``categorical``: optional ``(from_dtype, n_categories)`` of a DataFrame X (the (p,) mask of its
    pandas category columns, now codes, and their numbers of categories, -1 for other columns);
    ``tree_params["categorical_features"]`` is resolved against it (see ``HistTreeRegressor``).
    """

    records_leaves = True  # trees grown on every row report each row's leaf

    def __init__(self, tree_params, X, n_jobs=None, random_state=None, categorical=None, feature_names=None):
        from .tree import BinMapper, check_growth, resolve_categorical_features

        self.max_depth = tree_params["max_depth"]
        self.min_samples_leaf = tree_params["min_samples_leaf"]
        self.min_weight_leaf = float(tree_params.get("min_weight_leaf", 0.0))
        self.max_leaf_nodes = tree_params.get("max_leaf_nodes")  # None: level-wise growth
        check_growth(self.max_depth, self.max_leaf_nodes)  # fail before the first iteration
        from_dtype, n_categories = (None, None) if categorical is None else categorical
        is_cat = resolve_categorical_features(tree_params.get("categorical_features"), X.shape[1], from_dtype,
                                              feature_names)
        self.bin_mapper = BinMapper(max_bins=tree_params["max_bins"], random_state=random_state,
                                    categorical_features=is_cat, n_categories=n_categories).fit(
            X, feature_names=feature_names)
        self.Xb = self.bin_mapper.transform(X)
        self.XbF = np.asfortranarray(self.Xb)  # column order: faster to predict a few trees on
        self.n_threads = resolve_n_threads(n_jobs)
        self._grad = None
        self._root_counts = None  # bin counts of all rows, the root count histogram of every tree
        self._w = {}  # weight buffers by slot (parameter j, or k for shared weights)
        self._recorded = (None, None)  # (last iteration's trees, their (k, n) training leaves or None)

    def fit_iteration(self, rows, cols, grad, weight, rng):
        from .tree import bin_counts, grow_trees

        n, k = self.Xb.shape[0], grad.shape[1]
        leaves = root_counts = None
        if rows is None:  # every row is used: the grower records each row's leaf, the root counts are known
            full_grad, full_w = grad, weight
            leaves = np.empty((k, n), dtype=np.int32)
            if self._root_counts is None:
                self._root_counts = bin_counts(self.Xb)
            root_counts = self._root_counts
        else:  # the grower takes row indices into the full arrays
            if self._grad is None or self._grad.shape != (n, k):
                self._grad = np.zeros((n, k))
            self._grad[rows] = grad
            full_grad = self._grad
            full_w = [self._scatter(j, rows, wj) for j, wj in enumerate(weight)] if isinstance(weight, list) else (
                None if weight is None else self._scatter(k, rows, weight))
        trees = grow_trees(
            self.Xb,
            np.asfortranarray(full_grad),  # one contiguous column per tree
            full_w,
            rows,
            cols,
            bin_mapper=self.bin_mapper,
            max_depth=self.max_depth,
            min_samples_leaf=self.min_samples_leaf,
            min_weight_leaf=self.min_weight_leaf,
            max_leaf_nodes=self.max_leaf_nodes,
            n_threads=self.n_threads,
            leaves=leaves,
            root_counts=root_counts,
        )
        self._recorded = (trees, leaves)
        return trees

    def _scatter(self, slot, rows, values):
        """``values`` (len(rows),) placed at ``rows`` of a reused (n,) buffer (None stays None)."""
        if values is None:
            return None
        buf = self._w.get(slot)
        if buf is None:
            buf = self._w[slot] = np.zeros(self.Xb.shape[0])
        buf[rows] = values
        return buf

    def recorded_leaves(self, learners):
        """(leaves (k, n) int32, leaf values (k, L)) of the training rows when ``learners`` are the
        last iteration's trees grown on every row, else None."""
        from .tree import leaf_value_table

        trees, leaves = self._recorded
        if leaves is None or trees is not learners:
            return None
        return leaves, leaf_value_table(trees)

    def predict_train(self, learners, cols):
        """(n, k) predictions of the iteration's trees on the training rows."""
        from .tree import leaf_values, predict_forest_binned

        k = len(learners)
        recorded = self.recorded_leaves(learners)
        if recorded is not None:
            leaves, vals = recorded
            return leaf_values(leaves, vals, np.empty((leaves.shape[1], k)))
        # the numeric depth <= 3 kernels read the column-ordered copy in place; the others want row order
        numeric_d3 = max(t.depth for t in learners) <= 3 and not any(t.has_categorical for t in learners)
        Xb = self.XbF if numeric_d3 else self.Xb
        return predict_forest_binned(Xb, learners, np.arange(k), 1.0, k, n_threads=self.n_threads)


def predict_iteration(learners, cols, X):
    """(n, k) predictions of one iteration's learners (fitted on columns ``cols``) on X."""
    if _is_tree(learners[0]):  # one pass for the k trees (they index X's own columns), nothing cached
        from .tree import predict_forest

        k = len(learners)
        return predict_forest(X, learners, np.arange(k), 1.0, k)
    if cols is not None:
        X = X[:, cols]
    return np.column_stack([est.predict(X) for est in learners])


def _is_tree(learner):
    try:
        from .tree import Tree
    except ImportError:  # pragma: no cover - tree module not built yet
        return False
    return isinstance(learner, Tree)


def make_learners(base, X, n_jobs=None, random_state=None, categorical=None, feature_names=None):
    """The back end for ``base``: histogram fast path for HistTreeRegressor, generic otherwise.

    ``categorical``, ``feature_names``: see :class:`HistTreeLearners` (ignored by other bases, which
    see category columns as their ordered codes)."""
    try:
        from .tree import HistTreeRegressor
    except ImportError:  # pragma: no cover - tree module not built yet
        HistTreeRegressor = None
    if HistTreeRegressor is not None and type(base) is HistTreeRegressor:
        params = base.get_params()
        return HistTreeLearners(params, X, n_jobs=n_jobs, random_state=random_state, categorical=categorical,
                                feature_names=feature_names)
    return SklearnLearners(base, X, n_jobs=n_jobs)
