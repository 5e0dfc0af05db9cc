"""The boosting loop (Algorithm 1 of the NGBoost paper, Duan et al. 2020).

Notation: ``n`` rows, ``p`` features, ``k`` internal distribution parameters. The model is

    theta(x) = init_params - sum_m learning_rate * scalings[m] * f_m(x)      (n, k)

where f_m are the k base learners of iteration m, fitted on the natural gradient of the scoring
rule at the current parameters, and scalings[m] comes from a line search on the score.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _shared
from ._line_search import line_search_by_group
from ._monitor import EarlyStopping, ScoreTrace

__all__ = ["Boosting", "boost", "deltas_without", "gate_groups", "gate_keep", "gated_groups", "initial_params",
           "applied_steps", "majority_gates"]


@dataclass
class Boosting:
    """Settings of one fit's loop."""

    n_estimators: int
    learning_rate: float
    n_rows: int  #: rows per iteration (subsample)
    n_cols: int  #: columns per iteration (colsample)
    stop_early: bool
    n_iter_no_change: int
    tol: float
    groups: list  #: index arrays of the parameters that share a step scaling
    natural_gradient: bool = True  #: coupled parameters share tree structures (``_shared.py``) only then
    step_max: float = 256.0  #: largest line-search scaling of a fitted step
    keep_all: bool = False  #: when stopping early, keep every iteration run (not only up to the best)
    gates: np.ndarray = None  #: (n_estimators, k) 0/1 per iteration and parameter to replay (a refit), or None
    gated: tuple = ()  #: with validation rows, the step groups whose steps must improve their score (``gate_keep``)


def gated_groups(family, k, keep_all=False):
    """The step groups of ``family`` (k parameters) that early stopping's gate may drop: those
    holding none of its ``location_params`` (none when ``_defaults.GATE_STEPS`` is off or a fit
    keeps every iteration, as ngb.compat's)."""
    from . import _defaults

    if not _defaults.GATE_STEPS or keep_all:
        return ()
    return tuple(g for g in family.step_groups(k) if not np.isin(g, family.location_params(k)).any())


def applied_steps(scalings, groups):
    """(m, k) 0/1 gates of a fitted model's steps: 0 where a parameter of the step groups ``groups``
    (those early stopping's gate may drop) has scaling 0 in ``scalings`` (m, k), its step not
    applied, else 1. Replayed by a refit with the model's count, they keep it from applying the
    steps the model left out (a gated scale overfits without them)."""
    keep = np.ones(np.shape(scalings))
    for g in groups:
        keep[:, g] = np.asarray(scalings)[:, g] > 0
    return keep


def majority_gates(gates, n):
    """(n, k) 0/1 gates from several fits' (a list of (m_i, k)): per iteration and parameter, 1 when
    at least half of the fits that ran that iteration kept its step (1 past them all)."""
    k = gates[0].shape[1]
    out = np.ones((n, k))
    for it in range(n):
        ran = [g[it] for g in gates if g.shape[0] > it]
        if ran:
            out[it] = np.mean(ran, axis=0) >= 0.5
    return out


def deltas_without(delta, groups):
    """For each group of ``groups``: a copy of ``delta`` (n_val, k) with that group's columns zeroed."""
    for g in groups:
        without = delta.copy()
        without[:, g] = 0.0
        yield without


def gate_keep(k, groups, full, without, moves):
    """(k,) 0/1: the parameters of an iteration's step to keep. A group of ``groups`` is dropped when
    the held-out score ``without[i]`` without its part of the step is at or below the score ``full``
    with the whole step (and its part moves some row, ``moves[i]``): a scale or shape whose trees,
    fitted on the training residuals, shrink as the location overfits those rows no longer
    generalises, while the location still does (it is judged by early stopping as a whole)."""
    keep = np.ones(k)
    for g, score, moved in zip(groups, without, moves):
        if moved and score <= full:
            keep[g] = 0.0
    return keep


def gate_groups(validation, delta, groups):
    """``gate_keep`` of the validation objective ``validation`` at its step ``delta`` (n_val, k)."""
    if not groups:
        return np.ones(delta.shape[1])
    rule, th, y, w, aux = validation.rule, validation.theta, validation.y, validation.w, validation.aux
    full = rule.mean(th, y, w, aux, delta, 1.0)
    without = [rule.mean(th, y, w, aux, d, 1.0) for d in deltas_without(delta, groups)]
    return gate_keep(delta.shape[1], groups, full, without, [bool(np.any(delta[:, g])) for g in groups])


