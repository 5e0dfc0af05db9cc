"""Level-wise or best-first growth of a histogram regression tree.

The whole tree is grown in a single numba call (:func:`_grow_kernel`, level-wise
to ``max_depth``; :func:`_grow_best_first_kernel` when ``max_leaf_nodes`` is
given), which releases the GIL, so :func:`grow_trees` grows the ``k`` trees of a
boosting iteration on parallel Python threads.

Algorithm (per tree):

1. The target is centred on its weighted mean ``mu`` over the used rows
   (better conditioned gains; the leaf values add ``mu`` back).
2. The root histogram is accumulated over all used rows.
3. For each level: find the best split of every node (``_splitting``); for
   every split node stably partition its rows (kept in a single index array,
   each node owning a contiguous range), accumulate the histogram of the
   smaller child and obtain the larger one by subtraction.  Children that
   cannot be split (fewer than ``2 * min_samples_leaf`` rows) or that are at
   ``max_depth`` get neither a histogram nor a partition.

Best-first (``max_leaf_nodes``): steps 1-2 as above, then the best split of
the root is found; an open leaf (one with a valid split) of the largest gain
(lowest node id on ties) is split, its rows partitioned, the smaller child's
histogram accumulated and the larger one's subtracted, and the children's best
splits found (children at ``max_depth``, with fewer than
``2 * min_samples_leaf`` rows, or made by the split that reaches
``max_leaf_nodes`` are not searched); repeated until ``max_leaf_nodes``
leaves or no open leaf.  Every split is the one :func:`find_best_split`
returns for the node, as in level-wise growth.

Categorical features (``bin_mapper.is_categorical_``): a split found on one
sends the bins of its 256-bit set left (``_categorical``); partitions and the
recorded leaves use that test, the rest of the growth is the same.

Node ids are in breadth-first order (root 0, children of a node are
consecutive ``left, left + 1``; best-first trees are renumbered so at the
end).  Node values are weighted target means.
"""

from __future__ import annotations

import numbers

import numpy as np
from numba import njit

from .._threads import get_executor, in_pool_thread, resolve_n_threads
from ._binning import MISSING_BIN, N_HIST_BINS
from ._categorical import N_WORDS, bit_is_set
from ._histogram import build_histogram, subtract_histograms
from ._predictor import Tree
from ._splitting import find_best_split

# A split must reduce the weighted SSE by more than
# MIN_GAIN_REL * (root SSE) + MIN_GAIN_ABS_REL * W * mu^2: the first term is a
# relative tolerance, the second one stops splits on rounding noise when the
# target is constant (its centred values are then O(eps * |mu|)).
MIN_GAIN_REL = 1e-13
MIN_GAIN_ABS_REL = 1e-20
# Children must have a weight > WEIGHT_EPS_REL * (root weight) (zero-weight
# guard that is robust to rounding in histogram subtraction).
WEIGHT_EPS_REL = 1e-12


