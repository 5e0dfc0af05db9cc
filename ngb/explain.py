"""Explaining a fitted ngb model per distribution parameter: exact SHAP values, a scikit-learn view
of any predicted quantity (for partial dependence and ICE curves), and shap's own tree format.

A fitted model predicts k internal parameters theta(x) = init_params_ + sum_m w_mj f_mj(x)
(``model.feature_importances_by_param_`` names them). :func:`shap_values` attributes each of them
to the features exactly: for every row, ``values[i, :, j].sum() + expected_value[j]`` is theta_j(x_i)
(the offset, if any, is not attributed: add it to parameter 0 yourself).

SHAP values are the path-dependent TreeSHAP of Lundberg et al. (2018, Algorithm 2), computed by a
compiled kernel (``ngb/tree/_shap.pyx``: per-leaf tables of all the path patterns for small trees,
the recursion of Algorithm 2 for large ones) on ngb's own node arrays, so every split is explained as
the model routes rows: numeric thresholds, the learned side of missing values (NaN), and native
categorical splits (a set of categories going left), which shap's ``TreeExplainer`` cannot
represent. The cover of a node (the weights of "feature unknown" paths) is its number of training
rows (``Tree.n_samples``): the expected value is then the mean of theta over the training rows (the
rows each tree was grown on: all of them with ``subsample=1``), whatever the sample or metric
weights the trees were fitted with (``Tree.weight`` holds those, and metric weights are no
distribution of x).

Scale: a parameter with the identity link (the ``loc`` of normal, laplace, logistic, Student t,
gumbel) is the user-facing parameter itself, so its SHAP values are additive on the user's scale
(and ``predict`` of a Normal is that loc). A log-link parameter (``log_scale``, ``log_rate``, ...)
is additive on the log scale only: the user-facing value is exp(expected) * prod_f exp(phi_f), a
product of per-feature factors; logits likewise. Derived quantities (the mean of a LogNormal, a
quantile, an interval's width) are not additive in the parameters: explain them with
:class:`OutputRegressor` (partial dependence, ICE) instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted

from ._threads import map_chunks, resolve_n_threads
from .tree import Tree
from .tree._categorical import N_WORDS
from .tree._shap import expected_values, leaf_tables, tree_shap

__all__ = ["ShapValues", "shap_values", "shap_model", "OutputRegressor", "partial_dependence", "param_names"]

#: rows per thread chunk at least (a row costs one TreeSHAP pass over every tree)
_MIN_CHUNK = 64
#: doubles of leaf tables a tree may have (2**d * d per leaf with d distinct path features: 192 for
#: a tree of depth 3, 5,120 for depth 5); larger trees are explained by the recursion of Algorithm 2
TABLE_BUDGET = 8192


# ------------------------------------------------------------------ the model's trees as node arrays
def _fitted(model):
    """The fitted ngb estimator ``model`` itself (TypeError for anything else)."""
    if not hasattr(model, "_tree_weights"):
        raise TypeError(f"expected a fitted ngb estimator, got {type(model).__name__} (for a Pipeline, explain its "
                        "last step on the transformed X: model[-1] and model[:-1].transform(X)).")
    check_is_fitted(model, "n_iter_")
    return model


def param_names(model):
    """(k,) names of the fitted model's internal parameters (``feature_importances_by_param_``'s keys)."""
    return tuple(_fitted(model).feature_importances_by_param_)


def _node_arrays(learner, cols):
    """The node arrays of one fitted learner: an ngb Tree or a scikit-learn decision tree (fitted on
    columns ``cols``), as a dict; TypeError for other learners."""
    if isinstance(learner, Tree):
        n = learner.n_nodes
        cat = learner.has_categorical
        return {
            "feature": learner.feature.astype(np.int64),
            "threshold": learner.threshold,
            "nan_right": (~learner.missing_go_left).astype(np.uint8),
            "is_cat": learner.is_categorical.astype(np.uint8) if cat else np.zeros(n, np.uint8),
            "bits": learner.cat_bitset if cat else np.zeros((n, N_WORDS), np.uint32),
            "left": learner.left.astype(np.int64),
            "right": learner.right.astype(np.int64),
            "value": learner.value,
            "cover": learner.n_samples.astype(np.float64),
            "depth": learner.depth,
        }
    tree = getattr(learner, "tree_", None)
    if tree is None or not hasattr(tree, "children_left") or getattr(tree, "n_outputs", 1) != 1:
        raise TypeError(
            f"shap_values explains ngb's trees and scikit-learn decision trees; this model's base learner is "
            f"{type(learner).__name__}. Use shap's model-agnostic explainer, shap.Explainer(model.predict, X), "
            "instead.")
    n = tree.node_count
    feature = tree.feature.astype(np.int64)
    leaf = tree.children_left < 0
    if cols is not None:
        feature = np.where(leaf, -1, np.asarray(cols, dtype=np.int64)[np.where(leaf, 0, feature)])
    go_left = getattr(tree, "missing_go_to_left", None)
    nan_right = np.ones(n, np.uint8) if go_left is None else (np.asarray(go_left) == 0).astype(np.uint8)
    return {
        "feature": np.where(leaf, -1, feature),
        "threshold": tree.threshold.astype(np.float64),
        "nan_right": nan_right,
        "is_cat": np.zeros(n, np.uint8),
        "bits": np.zeros((n, N_WORDS), np.uint32),
        "left": tree.children_left.astype(np.int64),
        "right": tree.children_right.astype(np.int64),
        "value": tree.value.reshape(n).astype(np.float64),
        "cover": tree.n_node_samples.astype(np.float64),
        "depth": int(tree.max_depth),
    }


def _forest(est, params=None):
    """Every tree of the fitted estimator (of the parameters ``params``, default all) in concatenated
    node arrays, children as global ids and values times the tree's weight, with ``roots``, ``param``
    and the forest's ``depth``."""
    weights = est._tree_weights()  # (n_iter, k)
    params = range(len(est.init_params_)) if params is None else params
    parts, roots, owner, offset, depth = [], [], [], 0, 0
    for m, (learners, cols) in enumerate(zip(est._estimators, est._columns)):
        for j in params:
            a = _node_arrays(learners[j], cols)
            if np.any(a["cover"] <= 0):
                raise ValueError(f"iteration {m}, parameter {j}: a tree node has no training rows (cover 0); SHAP "
                                 "values need every node's training row count (Tree.n_samples): refit the model.")
            inner = a["left"] >= 0
            for side in ("left", "right"):
                a[side] = np.where(inner, a[side] + offset, -1)
            a["value"] = a["value"] * weights[m, j]
            parts.append(a)
            roots.append(offset)
            owner.append(j)
            offset += len(a["feature"])
            depth = max(depth, a["depth"])
    keys = ("feature", "threshold", "nan_right", "is_cat", "left", "right", "value", "cover")
    if not parts:
        out = {key: np.zeros(0, np.float64 if key in ("threshold", "value", "cover") else np.int64) for key in keys}
        out["bits"] = np.zeros((0, N_WORDS), np.uint32)
    else:
        out = {key: np.ascontiguousarray(np.concatenate([a[key] for a in parts])) for key in keys}
        out["bits"] = np.ascontiguousarray(np.concatenate([a["bits"] for a in parts]), dtype=np.uint32)
    out["roots"] = np.asarray(roots, dtype=np.int64)
    out["param"] = np.asarray(owner, dtype=np.int64)
    out["depth"] = depth
    return out


