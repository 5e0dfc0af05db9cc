"""Compiled kernels of the Exponential log score and censored log score (contract: ``fast.py``;
row drivers: ``_fast.pxd``). Internal t = log scale; row factor e = 1 / scale. Fisher information 1,
so the natural gradient is the gradient and the metric diagonal is 1."""

from ._fast cimport (as_rows, leaf_factors, leaf_rows, mean_rows, natgrad_rows, no_aux,
                     weights_or_empty)

cdef double SIGNS[1]
SIGNS[0] = -1.0


cdef inline double log_row(const double* t, const double* e, const double* yr, const double* ar,
                           const double* par) noexcept nogil:
    """-log f(y) = log scale + y / scale."""
    return t[0] + yr[0] * e[0]


cdef inline double log_ng_row(const double* t, const double* e, const double* yr, const double* ar,
                              const double* par, double* g, double* dg, bint want_diag) noexcept nogil:
    g[0] = 1.0 - yr[0] * e[0]
    dg[0] = 1.0
    return log_row(t, e, yr, ar, par)


cdef inline double cens_row(const double* t, const double* e, const double* yr, const double* ar,
                            const double* par) noexcept nogil:
    """Event: -log f(t); censored: -log S(t) = max(t, 0) / scale."""
    if yr[1] > 0:
        return t[0] + yr[0] * e[0]
    return (yr[0] if yr[0] > 0.0 else 0.0) * e[0]


cdef inline double cens_ng_row(const double* t, const double* e, const double* yr, const double* ar,
                               const double* par, double* g, double* dg, bint want_diag) noexcept nogil:
    if yr[1] > 0:
        g[0] = 1.0 - yr[0] * e[0]
    else:
        g[0] = -((yr[0] if yr[0] > 0.0 else 0.0) * e[0])
    dg[0] = 1.0
    return cens_row(t, e, yr, ar, par)


def log_score_mean(theta, step, double s, y, w, bint has_w, lo, hi, aux, Py_ssize_t start, Py_ssize_t stop):
    return mean_rows(theta, step, s, as_rows(y), weights_or_empty(w, has_w), has_w, lo, hi, no_aux(), False,
                     SIGNS, NULL, log_row, start, stop)


def log_natural_gradient(theta, y, w, bint has_w, lo, hi, aux, out, diag, bint want_diag, ex, bint ex_given,
                         Py_ssize_t start, Py_ssize_t stop):
    return natgrad_rows(theta, as_rows(y), weights_or_empty(w, has_w), has_w, lo, hi, no_aux(), False, out, diag,
                        want_diag, ex, ex_given, SIGNS, NULL, log_ng_row, start, stop)


def log_score_leaves(theta, ex, leaves, vals, double s, y, w, bint has_w, lo, hi, aux, Py_ssize_t start,
                     Py_ssize_t stop):
    return leaf_rows(theta, ex, leaves, vals, leaf_factors(vals, s, SIGNS), s, as_rows(y), weights_or_empty(w, has_w),
                     has_w, lo, hi, no_aux(), False, SIGNS, NULL, log_row, start, stop)


def censored_score_mean(theta, step, double s, y, w, bint has_w, lo, hi, aux, Py_ssize_t start, Py_ssize_t stop):
    return mean_rows(theta, step, s, as_rows(y), weights_or_empty(w, has_w), has_w, lo, hi, no_aux(), False,
                     SIGNS, NULL, cens_row, start, stop)


def censored_natural_gradient(theta, y, w, bint has_w, lo, hi, aux, out, diag, bint want_diag, ex, bint ex_given,
                              Py_ssize_t start, Py_ssize_t stop):
    return natgrad_rows(theta, as_rows(y), weights_or_empty(w, has_w), has_w, lo, hi, no_aux(), False, out, diag,
                        want_diag, ex, ex_given, SIGNS, NULL, cens_ng_row, start, stop)


def censored_score_leaves(theta, ex, leaves, vals, double s, y, w, bint has_w, lo, hi, aux, Py_ssize_t start,
                          Py_ssize_t stop):
    return leaf_rows(theta, ex, leaves, vals, leaf_factors(vals, s, SIGNS), s, as_rows(y), weights_or_empty(w, has_w),
                     has_w, lo, hi, no_aux(), False, SIGNS, NULL, cens_row, start, stop)
