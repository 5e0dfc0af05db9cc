"""Compiled kernels of the Student t log score with learned df (contract: ``fast.py``; row drivers:
``_fast.pxd``). Internal (loc, log scale, d = log(df / (1 + df))); row factor e[1] = 1 / scale. The
formulas are those of ``studentt.py``; the df-only terms (the log density's constant, the digamma
gap of the d-gradient and the metric's d entry) come from the table of ``_t_df_table`` (relative
error below 1e-13) for d in [D_LO, 0], the family's df range, and from ``studentt.py``'s formulas
and series (df > 50) outside it."""

import math

from libc.math cimport exp, expm1, log, log1p, pow
from scipy.special.cython_special cimport gammaln, psi

from ._special cimport digamma_trigamma
from ._fast cimport (as_rows, clip, leaf_factors, leaf_rows, mean_rows, natgrad_rows, no_aux,
                     weights_or_empty)
from ._t_df_table import D_LO as _D_LO

cdef double PI = math.pi
cdef double LARGE_DF = 50.0
cdef double* J_SERIES = [3.5, -13.0, 39.5, -119.0, 363.5, -1101.0, 3279.5, -9763.0, 29523.5, -89609.0, 265719.5,
                         -778047.0]
cdef double* B_SERIES = [-0.5, 0.25, -0.5, 2.125, -15.5, 172.75]
cdef double* LOG_GAMMA_RATIO = [-1.0 / 8, 0.0, 1.0 / 192, 0.0, -1.0 / 640, 0.0, 17.0 / 14336, 0.0, -31.0 / 18432, 0.0,
                                691.0 / 180224, 0.0, -5461.0 / 425984]
cdef double SIGNS[3]
SIGNS[0] = 0.0
SIGNS[1] = -1.0
SIGNS[2] = 0.0

cdef enum:
    DF_CELLS = 64
    DF_DEGREE = 8
#: (cells, degree) of the df terms' table (``_t_df_table.df_table_coefficients``)
DF_TABLE_LAYOUT = (DF_CELLS, DF_DEGREE)
cdef double D_LO = _D_LO
cdef double CELLS_PER_D = DF_CELLS / -_D_LO
cdef const double* DF_TABLE = NULL
_df_table_array = None  # the array that owns DF_TABLE's coefficients


cdef const double* df_table() except NULL:
    """The df terms' table (built on first use): each cell's Chebyshev coefficients
    (``_t_df_table``) as the coefficients of the same polynomial in powers of the local coordinate
    x in [-1, 1], which ``estrin`` sums with a shorter chain of dependent operations than Clenshaw's
    recurrence (the powers' coefficients are at most a few times the Chebyshev ones here, so the
    sums keep their digits: the tests hold the table to 1e-13)."""
    global DF_TABLE, _df_table_array
    cdef const double[::1] flat
    if DF_TABLE == NULL:
        import numpy
        from numpy.polynomial import chebyshev
        from ._t_df_table import df_table_coefficients
        to_powers = numpy.zeros((DF_DEGREE + 1, DF_DEGREE + 1))  # column j: T_j's power coefficients
        for j in range(DF_DEGREE + 1):
            to_powers[:j + 1, j] = chebyshev.cheb2poly(numpy.eye(DF_DEGREE + 1)[j])
        _df_table_array = numpy.ascontiguousarray(df_table_coefficients(DF_TABLE_LAYOUT) @ to_powers.T)
        flat = _df_table_array.reshape(-1)
        DF_TABLE = &flat[0]
    return DF_TABLE


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


cdef inline bint table_cell(double d, const double* table, const double** cell, double* x) noexcept nogil:
    """The table cell of d (first function's coefficients) and d's local coordinate x in [-1, 1];
    False outside [D_LO, 0]."""
    cdef double pos = (d - D_LO) * CELLS_PER_D
    cdef int i
    if not (pos >= 0.0 and pos <= DF_CELLS):
        return False
    i = <int>pos
    if i == DF_CELLS:
        i -= 1
    cell[0] = table + i * (DF_DEGREE + 1)
    x[0] = 2.0 * (pos - i) - 1.0
    return True


cdef inline double estrin(const double* c, double x) noexcept nogil:
    """sum_j c[j] x^j, j <= DF_DEGREE = 8, by Estrin's scheme (pairs, then x^2, x^4, x^8)."""
    cdef double x2 = x * x, x4, p01, p23, p45, p67
    x4 = x2 * x2
    p01 = c[0] + c[1] * x
    p23 = c[2] + c[3] * x
    p45 = c[4] + c[5] * x
    p67 = c[6] + c[7] * x
    return (p01 + x2 * p23) + x4 * ((p45 + x2 * p67) + x4 * c[8])


cdef inline double log_constant(double nu) noexcept nogil:
    """log Gamma((nu + 1) / 2) - log Gamma(nu / 2) - log(nu pi) / 2 as ``studentt._log_constant``
    (above df 50 its series)."""
    cdef double x_inv, ratio = 0.0
    cdef int j
    if nu > LARGE_DF:
        x_inv = 2.0 / nu
        for j in range(12, -1, -1):
            ratio = (ratio + LOG_GAMMA_RATIO[j]) * x_inv
        return ratio - 0.5 * log(2 * PI)
    return gammaln(0.5 * (nu + 1)) - gammaln(0.5 * nu) - 0.5 * log(nu * PI)


cdef inline double df_constant(double d, double nu, const double* table) noexcept nogil:
    """The log density's df-only constant at d (nu = df): the table's, or by definition outside it."""
    cdef const double* cell
    cdef double x
    if table_cell(d, table, &cell, &x):
        return estrin(cell, x)
    return log_constant(nu)


