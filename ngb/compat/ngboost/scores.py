"""Scoring rules under ngboost's names: ``LogScore`` (alias ``MLE``) and ``CRPScore`` (alias ``CRPS``).

The classes are markers: the estimators map them to ngb's rules ("log", "crps"; for NGBSurvival the
right-censored versions). ``Score`` is their common base; the methods it carries (``total_score``,
``grad``) are used by the objects of :func:`ngb.compat.ngboost.manifold.manifold`.
"""

import numpy as np

__all__ = ["Score", "LogScore", "MLE", "CRPScore", "CRPS"]


class Score:
    """Base of the scoring rules. ``_ngb_name`` is the name of ngb's rule."""

    _ngb_name = None

    def total_score(self, Y, sample_weight=None):
        """Mean score of the rows against outcomes Y (weighted by ``sample_weight``)."""
        return np.average(self.score(Y), weights=sample_weight)

    def grad(self, Y, natural=True):
        """Gradient of the score w.r.t. the internal parameters, (n, k); natural: metric^-1 @ it."""
        grad = self.d_score(Y)
        if natural:
            grad = np.linalg.solve(self.metric(), grad[..., None])[..., 0]
        return grad


class LogScore(Score):
    """The log score: minus the log-likelihood of the outcome."""

    _ngb_name = "log"


class CRPScore(Score):
    """The continuous ranked probability score."""

    _ngb_name = "crps"


MLE = LogScore
CRPS = CRPScore


def ngb_score_name(Score_):
    """ngb's name of the rule ``Score_`` (a class of this module or a subclass)."""
    if isinstance(Score_, type) and issubclass(Score_, Score) and Score_._ngb_name is not None:
        return Score_._ngb_name
    for cls in getattr(Score_, "__mro__", ()):
        if cls.__name__ in ("LogScore", "CRPScore"):
            return "log" if cls.__name__ == "LogScore" else "crps"
    raise ValueError(f"Score must be LogScore or CRPScore (from ngb.compat.ngboost.scores); got {Score_!r}.")
