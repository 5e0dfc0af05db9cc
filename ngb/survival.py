"""Censored survival: NGBSurvival, survival targets, and Harrell's concordance index.

Targets follow scikit-survival: a structured array with a boolean event field and a float time
field (``make_y(time, event)`` builds one; ``sksurv.util.Surv.from_arrays`` arrays work as they
are), so ngb models plug into scikit-survival's metrics and model selection.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize
from sklearn.utils.validation import check_is_fitted

from .boosting import BaseNGBoost, _ScoreParameter
from .distributions import FAMILIES
from .metrics.survival import _concordance
from ._survival_target import make_y, time_event as _time_event
from .scores import resolve_score
from ._threads import resolve_n_threads

__all__ = ["NGBSurvival", "TimeFunction", "make_y", "concordance_index", "SURVIVAL_FAMILIES", "CRPS_SURVIVAL_FAMILIES"]

#: families with a right-censored log score (declared by each family's ``censoring``)
SURVIVAL_FAMILIES = tuple(name for name, cls in FAMILIES.items() if cls.supports_censoring())
#: families with a right-censored CRPS (those whose CRPS has a closed form)
CRPS_SURVIVAL_FAMILIES = tuple(name for name, cls in FAMILIES.items() if cls.supports_censored_crps())


def concordance_index(time, event, risk, tied_tol=1e-8):
    """Harrell's concordance index for right-censored data: time (n,), event (n,), risk (n,)
    (higher = earlier event); a float in [0, 1].

    A pair (i, j) is comparable when row i has an event and t_i < t_j, or t_i = t_j with row j
    censored (Harrell; scikit-survival's ``concordance_index_censored``); it is concordant when
    row i has the higher risk, and risks within ``tied_tol`` count 1/2. The implementation is
    ``ngb.metrics.concordance_index``'s (O(n^2) work in blocks of rows).
    """
    time = np.asarray(time, float).reshape(-1)
    event = np.asarray(event).astype(float).reshape(-1)
    risk = np.asarray(risk, float).reshape(-1)
    if not time.shape == event.shape == risk.shape:
        raise ValueError(f"time, event and risk have different lengths ({time.size}, {event.size}, {risk.size}).")
    return _concordance(time, event, risk, np.ones(time.size), tied_tol=tied_tol)


class NGBSurvival(BaseNGBoost):
    """Natural gradient boosting for right-censored survival times.

    Parameters are those of :class:`ngb.NGBRegressor`, with ``dist`` one of ``SURVIVAL_FAMILIES``
    ("lognormal" (None, the default), "weibull", "exponential", "gamma") and ``score`` one of

    - "log" (default): the right-censored log score, -log f(t) for events and -log S(t)
      (computed as ``logsf``) for censored rows; its metric is the family's Fisher information;
    - "crps" ("lognormal" and "exponential" only, whose CRPS has a closed form): the censored
      CRPS of Avati et al. (2020), the CRPS for events and int_0^t F(z)^2 dz for censored rows;
      its metric is the family's CRPS metric (see ``ngb.scores.CensoredCRPScore``).

    The initial constant fit is the censored MLE; with ``score="crps"`` the constant minimising
    the weighted censored CRPS is then searched from it (the better of the two is kept).

    ``fit(X, y)`` takes y as a structured array (fields event, time) as scikit-survival uses.
    Predictions follow scikit-survival's conventions, so its metrics and scorers
    (``as_concordance_index_ipcw_scorer``, ``as_cumulative_dynamic_auc_scorer``,
    ``as_integrated_brier_score_scorer``) work on the model as on its own models:

    - ``predict(X)``: a **risk score** (higher = earlier event), minus the predicted median time;
    - ``predict_median(X)``: the predicted median survival time (units of the fitted times);
    - ``predict_survival_function(X)`` / ``predict_cumulative_hazard_function(X)``: one callable
      per row (with ``.x``, ``.y`` on ``unique_times_``), or ``return_array=True`` the values on
      ``unique_times_``, or given ``times`` the values there;
    - ``predict_dist(X)``: the time distribution (survival function, hazard, quantiles).

    ``score`` is the mean censored log-likelihood (higher is better, whichever score was boosted;
    scikit-survival's own models score by concordance) and ``concordance(X, y)`` Harrell's C of
    ``predict``.

    Attributes add ``unique_times_``: the sorted distinct observed times of the rows the model was
    fitted on (scikit-survival's grid for ``return_array=True``).
    """

    score = _ScoreParameter()
    _default_dist = "lognormal"

    def fit(self, X, y, sample_weight=None, *, X_val=None, y_val=None, sample_weight_val=None):
        """Fit on X (n, p) and a survival target y (structured array with event and time)."""
        return self._fit(X, y, sample_weight, X_val=X_val, y_val=y_val, sample_weight_val=sample_weight_val)

    # ------------------------------------------------------------------ engine hooks
    def _resolve_score(self, dist, score):
        if not dist.supports_censoring():
            raise ValueError(
                f"{dist.__name__} has no censored log score; NGBSurvival supports {list(SURVIVAL_FAMILIES)}."
            )
        if score in ("log", "censored_log"):
            return "censored_log"
        if score in ("crps", "censored_crps"):
            if not dist.supports_censored_crps():
                raise ValueError(
                    f"{dist.__name__} has no closed-form CRPS, so no censored CRPS: NGBSurvival(score='crps') "
                    f"supports {list(CRPS_SURVIVAL_FAMILIES)}; use score='log' for {dist.__name__}."
                )
            return "censored_crps"
        raise ValueError(
            "NGBSurvival boosts the censored log score (score='log') or the censored CRPS (score='crps'); "
            f"got {score!r}."
        )

    def _two_column_y(self, dist):
        return True

    def _prepare_y(self, y):
        time, event = _time_event(y)
        return np.column_stack([time, event])

    def _check_y(self, y, dist, fitting=False):
        y = np.asarray(y, dtype=float)
        if y.ndim != 2 or y.shape[1] != 2:
            raise ValueError("a survival target has a time and an event per row.")
        time, event = y[:, 0], y[:, 1]
        if not np.all(np.isfinite(time)):
            raise ValueError("survival times contain NaN or infinite values.")
        if np.any(time <= 0):
            raise ValueError("survival times must be positive.")
        if not np.all(np.isin(event, [0.0, 1.0])):
            raise ValueError("event indicators must be boolean (or 0/1).")
        if fitting and not np.any(event > 0):
            raise ValueError("y contains no events (all rows censored): the time distribution cannot be fitted.")
        try:
            dist.check_y(time)
        except ValueError as err:
            raise ValueError(f"Invalid survival times for {dist.__name__}: {err}") from None
        return y

    def _fit_marginal(self, dist, y, w):
        """Censored weighted MLE of the constant distribution, from the events-and-censored-times
        start; when the censored CRPS is boosted, the constant minimising it, searched from the MLE."""
        w = np.ones(len(y)) if w is None else w
        start = np.asarray(dist.fit_marginal(y[:, 0], w), dtype=float)
        n_threads = resolve_n_threads(self.n_jobs)
        theta = self._minimise_constant(dist, "censored_log", start, y, w, 1.0, n_threads)
        if self._resolve_score(dist, resolve_score(self.__dict__["score"])) == "censored_crps":
            # in units of the mean time, so L-BFGS-B's absolute gradient tolerance fits any time scale
            theta = self._minimise_constant(dist, "censored_crps", theta, y, w, np.average(y[:, 0], weights=w),
                                            n_threads)
        return theta

    @staticmethod
    def _minimise_constant(dist, score, start, y, w, unit, n_threads=1):
        """The constant internal parameters (k,) minimising the weighted mean ``score`` / ``unit``
        by L-BFGS-B within the family's bounds (``start`` kept unless improved). The score and its
        gradient from the family's compiled kernels when it has them for ``score`` (the gradient as
        their d_score / metric diagonal times the diagonal), else from the distribution objects."""
        total = w.sum() * unit
        k = start.shape[0]
        fast = dist.fast.get(score)
        if fast is not None:
            kernel_bounds = np.asarray(dist._bounds_for(k), dtype=float).reshape(k, 2)
            aux = fast.aux(y)

        def objective(theta):
            rows = np.tile(theta, (len(y), 1))
            if fast is not None:
                scaled, value, diag = fast.natural_gradient_and_score(kernel_bounds, rows, y, w, aux,
                                                                      n_threads=n_threads, want_diag=True)
                return value / unit, w @ (scaled * diag) / total
            d = dist.from_internal(rows, copy=False)
            value = np.dot(w, d.score(y, score)) / total
            grad = w @ d.d_score(y, score) / total
            return value, grad

        bounds = list(dist._bounds_for(k))
        res = optimize.minimize(objective, start, jac=True, method="L-BFGS-B", bounds=bounds)
        best = res.x if np.isfinite(res.fun) and res.fun <= objective(start)[0] else start
        return dist.clip_internal(np.array(best, dtype=float)[None])[0]

    def _boost(self, dist, rule_name, train, val, stop_early, rng, categorical, n_estimators=None, gates=None):
        state = super()._boost(dist, rule_name, train, val, stop_early, rng, categorical, n_estimators, gates)
        state["unique_times_"] = np.unique(train.y[:, 0])  # the rows fitted on (zero weights removed)
        return state

    # ------------------------------------------------------------------ prediction
    def predict_dist(self, X):
        """The predicted time distribution, one row per row of X."""
        return self._predict_dist(X)

    def predict(self, X):
        """Risk score per row, shape (n,): minus the predicted median survival time, so a higher
        value means an earlier event (scikit-survival's convention for ``predict``, which its
        concordance and AUC metrics and scorers read). Times: :meth:`predict_median`."""
        return -self.predict_median(X)

    def predict_median(self, X):
        """Predicted median survival time per row, shape (n,), in the units of the fitted times."""
        return self.predict_dist(X).median()

    def predict_survival_function(self, X, times=None, return_array=False):
        """Survival functions S(t) = P(T > t), as scikit-survival's models return them:

        - ``times`` given (a scalar or 1-D array of m times): the values, shape (n, m);
        - else ``return_array=False``: an array (n,) of callables, one per row, ``fn(t)`` for a
          scalar or array of times, with ``fn.x`` (``unique_times_``) and ``fn.y`` (S there);
        - else ``return_array=True``: the values at ``unique_times_``, shape (n, len(unique_times_)).
        """
        return self._time_functions(X, times, return_array, "sf")

    def predict_cumulative_hazard_function(self, X, times=None, return_array=False):
        """Cumulative hazards H(t) = -log S(t), returned as :meth:`predict_survival_function` returns S."""
        return self._time_functions(X, times, return_array, "cumulative_hazard")

    def _time_functions(self, X, times, return_array, what):
        d = self.predict_dist(X)
        if times is None:
            check_is_fitted(self, "unique_times_")
            if not return_array:
                functions = np.empty(len(d), dtype=object)
                for i in range(len(d)):
                    functions[i] = TimeFunction(d[i], what, self.unique_times_)
                return functions
            times = self.unique_times_
        times = np.atleast_1d(np.asarray(times, dtype=float))
        if times.ndim != 1:
            raise ValueError(f"times must be a scalar or a 1-D array; got shape {times.shape}.")
        if times.size == 0:
            return np.empty((len(d), 0))
        return _at_times(d, times, what)

    def staged_predict_dist(self, X):
        yield from self._staged_dists(X)

    def _score_method(self, X, y, sample_weight=None):
        """Mean censored log-likelihood (log f(t) for events, log S(t) for censored rows); higher is better."""
        check_is_fitted(self, "n_iter_")
        yy = self._check_y(self._prepare_y(y), self._dist)
        d = self.predict_dist(X)
        if len(yy) != len(d):
            raise ValueError(f"X has {len(d)} rows but y has {len(yy)}.")
        return -self._weighted_mean(d.score(yy, "censored_log"), sample_weight)

    def concordance(self, X, y):
        """Harrell's concordance index of ``predict(X)`` (minus the median: shorter median = higher risk)."""
        time, event = _time_event(y)
        return concordance_index(time, event, self.predict(X))


def _at_times(dist, times, what):
    """``what`` ("sf" or "cumulative_hazard") of each row of ``dist`` at each of ``times`` (m,): (n, m)."""
    return np.asarray(getattr(dist, what)(np.broadcast_to(times, (len(dist), times.size))), dtype=float)


class TimeFunction:
    """S(t) or H(t) of one predicted row, a smooth function of time, as scikit-survival's
    ``StepFunction``: ``fn(t)`` for a scalar (a numpy float) or an array of times (same shape), ``x``
    the grid it is tabulated on (the model's ``unique_times_``), ``y`` its values there, ``domain``
    (0, inf): any time t >= 0 can be evaluated."""

    def __init__(self, dist, what, grid):
        self._dist, self._what, self.x = dist, what, grid
        self.a, self.b, self.domain = 1.0, 0.0, (0.0, float("inf"))

    def __call__(self, t):
        t = np.asarray(t, dtype=float)
        values = _at_times(self._dist, t.reshape(-1), self._what)[0].reshape(t.shape)
        return values[()]  # a numpy scalar for a scalar t, as StepFunction

    @property
    def y(self):
        return self(self.x)

    def __repr__(self):
        name = {"sf": "survival", "cumulative_hazard": "cumulative hazard"}[self._what]
        return f"TimeFunction({name} of {self._dist!r})"

