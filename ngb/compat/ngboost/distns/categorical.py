"""Class distributions under ngboost's names: ``k_categorical(K)`` and ``Bernoulli``."""

from __future__ import annotations

import numpy as np

from ngb import distributions as _families

from .distn import ClassificationDistn


class _Categorical(ClassificationDistn):
    """K classes: params (K - 1, n), the logits of classes 1..K-1 relative to class 0."""

    _family = _families.Categorical
    K_ = None
    _rules = ("log", "crps")  # ngboost's CRPScore of a categorical is the Brier score

    @classmethod
    def _ngb_rule(cls, rule):
        return "brier" if rule == "crps" else rule

    def _set_attributes(self):
        self.logits = np.vstack([np.zeros((1, len(self))), self._params])
        self.probs = self._ngb.probs.T

    def _rule_name(self):
        return self._ngb_rule(super()._rule_name())

    @classmethod
    def fit(cls, Y):
        theta = cls._family.fit_marginal(np.asarray(Y, dtype=float), n_classes=cls.K_) \
            if cls.K_ is not None else cls._family.fit_marginal(np.asarray(Y, dtype=float))
        return np.asarray(theta, dtype=float)

    def mean(self):
        raise AttributeError("a class distribution has no mean: use class_probs()")

    def class_probs(self):
        """(n, K) class probabilities."""
        return self.probs.T

    def sample(self, m):
        return np.asarray(self._ngb.sample(int(m), random_state=np.random.randint(2**31 - 1))).T.astype(int)

    @property
    def params(self):
        return {f"p{j}": p for j, p in enumerate(self.probs)}


_CATEGORICALS = {}


def k_categorical(K):
    """The class of categorical distributions over K classes (labels 0..K-1); K = 2 is Bernoulli."""
    K = int(K)
    if K < 2:
        raise ValueError(f"k_categorical needs K >= 2 classes; got {K}.")
    if K not in _CATEGORICALS:
        name = f"Categorical_{K}" if K != 2 else "Bernoulli"
        cls = type(name, (_Categorical,), {"K_": K, "n_params": K - 1, "__module__": "ngb.compat.ngboost.distns",
                                           "__doc__": f"Categorical distribution over {K} classes."})
        cls.__qualname__ = name
        _CATEGORICALS[K] = cls
    return _CATEGORICALS[K]


Bernoulli = k_categorical(2)
