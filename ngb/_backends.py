"""Base-learner back ends: what the engine fits in one iteration, and how a fitted model predicts.

A back end fits, per boosting iteration, one learner per distribution parameter on the (n_rows, k)
gradient array and returns the iteration's step on the training rows (a :class:`DenseStep`, or a
:class:`LeafStep` when its trees recorded each training row's leaf); it also packs the fitted
learners into the model's predictor. The engine never asks which kind of learner it holds.

- :class:`SklearnBackend` clones any scikit-learn regressor (threads over the k parameters).
- :class:`HistTreeBackend` bins X once per fit and grows ngb's histogram trees on the binned matrix.

Both take one base learner for every parameter or a list of k, one per parameter (``base`` given
per parameter), and optional monotonic constraints of the learners, (k, p) int8 in scikit-learn's
convention (the learner of parameter j does not decrease in feature f where ``[j, f]`` is +1). The
engine subtracts the learners (theta = init - sum of positive weights times learners), so the
estimator passes here the negated constraints of the parameters.
"""

from __future__ import annotations

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import clone

from ._threads import resolve_n_threads

__all__ = ["DenseStep", "LeafStep", "SklearnBackend", "HistTreeBackend", "make_backend", "predict_iteration",
           "pack_predictor", "predict_raw"]


class DenseStep:
    """An iteration's step: ``values`` (n, k), the learners' predictions on the training rows."""

    def __init__(self, values):
        self.values = values

    def dense(self):
        return self.values


class LeafStep:
    """An iteration's step as trees' leaves: row i moves parameter j by ``vals[j, leaves[j, i]]``
    (``leaves`` (k, n) int32, ``vals`` (k, L) the trees' node values)."""

    def __init__(self, leaves, vals):
        self.leaves = leaves
        self.vals = vals
        self._dense = None

    def dense(self):
        """The (n, k) step values, gathered once."""
        if self._dense is None:
            from .tree import leaf_values

            self._dense = leaf_values(self.leaves, self.vals, np.empty((self.leaves.shape[1], self.leaves.shape[0])))
        return self._dense


def check_direction(grad, iteration):
    """ValueError unless the (n, k) direction the learners are fitted to is finite: a non-finite
    score gradient means targets, weights or offsets beyond the family's numerical range."""
    if np.isfinite(grad).all():
        return
    rows, cols = np.nonzero(~np.isfinite(grad))
    raise ValueError(
        f"iteration {iteration}: the gradient of the score is not finite on {len(np.unique(rows))} of {grad.shape[0]} "
        f"rows (first row {rows[0]}, parameter {cols[0]}): the targets, offsets or weights lie beyond the range in "
        "which the family's score can be evaluated (for example |y| near 1e300); rescale them."
    )


def _fit_one(base, X, g, w, seed, cst=None):
    est = clone(base)
    if seed is not None and "random_state" in est.get_params():
        est.set_params(random_state=seed)
    if cst is not None:
        est.set_params(monotonic_cst=cst)
    if w is None:
        est.fit(X, g)
        return est
    try:
        est.fit(X, g, sample_weight=w)
    except TypeError as err:
        if "sample_weight" not in str(err):
            raise
        raise TypeError(
            f"the base learner {type(base).__name__} does not take sample_weight, which this fit passes to it (the "
            "sample_weight given to fit, or the metric weights of metric_weighted, which 'auto' uses for count and "
            "class families): use a base learner whose fit takes sample_weight, or set metric_weighted=False and fit "
            "without sample_weight."
        ) from err
    return est


class _Backend:
    def predict(self, learners, cols, X):
        """(n, k) predictions of one iteration's learners (fitted on columns ``cols``) on X."""
        return predict_iteration(learners, cols, X)


def _param_label(param_names, j):
    return f"parameter {param_names[j]!r}" if param_names is not None and j < len(param_names) else f"parameter {j}"


