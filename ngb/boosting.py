"""The natural gradient boosting engine shared by every estimator.

Notation: ``n`` rows, ``p`` features, ``k`` internal distribution parameters. The model is

    theta(x) = init_params_ - sum_m learning_rate * scalings_[m] * f_m(x)      (n, k)

where f_m are the k base learners of iteration m, fitted on the natural gradient of the scoring
rule at the current parameters, and scalings_[m] comes from a line search on the score.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.model_selection import train_test_split
from sklearn.tree import DecisionTreeRegressor
from sklearn.utils import check_random_state
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from ._learners import make_learners, predict_iteration
from ._threads import map_chunks, resolve_n_threads
from ._progress import FitProgress
from .distributions import get_distribution
from .distributions._fused import mean_score as fused_mean_score
from .distributions._fused import leaf_mean_score, subtract_leaf_steps
from .distributions._fused import natural_gradient_and_score as fused_natural_gradient
from .scores import resolve_score
from .tree import category_columns, category_counts, encode_categories
from .version import __version__

__all__ = ["BaseNGBoost", "NGBVersionWarning"]

_STEP_MAX = 256.0  # cap of the line-search scaling
_LINE_SEARCH_ROWS = 65_536  # size of the line search's row sample on large data (evenly spaced)
_STEP_MIN = 2.0**-20  # below this the iteration makes no step


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


#: leaves of the default base tree hold at least this many rows: single-row leaves let one row drive
#: the scale tree to extremes on small data (UCI yacht, validation NLL; benchmarks/README.md)
DEFAULT_MIN_SAMPLES_LEAF = 10


def _default_base():
    try:
        from .tree import HistTreeRegressor
    except ImportError:  # pragma: no cover - tree module not built
        return DecisionTreeRegressor(max_depth=3, min_samples_leaf=DEFAULT_MIN_SAMPLES_LEAF)
    return HistTreeRegressor(max_depth=3, min_samples_leaf=DEFAULT_MIN_SAMPLES_LEAF)


class BaseNGBoost(BaseEstimator):
    """Shared fit loop, line search, early stopping and prediction. Not used directly."""

    score = _ScoreParameter()

    _default_dist = "normal"

    def __init__(
        self,
        dist="normal",
        score="log",
        base=None,
        n_estimators=500,
        learning_rate=0.01,
        subsample=1.0,
        colsample=1.0,
        natural_gradient=True,
        metric_weighted="auto",
        early_stopping="auto",
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        n_jobs=None,
        random_state=None,
        verbose=0,
    ):
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
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ parameters
    def get_params(self, deep=True):
        out = {}
        for key in self._get_param_names():
            value = self.__dict__["score"] if key == "score" else getattr(self, key)
            if deep and hasattr(value, "get_params") and not isinstance(value, type):
                out.update((f"{key}__{k}", v) for k, v in value.get_params().items())
            out[key] = value
        return out

    def _validate_params(self):
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
        check("early_stopping", lambda v: v == "auto" or isinstance(v, (bool, np.bool_)), "'auto' or a bool")
        check("validation_fraction", lambda v: is_real(v) and 0 < v < 1, "a float in the range (0, 1)")
        check("n_iter_no_change", lambda v: is_int(v) and v >= 1, "an int in the range [1, inf)")
        check("tol", lambda v: is_real(v) and v >= 0, "a float in the range [0, inf)")
        check("n_jobs", lambda v: v is None or (is_int(v) and v != 0), "None or a non-zero int")
        check("verbose", lambda v: is_int(v) or isinstance(v, bool), "an int")
        if self.base is not None and not (hasattr(self.base, "fit") and hasattr(self.base, "predict")):
            raise ValueError(f"base must be a scikit-learn regressor (with fit and predict); got {self.base!r}.")
        dist = get_distribution(self.dist)
        self._expected_dim = getattr(self.dist, "dim", None) if getattr(dist, "multi_output", False) else None
        return dist, self._resolve_score(dist, resolve_score(self.__dict__["score"]))

    def _resolve_score(self, dist, score):
        """The scoring rule boosted for ``score`` (a canonical name); subclasses may map it."""
        if score not in dist.scores:
            raise ValueError(f"{dist.__name__} does not implement the {score!r} score; available: {list(dist.scores)}.")
        return score

    def _two_column_y(self, dist):
        """Whether y has one column per row element (multi-output or survival targets)."""
        return getattr(dist, "multi_output", False)

    # ------------------------------------------------------------------ input handling
    def _prepare_X(self, X, reset):
        """Map pandas categorical columns to their integer codes (fit categories kept; unseen
        categories and NaN become missing). With ngb's histogram trees these columns then get
        categorical splits (``HistTreeRegressor(categorical_features="from_dtype")``)."""
        if reset:
            X, self._categories = encode_categories(X)
        elif isinstance(X, pd.DataFrame):
            X, _ = encode_categories(X, getattr(self, "_categories", {}))
        return X

    def _categorical_info(self, X):
        """(mask of the pandas category columns, their numbers of fit categories (-1 elsewhere)) of
        the DataFrame X given to fit (after ``_prepare_X``), or None for other inputs."""
        from_dtype = category_columns(X)
        if from_dtype is None:
            return None
        return from_dtype, category_counts(X.columns, self._categories)

    def _validate_X(self, X, reset):
        X = self._prepare_X(X, reset)
        return validate_data(self, X, reset=reset, dtype=np.float64, ensure_all_finite="allow-nan")

    def _prepare_y(self, y):
        """Convert y to an array before validation (survival: structured array to (n, 2))."""
        return y

    def _check_y(self, y, dist, fitting=False):
        """Encode/validate y for the family; returns a float array. ``fitting`` marks the training
        targets (a classifier learns its classes from them). Subclasses may override."""
        try:
            return dist.check_y(y)
        except ValueError as err:
            raise ValueError(f"Invalid target y for {dist.__name__}: {err}") from None

    def _fit_marginal(self, dist, y, w):
        return dist.fit_marginal(y, w)

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

    def _fit_unsafe(self, X, y, sample_weight, X_val=None, y_val=None, sample_weight_val=None, offset=None, offset_val=None):
        dist, score_name = self._validate_params()
        X_in = X
        X, y = validate_data(
            self,
            self._prepare_X(X, reset=True),
            self._prepare_y(y),
            reset=True,
            dtype=np.float64,
            ensure_all_finite="allow-nan",
            y_numeric=False,
            multi_output=self._two_column_y(dist),
        )
        if np.isinf(X).any():
            raise ValueError("Input X contains infinity or a value too large for dtype('float64').")
        categorical = self._categorical_info(X_in)
        y = self._check_y(y, dist, fitting=True)
        sample_weight = self._check_weight(sample_weight, X)
        offset = self._check_offset(offset, X.shape[0])
        if sample_weight is not None and not np.all(sample_weight > 0):
            # a zero weight removes the row, exactly (scikit-learn's convention): the bins, the
            # minimum leaf sizes and the validation split never see it
            keep = sample_weight > 0
            X, y, sample_weight = X[keep], y[keep], sample_weight[keep]
            offset = None if offset is None else offset[keep]
        rng = check_random_state(self.random_state)
        base = _default_base() if self.base is None else self.base

        # validation data: given, split off, or none
        early = self.early_stopping
        if X_val is not None or y_val is not None:
            if X_val is None or y_val is None:
                raise ValueError("X_val and y_val must be given together.")
            X_val = self._validate_X(X_val, reset=False)
            y_val = self._check_y(self._prepare_y(y_val), dist)
            if len(y_val) != X_val.shape[0]:
                raise ValueError(f"X_val has {X_val.shape[0]} rows but y_val has {len(y_val)}.")
            w_val = self._check_weight(sample_weight_val, X_val)
            if offset is not None and offset_val is None:
                raise ValueError("offset was given for the training rows but not offset_val for X_val: the "
                                 "validation rows would be scored without their offsets (e.g. exposure).")
            off_val = self._check_offset(offset_val, X_val.shape[0])
            X_tr, y_tr, w_tr, off_tr = X, y, sample_weight, offset
            stop_early = early is not False
        elif sample_weight_val is not None or offset_val is not None:
            raise ValueError("sample_weight_val and offset_val need X_val and y_val.")
        elif early is True or (early == "auto" and X.shape[0] > 10000):
            idx = np.arange(X.shape[0])
            stratify = y if self._stratify_split() else None
            if stratify is not None and np.unique(y, return_counts=True)[1].min() < 2:
                stratify = None  # a class with one member cannot be stratified
            if stratify is not None:
                n_classes, n_val = len(np.unique(y)), int(np.ceil(self.validation_fraction * len(y)))
                if min(n_val, len(y) - n_val) < n_classes:
                    raise ValueError(
                        f"early stopping with validation_fraction={self.validation_fraction} splits {len(y)} rows "
                        f"into {len(y) - n_val} training and {n_val} validation rows, too few for a stratified "
                        f"split of {n_classes} classes: raise validation_fraction, pass X_val and y_val, or set "
                        "early_stopping=False."
                    )
            idx_tr, idx_val = train_test_split(
                idx, test_size=self.validation_fraction, stratify=stratify, random_state=rng.randint(2**31 - 1)
            )
            idx_tr.sort()
            idx_val.sort()
            take = lambda a, i: None if a is None else a[i]  # noqa: E731
            X_tr, y_tr, w_tr, off_tr = X[idx_tr], y[idx_tr], take(sample_weight, idx_tr), take(offset, idx_tr)
            X_val, y_val, w_val, off_val = X[idx_val], y[idx_val], take(sample_weight, idx_val), take(offset, idx_val)
            stop_early = True
        else:
            X_tr, y_tr, w_tr, off_tr = X, y, sample_weight, offset
            w_val = off_val = None
            stop_early = False

        state = self._boost(dist, score_name, base, X_tr, y_tr, w_tr, off_tr, X_val, y_val, w_val, off_val, stop_early, rng,
                            categorical=categorical)
        for key, value in state.items():
            setattr(self, key, value)
        return self

    def _stratify_split(self):
        return False

    def _check_weight(self, sample_weight, X):
        if sample_weight is None:
            return None
        w = _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)
        if not np.all(np.isfinite(w)):
            raise ValueError("sample_weight contains NaN or infinite values.")
        if w.sum() <= 0:
            raise ValueError("sample_weight sums to zero: at least one row needs a positive weight.")
        return w

    def _weighted_mean(self, values, sample_weight):
        """Mean of the per-row ``values`` (n,), weighted by ``sample_weight`` (n,) checked as in fit."""
        return float(np.average(values, weights=self._check_weight(sample_weight, values)))

    @staticmethod
    def _check_offset(offset, n):
        if offset is None:
            return None
        offset = np.asarray(offset, dtype=float)
        if offset.ndim > 2 or (offset.ndim == 2 and offset.shape[1] != 1):
            raise ValueError(f"offset must be one value per row, shape ({n},); got shape {offset.shape}.")
        offset = offset.reshape(-1)
        if offset.shape[0] != n:
            raise ValueError(f"offset has {offset.shape[0]} values for {n} rows.")
        if not np.all(np.isfinite(offset)):
            raise ValueError("offset contains NaN or infinite values.")
        return offset

    def _boost(self, dist, score_name, base, X, y, w, offset, X_val, y_val, w_val, off_val, stop_early, rng,
               categorical=None):
        n, p = X.shape
        theta0 = np.asarray(self._fit_marginal(dist, y, w), dtype=float)
        k = theta0.shape[0]
        # the boosting state holds theta + offset (the offset acts on the first parameter), so every
        # score below is evaluated at the parameters the rows actually have
        if offset is not None:
            theta0 = self._refit_first_param_with_offset(dist, score_name, theta0, y, w, offset)
        theta = _with_offset(np.tile(theta0, (n, 1)), offset)
        has_val = X_val is not None
        theta_val = _with_offset(np.tile(theta0, (X_val.shape[0], 1)), off_val) if has_val else None

        learners = make_learners(base, X, n_jobs=self.n_jobs, random_state=rng.randint(2**31 - 1),
                                 categorical=categorical, feature_names=getattr(self, "feature_names_in_", None))
        n_rows = max(1, int(round(self.subsample * n))) if self.subsample < 1 else n
        n_cols = max(1, int(round(self.colsample * p))) if self.colsample < 1 else p
        lr = float(self.learning_rate)

        weighted = bool(self.natural_gradient and _uses_metric_weights(self.metric_weighted, dist))
        kernel = dist.fused_score_kernel(score_name)
        natgrad_kernel = dist.fused_natgrad_kernel(score_name) if self.natural_gradient else None
        # leaf-structured line search: with a fused natural gradient and trees grown on every row
        leaf_kernel = dist.fused_leaf_score_kernel(score_name) if natgrad_kernel is not None else None
        bounds = np.asarray(dist._bounds_for(k), dtype=float).reshape(k, 2)
        ex = None  # the family's row factors (see _fused.py), kept up to date along the fast path
        if leaf_kernel is not None and n_rows == n and learners.records_leaves:
            ex, ex_signs, ex_given = np.empty((n, k)), dist.fused_ex_signs(k), False
            lo, hi = np.ascontiguousarray(bounds[:, 0]), np.ascontiguousarray(bounds[:, 1])

        # the fused kernels run on fixed row chunks (results do not depend on the thread count)
        score_threads = resolve_n_threads(self.n_jobs)
        aux = dist.fused_aux(y) if kernel is not None else None
        aux_val = dist.fused_aux(y_val) if kernel is not None and has_val else None

        def mean_score(th, yy, ww, step=None, s=0.0, aux=None):
            """Weighted mean score at clip(th - s * step)."""
            if kernel is not None:
                value = fused_mean_score(kernel, bounds, th, step, s, yy, ww, aux, n_threads=score_threads)
                return value if np.isfinite(value) else np.inf
            moved = th if step is None else th - s * step
            values = dist.from_internal(moved, copy=step is None).score(yy, score_name)
            return float(np.average(values, weights=ww)) if np.all(np.isfinite(values)) else np.inf

        def leaf_score(th, ex_, leaves, vals, s, yy, ww, aux):
            value = leaf_mean_score(leaf_kernel, bounds, th, ex_, leaves, vals, s, yy, ww, aux, n_threads=score_threads)
            return value if np.isfinite(value) else np.inf

        # above 4 * _LINE_SEARCH_ROWS rows, the line search scores an evenly spaced sample of the rows:
        # it only chooses a power of two, and paired score differences on 65,536 rows decide
        # that as the full data would except at near-ties, at a fraction of the cost
        ls_idx = None
        if n_rows > 4 * _LINE_SEARCH_ROWS:
            ls_idx = np.linspace(0, n_rows - 1, _LINE_SEARCH_ROWS).round().astype(np.int64)
        ls_full = _take(ls_idx, y, w, aux) if ls_idx is not None else None
        start = 1.0  # the line search starts at the last scaling

        estimators, columns, scalings = [], [], []
        train_scores = [mean_score(theta, y, w, aux=aux)]
        val_scores = [mean_score(theta_val, y_val, w_val, aux=aux_val)] if has_val else []
        best_val, best_iter, since_best = (val_scores[0] if has_val else np.inf), 0, 0

        with FitProgress(self.verbose, self.n_estimators, score_name) as progress:
            for it in range(self.n_estimators):
                rows = None if n_rows == n else np.sort(rng.choice(n, n_rows, replace=False))
                cols = None if n_cols == p else np.sort(rng.choice(p, n_cols, replace=False))
                th_rows = theta if rows is None else theta[rows]
                y_rows = y if rows is None else y[rows]
                w_rows = None if w is None else (w if rows is None else w[rows])
                aux_rows = aux if aux is None or rows is None else aux[rows]
                diag = None
                if natgrad_kernel is not None:  # one fused pass: the gradient and the score at s = 0
                    grad, loss0, diag = fused_natural_gradient(
                        natgrad_kernel, bounds, th_rows, y_rows, w_rows, aux_rows, n_threads=score_threads,
                        want_diag=weighted, ex=ex, ex_given=ex is not None and ex_given,
                    )
                    loss0 = loss0 if np.isfinite(loss0) else np.inf
                    if train_scores[-1] is None:  # deferred from the last iteration: this is its value
                        train_scores[-1] = loss0
                else:
                    d_rows = dist.from_internal(th_rows)
                    if weighted:  # the diagonal Newton direction, weights = the metric diagonal
                        diag = d_rows.metric_diagonal(score_name)
                        grad = _diagonal_newton(d_rows.d_score(y_rows, score_name), diag)
                    elif self.natural_gradient:
                        grad = d_rows.natural_gradient(y_rows, score_name)
                    else:
                        grad = d_rows.d_score(y_rows, score_name)
                    # the score at s = 0 is the training score already known when all rows are used
                    loss0 = train_scores[-1] if rows is None else mean_score(th_rows, y_rows, w_rows, aux=aux_rows)

                fit_weight = w_rows if diag is None else _metric_weights(diag, w_rows)
                fitted = learners.fit_iteration(rows, cols, grad, fit_weight, rng)
                recorded = learners.recorded_leaves(fitted) if ex is not None and rows is None else None
                if recorded is not None:  # the step of row i is vals[j, leaves[j, i]]
                    leaves, vals = recorded
                    th_ls, ex_ls, leaves_ls, y_ls, w_ls, aux_ls, loss0_ls = theta, ex, leaves, y, w, aux, loss0
                    if ls_idx is not None:  # on a fixed, evenly spaced sample of the rows
                        th_ls, ex_ls, leaves_ls = theta[ls_idx], ex[ls_idx], leaves[:, ls_idx]
                        y_ls, w_ls, aux_ls = ls_full
                        loss0_ls = leaf_score(th_ls, ex_ls, leaves_ls, vals, 0.0, y_ls, w_ls, aux_ls)
                    scale = _line_search(
                        lambda s: leaf_score(th_ls, ex_ls, leaves_ls, vals, s, y_ls, w_ls, aux_ls), loss0_ls, start
                    )
                    c = lr * scale
                    map_chunks(lambda a, b: subtract_leaf_steps(theta[a:b], ex[a:b], leaves[:, a:b], vals, c, ex_signs,
                                                                lo, hi), n, score_threads, min_chunk=50_000)
                    ex_given = True
                else:
                    step_all = learners.predict_train(fitted, cols)  # (n, k)
                    step_rows = step_all if rows is None else step_all[rows]
                    th_ls, step_ls, y_ls, w_ls, aux_ls, loss0_ls = th_rows, step_rows, y_rows, w_rows, aux_rows, loss0
                    if ls_idx is not None:  # on a fixed, evenly spaced sample of the iteration's rows
                        th_ls, step_ls = th_rows[ls_idx], step_rows[ls_idx]
                        y_ls, w_ls, aux_ls = _take(ls_idx, y_rows, w_rows, aux_rows) if rows is not None else ls_full
                        loss0_ls = mean_score(th_ls, y_ls, w_ls, aux=aux_ls)
                    scale = _line_search(
                        lambda s: mean_score(th_ls, y_ls, w_ls, step_ls, s, aux=aux_ls), loss0_ls, start
                    )
                    step_all *= lr * scale  # (the line search is done with it)
                    theta -= step_all
                    ex_given = False
                start = scale if scale > 0 else 1.0
                estimators.append(fitted)
                columns.append(cols)
                scalings.append(scale)
                # with all rows and a fused natural gradient, the next iteration's pass yields the
                # training score for free; it is only computed here when it is shown
                defer = natgrad_kernel is not None and rows is None and not progress.verbose
                train_scores.append(None if defer else mean_score(theta, y, w, aux=aux))
                val_score = None
                if has_val:
                    theta_val -= (lr * scale) * predict_iteration(fitted, cols, X_val)
                    val_score = mean_score(theta_val, y_val, w_val, aux=aux_val)
                    val_scores.append(val_score)
                progress.update(it, train_scores[-1], val_score, scale)
                if stop_early:
                    if val_score < best_val - self.tol:
                        best_val, best_iter, since_best = val_score, it + 1, 0
                    else:
                        since_best += 1
                        if since_best >= self.n_iter_no_change:
                            break
            if train_scores[-1] is None:
                train_scores[-1] = mean_score(theta, y, w, aux=aux)
            n_kept = best_iter if stop_early else len(estimators)
            progress.finish(f"kept {n_kept} of {len(estimators)} iterations")

        state = {
            "init_params_": theta0,
            "n_iter_": n_kept,
            "_estimators": estimators[:n_kept],
            "_columns": columns[:n_kept],
            "scalings_": np.asarray(scalings[:n_kept]),
            "train_score_": np.asarray(train_scores[: n_kept + 1]),
            "validation_score_": np.asarray(val_scores[: n_kept + 1]),
            "_dist": dist,
            "_score_name": score_name,
            "n_params_": k,
        }
        state["feature_importances_by_param_"] = self._importances(state, dist, p, k)
        state["_forest"] = _pack_forest(state["_estimators"], -lr * state["scalings_"], k)
        return state

    @staticmethod
    def _refit_first_param_with_offset(dist, score_name, theta0, y, w, offset):
        """The constant first parameter that minimises the weighted score given the offsets (for a
        Poisson: log(sum w y / sum w exp(offset))), the other parameters kept at the marginal fit."""
        from scipy.optimize import minimize_scalar

        base = np.tile(theta0, (len(y), 1))

        def objective(c):
            moved = base.copy()
            moved[:, 0] = c + offset
            values = dist.from_internal(moved, copy=False).score(y, score_name)
            return float(np.average(values, weights=w)) if np.all(np.isfinite(values)) else np.inf

        lo, hi = dist._bounds_for(len(theta0))[0]
        center = theta0[0] - float(np.average(offset, weights=w))
        span = 10.0 + abs(center)
        res = minimize_scalar(objective, bounds=(max(lo, center - span), min(hi, center + span)), method="bounded",
                              options={"xatol": 1e-10})
        out = theta0.copy()
        if res.fun <= objective(center):
            out[0] = res.x
        else:
            out[0] = center
        return out

    def _importances(self, state, dist, p, k):
        imp = np.zeros((k, p))
        for learners, cols in zip(state["_estimators"], state["_columns"]):
            for j, est in enumerate(learners):
                fi = _learner_importances(est, p)
                if fi is None:
                    continue
                if cols is not None and fi.shape[0] != p:
                    full = np.zeros(p)
                    full[cols] = fi
                    fi = full
                imp[j] += fi
        totals = imp.sum(axis=1, keepdims=True)
        np.divide(imp, totals, out=imp, where=totals > 0)
        names = _param_names(dist, k)
        return {name: imp[j] for j, name in enumerate(names)}

    @property
    def feature_importances_(self):
        """(p,) importance of each feature averaged over the distribution parameters."""
        if "feature_importances_by_param_" not in self.__dict__:
            raise AttributeError(f"This {type(self).__name__} is not fitted yet: no feature_importances_.")
        return np.mean(list(self.feature_importances_by_param_.values()), axis=0)

    # ------------------------------------------------------------------ prediction
    def _raw_predict(self, X, offset=None):
        """Internal parameters (n, k) on validated X, offset added to the first parameter."""
        weights = -self.learning_rate * self.scalings_
        theta = np.tile(self.init_params_, (X.shape[0], 1))
        if self._forest is not None:  # histogram trees: one packed numba pass over all trees
            from .tree import predict_forest

            theta = predict_forest(X, self._forest, init=theta)
        else:
            for wgt, learners, cols in zip(weights, self._estimators, self._columns):
                theta += wgt * predict_iteration(learners, cols, X)
        return _with_offset(theta, offset)

    def _predict_dist(self, X, offset=None):
        check_is_fitted(self, "n_iter_")
        X = self._validate_X(X, reset=False)
        offset = self._check_offset(offset, X.shape[0])
        return self._dist.from_internal(self._raw_predict(X, offset))

    def _staged_dists(self, X, offset=None):
        check_is_fitted(self, "n_iter_")
        X = self._validate_X(X, reset=False)
        offset = self._check_offset(offset, X.shape[0])
        theta = np.tile(self.init_params_, (X.shape[0], 1))
        for scale, learners, cols in zip(self.scalings_, self._estimators, self._columns):
            theta -= self.learning_rate * scale * predict_iteration(learners, cols, X)
            yield self._dist.from_internal(_with_offset(theta, offset))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags

    # ------------------------------------------------------------------ persistence
    def __getstate__(self):
        state = super().__getstate__()
        state["_ngb_version"] = __version__
        return state

    def __setstate__(self, state):
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


def _pack_forest(estimators, weights, k):
    """A PackedForest of all iterations' histogram trees (tree m*k + j adds weights[m] * f_mj to
    parameter j), or None when the learners are not ngb's trees."""
    from ._learners import _is_tree

    if not estimators or not _is_tree(estimators[0][0]):
        return None
    from .tree import PackedForest

    trees = [tree for learners in estimators for tree in learners]
    return PackedForest(trees, np.tile(np.arange(k), len(estimators)), np.repeat(weights, k), k)


