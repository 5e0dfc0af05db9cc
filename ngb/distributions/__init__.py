"""Distribution families. ``FAMILIES`` maps each name to its class; ``get_distribution``
resolves a name or class as the estimators accept it. ``Param``, ``Link``, ``IDENTITY`` and
``LOG`` are what a new family declares (see ``_declare.py``)."""

from __future__ import annotations

import difflib

from ._declare import IDENTITY, LOG, Link, Param
from .base import Distribution
from .beta import Beta
from .betabinomial import BetaBernoulli, BetaBinomial
from .betabinomial_estn import BetaBinomialEstN
from .categorical import Bernoulli, Categorical, SoftmaxCategorical
from .exponential import Exponential
from .gamma import Gamma
from .gumbel import Gumbel
from .halfnormal import HalfNormal
from .laplace import Laplace
from .logistic import Logistic
from .logitnormal import LogitNormal
from .lognormal import LogNormal
from .mvnormal import MultivariateNormal
from .negbinomial import NegativeBinomial
from .normal import Normal
from .normal_fixed_mean import NormalFixedMean
from .normal_fixed_var import NormalFixedVar
from .poisson import Poisson
from .studentt import Cauchy, StudentT, TFixedDf
from .t_fixed_df_fixed_var import TFixedDfFixedVar
from .weibull import Weibull
from .zinegbinomial import ZeroInflatedNegativeBinomial
from .zipoisson import ZeroInflatedPoisson

__all__ = [
    "Distribution",
    "Normal",
    "Poisson",
    "Categorical",
    "SoftmaxCategorical",
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
    "NormalFixedVar",
    "NormalFixedMean",
    "TFixedDfFixedVar",
    "LogitNormal",
    "BetaBinomial",
    "BetaBernoulli",
    "BetaBinomialEstN",
    "FAMILIES",
    "get_distribution",
    "family_name",
    "family_by_name",
]

FAMILIES = {
    "normal": Normal,
    "poisson": Poisson,
    "categorical": Categorical,
    "softmax_categorical": SoftmaxCategorical,
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
    "normal_fixed_var": NormalFixedVar,
    "normal_fixed_mean": NormalFixedMean,
    "t_fixed_df_fixed_var": TFixedDfFixedVar,
    "logitnormal": LogitNormal,
    "beta_binomial": BetaBinomial,
    "beta_bernoulli": BetaBernoulli,
    "beta_binomial_est_n": BetaBinomialEstN,
}

# other names accepted by get_distribution, besides each family's name and class name; every name
# is compared lower-cased with "-", "_" and spaces removed ("NegativeBinomial", "negative-binomial")
_ALIASES = {
    # scipy.stats names (what each family's to_scipy() returns) and common ones
    "norm": "normal",
    "gaussian": "normal",
    "lognorm": "lognormal",
    "expon": "exponential",
    "exp": "exponential",
    "halfnorm": "halfnormal",
    "weibull_min": "weibull",
    "gumbel_r": "gumbel",
    "nbinom": "negative_binomial",
    "t": "studentt",
    "student_t": "studentt",
    "negbinomial": "negative_binomial",
    "negbin": "negative_binomial",
    "nb": "negative_binomial",
    "mvn": "multivariate_normal",
    "mvnormal": "multivariate_normal",
    "zip": "zero_inflated_poisson",
    "zipoisson": "zero_inflated_poisson",
    "zinb": "zero_inflated_negative_binomial",
    "zinegbin": "zero_inflated_negative_binomial",
    "zinegbinomial": "zero_inflated_negative_binomial",
    "zero_inflated_nb": "zero_inflated_negative_binomial",
    "logitnorm": "logitnormal",
    "betabinom": "beta_binomial",
    "betabinom_estn": "beta_binomial_est_n",
    "softmax": "softmax_categorical",
}


#: families with a fixed argument: FAMILIES key -> (the class attribute, the subclass of a value)
_FIXED = {"t_fixed_df": ("df", TFixedDf.with_df), "beta_binomial": ("trials", BetaBinomial.with_trials)}


def family_name(cls):
    """The name under which a model file stores the family class ``cls``: its key in ``FAMILIES``, or
    ``key:value`` for a subclass of a fixed argument (``t_fixed_df:2.5``, ``beta_binomial:9``); None for
    a class that is neither."""
    for key, family in FAMILIES.items():
        if cls is family:
            return key
    for key, (attr, make) in _FIXED.items():
        if isinstance(cls, type) and issubclass(cls, FAMILIES[key]) and make(getattr(cls, attr)) is cls:
            return f"{key}:{getattr(cls, attr)!r}"
    return None


def family_by_name(name):
    """The family class of a name ``family_name`` gives; None for any other text."""
    if not isinstance(name, str):
        return None
    if name in FAMILIES:
        return FAMILIES[name]
    key, sep, value = name.partition(":")
    if not sep or key not in _FIXED:
        return None
    try:
        cls = _FIXED[key][1](float(value))
    except (ValueError, TypeError, OverflowError):
        return None
    return cls if family_name(cls) == name else None


def _key(name):
    return "".join(c for c in name.lower() if c not in "-_ \t")


def _lookup():
    """Normalised name -> family name, from the family names, class names and aliases."""
    table = {}
    pairs = [(name, name) for name in FAMILIES] + [(cls.__name__, name) for name, cls in FAMILIES.items()]
    for spelling, name in pairs + list(_ALIASES.items()):
        key = _key(spelling)
        if table.setdefault(key, name) != name:
            raise RuntimeError(f"the distribution name {spelling!r} is ambiguous")
    return table


_NAMES = _lookup()


def get_distribution(dist):
    """Return the family class for a name, a Distribution subclass, or an instance (its class;
    ``MultivariateNormal(d)`` also fixes the dimension). A name is a family name ("normal",
    "negative_binomial"), its class name ("NegativeBinomial") or scipy.stats' name ("norm",
    "lognorm", "expon", "nbinom", ...), in any case, with or without "_", "-" or spaces."""
    if isinstance(dist, str):
        key = _NAMES.get(_key(dist))
        if key is None:
            close = dict.fromkeys(_NAMES[c] for c in difflib.get_close_matches(_key(dist), list(_NAMES), n=4, cutoff=0.6))
            hint = f" Did you mean {' or '.join(map(repr, close))}?" if close else ""
            raise ValueError(f"Unknown distribution {dist!r}; expected one of {sorted(FAMILIES)} (or their class "
                             f"or scipy.stats names).{hint}")
        return FAMILIES[key]
    if isinstance(dist, type) and issubclass(dist, Distribution):
        return dist
    if isinstance(dist, Distribution):  # e.g. MultivariateNormal(d): its family (and dimension)
        return type(dist)
    raise ValueError(f"dist must be a family name such as 'normal' or a Distribution class; got {dist!r}.")


def __getattr__(name):
    """The classes of a fixed argument by name (``BetaBinomial_9``, ``TFixedDf_2_5``), made on demand."""
    from . import betabinomial, studentt

    for module in (betabinomial, studentt):
        try:
            return getattr(module, name)
        except AttributeError:
            pass
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
