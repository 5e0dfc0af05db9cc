"""Compiled kernels of the zero-inflated negative binomial log score (contract: ``fast.py``; row
drivers: ``_fast.pxd``). Internal (log mu, log n, zeta = logit pi); row factors e = (mu, n,
e^-zeta); aux = log(y!). The score, its gradient, the metric diagonal and the closed-form natural
gradient are those of ``zipoisson.ZeroInflated`` with the NB of ``negbinomial.py`` as component
(``_nb.pxd``: its log pmf, gradient and Fisher size entry), B = P(NB >= 2) - p0 u_1^2 / F with
P(NB >= 2) in closed form (``_nb.tail2``)."""

from libc.math cimport INFINITY, exp, floor

from ._zero_inflated cimport zero_cell, zi_score
from ._nb cimport log1pmx, log_pmf, psi_minus_log_diff, size_fisher, tail2_from
from ._negbinomial_fast cimport size_table
from ._fast cimport (as_rows, leaf_factors, leaf_rows, mean_rows, natgrad_rows, no_aux,
                     weights_or_empty)

cdef double SIGNS[3]
SIGNS[0] = 1.0
SIGNS[1] = 1.0
SIGNS[2] = -1.0


cdef inline double log_row(const double* t, const double* e, const double* yr, const double* ar,
                           const double* par) noexcept nogil:
    cdef double y = yr[0], mu = e[0], n = e[1]
    if not (y >= 0 and y == floor(y)):
        return INFINITY
    return zi_score(y, t[2], e[2], log_pmf(y, t[0], mu, t[1], n, ar[0]))


cdef inline double log_ng_row(const double* t, const double* e, const double* yr, const double* ar,
                              const double* par, double* g, double* dg, bint want_diag) noexcept nogil:
    """As the zero-inflated Poisson's (``_zipoisson_fast``), with the NB's J = (n a, F),
    u = (-n a, n (log(1 - a) + a)) and gradient."""
    cdef double y = yr[0], mu = e[0], n = e[1], zeta = t[2], a = mu / (n + mu)
    cdef double log_p0, p0, q, pi, s, r, ez, em
    cdef double gb0, gb1, j0, j1, u0, u1, tt, d2, tail, b, jg0, jg1, c, m, fac
    cdef bint zero = y == 0
    ez = e[2]  # e^-zeta, the row factor
    if zero and not want_diag:  # only the zero probability's entry moves
        pi = 1.0 / (1.0 + ez)
        g[0] = 0.0
        g[1] = 0.0
        g[2] = -1.0 / pi
        return log_row(t, e, yr, ar, par)
    u1 = n * log1pmx(-a)  # d log p0 / d log n = n (log(1 - a) + a)
    log_p0 = u1 - n * a  # n log(1 - a): two terms of one sign
    p0 = exp(log_p0)
    zero_cell(ez, p0, log_p0, &pi, &q, &s, &r, &em)  # s = pi / P0, r = q p0 / P0
    gb0 = n * (mu - y) / (n + mu)
    gb1 = -n * (log1pmx((y - mu) / (n + mu)) + psi_minus_log_diff(n, y))
    j0 = n * mu / (n + mu)
    j1 = size_fisher(n, mu, par)  # par: the size entry's table
    u0 = -(n * mu / (n + mu))  # d log p0 / d log mu
    if want_diag:
        fac = r if zero else 1.0
        d2 = q * em * s if zero else pi
        tt = p0 * s  # pi p0 / P0
        dg[0] = (-tt * u0 * u0 + j0) * q
        dg[1] = (-tt * u1 * u1 + j1) * q
        dg[2] = (pi * -em * s) * q
        g[0] = gb0 * fac / dg[0] if dg[0] > 0 else 0.0
        g[1] = gb1 * fac / dg[1] if dg[1] > 0 else 0.0
        g[2] = d2 / dg[2] if dg[2] > 0 else 0.0
    else:
        tail = tail2_from(u1, n * a)  # P(NB >= 2)
        b = tail - p0 * (u1 * u1 / j1)
        if not b > 1e-13 * tail:
            b = 1e-13 * tail
        jg0 = gb0 / j0
        jg1 = gb1 / j1
        c = (1 - y) + mu + a * (y - mu) - u1 * jg1
        m = p0 * c / b
        g[0] = (jg0 - m * (u0 / j0)) / q
        g[1] = (jg1 - m * (u1 / j1)) / q
        g[2] = (1 + m / pi) / q
    return log_row(t, e, yr, ar, par)  # (the score: bit-equal to the leaf pass)


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
