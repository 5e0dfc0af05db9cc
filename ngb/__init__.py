"""ngb: probabilistic prediction on tabular data by natural gradient boosting."""

from .distributions import Bernoulli, Categorical, Distribution, Normal, Poisson
from .scores import CRPScore, LogScore

__version__ = "0.1.0"

__all__ = ["Distribution", "Normal", "Poisson", "Categorical", "Bernoulli", "LogScore", "CRPScore", "__version__"]
