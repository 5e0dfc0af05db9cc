"""Normal distribution with its mean fixed at 0 (ngboost's ``NormalFixedMean``); internal parameter log scale."""

from __future__ import annotations

import numpy as np
from scipy import stats
from scipy.special import ndtr, ndtri

from ._declare import LOG, Param
from .base import Distribution
from .normal import _INV_SQRT_PI, _LOG_SQRT_2PI, _phi

__all__ = ["NormalFixedMean"]


class NormalFixedMean(Distribution):
    """Normal(0, scale). Internal theta[:, 0] = log(scale).

    Score "log": log sqrt(2 pi) + log scale + z^2 / 2 with z = y / scale, gradient 1 - z^2, Fisher
    information 2 (natural gradient (1 - z^2) / 2). Score "crps":
    scale [z (2 Phi(z) - 1) + 2 phi(z) - 1/sqrt(pi)], gradient scale (2 phi(z) - 1/sqrt(pi)), metric
    2 int (dF/dlog scale)^2 dy = scale / (2 sqrt(pi)).

    Rescaling y by s > 0 rescales the scale (the family is closed under it); a shift is not.
    """

    # the constructor keeps scales in [e^-100, e^100] exactly, as the normal's
    parameters = (Param("scale", LOG, (-40.0, 40.0), domain=(-100.0, 100.0), unit="scale"),)
    scores = ("log", "crps")
    support = "real"

    @classmethod
    def _fit_marginal(cls, y, w):
        """The weighted MLE: log of the root weighted mean square (about 0, the fixed mean)."""
        return (0.5 * np.log(max(np.average(y * y, weights=w), np.finfo(float).tiny)),)

    def _derive(self):
        self.loc = np.zeros_like(self.scale)

    def to_scipy(self):
        return stats.norm(loc=0.0, scale=self.scale)

    def mean(self):
        return np.zeros_like(self.scale)

    def var(self):
        return self.scale**2

    def std(self):
        return self.scale.copy()

    def _ppf(self, q):
        return self.scale[:, None] * ndtri(q)

    def cdf(self, y):
        return ndtr(self._as_y(y) / self.scale)

    def logpdf(self, y):
        z = self._as_y(y) / self.scale
        return -_LOG_SQRT_2PI - self._theta[:, 0] - 0.5 * z * z

    # log score
    def _log_d_score(self, y):
        z = y / self.scale
        return (1.0 - z * z)[:, None]

    def _log_metric(self):
        return np.full((len(self), 1, 1), 2.0)

    def _log_natural_gradient(self, y):
        return 0.5 * self._log_d_score(y)

    # CRPS
    def _crps_score(self, y):
        z = y / self.scale
        return self.scale * (z * (2 * ndtr(z) - 1) + 2 * _phi(z) - _INV_SQRT_PI)

    def _crps_d_score(self, y):
        return (self.scale * (2 * _phi(y / self.scale) - _INV_SQRT_PI))[:, None]

    def _crps_metric(self):
        return (0.5 * _INV_SQRT_PI * self.scale)[:, None, None]

    def _crps_natural_gradient(self, y):
        return self._crps_d_score(y) * (2 * np.sqrt(np.pi) / self.scale)[:, None]
