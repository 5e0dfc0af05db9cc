# The negative binomial's log pmf, gradient parts and Fisher size entry as inline nogil functions,
# shared by its kernels (``_negbinomial_fast.pyx``) and the zero-inflated NB's; the formulas and
# switches are those of ``negbinomial.py`` (module docstring of ``_negbinomial_fast``).

from libc.math cimport atan2, ceil, exp, expm1, fabs, log, log1p, log2, pow
from scipy.special.cython_special cimport gammaln, psi

from ._special cimport log1p_fast


cdef inline double log1pmx(double x) noexcept nogil:
    """log(1 + x) - x as ``negbinomial._log1pmx`` (libm's log1p: the difference cancels up to ~40
    times its error; ``log1p_fast`` is for terms that do not cancel)."""
    cdef double series = 0.0
    cdef int k
    if fabs(x) < 0.05:
        for k in range(16, 1, -1):
            series = series * x + (1.0 if k % 2 == 1 else -1.0) / k
        return series * (x * x)
    return log1p(x) - x


cdef inline double psi_minus_log(double x) noexcept nogil:
    """digamma(x) - log(x) as ``negbinomial._psi_minus_log`` (the same series from x = 10, summed
    by Horner's rule in 1 / x^2)."""
    cdef double inv, inv2
    if x >= 10.0:
        inv = 1.0 / x
        inv2 = inv * inv
        return -0.5 * inv + inv2 * (-1.0 / 12 + inv2 * (1.0 / 120 + inv2 * (-1.0 / 252 + inv2 * (
            1.0 / 240 + inv2 * (-1.0 / 132 + inv2 * (691.0 / 32760 + inv2 * (-1.0 / 12)))))))
    return psi(x) - log(x)


cdef inline double psi_minus_log_diff(double n, double k) noexcept nogil:
    """[digamma(n+k) - log(n+k)] - [digamma(n) - log(n)] for an integer k >= 0, as
    ``negbinomial._psi_minus_log_diff``: from n = 10 the series sum_j c_j n^-j expm1(-j log1p(k/n)),
    the expm1 terms by the recurrence D_(j+1) = D_j r + D_1 (r = n / (n + k), D_1 = -k / (n + k): no
    cancellation); below, up to k = 32, digamma's recurrence sum_j<k 1 / (n + j) - log1p(k / n)."""
    cdef double inv, r, d1, d, p, total = 0.0
    cdef int j
    cdef double[15] c = [0.0, -0.5, -1.0 / 12, 0.0, 1.0 / 120, 0.0, -1.0 / 252, 0.0, 1.0 / 240, 0.0, -1.0 / 132,
                         0.0, 691.0 / 32760, 0.0, -1.0 / 12]
    if k == 0:  # exactly 0 by either formula
        return 0.0
    if n >= 10.0:
        inv = 1.0 / n
        r = n / (n + k)
        d1 = -k / (n + k)
        d = d1
        p = inv
        for j in range(1, 15):
            if c[j] != 0.0:
                total = total + c[j] * p * d
            d = d * r + d1
            p = p * inv
        return total
    if k <= 32:  # digamma(n + k) - digamma(n) = sum_j<k 1 / (n + j), log(n + k) - log(n) = log1p(k / n)
        for j in range(<int>k):
            total += 1.0 / (n + j)
        return total - log1p(k / n)
    return psi_minus_log(n + k) - psi_minus_log(n)


