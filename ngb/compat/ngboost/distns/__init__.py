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

from .beta_binomial import BetaBernoulli, BetaBinomial, BetaBinomialEstN
from .categorical import Bernoulli, _Categorical, k_categorical  # noqa: F401 (_Categorical: the estimators)
from .distn import ClassificationDistn, Distn, RegressionDistn
from .multivariate_normal import MultivariateNormal
from .t import T, Cauchy, TFixedDf, TFixedDfFixedVar
from .univariate import (Beta, Exponential, Gamma, HalfNormal, Laplace, LogitNormal, LogNormal, Normal, NormalFixedMean,
                         NormalFixedVar, Poisson, Weibull)

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
    "BetaBernoulli",
    "BetaBinomial",
    "BetaBinomialEstN",
    "MultivariateNormal",
    "Poisson",
    "Bernoulli",
    "k_categorical",
]


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
