"""Compiled kernels of the categorical log score (contract: ``fast.py``). Internal: logits relative to
class 0, or with ``softmax`` (``SoftmaxCategorical``, k > 1) one logit per class (|logit| <= 30, so
sums of exponentials stay finite without a max shift); y holds class codes; row factors ex[:, j] =
exp(logit j). In a row's ``etas`` the logit of class c is at c: the relative logits from 1, after
class 0's 0 (``first`` = 1), the softmax ones from 0 (``first`` = 0).

Unweighted rows add log(prod of up to ``LOG_GROUP`` rows' sums of exponentials) instead of one log
per row (each sum is at most 1 + k e^30, so the product stays finite; it is also flushed early
once above 1e200; a softmax row's sum is at least e^-30, so a group's product stays above 1e-208)."""

import numpy as np

from libc.math cimport exp, log

from ._fast cimport clip, inside

cdef enum:
    LOG_GROUP = 16

cdef struct Acc:
    double total
    double wsum
    double prod
    long n_prod


cdef inline void add_row(Acc* a, double acc, double chosen, bint has_w, double wi) noexcept nogil:
    """Add a row's score log(acc) - chosen (acc = 1 + sum of exp(logits), chosen = the observed
    class's logit): a weighted row with its own log, an unweighted one into the running product."""
    if has_w:
        a.total = a.total + wi * (log(acc) - chosen)
        a.wsum = a.wsum + wi
        return
    a.prod *= acc
    a.n_prod += 1
    if a.n_prod == LOG_GROUP or a.prod > 1e200:
        a.total = a.total - chosen + log(a.prod)
        a.wsum = a.wsum + 1.0
        a.prod = 1.0
        a.n_prod = 0
        return
    a.total = a.total - chosen
    a.wsum = a.wsum + 1.0


cdef inline double chosen_logit(const double[::1] etas, double y, Py_ssize_t n_classes) noexcept nogil:
    """The logit of the observed class code y (0 for codes outside 0..n_classes-1)."""
    cdef long code = <long>y
    return etas[code] if 0 <= code < n_classes else 0.0


cdef inline double finish(Acc* a) noexcept nogil:
    """The total with the log of a last, incomplete group of unweighted rows."""
    return a.total + (log(a.prod) if a.n_prod > 0 else 0.0)


cdef inline Py_ssize_t first_logit(Py_ssize_t k, bint softmax) noexcept nogil:
    """The class of the first internal logit: 0 for k > 1 softmax logits, else 1 (after class 0)."""
    return 0 if softmax and k > 1 else 1


def log_score_mean(const double[:, ::1] theta, const double[:, ::1] step, double s, const double[::1] y, const double[::1] w,
                   bint has_w, const double[::1] lo, const double[::1] hi, const double[::1] aux, Py_ssize_t start, Py_ssize_t stop,
                   bint softmax=False):
    cdef Py_ssize_t i, j
    cdef Py_ssize_t k = theta.shape[1]
    cdef Py_ssize_t first = first_logit(k, softmax)
    cdef Acc a = Acc(0.0, 0.0, 1.0, 0)
    cdef double acc, eta
    cdef double[::1] etas = np.empty(k + first)
    etas[0] = 0.0  # the logit of class 0 when relative
    with nogil:
        for i in range(start, stop):
            acc = <double>first  # exp(0) of class 0 when relative
            for j in range(k):
                eta = clip(theta[i, j] - s * step[i, j], lo[j], hi[j])
                acc += exp(eta)
                etas[j + first] = eta
            add_row(&a, acc, chosen_logit(etas, y[i], k + first), has_w, w[i] if has_w else 1.0)
    return finish(&a), a.wsum


