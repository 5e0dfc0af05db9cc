"""Compiled kernels of the Gumbel log score (contract: ``fast.py``; row drivers: ``_fast.pxd``).
Internal (loc, log scale); row factor e[1] = 1 / scale. -z is capped at 600 in W = e^-z as in
``gumbel.py``."""

import math

from libc.math cimport exp

from ._fast cimport (as_rows, leaf_factors, leaf_rows, mean_rows, natgrad_rows, no_aux,
                     weights_or_empty)

cdef double EULER = 0.57721566490153286060651209008240243
cdef double ONE_MINUS_G = 1.0 - EULER
cdef double A = ONE_MINUS_G ** 2 + math.pi ** 2 / 6
cdef double DET_FACTOR = 6.0 / math.pi ** 2
cdef double MINUS_Z_MAX = 600.0
cdef double SIGNS[2]
SIGNS[0] = 0.0
SIGNS[1] = -1.0


cdef inline double log_row(const double* t, const double* e, const double* yr, const double* ar,
                           const double* par) noexcept nogil:
    """-log f(y) = log scale + z + W."""
    cdef double z = (yr[0] - t[0]) * e[1]
    cdef double zc = z if z > -MINUS_Z_MAX else -MINUS_Z_MAX
    return t[1] + z + exp(-zc)


cdef inline double log_ng_row(const double* t, const double* e, const double* yr, const double* ar,
                              const double* par, double* g, double* dg, bint want_diag) noexcept nogil:
    """(6 / pi^2) [[A scale^2, (1-g) scale], [(1-g) scale, 1]] @ grad; diagonal (1 / scale^2, A)."""
    cdef double z = (yr[0] - t[0]) * e[1]
    cdef double zc = z if z > -MINUS_Z_MAX else -MINUS_Z_MAX
    cdef double a = exp(-zc) - 1.0
    cdef double g1 = 1.0 + zc * a
    cdef double scale = 1.0 / e[1]
    if want_diag:
        g[0] = a * scale
        g[1] = g1 / A
        dg[0] = e[1] * e[1]
        dg[1] = A
    else:
        g[0] = DET_FACTOR * scale * (A * a + ONE_MINUS_G * g1)
        g[1] = DET_FACTOR * (ONE_MINUS_G * a + g1)
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
