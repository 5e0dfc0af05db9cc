"""Beta-binomial with an estimated number of trials n (ngboost's ``BetaBinomialEstN``): internal
parameters (log a, log b, log n), n a positive real.

The beta-binomial formula f(y; a, b, n) = C(n, y) B(y + a, n - y + b) / B(a, b), with the binomial
coefficient through gamma functions, is defined for real n > y - 1 but sums to 1 over y = 0..n only
at integer n. So that the log score stays proper at every n, the family is the normalised law
P(y) = f(y) / Z on y = 0..floor(n), Z = sum_{y <= floor(n)} f(y): the beta-binomial itself at integer
n, continuous in n (the term y = floor(n) + 1 enters at zero, 1/Gamma(0) = 0). ngboost's score is
minus log f (Z taken as 1).

With g(y) the gradient of log f in (log a, log b, log n),

    g = (a [psi(y+a) - psi(a) - D], b [psi(n-y+b) - psi(b) - D], n [psi(n+1) - psi(n-y+1) + psi(n-y+b) - psi(n+a+b)]),
    D = psi(n+a+b) - psi(a+b),

the score's gradient is -(g(y) - E g) and the Fisher information the covariance of g under P: both
exact finite sums over the support (floor(n) + 1 terms per row). Targets above floor(n) have
probability 0 (log score +inf).
"""

from __future__ import annotations

import numpy as np
from scipy import optimize, stats
from scipy.special import betaln, digamma, gammaln

from ._count_tables import CountTables
from ._declare import LOG, Param
from .base import Distribution, pinv_solve

__all__ = ["BetaBinomialEstN"]

#: entries of the (rows, floor(n) + 1) tables computed at once
_TABLE = 1 << 20


def _top(n):
    """floor(n), the largest count of the support, with n within 1e-12 (relative) below an integer taken
    as that integer (n = exp(log n) rounds 7 to 6.999999999999999)."""
    return np.floor(n * (1 + 1e-12))


def _log_f(y, a, b, n):
    """log f(y; a, b, n) (module docstring), broadcast; y <= n assumed."""
    return gammaln(n + 1) - gammaln(y + 1) - gammaln(n - y + 1) + betaln(y + a, n - y + b) - betaln(a, b)


def _g(y, a, b, n):
    """The gradient of log f in (log a, log b, log n): three arrays broadcast from y, a, b, n."""
    D = digamma(n + a + b) - digamma(a + b)
    return (a * (digamma(y + a) - digamma(a) - D), b * (digamma(n - y + b) - digamma(b) - D),
            n * (digamma(n + 1) - digamma(n - y + 1) + digamma(n - y + b) - digamma(n + a + b)))


class _estn_gen(stats.rv_discrete):
    """scipy form of the family: shape parameters a, b, n (n real; the law normalised on 0..floor(n))."""

    def _argcheck(self, a, b, n):
        return (a > 0) & (b > 0) & (n >= 1)

    def _get_support(self, a, b, n):
        return np.zeros_like(n), _top(n)

    def _logpmf(self, k, a, b, n):
        shape = np.broadcast_shapes(np.shape(k), np.shape(a), np.shape(b), np.shape(n))
        k, a, b, n = (np.broadcast_to(v, shape).ravel() for v in (k, a, b, n))
        dist = BetaBinomialEstN.from_internal(np.log(np.column_stack([a, b, n])))
        inside = (k >= 0) & (k <= _top(n))
        kk = np.where(inside, k, 0.0)
        return np.where(inside, _log_f(kk, a, b, n) - dist._log_z(), -np.inf).reshape(shape)

    def _pmf(self, k, a, b, n):
        return np.exp(self._logpmf(k, a, b, n))


betabinom_estn = _estn_gen(name="betabinom_estn", a=0, shapes="a, b, n")


