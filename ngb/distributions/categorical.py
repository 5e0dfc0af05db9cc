"""Categorical distribution over classes 0..K-1; internal parameters are K-1 logits
relative to class 0 (class 0 has logit 0). Bernoulli is the K = 2 case.

Scores: "log" (Fisher information diag(p) - p p^T over classes 1..K-1) and "brier",
sum_j (p_j - 1{y = j})^2, whose metric is the Hessian of the expected Brier score
E_{y~P} S(Q, y) = |q - p|^2 + 1 - |p|^2 at Q = P, i.e. 2 J^T J with J = dp/dlogits (closed form);
the Brier natural gradient (J^T J)^{-1} J^T (p - e_y) is also closed form, r_j/p_j - r_0/p_0.
"""

from __future__ import annotations

from functools import partial

import numpy as np
from scipy import stats

from . import _categorical_fast
from .base import Distribution
from .fast import FastScore

__all__ = ["Categorical", "SoftmaxCategorical", "Bernoulli"]

_LOGIT_BOUND = 30.0


def _diag_minus_outer(p):
    """diag(p) - p p^T per row, (n, m, m) for p (n, m): the Fisher information of logits."""
    return np.einsum("ij,jk->ijk", p, np.eye(p.shape[1])) - p[:, :, None] * p[:, None, :]


def _brier_diagonal(p, q):
    """2 q^2 (1 - 2 q + sum_j p_j^2), (n, m) column-ordered: the Brier metric's diagonal entries of
    the logits whose probabilities are q (n, m), p (n, K) every class's."""
    sum_sq = np.einsum("ij,ij->i", p, p)[:, None]
    return np.asfortranarray(2 * q * q * (1 - 2 * q + sum_sq))