def boost(settings, objective, backend, p, rng, progress, validation=None, X_val=None):
    """Run the loop; returns the kept iterations' learners, columns and scalings, and the score traces.

    ``objective``: the training rule at the rows' parameters (updated in place); ``backend``: fits
    the learners and returns their step; ``p``: number of features; ``progress``: a ``FitProgress``;
    ``validation``: an objective on the validation rows ``X_val`` (or None)."""
    n = objective.theta.shape[0]
    lr = float(settings.learning_rate)
    train = ScoreTrace(objective.score())
    val = ScoreTrace(validation.score()) if validation is not None else None
    stopping = EarlyStopping(settings.stop_early, val.last if val else np.inf, settings.n_iter_no_change, settings.tol,
                             settings.keep_all)
    estimators, columns, scalings, gates = [], [], [], []
    gate = validation is not None and len(settings.gated) > 0
    start = np.ones(objective.theta.shape[1])  # the line search starts at the last scalings
    components = None  # parameters that share one tree structure per iteration
    for it in range(settings.n_estimators):
        rows = None if settings.n_rows == n else np.sort(rng.choice(n, settings.n_rows, replace=False))
        cols = None if settings.n_cols == p else np.sort(rng.choice(p, settings.n_cols, replace=False))
        direction, weight, score0, full_score = objective.direction(rows)
        train.resolve(full_score)
        if components is None:  # decided once, at the start, from the metric of the first rows
            components = []
            if (_shared.ENABLED and settings.natural_gradient and len(settings.groups) > 1 and rows is None
                    and getattr(backend, "records_leaves", False)
                    and backend.can_share_structure):
                components = _shared.coupled_components(objective.metric_sample(), settings.groups)
        shared = None
        if components and rows is None:
            sample = objective.metric_sample()
            mean_metric = None if sample is None else np.nanmean(sample, axis=0)
            shared = _shared.fit_shared(backend, cols, direction, weight, components, it, rng, mean_metric)
        learners, step = shared if shared is not None else backend.fit_step(rows, cols, direction, weight, rng)
        along, score0 = objective.along(step, rows, score0)
        scale = line_search_by_group(along, score0, settings.groups, start, settings.step_max)
        start = np.where(scale > 0, scale, 1.0)
        keep = np.ones(scale.shape[0])
        if validation is not None:
            delta = backend.predict(learners, cols, X_val) * (lr * scale)
            if gate:
                keep = gate_groups(validation, delta, settings.gated)
                delta *= keep
        elif settings.gates is not None:
            keep = np.asarray(settings.gates[it], dtype=float)
        scale = scale * keep
        objective.apply(step, lr * scale)
        estimators.append(learners)
        columns.append(cols)
        scalings.append(scale)
        gates.append(keep)
        # the next iteration's direction pass yields the training score when it computes it anyway
        train.append(None if objective.scores_in_direction and not progress.verbose else objective.score())
        val_score = None
        if validation is not None:
            validation.subtract(delta)
            val_score = validation.score()
            val.append(val_score)
        progress.update(it, train.last, val_score, scale)
        if stopping.update(it + 1, val_score):
            break
    n_kept = stopping.n_kept(len(estimators))
    progress.finish(f"kept {n_kept} of {len(estimators)} iterations")
    return dict(
        estimators=estimators[:n_kept],
        columns=columns[:n_kept],
        scalings=np.asarray(scalings[:n_kept], dtype=float).reshape(n_kept, objective.theta.shape[1]),
        train_score=train.array(n_kept, final=objective.score),
        validation_score=val.array(n_kept) if val else np.asarray([]),
        validation_curve=np.asarray(val.values, dtype=float) if val else np.asarray([]),  # every iteration run
        gates=np.asarray(gates[:n_kept], dtype=float).reshape(n_kept, objective.theta.shape[1]),
        n_kept=n_kept,
    )


def initial_params(family, rule_name, theta0, y, w, offset):
    """theta0 (k,) with, given offsets (n,), its first parameter refitted: the constant that
    minimises the weighted score given the offsets (for a Poisson: log(sum w y / sum w exp(offset))),
    the other parameters kept at the marginal fit."""
    if offset is None:
        return theta0
    from scipy.optimize import minimize_scalar

    base = np.tile(theta0, (len(y), 1))

    def objective(c):
        moved = base.copy()
        moved[:, 0] = c + offset
        values = family.from_internal(moved, copy=False).score(y, rule_name)
        return float(np.average(values, weights=w)) if np.all(np.isfinite(values)) else np.inf

    lo, hi = family._bounds_for(len(theta0))[0]
    center = theta0[0] - float(np.average(offset, weights=w))
    span = 10.0 + abs(center)
    res = minimize_scalar(objective, bounds=(max(lo, center - span), min(hi, center + span)), method="bounded",
                          options={"xatol": 1e-10})
    out = theta0.copy()
    out[0] = res.x if res.fun <= objective(center) else center
    return out
