"""Compiled kernels of the Gamma log score and censored log score (contract: ``fast.py``; row
drivers: ``_fast.pxd``). Internal (log a, log scale); row factors e = (a, 1 / scale); aux = log y
(the time column for censored targets). The formulas, series and switches are those of
``gamma.py`` (a trigamma(a) - 1 by its asymptotic series above a = 20; log Q(a, x) by its
asymptotic series where Q < 1e-280), except d log Q / d a: up to a = 100 in closed form
(``d_log_q_da``), above by ``gamma.py``'s Richardson-extrapolated central differences."""

from libc.math cimport INFINITY, exp, fabs, log
from scipy.special.cython_special cimport gammaincc, gammaln, psi

from ._special cimport digamma_trigamma, trigamma
from ._fast cimport (as_rows, leaf_factors, leaf_rows, mean_rows, natgrad_rows, no_aux,
                     weights_or_empty)

cdef double SIGNS[2]
SIGNS[0] = 1.0
SIGNS[1] = -1.0


cdef inline double a_trigamma_minus_one(double a) noexcept nogil:
    """a trigamma(a) - 1 as ``gamma._a_trigamma_minus_one``."""
    cdef double inv, inv2
    if a > 20:
        inv = 1.0 / a
        inv2 = inv * inv
        return inv * (0.5 + inv * (1.0 / 6 + inv2 * (-1.0 / 30 + inv2 * (1.0 / 42 + inv2 * (-1.0 / 30 + inv2 * 5.0 / 66)))))
    return a * trigamma(a) - 1.0


cdef inline double log_q(double a, double x) noexcept nogil:
    """log Q(a, x) as ``gamma._log_q``."""
    cdef double q = gammaincc(a, x), term = 1.0, total = 1.0
    cdef int j
    if not q < 1e-280:
        return log(q)
    for j in range(1, 9):
        term = term * (a - j) / x
        total = total + term
    return (a - 1) * log(x) - x - gammaln(a) + log(fabs(total))


cdef inline double log_row(const double* t, const double* e, const double* yr, const double* ar,
                           const double* par) noexcept nogil:
    """-log f(y) = -[(a - 1) log y - y / scale - a log scale - log Gamma(a)] (inf for y <= 0)."""
    cdef double a = e[0]
    if not yr[0] > 0.0:
        return INFINITY
    return -((a - 1) * ar[0] - yr[0] * e[1] - a * t[1] - gammaln(a))


cdef inline double event_grad(const double* t, const double* e, const double* yr, const double* ar,
                              double* g) noexcept nogil:
    """The gradient of -log f(y) into g; returns a trigamma(a) - 1 (``a_trigamma_minus_one``),
    psi(a) and trigamma(a) taken from one recurrence up to a = 20."""
    cdef double a = e[0], pa, ta
    if a > 20:
        pa = psi(a)
        ta = a_trigamma_minus_one(a)
    else:
        pa = digamma_trigamma(a, &ta)
        ta = a * ta - 1.0
    g[0] = a * (pa + t[1] - ar[0])
    g[1] = a - yr[0] * e[1]
    return ta


cdef inline double log_ng_row(const double* t, const double* e, const double* yr, const double* ar,
                              const double* par, double* g, double* dg, bint want_diag) noexcept nogil:
    """Inverse of [[a^2 trigamma(a), a], [a, a]] times the gradient; diagonal (a (1 + D), a),
    D = a trigamma(a) - 1."""
    cdef double a = e[0], d, diff, g0, g1
    d = event_grad(t, e, yr, ar, g)
    g0 = g[0]
    g1 = g[1]
    if want_diag:
        dg[0] = a * (1.0 + d)
        dg[1] = a
        g[0] = g0 / dg[0]
        g[1] = g1 / a
    else:
        diff = (g0 - g1) / (a * d)
        g[0] = diff
        g[1] = g1 / a - diff
    return log_row(t, e, yr, ar, par)


