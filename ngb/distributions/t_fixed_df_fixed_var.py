"""Student t with df = 3 and scale 1 fixed (ngboost's ``TFixedDfFixedVar``); internal parameter loc."""

from __future__ import annotations

import numpy as np
from scipy import stats

from ._declare import IDENTITY, Param
from .base import Distribution
from .studentt import _t_logpdf

__all__ = ["TFixedDfFixedVar"]


class TFixedDfFixedVar(Distribution):
    """Student t(df, loc, 1) with df fixed by the class attribute ``df`` (3). Internal theta[:, 0] = loc.

    Score "log": with z = y - loc, gradient -(df + 1) z / (df + z^2), Fisher information
    (df + 1) / (df + 3) (2/3 for df = 3); closed-form natural gradient. As for the fixed-variance
    normal, loc declares no unit: the model is fitted on y as it is.
    """

    df: float = 3.0
    parameters = (Param("loc", IDENTITY, (-1e100, 1e100), default=0.0),)
    support = "real"

    @classmethod
    def _fit_marginal(cls, y, w):
        """Weighted MLE of loc: EM (iteratively reweighted means) from the weighted median, each step
        increasing the likelihood, then Newton steps where the likelihood is locally concave."""
        nu = float(cls.df)
        w = w / w.sum()
        order = np.argsort(y)
        loc = float(y[order][min(np.searchsorted(np.cumsum(w[order]), 0.5), len(y) - 1)])
        for _ in range(2000):
            r = y - loc
            u = w * (nu + 1) / (nu + r * r)
            step = float(u @ r) / float(u.sum())
            loc += step
            if abs(step) <= 1e-14 * max(1.0, abs(loc)):
                break
        for _ in range(20):
            r = y - loc
            q = nu + r * r
            grad = float(w @ (r / q))  # (df + 1) times minus the derivative of the mean score
            curv = float(w @ ((nu - r * r) / (q * q)))
            if not curv > 0:
                break
            step = grad / curv
            loc += step
            if abs(step) <= 1e-15 * max(1.0, abs(loc)):
                break
        return (loc,)

    def _derive(self):
        self.scale = np.ones_like(self.loc)

    def to_scipy(self):
        return stats.t(df=float(self.df), loc=self.loc, scale=1.0)

    def mean(self):
        return self.loc.copy()

    def var(self):
        nu = float(self.df)
        return np.full_like(self.loc, nu / (nu - 2) if nu > 2 else np.inf)

    def point_prediction(self):
        """loc: the median and mode (and the mean for df > 1), shape (n,)."""
        return self.loc.copy()

    def logpdf(self, y):
        return _t_logpdf(self._as_y(y) - self.loc, 0.0, float(self.df))

    def _log_d_score(self, y):
        nu = float(self.df)
        z = y - self.loc
        return (-(nu + 1) * (z / (nu + z * z)))[:, None]

    def _log_metric(self):
        nu = float(self.df)
        return np.full((len(self), 1, 1), (nu + 1) / (nu + 3))

    def _log_natural_gradient(self, y):
        nu = float(self.df)
        return self._log_d_score(y) * ((nu + 3) / (nu + 1))
