"""scikit-learn estimator on top of the functional tree API."""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from ._binning import BinMapper
from ._categorical import category_columns, category_counts, encode_categories, resolve_categorical_features
from ._grower import grow_tree
from ._monotonic import check_monotonic_cst


class HistTreeRegressor(RegressorMixin, BaseEstimator):
    """Histogram-based least-squares regression tree (NaN supported).

    Thin wrapper around :class:`~ngb.tree.BinMapper` + :func:`~ngb.tree.grow_tree`:
    the fitted ``tree_`` is exactly what the functional fast path returns
    for the same data.

    Parameters
    ----------
    max_depth : int or None, default=3
        Number of split levels (depth 3: up to 8 leaves). None (unlimited) only with
        ``max_leaf_nodes``.
    min_samples_leaf : int, default=1
    min_weight_leaf : float, default=0.0
        Minimum sum of sample weights per leaf. In ngb's metric-weighted fits the weights are the
        Fisher information of the rows, so this is XGBoost's ``min_child_weight`` (a minimum
        hessian per leaf): it keeps leaves of a few rows with little information from taking huge
        Newton steps. ngb's estimators scale the sample weights by a power of two so that their
        mean is in [1, 2) before the trees see them, so there it counts in rows of mean weight
        whatever the weights' sum. The default base tree of ngb's estimators uses 0.1.
    max_bins : int, default=255
        Maximum number of bins per feature for non-missing values (2..255).
    random_state : int, RandomState or None
        Only used to subsample rows for the bin quantiles when
        ``n_samples > 200_000``.
    max_leaf_nodes : int >= 2 or None, default=None
        None: level-wise growth to ``max_depth``. An int: best-first growth (as LightGBM and
        scikit-learn's ``HistGradientBoostingRegressor``), the leaf with the largest gain is split
        next until the tree has ``max_leaf_nodes`` leaves (or no leaf can be split within
        ``max_depth``).
    categorical_features : "from_dtype", None, bool mask, int indices or column names, default="from_dtype"
        Features split natively as categories (a node sends any subset of the categories left, as
        scikit-learn's ``HistGradientBoostingRegressor``, LightGBM, CatBoost): ``"from_dtype"`` the
        pandas ``category`` columns of the DataFrame given to ``fit`` (none for arrays), None none,
        a boolean mask, column indices or column names (X a DataFrame). Values of a categorical
        feature are integer codes (a pandas column: the codes of its fit categories), at most 255
        categories (codes 0..254).
        Missing at fit: NaN and negative codes; at predict also unseen categories, non-integer
        values and codes >= the number of fit categories (max code + 1 for arrays). A category
        with no training rows in a node goes to the child with the larger weight.
    monotonic_cst : array-like of int (n_features,), dict or None, default=None
        Monotonic constraint per feature, as scikit-learn's ``HistGradientBoostingRegressor``: +1 the
        prediction does not decrease when the feature grows (the other features fixed), -1 it does
        not increase, 0 no constraint; a dict maps column names of a DataFrame X to constraints
        (others 0). A split of a constrained feature must order its children's values, each node
        bounds its descendants' values by the mid value of its children, and values are clipped
        to those bounds. Missing values are routed as without constraints (each split sends them
        to one child, and is ordered wherever they go): the order holds among the feature's
        non-missing values. Categorical features cannot be constrained. With ngb's estimators give
        the constraints to the estimator (``NGBRegressor(monotonic_cst=...)``, per distribution
        parameter), not to its base learner.

    Attributes
    ----------
    tree_ : :class:`~ngb.tree.Tree`
    bin_mapper_ : :class:`~ngb.tree.BinMapper`
    feature_importances_ : ndarray (n_features,), normalised total gain
    is_categorical_ : ndarray (n_features,) bool, the categorical features
    n_features_in_ : int
    """

    def __init__(self, max_depth=3, min_samples_leaf=1, max_bins=255, random_state=None, min_weight_leaf=0.0,
                 max_leaf_nodes=None, categorical_features="from_dtype", monotonic_cst=None):
        self.categorical_features = categorical_features
        self.monotonic_cst = monotonic_cst
        self.max_depth = max_depth
        self.max_leaf_nodes = max_leaf_nodes
        self.min_samples_leaf = min_samples_leaf
        self.min_weight_leaf = min_weight_leaf
        self.max_bins = max_bins
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags

    def _check_params(self):
        if self.max_leaf_nodes is not None and (
            not isinstance(self.max_leaf_nodes, numbers.Integral) or isinstance(self.max_leaf_nodes, bool)
            or self.max_leaf_nodes < 2
        ):
            raise ValueError(f"max_leaf_nodes must be None or an int >= 2, got {self.max_leaf_nodes!r}")
        if self.max_depth is None:
            if self.max_leaf_nodes is None:
                raise ValueError("max_depth=None (unlimited) needs max_leaf_nodes")
        elif not isinstance(self.max_depth, numbers.Integral) or self.max_depth < 0:
            raise ValueError(f"max_depth must be a non-negative int, got {self.max_depth!r}")
        if not isinstance(self.min_samples_leaf, numbers.Integral) or self.min_samples_leaf < 1:
            raise ValueError(f"min_samples_leaf must be an int >= 1, got {self.min_samples_leaf!r}")
        if not isinstance(self.min_weight_leaf, numbers.Real) or not self.min_weight_leaf >= 0:
            raise ValueError(f"min_weight_leaf must be a float >= 0, got {self.min_weight_leaf!r}")
        if not isinstance(self.max_bins, numbers.Integral) or not 2 <= self.max_bins <= 255:
            raise ValueError(f"max_bins must be an int in [2, 255], got {self.max_bins!r}")

    def fit(self, X, y, sample_weight=None):
        self._check_params()
        from_dtype = category_columns(X)
        columns = list(X.columns) if from_dtype is not None else None
        X, categories = encode_categories(X)
        X, y = validate_data(self, X, y, dtype=np.float64, ensure_all_finite="allow-nan", y_numeric=True,
                             order="C")
        y = np.ascontiguousarray(y, dtype=np.float64)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)
        self.is_categorical_ = is_cat = resolve_categorical_features(self.categorical_features, X.shape[1],
                                                                     from_dtype, columns)
        cst = None
        if self.monotonic_cst is not None:
            cst = check_monotonic_cst(self.monotonic_cst, X.shape[1], getattr(self, "feature_names_in_", None))
            bad = np.flatnonzero((cst != 0) & is_cat)
            if bad.size:
                name = f" ({self.feature_names_in_[bad[0]]!r})" if hasattr(self, "feature_names_in_") else ""
                raise ValueError(f"monotonic_cst constrains feature {int(bad[0])}{name}, which is categorical: "
                                 "categorical features cannot have monotonic constraints.")
        self._categories = categories
        n_categories = None if columns is None else category_counts(columns, categories)
        self.bin_mapper_ = BinMapper(max_bins=int(self.max_bins), random_state=self.random_state,
                                     categorical_features=is_cat, n_categories=n_categories).fit(
            X, sample_weight=sample_weight, feature_names=columns
        )
        Xb = self.bin_mapper_.transform(X)
        self.tree_ = grow_tree(Xb, y, sample_weight, None, None, bin_mapper=self.bin_mapper_, monotonic_cst=cst,
                               max_depth=None if self.max_depth is None else int(self.max_depth),
                               min_samples_leaf=int(self.min_samples_leaf),
                               min_weight_leaf=float(self.min_weight_leaf),
                               max_leaf_nodes=None if self.max_leaf_nodes is None else int(self.max_leaf_nodes))
        return self

    def _transform_X(self, X):
        X, _ = encode_categories(X, getattr(self, "_categories", {}))
        return validate_data(self, X, dtype=np.float64, ensure_all_finite="allow-nan", reset=False, order="C")

    def predict(self, X):
        check_is_fitted(self)
        X = self._transform_X(X)
        return self.tree_.predict(X)

    def apply(self, X):
        """Leaf index of every row."""
        check_is_fitted(self)
        X = self._transform_X(X)
        return self.tree_.apply(X)

    @property
    def feature_importances_(self):
        check_is_fitted(self)
        imp = self.tree_.feature_importances(self.n_features_in_)
        total = imp.sum()
        return imp / total if total > 0 else imp
