"""NGBRegressor: a conditional distribution for a real-valued (or count) target."""

from __future__ import annotations

import numpy as np
from sklearn.base import RegressorMixin

from .boosting import BaseNGBoost, _ScoreParameter

__all__ = ["NGBRegressor"]


class NGBRegressor(RegressorMixin, BaseNGBoost):
    """Natural gradient boosting for regression.

    Parameters
    ----------
    dist : str, Distribution class or None, default None
        The conditional family, e.g. "normal", "poisson" or ``ngb.Normal``; None is "normal".
    score : str or ScoringRule class, default "log"
        The proper scoring rule boosted: "log" (negative log-likelihood) or "crps". The fitted
        model's ``score(X, y)`` *method* is the mean log-likelihood whatever rule was boosted.
        (``score`` is both a parameter and a method: ``get_params()["score"]`` gives the rule.)
    base : scikit-learn regressor or None
        Base learner, cloned per parameter per iteration; None uses ngb's histogram tree grown
        best-first to 31 leaves with at least 20 rows and a fit weight of 0.1 per leaf
        (``ngb.HistTreeRegressor(max_depth=None, max_leaf_nodes=31, min_samples_leaf=20,
        min_weight_leaf=0.1)``, the tree of scikit-learn's HistGradientBoosting defaults with a
        minimum summed Fisher information for metric-weighted fits, the sample weights scaled by a
        power of two to a mean in [1, 2): X binned once per fit, trees grown by compiled
        kernels; subclasses that keep its ``fit`` and ``predict`` take the same path, others are used
        as any regressor); ``HistTreeRegressor(max_depth=3, min_samples_leaf=10)`` grows the level-wise
        depth-3 trees of the NGBoost paper instead. pandas ``category`` columns of X are mapped to the codes
        of their fit categories (unseen categories and NaN: missing); ngb's trees split them
        natively as categories (``HistTreeRegressor(categorical_features="from_dtype")``, the
        default; a mask, indices or column names select other columns, None uses the codes as ordered
        numbers), other base learners see the ordered codes.
        Per parameter: a list or tuple of k learners (parameter order) or a dict by parameter name
        (internal ``"loc"``, ``"log_scale"`` or public ``"scale"``; unnamed parameters and None
        entries get the default tree), each cloned per iteration, e.g. ``base=[HistTreeRegressor(max_depth=4),
        HistTreeRegressor(max_depth=1)]`` for a shallower scale tree. ngb trees of any shapes keep
        the fast path (they must share ``max_bins`` and ``categorical_features``: X is binned once);
        ``get_params`` shows ``base__0__max_depth`` (``base__loc__max_depth`` for a dict), which
        ``set_params`` and ``GridSearchCV`` take.
    n_estimators, learning_rate : the most boosting iterations (default 1000; early stopping
        usually ends the fit long before) and the shrinkage (default 0.1). The defaults were chosen
        by the defaults study (``benchmarks/README.md``); ``ngb.reference_defaults()`` holds those of
        ngboost 0.6.0: ``NGBRegressor(**ngb.reference_defaults())``.
    subsample, colsample : fraction of rows (without replacement) and of columns per iteration.
    natural_gradient : bool, fit learners on the natural (True) or ordinary gradient.
    metric_weighted : "auto" (default), True or False; used with ``natural_gradient=True``. True: fit
        the learner of parameter j on d_score_j / I_jj with sample weights w_i * I_i,jj, where I_i is
        the score's metric (Fisher information for the log score) at row i, so a least-squares leaf
        takes the Newton step -sum(d_score_j) / sum(I_jj) of the local quadratic model of the score,
        a descent step. For a diagonal metric (Normal, Poisson, Exponential, ...) the target is
        exactly the natural gradient, only weighted; for other metrics (Categorical, StudentT, ...)
        it is the metric's diagonal approximation. False: the unweighted natural-gradient fit of the
        NGBoost paper. "auto": True for count and class families (Poisson, NegativeBinomial,
        Categorical, Bernoulli), whose unweighted leaves are dominated by rows with little
        information (a claim at a small rate) or stall with many classes; False for continuous
        families, where weights 1 / sigma^2 feed back into ever smaller predicted scales and the
        validation score rises steeply after its minimum on small data (benchmarks/README.md).
    early_stopping : "auto" (default), True, "refit" or False. Without validation data, "auto",
        True and "refit" hold out a random ``validation_fraction`` of the rows (stratified by class
        for classifiers) and stop after ``n_iter_no_change`` iterations without improvement of the
        held-out score, keeping the best iteration count. "auto" then refits on every row with that
        count when there are at most 10,000 rows (small data lose no rows; twice the fitting time),
        and keeps the model fitted on the other rows above that; True never refits, "refit" always
        does. False: all ``n_estimators`` iterations on every row. Validation data passed to ``fit``
        is always used for stopping (never refitted on) unless ``early_stopping=False``.
    validation_fraction : the rows held out for early stopping (default 0.1).
    n_iter_no_change, tol : stop after this many iterations (default 20) without the validation
        score improving by more than ``tol`` (default 0: any improvement counts); the model is
        truncated at its best iteration.
    n_jobs : threads. None or -1: all cores (as scikit-learn's HistGradientBoosting), -2 all but
        one, a positive int that many. Other base learners than ngb's trees are fitted on threads
        over the distribution parameters. Results are bit-identical for every n_jobs.
    random_state : None, int, RandomState or numpy Generator; an int gives bit-identical refits.
    verbose : 0 silent, 1 progress every ~10% (and a bar with tqdm), 2 every iteration.
    monotonic_cst : None, dict or array (k, p), default None
        Monotonic constraints of the internal parameters theta_j(x), in scikit-learn's convention
        per feature (+1: theta_j does not decrease when the feature grows, the others fixed; -1:
        does not increase; 0: free): a dict by parameter name whose values are arrays of p values
        or dicts by column name (``{"loc": {"age": 1}}``; parameters not named are free), or a
        (k, p) array. A constraint on one parameter leaves the others free (the Normal's scale is
        not constrained by its location's). Enforced by ngb's trees (level-wise and best-first),
        or passed to a base learner that takes ``monotonic_cst`` (scikit-learn's trees); the trees
        are subtracted, so parameter j's trees get the opposite constraints. The order holds among
        a feature's non-missing values (missing values go where each split sends them, every split
        stays ordered); categorical features cannot be constrained.

    Attributes
    ----------
    n_iter_, init_params_ (k,), scalings_ (n_iter_, k), train_score_ and validation_score_
    (mean score per iteration, index 0 before boosting, lower is better; after a refit,
    validation_score_ is that of the held-out rows in the fit that chose n_iter_), refitted_
    (whether the model was refitted on every row; a scale or shape step that early stopping's
    gate dropped has scaling 0, and the refit drops it too, so ``n_estimators=n_iter_`` with
    ``early_stopping=False`` alone is not the same model: it applies every step and can overfit
    the scale),
    feature_importances_ (p,), feature_importances_by_param_ (dict), n_features_in_,
    feature_names_in_ (pandas input only).
    """

    score = _ScoreParameter()  # the mixin's score() is replaced by _score_method

    def fit(self, X, y, sample_weight=None, *, X_val=None, y_val=None, sample_weight_val=None, offset=None, offset_val=None):
        """Fit on X (n, p), y (n,). ``offset`` (n,) is added to the first internal parameter
        (the log rate for Poisson: pass log(exposure)); give ``offset_val`` with X_val."""
        return self._fit(
            X, y, sample_weight, X_val=X_val, y_val=y_val, sample_weight_val=sample_weight_val, offset=offset, offset_val=offset_val
        )

    def _check_y(self, y, dist, fitting=False):
        if dist.support == "class":
            raise ValueError(f"{dist.__name__} is a classification family; use NGBClassifier.")
        y = super()._check_y(y, dist, fitting)
        expected = getattr(self.dist, "dim", None) if dist.multi_output else None  # MultivariateNormal(d)
        if expected is not None and y.shape[1] != expected:
            raise ValueError(f"y has {y.shape[1]} columns but dist expects dimension {expected}.")
        return y

    def predict_dist(self, X, offset=None):
        """The predicted distribution: one row per row of X."""
        return self._predict_dist(X, offset)

    def predict(self, X, offset=None):
        """Predicted mean, shape (n,) ((n, d) for a multivariate family). For the Student t families
        (studentt, t_fixed_df, cauchy), whose mean may not exist, the location: the mean where it
        exists, the median always."""
        return self.predict_dist(X, offset).point_prediction()

    def staged_predict_dist(self, X, offset=None):
        """Yield the predicted distribution after each kept iteration."""
        yield from self._staged_dists(X, offset)

    def staged_predict(self, X, offset=None):
        """Yield ``predict``'s point prediction after each kept iteration."""
        for d in self._staged_dists(X, offset):
            yield d.point_prediction()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # score() is the mean log-likelihood, not R^2: scikit-learn's "R^2 > 0.5" check does not apply
        tags.regressor_tags.poor_score = True
        return tags

    def _score_method(self, X, y, sample_weight=None, offset=None):
        """Mean log-likelihood of y under the predicted distributions (higher is better)."""
        d = self.predict_dist(X, offset)
        y = self._check_y(np.asarray(y), self._dist)
        if len(y) != len(d):
            raise ValueError(f"X has {len(d)} rows but y has {len(y)}.")
        return self._weighted_mean(d.logpdf(y), sample_weight)
