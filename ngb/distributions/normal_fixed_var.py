"""Normal distribution with its scale fixed at 1 (ngboost's ``NormalFixedVar``); internal parameter loc."""

from __future__ import annotations

import numpy as np
from scipy import stats
from scipy.special import ndtr, ndtri

from ._declare import IDENTITY, Param
from .base import Distribution
from .normal import _INV_SQRT_PI, _LOG_SQRT_2PI, _phi

__all__ = ["NormalFixedVar"]


class NormalFixedVar(Distribution):
    """Normal(loc, 1). Internal theta[:, 0] = loc.

    Score "log": log sqrt(2 pi) + (y - loc)^2 / 2, gradient loc - y, Fisher information 1 (the
    natural gradient is the gradient). Score "crps": with z = y - loc,
    z (2 Phi(z) - 1) + 2 phi(z) - 1/sqrt(pi), gradient -(2 Phi(z) - 1), metric
    2 int phi(z)^2 dz = 1/sqrt(pi).

    The unit scale does not follow the target's units, so loc declares none: the model is fitted on
    y as it is (rescaling y changes the model, as in ngboost).
    """

    parameters = (Param("loc", IDENTITY, (-1e100, 1e100), default=0.0),)
    scores = ("log", "crps")
    support = "real"

    @classmethod
    def _fit_marginal(cls, y, w):
        return (np.average(y, weights=w),)

    def _derive(self):
        self.scale = np.ones_like(self.loc)

    def to_scipy(self):
        return stats.norm(loc=self.loc, scale=1.0)

    def mean(self):
        return self.loc.copy()

    def var(self):
        return np.ones_like(self.loc)

    def std(self):
        return np.ones_like(self.loc)

    def _ppf(self, q):
        return self.loc[:, None] + ndtri(q)

    def cdf(self, y):
        return ndtr(self._as_y(y) - self.loc)

    def logpdf(self, y):
        z = self._as_y(y) - self.loc
        return -_LOG_SQRT_2PI - 0.5 * z * z

    # log score
    def _log_d_score(self, y):
        return (self.loc - y)[:, None]

    def _log_metric(self):
        return np.ones((len(self), 1, 1))

    def _log_natural_gradient(self, y):
        return self._log_d_score(y)

    # CRPS
    def _crps_score(self, y):
        z = y - self.loc
        return z * (2 * ndtr(z) - 1) + 2 * _phi(z) - _INV_SQRT_PI

    def _crps_d_score(self, y):
        return (1 - 2 * ndtr(y - self.loc))[:, None]

    def _crps_metric(self):
        return np.full((len(self), 1, 1), _INV_SQRT_PI)

    def _crps_natural_gradient(self, y):
        return self._crps_d_score(y) * np.sqrt(np.pi)