@njit(nogil=True, cache=True)
def _grow_kernel(Xb, y, w, has_w, rows, feats, n_bins_non_missing, is_cat, max_depth, min_samples_leaf,
                 min_weight_leaf, leaf_of, root_cnt):
    """Grow one tree; ``is_cat`` (p,) bool marks the categorical features. A non-empty ``leaf_of``
    (int32, one entry per row of Xb) receives the leaf node id of every used row (other entries are
    left as they are). A non-empty ``root_cnt``
    (p, N_HIST_BINS) int32 holds the bin counts of the used rows for every column of Xb (the root's
    count histogram of a weighted fit, then not accumulated again)."""
    m = rows.shape[0]
    want_leaf = leaf_of.shape[0] > 0
    q = feats.shape[0]
    cap = 1
    if m > 0:
        cap = min((1 << (max_depth + 1)) - 1, 2 * m - 1)
    (feature, bin_thr, mgl, left, right, value, gain, node_w, node_c, node_g, nstart, nstop,
     has_range) = _node_arrays(cap)
    cat_bits = np.zeros((cap, N_WORDS), dtype=np.uint32)  # bitsets of categorical splits

    w_tot, mu = _init_root(y, w, has_w, rows, value, node_w, node_c, nstop)  # the target is centred on mu
    n_nodes = 1
    if m < 2 * min_samples_leaf or max_depth < 1 or q == 0 or not w_tot > 0.0:  # a single leaf
        return _single_leaf(rows, leaf_of, feature, bin_thr, mgl, left, right, value, gain, node_w, node_c, cat_bits)

    part = rows.copy()
    buf = np.empty(m, dtype=rows.dtype)

    cq = q if has_w else 1  # count histograms only for weighted fits
    cb = N_HIST_BINS if has_w else 1
    level_hist = np.empty((1, q, N_HIST_BINS), dtype=np.complex128)
    level_cnt = np.empty((1, cq, cb), dtype=np.int32)
    given_cnt = has_w and root_cnt.shape[0] > 0
    s2 = build_histogram(Xb, y, mu, w, has_w, not given_cnt, part, 0, m, feats, level_hist[0], level_cnt[0])
    if given_cnt:
        for j in range(q):
            level_cnt[0, j, :] = root_cnt[feats[j]]
    g0 = 0.0
    for b in range(N_HIST_BINS):
        g0 += level_hist[0, 0, b].real
    node_g[0] = g0
    min_gain = MIN_GAIN_REL * s2 + MIN_GAIN_ABS_REL * w_tot * mu * mu
    weight_eps = WEIGHT_EPS_REL * w_tot
    level_nodes = np.zeros(1, dtype=np.int64)
    n_level = 1

    for depth in range(max_depth):
        # ---- best split of every node of the level
        n_split = 0
        for k in range(n_level):
            nd = level_nodes[k]
            jb, bb, ml, gn, gl, wl, cl = find_best_split(
                level_hist[k], level_cnt[k], has_w, feats, n_bins_non_missing, is_cat, node_g[nd], node_w[nd],
                node_c[nd], min_samples_leaf, min_weight_leaf, weight_eps, min_gain, cat_bits[nd],
            )
            if jb < 0:
                continue
            n_split += 1
            feature[nd] = feats[jb]
            bin_thr[nd] = bb
            mgl[nd] = ml
            gain[nd] = gn
            lc = n_nodes
            rc = n_nodes + 1
            n_nodes += 2
            left[nd] = lc
            right[nd] = rc
            node_g[lc] = gl
            node_w[lc] = wl
            node_c[lc] = cl
            node_g[rc] = node_g[nd] - gl
            node_w[rc] = node_w[nd] - wl
            node_c[rc] = node_c[nd] - cl
            value[lc] = mu + gl / wl
            value[rc] = mu + node_g[rc] / node_w[rc]
        if n_split == 0 or depth == max_depth - 1:
            break

        # ---- partition rows, histograms of the children worth splitting
        n_next = 0
        for k in range(n_level):
            nd = level_nodes[k]
            lc = left[nd]
            if lc >= 0:
                n_next += (node_c[lc] >= 2 * min_samples_leaf) + (node_c[lc + 1] >= 2 * min_samples_leaf)
        if n_next == 0:
            break
        new_hist = np.empty((n_next, q, N_HIST_BINS), dtype=np.complex128)
        new_cnt = np.empty((n_next, cq, cb), dtype=np.int32)
        new_nodes = np.empty(n_next, dtype=np.int64)
        tmp_hist = np.empty((q, N_HIST_BINS), dtype=np.complex128)
        tmp_cnt = np.empty((cq, cb), dtype=np.int32)
        slot = 0
        for k in range(n_level):
            nd = level_nodes[k]
            lc = left[nd]
            if lc < 0:
                continue
            rc = lc + 1
            ok_l = node_c[lc] >= 2 * min_samples_leaf
            ok_r = node_c[rc] >= 2 * min_samples_leaf
            if not (ok_l or ok_r):
                continue
            s = nstart[nd]
            e = nstop[nd]
            nl = _partition_rows(Xb, part, buf, s, e, feature[nd], bin_thr[nd], np.int64(mgl[nd]),
                                 is_cat[feature[nd]], cat_bits[nd])
            nstart[lc] = s
            nstop[lc] = nl
            nstart[rc] = nl
            nstop[rc] = e
            has_range[lc] = True
            has_range[rc] = True
            # (nl - s == node_c[lc] by construction of the histograms)
            # slots in (left, right) order so node ids stay breadth-first
            # left-to-right whatever child is the smaller one
            slot_l = -1
            slot_r = -1
            if ok_l:
                slot_l = slot
                new_nodes[slot] = lc
                slot += 1
            if ok_r:
                slot_r = slot
                new_nodes[slot] = rc
                slot += 1
            if node_c[lc] <= node_c[rc]:
                small, slot_s, slot_g = lc, slot_l, slot_r
            else:
                small, slot_s, slot_g = rc, slot_r, slot_l
            # the larger child is always worth splitting here (count >= small's)
            if slot_s >= 0:
                hs = new_hist[slot_s]
                cs = new_cnt[slot_s]
            else:
                hs = tmp_hist
                cs = tmp_cnt
            build_histogram(Xb, y, mu, w, has_w, True, part, nstart[small], nstop[small], feats, hs, cs)
            subtract_histograms(level_hist[k], level_cnt[k], hs, cs, has_w, new_hist[slot_g], new_cnt[slot_g])
        level_hist = new_hist
        level_cnt = new_cnt
        level_nodes = new_nodes
        n_level = n_next

    if want_leaf:
        _write_leaves(Xb, part, feature, bin_thr, mgl, is_cat, cat_bits, left, nstart, nstop, has_range, n_nodes,
                      leaf_of)
    return (feature[:n_nodes], bin_thr[:n_nodes], mgl[:n_nodes], left[:n_nodes], right[:n_nodes],
            value[:n_nodes], gain[:n_nodes], node_w[:n_nodes], node_c[:n_nodes], cat_bits[:n_nodes])


