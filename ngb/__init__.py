"""ngb: probabilistic prediction on tabular data by natural gradient boosting."""

from . import distributions
from .distributions import *  # noqa: F401,F403  (every family class)
from .classifier import NGBClassifier
from .regressor import NGBRegressor
from .survival import NGBSurvival
from .tree import HistTreeRegressor
from .boosting import NGBVersionWarning, reference_defaults
from .scores import BrierScore, CRPScore, LogScore
from .version import __version__
from ._model_file import ModelFileError, load, save
from . import metrics  # noqa: E402  (ngb.plots is imported on demand: it needs matplotlib)
from . import explain  # noqa: E402  (ngb.explain.shap_values, OutputRegressor, partial_dependence)


__all__ = ["NGBRegressor", "NGBClassifier", "NGBSurvival", "HistTreeRegressor", *distributions.__all__, "LogScore", "CRPScore", "BrierScore", "NGBVersionWarning", "reference_defaults", "save", "load", "ModelFileError", "__version__"]
