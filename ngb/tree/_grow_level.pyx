"""Level-wise growth of a histogram regression tree, in one call that releases the GIL.

1. The target is centred on its weighted mean ``mu`` over the used rows (better conditioned gains;
   the node values add ``mu`` back).
2. The root histogram is accumulated over all used rows.
3. For each level: find the best split of every node (``_splitting``); for every split node stably
   partition its rows (kept in a single index array, each node owning a contiguous range),
   accumulate the histogram of the smaller child and obtain the larger one by subtraction.
   Children that cannot be split (fewer than ``2 * min_samples_leaf`` rows) or that are at
   ``max_depth`` get neither a histogram nor a partition.

With monotonic constraints every node carries bounds on its descendants' values (``_nodes``:
``split_node`` sets them, ``find_node_split`` searches within them); without, the plain search.

Node ids are breadth-first (root 0, the children of a node consecutive, left first).
"""

from libc.stdint cimport int8_t, int32_t, int64_t, uint8_t
from libc.stdlib cimport free, malloc
from libc.string cimport memcpy

from ._histogram cimport build_histogram, hbin_t, subtract_histograms
from ._nodes cimport find_node_split, init_root, node_t, partition_rows, single_leaf, split_node, write_leaves
from ._routing cimport N_HIST_BINS
from ._splitting cimport split_t

from ._nodes import new_nodes

# A split must reduce the weighted SSE by more than MIN_GAIN_REL * (root SSE) + MIN_GAIN_ABS_REL * W * mu^2:
# the first term is a relative tolerance, the second one stops splits on rounding noise when the target is
# constant (its centred values are then O(eps * |mu|)).  Children must have a weight > WEIGHT_EPS_REL * (root
# weight) (zero-weight guard that is robust to rounding in histogram subtraction).  Shared with _grow_best_first.
MIN_GAIN_REL = 1e-13
MIN_GAIN_ABS_REL = 1e-20
WEIGHT_EPS_REL = 1e-12
cdef double _MIN_GAIN_REL = MIN_GAIN_REL, _MIN_GAIN_ABS_REL = MIN_GAIN_ABS_REL, _WEIGHT_EPS_REL = WEIGHT_EPS_REL


