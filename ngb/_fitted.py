"""The fitted model's read side (a mixin of ``BaseNGBoost``): tree weights, feature importances,
and the internal parameters / distributions predicted from validated X."""

from __future__ import annotations

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ._backends import pack_predictor, predict_iteration, predict_raw
from ._fit_data import check_offset

__all__ = ["FittedModel", "param_names", "learner_importances", "importance_matrix"]


class FittedModel:
    """Prediction and importances of a fitted estimator (methods of the estimators)."""

    def _tree_weights(self, state=None):
        """(n_iter, k) weight of each iteration's tree of each parameter in the prediction."""
        state = self.__dict__ if state is None else state
        weights = -float(self.learning_rate) * state["scalings_"]
        factor = state.get("_tree_factor")
        return weights if factor is None else weights * factor

    def _fitted_state(self, dist, rule_name, k, p, units, theta0, estimators, columns, scalings, train_score,
                      val_score):
        """The fitted attributes of a boosting run (as ``fit`` sets them): ``theta0`` (k,) and the
        score traces in the target's units, the kept iterations' learners, columns and scalings
        (n_iter, k), the fitting units (None: the target's own), the importances and packed forest."""
        state = {
            "init_params_": theta0,
            "n_iter_": len(estimators),
            "_estimators": list(estimators),
            "_columns": list(columns),
            "scalings_": np.asarray(scalings, dtype=float).reshape(len(estimators), k),
            "train_score_": train_score,
            "validation_score_": val_score,
            "_dist": dist,
            "_score_name": rule_name,
            "n_params_": k,
            # each tree's weight is its parameter's -lr * scaling times this factor (the units' s for
            # a location); predictions are clipped to the engine's bounds in the target's units
            "_units": units,
            "_tree_factor": None if units is None else units.factor,
            "_param_bounds": None if units is None else units.bounds(dist._bounds_for(k)),
        }
        state["feature_importances_by_param_"] = self._importances(state, dist, p, k)
        state["_forest"] = pack_predictor(state["_estimators"], self._tree_weights(state), k)
        return state

    def _importances(self, state, dist, p, k):
        imp = importance_matrix(state["_estimators"], state["_columns"], p, k)
        return {name: imp[j] for j, name in enumerate(param_names(dist, k))}

    @property
    def feature_importances_(self):
        """(p,) importance of each feature averaged over the distribution parameters."""
        if "feature_importances_by_param_" not in self.__dict__:
            raise AttributeError(f"This {type(self).__name__} is not fitted yet: no feature_importances_.")
        return np.mean(list(self.feature_importances_by_param_.values()), axis=0)

    @property
    def feature_importances_matrix_(self):
        """(k, p) importance of each feature for each internal parameter: row j is parameter j (the
        order of ``feature_importances_by_param_``), each row the trees' total split gain normalised
        to sum to 1 (0 for a parameter without splits); its column mean is ``feature_importances_``."""
        if "feature_importances_by_param_" not in self.__dict__:
            raise AttributeError(f"This {type(self).__name__} is not fitted yet: no feature_importances_matrix_.")
        return np.array(list(self.feature_importances_by_param_.values()), dtype=np.float64)

    def _raw_predict(self, X, offset=None):
        """Internal parameters (n, k) on validated X, offset added to the first parameter."""
        theta = np.tile(self.init_params_, (X.shape[0], 1))
        theta = predict_raw(self._forest, self._estimators, self._columns, self._tree_weights(), X, theta)
        return _with_offset(theta, offset)

    def _predict_dist(self, X, offset=None):
        check_is_fitted(self, "n_iter_")
        X = self._validate_X(X, reset=False)
        offset = check_offset(offset, X.shape[0], self._dist)
        return self._dist.from_internal(self._raw_predict(X, offset), bounds=self.__dict__.get("_param_bounds"))

    def _staged_dists(self, X, offset=None):
        check_is_fitted(self, "n_iter_")
        X = self._validate_X(X, reset=False)
        offset = check_offset(offset, X.shape[0], self._dist)
        theta = np.tile(self.init_params_, (X.shape[0], 1))
        bounds = self.__dict__.get("_param_bounds")
        for weight, learners, cols in zip(self._tree_weights(), self._estimators, self._columns):  # weight (k,)
            theta += weight * predict_iteration(learners, cols, X)
            yield self._dist.from_internal(_with_offset(theta, offset), bounds=bounds)

def _with_offset(theta, offset):
    """theta (n, k) with ``offset`` (n,) added to the first parameter (a copy; theta when None)."""
    if offset is None:
        return theta
    out = theta.copy()
    out[:, 0] += offset
    return out


def importance_matrix(estimators, columns, p, k, weights=None):
    """(k, p) importances of a fitted model's learners ``estimators`` (one list of k per iteration,
    fitted on ``columns`` of the p features, None: all): row j the sum over iterations of parameter
    j's learner importances, times ``weights`` (n_iter, k) when given, normalised to sum to 1 (0 for
    a parameter none of whose learners reports importances)."""
    imp = np.zeros((k, p))
    for m, (learners, cols) in enumerate(zip(estimators, columns)):
        for j, est in enumerate(learners):
            fi = learner_importances(est, p)
            if fi is None:
                continue
            if cols is not None and fi.shape[0] != p:
                full = np.zeros(p)
                full[cols] = fi
                fi = full
            imp[j] += fi if weights is None else weights[m, j] * fi
    totals = imp.sum(axis=1, keepdims=True)
    np.divide(imp, totals, out=imp, where=totals > 0)
    return imp


def learner_importances(est, p):
    """(p,) importances a fitted base learner reports, or None."""
    if hasattr(est, "feature_importances") and callable(est.feature_importances):
        return np.asarray(est.feature_importances(p), dtype=float)
    fi = getattr(est, "feature_importances_", None)
    return None if fi is None else np.asarray(fi, dtype=float)


def param_names(dist, k):
    """The names of the k internal parameters of ``dist`` (``logit_j`` for class families)."""
    names = dist._names_for(k)  # the family's own (declared, or by k), else "parameter j"
    return tuple(names) if not names[0].startswith("parameter ") else tuple(f"logit_{j}" for j in range(1, k + 1))
