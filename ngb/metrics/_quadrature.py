"""CRPS by one-dimensional quadrature of the cdf, for univariate families without a closed form.

CRPS(F, y) = int_{-inf}^{y} F(z)^2 dz + int_{y}^{inf} S(z)^2 dz  (S = 1 - F, evaluated as ``sf``).

Continuous families: the line is cut at y and at the quantiles of ``_LEVELS`` (so every panel holds
a fixed share of the probability, whatever the scale; one panel per decade of tail probability); each finite panel is integrated by
tanh-sinh quadrature (robust to the power-law behaviour of F at a support edge, e.g. a Gamma with
shape < 1). An infinite tail beyond the outermost breakpoint b is cut into [b, b + w] (tanh-sinh)
and [b + w, b + 1e150] (tanh-sinh in log(z - b) on pieces of growing length, where power-law and
log-normal tails are smooth); the rest is
extrapolated as a power law S(z) ~ z^-nu with nu estimated from S at the end point:
S(Z)^2 Z / (2 nu - 1), or +inf when nu <= 1/2 (the CRPS diverges: e.g. Student t with df <= 1/2;
for 1/2 < df <= 1, Cauchy included, it is finite although the mean does not exist).

Discrete families (integer support): the exact sum over the integers k,
sum_k (F(k) - 1{y <= k})^2, over the window from the 1e-12 to the 1 - 1e-12 quantile (plus one
for each integer between that window and y, where the terms are 1 to within the tail mass).
"""

from __future__ import annotations

import numpy as np

__all__ = ["crps_parts", "crps_by_quadrature"]

_TAIL = np.array([1e-6, 1e-5, 1e-4, 1e-3, 1e-2])
_LEVELS = np.concatenate([[0.0], _TAIL, [0.05, 0.15, 0.3, 0.5, 0.7, 0.85, 0.95], 1 - _TAIL[::-1], [1.0]])
_MEDIAN = int(np.flatnonzero(_LEVELS == 0.5)[0])
_H = 1.0 / 8.0
_T = np.arange(-3.25, 3.25 + _H / 2, _H)
# tanh-sinh on (0, 1): x = logistic(pi sinh t), weight dx/dt * h (normalised to sum to 1)
_X = 1.0 / (1.0 + np.exp(-np.pi * np.sinh(_T)))
_W = _H * np.pi * np.cosh(_T) * _X * (1.0 - _X)
_W /= _W.sum()
_ZCAP = 1e150
_LOG_CUTS = np.array([0.0, 2.0, 6.0, 14.0, 30.0, 62.0, 126.0, np.inf])  # pieces of the log panel  # far end of the log panel (scipy's t cdf underflows past ~1e154)
_CHUNK = 2048  # rows per block of the continuous rule
_EPS_DISCRETE = 1e-12
_MAX_TERMS = 4_000_000  # integers per block of the discrete rule


def crps_by_quadrature(dist, y):
    """CRPS per row, shape (n,), by quadrature (continuous) or the exact sum (discrete)."""
    lower, upper = crps_parts(dist, y)
    return lower + upper


def crps_parts(dist, y):
    """(int_{z<y} F^2, int_{z>=y} S^2) per row, each (n,). For discrete families the sums
    over integers k < y and k >= y."""
    y = np.asarray(y, dtype=float)
    if y.ndim == 0:
        y = np.full(len(dist), float(y))
    if getattr(dist, "discrete", False):
        return _discrete_parts(dist, y)
    n = len(dist)
    lower, upper = np.empty(n), np.empty(n)
    for start in range(0, n, _CHUNK):
        rows = slice(start, min(start + _CHUNK, n))
        d = dist if (start == 0 and n <= _CHUNK) else dist[rows]
        lower[rows], upper[rows] = _continuous_parts(d, y[rows])
    return lower, upper


def _panels(a, b, n_nodes=None):
    """Nodes (n, m) and weights (n, m) of tanh-sinh on [a, b] per row (zero weight if a == b)."""
    span = (b - a)[:, None]
    return a[:, None] + span * _X, span * _W


def _log_panels(b, w, sign):
    """Nodes and weights for int_{w}^{ZCAP} g(b + sign x) dx in v = log x, the v-range cut at
    log w + _LOG_CUTS (tanh-sinh on each piece), and the far end b + sign ZCAP."""
    lo = np.log(w)
    hi = np.log(np.maximum(_ZCAP, 2 * w))
    cuts = np.minimum(lo[:, None] + _LOG_CUTS, hi[:, None])
    span = np.diff(cuts, axis=1)  # (n, pieces)
    v = cuts[:, :-1, None] + span[:, :, None] * _X  # (n, pieces, m)
    x = np.exp(v)
    n = len(b)
    return (b[:, None] + sign * x.reshape(n, -1)), (span[:, :, None] * _W * x).reshape(n, -1), b + sign * np.exp(hi)


