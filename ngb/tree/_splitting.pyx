"""Best-split search on a node histogram.

Criterion: weighted squared-error reduction

    gain = G_L^2 / W_L + G_R^2 / W_R - G^2 / W,   G = sum(w*y), W = sum(w),

i.e. the decrease of the weighted sum of squared errors when the node mean is replaced by the two
child means.

Candidates of feature ``f`` (with ``nb = n_bins_non_missing[f]`` value bins):

* ``bin <= b`` left, ``b = 0 .. nb - 2``.  If the node has NaN rows for ``f`` both "NaN left" and
  "NaN right" are tried (in that order).  If it has none, the split decides the route of NaN seen
  at predict time by the rule **"NaN goes to the child with the larger sum of weights (left on
  ties)"**.
* if the node has NaN rows: "all values left, NaN right" (``b = nb - 1``, whose raw threshold is
  +inf).

A candidate is valid when both children have ``count >= min_samples_leaf``, ``weight >=
min_weight_leaf`` and ``weight > weight_eps`` (a tiny positive guard against empty-weight
children).  The best candidate is the first one with the largest score in the order (feature
ascending, bin ascending, NaN-left before NaN-right), a later candidate winning only if it is
larger by a relative margin ``TIE_RTOL`` (1e-12): ties -- including ties blurred by rounding -- go
to the lowest feature and bin.  A node is split only if the best gain is ``> min_gain``.

Categorical features (``is_cat``; see ``_categorical``): the node's non-empty bins (the missing bin
included when the node has missing rows) sorted by mean target ``G_b / W_b`` (ties: lower bin code
first), left = each proper prefix of that order (for squared error the best binary partition is
one of them: Fisher 1958, Breiman et al. 1984), with the same validity rules, score and tie rule.
The winning split's 256-bit set of left bins: the prefix, bins without rows in the node (and the
missing bin when the node has none) go to the child with the larger weight (left on ties), codes
``nb .. 254`` follow the missing bin.

Monotonic constraints (``find_best_split_bounded``, scikit-learn's ``HistGradientBoosting`` rule):
a node of a constrained tree has bounds ``[lower, upper]`` on its children's values (set by the
grower, ``_nodes.split_node``); a child's value ``mu + G / W`` is clipped to them and its part of
the score is that of the clipped value (``2 v G - W v^2``, centred, which is ``G^2 / W`` unclipped;
the node's own part likewise).  A candidate on a feature constrained +1 (-1) is valid only if the
left child's clipped value is <= (>=) the right child's, whichever child the missing bin goes to
(NaN left, NaN right, and "values left, NaN right" alike).  Categorical features are never
constrained (the growers' callers refuse it).  Without constraints the plain search runs (the same
code, specialised at compile time).
"""

import numpy as np

from libc.math cimport INFINITY, fabs, isnan
from libc.stdint cimport int8_t, int32_t, int64_t, uint8_t, uint32_t

from ._histogram cimport hbin_t
from ._routing cimport MISSING_BIN, N_HIST_BINS, N_WORDS

cdef enum:
    SMALL_MERGESORT = 20  # numba's insertion-sort cutoff

TIE_RTOL = 1e-12
"""A candidate must beat the best score so far by this relative margin (different partitions with
the same exact gain get scores that differ only by rounding; the margin makes the documented
tie-break hold for them too)."""
cdef double _TIE_RTOL = TIE_RTOL


# ------------------------------------------------------------------ scores
# The search is written once over the fused type ``limits_t``: ``_free_t`` (no value bounds: the
# search of trees without monotonic constraints) and ``_bounds_t`` (a node of a constrained tree:
# children values clipped to the node's bounds, splits of a constrained feature ordered).  The
# branches on the type are resolved at compile time, so the free search is the plain one.
ctypedef struct _free_t:
    uint8_t unused

ctypedef struct _bounds_t:
    double mu           # the target's centre: a node's value is mu + G / W, clipped to the bounds
    double lower        # the node's bounds on its children's values
    double upper
    const int8_t* cst   # monotonic constraint per feature: +1 increasing, -1 decreasing, 0 none

ctypedef fused limits_t:
    _free_t
    _bounds_t


