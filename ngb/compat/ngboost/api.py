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

import numbers

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, clone
from sklearn.model_selection import train_test_split
from sklearn.utils import check_array, check_random_state

from ... import classifier as _classifier
from ... import regressor as _regressor
from ... import survival as _survival
from ..._fitted import learner_importances
from ..._per_param import base_params, set_base_params
from .distns import Bernoulli, ClassificationDistn, LogNormal, Normal, RegressionDistn, _Categorical
from .helpers import Y_from_censored, load_ngboost_model  # noqa: F401
from .learners import default_tree_learner
from .manifold import manifold
from .scores import LogScore, ngb_score_name

__all__ = ["NGBoost", "NGBRegressor", "NGBClassifier", "NGBSurvival", "load_ngboost_model"]


class _Continuable:
    """An ngb estimator that keeps every iteration an early stop ran (as ngboost does) and that can
    continue a fitted model (``partial_fit``): when ``_continue_from`` holds a previous fit's state,
    ``fit`` boosts from that model's predictions on the new rows instead of from a constant."""

    _keep_stopped_iterations = True

    def _fit_marginal(self, dist, y, w):
        # ngboost fits the initial parameters to the unweighted marginal of Y (its
        # fit_init_params_to_marginal ignores sample_weight)
        return super()._fit_marginal(dist, y, None)

    def _boost(self, dist, rule_name, train, val, stop_early, rng, categorical, n_estimators=None):
        previous = self.__dict__.get("_continue_from")
        if previous is None:
            return super()._boost(dist, rule_name, train, val, stop_early, rng, categorical, n_estimators)
        return _continue_boost(self, previous, dist, rule_name, train, val, stop_early, rng, n_estimators)


class _InnerRegressor(_Continuable, _regressor.NGBRegressor):
    pass


class _InnerClassifier(_Continuable, _classifier.NGBClassifier):
    def _check_y(self, y, dist, fitting=False):
        # a continued fit keeps the classes of the first one (ngboost: its fitted label encoder)
        previous = self.__dict__.get("_continue_from")
        if previous is not None:
            fitting = False
            self.classes_ = previous["classes_"]
        return super()._check_y(y, dist, fitting)


class _InnerSurvival(_Continuable, _survival.NGBSurvival):
    def _fit_marginal(self, dist, y, w):
        # ngboost's survival distributions fit the marginal of the times as if every one were an
        # event (SurvivalDistn.fit is Dist.fit(Y["Time"])), whichever the score; ngb's NGBSurvival
        # starts at the censored fit
        return np.asarray(dist.fit_marginal(y[:, 0], None), dtype=float)


_ONE_STEP = {}


def _one_step(family):
    """``family`` with one line-search scaling shared by all its parameters, as ngboost's line
    search (ngb's engine searches each parameter alone when a joint step stalls and then lengthens
    each in turn; with one group it keeps the joint scaling, and fits every parameter its own tree).
    A subclass of the same ``__name__``, kept in this module so that fitted models pickle."""
    cls = _ONE_STEP.get(family)
    if cls is None:
        qualname = "_OneStep_" + family.__name__
        cls = type(family.__name__, (family,), {
            "step_groups": classmethod(lambda c, k: [np.arange(k)]), "fast": family.fast, "__module__": __name__,
            "__qualname__": qualname, "__doc__": family.__doc__})
        _ONE_STEP[family] = cls
        globals()[qualname] = cls
    return cls


def __getattr__(name):
    """The ``_OneStep_<family>`` classes on demand (unpickling in a new process)."""
    if name.startswith("_OneStep_"):
        from ... import distributions

        family = getattr(distributions, name[len("_OneStep_"):], None)
        if isinstance(family, type):
            return _one_step(family)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


#: the fitted state of an ngb estimator that a continued fit starts from
_STATE_KEYS = ("init_params_", "n_iter_", "_estimators", "_columns", "scalings_", "n_params_", "_tree_factor",
               "_param_bounds", "classes_", "unique_times_")


