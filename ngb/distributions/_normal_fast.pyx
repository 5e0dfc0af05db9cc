"""Compiled kernels of the Normal log score (contract: ``fast.py``). Internal (loc, log scale);
row factor ex[:, 1] = 1 / scale."""

import math

import numpy as np

from libc.math cimport exp

from ._fast cimport clip, inside

cdef double LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)


cdef inline double nll(double log_scale, double z) noexcept nogil:
    """-log density of N(loc, scale) at y with z = (y - loc) / scale."""
    return LOG_SQRT_2PI + log_scale + 0.5 * z * z


def log_score_mean(const double[:, ::1] theta, const double[:, ::1] step, double s, const double[::1] y, const double[::1] w,
                   bint has_w, const double[::1] lo, const double[::1] hi, const double[::1] aux, Py_ssize_t start, Py_ssize_t stop):
    cdef Py_ssize_t i
    cdef double total = 0.0, wsum = 0.0, loc, log_scale, z, wi
    with nogil:
        for i in range(start, stop):
            loc = clip(theta[i, 0] - s * step[i, 0], lo[0], hi[0])
            log_scale = clip(theta[i, 1] - s * step[i, 1], lo[1], hi[1])
            z = (y[i] - loc) / exp(log_scale)
            wi = w[i] if has_w else 1.0
            total += wi * nll(log_scale, z)
            wsum += wi
    return total, wsum


def log_natural_gradient(const double[:, ::1] theta, const double[::1] y, const double[::1] w, bint has_w,
                         const double[:] lo, const double[:] hi, const double[:] aux, double[::1, :] out,
                         double[::1, :] diag, bint want_diag, double[:, ::1] ex, bint ex_given, Py_ssize_t start, Py_ssize_t stop):
    """Natural gradient (loc - y, (1 - z^2) / 2) into ``out`` (Fisher diagonal (1 / scale^2, 2) into
    ``diag`` when ``want_diag``); returns the weighted score sum and weight sum."""
    cdef Py_ssize_t i
    cdef double total = 0.0, wsum = 0.0, loc, log_scale, resid, inv_scale, z, wi
    cdef bint write_ex = ex.shape[0] > 0 and not ex_given
    with nogil:
        for i in range(start, stop):
            loc = clip(theta[i, 0], lo[0], hi[0])
            log_scale = clip(theta[i, 1], lo[1], hi[1])
            resid = y[i] - loc
            inv_scale = ex[i, 1] if ex_given else exp(-log_scale)
            z = resid * inv_scale
            out[i, 0] = -resid
            out[i, 1] = 0.5 * (1.0 - z * z)
            if write_ex:
                ex[i, 1] = inv_scale
            if want_diag:
                diag[i, 0] = inv_scale * inv_scale
                diag[i, 1] = 2.0
            wi = w[i] if has_w else 1.0
            total += wi * nll(log_scale, z)
            wsum += wi
    return total, wsum


def log_score_leaves(const double[:, ::1] theta, const double[:, ::1] ex, const int[:, ::1] leaves, const double[:, ::1] vals,
                     double s, const double[::1] y, const double[::1] w, bint has_w, const double[::1] lo,
                     const double[::1] hi, const double[::1] aux, Py_ssize_t start, Py_ssize_t stop):
    """Mean score along a leaf-structured step; 1 / scale is ex[i, 1] * exp(s * v) while log scale
    stays inside its bounds."""
    cdef Py_ssize_t i, l0, l1, l
    cdef double total = 0.0, wsum = 0.0, loc, t1, log_scale, inv_scale, z, wi
    cdef double[::1] fac = np.empty(vals.shape[1])
    for l in range(vals.shape[1]):
        fac[l] = exp(s * vals[1, l])
    with nogil:
        for i in range(start, stop):
            l0 = leaves[0, i]
            l1 = leaves[1, i]
            loc = clip(theta[i, 0] - s * vals[0, l0], lo[0], hi[0])
            t1 = theta[i, 1]
            log_scale = t1 - s * vals[1, l1]
            if inside(t1, lo[1], hi[1]) and inside(log_scale, lo[1], hi[1]):
                inv_scale = ex[i, 1] * fac[l1]
            else:
                log_scale = clip(log_scale, lo[1], hi[1])
                inv_scale = exp(-log_scale)
            z = (y[i] - loc) * inv_scale
            wi = w[i] if has_w else 1.0
            total += wi * nll(log_scale, z)
            wsum += wi
    return total, wsum

