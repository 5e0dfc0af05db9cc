"""BaseNGBoost: the estimator every ngb model shares. It checks parameters and inputs, sets up the
fit (rows, validation data, the scoring rule, the learner back end) and hands the loop to
``_engine.boost``; it predicts, explains (importances) and pickles the fitted model."""

from __future__ import annotations

import numbers
import warnings

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state

from ._backends import make_backend
from ._defaults import CV_FOLDS, CV_MAX_ROWS, REFIT_MAX_ROWS, default_base, reference_defaults, uses_metric_weights
from ._engine import Boosting, applied_steps, boost, gated_groups, initial_params, majority_gates
from ._fit_data import FitData, check_offset, split_validation, uniform_to_none
from ._fitted import FittedModel, _with_offset, param_names
from ._inputs import InputChecks
from ._objective import Objective, make_rule
from ._per_param import base_params, param_aliases, resolve_bases, resolve_constraints, set_base_params
from ._progress import FitProgress
from ._threads import resolve_n_threads
from ._units import target_units
from .distributions import get_distribution
from .scores import resolve_score
from .version import __version__

__all__ = ["BaseNGBoost", "NGBVersionWarning", "reference_defaults", "fit_random_state"]


class _ScoreParameter:
    """Data descriptor letting ``score`` be both a constructor parameter and a method.

    The parameter value lives in the instance ``__dict__`` (so ``get_params``/``set_params``/
    ``clone`` see it as scikit-learn expects); attribute access returns the bound scoring method
    ``score(X, y, sample_weight=None)``, which is what ``GridSearchCV`` calls.
    """

    def __get__(self, instance, owner):
        if instance is None:
            return self
        return instance._score_method

    def __set__(self, instance, value):
        instance.__dict__["score"] = value