cdef inline double cens_row(const double* t, const double* e, const double* yr, const double* ar,
                            const double* par) noexcept nogil:
    """Event: -log f(t); censored: -log Q(a, t / scale)."""
    if yr[1] > 0:
        return log_row(t, e, yr, ar, par)
    return -log_q(e[0], (yr[0] if yr[0] > 0.0 else 0.0) / exp(t[1]))


cdef inline double central(double a, double x, double step) noexcept nogil:
    return (log_q(a + step, x) - log_q(a - step, x)) / (2 * step)


cdef double ANALYTIC_A_MAX = 100.0  #: above, d log Q / d a by differences (the series and fraction grow long)
cdef double SERIES_EPS = 1e-17
cdef double TINY = 1e-300


cdef inline double d_log_q_da(double a, double x, double lq) noexcept nogil:
    """d log Q(a, x) / d a for x > 0, a <= ANALYTIC_A_MAX, lq = log Q(a, x). For x < a + 1 from the
    series P = x^a e^-x / Gamma(a + 1) sum_k t_k, t_k = prod_j<=k x / (a + j), whose a-derivative is
    P (log x - psi(a + 1) + sum_k t_k (-H_k) / sum_k t_k), H_k = sum_j<=k 1 / (a + j): d log Q / d a
    = -dP/da / Q. Above, Gamma(a, x) = x^a e^-x h with h Legendre's continued fraction evaluated by
    the modified Lentz method, carrying each quantity's a-derivative along: d log Q / d a = log x -
    psi(a) + h' / h (no Q formed: any x). Within ~5e-14 relative of mpmath's derivative (the tests)."""
    cdef double t = 1.0, total = 1.0, dtotal = 0.0, harmonic = 0.0, inv, log_p
    cdef double b, c, dc, d, dd, h, dh, an, big_d, dbig_d, big_c, dbig_c, delta, ddelta
    cdef int k
    if x < a + 1.0:
        for k in range(1, 2000):
            inv = 1.0 / (a + k)
            harmonic += inv
            t *= x * inv
            total += t
            dtotal -= t * harmonic
            if t < SERIES_EPS * total and t * harmonic < SERIES_EPS * fabs(dtotal):
                break
        log_p = a * log(x) - x - gammaln(a + 1.0) + log(total)
        return -exp(log_p - lq) * (log(x) - psi(a + 1.0) + dtotal / total)
    b = x + 1.0 - a
    c = 1.0 / TINY
    dc = 0.0
    d = 1.0 / b
    dd = d * d  # d(1 / b) / da with db / da = -1
    h = d
    dh = dd
    for k in range(1, 2000):
        an = -k * (k - a)
        b += 2.0
        big_d = an * d + b
        dbig_d = k * d + an * dd - 1.0
        if fabs(big_d) < TINY:
            big_d = TINY
        big_c = b + an / c
        dbig_c = -1.0 + (k * c - an * dc) / (c * c)
        if fabs(big_c) < TINY:
            big_c = TINY
        d = 1.0 / big_d
        dd = -dbig_d * d * d
        c = big_c
        dc = dbig_c
        delta = d * c
        ddelta = dd * c + d * dc
        dh = dh * delta + h * ddelta
        h *= delta
        if fabs(delta - 1.0) < SERIES_EPS * 4 and fabs(h * ddelta) <= SERIES_EPS * 4 * fabs(dh):
            break
    return log(x) - psi(a) + dh / h


cdef inline double d_log_q(double a, double x, double lq) noexcept nogil:
    """d log Q(a, x) / d a for x >= 0, lq = log Q(a, x): 0 at x = 0 (Q(a, 0) = 1 for every a),
    ``d_log_q_da`` up to ANALYTIC_A_MAX, above it ``gamma.py``'s Richardson-extrapolated central
    differences."""
    cdef double h = 1e-3 * a
    if not x > 0:
        return 0.0
    if a <= ANALYTIC_A_MAX:
        return d_log_q_da(a, x, lq)
    return (4 * central(a, x, h / 2) - central(a, x, h)) / 3