@njit(nogil=True, cache=True, inline="always")
def _node_arrays(cap):
    """Per-node arrays of a tree of at most ``cap`` nodes: split (feature, bin threshold, NaN left,
    children), value, gain, weight, count, sum of w * (y - mu), the node's row range in the
    partition and whether it has one (the root does)."""
    has_range = np.zeros(cap, dtype=np.bool_)
    has_range[0] = True
    return (np.full(cap, -1, dtype=np.int32), np.zeros(cap, dtype=np.uint8), np.zeros(cap, dtype=np.bool_),
            np.full(cap, -1, dtype=np.int32), np.full(cap, -1, dtype=np.int32), np.zeros(cap, dtype=np.float64),
            np.zeros(cap, dtype=np.float64), np.zeros(cap, dtype=np.float64), np.zeros(cap, dtype=np.float64),
            np.zeros(cap, dtype=np.float64), np.zeros(cap, dtype=np.int64), np.zeros(cap, dtype=np.int64), has_range)


@njit(nogil=True, cache=True, inline="always")
def _go_left(b, bt, ml_i):
    """1 if bin code ``b`` goes left at threshold bin ``bt`` (NaN bin: left iff ``ml_i``), else 0."""
    return np.int64((b <= bt) & (b != MISSING_BIN)) | (np.int64(b == MISSING_BIN) & ml_i)


@njit(nogil=True, cache=True, inline="always")
def _weighted_mean(y, w, has_w, rows):
    """(sum of weights, weighted mean of y) over ``rows`` (mean 0 when the weights sum to 0)."""
    w_tot = 0.0
    g_tot = 0.0
    for i in range(rows.shape[0]):
        r = rows[i]
        wi = w[r] if has_w else 1.0
        w_tot += wi
        g_tot += wi * y[r]
    return w_tot, (g_tot / w_tot if w_tot > 0.0 else 0.0)


@njit(nogil=True, cache=True, inline="always")
def _init_root(y, w, has_w, rows, value, node_w, node_c, nstop):
    """Set the root (node 0) over the used ``rows``; returns (total weight, weighted target mean)."""
    w_tot, mu = _weighted_mean(y, w, has_w, rows)
    m = rows.shape[0]
    value[0] = mu
    node_w[0] = w_tot
    node_c[0] = m
    nstop[0] = m
    return w_tot, mu


@njit(nogil=True, cache=True, inline="always")
def _single_leaf(rows, leaf_of, feature, bin_thr, mgl, left, right, value, gain, node_w, node_c, cat_bits):
    """The node arrays of a tree that is its root leaf (every used row recorded in leaf 0)."""
    if leaf_of.shape[0] > 0:
        leaf_of[rows] = 0
    return (feature[:1], bin_thr[:1], mgl[:1], left[:1], right[:1], value[:1], gain[:1], node_w[:1], node_c[:1],
            cat_bits[:1])


@njit(nogil=True, cache=True, inline="always")
def _partition_rows(Xb, part, buf, s, e, f, bt, ml_i, cat, bits):
    """Stable in-place partition of ``part[s:e]`` by the split (f, bt, NaN left iff ml_i; if ``cat``:
    left iff the bin is in the bitset ``bits``): rows going left first (``buf``: scratch of at least
    e - s rows). Returns the end of the left block."""
    nl = s
    nr = 0
    if cat:
        for i in range(s, e):
            r = part[i]
            go_left = bit_is_set(bits, Xb[r, f])
            part[nl] = r
            buf[nr] = r
            nl += go_left
            nr += 1 - go_left
    else:
        for i in range(s, e):  # branch-free stable partition
            r = part[i]
            go_left = _go_left(Xb[r, f], bt, ml_i)
            part[nl] = r
            buf[nr] = r
            nl += go_left
            nr += 1 - go_left
    for i in range(nr):
        part[nl + i] = buf[i]
    return nl


@njit(nogil=True, cache=True, inline="always")
def _heap_before(ga, na, gb, nb):
    """Heap order of open leaves: larger gain first, the lower node id on equal gains."""
    return ga > gb or (ga == gb and na < nb)


@njit(nogil=True, cache=True)
def _heap_push(hg, hn, size, g, nd):
    i = size
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


@njit(nogil=True, cache=True)
def _heap_pop(hg, hn, size):
    """Remove the first entry; returns (its node, new size)."""
    top = hn[0]
    size -= 1
    g = hg[size]
    nd = hn[size]
    i = 0
    while True:
        c = 2 * i + 1
        if c >= size:
            break
        if c + 1 < size and _heap_before(hg[c + 1], hn[c + 1], hg[c], hn[c]):
            c += 1
        if not _heap_before(hg[c], hn[c], g, nd):
            break
        hg[i] = hg[c]
        hn[i] = hn[c]
        i = c
    if size > 0:
        hg[i] = g
        hn[i] = nd
    return top, size


