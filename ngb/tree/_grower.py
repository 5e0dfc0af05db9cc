"""Level-wise growth of a histogram regression tree.

The whole tree is grown in a single numba call (:func:`_grow_kernel`), which
releases the GIL, so :func:`grow_trees` grows the ``k`` trees of a boosting
iteration on parallel Python threads.

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

Node ids are in breadth-first order (root 0, children of a node are
consecutive ``left, left + 1``).  Node values are weighted target means.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ._binning import MISSING_BIN, N_HIST_BINS, effective_n_threads, get_executor, in_pool_thread
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
def _grow_kernel(Xb, y, w, has_w, rows, feats, n_bins_non_missing, max_depth, min_samples_leaf, min_weight_leaf,
                 leaf_of, root_cnt):
    """Grow one tree; a non-empty ``leaf_of`` (int32, one entry per row of Xb) receives the leaf
    node id of every used row (other entries are left as they are). A non-empty ``root_cnt``
    (p, N_HIST_BINS) int32 holds the bin counts of the used rows for every column of Xb (the root's
    count histogram of a weighted fit, then not accumulated again)."""
    m = rows.shape[0]
    want_leaf = leaf_of.shape[0] > 0
    q = feats.shape[0]
    cap = 1
    if m > 0:
        cap = min((1 << (max_depth + 1)) - 1, 2 * m - 1)
    feature = np.full(cap, -1, dtype=np.int32)
    bin_thr = np.zeros(cap, dtype=np.uint8)
    mgl = np.zeros(cap, dtype=np.bool_)
    left = np.full(cap, -1, dtype=np.int32)
    right = np.full(cap, -1, dtype=np.int32)
    value = np.zeros(cap, dtype=np.float64)
    gain = np.zeros(cap, dtype=np.float64)
    node_w = np.zeros(cap, dtype=np.float64)
    node_c = np.zeros(cap, dtype=np.float64)
    node_g = np.zeros(cap, dtype=np.float64)  # sum of w * (y - mu)
    nstart = np.zeros(cap, dtype=np.int64)
    nstop = np.zeros(cap, dtype=np.int64)
    has_range = np.zeros(cap, dtype=np.bool_)  # part[nstart:nstop] holds the node's rows
    has_range[0] = True

    # ---- weighted mean of the target over the used rows
    w_tot = 0.0
    g_tot = 0.0
    for i in range(m):
        r = rows[i]
        wi = w[r] if has_w else 1.0
        w_tot += wi
        g_tot += wi * y[r]
    mu = g_tot / w_tot if w_tot > 0.0 else 0.0
    n_nodes = 1
    value[0] = mu
    node_w[0] = w_tot
    node_c[0] = m
    nstop[0] = m
    if m < 2 * min_samples_leaf or max_depth < 1 or q == 0 or not w_tot > 0.0:
        if want_leaf:
            for i in range(m):
                leaf_of[rows[i]] = 0
        return feature[:1], bin_thr[:1], mgl[:1], left[:1], right[:1], value[:1], gain[:1], node_w[:1], node_c[:1]

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
                level_hist[k], level_cnt[k], has_w, feats, n_bins_non_missing, node_g[nd], node_w[nd], node_c[nd],
                min_samples_leaf, min_weight_leaf, weight_eps, min_gain,
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
            f = feature[nd]
            bt = bin_thr[nd]
            ml_i = np.int64(mgl[nd])
            nl = s
            nr = 0
            for i in range(s, e):  # branch-free stable partition
                r = part[i]
                b = Xb[r, f]
                go_left = np.int64((b <= bt) & (b != MISSING_BIN)) | (np.int64(b == MISSING_BIN) & ml_i)
                part[nl] = r
                buf[nr] = r
                nl += go_left
                nr += 1 - go_left
            for i in range(nr):
                part[nl + i] = buf[i]
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
        _write_leaves(Xb, part, feature, bin_thr, mgl, left, nstart, nstop, has_range, n_nodes, leaf_of)
    return (feature[:n_nodes], bin_thr[:n_nodes], mgl[:n_nodes], left[:n_nodes], right[:n_nodes],
            value[:n_nodes], gain[:n_nodes], node_w[:n_nodes], node_c[:n_nodes])


@njit(nogil=True, cache=True)
def _write_leaves(Xb, part, feature, bin_thr, mgl, left, nstart, nstop, has_range, n_nodes, leaf_of):
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
            for i in range(nstart[nd], nstop[nd]):
                r = part[i]
                b = Xb[r, f]
                go_left = np.int64((b <= bt) & (b != MISSING_BIN)) | (np.int64(b == MISSING_BIN) & ml_i)
                leaf_of[r] = lc + 1 - go_left


_NO_LEAVES = np.empty(0, dtype=np.int32)
_NO_COUNTS = np.empty((0, N_HIST_BINS), dtype=np.int32)


def bin_counts(Xb):
    """(p, N_HIST_BINS) int32 row counts of every bin of every column of the binned matrix: the root
    count histogram of a tree grown on all rows (``grow_trees(root_counts=)``)."""
    Xb = np.asarray(Xb)
    return np.stack([np.bincount(Xb[:, j], minlength=N_HIST_BINS) for j in range(Xb.shape[1])]).astype(np.int32)


_ALL_ROWS = [np.arange(0, dtype=np.int64)]


def _all_rows(n):
    """arange(n) (int64, read only), cached for the last n (the rows of every iteration of a fit)."""
    if _ALL_ROWS[0].shape[0] != n:
        rows = np.arange(n, dtype=np.int64)
        rows.flags.writeable = False
        _ALL_ROWS[0] = rows
    return _ALL_ROWS[0]


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


def _prepare(Xb, sample_weight, rows, features, bin_mapper, max_depth, min_samples_leaf, min_weight_leaf):
    if not (isinstance(Xb, np.ndarray) and Xb.dtype == np.uint8 and Xb.ndim == 2 and Xb.flags.c_contiguous):
        Xb = np.ascontiguousarray(Xb, dtype=np.uint8)
        if Xb.ndim != 2:
            raise ValueError("Xb must be a 2-d binned matrix")
    n, p = Xb.shape
    nbnm = bin_mapper.n_bins_non_missing_
    if nbnm.shape[0] != p:
        raise ValueError(f"Xb has {p} features but bin_mapper was fitted on {nbnm.shape[0]}")
    w, has_w = _prepare_weight(sample_weight, n)
    rows = _as_index(rows, n, "rows")
    if rows is None:
        rows = _all_rows(n)
    elif rows.size and (rows.min() < 0 or rows.max() >= n):
        raise IndexError("rows out of range")
    if features is None:
        feats = np.arange(p, dtype=np.int64)
    else:
        feats = np.unique(_as_index(features, p, "features"))
        if feats.size and (feats[0] < 0 or feats[-1] >= p):
            raise IndexError("features out of range")
    max_depth = int(max_depth)
    min_samples_leaf = int(min_samples_leaf)
    if max_depth < 0:
        raise ValueError("max_depth must be >= 0")
    if max_depth > 30:
        raise ValueError("max_depth must be <= 30")
    if min_samples_leaf < 1:
        raise ValueError("min_samples_leaf must be >= 1")
    return Xb, w, has_w, rows, feats, nbnm, max_depth, min_samples_leaf, float(min_weight_leaf)


def _make_tree(out, bin_mapper):
    feature, bin_thr, mgl, left, right, value, gain, node_w, node_c = out
    is_split = feature >= 0
    threshold = np.where(is_split, bin_mapper.thresholds_[np.where(is_split, feature, 0), bin_thr], np.nan)
    return Tree(feature, threshold, bin_thr, mgl, left, right, value, gain, node_w, node_c.astype(np.int64))


def grow_tree(Xb, y, sample_weight=None, rows=None, features=None, *, bin_mapper, max_depth=3,
              min_samples_leaf=1, min_weight_leaf=0.0):
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
    max_depth : int
        Number of split levels (depth 3: up to 8 leaves).
    min_samples_leaf : int
        Minimum number of (used) rows per leaf.
    min_weight_leaf : float
        Minimum sum of weights per leaf (a tiny relative guard is always on).

    Returns
    -------
    Tree
    """
    Xb, w, has_w, rows, feats, nbnm, max_depth, msl, mwl = _prepare(
        Xb, sample_weight, rows, features, bin_mapper, max_depth, min_samples_leaf, min_weight_leaf
    )
    y = np.ascontiguousarray(y, dtype=np.float64).reshape(-1)
    if y.shape[0] != Xb.shape[0]:
        raise ValueError("y must have shape (n,)")
    out = _grow_kernel(Xb, y, w, has_w, rows, feats, nbnm, max_depth, msl, mwl, _NO_LEAVES, _NO_COUNTS)
    return _make_tree(out, bin_mapper)


def grow_trees(Xb, Y, sample_weight=None, rows=None, features=None, *, bin_mapper, max_depth=3,
               min_samples_leaf=1, min_weight_leaf=0.0, n_threads=None, leaves=None, root_counts=None):
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
    """
    per_tree = sample_weight is not None and (isinstance(sample_weight, list) or np.ndim(sample_weight) == 2)
    all_rows = rows is None
    Xb, w, has_w, rows, feats, nbnm, max_depth, msl, mwl = _prepare(
        Xb, None if per_tree else sample_weight, rows, features, bin_mapper, max_depth, min_samples_leaf,
        min_weight_leaf,
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
        return _grow_kernel(Xb, Yf[:, c], wc, has_wc, rows, feats, nbnm, max_depth, msl, mwl, leaf_of, root_cnt)

    n_threads = min(effective_n_threads(n_threads), k)
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
