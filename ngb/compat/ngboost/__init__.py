"""A drop-in replacement for ngboost 0.6.0 on ngb's engine.

Replace ``ngboost`` by ``ngb.compat.ngboost`` in the imports::

    from ngb.compat.ngboost import NGBRegressor
    from ngb.compat.ngboost.distns import Normal
    from ngb.compat.ngboost.scores import LogScore

    ngb = NGBRegressor(Dist=Normal, Score=LogScore).fit(X_train, Y_train)
    Y_dists = ngb.pred_dist(X_test)

Submodules as in ngboost: ``api``, ``ngboost`` (the NGBoost base), ``distns``, ``scores``, ``learners``,
``helpers``, ``manifold``.
"""

from . import distns, helpers, learners, manifold, scores  # noqa: F401
from .api import NGBClassifier, NGBoost, NGBRegressor, NGBSurvival
from .helpers import load_ngboost_model

__all__ = ["NGBClassifier", "NGBRegressor", "NGBSurvival", "NGBoost", "load_ngboost_model"]

__version__ = "0.6.0"
