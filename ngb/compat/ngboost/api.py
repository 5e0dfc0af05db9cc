"""NGBRegressor, NGBClassifier and NGBSurvival with ngboost 0.6.0's parameters, methods and attributes.

Each estimator fits an ngb estimator (``_inner``: ``ngb.NGBRegressor``, ...) set up from ngboost's
parameters, and presents its results as ngboost does: distributions under ngboost's parametrisation
(``ngb.compat.ngboost.distns``), ``sample(m)`` of shape (m, n), ``feature_importances_`` of shape
(k, p), ``NGBSurvival.predict`` the mean, and early stopping only with ``early_stopping_rounds``
(``X_val`` alone only records the validation loss, ``best_val_loss_itr`` and ``evals_result``). A fit
stopped early keeps every iteration it ran, as ngboost's does: ``predict(X, max_iter=
model.best_val_loss_itr)`` gives the best one's prediction.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, clone
from sklearn.utils import check_array

from ... import classifier as _classifier
from ... import regressor as _regressor
from ... import survival as _survival
from ..._fitted import learner_importances
from ..._per_param import base_params, set_base_params
from .distns import Bernoulli, ClassificationDistn, LogNormal, Normal, RegressionDistn, _Categorical
from .helpers import Y_from_censored, load_ngboost_model  # noqa: F401
from .learners import default_tree_learner
from .scores import LogScore, ngb_score_name

__all__ = ["NGBoost", "NGBRegressor", "NGBClassifier", "NGBSurvival", "load_ngboost_model"]


class _InnerRegressor(_regressor.NGBRegressor):
    _keep_stopped_iterations = True


class _InnerClassifier(_classifier.NGBClassifier):
    _keep_stopped_iterations = True


class _InnerSurvival(_survival.NGBSurvival):
    _keep_stopped_iterations = True


class NGBoost(BaseEstimator):
    """ngboost's common estimator: the parameters, the fit set-up and the predictions.

    Parameters (ngboost's, with its defaults): ``Dist`` (a class of ``ngb.compat.ngboost.distns``),
    ``Score`` (``LogScore`` or ``CRPScore``), ``Base`` (one scikit-learn regressor, fitted per
    parameter; default ngb's histogram tree of depth 3), ``natural_gradient``, ``n_estimators`` (500),
    ``learning_rate`` (0.01), ``minibatch_frac`` and ``col_sample`` (row and column subsampling per
    iteration), ``verbose`` and ``verbose_eval`` (progress lines, through ngb's logger), ``tol``
    (not used: ngb's line search has its own stopping rule), ``random_state``,
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
            dist=Dist._family, score=rule, base=base, n_estimators=self.n_estimators,
            learning_rate=self.learning_rate, subsample=self.minibatch_frac, colsample=self.col_sample,
            natural_gradient=bool(self.natural_gradient), metric_weighted=False,
            early_stopping=early_stopping_rounds is not None, validation_fraction=self.validation_fraction,
            n_iter_no_change=int(early_stopping_rounds) if early_stopping_rounds is not None else 10,
            tol=0.0, max_scaling=256.0, n_jobs=self.n_jobs, random_state=self.random_state,  # (ngboost doubles up to 256x)
            verbose=1 if self.verbose and int(self.verbose_eval) > 0 else 0,
        )

    # ------------------------------------------------------------------ fitting
    def fit(self, X, Y, X_val=None, Y_val=None, sample_weight=None, val_sample_weight=None,
            train_loss_monitor=None, val_loss_monitor=None, early_stopping_rounds=None):
        """Fit on X (n, p) and outcomes Y (n,). With X_val and Y_val the validation loss is recorded
        every iteration (``evals_result["val"]``, ``best_val_loss_itr``); the fit stops early only
        with ``early_stopping_rounds`` (here or in the constructor, which takes precedence)."""
        if train_loss_monitor is not None or val_loss_monitor is not None:
            raise NotImplementedError("train_loss_monitor / val_loss_monitor are not supported by ngb.compat.ngboost.")
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
        inner = self._inner_estimator(early_stopping_rounds)
        X = self._check_X(X)
        if X_val is not None:
            X_val = self._check_X(X_val)
        self._fit_inner(inner, X, Y, X_val, Y_val, sample_weight, val_sample_weight)
        self._inner = inner
        self.n_features = X.shape[1]
        self._set_results()
        return self

    def partial_fit(self, *args, **kwargs):
        raise NotImplementedError("partial_fit is not supported by ngb.compat.ngboost: refit with fit.")

    @staticmethod
    def _check_X(X):
        return check_array(X, accept_sparse=False, ensure_all_finite="allow-nan", dtype=np.float64)

    def _fit_inner(self, inner, X, Y, X_val, Y_val, sample_weight, val_sample_weight):
        Y = np.asarray(Y, dtype=float)
        Y_val = None if Y_val is None else np.asarray(Y_val, dtype=float)
        inner.fit(X, Y, sample_weight=sample_weight, X_val=X_val, y_val=Y_val, sample_weight_val=val_sample_weight)

    def _set_results(self):
        inner = self._inner
        self.init_params = self._dist_class()._from_ngb(inner.init_params_[None, :])[:, 0]
        metric = self.Score.__name__.upper()
        self.evals_result = {"train": {metric: list(np.asarray(inner.train_score_)[:-1])}}
        val = np.asarray(inner.validation_score_)
        if val.size:
            self.evals_result["val"] = {metric: list(val[1:])}
            self.best_val_loss_itr = int(np.argmin(val[1:]))
        else:
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
        """The base learners of each iteration (ngb's fitted trees; a list of k per iteration)."""
        return list(self._inner._estimators) if "_inner" in self.__dict__ else []

    @property
    def scalings(self):
        """The line search's step multiplier of each iteration (ngb: one per parameter group)."""
        return [s for s in self._inner.scalings_] if "_inner" in self.__dict__ else []

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
        split). None before fit."""
        if "_inner" not in self.__dict__:
            return None
        inner, p = self._inner, self.n_features
        k = inner.n_params_
        imp = np.zeros((k, p))
        scalings = np.asarray(inner.scalings_, dtype=float).reshape(len(inner._estimators), -1)
        for m, (learners, cols) in enumerate(zip(inner._estimators, inner._columns)):
            for j, est in enumerate(learners):
                fi = learner_importances(est, p)
                if fi is None:
                    continue
                if cols is not None and fi.shape[0] != p:
                    full = np.zeros(p)
                    full[cols] = fi
                    fi = full
                imp[j] += scalings[m, j if scalings.shape[1] == k else 0] * fi
        totals = imp.sum(axis=1, keepdims=True)
        np.divide(imp, totals, out=imp, where=totals > 0)
        return imp

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


class NGBRegressor(RegressorMixin, NGBoost):
    """ngboost's NGBRegressor (default ``Dist=Normal``); see :class:`NGBoost` for the parameters."""

    def score(self, X, Y):
        return NGBoost.score(self, X, Y)


class NGBClassifier(ClassifierMixin, NGBoost):
    """ngboost's NGBClassifier (default ``Dist=Bernoulli``; ``k_categorical(K)`` for K classes)."""

    _inner_class = _InnerClassifier

    def __init__(self, Dist=Bernoulli, Score=LogScore, Base=default_tree_learner, natural_gradient=True,
                 n_estimators=500, learning_rate=0.01, minibatch_frac=1.0, col_sample=1.0, verbose=True,
                 verbose_eval=100, tol=1e-4, random_state=None, validation_fraction=0.1,
                 early_stopping_rounds=None, n_jobs=None):
        super().__init__(Dist, Score, Base, natural_gradient, n_estimators, learning_rate, minibatch_frac,
                         col_sample, verbose, verbose_eval, tol, random_state, validation_fraction,
                         early_stopping_rounds, n_jobs)

    def _check_Dist(self):
        Dist = self.Dist
        if not (isinstance(Dist, type) and issubclass(Dist, ClassificationDistn) and issubclass(Dist, _Categorical)):
            raise ValueError(f"{getattr(Dist, '__name__', Dist)} is not useable for classification: use "
                             "Bernoulli or k_categorical(K).")
        return Dist

    def _inner_estimator(self, early_stopping_rounds):
        inner = super()._inner_estimator(early_stopping_rounds)
        from ... import distributions

        inner.set_params(dist=distributions.Bernoulli if self.Dist.K_ == 2 else distributions.Categorical,
                         score="brier" if inner.get_params()["score"] == "crps" else inner.get_params()["score"])
        return inner

    def _fit_inner(self, inner, X, Y, X_val, Y_val, sample_weight, val_sample_weight):
        Y = np.asarray(Y).reshape(-1)
        classes = np.unique(Y)
        if len(classes) > self.Dist.K_:
            raise ValueError(f"Y has {len(classes)} classes but Dist has {self.Dist.K_}: use k_categorical("
                             f"{len(classes)}).")
        inner.fit(X, Y, sample_weight=sample_weight, X_val=X_val,
                  y_val=None if Y_val is None else np.asarray(Y_val).reshape(-1), sample_weight_val=val_sample_weight)
        self.classes_ = inner.classes_

    def predict(self, X, max_iter=None):
        """The likeliest class label of each row."""
        return self.classes_[super().predict(X, max_iter=max_iter)]

    def staged_predict(self, X, max_iter=None):
        return [self.classes_[pred] for pred in super().staged_predict(X, max_iter=max_iter)]

    def predict_proba(self, X, max_iter=None):
        """(n, K) class probabilities (columns in the order of ``classes_``)."""
        return self.pred_dist(X, max_iter=max_iter).class_probs()

    def staged_predict_proba(self, X, max_iter=None):
        return [dist.class_probs() for dist in self.staged_pred_dist(X, max_iter=max_iter)]

    def score(self, X, Y):
        """Minus the mean score (the mean log-likelihood for LogScore); not the accuracy."""
        return NGBoost.score(self, X, Y)


class NGBSurvival(NGBoost):
    """ngboost's NGBSurvival (default ``Dist=LogNormal``): right-censored times, ``fit(X, T, E)``.
    ``predict`` is the predicted mean time, as in ngboost (ngb's own NGBSurvival predicts a risk)."""

    _inner_class = _InnerSurvival

    def __init__(self, Dist=LogNormal, Score=LogScore, Base=default_tree_learner, natural_gradient=True,
                 n_estimators=500, learning_rate=0.01, minibatch_frac=1.0, col_sample=1.0, verbose=True,
                 verbose_eval=100, tol=1e-4, random_state=None, validation_fraction=0.1,
                 early_stopping_rounds=None, n_jobs=None):
        super().__init__(Dist, Score, Base, natural_gradient, n_estimators, learning_rate, minibatch_frac,
                         col_sample, verbose, verbose_eval, tol, random_state, validation_fraction,
                         early_stopping_rounds, n_jobs)

    def _check_Dist(self):
        Dist = super()._check_Dist()
        if not getattr(Dist, "censored_scores", ()):
            raise ValueError(f"The {Dist.__name__} distribution does not have any censored scores implemented.")
        return Dist

    def _ngb_rule(self, Dist):
        rule = ngb_score_name(self.Score)
        if rule not in Dist.censored_scores:
            raise ValueError(f"The scoring rule {self.Score.__name__} is not implemented (censored) for the "
                             f"{Dist.__name__} distribution.")
        return rule

    def fit(self, X, T, E, X_val=None, T_val=None, E_val=None, **kwargs):
        """Fit on X (n, p), times T (n,) and event indicators E (n,): E[i] = 1 when T[i] is an event,
        0 when it is a censoring time. Other arguments as :meth:`NGBoost.fit`."""
        return super().fit(X, Y_from_censored(np.asarray(T), None if E is None else np.asarray(E)), X_val=X_val,
                           Y_val=None if T_val is None else Y_from_censored(np.asarray(T_val),
                                                                           None if E_val is None else np.asarray(E_val)),
                           **kwargs)

    def _fit_inner(self, inner, X, Y, X_val, Y_val, sample_weight, val_sample_weight):
        inner.fit(X, Y, sample_weight=sample_weight, X_val=X_val, y_val=Y_val, sample_weight_val=val_sample_weight)

    def score(self, X, Y, E=None):
        """Minus the mean censored score; Y from ``helpers.Y_from_censored(T, E)`` (or times T with E)."""
        if E is not None or (np.asarray(Y).dtype.names is None):
            Y = Y_from_censored(np.asarray(Y), None if E is None else np.asarray(E))
        return NGBoost.score(self, X, Y)

