"""Multivariate Normal of dimension d for multi-output regression.

Parametrised by the mean and the Cholesky factor L (lower triangular) of the precision matrix
Lambda = Sigma^{-1} = L L^T. Internal parameters per row, k = d + d(d+1)/2:

    theta[:, :d]        mean mu
    theta[:, d:2d]      log L_jj (the diagonal of L, on the log scale)
    theta[:, 2d:]       the strictly lower entries L_ij (i > j), column by column

With r = y - mu and u = L^T r, the negative log-likelihood is
    d/2 log(2 pi) - sum_j log L_jj + |u|^2 / 2,
and the Fisher information is closed form and block diagonal: Lambda for the mean; for each
column j of L, over (log L_jj, L_{j+1,j}, ..., L_{d-1,j}), the block D S D + e e^T with
S = Sigma[j:, j:], D = diag(L_jj, 1, ..., 1) and e the first unit vector (derivation in the tests'
docstring; checked there by Monte Carlo). The natural gradient of the mean is -r exactly.
"""

from __future__ import annotations

import numbers

import numpy as np
from scipy import stats

from .base import Distribution

__all__ = ["MultivariateNormal"]

_LOG_2PI = np.log(2 * np.pi)


def _lower_index(d):
    """(rows, cols) of the strictly lower entries of a d x d matrix, column by column."""
    rows, cols = [], []
    for j in range(d):
        for i in range(j + 1, d):
            rows.append(i)
            cols.append(j)
    return np.array(rows, dtype=np.intp), np.array(cols, dtype=np.intp)


def _dim_of(k):
    d = int(round((-3 + np.sqrt(9 + 8 * k)) / 2))
    if d < 1 or d + d * (d + 1) // 2 != k:
        raise ValueError(f"{k} internal parameters do not describe a multivariate normal.")
    return d


