"""The cdf, survival function and quantiles of a count family whose probabilities are tabulated per
row (the beta-binomials): the family gives ``_cdf_tables()`` and ``_largest_count()``."""

from __future__ import annotations

import numpy as np


class CountTables:
    """Mixin of a count family with ``_cdf_tables()``, yielding (rows, cdf) with rows a slice or index
    array and cdf (rows, K) = P(Y <= 0..K-1), and ``_largest_count()`` (n,), each row's largest count."""

    def cdf(self, y):
        y = self._as_y(y)
        k = np.floor(y)
        top = self._largest_count()
        out = np.empty(y.shape)
        for rows, cum in self._cdf_tables():
            kr = k[rows]
            idx = np.clip(kr, 0, cum.shape[1] - 1).astype(np.intp)
            vals = np.take_along_axis(cum, idx.reshape(len(cum), -1), axis=1).reshape(idx.shape)
            t = top[rows].reshape((-1,) + (1,) * (kr.ndim - 1))
            out[rows] = np.where(kr < 0, 0.0, np.where(kr >= t, 1.0, np.minimum(vals, 1.0)))
        return out

    def sf(self, y):
        return 1.0 - self.cdf(y)

    def logcdf(self, y):
        with np.errstate(divide="ignore"):
            return np.log(self.cdf(y))

    def logsf(self, y):
        with np.errstate(divide="ignore"):
            return np.log(self.sf(y))

    def _ppf(self, q):
        """The smallest count k with P(Y <= k) >= q, per row and level (q (n, m) -> (n, m))."""
        out = np.empty(q.shape)
        for rows, cum in self._cdf_tables():
            cum[:, -1] = 1.0  # (a row's own largest count may come earlier: capped below)
            for level in range(q.shape[1]):
                out[rows, level] = np.sum(cum < q[rows, level, None], axis=1)
        return np.minimum(out, self._largest_count()[:, None])