cdef inline void df_terms(double d, double nu, const double* table, double* out) noexcept nogil:
    """out = (constant, nu (1 + nu) digamma gap, nu^2 (1 + nu)^2 I_nu,nu) at d (nu = df): the
    table's, or by ``studentt.py``'s formulas outside it."""
    cdef const double* cell
    cdef double x, p_half = 0.0, p_half1 = 0.0, t_half = 0.0, t_half1 = 0.0, b
    if table_cell(d, table, &cell, &x):
        out[0] = estrin(cell, x)
        out[1] = estrin(cell + DF_CELLS * (DF_DEGREE + 1), x)
        out[2] = estrin(cell + 2 * DF_CELLS * (DF_DEGREE + 1), x)
        return
    if nu <= LARGE_DF:  # the direct differences (above, the series need neither)
        p_half = digamma_trigamma(0.5 * nu, &t_half)
        p_half1 = digamma_trigamma(0.5 * (nu + 1), &t_half1)
    b = nu * (1 + nu)
    out[0] = log_constant(nu)
    out[1] = b * digamma_gap(nu, p_half, p_half1)
    out[2] = b * b * df_fisher(nu, t_half, t_half1)


def df_terms_rows(const double[::1] d):
    """(3, m) the df-only terms (constant, nu (1 + nu) digamma gap, nu^2 (1 + nu)^2 I_nu,nu) as the
    kernels compute them at internal df coordinates d (m,)."""
    import numpy
    out = numpy.empty((3, d.shape[0]))
    cdef double[:, ::1] o = out
    cdef double terms[3]
    cdef Py_ssize_t i
    cdef const double* table = df_table()
    with nogil:
        for i in range(d.shape[0]):
            df_terms(d[i], 1.0 / expm1(-d[i]), table, terms)
            o[0, i] = terms[0]
            o[1, i] = terms[1]
            o[2, i] = terms[2]
    return out


cdef inline double log_row(const double* t, const double* e, const double* yr, const double* ar,
                           const double* par) noexcept nogil:
    """-log f(y) of t(df, loc, scale), df = 1 / expm1(-d); par: the df table."""
    cdef double inv = expm1(-t[2]), nu = 1.0 / inv, z = (yr[0] - t[0]) * e[1]
    return -(df_constant(t[2], nu, par) - t[1] - 0.5 * (nu + 1) * log1p(z * z * inv))


cdef inline double log_ng_row(const double* t, const double* e, const double* yr, const double* ar,
                              const double* par, double* g, double* dg, bint want_diag) noexcept nogil:
    """loc decoupled, the 2x2 inverse for (log scale, d); diagonal (i_loc, i_ss, i_dd); par: the df table."""
    cdef double inv = expm1(-t[2]), nu = 1.0 / inv, z = (yr[0] - t[0]) * e[1], zz, r, q, frac, log_r, g1, g2
    cdef double i_ss, i_dd, scale = 1.0 / e[1], cross
    cdef double terms[3]
    df_terms(t[2], nu, par, terms)
    zz = z * z
    q = 1.0 / (nu + zz)
    g1 = 1.0 - (nu + 1) * zz * q
    r = zz * inv
    frac = zz * q  # r / (1 + r)
    log_r = log1p(r)
    # log(1 + r) - r / (1 + r) (its series below r = 1e-3, as log1p_minus_frac)
    g2 = 0.5 * terms[1] + 0.5 * nu * (1 + nu) * ((log1p_minus_frac(r) if r < 1e-3 else log_r - frac) - frac * inv)
    i_ss = 2 * nu / (nu + 3)
    i_dd = terms[2]
    g[0] = -(nu + 3) * z * scale * q  # the loc gradient -(nu + 1) z q / scale over its entry
    if want_diag:
        dg[0] = (nu + 1) / ((nu + 3) * (scale * scale))
        dg[1] = i_ss
        dg[2] = i_dd
        g[1] = g1 / i_ss
        g[2] = g2 / i_dd
    else:  # the inverse of [[i_ss, -i_ss], [-i_ss, i_dd]]
        cross = 1.0 / (i_dd - i_ss)
        g[1] = (i_dd * g1 * (0.5 * (nu + 3) * inv) + g2) * cross
        g[2] = (g1 + g2) * cross
    return -(terms[0] - t[1] - 0.5 * (nu + 1) * log_r)


def log_score_mean(theta, step, double s, y, w, bint has_w, lo, hi, aux, Py_ssize_t start, Py_ssize_t stop):
    return mean_rows(theta, step, s, as_rows(y), weights_or_empty(w, has_w), has_w, lo, hi, no_aux(), False,
                     SIGNS, df_table(), log_row, start, stop)


def log_natural_gradient(theta, y, w, bint has_w, lo, hi, aux, out, diag, bint want_diag, ex, bint ex_given,
                         Py_ssize_t start, Py_ssize_t stop):
    return natgrad_rows(theta, as_rows(y), weights_or_empty(w, has_w), has_w, lo, hi, no_aux(), False, out, diag,
                        want_diag, ex, ex_given, SIGNS, df_table(), log_ng_row, start, stop)


def log_score_leaves(theta, ex, leaves, vals, double s, y, w, bint has_w, lo, hi, aux, Py_ssize_t start,
                     Py_ssize_t stop):
    return leaf_rows(theta, ex, leaves, vals, leaf_factors(vals, s, SIGNS), s, as_rows(y),
                     weights_or_empty(w, has_w), has_w, lo, hi, no_aux(), False, SIGNS, df_table(), log_row, start, stop)


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
    const = log_constant(nu)
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