class MultivariateNormal(Distribution):
    """MultivariateNormal(mean, cov): mean (n, d) or (d,), cov (n, d, d) or (d, d).

    ``MultivariateNormal(d)`` with an integer d is the standard normal of dimension d; pass it as
    ``NGBRegressor(dist=MultivariateNormal(d))`` to fix the dimension the model expects.
    """

    scores = ("log",)
    support = "real"
    _y_per_row_is_scalar = False
    multi_output = True

    def __init__(self, mean=None, cov=None):
        if isinstance(mean, numbers.Integral) and not isinstance(mean, bool) and cov is None:
            if mean < 1:
                raise ValueError("the dimension d must be a positive integer.")
            mean, cov = np.zeros(mean), np.eye(mean)
        mean = np.atleast_1d(np.asarray(mean, float))
        if mean.ndim == 1:
            mean = mean[None, :]
        d = mean.shape[1]
        cov = np.eye(d) if cov is None else np.asarray(cov, float)
        if cov.ndim == 2:
            cov = cov[None]
        n = max(mean.shape[0], cov.shape[0])
        mean = np.broadcast_to(mean, (n, d))
        cov = np.broadcast_to(cov, (n, d, d))
        if not np.allclose(cov, np.swapaxes(cov, 1, 2)):
            raise ValueError("cov must be symmetric.")
        try:
            L = np.linalg.cholesky(np.linalg.inv(cov))  # precision = L L^T
        except np.linalg.LinAlgError:
            raise ValueError("cov must be positive definite.") from None
        self._set_internal(self._check_exact(self._pack(mean, L)))

    @staticmethod
    def _pack(mean, L):
        d = mean.shape[1]
        rows, cols = _lower_index(d)
        diag = np.log(np.diagonal(L, axis1=1, axis2=2))
        return np.concatenate([mean, diag, L[:, rows, cols]], axis=1)

    @classmethod
    def _check_n_params(cls, k):
        _dim_of(k)

    @classmethod
    def target_units(cls, y, w):
        """The units a fit standardises y (n, d) to, per dimension (see ``ngb/_units.py``): with
        y = c + D y', D = diag(s), the precision's Cholesky factor is L = D^-1 L', so a mean moves by
        c_j + s_j m, log L_jj by -log s_j, and L_ij (i > j) is divided by s_i."""
        from .._units import TargetUnits, location_and_spread

        d = y.shape[1]
        c, s = np.array([location_and_spread(y[:, j], w) for j in range(d)]).T
        rows, _ = _lower_index(d)
        shift = np.concatenate([c, -np.log(s), np.zeros(rows.size)])
        factor = np.concatenate([s, np.ones(d), 1.0 / s[rows]])
        return TargetUnits(c, s, shift, factor)

    @classmethod
    def step_groups(cls, k):
        """One step scaling for the means, one for the log-diagonal of L, one for its lower entries."""
        d = _dim_of(k)
        return [g for g in (np.arange(d), np.arange(d, 2 * d), np.arange(2 * d, k)) if g.size]

    @classmethod
    def _bounds_for(cls, k):
        d = _dim_of(k)
        return ((-1e100, 1e100),) * d + ((-30.0, 30.0),) * d + ((-1e10, 1e10),) * (k - 2 * d)

    def _set_internal(self, theta):
        self._theta = theta
        d = _dim_of(theta.shape[1])
        self.dim = d
        n = theta.shape[0]
        self.loc = theta[:, :d]
        self._log_diag = theta[:, d : 2 * d]
        L = np.zeros((n, d, d))
        idx = np.arange(d)
        L[:, idx, idx] = np.exp(self._log_diag)
        rows, cols = _lower_index(d)
        L[:, rows, cols] = theta[:, 2 * d :]
        self.L = L

    @property
    def param_names(self):
        d = self.dim
        rows, cols = _lower_index(d)
        return (
            tuple(f"mean_{j}" for j in range(d))
            + tuple(f"log_L_{j}{j}" for j in range(d))
            + tuple(f"L_{i}{j}" for i, j in zip(rows, cols))
        )

    @property
    def params(self):
        return {"mean": self.loc.copy(), "cov": self.cov()}

    @classmethod
    def check_y(cls, y):
        y = np.asarray(y, dtype=float)
        if y.ndim != 2:
            raise ValueError(f"a multivariate normal target must have shape (n, d); got {y.shape}.")
        if not np.all(np.isfinite(y)):
            raise ValueError("y contains NaN or infinite values.")
        return y

    @classmethod
    def fit_marginal(cls, y, sample_weight=None):
        y = np.asarray(y, float)
        w = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, float)
        mean = np.average(y, axis=0, weights=w)
        r = y - mean
        cov = (w[:, None] * r).T @ r / w.sum()
        d = y.shape[1]
        cov = cov + np.eye(d) * max(1e-12 * np.trace(cov) / d, np.finfo(float).tiny)
        L = np.linalg.cholesky(np.linalg.inv(cov))
        return cls.clip_internal(cls._pack(mean[None], L[None]))[0]

    def _as_y(self, y):
        y = np.asarray(y, dtype=float)
        if y.ndim == 1:
            y = np.broadcast_to(y, (len(self), self.dim))
        return y

    # ------------------------------------------------------------------ what users read
    def mean(self):
        """Mean vectors, shape (n, d)."""
        return self.loc.copy()

    def precision(self):
        """Precision matrices L L^T, shape (n, d, d)."""
        return self.L @ np.swapaxes(self.L, 1, 2)

    def cov(self):
        """Covariance matrices, shape (n, d, d)."""
        Linv = np.linalg.inv(self.L)
        return np.swapaxes(Linv, 1, 2) @ Linv

    def var(self):
        """Marginal variances, shape (n, d)."""
        return np.diagonal(self.cov(), axis1=1, axis2=2).copy()

    def std(self):
        return np.sqrt(self.var())

    def median(self):
        return self.mean()

    def logpdf(self, y):
        """Joint log-density of y (n, d), shape (n,)."""
        r = self._as_y(y) - self.loc
        u = np.einsum("nij,ni->nj", self.L, r)  # u = L^T r
        return -0.5 * self.dim * _LOG_2PI + self._log_diag.sum(axis=1) - 0.5 * np.sum(u * u, axis=1)

    def cdf(self, y):
        raise NotImplementedError("the joint cdf of a multivariate normal is not provided; use marginals.")

    def _ppf(self, q):
        raise NotImplementedError("quantiles of a multivariate normal are not defined; use mean() and cov().")

    def interval(self, alpha):
        """Marginal central intervals holding probability ``alpha``: (lower, upper), each (n, d)."""
        from scipy.special import ndtri

        z = ndtri((1 + float(alpha)) / 2)
        sd = self.std()
        return self.loc - z * sd, self.loc + z * sd

    def sample(self, size=None, random_state=None):
        """Draws: shape (n, d) when size is None, else (n, size, d)."""
        rng = np.random.default_rng(random_state)
        m = 1 if size is None else int(size)
        z = rng.standard_normal((len(self), m, self.dim))
        # r = L^{-T} z has covariance L^{-T} L^{-1} = Sigma
        Linv_T = np.swapaxes(np.linalg.inv(self.L), 1, 2)
        draws = self.loc[:, None, :] + np.einsum("nij,nmj->nmi", Linv_T, z)
        return draws[:, 0] if size is None else draws

    def to_scipy(self):
        """A frozen ``scipy.stats.multivariate_normal`` (one row), or a list of them (n rows)."""
        covs = self.cov()
        frozen = [stats.multivariate_normal(mean=m, cov=c) for m, c in zip(self.loc, covs)]
        return frozen[0] if len(frozen) == 1 else frozen

    # ------------------------------------------------------------------ log score
    def _log_d_score(self, y):
        d = self.dim
        r = self._as_y(y) - self.loc
        u = np.einsum("nij,ni->nj", self.L, r)
        g_mean = -np.einsum("nij,nj->ni", self.L, u)  # -Lambda r
        L_diag = np.exp(self._log_diag)
        g_diag = -1.0 + L_diag * u * r
        rows, cols = _lower_index(d)
        g_off = u[:, cols] * r[:, rows]
        return np.concatenate([g_mean, g_diag, g_off], axis=1)

    def _log_metric(self):
        n, d = len(self), self.dim
        k = self._theta.shape[1]
        out = np.zeros((n, k, k))
        out[:, :d, :d] = self.precision()
        sigma = self.cov()
        for j, positions in enumerate(self._column_blocks()):
            block = self._column_block(sigma, j)
            out[:, positions[:, None], positions[None, :]] = block
        return out

    def _column_blocks(self):
        """Internal positions of (log L_jj, L_{j+1,j}, ...) for each column j."""
        d = self.dim
        rows, cols = _lower_index(d)
        blocks = []
        for j in range(d):
            off = 2 * d + np.flatnonzero(cols == j)
            blocks.append(np.concatenate([[d + j], off]).astype(np.intp))
        return blocks

    def _column_block(self, sigma, j):
        """D S D + e e^T for column j: S = Sigma[j:, j:], D = diag(L_jj, 1, ...), shape (n, m, m)."""
        S = sigma[:, j:, j:].copy()
        ljj = np.exp(self._log_diag[:, j])
        S[:, 0, :] *= ljj[:, None]
        S[:, :, 0] *= ljj[:, None]
        S[:, 0, 0] += 1.0
        return S

    def _log_natural_gradient(self, y):
        d = self.dim
        grad = self._log_d_score(y)
        out = np.empty_like(grad)
        out[:, :d] = -(self._as_y(y) - self.loc)  # Sigma (-Lambda r) = -r
        sigma = self.cov()
        for j, positions in enumerate(self._column_blocks()):
            block = self._column_block(sigma, j)
            out[:, positions] = np.linalg.solve(block, grad[:, positions][..., None])[..., 0]
        return out
