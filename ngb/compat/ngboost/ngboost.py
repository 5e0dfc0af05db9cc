"""ngboost's ``NGBoost``: the parameters, the fit set-up and the predictions the compatibility
layer's estimators share (``ngb.compat.ngboost.api`` holds NGBRegressor, NGBClassifier and
NGBSurvival), as ``ngboost.ngboost.NGBoost`` is for ngboost's."""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.model_selection import train_test_split
from sklearn.utils import check_array, check_random_state

from ..._fitted import importance_matrix, learner_importances
from ..._per_param import base_params, set_base_params
from ._inner import _STATE_KEYS, _InnerRegressor, _factor_rows, _one_step, _truncate
from ._stopping import _TOL_ROWS, _first_best, _ngboost_stop, _stages, _step_below
from .distns import Normal, RegressionDistn
from .learners import default_tree_learner
from .manifold import manifold
from .scores import LogScore, ngb_score_name

__all__ = ["NGBoost", "BaseModel"]


class BaseModel:
    """A fitted base learner as ngboost shows it: ``predict`` takes the iteration's columns
    (``X[:, col_idxs[i]]``, as ngboost's learners; all of X works too) and answers in ngboost's
    units, ``factor`` times the learner's prediction. Other attributes are the learner's (``learner``
    itself is kept)."""

    def __init__(self, learner, factor, columns, n_features):
        self.learner = learner
        self.factor = float(factor)
        self.columns = None if columns is None else np.asarray(columns)
        self.n_features = int(n_features)

    def predict(self, X):
        X = np.asarray(X, dtype=float)
        if self.columns is not None and X.ndim == 2 and X.shape[1] == len(self.columns) != self.n_features:
            full = np.zeros((X.shape[0], self.n_features))  # ngb's trees index the full feature list
            full[:, self.columns] = X
            X = full
        return self.factor * np.asarray(self.learner.predict(X), dtype=float)

    def __getattr__(self, name):
        if name.startswith("__") or name in ("learner", "factor", "columns", "n_features"):
            raise AttributeError(name)
        return getattr(self.learner, name)

    def __repr__(self):
        return f"BaseModel({self.learner!r}, factor={self.factor:g})"