class Categorical(Distribution):
    """Categorical(probs) with probs of shape (n, K) or (K,). Labels are class codes 0..K-1."""

    scores = ("log", "brier")
    support = "class"
    discrete = True
    fast = {"log": FastScore(_categorical_fast.log_score_mean, _categorical_fast.log_natural_gradient,
                             _categorical_fast.log_score_leaves)}

    def __init__(self, probs):
        probs = np.asarray(probs, float)
        if probs.ndim == 1:
            probs = probs[None, :]
        if probs.ndim != 2 or probs.shape[1] < 2:
            raise ValueError("probs must have shape (n, K) with K >= 2 classes.")
        if np.any(~(probs >= 0)) or not np.allclose(probs.sum(axis=1), 1.0, atol=1e-8):
            raise ValueError("each row of probs must be non-negative and sum to 1.")
        logp = np.log(np.maximum(probs, np.finfo(float).tiny))
        logits = self._logits_of(logp)
        self._check_n_params(logits.shape[1])
        if np.all(np.abs(logits) <= _LOGIT_BOUND):
            self._set_internal(logits)
            return
        # zero probabilities or ratios beyond e^30: probs and log-probabilities kept exactly (log 0 =
        # -inf); theta, what the boosting engine reads, holds the logits clipped to its bounds
        self._set_internal(self.clip_internal(logits))
        self.probs = probs / probs.sum(axis=1, keepdims=True)
        with np.errstate(divide="ignore"):
            self._logp = np.log(self.probs)

    @staticmethod
    def _logits_of(logp):
        """(n, k) internal logits of log-probabilities (n, K): relative to class 0."""
        return logp[:, 1:] - logp[:, :1]

    def _take(self, idx):
        obj = type(self).__new__(type(self))
        obj._theta = np.array(self._theta[idx], dtype=float)
        obj.probs = np.array(self.probs[idx])
        obj._logp = np.array(self._logp[idx])
        return obj

    @classmethod
    def _bounds_for(cls, k):
        return ((-_LOGIT_BOUND, _LOGIT_BOUND),) * k

    @classmethod
    def step_groups(cls, k):
        """The logits are exchangeable: one step scaling for all of them."""
        return [np.arange(k)]

    @classmethod
    def _check_n_params(cls, k):
        if k < 1:
            raise ValueError("a categorical distribution needs at least 2 classes (1 logit).")

    def _set_internal(self, theta):
        self._theta = theta
        # log-softmax of [0, theta]: the logit bounds (|theta| <= 30) keep exp(theta) finite, so no
        # max shift is needed; column-wise sums are much faster than axis-1 reductions for small K
        n, k = theta.shape
        self.probs = np.empty((n, k + 1))
        np.exp(theta, out=self.probs[:, 1:])
        total = np.ones(n)
        for j in range(1, k + 1):
            total += self.probs[:, j]
        self.probs[:, 0] = 1.0
        self.probs /= total[:, None]
        log_total = np.log(total)
        self._logp = np.empty((n, k + 1))
        self._logp[:, 0] = -log_total
        np.subtract(theta, log_total[:, None], out=self._logp[:, 1:])

    @classmethod
    def classes_for(cls, k):
        """The number of classes K of k internal logits (k + 1)."""
        return k + 1

    @property
    def n_classes(self):
        return self.classes_for(self._theta.shape[1])

    @classmethod
    def _names_for(cls, k):
        return tuple(f"logit_{j}" for j in range(1, k + 1))

    @property
    def param_names(self):
        return self._names_for(self._theta.shape[1])

    @property
    def params(self):
        return {"probs": self.probs.copy()}

    @classmethod
    def _fit_marginal(cls, y, w, n_classes=None):
        """Weighted class frequencies as logits; ``n_classes`` keeps classes absent from y."""
        y = y.astype(np.int64)
        k = int(y.max()) + 1 if n_classes is None else int(n_classes)
        counts = np.bincount(y, weights=w, minlength=k)
        logp = np.log(np.maximum(counts / counts.sum(), np.finfo(float).tiny))
        return cls._logits_of(logp[None, :])[0]

    def to_scipy(self):
        """Bernoulli(p_1) for K = 2; otherwise ``multinomial(1, probs)`` (pmf of one-hot rows)."""
        if self.n_classes == 2:
            return stats.bernoulli(self.probs[:, 1])
        return stats.multinomial(1, self.probs)

    def _codes(self, y):
        y = self._as_y(y)
        valid = (y >= 0) & (y < self.n_classes) & (y == np.floor(y))
        return np.where(valid, y, 0).astype(np.int64), valid

    # user-facing: a discrete law on the codes 0..K-1
    def mean(self):
        return self.probs @ np.arange(self.n_classes)

    def var(self):
        codes = np.arange(self.n_classes)
        return self.probs @ codes**2 - self.mean() ** 2

    def cdf(self, y):
        y = self._as_y(y)
        cum = np.cumsum(self.probs, axis=1)
        idx = np.floor(y).astype(np.int64)
        out = np.take_along_axis(cum, np.clip(idx, 0, self.n_classes - 1)[:, None], axis=1)[:, 0]
        return np.where(y < 0, 0.0, np.where(idx >= self.n_classes - 1, 1.0, out))

    def logcdf(self, y):
        with np.errstate(divide="ignore"):
            return np.log(self.cdf(y))

    def sf(self, y):
        return 1.0 - self.cdf(y)

    def logsf(self, y):
        with np.errstate(divide="ignore"):
            return np.log(self.sf(y))

    def _ppf(self, q):
        cum = np.cumsum(self.probs, axis=1)
        cum[:, -1] = 1.0
        # smallest code j with cdf(j) >= q
        out = np.empty(q.shape)
        for col in range(q.shape[1]):
            out[:, col] = (cum < q[:, col : col + 1] - 1e-12).sum(axis=1)
        return np.minimum(out, self.n_classes - 1)

    def logpdf(self, y):
        codes, valid = self._codes(y)
        out = np.take_along_axis(self._logp, codes[:, None], axis=1)[:, 0]
        return np.where(valid, out, -np.inf)

    def predict_proba(self):
        return self.probs.copy()

    # log score
    def _onehot(self, y):
        codes, _ = self._codes(y)
        onehot = np.zeros((len(self), self.n_classes))
        onehot[np.arange(len(self)), codes] = 1.0
        return onehot

    def _log_d_score(self, y):
        return self.probs[:, 1:] - self._onehot(y)[:, 1:]

    def _log_metric(self):
        return _diag_minus_outer(self.probs[:, 1:])

    def _log_natural_gradient(self, y):
        # Sherman-Morrison: (diag(p) - p p^T)^{-1} = diag(1/p) + 1 1^T / p_0, giving
        # g_j = e_0 / p_0 - e_j / p_j for the one-hot e of y.
        e = self._onehot(y)
        return e[:, :1] / self.probs[:, :1] - e[:, 1:] / self.probs[:, 1:]

    # Brier score
    def _brier_score(self, y):
        r = self.probs - self._onehot(y)
        return np.sum(r * r, axis=1)

    def _jacobian(self):
        """J[i, j, l] = d p_j / d logit_{l+1} = p_j (1{j = l+1} - p_{l+1}), shape (n, K, K-1)."""
        p = self.probs
        jac = -p[:, :, None] * p[:, None, 1:]
        idx = np.arange(1, self.n_classes)
        jac[:, idx, idx - 1] += p[:, 1:]
        return jac

    def _brier_d_score(self, y):
        # 2 J^T r with r = p - e_y: component l is 2 p_l (r_l - sum_j r_j p_j)
        p = self.probs
        r = p - self._onehot(y)
        return 2 * p[:, 1:] * (r[:, 1:] - np.sum(r * p, axis=1, keepdims=True))

    def _brier_metric(self):
        jac = self._jacobian()
        return 2 * np.einsum("njk,njl->nkl", jac, jac)

    def _brier_metric_diagonal(self):
        """Diagonal of the Brier metric 2 J^T J, (n, K-1) in O(nK): 2 p_l^2 (1 - 2 p_l + sum_j p_j^2)."""
        return _brier_diagonal(self.probs, self.probs[:, 1:])

    def _brier_natural_gradient(self, y):
        # J delta = r has the exact solution delta_l = r_l / p_l - r_0 / p_0 (r sums to zero)
        p = self.probs
        r = p - self._onehot(y)
        return r[:, 1:] / p[:, 1:] - r[:, :1] / p[:, :1]


