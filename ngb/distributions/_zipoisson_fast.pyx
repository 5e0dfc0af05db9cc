"""Compiled kernels of the zero-inflated Poisson log score (contract: ``fast.py``; row drivers:
``_fast.pxd``). Internal (log mu, zeta = logit pi); row factors e = (mu, e^-zeta); aux = log(y!).
The score, its gradient, the metric diagonal and the closed-form natural gradient are those of
``zipoisson.py`` (``ZeroInflated`` with the Poisson: J = mu, u = -mu, a = 0, B = P(Poisson >= 2))."""

from libc.math cimport INFINITY, exp, expm1, floor

from ._zero_inflated cimport zero_cell, zi_score

from ._fast cimport (as_rows, leaf_factors, leaf_rows, mean_rows, natgrad_rows, no_aux,
                     weights_or_empty)

cdef inline double poisson_tail2(double mu) noexcept nogil:
    """P(Poisson(mu) >= 2) = 1 - (1 + mu) e^-mu (scipy's ``pdtrc(1, mu)``): below mu = 1 as
    e^-mu sum_k>=2 mu^k / k! (nested, to k = 21: the difference would cancel), above as
    -expm1(-mu) - mu e^-mu (at most a factor 3 of cancellation, at mu = 1)."""
    cdef double inner = 1.0
    cdef int k
    if mu < 1.0:
        for k in range(21, 2, -1):
            inner = 1.0 + mu / k * inner
        return exp(-mu) * (0.5 * mu * mu) * inner
    return -expm1(-mu) - mu * exp(-mu)


def poisson_tail2_rows(const double[::1] mu):
    """(m,) P(Poisson >= 2) as the kernels compute it, for rates mu (m,)."""
    import numpy
    out = numpy.empty(mu.shape[0])
    cdef double[::1] o = out
    cdef Py_ssize_t i
    with nogil:
        for i in range(mu.shape[0]):
            o[i] = poisson_tail2(mu[i])
    return out


cdef double SIGNS[2]
SIGNS[0] = 1.0
SIGNS[1] = -1.0


cdef inline double log_row(const double* t, const double* e, const double* yr, const double* ar,
                           const double* par) noexcept nogil:
    cdef double y = yr[0], mu = e[0]
    if not (y >= 0 and y == floor(y)):
        return INFINITY
    return zi_score(y, t[1], e[1], y * t[0] - mu - ar[0])


cdef inline double log_ng_row(const double* t, const double* e, const double* yr, const double* ar,
                              const double* par, double* g, double* dg, bint want_diag) noexcept nogil:
    """With want_diag: d_score / metric diagonal (0 where the diagonal is not positive) and the
    diagonal q (J - t u^2), q pi (1 - p0) s; else the natural gradient (0, -1/pi) at y = 0 and
    ((J^-1 g - (p0 c / B) J^-1 u) / q, (1 + p0 c / (pi B)) / q) above."""
    cdef double y = yr[0], mu = e[0], zeta = t[1], log_p0 = -mu, q, pi, s, r, ez, em
    cdef double p0 = exp(log_p0), tt, d0, d1, g0, b, jg, c, m, tail
    cdef bint zero = y == 0
    ez = e[1]  # e^-zeta, the row factor
    zero_cell(ez, p0, log_p0, &pi, &q, &s, &r, &em)  # s = pi / P0, r = q p0 / P0
    if want_diag:
        g0 = (mu - y) * (r if zero else 1.0)
        d1 = q * em * s if zero else pi
        tt = p0 * s  # pi p0 / P0
        dg[0] = (-tt * -mu * -mu + mu) * q
        dg[1] = (pi * -em * s) * q
        g[0] = g0 / dg[0] if dg[0] > 0 else 0.0
        g[1] = d1 / dg[1] if dg[1] > 0 else 0.0
    elif zero:
        g[0] = 0.0
        g[1] = -1.0 / pi
    else:
        tail = poisson_tail2(mu)
        b = tail  # B = P(Y >= 2) - p0 u_1^2 / F: the Poisson has no size term u_1
        if not b > 1e-13 * tail:
            b = 1e-13 * tail
        jg = (mu - y) / mu
        c = (1 - y) + mu  # the NB's (1 - y) + mu + a (y - mu) - u_1 J^-1 g_1 at a = 0, u_1 = 0
        m = p0 * c / b
        g[0] = (jg + m) / q  # J^-1 g - m J^-1 u, u / J = -mu / mu = -1
        g[1] = (1 + m / pi) / q
    return log_row(t, e, yr, ar, par)  # (the same p0 and score: bit-equal to the leaf pass)


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
