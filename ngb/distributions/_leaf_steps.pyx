"""The parameter update of a leaf-structured step (contract: ``fast.py``)."""

import numpy as np

from libc.math cimport exp

from ._fast cimport clip, inside


def subtract_leaf_steps(double[:, ::1] theta, double[:, ::1] ex, const int[:, ::1] leaves, const double[:, ::1] vals,
                        double c, const double[::1] signs, const double[::1] lo, const double[::1] hi,
                        Py_ssize_t start, Py_ssize_t stop):
    """For rows start:stop: theta[i, j] -= c * vals[j, leaves[j, i]] in place, and the row factors ex[i, j] = exp(a_j *
    clip(theta[i, j])) (a = ``signs``) with it: times exp(-a_j * c * v) per leaf while the parameter
    stays inside the bounds, recomputed exactly for rows that were or get clipped."""
    cdef Py_ssize_t i, j, l, lj
    cdef Py_ssize_t k = theta.shape[1]
    cdef double old, new
    cdef double[:, ::1] fac = np.empty((vals.shape[0], vals.shape[1]))
    for j in range(k):
        for l in range(vals.shape[1]):
            fac[j, l] = exp(-signs[j] * c * vals[j, l])
    with nogil:
        for i in range(start, stop):
            for j in range(k):
                lj = leaves[j, i]
                old = theta[i, j]
                new = old - c * vals[j, lj]
                theta[i, j] = new
                if signs[j] != 0.0:
                    if inside(old, lo[j], hi[j]) and inside(new, lo[j], hi[j]):
                        ex[i, j] *= fac[j, lj]
                    else:
                        ex[i, j] = exp(signs[j] * clip(new, lo[j], hi[j]))
