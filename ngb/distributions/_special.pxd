# Special functions for the compiled kernels that scipy.special.cython_special does not offer (it has
# no Hurwitz zeta, so no trigamma or polygamma): Euler-Maclaurin sums, accurate to a few units in
# the last place (tests/test_fast_paths.py checks them against scipy's polygamma).

from libc.math cimport log as _log, pow as _pow

cdef inline double trigamma(double x) noexcept nogil:
    """psi'(x) for x > 0: the recurrence up to x >= 10, then the asymptotic series
    1/x + 1/(2x^2) + sum_j B_2j / x^(2j+1) (j <= 8: truncation below 1e-16 relative)."""
    cdef double acc = 0.0, inv, inv2
    while x < 10.0:
        acc += 1.0 / (x * x)
        x += 1.0
    inv = 1.0 / x
    inv2 = inv * inv
    return acc + inv + inv2 * (0.5 + inv * (1.0 / 6 + inv2 * (-1.0 / 30 + inv2 * (1.0 / 42 + inv2 * (
        -1.0 / 30 + inv2 * (5.0 / 66 + inv2 * (-691.0 / 2730 + inv2 * (7.0 / 6 + inv2 * (-3617.0 / 510)))))))))


cdef inline double hurwitz_zeta(int s, double x) noexcept nogil:
    """zeta(s, x) = sum_k (x + k)^-s for an integer s >= 2 and x > 0 (Euler-Maclaurin from
    w = x + N >= max(12, 2 s), ten Bernoulli terms: truncation below 1e-16 relative for s <= 12)."""
    cdef double acc = 0.0, w, b, fall, total
    cdef double[10] bern_fact = [1.0 / 12, -1.0 / 720, 1.0 / 30240, -1.0 / 1209600, 1.0 / 47900160,
                                 -691.0 / 1.307674368e12, 1.0 / 7.47242496e10, -3617.0 / 1.067062284288e16,
                                 43867.0 / 5.109094217170944e18, -174611.0 / 8.028576626982912e20]  # B_2j / (2j)!
    cdef double limit = 2.0 * s if 2.0 * s > 12.0 else 12.0
    cdef int j
    while x < limit:
        acc += _pow(x, -s)
        x += 1.0
    w = x
    b = _pow(w, -s)  # w^-s
    total = acc + b * w / (s - 1) + 0.5 * b
    fall = s  # s (s + 1) ... (s + 2j - 2)
    b = b / w  # w^(-s-1)
    for j in range(10):
        total += bern_fact[j] * fall * b
        fall *= (s + 2 * j + 1) * (s + 2 * j + 2)
        b /= w * w
    return total


cdef inline double polygamma(int m, double x) noexcept nogil:
    """psi^(m)(x) = (-1)^(m+1) m! zeta(m + 1, x) for m >= 1, x > 0."""
    cdef double fact = 1.0
    cdef int i
    for i in range(2, m + 1):
        fact *= i
    return (fact if m % 2 == 1 else -fact) * hurwitz_zeta(m + 1, x)


cdef inline double digamma_trigamma(double x, double* tri) noexcept nogil:
    """psi(x) for x > 0, and psi'(x) into tri: one recurrence up to x >= 10 for both (one division
    per step), then the asymptotic series log x - 1/(2x) - sum_j B_2j / (2j x^2j) and that of
    ``trigamma`` (j <= 7 and 8: truncation below 1e-16 relative)."""
    cdef double acc1 = 0.0, acc2 = 0.0, inv, inv2
    while x < 10.0:
        inv = 1.0 / x
        acc1 += inv
        acc2 += inv * inv
        x += 1.0
    inv = 1.0 / x
    inv2 = inv * inv
    tri[0] = acc2 + inv + inv2 * (0.5 + inv * (1.0 / 6 + inv2 * (-1.0 / 30 + inv2 * (1.0 / 42 + inv2 * (
        -1.0 / 30 + inv2 * (5.0 / 66 + inv2 * (-691.0 / 2730 + inv2 * (7.0 / 6 + inv2 * (-3617.0 / 510)))))))))
    return _log(x) - 0.5 * inv - acc1 - inv2 * (1.0 / 12 + inv2 * (-1.0 / 120 + inv2 * (1.0 / 252 + inv2 * (
        -1.0 / 240 + inv2 * (1.0 / 132 + inv2 * (-691.0 / 32760 + inv2 * (1.0 / 12 + inv2 * (-3617.0 / 8160))))))))
