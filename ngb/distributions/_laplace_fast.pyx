"""Compiled kernels of the Laplace log score (contract: ``fast.py``; row drivers: ``_fast.pxd``).
Internal (loc, log scale); row factor e[1] = 1 / scale; Fisher information diag(1 / scale^2, 1)."""

import math

from ._fast cimport (as_rows, leaf_factors, leaf_rows, mean_rows, natgrad_rows, no_aux,
                     weights_or_empty)

cdef double LOG2 = math.log(2.0)
cdef double SIGNS[2]
SIGNS[0] = 0.0
SIGNS[1] = -1.0


cdef inline double sign(double z) noexcept nogil:
    return 1.0 if z > 0 else (-1.0 if z < 0 else 0.0)


cdef inline double log_row(const double* t, const double* e, const double* yr, const double* ar,
                           const double* par) noexcept nogil:
    """-log f(y) = log 2 + log scale + |z|."""
    cdef double z = (yr[0] - t[0]) * e[1]
    return -(-LOG2 - t[1] - abs(z))


cdef inline double log_ng_row(const double* t, const double* e, const double* yr, const double* ar,
                              const double* par, double* g, double* dg, bint want_diag) noexcept nogil:
    """(-sign(z) scale, 1 - |z|) (the gradient over the diagonal metric)."""
    cdef double z = (yr[0] - t[0]) * e[1]
    g[0] = -sign(z) / e[1]
    g[1] = 1.0 - abs(z)
    dg[0] = e[1] * e[1]
    dg[1] = 1.0
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