def log_natural_gradient(const double[:, ::1] theta, const double[::1] y, const double[::1] w, bint has_w,
                         const double[:] lo, const double[:] hi, const double[:] aux, double[::1, :] out,
                         double[::1, :] diag, bint want_diag, double[:, ::1] ex_rows, bint ex_given, Py_ssize_t start,
                         Py_ssize_t stop, bint softmax=False):
    """Natural gradient into ``out``: e_0 / p_0 - e_j / p_j (Sherman-Morrison) for relative logits,
    1 / (K p_y) - e_j / p_j (the minimum-norm solution) for softmax ones; with ``want_diag`` instead
    the Fisher diagonal p_j (1 - p_j) into ``diag`` and the diagonal Newton direction d_score_j /
    diag_j into ``out`` (the metric is not diagonal). Returns the weighted score sum and weight sum."""
    cdef Py_ssize_t i, j
    cdef Py_ssize_t k = theta.shape[1]
    cdef Py_ssize_t first = first_logit(k, softmax)
    cdef Acc a = Acc(0.0, 0.0, 1.0, 0)
    cdef double acc, chosen, eta, inv_acc, pj, inv_py
    cdef long code
    cdef bint write_ex = ex_rows.shape[0] > 0 and not ex_given
    cdef double[::1] ex = np.empty(k)
    cdef double[::1] etas = np.empty(k + first)
    etas[0] = 0.0  # the logit of class 0 when relative
    with nogil:
        for i in range(start, stop):
            acc = <double>first
            code = <long>y[i]
            for j in range(k):
                eta = clip(theta[i, j], lo[j], hi[j])
                ex[j] = ex_rows[i, j] if ex_given else exp(eta)
                acc += ex[j]
                etas[j + first] = eta
                if write_ex:
                    ex_rows[i, j] = ex[j]
            chosen = chosen_logit(etas, y[i], k + first)
            if want_diag:  # the diagonal Newton direction (p_j - e_j) / (p_j (1 - p_j)) instead
                inv_acc = 1.0 / acc
                for j in range(k):
                    pj = ex[j] * inv_acc
                    diag[i, j] = pj * (1.0 - pj)
                    out[i, j] = 1.0 / (1.0 - pj) if j + first != code else -1.0 / pj
            elif first == 1:  # 1 / p_0 = acc; 1 / p_j = acc * exp(-eta_j)
                for j in range(k):
                    out[i, j] = 0.0
                if code == 0:
                    for j in range(k):
                        out[i, j] = acc
                elif code <= k:
                    out[i, code - 1] = -acc * exp(-chosen)
            elif 0 <= code < k:  # softmax: 1 / p_y = acc * exp(-eta_y)
                inv_py = acc * exp(-chosen)
                for j in range(k):
                    out[i, j] = inv_py / k
                out[i, code] -= inv_py
            else:
                for j in range(k):
                    out[i, j] = 0.0
            add_row(&a, acc, chosen, has_w, w[i] if has_w else 1.0)
    return finish(&a), a.wsum


def log_score_leaves(const double[:, ::1] theta, const double[:, ::1] ex, const int[:, ::1] leaves, const double[:, ::1] vals,
                     double s, const double[::1] y, const double[::1] w, bint has_w, const double[::1] lo,
                     const double[::1] hi, const double[::1] aux, Py_ssize_t start, Py_ssize_t stop, bint softmax=False):
    """Mean score along a leaf-structured step; exp(logit j) is ex[i, j] * exp(-s * v) while the
    logit stays inside its bounds."""
    cdef Py_ssize_t i, j, lj, l
    cdef Py_ssize_t k = theta.shape[1]
    cdef Py_ssize_t first = first_logit(k, softmax)
    cdef Acc a = Acc(0.0, 0.0, 1.0, 0)
    cdef double acc, eta, tj
    cdef double[::1] etas = np.empty(k + first)
    cdef double[:, ::1] fac = np.empty((vals.shape[0], vals.shape[1]))
    etas[0] = 0.0  # the logit of class 0 when relative
    for j in range(vals.shape[0]):
        for l in range(vals.shape[1]):
            fac[j, l] = exp(-s * vals[j, l])
    with nogil:
        for i in range(start, stop):
            acc = <double>first
            for j in range(k):
                lj = leaves[j, i]
                tj = theta[i, j]
                eta = tj - s * vals[j, lj]
                if inside(tj, lo[j], hi[j]) and inside(eta, lo[j], hi[j]):
                    acc += ex[i, j] * fac[j, lj]
                else:
                    eta = clip(eta, lo[j], hi[j])
                    acc += exp(eta)
                etas[j + first] = eta
            add_row(&a, acc, chosen_logit(etas, y[i], k + first), has_w, w[i] if has_w else 1.0)
    return finish(&a), a.wsum