def _factor_rows(state, m=None):
    """(m, k) factor of each iteration's trees (``_tree_factor``: None, (k,) or (m, k))."""
    m = len(state["_estimators"]) if m is None else m
    k = state["n_params_"]
    factor = state.get("_tree_factor")
    if factor is None:
        return np.ones((m, k))
    factor = np.asarray(factor, dtype=float)
    return np.tile(factor, (m, 1)) if factor.ndim == 1 else factor[:m]


def _continue_boost(est, prev, dist, rule_name, train, val, stop_early, rng, n_estimators):
    """The fitted state of ``est`` boosting ``n_estimators`` more iterations on the rows ``train``
    after the iterations of ``prev`` (a previous fit's state), as ngboost's ``partial_fit``: the
    initial parameters are refitted to the marginal of the new rows and every row starts at them
    plus the previous iterations' sum (at the current learning rate); the new iterations follow
    the previous ones. Mirrors ``BaseNGBoost._boost`` (whose loop starts at a constant)."""
    from ..._backends import make_backend, pack_predictor, predict_raw
    from ..._engine import Boosting, boost
    from ..._fit_data import FitData
    from ..._objective import Objective, make_rule
    from ..._per_param import param_aliases, resolve_bases
    from ..._progress import FitProgress
    from ..._threads import resolve_n_threads
    from ..._units import target_units
    from ...boosting import _default_base, _param_names, _uses_metric_weights

    n_estimators = est.n_estimators if n_estimators is None else int(n_estimators)
    n, p = train.X.shape
    k = prev["n_params_"]
    lr = float(est.learning_rate)
    old_weights = -lr * np.asarray(prev["scalings_"], dtype=float) * _factor_rows(prev)
    old_forest = pack_predictor(prev["_estimators"], old_weights, k)

    units = target_units(dist, train.y, train.w)
    fit_train, fit_val = train, val
    if units is not None:
        fit_train, fit_val = (None if d is None else FitData(d.X, units.to_fit(d.y), d.w) for d in (train, val))
    theta0 = np.asarray(est._fit_marginal(dist, fit_train.y, fit_train.w), dtype=float)  # the new rows' marginal
    if theta0.shape[0] != k:
        raise ValueError(f"partial_fit: the new rows give {theta0.shape[0]} distribution parameters, the model has {k}.")
    init = theta0 if units is None else units.to_original(theta0)

    def start(X):  # the rows' parameters in fitting units: the new marginal plus the previous iterations
        theta = predict_raw(old_forest, prev["_estimators"], prev["_columns"], old_weights, X,
                            np.tile(init, (X.shape[0], 1)))
        if units is not None:
            theta = (theta - units.shift) / units.factor
        return dist.clip_internal(np.ascontiguousarray(theta, dtype=float))

    names = _param_names(dist, k)
    base = resolve_bases(est.base, _default_base, dist, k, param_aliases(dist, k, names))
    backend = make_backend(base, train.X, n_jobs=est.n_jobs, random_state=rng.randint(2**31 - 1), param_names=names)
    settings = Boosting(
        n_estimators=n_estimators, learning_rate=lr,
        n_rows=max(1, int(round(est.subsample * n))) if est.subsample < 1 else n,
        n_cols=max(1, int(round(est.colsample * p))) if est.colsample < 1 else p,
        stop_early=stop_early, n_iter_no_change=est.n_iter_no_change, tol=est.tol, groups=dist.step_groups(k),
        natural_gradient=bool(est.natural_gradient), step_max=float(est.max_scaling),
        keep_all=est._keep_stopped_iterations,
    )
    weighted = bool(est.natural_gradient and _uses_metric_weights(est.metric_weighted, dist))
    rule = make_rule(dist, rule_name, k, est.natural_gradient, weighted, n_threads=resolve_n_threads(est.n_jobs))
    objective = Objective(rule, start(train.X), fit_train.y, fit_train.w, n_rows=settings.n_rows,
                          leaf_steps=backend.records_leaves)
    validation = None if val is None else Objective(rule, start(val.X), fit_val.y, fit_val.w)
    shown = None if units is None else tuple(
        (lambda v, d=d: units.scores(v, rule_name, d.y, d.w, dist.discrete)) for d in (fit_train, fit_val or fit_train))
    with FitProgress(est.verbose, n_estimators, rule_name, shown) as progress:
        result = boost(settings, objective, backend, p, rng, progress, validation, None if val is None else val.X)
    m_new = result["n_kept"]
    train_score, val_score, val_curve = result["train_score"], result["validation_score"], result["validation_curve"]
    if units is not None:
        train_score = units.scores(train_score, rule_name, fit_train.y, fit_train.w, dist.discrete)
        if val is not None:
            val_score = units.scores(val_score, rule_name, fit_val.y, fit_val.w, dist.discrete)
            val_curve = units.scores(val_curve, rule_name, fit_val.y, fit_val.w, dist.discrete)
    m_old = len(prev["_estimators"])
    factors = np.vstack([_factor_rows(prev), np.tile(np.ones(k) if units is None else units.factor, (m_new, 1))])
    bounds = [b for b in (prev.get("_param_bounds"), None if units is None else units.bounds(dist._bounds_for(k)))
              if b is not None]
    state = {
        "init_params_": init,
        "n_iter_": m_old + m_new,
        "_estimators": list(prev["_estimators"]) + list(result["estimators"]),
        "_columns": list(prev["_columns"]) + list(result["columns"]),
        "scalings_": np.vstack([np.asarray(prev["scalings_"], dtype=float).reshape(m_old, k), result["scalings"]]),
        "train_score_": train_score,  # the traces of this call's iterations (ngboost's evals_result)
        "validation_score_": val_score,
        "_validation_curve": val_curve,
        "_dist": dist,
        "_score_name": rule_name,
        "n_params_": k,
        "_units": units,
        "_tree_factor": None if np.all(factors == 1.0) else factors,
        "_param_bounds": None if not bounds else np.column_stack([np.min([b[:, 0] for b in bounds], axis=0),
                                                                  np.max([b[:, 1] for b in bounds], axis=0)]),
    }
    if "unique_times_" in prev:
        state["unique_times_"] = np.union1d(prev["unique_times_"], np.unique(train.y[:, 0]))
    state["feature_importances_by_param_"] = est._importances(state, dist, p, k)
    state["_forest"] = pack_predictor(state["_estimators"], est._tree_weights(state), k)
    return state