class SklearnBackend(_Backend):
    """One clone of ``base`` (of ``base[j]`` for a list) per parameter j and iteration, fitted on
    X[rows][:, cols]; with ``monotonic_cst`` (k, p) the clone of a constrained parameter gets its
    row (its ``cols``) as its own ``monotonic_cst`` (scikit-learn's ``HistGradientBoostingRegressor``,
    ``DecisionTreeRegressor``, ngb's ``HistTreeRegressor``; other learners are refused)."""

    records_leaves = False  #: whether fit_step can return a LeafStep

    def __init__(self, base, X, n_jobs=None, monotonic_cst=None, param_names=None):
        self.base = base
        self.X = X
        self.n_threads = resolve_n_threads(n_jobs)
        self.iteration = 0
        self.monotonic_cst = None
        if monotonic_cst is not None:
            self.monotonic_cst = cst = np.asarray(monotonic_cst, dtype=np.int8)
            for j in np.flatnonzero(cst.any(axis=1)):
                learner = self._base(int(j))
                if "monotonic_cst" not in learner.get_params():
                    raise ValueError(
                        f"monotonic_cst constrains {_param_label(param_names, j)}, but its base learner "
                        f"{type(learner).__name__} has no monotonic_cst parameter: use ngb's HistTreeRegressor (the "
                        "default) or a regressor that takes monotonic_cst (scikit-learn's "
                        "HistGradientBoostingRegressor, DecisionTreeRegressor).")

    def _base(self, j):
        return self.base[j] if isinstance(self.base, (list, tuple)) else self.base

    def _cst(self, j, cols):
        if self.monotonic_cst is None or not self.monotonic_cst[j].any():
            return None
        return self.monotonic_cst[j] if cols is None else self.monotonic_cst[j][cols]

    def fit_step(self, rows, cols, grad, weight, rng):
        """(learners, step) of one iteration; grad (len(rows), k), weight None, (len(rows),) or a
        list of k such columns."""
        X = self.X
        if rows is not None:
            X = X[rows]
        if cols is not None:
            X = X[:, cols]
        k = grad.shape[1]
        self.iteration += 1
        check_direction(grad, self.iteration)
        seeds = rng.randint(0, 2**31 - 1, size=k)
        grad = np.asfortranarray(grad)
        col_w = (lambda j: weight[j]) if isinstance(weight, list) else (lambda j: weight)
        args = [(self._base(j), X, grad[:, j], col_w(j), int(seeds[j]), self._cst(j, cols)) for j in range(k)]
        if self.n_threads == 1 or k == 1:
            learners = [_fit_one(*a) for a in args]
        else:
            learners = Parallel(n_jobs=min(self.n_threads, k), prefer="threads")(delayed(_fit_one)(*a) for a in args)
        return learners, DenseStep(predict_iteration(learners, cols, self.X, f"iteration {self.iteration}: "))