cdef int64_t _grow(const uint8_t* Xb, int64_t p, const double* y, const double* w, bint has_w, const int64_t* rows,
                   int64_t m, const int64_t* feats, int64_t q, const int64_t* n_bins_non_missing, const uint8_t* is_cat,
                   int64_t max_depth, int64_t min_samples_leaf, double min_weight_leaf, int32_t* leaf_of,
                   const int32_t* root_cnt, const int8_t* cst, node_t* nodes) noexcept nogil:
    """Grow one tree into ``nodes`` (capacity from :func:`grow_level_wise`), with monotonic
    constraints ``cst`` (per feature; NULL: none); returns the number of nodes, -1 when out of
    memory."""
    cdef double w_tot, mu, s2, g0, min_gain, weight_eps
    cdef int64_t n_nodes = 1, depth, k, nd, n_split, n_next, n_level, slot, slot_l, slot_r, slot_s, slot_g
    cdef int64_t lc, rc, small, nl, j, b
    cdef int64_t hsz = q * N_HIST_BINS
    cdef int64_t csz = hsz if has_w else 0  # count histograms only for weighted fits
    cdef bint ok_l, ok_r, given_cnt
    cdef split_t sp
    cdef hbin_t* hs
    cdef int32_t* cs
    init_root(nodes, y, w, has_w, rows, m, &w_tot, &mu)  # the target is centred on mu
    if m < 2 * min_samples_leaf or max_depth < 1 or q == 0 or not w_tot > 0.0:
        return single_leaf(rows, m, leaf_of)

    cdef int64_t* part = <int64_t*>malloc(m * sizeof(int64_t))
    cdef int64_t* buf = <int64_t*>malloc(m * sizeof(int64_t))
    cdef hbin_t* level_hist = <hbin_t*>malloc(hsz * sizeof(hbin_t))
    cdef int32_t* level_cnt = <int32_t*>malloc((csz + 1) * sizeof(int32_t))
    cdef int64_t* level_nodes = <int64_t*>malloc(sizeof(int64_t))
    cdef hbin_t* tmp_hist = <hbin_t*>malloc(hsz * sizeof(hbin_t))
    cdef int32_t* tmp_cnt = <int32_t*>malloc((csz + 1) * sizeof(int32_t))
    cdef hbin_t* new_hist = NULL
    cdef int32_t* new_cnt = NULL
    cdef int64_t* new_level = NULL
    try:
        if not (part and buf and level_hist and level_cnt and level_nodes and tmp_hist and tmp_cnt):
            return -1
        memcpy(part, rows, m * sizeof(int64_t))

        given_cnt = has_w and root_cnt != NULL
        s2 = build_histogram(Xb, p, y, mu, w, has_w, not given_cnt, part, 0, m, feats, q, level_hist, level_cnt)
        if given_cnt:
            for j in range(q):
                memcpy(level_cnt + j * N_HIST_BINS, root_cnt + feats[j] * N_HIST_BINS, N_HIST_BINS * sizeof(int32_t))
        g0 = 0.0
        for b in range(N_HIST_BINS):
            g0 += level_hist[b].g
        nodes[0].sum_g = g0
        min_gain = _MIN_GAIN_REL * s2 + _MIN_GAIN_ABS_REL * w_tot * mu * mu
        weight_eps = _WEIGHT_EPS_REL * w_tot
        level_nodes[0] = 0
        n_level = 1

        for depth in range(max_depth):
            # ---- best split of every node of the level
            n_split = 0
            for k in range(n_level):
                nd = level_nodes[k]
                if not find_node_split(level_hist + k * hsz, level_cnt + k * csz, has_w, feats, q, n_bins_non_missing,
                                       is_cat, &nodes[nd], min_samples_leaf, min_weight_leaf, weight_eps, min_gain, mu,
                                       cst, &sp):
                    continue
                n_split += 1
                split_node(nodes, nd, &sp, feats, is_cat, n_nodes, mu, cst)
                n_nodes += 2
            if n_split == 0 or depth == max_depth - 1:
                break

            # ---- partition rows, histograms of the children worth splitting
            n_next = 0
            for k in range(n_level):
                lc = nodes[level_nodes[k]].left
                if lc >= 0:
                    n_next += (nodes[lc].count >= 2 * min_samples_leaf) + (nodes[lc + 1].count >= 2 * min_samples_leaf)
            if n_next == 0:
                break
            new_hist = <hbin_t*>malloc(n_next * hsz * sizeof(hbin_t))
            new_cnt = <int32_t*>malloc((n_next * csz + 1) * sizeof(int32_t))
            new_level = <int64_t*>malloc(n_next * sizeof(int64_t))
            if not (new_hist and new_cnt and new_level):
                return -1
            slot = 0
            for k in range(n_level):
                nd = level_nodes[k]
                lc = nodes[nd].left
                if lc < 0:
                    continue
                rc = lc + 1
                ok_l = nodes[lc].count >= 2 * min_samples_leaf
                ok_r = nodes[rc].count >= 2 * min_samples_leaf
                if not (ok_l or ok_r):
                    continue
                nl = partition_rows(Xb, p, part, buf, &nodes[nd], is_cat[nodes[nd].feature])
                nodes[lc].start = nodes[nd].start
                nodes[lc].stop = nl
                nodes[rc].start = nl
                nodes[rc].stop = nodes[nd].stop
                nodes[lc].has_range = 1
                nodes[rc].has_range = 1
                # slots in (left, right) order so node ids stay breadth-first left-to-right whatever
                # child is the smaller one
                slot_l = -1
                slot_r = -1
                if ok_l:
                    slot_l = slot
                    new_level[slot] = lc
                    slot += 1
                if ok_r:
                    slot_r = slot
                    new_level[slot] = rc
                    slot += 1
                if nodes[lc].count <= nodes[rc].count:
                    small, slot_s, slot_g = lc, slot_l, slot_r
                else:
                    small, slot_s, slot_g = rc, slot_r, slot_l
                # the larger child is always worth splitting here (count >= small's)
                if slot_s >= 0:
                    hs = new_hist + slot_s * hsz
                    cs = new_cnt + slot_s * csz
                else:
                    hs = tmp_hist
                    cs = tmp_cnt
                build_histogram(Xb, p, y, mu, w, has_w, True, part, nodes[small].start, nodes[small].stop, feats, q,
                                hs, cs)
                subtract_histograms(level_hist + k * hsz, level_cnt + k * csz, hs, cs, has_w, q,
                                    new_hist + slot_g * hsz, new_cnt + slot_g * csz)
            free(level_hist)
            free(level_cnt)
            free(level_nodes)
            level_hist, level_cnt, level_nodes = new_hist, new_cnt, new_level
            new_hist, new_cnt, new_level = NULL, NULL, NULL
            n_level = n_next

        if leaf_of != NULL:
            write_leaves(Xb, p, part, nodes, n_nodes, is_cat, leaf_of)
        return n_nodes
    finally:
        free(part)
        free(buf)
        free(level_hist)
        free(level_cnt)
        free(level_nodes)
        free(tmp_hist)
        free(tmp_cnt)
        free(new_hist)
        free(new_cnt)
        free(new_level)