def _truncate(inner, n_keep, first):
    """Keep the first ``n_keep`` iterations of the fitted ngb estimator ``inner`` (in place); its
    score traces, of this call's iterations (those after the first ``first``), keep theirs."""
    from ..._backends import pack_predictor

    k = inner.n_params_
    inner._estimators = list(inner._estimators[:n_keep])
    inner._columns = list(inner._columns[:n_keep])
    inner.scalings_ = np.asarray(inner.scalings_)[:n_keep]
    factor = inner.__dict__.get("_tree_factor")
    if factor is not None and np.ndim(factor) == 2:
        inner._tree_factor = np.asarray(factor)[:n_keep]
    inner.n_iter_ = n_keep
    inner.train_score_ = np.asarray(inner.train_score_)[: n_keep - first + 1]
    if np.size(inner.validation_score_):
        inner.validation_score_ = np.asarray(inner.validation_score_)[: n_keep - first + 1]
    inner.feature_importances_by_param_ = inner._importances(inner.__dict__, inner._dist, inner.n_features_in_, k)
    inner._forest = pack_predictor(inner._estimators, inner._tree_weights(), k)


#: the tol stop measures each iteration's step on at most this many (evenly spaced) training rows
_TOL_ROWS = 20_000


def _stages(inner, X, first):
    """(parameters (n, k) before iteration m, iteration m's fitted step (n, k)) for each iteration m
    from ``first`` of the fitted ngb estimator ``inner`` on the validated rows X, then (the final
    parameters, None). Parameters are ngb's internal ones; steps are in the target's units (ngboost's
    ``proj_grad``: the model subtracts learning_rate * scaling * step)."""
    from ..._backends import pack_predictor, predict_iteration, predict_raw

    k = inner.n_params_
    weights = np.asarray(inner._tree_weights(), dtype=float).reshape(-1, k)
    theta = np.tile(inner.init_params_, (X.shape[0], 1)).astype(float)
    if first:
        head = inner._estimators[:first]
        theta = predict_raw(pack_predictor(head, weights[:first], k), head, inner._columns[:first], weights[:first],
                            X, theta)
    factors = _factor_rows(inner.__dict__)
    for m in range(first, inner.n_iter_):
        f = predict_iteration(inner._estimators[m], inner._columns[m], X)
        yield theta, f * factors[m]
        theta = theta + weights[m] * f
    yield theta, None