def _expected(est, forest, k):
    out = np.array(est.init_params_, dtype=np.float64, copy=True).reshape(k)
    if len(forest["roots"]):
        expected_values(forest["roots"], forest["param"], forest["left"], forest["right"], forest["value"],
                        forest["cover"], out)
    return out


# ------------------------------------------------------------------ SHAP values
@dataclass(frozen=True)
class ShapValues:
    """Exact SHAP values of a fitted ngb model on the internal parameters.

    values (n, p, k): feature f's contribution to parameter j at row i, in the parameter's internal
    units; expected_value (k,): the mean of theta over the training rows (see the module docstring);
    ``values.sum(axis=1) + expected_value`` is theta (n, k). data (n, p): X as the trees read it
    (category columns as their codes); param_names (k,), feature_names (p,)."""

    values: np.ndarray
    expected_value: np.ndarray
    data: np.ndarray
    param_names: tuple
    feature_names: tuple
    #: (k,) link of each internal parameter to the user-facing one: "identity" (the SHAP values are
    #: additive on the user's scale too), "log" (there they are factors exp(phi)), "logit" (log-odds),
    #: or "other" (e.g. the multivariate normal's Cholesky entries, the Student t's df ratio)
    links: tuple = ()

    def param_index(self, param):
        """Column j of a parameter given by index or name."""
        if isinstance(param, str):
            if param not in self.param_names:
                raise ValueError(f"unknown parameter {param!r}; the model's are {self.param_names}.")
            return self.param_names.index(param)
        return int(param)

    def importances(self):
        """(k, p) mean absolute SHAP value of each feature for each parameter."""
        return np.abs(self.values).mean(axis=0).T

    def to_shap(self, param=0):
        """A ``shap.Explanation`` of one parameter (for shap's plots: ``shap.plots.beeswarm``)."""
        import shap

        j = self.param_index(param)
        n = self.values.shape[0]
        return shap.Explanation(self.values[:, :, j], base_values=np.full(n, self.expected_value[j]), data=self.data,
                                feature_names=list(self.feature_names))