cdef inline double log_pmf(double k, double log_mu, double mu, double log_n, double n,
                           double log_k_factorial) noexcept nogil:
    """log P(Y = k) as ``negbinomial._log_pmf``: for n < 10, log Gamma(n + k) - log Gamma(n) (a
    product of k factors up to k = 32, else two log-gammas) - log(k!) + k log mu + n log n - (n + k)
    log(n + mu) (one log for the NB's n log(n / (n + mu)) + k log(mu / (n + mu)); the terms are at
    most (n + k) log(n + mu), so a few ulps of that absolute, as the log1p form's); from n = 10
    Stirling's formula with the remainder terms n^-j expm1(-j log1p(k/n)) (the expm1 terms by the
    recurrence of ``psi_minus_log_diff``), whose log1p((k - mu) / (n + mu)) is log1p(k / n) -
    log1p(mu / n) (two log1p: the difference is ~(k - mu) / n where those are ~k / n and ~mu / n,
    and k times it is tiny against the other terms' rounding)."""
    cdef double l1p, lm, inv, inv2, r, d1, d, p, corr = 0.0, prod, rising
    cdef int j
    cdef double[7] c = [1.0 / 12, -1.0 / 360, 1.0 / 1260, -1.0 / 1680, 1.0 / 1188, -691.0 / 360360, 1.0 / 156]
    if n >= 10.0:
        l1p = log1p_fast(k / n)
        lm = log1p_fast(mu / n)
        inv = 1.0 / n
        inv2 = inv * inv
        r = n / (n + k)
        d1 = -k / (n + k)
        d = d1  # D_1, then D_3, D_5, ...
        p = inv
        for j in range(7):
            corr = corr + c[j] * p * d
            d = (d * r + d1) * r + d1
            p = p * inv2
        return (n - 0.5) * l1p - n * lm - k + k * (l1p - lm) + k * log_mu - log_k_factorial + corr
    if k <= 32:
        prod = 1.0
        for j in range(<int>k):
            prod = prod * (n + j)
        rising = log(prod)
    else:
        rising = gammaln(n + k) - gammaln(n)
    return rising - log_k_factorial + k * log_mu + n * log_n - (n + k) * log(n + mu)


cdef inline double not_0_or_1(double u) noexcept nogil:
    """1 - e^-u (1 + u) as ``negbinomial._not_0_or_1`` (its series below u = 1 by Horner's rule)."""
    # (-1)^k (k - 1) / k!, k = 2 .. 21 (``negbinomial._NOT_01_COEFFS``)
    cdef double[20] c = [0.5, -0.3333333333333333, 0.125, -0.03333333333333333, 0.006944444444444444,
                         -0.0011904761904761906, 0.00017361111111111112, -2.2045855379188714e-05,
                         2.48015873015873e-06, -2.505210838544172e-07, 2.296443268665491e-08,
                         -1.9270852604185937e-09, 1.4911969277048643e-10, -1.0706029224547743e-11,
                         7.169215998581078e-13, -4.498331606952833e-14, 2.6552651846596585e-15,
                         -1.4797143443923793e-16, 7.809603484293113e-18, -3.9145882126782523e-19]
    cdef double series = 0.0
    cdef int j
    if u < 1.0:
        for j in range(19, -1, -1):
            series = series * u + c[j]
        return series * (u * u)
    return 1.0 - exp(-u) * (1.0 + u)


cdef inline double tail2_from(double x, double u) noexcept nogil:
    """P(Y >= 2) of an NB as ``negbinomial.tail2``, from x = n log1pmx(-a) <= 0 and u = n a:
    -expm1(x) + e^x not_0_or_1(u), both from one exponential (e^x = 1 + expm1(x) from x = -1/2, where
    e^x > 0.6; below, expm1(x) = e^x - 1, whose difference with e^x < 0.61 keeps its digits)."""
    cdef double em, ex
    if x > -0.5:
        em = expm1(x)
        ex = 1.0 + em
    else:
        ex = exp(x)
        em = ex - 1.0
    return -em + ex * not_0_or_1(u)


cdef inline double tail2(double n, double a) noexcept nogil:
    """P(Y >= 2) of NB(size n, a = mu / (n + mu)) as ``negbinomial.tail2``."""
    return tail2_from(n * log1pmx(-a), n * a)


# The size entry for a <= 0.999 from a table: n^2 I_nn = a^2 n t S / 2 with t = 1 / (1 + n) and
# S = 1 + (the positive series' later terms over its first), smooth in (a, t) on [0, 0.8] x [0, 1]
# and in (u, t), u = log(0.2 / (1 - a)), on [0, log 200] x [0, 1] (a in [0.8, 0.999]: there S grows
# like log(1 / (1 - a)) as n -> 0). Each segment is a grid of equal cells (SIZE_CELLS in a or u,
# SIZE_T_CELLS in t); per cell, S is the tensor Chebyshev interpolant of degree SIZE_DEGREE in each
# coordinate through the reference (the series; the quadrature for a > 0.8) at the cell's Chebyshev
# nodes (``_nb_size_table`` builds it; relative error below 3e-13, checked in the tests). The
# coefficients of cell (i, j) are c[q, p] (q the degree in t, p in a or u), contiguous; the second
# segment's cells follow the first's.
cdef enum:
    SIZE_CELLS = 16
    SIZE_T_CELLS = 8
    SIZE_DEGREE = 9


