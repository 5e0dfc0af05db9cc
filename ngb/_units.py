"""The fit's units: the engine learns in standardised units of the target, so a model fitted on
``a + b * y`` is the model fitted on y, mapped (equivariance), at any scale of y a double holds.

A family states how its internal parameters move when its target is rescaled, through each
parameter's ``unit`` (``Param(..., unit=...)``): ``"location"`` (an identity-link location:
theta = c + s theta'), ``"scale"`` (a log-link scale: theta = theta' + log s), or None (unitless:
shapes, counts, probabilities). A family with a location standardises y' = (y - c) / s (c the
weighted median, s the weighted median absolute deviation); one with a scale only, y' = y / s (s
the weighted median); the others are fitted as they are. Survival targets rescale their times.

The fitted model maps back exactly: its initial parameters are moved to the original units and
each tree's weight is multiplied by its parameter's factor (s for a location, 1 otherwise), so a
prediction costs nothing more. Scores are reported in the original units: the log score of a
density shifts by log s per observed value, the CRPS scales by s.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["TargetUnits", "target_units"]


def _weighted_median(values, w):
    order = np.argsort(values, kind="stable")
    cum = np.cumsum(w[order])
    return float(values[order][min(np.searchsorted(cum, 0.5 * cum[-1]), len(values) - 1)])


def _positive_or(value, *fallbacks):
    for v in (value, *fallbacks):
        if np.isfinite(v) and v > 0:
            return float(v)
    return 1.0


@dataclass(frozen=True)
class TargetUnits:
    """y = c + s y' (c, s scalars, or (d,) per column of a multivariate y) and the internal
    parameters' map theta = shift + factor * theta' ((k,) each)."""

    c: np.ndarray
    s: np.ndarray
    shift: np.ndarray
    factor: np.ndarray

    def to_fit(self, y):
        """The target in fitting units: (y - c) / s, or the times of an (n, 2) survival target / s."""
        y = np.asarray(y, dtype=float)
        if y.ndim == 2 and np.ndim(self.s) == 0:  # [time, event]: only the time has units
            out = y.copy()
            out[:, 0] = (y[:, 0] - self.c) / self.s
            return out
        return (y - self.c) / self.s

    def offset_to_fit(self, offset):
        """An offset of the first internal parameter in fitting units."""
        return offset if offset is None else offset / self.factor[0]

    def to_original(self, theta):
        """Internal parameters (..., k) from fitting units to the original ones."""
        return self.shift + self.factor * theta

    def bounds(self, bounds):
        """(k, 2) clip bounds of the original units from the fitting ones (the engine's bounds)."""
        b = np.asarray(bounds, dtype=float).reshape(-1, 2)
        return np.sort(self.shift[:, None] + self.factor[:, None] * b, axis=1)

    def scores(self, trace, rule, y, w, discrete):
        """A mean-score trace (m,) in fitting units to the original units, on the rows (y, w) it
        was computed on: the log score of a density + sum(log s) (per observed event, for
        censored targets), the CRPS times s."""
        trace = np.asarray(trace, dtype=float)
        if rule in ("crps", "censored_crps"):
            return trace * float(self.s)
        if discrete or rule not in ("log", "censored_log"):
            return trace
        shift = float(np.sum(np.log(self.s)))
        if rule == "censored_log":
            events = np.asarray(y, dtype=float)[:, 1] > 0
            shift *= float(np.average(events, weights=w))
        return trace + shift


def location_and_spread(values, w):
    """(weighted median, weighted median absolute deviation (else RMS deviation, else 1)) of (n,) values."""
    c = _weighted_median(values, w)
    dev = np.abs(values - c)
    return c, _positive_or(_weighted_median(dev, w), np.sqrt(np.average(dev * dev, weights=w)))


def target_units(family, y, w):
    """The TargetUnits of a fit of ``family`` on targets y ((n,), or (n, 2) survival) with weights
    w (or None), from its declared parameters' units; None when none has a unit. Families without
    declared parameters (the multivariate normal) give theirs through ``family.target_units``."""
    w = np.ones(len(y)) if w is None else np.asarray(w, dtype=float)
    if not family.parameters:
        own = getattr(family, "target_units", None)
        return None if own is None else own(np.asarray(y, dtype=float), w)
    units = tuple(p.unit for p in family.parameters)
    if not any(u in ("location", "scale") for u in units):
        return None
    values = np.asarray(y, dtype=float)
    values = values[:, 0] if values.ndim == 2 else values
    if "location" in units:
        c, s = location_and_spread(values, w)
    else:
        positive = values > 0
        c, s = 0.0, _positive_or(_weighted_median(values[positive], w[positive]) if positive.any() else 0.0,
                                 np.average(values, weights=w))
    shift = np.array([c if u == "location" else np.log(s) if u == "scale" else 0.0 for u in units])
    factor = np.array([s if u == "location" else 1.0 for u in units])
    return TargetUnits(c, s, shift, factor)