class HistTreeBackend(_Backend):
    """Histogram trees on X binned once per fit; the k trees of an iteration grow in parallel threads.

    ``tree_params``: the ``HistTreeRegressor`` parameters of every tree, or a list of k, one per
    parameter (their growth settings may differ; they share one binning, so ``max_bins`` and
    ``categorical_features`` must agree). ``categorical``: optional ``(from_dtype, n_categories)``
    of a DataFrame X (the (p,) mask of its pandas category columns, now codes, and their numbers of
    categories, -1 for other columns); ``categorical_features`` is resolved against it (see
    ``HistTreeRegressor``). ``monotonic_cst``: optional (k, p) constraints of the trees (none may
    fall on a categorical feature); ``param_names`` name the parameters in messages.
    """

    records_leaves = True  #: trees grown on every row report each training row's leaf

    def __init__(self, tree_params, X, n_jobs=None, random_state=None, categorical=None, feature_names=None,
                 monotonic_cst=None, param_names=None):
        from .tree import BinMapper, check_growth, resolve_categorical_features

        per_param = isinstance(tree_params, (list, tuple))
        params = list(tree_params) if per_param else [tree_params]
        for key in ("max_bins", "categorical_features"):
            if any(not _same(q.get(key), params[0].get(key)) for q in params[1:]):
                raise ValueError(
                    f"the base learners of the parameters are ngb trees with different {key} "
                    f"({[q.get(key) for q in params]}): X is binned once for all of them, so they must share "
                    "max_bins and categorical_features (their growth settings may differ).")

        def setting(name, convert=lambda v: v, default=None):
            values = [convert(q.get(name, default)) for q in params]
            return values[0] if all(v == values[0] for v in values) else values  # one value, or one per tree

        self.max_depth = setting("max_depth")
        self.min_samples_leaf = setting("min_samples_leaf")
        self.min_weight_leaf = setting("min_weight_leaf", float, 0.0)
        self.max_leaf_nodes = setting("max_leaf_nodes")  # None: level-wise growth
        for q in params:
            check_growth(q["max_depth"], q.get("max_leaf_nodes"))  # fail before the first iteration
        tree_params = params[0]
        from_dtype, n_categories = (None, None) if categorical is None else categorical
        is_cat = resolve_categorical_features(tree_params.get("categorical_features"), X.shape[1], from_dtype,
                                              feature_names)
        self.monotonic_cst = None
        if monotonic_cst is not None and np.any(monotonic_cst):
            self.monotonic_cst = cst = np.asarray(monotonic_cst, dtype=np.int8)
            bad = np.argwhere((cst != 0) & is_cat[None, :])
            if bad.size:
                j, f = (int(v) for v in bad[0])
                name = f" ({feature_names[f]!r})" if feature_names is not None else ""
                raise ValueError(f"monotonic_cst constrains {_param_label(param_names, j)} in feature {f}{name}, "
                                 "which is categorical: categorical features cannot have monotonic constraints.")
        self.bin_mapper = BinMapper(max_bins=tree_params["max_bins"], random_state=random_state,
                                    categorical_features=is_cat, n_categories=n_categories).fit(
            X, feature_names=feature_names)
        self.Xb = self.bin_mapper.transform(X)
        self.XbF = np.asfortranarray(self.Xb)  # column order: faster to predict a few trees on
        self.n_threads = resolve_n_threads(n_jobs)
        self._grad = None
        self._root_counts = None  # bin counts of all rows, the root count histogram of every tree
        self._w = {}  # weight buffers by slot (parameter j, or k for shared weights)
        self.iteration = 0

    @property
    def can_share_structure(self):
        """Whether coupled parameters may share one tree structure (``_shared.py``): every parameter's
        tree has the same settings and none is constrained (a shared tree could not honour one
        parameter's settings or constraints)."""
        settings = (self.max_depth, self.min_samples_leaf, self.min_weight_leaf, self.max_leaf_nodes)
        return self.monotonic_cst is None and not any(isinstance(v, list) for v in settings)

    def fit_step(self, rows, cols, grad, weight, rng):
        """(trees, step) of one iteration; grown on every row, the trees record each row's leaf and
        the step is a :class:`LeafStep` (unless :meth:`recorded_leaves` declines)."""
        from .tree import bin_counts, grow_trees

        n, k = self.Xb.shape[0], grad.shape[1]
        self.iteration += 1
        check_direction(grad, self.iteration)
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
            monotonic_cst=self.monotonic_cst,
        )
        recorded = None if leaves is None else self.recorded_leaves(trees, leaves)
        if recorded is not None:
            return trees, LeafStep(*recorded)
        return trees, DenseStep(self._predict_train(trees))

    def _scatter(self, slot, rows, values):
        """``values`` (len(rows),) placed at ``rows`` of a reused (n,) buffer (None stays None)."""
        if values is None:
            return None
        buf = self._w.get(slot)
        if buf is None:
            buf = self._w[slot] = np.zeros(self.Xb.shape[0])
        buf[rows] = values
        return buf

    def recorded_leaves(self, trees, leaves):
        """(leaves (k, n) int32, leaf values (k, L)) of the training rows of trees grown on every row."""
        from .tree import leaf_value_table

        return leaves, leaf_value_table(trees)

    def _predict_train(self, trees):
        """(n, k) predictions of an iteration's trees on the training rows (binned)."""
        from .tree import predict_forest_binned

        k = len(trees)
        # the numeric depth <= 3 kernels read the column-ordered copy in place; the others want row order
        numeric_d3 = max(t.depth for t in trees) <= 3 and not any(t.has_categorical for t in trees)
        Xb = self.XbF if numeric_d3 else self.Xb
        return predict_forest_binned(Xb, trees, np.arange(k), 1.0, k, n_threads=self.n_threads)


