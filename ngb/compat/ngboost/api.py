"""NGBRegressor, NGBClassifier and NGBSurvival with ngboost 0.6.0's parameters, methods and attributes.

Each estimator fits an ngb estimator (``_inner``: ``ngb.NGBRegressor``, ...) set up from ngboost's
parameters, and presents its results as ngboost does: distributions under ngboost's parametrisation
(``ngb.compat.ngboost.distns``), ``sample(m)`` of shape (m, n), ``feature_importances_`` of shape
(k, p), ``NGBSurvival.predict`` the mean, and early stopping only with ``early_stopping_rounds``
(``X_val`` alone only records the validation loss, ``best_val_loss_itr`` and ``evals_result``). A fit
stopped early keeps every iteration it ran, as ngboost's does: ``predict(X, max_iter=
model.best_val_loss_itr)`` gives the best one's prediction.

As in ngboost, ``partial_fit`` continues a fitted model on new rows (the initial parameters refitted
to their marginal, ``n_estimators`` more iterations), ``fit`` takes ``train_loss_monitor`` and
``val_loss_monitor`` (evaluated here after boosting, on staged predictions), ``tol`` ends a fit
whose steps have become smaller than it, and the initial parameters are the unweighted marginal of
Y (of the times, censoring ignored, for NGBSurvival). The engine is given one line-search scaling
for all parameters of an iteration (``scalings`` holds one float per iteration, up to 512).
"""

from __future__ import annotations

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin

from ._inner import _InnerClassifier, _InnerLabelRegressor, _InnerRegressor, _InnerSurvival  # noqa: F401 (pickles)
from .distns import Bernoulli, BetaBernoulli, ClassificationDistn, LogNormal, _Categorical
from .helpers import Y_from_censored, load_ngboost_model  # noqa: F401
from .learners import default_tree_learner
from .manifold import manifold
from .ngboost import NGBoost
from .scores import LogScore, ngb_score_name

__all__ = ["NGBoost", "NGBRegressor", "NGBClassifier", "NGBSurvival", "load_ngboost_model"]


class NGBRegressor(RegressorMixin, NGBoost):
    """ngboost's NGBRegressor (default ``Dist=Normal``); see :class:`NGBoost` for the parameters."""

    def score(self, X, Y):
        return NGBoost.score(self, X, Y)


class NGBClassifier(ClassifierMixin, NGBoost):
    """ngboost's NGBClassifier (default ``Dist=Bernoulli``; ``k_categorical(K)`` for K classes;
    ``BetaBernoulli`` for two classes with a Beta-distributed probability)."""

    @property
    def _inner_class(self):
        return _InnerLabelRegressor if self._beta_bernoulli() else _InnerClassifier

    def _beta_bernoulli(self):
        return isinstance(self.Dist, type) and issubclass(self.Dist, BetaBernoulli)

    def __init__(self, Dist=Bernoulli, Score=LogScore, Base=default_tree_learner, natural_gradient=True,
                 n_estimators=500, learning_rate=0.01, minibatch_frac=1.0, col_sample=1.0, verbose=True,
                 verbose_eval=100, tol=1e-4, random_state=None, validation_fraction=0.1,
                 early_stopping_rounds=None, n_jobs=None):
        super().__init__(Dist, Score, Base, natural_gradient, n_estimators, learning_rate, minibatch_frac,
                         col_sample, verbose, verbose_eval, tol, random_state, validation_fraction,
                         early_stopping_rounds, n_jobs)

    def _check_Dist(self):
        Dist = self.Dist
        if not (isinstance(Dist, type) and issubclass(Dist, ClassificationDistn)
                and (issubclass(Dist, _Categorical) or self._beta_bernoulli())):
            raise ValueError(f"{getattr(Dist, '__name__', Dist)} is not useable for classification: use "
                             "Bernoulli, k_categorical(K) or BetaBernoulli.")
        return Dist

    def _inner_estimator(self, early_stopping_rounds):
        inner = super()._inner_estimator(early_stopping_rounds)
        if self._beta_bernoulli():  # (a count family of ngb's: its own rules)
            return inner
        from ... import distributions

        inner.set_params(dist=distributions.Bernoulli if self.Dist.K_ == 2 else distributions.Categorical,
                         score="brier" if inner.get_params()["score"] == "crps" else inner.get_params()["score"])
        return inner

    def _fit_inner(self, inner, X, Y, X_val, Y_val, sample_weight, val_sample_weight):
        Y = np.asarray(Y).reshape(-1)
        if inner.__dict__.get("_continue_from") is None:
            # ngboost learns the classes on every fit and needs exactly Dist's K of them in Y
            classes = np.unique(Y)
            if len(classes) != self.Dist.K_:
                raise ValueError(f"NGBClassifier Dist expects {self.Dist.K_} classes, got {len(classes)}.")
        inner.fit(X, Y, sample_weight=sample_weight, X_val=X_val,
                  y_val=None if Y_val is None else np.asarray(Y_val).reshape(-1), sample_weight_val=val_sample_weight)
        self.classes_ = inner.classes_

    def _monitor_y(self, inner, Y):
        return inner._encode(np.asarray(Y).reshape(-1)).astype(int)  # ngboost's label-encoded classes

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

    @staticmethod
    def _as_target(Y):
        return None if Y is None else Y_from_censored(np.asarray(Y))

    def _monitor_y(self, inner, Y):
        return Y  # the structured (Event, Time) array, as ngboost's

    def _monitor_class(self, inner):
        """``manifold(Score, Dist)`` scoring right-censored outcomes (structured ``Y_from_censored``
        arrays) by the censored rule that was boosted."""
        Base = manifold(self.Score, self._dist_class())
        rule, prepare = inner._score_name, inner._prepare_y

        class CensoredManifold(Base):
            def _rule_name(self):
                return rule

            def score(self, Y):
                return self._ngb.score(prepare(Y), rule)

            def d_score(self, Y):
                return self._ngb.d_score(prepare(Y), rule) * self._jacobian()

        CensoredManifold.__name__ = CensoredManifold.__qualname__ = "Survival" + Base.__name__
        return CensoredManifold

    def score(self, X, Y, E=None):
        """Minus the mean censored score; Y from ``helpers.Y_from_censored(T, E)`` (or times T with E)."""
        if E is not None or (np.asarray(Y).dtype.names is None):
            Y = Y_from_censored(np.asarray(Y), None if E is None else np.asarray(E))
        return NGBoost.score(self, X, Y)

