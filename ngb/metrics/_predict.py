"""The predicted distribution of a fitted ngb estimator, also through scikit-learn meta-estimators."""

from __future__ import annotations

import numpy as np

from .transformed import TransformedDistribution

__all__ = ["predict_dist", "final_estimator"]


def _is_pipeline(est):
    return hasattr(est, "steps") and hasattr(est, "_final_estimator")


def _is_search(est):
    return hasattr(est, "cv_results_") or (hasattr(est, "param_grid") or hasattr(est, "param_distributions")) and hasattr(est, "refit")


def _is_ttr(est):
    return hasattr(est, "regressor_") and hasattr(est, "transformer_")


def predict_dist(estimator, X, **kwargs):
    """The predicted distribution (one row per row of X) of a fitted

    - ngb estimator (``estimator.predict_dist(X)``; kwargs such as ``offset`` are passed on),
    - ``Pipeline`` ending in one (X transformed by the steps before it),
    - search (``GridSearchCV``, ``RandomizedSearchCV``, ``HalvingGridSearchCV``, ...: its
      ``best_estimator_``, so it needs ``refit=True`` or a refit metric),
    - ``TransformedTargetRegressor`` whose transform is monotone: a
      :class:`TransformedDistribution`, the law of the back-transformed target,

    and any nesting of these (a search over a pipeline, a TransformedTargetRegressor around a pipeline)."""
    if _is_pipeline(estimator):
        last = estimator.steps[-1][1]
        if last is None or last == "passthrough":
            raise ValueError("the Pipeline's last step is 'passthrough': it predicts no distribution.")
        Xt = estimator[:-1].transform(X) if len(estimator.steps) > 1 else X
        return predict_dist(last, Xt, **kwargs)
    if _is_ttr(estimator):
        base = predict_dist(estimator.regressor_, X, **kwargs)
        return TransformedDistribution.from_transformer(base, estimator.transformer_)
    if hasattr(estimator, "predict_dist"):
        return estimator.predict_dist(X, **kwargs)
    if _is_search(estimator):
        if not hasattr(estimator, "best_estimator_"):
            raise ValueError(f"{type(estimator).__name__} has no best_estimator_ (fit it with refit=True).")
        return predict_dist(estimator.best_estimator_, X, **kwargs)
    raise TypeError(
        f"{type(estimator).__name__} predicts no distribution: expected a fitted ngb estimator, or a Pipeline, "
        "search or TransformedTargetRegressor around one."
    )


def final_estimator(estimator):
    """The ngb estimator inside a (fitted) Pipeline, search or TransformedTargetRegressor."""
    while True:
        if _is_pipeline(estimator):
            estimator = estimator.steps[-1][1]
        elif _is_ttr(estimator):
            estimator = estimator.regressor_
        elif hasattr(estimator, "predict_dist"):
            return estimator
        elif hasattr(estimator, "best_estimator_"):
            estimator = estimator.best_estimator_
        else:
            raise TypeError(f"no ngb estimator inside {type(estimator).__name__}.")
