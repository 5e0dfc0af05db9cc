"""Metrics for right-censored survival targets (structured arrays with fields event, time, as
``ngb.survival.make_y`` and scikit-survival build them).

- :func:`censored_nll`: -log f(t) for an event, -log S(t) for a censored time (nats).
- :func:`censored_crps`: the survival CRPS of Avati et al. (2020): the CRPS for an event,
  int_{z<t} F(z)^2 dz for a censored time (units of time).
- :func:`brier_score` / :func:`integrated_brier_score`: Graf et al. (1999) with inverse
  probability of censoring weights from the Kaplan-Meier estimate G of the censoring distribution.
- :func:`concordance_index` (Harrell) and :func:`concordance_index_ipcw` (Uno et al. 2011).

IPCW conventions follow scikit-survival (so the numbers agree with ``sksurv.metrics``): G is the
reverse Kaplan-Meier estimate (at a time with events and censorings, the events leave the risk set
first) from ``y_train`` (default: the evaluated y itself), evaluated right-continuously, G(T_i) at
an event time. Concordance: a pair (i, j) is comparable when i has an event and T_i < T_j, or
T_i = T_j with j censored; risks within 1e-8 count as tied (1/2).
"""

from __future__ import annotations

import numpy as np

from ._common import survival_target, univariate, weighted_mean
from ._quadrature import crps_parts

__all__ = ["censored_nll", "censored_crps", "kaplan_meier_censoring", "brier_score", "integrated_brier_score",
           "concordance_index", "concordance_index_ipcw", "risk_score", "default_times"]


def _reduce(values, sample_weight, per_row):
    return values if per_row else weighted_mean(values, sample_weight)


def censored_nll(y, dist, *, sample_weight=None, per_row=False):
    """Censored negative log-likelihood: -logpdf(t) for events, -logsf(t) for censored rows (nats)."""
    univariate(dist, "censored_nll")
    time, event = survival_target(y)
    values = -np.where(event > 0, dist.logpdf(time), dist.logsf(time))
    return _reduce(values, sample_weight, per_row)


def censored_crps(y, dist, *, sample_weight=None, per_row=False):
    """Censored ("survival") CRPS: the CRPS at t for an event, int_{z<t} F(z)^2 dz for a censored
    time. The family's closed form where it has ``"censored_crps"``, else quadrature."""
    univariate(dist, "censored_crps")
    time, event = survival_target(y)
    if "censored_crps" in getattr(dist, "available_scores", lambda: ())():
        values = dist.score(np.column_stack([time, event]), "censored_crps")
    else:
        lower, upper = crps_parts(dist, time)
        values = lower + np.where(event > 0, upper, 0.0)
    return _reduce(np.asarray(values, dtype=float), sample_weight, per_row)


def kaplan_meier_censoring(y):
    """Reverse Kaplan-Meier estimate of the censoring survival function G(t) = P(C > t).

    Returns a function of t (array) -> G(t), right-continuous, 1 before the first time; past the
    last observed time it stays at its last value (0 if the last time is a censoring)."""
    time, event = survival_target(y)
    times, inverse = np.unique(time, return_inverse=True)
    deaths = np.bincount(inverse, weights=event, minlength=len(times))
    censored = np.bincount(inverse, weights=1 - event, minlength=len(times))
    total = np.bincount(inverse, minlength=len(times)).astype(float)
    at_risk = total[::-1].cumsum()[::-1] - deaths  # events at a time leave the risk set first
    factor = np.where(censored > 0, 1 - censored / np.where(at_risk > 0, at_risk, 1.0), 1.0)
    values = np.cumprod(factor)

    def G(t):
        idx = np.searchsorted(times, np.asarray(t, dtype=float), side="right") - 1
        return np.where(idx >= 0, values[np.maximum(idx, 0)], 1.0)

    return G


def _survival_at(dist, times):
    """S_i(t_k) for every row i and time t_k: (n, m)."""
    times = np.asarray(times, dtype=float).reshape(-1)
    return np.asarray(dist.sf(np.broadcast_to(times, (len(dist), len(times)))), dtype=float)


def _check_times(times, time):
    times = np.unique(np.asarray(times, dtype=float).reshape(-1))
    if times.size == 0 or times.min() < time.min() or times.max() >= time.max():
        raise ValueError(f"times must lie within the follow-up of y: [{time.min()}, {time.max()}).")
    return times


def _survival_or_dist(dist, times, n):
    """S_i(t_k) (n, m) from a predicted distribution, or an (n, m) array of S at ``times`` (then
    strictly increasing, as scikit-survival's ``estimate``)."""
    if hasattr(dist, "sf"):
        univariate(dist, "brier_score")
        return _survival_at(dist, times)
    S = np.asarray(dist, dtype=float)
    if S.shape != (n, times.size):
        raise ValueError(f"survival probabilities have shape {S.shape}; expected (n rows, n times) = {(n, times.size)}.")
    return S