cdef inline double size_table(double fa, double t, int first, const double* table) noexcept nogil:
    """S from the table ``table``: ``fa`` the cell coordinate (a or u in cell widths, in [0,
    SIZE_CELLS]) of the segment whose first cell is ``first``; t in (0, 1]."""
    cdef double ft = t * SIZE_T_CELLS, ua, ut, total = 0.0
    cdef int i = <int>fa, j = <int>ft, p, q
    cdef double ta[SIZE_DEGREE + 1]
    cdef double tt[SIZE_DEGREE + 1]
    cdef double acc[SIZE_DEGREE + 1]
    cdef const double* c
    if i >= SIZE_CELLS:
        i = SIZE_CELLS - 1
    if j >= SIZE_T_CELLS:
        j = SIZE_T_CELLS - 1
    ua = 2 * (fa - i) - 1
    ut = 2 * (ft - j) - 1
    c = table + ((first + i) * SIZE_T_CELLS + j) * ((SIZE_DEGREE + 1) * (SIZE_DEGREE + 1))
    ta[0] = 1.0
    ta[1] = ua
    tt[0] = 1.0
    tt[1] = ut
    for p in range(2, SIZE_DEGREE + 1):
        ta[p] = 2 * ua * ta[p - 1] - ta[p - 2]
        tt[p] = 2 * ut * tt[p - 1] - tt[p - 2]
    for p in range(SIZE_DEGREE + 1):  # the sums over q, for all p at once (independent lanes)
        acc[p] = c[p]
    for q in range(1, SIZE_DEGREE + 1):
        for p in range(SIZE_DEGREE + 1):
            acc[p] = acc[p] + c[q * (SIZE_DEGREE + 1) + p] * tt[q]
    for p in range(SIZE_DEGREE + 1):
        total += acc[p] * ta[p]
    return total


cdef inline double size_quadrature(double n, double a, double p) noexcept nogil:
    """n^2 I_nn by the trapezoidal rule in w = log(n s), step h <= strip / 4 (strip: the angle of the
    singularity s = log(a/p) + i pi), from w = log(2e-12 n / (n + 1)) / 2 - 1/2 to log 40 + 0.2."""
    cdef double strip = atan2(3.141592653589793, log(a / p))
    cdef double q = 0.25 * 4 / strip
    cdef double level = ceil(4 * log2(q if q > 1.0 else 1.0))
    cdef double h = 0.25 * pow(2.0, -level / 4)
    cdef double lo = 0.5 * log(2e-12 * n / (n + 1)) - 0.5
    cdef Py_ssize_t j, count = <Py_ssize_t>ceil(((3.6888794541139363 + 0.2) - lo) / h)
    cdef double total = 0.0, tau, s, decay, e, x, phi
    for j in range(count):
        tau = exp(lo + j * h)
        s = tau / n
        decay = exp(-s)
        e = -expm1(-s) if s < 0.5 else 1.0 - decay
        x = a * e
        if x < 0.05:
            phi = -log1pmx(-x)
        else:
            phi = -(log(a * decay + p) + x)
        total += phi / e * (exp(-tau) * tau)
    return n * h * total


cdef inline double size_fisher(double n, double mu, const double* table) noexcept nogil:
    """The Fisher information of log n: n^2 I_nn (``table``: the coefficients of ``size_table``)."""
    cdef double a = mu / (n + mu), p = n / (n + mu), t
    if a > 0.999:
        return size_quadrature(n, a, p)
    t = 1.0 / (1.0 + n)
    if a <= 0.8:
        return 0.5 * (a * a) * (n * t) * size_table(a * (SIZE_CELLS / 0.8), t, 0, table)
    # u = log(0.2 / p) in cells of log(200) / SIZE_CELLS
    return 0.5 * (a * a) * (n * t) * size_table(log(0.2 / p) * (SIZE_CELLS / 5.298317366548036), t, SIZE_CELLS,
                                                table)
