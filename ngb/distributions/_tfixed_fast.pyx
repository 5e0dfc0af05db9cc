"""Compiled kernels of the Student t log score with a fixed df (``TFixedDf``, ``Cauchy``; contract:
``fast.py``; row drivers: ``_fast.pxd``). Internal (loc, log scale); row factor e[1] = 1 / scale;
Fisher information diag((df + 1) / ((df + 3) scale^2), 2 df / (df + 3)). ``FixedDf(df, const)``
holds the kernels of one df, const = log Gamma((df + 1) / 2) - log Gamma(df / 2) - log(df pi) / 2."""

from libc.math cimport log1p

from ._fast cimport (as_rows, leaf_factors, leaf_rows, mean_rows, natgrad_rows, no_aux,
                     weights_or_empty)

cdef double SIGNS[2]
SIGNS[0] = 0.0
SIGNS[1] = -1.0


cdef inline double log_row(const double* t, const double* e, const double* yr, const double* ar,
                           const double* par) noexcept nogil:
    """-log f(y) = -[const - log scale - (df + 1) / 2 log(1 + z^2 / df)]; par = (df, const)."""
    cdef double nu = par[0], z = (yr[0] - t[0]) * e[1]
    return -(par[1] - t[1] - 0.5 * (nu + 1) * log1p(z * z / nu))


cdef inline double log_ng_row(const double* t, const double* e, const double* yr, const double* ar,
                              const double* par, double* g, double* dg, bint want_diag) noexcept nogil:
    cdef double nu = par[0], z = (yr[0] - t[0]) * e[1], zz, g0, g1, scale = 1.0 / e[1]
    zz = z * z
    g0 = -(nu + 1) * (z / (nu + zz)) * e[1]
    g1 = 1.0 - (nu + 1) * (zz / (nu + zz))
    dg[0] = (nu + 1) / ((nu + 3) * (scale * scale))
    dg[1] = 2 * nu / (nu + 3)
    if want_diag:
        g[0] = g0 / dg[0]
        g[1] = g1 / dg[1]
    else:
        g[0] = g0 * (nu + 3) * (scale * scale) / (nu + 1)
        g[1] = g1 * (nu + 3) / (2 * nu)
    return log_row(t, e, yr, ar, par)


cdef class FixedDf:
    """The kernels (``mean``, ``natural_gradient``, ``leaf_mean``) of the fixed-df t log score."""

    cdef double par[2]

    def __init__(self, double df, double const):
        self.par[0] = df
        self.par[1] = const


    def mean(self, theta, step, double s, y, w, bint has_w, lo, hi, aux, Py_ssize_t start, Py_ssize_t stop):
        return mean_rows(theta, step, s, as_rows(y), weights_or_empty(w, has_w), has_w, lo, hi, no_aux(), False,
                         SIGNS, self.par, log_row, start, stop)


    def natural_gradient(self, theta, y, w, bint has_w, lo, hi, aux, out, diag, bint want_diag, ex, bint ex_given,
                             Py_ssize_t start, Py_ssize_t stop):
        return natgrad_rows(theta, as_rows(y), weights_or_empty(w, has_w), has_w, lo, hi, no_aux(), False, out, diag,
                            want_diag, ex, ex_given, SIGNS, self.par, log_ng_row, start, stop)


    def leaf_mean(self, theta, ex, leaves, vals, double s, y, w, bint has_w, lo, hi, aux, Py_ssize_t start,
                         Py_ssize_t stop):
        return leaf_rows(theta, ex, leaves, vals, leaf_factors(vals, s, SIGNS), s, as_rows(y),
                         weights_or_empty(w, has_w), has_w, lo, hi, no_aux(), False, SIGNS, self.par, log_row, start, stop)
