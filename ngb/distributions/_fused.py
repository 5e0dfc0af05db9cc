"""Fused numba kernels for the boosting engine's hot path: the weighted mean score of
``clip(theta - s * step)`` in one pass over the rows, without building a distribution object or
any (n, k) temporary. Each kernel reproduces its family's ``score`` (tests check agreement).

Signature of every kernel: (theta (n, k), step (n, k), s, y (n,), w (n,), has_w, lo (k,), hi (k,),
aux (n,)) -> (weighted score sum, weight sum), where ``aux`` holds per-row terms that depend on y
only, computed once per fit by the family's ``fused_aux(y)`` (the Poisson log(y!)). The natural
gradient kernels take an extra ``out`` (n, k) that they fill. The wrappers below run the kernels on
contiguous row chunks whose boundaries depend on n only (on the shared thread pool when asked) and
add the chunk sums in chunk order, so results do not depend on the number of threads.

Row factors. A family's exponentials of the internal parameters, ``ex[i, j] = exp(a_j * clip(theta[i,
j]))`` with the signs ``a_j`` of ``fused_ex_signs`` (0: column unused): the Normal's 1 / scale, the
Poisson mean, the categorical exp(logit). The natural-gradient kernels write them (or read them when
they are given), the leaf kernels of the line search read them, and :func:`subtract_leaf_steps`
updates them with the parameters by one factor per leaf, so after the first iteration no kernel of
the fast path takes a per-row exponential (the factors drift from exp(a * theta) by rounding only,
about one unit in the last place per iteration).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from .._threads import sum_fixed_chunks

_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)


@njit(nogil=True, cache=True)
def _clip(v, lo, hi):
    if v < lo:
        return lo
    if v > hi:
        return hi
    return v


#: unweighted categorical scores add log(prod of up to this many rows' sums of exponentials) instead
#: of one log per row (each sum is at most 1 + k e^30 with the logit bounds, so the product stays
#: finite; it is also flushed early once above 1e200)
_LOG_GROUP = 16


@njit(nogil=True, cache=True, inline="always")
def _add_class_row(total, wsum, prod, n_prod, acc, chosen, has_w, w, i):
    """Add row i's categorical score log(acc) - chosen (acc = 1 + sum of exp(logits), chosen = the
    observed class's logit): a weighted row with its own log, an unweighted one into the running
    product, whose log is added when the group is full. Returns (total, wsum, prod, n_prod); the
    caller adds ``_group_log`` of what is left at the end."""
    if has_w:
        return total + w[i] * (math.log(acc) - chosen), wsum + w[i], prod, n_prod
    prod *= acc
    n_prod += 1
    if n_prod == _LOG_GROUP or prod > 1e200:
        return total - chosen + math.log(prod), wsum + 1.0, 1.0, 0
    return total - chosen, wsum + 1.0, prod, n_prod


@njit(nogil=True, cache=True, inline="always")
def _group_log(prod, n_prod):
    """The log of a last, incomplete group of unweighted rows (0 when there is none)."""
    return math.log(prod) if n_prod > 0 else 0.0


@njit(nogil=True, cache=True)
def normal_log_score_mean(theta, step, s, y, w, has_w, lo, hi, aux):
    total = 0.0
    wsum = 0.0
    for i in range(theta.shape[0]):
        loc = _clip(theta[i, 0] - s * step[i, 0], lo[0], hi[0])
        log_scale = _clip(theta[i, 1] - s * step[i, 1], lo[1], hi[1])
        z = (y[i] - loc) / math.exp(log_scale)
        value = _LOG_SQRT_2PI + log_scale + 0.5 * z * z
        wi = w[i] if has_w else 1.0
        total += wi * value
        wsum += wi
    return total, wsum


@njit(nogil=True, cache=True)
def poisson_log_score_mean(theta, step, s, y, w, has_w, lo, hi, aux):
    """aux = log(y!) per row."""
    total = 0.0
    wsum = 0.0
    for i in range(theta.shape[0]):
        log_mu = _clip(theta[i, 0] - s * step[i, 0], lo[0], hi[0])
        value = math.exp(log_mu) - y[i] * log_mu + aux[i]
        wi = w[i] if has_w else 1.0
        total += wi * value
        wsum += wi
    return total, wsum


@njit(nogil=True, cache=True)
def categorical_log_score_mean(theta, step, s, y, w, has_w, lo, hi, aux):
    """Logits relative to class 0; y holds class codes. Score = log(1 + sum exp(eta)) - eta_y.
    The logit bounds (|eta| <= 30) keep the sum of exponentials finite without a max shift.
    Unweighted, the logs of the sums are added by groups of rows (``_add_class_row``), as in the
    other categorical kernels."""
    total = 0.0
    wsum = 0.0
    prod = 1.0
    n_prod = 0
    k = theta.shape[1]
    for i in range(theta.shape[0]):
        acc = 1.0
        chosen = 0.0
        code = int(y[i])
        for j in range(k):
            eta = _clip(theta[i, j] - s * step[i, j], lo[j], hi[j])
            acc += math.exp(eta)
            if j + 1 == code:
                chosen = eta
        total, wsum, prod, n_prod = _add_class_row(total, wsum, prod, n_prod, acc, chosen, has_w, w, i)
    return total + _group_log(prod, n_prod), wsum


def _kernel_args(bounds, y, w, aux):
    """(lo, hi, has_w, w, aux) as the kernels take them: contiguous bounds, and y standing in for
    absent weights or per-row terms (the kernels then do not read it)."""
    lo = np.ascontiguousarray(bounds[:, 0])
    hi = np.ascontiguousarray(bounds[:, 1])
    return lo, hi, w is not None, (y if w is None else w), (y if aux is None else aux)


def mean_score(kernel, bounds, theta, step, s, y, w, aux=None, n_threads=1):
    """Weighted mean score at clip(theta - s * step) from a fused kernel; ``step`` None means the
    score at theta itself; ``aux`` as the kernel needs it (None: y, for kernels that use none)."""
    lo, hi, has_w, ww, aa = _kernel_args(bounds, y, w, aux)
    if step is None:
        step, s = theta, 0.0
    s = float(s)
    return sum_fixed_chunks(
        lambda a, b: kernel(theta[a:b], step[a:b], s, y[a:b], ww[a:b], has_w, lo, hi, aa[a:b]), theta.shape[0], n_threads
    )


@njit(nogil=True, cache=True)
def normal_log_natgrad(theta, y, w, has_w, lo, hi, aux, out, diag, want_diag, ex, ex_given):
    """Writes the natural gradient of the Normal log score at clip(theta) into ``out`` (n, 2) (and,
    when ``want_diag``, the Fisher diagonal (1 / scale^2, 2) into ``diag``) and returns the
    weighted score sum and weight sum there: one pass instead of a distribution object. Row
    factors (see above): 1 / scale in column 1 of ``ex``."""
    total = 0.0
    wsum = 0.0
    write_ex = ex.shape[0] > 0 and not ex_given
    for i in range(theta.shape[0]):
        loc = _clip(theta[i, 0], lo[0], hi[0])
        log_scale = _clip(theta[i, 1], lo[1], hi[1])
        resid = y[i] - loc
        inv_scale = ex[i, 1] if ex_given else math.exp(-log_scale)
        z = resid * inv_scale
        out[i, 0] = -resid
        out[i, 1] = 0.5 * (1.0 - z * z)
        if write_ex:
            ex[i, 1] = inv_scale
        if want_diag:
            diag[i, 0] = inv_scale * inv_scale
            diag[i, 1] = 2.0
        wi = w[i] if has_w else 1.0
        total += wi * (_LOG_SQRT_2PI + log_scale + 0.5 * z * z)
        wsum += wi
    return total, wsum


@njit(nogil=True, cache=True)
def poisson_log_natgrad(theta, y, w, has_w, lo, hi, aux, out, diag, want_diag, ex, ex_given):
    """Natural gradient 1 - y / mu of the Poisson log score into ``out`` (n, 1) (Fisher mu into
    ``diag`` when ``want_diag``); returns the weighted score sum and weight sum (aux = log(y!)).
    Row factor: mu."""
    total = 0.0
    wsum = 0.0
    write_ex = ex.shape[0] > 0 and not ex_given
    for i in range(theta.shape[0]):
        log_mu = _clip(theta[i, 0], lo[0], hi[0])
        mu = ex[i, 0] if ex_given else math.exp(log_mu)
        out[i, 0] = 1.0 - y[i] / mu
        if write_ex:
            ex[i, 0] = mu
        if want_diag:
            diag[i, 0] = mu
        wi = w[i] if has_w else 1.0
        total += wi * (mu - y[i] * log_mu + aux[i])
        wsum += wi
    return total, wsum


@njit(nogil=True, cache=True)
def categorical_log_natgrad(theta, y, w, has_w, lo, hi, aux, out, diag, want_diag, ex_rows, ex_given):
    """Natural gradient e_0 / p_0 - e_j / p_j (Sherman-Morrison) of the categorical log score
    into ``out`` (n, k); with ``want_diag`` instead the Fisher diagonal p_j (1 - p_j) into ``diag``
    and the diagonal Newton direction d_score_j / diag_j into ``out`` (the metric is not diagonal:
    see the engine's ``metric_weighted``). Returns the weighted score sum and weight sum. Logits
    relative to class 0; row factors: exp(logit)."""
    total = 0.0
    wsum = 0.0
    prod = 1.0
    n_prod = 0
    k = theta.shape[1]
    write_ex = ex_rows.shape[0] > 0 and not ex_given
    ex = np.empty(k)
    for i in range(theta.shape[0]):
        acc = 1.0
        chosen = 0.0
        code = int(y[i])
        for j in range(k):
            eta = _clip(theta[i, j], lo[j], hi[j])
            ex[j] = ex_rows[i, j] if ex_given else math.exp(eta)
            acc += ex[j]
            if j + 1 == code:
                chosen = eta
            if write_ex:
                ex_rows[i, j] = ex[j]
        if want_diag:  # the diagonal Newton direction (p_j - e_j) / (p_j (1 - p_j)) instead
            inv_acc = 1.0 / acc
            for j in range(k):
                pj = ex[j] * inv_acc
                diag[i, j] = pj * (1.0 - pj)
                out[i, j] = 1.0 / (1.0 - pj) if j + 1 != code else -1.0 / pj
        else:
            # 1 / p_0 = acc; 1 / p_j = acc * exp(-eta_j)
            for j in range(k):
                out[i, j] = 0.0
            if code == 0:
                for j in range(k):
                    out[i, j] = acc
            else:
                out[i, code - 1] = -acc * math.exp(-chosen)
        total, wsum, prod, n_prod = _add_class_row(total, wsum, prod, n_prod, acc, chosen, has_w, w, i)
    return total + _group_log(prod, n_prod), wsum


def natural_gradient_and_score(kernel, bounds, theta, y, w, aux=None, n_threads=1, want_diag=False, ex=None,
                               ex_given=False):
    """(direction (n, k) in column order, weighted mean score, metric diagonal (n, k) or None) from
    a fused kernel: the natural gradient, or with ``want_diag`` d_score / metric diagonal (the
    natural gradient whenever the metric is diagonal) and the diagonal itself. ``ex``: optional
    (n, k) C-ordered row factors at theta (see above), filled here, or read instead of computed
    when ``ex_given`` (kept up to date by :func:`subtract_leaf_steps`)."""
    out = np.empty(theta.shape, order="F")
    diag = np.empty(theta.shape, order="F") if want_diag else out[:0]  # empty: the kernel skips it
    if ex is None:
        ex, ex_given = out[:0], False
    lo, hi, has_w, ww, aa = _kernel_args(bounds, y, w, aux)
    value = sum_fixed_chunks(
        lambda a, b: kernel(theta[a:b], y[a:b], ww[a:b], has_w, lo, hi, aa[a:b], out[a:b], diag[a:b], want_diag,
                            ex[a:b], ex_given),
        theta.shape[0],
        n_threads,
    )
    return out, value, (diag if want_diag else None)


# ---------------------------------------------------------------------------------------------
# Leaf-structured line search. When every row was used to grow the iteration's trees, the step of
# row i in parameter j is vals[j, leaves[j, i]]: tree j's value at the row's leaf. The exponentials
# of the score then factor: exp(theta - s * v) = exp(theta) * exp(-s * v), where exp(theta) per row
# (``ex``) comes free from the natural-gradient pass and exp(-s * v) is one value per leaf. These
# kernels evaluate the score at clip(theta - s * step) with no per-row exponential (the exact
# exponential is used for any row whose parameter or moved parameter lies outside the bounds),
# and at s = 0 they return exactly the natural-gradient pass's score.
# Signature: (theta (n, k), ex (n, k), leaves (k, n) int32, vals (k, L), s, y, w, has_w, lo, hi,
# aux) -> (weighted score sum, weight sum).


@njit(nogil=True, cache=True, inline="always")
def _inside(v, lo, hi):
    return lo <= v <= hi


@njit(nogil=True, cache=True)
def normal_log_score_leaves(theta, ex, leaves, vals, s, y, w, has_w, lo, hi, aux):
    """ex[:, 1] = 1 / scale at theta."""
    fac = np.exp(s * vals[1])  # 1 / scale is multiplied by exp(s * v) when log scale moves by -s * v
    total = 0.0
    wsum = 0.0
    for i in range(theta.shape[0]):
        l0 = leaves[0, i]
        l1 = leaves[1, i]
        loc = _clip(theta[i, 0] - s * vals[0, l0], lo[0], hi[0])
        t1 = theta[i, 1]
        log_scale = t1 - s * vals[1, l1]
        if _inside(t1, lo[1], hi[1]) and _inside(log_scale, lo[1], hi[1]):
            inv_scale = ex[i, 1] * fac[l1]
        else:
            log_scale = _clip(log_scale, lo[1], hi[1])
            inv_scale = math.exp(-log_scale)
        z = (y[i] - loc) * inv_scale
        wi = w[i] if has_w else 1.0
        total += wi * (_LOG_SQRT_2PI + log_scale + 0.5 * z * z)
        wsum += wi
    return total, wsum


@njit(nogil=True, cache=True)
def poisson_log_score_leaves(theta, ex, leaves, vals, s, y, w, has_w, lo, hi, aux):
    """ex[:, 0] = mu at theta; aux = log(y!)."""
    fac = np.exp(-s * vals[0])
    total = 0.0
    wsum = 0.0
    for i in range(theta.shape[0]):
        l0 = leaves[0, i]
        t0 = theta[i, 0]
        log_mu = t0 - s * vals[0, l0]
        if _inside(t0, lo[0], hi[0]) and _inside(log_mu, lo[0], hi[0]):
            mu = ex[i, 0] * fac[l0]
        else:
            log_mu = _clip(log_mu, lo[0], hi[0])
            mu = math.exp(log_mu)
        wi = w[i] if has_w else 1.0
        total += wi * (mu - y[i] * log_mu + aux[i])
        wsum += wi
    return total, wsum


@njit(nogil=True, cache=True)
def categorical_log_score_leaves(theta, ex, leaves, vals, s, y, w, has_w, lo, hi, aux):
    """ex[:, j] = exp(logit j) at theta (logits relative to class 0)."""
    fac = np.exp(-s * vals)
    total = 0.0
    wsum = 0.0
    prod = 1.0
    n_prod = 0
    k = theta.shape[1]
    for i in range(theta.shape[0]):
        acc = 1.0
        chosen = 0.0
        code = int(y[i])
        for j in range(k):
            lj = leaves[j, i]
            tj = theta[i, j]
            eta = tj - s * vals[j, lj]
            if _inside(tj, lo[j], hi[j]) and _inside(eta, lo[j], hi[j]):
                acc += ex[i, j] * fac[j, lj]
            else:
                eta = _clip(eta, lo[j], hi[j])
                acc += math.exp(eta)
            if j + 1 == code:
                chosen = eta
        total, wsum, prod, n_prod = _add_class_row(total, wsum, prod, n_prod, acc, chosen, has_w, w, i)
    return total + _group_log(prod, n_prod), wsum


def leaf_mean_score(kernel, bounds, theta, ex, leaves, vals, s, y, w, aux=None, n_threads=1):
    """Weighted mean score at clip(theta - s * vals[j, leaves[j, i]]) from a leaf kernel (see above)."""
    lo, hi, has_w, ww, aa = _kernel_args(bounds, y, w, aux)
    s = float(s)
    return sum_fixed_chunks(
        lambda a, b: kernel(theta[a:b], ex[a:b], leaves[:, a:b], vals, s, y[a:b], ww[a:b], has_w, lo, hi, aa[a:b]),
        theta.shape[0],
        n_threads,
    )


@njit(nogil=True, cache=True)
def subtract_leaf_steps(theta, ex, leaves, vals, c, signs, lo, hi):
    """theta[i, j] -= c * vals[j, leaves[j, i]] in place, and the row factors ex[i, j] = exp(a_j *
    clip(theta[i, j])) (a = ``signs``) with it: times exp(-a_j * c * v) per leaf while the parameter
    stays inside the bounds, recomputed exactly for rows that were or get clipped."""
    k = theta.shape[1]
    fac = np.empty(vals.shape)
    for j in range(k):
        for l in range(vals.shape[1]):
            fac[j, l] = math.exp(-signs[j] * c * vals[j, l])
    for i in range(theta.shape[0]):
        for j in range(k):
            lj = leaves[j, i]
            old = theta[i, j]
            new = old - c * vals[j, lj]
            theta[i, j] = new
            if signs[j] != 0.0:
                if _inside(old, lo[j], hi[j]) and _inside(new, lo[j], hi[j]):
                    ex[i, j] *= fac[j, lj]
                else:
                    ex[i, j] = math.exp(signs[j] * _clip(new, lo[j], hi[j]))
