"""Kernels that walk node arrays: single trees (leaf ids, reference predictions), forests padded to
a complete tree of their depth, forests of any depth on the concatenated node arrays, the padding
itself, and training-row predictions from recorded leaves.

Split test on raw values or on bin codes (``X`` float64 or uint8: the code 255 is NaN, thresholds
are bin indices): go right iff ``x > thr`` or (x is NaN and ``nan_right``); a categorical split
goes left iff the node's 256-bit set holds the value's bin (``raw_category_bin`` of a raw value).
Forest kernels add every tree to ``out[:, param[t]]`` in tree order, rows in blocks of ``BLOCK``.
"""

import numpy as np

from libc.math cimport INFINITY
from libc.stdint cimport int32_t, int64_t, uint8_t, uint32_t

from ._routing cimport MISSING_BIN, N_WORDS, bit_is_set, raw_category_bin

cdef enum:
    BLOCK = 256

ctypedef fused xval_t:
    double
    uint8_t


cdef inline bint _is_nan(xval_t v) noexcept nogil:
    if xval_t is uint8_t:
        return v == MISSING_BIN
    else:
        return v != v


cdef inline int64_t _bin_of(xval_t v) noexcept nogil:
    if xval_t is uint8_t:
        return <int64_t>v
    else:
        return raw_category_bin(v)


# ------------------------------------------------------------------ single trees (Tree.apply, reference walk)
def apply_tree(const double[:, ::1] X, const int32_t[::1] feature, const double[::1] threshold,
               const uint8_t[::1] missing_go_left, const int32_t[::1] left, const int32_t[::1] right,
               int64_t[::1] out, int64_t start, int64_t stop):
    """Leaf node id of rows ``start:stop`` of raw ``X`` (numeric tree) into ``out``."""
    cdef int64_t i, nd
    cdef double x
    with nogil:
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


def predict_tree(const double[:, ::1] X, const int32_t[::1] feature, const double[::1] threshold, missing_go_left,
                 const int32_t[::1] left, const int32_t[::1] right, const double[::1] value, double[::1] out,
                 int64_t start, int64_t stop):
    """Reference walk: ``out[i] = value`` of the leaf reached by row ``i`` of raw ``X`` (numeric tree)."""
    cdef const uint8_t[::1] mgl = np.ascontiguousarray(missing_go_left, dtype=np.bool_).view(np.uint8)
    cdef int64_t i, nd
    cdef double x
    with nogil:
        for i in range(start, stop):
            nd = 0
            while left[nd] >= 0:
                x = X[i, feature[nd]]
                if x <= threshold[nd]:
                    nd = left[nd]
                elif x != x and mgl[nd]:
                    nd = left[nd]
                else:
                    nd = right[nd]
            out[i] = value[nd]


cdef inline int64_t _walk_cat(const xval_t* row, int64_t root, const int64_t* feature, const double* thr,
                              const uint8_t* nan_right, const uint8_t* is_cat, const uint32_t* bits,
                              const int64_t* left, const int64_t* right) noexcept nogil:
    """Leaf reached by a row from node ``root`` (numeric and categorical nodes)."""
    cdef int64_t nd = root
    cdef bint go_right
    cdef xval_t v
    while left[nd] >= 0:
        v = row[feature[nd]]
        if is_cat[nd]:
            go_right = bit_is_set(bits + nd * N_WORDS, _bin_of(v)) == 0
        elif _is_nan(v):
            go_right = nan_right[nd] != 0
        else:
            go_right = <double>v > thr[nd]
        nd = right[nd] if go_right else left[nd]
    return nd


def apply_tree_cat(const xval_t[:, ::1] X, const int64_t[::1] feature, const double[::1] threshold,
                   const uint8_t[::1] nan_right, const uint8_t[::1] is_cat, const uint32_t[:, ::1] bits,
                   const int64_t[::1] left, const int64_t[::1] right, int64_t start, int64_t stop, int64_t[::1] out):
    """Leaf node id of rows ``start:stop`` of raw (or binned: then ``threshold`` holds bin thresholds)
    ``X`` for a tree with categorical splits."""
    cdef int64_t i, p = X.shape[1]
    with nogil:
        for i in range(start, stop):
            out[i] = _walk_cat(&X[0, 0] + i * p, 0, &feature[0], &threshold[0], &nan_right[0], &is_cat[0], &bits[0, 0],
                               &left[0], &right[0])