cdef inline double bounded_term(double g, double w, double mu, double lower, double upper) noexcept nogil:
    """A child's part of the score when its value mu + g / w is clipped to [lower, upper]: the
    decrease of its weighted SSE, up to a constant, at the clipped (centred) value v, 2 v g - w v^2,
    which is g^2 / w when nothing is clipped."""
    cdef double v = mu + g / w
    if v < lower:
        v = lower - mu
    elif v > upper:
        v = upper - mu
    else:
        return g * g / w
    return 2.0 * v * g - w * v * v


cdef inline double _score(double gl, double wl, double cl, double g, double w, double c, int64_t min_samples_leaf,
                          double min_weight_leaf, double weight_eps, const limits_t* lim, int64_t cst) noexcept nogil:
    """Score of a candidate (-inf: invalid): the sum of the children's parts, with bounds the clipped
    parts, and -inf when the children's clipped values break the feature's constraint ``cst``."""
    cdef double gr = g - gl
    cdef double wr = w - wl
    cdef double cr = c - cl
    cdef double vl, vr
    if cl < min_samples_leaf or cr < min_samples_leaf:
        return -INFINITY
    if wl < min_weight_leaf or wr < min_weight_leaf or wl <= weight_eps or wr <= weight_eps:
        return -INFINITY
    if limits_t is _free_t:
        return gl * gl / wl + gr * gr / wr
    else:
        if cst != 0:  # the children's values as split_node computes them
            vl = clip_value(lim.mu + gl / wl, lim.lower, lim.upper)
            vr = clip_value(lim.mu + gr / wr, lim.lower, lim.upper)
            if (cst > 0 and vl > vr) or (cst < 0 and vl < vr):
                return -INFINITY
        return (bounded_term(gl, wl, lim.mu, lim.lower, lim.upper)
                + bounded_term(gr, wr, lim.mu, lim.lower, lim.upper))


cdef inline bint _better(double s, double best_s, int64_t best_j, const limits_t* lim) noexcept nogil:
    """Whether score s beats the best so far (the tie rule).  Free scores of valid candidates are
    >= 0 (the best starts at -1); bounded ones may be negative (the best starts at -inf, and the
    first valid candidate wins)."""
    if limits_t is _free_t:
        return s > best_s + _TIE_RTOL * fabs(best_s)
    else:
        if best_j < 0:
            return s > -INFINITY
        return s > best_s + _TIE_RTOL * fabs(best_s)


# ------------------------------------------------------------------ categorical order
cdef inline bint _lt(double a, double b) noexcept nogil:
    # numpy's float order (NaN last), as numba's argsort
    return a < b or (isnan(b) and not isnan(a))


cdef void _argmergesort(int64_t* arr, int64_t n, const double* vals, int64_t* ws) noexcept nogil:
    """Stable argsort of ``arr`` (indices into ``vals``) in place: numba's (numpy's) mergesort,
    insertion sort below SMALL_MERGESORT, step for step (the same permutation for any input)."""
    cdef int64_t mid, i, j, k, t
    cdef int64_t* right
    if n > SMALL_MERGESORT:
        mid = n // 2
        _argmergesort(arr, mid, vals, ws)
        _argmergesort(arr + mid, n - mid, vals, ws)
        for i in range(mid):
            ws[i] = arr[i]
        right = arr + mid
        i = j = k = 0
        while i < mid and j < n - mid:
            if not _lt(vals[right[j]], vals[ws[i]]):
                arr[k] = ws[i]
                i += 1
            else:
                arr[k] = right[j]
                j += 1
            k += 1
        while i < mid:
            arr[k] = ws[i]
            i += 1
            k += 1
        while j < n - mid:
            arr[k] = right[j]
            j += 1
            k += 1
    else:
        i = 1
        while i < n:
            j = i
            while j > 0 and _lt(vals[arr[j]], vals[arr[j - 1]]):
                t = arr[j - 1]
                arr[j - 1] = arr[j]
                arr[j] = t
                j -= 1
            i += 1


