"""Zero-inflated negative binomial: the NB(mean mu, size n) of ``negbinomial.py`` inflated at zero.

P(0) = pi + (1 - pi) p0 with p0 = (n / (n + mu))^n, P(k) = (1 - pi) NB(k; mu, n) for k >= 1;
internal parameters (log mu, log n, logit pi). With a = mu / (n + mu), the NB's Fisher information
J = diag(n a, F) (F the size entry ``negbinomial.size_fisher``: an exact positive series, or the
quadrature of its integral form, relative error < 1e-11) and the zero-cell score
u = grad log p0 = (-n a, n (log(1 - a) + a)), the information of :class:`~.zipoisson.ZeroInflated`

    I_AA = q (J - t u u^T),   I_A,pi = q t u,   I_pi,pi = q pi (1 - p0) s    (A = (log mu, log n))

is exact given F (no other series), and so is its closed-form natural gradient, with
B = P(NB >= 2) - p0 u_1^2 / F (P(NB >= 2) by ``negbinomial.tail2``, in closed form).
For small a, B = O(a^3) and c = O(a^2) at y = 1 are differences of O(a^2) and O(a) terms (the model
is then nearly singular), so the natural gradient's relative error grows like 1e-15 / a (y >= 2) and
1e-15 / a^2 (y = 1; 1e-9 at a = 1e-3, no digit left below a ~ 3e-8). B is floored at 1e-13 P(NB >= 2).
"""

from __future__ import annotations

import numpy as np

from . import _zinegbinomial_fast as _fast
from .fast import FastScore
from .negbinomial import NegativeBinomial, tail2
from .poisson import _log_factorial
from .zipoisson import PI, ZeroInflated

__all__ = ["ZeroInflatedNegativeBinomial"]


class ZeroInflatedNegativeBinomial(ZeroInflated):
    """ZeroInflatedNegativeBinomial(mu, n, pi): the NB with mean mu and size n (scipy ``nbinom(n,
    n / (n + mu))``; the mean is (1 - pi) mu) inflated at zero with probability pi. Internal
    theta[:, 0] = log(mu), theta[:, 1] = log(n), theta[:, 2] = logit(pi). Score "log" with the exact
    Fisher information and the closed-form natural gradient of the module docstring."""

    component = NegativeBinomial
    parameters = NegativeBinomial.parameters + (PI,)
    scores = ("log",)
    # mu, n and e^-logit(pi) are the row factors, log(y!) the per-row term
    fast = {"log": FastScore(_fast.log_score_mean, _fast.log_natural_gradient, _fast.log_score_leaves,
                             ex_signs=(1.0, 1.0, -1.0), aux=_log_factorial)}

    def _tail2(self):
        # P(NB >= 2) from a = mu / (n + mu) itself (scipy's nbinom.sf forms 1 - p, which loses a's digits)
        return tail2(self.n, self._a)

    def _zero_cell(self):
        return -self.n * np.log1p(self.mu / self.n), self.mu / (self.n + self.mu)  # log p0, a
