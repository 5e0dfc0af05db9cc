"""Compiled kernels of the negative binomial log score (contract: ``fast.py``; row drivers:
``_fast.pxd``), and the size entry of its Fisher information (``size_fisher_rows``, which
``negbinomial.size_fisher`` uses). Internal (log mu, log n); row factors e = (mu, n); aux = log(y!).
The log pmf, the gradient and their switches (Stirling's series from n = 10, digamma - log series
from x = 10) are those of ``negbinomial.py``.

Size entry n^2 I_nn, a = mu / (n + mu) (see ``negbinomial.py``): for a <= 0.999 the table of
interpolants of the positive series (``_nb_size_table``: relative error below 3e-13); above, the
trapezoidal rule in log(n s) of the integral form with the step set by the distance of the
integrand's nearest singularity and the left cut from the row's own n."""

from libc.math cimport INFINITY, floor

from ._nb cimport (SIZE_CELLS, SIZE_DEGREE, SIZE_T_CELLS, log1pmx, log_pmf, psi_minus_log_diff, size_fisher,
                  size_quadrature, tail2)

from ._fast cimport (as_rows, leaf_factors, leaf_rows, mean_rows, natgrad_rows, no_aux,
                     weights_or_empty)

cdef double SIGNS[2]
SIGNS[0] = 1.0
SIGNS[1] = 1.0

#: (cells in a or u per segment, t cells, degree) of the size entry's table (``_nb.pxd``)
SIZE_TABLE_LAYOUT = (SIZE_CELLS, SIZE_T_CELLS, SIZE_DEGREE)
cdef const double* SIZE_TABLE = NULL
_size_table_array = None  # the array that owns SIZE_TABLE's coefficients


cdef const double* size_table() except NULL:
    """The size entry's table (built on first use, ``_nb_size_table.size_table_coefficients``)."""
    global SIZE_TABLE, _size_table_array
    cdef const double[::1] flat
    if SIZE_TABLE == NULL:
        from ._nb_size_table import size_table_coefficients
        _size_table_array = size_table_coefficients(SIZE_TABLE_LAYOUT)
        flat = _size_table_array.reshape(-1)
        SIZE_TABLE = &flat[0]
    return SIZE_TABLE


def size_fisher_rows(const double[::1] n, const double[::1] mu):
    """(m,) n^2 I_nn for rows of sizes n (m,) and means mu (m,)."""
    import numpy
    out = numpy.empty(n.shape[0])
    cdef double[::1] o = out
    cdef Py_ssize_t i
    cdef const double* table = size_table()
    with nogil:
        for i in range(n.shape[0]):
            o[i] = size_fisher(n[i], mu[i], table)
    return out


def size_quadrature_rows(const double[::1] n, const double[::1] a, const double[::1] p):
    """(m,) n^2 I_nn by the trapezoidal rule (the size entry above a = 0.999, the table's reference
    above 0.8) for rows of sizes n (m,), a = mu / (n + mu) (m,) and p = 1 - a (m,)."""
    import numpy
    out = numpy.empty(n.shape[0])
    cdef double[::1] o = out
    cdef Py_ssize_t i
    with nogil:
        for i in range(n.shape[0]):
            o[i] = size_quadrature(n[i], a[i], p[i])
    return out


def tail2_rows(const double[::1] n, const double[::1] a):
    """(m,) P(Y >= 2) of the compiled ``tail2`` for rows of sizes n (m,) and a = mu / (n + mu) (m,),
    for the tests."""
    import numpy
    out = numpy.empty(n.shape[0])
    cdef double[::1] o = out
    cdef Py_ssize_t i
    with nogil:
        for i in range(n.shape[0]):
            o[i] = tail2(n[i], a[i])
    return out


cdef inline double log_row(const double* t, const double* e, const double* yr, const double* ar,
                           const double* par) noexcept nogil:
    """-log P(Y = y) (inf off the non-negative integers)."""
    cdef double y = yr[0]
    if not (y >= 0 and y == floor(y)):
        return INFINITY
    return -log_pmf(y, t[0], e[0], t[1], e[1], ar[0])


cdef inline double log_ng_row(const double* t, const double* e, const double* yr, const double* ar,
                              const double* par, double* g, double* dg, bint want_diag) noexcept nogil:
    """Gradient over the diagonal Fisher information (n mu / (n + mu), n^2 I_nn)."""
    cdef double mu = e[0], n = e[1], y = yr[0], g0, g1
    g0 = n * (mu - y) / (n + mu)
    g1 = -n * (log1pmx((y - mu) / (n + mu)) + psi_minus_log_diff(n, y))
    dg[1] = size_fisher(n, mu, par)
    if want_diag:
        dg[0] = n * mu / (n + mu)
        g[0] = g0 / dg[0]
    else:
        g[0] = g0 * (n + mu) / (n * mu)
    g[1] = g1 / dg[1]
    return log_row(t, e, yr, ar, par)


def log_score_mean(theta, step, double s, y, w, bint has_w, lo, hi, aux, Py_ssize_t start, Py_ssize_t stop):
    return mean_rows(theta, step, s, as_rows(y), weights_or_empty(w, has_w), has_w, lo, hi, as_rows(aux), True,
                     SIGNS, NULL, log_row, start, stop)


def log_natural_gradient(theta, y, w, bint has_w, lo, hi, aux, out, diag, bint want_diag, ex, bint ex_given,
                         Py_ssize_t start, Py_ssize_t stop):
    return natgrad_rows(theta, as_rows(y), weights_or_empty(w, has_w), has_w, lo, hi, as_rows(aux), True, out, diag,
                        want_diag, ex, ex_given, SIGNS, size_table(), log_ng_row, start, stop)


def log_score_leaves(theta, ex, leaves, vals, double s, y, w, bint has_w, lo, hi, aux, Py_ssize_t start,
                     Py_ssize_t stop):
    return leaf_rows(theta, ex, leaves, vals, leaf_factors(vals, s, SIGNS), s, as_rows(y),
                     weights_or_empty(w, has_w), has_w, lo, hi, as_rows(aux), True, SIGNS, NULL, log_row, start, stop)
