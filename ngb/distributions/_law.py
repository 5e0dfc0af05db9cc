"""What users read from a distribution object (a mixin of ``Distribution``): mean, variance,
quantiles and intervals, cdf / sf / logpdf (each also on a grid of m values per row) and samples,
through the frozen ``scipy.stats`` object of ``to_scipy`` unless a family has a closed form."""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["Law"]


class Law:
    """The quantities of the n rows' laws; a family overrides what is cheaper in closed form."""

    def to_scipy(self):
        """A frozen ``scipy.stats`` object with the same parameters (vectorised over rows)."""
        raise NotImplementedError

    def mean(self):
        """Mean per row, shape (n,)."""
        return np.asarray(self.to_scipy().mean(), dtype=float)

    def point_prediction(self):
        """The point prediction of ``NGBRegressor.predict``: the mean, shape (n,) (families whose
        mean may not exist override it)."""
        return self.mean()

    def var(self):
        """Variance per row, shape (n,)."""
        return np.asarray(self.to_scipy().var(), dtype=float)

    def std(self):
        """Standard deviation per row, shape (n,)."""
        return np.sqrt(self.var())

    def median(self):
        """Median per row, shape (n,)."""
        return self.quantile(0.5)

    def _broadcast_q(self, q):
        """Return (q as (n, m) array, scalar?) for quantile-style inputs."""
        q = np.asarray(q, dtype=float)
        if np.any((q < 0) | (q > 1)) or np.any(np.isnan(q)):
            raise ValueError("quantile levels must lie in [0, 1].")
        if q.ndim == 0:
            return np.full((len(self), 1), float(q)), True
        if q.ndim == 1:
            return np.broadcast_to(q, (len(self), q.size)), False
        raise ValueError("q must be a scalar or a 1-D array of levels.")

    def _ppf(self, q):
        """Quantile function for q of shape (n, m); returns (n, m)."""
        frozen = self.to_scipy()
        return np.asarray(frozen.ppf(q.T), dtype=float).T

    def quantile(self, q):
        """Quantiles: q scalar gives shape (n,); q a 1-D array of m levels gives (n, m)."""
        qq, scalar = self._broadcast_q(q)
        out = self._support_ppf(np.ascontiguousarray(qq))
        return out[:, 0] if scalar else out

    ppf = quantile

    def _support_ppf(self, q):
        """``_ppf`` (q (n, m) -> (n, m)) kept inside the support: scipy's quantile of level 0 is
        one below a count support (-1), the smallest count is 0."""
        out = self._ppf(q)
        if self.support == "count":
            out = np.maximum(out, 0.0)
        return out

    def interval(self, alpha):
        """Central interval holding probability ``alpha`` (e.g. 0.9): (lower, upper), each (n,);
        for a 1-D array of m coverages, each (n, m)."""
        a = np.asarray(alpha, dtype=float)
        if a.ndim > 1 or np.any(~((a >= 0) & (a <= 1))):
            raise ValueError("alpha is a coverage probability in [0, 1] (a scalar or a 1-D array of them).")
        levels = np.concatenate([(1 - a.reshape(-1)) / 2, (1 + a.reshape(-1)) / 2])
        q = self.quantile(levels)
        m = a.size
        if a.ndim == 0:
            return q[:, 0], q[:, 1]
        return q[:, :m], q[:, m:]

    def cdf(self, y):
        """P(Y <= y) per row: y scalar or (n,) -> (n,); y (n, m), m values per row -> (n, m) (as
        logcdf, sf, logsf, logpdf and pdf)."""
        return np.asarray(self.to_scipy().cdf(self._as_y(y)), dtype=float)

    def logcdf(self, y):
        return np.asarray(self.to_scipy().logcdf(self._as_y(y)), dtype=float)

    def sf(self, y):
        """Survival function P(Y > y), shape (n,)."""
        return np.asarray(self.to_scipy().sf(self._as_y(y)), dtype=float)

    def logsf(self, y):
        return np.asarray(self.to_scipy().logsf(self._as_y(y)), dtype=float)

    def logpdf(self, y):
        """Log-density (log-pmf for discrete families) per row, shape (n,)."""
        frozen = self.to_scipy()
        y = self._as_y(y)
        return np.asarray(frozen.logpmf(y) if self.discrete else frozen.logpdf(y), dtype=float)

    def pdf(self, y):
        """Density (pmf for discrete families) per row, shape (n,)."""
        return np.exp(self.logpdf(y))

    def sample(self, size=None, random_state=None):
        """Random draws: shape (n,) when size is None, else (n, size) (size a non-negative int)."""
        if size is not None and (not isinstance(size, numbers.Integral) or isinstance(size, (bool, np.bool_))):
            raise TypeError(f"size must be None or a non-negative int (draws per row); got {size!r}.")
        if size is not None and size < 0:
            raise ValueError(f"size must be a non-negative int; got {size}.")
        rng = np.random.default_rng(random_state)
        m = 1 if size is None else int(size)
        u = rng.random((len(self), m))
        draws = self._sample_uniform(u, rng)
        return draws[:, 0] if size is None else draws

    def _sample_uniform(self, u, rng):
        """Draws from uniforms u of shape (n, m) (inverse-cdf by default)."""
        return self._support_ppf(u)
