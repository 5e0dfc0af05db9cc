"""Class-probability metrics for a predicted Categorical / Bernoulli (``NGBClassifier.predict_dist``):
log loss and the Brier score. Labels are mapped through ``classes`` (the estimator's ``classes_``,
whose order the probability columns follow) or must be the class codes 0..K-1."""

from __future__ import annotations

import numpy as np

from ._common import class_codes, weighted_mean

__all__ = ["log_loss", "brier_score"]


def _probs(dist):
    probs = getattr(dist, "probs", None)
    if probs is None:
        raise ValueError(f"expected a class distribution (Categorical, Bernoulli); got {type(dist).__name__}.")
    return np.asarray(probs, dtype=float)


def log_loss(y, dist, *, classes=None, sample_weight=None, per_row=False):
    """Mean -log p_y (nats) of the observed classes; as ``sklearn.metrics.log_loss`` on
    ``predict_proba``. ngb's logit bounds keep every p_j >= e^-30 / K, so it is finite."""
    p = _probs(dist)
    codes = class_codes(y, classes, p.shape[1])
    values = -np.log(p[np.arange(len(codes)), codes])
    return values if per_row else weighted_mean(values, sample_weight)


def brier_score(y, dist, *, classes=None, sample_weight=None, per_row=False, scale_by_half="auto"):
    """Brier score sum_j (p_j - 1{y = j})^2 per row, as ``sklearn.metrics.brier_score_loss``:
    halved for two classes when ``scale_by_half="auto"`` (the usual binary (p_1 - y)^2), whole
    for more; ``scale_by_half=False`` gives the sum always, which is ``dist.score(y, "brier")``."""
    p = _probs(dist)
    codes = class_codes(y, classes, p.shape[1])
    onehot = np.zeros_like(p)
    onehot[np.arange(len(codes)), codes] = 1.0
    values = np.sum((p - onehot) ** 2, axis=1)
    if scale_by_half is True or (scale_by_half == "auto" and p.shape[1] == 2):
        values = values / 2
    return values if per_row else weighted_mean(values, sample_weight)
