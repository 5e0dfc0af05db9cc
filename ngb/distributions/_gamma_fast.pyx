"""Compiled kernels of the Gamma log score and censored log score (contract: ``fast.py``; row
drivers: ``_fast.pxd``). Internal (log a, log scale); row factors e = (a, 1 / scale); aux = log y
(the time column for censored targets). The formulas, series and switches are those of
``gamma.py`` (a trigamma(a) - 1 by its asymptotic series above a = 20; log Q(a, x) by its
asymptotic series where Q < 1e-280; d log Q / d log a by the same Richardson-extrapolated central
differences)."""

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


cdef inline double cens_ng_row(const double* t, const double* e, const double* yr, const double* ar,
                               const double* par, double* g, double* dg, bint want_diag) noexcept nogil:
    """Gradient (censored: -d log Q, as ``Gamma._d_logsf``) times the inverse Fisher information
    (the generic 2x2 solve); diagonal (a (1 + D), a)."""
    cdef double a = e[0], x, lq = 0.0, h, m00, det, g0, g1
    cdef bint event = yr[1] > 0
    if event:
        event_grad(t, e, yr, ar, g)
    else:
        x = (yr[0] if yr[0] > 0.0 else 0.0) / exp(t[1])
        lq = log_q(a, x)
        h = 1e-3 * a
        g[0] = -(a * ((4 * central(a, x, h / 2) - central(a, x, h)) / 3))
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
