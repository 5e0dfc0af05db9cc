"""Distribution families. ``FAMILIES`` maps each name to its class; ``get_distribution``
resolves a name or class as the estimators accept it."""

from __future__ import annotations

from .base import Distribution
from .categorical import Bernoulli, Categorical
from .normal import Normal
from .poisson import Poisson

__all__ = ["Distribution", "Normal", "Poisson", "Categorical", "Bernoulli", "FAMILIES", "get_distribution"]

FAMILIES = {
    "normal": Normal,
    "poisson": Poisson,
    "categorical": Categorical,
    "bernoulli": Bernoulli,
}


def get_distribution(dist):
    """Return the family class for a name (case-insensitive) or a Distribution subclass."""
    if isinstance(dist, str):
        key = dist.lower().replace("-", "_")
        if key not in FAMILIES:
            raise ValueError(f"Unknown distribution {dist!r}; expected one of {sorted(FAMILIES)}.")
        return FAMILIES[key]
    if isinstance(dist, type) and issubclass(dist, Distribution):
        return dist
    raise ValueError(f"dist must be a family name such as 'normal' or a Distribution class; got {dist!r}.")