def _with_offset(theta, offset):
    if offset is None:
        return theta
    out = theta.copy()
    out[:, 0] += offset
    return out


#: supports on which metric_weighted="auto" weights the fit: count and class families, whose
#: unweighted natural-gradient leaves are badly scaled (freMTPL Poisson) or stall (many classes)
_METRIC_WEIGHTED_SUPPORTS = ("count", "class")


def _uses_metric_weights(option, dist):
    if option == "auto":
        return getattr(dist, "support", None) in _METRIC_WEIGHTED_SUPPORTS
    return bool(option)


def _diagonal_newton(grad, diag):
    """grad / diag per entry (0 where the metric diagonal is not positive), column order."""
    out = np.zeros(grad.shape, order="F")
    np.divide(grad, diag, out=out, where=diag > 0)
    return out


def _metric_weights(diag, w):
    """Per-parameter fit weights w_i * diag_ij as a list of k columns; a column that is constant
    (the Normal log-scale Fisher entry 2) leaves the fit unweighted, as the same leaves result."""
    out = []
    for j in range(diag.shape[1]):
        col = diag[:, j]
        if col.size and col[0] == col[-1] and np.all(col == col[0]):
            out.append(w)
        else:
            out.append(col if w is None else col * w)
    return out


def _take(idx, *arrays):
    """``a[idx]`` for each array (None stays None)."""
    return tuple(None if a is None else a[idx] for a in arrays)