class SoftmaxCategorical(Categorical):
    """Categorical(probs) over K classes with K internal logits, probs = softmax(logits), for
    K >= 3 (two classes keep one logit, as ``Categorical``). The logits are identified up to a
    common constant: the metric is singular along (1, ..., 1), and the natural gradient is the
    minimum-norm solution. The classifiers' default: a learner per class, every class's logit
    moved by its own trees (scikit-learn's histogram boosting grows K trees an iteration too),
    where with logits relative to class 0 the class-0 logit moves only by every other logit
    moving together, which the metric-weighted (diagonal Newton) fit does poorly.

    Log score: gradient p - e_y, Fisher information diag(p) - p p^T, natural gradient
    1 / (K p_y) - e_y / p. Brier: gradient 2 J^T r with J = diag(p) - p p^T and r = p - e_y,
    metric 2 J^T J, natural gradient r / p minus its mean over the classes."""

    fast = {"log": FastScore(*(partial(kernel, softmax=True) for kernel in (
        _categorical_fast.log_score_mean, _categorical_fast.log_natural_gradient, _categorical_fast.log_score_leaves)))}

    @staticmethod
    def _logits_of(logp):
        """(n, K) logits log p for K >= 3 classes; one logit relative to class 0 for K = 2."""
        return logp[:, 1:] - logp[:, :1] if logp.shape[1] == 2 else logp

    @classmethod
    def _check_n_params(cls, k):
        if k < 1 or k == 2:
            raise ValueError(f"SoftmaxCategorical has K logits for K >= 3 classes and 1 for 2 classes; got {k}.")

    @classmethod
    def classes_for(cls, k):
        """The number of classes K of k internal logits (2 for one logit, else k)."""
        return 2 if k == 1 else k

    @property
    def _symmetric(self):
        return self._theta.shape[1] > 1

    def _set_internal(self, theta):
        if theta.shape[1] == 1:
            return super()._set_internal(theta)
        # softmax; the logit bounds (|theta| <= 30) keep exp(theta) and its sums finite without a shift
        self._theta = theta
        self.probs = np.exp(theta)
        total = self.probs[:, 0].copy()
        for j in range(1, theta.shape[1]):
            total += self.probs[:, j]
        self.probs /= total[:, None]
        self._logp = theta - np.log(total)[:, None]

    @classmethod
    def _names_for(cls, k):
        return ("logit_1",) if k == 1 else tuple(f"logit_{j}" for j in range(k))

    # log score
    def _log_d_score(self, y):
        if not self._symmetric:
            return super()._log_d_score(y)
        return self.probs - self._onehot(y)

    def _log_metric(self):
        if not self._symmetric:
            return super()._log_metric()
        return _diag_minus_outer(self.probs)

    def _log_metric_diagonal(self):
        """p_j (1 - p_j), (n, k) column-ordered."""
        p = self.probs if self._symmetric else self.probs[:, 1:]
        return np.asfortranarray(p * (1.0 - p))

    def _log_natural_gradient(self, y):
        if not self._symmetric:
            return super()._log_natural_gradient(y)
        # F d = p - e_y is solved by d = c - e_y / p for every constant c; c = 1 / (K p_y) sums d to 0
        e = self._onehot(y)
        inv_py = 1.0 / np.sum(e * self.probs, axis=1, keepdims=True)
        return inv_py / self.n_classes - e / self.probs

    # Brier score
    def _jacobian(self):
        """J[i, j, l] = d p_j / d logit_l = p_j (1{j = l} - p_l), shape (n, K, K) (K >= 3)."""
        if not self._symmetric:
            return super()._jacobian()
        return self._log_metric()  # the softmax Jacobian is the Fisher information

    def _brier_d_score(self, y):
        if not self._symmetric:
            return super()._brier_d_score(y)
        p = self.probs
        r = p - self._onehot(y)
        return 2 * p * (r - np.sum(r * p, axis=1, keepdims=True))

    def _brier_metric_diagonal(self):
        if not self._symmetric:
            return super()._brier_metric_diagonal()
        return _brier_diagonal(self.probs, self.probs)

    def _brier_natural_gradient(self, y):
        if not self._symmetric:
            return super()._brier_natural_gradient(y)
        # J delta = r (J symmetric, null vector 1, r sums to zero): delta = r / p + c; minimum norm: mean 0
        r = self.probs - self._onehot(y)
        delta = r / self.probs
        return delta - delta.mean(axis=1, keepdims=True)


class Bernoulli(Categorical):
    """Bernoulli(p) = Categorical with K = 2; internal parameter the logit of p."""

    param_names = ("logit_1",)

    def __init__(self, p=0.5):
        p = np.atleast_1d(np.asarray(p, float))
        if p.ndim != 1 or np.any(~((p >= 0) & (p <= 1))):
            raise ValueError("p must be probabilities in [0, 1] given as a scalar or 1-D array.")
        super().__init__(np.column_stack([1 - p, p]))

    @classmethod
    def _check_n_params(cls, k):
        if k != 1:
            raise ValueError(f"Bernoulli has 1 internal parameter; got {k}.")

    @classmethod
    def _fit_marginal(cls, y, w, n_classes=2):
        return super()._fit_marginal(y, w, n_classes=2)

    @property
    def p(self):
        return self.probs[:, 1].copy()

    @property
    def params(self):
        return {"p": self.p}
