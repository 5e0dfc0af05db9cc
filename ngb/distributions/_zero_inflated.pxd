# Row terms of the zero-inflated count laws (pi = 1 / (1 + e^-zeta), P0 = pi + (1 - pi) p0) shared
# by the compiled zero-inflated Poisson and negative binomial kernels; the formulas of
# ``zipoisson.ZeroInflated``.

from libc.math cimport exp, expm1, log


cdef inline double zi_score(double y, double zeta, double ez, double base_logpdf) noexcept nogil:
    """-log P(y) of the zero-inflated law from the row factor ez = e^-zeta and the component's log
    f(y) (at y = 0 that is log p0): with P0 = (1 + ez p0) / (1 + ez) and log(1 + e^zeta) =
    log(1 + ez) + zeta, log(1 + ez) - log(1 + ez p0) at 0 and log(1 + ez) + zeta - log f(y) above.
    Logs of sums of positive terms: a few ulps of the score's size absolute (numpy's logaddexp
    forms are no closer; log1p would only add relative digits where the score is near 0), with two
    logs and an exponential at most where those forms take two exponentials and up to three log1p."""
    cdef double l1 = log(1.0 + ez)
    if y == 0:
        return l1 - log(1.0 + ez * exp(base_logpdf))
    return l1 + zeta - base_logpdf


cdef inline void zero_cell(double ez, double p0, double log_p0, double* pi, double* q, double* s, double* r,
                           double* em) noexcept nogil:
    """pi = 1 / (1 + ez), q = 1 - pi = ez pi, s = pi / P0 = 1 / (1 + ez p0), r = q p0 / P0 = ez p0 s
    and em = p0 - 1 (expm1(log p0) where p0 > e^-1/2, whose digits the difference would lose)."""
    pi[0] = 1.0 / (1.0 + ez)
    q[0] = ez * pi[0]
    s[0] = 1.0 / (1.0 + ez * p0)
    r[0] = ez * p0 * s[0]
    em[0] = expm1(log_p0) if log_p0 > -0.5 else p0 - 1.0
