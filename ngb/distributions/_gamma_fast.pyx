"""Compiled kernels of the Gamma log score and censored log score (contract: ``fast.py``; row
drivers: ``_fast.pxd``). Internal (log a, log scale); row factors e = (a, 1 / scale); aux = log y
(the time column for censored targets). The formulas, series and switches are those of
``gamma.py`` (a trigamma(a) - 1 by its asymptotic series above a = 20), except two: log Q(a, x)
up to a = 20 from its own series and continued fraction (``log_q``; ``gamma.py`` takes scipy's
gammaincc, as these kernels do above a = 20), and d log Q / d a up to a = 100 in closed form
(``log_q_terms``), above by ``gamma.py``'s Richardson-extrapolated central differences."""

from libc.math cimport INFINITY, exp, fabs, log, log1p
from scipy.special.cython_special cimport gammaincc, gammaln, psi

from ._special cimport digamma_trigamma, trigamma
from ._fast cimport (as_rows, leaf_factors, leaf_rows, mean_rows, natgrad_rows, no_aux,
                     weights_or_empty)

cdef double SIGNS[2]
SIGNS[0] = 1.0
SIGNS[1] = -1.0


cdef inline double a_trigamma_minus_one(double a) noexcept nogil:
    """a trigamma(a) - 1 as ``gamma._a_trigamma_minus_one``."""
    cdef double inv, inv2
    if a > 20:
        inv = 1.0 / a
        inv2 = inv * inv
        return inv * (0.5 + inv * (1.0 / 6 + inv2 * (-1.0 / 30 + inv2 * (1.0 / 42 + inv2 * (-1.0 / 30 + inv2 * 5.0 / 66)))))
    return a * trigamma(a) - 1.0


cdef inline double log_q_scipy(double a, double x) noexcept nogil:
    """log Q(a, x) as ``gamma._log_q``: scipy's gammaincc, and its asymptotic series where Q < 1e-280."""
    cdef double q = gammaincc(a, x), term = 1.0, total = 1.0
    cdef int j
    if not q < 1e-280:
        return log(q)
    for j in range(1, 9):
        term = term * (a - j) / x
        total = total + term
    return (a - 1) * log(x) - x - gammaln(a) + log(fabs(total))


cdef double SERIES_EPS = 1e-17
cdef double TINY = 1e-300
cdef double OWN_Q_A_MAX = 20.0  #: up to here log Q from its own series and fraction (``log_q``)
cdef double P_MAX = 0.9  #: the series gives log Q = log1p(-P) while P <= P_MAX (Q's relative error <= 9 P's)


cdef inline double series_sum(double a, double x, bint want_d, double* d_ratio) noexcept nogil:
    """S = sum_k t_k, t_0 = 1, t_k = t_(k-1) x / (a + k), of P(a, x) = x^a e^-x / Gamma(a + 1) S, for
    0 <= x < a + 1 (the terms fall from k = 1), two terms per division; with want_d also d_ratio =
    S' / S, S' = dS / da = sum_k t_k (-H_k), H_k = sum_(j<=k) 1 / (a + j)."""
    cdef double t = 1.0, t1, total = 1.0, dtotal = 0.0, harmonic = 0.0, u, r, x2 = x * x
    cdef int k
    for k in range(1, 4000, 2):
        u = a + k
        r = 1.0 / (u * (u + 1.0))
        t1 = t * x * (u + 1.0) * r
        t = t * x2 * r
        total += t1 + t
        if want_d:
            harmonic += (u + 1.0) * r
            dtotal -= t1 * harmonic
            harmonic += u * r
            dtotal -= t * harmonic
        if t < SERIES_EPS * total:  # (one stop with or without S': the same S, bit for bit)
            break
    if want_d:
        d_ratio[0] = dtotal / total
    return total


cdef inline double fraction(double a, double x, bint want_d, double* d_ratio) noexcept nogil:
    """h of Legendre's continued fraction Gamma(a, x) = x^a e^-x h for x >= a + 1, by the modified
    Lentz method; with want_d also d_ratio = h' / h, h' = dh / da, each quantity's a-derivative
    carried along."""
    cdef double b, c, dc, d, dd, h, dh, an, big_d, dbig_d, big_c, dbig_c, delta, ddelta
    cdef int k
    b = x + 1.0 - a
    c = 1.0 / TINY
    dc = 0.0
    d = 1.0 / b
    dd = d * d  # d(1 / b) / da with db / da = -1
    h = d
    dh = dd
    for k in range(1, 2000):
        an = -k * (k - a)
        b += 2.0
        big_d = an * d + b
        if fabs(big_d) < TINY:
            big_d = TINY
        big_c = b + an / c
        if fabs(big_c) < TINY:
            big_c = TINY
        if want_d:
            dbig_d = k * d + an * dd - 1.0
            dbig_c = -1.0 + (k * c - an * dc) / (c * c)
        d = 1.0 / big_d
        delta = d * big_c
        if want_d:
            dd = -dbig_d * d * d
            ddelta = dd * big_c + d * dbig_c
            dh = dh * delta + h * ddelta
            dc = dbig_c
        c = big_c
        h *= delta
        if fabs(delta - 1.0) < SERIES_EPS * 4:  # (one stop with or without h': the same h, bit for bit)
            break
    if want_d:
        d_ratio[0] = dh / h
    return h


