"""Compiled kernels of the Student t log score with learned df (contract: ``fast.py``; row drivers:
``_fast.pxd``). Internal (loc, log scale, d = log(df / (1 + df))); row factor e[1] = 1 / scale. The
series (df > 50) and formulas are those of ``studentt.py``."""

import math

from libc.math cimport exp, expm1, log, log1p, pow
from scipy.special.cython_special cimport gammaln, psi

from ._special cimport digamma_trigamma
from ._fast cimport (as_rows, clip, leaf_factors, leaf_rows, mean_rows, natgrad_rows, no_aux,
                     weights_or_empty)

cdef double PI = math.pi
cdef double LARGE_DF = 50.0
cdef double* J_SERIES = [3.5, -13.0, 39.5, -119.0, 363.5, -1101.0, 3279.5, -9763.0, 29523.5, -89609.0, 265719.5,
                         -778047.0]
cdef double* B_SERIES = [-0.5, 0.25, -0.5, 2.125, -15.5, 172.75]
cdef double SIGNS[3]
SIGNS[0] = 0.0
SIGNS[1] = -1.0
SIGNS[2] = 0.0


cdef inline double df_fisher(double nu, double t_half, double t_half1) noexcept nogil:
    """I_nu,nu as ``studentt._df_fisher``; t_half, t_half1 = trigamma(nu / 2), trigamma((nu + 1) / 2)."""
    cdef double inv, series = 0.0
    cdef int j
    if nu > LARGE_DF:
        inv = 1.0 / nu
        for j in range(11, -1, -1):
            series = series * inv + J_SERIES[j]
        return series * pow(inv, 4.0)
    return 0.25 * (t_half - t_half1) - (nu + 5) / (2 * nu * (nu + 1) * (nu + 3))


cdef inline double digamma_gap(double nu, double p_half, double p_half1) noexcept nogil:
    """digamma(nu/2) - digamma((nu+1)/2) + 1/nu as ``studentt._digamma_gap``; p_half, p_half1 =
    digamma(nu / 2), digamma((nu + 1) / 2)."""
    cdef double inv2, series = 0.0
    cdef int j
    if nu > LARGE_DF:
        inv2 = 1.0 / (nu * nu)
        for j in range(5, -1, -1):
            series = series * inv2 + B_SERIES[j]
        return series * inv2
    return p_half - p_half1 + 1.0 / nu


cdef inline double log1p_minus_frac(double r) noexcept nogil:
    """log(1 + r) - r / (1 + r) as ``studentt._log1p_minus_frac``."""
    if r < 1e-3:
        return r * r * (0.5 + r * (-2.0 / 3 + r * (3.0 / 4 + r * (-4.0 / 5 + r * (5.0 / 6)))))
    return log1p(r) - r / (1 + r)


cdef inline double log_row(const double* t, const double* e, const double* yr, const double* ar,
                           const double* par) noexcept nogil:
    """-log f(y) of t(df, loc, scale), df = 1 / expm1(-d)."""
    cdef double nu = 1.0 / expm1(-t[2]), z = (yr[0] - t[0]) * e[1]
    return -(gammaln(0.5 * (nu + 1)) - gammaln(0.5 * nu) - 0.5 * log(nu * PI) - t[1]
             - 0.5 * (nu + 1) * log1p(z * z / nu))


cdef inline double log_ng_row(const double* t, const double* e, const double* yr, const double* ar,
                              const double* par, double* g, double* dg, bint want_diag) noexcept nogil:
    """loc decoupled, the 2x2 inverse for (log scale, d); diagonal (i_loc, i_ss, i_dd)."""
    cdef double nu = 1.0 / expm1(-t[2]), z = (yr[0] - t[0]) * e[1], zz, r, g0, g1, g2, scale = 1.0 / e[1]
    cdef double i_loc, i_ss, i_sd, i_dd, det, p_half = 0.0, p_half1 = 0.0, t_half = 0.0, t_half1 = 0.0
    if nu <= LARGE_DF:  # the direct differences (above, the series need neither)
        p_half = digamma_trigamma(0.5 * nu, &t_half)
        p_half1 = digamma_trigamma(0.5 * (nu + 1), &t_half1)
    zz = z * z
    g0 = -(nu + 1) * (z / (nu + zz)) * e[1]
    g1 = 1.0 - (nu + 1) * (zz / (nu + zz))
    r = zz / nu
    g2 = 0.5 * nu * (1 + nu) * (digamma_gap(nu, p_half, p_half1) + log1p_minus_frac(r) - (r / (1 + r)) / nu)
    i_loc = (nu + 1) / ((nu + 3) * (scale * scale))
    i_ss = 2 * nu / (nu + 3)
    i_sd = -i_ss
    i_dd = (nu * (1 + nu)) * (nu * (1 + nu)) * df_fisher(nu, t_half, t_half1)
    if want_diag:
        dg[0] = i_loc
        dg[1] = i_ss
        dg[2] = i_dd
        g[0] = g0 / i_loc
        g[1] = g1 / i_ss
        g[2] = g2 / i_dd
    else:
        det = i_ss * i_dd - i_sd * i_sd
        g[0] = g0 / i_loc
        g[1] = (i_dd * g1 - i_sd * g2) / det
        g[2] = (i_ss * g2 - i_sd * g1) / det
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


def marginal_objective(const double[::1] theta, const double[::1] y, const double[::1] w, const double[::1] lo,
                       const double[::1] hi, double fixed_df):
    """(sum_i w_i score_i, sum_i w_i d_score_i (k,)) of the t law with the one internal parameter row
    ``theta`` (k,) (clipped to [lo, hi]) for every target y (n,): the objective of
    ``studentt._weighted_fit`` with the per-row formulas of ``StudentT`` / ``TFixedDf`` and the
    df-only terms computed once. ``fixed_df`` > 0: ``TFixedDf`` (k = 2, that df), else ``StudentT``
    (k = 3)."""
    import numpy
    cdef Py_ssize_t i, k = theta.shape[0]
    cdef double loc = clip(theta[0], lo[0], hi[0]), log_scale = clip(theta[1], lo[1], hi[1])
    cdef double nu, scale = exp(log_scale), const, gap, z, zz, r, wi, value = 0.0, g0 = 0.0, g1 = 0.0, g2 = 0.0
    nu = fixed_df if fixed_df > 0 else 1.0 / expm1(-clip(theta[2], lo[2], hi[2]))
    const = gammaln(0.5 * (nu + 1)) - gammaln(0.5 * nu) - 0.5 * log(nu * PI)
    gap = digamma_gap(nu, psi(0.5 * nu), psi(0.5 * (nu + 1)))
    with nogil:
        for i in range(y.shape[0]):
            z = (y[i] - loc) / scale
            zz = z * z
            wi = w[i]
            value += wi * -(const - log_scale - 0.5 * (nu + 1) * log1p(z * z / nu))
            g0 += wi * (-(nu + 1) * (z / (nu + zz)) / scale)
            g1 += wi * (1.0 - (nu + 1) * (zz / (nu + zz)))
            if k == 3:
                r = zz / nu
                g2 += wi * (0.5 * nu * (1 + nu) * (gap + log1p_minus_frac(r) - (r / (1 + r)) / nu))
    grad = numpy.array([g0, g1, g2][:k])
    return value, grad
