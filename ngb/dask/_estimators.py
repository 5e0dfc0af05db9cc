"""The Dask estimators: ngb's estimators whose ``fit`` trains on a Dask cluster.

``DaskNGBRegressor``, ``DaskNGBClassifier`` and ``DaskNGBSurvival`` take the parameters of
``NGBRegressor``, ``NGBClassifier`` and ``NGBSurvival`` plus ``client`` (None: the current
``distributed`` client) and ``sample_rows`` (rows of the set-up sample). Once fitted they are those
estimators (their subclasses): they predict on numpy / pandas without Dask; ``to_local()`` returns
the plain estimator (``NGBRegressor`` ...) with the same fitted state, whose pickle loads without
Dask installed; ``ngb.dask.predict_frame`` scores dask collections partition by partition.

Differences from the single-machine fit: without validation data, early stopping holds out
``validation_fraction`` of each partition (not one split of all rows; ``early_stopping="cv"`` is
refused), and coupled parameters (Gamma, Weibull, Student t, zero-inflated families, ...) get a tree
each instead of one shared structure (``ngb/_shared.py``). Otherwise, given the same bin edges, the
model is the single-machine fit of the same rows to rounding.
"""

from __future__ import annotations

from ..boosting import BaseNGBoost
from ..classifier import NGBClassifier
from ..regressor import NGBRegressor
from ..survival import NGBSurvival
from ._train import SAMPLE_ROWS, fit_distributed

__all__ = ["DaskNGBRegressor", "DaskNGBClassifier", "DaskNGBSurvival"]

_DASK_PARAMS = ("client", "sample_rows")


class _DaskFit:
    """The distributed ``fit`` shared by the Dask estimators (a mixin before the ngb estimator)."""

    _local_class = None

    # one signature for the three estimators (scikit-learn reads each class's __init__ parameters)
    def __init__(self, dist=None, score="log", base=None, n_estimators=1000, learning_rate=0.1, subsample=1.0,
                 colsample=1.0, natural_gradient=True, metric_weighted="auto", early_stopping="auto",
                 validation_fraction=0.1, n_iter_no_change=20, tol=0.0, max_scaling=1.0, n_jobs=None, random_state=None,
                 verbose=0, monotonic_cst=None, client=None, sample_rows=SAMPLE_ROWS):
        super().__init__(dist=dist, score=score, base=base, n_estimators=n_estimators, learning_rate=learning_rate,
                         subsample=subsample, colsample=colsample, natural_gradient=natural_gradient,
                         metric_weighted=metric_weighted, early_stopping=early_stopping,
                         validation_fraction=validation_fraction, n_iter_no_change=n_iter_no_change, tol=tol,
                         max_scaling=max_scaling, n_jobs=n_jobs, random_state=random_state, verbose=verbose,
                         monotonic_cst=monotonic_cst)
        self.client = client
        self.sample_rows = sample_rows

    def _fit_unsafe(self, X, y, sample_weight, X_val=None, y_val=None, sample_weight_val=None, offset=None,
                    offset_val=None):
        state, info = fit_distributed(self, X, y, sample_weight, offset, X_val, y_val, sample_weight_val, offset_val,
                                      client=self.client, sample_rows=self.sample_rows)
        for key, value in state.items():
            setattr(self, key, value)
        self.dask_fit_info_ = info
        return self

    def to_local(self):
        """The fitted model as the plain ngb estimator (``NGBRegressor``, ...): same parameters (less
        ``client`` and ``sample_rows``), same fitted state, no reference to Dask."""
        params = {k: v for k, v in BaseNGBoost.get_params(self, deep=False).items() if k not in _DASK_PARAMS}
        local = self._local_class(**params)
        names = set(BaseNGBoost.get_params(self, deep=False))
        for key, value in self.__dict__.items():
            if key not in names and key != "dask_fit_info_":
                local.__dict__[key] = value
        return local

    def __getstate__(self):
        from .._model_file import state_digest

        state = super().__getstate__()
        state["client"] = None  # a client is not pickled; None: the current client when refitted
        state["_ngb_digest"] = state_digest(state)  # of the state as pickled (checked when unpickled)
        return state


def _init_doc(cls):
    cls.__doc__ = (f"{cls._local_class.__name__} trained on a Dask cluster (``ngb.dask``).\n\n    Parameters are "
                   f"those of :class:`ngb.{cls._local_class.__name__}` plus ``client`` (a ``distributed.Client``; "
                   "None: the current one) and ``sample_rows`` (the set-up sample: bin edges, target units and "
                   "initial parameters come from at most this many rows, all rows when there are no more). The base "
                   "learner is ngb's histogram tree; ``subsample`` must be 1. ``fit`` takes dask arrays, dask "
                   "DataFrames / Series, or numpy / pandas objects on the client (split over the workers). After "
                   "fit, ``dask_fit_info_`` holds the fit's bytes, round trips and times.")
    return cls


@_init_doc
class DaskNGBRegressor(_DaskFit, NGBRegressor):
    _local_class = NGBRegressor


@_init_doc
class DaskNGBClassifier(_DaskFit, NGBClassifier):
    _local_class = NGBClassifier


@_init_doc
class DaskNGBSurvival(_DaskFit, NGBSurvival):
    _local_class = NGBSurvival