cdef inline double cens_ng_row(const double* t, const double* e, const double* yr, const double* ar,
                               const double* par, double* g, double* dg, bint want_diag) noexcept nogil:
    """Gradient (censored: -d log Q, as ``Gamma._d_logsf``) times the inverse Fisher information
    (the generic 2x2 solve); diagonal (a (1 + D), a)."""
    cdef double a = e[0], x, lq = 0.0, m00, det, g0, g1
    cdef bint event = yr[1] > 0
    if event:
        event_grad(t, e, yr, ar, g)
    else:
        x = (yr[0] if yr[0] > 0.0 else 0.0) / exp(t[1])
        lq = log_q(a, x)
        g[0] = -(a * d_log_q(a, x, lq))
        g[1] = -(exp(a * log(x) - x - gammaln(a) - lq) if x > 0 else 0.0)
    g0 = g[0]
    g1 = g[1]
    m00 = a * (1.0 + a_trigamma_minus_one(a))
    if want_diag:
        dg[0] = m00
        dg[1] = a
        g[0] = g0 / m00
        g[1] = g1 / a
    else:
        det = m00 * a - a * a
        g[0] = (a * g0 - a * g1) / det
        g[1] = (m00 * g1 - a * g0) / det
    return log_row(t, e, yr, ar, par) if event else -lq  # (cens_row's value: the same log_q call)


def log_score_mean(theta, step, double s, y, w, bint has_w, lo, hi, aux, Py_ssize_t start, Py_ssize_t stop):
    return mean_rows(theta, step, s, as_rows(y), weights_or_empty(w, has_w), has_w, lo, hi, as_rows(aux), True,
                     SIGNS, NULL, log_row, start, stop)


def log_natural_gradient(theta, y, w, bint has_w, lo, hi, aux, out, diag, bint want_diag, ex, bint ex_given,
                         Py_ssize_t start, Py_ssize_t stop):
    return natgrad_rows(theta, as_rows(y), weights_or_empty(w, has_w), has_w, lo, hi, as_rows(aux), True, out, diag,
                        want_diag, ex, ex_given, SIGNS, NULL, log_ng_row, start, stop)


def log_score_leaves(theta, ex, leaves, vals, double s, y, w, bint has_w, lo, hi, aux, Py_ssize_t start,
                     Py_ssize_t stop):
    return leaf_rows(theta, ex, leaves, vals, leaf_factors(vals, s, SIGNS), s, as_rows(y),
                     weights_or_empty(w, has_w), has_w, lo, hi, as_rows(aux), True, SIGNS, NULL, log_row, start, stop)


def censored_score_mean(theta, step, double s, y, w, bint has_w, lo, hi, aux, Py_ssize_t start, Py_ssize_t stop):
    return mean_rows(theta, step, s, as_rows(y), weights_or_empty(w, has_w), has_w, lo, hi, as_rows(aux), True,
                     SIGNS, NULL, cens_row, start, stop)


def censored_natural_gradient(theta, y, w, bint has_w, lo, hi, aux, out, diag, bint want_diag, ex, bint ex_given,
                         Py_ssize_t start, Py_ssize_t stop):
    return natgrad_rows(theta, as_rows(y), weights_or_empty(w, has_w), has_w, lo, hi, as_rows(aux), True, out, diag,
                        want_diag, ex, ex_given, SIGNS, NULL, cens_ng_row, start, stop)


def censored_score_leaves(theta, ex, leaves, vals, double s, y, w, bint has_w, lo, hi, aux, Py_ssize_t start,
                     Py_ssize_t stop):
    return leaf_rows(theta, ex, leaves, vals, leaf_factors(vals, s, SIGNS), s, as_rows(y),
                     weights_or_empty(w, has_w), has_w, lo, hi, as_rows(aux), True, SIGNS, NULL, cens_row, start, stop)


def d_log_q_da_rows(const double[::1] a, const double[::1] x):
    """(m,) d log Q(a, x) / d a of the kernels (closed form up to a = 100, else differences), for the tests."""
    import numpy
    out = numpy.empty(a.shape[0])
    cdef double[::1] o = out
    cdef Py_ssize_t i
    for i in range(a.shape[0]):
        o[i] = d_log_q(a[i], x[i], log_q(a[i], x[i]))
    return out