# ------------------------------------------------------------------ padding to a complete tree
def to_complete(const int32_t[::1] feature, const double[::1] threshold, const uint8_t[::1] bin_threshold,
                const uint8_t[::1] missing_go_left, const int32_t[::1] left, const int32_t[::1] right,
                const double[::1] value, int64_t depth):
    """Pad a tree to a complete tree of ``depth`` levels (breadth-first layout, ``2**depth - 1``
    internal positions).  Returns (feature int64, raw threshold, bin threshold as float, nan_right
    uint8, leaf values (2**depth,), node id of every internal position (a leaf's id for padding
    positions)); padding nodes send every row left (threshold +inf, NaN left)."""
    cdef int64_t n_int = ((<int64_t>1) << depth) - 1, pos, nd, k
    feat_a = np.empty(n_int, dtype=np.int64)
    thr_a = np.empty(n_int)
    thr_bin_a = np.empty(n_int)
    nan_right_a = np.empty(n_int, dtype=np.uint8)
    leaf_a = np.empty(n_int + 1)
    pos_node_a = np.empty(2 * n_int + 1, dtype=np.int64)
    cdef int64_t[::1] feat = feat_a, pos_node = pos_node_a
    cdef double[::1] thr = thr_a, thr_bin = thr_bin_a, leaf = leaf_a
    cdef uint8_t[::1] nan_right = nan_right_a
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
        else:  # padding: always left
            feat[pos] = 0
            thr[pos] = INFINITY
            thr_bin[pos] = INFINITY
            nan_right[pos] = 0
            pos_node[2 * pos + 1] = nd
            pos_node[2 * pos + 2] = nd
    for k in range(n_int + 1):
        nd = pos_node[n_int + k]
        if left[nd] >= 0:
            raise ValueError("tree deeper than the padding depth")
        leaf[k] = value[nd]
    return feat_a, thr_a, thr_bin_a, nan_right_a, leaf_a, pos_node_a[:n_int].copy()


# ------------------------------------------------------------------ forests of deeper trees
def forest_padded(const xval_t[:, ::1] X, const int64_t[:, ::1] feat, const double[:, ::1] thr,
                  const uint8_t[:, ::1] nan_right, const double[:, ::1] leaf, const int64_t[::1] param, int64_t depth,
                  double[:, ::1] out, int64_t start, int64_t stop):
    """Walk trees padded to ``depth`` levels: ``feat``/``thr``/``nan_right`` (n_trees, 2**depth - 1),
    ``leaf`` (n_trees, 2**depth)."""
    cdef int64_t n_trees = feat.shape[0], n_int = feat.shape[1], b0, b1, t, c, i, idx, d, go_right
    cdef xval_t v
    with nogil:
        for b0 in range(start, stop, 256):  # BLOCK
            b1 = min(b0 + BLOCK, stop)
            for t in range(n_trees):
                c = param[t]
                for i in range(b0, b1):
                    idx = 0
                    for d in range(depth):
                        v = X[i, feat[t, idx]]
                        if _is_nan(v):
                            go_right = nan_right[t, idx]
                        else:
                            go_right = <double>v > thr[t, idx]
                        idx = 2 * idx + 1 + go_right
                    out[i, c] += leaf[t, idx - n_int]


