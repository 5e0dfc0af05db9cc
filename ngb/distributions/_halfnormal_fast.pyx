"""Compiled kernels of the HalfNormal log score (contract: ``fast.py``; row drivers: ``_fast.pxd``).
Internal t = log scale; row factor e = 1 / scale; Fisher information 2."""

import math

from libc.math cimport INFINITY

from ._fast cimport (as_rows, leaf_factors, leaf_rows, mean_rows, natgrad_rows, no_aux,
                     weights_or_empty)

cdef double HALF_LOG_2_OVER_PI = 0.5 * math.log(2 / math.pi)
cdef double SIGNS[1]
SIGNS[0] = -1.0


cdef inline double log_row(const double* t, const double* e, const double* yr, const double* ar,
                           const double* par) noexcept nogil:
    """-log f(y) = -log sqrt(2 / pi) + log scale + z^2 / 2, z = y / scale (inf below 0)."""
    cdef double z
    if yr[0] < 0.0:
        return INFINITY
    z = yr[0] * e[0]
    return -(HALF_LOG_2_OVER_PI - t[0] - 0.5 * z * z)


cdef inline double log_ng_row(const double* t, const double* e, const double* yr, const double* ar,
                              const double* par, double* g, double* dg, bint want_diag) noexcept nogil:
    """(1 - z^2) / 2; metric diagonal 2."""
    cdef double z = yr[0] * e[0]
    g[0] = 0.5 * (1.0 - z * z)
    dg[0] = 2.0
    return log_row(t, e, yr, ar, par)


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
