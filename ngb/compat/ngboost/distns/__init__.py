"""Distributions under ngboost's names and parameter conventions, computed by ngb's families.

An object is built, as in ngboost, from its internal parameters of shape (k, n) (``Normal(params)``:
``params[0]`` the location, ``params[1]`` the log scale) and holds n rows. It offers ngboost's
surface: ``params`` (a dict with ngboost's keys), the family's attributes (``loc``, ``scale``, ...),
``dist`` (a frozen ``scipy.stats`` object), ``mean()``, ``predict()``, ``sample(m)`` of shape (m, n),
``logpdf``, ``cdf``, ``ppf``, slicing and ``len``. Every quantity is evaluated by the ngb family
object ``_ngb`` (with its internal parameters ``_to_ngb(params)``).
"""

from __future__ import annotations

import warnings

import numpy as np

from ngb import distributions as _families

__all__ = [
    "Distn",
    "RegressionDistn",
    "ClassificationDistn",
    "Normal",
    "NormalFixedVar",
    "NormalFixedMean",
    "LogNormal",
    "Exponential",
    "Gamma",
    "Weibull",
    "HalfNormal",
    "Laplace",
    "T",
    "TFixedDf",
    "TFixedDfFixedVar",
    "Cauchy",
    "LogitNormal",
    "Beta",
    "MultivariateNormal",
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


class NormalFixedVar(RegressionDistn):
    """Normal with scale 1: params (loc,); ``params`` keys loc, scale (ones). Log score and CRPS.
    (ngboost adds 1e-5 to its log-score metric, 1; ngb's is exact.)"""

    _family = _families.NormalFixedVar
    n_params = 1
    _rules = ("log", "crps")

    def _set_attributes(self):
        super()._set_attributes()
        self.loc = self._params[0]
        self.scale = np.ones_like(self.loc)
        self.var = np.ones_like(self.loc)
        self.shape = self.loc.shape

    @property
    def params(self):
        return {"loc": self.loc, "scale": self.scale}


class NormalFixedMean(RegressionDistn):
    """Normal with mean 0: params (log scale,); ``params`` keys loc (zeros), scale. Log score and CRPS.
    ``fit`` gives the log of the maximum-likelihood scale about 0 (ngboost 0.6.0's returns the
    standard deviation about the sample mean, unlogged, as the internal parameter)."""

    _family = _families.NormalFixedMean
    n_params = 1
    _rules = ("log", "crps")

    def _set_attributes(self):
        super()._set_attributes()
        self.scale = np.exp(self._params[0])
        self.loc = np.zeros_like(self.scale)
        self.var = self.scale**2
        self.shape = self.loc.shape

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


class TFixedDfFixedVar(RegressionDistn):
    """Student's t with df 3 and scale 1 fixed: params (loc,); keys loc, scale (ones). ``fit`` gives
    the maximum-likelihood loc at scale 1 (ngboost 0.6.0's fits the scale too and returns its loc)."""

    _family = _families.TFixedDfFixedVar
    n_params = 1
    fixed_df = 3.0

    def _set_attributes(self):
        super()._set_attributes()
        self.loc = self._params[0]
        self.scale = np.ones_like(self.loc)
        self.var = np.ones_like(self.loc)
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


class LogitNormal(RegressionDistn):
    """Logit-normal on (0, 1), logit(Y) ~ Normal(mu, sigma): params (mu, log sigma); ``params`` keys
    mu, sigma. ``mean()`` (and ``predict()``) by quadrature (ngboost 0.6.0 averages 1000 random
    draws); the Fisher information is exact, diag(1 / sigma^2, 2) (ngboost estimates it from 100
    draws per row); ``fit`` is the exact maximum-likelihood fit (the mean and standard deviation of
    logit Y). Also ``logpdf``, ``cdf``, ``ppf`` and ``dist``, which ngboost's lacks."""

    _family = _families.LogitNormal
    n_params = 2

    def _set_attributes(self):
        super()._set_attributes()
        self.mu = self._params[0]
        self.sigma = np.exp(self._params[1])

    @property
    def params(self):
        return {"mu": self.mu, "sigma": self.sigma}


class Beta(RegressionDistn):
    """Beta on (0, 1): params (log alpha, log beta); ``params`` keys alpha, beta; ``dist`` is
    ``scipy.stats.beta(alpha, beta)``."""

    _family = _families.Beta
    n_params = 2

    def _set_attributes(self):
        super()._set_attributes()
        self.alpha = np.exp(self._params[0])
        self.beta = np.exp(self._params[1])

    @property
    def params(self):
        return {"alpha": self.alpha, "beta": self.beta}


#: ngboost's multivariate normal adds this to every diagonal entry of L (exp(param) + 1e-6)
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
            "__module__": __name__, "__doc__": f"Multivariate normal distribution of dimension {k}."})
        cls.__qualname__ = f"MVN_{k}"
        _MVNS[k] = cls
    return _MVNS[k]


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
    """``Categorical_K`` and ``MVN_K`` classes on demand (so that pickles of ``k_categorical(K)`` and
    ``MultivariateNormal(K)`` load)."""
    if name.startswith("Categorical_") and name[len("Categorical_"):].isdigit():
        return k_categorical(int(name[len("Categorical_"):]))
    if name.startswith("MVN_") and name[len("MVN_"):].isdigit():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return MultivariateNormal(int(name[len("MVN_"):]))
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