@njit(nogil=True, cache=True)
def _grow_best_first_kernel(Xb, y, w, has_w, rows, feats, n_bins_non_missing, is_cat, max_depth, max_leaf_nodes,
                            min_samples_leaf, min_weight_leaf, leaf_of, root_cnt):
    """Grow one tree best-first: split the open leaf of largest gain (the lowest node id on equal
    gains) until ``max_leaf_nodes`` leaves or no open leaf is left. A leaf is open when its depth is
    below ``max_depth``, it has ``>= 2 * min_samples_leaf`` rows and :func:`find_best_split` finds a
    split of its histogram (accumulated for the smaller child of a split, the larger one by
    subtraction). Node ids are renumbered breadth-first at the end. Arguments and outputs as in
    :func:`_grow_kernel`."""
    m = rows.shape[0]
    want_leaf = leaf_of.shape[0] > 0
    q = feats.shape[0]
    cap = 1
    if m > 0:
        cap = min(2 * max_leaf_nodes - 1, 2 * m - 1)
        if max_depth < 30:
            cap = min(cap, (1 << (max_depth + 1)) - 1)
    (feature, bin_thr, mgl, left, right, value, gain, node_w, node_c, node_g, nstart, nstop,
     has_range) = _node_arrays(cap)
    cat_bits = np.zeros((cap, N_WORDS), dtype=np.uint32)  # bitsets of categorical splits
    depth_of = np.zeros(cap, dtype=np.int64)
    # best split of an open leaf (found when the leaf was created)
    sp_j = np.zeros(cap, dtype=np.int64)
    sp_b = np.zeros(cap, dtype=np.uint8)
    sp_ml = np.zeros(cap, dtype=np.bool_)
    sp_gain = np.zeros(cap, dtype=np.float64)
    sp_gl = np.zeros(cap, dtype=np.float64)
    sp_wl = np.zeros(cap, dtype=np.float64)
    sp_cl = np.zeros(cap, dtype=np.float64)
    sp_bits = np.zeros((cap, N_WORDS), dtype=np.uint32)
    slot_of = np.full(cap, -1, dtype=np.int64)  # histogram slot of an open leaf

    w_tot, mu = _init_root(y, w, has_w, rows, value, node_w, node_c, nstop)  # the target is centred on mu
    n_nodes = 1
    if m < 2 * min_samples_leaf or max_depth < 1 or q == 0 or not w_tot > 0.0:  # a single leaf
        return _single_leaf(rows, leaf_of, feature, bin_thr, mgl, left, right, value, gain, node_w, node_c, cat_bits)

    part = rows.copy()
    buf = np.empty(m, dtype=rows.dtype)

    cq = q if has_w else 1  # count histograms only for weighted fits
    cb = N_HIST_BINS if has_w else 1
    # histogram slots of the open leaves (grown by doubling; at most max_leaf_nodes + 1 in use)
    n_slots = min(max_leaf_nodes + 1, 16)
    pool_hist = np.empty((n_slots, q, N_HIST_BINS), dtype=np.complex128)
    pool_cnt = np.empty((n_slots, cq, cb), dtype=np.int32)
    free = np.empty(n_slots, dtype=np.int64)  # stack of free slots
    for s in range(n_slots):
        free[s] = n_slots - 1 - s
    n_free = n_slots
    tmp_hist = np.empty((q, N_HIST_BINS), dtype=np.complex128)
    tmp_cnt = np.empty((cq, cb), dtype=np.int32)

    n_free -= 1
    slot0 = free[n_free]
    given_cnt = has_w and root_cnt.shape[0] > 0
    s2 = build_histogram(Xb, y, mu, w, has_w, not given_cnt, part, 0, m, feats, pool_hist[slot0], pool_cnt[slot0])
    if given_cnt:
        for j in range(q):
            pool_cnt[slot0, j, :] = root_cnt[feats[j]]
    g0 = 0.0
    for b in range(N_HIST_BINS):
        g0 += pool_hist[slot0, 0, b].real
    node_g[0] = g0
    min_gain = MIN_GAIN_REL * s2 + MIN_GAIN_ABS_REL * w_tot * mu * mu
    weight_eps = WEIGHT_EPS_REL * w_tot

    heap_g = np.empty(max(1, min(max_leaf_nodes, cap)), dtype=np.float64)
    heap_n = np.empty(heap_g.shape[0], dtype=np.int64)
    n_heap = 0
    jb, bb, ml, gn, gl, wl, cl = find_best_split(
        pool_hist[slot0], pool_cnt[slot0], has_w, feats, n_bins_non_missing, is_cat, node_g[0], node_w[0],
        node_c[0], min_samples_leaf, min_weight_leaf, weight_eps, min_gain, sp_bits[0],
    )
    if jb >= 0:
        sp_j[0], sp_b[0], sp_ml[0], sp_gain[0], sp_gl[0], sp_wl[0], sp_cl[0] = jb, bb, ml, gn, gl, wl, cl
        slot_of[0] = slot0
        n_heap = _heap_push(heap_g, heap_n, n_heap, gn, 0)
    else:
        n_free += 1

    n_leaves = 1
    while n_heap > 0 and n_leaves < max_leaf_nodes:
        nd, n_heap = _heap_pop(heap_g, heap_n, n_heap)
        gl = sp_gl[nd]
        wl = sp_wl[nd]
        cl = sp_cl[nd]
        feature[nd] = feats[sp_j[nd]]
        bin_thr[nd] = sp_b[nd]
        mgl[nd] = sp_ml[nd]
        cat_bits[nd] = sp_bits[nd]
        gain[nd] = sp_gain[nd]
        lc = n_nodes
        rc = n_nodes + 1
        n_nodes += 2
        n_leaves += 1
        left[nd] = lc
        right[nd] = rc
        node_g[lc] = gl
        node_w[lc] = wl
        node_c[lc] = cl
        node_g[rc] = node_g[nd] - gl
        node_w[rc] = node_w[nd] - wl
        node_c[rc] = node_c[nd] - cl
        value[lc] = mu + gl / wl
        value[rc] = mu + node_g[rc] / node_w[rc]
        depth_of[lc] = depth_of[nd] + 1
        depth_of[rc] = depth_of[nd] + 1
        slot_p = slot_of[nd]
        slot_of[nd] = -1
        # children worth a histogram: splittable, and not the last split
        more = n_leaves < max_leaf_nodes and depth_of[lc] < max_depth
        ok_l = more and node_c[lc] >= 2 * min_samples_leaf
        ok_r = more and node_c[rc] >= 2 * min_samples_leaf
        if ok_l or ok_r:
            s = nstart[nd]
            e = nstop[nd]
            nl = _partition_rows(Xb, part, buf, s, e, feature[nd], bin_thr[nd], np.int64(mgl[nd]),
                                 is_cat[feature[nd]], cat_bits[nd])
            nstart[lc] = s
            nstop[lc] = nl
            nstart[rc] = nl
            nstop[rc] = e
            has_range[lc] = True
            has_range[rc] = True
            # slots of the children (the parent's slot is still in use: subtraction)
            need = np.int64(ok_l) + np.int64(ok_r)
            if n_free < need:
                grown = 2 * n_slots
                new_hist = np.empty((grown, q, N_HIST_BINS), dtype=np.complex128)
                new_cnt = np.empty((grown, cq, cb), dtype=np.int32)
                new_hist[:n_slots] = pool_hist
                new_cnt[:n_slots] = pool_cnt
                pool_hist = new_hist
                pool_cnt = new_cnt
                new_free = np.empty(grown, dtype=np.int64)
                new_free[:n_free] = free[:n_free]
                for t in range(grown - n_slots):
                    new_free[n_free + t] = grown - 1 - t
                free = new_free
                n_free += grown - n_slots
                n_slots = grown
            if ok_l:
                n_free -= 1
                slot_of[lc] = free[n_free]
            if ok_r:
                n_free -= 1
                slot_of[rc] = free[n_free]
            if node_c[lc] <= node_c[rc]:
                small, large = lc, rc
            else:
                small, large = rc, lc
            # the larger child is always worth splitting here (count >= small's)
            ss = slot_of[small]
            if ss >= 0:
                hs = pool_hist[ss]
                cs = pool_cnt[ss]
            else:
                hs = tmp_hist
                cs = tmp_cnt
            build_histogram(Xb, y, mu, w, has_w, True, part, nstart[small], nstop[small], feats, hs, cs)
            sg = slot_of[large]
            subtract_histograms(pool_hist[slot_p], pool_cnt[slot_p], hs, cs, has_w, pool_hist[sg], pool_cnt[sg])
        free[n_free] = slot_p
        n_free += 1
        for ch in (lc, rc):
            sc = slot_of[ch]
            if sc < 0:
                continue
            jb, bb, ml, gn, gl, wl, cl = find_best_split(
                pool_hist[sc], pool_cnt[sc], has_w, feats, n_bins_non_missing, is_cat, node_g[ch], node_w[ch],
                node_c[ch], min_samples_leaf, min_weight_leaf, weight_eps, min_gain, sp_bits[ch],
            )
            if jb >= 0:
                sp_j[ch], sp_b[ch], sp_ml[ch], sp_gain[ch], sp_gl[ch], sp_wl[ch], sp_cl[ch] = jb, bb, ml, gn, gl, wl, cl
                n_heap = _heap_push(heap_g, heap_n, n_heap, gn, ch)
            else:
                slot_of[ch] = -1
                free[n_free] = sc
                n_free += 1

    # ---- breadth-first node ids (children stay consecutive, left first)
    order = np.empty(n_nodes, dtype=np.int64)  # new id -> old id
    new_id = np.empty(n_nodes, dtype=np.int64)
    order[0] = 0
    tail = 1
    for head in range(n_nodes):
        o = order[head]
        if left[o] >= 0:
            order[tail] = left[o]
            order[tail + 1] = right[o]
            tail += 2
    for i in range(n_nodes):
        new_id[order[i]] = i
    feature = feature[order]
    bin_thr = bin_thr[order]
    mgl = mgl[order]
    cat_bits = cat_bits[order]
    value = value[order]
    gain = gain[order]
    node_w = node_w[order]
    node_c = node_c[order]
    nstart = nstart[order]
    nstop = nstop[order]
    has_range = has_range[order]
    lo = left[order]
    left = np.full(n_nodes, -1, dtype=np.int32)
    right = np.full(n_nodes, -1, dtype=np.int32)
    for i in range(n_nodes):
        if lo[i] >= 0:
            left[i] = new_id[lo[i]]
            right[i] = left[i] + 1

    if want_leaf:
        _write_leaves(Xb, part, feature, bin_thr, mgl, is_cat, cat_bits, left, nstart, nstop, has_range, n_nodes,
                      leaf_of)
    return feature, bin_thr, mgl, left, right, value, gain, node_w, node_c, cat_bits


