"""Metrics of univariate predicted distributions: NLL, CRPS, interval (Winkler) score, coverage,
sharpness, PIT values, quantile reliability and calibration error.

Every function takes the targets y (n,) and a predicted distribution of n rows (any ngb family, or
an object with the same methods such as :class:`ngb.metrics.TransformedDistribution`), and returns
the weighted mean over rows (``per_row=True``: the (n,) values instead, unweighted)."""

from __future__ import annotations

import numpy as np

from ._common import as_rows, univariate, weighted_mean
from ._quadrature import crps_by_quadrature

__all__ = ["nll", "crps", "interval_score", "coverage", "sharpness", "pit", "quantile_reliability",
           "calibration_error", "DEFAULT_LEVELS"]

#: the nominal levels of quantile_reliability and calibration_error: 0.05, 0.10, ..., 0.95
DEFAULT_LEVELS = np.round(np.arange(1, 20) / 20, 2)


def _reduce(values, sample_weight, per_row):
    return values if per_row else weighted_mean(values, sample_weight)


def nll(y, dist, *, sample_weight=None, per_row=False):
    """Negative log-likelihood -log p(y) (log density, or log pmf for discrete families), in nats.
    Works for the multivariate normal too (y of shape (n, d))."""
    y = np.asarray(y, dtype=float) if not getattr(dist, "_y_per_row_is_scalar", True) else as_rows(y, len(dist))
    return _reduce(-np.asarray(dist.logpdf(y), dtype=float), sample_weight, per_row)


def crps(y, dist, *, sample_weight=None, per_row=False):
    """Continuous ranked probability score int (F(z) - 1{y <= z})^2 dz, in units of y.

    The family's closed form where it has one (``"crps" in dist.available_scores()``), else the
    quadrature of ``ngb.metrics._quadrature`` (continuous families, relative error about 1e-12 in the
    tests) or the exact sum over the integers (discrete families; for class codes this is the
    ranked probability score). Rows whose CRPS diverges (Student t with df <= 1/2) give +inf; for
    1/2 < df <= 1 (Cauchy included) the CRPS is finite although the mean is not."""
    univariate(dist, "crps")
    y = as_rows(y, len(dist))
    scores = getattr(dist, "available_scores", lambda: ())()
    values = dist.score(y, "crps") if "crps" in scores else crps_by_quadrature(dist, y)
    return _reduce(np.asarray(values, dtype=float), sample_weight, per_row)


def _bounds(dist, level):
    level = float(level)
    if not 0 < level < 1:
        raise ValueError(f"level is the nominal coverage of a central interval, in (0, 1); got {level}.")
    lo, hi = dist.interval(level)
    return np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)


def interval_score(y, dist, level=0.9, *, sample_weight=None, per_row=False):
    """Interval (Winkler) score of the central interval [l, u] of nominal coverage ``level``:
    (u - l) + (2 / a) (l - y) 1{y < l} + (2 / a) (y - u) 1{y > u} with a = 1 - level; units of y,
    lower is better (Gneiting & Raftery 2007, eq. 43)."""
    univariate(dist, "interval_score")
    y = as_rows(y, len(dist))
    lo, hi = _bounds(dist, level)
    a = 1.0 - float(level)
    values = (hi - lo) + (2 / a) * np.maximum(lo - y, 0) + (2 / a) * np.maximum(y - hi, 0)
    return _reduce(values, sample_weight, per_row)


def coverage(y, dist, level=0.9, *, sample_weight=None, per_row=False):
    """Observed fraction of y inside the closed central interval of nominal coverage ``level``."""
    univariate(dist, "coverage")
    y = as_rows(y, len(dist))
    lo, hi = _bounds(dist, level)
    return _reduce(((y >= lo) & (y <= hi)).astype(float), sample_weight, per_row)


def sharpness(dist, level=0.9, *, sample_weight=None, per_row=False):
    """Mean width u - l of the central intervals of nominal coverage ``level`` (units of y)."""
    univariate(dist, "sharpness")
    lo, hi = _bounds(dist, level)
    return _reduce(hi - lo, sample_weight, per_row)


def pit(y, dist, *, random_state=0):
    """Probability integral transform values, shape (n,): F(y) for continuous families; for discrete
    families the randomised PIT F(y - 1) + V (F(y) - F(y - 1)), V ~ Uniform(0, 1) drawn from
    ``random_state`` (uniform on (0, 1) when the forecast is calibrated)."""
    univariate(dist, "pit")
    y = as_rows(y, len(dist))
    upper = np.asarray(dist.cdf(y), dtype=float)
    if not getattr(dist, "discrete", False):
        return upper
    lower = np.asarray(dist.cdf(y - 1), dtype=float)
    v = np.random.default_rng(random_state).random(len(y))
    return lower + v * (upper - lower)


def quantile_reliability(y, dist, levels=None, *, sample_weight=None, random_state=0):
    """(levels (m,), observed (m,)): the weighted fraction of PIT values <= each nominal level, i.e.
    of y at or below the predicted quantile at that level (randomised PIT for discrete families).
    A calibrated forecast has observed = levels up to sampling noise."""
    levels = DEFAULT_LEVELS if levels is None else np.asarray(levels, dtype=float).reshape(-1)
    if np.any((levels < 0) | (levels > 1)):
        raise ValueError("levels must lie in [0, 1].")
    u = pit(y, dist, random_state=random_state)
    observed = np.array([weighted_mean(u <= t, sample_weight) for t in levels])
    return levels, observed


def calibration_error(y, dist, levels=None, *, sample_weight=None, random_state=0):
    """Quantile calibration error: mean over the nominal levels t (default 0.05, 0.10, ..., 0.95)
    of |observed(t) - t|, observed(t) the weighted fraction of PIT values <= t (see
    :func:`quantile_reliability`). In [0, 0.5]; 0 for a calibrated forecast on infinite data."""
    levels, observed = quantile_reliability(y, dist, levels, sample_weight=sample_weight, random_state=random_state)
    return float(np.mean(np.abs(observed - levels)))