def _continuous_parts(dist, y):
    n = len(dist)
    with np.errstate(all="ignore"):
        q = np.asarray(dist.quantile(_LEVELS), dtype=float).reshape(n, -1)
    q = np.maximum.accumulate(q, axis=1)  # guard against rounding in the quantile functions
    med = q[:, _MEDIAN]
    spread = np.maximum(q[:, _MEDIAN + 1] - q[:, _MEDIAN - 1], 1e-300 + 1e-15 * np.abs(med))
    bp = np.sort(np.column_stack([q, y]), axis=1)  # y and the quantiles, ±inf at the ends
    nodes, weights, is_upper = [], [], []
    low_inf, high_inf = ~np.isfinite(bp[:, 0]), ~np.isfinite(bp[:, -1])
    first = np.where(low_inf, bp[:, 1], bp[:, 0])
    last = np.where(high_inf, bp[:, -2], bp[:, -1])
    for j in range(bp.shape[1] - 1):
        a, b = bp[:, j], bp[:, j + 1]
        ok = np.isfinite(a) & np.isfinite(b)
        a, b = np.where(ok, a, first), np.where(ok, b, first)
        z, wt = _panels(a, b)
        nodes.append(z)
        weights.append(wt)
        is_upper.append(np.broadcast_to((a >= y)[:, None], z.shape))
    ends = []
    for sign, inf, edge in ((-1.0, low_inf, first), (1.0, high_inf, last)):
        w = np.maximum(sign * (edge - med), spread)
        w = np.where(inf, w, 0.0)
        z, wt = _panels(edge, edge + sign * w)
        wt = np.abs(wt)
        zl, wl, zend = _log_panels(edge, np.where(inf, w, 1.0), sign)
        wl = np.where(inf[:, None], wl, 0.0)
        nodes += [z, zl]
        weights += [wt, wl]
        is_upper += [np.full(z.shape, sign > 0), np.full(zl.shape, sign > 0)]
        ends.append((sign, inf, zend))
    z = np.concatenate(nodes, axis=1)
    wt = np.concatenate(weights, axis=1)
    up = np.concatenate(is_upper, axis=1)
    with np.errstate(all="ignore"):
        F = np.asarray(dist.cdf(z), dtype=float)
        S = np.asarray(dist.sf(z), dtype=float)
    lower = np.sum(np.where(up, 0.0, wt * F * F), axis=1)
    upper = np.sum(np.where(up, wt * S * S, 0.0), axis=1)
    for sign, inf, zend in ends:
        if inf.any():
            rem = _power_tail(dist, zend, sign, inf)
            if sign > 0:
                upper = upper + rem
            else:
                lower = lower + rem
    return lower, upper


def _power_tail(dist, zend, sign, rows):
    """int beyond zend of S^2 (sign +1) or F^2 (sign -1), extrapolating a power law; inf if it diverges."""
    pts = np.column_stack([zend, zend / np.e])
    with np.errstate(all="ignore"):
        tail = np.asarray(dist.sf(pts) if sign > 0 else dist.cdf(pts), dtype=float)
    t_end, t_in = tail[:, 0], tail[:, 1]
    out = np.zeros(len(zend))
    live = rows & (t_end > 0)
    if live.any():
        nu = np.log(t_in[live] / t_end[live])  # -dlog S / dlog z over one e-fold
        converges = nu > 0.5 + 1e-6
        with np.errstate(over="ignore"):
            rem = t_end[live] ** 2 * np.abs(zend[live]) / np.where(converges, 2 * nu - 1, 1.0)
        out[live] = np.where(converges, rem, np.inf)
    return out


def _discrete_parts(dist, y):
    n = len(dist)
    with np.errstate(all="ignore"):
        q = np.asarray(dist.quantile(np.array([_EPS_DISCRETE, 1 - _EPS_DISCRETE])), dtype=float).reshape(n, 2)
    lo, hi = np.floor(q[:, 0]), np.floor(q[:, 1])
    if not (np.all(np.isfinite(lo)) and np.all(np.isfinite(hi))):
        raise ValueError("the discrete CRPS needs finite quantiles at 1e-12 and 1 - 1e-12.")
    length = (hi - lo + 1).astype(np.int64)
    # terms outside the window: 1 (to within the tail mass) for each integer between y and the window
    lower = np.maximum(y - hi - 1, 0.0)
    upper = np.maximum(lo - y, 0.0)
    start = 0
    while start < n:
        stop, total = start, 0
        while stop < n and (stop == start or total + length[stop] <= _MAX_TERMS):
            total += length[stop]
            stop += 1
        rows = np.arange(start, stop)
        reps = np.repeat(rows, length[rows])
        offsets = np.arange(total) - np.repeat(np.cumsum(length[rows]) - length[rows], length[rows])
        k = lo[reps] + offsets
        sub = dist[reps]
        F = np.asarray(sub.cdf(k), dtype=float)
        S = np.asarray(sub.sf(k), dtype=float)
        below = k < y[reps]
        cuts = np.cumsum(length[rows]) - length[rows]
        lower[rows] += np.add.reduceat(np.where(below, F * F, 0.0), cuts)
        upper[rows] += np.add.reduceat(np.where(below, 0.0, S * S), cuts)
        start = stop
    return lower, upper
