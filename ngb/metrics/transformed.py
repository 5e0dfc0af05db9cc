"""The distribution of a monotone transform of a predicted distribution: what a
``TransformedTargetRegressor`` around an ngb model predicts for the original target.

If the regressor models Z = g(Y) and h = g^-1 is monotone, Y = h(Z) has
quantile_Y(q) = h(Q_Z(q)) (increasing h) or h(Q_Z(1 - q)) (decreasing), exactly; cdf_Y(y) =
F_Z(g(y)) (increasing) or S_Z(g(y)) (decreasing); interval and sample map through h likewise.
``mean`` and ``var`` are E h(Z) and Var h(Z), computed by quadrature of the quantile function,
E h(Z) = int_0^1 h(Q_Z(u)) du (tanh-sinh on the panels between the quantile levels of
``ngb.metrics._quadrature``, u kept within [1e-300, 1 - 1.1e-16]; relative error 1e-10 for the
mean and 1e-6 for the variance of sinh(Normal(-1, 2)) in the tests): they are NOT h(E Z), which is what
``TransformedTargetRegressor.predict`` returns. Where E h(Z) diverges the number is meaningless.
"""

from __future__ import annotations

import numpy as np

from ._quadrature import _LEVELS, _W, _X

__all__ = ["TransformedDistribution"]

#: levels of the base quantiles on which monotonicity of h is checked
CHECK_LEVELS = np.array([1e-6, 1e-3, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1 - 1e-6])


def _elementwise(transformer, method):
    fn = getattr(transformer, method)

    def apply(v):
        v = np.asarray(v, dtype=float)
        return np.asarray(fn(v.reshape(-1, 1)), dtype=float).reshape(v.shape)

    return apply


