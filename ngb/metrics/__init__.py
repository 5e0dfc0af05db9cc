"""Metrics of predicted distributions, scikit-learn scorers, and the predicted distribution of a
fitted ngb estimator through Pipeline, searches and TransformedTargetRegressor.

Metric functions take the targets first, then the distribution: ``metric(y, dist, ...)``, and
return the weighted mean over rows (``sample_weight``), or the per-row values with ``per_row=True``.

- univariate: :func:`nll`, :func:`crps`, :func:`interval_score`, :func:`coverage`,
  :func:`sharpness`, :func:`pit`, :func:`quantile_reliability`, :func:`calibration_error`
- classes: :func:`log_loss`, :func:`brier_score`
- multivariate normal: :func:`energy_score` (exact), :func:`nll`
- survival (structured y): :func:`censored_nll`, :func:`censored_crps`,
  :func:`survival_brier_score`, :func:`integrated_brier_score`, :func:`concordance_index`,
  :func:`concordance_index_ipcw`
- :func:`predict_dist`, :class:`TransformedDistribution`, :func:`get_scorer`, :func:`get_scorers`
"""

from .classification import brier_score, log_loss
from .multivariate import energy_score
from ._predict import final_estimator, predict_dist
from .scorers import SCORERS, DistributionScorer, get_scorer, get_scorers
from .survival import (censored_crps, censored_nll, concordance_index, concordance_index_ipcw,
                       integrated_brier_score, kaplan_meier_censoring, risk_score)
from .survival import brier_score as survival_brier_score
from .transformed import TransformedDistribution
from .univariate import (DEFAULT_LEVELS, calibration_error, coverage, crps, interval_score, nll, pit,
                         quantile_reliability, sharpness)

__all__ = [
    "nll", "crps", "interval_score", "coverage", "sharpness", "pit", "quantile_reliability", "calibration_error",
    "DEFAULT_LEVELS", "log_loss", "brier_score", "energy_score", "censored_nll", "censored_crps",
    "survival_brier_score", "integrated_brier_score", "kaplan_meier_censoring", "concordance_index",
    "concordance_index_ipcw", "risk_score", "predict_dist", "final_estimator", "TransformedDistribution",
    "get_scorer", "get_scorers", "DistributionScorer", "SCORERS",
]