class BaseNGBoost(InputChecks, FittedModel, BaseEstimator):
    """Shared parameters, fit set-up, prediction and persistence. Not used directly.

    ``dist=None`` is the estimator's own family (``_default_dist``)."""

    score = _ScoreParameter()

    _default_dist = "normal"

    #: when early stopping ends a fit, keep the iterations after the best one too (``ngb.compat``)
    _keep_stopped_iterations = False

    def __init__(self, dist=None, score="log", base=None, n_estimators=1000, learning_rate=0.1, subsample=1.0,
                 colsample=1.0, natural_gradient=True, metric_weighted="auto", early_stopping="auto",
                 validation_fraction=0.1, n_iter_no_change=20, tol=0.0, max_scaling=1.0, n_jobs=None, random_state=None,
                 verbose=0, monotonic_cst=None):
        self.dist = dist
        self.score = score
        self.base = base
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.subsample = subsample
        self.colsample = colsample
        self.natural_gradient = natural_gradient
        self.metric_weighted = metric_weighted
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.max_scaling = max_scaling
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose
        self.monotonic_cst = monotonic_cst

    # ------------------------------------------------------------------ parameters
    def get_params(self, deep=True):
        """The parameters; with ``deep`` also those of the base learner (``base__max_depth``), of
        each base learner of a per-parameter ``base`` (``base__0``, ``base__0__max_depth`` for a
        list or tuple, ``base__loc``, ``base__loc__max_depth`` for a dict)."""
        out = {}
        for key in self._get_param_names():
            value = self.__dict__["score"] if key == "score" else getattr(self, key)
            if key == "base" and deep and isinstance(value, (list, tuple, dict)):
                out.update(base_params(value))
            elif deep and hasattr(value, "get_params") and not isinstance(value, type):
                out.update((f"{key}__{k}", v) for k, v in value.get_params().items())
            out[key] = value
        return out

    def set_params(self, **params):
        """Set parameters, as scikit-learn's ``set_params``; a per-parameter ``base`` takes
        ``base__<i or name>=learner`` and ``base__<i or name>__<param>=value`` (the container is
        replaced by a new one)."""
        nested = {key[len("base__"):]: params.pop(key) for key in list(params) if key.startswith("base__")}
        super().set_params(**params)  # "base" itself first, as scikit-learn sets nested parameters last
        if nested:
            if isinstance(self.base, (list, tuple, dict)):
                self.base = set_base_params(self.base, nested)
            else:
                super().set_params(**{f"base__{key}": value for key, value in nested.items()})
        return self

    def _family(self):
        """The distribution family of ``dist`` (the estimator's default when None)."""
        return get_distribution(self._default_dist if self.dist is None else self.dist)

    def _check_params(self):
        """(family, name of the scoring rule boosted) after checking every parameter."""
        def check(name, ok, what):
            value = getattr(self, name)
            if not ok(value):
                raise ValueError(f"The '{name}' parameter of {type(self).__name__} must be {what}. Got {value!r} instead.")

        is_int = lambda v: isinstance(v, numbers.Integral) and not isinstance(v, bool)  # noqa: E731
        is_real = lambda v: isinstance(v, numbers.Real) and not isinstance(v, bool)  # noqa: E731
        check("n_estimators", lambda v: is_int(v) and v >= 1, "an int in the range [1, inf)")
        check("learning_rate", lambda v: is_real(v) and 0 < v <= 10, "a float in the range (0, 10]")
        check("subsample", lambda v: is_real(v) and 0 < v <= 1, "a float in the range (0, 1]")
        check("colsample", lambda v: is_real(v) and 0 < v <= 1, "a float in the range (0, 1]")
        check("natural_gradient", lambda v: isinstance(v, (bool, np.bool_)), "a bool")
        check("metric_weighted", lambda v: v == "auto" or isinstance(v, (bool, np.bool_)), "'auto' or a bool")
        check("early_stopping", lambda v: (isinstance(v, str) and v in ("auto", "refit", "cv")) or isinstance(v, (bool, np.bool_)),
              "'auto', 'refit', 'cv' or a bool")
        check("validation_fraction", lambda v: is_real(v) and 0 < v < 1, "a float in the range (0, 1)")
        check("n_iter_no_change", lambda v: is_int(v) and v >= 1, "an int in the range [1, inf)")
        check("tol", lambda v: is_real(v) and v >= 0, "a float in the range [0, inf)")
        check("max_scaling", lambda v: is_real(v) and 2.0**-20 <= v <= 2.0**20, "a float in the range [2**-20, 2**20]")
        check("n_jobs", lambda v: v is None or (is_int(v) and v != 0), "None or a non-zero int")
        check("verbose", lambda v: is_int(v) or isinstance(v, bool), "an int")
        per_param = isinstance(self.base, (list, tuple, dict))
        bases = (list(self.base.values()) if isinstance(self.base, dict) else list(self.base)) if per_param else [self.base]
        for b in bases:
            if b is not None and not (hasattr(b, "fit") and hasattr(b, "predict")):
                if per_param:
                    raise ValueError(f"each entry of base must be a scikit-learn regressor (with fit and predict) or "
                                     f"None (the default tree); got {b!r}.")
                raise ValueError(f"base must be a scikit-learn regressor (with fit and predict); got {b!r}.")
            if b is not None and hasattr(b, "get_params") and b.get_params(deep=False).get("monotonic_cst") is not None:
                raise ValueError(
                    f"the base learner {type(b).__name__} has its own monotonic_cst: give the constraints to "
                    f"{type(self).__name__}(monotonic_cst=...), by distribution parameter. A base learner is fitted to "
                    "the gradient of the score, which the model subtracts: its own constraint would act on the "
                    "parameter with the opposite sign.")
        if isinstance(self.base, dict) and not all(isinstance(key, str) for key in self.base):
            raise ValueError(f"a dict base is keyed by parameter name (str); got keys {list(self.base)}.")
        dist = self._family()
        return dist, self._resolve_score(dist, resolve_score(self.__dict__["score"]))

    def _resolve_score(self, dist, score):
        """The scoring rule boosted for ``score`` (a canonical name); subclasses may map it."""
        if score not in dist.scores:
            raise ValueError(f"{dist.__name__} does not implement the {score!r} score; available: {list(dist.scores)}.")
        return score


    def _validation_data(self, dist, data, rng, X_val, y_val, sample_weight_val, offset_val):
        """(training rows, validation rows or None, whether to stop early, whether to refit on all
        rows): the given validation data, a split of ``data`` (early stopping), or none."""
        if X_val is not None or y_val is not None:
            if X_val is None or y_val is None:
                raise ValueError("X_val and y_val must be given together.")
            X_val = self._validate_X(X_val, reset=False)
            y_val = self._check_y(self._prepare_y(y_val), dist)
            if len(y_val) != X_val.shape[0]:
                raise ValueError(f"X_val has {X_val.shape[0]} rows but y_val has {len(y_val)}.")
            w_val = uniform_to_none(self._check_weight(sample_weight_val, X_val))
            if data.offset is not None and offset_val is None:
                raise ValueError("offset was given for the training rows but not offset_val for X_val: the "
                                 "validation rows would be scored without their offsets (e.g. exposure).")
            val = FitData(X_val, y_val, w_val, check_offset(offset_val, X_val.shape[0], dist))
            return data, val, self.early_stopping is not False, False
        if sample_weight_val is not None or offset_val is not None:
            raise ValueError("sample_weight_val and offset_val need X_val and y_val.")
        n = data.X.shape[0]
        mode = self.early_stopping if isinstance(self.early_stopping, str) else bool(self.early_stopping)
        if mode is False or (mode == "auto" and n < 2):  # (one row cannot be split)
            return data, None, False, False
        if mode == "cv" or (mode == "auto" and n <= CV_MAX_ROWS):
            return data, None, True, "cv"
        refit = mode == "refit" or (mode == "auto" and n <= REFIT_MAX_ROWS)
        train, val = split_validation(data, self.validation_fraction, rng, self._stratify_split(), strict=mode is True)
        return train, val, True, refit

    # ------------------------------------------------------------------ fitting
    def fit(self, X, y, sample_weight=None, *, X_val=None, y_val=None, sample_weight_val=None):
        """Fit the model.

        X: (n, p) array or DataFrame; y: (n,) targets; sample_weight: (n,) non-negative weights.
        X_val, y_val, sample_weight_val: optional validation data, used for early stopping
        (unless ``early_stopping=False``) and for ``validation_score_``.
        """
        return self._fit(X, y, sample_weight, X_val=X_val, y_val=y_val, sample_weight_val=sample_weight_val)

    def _fit(self, X, y, sample_weight, **kwargs):
        snapshot = dict(self.__dict__)
        try:
            return self._fit_unsafe(X, y, sample_weight, **kwargs)
        except BaseException:
            # bad input changes nothing: restore the estimator as it was before this call
            self.__dict__.clear()
            self.__dict__.update(snapshot)
            raise

    def _fit_unsafe(self, X, y, sample_weight, X_val=None, y_val=None, sample_weight_val=None, offset=None,
                    offset_val=None, gates=None):
        """``gates``: (n_estimators, k) 0/1 steps to keep, replayed by a fit without early stopping
        (``ngb.tuning.tune``'s refit with the best trial's count and steps)."""
        dist, rule_name = self._check_params()
        data, categorical = self._training_data(X, y, sample_weight, offset, dist)
        rng = fit_random_state(self.random_state)
        train, val, stop_early, refit = self._validation_data(dist, data, rng, X_val, y_val, sample_weight_val,
                                                              offset_val)
        if gates is not None and (val is not None or refit or np.shape(gates)[0] < self.n_estimators):
            raise ValueError("replayed gates need early_stopping=False, no validation data and a row per iteration.")
        if refit == "cv":  # the count from the folds' mean validation curve, fitted on every row
            n_best, curve, gates = self._cross_validated_count(dist, rule_name, data, rng, categorical)
            _log_refit(self.verbose, data.X.shape[0], n_best)
            # the folds' gated steps replayed: without them a count chosen with a gated scale overfits it
            state = self._boost(dist, rule_name, data, None, False, rng, categorical, n_estimators=n_best, gates=gates)
            state["validation_score_"] = curve[: n_best + 1]
        else:
            state = self._boost(dist, rule_name, train, val, stop_early, rng, categorical, gates=gates)
            if refit:  # the held-out rows chose the count; fit it on every row
                chosen = state
                _log_refit(self.verbose, data.X.shape[0], chosen["n_iter_"])
                state = self._boost(dist, rule_name, data, None, False, rng, categorical, n_estimators=chosen["n_iter_"],
                                    gates=chosen["_gates"])
                state["validation_score_"] = chosen["validation_score_"]
        state.pop("_validation_curve", None)
        state.pop("_gates", None)
        state["refitted_"] = bool(refit)
        for key, value in state.items():
            setattr(self, key, value)
        return self

    def _applied_steps(self):
        """(n_iter_, k) 0/1: which of the fitted steps of early stopping's gated groups were applied
        (``_engine.applied_steps``); a fit without early stopping replays them with ``gates=``."""
        return applied_steps(self.scalings_, gated_groups(self._dist, self.n_params_, self._keep_stopped_iterations))

    def _start_params(self, dist, theta0, X, units):
        """(n, k) internal parameters the loop starts the rows X at, in the fitting units of ``units``:
        the initial parameters ``theta0`` (k,) on every row (``ngb.compat`` continues a fitted model)."""
        return np.tile(theta0, (X.shape[0], 1))

    def _cross_validated_count(self, dist, rule_name, data, rng, categorical):
        """(iteration count, mean validation curve (m + 1,), gates (count, k)) of CV_FOLDS folds of
        ``data``: each fold's rows are held out in turn and the fit on the others stops early on them;
        the curves (each extended by its last value past its end) are averaged and the count is their
        argmin; the gates keep the steps most folds kept (``_engine.majority_gates``)."""
        from sklearn.model_selection import KFold, StratifiedKFold

        n = data.X.shape[0]
        folds = min(CV_FOLDS, n)
        seed = rng.randint(2**31 - 1)
        labels = data.y if self._stratify_split() else None
        if labels is not None and np.unique(labels, return_counts=True)[1].min() >= folds:
            splits = StratifiedKFold(folds, shuffle=True, random_state=seed).split(np.zeros(n), labels)
        else:
            splits = KFold(folds, shuffle=True, random_state=seed).split(np.zeros(n))
        curves, gates = [], []
        for tr, va in splits:
            state = self._boost(dist, rule_name, data.take(np.sort(tr)), data.take(np.sort(va)), True, rng, categorical)
            curves.append(np.asarray(state["_validation_curve"], dtype=float))
            gates.append(state["_gates"])
        length = max(len(c) for c in curves)
        mean = np.mean([np.concatenate([c, np.full(length - len(c), c[-1])]) for c in curves], axis=0)
        n_best = int(np.argmin(mean))
        return n_best, mean, majority_gates(gates, n_best)

    def _boost(self, dist, rule_name, train, val, stop_early, rng, categorical, n_estimators=None, gates=None):
        """Set up the rule, the back end and the loop on the training rows; returns the fitted state.
        The loop runs in standardised units of the target (``_units.py``); the state is mapped back.
        ``n_estimators``: the iterations to run (default: the parameter); ``gates``: the (n_estimators, k)
        0/1 steps kept by a fit that held rows out (``_engine.gate_groups``), replayed by its refit."""
        n_estimators = self.n_estimators if n_estimators is None else int(n_estimators)
        n, p = train.X.shape
        units = target_units(dist, train.y, train.w)
        if units is not None:
            train, val = (None if d is None else FitData(d.X, units.to_fit(d.y), d.w, units.offset_to_fit(d.offset))
                          for d in (train, val))
        theta0 = np.asarray(self._fit_marginal(dist, train.y, train.w), dtype=float)
        k = theta0.shape[0]
        # the boosting state holds theta + offset (the offset acts on the first parameter), so every
        # score is evaluated at the parameters the rows actually have
        theta0 = initial_params(dist, rule_name, theta0, train.y, train.w, train.offset)
        names = param_names(dist, k)
        aliases = param_aliases(dist, k, names)
        base = resolve_bases(self.base, default_base, dist, k, aliases)
        feature_names = getattr(self, "feature_names_in_", None)
        # theta = init - sum of positive weights times the learners: a parameter increasing in a
        # feature (+1) has learners decreasing in it (-1)
        constraints = resolve_constraints(self.monotonic_cst, dist, k, p, aliases, feature_names)
        backend = make_backend(base, train.X, n_jobs=self.n_jobs, random_state=rng.randint(2**31 - 1),
                               categorical=categorical, feature_names=feature_names,
                               monotonic_cst=None if constraints is None else -constraints, param_names=names)
        settings = Boosting(
            n_estimators=n_estimators, learning_rate=self.learning_rate,
            n_rows=max(1, int(round(self.subsample * n))) if self.subsample < 1 else n,
            n_cols=max(1, int(round(self.colsample * p))) if self.colsample < 1 else p,
            stop_early=stop_early, n_iter_no_change=self.n_iter_no_change, tol=self.tol, groups=dist.step_groups(k),
            natural_gradient=bool(self.natural_gradient), step_max=float(self.max_scaling),
            keep_all=self._keep_stopped_iterations,
            gates=gates, gated=gated_groups(dist, k, self._keep_stopped_iterations) if stop_early else (),
        )
        weighted = bool(self.natural_gradient and uses_metric_weights(self.metric_weighted, dist))
        rule = make_rule(dist, rule_name, k, self.natural_gradient, weighted, n_threads=resolve_n_threads(self.n_jobs))
        objective = Objective(rule, _with_offset(self._start_params(dist, theta0, train.X, units), train.offset),
                              train.y, train.w, n_rows=settings.n_rows, leaf_steps=backend.records_leaves)
        validation = None
        if val is not None:
            validation = Objective(rule, _with_offset(self._start_params(dist, theta0, val.X, units), val.offset),
                                   val.y, val.w)
        shown = None if units is None else tuple(  # the log lines in the target's units
            (lambda v, d=d: units.scores(v, rule_name, d.y, d.w, dist.discrete)) for d in (train, val if val else train))
        with FitProgress(self.verbose, n_estimators, rule_name, shown) as progress:
            result = boost(settings, objective, backend, p, rng, progress, validation, None if val is None else val.X)
        train_score, val_score = result["train_score"], result["validation_score"]
        val_curve = result["validation_curve"]
        if units is not None:  # back to the target's own units
            theta0 = units.to_original(theta0)
            train_score = units.scores(train_score, rule_name, train.y, train.w, dist.discrete)
            if val is not None:
                val_score = units.scores(val_score, rule_name, val.y, val.w, dist.discrete)
                val_curve = units.scores(val_curve, rule_name, val.y, val.w, dist.discrete)
        state = self._fitted_state(dist, rule_name, k, p, units, theta0, result["estimators"], result["columns"],
                                   result["scalings"], train_score, val_score)
        state["_validation_curve"] = val_curve
        state["_gates"] = result["gates"]
        return state


    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags

    # ------------------------------------------------------------------ persistence
    def save(self, file):
        """Save the fitted model to ``file`` (a path or a binary file object) as an ngb model file,
        which ``ngb.load(file)`` reads back without running code from the file (unlike pickle);
        predictions of the loaded model are bit-identical. Needs ngb's trees as base learners
        (``base=None`` or a ``HistTreeRegressor``). See ``ngb/_model_file/`` for the format."""
        from ._model_file import save

        save(self, file)

    def __getstate__(self):
        from ._model_file import state_digest

        state = dict(super().__getstate__())  # a copy: the model's own __dict__ stays as it is
        state["_ngb_version"] = __version__
        state["_ngb_digest"] = state_digest(state)  # checked when unpickled: damaged arrays are refused
        return state

    def __setstate__(self, state):
        from ._model_file import PICKLE_DIGEST_VERSION, state_digest

        state = dict(state)
        digest = state.pop("_ngb_digest", None)
        if digest is not None and (not isinstance(digest, str) or (
                digest.split(":")[0] == PICKLE_DIGEST_VERSION and digest != state_digest(state))):
            raise ValueError(f"This pickled {type(self).__name__} is damaged: the SHA-256 of its fitted arrays and "
                             "values does not match the one stored when it was pickled. Load an undamaged copy (and "
                             "prefer model files, model.save / ngb.load, which check everything they read).")
        saved = state.get("_ngb_version", "unknown (before 0.1.0)")
        if saved != __version__:
            warnings.warn(
                f"This {type(self).__name__} was saved with ngb {saved} and is loaded with ngb "
                f"{__version__}. Its predictions may differ or fail; refit it with this version.",
                NGBVersionWarning,
                stacklevel=2,
            )
        super().__setstate__(state)


class NGBVersionWarning(UserWarning):
    """A model pickled by another ngb version was loaded."""


def _log_refit(verbose, n, n_iter):
    if verbose > 0:
        from ._progress import logger

        logger.info(f"refit on all {n} rows with the {n_iter} iterations chosen on the held-out rows")


def fit_random_state(seed):
    """The fit's RandomState for ``random_state``: None, an int, a RandomState, or a numpy
    Generator (seeds a RandomState from one draw, advancing it as a RandomState would be)."""
    if isinstance(seed, np.random.Generator):
        return np.random.RandomState(int(seed.integers(0, 2**32)))
    return check_random_state(seed)

