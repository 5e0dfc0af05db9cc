"""ngboost's BetaBernoulli (a class distribution) and BetaBinomial (counts of ``n`` trials, n = 1 by
default as ngboost's), computed by ngb's BetaBernoulli and BetaBinomial families."""

from __future__ import annotations

import numpy as np

from ngb import distributions as _families

from .distn import ClassificationDistn, RegressionDistn


class BetaBernoulli(ClassificationDistn):
    """Two classes with P(class 1) = alpha / (alpha + beta): params (log alpha, log beta); ``params``
    keys alpha, beta; ``class_probs()`` (n, 2). Only alpha / (alpha + beta) is identified by 0/1
    outcomes: ngb's natural gradient is the minimum-norm one (the Fisher information is singular;
    ngboost adds 1e-8 to its diagonal) and ``fit`` puts alpha + beta = 2 (ngboost iterates a
    digamma fixed point instead, whose limit depends on its start)."""

    _family = _families.BetaBernoulli
    n_params = 2
    K_ = 2

    def _set_attributes(self):
        self.alpha = np.exp(self._params[0])
        self.beta = np.exp(self._params[1])

    def class_probs(self):
        """(n, 2) class probabilities [1 - p, p], p = alpha / (alpha + beta)."""
        p = self.alpha / (self.alpha + self.beta)
        return np.column_stack([1.0 - p, p])

    def sample(self, m):
        return super().sample(m).astype(int)

    @property
    def params(self):
        return {"alpha": self.alpha, "beta": self.beta}


class BetaBinomial(RegressionDistn):
    """Successes in ``n`` trials with a Beta(alpha, beta) success probability: params (log alpha,
    log beta); ``params`` keys alpha, beta and n; ``dist`` is ``scipy.stats.betabinom(n, alpha,
    beta)``. ``n`` is 1 as in ngboost (whose estimators build the distribution without it); a
    subclass that sets the class attribute ``n`` fits counts of n trials. The Fisher information is
    the exact finite sum (ngboost estimates it from 100 random draws per row)."""

    _family = _families.BetaBinomial
    n_params = 2
    n = 1

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "n" in cls.__dict__ and "_family" not in cls.__dict__:
            cls._family = _families.BetaBinomial.with_trials(cls.n)

    def __init__(self, params, n=None):
        if n is not None and n != self._family.trials:
            self._family = _families.BetaBinomial.with_trials(n)
        super().__init__(params)

    def _set_attributes(self):
        self.alpha = np.exp(self._params[0])
        self.beta = np.exp(self._params[1])
        self.n = self._ngb.trials

    def __getitem__(self, key):
        return self.__class__(self._params[:, key], n=self.n)

    @property
    def params(self):
        return {"alpha": self.alpha, "beta": self.beta, "n": self.n}


class BetaBinomialEstN(RegressionDistn):
    """The beta-binomial with the number of trials n estimated: params (log alpha, log beta, log n);
    ``params`` keys alpha, beta, n. ngboost's score is minus the beta-binomial formula at real n,
    which sums to 1 over the counts only at integer n; ngb's law is that formula normalised on
    0..floor(n) (``ngb.BetaBinomialEstN``, n <= e^8), so scores, means and samples agree with ngboost's
    at integer n, and at every n ngb's are those of a distribution (a count above n is impossible).
    The fit gives each parameter its own line-search scaling (``scalings`` holds arrays)."""

    _family = _families.BetaBinomialEstN
    n_params = 3
    # one scaling for all three parameters stalls at the start: a step of n past an integer below a
    # training count makes that count impossible (scalings 0 for 100 iterations); ngb's step groups
    # move a, b and n each with its own scaling
    _one_scaling = False

    def _set_attributes(self):
        self.alpha = np.exp(self._params[0])
        self.beta = np.exp(self._params[1])
        self.n = np.exp(self._params[2])

    @property
    def params(self):
        return {"alpha": self.alpha, "beta": self.beta, "n": self.n}
