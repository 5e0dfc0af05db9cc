"""Distributions under ngboost's names and parameter conventions, computed by ngb's families.

An object is built, as in ngboost, from its internal parameters of shape (k, n) (``Normal(params)``:
``params[0]`` the location, ``params[1]`` the log scale) and holds n rows. It offers ngboost's
surface: ``params`` (a dict with ngboost's keys), the family's attributes (``loc``, ``scale``, ...),
``dist`` (a frozen ``scipy.stats`` object), ``mean()``, ``predict()``, ``sample(m)`` of shape (m, n),
``logpdf``, ``cdf``, ``ppf``, slicing and ``len``. Every quantity is evaluated by the ngb family
object ``_ngb`` (with its internal parameters ``_to_ngb(params)``).
"""

from __future__ import annotations

import numpy as np

from ngb import distributions as _families

__all__ = [
    "Distn",
    "RegressionDistn",
    "ClassificationDistn",
    "Normal",
    "LogNormal",
    "Exponential",
    "Gamma",
    "Weibull",
    "HalfNormal",
    "Laplace",
    "T",
    "TFixedDf",
    "Cauchy",
    "Poisson",
    "Bernoulli",
    "k_categorical",
]


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


class Normal(RegressionDistn):
    """Normal: params (loc, log scale); ``params`` keys loc, scale."""

    _family = _families.Normal
    n_params = 2
    _rules = ("log", "crps")

    def _set_attributes(self):
        super()._set_attributes()
        self.loc = self._params[0]
        self.scale = np.exp(self._params[1])
        self.var = self.scale**2

    @property
    def params(self):
        return {"loc": self.loc, "scale": self.scale}


class LogNormal(RegressionDistn):
    """LogNormal: params (mu = log of scipy's scale, log s); ``params`` keys s, scale."""

    _family = _families.LogNormal
    n_params = 2
    _rules = ("log", "crps")
    censored_scores = ("log", "crps")

    def _set_attributes(self):
        super()._set_attributes()
        self.loc = self._params[0]
        self.scale = np.exp(self._params[1])

    @property
    def params(self):
        return {"s": self.scale, "scale": np.exp(self.loc)}


class Exponential(RegressionDistn):
    """Exponential: params (log scale,); ``params`` key scale."""

    _family = _families.Exponential
    n_params = 1
    _rules = ("log", "crps")
    censored_scores = ("log", "crps")

    def _set_attributes(self):
        super()._set_attributes()
        self.scale = np.exp(self._params[0])

    @property
    def params(self):
        return {"scale": self.scale}


class Gamma(RegressionDistn):
    """Gamma: params (log alpha, log beta) with beta the rate; ``params`` keys alpha, beta.
    (ngb's Gamma uses (log a, log scale): the second parameter changes sign.)"""

    _family = _families.Gamma
    n_params = 2

    @classmethod
    def _to_ngb(cls, params):
        theta = np.array(params, dtype=float).T
        theta[:, 1] = -theta[:, 1]
        return theta

    @classmethod
    def _from_ngb(cls, theta):
        params = np.array(theta, dtype=float).T
        params[1] = -params[1]
        return params

    def _jacobian(self):
        J = np.ones((len(self), 2))
        J[:, 1] = -1.0
        return J

    def _set_attributes(self):
        super()._set_attributes()
        self.alpha = np.exp(self._params[0])
        self.beta = np.exp(self._params[1])

    @property
    def params(self):
        return {"alpha": self.alpha, "beta": self.beta}


class Weibull(RegressionDistn):
    """Weibull: params (log shape c, log scale); ``params`` keys shape, scale."""

    _family = _families.Weibull
    n_params = 2

    def _set_attributes(self):
        super()._set_attributes()
        self.shape = np.exp(self._params[0])
        self.scale = np.exp(self._params[1])

    @property
    def params(self):
        return {"shape": self.shape, "scale": self.scale}


class HalfNormal(RegressionDistn):
    """HalfNormal on [0, inf): params (log scale,); ``params`` keys loc (zeros), scale."""

    _family = _families.HalfNormal
    n_params = 1

    def _set_attributes(self):
        super()._set_attributes()
        self.scale = np.exp(self._params[0])

    @property
    def params(self):
        return {"loc": np.zeros(self.scale.shape), "scale": self.scale}


class Laplace(RegressionDistn):
    """Laplace: params (loc, log scale); ``params`` keys loc, scale."""

    _family = _families.Laplace
    n_params = 2
    _rules = ("log", "crps")

    def _set_attributes(self):
        super()._set_attributes()
        self.loc = self._params[0]
        self.logscale = self._params[1]
        self.scale = np.exp(self._params[1])

    @property
    def params(self):
        return {"loc": self.loc, "scale": self.scale}


