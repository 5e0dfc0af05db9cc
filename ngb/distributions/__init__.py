"""Distribution families. ``FAMILIES`` maps each name to its class; ``get_distribution``
resolves a name or class as the estimators accept it. ``Param``, ``Link``, ``IDENTITY`` and
``LOG`` are what a new family declares (see ``_declare.py``)."""

from __future__ import annotations

from ._declare import IDENTITY, LOG, Link, Param
from .base import Distribution
from .beta import Beta
from .categorical import Bernoulli, Categorical
from .exponential import Exponential
from .gamma import Gamma
from .gumbel import Gumbel
from .halfnormal import HalfNormal
from .laplace import Laplace
from .logistic import Logistic
from .lognormal import LogNormal
from .mvnormal import MultivariateNormal
from .negbinomial import NegativeBinomial
from .normal import Normal
from .poisson import Poisson
from .studentt import Cauchy, StudentT, TFixedDf
from .weibull import Weibull
from .zinegbinomial import ZeroInflatedNegativeBinomial
from .zipoisson import ZeroInflatedPoisson

__all__ = [
    "Distribution",
    "Normal",
    "Poisson",
    "Categorical",
    "Bernoulli",
    "LogNormal",
    "Exponential",
    "Gamma",
    "Laplace",
    "StudentT",
    "TFixedDf",
    "Cauchy",
    "Weibull",
    "HalfNormal",
    "NegativeBinomial",
    "Beta",
    "MultivariateNormal",
    "Logistic",
    "Gumbel",
    "ZeroInflatedPoisson",
    "ZeroInflatedNegativeBinomial",
    "FAMILIES",
    "get_distribution",
]

FAMILIES = {
    "normal": Normal,
    "poisson": Poisson,
    "categorical": Categorical,
    "bernoulli": Bernoulli,
    "lognormal": LogNormal,
    "exponential": Exponential,
    "gamma": Gamma,
    "laplace": Laplace,
    "studentt": StudentT,
    "t_fixed_df": TFixedDf,
    "cauchy": Cauchy,
    "weibull": Weibull,
    "halfnormal": HalfNormal,
    "negative_binomial": NegativeBinomial,
    "beta": Beta,
    "multivariate_normal": MultivariateNormal,
    "logistic": Logistic,
    "gumbel": Gumbel,
    "zero_inflated_poisson": ZeroInflatedPoisson,
    "zero_inflated_negative_binomial": ZeroInflatedNegativeBinomial,
}

# other spellings accepted by get_distribution (after lower-casing and "-" -> "_")
_ALIASES = {
    "log_normal": "lognormal",
    "student_t": "studentt",
    "t": "studentt",
    "tfixeddf": "t_fixed_df",
    "half_normal": "halfnormal",
    "negbinomial": "negative_binomial",
    "nbinom": "negative_binomial",
    "negbin": "negative_binomial",
    "nb": "negative_binomial",
    "mvn": "multivariate_normal",
    "multivariatenormal": "multivariate_normal",
    "gumbel_r": "gumbel",
    "zip": "zero_inflated_poisson",
    "zipoisson": "zero_inflated_poisson",
    "zinb": "zero_inflated_negative_binomial",
    "zinegbin": "zero_inflated_negative_binomial",
    "zinegbinomial": "zero_inflated_negative_binomial",
    "zero_inflated_nb": "zero_inflated_negative_binomial",
}


def get_distribution(dist):
    """Return the family class for a name (case-insensitive), a Distribution subclass, or an
    instance (its class; ``MultivariateNormal(d)`` also fixes the dimension)."""
    if isinstance(dist, str):
        key = dist.lower().replace("-", "_")
        key = _ALIASES.get(key, key)
        if key not in FAMILIES:
            raise ValueError(f"Unknown distribution {dist!r}; expected one of {sorted(FAMILIES)}.")
        return FAMILIES[key]
    if isinstance(dist, type) and issubclass(dist, Distribution):
        return dist
    if isinstance(dist, Distribution):  # e.g. MultivariateNormal(d): its family (and dimension)
        return type(dist)
    raise ValueError(f"dist must be a family name such as 'normal' or a Distribution class; got {dist!r}.")