cdef int64_t categorical_order(const hbin_t* hist_j, const int32_t* cnt_j, bint has_w, int64_t nb,
                               int64_t* order) noexcept nogil:
    """Write into ``order`` the node's non-empty bins of one feature sorted by mean target (ties:
    lower code first): bins ``0 .. nb - 1`` with rows, then the missing bin if it has rows.
    ``hist_j`` (256,) and ``cnt_j`` (256,) (read only when ``has_w``).  Returns their number K."""
    cdef int64_t codes[N_HIST_BINS]
    cdef double keys[N_HIST_BINS]
    cdef int64_t perm[N_HIST_BINS]
    cdef int64_t ws[N_HIST_BINS]
    cdef int64_t k = 0, qq, b
    cdef double cb
    for qq in range(nb + 1):  # the value bins, then the missing bin
        b = qq if qq < nb else MISSING_BIN
        cb = <double>cnt_j[b] if has_w else hist_j[b].w
        if cb > 0.0:
            codes[k] = b
            keys[k] = hist_j[b].g / hist_j[b].w if hist_j[b].w > 0.0 else 0.0
            k += 1
    for qq in range(k):
        perm[qq] = qq
    _argmergesort(perm, k, keys, ws)
    for qq in range(k):
        order[qq] = codes[perm[qq]]
    return k


cdef bint categorical_bitset(const hbin_t* hist_j, const int32_t* cnt_j, bint has_w, int64_t nb, int64_t n_left,
                             bint heavier_left, uint32_t* bits) noexcept nogil:
    """Write into ``bits`` the bitset of the split whose left child is the first ``n_left`` bins of
    :func:`categorical_order`; bins without rows go left iff ``heavier_left``, bins ``nb .. 254``
    follow the missing bin.  Returns whether the missing bin goes left."""
    cdef int64_t order[N_HIST_BINS]
    cdef bint inl[N_HIST_BINS]
    cdef bint seen[N_HIST_BINS]
    cdef int64_t k = categorical_order(hist_j, cnt_j, has_w, nb, order)
    cdef int64_t i, b
    for b in range(N_WORDS):
        bits[b] = 0
    for b in range(N_HIST_BINS):
        inl[b] = False
        seen[b] = False
    for i in range(k):
        seen[order[i]] = True
        inl[order[i]] = i < n_left
    for b in range(nb):
        if not seen[b]:
            inl[b] = heavier_left
    if not seen[MISSING_BIN]:
        inl[MISSING_BIN] = heavier_left
    for b in range(nb, MISSING_BIN):
        inl[b] = inl[MISSING_BIN]
    for b in range(N_HIST_BINS):
        if inl[b]:
            bits[b >> 5] |= (<uint32_t>1) << (<uint32_t>(b & 31))
    return inl[MISSING_BIN]


