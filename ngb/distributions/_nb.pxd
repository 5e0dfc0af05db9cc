# The negative binomial's log pmf, gradient parts and Fisher size entry as inline nogil functions,
# shared by its kernels (``_negbinomial_fast.pyx``) and the zero-inflated NB's; the formulas and
# switches are those of ``negbinomial.py`` (module docstring of ``_negbinomial_fast``).

from libc.math cimport atan2, ceil, exp, expm1, fabs, log, log1p, log2, pow
from scipy.special.cython_special cimport betaln, psi


cdef inline double log1pmx(double x) noexcept nogil:
    """log(1 + x) - x as ``negbinomial._log1pmx``."""
    cdef double series = 0.0
    cdef int k
    if fabs(x) < 0.05:
        for k in range(16, 1, -1):
            series = series * x + (1.0 if k % 2 == 1 else -1.0) / k
        return series * (x * x)
    return log1p(x) - x


cdef inline double psi_minus_log(double x) noexcept nogil:
    """digamma(x) - log(x) as ``negbinomial._psi_minus_log``."""
    cdef double total = 0.0
    cdef int i
    cdef int[8] PSI_J = [1, 2, 4, 6, 8, 10, 12, 14]
    cdef double[8] PSI_C = [-0.5, -1.0 / 12, 1.0 / 120, -1.0 / 252, 1.0 / 240, -1.0 / 132, 691.0 / 32760, -1.0 / 12]
    if x >= 10.0:
        for i in range(8):
            total = total + PSI_C[i] * pow(x, -PSI_J[i])
        return total
    return psi(x) - log(x)


cdef inline double psi_minus_log_diff(double n, double k) noexcept nogil:
    """[digamma(n+k) - log(n+k)] - [digamma(n) - log(n)] as ``negbinomial._psi_minus_log_diff``."""
    cdef double l1p, total = 0.0
    cdef int i
    cdef int[8] PSI_J = [1, 2, 4, 6, 8, 10, 12, 14]
    cdef double[8] PSI_C = [-0.5, -1.0 / 12, 1.0 / 120, -1.0 / 252, 1.0 / 240, -1.0 / 132, 691.0 / 32760, -1.0 / 12]
    if n >= 10.0:
        l1p = log1p(k / n)
        for i in range(8):
            total = total + PSI_C[i] * pow(n, -PSI_J[i]) * expm1(-PSI_J[i] * l1p)
        return total
    return psi_minus_log(n + k) - psi_minus_log(n)


cdef inline double log_pmf(double k, double log_mu, double mu, double n, double log_k_factorial) noexcept nogil:
    """log P(Y = k) as ``negbinomial._log_pmf`` (betaln below n = 10, Stirling above)."""
    cdef double l1p, corr = 0.0
    cdef int i
    cdef int[7] STIRLING_J = [1, 3, 5, 7, 9, 11, 13]
    cdef double[7] STIRLING_C = [1.0 / 12, -1.0 / 360, 1.0 / 1260, -1.0 / 1680, 1.0 / 1188, -691.0 / 360360, 1.0 / 156]
    if n >= 10.0:
        l1p = log1p(k / n)
        for i in range(7):
            corr = corr + STIRLING_C[i] * pow(n, -STIRLING_J[i]) * expm1(-STIRLING_J[i] * l1p)
        return ((n - 0.5) * l1p - n * log1p(mu / n) - k + k * log1p((k - mu) / (n + mu)) + k * log_mu
                - log_k_factorial + corr)
    return -betaln(n, k + 1) - log(n + k) - n * log1p(mu / n) + k * (log_mu - log(n + mu))


cdef inline double size_series(double n, double a) noexcept nogil:
    """n^2 I_nn by the positive series (term ratio < a)."""
    cdef double term = a * a * n / (2 * (n + 1)), total
    cdef int m
    total = term
    for m in range(1, 2000):
        term = term * a * ((m + 1) * (m + 1)) / ((n + m + 1) * (m + 2))
        total += term
        if m % 8 == 0 and not term > 1e-17 * total:
            break
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


cdef inline double size_fisher(double n, double mu) noexcept nogil:
    """The Fisher information of log n: n^2 I_nn."""
    cdef double a = mu / (n + mu), p = n / (n + mu)
    if a <= 0.8:
        return size_series(n, a)
    return size_quadrature(n, a, p)