def _line_search(loss, loss0, start=1.0):
    """Scaling s in [0, _STEP_MAX] of the step: the largest power of two whose score is finite and
    better than at s = 0 (doubling from ``start`` while that holds, else halving until it holds).
    Returns 0.0 when no tried step down to _STEP_MIN improves. For a convex score the improving
    scalings form an interval (0, s_max), so the result does not depend on ``start`` (the engine
    passes the previous iteration's scaling, which saves an evaluation when the scale is steady)
    and lands in [s*, 2 s*) around the exact minimiser s* along the step, so ``learning_rate``
    scales a step of that size."""
    if not np.isfinite(loss0):
        loss0 = np.inf
    s = float(min(max(start, 1.0), _STEP_MAX))
    improves = lambda value: np.isfinite(value) and value < loss0  # noqa: E731
    if improves(loss(s)):
        while s < _STEP_MAX and improves(loss(2 * s)):
            s *= 2
        return s
    while s >= _STEP_MIN:
        s /= 2
        if improves(loss(s)):
            return s
    return 0.0


def _learner_importances(est, p):
    if hasattr(est, "feature_importances") and callable(est.feature_importances):
        return np.asarray(est.feature_importances(p), dtype=float)
    fi = getattr(est, "feature_importances_", None)
    return None if fi is None else np.asarray(fi, dtype=float)


def _param_names(dist, k):
    names = dist.param_names if isinstance(dist.param_names, tuple) else ()
    return tuple(names) if len(names) == k else tuple(f"logit_{j}" for j in range(1, k + 1))
