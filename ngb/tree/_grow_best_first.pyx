"""Best-first growth of a histogram regression tree (``max_leaf_nodes``), in one call that releases
the GIL.

As level-wise growth (``_grow_level``) for the root; then the open leaf (one with a valid split)
of the largest gain (the lowest node id on ties) is split, its rows partitioned, the smaller
child's histogram accumulated and the larger one's subtracted, and the children's best splits
found (children at ``max_depth``, with fewer than ``2 * min_samples_leaf`` rows, or made by the
split that reaches ``max_leaf_nodes`` are not searched); repeated until ``max_leaf_nodes`` leaves
or no open leaf.  Node ids are renumbered breadth-first at the end.
"""

from libc.stdint cimport int8_t, int32_t, int64_t, uint8_t
from libc.stdlib cimport free, malloc, realloc
from libc.string cimport memcpy

from ._histogram cimport build_histogram, hbin_t, subtract_histograms
from ._nodes cimport find_node_split, init_root, node_t, partition_rows, single_leaf, split_node, write_leaves
from ._routing cimport N_HIST_BINS
from ._splitting cimport split_t

from ._grow_level import MIN_GAIN_ABS_REL, MIN_GAIN_REL, WEIGHT_EPS_REL
from ._nodes import new_nodes

cdef double _MIN_GAIN_REL = MIN_GAIN_REL, _MIN_GAIN_ABS_REL = MIN_GAIN_ABS_REL, _WEIGHT_EPS_REL = WEIGHT_EPS_REL


# ------------------------------------------------------------------ heap of open leaves
cdef inline bint _heap_before(double ga, int64_t na, double gb, int64_t nb) noexcept nogil:
    """Heap order of open leaves: larger gain first, the lower node id on equal gains."""
    return ga > gb or (ga == gb and na < nb)


cdef int64_t _heap_push(double* hg, int64_t* hn, int64_t size, double g, int64_t nd) noexcept nogil:
    cdef int64_t i = size, p
    while i > 0:
        p = (i - 1) >> 1
        if not _heap_before(g, nd, hg[p], hn[p]):
            break
        hg[i] = hg[p]
        hn[i] = hn[p]
        i = p
    hg[i] = g
    hn[i] = nd
    return size + 1


cdef int64_t _heap_pop(double* hg, int64_t* hn, int64_t* size) noexcept nogil:
    """Remove the first entry; returns its node (size updated)."""
    cdef int64_t top = hn[0], i = 0, c, nd
    cdef double g
    size[0] -= 1
    g = hg[size[0]]
    nd = hn[size[0]]
    while True:
        c = 2 * i + 1
        if c >= size[0]:
            break
        if c + 1 < size[0] and _heap_before(hg[c + 1], hn[c + 1], hg[c], hn[c]):
            c += 1
        if not _heap_before(hg[c], hn[c], g, nd):
            break
        hg[i] = hg[c]
        hn[i] = hn[c]
        i = c
    if size[0] > 0:
        hg[i] = g
        hn[i] = nd
    return top


# ------------------------------------------------------------------ breadth-first renumbering
cdef bint _renumber(node_t* nodes, int64_t n_nodes) noexcept nogil:
    """Renumber the nodes breadth-first (children stay consecutive, left first); False when out of
    memory."""
    cdef int64_t* order = <int64_t*>malloc(n_nodes * sizeof(int64_t))  # new id -> old id
    cdef int64_t* new_id = <int64_t*>malloc(n_nodes * sizeof(int64_t))
    cdef node_t* old = <node_t*>malloc(n_nodes * sizeof(node_t))
    cdef int64_t head, tail = 1, o, i
    if not (order and new_id and old):
        free(order)
        free(new_id)
        free(old)
        return False
    order[0] = 0
    for head in range(n_nodes):
        o = order[head]
        if nodes[o].left >= 0:
            order[tail] = nodes[o].left
            order[tail + 1] = nodes[o].right
            tail += 2
    for i in range(n_nodes):
        new_id[order[i]] = i
    memcpy(old, nodes, n_nodes * sizeof(node_t))
    for i in range(n_nodes):
        nodes[i] = old[order[i]]
        if nodes[i].left >= 0:
            nodes[i].left = <int32_t>new_id[nodes[i].left]
            nodes[i].right = nodes[i].left + 1
    free(order)
    free(new_id)
    free(old)
    return True