class BetaBinomialEstN(CountTables, Distribution):
    """BetaBinomialEstN(a, b, n): the beta-binomial of n trials with n estimated (a positive real; the
    law is normalised on 0..floor(n), module docstring). Internal (log a, log b, log n).

    Score "log": gradient and Fisher information by exact finite sums over the support; natural
    gradient by the pseudo-inverse of the 3x3 metric. Mean, variance, cdf and quantiles by the same sums.
    """

    parameters = (Param("a", LOG, (-10.0, 12.0), domain=(-10.0, 25.0)),
                  Param("b", LOG, (-10.0, 12.0), domain=(-10.0, 25.0)),
                  Param("n", LOG, (0.0, 8.0), domain=(0.0, 8.0)))  # 1 <= n <= 2,981 (each row sums over 0..n)
    support = "count"
    discrete = True

    # ------------------------------------------------------------------ the table of the support
    def _chunks(self):
        """Row index arrays, rows of similar floor(n) together, whose (rows, max floor(n) + 1) tables hold
        at most about ``_TABLE`` entries (a row of a large n does not widen the others' tables)."""
        top = _top(self.n)
        order = np.argsort(top, kind="stable")
        width = top[order] + 1  # non-decreasing
        chunks, start = [], 0
        while start < len(order):
            # the table of rows start..stop-1 is (stop - start) x width[stop - 1]: non-decreasing in stop
            entries = np.arange(1, len(order) - start + 1) * width[start:]
            stop = start + max(1, int(np.searchsorted(entries, _TABLE, side="right")))
            chunks.append(order[start:stop])
            start = stop
        return chunks

    def _log_table(self, rows):
        """(t, log f, inside), each (rows, K) with K = max floor(n) + 1: the counts 0..K-1 (0 outside a
        row's support), log f (-inf outside) and the mask of each row's support 0..floor(n).

        log f(0) = log B(a, n + b) - log B(a, b), then f(y + 1) / f(y) = (n - y)(y + a) / ((y + 1)(n - y - 1 + b))
        (positive inside the support): one log per entry instead of five log-gammas."""
        a, b, n = self.a[rows, None], self.b[rows, None], self.n[rows, None]
        ys = np.arange(int(_top(n.max())) + 1, dtype=float)
        inside = ys <= _top(n)
        t = np.where(inside, ys, 0.0)
        logf = np.empty(t.shape)
        logf[:, :1] = betaln(a, n + b) - betaln(a, b)
        if t.shape[1] > 1:
            y0 = ys[:-1]
            with np.errstate(invalid="ignore", divide="ignore"):  # (outside the support: masked below)
                step = np.log((n - y0) * (y0 + a) / ((y0 + 1) * (n - y0 - 1 + b)))
            np.cumsum(step, axis=1, out=logf[:, 1:])
            logf[:, 1:] += logf[:, :1]
        return t, np.where(inside, logf, -np.inf), inside

    def _table(self, rows):
        """(t, P, inside): ``_log_table``'s counts and mask with the probabilities P (0 outside)."""
        t, logf, inside = self._log_table(rows)
        f = np.exp(logf - logf.max(axis=1, keepdims=True))
        return t, f / f.sum(axis=1, keepdims=True), inside

    def _log_z(self):
        """log Z per row (0 at integer n, up to rounding)."""
        out = np.empty(len(self))
        for rows in self._chunks():
            logf = self._log_table(rows)[1]
            top = logf.max(axis=1)
            out[rows] = top + np.log(np.exp(logf - top[:, None]).sum(axis=1))
        return out

    def _expect(self, fn):
        """E fn(y) per row for fn mapping (ys (1, K), rows) to (rows, K) arrays (or tuples of them)."""
        out = None
        for rows in self._chunks():
            t, P, inside = self._table(rows)
            vals = fn(t, rows)
            vals = vals if isinstance(vals, tuple) else (vals,)
            if out is None:
                out = [np.empty(len(self)) for _ in vals]
            for o, v in zip(out, vals):
                o[rows] = np.sum(P * np.where(inside, v, 0.0), axis=1)
        return out

    # ------------------------------------------------------------------ user-facing values
    @classmethod
    def location_params(cls, k):
        """No parameter alone sets the location: early stopping gates none of the steps."""
        return np.arange(k)

    @classmethod
    def _fit_marginal(cls, y, w):
        """Weighted MLE. The likelihood is smooth in n between integers and jumps where floor(n) changes
        (a count joins the support), so it is maximised (L-BFGS-B) within each of 12 pieces
        [K, K + 1) for K from max y to 50 max y + 50 (geometric), each from the method of moments, and
        the best piece is kept."""
        w = w / w.sum()
        top = max(float(np.max(y)), 1.0)
        counts = np.bincount(y.astype(np.intp), weights=w)
        ys = np.arange(len(counts), dtype=float)
        m, v = float(w @ y), float(w @ (y - w @ y) ** 2)
        lo = np.array([b[0] for b in cls.bounds])
        hi = np.array([b[1] for b in cls.bounds])

        def nll(x):
            d = cls.from_internal(x[None, :])
            value = -(counts @ _log_f(ys, d.a, d.b, d.n)) + d._log_z()[0]
            grad = -(counts @ np.column_stack(_g(ys, d.a, d.b, d.n)) - d._g_moments()[0][0])
            return float(value), grad

        best = None
        for K in np.unique(np.round(np.geomspace(top, min(50 * top + 50, np.exp(hi[2]) - 1), 12))):
            p = np.clip(m / K, 1e-3, 1 - 1e-3)
            rho = np.clip((v / (K * p * (1 - p)) - 1) / max(K - 1, 1.0), 1e-3, 0.99)
            conc = 1 / rho - 1
            piece_lo, piece_hi = lo.copy(), hi.copy()
            piece_lo[2], piece_hi[2] = np.log(K), min(np.log1p(K) - 1e-12, hi[2])
            x0 = np.clip(np.log([p * conc, (1 - p) * conc, K]), piece_lo, piece_hi)
            res = optimize.minimize(nll, x0, jac=True, method="L-BFGS-B", bounds=list(zip(piece_lo, piece_hi)),
                                    options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 300})
            if best is None or res.fun < best.fun:
                best = res
        return best.x

    def to_scipy(self):
        return betabinom_estn(self.a, self.b, self.n)

    def mean(self):
        return self._expect(lambda t, rows: t)[0]

    def var(self):
        m = self.mean()
        return self._expect(lambda t, rows: (t - m[rows, None]) ** 2)[0]

    def logpdf(self, y):
        y = self._as_y(y)
        n = self.n if y.ndim == 1 else self.n[:, None]
        a = self.a if y.ndim == 1 else self.a[:, None]
        b = self.b if y.ndim == 1 else self.b[:, None]
        log_z = self._log_z() if y.ndim == 1 else self._log_z()[:, None]
        valid = (y >= 0) & (y <= _top(n)) & (y == np.floor(y))
        ys = np.where(valid, y, 0.0)
        return np.where(valid, _log_f(ys, a, b, n) - log_z, -np.inf)

    def _largest_count(self):
        return _top(self.n)

    def _cdf_tables(self):
        """(rows, P(Y <= 0..K-1)) per chunk of rows (K - 1 the chunk's largest floor(n))."""
        for rows in self._chunks():
            yield rows, np.cumsum(self._table(rows)[1], axis=1)

    # ------------------------------------------------------------------ log score
    def _log_score(self, y):
        return -self.logpdf(y)

    def _g_moments(self):
        """(E g (n, 3), Cov g (n, 3, 3)) under each row's law: the score's mean gradient and the Fisher
        information, from one pass over the tables."""
        mean, cov = np.empty((len(self), 3)), np.empty((len(self), 3, 3))
        for rows in self._chunks():
            t, P, inside = self._table(rows)
            g = np.stack([np.where(inside, gi, 0.0) for gi in
                          _g(t, self.a[rows, None], self.b[rows, None], self.n[rows, None])])  # (3, rows, K)
            m = np.sum(P * g, axis=2)  # (3, rows)
            centred = np.where(inside, g - m[:, :, None], 0.0)
            mean[rows] = m.T
            cov[rows] = np.einsum("irk,jrk,rk->rij", centred, centred, P)
        return mean, cov

    def _d_score_given(self, y, mean_g):
        """-(g(y) - E g); 0 for a row whose y its parameters exclude (score +inf there)."""
        inside = y <= _top(self.n)
        g = np.column_stack(_g(np.where(inside, y, 0.0), self.a, self.b, self.n))
        return -np.where(inside[:, None], g - mean_g, 0.0)

    def _log_d_score(self, y):
        return self._d_score_given(y, self._g_moments()[0])

    def _log_metric(self):
        return self._g_moments()[1]

    def _log_natural_gradient(self, y):
        mean_g, metric = self._g_moments()
        return pinv_solve(metric, self._d_score_given(y, mean_g))
