"""Right-censored scoring rules, derived from a family's uncensored ones.

Survival targets are (n, 2) arrays [time, event] with event 1 for an observed event and 0 for a
right-censored time. A family that declares ``censoring = ("log",)`` (and implements ``logsf`` and
``_d_logsf(t)``, the gradient of log S(t) w.r.t. theta, (n, k)) gets the censored log score; its
metric is the family's Fisher information (exact for events; for a censored row, which carries
less information, it is the full-data Fisher, a conservative positive-definite choice).

One that also declares "crps" (implementing ``_crps_below(t)``, the integral of F(z)^2 over
0 <= z <= t per row, (n,), and ``_d_crps_below(t)``, its gradient, (n, k)) gets the censored CRPS,
the "survival CRPS" of Avati et al. (2020): the ordinary CRPS for an event and the part below the
censoring time for a censored row. Its metric is the family's CRPS metric 2 int grad F grad F^T dz
over the whole support for every row (exact for events; for a censored row, whose score only sees
z <= t, it dominates the partial integral: a conservative choice, as the Fisher information above).
"""

from __future__ import annotations

import numpy as np

from .._survival_target import time_event  # the estimator's parser: fit and score read y alike

__all__ = ["CensoredScores", "solve_small", "censored_target"]


def censored_target(y):
    """A survival target as the censored rules read it, the (n, 2) float array [time, event]: a
    structured array (fields event, time, as ``ngb.survival.make_y`` and scikit-survival build it)
    or a two-column DataFrame is converted as ``NGBSurvival.fit`` reads it; an array is kept."""
    if isinstance(y, np.ndarray) and y.dtype.names is None:
        return y
    try:
        return np.column_stack(time_event(y))
    except ValueError:
        return y  # not a survival target: the rule reports what it gets


def solve_small(metric, grad):
    """metric^{-1} @ grad per row for (n, k, k) metrics: explicit for k <= 2, batched LAPACK above."""
    k = grad.shape[1]
    if k == 1:
        return grad / metric[:, :, 0]
    if k == 2:
        a, b, c, d = metric[:, 0, 0], metric[:, 0, 1], metric[:, 1, 0], metric[:, 1, 1]
        det = a * d - b * c
        g0, g1 = grad[:, 0], grad[:, 1]
        return np.column_stack([(d * g0 - b * g1) / det, (a * g1 - c * g0) / det])
    return np.linalg.solve(metric, grad[..., None])[..., 0]


class CensoredScores:
    """The censored rules of :class:`~ngb.distributions.Distribution` (module docstring)."""

    #: the uncensored rules whose right-censored versions the family supports ("log", "crps")
    censoring: tuple = ()

    @classmethod
    def supports_censoring(cls) -> bool:
        return "log" in cls.censoring

    @classmethod
    def supports_censored_crps(cls) -> bool:
        return "crps" in cls.censoring

    def _censored_log_score(self, y):
        t, event = y[:, 0], y[:, 1]
        return -np.where(event > 0, self.logpdf(t), self.logsf(t))

    def _censored_log_d_score(self, y):
        t, event = y[:, 0], y[:, 1]
        return np.where(event[:, None] > 0, self._log_d_score(t), -self._d_logsf(t))

    def _censored_log_metric(self):
        return self._log_metric()

    def _censored_log_natural_gradient(self, y):
        return solve_small(self._log_metric(), self._censored_log_d_score(y))

    def _by_event(self, y, on_event, on_censored):
        """Rows of ``on_event(d, t)`` for events and ``on_censored(d, t)`` for censored rows, each
        evaluated only on its own rows (d the sub-distribution, t its times). One row broadcasts."""
        t, event = y[:, 0], y[:, 1] > 0
        d = self
        if len(d) == 1 and len(t) > 1:
            d = d._take(np.zeros(len(t), dtype=np.intp))  # the row repeated, its values kept
        if event.all():
            return on_event(d, t)
        if not event.any():
            return on_censored(d, t)
        a = on_event(d[event], t[event])
        b = on_censored(d[~event], t[~event])
        out = np.empty((len(t),) + a.shape[1:])
        out[event], out[~event] = a, b
        return out

    def _censored_crps_score(self, y):
        return self._by_event(y, lambda d, t: d._crps_score(t), lambda d, t: d._crps_below(t))

    def _censored_crps_d_score(self, y):
        return self._by_event(y, lambda d, t: d._crps_d_score(t), lambda d, t: d._d_crps_below(t))

    def _censored_crps_metric(self):
        return self._crps_metric()

    def _censored_crps_natural_gradient(self, y):
        return self._crps_metric_solve(self._censored_crps_d_score(y))

    def _crps_metric_solve(self, grad):
        """CRPS metric^{-1} @ grad per row, (n, k); families override it with a closed form."""
        return solve_small(self._crps_metric(), grad)

    def hazard(self, t):
        """Hazard rate pdf(t) / sf(t) per row, shape (n,)."""
        return np.exp(self.logpdf(t) - self.logsf(t))

    def cumulative_hazard(self, t):
        """-log S(t) per row, shape (n,)."""
        return -self.logsf(t)

    def survival_function(self, t):
        """S(t) = P(T > t) per row, shape (n,)."""
        return self.sf(t)