class T(RegressionDistn):
    """Student's t: params (loc, log scale, log df); ``params`` keys loc, scale.
    (ngb's StudentT uses log(df / (1 + df)) for the third parameter.)"""

    _family = _families.StudentT
    n_params = 3

    @classmethod
    def _to_ngb(cls, params):
        theta = np.array(params, dtype=float).T
        df = np.exp(theta[:, 2])
        theta[:, 2] = np.log(df / (1.0 + df))
        return theta

    @classmethod
    def _from_ngb(cls, theta):
        params = np.array(theta, dtype=float).T
        r = np.exp(params[2])  # df / (1 + df)
        params[2] = np.log(r / (1.0 - r))
        return params

    def _jacobian(self):
        J = np.ones((len(self), 3))
        J[:, 2] = 1.0 / (1.0 + np.exp(self._params[2]))
        return J

    def _set_attributes(self):
        super()._set_attributes()
        self.loc = self._params[0]
        self.scale = np.exp(self._params[1])
        self.var = self.scale**2
        self.df = np.exp(self._params[2])

    def predict(self):
        return self.loc

    @property
    def params(self):
        return {"loc": self.loc, "scale": self.scale}


class TFixedDf(RegressionDistn):
    """Student's t with df fixed (``fixed_df``, 3): params (loc, log scale); keys loc, scale."""

    _family = _families.TFixedDf
    n_params = 2
    fixed_df = 3.0

    def _set_attributes(self):
        super()._set_attributes()
        self.loc = self._params[0]
        self.scale = np.exp(self._params[1])
        self.var = self.scale**2
        self.df = np.ones_like(self.loc) * self.fixed_df

    def predict(self):
        return self.loc

    @property
    def params(self):
        return {"loc": self.loc, "scale": self.scale}


class Cauchy(TFixedDf):
    """Cauchy (Student's t with df = 1): params (loc, log scale); keys loc, scale."""

    _family = _families.Cauchy
    fixed_df = 1.0


class Poisson(RegressionDistn):
    """Poisson: params (log mu,); ``params`` key mu."""

    _family = _families.Poisson
    n_params = 1
    _rules = ("log", "crps")

    def _set_attributes(self):
        super()._set_attributes()
        self.logmu = self._params[0]
        self.mu = np.exp(self._params[0])

    @property
    def params(self):
        return {"mu": self.mu}


class _Categorical(ClassificationDistn):
    """K classes: params (K - 1, n), the logits of classes 1..K-1 relative to class 0."""

    _family = _families.Categorical
    K_ = None
    _rules = ("log", "crps")  # ngboost's CRPScore of a categorical is the Brier score

    @classmethod
    def _ngb_rule(cls, rule):
        return "brier" if rule == "crps" else rule

    def _set_attributes(self):
        self.logits = np.vstack([np.zeros((1, len(self))), self._params])
        self.probs = self._ngb.probs.T

    def _rule_name(self):
        return self._ngb_rule(super()._rule_name())

    @classmethod
    def fit(cls, Y):
        theta = cls._family.fit_marginal(np.asarray(Y, dtype=float), n_classes=cls.K_) \
            if cls.K_ is not None else cls._family.fit_marginal(np.asarray(Y, dtype=float))
        return np.asarray(theta, dtype=float)

    def mean(self):
        raise AttributeError("a class distribution has no mean: use class_probs()")

    def class_probs(self):
        """(n, K) class probabilities."""
        return self.probs.T

    def sample(self, m):
        return np.asarray(self._ngb.sample(int(m), random_state=np.random.randint(2**31 - 1))).T.astype(int)

    @property
    def params(self):
        return {f"p{j}": p for j, p in enumerate(self.probs)}


_CATEGORICALS = {}


def k_categorical(K):
    """The class of categorical distributions over K classes (labels 0..K-1); K = 2 is Bernoulli."""
    K = int(K)
    if K < 2:
        raise ValueError(f"k_categorical needs K >= 2 classes; got {K}.")
    if K not in _CATEGORICALS:
        name = f"Categorical_{K}" if K != 2 else "Bernoulli"
        cls = type(name, (_Categorical,), {"K_": K, "n_params": K - 1, "__module__": __name__,
                                           "__doc__": f"Categorical distribution over {K} classes."})
        cls.__qualname__ = name
        _CATEGORICALS[K] = cls
    return _CATEGORICALS[K]


Bernoulli = k_categorical(2)


def __getattr__(name):
    """``Categorical_K`` classes on demand (so that pickles of ``k_categorical(K)`` load)."""
    if name.startswith("Categorical_") and name[len("Categorical_"):].isdigit():
        return k_categorical(int(name[len("Categorical_"):]))
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
