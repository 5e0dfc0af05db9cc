"""scikit-learn scorers on predicted distributions, all greater-is-better (losses negated,
named ``neg_...`` as scikit-learn does).

A scorer is called ``scorer(estimator, X, y, sample_weight=None)`` as scikit-learn calls scorers;
``estimator`` is a fitted ngb estimator, a ``Pipeline`` ending in one, a fitted search or a
``TransformedTargetRegressor`` (see :func:`ngb.metrics.predict_dist`). Use them as ``scoring=`` in
``cross_val_score``, ``cross_validate``, ``GridSearchCV``, ``RandomizedSearchCV`` and the
successive-halving searches; several at once: ``scoring=get_scorers(["neg_crps", "neg_nll"])``
(a dict). Class labels are mapped through the estimator's ``classes_``.
"""

from __future__ import annotations

import re

from . import classification, multivariate, survival, univariate
from ._predict import predict_dist

__all__ = ["DistributionScorer", "get_scorer", "get_scorers", "SCORERS", "scorer_names"]


class DistributionScorer:
    """sign * metric(y, predict_dist(estimator, X), **kwargs); sign -1 for losses.

    ``labels=True``: the metric also gets ``classes=estimator.classes_``. ``weighted=False``:
    the metric takes no sample_weight (a given one raises)."""

    def __init__(self, name, metric, sign=-1, labels=False, weighted=True, **kwargs):
        self.name, self.metric, self.sign, self.labels, self.weighted, self.kwargs = name, metric, sign, labels, weighted, kwargs

    def __call__(self, estimator, X, y, sample_weight=None):
        dist = predict_dist(estimator, X)
        kwargs = dict(self.kwargs)
        if self.labels:
            kwargs["classes"] = getattr(estimator, "classes_", None)
        if sample_weight is not None:
            if not self.weighted:
                raise ValueError(f"the {self.name} scorer takes no sample_weight.")
            kwargs["sample_weight"] = sample_weight
        return self.sign * float(self.metric(y, dist, **kwargs))

    def __repr__(self):
        extra = "".join(f", {k}={v!r}" for k, v in self.kwargs.items())
        return f"DistributionScorer({self.name!r}{extra})"


def _sharpness(y, dist, **kwargs):
    return univariate.sharpness(dist, **kwargs)


def _coverage_error(y, dist, level=0.9, sample_weight=None):
    return abs(univariate.coverage(y, dist, level, sample_weight=sample_weight) - level)


def _nll_any(y, dist, classes=None, sample_weight=None):
    if getattr(dist, "probs", None) is not None:
        return classification.log_loss(y, dist, classes=classes, sample_weight=sample_weight)
    return univariate.nll(y, dist, sample_weight=sample_weight)


def _make(name):
    """The scorer for a name, or None."""
    fixed = {
        "neg_nll": lambda: DistributionScorer("neg_nll", _nll_any, labels=True),
        "neg_log_loss": lambda: DistributionScorer("neg_log_loss", _nll_any, labels=True),
        "neg_crps": lambda: DistributionScorer("neg_crps", univariate.crps),
        "neg_calibration_error": lambda: DistributionScorer("neg_calibration_error", univariate.calibration_error),
        "neg_brier_score": lambda: DistributionScorer("neg_brier_score", classification.brier_score, labels=True),
        "neg_energy_score": lambda: DistributionScorer("neg_energy_score", multivariate.energy_score),
        "neg_censored_nll": lambda: DistributionScorer("neg_censored_nll", survival.censored_nll),
        "neg_censored_crps": lambda: DistributionScorer("neg_censored_crps", survival.censored_crps),
        "neg_integrated_brier_score": lambda: DistributionScorer("neg_integrated_brier_score", survival.integrated_brier_score),
        "concordance_index": lambda: DistributionScorer("concordance_index", survival.concordance_index, sign=1),
        "concordance_index_ipcw": lambda: DistributionScorer("concordance_index_ipcw", survival.concordance_index_ipcw,
                                                             sign=1),
    }
    if name in fixed:
        return fixed[name]()
    match = re.fullmatch(r"(neg_interval_score|neg_coverage_error|neg_sharpness)(?:_(\d{1,2}))?", name)
    if match:
        level = int(match.group(2) or 90) / 100
        metric = {"neg_interval_score": univariate.interval_score, "neg_coverage_error": _coverage_error,
                  "neg_sharpness": _sharpness}[match.group(1)]
        return DistributionScorer(name, metric, level=level)
    return None


#: names of the ready scorers (interval ones also with a level suffix: "neg_interval_score_80")
SCORERS = ("neg_nll", "neg_log_loss", "neg_crps", "neg_interval_score", "neg_coverage_error", "neg_sharpness",
           "neg_calibration_error", "neg_brier_score", "neg_energy_score", "neg_censored_nll", "neg_censored_crps",
           "neg_integrated_brier_score", "concordance_index", "concordance_index_ipcw")


def scorer_names():
    """The ngb scorer names (see ``SCORERS``)."""
    return list(SCORERS)


def get_scorer(name):
    """The scorer for an ngb name (``SCORERS``; interval scorers take a level suffix such as
    ``"neg_interval_score_80"``, default 90%); other names go to ``sklearn.metrics.get_scorer``.
    A callable is returned as it is."""
    if callable(name):
        return name
    scorer = _make(name)
    if scorer is not None:
        return scorer
    from sklearn.metrics import get_scorer as sk_get_scorer

    try:
        return sk_get_scorer(name)
    except ValueError:
        raise ValueError(f"{name!r} is neither an ngb scorer ({', '.join(SCORERS)}) nor a scikit-learn one.") from None


def get_scorers(names):
    """A dict name -> scorer for several names, to pass as ``scoring=`` (a dict is what scikit-learn
    takes for several custom scorers at once)."""
    if isinstance(names, str):
        names = [names]
    return {name: get_scorer(name) for name in names}