class NGBoost(BaseEstimator):
    """ngboost's common estimator: the parameters, the fit set-up and the predictions.

    Parameters (ngboost's, with its defaults): ``Dist`` (a class of ``ngb.compat.ngboost.distns``),
    ``Score`` (``LogScore`` or ``CRPScore``), ``Base`` (one scikit-learn regressor, fitted per
    parameter; default ngb's histogram tree of depth 3), ``natural_gradient``, ``n_estimators`` (500),
    ``learning_rate`` (0.01), ``minibatch_frac`` and ``col_sample`` (row and column subsampling per
    iteration), ``verbose`` and ``verbose_eval`` (progress lines, through ngb's logger), ``tol`` (as
    ngboost: the fit stops after the first iteration whose fitted step has a mean row norm below it;
    ngboost's line search also accepts a step below it, ngb's has its own floor), ``random_state``,
    ``validation_fraction`` (the rows held out when ``early_stopping_rounds`` is set and no
    validation data are given), ``early_stopping_rounds`` (stop when the validation loss has not
    improved for that many iterations; None: no early stopping), ``n_jobs`` (threads)."""

    _inner_class = _InnerRegressor
    _default_Dist = Normal

    def __init__(self, Dist=Normal, Score=LogScore, Base=default_tree_learner, natural_gradient=True,
                 n_estimators=500, learning_rate=0.01, minibatch_frac=1.0, col_sample=1.0, verbose=True,
                 verbose_eval=100, tol=1e-4, random_state=None, validation_fraction=0.1,
                 early_stopping_rounds=None, n_jobs=None):
        self.Dist = Dist
        self.Score = Score
        self.Base = Base
        self.natural_gradient = natural_gradient
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.minibatch_frac = minibatch_frac
        self.col_sample = col_sample
        self.verbose = verbose
        self.verbose_eval = verbose_eval
        self.tol = tol
        self.random_state = random_state
        self.validation_fraction = validation_fraction
        self.early_stopping_rounds = early_stopping_rounds
        self.n_jobs = n_jobs

    # ------------------------------------------------------------------ parameters
    def get_params(self, deep=True):
        """The parameters; with ``deep`` also the base learner's (``Base__max_depth``) or, for one
        learner per parameter (``Base`` a list or tuple), each one's (``Base__0__max_depth``)."""
        out = super().get_params(deep=False)
        if deep:
            if isinstance(self.Base, (list, tuple)):
                out.update(("Base" + k[len("base"):], v) for k, v in base_params(self.Base).items())
            elif hasattr(self.Base, "get_params") and not isinstance(self.Base, type):
                out.update((f"Base__{k}", v) for k, v in self.Base.get_params().items())
        return out

    def set_params(self, **params):
        # the default Base is one module-level object: give this estimator its own copy before a
        # Base__... parameter changes it (ngboost would change the shared default)
        nested = {key[len("Base__"):]: params.pop(key) for key in list(params) if key.startswith("Base__")}
        super().set_params(**params)
        if nested:
            if isinstance(self.Base, (list, tuple)):
                self.Base = set_base_params(self.Base, nested)
            else:
                if self.Base is default_tree_learner:
                    self.Base = clone(default_tree_learner)
                self.Base.set_params(**nested)
        return self

    def _check_Dist(self):
        Dist = self.Dist
        if not (isinstance(Dist, type) and issubclass(Dist, RegressionDistn) and Dist._family is not None):
            raise ValueError(f"{getattr(Dist, '__name__', Dist)} is not useable for regression: use a "
                             "distribution of ngb.compat.ngboost.distns.")
        return Dist

    def _ngb_rule(self, Dist):
        rule = ngb_score_name(self.Score)
        if rule not in Dist._scores():
            raise ValueError(f"The scoring rule {self.Score.__name__} is not implemented for the "
                             f"{Dist.__name__} distribution.")
        return rule

    def _inner_estimator(self, early_stopping_rounds):
        Dist = self._check_Dist()
        rule = self._ngb_rule(Dist)
        base = self.Base  # one learner, or a list / tuple of one per parameter (in the reference's order)
        base = [clone(b) for b in base] if isinstance(base, (list, tuple)) else clone(base)
        return self._inner_class(
            dist=_one_step(Dist._family) if Dist._one_scaling else Dist._family, score=rule, base=base, n_estimators=self.n_estimators,
            learning_rate=self.learning_rate, subsample=self.minibatch_frac, colsample=self.col_sample,
            natural_gradient=bool(self.natural_gradient), metric_weighted=False,
            early_stopping=early_stopping_rounds is not None, validation_fraction=self.validation_fraction,
            n_iter_no_change=int(early_stopping_rounds) if early_stopping_rounds is not None else 10,
            tol=0.0, max_scaling=512.0, n_jobs=self.n_jobs, random_state=self.random_state,  # ngboost's largest scaling
            verbose=1 if self.verbose and int(self.verbose_eval) > 0 else 0,
        )

    # ------------------------------------------------------------------ fitting
    def fit(self, X, Y, X_val=None, Y_val=None, sample_weight=None, val_sample_weight=None,
            train_loss_monitor=None, val_loss_monitor=None, early_stopping_rounds=None):
        """Fit on X (n, p) and outcomes Y (n,), from the marginal of Y (a previous fit is replaced).

        With X_val and Y_val the validation loss is recorded every iteration (``evals_result["val"]``,
        ``best_val_loss_itr``); the fit stops early only with ``early_stopping_rounds`` (here or in the
        constructor, which takes precedence and, without validation data, holds out
        ``validation_fraction`` of the rows as ngboost does). ``train_loss_monitor(D, Y, W)`` and
        ``val_loss_monitor(D, Y)`` replace the recorded losses (``D``: the rows' distributions with
        the scoring rule, ``manifold(Score, Dist)``; ``Y`` ngboost's targets; ``W`` the training
        weights or None); the validation monitor also chooses the early stop and ``best_val_loss_itr``.
        Both are evaluated after boosting, on every training row (ngboost: on each iteration's
        minibatch); with a validation monitor the fit runs every iteration and the stop is then
        applied. The fit also stops, as ngboost's, after the first iteration whose fitted step has a
        mean norm over the rows below ``tol``."""
        self._boost_more(None, X, Y, X_val, Y_val, sample_weight, val_sample_weight, train_loss_monitor,
                         val_loss_monitor, early_stopping_rounds)
        return self

    def partial_fit(self, X, Y, X_val=None, Y_val=None, sample_weight=None, val_sample_weight=None,
                    train_loss_monitor=None, val_loss_monitor=None, early_stopping_rounds=None):
        """Continue boosting the fitted model on new rows, as ngboost's ``partial_fit``: the initial
        parameters are refitted to the marginal of the new Y, the previous iterations are kept (they
        now add to the new initial parameters) and ``n_estimators`` more iterations are boosted from
        the resulting predictions of the new rows. ``evals_result`` then holds this call's losses;
        ``best_val_loss_itr`` counts every iteration (it is kept when no validation data are given).
        An unfitted model is fitted as by :meth:`fit`. Arguments as :meth:`fit`."""
        self._boost_more(self.__dict__.get("_inner"), X, Y, X_val, Y_val, sample_weight, val_sample_weight,
                         train_loss_monitor, val_loss_monitor, early_stopping_rounds)
        return self

    @staticmethod
    def _check_X(X):
        return check_array(X, accept_sparse=False, ensure_all_finite="allow-nan", dtype=np.float64)

    @staticmethod
    def _as_target(Y):
        return None if Y is None else np.asarray(Y)

    def _boost_more(self, previous, X, Y, X_val, Y_val, sample_weight, val_sample_weight, train_loss_monitor,
                    val_loss_monitor, early_stopping_rounds):
        if self.early_stopping_rounds is not None:
            early_stopping_rounds = self.early_stopping_rounds
        if (X_val is None) != (Y_val is None):
            raise ValueError("Inconsistent validation data: X_val and Y_val must be given together.")
        if early_stopping_rounds is not None and X_val is not None:
            if sample_weight is not None and val_sample_weight is None:
                raise ValueError("Training data is passed with sample weights but the validation data is missing "
                                 "sample weights: pass val_sample_weight.")
            if sample_weight is None and val_sample_weight is not None:
                raise ValueError("sample weights mismatch between training and validation data: val_sample_weight "
                                 "is given without sample_weight.")
        if Y is None:
            raise ValueError("y cannot be None")
        X, Y = self._check_X(X), self._as_target(Y)
        if previous is not None and X.shape[1] != self.n_features:
            raise ValueError(f"partial_fit: X has {X.shape[1]} features, the model was fitted on {self.n_features}.")
        sample_weight = None if sample_weight is None else np.asarray(sample_weight, dtype=float)
        val_sample_weight = None if val_sample_weight is None else np.asarray(val_sample_weight, dtype=float)
        if self.early_stopping_rounds is not None and X_val is None:
            # ngboost's split: scikit-learn's train_test_split drawn from the fit's random state
            rng = check_random_state(self.random_state)
            parts = train_test_split(X, Y, *([] if sample_weight is None else [sample_weight]),
                                     test_size=self.validation_fraction, random_state=rng)
            X, X_val, Y, Y_val = parts[:4]
            if sample_weight is not None:
                sample_weight, val_sample_weight = parts[4:]
        elif X_val is not None:
            X_val, Y_val = self._check_X(X_val), self._as_target(Y_val)
        # the engine stops early on its own loss; a custom validation loss chooses the stop afterwards
        engine_stops = (early_stopping_rounds is not None and int(early_stopping_rounds) >= 1 and X_val is not None
                        and not val_loss_monitor)
        inner = self._inner_estimator(early_stopping_rounds if engine_stops else None)
        first = 0
        if previous is not None:
            first = previous.n_iter_
            inner._continue_from = {key: previous.__dict__[key] for key in _STATE_KEYS if key in previous.__dict__}
            if isinstance(self.random_state, numbers.Integral):  # not the first fit's draws again
                inner.set_params(random_state=int(np.random.SeedSequence([int(self.random_state), first])
                                                  .generate_state(1)[0] >> 1))
        try:
            self._fit_inner(inner, X, Y, X_val, Y_val, sample_weight, val_sample_weight)
        finally:
            inner.__dict__.pop("_continue_from", None)
        self._finish(inner, first, X, Y, X_val, Y_val, sample_weight, train_loss_monitor, val_loss_monitor,
                     early_stopping_rounds)

    def _fit_inner(self, inner, X, Y, X_val, Y_val, sample_weight, val_sample_weight):
        Y = np.asarray(Y, dtype=float)
        Y_val = None if Y_val is None else np.asarray(Y_val, dtype=float)
        inner.fit(X, Y, sample_weight=sample_weight, X_val=X_val, y_val=Y_val, sample_weight_val=val_sample_weight)

    # ------------------------------------------------------------------ after boosting: ngboost's stops and losses
    def _monitor_class(self, inner):
        """The class of the objects the loss monitors receive: ``manifold(Score, Dist)``."""
        return manifold(self.Score, self._dist_class())

    def _monitor_y(self, inner, Y):
        """The targets as ngboost passes them to the monitors."""
        return np.asarray(Y, dtype=float)

    def _staged_monitor_dists(self, inner, X, first, before):
        """The monitor objects of the rows X at each of this call's iterations: before each one
        (``before``) or after each one."""
        M = self._monitor_class(inner)
        bounds = inner.__dict__.get("_param_bounds")
        stages = _stages(inner, X, first)
        if not before:
            next(stages)
        for theta, step in stages:
            if before and step is None:
                break
            yield M._wrap(inner._dist.from_internal(theta, bounds=bounds))

    def _finish(self, inner, first, X, Y, X_val, Y_val, sample_weight, train_loss_monitor, val_loss_monitor,
                early_stopping_rounds):
        n_run = inner.n_iter_
        keep = n_run
        val_list = None
        if X_val is not None:
            if val_loss_monitor:
                Y_mon = self._monitor_y(inner, Y_val)
                val_list = [val_loss_monitor(D, Y_mon) for D in self._staged_monitor_dists(inner, X_val, first, False)]
                if early_stopping_rounds is not None:
                    stop = _ngboost_stop(val_list, int(early_stopping_rounds))
                    if stop is not None:
                        keep = first + stop + 1
            else:
                val_list = list(np.asarray(inner.validation_score_)[1:])
        if self.tol > 0 and keep > first:  # ngboost quits after an iteration whose fitted step is below tol
            rows = X if X.shape[0] <= _TOL_ROWS else X[np.linspace(0, X.shape[0] - 1, _TOL_ROWS).round().astype(int)]
            for m in range(first, keep):
                if _step_below(inner, m, rows, self.tol):
                    keep = m + 1
                    break
        if keep < n_run:
            _truncate(inner, keep, first)
        if train_loss_monitor:
            Y_mon, W = self._monitor_y(inner, Y), sample_weight
            train_list = [train_loss_monitor(D, Y_mon, W) for D in self._staged_monitor_dists(inner, X, first, True)]
        else:
            train_list = list(np.asarray(inner.train_score_)[:-1])
        self._inner = inner
        self.n_features = X.shape[1]
        self.init_params = self._dist_class()._from_ngb(inner.init_params_[None, :])[:, 0]
        metric = self.Score.__name__.upper()
        self.evals_result = {"train": {metric: train_list}}
        if val_list is not None:
            val_list = val_list[: keep - first]
            self.evals_result["val"] = {metric: val_list}
            best = _first_best(val_list)
            if best is not None:
                self.best_val_loss_itr = first + best
            elif first == 0:
                self.best_val_loss_itr = None
        elif first == 0:
            self.best_val_loss_itr = None

    def __sklearn_is_fitted__(self):
        return "_inner" in self.__dict__

    def _fitted(self):
        if "_inner" not in self.__dict__:
            raise AttributeError(f"This {type(self).__name__} is not fitted yet: call fit first.")
        return self._inner

    def _dist_class(self):
        return self.Dist

    # ------------------------------------------------------------------ fitted model, as ngboost shows it
    @property
    def base_models(self):
        """The base learners of each iteration (a list of k per iteration) in ngboost's units: the
        internal parameters are ``init_params - learning_rate * sum over iterations of scaling *
        base_models[i][j].predict(X[:, col_idxs[i]])`` (up to the family's clip bounds). ngb fits its
        trees in standardised units of the target and on all columns; where that changes a parameter's
        units or the columns the learner takes, it is wrapped (``BaseModel``), else it is the fitted
        learner itself. (For T's df and the
        multivariate normal's diagonal, whose ngboost coordinates are not linear in ngb's, the
        learners are in ngb's coordinates.)"""
        if "_inner" not in self.__dict__:
            return []
        from ...tree import Tree

        inner, factors = self._inner, self._learner_factors()
        # ngb's trees index all of X's columns; other learners were fitted on the iteration's columns
        return [[est if f == 1.0 and (cols is None or not isinstance(est, Tree))
                 else BaseModel(est, f, cols if isinstance(est, Tree) else None, self.n_features)
                 for est, f in zip(learners, row)]
                for learners, cols, row in zip(inner._estimators, inner._columns, factors)]

    def _learner_factors(self):
        """(n_iter, k) factor from each tree's output (the engine's units, ngb's coordinates) to
        ngboost's units (a continued fit's iterations may have units of their own)."""
        inner, cls = self._inner, self._dist_class()
        k = inner.n_params_
        factor = _factor_rows(inner.__dict__)
        with np.errstate(all="ignore"):  # (probing a non-linear map may leave its domain)
            zero, eye = cls._from_ngb(np.zeros((1, k)))[:, 0], np.eye(k)
            slope = np.array([cls._from_ngb(eye[j:j + 1])[j, 0] - zero[j] for j in range(k)])
            linear = all(np.allclose(cls._from_ngb(c * eye[j:j + 1])[:, 0], zero + c * slope[j] * eye[j], rtol=1e-12,
                                     atol=1e-12) for j in range(k) for c in (2.0, -3.0))
        return factor * slope if linear else factor

    @property
    def scalings(self):
        """The line search's step multiplier of each iteration (a float, as ngboost's: the engine is
        given one step group, so all parameters of an iteration share it)."""
        if "_inner" not in self.__dict__:
            return []
        return [float(s[0]) if np.all(s == s[0]) else s for s in np.asarray(self._inner.scalings_, dtype=float)]

    @property
    def col_idxs(self):
        """The columns each iteration's learners used."""
        if "_inner" not in self.__dict__:
            return []
        p = self.n_features
        return [np.arange(p) if c is None else np.asarray(c) for c in self._inner._columns]

    @property
    def feature_importances_(self):
        """(k, p): per distribution parameter, the base learners' feature importances averaged over the
        iterations, weighted by the line search's step multipliers; each row sums to 1 (0 when no tree
        split). None before fit, and, as ngboost's, when a base learner has no importances (not a tree)."""
        if "_inner" not in self.__dict__:
            return None
        inner, p = self._inner, self.n_features
        if any(learner_importances(est, p) is None for learners in inner._estimators for est in learners):
            return None
        k = inner.n_params_
        scalings = np.asarray(inner.scalings_, dtype=float).reshape(len(inner._estimators), -1)
        weights = np.broadcast_to(scalings, (scalings.shape[0], k))  # (one scaling per iteration: shared)
        return importance_matrix(inner._estimators, inner._columns, p, k, weights)

    # ------------------------------------------------------------------ prediction
    def _ngb_dist(self, X, max_iter=None):
        """ngb's predicted distribution after ``max_iter`` iterations (all when falsy)."""
        inner = self._fitted()
        X = self._check_X(X)
        if not max_iter or max_iter >= inner.n_iter_:
            return inner._predict_dist(X)
        for i, dist in enumerate(inner._staged_dists(X), start=1):
            if i == max_iter:
                return dist
        raise AssertionError("unreachable")

    def _wrap(self, ngb_dist):
        return self._dist_class()._wrap(ngb_dist)

    def pred_param(self, X, max_iter=None):
        """(n, k) internal parameters (ngboost's parametrisation) after ``max_iter`` iterations."""
        return self._wrap(self._ngb_dist(X, max_iter))._params.T.copy()

    def pred_dist(self, X, max_iter=None):
        """The predicted distributions (one row per row of X) after ``max_iter`` iterations."""
        return self._wrap(self._ngb_dist(X, max_iter))

    def staged_pred_dist(self, X, max_iter=None):
        """A list of the predicted distributions after 1, 2, ... iterations (up to ``max_iter``)."""
        inner = self._fitted()
        out = []
        for i, dist in enumerate(inner._staged_dists(self._check_X(X)), start=1):
            out.append(self._wrap(dist))
            if max_iter and i == max_iter:
                break
        return out

    def predict(self, X, max_iter=None):
        """Point predictions: the predicted distributions' ``predict()`` (the mean for regression)."""
        return self.pred_dist(X, max_iter=max_iter).predict()

    def staged_predict(self, X, max_iter=None):
        return [dist.predict() for dist in self.staged_pred_dist(X, max_iter=max_iter)]

    def _rule_values(self, X, Y):
        inner = self._fitted()
        dist = self._ngb_dist(X)
        y = inner._check_y(inner._prepare_y(Y), inner._dist)
        return dist.score(y, inner._score_name)

    def score(self, X, Y):
        """Minus the mean score of the predictions at X against Y (higher is better): the mean
        log-likelihood for LogScore, minus the mean CRPS for CRPScore."""
        return -float(np.mean(self._rule_values(X, Y)))