def _is_tree(learner):
    from .tree import Tree

    return isinstance(learner, Tree)


def predict_iteration(learners, cols, X, where=""):
    """(n, k) predictions of one iteration's learners (fitted on columns ``cols``) on X; other
    learners than ngb's trees must return (n,) finite values (ValueError naming the learner)."""
    if _is_tree(learners[0]):  # one pass for the k trees (they index X's own columns), nothing cached
        from .tree import predict_forest

        k = len(learners)
        return predict_forest(X, learners, np.arange(k), 1.0, k)
    if cols is not None:
        X = X[:, cols]
    n = X.shape[0]
    out = np.empty((n, len(learners)))
    for j, est in enumerate(learners):
        values = np.asarray(est.predict(X), dtype=float)
        if values.shape not in ((n,), (n, 1)):
            raise ValueError(f"{where}the base learner {type(est).__name__} of parameter {j} predicted an array of "
                             f"shape {values.shape} for {n} rows; a base learner must predict one value per row, "
                             f"shape ({n},).")
        out[:, j] = values.reshape(n)
        if not np.isfinite(out[:, j]).all():
            bad = np.flatnonzero(~np.isfinite(out[:, j]))
            raise ValueError(f"{where}the base learner {type(est).__name__} of parameter {j} predicted non-finite "
                             f"values (NaN or inf) on {bad.size} of {n} rows (first row {bad[0]}).")
    return out


def _same(a, b):
    if isinstance(a, (str, type(None))) or isinstance(b, (str, type(None))):
        return isinstance(b, type(a)) and a == b
    return np.array_equal(np.asarray(a), np.asarray(b))


def _is_ngb_tree(base):
    from .tree import HistTreeRegressor

    return isinstance(base, HistTreeRegressor) and type(base).fit is HistTreeRegressor.fit and (
        type(base).predict is HistTreeRegressor.predict)


def make_backend(base, X, n_jobs=None, random_state=None, categorical=None, feature_names=None, monotonic_cst=None,
                 param_names=None):
    """The back end for ``base`` (one learner for every parameter, or a list of k, one per
    parameter): ngb's histogram trees when each is a ``HistTreeRegressor`` (or a subclass that keeps
    its ``fit`` and ``predict``), the generic one otherwise.

    ``categorical``, ``feature_names``: see :class:`HistTreeBackend` (ignored by other bases, which
    see category columns as their ordered codes); ``monotonic_cst``: optional (k, p) constraints of
    the learners; ``param_names``: for messages."""
    bases = list(base) if isinstance(base, (list, tuple)) else [base]
    if all(_is_ngb_tree(b) for b in bases):
        params = [b.get_params() for b in bases]
        return HistTreeBackend(params if isinstance(base, (list, tuple)) else params[0], X, n_jobs=n_jobs,
                               random_state=random_state, categorical=categorical, feature_names=feature_names,
                               monotonic_cst=monotonic_cst, param_names=param_names)
    return SklearnBackend(base, X, n_jobs=n_jobs, monotonic_cst=monotonic_cst, param_names=param_names)


def pack_predictor(estimators, weights, k):
    """A PackedForest of all iterations' histogram trees (tree m*k + j adds weights[m, j] * f_mj to
    parameter j; ``weights`` (m, k)), or None when the learners are not ngb's trees (they are then
    predicted one iteration at a time)."""
    if not estimators or not _is_tree(estimators[0][0]):
        return None
    from .tree import PackedForest

    trees = [tree for learners in estimators for tree in learners]
    return PackedForest(trees, np.tile(np.arange(k), len(estimators)), np.asarray(weights).reshape(-1), k)


def predict_raw(forest, estimators, columns, weights, X, init):
    """init (n, k) plus every iteration's prediction on X weighted per parameter (``weights`` (m, k)):
    one packed pass over the trees (``forest``), or learner by learner."""
    if forest is not None:
        from .tree import predict_forest

        return predict_forest(X, forest, init=init)
    theta = init
    for wgt, learners, cols in zip(weights, estimators, columns):
        theta += wgt * predict_iteration(learners, cols, X)
    return theta