# ------------------------------------------------------------------ growth
cdef int64_t _grow(const uint8_t* Xb, int64_t p, const double* y, const double* w, bint has_w, const int64_t* rows,
                   int64_t m, const int64_t* feats, int64_t q, const int64_t* n_bins_non_missing, const uint8_t* is_cat,
                   int64_t max_depth, int64_t max_leaf_nodes, int64_t min_samples_leaf, double min_weight_leaf,
                   int32_t* leaf_of, const int32_t* root_cnt, const int8_t* cst, node_t* nodes,
                   int64_t cap) noexcept nogil:
    """Grow one tree best-first into ``nodes`` (capacity ``cap``), with monotonic constraints
    ``cst`` (per feature; NULL: none); returns the number of nodes, -1 when out of memory."""
    cdef double w_tot, mu, s2, g0, min_gain, weight_eps
    cdef int64_t n_nodes = 1, k, nd, lc, rc, small, large, nl, j, b, ch, t, grown, need, sc, ss, sg, slot_p, slot0
    cdef int64_t hsz = q * N_HIST_BINS
    cdef int64_t csz = hsz if has_w else 0  # count histograms only for weighted fits
    cdef int64_t n_leaves, n_heap = 0, n_free, n_slots
    cdef bint ok_l, ok_r, more, given_cnt
    cdef split_t sp
    cdef hbin_t* hs
    cdef int32_t* cs
    init_root(nodes, y, w, has_w, rows, m, &w_tot, &mu)  # the target is centred on mu
    if m < 2 * min_samples_leaf or max_depth < 1 or q == 0 or not w_tot > 0.0:
        return single_leaf(rows, m, leaf_of)

    # histogram slots of the open leaves (grown by doubling; at most max_leaf_nodes + 1 in use)
    n_slots = min(max_leaf_nodes + 1, 16)
    cdef int64_t n_heap_cap = max(1, min(max_leaf_nodes, cap))
    cdef int64_t* part = <int64_t*>malloc(m * sizeof(int64_t))
    cdef int64_t* buf = <int64_t*>malloc(m * sizeof(int64_t))
    cdef int64_t* slot_of = <int64_t*>malloc(cap * sizeof(int64_t))  # histogram slot of an open leaf
    cdef hbin_t* pool_hist = <hbin_t*>malloc(n_slots * hsz * sizeof(hbin_t))
    cdef int32_t* pool_cnt = <int32_t*>malloc((n_slots * csz + 1) * sizeof(int32_t))
    cdef int64_t* free_slots = <int64_t*>malloc(n_slots * sizeof(int64_t))  # stack of free slots
    cdef hbin_t* tmp_hist = <hbin_t*>malloc(hsz * sizeof(hbin_t))
    cdef int32_t* tmp_cnt = <int32_t*>malloc((csz + 1) * sizeof(int32_t))
    cdef double* heap_g = <double*>malloc(n_heap_cap * sizeof(double))
    cdef int64_t* heap_n = <int64_t*>malloc(n_heap_cap * sizeof(int64_t))
    cdef void* grown_p
    try:
        if not (part and buf and slot_of and pool_hist and pool_cnt and free_slots and tmp_hist and tmp_cnt and heap_g
                and heap_n):
            return -1
        memcpy(part, rows, m * sizeof(int64_t))
        for k in range(cap):
            slot_of[k] = -1
        for k in range(n_slots):
            free_slots[k] = n_slots - 1 - k
        n_free = n_slots

        n_free -= 1
        slot0 = free_slots[n_free]
        given_cnt = has_w and root_cnt != NULL
        s2 = build_histogram(Xb, p, y, mu, w, has_w, not given_cnt, part, 0, m, feats, q, pool_hist + slot0 * hsz,
                             pool_cnt + slot0 * csz)
        if given_cnt:
            for j in range(q):
                memcpy(pool_cnt + slot0 * csz + j * N_HIST_BINS, root_cnt + feats[j] * N_HIST_BINS,
                       N_HIST_BINS * sizeof(int32_t))
        g0 = 0.0
        for b in range(N_HIST_BINS):
            g0 += pool_hist[slot0 * hsz + b].g
        nodes[0].sum_g = g0
        min_gain = _MIN_GAIN_REL * s2 + _MIN_GAIN_ABS_REL * w_tot * mu * mu
        weight_eps = _WEIGHT_EPS_REL * w_tot

        if find_node_split(pool_hist + slot0 * hsz, pool_cnt + slot0 * csz, has_w, feats, q, n_bins_non_missing, is_cat,
                           &nodes[0], min_samples_leaf, min_weight_leaf, weight_eps, min_gain, mu, cst,
                           &nodes[0].best):
            slot_of[0] = slot0
            n_heap = _heap_push(heap_g, heap_n, n_heap, nodes[0].best.gain, 0)
        else:
            n_free += 1

        n_leaves = 1
        while n_heap > 0 and n_leaves < max_leaf_nodes:
            nd = _heap_pop(heap_g, heap_n, &n_heap)
            lc = n_nodes
            rc = n_nodes + 1
            split_node(nodes, nd, &nodes[nd].best, feats, is_cat, lc, mu, cst)
            n_nodes += 2
            n_leaves += 1
            nodes[lc].depth = nodes[nd].depth + 1
            nodes[rc].depth = nodes[nd].depth + 1
            slot_p = slot_of[nd]
            slot_of[nd] = -1
            # children worth a histogram: splittable, and not the last split
            more = n_leaves < max_leaf_nodes and nodes[lc].depth < max_depth
            ok_l = more and nodes[lc].count >= 2 * min_samples_leaf
            ok_r = more and nodes[rc].count >= 2 * min_samples_leaf
            if ok_l or ok_r:
                nl = partition_rows(Xb, p, part, buf, &nodes[nd], is_cat[nodes[nd].feature])
                nodes[lc].start = nodes[nd].start
                nodes[lc].stop = nl
                nodes[rc].start = nl
                nodes[rc].stop = nodes[nd].stop
                nodes[lc].has_range = 1
                nodes[rc].has_range = 1
                # slots of the children (the parent's slot is still in use: subtraction)
                need = (<int64_t>ok_l) + (<int64_t>ok_r)
                if n_free < need:
                    grown = 2 * n_slots
                    grown_p = realloc(pool_hist, grown * hsz * sizeof(hbin_t))
                    if grown_p == NULL:
                        return -1
                    pool_hist = <hbin_t*>grown_p
                    grown_p = realloc(pool_cnt, (grown * csz + 1) * sizeof(int32_t))
                    if grown_p == NULL:
                        return -1
                    pool_cnt = <int32_t*>grown_p
                    grown_p = realloc(free_slots, grown * sizeof(int64_t))
                    if grown_p == NULL:
                        return -1
                    free_slots = <int64_t*>grown_p
                    for t in range(grown - n_slots):
                        free_slots[n_free + t] = grown - 1 - t
                    n_free += grown - n_slots
                    n_slots = grown
                if ok_l:
                    n_free -= 1
                    slot_of[lc] = free_slots[n_free]
                if ok_r:
                    n_free -= 1
                    slot_of[rc] = free_slots[n_free]
                if nodes[lc].count <= nodes[rc].count:
                    small, large = lc, rc
                else:
                    small, large = rc, lc
                # the larger child is always worth splitting here (count >= small's)
                ss = slot_of[small]
                if ss >= 0:
                    hs = pool_hist + ss * hsz
                    cs = pool_cnt + ss * csz
                else:
                    hs = tmp_hist
                    cs = tmp_cnt
                build_histogram(Xb, p, y, mu, w, has_w, True, part, nodes[small].start, nodes[small].stop, feats, q,
                                hs, cs)
                sg = slot_of[large]
                subtract_histograms(pool_hist + slot_p * hsz, pool_cnt + slot_p * csz, hs, cs, has_w, q,
                                    pool_hist + sg * hsz, pool_cnt + sg * csz)
            free_slots[n_free] = slot_p
            n_free += 1
            for ch in range(lc, lc + 2):
                sc = slot_of[ch]
                if sc < 0:
                    continue
                if find_node_split(pool_hist + sc * hsz, pool_cnt + sc * csz, has_w, feats, q, n_bins_non_missing,
                                   is_cat, &nodes[ch], min_samples_leaf, min_weight_leaf, weight_eps, min_gain, mu,
                                   cst, &nodes[ch].best):
                    n_heap = _heap_push(heap_g, heap_n, n_heap, nodes[ch].best.gain, ch)
                else:
                    slot_of[ch] = -1
                    free_slots[n_free] = sc
                    n_free += 1

        if not _renumber(nodes, n_nodes):
            return -1
        if leaf_of != NULL:
            write_leaves(Xb, p, part, nodes, n_nodes, is_cat, leaf_of)
        return n_nodes
    finally:
        free(part)
        free(buf)
        free(slot_of)
        free(pool_hist)
        free(pool_cnt)
        free(free_slots)
        free(tmp_hist)
        free(tmp_cnt)
        free(heap_g)
        free(heap_n)