def brier_score(y, dist, times, *, y_train=None, sample_weight=None):
    """IPCW Brier score at each of ``times`` (m,) -> (m,): mean over rows of
    S_i(t)^2 1{T_i <= t, event} / G(T_i) + (1 - S_i(t))^2 1{T_i > t} / G(t). ``dist`` is a
    predicted time distribution or the survival probabilities S_i(t_k), (n, m), at strictly
    increasing ``times``."""
    time, event = survival_target(y)
    if not hasattr(dist, "sf") and np.any(np.diff(np.asarray(times, dtype=float).reshape(-1)) <= 0):
        raise ValueError("with survival probabilities given as an array, times must be strictly increasing.")
    times = _check_times(times, time)
    G = kaplan_meier_censoring(y if y_train is None else y_train)
    g_t, g_y = G(times), G(time)
    with np.errstate(divide="ignore"):
        inv_t = np.where(g_t > 0, 1 / g_t, np.inf)
        inv_y = np.where(g_y > 0, 1 / g_y, np.inf)
    S = _survival_or_dist(dist, times, time.size)
    case = (time[:, None] <= times[None, :]) & (event[:, None] > 0)
    control = time[:, None] > times[None, :]
    values = np.where(case, S**2 * inv_y[:, None], 0.0) + np.where(control, (1 - S) ** 2 * inv_t[None, :], 0.0)
    return np.array([weighted_mean(values[:, k], sample_weight) for k in range(len(times))])


def default_times(y, n_times=20):
    """A time grid for the integrated Brier score: ``n_times`` quantiles (10% to 90%) of the observed times."""
    time, _ = survival_target(y)
    return np.unique(np.quantile(time, np.linspace(0.1, 0.9, n_times)))


def integrated_brier_score(y, dist, times=None, *, y_train=None, sample_weight=None):
    """Integrated IPCW Brier score: the trapezoid integral of :func:`brier_score` over ``times``
    divided by (times[-1] - times[0]), as scikit-survival's ``integrated_brier_score``. Default
    times: 20 quantiles (10% to 90%) of the observed times of y. ``dist``: a predicted time
    distribution, or survival probabilities (n, m) at the (given, strictly increasing) ``times``."""
    if times is None and not hasattr(dist, "sf"):
        raise ValueError("survival probabilities given as an array need their times.")
    times = default_times(y) if times is None else np.asarray(times, dtype=float).reshape(-1)
    times = times if not hasattr(dist, "sf") else np.unique(times)
    if times.size < 2:
        raise ValueError("the integrated Brier score needs at least two distinct times.")
    scores = brier_score(y, dist, times, y_train=y_train, sample_weight=sample_weight)
    area = np.sum(np.diff(times) * (scores[1:] + scores[:-1]) / 2)
    return float(area / (times[-1] - times[0]))


def risk_score(dist, risk="median"):
    """A risk per row (n,) from a time distribution (higher = earlier event): ``"median"`` (minus the
    median time), ``"mean"`` (minus the mean time) or a float t (F(t), the probability of an event by t)."""
    if isinstance(risk, str):
        if risk == "median":
            return -np.asarray(dist.median(), dtype=float)
        if risk == "mean":
            return -np.asarray(dist.mean(), dtype=float)
        raise ValueError(f"risk must be 'median', 'mean' or a time; got {risk!r}.")
    return np.asarray(dist.cdf(np.full(len(dist), float(risk))), dtype=float)


def _concordance(time, event, risk, weight, sample_weight=None, tied_tol=1e-8):
    pair_w = np.ones(len(time)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    weight = weight * pair_w
    numerator = denominator = 0.0
    events = np.flatnonzero(event > 0)
    for start in range(0, events.size, 512):
        i = events[start : start + 512]
        later = (time[None, :] > time[i, None]) | ((time[None, :] == time[i, None]) & (event[None, :] == 0))
        later = later * pair_w[None, :]
        diff = risk[i, None] - risk[None, :]
        tied = np.abs(diff) <= tied_tol
        score = np.where(tied, 0.5, (diff > 0).astype(float))
        numerator += np.sum(weight[i] * np.sum(later * score, axis=1))
        denominator += np.sum(weight[i] * np.sum(later, axis=1))
    if denominator == 0:
        raise ValueError("no comparable pairs: the concordance index is undefined.")
    return float(numerator / denominator)


def _risk(dist_or_risk, risk):
    if hasattr(dist_or_risk, "sf"):
        return risk_score(dist_or_risk, risk)
    return np.asarray(dist_or_risk, dtype=float).reshape(-1)


def concordance_index(y, dist_or_risk, *, risk="median", sample_weight=None):
    """Harrell's C: the fraction of comparable pairs ordered correctly by the risk (ties 1/2).
    ``dist_or_risk`` is a predicted time distribution (risk from :func:`risk_score`) or risks (n,).
    With ``sample_weight`` a pair (i, j) counts w_i w_j."""
    time, event = survival_target(y)
    r = _risk(dist_or_risk, risk)
    return _concordance(time, event, r, np.ones(len(time)), sample_weight)


def concordance_index_ipcw(y, dist_or_risk, *, y_train=None, tau=None, risk="median", sample_weight=None):
    """Uno's C: Harrell's pairs weighted by G(T_i)^-2 for the earlier event i, only events with
    T_i < tau (default: no truncation), G from ``y_train`` (default: y); times w_i w_j with
    ``sample_weight``."""
    time, event = survival_target(y)
    r = _risk(dist_or_risk, risk)
    g = kaplan_meier_censoring(y if y_train is None else y_train)(time)
    if np.any((g <= 0) & (event > 0)):
        raise ValueError("the censoring survival function is zero at an event time; lower tau.")
    w = np.where(event > 0, 1.0 / np.where(g > 0, g, 1.0) ** 2, 0.0)
    if tau is not None:
        w = np.where(time < tau, w, 0.0)
    return _concordance(time, event, r, w, sample_weight)