@njit(nogil=True, cache=True)
def _write_leaves(Xb, part, feature, bin_thr, mgl, is_cat, cat_bits, left, nstart, nstop, has_range, n_nodes,
                  leaf_of):
    """leaf_of[r] = leaf node of row r, from the row ranges of the partition: leaves that own a range
    directly; the children of a split node whose rows were not partitioned (they are leaves) by
    routing that node's rows once, as the partition would."""
    for nd in range(n_nodes):
        if not has_range[nd]:
            continue
        lc = left[nd]
        if lc < 0:
            for i in range(nstart[nd], nstop[nd]):
                leaf_of[part[i]] = nd
        elif not has_range[lc]:
            f = feature[nd]
            bt = bin_thr[nd]
            ml_i = np.int64(mgl[nd])
            if is_cat[f]:
                bits = cat_bits[nd]
                for i in range(nstart[nd], nstop[nd]):
                    r = part[i]
                    leaf_of[r] = lc + 1 - bit_is_set(bits, Xb[r, f])
            else:
                for i in range(nstart[nd], nstop[nd]):
                    r = part[i]
                    leaf_of[r] = lc + 1 - _go_left(Xb[r, f], bt, ml_i)


_NO_LEAVES = np.empty(0, dtype=np.int32)
_NO_COUNTS = np.empty((0, N_HIST_BINS), dtype=np.int32)


