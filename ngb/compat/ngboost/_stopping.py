"""ngboost's stopping rules on ngb's fitted iterations: its ``tol`` (a step whose mean row norm is
below it ends the fit), its early stopping on validation losses, and its ``best_val_loss_itr``."""

from __future__ import annotations

import numpy as np

from ._inner import _factor_rows

__all__ = []


#: the tol stop measures each iteration's step on at most this many (evenly spaced) training rows
_TOL_ROWS = 20_000


def _stages(inner, X, first):
    """(parameters (n, k) before iteration m, iteration m's fitted step (n, k)) for each iteration m
    from ``first`` of the fitted ngb estimator ``inner`` on the validated rows X, then (the final
    parameters, None). Parameters are ngb's internal ones; steps are in the target's units (ngboost's
    ``proj_grad``: the model subtracts learning_rate * scaling * step)."""
    from ..._backends import pack_predictor, predict_iteration, predict_raw

    k = inner.n_params_
    weights = np.asarray(inner._tree_weights(), dtype=float).reshape(-1, k)
    theta = np.tile(inner.init_params_, (X.shape[0], 1)).astype(float)
    if first:
        head = inner._estimators[:first]
        theta = predict_raw(pack_predictor(head, weights[:first], k), head, inner._columns[:first], weights[:first],
                            X, theta)
    factors = _factor_rows(inner.__dict__)
    for m in range(first, inner.n_iter_):
        f = predict_iteration(inner._estimators[m], inner._columns[m], X)
        yield theta, f * factors[m]
        theta = theta + weights[m] * f
    yield theta, None


def _leaf_range(est):
    """(smallest, largest) absolute leaf value of a fitted tree (ngb's or scikit-learn's), bounds
    of its predictions' magnitude on any row; None for other learners."""
    tree = getattr(est, "tree_", est)
    left = getattr(tree, "left", getattr(tree, "children_left", None))
    value = getattr(tree, "value", None)
    if left is None or value is None:
        return None
    value = np.abs(np.asarray(value, dtype=float).reshape(len(left), -1)[:, 0][np.asarray(left) == -1])
    return (float(value.min()), float(value.max())) if value.size else None


def _step_below(inner, m, rows, tol):
    """Whether iteration m's fitted step has a mean row norm below ``tol`` on ``rows``: decided from
    its trees' leaf values when they settle it (every row's norm is at least the largest of the
    parameters' smallest leaf magnitudes and at most the sum of their largest), else predicted."""
    from ..._backends import predict_iteration

    factor = np.abs(_factor_rows(inner.__dict__)[m])
    ranges = [_leaf_range(est) for est in inner._estimators[m]]
    if all(r is not None for r in ranges):
        if max(lo * f for (lo, _), f in zip(ranges, factor)) >= tol:
            return False
        if sum(hi * f for (_, hi), f in zip(ranges, factor)) < tol:
            return True
    step = predict_iteration(inner._estimators[m], inner._columns[m], rows) * factor
    return bool(np.linalg.norm(step, axis=1).mean() < tol)


def _ngboost_stop(values, rounds):
    """The index of the iteration after which ngboost's early stopping ends a fit whose validation
    losses are ``values`` (None: it does not stop): the first i with more than ``rounds`` losses
    and the best one (strictly lower than those before it) not among the last ``rounds``."""
    if rounds < 1:  # ngboost compares with the minimum of values[-0:], all of them: never stops
        return None
    best = np.inf
    for i, value in enumerate(values):
        if value < best:
            best = value
        if i + 1 > rounds and best < np.min(np.asarray(values[i + 1 - rounds: i + 1], dtype=float)):
            return i
    return None


def _first_best(values):
    """ngboost's ``best_val_loss_itr`` of one fit: the first index of the lowest loss (None when no
    loss is below infinity, e.g. all NaN)."""
    best, where = np.inf, None
    for i, value in enumerate(values):
        if value < best:
            best, where = value, i
    return where
