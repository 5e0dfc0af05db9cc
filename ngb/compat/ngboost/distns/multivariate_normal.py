"""ngboost's ``MultivariateNormal(k)`` (class ``MVN``) on ngb's multivariate Normal family."""

from __future__ import annotations

import warnings

import numpy as np
from scipy import stats

from ngb import distributions as _families

from .distn import RegressionDistn


_MVN_DIAGONAL_FLOOR = 1e-6


class _MultivariateNormal(RegressionDistn):
    """A k-dimensional normal (the classes ``MultivariateNormal(k)`` returns), as ngboost's ``MVN``.

    params (k (k + 3) / 2, n): the k means, then the lower triangle of L (Sigma^-1 = L L^T) in
    ``np.tril_indices(k)`` order (row by row), whose diagonal entries are L_ii = exp(param) + 1e-6.
    Attributes ``N``, ``p``, ``loc`` (n, k), ``tril_L``, ``L`` (n, k, k), ``cov_inv``, ``cov`` (n, k, k),
    ``pdf_constant``; ``params`` is {"loc": loc, "scale": cov}; ``rv()`` one draw per row,
    ``rvs(m)`` / ``sample(m)`` a list of m of them; ``scipy_distribution()`` a list of frozen
    ``scipy.stats.multivariate_normal``. ngb's family stores log L_ii and L's lower entries column by
    column: the parameters are permuted and the diagonal mapped (L_ii <= 1e-6, which ngboost's
    parametrisation cannot hold, shows as the smallest parameter a double holds)."""

    _dim = None
    multi_output = True

    @classmethod
    def _layout(cls):
        """(position in ngb's theta of each ngboost parameter, mask of the diagonal ones)."""
        k = cls._dim
        ngb_lower = {}
        for j in range(k):  # ngb's lower entries: column by column
            for i in range(j + 1, k):
                ngb_lower[(i, j)] = 2 * k + len(ngb_lower)
        order, diagonal = list(range(k)), [False] * k
        for i, j in zip(*np.tril_indices(k)):
            order.append(k + i if i == j else ngb_lower[(i, j)])
            diagonal.append(i == j)
        return np.array(order), np.array(diagonal)

    @classmethod
    def _to_ngb(cls, params):
        params = np.asarray(params, dtype=float)
        order, diagonal = cls._layout()
        values = params.copy()
        values[diagonal] = np.logaddexp(params[diagonal], np.log(_MVN_DIAGONAL_FLOOR))  # log(e^t + 1e-6)
        theta = np.empty((params.shape[1], params.shape[0]))
        theta[:, order] = values.T
        return theta

    @classmethod
    def _from_ngb(cls, theta):
        theta = np.asarray(theta, dtype=float)
        order, diagonal = cls._layout()
        params = theta[:, order].T.copy()
        ratio = _MVN_DIAGONAL_FLOOR * np.exp(-params[diagonal])  # 1e-6 / L_ii
        with np.errstate(divide="ignore", invalid="ignore"):
            below = params[diagonal] + np.log1p(-ratio)  # log(L_ii - 1e-6)
        params[diagonal] = np.where(ratio < 1, below, np.log(np.finfo(float).tiny))
        return params

    def _jacobian(self):
        """(n, K) d (ngb's parameter) / d (ngboost's parameter), in ngboost's order."""
        _, diagonal = self._layout()
        J = np.ones((len(self), self.n_params))
        J[:, diagonal] = (1.0 / (1.0 + _MVN_DIAGONAL_FLOOR * np.exp(-self._params[diagonal]))).T
        return J

    def d_score(self, Y):
        order, _ = self._layout()
        return self._ngb.d_score(Y, self._rule_name())[:, order] * self._jacobian()

    def metric(self):
        order, _ = self._layout()
        J = self._jacobian()
        return self._ngb.metric(self._rule_name())[:, order[:, None], order[None, :]] * J[:, :, None] * J[:, None, :]

    def _set_attributes(self):
        self.N = self._params.shape[1]
        self.p = self._dim
        self.loc = self._params[: self.p].T.copy()
        self.tril_L = self._params[self.p:].copy()
        self.L = self._ngb.L.copy()
        self.cov_inv = self.L @ np.swapaxes(self.L, 1, 2)
        self.pdf_constant = -self.p / 2 * np.log(2 * np.pi)

    def __getattr__(self, name):
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @property
    def cov(self):
        """Covariance matrices, (n, k, k)."""
        if "_cov" not in self.__dict__:
            self._cov = self._ngb.cov()
        return self._cov

    @property
    def params(self):
        return {"loc": self.loc, "scale": self.cov}

    @classmethod
    def fit(cls, Y):
        """The maximum-likelihood fit of Y (m, k): the means and the lower triangle of the Cholesky
        factor of the inverse sample covariance, its diagonal logged (as ngboost's ``fit``)."""
        order, _ = cls._layout()
        return np.asarray(cls._family.fit_marginal(np.asarray(Y, dtype=float)), dtype=float)[order]

    def summaries(self, Y):
        """(diff (n, k, 1) = loc - Y, eta (n, k) = L^T diff)."""
        diff = (self.loc - np.asarray(Y, dtype=float))[:, :, None]
        return diff, (np.swapaxes(self.L, 1, 2) @ diff)[:, :, 0]

    def mean(self):
        return self.loc

    def rv(self):
        """One draw per row, np.squeeze'd: (n, k), or (k,) for one row."""
        return np.squeeze(self._ngb.sample(random_state=np.random.randint(2**31 - 1)))

    def rvs(self, n):
        return [self.rv() for _ in range(int(n))]

    def sample(self, n):
        return self.rvs(n)

    def scipy_distribution(self):
        from scipy import stats

        return [stats.multivariate_normal(mean=m, cov=c) for m, c in zip(self.loc, self.cov)]


_MVNS = {}


def MultivariateNormal(k):
    """The class of k-dimensional normal distributions (ngboost's ``MVN``); for ``NGBRegressor(Dist=
    MultivariateNormal(k))`` with Y of shape (n, k)."""
    k = int(k)
    if k < 1:
        raise ValueError(f"MultivariateNormal needs a dimension k >= 1; got {k}.")
    if k == 1:
        warnings.warn("MultivariateNormal with k=1 is a univariate normal: Normal is the simpler choice.",
                      stacklevel=2)
    if k not in _MVNS:
        cls = type("MVN", (_MultivariateNormal,), {
            "_dim": k, "n_params": k * (k + 3) // 2, "_family": _families.MultivariateNormal(k),
            "__module__": "ngb.compat.ngboost.distns", "__doc__": f"Multivariate normal distribution of dimension {k}."})
        cls.__qualname__ = f"MVN_{k}"
        _MVNS[k] = cls
    return _MVNS[k]
