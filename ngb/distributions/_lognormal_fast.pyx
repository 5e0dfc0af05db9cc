"""Compiled kernels of the LogNormal log score and censored log score (contract: ``fast.py``; row
drivers: ``_fast.pxd``). Internal (mu, log s); row factor e[1] = 1 / s; aux = log y (time column for
censored targets). Fisher information diag(1 / s^2, 2), also the censored score's metric."""

import math

from libc.math cimport INFINITY, exp
from scipy.special.cython_special cimport log_ndtr

from ._fast cimport (as_rows, leaf_factors, leaf_rows, mean_rows, natgrad_rows, no_aux,
                     weights_or_empty)

cdef double LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)
cdef double SIGNS[2]
SIGNS[0] = 0.0
SIGNS[1] = -1.0


cdef inline double log_row(const double* t, const double* e, const double* yr, const double* ar,
                           const double* par) noexcept nogil:
    """-log f(y) = log sqrt(2 pi) + log s + log y + z^2 / 2, z = (log y - mu) / s (inf for y <= 0)."""
    cdef double z
    if not yr[0] > 0.0:
        return INFINITY
    z = (ar[0] - t[0]) * e[1]
    return -(-LOG_SQRT_2PI - t[1] - ar[0] - 0.5 * z * z)


cdef inline void event_grad(const double* t, const double* e, const double* ar, double* g) noexcept nogil:
    cdef double z = (ar[0] - t[0]) * e[1]
    g[0] = -z * e[1]
    g[1] = 1.0 - z * z


cdef inline double log_ng_row(const double* t, const double* e, const double* yr, const double* ar,
                              const double* par, double* g, double* dg, bint want_diag) noexcept nogil:
    """(-z s, (1 - z^2) / 2): the gradient over the diagonal metric (1 / s^2, 2)."""
    cdef double z = (ar[0] - t[0]) * e[1]
    g[0] = -z / e[1]
    g[1] = 0.5 * (1.0 - z * z)
    dg[0] = e[1] * e[1]
    dg[1] = 2.0
    return log_row(t, e, yr, ar, par)


cdef inline double cens_row(const double* t, const double* e, const double* yr, const double* ar,
                            const double* par) noexcept nogil:
    """Event: -log f(t); censored: -log S(t) = -log Phi(-z) (0 for t <= 0)."""
    if yr[1] > 0:
        return log_row(t, e, yr, ar, par)
    if not yr[0] > 0.0:
        return -0.0
    return -log_ndtr(-((ar[0] - t[0]) * e[1]))


cdef inline double cens_ng_row(const double* t, const double* e, const double* yr, const double* ar,
                               const double* par, double* g, double* dg, bint want_diag) noexcept nogil:
    """Gradient (censored: -(m / s, m z), m = phi(z) / Phi(-z)) over the diagonal Fisher information."""
    cdef double z, mills
    if yr[1] > 0:
        event_grad(t, e, ar, g)
    elif yr[0] > 0.0:
        z = (ar[0] - t[0]) * e[1]
        mills = exp(-0.5 * z * z - LOG_SQRT_2PI - log_ndtr(-z))
        g[0] = -(mills * e[1])
        g[1] = -(mills * z)
    else:
        g[0] = -0.0
        g[1] = -0.0
    dg[0] = e[1] * e[1]
    dg[1] = 2.0
    g[0] = g[0] / dg[0]
    g[1] = g[1] / 2.0
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