def shap_values(model, X, *, n_jobs=None, _table_budget=None):
    """Exact (path-dependent TreeSHAP) SHAP values of every internal parameter of a fitted ngb model.

    model: a fitted NGBRegressor / NGBClassifier / NGBSurvival whose base learners are ngb's trees
    (the default) or scikit-learn decision trees. X: (n, p) array or DataFrame, as ``predict``
    takes it. n_jobs: threads (None: all cores; the values do not depend on it).
    Returns :class:`ShapValues`: values (n, p, k), expected_value (k,), with
    ``values.sum(axis=1) + expected_value`` equal to the internal parameters theta(X) (n, k) before
    the offset and the clip to the family's bounds."""
    est = _fitted(model)
    Xv = np.ascontiguousarray(est._validate_X(X, reset=False), dtype=np.float64)
    k = len(est.init_params_)
    n, p = Xv.shape
    forest = _forest(est)
    out = np.zeros((n, p, k))
    if len(forest["roots"]) and n:
        budget = TABLE_BUDGET if _table_budget is None else int(_table_budget)
        tables = leaf_tables(forest["roots"], forest["feature"], forest["left"], forest["right"], forest["value"],
                             forest["cover"], int(forest["depth"]), budget)
        args = (forest["roots"], forest["param"], forest["feature"], forest["threshold"], forest["nan_right"],
                forest["is_cat"], forest["bits"], forest["left"], forest["right"], forest["value"], forest["cover"],
                int(forest["depth"]), tables)
        map_chunks(lambda a, b: tree_shap(Xv, *args, out, a, b), n, resolve_n_threads(n_jobs), min_chunk=_MIN_CHUNK)
    names = getattr(est, "feature_names_in_", None)
    names = tuple(f"x{f}" for f in range(p)) if names is None else tuple(str(c) for c in names)
    return ShapValues(out, _expected(est, forest, k), Xv, param_names(est), names, _links(est, k))


def _links(est, k):
    """(k,) link names of the fitted family's internal parameters (see ShapValues.links)."""
    from .distributions._declare import IDENTITY, LOG

    declared = getattr(est._dist, "parameters", ())
    if len(declared) != k:  # the categorical family's logits, the multivariate normal
        names = param_names(est)
        return tuple("logit" if name.startswith("logit_") else "other" for name in names)
    return tuple("identity" if p.link is IDENTITY else "log" if p.link is LOG else
                 "logit" if p.link.prefix == "logit_" else "other" for p in declared)


# ------------------------------------------------------------------ shap's own format (numeric trees)
def shap_model(model, param=0):
    """The trees of one internal parameter in the dict form ``shap.TreeExplainer`` accepts:
    ``shap.TreeExplainer(shap_model(model, j)).shap_values(X)`` gives ``shap_values(model, X)
    .values[:, :, j]`` (path-dependent, with ngb's covers), for numeric trees only: shap cannot
    represent a categorical split (ValueError). X must then be the array the trees read (category
    columns as codes: ``ShapValues.data``). param: index or name of the parameter."""
    est = _fitted(model)
    names = param_names(est)
    j = names.index(param) if isinstance(param, str) else int(param)
    forest = _forest(est, params=[j])
    if forest["is_cat"].any():
        raise ValueError("the model has categorical splits, which shap's tree format cannot represent; use "
                         "ngb.explain.shap_values (exact on every split).")
    trees = []
    roots = list(forest["roots"]) + [len(forest["feature"])]
    for a, b in zip(roots[:-1], roots[1:]):
        left, right = forest["left"][a:b], forest["right"][a:b]
        inner = left >= 0
        local_left = np.where(inner, left - a, -1).astype(np.int32)
        local_right = np.where(inner, right - a, -1).astype(np.int32)
        nan_right = forest["nan_right"][a:b].astype(bool)
        cover = forest["cover"][a:b].copy()
        value = forest["value"][a:b].copy()
        for nd in range(b - a - 1, -1, -1):  # children after parents: internal values = cover-weighted means
            if inner[nd]:
                lo, hi = local_left[nd], local_right[nd]
                value[nd] = (cover[lo] * value[lo] + cover[hi] * value[hi]) / (cover[lo] + cover[hi])
        trees.append({
            "children_left": local_left,
            "children_right": local_right,
            "children_default": np.where(inner, np.where(nan_right, local_right, local_left), -1).astype(np.int32),
            "features": np.where(inner, forest["feature"][a:b], -1).astype(np.int32),
            "thresholds": np.where(inner, forest["threshold"][a:b], 0.0).astype(np.float64),
            "values": value.reshape(-1, 1),
            "node_sample_weight": cover,
        })
    return {"trees": trees, "base_offset": float(est.init_params_[j]), "tree_output": "raw_value",
            "input_dtype": np.float64, "internal_dtype": np.float64}