# ------------------------------------------------------------------ split search
cdef inline bint _search(const hbin_t* hist, const int32_t* cnt, bint has_w, const int64_t* feats, int64_t q,
                         const int64_t* n_bins_non_missing, const uint8_t* is_cat, double g, double w, double c,
                         int64_t min_samples_leaf, double min_weight_leaf, double weight_eps, double min_gain,
                         const limits_t* lim, split_t* out) noexcept nogil:
    """:c:func:`find_best_split` (``_free_t``) or :c:func:`find_best_split_bounded` (``_bounds_t``)."""
    cdef double best_s = -1.0  # valid free scores are >= 0
    cdef int64_t best_j = -1, best_b = 0
    cdef bint best_mgl = False
    cdef double best_gl = 0.0, best_wl = 0.0, best_cl = 0.0
    cdef int64_t j, nb, i, b, k, cst = 0
    cdef double gl, wl, cl, s, gm, wm, cm, cb, gain
    cdef const hbin_t* hj
    cdef const int32_t* cj
    cdef int64_t order[N_HIST_BINS]
    if limits_t is _bounds_t:
        best_s = -INFINITY
    for j in range(q):
        nb = n_bins_non_missing[feats[j]]
        hj = hist + j * N_HIST_BINS
        cj = cnt + j * N_HIST_BINS if has_w else cnt
        if limits_t is _bounds_t:
            cst = lim.cst[feats[j]]
        if is_cat[feats[j]]:  # (never constrained)
            k = categorical_order(hj, cj, has_w, nb, order)
            gl = 0.0
            wl = 0.0
            cl = 0.0
            for i in range(k - 1):
                gl += hj[order[i]].g
                wl += hj[order[i]].w
                cl += <double>cj[order[i]] if has_w else hj[order[i]].w
                s = _score(gl, wl, cl, g, w, c, min_samples_leaf, min_weight_leaf, weight_eps, lim, 0)
                if _better(s, best_s, best_j, lim):
                    best_s, best_j, best_b, best_mgl = s, j, i + 1, False  # best_b: number of left bins
                    best_gl, best_wl, best_cl = gl, wl, cl
            continue
        gm = hj[MISSING_BIN].g
        wm = hj[MISSING_BIN].w
        cm = <double>cj[MISSING_BIN] if has_w else wm
        gl = 0.0
        wl = 0.0
        cl = 0.0
        for b in range(nb - 1):
            cb = <double>cj[b] if has_w else hj[b].w
            if cb == 0.0:
                continue  # same partition as the previous bin: never better
            gl += hj[b].g
            wl += hj[b].w
            cl += cb
            if cm > 0.0:
                s = _score(gl + gm, wl + wm, cl + cm, g, w, c, min_samples_leaf, min_weight_leaf, weight_eps, lim, cst)
                if _better(s, best_s, best_j, lim):
                    best_s, best_j, best_b, best_mgl = s, j, b, True
                    best_gl, best_wl, best_cl = gl + gm, wl + wm, cl + cm
                s = _score(gl, wl, cl, g, w, c, min_samples_leaf, min_weight_leaf, weight_eps, lim, cst)
                if _better(s, best_s, best_j, lim):
                    best_s, best_j, best_b, best_mgl = s, j, b, False
                    best_gl, best_wl, best_cl = gl, wl, cl
            else:
                s = _score(gl, wl, cl, g, w, c, min_samples_leaf, min_weight_leaf, weight_eps, lim, cst)
                if _better(s, best_s, best_j, lim):
                    best_s, best_j, best_b = s, j, b
                    best_mgl = wl >= w - wl
                    best_gl, best_wl, best_cl = gl, wl, cl
        if cm > 0.0:
            s = _score(g - gm, w - wm, c - cm, g, w, c, min_samples_leaf, min_weight_leaf, weight_eps, lim, cst)
            if _better(s, best_s, best_j, lim):
                best_s, best_j, best_b, best_mgl = s, j, nb - 1, False
                best_gl, best_wl, best_cl = g - gm, w - wm, c - cm
    out.j = -1
    if best_j < 0:
        return False
    if limits_t is _free_t:
        gain = best_s - g * g / w
    else:  # the node's own value is within its bounds (it is the clipped mean)
        gain = best_s - bounded_term(g, w, lim.mu, lim.lower, lim.upper)
    if not gain > min_gain:
        return False
    if is_cat[feats[best_j]]:
        hj = hist + best_j * N_HIST_BINS
        cj = cnt + best_j * N_HIST_BINS if has_w else cnt
        best_mgl = categorical_bitset(hj, cj, has_w, n_bins_non_missing[feats[best_j]], best_b,
                                      best_wl >= w - best_wl, out.bits)
        best_b = 0
    out.j = best_j
    out.bin = best_b
    out.missing_go_left = best_mgl
    out.gain = gain
    out.g_left = best_gl
    out.w_left = best_wl
    out.c_left = best_cl
    return True


cdef bint find_best_split(const hbin_t* hist, const int32_t* cnt, bint has_w, const int64_t* feats, int64_t q,
                          const int64_t* n_bins_non_missing, const uint8_t* is_cat, double g, double w, double c,
                          int64_t min_samples_leaf, double min_weight_leaf, double weight_eps, double min_gain,
                          split_t* out) noexcept nogil:
    """Best split of a node given its histogram (q, 256) and totals ``(g, w, c)``; ``feats`` (q,)
    sorted ascending (the tie-break order), ``n_bins_non_missing`` and ``is_cat`` indexed by
    feature.  Returns whether there is a valid split with ``gain > min_gain``; it is then written
    to ``out`` (``out.bits`` only for a categorical split), else ``out.j = -1``."""
    cdef _free_t free
    return _search(hist, cnt, has_w, feats, q, n_bins_non_missing, is_cat, g, w, c, min_samples_leaf,
                   min_weight_leaf, weight_eps, min_gain, &free, out)


