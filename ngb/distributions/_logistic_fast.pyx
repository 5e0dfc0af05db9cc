"""Compiled kernels of the Logistic log score (contract: ``fast.py``; row drivers: ``_fast.pxd``).
Internal (loc, log scale); row factor e[1] = 1 / scale; Fisher information diag(1 / (3 scale^2),
(pi^2 + 3) / 9)."""

import math

from libc.math cimport exp, log1p, tanh

from ._fast cimport (as_rows, leaf_factors, leaf_rows, mean_rows, natgrad_rows, no_aux,
                     weights_or_empty)

cdef double LOG_SCALE_FISHER = (math.pi ** 2 + 3) / 9
cdef double SIGNS[2]
SIGNS[0] = 0.0
SIGNS[1] = -1.0


cdef inline double log_row(const double* t, const double* e, const double* yr, const double* ar,
                           const double* par) noexcept nogil:
    """-log f(y) = |z| + log scale + 2 log(1 + e^-|z|)."""
    cdef double a = abs((yr[0] - t[0]) * e[1])
    return -(-a - t[1] - 2 * log1p(exp(-a)))


cdef inline double log_ng_row(const double* t, const double* e, const double* yr, const double* ar,
                              const double* par, double* g, double* dg, bint want_diag) noexcept nogil:
    """(-3 scale tanh(z/2), (1 - z tanh(z/2)) / ((pi^2 + 3) / 9))."""
    cdef double z = (yr[0] - t[0]) * e[1], a = abs(z), ea = exp(-a), th
    cdef double scale = 1.0 / e[1]
    if a > 0.5:  # tanh(|z| / 2) = (1 - e^-|z|) / (1 + e^-|z|), no cancellation above 1/2
        th = (1.0 - ea) / (1.0 + ea)
        th = th if z > 0 else -th
    else:
        th = tanh(0.5 * z)
    g[0] = 3 * scale * scale * (-th * e[1])
    g[1] = (1.0 - z * th) / LOG_SCALE_FISHER
    dg[0] = 1.0 / (3 * scale * scale)
    dg[1] = LOG_SCALE_FISHER
    return -(-a - t[1] - 2 * log1p(ea))  # log_row's arithmetic on the same e^-|z|: the same bits


def log_score_mean(theta, step, double s, y, w, bint has_w, lo, hi, aux, Py_ssize_t start, Py_ssize_t stop):
    return mean_rows(theta, step, s, as_rows(y), weights_or_empty(w, has_w), has_w, lo, hi, no_aux(), False,
                     SIGNS, NULL, log_row, start, stop)


def log_natural_gradient(theta, y, w, bint has_w, lo, hi, aux, out, diag, bint want_diag, ex, bint ex_given,
                         Py_ssize_t start, Py_ssize_t stop):
    return natgrad_rows(theta, as_rows(y), weights_or_empty(w, has_w), has_w, lo, hi, no_aux(), False, out, diag,
                        want_diag, ex, ex_given, SIGNS, NULL, log_ng_row, start, stop)


def log_score_leaves(theta, ex, leaves, vals, double s, y, w, bint has_w, lo, hi, aux, Py_ssize_t start,
                     Py_ssize_t stop):
    return leaf_rows(theta, ex, leaves, vals, leaf_factors(vals, s, SIGNS), s, as_rows(y),
                     weights_or_empty(w, has_w), has_w, lo, hi, no_aux(), False, SIGNS, NULL, log_row, start, stop)
