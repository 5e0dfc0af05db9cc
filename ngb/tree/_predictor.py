"""Tree container and numba prediction kernels (single tree and packed forest).

A :class:`Tree` only holds numpy arrays (picklable, no numba objects).  Split
semantics of an internal node ``i`` on raw values::

    x = X[r, feature[i]]
    go left  iff  x <= threshold[i]            (x not NaN)
    go left  iff  missing_go_left[i]           (x NaN)

and on the binned matrix (``bin <= bin_threshold[i]``, NaN bin 255 routed by
``missing_go_left``), which is the same partition for the training data.

A categorical split node (``is_categorical[i]``) goes left iff bit ``bin`` of
``cat_bitset[i]`` is set, where ``bin`` is the bin code on the binned matrix
and, on raw values, the code ``x`` when it is an integer in [0, 255), else the
missing bin 255 (see ``_categorical``).

Forest prediction (:class:`PackedForest`, :func:`predict_forest`,
:func:`predict_forest_binned`; also used for single trees):

* depth <= 3 (the boosting default): every tree is padded to a complete
  depth-3 tree (a shallower leaf becomes "always left" padding nodes with its
  value copied to the padded leaves).  Rows are processed in blocks of 256;
  the block's used columns are laid out feature-major and, per tree, the 7
  split comparisons are evaluated branch-free for all rows of the block and
  the leaf picked with selects -- a loop LLVM vectorises (~0.7 ns per
  (row, tree) on one core).
* deeper forests walk trees padded to the forest depth (``MAX_PADDED_DEPTH``)
  or, beyond, the concatenated node arrays.
* forests with a categorical split use the same three kinds with the bitset
  test: depth <= 3 through a scratch row per categorical split
  (:func:`_forest_d3_cat`, :func:`_forest_d3_binned_cat`), deeper ones
  :func:`_forest_padded_cat` and, beyond ``MAX_PADDED_DEPTH``,
  :func:`_forest_pointer_cat`.

Within a block trees are added in order, so every output cell receives its
terms in tree order whatever the block size or number of threads (threads
work on disjoint row chunks): results are deterministic and bit-identical to
``init`` plus ``weight * tree.predict(X)`` added one tree at a time.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .._threads import map_chunks, resolve_n_threads
from ._binning import MISSING_BIN
from ._categorical import N_WORDS, bit_is_set, raw_category_bin

# Forests deeper than this use the pointer-walking kernel (padding to a
# complete tree of depth D costs 2**D nodes per tree).
MAX_PADDED_DEPTH = 12
_BLOCK = 256
_FMAX = np.finfo(np.float64).max


# ---------------------------------------------------------------- kernels
# Split test used by every kernel, on raw values or on bin codes turned into
# floats (``is_binned``: code 255 is NaN, thresholds are bin indices):
#     go right  iff  x > thr  or  (x is NaN and nan_right)


@njit(nogil=True, cache=True)
def _predict_raw(X, feature, threshold, missing_go_left, left, right, value, out, start, stop):
    for i in range(start, stop):
        nd = 0
        while left[nd] >= 0:
            x = X[i, feature[nd]]
            if x <= threshold[nd]:
                nd = left[nd]
            elif x != x and missing_go_left[nd]:
                nd = left[nd]
            else:
                nd = right[nd]
        out[i] = value[nd]


@njit(nogil=True, cache=True)
def _apply_raw(X, feature, threshold, missing_go_left, left, right, out, start, stop):
    for i in range(start, stop):
        nd = 0
        while left[nd] >= 0:
            x = X[i, feature[nd]]
            if x <= threshold[nd]:
                nd = left[nd]
            elif x != x and missing_go_left[nd]:
                nd = left[nd]
            else:
                nd = right[nd]
        out[i] = nd


@njit(nogil=True, cache=True)
def _apply_cat(X, is_binned, feature, threshold, nan_right, is_cat, bits, left, right, start, stop, out):
    """Leaf node id of rows ``start:stop`` of raw (or binned, ``is_binned``: then ``threshold`` holds
    bin thresholds) ``X`` for a tree with categorical splits."""
    for i in range(start, stop):
        out[i] = _walk_cat(X, i, is_binned, 0, feature, threshold, nan_right, is_cat, bits, left, right)


@njit(nogil=True, cache=True, inline="always")
def _walk_cat(X, i, is_binned, root, feature, thr, nan_right, is_cat, bits, left, right):
    """Leaf reached by row ``i`` from node ``root`` (numeric and categorical nodes)."""
    nd = root
    while left[nd] >= 0:
        v = X[i, feature[nd]]
        if is_cat[nd]:
            b = np.int64(v) if is_binned else raw_category_bin(v)
            go_right = bit_is_set(bits[nd], b) == 0
        elif _is_nan(v, is_binned):
            go_right = nan_right[nd] != 0
        else:
            go_right = np.float64(v) > thr[nd]
        nd = right[nd] if go_right else left[nd]
    return nd


@njit(nogil=True, cache=True)
def _to_complete(feature, threshold, bin_threshold, missing_go_left, left, right, value, depth):
    """Pad a tree to a complete tree of ``depth`` levels (BFS layout).

    Returns (feature, raw threshold, bin threshold as float, nan_right, leaf
    values, node id of every internal position (a leaf's id for padding
    positions)); padding nodes send every row left (threshold +inf, NaN left).
    """
    n_int = (1 << depth) - 1
    feat = np.zeros(n_int, dtype=np.int64)
    thr = np.full(n_int, np.inf)
    thr_bin = np.full(n_int, np.inf)
    nan_right = np.zeros(n_int, dtype=np.uint8)
    leaf = np.empty(n_int + 1, dtype=np.float64)
    pos_node = np.empty(2 * n_int + 1, dtype=np.int64)
    pos_node[0] = 0
    for pos in range(n_int):
        nd = pos_node[pos]
        if left[nd] >= 0:
            feat[pos] = feature[nd]
            thr[pos] = threshold[nd]
            thr_bin[pos] = bin_threshold[nd]
            nan_right[pos] = 0 if missing_go_left[nd] else 1
            pos_node[2 * pos + 1] = left[nd]
            pos_node[2 * pos + 2] = right[nd]
        else:
            pos_node[2 * pos + 1] = nd
            pos_node[2 * pos + 2] = nd
    for k in range(n_int + 1):
        nd = pos_node[n_int + k]
        if left[nd] >= 0:
            raise ValueError("tree deeper than the padding depth")
        leaf[k] = value[nd]
    return feat, thr, thr_bin, nan_right, leaf, pos_node[:n_int].copy()


@njit(nogil=True, cache=True, inline="always")
def _is_nan(v, is_binned):
    if is_binned:
        return v == MISSING_BIN
    return v != v


@njit(nogil=True, cache=True, inline="always")
def _tree_d3_f(x0, x1, x2, x3, x4, x5, x6, thr, leaf, t, o, nb):
    """Add tree ``t`` (depth 3) to ``o[:nb]``: go right iff ``x > thr`` (see :func:`_forest_d3`)."""
    t0 = thr[t, 0]
    t1 = thr[t, 1]
    t2 = thr[t, 2]
    t3 = thr[t, 3]
    t4 = thr[t, 4]
    t5 = thr[t, 5]
    t6 = thr[t, 6]
    l0 = leaf[t, 0]
    l1 = leaf[t, 1]
    l2 = leaf[t, 2]
    l3 = leaf[t, 3]
    l4 = leaf[t, 4]
    l5 = leaf[t, 5]
    l6 = leaf[t, 6]
    l7 = leaf[t, 7]
    for i in range(nb):
        c0 = x0[i] > t0
        c1 = x1[i] > t1
        c2 = x2[i] > t2
        c3 = x3[i] > t3
        c4 = x4[i] > t4
        c5 = x5[i] > t5
        c6 = x6[i] > t6
        lo = (l3 if c4 else l2) if c1 else (l1 if c3 else l0)
        hi = (l7 if c6 else l6) if c2 else (l5 if c5 else l4)
        o[i] += hi if c0 else lo


@njit(nogil=True, cache=True)
def _forest_d3(X, ufeat, feat, thr, nan_right, leaf, param, out, start, stop):
    """Vectorised forest kernel for trees padded to depth 3.

    Rows are processed in blocks of ``_BLOCK``: the used columns ``ufeat`` of
    the block are transposed into two float buffers, ``Xl`` (NaN -> -inf)
    and ``Xr`` (NaN -> +inf, +inf -> max float), so that every split is the
    single comparison ``x > thr`` on the buffer matching its NaN direction
    (NaN-split thresholds +inf are stored as max float for that).  The 7
    comparisons of a tree are then independent, branch-free and contiguous
    over the rows of the block, which LLVM vectorises.
    """
    n_trees = feat.shape[0]
    n_used = ufeat.shape[0]
    n_out = out.shape[1]
    Xl = np.empty((n_used, _BLOCK), dtype=np.float64)
    Xr = np.empty((n_used, _BLOCK), dtype=np.float64)
    outT = np.empty((n_out, _BLOCK), dtype=np.float64)
    for b0 in range(start, stop, _BLOCK):
        nb = min(_BLOCK, stop - b0)
        for i in range(nb):
            for u in range(n_used):
                x = X[b0 + i, ufeat[u]]
                if x != x:
                    Xl[u, i] = -np.inf
                    Xr[u, i] = np.inf
                else:
                    Xl[u, i] = x
                    Xr[u, i] = min(x, _FMAX)
            for c in range(n_out):
                outT[c, i] = out[b0 + i, c]
        for t in range(n_trees):
            x0 = Xr[feat[t, 0]] if nan_right[t, 0] else Xl[feat[t, 0]]
            x1 = Xr[feat[t, 1]] if nan_right[t, 1] else Xl[feat[t, 1]]
            x2 = Xr[feat[t, 2]] if nan_right[t, 2] else Xl[feat[t, 2]]
            x3 = Xr[feat[t, 3]] if nan_right[t, 3] else Xl[feat[t, 3]]
            x4 = Xr[feat[t, 4]] if nan_right[t, 4] else Xl[feat[t, 4]]
            x5 = Xr[feat[t, 5]] if nan_right[t, 5] else Xl[feat[t, 5]]
            x6 = Xr[feat[t, 6]] if nan_right[t, 6] else Xl[feat[t, 6]]
            _tree_d3_f(x0, x1, x2, x3, x4, x5, x6, thr, leaf, t, outT[param[t]], nb)
        for i in range(nb):
            for c in range(n_out):
                out[b0 + i, c] = outT[c, i]


@njit(nogil=True, cache=True, inline="always")
def _tree_d3_u8(x0, x1, x2, x3, x4, x5, x6, add, thu, leaf, t, o, nb):
    """Add tree ``t`` (depth 3, binned) to ``o[:nb]`` for the rows of columns x0..x6.

    Split test on uint8 codes: go right iff ``(code + add) & 255 > thu``
    with ``add = 1, thu = bin + 1`` for NaN-left nodes (code 255 wraps to 0:
    left), ``add = 0, thu = bin`` for NaN-right nodes (255 > any bin: right)
    and ``add = 0, thu = 255`` for padding nodes (always left).
    """
    a0 = add[t, 0]
    a1 = add[t, 1]
    a2 = add[t, 2]
    a3 = add[t, 3]
    a4 = add[t, 4]
    a5 = add[t, 5]
    a6 = add[t, 6]
    t0 = thu[t, 0]
    t1 = thu[t, 1]
    t2 = thu[t, 2]
    t3 = thu[t, 3]
    t4 = thu[t, 4]
    t5 = thu[t, 5]
    t6 = thu[t, 6]
    l0 = leaf[t, 0]
    l1 = leaf[t, 1]
    l2 = leaf[t, 2]
    l3 = leaf[t, 3]
    l4 = leaf[t, 4]
    l5 = leaf[t, 5]
    l6 = leaf[t, 6]
    l7 = leaf[t, 7]
    for i in range(nb):
        c0 = ((x0[i] + a0) & 255) > t0
        c1 = ((x1[i] + a1) & 255) > t1
        c2 = ((x2[i] + a2) & 255) > t2
        c3 = ((x3[i] + a3) & 255) > t3
        c4 = ((x4[i] + a4) & 255) > t4
        c5 = ((x5[i] + a5) & 255) > t5
        c6 = ((x6[i] + a6) & 255) > t6
        lo = (l3 if c4 else l2) if c1 else (l1 if c3 else l0)
        hi = (l7 if c6 else l6) if c2 else (l5 if c5 else l4)
        o[i] += hi if c0 else lo


@njit(nogil=True, cache=True)
def _forest_d3_binned(Xb, ufeat, feat, add, thu, leaf, param, out, start, stop):
    """Depth-3 forest on a C-ordered binned matrix (uint8 block transposition)."""
    n_trees = feat.shape[0]
    n_used = ufeat.shape[0]
    n_out = out.shape[1]
    Xt = np.empty((n_used, _BLOCK), dtype=np.uint8)
    outT = np.empty((n_out, _BLOCK), dtype=np.float64)
    for b0 in range(start, stop, _BLOCK):
        nb = min(_BLOCK, stop - b0)
        for i in range(nb):
            for u in range(n_used):
                Xt[u, i] = Xb[b0 + i, ufeat[u]]
            for c in range(n_out):
                outT[c, i] = out[b0 + i, c]
        for t in range(n_trees):
            _tree_d3_u8(Xt[feat[t, 0]], Xt[feat[t, 1]], Xt[feat[t, 2]], Xt[feat[t, 3]], Xt[feat[t, 4]],
                        Xt[feat[t, 5]], Xt[feat[t, 6]], add, thu, leaf, t, outT[param[t]], nb)
        for i in range(nb):
            for c in range(n_out):
                out[b0 + i, c] = outT[c, i]


@njit(nogil=True, cache=True)
def _forest_d3_binned_f(XbF, feat, add, thu, leaf, param, out, start, stop):
    """Depth-3 forest on an F-ordered binned matrix (columns read in place)."""
    n_trees = feat.shape[0]
    n_out = out.shape[1]
    outT = np.empty((n_out, _BLOCK), dtype=np.float64)
    for b0 in range(start, stop, _BLOCK):
        nb = min(_BLOCK, stop - b0)
        b1 = b0 + nb
        for i in range(nb):
            for c in range(n_out):
                outT[c, i] = out[b0 + i, c]
        for t in range(n_trees):
            _tree_d3_u8(XbF[b0:b1, feat[t, 0]], XbF[b0:b1, feat[t, 1]], XbF[b0:b1, feat[t, 2]],
                        XbF[b0:b1, feat[t, 3]], XbF[b0:b1, feat[t, 4]], XbF[b0:b1, feat[t, 5]],
                        XbF[b0:b1, feat[t, 6]], add, thu, leaf, t, outT[param[t]], nb)
        for i in range(nb):
            for c in range(n_out):
                out[b0 + i, c] = outT[c, i]


# ---------------------------------------------------------------- depth-3 forests with categorical splits
# Separate kernels, so the numeric ones above keep their code (and speed): a categorical split
# (``cat_idx[t, p] >= 0``: row of ``cat_bits``, the node's 256-bit set) first writes "goes right"
# (0 / 1) for the block's rows into a scratch row, which the split then compares with its
# threshold (0.5 on floats; ``add = 0, thu = 0`` on uint8 codes).


@njit(nogil=True, cache=True, inline="always")
def _pick7(cols, scr, cat_idx, t):
    """The 7 split columns of tree ``t``: the scratch row for categorical splits, else ``cols[p]``."""
    return ((scr[0] if cat_idx[t, 0] >= 0 else cols[0]), (scr[1] if cat_idx[t, 1] >= 0 else cols[1]),
            (scr[2] if cat_idx[t, 2] >= 0 else cols[2]), (scr[3] if cat_idx[t, 3] >= 0 else cols[3]),
            (scr[4] if cat_idx[t, 4] >= 0 else cols[4]), (scr[5] if cat_idx[t, 5] >= 0 else cols[5]),
            (scr[6] if cat_idx[t, 6] >= 0 else cols[6]))


@njit(nogil=True, cache=True)
def _forest_d3_cat(X, ufeat, feat, thr, nan_right, leaf, param, cat_idx, cat_bits, out, start, stop):
    """:func:`_forest_d3` with categorical splits (raw codes: :func:`raw_category_bin`)."""
    n_trees = feat.shape[0]
    n_used = ufeat.shape[0]
    n_out = out.shape[1]
    Xl = np.empty((n_used, _BLOCK), dtype=np.float64)
    Xr = np.empty((n_used, _BLOCK), dtype=np.float64)
    Xc = np.empty((n_used, _BLOCK), dtype=np.uint8)  # category bins (only read for categorical splits)
    scr = np.empty((7, _BLOCK), dtype=np.float64)
    outT = np.empty((n_out, _BLOCK), dtype=np.float64)
    for b0 in range(start, stop, _BLOCK):
        nb = min(_BLOCK, stop - b0)
        for i in range(nb):
            for u in range(n_used):
                x = X[b0 + i, ufeat[u]]
                Xc[u, i] = raw_category_bin(x)
                if x != x:
                    Xl[u, i] = -np.inf
                    Xr[u, i] = np.inf
                else:
                    Xl[u, i] = x
                    Xr[u, i] = min(x, _FMAX)
            for c in range(n_out):
                outT[c, i] = out[b0 + i, c]
        for t in range(n_trees):
            cols = (Xr[feat[t, 0]] if nan_right[t, 0] else Xl[feat[t, 0]],
                    Xr[feat[t, 1]] if nan_right[t, 1] else Xl[feat[t, 1]],
                    Xr[feat[t, 2]] if nan_right[t, 2] else Xl[feat[t, 2]],
                    Xr[feat[t, 3]] if nan_right[t, 3] else Xl[feat[t, 3]],
                    Xr[feat[t, 4]] if nan_right[t, 4] else Xl[feat[t, 4]],
                    Xr[feat[t, 5]] if nan_right[t, 5] else Xl[feat[t, 5]],
                    Xr[feat[t, 6]] if nan_right[t, 6] else Xl[feat[t, 6]])
            for p in range(7):
                ci = cat_idx[t, p]
                if ci >= 0:
                    src = Xc[feat[t, p]]
                    for i in range(nb):
                        scr[p, i] = 1.0 - bit_is_set(cat_bits[ci], src[i])
            x0, x1, x2, x3, x4, x5, x6 = _pick7(cols, scr, cat_idx, t)
            _tree_d3_f(x0, x1, x2, x3, x4, x5, x6, thr, leaf, t, outT[param[t]], nb)
        for i in range(nb):
            for c in range(n_out):
                out[b0 + i, c] = outT[c, i]


@njit(nogil=True, cache=True, inline="always")
def _tree_d3_u8_cat(cols, cat_idx, cat_bits, add, thu, leaf, t, scr, o, nb):
    """:func:`_tree_d3_u8` of tree ``t`` on the bin columns ``cols`` with its categorical splits."""
    for p in range(7):
        ci = cat_idx[t, p]
        if ci >= 0:
            src = cols[p]
            for i in range(nb):
                scr[p, i] = np.uint8(1 - bit_is_set(cat_bits[ci], src[i]))
    x0, x1, x2, x3, x4, x5, x6 = _pick7(cols, scr, cat_idx, t)
    _tree_d3_u8(x0, x1, x2, x3, x4, x5, x6, add, thu, leaf, t, o, nb)


@njit(nogil=True, cache=True)
def _forest_d3_binned_cat(Xb, ufeat, feat, add, thu, leaf, param, cat_idx, cat_bits, out, start, stop):
    """:func:`_forest_d3_binned` with categorical splits."""
    n_trees = feat.shape[0]
    n_used = ufeat.shape[0]
    n_out = out.shape[1]
    Xt = np.empty((n_used, _BLOCK), dtype=np.uint8)
    scr = np.empty((7, _BLOCK), dtype=np.uint8)
    outT = np.empty((n_out, _BLOCK), dtype=np.float64)
    for b0 in range(start, stop, _BLOCK):
        nb = min(_BLOCK, stop - b0)
        for i in range(nb):
            for u in range(n_used):
                Xt[u, i] = Xb[b0 + i, ufeat[u]]
            for c in range(n_out):
                outT[c, i] = out[b0 + i, c]
        for t in range(n_trees):
            cols = (Xt[feat[t, 0]], Xt[feat[t, 1]], Xt[feat[t, 2]], Xt[feat[t, 3]], Xt[feat[t, 4]], Xt[feat[t, 5]],
                    Xt[feat[t, 6]])
            _tree_d3_u8_cat(cols, cat_idx, cat_bits, add, thu, leaf, t, scr, outT[param[t]], nb)
        for i in range(nb):
            for c in range(n_out):
                out[b0 + i, c] = outT[c, i]


@njit(nogil=True, cache=True)
def _forest_padded(X, is_binned, feat, thr, nan_right, leaf, param, depth, out, start, stop):
    """Walk trees padded to ``depth`` levels (deeper forests)."""
    n_trees = feat.shape[0]
    n_int = feat.shape[1]
    for b0 in range(start, stop, _BLOCK):
        b1 = min(b0 + _BLOCK, stop)
        for t in range(n_trees):
            c = param[t]
            for i in range(b0, b1):
                idx = 0
                for _ in range(depth):
                    v = X[i, feat[t, idx]]
                    nan = _is_nan(v, is_binned)
                    if nan:
                        go_right = np.int64(nan_right[t, idx])
                    else:
                        go_right = np.int64(np.float64(v) > thr[t, idx])
                    idx = 2 * idx + 1 + go_right
                out[i, c] += leaf[t, idx - n_int]


@njit(nogil=True, cache=True)
def _forest_padded_cat(X, is_binned, feat, thr, nan_right, cat_idx, cat_bits, leaf, param, depth, out, start, stop):
    """:func:`_forest_padded` with categorical splits (``cat_idx`` (n_trees, n_int): row of
    ``cat_bits`` of the split at each padded position, -1 for numeric ones)."""
    n_trees = feat.shape[0]
    n_int = feat.shape[1]
    for b0 in range(start, stop, _BLOCK):
        b1 = min(b0 + _BLOCK, stop)
        for t in range(n_trees):
            c = param[t]
            for i in range(b0, b1):
                idx = 0
                for _ in range(depth):
                    v = X[i, feat[t, idx]]
                    ci = cat_idx[t, idx]
                    if ci >= 0:
                        b = np.int64(v) if is_binned else raw_category_bin(v)
                        go_right = 1 - bit_is_set(cat_bits[ci], b)
                    elif _is_nan(v, is_binned):
                        go_right = np.int64(nan_right[t, idx])
                    else:
                        go_right = np.int64(np.float64(v) > thr[t, idx])
                    idx = 2 * idx + 1 + go_right
                out[i, c] += leaf[t, idx - n_int]


@njit(nogil=True, cache=True)
def _forest_pointer(X, is_binned, roots, feature, thr, nan_right, left, right, value, param, out, start, stop):
    """Generic forest walk on concatenated node arrays (any depth)."""
    n_trees = roots.shape[0]
    for b0 in range(start, stop, _BLOCK):
        b1 = min(b0 + _BLOCK, stop)
        for t in range(n_trees):
            c = param[t]
            root = roots[t]
            for i in range(b0, b1):
                nd = root
                while left[nd] >= 0:
                    v = X[i, feature[nd]]
                    if _is_nan(v, is_binned):
                        go_right = nan_right[nd] != 0
                    else:
                        go_right = np.float64(v) > thr[nd]
                    nd = right[nd] if go_right else left[nd]
                out[i, c] += value[nd]


@njit(nogil=True, cache=True)
def _forest_pointer_cat(X, is_binned, roots, feature, thr, nan_right, is_cat, bits, left, right, value, param, out,
                        start, stop):
    """:func:`_forest_pointer` for forests with categorical splits (``is_cat`` (N,) uint8 per node,
    ``bits`` (N, 8) uint32 bitsets)."""
    n_trees = roots.shape[0]
    for b0 in range(start, stop, _BLOCK):
        b1 = min(b0 + _BLOCK, stop)
        for t in range(n_trees):
            c = param[t]
            root = roots[t]
            for i in range(b0, b1):
                nd = _walk_cat(X, i, is_binned, root, feature, thr, nan_right, is_cat, bits, left, right)
                out[i, c] += value[nd]


# ---------------------------------------------------------------- helpers
def _as_float_c(X, n_features=None):
    X = np.asarray(X)
    if X.dtype != np.float64 or not X.flags.c_contiguous:
        X = np.ascontiguousarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-dimensional, got shape {X.shape}")
    if n_features is not None and X.shape[1] < n_features:
        raise ValueError(f"X has {X.shape[1]} features, the tree uses feature index {n_features - 1}")
    return X


class Tree:
    """A fitted regression tree: plain numpy arrays, breadth-first node ids.

    Attributes (one entry per node; leaves have ``feature == left == right
    == -1``): ``feature`` int32, ``threshold`` float64 (raw units, NaN for
    leaves, +inf for "values left / NaN right" splits), ``bin_threshold``
    uint8, ``missing_go_left`` bool, ``left``/``right`` int32, ``value``
    float64 (weighted mean of the target in the node), ``gain`` float64
    (weighted SSE reduction of the split, 0 for leaves), ``weight`` float64
    (sum of weights) and ``n_samples`` int64 (rows at fit).  Node ids are
    breadth-first (parents before children), as produced by the grower.

    Trees with categorical splits also have ``is_categorical`` bool (n_nodes,)
    and ``cat_bitset`` uint32 (n_nodes, 8): bit ``b`` (word ``b >> 5``) set
    when bin ``b`` goes left (see the module docstring); their
    ``threshold`` is NaN and ``missing_go_left`` is the bit of bin 255.
    Both are None for numeric trees (whose pickles carry neither).
    """

    _ARRAYS = ("feature", "threshold", "bin_threshold", "missing_go_left", "left", "right", "value", "gain",
               "weight", "n_samples")
    _CAT_ARRAYS = ("is_categorical", "cat_bitset")

    def __init__(self, feature, threshold, bin_threshold, missing_go_left, left, right, value, gain,
                 weight=None, n_samples=None, is_categorical=None, cat_bitset=None):
        n = len(feature)
        self.feature = np.ascontiguousarray(feature, dtype=np.int32)
        self.threshold = np.ascontiguousarray(threshold, dtype=np.float64)
        self.bin_threshold = np.ascontiguousarray(bin_threshold, dtype=np.uint8)
        self.missing_go_left = np.ascontiguousarray(missing_go_left, dtype=np.bool_)
        self.left = np.ascontiguousarray(left, dtype=np.int32)
        self.right = np.ascontiguousarray(right, dtype=np.int32)
        self.value = np.ascontiguousarray(value, dtype=np.float64)
        self.gain = np.ascontiguousarray(gain, dtype=np.float64)
        self.weight = np.zeros(n) if weight is None else np.ascontiguousarray(weight, dtype=np.float64)
        self.n_samples = np.zeros(n, np.int64) if n_samples is None else np.ascontiguousarray(n_samples, np.int64)
        if (is_categorical is None) != (cat_bitset is None):
            raise ValueError("is_categorical and cat_bitset must be given together")
        self.is_categorical = None
        self.cat_bitset = None
        if is_categorical is not None:
            self.is_categorical = np.ascontiguousarray(is_categorical, dtype=np.bool_).reshape(n)
            self.cat_bitset = np.ascontiguousarray(cat_bitset, dtype=np.uint32).reshape(n, N_WORDS)
        self._cache = {}

    @property
    def has_categorical(self):
        """Whether the tree has categorical splits."""
        return self.is_categorical is not None

    # pickling: arrays only (numeric trees: the same state as before categorical splits existed)
    def __getstate__(self):
        state = {k: getattr(self, k) for k in self._ARRAYS}
        if self.has_categorical:
            state.update({k: getattr(self, k) for k in self._CAT_ARRAYS})
        return state

    def __setstate__(self, state):
        for k in self._ARRAYS:
            setattr(self, k, state[k])
        for k in self._CAT_ARRAYS:
            setattr(self, k, state.get(k))
        self._cache = {}

    def __eq__(self, other):
        if not isinstance(other, Tree):
            return NotImplemented
        if self.has_categorical != other.has_categorical:
            return False
        keys = self._ARRAYS + (self._CAT_ARRAYS if self.has_categorical else ())
        return all(np.array_equal(getattr(self, k), getattr(other, k), equal_nan=k in ("threshold",))
                   for k in keys)

    __hash__ = None

    def __repr__(self):
        return f"Tree(n_nodes={self.n_nodes}, n_leaves={self.n_leaves}, depth={self.depth})"

    @property
    def n_nodes(self):
        return self.feature.shape[0]

    @property
    def n_leaves(self):
        return int(np.sum(self.left < 0))

    @property
    def is_leaf(self):
        return self.left < 0

    @property
    def depth(self):
        d = self._cache.get("depth")
        if d is None:
            depth = np.zeros(self.n_nodes, np.int64)
            for i in range(self.n_nodes):  # BFS order: parents before children
                if self.left[i] >= 0:
                    depth[self.left[i]] = depth[self.right[i]] = depth[i] + 1
            d = self._cache["depth"] = int(depth.max())
        return d

    def _packed(self):
        pf = self._cache.get("packed")
        if pf is None:
            pf = self._cache["packed"] = PackedForest([self], None, None, 1)
        return pf

    def predict(self, X, n_threads=None):
        """Predictions on raw float features (NaN allowed), shape (n,)."""
        return self._packed().predict(X, n_threads=n_threads)[:, 0]

    def predict_binned(self, Xb, n_threads=None):
        """Predictions on the binned matrix (``BinMapper.transform`` output)."""
        return self._packed().predict_binned(Xb, n_threads=n_threads)[:, 0]

    def apply(self, X):
        """Index of the leaf reached by every row of raw ``X``, shape (n,)."""
        X = _as_float_c(X, int(self.feature.max()) + 1)
        out = np.empty(X.shape[0], dtype=np.int64)
        if self.has_categorical:
            _apply_cat(X, False, self.feature, self.threshold, (~self.missing_go_left).astype(np.uint8),
                       self.is_categorical.astype(np.uint8), self.cat_bitset, self.left, self.right, 0, X.shape[0],
                       out)
            return out
        _apply_raw(X, self.feature, self.threshold, self.missing_go_left, self.left, self.right, out, 0,
                   X.shape[0])
        return out

    def feature_importances(self, n_features):
        """Unnormalised total gain of the splits on each feature, shape (p,)."""
        split = self.left >= 0
        return np.bincount(self.feature[split], weights=self.gain[split], minlength=n_features).astype(np.float64)

    def _complete(self, depth):
        key = ("complete", depth)
        c = self._cache.get(key)
        if c is None:
            c = self._cache[key] = _to_complete(self.feature, self.threshold, self.bin_threshold,
                                                self.missing_go_left, self.left, self.right, self.value, depth)
        return c


class PackedForest:
    """Trees packed for :func:`predict_forest` (reuse it to skip re-packing).

    ``PackedForest(trees, params, weights, n_outputs)``: tree ``t`` adds
    ``weights[t] * tree(X)`` to output column ``params[t]`` (``params``
    None: all 0; ``weights`` None: all 1; ``n_outputs`` None: max param + 1).

    Forests of depth <= 3 use the vectorised kernel (``kind == "d3"``,
    shallower trees are padded to depth 3), deeper ones walk trees padded to
    the forest depth (``"padded"``, depth <= ``MAX_PADDED_DEPTH``) or the
    node arrays (``"pointer"``); each kind has a variant with the bitset test
    of categorical splits (``has_categorical``).
    """

    def __init__(self, trees, params=None, weights=None, n_outputs=None):
        trees = list(trees)
        n_trees = len(trees)
        params = np.zeros(n_trees, np.int64) if params is None else np.asarray(params, dtype=np.int64).reshape(-1)
        if weights is None:
            weights = np.ones(n_trees)
        weights = np.broadcast_to(np.asarray(weights, dtype=np.float64), (n_trees,))
        if params.shape[0] != n_trees:
            raise ValueError("params must have one entry per tree")
        if n_outputs is None:
            n_outputs = int(params.max()) + 1 if n_trees else 1
        if n_trees and (params.min() < 0 or params.max() >= n_outputs):
            raise ValueError("params out of range [0, n_outputs)")
        self.n_trees = n_trees
        self.n_outputs = int(n_outputs)
        self.param = np.ascontiguousarray(params, dtype=np.int64)
        self.n_features_used = max((int(t.feature.max()) + 1 for t in trees), default=0)
        self.depth = depth = max((t.depth for t in trees), default=0)
        self.has_categorical = any(t.has_categorical for t in trees)
        if depth <= 3:
            self.kind = "d3"
            self._pack_complete(trees, weights, 3)
            self._pack_categorical(trees, 3)
            cat = self.cat_idx >= 0 if self.has_categorical else np.zeros(self.feat.shape, bool)
            real = self.nan_right.astype(bool) | np.isfinite(self.thr) | cat
            ufeat = np.unique(self.feat[real]) if n_trees else np.zeros(0, np.int64)
            if ufeat.size == 0:
                ufeat = np.zeros(1, np.int64)  # padding nodes read column 0
            self.ufeat = ufeat.astype(np.int64)
            self.feat_compact = np.searchsorted(self.ufeat, self.feat).astype(np.int64)
            self.feat_compact[~real] = 0
            # NaN-split thresholds (+inf, NaN right) become max float: see _forest_d3
            self.thr_d3 = np.where((self.nan_right == 1) & np.isinf(self.thr), _FMAX, self.thr)
            # uint8 split test of the binned kernels: see _tree_d3_u8
            nan_left = real & (self.nan_right == 0) & ~cat
            self.add_u8 = nan_left.astype(np.int64)
            self.thu_u8 = np.where(real & ~cat, self.thr_bin + self.add_u8, 255).astype(np.int64)
            # categorical splits compare their 0/1 scratch row ("goes right") with 0.5 / 0
            self.thr_d3[cat] = 0.5
            self.thu_u8[cat] = 0
        elif depth <= MAX_PADDED_DEPTH:
            self.kind = "padded"
            self._pack_complete(trees, weights, depth)
            self._pack_categorical(trees, depth)
        else:
            self.kind = "pointer"
            self._pack_pointer(trees, weights)
            if self.has_categorical:
                self.is_cat = np.concatenate([t.is_categorical if t.has_categorical else np.zeros(t.n_nodes, bool)
                                              for t in trees]).astype(np.uint8)
                self.bits = np.concatenate([t.cat_bitset if t.has_categorical
                                            else np.zeros((t.n_nodes, N_WORDS), np.uint32) for t in trees])

    def _pack_pointer(self, trees, weights):
        sizes = np.array([t.n_nodes for t in trees], dtype=np.int64)
        offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        self.roots = offsets
        self.feature = np.concatenate([t.feature for t in trees]).astype(np.int64)
        self.thr = np.concatenate([t.threshold for t in trees])
        self.thr_bin = np.concatenate([t.bin_threshold for t in trees]).astype(np.float64)
        self.nan_right = np.concatenate([~t.missing_go_left for t in trees]).astype(np.uint8)
        self.left = np.concatenate([np.where(t.left >= 0, t.left + o, -1) for t, o in zip(trees, offsets)])
        self.right = np.concatenate([np.where(t.right >= 0, t.right + o, -1) for t, o in zip(trees, offsets)])
        self.left = self.left.astype(np.int64)
        self.right = self.right.astype(np.int64)
        self.value = np.concatenate([t.value * w for t, w in zip(trees, weights)])

    def _pack_categorical(self, trees, depth):
        """``cat_idx`` (n_trees, 2**depth - 1): row of ``cat_bits`` (n_cat, 8) holding the bitset of
        the categorical split at each padded position, -1 elsewhere (no rows for numeric forests)."""
        n_int = (1 << depth) - 1
        if not self.has_categorical:
            self.cat_idx = np.zeros((0, n_int), np.int64)
            self.cat_bits = np.zeros((0, N_WORDS), np.uint32)
            return
        self.cat_idx = np.full((self.n_trees, n_int), -1, np.int64)
        bits = []
        for ti, t in enumerate(trees):
            if not t.has_categorical:
                continue
            nodes = t._complete(depth)[5]
            for pos, nd in enumerate(nodes):
                if t.left[nd] >= 0 and t.is_categorical[nd]:
                    self.cat_idx[ti, pos] = len(bits)
                    bits.append(t.cat_bitset[nd])
        self.cat_bits = np.ascontiguousarray(np.array(bits, np.uint32).reshape(-1, N_WORDS))

    def _pack_complete(self, trees, weights, depth):
        n_int = (1 << depth) - 1
        if self.n_trees:
            parts = [t._complete(depth) for t in trees]
            self.feat = np.stack([c[0] for c in parts])
            self.thr = np.stack([c[1] for c in parts])
            self.thr_bin = np.stack([c[2] for c in parts])
            self.nan_right = np.stack([c[3] for c in parts])
            self.leaf = np.stack([c[4] for c in parts]) * weights[:, None]
        else:
            self.feat = np.zeros((0, n_int), np.int64)
            self.thr = np.zeros((0, n_int))
            self.thr_bin = np.zeros((0, n_int))
            self.nan_right = np.zeros((0, n_int), np.uint8)
            self.leaf = np.zeros((0, n_int + 1))

    def _run(self, X, is_binned, init, n_threads, out):
        n = X.shape[0]
        if out is None:
            out = np.zeros((n, self.n_outputs), dtype=np.float64)
            if init is not None:
                out[:] = init
        elif out.shape != (n, self.n_outputs) or out.dtype != np.float64 or not out.flags.c_contiguous:
            raise ValueError("out must be a C-contiguous float64 array of shape (n, n_outputs)")
        if self.n_trees == 0 or n == 0:
            return out
        n_threads = resolve_n_threads(n_threads)
        # below ~1M (row, column-or-node) visits threads cost more than they save
        n_cols = self.ufeat.shape[0] if self.kind == "d3" else 0
        if n * (n_cols + self.n_trees * max(self.depth, 1)) < 1_000_000:
            n_threads = 1
        if self.kind == "d3" and is_binned and X.flags.f_contiguous and not X.flags.c_contiguous:  # numeric
            def work(a, b):
                _forest_d3_binned_f(X, self.feat, self.add_u8, self.thu_u8, self.leaf, self.param, out, a, b)
        elif self.kind == "d3" and is_binned:
            def work(a, b):
                if self.has_categorical:
                    _forest_d3_binned_cat(X, self.ufeat, self.feat_compact, self.add_u8, self.thu_u8, self.leaf,
                                          self.param, self.cat_idx, self.cat_bits, out, a, b)
                else:
                    _forest_d3_binned(X, self.ufeat, self.feat_compact, self.add_u8, self.thu_u8, self.leaf,
                                      self.param, out, a, b)
        elif self.kind == "d3":
            def work(a, b):
                if self.has_categorical:
                    _forest_d3_cat(X, self.ufeat, self.feat_compact, self.thr_d3, self.nan_right, self.leaf,
                                   self.param, self.cat_idx, self.cat_bits, out, a, b)
                else:
                    _forest_d3(X, self.ufeat, self.feat_compact, self.thr_d3, self.nan_right, self.leaf, self.param,
                               out, a, b)
        elif self.kind == "padded" and self.has_categorical:
            thr = self.thr_bin if is_binned else self.thr

            def work(a, b):
                _forest_padded_cat(X, is_binned, self.feat, thr, self.nan_right, self.cat_idx, self.cat_bits,
                                   self.leaf, self.param, self.depth, out, a, b)
        elif self.kind == "padded":
            thr = self.thr_bin if is_binned else self.thr

            def work(a, b):
                _forest_padded(X, is_binned, self.feat, thr, self.nan_right, self.leaf, self.param, self.depth, out,
                               a, b)
        elif getattr(self, "has_categorical", False):
            thr = self.thr_bin if is_binned else self.thr

            def work(a, b):
                _forest_pointer_cat(X, is_binned, self.roots, self.feature, thr, self.nan_right, self.is_cat,
                                    self.bits, self.left, self.right, self.value, self.param, out, a, b)
        else:
            thr = self.thr_bin if is_binned else self.thr

            def work(a, b):
                _forest_pointer(X, is_binned, self.roots, self.feature, thr, self.nan_right, self.left, self.right,
                                self.value, self.param, out, a, b)
        map_chunks(work, n, n_threads, min_chunk=4 * _BLOCK)
        return out

    def predict(self, X, init=None, n_threads=None, out=None):
        """Sum of the weighted tree predictions on raw ``X``, shape (n, n_outputs).

        ``init`` (broadcastable to (n, n_outputs)) is the starting value the
        trees are added to (default 0); ``out`` may be given to accumulate in
        place (then ``init`` is ignored).
        """
        return self._run(_as_float_c(X, self.n_features_used), False, init, n_threads, out)

    def predict_binned(self, Xb, init=None, n_threads=None, out=None):
        """Same as :meth:`predict` on the binned matrix of the trees' BinMapper.

        ``Xb`` may be C-ordered (as returned by ``BinMapper.transform``) or
        F-ordered; for numeric depth <= 3 forests an F-ordered copy (made once,
        e.g. ``np.asfortranarray(Xb)``) is read in place and is the fastest
        input (other forests copy it to C order).
        """
        Xb = np.asarray(Xb)
        f_ok = self.kind == "d3" and not self.has_categorical  # the kernels that read columns in place
        if Xb.dtype != np.uint8 or not (Xb.flags.c_contiguous or (Xb.flags.f_contiguous and f_ok)):
            Xb = np.ascontiguousarray(Xb, dtype=np.uint8)
        if Xb.ndim != 2 or Xb.shape[1] < self.n_features_used:
            raise ValueError(f"Xb must be 2-d with at least {self.n_features_used} columns")
        return self._run(Xb, True, init, n_threads, out)


def predict_forest(X, trees, params=None, weights=None, n_outputs=None, *, init=None, n_threads=None):
    """``out[:, params[t]] += weights[t] * trees[t].predict(X)`` for all trees.

    Parameters
    ----------
    X : float array (n, p), NaN allowed.
    trees : list of :class:`Tree` or a :class:`PackedForest` (then ``params``
        / ``weights`` / ``n_outputs`` are taken from it).
    params : int array (n_trees,), output column of each tree.
    weights : float array (n_trees,) or scalar, multiplier of each tree.
    n_outputs : int, number of output columns.
    init : optional starting value broadcastable to (n, n_outputs).
    n_threads : threads over row chunks (None: all cores); the result is
        bit-identical for any number of threads.

    Returns
    -------
    ndarray (n, n_outputs); each cell is summed in tree order, so it is
    bit-identical to ``init`` + the weighted single-tree predictions added
    one tree at a time.
    """
    forest = trees if isinstance(trees, PackedForest) else PackedForest(trees, params, weights, n_outputs)
    return forest.predict(X, init=init, n_threads=n_threads)


def predict_forest_binned(Xb, trees, params=None, weights=None, n_outputs=None, *, init=None, n_threads=None):
    """:func:`predict_forest` on the binned matrix (e.g. the training rows)."""
    forest = trees if isinstance(trees, PackedForest) else PackedForest(trees, params, weights, n_outputs)
    return forest.predict_binned(Xb, init=init, n_threads=n_threads)


# ---------------------------------------------------------------------------------------------
# Training-row predictions from the leaves recorded by the grower (``grow_trees(leaves=...)``).


def leaf_value_table(trees):
    """(k, L) float64: row j holds ``trees[j].value`` (node values by node id), zero-padded to the
    largest node count L."""
    width = max(t.value.shape[0] for t in trees)
    vals = np.zeros((len(trees), width))
    for j, t in enumerate(trees):
        vals[j, : t.value.shape[0]] = t.value
    return vals


@njit(nogil=True, cache=True)
def leaf_values(leaves, vals, out):
    """out[i, j] = vals[j, leaves[j, i]]: the (n, k) predictions of k trees from their (k, n) leaves."""
    k = leaves.shape[0]
    for i in range(leaves.shape[1]):
        for j in range(k):
            out[i, j] = vals[j, leaves[j, i]]
    return out
