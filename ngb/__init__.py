"""ngb: probabilistic prediction on tabular data by natural gradient boosting."""

from . import distributions
from .distributions import *  # noqa: F401,F403  (every family class)
from .classifier import NGBClassifier
from .regressor import NGBRegressor
from .scores import CRPScore, LogScore

__version__ = "0.1.0"

__all__ = ["NGBRegressor", "NGBClassifier", *distributions.__all__, "LogScore", "CRPScore", "__version__"]
