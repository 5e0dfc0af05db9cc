# Special functions for the compiled kernels that scipy.special.cython_special does not offer (it has
# no Hurwitz zeta, so no trigamma or polygamma): Euler-Maclaurin sums, accurate to a few units in
# the last place (tests/test_fast_paths.py checks them against scipy's polygamma); and a log B(a, b)
# faster than its betaln (that one builds on gamma products) and more accurate at large arguments
# (checked against mpmath); a log1p from libm's log.

from libc.math cimport log as _log, log1p as _log1p, pow as _pow

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


cdef inline double shift_by_fours(double* x) noexcept nogil:
    """The product x0 (x0 + 1) ... (x - 1) of the recurrence Gamma(x0) = Gamma(x) / product, with
    x = x[0] moved from x0 > 0 (above 1e-150) up by fours to [10, 14) (x0 >= 10: 1, x unchanged);
    no division."""
    cdef double prod = 1.0, d
    while x[0] < 10.0:
        d = x[0] * (x[0] + 3.0)
        prod *= d * (d + 2.0)  # x (x + 3) times (x + 1) (x + 2)
        x[0] += 4.0
    return prod


cdef inline double shift_by_fours_psi(double* x, double* acc1, double* acc2) noexcept nogil:
    """``shift_by_fours`` (the same product and shifted x) with the recurrence sums of digamma and
    trigamma, sum 1 / (x0 + j) into acc1 and sum 1 / (x0 + j)^2 into acc2 over the shift: per block
    of four, one division of the pairs' common denominator d1 d2 (d1 = x (x + 3), d2 = d1 + 2 =
    (x + 1) (x + 2)), whose numerators are positive sums (no cancellation)."""
    cdef double prod = 1.0, d1, d2, inv
    acc1[0] = 0.0
    acc2[0] = 0.0
    while x[0] < 10.0:
        d1 = x[0] * (x[0] + 3.0)
        d2 = d1 + 2.0
        prod *= d1 * d2
        inv = 1.0 / (d1 * d2)
        acc1[0] += (2.0 * x[0] + 3.0) * (d1 + d2) * inv
        acc2[0] += ((2.0 * d1 + 9.0) * d2 * d2 + (2.0 * d2 + 1.0) * d1 * d1) * inv * inv
        x[0] += 4.0
    return prod


cdef inline double shift_by_twelve(double* x) noexcept nogil:
    """``shift_by_fours``'s product and shift with its three blocks always taken, for 0 < x0 < 20
    (above 1e-150): x0 (x0 + 1) ... (x0 + 11), x = x0 + 12 (in [12, 32)). No loop, so no branch on x0,
    whose mispredicted trip counts cost log B(a, b) more than its logs do."""
    cdef double y = x[0], z = y + 4.0, w = y + 8.0, d0 = y * (y + 3.0), d1 = z * (z + 3.0), d2 = w * (w + 3.0)
    x[0] = y + 12.0
    return (d0 * (d0 + 2.0)) * (d1 * (d1 + 2.0)) * (d2 * (d2 + 2.0))


cdef inline double psi_block(double x, double* acc1, double* acc2) noexcept nogil:
    """One block of ``shift_by_fours_psi`` at x: adds sum_j<4 1 / (x + j) to acc1 and sum_j<4 1 / (x +
    j)^2 to acc2; returns x (x + 1) (x + 2) (x + 3)."""
    cdef double d1 = x * (x + 3.0), d2 = d1 + 2.0, inv = 1.0 / (d1 * d2)
    acc1[0] += (2.0 * x + 3.0) * (d1 + d2) * inv
    acc2[0] += ((2.0 * d1 + 9.0) * d2 * d2 + (2.0 * d2 + 1.0) * d1 * d1) * inv * inv
    return d1 * d2


cdef inline double shift_by_twelve_psi(double* x, double* acc1, double* acc2) noexcept nogil:
    """``shift_by_twelve`` (the same product, bit for bit, and shifted x) with the recurrence sums of
    ``shift_by_fours_psi`` over its twelve steps, for 0 < x0 < 20."""
    cdef double y = x[0], p0, p1, p2
    acc1[0] = 0.0
    acc2[0] = 0.0
    p0 = psi_block(y, acc1, acc2)
    p1 = psi_block(y + 4.0, acc1, acc2)
    p2 = psi_block(y + 8.0, acc1, acc2)
    x[0] = y + 12.0
    return p0 * p1 * p2


cdef inline double stirling_tail(double x) noexcept nogil:
    """log Gamma(x) - [(x - 1/2) log x - x + log(2 pi) / 2] for x >= 10: Stirling's series
    sum_j B_2j / (2j (2j - 1) x^(2j-1)), j <= 7 (truncation below 3e-17 absolute)."""
    cdef double inv = 1.0 / x, inv2 = inv * inv
    return inv * (1.0 / 12 + inv2 * (-1.0 / 360 + inv2 * (1.0 / 1260 + inv2 * (-1.0 / 1680 + inv2 * (
        1.0 / 1188 + inv2 * (-691.0 / 360360 + inv2 * (1.0 / 156)))))))


cdef inline double log_gamma_large(double x, double log_x) noexcept nogil:
    """log Gamma(x) for x >= 10 given log x."""
    return (x - 0.5) * log_x - x + 0.91893853320467274178 + stirling_tail(x)


