"""The estimator settings before the defaults study, for tests written against them (each test pins
what it relies on; the library's defaults are in ngb/boosting.py)."""

import ngb


def old_defaults(**kw):
    """Learning rate 0.01, 500 iterations, depth-3 trees with 10 rows per leaf, steps lengthened up
    to 256x, patience 10 with tol 1e-4, no early stopping (below 10,000 rows); ``kw`` overrides."""
    params = dict(n_estimators=500, learning_rate=0.01, base=ngb.HistTreeRegressor(max_depth=3, min_samples_leaf=10),
                  max_scaling=256.0, n_iter_no_change=10, tol=1e-4, early_stopping=False)
    params.update(kw)
    return params


def old_tree(**kw):
    """The settings of the previous default tree and line search only (depth 3, 10 rows per leaf,
    steps up to 256x); ``kw`` overrides."""
    params = dict(base=ngb.HistTreeRegressor(max_depth=3, min_samples_leaf=10), max_scaling=256.0)
    params.update(kw)
    return params