def grow_best_first(const uint8_t[:, ::1] Xb, const double[::1] y, const double[::1] w, bint has_w,
                    const int64_t[::1] rows, const int64_t[::1] feats, const int64_t[::1] n_bins_non_missing,
                    const uint8_t[::1] is_cat, int64_t max_depth, int64_t max_leaf_nodes, int64_t min_samples_leaf,
                    double min_weight_leaf, int32_t[::1] leaf_of, const int32_t[:, ::1] root_cnt,
                    const int8_t[::1] monotonic_cst=None):
    """Grow one tree best-first: split the open leaf of largest gain (the lowest node id on equal
    gains) until ``max_leaf_nodes`` leaves or no open leaf is left. A leaf is open when its depth
    is below ``max_depth``, it has ``>= 2 * min_samples_leaf`` rows and ``find_best_split`` finds a
    split of its histogram. Arguments (``monotonic_cst`` too) and result as in
    ``_grow_level.grow_level_wise``."""
    cdef int64_t m = rows.shape[0], n_nodes
    cdef int64_t cap = 1
    if m > 0:
        cap = min(2 * max_leaf_nodes - 1, 2 * m - 1)
        if max_depth < 30:
            cap = min(cap, ((<int64_t>1) << (max_depth + 1)) - 1)
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
                        &is_cat[0], max_depth, max_leaf_nodes, min_samples_leaf, min_weight_leaf, lo, rc, cp, &nv[0],
                        cap)
    if n_nodes < 0:
        raise MemoryError("out of memory growing a tree")
    return nodes[:n_nodes]
