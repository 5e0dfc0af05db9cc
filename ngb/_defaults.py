"""The library's defaults: the default base tree, early stopping's size thresholds, when metric
weights are on, and ``reference_defaults()`` (ngboost 0.6.0's settings). Chosen by the defaults
study (``benchmarks/README.md``)."""

from __future__ import annotations

__all__ = ["DEFAULT_MIN_SAMPLES_LEAF", "DEFAULT_MAX_LEAF_NODES", "DEFAULT_MIN_WEIGHT_LEAF", "REFIT_MAX_ROWS", "GATE_STEPS", "CV_MAX_ROWS", "CV_FOLDS",
           "default_base", "reference_defaults", "uses_metric_weights"]


#: leaves of the default base tree hold at least this many rows: single-row leaves let one row drive
#: the scale tree to extremes on small data (UCI yacht, validation NLL; benchmarks/README.md)
DEFAULT_MIN_SAMPLES_LEAF = 20
DEFAULT_MAX_LEAF_NODES = 31
#: and a fit weight of at least this: for the count and class families (metric-weighted fits) the
#: summed Fisher diagonal, whose near-empty leaves take huge Newton steps (many-class fits overfit
#: without it: benchmarks/README.md, round 4); the weights are scaled by a power of two to a mean in
#: [1, 2) (``_objective.Objective``), so a weighted fit is not blocked by its weights' sum
DEFAULT_MIN_WEIGHT_LEAF = 0.1

#: early_stopping="auto" refits on every row (with the count the held-out rows chose) up to this many rows
REFIT_MAX_ROWS = 10_000
#: early_stopping="auto" takes the count from CV_FOLDS-fold cross-validation up to this many rows (0: never)
CV_MAX_ROWS = 0
CV_FOLDS = 5

#: early stopping drops, per iteration, the step of a parameter group that does not improve the held-out
#: rows' score (``_engine.gate_groups``); the refit on every row keeps the same steps
GATE_STEPS = True

#: supports on which metric_weighted="auto" weights the fit: count and class families, whose
#: unweighted natural-gradient leaves are badly scaled (freMTPL Poisson) or stall (many classes)
_METRIC_WEIGHTED_SUPPORTS = ("count", "class")


def default_base():
    """A new default base learner: ngb's histogram tree, best-first, 31 leaves of at least 20 rows
    and fit weight 0.1."""
    from .tree import HistTreeRegressor

    return HistTreeRegressor(max_depth=None, max_leaf_nodes=DEFAULT_MAX_LEAF_NODES, min_samples_leaf=DEFAULT_MIN_SAMPLES_LEAF,
                             min_weight_leaf=DEFAULT_MIN_WEIGHT_LEAF)


def reference_defaults(estimator=None):
    """The settings that make an ngb estimator fit as ngboost 0.6.0 does with its defaults, as far as
    ngb's engine allows: ``ngb.NGBRegressor(**ngb.reference_defaults())`` (also NGBSurvival), and
    ``ngb.NGBClassifier(**ngb.reference_defaults(ngb.NGBClassifier))``, which adds ngboost's class
    parametrisation, ``dist="categorical"`` (K - 1 logits relative to class 0; ``estimator`` a
    classifier class or instance). 500 iterations at learning rate 0.01, no early stopping, depth-3 trees with
    single-row leaves (ngboost: scikit-learn's ``DecisionTreeRegressor(criterion="friedman_mse",
    max_depth=3)``; here ngb's histogram tree with 255 bins), learners fitted on the unweighted
    natural gradient, steps lengthened by the line search up to 256 times (ngboost doubles its
    scaling while the score improves, from 1). A new dict (and tree) on every call."""
    from .tree import HistTreeRegressor

    out = dict(n_estimators=500, learning_rate=0.01, early_stopping=False, metric_weighted=False, max_scaling=256.0,
               base=HistTreeRegressor(max_depth=3, min_samples_leaf=1))
    from sklearn.base import ClassifierMixin

    cls = estimator if isinstance(estimator, type) else type(estimator)
    if issubclass(cls, ClassifierMixin):
        out["dist"] = "categorical"
    return out


def uses_metric_weights(option, dist):
    """Whether ``metric_weighted=option`` weights the fit of the family ``dist``."""
    if option == "auto":
        return getattr(dist, "support", None) in _METRIC_WEIGHTED_SUPPORTS
    return bool(option)

