"""The univariate families under ngboost's names: Normal and its fixed variants, LogNormal, Exponential, Gamma,
Weibull, HalfNormal, Laplace, LogitNormal, Beta, Poisson."""

from __future__ import annotations

import numpy as np

from ngb import distributions as _families

from .distn import RegressionDistn


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