def _leaf_range(est):
    """(smallest, largest) absolute leaf value of a fitted tree (ngb's or scikit-learn's), bounds
    of its predictions' magnitude on any row; None for other learners."""
    tree = getattr(est, "tree_", est)
    left = getattr(tree, "left", getattr(tree, "children_left", None))
    value = getattr(tree, "value", None)
    if left is None or value is None:
        return None
    value = np.abs(np.asarray(value, dtype=float).reshape(len(left), -1)[:, 0][np.asarray(left) == -1])
    return (float(value.min()), float(value.max())) if value.size else None


def _step_below(inner, m, rows, tol):
    """Whether iteration m's fitted step has a mean row norm below ``tol`` on ``rows``: decided from
    its trees' leaf values when they settle it (every row's norm is at least the largest of the
    parameters' smallest leaf magnitudes and at most the sum of their largest), else predicted."""
    from ..._backends import predict_iteration

    factor = np.abs(_factor_rows(inner.__dict__)[m])
    ranges = [_leaf_range(est) for est in inner._estimators[m]]
    if all(r is not None for r in ranges):
        if max(lo * f for (lo, _), f in zip(ranges, factor)) >= tol:
            return False
        if sum(hi * f for (_, hi), f in zip(ranges, factor)) < tol:
            return True
    step = predict_iteration(inner._estimators[m], inner._columns[m], rows) * factor
    return bool(np.linalg.norm(step, axis=1).mean() < tol)


def _ngboost_stop(values, rounds):
    """The index of the iteration after which ngboost's early stopping ends a fit whose validation
    losses are ``values`` (None: it does not stop): the first i with more than ``rounds`` losses
    and the best one (strictly lower than those before it) not among the last ``rounds``."""
    if rounds < 1:  # ngboost compares with the minimum of values[-0:], all of them: never stops
        return None
    best = np.inf
    for i, value in enumerate(values):
        if value < best:
            best = value
        if i + 1 > rounds and best < np.min(np.asarray(values[i + 1 - rounds: i + 1], dtype=float)):
            return i
    return None


def _first_best(values):
    """ngboost's ``best_val_loss_itr`` of one fit: the first index of the lowest loss (None when no
    loss is below infinity, e.g. all NaN)."""
    best, where = np.inf, None
    for i, value in enumerate(values):
        if value < best:
            best, where = value, i
    return where


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
            dist=_one_step(Dist._family), score=rule, base=base, n_estimators=self.n_estimators,
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
        """The base learners of each iteration (ngb's fitted trees; a list of k per iteration)."""
        return list(self._inner._estimators) if "_inner" in self.__dict__ else []

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
        if any(_learner_importances(est, p) is None for learners in inner._estimators for est in learners):
            return None
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