cdef inline double log_gamma(double x) noexcept nogil:
    """log Gamma(x) for x > 0 (above 1e-150): ``shift_by_fours`` then Stirling's series (a few ulps
    of log Gamma(x + 4k) absolute, ~1e-14 where log Gamma is near 0)."""
    cdef double prod = shift_by_fours(&x)
    return log_gamma_large(x, _log(x)) - _log(prod)


cdef inline double log_beta_shifted(double xa, double la, double pa, double xb, double lb, double pb,
                                    double xs, double ls, double ps) noexcept nogil:
    """log B(a, b) from a, b and s = a + b each shifted by ``shift_by_fours`` (x, log x, product)."""
    return log_gamma_large(xa, la) + log_gamma_large(xb, lb) - log_gamma_large(xs, ls) - _log(pa * pb / ps)


cdef inline double log_beta(double a, double b) noexcept nogil:
    """log B(a, b) for a, b > 0 (above 1e-150). Both below 10: the three log-gammas, each shifted by
    ``shift_by_twelve``, with one log of their products' ratio. Else the log-gammas of the larger argument and of a + b in one
    difference that does not cancel (their Stirling forms: (q - 1/2) log1p(-p / s) - p log s + p,
    and for p >= 10 also log Gamma(p), so -log(q) / 2 + (p - 1/2) log(p / s) + q log1p(-p / s))."""
    cdef double p = a if a < b else b, q = b if a < b else a, s = a + b, xa = a, xb = b, xs = s, r
    cdef double pa, pb, ps
    if q < 10.0:
        pa = shift_by_twelve(&xa)
        pb = shift_by_twelve(&xb)
        ps = shift_by_twelve(&xs)
        return log_beta_shifted(xa, _log(xa), pa, xb, _log(xb), pb, xs, _log(xs), ps)
    r = _log1p(-p / s)
    if p < 10.0:
        return log_gamma(p) + (q - 0.5) * r - p * _log(s) + p + stirling_tail(q) - stirling_tail(s)
    return (0.91893853320467274178 - 0.5 * _log(q) + (p - 0.5) * _log(p / s) + q * r
            + stirling_tail(p) + stirling_tail(q) - stirling_tail(s))


cdef inline double psi_tri_large(double x, double log_x, double acc1, double acc2, double* tri) noexcept nogil:
    """psi(x0) for x >= 10 shifted from x0 with the recurrence sums acc1, acc2 of
    ``shift_by_fours_psi``, and psi'(x0) into tri: the asymptotic series log x - 1/(2x) -
    sum_j B_2j / (2j x^2j) and that of ``trigamma`` (j <= 7 and 8: truncation below 1e-16
    relative)."""
    cdef double inv = 1.0 / x, inv2 = inv * inv
    tri[0] = acc2 + inv + inv2 * (0.5 + inv * (1.0 / 6 + inv2 * (-1.0 / 30 + inv2 * (1.0 / 42 + inv2 * (
        -1.0 / 30 + inv2 * (5.0 / 66 + inv2 * (-691.0 / 2730 + inv2 * (7.0 / 6 + inv2 * (-3617.0 / 510)))))))))
    return log_x - 0.5 * inv - acc1 - inv2 * (1.0 / 12 + inv2 * (-1.0 / 120 + inv2 * (1.0 / 252 + inv2 * (
        -1.0 / 240 + inv2 * (1.0 / 132 + inv2 * (-691.0 / 32760 + inv2 * (1.0 / 12 + inv2 * (-3617.0 / 8160))))))))


cdef inline double digamma_trigamma_shifted(double* x, double* log_x, double* prod, double* tri) noexcept nogil:
    """``digamma_trigamma`` of x0 = x[0], also handing back its shift: x moved to [10, 14), its log
    and the shift's product (the arguments of ``log_beta_shifted``)."""
    cdef double acc1, acc2
    prod[0] = shift_by_fours_psi(x, &acc1, &acc2)
    log_x[0] = _log(x[0])
    return psi_tri_large(x[0], log_x[0], acc1, acc2, tri)


cdef inline double digamma_trigamma_shifted12(double* x, double* log_x, double* prod, double* tri) noexcept nogil:
    """``digamma_trigamma_shifted`` for 0 < x0 < 20 with the fixed shift of ``shift_by_twelve_psi``
    (x moved to [12, 32); the arguments of ``log_beta_shifted`` as ``log_beta``'s first case forms
    them)."""
    cdef double acc1, acc2
    prod[0] = shift_by_twelve_psi(x, &acc1, &acc2)
    log_x[0] = _log(x[0])
    return psi_tri_large(x[0], log_x[0], acc1, acc2, tri)


cdef inline double digamma_trigamma(double x, double* tri) noexcept nogil:
    """psi(x) for x > 0 (above 1e-150), and psi'(x) into tri: ``shift_by_fours_psi`` then
    ``psi_tri_large``."""
    cdef double log_x, prod
    return digamma_trigamma_shifted(&x, &log_x, &prod, tri)


cdef inline double log1p_fast(double x) noexcept nogil:
    """log(1 + x) for x > -1 as log(u) x / (u - 1), u = 1 + x rounded (x where u is 1): the
    rounding of u cancels in the ratio (Goldberg 1991, "What every computer scientist should know
    about floating-point arithmetic", theorem 4), within ~3 ulps with libm's log, which is ~1.6
    times as fast as its log1p here (checked against mpmath in tests/test_fast_paths.py)."""
    cdef double u = 1.0 + x
    if u == 1.0:
        return x
    return _log(u) * (x / (u - 1.0))
