"""Compiled kernels of the Weibull log score and censored log score (contract: ``fast.py``; row
drivers: ``_fast.pxd``). Internal (log c, log scale); row factor e[0] = c; aux = log y (the time
column for censored targets). log w = c (log y - log scale) is capped at 600 in the density and its
gradient and at 710 in the survival function, as in ``weibull.py``."""

import math

from libc.math cimport INFINITY, exp

from ._fast cimport (as_rows, leaf_factors, leaf_rows, mean_rows, natgrad_rows, no_aux,
                     weights_or_empty)

cdef double EULER = 0.57721566490153286060651209008240243
cdef double ONE_MINUS_G = 1.0 - EULER
cdef double A = ONE_MINUS_G ** 2 + math.pi ** 2 / 6
cdef double DET_FACTOR = 6.0 / math.pi ** 2
cdef double LOG_W_MAX = 600.0
cdef double SIGNS[2]
SIGNS[0] = 1.0
SIGNS[1] = 0.0


cdef inline double log_row(const double* t, const double* e, const double* yr, const double* ar,
                           const double* par) noexcept nogil:
    """-log f(y) = -[log c - log scale + (c - 1) L - w], L = log y - log scale, w = (y / scale)^c."""
    cdef double big_l, log_w, c = e[0]
    if not yr[0] > 0.0:
        return INFINITY
    big_l = ar[0] - t[1]
    log_w = c * big_l
    if log_w > LOG_W_MAX:
        log_w = LOG_W_MAX
    return -(t[0] - t[1] + (c - 1) * big_l - exp(log_w))


cdef inline void event_grad(const double* t, const double* e, const double* ar, double* g) noexcept nogil:
    cdef double c = e[0], log_w = c * (ar[0] - t[1]), w
    if log_w > LOG_W_MAX:
        log_w = LOG_W_MAX
    w = exp(log_w)
    g[0] = -1.0 + log_w * (w - 1.0)
    g[1] = c * (1.0 - w)


cdef inline double log_ng_row(const double* t, const double* e, const double* yr, const double* ar,
                              const double* par, double* g, double* dg, bint want_diag) noexcept nogil:
    """Closed-form inverse of [[A, -c (1-g)], [-c (1-g), c^2]] times the gradient; diagonal (A, c^2)."""
    cdef double c = e[0], g0, g1
    event_grad(t, e, ar, g)
    g0 = g[0]
    g1 = g[1]
    if want_diag:
        g[0] = g0 / A
        g[1] = g1 / (c * c)
        dg[0] = A
        dg[1] = c * c
    else:
        g[0] = DET_FACTOR * (g0 + ONE_MINUS_G * g1 / c)
        g[1] = DET_FACTOR * (ONE_MINUS_G * g0 / c + A * g1 / (c * c))
    return log_row(t, e, yr, ar, par)


cdef inline double cens_row(const double* t, const double* e, const double* yr, const double* ar,
                            const double* par) noexcept nogil:
    """Event: -log f(t); censored: -log S(t) = w (log w capped at 710; 0 for t <= 0)."""
    cdef double log_w
    if yr[1] > 0:
        return log_row(t, e, yr, ar, par)
    if not yr[0] > 0.0:
        return -0.0
    log_w = e[0] * (ar[0] - t[1])
    return exp(log_w if log_w < 710.0 else 710.0)


cdef inline double cens_ng_row(const double* t, const double* e, const double* yr, const double* ar,
                               const double* par, double* g, double* dg, bint want_diag) noexcept nogil:
    """Gradient (censored: (c w L, -c w)) times the inverse Fisher information (the generic 2x2 solve)."""
    cdef double c = e[0], big_l, log_w, w, g0, g1, m01, det
    if yr[1] > 0:
        event_grad(t, e, ar, g)
    elif yr[0] > 0.0:
        big_l = ar[0] - t[1]
        log_w = c * big_l
        if log_w > LOG_W_MAX:
            log_w = LOG_W_MAX
        w = exp(log_w)
        g[0] = c * w * big_l
        g[1] = -(c * w)
    else:
        g[0] = -0.0
        g[1] = -0.0
    g0 = g[0]
    g1 = g[1]
    if want_diag:
        g[0] = g0 / A
        g[1] = g1 / (c * c)
        dg[0] = A
        dg[1] = c * c
    else:
        m01 = -c * ONE_MINUS_G
        det = A * (c * c) - m01 * m01
        g[0] = ((c * c) * g0 - m01 * g1) / det
        g[1] = (A * g1 - m01 * g0) / det
    return cens_row(t, e, yr, ar, par)


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
