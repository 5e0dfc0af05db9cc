"""Compiled kernels of the Poisson log score (contract: ``fast.py``). Internal log mu; aux = log(y!);
row factor ex[:, 0] = mu."""

import numpy as np

from libc.math cimport exp

from ._fast cimport clip, inside


cdef inline double nll(double mu, double log_mu, double y, double log_y_factorial) noexcept nogil:
    return mu - y * log_mu + log_y_factorial


def log_score_mean(const double[:, ::1] theta, const double[:, ::1] step, double s, const double[::1] y, const double[::1] w,
                   bint has_w, const double[::1] lo, const double[::1] hi, const double[::1] aux, Py_ssize_t start, Py_ssize_t stop):
    cdef Py_ssize_t i
    cdef double total = 0.0, wsum = 0.0, log_mu, wi
    with nogil:
        for i in range(start, stop):
            log_mu = clip(theta[i, 0] - s * step[i, 0], lo[0], hi[0])
            wi = w[i] if has_w else 1.0
            total += wi * nll(exp(log_mu), log_mu, y[i], aux[i])
            wsum += wi
    return total, wsum


def log_natural_gradient(const double[:, ::1] theta, const double[::1] y, const double[::1] w, bint has_w,
                         const double[:] lo, const double[:] hi, const double[:] aux, double[::1, :] out,
                         double[::1, :] diag, bint want_diag, double[:, ::1] ex, bint ex_given, Py_ssize_t start, Py_ssize_t stop):
    """Natural gradient 1 - y / mu into ``out`` (Fisher mu into ``diag`` when ``want_diag``);
    returns the weighted score sum and weight sum."""
    cdef Py_ssize_t i
    cdef double total = 0.0, wsum = 0.0, log_mu, mu, wi
    cdef bint write_ex = ex.shape[0] > 0 and not ex_given
    with nogil:
        for i in range(start, stop):
            log_mu = clip(theta[i, 0], lo[0], hi[0])
            mu = ex[i, 0] if ex_given else exp(log_mu)
            out[i, 0] = 1.0 - y[i] / mu
            if write_ex:
                ex[i, 0] = mu
            if want_diag:
                diag[i, 0] = mu
            wi = w[i] if has_w else 1.0
            total += wi * nll(mu, log_mu, y[i], aux[i])
            wsum += wi
    return total, wsum


def log_score_leaves(const double[:, ::1] theta, const double[:, ::1] ex, const int[:, ::1] leaves, const double[:, ::1] vals,
                     double s, const double[::1] y, const double[::1] w, bint has_w, const double[::1] lo,
                     const double[::1] hi, const double[::1] aux, Py_ssize_t start, Py_ssize_t stop):
    """Mean score along a leaf-structured step; mu is ex[i, 0] * exp(-s * v) while log mu stays
    inside its bounds."""
    cdef Py_ssize_t i, l0, l
    cdef double total = 0.0, wsum = 0.0, t0, log_mu, mu, wi
    cdef double[::1] fac = np.empty(vals.shape[1])
    for l in range(vals.shape[1]):
        fac[l] = exp(-s * vals[0, l])
    with nogil:
        for i in range(start, stop):
            l0 = leaves[0, i]
            t0 = theta[i, 0]
            log_mu = t0 - s * vals[0, l0]
            if inside(t0, lo[0], hi[0]) and inside(log_mu, lo[0], hi[0]):
                mu = ex[i, 0] * fac[l0]
            else:
                log_mu = clip(log_mu, lo[0], hi[0])
                mu = exp(log_mu)
            wi = w[i] if has_w else 1.0
            total += wi * nll(mu, log_mu, y[i], aux[i])
            wsum += wi
    return total, wsum