def bin_counts(Xb):
    """(p, N_HIST_BINS) int32 row counts of every bin of every column of the binned matrix: the root
    count histogram of a tree grown on all rows (``grow_trees(root_counts=)``)."""
    Xb = np.asarray(Xb)
    return np.stack([np.bincount(Xb[:, j], minlength=N_HIST_BINS) for j in range(Xb.shape[1])]).astype(np.int32)


def _as_index(a, n, name):
    if a is None:
        return None
    a = np.asarray(a)
    if a.dtype == np.bool_:
        if a.shape != (n,):
            raise ValueError(f"boolean {name} must have shape ({n},)")
        return np.flatnonzero(a)
    return np.ascontiguousarray(a, dtype=np.int64).reshape(-1)


def _prepare_weight(sample_weight, n):
    """(contiguous float64 weights or an empty array, has_w)."""
    if sample_weight is None:
        return np.empty(0, dtype=np.float64), False
    w = np.ascontiguousarray(sample_weight, dtype=np.float64).reshape(-1)
    if w.shape[0] != n:
        raise ValueError("sample_weight must have shape (n,)")
    return w, True


def _prepare(Xb, sample_weight, rows, features, bin_mapper, max_depth, max_leaf_nodes, min_samples_leaf,
             min_weight_leaf):
    if not (isinstance(Xb, np.ndarray) and Xb.dtype == np.uint8 and Xb.ndim == 2 and Xb.flags.c_contiguous):
        Xb = np.ascontiguousarray(Xb, dtype=np.uint8)
        if Xb.ndim != 2:
            raise ValueError("Xb must be a 2-d binned matrix")
    n, p = Xb.shape
    nbnm = bin_mapper.n_bins_non_missing_
    is_cat = getattr(bin_mapper, "is_categorical_", None)  # None: a BinMapper pickled before categorical features
    is_cat = np.zeros(p, dtype=np.bool_) if is_cat is None else np.ascontiguousarray(is_cat, dtype=np.bool_)
    if nbnm.shape[0] != p:
        raise ValueError(f"Xb has {p} features but bin_mapper was fitted on {nbnm.shape[0]}")
    w, has_w = _prepare_weight(sample_weight, n)
    rows = _as_index(rows, n, "rows")
    if rows is None:
        rows = np.arange(n, dtype=np.int64)
    elif rows.size and (rows.min() < 0 or rows.max() >= n):
        raise IndexError("rows out of range")
    if features is None:
        feats = np.arange(p, dtype=np.int64)
    else:
        feats = np.unique(_as_index(features, p, "features"))
        if feats.size and (feats[0] < 0 or feats[-1] >= p):
            raise IndexError("features out of range")
    max_depth, max_leaf_nodes = check_growth(max_depth, max_leaf_nodes)
    min_samples_leaf = int(min_samples_leaf)
    if min_samples_leaf < 1:
        raise ValueError("min_samples_leaf must be >= 1")
    return (Xb, w, has_w, rows, feats, (nbnm, is_cat), max_depth, max_leaf_nodes, min_samples_leaf,
            float(min_weight_leaf))


