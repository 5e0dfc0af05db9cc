"""ngboost's distribution base classes (``Distn``, ``RegressionDistn``, ``ClassificationDistn``) on ngb's families."""

from __future__ import annotations

import numpy as np


class Distn:
    """Base class: n rows of a family given by internal parameters ``params`` of shape (k, n).

    A subclass sets ``_family`` (the ngb family class), ``n_params``, and, when its internal
    parameters differ from the ngb family's, ``_to_ngb`` / ``_from_ngb`` and the diagonal Jacobian
    ``_jacobian`` (d ngb-parameter / d ngboost-parameter, (n, k))."""

    _family = None
    n_params = None
    #: ngboost's name of every rule implemented (the ngb family may have more)
    _rules = ("log",)
    #: the scoring rule of a manifold class (see ``manifold``); None for a plain distribution
    _rule = None
    #: whether the estimators give the engine one line-search scaling for all parameters, as ngboost's
    #: (False: ngb's step groups, for a family whose joint step stalls)
    _one_scaling = True

    def __init__(self, params):
        params = np.asarray(params, dtype=float)
        if params.ndim == 1:
            params = params[:, None]
        self._params = params
        self._ngb = self._family.from_internal(self._to_ngb(params))
        self._set_attributes()

    # ---- conversions (overridden where ngboost's parametrisation differs from ngb's)
    @classmethod
    def _to_ngb(cls, params):
        """ngb internal parameters (n, k) of ngboost parameters (k, n)."""
        return np.asarray(params, dtype=float).T

    @classmethod
    def _from_ngb(cls, theta):
        """ngboost parameters (k, n) of ngb internal parameters (n, k)."""
        return np.asarray(theta, dtype=float).T

    def _jacobian(self):
        """(n, k) diagonal of d theta_ngb / d params (ones: the same parameters)."""
        return np.ones((len(self), self.n_params))

    @classmethod
    def _wrap(cls, ngb_dist):
        """The object of this class for the ngb family object ``ngb_dist``."""
        obj = cls.__new__(cls)
        obj._params = cls._from_ngb(ngb_dist.theta)
        obj._ngb = ngb_dist
        obj._set_attributes()
        return obj

    def _set_attributes(self):
        """Set the family's attributes (loc, scale, ...) from ``self._params``."""

    @property
    def dist(self):
        """The frozen ``scipy.stats`` distribution of the rows."""
        if "_scipy" not in self.__dict__:
            self._scipy = self._ngb.to_scipy()
        return self._scipy

    def __getattr__(self, name):
        # other attributes of the frozen scipy distribution (as ngboost's Gamma offers)
        if name.startswith("_") or name in ("dist", "params"):
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        return getattr(self.dist, name)

    @classmethod
    def _scores(cls):
        return cls._rules

    # ---- ngboost's surface
    def __getitem__(self, key):
        return self.__class__(self._params[:, key])

    def __len__(self):
        return self._params.shape[1]

    def __repr__(self):
        return f"{type(self).__name__}(n={len(self)})"

    @classmethod
    def fit(cls, Y):
        """The marginal (constant) fit of Y: internal parameters of shape (k,)."""
        return cls._from_ngb(cls._family.fit_marginal(np.asarray(Y, dtype=float))[None, :])[:, 0]

    def mean(self):
        return self._ngb.mean()

    def var(self):
        return self._ngb.var()

    def std(self):
        return self._ngb.std()

    def logpdf(self, Y):
        return self._ngb.logpdf(Y)

    def pdf(self, Y):
        return self._ngb.pdf(Y)

    def cdf(self, Y):
        return self._ngb.cdf(Y)

    def logcdf(self, Y):
        return self._ngb.logcdf(Y)

    def sf(self, Y):
        return self._ngb.sf(Y)

    def ppf(self, q):
        return self._ngb.quantile(q)

    def interval(self, confidence):
        return self._ngb.interval(confidence)

    def rvs(self, size=None, random_state=None):
        return self.dist.rvs(size=size, random_state=random_state)

    def sample(self, m):
        """m draws per row, shape (m, n) (ngboost's orientation)."""
        return np.asarray(self._ngb.sample(int(m), random_state=np.random.randint(2**31 - 1))).T

    # ---- the scoring rule (used by the classes ``manifold(Score, Dist)`` returns)
    def _rule_name(self):
        if self._rule is None:
            raise AttributeError(f"{type(self).__name__} has no scoring rule: use manifold(Score, {type(self).__name__}).")
        return self._rule

    def score(self, Y):
        """Per-row score (n,)."""
        return self._ngb.score(Y, self._rule_name())

    def d_score(self, Y):
        """Gradient of the score w.r.t. the internal parameters, (n, k)."""
        return self._ngb.d_score(Y, self._rule_name()) * self._jacobian()

    def metric(self):
        """The rule's Riemannian metric w.r.t. the internal parameters, (n, k, k)."""
        J = self._jacobian()
        return self._ngb.metric(self._rule_name()) * J[:, :, None] * J[:, None, :]


class RegressionDistn(Distn):
    """A distribution of a real (or count) outcome; its point prediction is the mean."""

    def predict(self):
        return self.mean()


class ClassificationDistn(Distn):
    """A distribution over classes 0..K-1; its point prediction is the likeliest class."""

    def predict(self):
        return np.argmax(self.class_probs(), 1)