cdef inline double log_q(double a, double x, double lx) noexcept nogil:
    """log Q(a, x) for x > 0, lx = log x. For a <= OWN_Q_A_MAX: below x = a + 1 log1p(-P), P by
    ``series_sum``, where P <= P_MAX; at and above a + 1 a log x - x - log Gamma(a) + log h, h by
    ``fraction`` (no underflow); elsewhere ``log_q_scipy`` (``gamma._log_q``)."""
    cdef double p
    if a <= OWN_Q_A_MAX:
        if x < a + 1.0:
            p = exp(a * lx - x - gammaln(a + 1.0)) * series_sum(a, x, False, NULL)
            if p <= P_MAX:
                return log1p(-p)
        else:
            return a * lx - x - gammaln(a) + log(fraction(a, x, False, NULL))
    return log_q_scipy(a, x)


cdef inline double log_row(const double* t, const double* e, const double* yr, const double* ar,
                           const double* par) noexcept nogil:
    """-log f(y) = -[(a - 1) log y - y / scale - a log scale - log Gamma(a)] (inf for y <= 0)."""
    cdef double a = e[0]
    if not yr[0] > 0.0:
        return INFINITY
    return -((a - 1) * ar[0] - yr[0] * e[1] - a * t[1] - gammaln(a))


cdef inline double psi_and_d(double a, double* d) noexcept nogil:
    """psi(a), and D = a trigamma(a) - 1 (``a_trigamma_minus_one``) into d; psi(a) and trigamma(a)
    from one recurrence up to a = 20."""
    cdef double pa, ta
    if a > 20:
        d[0] = a_trigamma_minus_one(a)
        return psi(a)
    pa = digamma_trigamma(a, &ta)
    d[0] = a * ta - 1.0
    return pa


cdef inline double event_grad(const double* t, const double* e, const double* yr, const double* ar,
                              double* g) noexcept nogil:
    """The gradient of -log f(y) into g; returns D = a trigamma(a) - 1."""
    cdef double a = e[0], d, pa = psi_and_d(e[0], &d)
    g[0] = a * (pa + t[1] - ar[0])
    g[1] = a - yr[0] * e[1]
    return d


cdef inline double log_ng_row(const double* t, const double* e, const double* yr, const double* ar,
                              const double* par, double* g, double* dg, bint want_diag) noexcept nogil:
    """Inverse of [[a^2 trigamma(a), a], [a, a]] times the gradient; diagonal (a (1 + D), a),
    D = a trigamma(a) - 1."""
    cdef double a = e[0], d, diff, g0, g1
    d = event_grad(t, e, yr, ar, g)
    g0 = g[0]
    g1 = g[1]
    if want_diag:
        dg[0] = a * (1.0 + d)
        dg[1] = a
        g[0] = g0 / dg[0]
        g[1] = g1 / a
    else:
        diff = (g0 - g1) / (a * d)
        g[0] = diff
        g[1] = g1 / a - diff
    return log_row(t, e, yr, ar, par)


cdef inline double cens_row(const double* t, const double* e, const double* yr, const double* ar,
                            const double* par) noexcept nogil:
    """Event: -log f(t); censored: -log Q(a, t / scale), log(t / scale) = log t - log scale (aux the
    log time); 0 for t <= 0 (Q(a, 0) = 1)."""
    if yr[1] > 0:
        return log_row(t, e, yr, ar, par)
    if not yr[0] > 0.0:
        return 0.0
    return -log_q(e[0], yr[0] * e[1], ar[0] - t[1])


cdef inline double central(double a, double x, double step) noexcept nogil:
    return (log_q_scipy(a + step, x) - log_q_scipy(a - step, x)) / (2 * step)


cdef double ANALYTIC_A_MAX = 100.0  #: above, d log Q / d a by differences (the series and fraction grow long)


