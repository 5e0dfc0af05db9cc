# Inline helpers shared by the families' compiled score kernels (see fast.py).

cdef inline double clip(double v, double lo, double hi) noexcept nogil:
    """v clipped to [lo, hi] (NaN stays NaN)."""
    if v < lo:
        return lo
    if v > hi:
        return hi
    return v


cdef inline bint inside(double v, double lo, double hi) noexcept nogil:
    return lo <= v <= hi


# ---------------------------------------------------------------------------------------------
# Row drivers: a family writes its per-row score and natural gradient as two nogil functions of
# (t (k,) the clipped internal parameters, e (k,) the row factors exp(a_j t_j) where a_j != 0,
# yr the row of y (1 value; censored targets: time, event), ar the row of aux (or NULL), par the
# kernel's constants (or NULL)); the drivers below run them over rows start:stop as the kernel
# contract of fast.py says, with the GIL released around the loop. A natural-gradient row function writes the natural gradient into g, or
# with want_diag d_score / metric diagonal into g and the diagonal into dg, and returns the row's
# score, which must be the family's score function's value at the same (t, e) bit for bit (the
# leaf kernel at s = 0 then equals the natural-gradient pass exactly).

from libc.math cimport exp as _exp

cdef enum:
    MAX_K = 4

ctypedef double (*row_score_f)(const double* t, const double* e, const double* yr, const double* ar,
                               const double* par) noexcept nogil
ctypedef double (*row_natgrad_f)(const double* t, const double* e, const double* yr, const double* ar,
                                 const double* par, double* g, double* dg, bint want_diag) noexcept nogil


cdef inline (double, double) mean_rows(const double[:, ::1] theta, const double[:, ::1] step, double s,
                                      const double[:, ::1] y, const double[::1] w, bint has_w,
                                      const double[::1] lo, const double[::1] hi, const double[:, ::1] aux,
                                      bint has_aux, const double* signs, const double* par, row_score_f f,
                                      Py_ssize_t start, Py_ssize_t stop) noexcept:
    """(weighted score sum, weight sum) of rows start:stop at clip(theta - s * step)."""
    cdef Py_ssize_t i, j
    cdef Py_ssize_t k = theta.shape[1]
    cdef double t[MAX_K]
    cdef double e[MAX_K]
    cdef double total = 0.0, wsum = 0.0, wi
    with nogil:  # (the chunks on the pool's threads then run at the same time)
        for i in range(start, stop):
            for j in range(k):
                t[j] = clip(theta[i, j] - s * step[i, j], lo[j], hi[j])
                if signs[j] != 0.0:
                    e[j] = _exp(signs[j] * t[j])
            wi = w[i] if has_w else 1.0
            total += wi * f(t, e, &y[i, 0], &aux[i, 0] if has_aux else NULL, par)
            wsum += wi
    return total, wsum


cdef inline (double, double) natgrad_rows(const double[:, ::1] theta, const double[:, ::1] y, const double[::1] w,
                                         bint has_w, const double[::1] lo, const double[::1] hi,
                                         const double[:, ::1] aux, bint has_aux, double[::1, :] out,
                                         double[::1, :] diag, bint want_diag, double[:, ::1] ex, bint ex_given,
                                         const double* signs, const double* par, row_natgrad_f f,
                                         Py_ssize_t start, Py_ssize_t stop) noexcept:
    """Natural gradient (or d_score / diagonal and the diagonal) of rows start:stop at clip(theta)
    into out (and diag); the row factors into ex (read instead when ex_given). Returns the weighted
    score sum and weight sum."""
    cdef Py_ssize_t i, j
    cdef Py_ssize_t k = theta.shape[1]
    cdef double t[MAX_K]
    cdef double e[MAX_K]
    cdef double g[MAX_K]
    cdef double dg[MAX_K]
    cdef double total = 0.0, wsum = 0.0, wi
    cdef bint write_ex = ex.shape[0] > 0 and not ex_given
    with nogil:  # (the chunks on the pool's threads then run at the same time)
        for i in range(start, stop):
            for j in range(k):
                t[j] = clip(theta[i, j], lo[j], hi[j])
                if signs[j] != 0.0:
                    e[j] = ex[i, j] if ex_given else _exp(signs[j] * t[j])
                    if write_ex:
                        ex[i, j] = e[j]
            wi = w[i] if has_w else 1.0
            total += wi * f(t, e, &y[i, 0], &aux[i, 0] if has_aux else NULL, par, g, dg, want_diag)
            wsum += wi
            for j in range(k):
                out[i, j] = g[j]
            if want_diag:
                for j in range(k):
                    diag[i, j] = dg[j]
    return total, wsum


cdef inline (double, double) leaf_rows(const double[:, ::1] theta, const double[:, ::1] ex, const int[:, ::1] leaves,
                                      const double[:, ::1] vals, const double[:, ::1] fac, double s,
                                      const double[:, ::1] y, const double[::1] w, bint has_w,
                                      const double[::1] lo, const double[::1] hi, const double[:, ::1] aux,
                                      bint has_aux, const double* signs, const double* par, row_score_f f,
                                      Py_ssize_t start, Py_ssize_t stop) noexcept:
    """Weighted score sum and weight sum of rows start:stop at clip(theta - s * vals[j, leaves[j, i]]),
    the row factors as ex * fac[j, leaf] (fac = exp(-a_j s vals)) while the parameter stays inside
    its bounds, else exactly."""
    cdef Py_ssize_t i, j, l
    cdef Py_ssize_t k = theta.shape[1]
    cdef double t[MAX_K]
    cdef double e[MAX_K]
    cdef double total = 0.0, wsum = 0.0, wi, old, new
    with nogil:  # (the chunks on the pool's threads then run at the same time)
        for i in range(start, stop):
            for j in range(k):
                l = leaves[j, i]
                old = theta[i, j]
                new = old - s * vals[j, l]
                if signs[j] != 0.0 and inside(old, lo[j], hi[j]) and inside(new, lo[j], hi[j]):
                    t[j] = new
                    e[j] = ex[i, j] * fac[j, l]
                else:
                    t[j] = clip(new, lo[j], hi[j])
                    if signs[j] != 0.0:
                        e[j] = _exp(signs[j] * t[j])
            wi = w[i] if has_w else 1.0
            total += wi * f(t, e, &y[i, 0], &aux[i, 0] if has_aux else NULL, par)
            wsum += wi
    return total, wsum


# Argument preparation for the def wrappers around the drivers (with the GIL, once per chunk).

cdef inline object as_rows(object a):
    """``a`` (n,) or (n, m) as an (n, m) C-ordered float64 array (a view when it is one already)."""
    import numpy
    a = numpy.ascontiguousarray(a, dtype=float)
    return a.reshape(a.shape[0], -1)


cdef inline object weights_or_empty(object w, bint has_w):
    """The weights (n,), or an empty array when absent (``w`` then stands in and is not read)."""
    import numpy
    return numpy.ascontiguousarray(w, dtype=float) if has_w else numpy.empty(0)


cdef inline object no_aux():
    import numpy
    return numpy.zeros((1, 1))


cdef inline object leaf_factors(const double[:, ::1] vals, double s, const double* signs):
    """(k, L) factors exp(-a_j s vals[j, l]) (1 where a_j = 0)."""
    import numpy
    cdef Py_ssize_t j, l
    fac = numpy.ones((vals.shape[0], vals.shape[1]))
    cdef double[:, ::1] f = fac
    for j in range(vals.shape[0]):
        if signs[j] != 0.0:
            for l in range(vals.shape[1]):
                f[j, l] = _exp(-signs[j] * s * vals[j, l])
    return fac