# ------------------------------------------------------------------ partial dependence
_DERIVED = ("mean", "median", "std", "var", "quantile", "interval_width", "interval_lower", "interval_upper")


class OutputRegressor(RegressorMixin, BaseEstimator):
    """A fitted ngb model seen as a scikit-learn regressor of one predicted quantity, for
    ``sklearn.inspection.partial_dependence`` and ``PartialDependenceDisplay.from_estimator``
    (partial dependence and ICE curves) or any tool that calls ``predict``.

    output: an internal parameter (index or name, e.g. ``"log_scale"``: its value in the predicted
    distribution, clipped to the family's bounds); ``"mean"``, ``"median"``, ``"std"``, ``"var"``;
    ``"quantile"`` (level ``q``); ``"interval_width"``, ``"interval_lower"``, ``"interval_upper"`` (the
    central interval of probability ``level``); or a callable taking the predicted distribution and
    returning (n,) values. ``predict(X)`` returns that quantity, shape (n,), in the target's units.
    The model is already fitted: ``fit`` fits nothing (it returns self)."""

    def __init__(self, model, output="mean", q=0.5, level=0.9):
        self.model = model
        self.output = output
        self.q = q
        self.level = level

    def fit(self, X=None, y=None):
        """Nothing to fit (the model is fitted); returns self."""
        return self

    def __sklearn_is_fitted__(self):
        from .metrics._predict import final_estimator

        try:
            return hasattr(final_estimator(self.model), "n_iter_")
        except TypeError:
            return False

    def predict(self, X):
        """The chosen quantity (n,) for the rows of X."""
        from .metrics._predict import final_estimator, predict_dist

        est = final_estimator(self.model)
        d = predict_dist(self.model, X)
        out = self.output
        if callable(out):
            values = out(d)
        elif isinstance(out, (str, np.str_)) and out in _DERIVED:
            values = self._derived(d, str(out))
        else:
            names = param_names(est)
            j = names.index(out) if isinstance(out, (str, np.str_)) and out in names else None
            if j is None:
                if isinstance(out, (str, np.str_)):
                    raise ValueError(f"output={out!r} is neither a parameter of the model {names} nor one of "
                                     f"{_DERIVED}.")
                j = int(out)
            values = d._theta[:, j]
        values = np.asarray(values, dtype=np.float64)
        if values.ndim != 1:
            raise ValueError(f"output gives values of shape {values.shape}; OutputRegressor predicts one value "
                             "per row.")
        return values

    def _derived(self, d, out):
        if out == "quantile":
            return d.quantile(float(self.q))
        if out.startswith("interval"):
            lower, upper = d.interval(float(self.level))
            return {"interval_width": upper - lower, "interval_lower": lower, "interval_upper": upper}[out]
        return getattr(d, out)()


def partial_dependence(model, X, feature, *, output="mean", q=0.5, level=0.9, kind="average", **kwargs):
    """scikit-learn's ``partial_dependence`` of one quantity of a fitted ngb model (see
    :class:`OutputRegressor` for ``output``, ``q``, ``level``) on ``feature`` (index, name, or a
    pair for a 2-way dependence). kind: "average" (partial dependence), "individual" (ICE curves)
    or "both"; other keyword arguments (``grid_resolution``, ``percentiles``, ``categorical_features``)
    go to scikit-learn. Returns its Bunch: ``grid_values``, ``average`` (1, m), ``individual`` (1, n, m)."""
    from sklearn.inspection import partial_dependence as sk_partial_dependence

    features = list(feature) if isinstance(feature, (tuple, list)) else [feature]
    view = OutputRegressor(model, output=output, q=q, level=level)
    return sk_partial_dependence(view, X, features, kind=kind, method="brute", **kwargs)