_UNLIMITED_DEPTH = 1 << 40  # max_depth=None of a best-first tree
_MAX_LEAF_NODES = 1 << 40  # larger max_leaf_nodes are the same (n_leaves <= rows)


def _is_int(v):
    return isinstance(v, (numbers.Integral, np.integer)) and not isinstance(v, (bool, np.bool_))


def check_growth(max_depth, max_leaf_nodes):
    """Validated (max_depth, max_leaf_nodes) for the kernels: level-wise (max_leaf_nodes None, int
    max_depth in [0, 30]) or best-first (int max_leaf_nodes >= 2, max_depth None or int >= 0)."""
    if max_leaf_nodes is not None:
        if not _is_int(max_leaf_nodes) or max_leaf_nodes < 2:
            raise ValueError(f"max_leaf_nodes must be None or an int >= 2, got {max_leaf_nodes!r}")
        max_leaf_nodes = min(int(max_leaf_nodes), _MAX_LEAF_NODES)
        if max_depth is None:
            return _UNLIMITED_DEPTH, max_leaf_nodes
        if not _is_int(max_depth) or max_depth < 0:
            raise ValueError(f"max_depth must be None or an int >= 0, got {max_depth!r}")
        return min(int(max_depth), _UNLIMITED_DEPTH), max_leaf_nodes
    if max_depth is None:
        raise ValueError("max_depth=None (unlimited) needs max_leaf_nodes")
    max_depth = int(max_depth)
    if max_depth < 0:
        raise ValueError("max_depth must be >= 0")
    if max_depth > 30:
        raise ValueError("max_depth must be <= 30 (level-wise growth; use max_leaf_nodes for deeper trees)")
    return max_depth, None


def _grow(Xb, y, w, has_w, rows, feats, bins, max_depth, max_leaf_nodes, msl, mwl, leaf_of, root_cnt):
    nbnm, is_cat = bins
    if max_leaf_nodes is None:
        return _grow_kernel(Xb, y, w, has_w, rows, feats, nbnm, is_cat, max_depth, msl, mwl, leaf_of, root_cnt)
    return _grow_best_first_kernel(Xb, y, w, has_w, rows, feats, nbnm, is_cat, max_depth, max_leaf_nodes, msl, mwl,
                                   leaf_of, root_cnt)


def _make_tree(out, bin_mapper):
    feature, bin_thr, mgl, left, right, value, gain, node_w, node_c, cat_bits = out
    is_split = feature >= 0
    threshold = np.where(is_split, bin_mapper.thresholds_[np.where(is_split, feature, 0), bin_thr], np.nan)
    is_cat = getattr(bin_mapper, "is_categorical_", None)
    cat_node = None
    if is_cat is not None and is_cat.any():
        cat_node = is_split & is_cat[np.where(is_split, feature, 0)]
        if cat_node.any():
            threshold[cat_node] = np.nan  # categorical splits have no threshold
        else:
            cat_node = None  # a tree without categorical splits is a plain numeric tree
    return Tree(feature, threshold, bin_thr, mgl, left, right, value, gain, node_w, node_c.astype(np.int64),
                is_categorical=cat_node, cat_bitset=None if cat_node is None else cat_bits)


def grow_tree(Xb, y, sample_weight=None, rows=None, features=None, *, bin_mapper, max_depth=3,
              min_samples_leaf=1, min_weight_leaf=0.0, max_leaf_nodes=None):
    """Grow one least-squares regression tree on the binned matrix.

    Parameters
    ----------
    Xb : uint8 array (n, p), C-contiguous (from ``bin_mapper.transform``).
    y : float64 array (n,)
        Target (e.g. a natural-gradient column).
    sample_weight : float64 array (n,) or None
        Non-negative weights (not validated here, for speed).
    rows : int array or bool mask or None
        Rows used for fitting (a row subsample; repeats allowed and counted).
        Sorted rows give better memory locality.  None: all rows.
    features : int array or bool mask or None
        Columns the tree may split on.  None: all columns.
    bin_mapper : fitted :class:`BinMapper` that produced ``Xb``.
    max_depth : int, or None with ``max_leaf_nodes``
        Number of split levels (depth 3: up to 8 leaves); None: unlimited.
    min_samples_leaf : int
        Minimum number of (used) rows per leaf.
    min_weight_leaf : float
        Minimum sum of weights per leaf (a tiny relative guard is always on).
    max_leaf_nodes : int >= 2 or None
        None: level-wise growth (every node of a level that has a valid
        split is split, down to ``max_depth``).  An int: best-first growth
        (LightGBM / scikit-learn HGB style), the open leaf with the largest
        gain is split next (lowest node id on ties) until the tree has
        ``max_leaf_nodes`` leaves, no leaf can be split, or within
        ``max_depth``.  Node ids are breadth-first in both modes.

    Returns
    -------
    Tree
    """
    Xb, w, has_w, rows, feats, bins, max_depth, mln, msl, mwl = _prepare(
        Xb, sample_weight, rows, features, bin_mapper, max_depth, max_leaf_nodes, min_samples_leaf, min_weight_leaf
    )
    y = np.ascontiguousarray(y, dtype=np.float64).reshape(-1)
    if y.shape[0] != Xb.shape[0]:
        raise ValueError("y must have shape (n,)")
    out = _grow(Xb, y, w, has_w, rows, feats, bins, max_depth, mln, msl, mwl, _NO_LEAVES, _NO_COUNTS)
    return _make_tree(out, bin_mapper)