def grow_level_wise(const uint8_t[:, ::1] Xb, const double[::1] y, const double[::1] w, bint has_w,
                    const int64_t[::1] rows, const int64_t[::1] feats, const int64_t[::1] n_bins_non_missing,
                    const uint8_t[::1] is_cat, int64_t max_depth, int64_t min_samples_leaf, double min_weight_leaf,
                    int32_t[::1] leaf_of, const int32_t[:, ::1] root_cnt, const int8_t[::1] monotonic_cst=None):
    """Grow one tree level-wise to ``max_depth`` on the C-ordered (n, p) binned matrix ``Xb``:
    target ``y`` (n,), weights ``w`` (n,; read when ``has_w``), the used ``rows`` and (sorted)
    features ``feats``, ``n_bins_non_missing`` and ``is_cat`` (p,; uint8) per feature.  A non-empty
    ``leaf_of`` (n,) receives the leaf of every used row; a non-empty ``root_cnt`` (p, 256) holds the
    bin counts of the used rows (the root's count histogram of a weighted fit, then not counted
    again).  A non-empty ``monotonic_cst`` (p,; int8 +1 / -1 / 0, no categorical feature
    constrained) grows a tree whose predictions increase (+1) or decrease (-1) with the constrained
    features (``_splitting``: the bounded search); None or empty: no constraint.  Returns the
    (n_nodes,) ``NODE_DTYPE`` records, breadth-first."""
    cdef int64_t m = rows.shape[0], n_nodes
    cdef int64_t cap = 1
    if m > 0:
        cap = min(((<int64_t>1) << (max_depth + 1)) - 1, 2 * m - 1)
    nodes = new_nodes(cap)
    cdef node_t[::1] nv = nodes
    cdef int32_t* lo = &leaf_of[0] if leaf_of.shape[0] > 0 else NULL
    cdef const int32_t* rc = &root_cnt[0, 0] if root_cnt.shape[0] > 0 else NULL
    cdef const double* wp = &w[0] if has_w else NULL
    cdef const int64_t* rp = &rows[0] if m > 0 else NULL
    cdef const int64_t* fp = &feats[0] if feats.shape[0] > 0 else NULL
    cdef const int8_t* cp = NULL
    if monotonic_cst is not None and monotonic_cst.shape[0] > 0:
        if monotonic_cst.shape[0] != Xb.shape[1]:
            raise ValueError(f"monotonic_cst must have one entry per feature ({Xb.shape[1]}), got "
                             f"{monotonic_cst.shape[0]}")
        cp = &monotonic_cst[0]
    with nogil:
        n_nodes = _grow(&Xb[0, 0], Xb.shape[1], &y[0], wp, has_w, rp, m, fp, feats.shape[0], &n_bins_non_missing[0],
                        &is_cat[0], max_depth, min_samples_leaf, min_weight_leaf, lo, rc, cp, &nv[0])
    if n_nodes < 0:
        raise MemoryError("out of memory growing a tree")
    return nodes[:n_nodes]