def forest_padded_cat(const xval_t[:, ::1] X, const int64_t[:, ::1] feat, const double[:, ::1] thr,
                      const uint8_t[:, ::1] nan_right, const int64_t[:, ::1] cat_idx, const uint32_t[:, ::1] cat_bits,
                      const double[:, ::1] leaf, const int64_t[::1] param, int64_t depth, double[:, ::1] out,
                      int64_t start, int64_t stop):
    """:func:`forest_padded` with categorical splits (``cat_idx`` (n_trees, n_int): row of ``cat_bits``
    of the split at each padded position, -1 for numeric ones)."""
    cdef int64_t n_trees = feat.shape[0], n_int = feat.shape[1], b0, b1, t, c, i, idx, d, go_right, ci
    cdef xval_t v
    with nogil:
        for b0 in range(start, stop, 256):  # BLOCK
            b1 = min(b0 + BLOCK, stop)
            for t in range(n_trees):
                c = param[t]
                for i in range(b0, b1):
                    idx = 0
                    for d in range(depth):
                        v = X[i, feat[t, idx]]
                        ci = cat_idx[t, idx]
                        if ci >= 0:
                            go_right = 1 - bit_is_set(&cat_bits[ci, 0], _bin_of(v))
                        elif _is_nan(v):
                            go_right = nan_right[t, idx]
                        else:
                            go_right = <double>v > thr[t, idx]
                        idx = 2 * idx + 1 + go_right
                    out[i, c] += leaf[t, idx - n_int]


def forest_pointer(const xval_t[:, ::1] X, const int64_t[::1] roots, const int64_t[::1] feature,
                   const double[::1] thr, const uint8_t[::1] nan_right, const int64_t[::1] left,
                   const int64_t[::1] right, const double[::1] value, const int64_t[::1] param, double[:, ::1] out,
                   int64_t start, int64_t stop):
    """Forest walk on the concatenated node arrays (any depth; ``roots`` (n_trees,) node offsets)."""
    cdef int64_t n_trees = roots.shape[0], b0, b1, t, c, i, nd
    cdef bint go_right
    cdef xval_t v
    with nogil:
        for b0 in range(start, stop, 256):  # BLOCK
            b1 = min(b0 + BLOCK, stop)
            for t in range(n_trees):
                c = param[t]
                for i in range(b0, b1):
                    nd = roots[t]
                    while left[nd] >= 0:
                        v = X[i, feature[nd]]
                        if _is_nan(v):
                            go_right = nan_right[nd] != 0
                        else:
                            go_right = <double>v > thr[nd]
                        nd = right[nd] if go_right else left[nd]
                    out[i, c] += value[nd]


def forest_pointer_cat(const xval_t[:, ::1] X, const int64_t[::1] roots, const int64_t[::1] feature,
                       const double[::1] thr, const uint8_t[::1] nan_right, const uint8_t[::1] is_cat,
                       const uint32_t[:, ::1] bits, const int64_t[::1] left, const int64_t[::1] right,
                       const double[::1] value, const int64_t[::1] param, double[:, ::1] out, int64_t start,
                       int64_t stop):
    """:func:`forest_pointer` for forests with categorical splits (``is_cat`` (N,) per node, ``bits``
    (N, 8) bitsets)."""
    cdef int64_t n_trees = roots.shape[0], p = X.shape[1], b0, b1, t, c, i, nd
    with nogil:
        for b0 in range(start, stop, 256):  # BLOCK
            b1 = min(b0 + BLOCK, stop)
            for t in range(n_trees):
                c = param[t]
                for i in range(b0, b1):
                    nd = _walk_cat(&X[0, 0] + i * p, roots[t], &feature[0], &thr[0], &nan_right[0], &is_cat[0],
                                   &bits[0, 0], &left[0], &right[0])
                    out[i, c] += value[nd]


# ------------------------------------------------------------------ training rows from recorded leaves
def leaf_values(leaves, vals, out):
    """out[i, j] = vals[j, leaves[j, i]]: the (n, k) predictions of k trees from their (k, n) int32
    leaves and the (k, L) node values (``leaf_value_table``).  Returns ``out``."""
    _leaf_values(leaves, vals, out)
    return out


cdef _leaf_values(const int32_t[:, :] leaves, const double[:, :] vals, double[:, :] out):
    cdef Py_ssize_t k = leaves.shape[0], i, j
    with nogil:
        for i in range(leaves.shape[1]):
            for j in range(k):
                out[i, j] = vals[j, leaves[j, i]]
