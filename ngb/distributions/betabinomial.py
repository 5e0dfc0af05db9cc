"""Beta-binomial distribution: successes in ``trials`` Bernoulli trials whose success probability is
Beta(a, b) (scipy ``betabinom(n, a, b)``); internal parameters (log a, log b), ``trials`` fixed.

With n trials, log P(y) = log C(n, y) + log B(y + a, n - y + b) - log B(a, b). The gradient of the
log score in (log a, log b) is minus (a [psi(y+a) - psi(a) - D], b [psi(n-y+b) - psi(b) - D]) with
D = psi(n+a+b) - psi(a+b). The Fisher information is an exact finite sum: with
S = sum_{j<n} 1/(a+b+j)^2, A = sum_{j<n} P(Y > j)/(a+j)^2 and B = sum_{j<n} P(Y < n-j)/(b+j)^2,

    I = [[a^2 (A - S), -a b S], [-a b S, b^2 (B - S)]]

(the expected minus Hessian; only A and B need the probabilities). With one trial (``BetaBernoulli``)
Y is Bernoulli(p = a/(a+b)) and I = p(1-p) [[1, -1], [-1, 1]] is singular: the data say nothing
about the concentration a+b. The natural gradient is then the minimum-norm solution (the
pseudo-inverse), which moves a/(a+b) only; ``_fit_marginal`` puts a + b = 2 there.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize, stats
from scipy.special import betaln, digamma, gammaln

from ._count_tables import CountTables
from ._declare import LOG, Param
from ._fixed import fixed_subclass, subclass_by_name
from .base import Distribution, pinv_solve, symmetric_metric

__all__ = ["BetaBinomial", "BetaBernoulli"]

_MAX_TRIALS = 1_000_000
#: entries of the (rows, trials + 1) probability tables computed at once
_TABLE = 1 << 20


class BetaBinomial(CountTables, Distribution):
    """BetaBinomial(a, b) of ``trials`` trials (class attribute, default 1; ``with_trials(n)`` gives the
    family of n trials). Internal theta[:, 0] = log(a), theta[:, 1] = log(b). Targets are counts
    0..trials.

    Score "log": Fisher information by the exact finite sum of the module docstring; natural gradient
    by the 2x2 pseudo-inverse (singular for one trial). Mean trials a/(a+b).
    """

    trials: int = 1
    parameters = (Param("a", LOG, (-10.0, 12.0), domain=(-10.0, 25.0)),
                  Param("b", LOG, (-10.0, 12.0), domain=(-10.0, 25.0)))
    support = "count"
    discrete = True

    @classmethod
    def with_trials(cls, trials):
        """The subclass of BetaBinomial of ``trials`` trials (an integer from 1 to 1,000,000; the same class
        for the same number; one trial is BetaBinomial itself)."""
        if isinstance(trials, (bool, np.bool_)) or not float(trials).is_integer() or not 1 <= trials <= _MAX_TRIALS:
            raise ValueError(f"trials must be an integer from 1 to {_MAX_TRIALS:,}; got {trials!r}.")
        return fixed_subclass(BetaBinomial, "trials", int(trials))

    @classmethod
    def check_y(cls, y):
        y = super().check_y(y)
        if y.size and np.max(y) > cls.trials:
            raise ValueError(f"{cls.__name__} counts successes in {cls.trials} trials: y must lie in 0..{cls.trials}; "
                             f"got {np.max(y):g} (use BetaBinomial.with_trials(n) for n trials).")
        return y

    @classmethod
    def location_params(cls, k):
        """No parameter alone sets the location: early stopping gates none of the steps."""
        return np.arange(k)

    @classmethod
    def _fit_marginal(cls, y, w):
        """Weighted MLE in (log a, log b) (L-BFGS-B within the bounds) from the method of moments; with
        one trial (where only a/(a+b) is identified) a/(a+b) = the weighted mean and a + b = 2."""
        n = cls.trials
        w = w / w.sum()
        p = float(np.clip(w @ y / n, 1e-4, 1 - 1e-4))
        lo = np.array([b[0] for b in cls.bounds])
        hi = np.array([b[1] for b in cls.bounds])
        if n == 1:
            return np.clip(np.log([2 * p, 2 * (1 - p)]), lo, hi)
        var = float(w @ (y - n * p) ** 2)
        binom_var = n * p * (1 - p)
        rho = np.clip((var / binom_var - 1) / (n - 1), 1e-4, 0.99)  # intra-class correlation 1/(a+b+1)
        x0 = np.clip(np.log([p * (1 / rho - 1), (1 - p) * (1 / rho - 1)]), lo, hi)
        counts = np.bincount(y.astype(np.intp), weights=w, minlength=n + 1)
        ys = np.arange(n + 1, dtype=float)

        def nll(x):
            a, b = np.exp(x)
            D = digamma(n + a + b) - digamma(a + b)
            value = -(counts @ betaln(ys + a, n - ys + b)) + betaln(a, b)
            grad = -np.array([a * (counts @ (digamma(ys + a) - digamma(a)) - D),
                              b * (counts @ (digamma(n - ys + b) - digamma(b)) - D)])
            return value, grad

        res = optimize.minimize(nll, x0, jac=True, method="L-BFGS-B", bounds=list(zip(lo, hi)),
                                options={"ftol": 1e-15, "gtol": 1e-12, "maxiter": 500})
        return res.x

    def to_scipy(self):
        return stats.betabinom(n=self.trials, a=self.a, b=self.b)

    def mean(self):
        return self.trials * self.a / (self.a + self.b)

    def var(self):
        s, n = self.a + self.b, self.trials
        return n * self.a * self.b * (s + n) / (s * s * (s + 1))

    def _sample_uniform(self, u, rng):
        """Draws as a binomial of trials with a Beta(a, b) success probability (u is not used)."""
        p = rng.beta(self.a[:, None], self.b[:, None], size=u.shape)
        return rng.binomial(self.trials, p).astype(float)

    def logpdf(self, y):
        y = self._as_y(y)
        n = self.trials
        valid = (y >= 0) & (y <= n) & (y == np.floor(y))
        ys = np.where(valid, y, 0.0)
        out = (gammaln(n + 1.0) - gammaln(ys + 1) - gammaln(n - ys + 1)
               + betaln(ys + self.a, n - ys + self.b) - betaln(self.a, self.b))
        return np.where(valid, out, -np.inf)

    def _log_score(self, y):
        return -self.logpdf(y)

    def _log_d_score(self, y):
        a, b, n = self.a, self.b, self.trials
        D = digamma(n + a + b) - digamma(a + b)
        return -np.column_stack([a * (digamma(y + a) - digamma(a) - D), b * (digamma(n - y + b) - digamma(b) - D)])

    def _log_pmf_table(self, rows):
        """log P(Y = y) for y = 0..trials of the rows ``rows`` (a slice), shape (rows, trials + 1)."""
        n = self.trials
        ys = np.arange(n + 1, dtype=float)
        a, b = self.a[rows, None], self.b[rows, None]
        return (gammaln(n + 1.0) - gammaln(ys + 1) - gammaln(n - ys + 1)
                + betaln(ys + a, n - ys + b) - betaln(a, b))

    def _largest_count(self):
        return np.full(len(self), float(self.trials))

    def _cdf_tables(self):
        """(rows, P(Y <= 0..trials)) per chunk of rows."""
        chunk = max(1, _TABLE // (self.trials + 1))
        for start in range(0, len(self), chunk):
            rows = slice(start, start + chunk)
            yield rows, np.cumsum(np.exp(self._log_pmf_table(rows)), axis=1)

    def _fisher_parts(self):
        """(I_aa, I_bb, I_ab) in log coordinates, each (n,), by the exact finite sums."""
        n = self.trials
        j = np.arange(n, dtype=float)
        out = np.empty((3, len(self)))
        chunk = max(1, _TABLE // (self.trials + 1))
        for start in range(0, len(self), chunk):
            rows = slice(start, start + chunk)
            a, b = self.a[rows, None], self.b[rows, None]
            pmf = np.exp(self._log_pmf_table(rows))
            below = np.cumsum(pmf, axis=1)  # P(Y <= y)
            above = np.cumsum(pmf[:, ::-1], axis=1)[:, ::-1]  # P(Y >= y)
            # P(Y > j) = above[j + 1]; P(Y < n - j) = below[n - j - 1]
            A = np.sum(above[:, 1:] / (a + j) ** 2, axis=1)
            B = np.sum(below[:, n - 1 - j.astype(np.intp)] / (b + j) ** 2, axis=1)
            S = np.sum(1.0 / (a + b + j) ** 2, axis=1)
            out[0, rows] = a[:, 0] ** 2 * (A - S)
            out[1, rows] = b[:, 0] ** 2 * (B - S)
            out[2, rows] = -a[:, 0] * b[:, 0] * S
        return np.maximum(out[0], 0.0), np.maximum(out[1], 0.0), out[2]

    def _log_metric(self):
        return symmetric_metric(len(self), *self._fisher_parts())

    def _log_natural_gradient(self, y):
        # (the pseudo-inverse: one trial's metric is singular; eigenvalues below 1e-10 of the largest dropped)
        return pinv_solve(self._log_metric(), self._log_d_score(y), rcond=1e-10)


class BetaBernoulli(BetaBinomial):
    """BetaBernoulli(a, b): a 0/1 outcome with success probability Beta(a, b), i.e. Bernoulli with
    p = a/(a+b) (BetaBinomial of one trial). Only a/(a+b) is identified: the Fisher information is
    singular and the natural gradient is its pseudo-inverse solution (module docstring)."""

    trials = 1


def __getattr__(name):
    """``BetaBinomial_<trials>`` classes on demand (so that pickles of ``BetaBinomial.with_trials(n)`` load)."""
    cls = subclass_by_name(name, BetaBinomial, lambda v: BetaBinomial.with_trials(int(float(v))) if float(v).is_integer()
                           else None)
    if cls is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return cls