cdef inline double log_q_terms(double a, double x, double lx, double psi_a, double* dlq,
                               double* ratio) noexcept nogil:
    """log Q(a, x) for x > 0, lx = log x (``log_q``'s value), with d log Q / d a into dlq and x^a e^-x /
    (Gamma(a) Q) into ratio; psi_a = psi(a). Up to a = ANALYTIC_A_MAX in closed form, from the
    series or fraction that ``log_q`` sums, differentiated in a: below x = a + 1, P = x^a e^-x /
    Gamma(a + 1) S and d log Q / d a = -P / Q (log x - psi(a + 1) + S' / S); above, Gamma(a, x) =
    x^a e^-x h and d log Q / d a = log x - psi(a) + h' / h. Above ANALYTIC_A_MAX ``gamma.py``'s
    Richardson-extrapolated central differences. Within ~5e-14 relative of mpmath's derivative below
    the switch (the tests)."""
    cdef double lq, log_pre, pre, total, d_ratio, p, q, psi_a1, step = 1e-3 * a
    if a > ANALYTIC_A_MAX:
        lq = log_q_scipy(a, x)
        dlq[0] = (4 * central(a, x, step / 2) - central(a, x, step)) / 3
        ratio[0] = exp(a * lx - x - gammaln(a) - lq)
        return lq
    if x < a + 1.0:
        log_pre = a * lx - x - gammaln(a + 1.0)  # log of x^a e^-x / Gamma(a + 1)
        pre = exp(log_pre)
        total = series_sum(a, x, True, &d_ratio)
        p = pre * total
        psi_a1 = psi_a + 1.0 / a if a >= 1.0 else psi(a + 1.0)  # (no cancellation from a = 1)
        if a <= OWN_Q_A_MAX and p <= P_MAX:
            q = 1.0 - p
            dlq[0] = -(p / q) * (lx - psi_a1 + d_ratio)
            ratio[0] = a * pre / q
            return log1p(-p)
        lq = log_q_scipy(a, x)
        dlq[0] = -exp(log_pre + log(total) - lq) * (lx - psi_a1 + d_ratio)
        ratio[0] = a * exp(log_pre - lq)
        return lq
    total = fraction(a, x, True, &d_ratio)
    dlq[0] = lx - psi_a + d_ratio
    ratio[0] = 1.0 / total
    if a <= OWN_Q_A_MAX:
        return a * lx - x - gammaln(a) + log(total)
    return log_q_scipy(a, x)


cdef inline double cens_ng_row(const double* t, const double* e, const double* yr, const double* ar,
                               const double* par, double* g, double* dg, bint want_diag) noexcept nogil:
    """Gradient (censored: -d log Q, as ``Gamma._d_logsf``) times the inverse Fisher information
    (the generic 2x2 solve); diagonal (a (1 + D), a)."""
    cdef double a = e[0], lq = 0.0, m00, det, g0, g1, d, pa, dlq, ratio
    cdef bint event = yr[1] > 0
    if event:
        d = event_grad(t, e, yr, ar, g)
    else:
        pa = psi_and_d(a, &d)
        g[0] = 0.0  # t <= 0: Q(a, 0) = 1 for every a
        g[1] = 0.0
        if yr[0] > 0.0:
            lq = log_q_terms(a, yr[0] * e[1], ar[0] - t[1], pa, &dlq, &ratio)
            g[0] = -(a * dlq)
            g[1] = -ratio
    g0 = g[0]
    g1 = g[1]
    m00 = a * (1.0 + d)
    if want_diag:
        dg[0] = m00
        dg[1] = a
        g[0] = g0 / m00
        g[1] = g1 / a
    else:
        det = m00 * a - a * a
        g[0] = (a * g0 - a * g1) / det
        g[1] = (m00 * g1 - a * g0) / det
    return log_row(t, e, yr, ar, par) if event else -lq  # (cens_row's value, bit for bit)


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


def censored_score_mean(theta, step, double s, y, w, bint has_w, lo, hi, aux, Py_ssize_t start, Py_ssize_t stop):
    return mean_rows(theta, step, s, as_rows(y), weights_or_empty(w, has_w), has_w, lo, hi, as_rows(aux), True,
                     SIGNS, NULL, cens_row, start, stop)


def censored_natural_gradient(theta, y, w, bint has_w, lo, hi, aux, out, diag, bint want_diag, ex, bint ex_given,
                         Py_ssize_t start, Py_ssize_t stop):
    return natgrad_rows(theta, as_rows(y), weights_or_empty(w, has_w), has_w, lo, hi, as_rows(aux), True, out, diag,
                        want_diag, ex, ex_given, SIGNS, NULL, cens_ng_row, start, stop)


def censored_score_leaves(theta, ex, leaves, vals, double s, y, w, bint has_w, lo, hi, aux, Py_ssize_t start,
                     Py_ssize_t stop):
    return leaf_rows(theta, ex, leaves, vals, leaf_factors(vals, s, SIGNS), s, as_rows(y),
                     weights_or_empty(w, has_w), has_w, lo, hi, as_rows(aux), True, SIGNS, NULL, cens_row, start, stop)


def log_q_rows(const double[::1] a, const double[::1] x):
    """(4, m) for the tests, x > 0: the kernels' log Q(a, x) (``log_q``: the score pass), and
    ``log_q_terms``' d log Q / d a, x^a e^-x / (Gamma(a) Q) and log Q (the natural-gradient pass)."""
    import numpy
    out = numpy.empty((4, a.shape[0]))
    cdef double[:, ::1] o = out
    cdef double dlq, ratio
    cdef Py_ssize_t i
    for i in range(a.shape[0]):
        o[0, i] = log_q(a[i], x[i], log(x[i]))
        o[3, i] = log_q_terms(a[i], x[i], log(x[i]), psi(a[i]), &dlq, &ratio)
        o[1, i] = dlq
        o[2, i] = ratio
    return out