class TransformedDistribution:
    """Law of Y = inverse(Z) for Z ~ ``base`` (n rows, continuous univariate) and a monotone
    ``inverse`` with ``forward`` = inverse^-1 (both elementwise on arrays).

    ``increasing`` None: decided (and monotonicity checked) on the base quantiles at
    ``CHECK_LEVELS`` for every row; a transform that is not monotone there raises ValueError. (It
    cannot see non-monotonicity between those points.)"""

    discrete = False
    _y_per_row_is_scalar = True
    support = "real"

    def __init__(self, base, forward, inverse, increasing=None):
        if getattr(base, "discrete", False) or not getattr(base, "_y_per_row_is_scalar", True):
            raise ValueError(f"a transformed target needs a continuous univariate base distribution; got {type(base).__name__}.")
        self.base, self.forward, self.inverse = base, forward, inverse
        self.increasing = self._check_monotone() if increasing is None else bool(increasing)
        self._ends = None

    @classmethod
    def from_transformer(cls, base, transformer):
        """From a fitted scikit-learn transformer (``TransformedTargetRegressor.transformer_``) whose
        ``transform`` is g and ``inverse_transform`` is h."""
        return cls(base, _elementwise(transformer, "transform"), _elementwise(transformer, "inverse_transform"))

    def _check_monotone(self):
        with np.errstate(all="ignore"):
            y = self.inverse(self.base.quantile(CHECK_LEVELS))
        if not np.all(np.isfinite(y)):
            raise ValueError("the inverse transform is not finite on the base distribution's quantiles.")
        step = np.diff(y, axis=1)
        up, down = np.all(step >= 0), np.all(step <= 0)
        if not (up or down) or np.all(step == 0):
            raise ValueError("the target transform is not monotone on the predicted distributions' quantiles "
                             f"(levels {CHECK_LEVELS[0]:g} to {CHECK_LEVELS[-1]:g}); its distribution cannot be mapped.")
        return bool(up)

    def __len__(self):
        return len(self.base)

    def __getitem__(self, idx):
        out = type(self)(self.base[idx], self.forward, self.inverse, increasing=self.increasing)
        out._ends = self._ends
        return out

    def __repr__(self):
        return f"TransformedDistribution({self.base!r}, {'increasing' if self.increasing else 'decreasing'})"

    def available_scores(self):
        return ()

    # ------------------------------------------------------------------ the map
    def _h(self, z):
        """inverse(z), with the limits of :meth:`_end` at z = +-inf."""
        z = np.asarray(z, dtype=float)
        out = np.empty(z.shape)
        fin = np.isfinite(z)
        with np.errstate(all="ignore"):
            out[fin] = self.inverse(z[fin])
        for sign in (-1.0, 1.0):
            at = z == sign * np.inf
            if at.any():
                out[at] = self._end(sign)
        return out

    def _end(self, sign):
        """The limit of inverse(z) as z -> sign * inf: inverse(+-inf) if defined, else inverse(+-1e300)
        (values beyond 1e290 in size count as infinite)."""
        if self._ends is None:
            self._ends = {}
        if sign not in self._ends:
            value = np.nan
            for z in (sign * np.inf, sign * 1e300):
                try:
                    with np.errstate(all="ignore"):
                        value = float(self.inverse(np.array([z]))[0])
                except (ValueError, TypeError, OverflowError):
                    continue
                if not np.isnan(value):
                    break
            outward = sign if self.increasing else -sign
            if np.isnan(value) or abs(value) >= 1e290:
                value = outward * np.inf
            self._ends[sign] = value
        return self._ends[sign]

    def _z(self, y):
        """forward(y) with y outside the image of inverse sent to -+inf."""
        y = np.asarray(y, dtype=float)
        lo, hi = sorted((self._end(-1.0), self._end(1.0)))
        inside = (y > lo) & (y < hi)
        z = np.full(y.shape, np.nan)
        with np.errstate(all="ignore"):
            if inside.any():
                z[inside] = self.forward(y[inside])
        below = -np.inf if self.increasing else np.inf
        z = np.where(y <= lo, below, np.where(y >= hi, -below, z))
        return z

    def _rows(self, y):
        y = np.asarray(y, dtype=float)
        return np.full(len(self), float(y)) if y.ndim == 0 else y

    # ------------------------------------------------------------------ what users read
    def quantile(self, q):
        """h(Q_Z(q)) (increasing) or h(Q_Z(1 - q)) (decreasing); q scalar -> (n,), (m,) -> (n, m)."""
        q = np.asarray(q, dtype=float)
        return self._h(self.base.quantile(q if self.increasing else 1.0 - q))

    ppf = quantile

    def median(self):
        return self.quantile(0.5)

    def interval(self, alpha):
        lo, hi = self.quantile(np.array([(1 - alpha) / 2, (1 + alpha) / 2])).T
        return lo, hi

    def cdf(self, y):
        """P(Y <= y): y (n,) -> (n,) or (n, m) -> (n, m)."""
        z = self._z(self._rows(y))
        return np.asarray(self.base.cdf(z) if self.increasing else self.base.sf(z), dtype=float)

    def sf(self, y):
        z = self._z(self._rows(y))
        return np.asarray(self.base.sf(z) if self.increasing else self.base.cdf(z), dtype=float)

    def logcdf(self, y):
        with np.errstate(divide="ignore"):
            return np.log(self.cdf(y))

    def logsf(self, y):
        with np.errstate(divide="ignore"):
            return np.log(self.sf(y))

    def logpdf(self, y):
        """log f_Z(g(y)) + log|g'(y)|, g' by central differences (relative step 1e-6): about 1e-9
        relative accuracy for smooth transforms; -inf outside the image of h."""
        y = self._rows(y)
        z = self._z(y)
        step = 1e-6 * np.maximum(np.abs(y), 1e-3 * np.maximum(np.abs(self.median()), 1e-300))
        with np.errstate(all="ignore"):
            slope = np.abs((self._z(y + step) - self._z(y - step)) / (2 * step))
            out = np.asarray(self.base.logpdf(np.where(np.isfinite(z), z, 0.0)), dtype=float) + np.log(slope)
        return np.where(np.isfinite(z) & np.isfinite(out), out, -np.inf)

    def pdf(self, y):
        return np.exp(self.logpdf(y))

    def sample(self, size=None, random_state=None):
        """h of the base draws: (n,) when size is None, else (n, size)."""
        return self._h(self.base.sample(size, random_state=random_state))

    def _moment(self, power):
        # u-panels between the quantile levels, tanh-sinh nodes inside each
        lo, hi = _LEVELS[:-1], _LEVELS[1:]
        u = (lo[:, None] + (hi - lo)[:, None] * _X).reshape(-1)
        w = ((hi - lo)[:, None] * _W).reshape(-1)
        u = np.clip(u, 1e-300, 1 - 1.1e-16)
        values = self._h(self.base.quantile(u)) ** power  # (n, m), increasing order is irrelevant here
        return values @ w

    def mean(self):
        """E h(Z) per row (n,) by quadrature of the quantile function (module docstring)."""
        return self._moment(1)

    def var(self):
        """Var h(Z) per row (n,), as E h(Z)^2 - (E h(Z))^2 by the same quadrature."""
        m = self.mean()
        return np.maximum(self._moment(2) - m * m, 0.0)

    def std(self):
        return np.sqrt(self.var())
