"""Proper scoring rules, identified by name.

A scoring rule S(P, y) is negatively oriented (lower is better). Each distribution family
implements, for every rule it supports, the per-row score, its gradient with respect to the
family's internal parameters, and the rule's Riemannian metric (Fisher information for the
log score). The classes below are markers: they carry the name a family dispatches on.
"""

from __future__ import annotations

__all__ = [
    "ScoringRule",
    "LogScore",
    "CRPScore",
    "CensoredLogScore",
    "CensoredCRPScore",
    "BrierScore",
    "resolve_score",
]


class ScoringRule:
    """Base marker class; ``name`` is the key families dispatch on."""

    name: str = ""
    description: str = ""

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class LogScore(ScoringRule):
    """Negative log-likelihood, -log p(y); its metric is the Fisher information."""

    name = "log"
    description = "negative log-likelihood (nats)"


class CRPScore(ScoringRule):
    """Continuous ranked probability score, integral of (F(z) - 1{y <= z})^2 dz.

    Its metric is 2 * integral of grad F grad F^T dz (Dawid 2007)."""

    name = "crps"
    description = "continuous ranked probability score (units of y)"


class BrierScore(ScoringRule):
    """Brier score of a class forecast, sum_j (p_j - 1{y = j})^2.

    Its metric is the Hessian of the expected score E_{y~P} S(Q, y) at Q = P, i.e. 2 J^T J with J
    the Jacobian of the class probabilities in the internal parameters."""

    name = "brier"
    description = "Brier score (squared error of the class probabilities)"


class CensoredLogScore(ScoringRule):
    """Right-censored negative log-likelihood for survival targets (time, event):
    -log f(t) for an observed event, -log S(t) for a censored time.

    NGBSurvival boosts it when given ``score="log"``."""

    name = "censored_log"
    description = "censored negative log-likelihood (nats)"


class CensoredCRPScore(ScoringRule):
    """Right-censored CRPS ("survival CRPS", Avati et al. 2020) for survival targets (time, event):
    the CRPS, int_0^t F(z)^2 dz + int_t^inf (1 - F(z))^2 dz, for an observed event and only the
    part below the censoring time, int_0^t F(z)^2 dz, for a censored time.

    Its metric is the family's uncensored CRPS metric, 2 int grad F grad F^T dz, for every row:
    exact for events and, for a censored row, an upper bound of the part below t (a conservative
    choice, as the censored log score's full-data Fisher information). Families with a
    closed-form CRPS implement it (lognormal, exponential); NGBSurvival boosts it when given
    ``score="crps"``."""

    name = "censored_crps"
    description = "censored CRPS (units of time)"


_SCORES = {
    "log": LogScore,
    "logscore": LogScore,
    "nll": LogScore,
    "crps": CRPScore,
    "crpscore": CRPScore,
    "brier": BrierScore,
    "brierscore": BrierScore,
    "censored_log": CensoredLogScore,
    "censored_crps": CensoredCRPScore,
}


def resolve_score(score) -> str:
    """Return the canonical name ("log", "crps", "brier", "censored_log", "censored_crps") of a
    score given as name, class or instance."""
    if isinstance(score, str):
        key = score.lower()
        if key not in _SCORES:
            raise ValueError(
                f"Unknown score {score!r}; expected one of {sorted(set(c.name for c in _SCORES.values()))}."
            )
        return _SCORES[key].name
    if isinstance(score, type) and issubclass(score, ScoringRule) and score.name:
        return score.name
    if isinstance(score, ScoringRule) and score.name:
        return score.name
    raise ValueError(f"score must be a name such as 'log' or 'crps', or a ScoringRule class; got {score!r}.")
