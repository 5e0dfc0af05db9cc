"""Compiled kernels of the Beta log score (contract: ``fast.py``; row drivers: ``_fast.pxd``).
Internal (log a, log b); row factors e = (a, b); aux = (log y, log(1 - y)). The Fisher information
and its trigamma differences (Taylor series where h <= x / 100) are those of ``beta.py``."""

from libc.math cimport INFINITY, log

from ._special cimport (digamma_trigamma, digamma_trigamma_shifted12, log1p_fast, log_beta, log_beta_shifted,
                        log_gamma, polygamma, trigamma)
from ._fast cimport (as_rows, leaf_factors, leaf_rows, mean_rows, natgrad_rows, no_aux,
                     weights_or_empty)

cdef double SIGNS[2]
SIGNS[0] = 1.0
SIGNS[1] = 1.0


cdef inline double trigamma_series(double x, double h) noexcept nogil:
    """trigamma(x) - trigamma(x + h) for h <= x / 100 by the Taylor series of ``beta._trigamma_diff``."""
    cdef double series = 0.0, term = 1.0
    cdef int k
    for k in range(1, 9):
        term = term * h / k
        series -= polygamma(k + 1, x) * term
    return series


cdef inline double edge(double shape, double at_one) noexcept nogil:
    """-log density at a closed edge of the support (``base.edge_logpdf`` negated)."""
    if shape < 1:
        return -INFINITY
    if shape == 1:
        return -at_one
    return INFINITY


cdef inline double log_row(const double* t, const double* e, const double* yr, const double* ar,
                           const double* par) noexcept nogil:
    """-log f(y) = -[(a - 1) log y + (b - 1) log(1 - y) - log B(a, b)]."""
    cdef double a = e[0], b = e[1], y = yr[0]
    if y > 0 and y < 1:
        return -((a - 1) * ar[0] + (b - 1) * ar[1] - log_beta(a, b))
    if y == 0:
        return edge(a, log(b))
    if y == 1:
        return edge(b, log(a))
    return INFINITY


cdef inline double log_ng_row(const double* t, const double* e, const double* yr, const double* ar,
                              const double* par, double* g, double* dg, bint want_diag) noexcept nogil:
    """The closed-form 2x2 inverse of the Fisher information times the gradient; the trigamma
    differences as ``beta._trigamma_diff`` (the Taylor series where h <= x / 100). Where a and b are
    both below 10 (``log_beta``'s first case), one shift of each of a, b and a + b gives their
    digamma, trigamma and the log density's log B(a, b), equal to ``log_beta``'s."""
    cdef double a = e[0], b = e[1], y = yr[0], g0, g1, m00, m11, m01, det, ta, tb, tab, pa, pb, pab
    cdef double xa = a, xb = b, xs = a + b, la, lb, ls, qa, qb, qs, value
    if a < 10.0 and b < 10.0:
        pa = digamma_trigamma_shifted12(&xa, &la, &qa, &ta)
        pb = digamma_trigamma_shifted12(&xb, &lb, &qb, &tb)
        pab = digamma_trigamma_shifted12(&xs, &ls, &qs, &tab)
        if y > 0 and y < 1:
            value = -((a - 1) * ar[0] + (b - 1) * ar[1] - log_beta_shifted(xa, la, qa, xb, lb, qb, xs, ls, qs))
        else:
            value = log_row(t, e, yr, ar, par)
    else:
        pa = digamma_trigamma(a, &ta)
        pb = digamma_trigamma(b, &tb)
        pab = digamma_trigamma(a + b, &tab)
        value = log_row(t, e, yr, ar, par)
    g0 = a * (pa - pab - ar[0])
    g1 = b * (pb - pab - ar[1])
    m00 = a * a * (trigamma_series(a, b) if b <= 0.01 * a else ta - tab)
    m11 = b * b * (trigamma_series(b, a) if a <= 0.01 * b else tb - tab)
    if want_diag:
        dg[0] = m00
        dg[1] = m11
        g[0] = g0 / m00
        g[1] = g1 / m11
    else:
        m01 = -a * b * tab
        det = m00 * m11 - m01 * m01
        g[0] = (m11 * g0 - m01 * g1) / det
        g[1] = (m00 * g1 - m01 * g0) / det
    return value


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


def polygamma_values(int m, const double[::1] x):
    """psi^(m)(x) (n,) of the kernels' own polygamma (m = 1: ``trigamma``; m = 0: digamma and m = -1
    trigamma of ``digamma_trigamma``), for the tests."""
    import numpy
    out = numpy.empty(x.shape[0])
    cdef double[::1] o = out
    cdef double tri
    cdef Py_ssize_t i
    for i in range(x.shape[0]):
        if m == 0:
            o[i] = digamma_trigamma(x[i], &tri)
        elif m == -1:
            digamma_trigamma(x[i], &tri)
            o[i] = tri
        else:
            o[i] = trigamma(x[i]) if m == 1 else polygamma(m, x[i])
    return out


def digamma_trigamma12_values(const double[::1] x):
    """(psi(x), psi'(x)) (n,) each of ``digamma_trigamma_shifted12`` (the natural gradient's
    fixed-shift digamma and trigamma where a and b are below 10), 0 < x < 20, for the tests."""
    import numpy
    psi_out = numpy.empty(x.shape[0])
    tri_out = numpy.empty(x.shape[0])
    cdef double[::1] p = psi_out, q = tri_out
    cdef double xs, lx, prod
    cdef Py_ssize_t i
    for i in range(x.shape[0]):
        xs = x[i]
        p[i] = digamma_trigamma_shifted12(&xs, &lx, &prod, &q[i])
    return psi_out, tri_out


def log_beta_values(const double[::1] a, const double[::1] b):
    """log B(a, b) (n,) of the kernels' own ``log_beta``, and the log-gammas of ``log_gamma`` of a
    (n,), for the tests."""
    import numpy
    out = numpy.empty(a.shape[0])
    lg = numpy.empty(a.shape[0])
    cdef double[::1] o = out, g = lg
    cdef Py_ssize_t i
    for i in range(a.shape[0]):
        o[i] = log_beta(a[i], b[i])
        g[i] = log_gamma(a[i])
    return out, lg


def log1p_values(const double[::1] x):
    """log(1 + x) (n,) of the kernels' ``log1p_fast``, for the tests."""
    import numpy
    out = numpy.empty(x.shape[0])
    cdef double[::1] o = out
    cdef Py_ssize_t i
    for i in range(x.shape[0]):
        o[i] = log1p_fast(x[i])
    return out