cdef bint find_best_split_bounded(const hbin_t* hist, const int32_t* cnt, bint has_w, const int64_t* feats, int64_t q,
                                  const int64_t* n_bins_non_missing, const uint8_t* is_cat, double g, double w,
                                  double c, int64_t min_samples_leaf, double min_weight_leaf, double weight_eps,
                                  double min_gain, double mu, double lower, double upper, const int8_t* cst,
                                  split_t* out) noexcept nogil:
    """:c:func:`find_best_split` at a node of a tree with monotonic constraints ``cst`` (per
    feature; see the module docstring): the children's values ``mu + G / W`` are clipped to the
    node's bounds ``[lower, upper]``, their parts of the score (and the node's own) are those of
    the clipped values, and a split of a constrained feature is valid only if the clipped values
    are ordered as its constraint says (left <= right for +1, left >= right for -1), wherever it
    sends the missing bin."""
    cdef _bounds_t bounds
    bounds.mu = mu
    bounds.lower = lower
    bounds.upper = upper
    bounds.cst = cst
    return _search(hist, cnt, has_w, feats, q, n_bins_non_missing, is_cat, g, w, c, min_samples_leaf,
                   min_weight_leaf, weight_eps, min_gain, &bounds, out)


def find_best_split_py(const double complex[:, ::1] hist, const int32_t[:, ::1] cnt, bint has_w, feats,
                       n_bins_non_missing, is_cat, double g, double w, double c, int64_t min_samples_leaf,
                       double min_weight_leaf, double weight_eps, double min_gain, uint32_t[::1] bits, *,
                       monotonic_cst=None, double mu=0.0, double lower=-INFINITY, double upper=INFINITY):
    """:c:func:`find_best_split` on arrays (tests): ``hist`` (q, 256) complex128, ``cnt`` (q, 256)
    int32 (any shape when ``not has_w``), ``bits`` (8,) uint32 receiving the set of a categorical
    split.  With ``monotonic_cst`` (per feature, indexed as ``is_cat``) the search of
    :c:func:`find_best_split_bounded` at a node of bounds ``[lower, upper]`` and target centre
    ``mu``.  Returns ``(j, bin, missing_go_left, gain, g_left, w_left, c_left)``, ``j = -1``: no
    split."""
    cdef const int64_t[::1] f = np.ascontiguousarray(feats, dtype=np.int64)
    cdef const int64_t[::1] nbnm = np.ascontiguousarray(n_bins_non_missing, dtype=np.int64)
    cdef const uint8_t[::1] cat = np.ascontiguousarray(is_cat, dtype=np.bool_).view(np.uint8)
    cdef const int8_t[::1] cst
    cdef split_t sp
    cdef bint found
    cdef int64_t i
    if bits.shape[0] != N_WORDS or hist.shape[0] != f.shape[0] or hist.shape[1] != N_HIST_BINS:
        raise ValueError("hist must be (len(feats), 256) and bits (8,)")
    for i in range(N_WORDS):
        sp.bits[i] = bits[i]
    if monotonic_cst is None:
        with nogil:
            found = find_best_split(<const hbin_t*>&hist[0, 0], &cnt[0, 0], has_w, &f[0], f.shape[0], &nbnm[0],
                                    &cat[0], g, w, c, min_samples_leaf, min_weight_leaf, weight_eps, min_gain, &sp)
    else:
        cst = np.ascontiguousarray(monotonic_cst, dtype=np.int8)
        if cst.shape[0] != cat.shape[0]:
            raise ValueError("monotonic_cst must have one entry per feature (as is_cat)")
        with nogil:
            found = find_best_split_bounded(<const hbin_t*>&hist[0, 0], &cnt[0, 0], has_w, &f[0], f.shape[0],
                                            &nbnm[0], &cat[0], g, w, c, min_samples_leaf, min_weight_leaf,
                                            weight_eps, min_gain, mu, lower, upper, &cst[0], &sp)
    if not found:
        return -1, 0, False, 0.0, 0.0, 0.0, 0.0
    for i in range(N_WORDS):
        bits[i] = sp.bits[i]
    return sp.j, sp.bin, bool(sp.missing_go_left), sp.gain, sp.g_left, sp.w_left, sp.c_left
