"""The ngb estimators inside the compatibility layer's: they keep every iteration an early stop
ran, start at ngboost's initial parameters, continue a fitted model (``partial_fit``) and share one
line-search scaling per iteration (``_one_step``), as ngboost's estimators do."""

from __future__ import annotations

import numpy as np

from ... import classifier as _classifier
from ... import regressor as _regressor
from ... import survival as _survival

__all__ = []


class _Continuable:
    """An ngb estimator that keeps every iteration an early stop ran (as ngboost does) and that can
    continue a fitted model (``partial_fit``): when ``_continue_from`` holds a previous fit's state,
    ``fit`` boosts from that model's predictions on the new rows instead of from a constant."""

    _keep_stopped_iterations = True

    def _fit_marginal(self, dist, y, w):
        # ngboost fits the initial parameters to the unweighted marginal of Y (its
        # fit_init_params_to_marginal ignores sample_weight)
        return super()._fit_marginal(dist, y, None)

    def _boost(self, dist, rule_name, train, val, stop_early, rng, categorical, n_estimators=None, gates=None):
        state = super()._boost(dist, rule_name, train, val, stop_early, rng, categorical, n_estimators, gates)
        previous = self.__dict__.get("_continue_from")
        return state if previous is None else _after_previous(self, previous, state, train)

    def _start_params(self, dist, theta0, X, units):
        """A continued fit (ngboost's ``partial_fit``) starts every row at the new rows' marginal
        plus the previous iterations' sum (at the current learning rate), in fitting units."""
        previous = self.__dict__.get("_continue_from")
        if previous is None:
            return super()._start_params(dist, theta0, X, units)
        from ..._backends import pack_predictor, predict_raw

        k = previous["n_params_"]
        if theta0.shape[0] != k:
            raise ValueError(f"partial_fit: the new rows give {theta0.shape[0]} distribution parameters, the model "
                             f"has {k}.")
        weights = -float(self.learning_rate) * np.asarray(previous["scalings_"], dtype=float) * _factor_rows(previous)
        forest = pack_predictor(previous["_estimators"], weights, k)
        init = theta0 if units is None else units.to_original(theta0)
        theta = predict_raw(forest, previous["_estimators"], previous["_columns"], weights, X,
                            np.tile(init, (X.shape[0], 1)))
        if units is not None:
            theta = (theta - units.shift) / units.factor
        return dist.clip_internal(np.ascontiguousarray(theta, dtype=float))


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


class _InnerLabelRegressor(_Continuable, _regressor.NGBRegressor):
    """ngboost's BetaBernoulli classifier: ngb fits it as a count family (BetaBernoulli) on the codes 0
    and 1 of the two labels ``classes_`` (a continued fit keeps the first fit's)."""

    def fit(self, X, y, sample_weight=None, *, X_val=None, y_val=None, **kwargs):
        previous = self.__dict__.get("_continue_from")
        classes = previous["classes_"] if previous is not None else np.unique(np.asarray(y).reshape(-1))
        if len(classes) != 2:
            raise ValueError(f"BetaBernoulli needs exactly 2 classes; got {len(classes)}.")
        self.classes_ = classes
        codes, val_codes = self._encode(y), None if y_val is None else self._encode(y_val)
        super().fit(X, codes, sample_weight, X_val=X_val, y_val=val_codes, **kwargs)
        self.classes_ = classes
        return self

    def _encode(self, y):
        """The codes (0., 1.) of the labels y in ``classes_``."""
        y = np.asarray(y).reshape(-1)
        codes = np.searchsorted(self.classes_, y).clip(0, len(self.classes_) - 1)
        if not np.all(self.classes_[codes] == y):
            raise ValueError(f"y has labels outside the fitted classes {self.classes_.tolist()}.")
        return codes.astype(float)


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
    if not isinstance(family, type):  # a family object (ngb's MultivariateNormal(k)): as it is
        return family
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

        try:
            family = getattr(distributions, name[len("_OneStep_"):])
        except AttributeError:
            family = None
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


def _after_previous(est, prev, state, train):
    """The fitted state of a continued fit: the previous fit's iterations ``prev`` followed by this
    call's (``state``, boosted from them, ``_start_params``); the initial parameters are the new
    rows' marginal, the score traces this call's (ngboost's ``evals_result``)."""
    from ..._backends import pack_predictor

    k, m_old, m_new = state["n_params_"], len(prev["_estimators"]), state["n_iter_"]
    new_factor = state.get("_tree_factor")
    factors = np.vstack([_factor_rows(prev), np.tile(np.ones(k) if new_factor is None else new_factor, (m_new, 1))])
    bounds = [b for b in (prev.get("_param_bounds"), state.get("_param_bounds")) if b is not None]
    state.update({
        "n_iter_": m_old + m_new,
        "_estimators": list(prev["_estimators"]) + list(state["_estimators"]),
        "_columns": list(prev["_columns"]) + list(state["_columns"]),
        "scalings_": np.vstack([np.asarray(prev["scalings_"], dtype=float).reshape(m_old, k),
                                np.asarray(state["scalings_"], dtype=float).reshape(m_new, k)]),
        "_tree_factor": None if np.all(factors == 1.0) else factors,
        "_param_bounds": None if not bounds else np.column_stack([np.min([b[:, 0] for b in bounds], axis=0),
                                                                  np.max([b[:, 1] for b in bounds], axis=0)]),
    })
    if "unique_times_" in prev:
        state["unique_times_"] = np.union1d(prev["unique_times_"], np.unique(train.y[:, 0]))
    p = train.X.shape[1]
    state["feature_importances_by_param_"] = est._importances(state, state["_dist"], p, k)
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