def grow_trees(Xb, Y, sample_weight=None, rows=None, features=None, *, bin_mapper, max_depth=3,
               min_samples_leaf=1, min_weight_leaf=0.0, n_threads=None, leaves=None, root_counts=None,
               max_leaf_nodes=None):
    """Grow one tree per column of ``Y`` (n, k), all on the same rows/features.

    ``sample_weight`` is None, (n,) for all trees, (n, k) with one weight
    column per tree, or a list of k entries each None or (n,).  The trees are
    grown on up to ``n_threads`` threads (None: all cores); the result does
    not depend on the number of threads.  Returns a list of ``k`` :class:`Tree`.
    ``leaves``: optional C-contiguous int32 array (k, n) whose row ``c`` receives
    the leaf node id of tree ``c`` for every used row (the training prediction
    is then ``trees[c].value[leaves[c]]`` without a second pass over the rows).
    ``root_counts``: optional ``bin_counts(Xb)`` when ``rows`` is None (all
    rows): weighted trees then skip counting rows at their root.
    ``max_depth``, ``min_samples_leaf``, ``min_weight_leaf``, ``max_leaf_nodes``:
    as in :func:`grow_tree` (``max_leaf_nodes`` int: best-first growth).
    """
    per_tree = sample_weight is not None and (isinstance(sample_weight, list) or np.ndim(sample_weight) == 2)
    all_rows = rows is None
    Xb, w, has_w, rows, feats, bins, max_depth, mln, msl, mwl = _prepare(
        Xb, None if per_tree else sample_weight, rows, features, bin_mapper, max_depth, max_leaf_nodes,
        min_samples_leaf, min_weight_leaf,
    )
    Y = np.asarray(Y, dtype=np.float64)
    if Y.ndim == 1:
        Y = Y[:, None]
    if Y.ndim != 2 or Y.shape[0] != Xb.shape[0]:
        raise ValueError("Y must have shape (n, k)")
    k = Y.shape[1]
    Yf = np.asfortranarray(Y)  # contiguous columns

    weights = [(w, has_w)] * k
    if per_tree:
        cols = list(sample_weight) if isinstance(sample_weight, list) else list(np.asarray(sample_weight).T)
        if len(cols) != k:
            raise ValueError(f"per-tree sample_weight must have {k} columns, got {len(cols)}")
        weights = [_prepare_weight(c, Xb.shape[0]) for c in cols]

    if leaves is not None and not (isinstance(leaves, np.ndarray) and leaves.dtype == np.int32
                                   and leaves.shape == (k, Xb.shape[0]) and leaves.flags.c_contiguous):
        raise ValueError(f"leaves must be a C-contiguous int32 array of shape ({k}, {Xb.shape[0]})")

    if root_counts is not None:
        if not all_rows:
            raise ValueError("root_counts is only for trees grown on all rows (rows=None)")
        root_counts = np.ascontiguousarray(root_counts, dtype=np.int32)
        if root_counts.shape != (Xb.shape[1], N_HIST_BINS):
            raise ValueError(f"root_counts must have shape ({Xb.shape[1]}, {N_HIST_BINS})")
    root_cnt = _NO_COUNTS if root_counts is None else root_counts

    def grow(c):
        wc, has_wc = weights[c]
        leaf_of = _NO_LEAVES if leaves is None else leaves[c]
        return _grow(Xb, Yf[:, c], wc, has_wc, rows, feats, bins, max_depth, mln, msl, mwl, leaf_of, root_cnt)

    n_threads = min(resolve_n_threads(n_threads), k)
    if n_threads <= 1 or in_pool_thread():
        outs = [grow(c) for c in range(k)]
    else:
        ex = get_executor()
        # column c runs on worker c % n_threads, columns of a worker in order
        def run(t):
            return [(c, grow(c)) for c in range(t, k, n_threads)]

        outs = [None] * k
        for fut in [ex.submit(run, t) for t in range(n_threads)]:
            for c, o in fut.result():
                outs[c] = o
    return [_make_tree(o, bin_mapper) for o in outs]
