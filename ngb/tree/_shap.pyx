# Exact path-dependent TreeSHAP over the concatenated node arrays of a forest.
#
# Two computations of the same values (Lundberg, Erion & Lee 2018, "Consistent individualized
# feature attribution for tree ensembles"):
# - the recursion of their Algorithm 2 (extend / unwind / unwound sum of the path's permutation
#   weights), a port of shap's tree_shap_recursive without its conditioning arguments;
# - leaf tables (the idea of Yang 2021, "Fast TreeSHAP", v2): a leaf's contribution depends on the
#   row only through one bit per distinct feature on its path (does the row follow every split of
#   that feature on the path?), so the contributions of all 2**d bit patterns are computed once per
#   leaf with the same path algebra, and a row costs one comparison per path split and d additions
#   per leaf. Trees whose tables would exceed a budget take the recursion.
#
# Each tree t adds its SHAP values to output column param[t]; its node values are already scaled
# by the tree's weight. A node routes a row by its own rule, as the prediction kernels do: a
# categorical node sends the value's bin left when its bit is set (NaN is bin 255), a numeric node
# sends x <= threshold left and NaN left iff not nan_right. The cover of a node is the number of
# its training rows; the fraction reaching each child is the conditional expectation of the
# path-dependent formulation. Covers must be positive.

from libc.stdint cimport int64_t, uint8_t, uint32_t
from libc.stdlib cimport free, malloc
from libc.string cimport memcpy

import numpy as np

from ._routing cimport N_WORDS, bit_is_set, raw_category_bin


cdef enum:
    BLOCK = 64   # rows explained together, tree by tree


cdef struct PathElement:
    int64_t feature
    double zero   # fraction of the paths' cover that flows this way when the feature is unknown
    double one    # 1 if x follows this way, else 0
    double pweight


cdef struct Forest:
    const int64_t* feature
    const double* threshold
    const uint8_t* nan_right
    const uint8_t* is_cat
    const uint32_t* bits
    const int64_t* left
    const int64_t* right
    const double* value
    const double* cover


cdef inline void _extend(PathElement* path, int64_t d, double zero, double one, int64_t feature) noexcept nogil:
    cdef int64_t i
    path[d].feature = feature
    path[d].zero = zero
    path[d].one = one
    path[d].pweight = 1.0 if d == 0 else 0.0
    for i in range(d - 1, -1, -1):
        path[i + 1].pweight += one * path[i].pweight * (i + 1) / <double>(d + 1)
        path[i].pweight = zero * path[i].pweight * (d - i) / <double>(d + 1)


cdef inline void _unwind(PathElement* path, int64_t d, int64_t k) noexcept nogil:
    cdef double one = path[k].one, zero = path[k].zero
    cdef double nxt = path[d].pweight, tmp
    cdef int64_t i
    for i in range(d - 1, -1, -1):
        if one != 0:
            tmp = path[i].pweight
            path[i].pweight = nxt * (d + 1) / ((i + 1) * one)
            nxt = tmp - path[i].pweight * zero * (d - i) / <double>(d + 1)
        else:
            path[i].pweight = path[i].pweight * (d + 1) / (zero * (d - i))
    for i in range(k, d):
        path[i].feature = path[i + 1].feature
        path[i].zero = path[i + 1].zero
        path[i].one = path[i + 1].one


cdef inline double _unwound_sum(const PathElement* path, int64_t d, int64_t k) noexcept nogil:
    cdef double one = path[k].one, zero = path[k].zero
    cdef double nxt = path[d].pweight, total = 0.0, tmp
    cdef int64_t i
    if one != 0:
        for i in range(d - 1, -1, -1):
            tmp = nxt / ((i + 1) * one)
            total += tmp
            nxt = path[i].pweight - tmp * zero * (d - i)
    else:
        for i in range(d - 1, -1, -1):
            total += path[i].pweight / (zero * (d - i))
    return total * (d + 1)


cdef inline bint _goes_left(const Forest* f, int64_t nd, double x) noexcept nogil:
    if f.is_cat[nd]:
        return bit_is_set(f.bits + nd * N_WORDS, raw_category_bin(x)) != 0
    if x != x:
        return f.nan_right[nd] == 0
    return x <= f.threshold[nd]


cdef void _recurse(const Forest* f, const double* x, double* phi, int64_t stride, int64_t nd, int64_t d,
                   PathElement* parent, double zero, double one, int64_t feature) noexcept nogil:
    cdef PathElement* path = parent + d + 1
    cdef int64_t i, k, split, hot, cold
    cdef double w, z_in = 1.0, o_in = 1.0
    memcpy(path, parent, (d + 1) * sizeof(PathElement))
    _extend(path, d, zero, one, feature)
    if f.left[nd] < 0:  # leaf: every feature on the path gets its share of the leaf value
        for i in range(1, d + 1):
            w = _unwound_sum(path, d, i)
            phi[path[i].feature * stride] += w * (path[i].one - path[i].zero) * f.value[nd]
        return
    split = f.feature[nd]
    if _goes_left(f, nd, x[split]):
        hot, cold = f.left[nd], f.right[nd]
    else:
        hot, cold = f.right[nd], f.left[nd]
    for k in range(d + 1):  # a feature already on the path: undo its extension, redo it here
        if path[k].feature == split:
            z_in = path[k].zero
            o_in = path[k].one
            _unwind(path, d, k)
            d -= 1
            break
    w = f.cover[nd]
    _recurse(f, x, phi, stride, hot, d + 1, path, f.cover[hot] / w * z_in, o_in, split)
    _recurse(f, x, phi, stride, cold, d + 1, path, f.cover[cold] / w * z_in, 0.0, split)


# ------------------------------------------------------------------ leaf tables (the fast path)
# A leaf's contribution to the SHAP values depends on the row only through which of the distinct
# features on its path the row follows on every split of that feature (one bit per feature). For
# a leaf with d distinct path features, the table holds its contributions for all 2**d patterns
# (computed with the same path algebra: the leaf's path extended by each feature once, with its
# merged cover fraction and the pattern's bit); a row then costs one bit test per path split and d
# additions per leaf. Trees whose tables would exceed the budget take the recursion instead.

cdef struct Walk:
    const int64_t* feature
    const int64_t* left
    const int64_t* right
    const double* cover
    const double* value
    int64_t root
    int64_t* pnode      # the current path: node ids (global) and directions (1 left)
    uint8_t* pdir
    bint write
    bint too_big        # a leaf of the tree has too many distinct features
    # running totals
    int64_t n_leaves, n_steps, n_ufeat, n_table
    # outputs (write pass)
    double* leaf_value
    int64_t* leaf_d
    int64_t* step_begin
    int64_t* step_node
    uint8_t* step_dir
    int64_t* step_bit
    int64_t* ufeat_begin
    int64_t* ufeat
    double* uzero
    int64_t* table_begin


cdef enum:
    MAX_TABLE_FEATURES = 20   # distinct features on one leaf's path for a table (2**20 patterns)


cdef void _leaf(Walk* w, int64_t leaf, int64_t depth) noexcept nogil:
    cdef int64_t s, u, d = 0, f, nd, child
    cdef int64_t u0 = w.n_ufeat
    cdef int64_t local_feat[64]
    for s in range(depth):
        nd = w.pnode[s]
        f = w.feature[nd]
        u = 0
        while u < d and local_feat[u] != f:
            u += 1
        if u == d:
            if d == 64:
                w.too_big = True
                return
            local_feat[d] = f
            if w.write:
                w.ufeat[u0 + d] = f
                w.uzero[u0 + d] = 1.0
            d += 1
        if w.write:
            child = w.pnode[s + 1] if s + 1 < depth else leaf
            w.uzero[u0 + u] *= w.cover[child] / w.cover[nd]
            w.step_node[w.n_steps + s] = nd - w.root
            w.step_dir[w.n_steps + s] = w.pdir[s]
            w.step_bit[w.n_steps + s] = (<int64_t>1) << u
    if d > MAX_TABLE_FEATURES:
        w.too_big = True
        return
    if w.write:
        w.leaf_value[w.n_leaves] = w.value[leaf]
        w.leaf_d[w.n_leaves] = d
        w.step_begin[w.n_leaves] = w.n_steps
        w.ufeat_begin[w.n_leaves] = u0
        w.table_begin[w.n_leaves] = w.n_table
    w.n_leaves += 1
    w.n_steps += depth
    w.n_ufeat += d
    w.n_table += ((<int64_t>1) << d) * d


cdef void _walk(Walk* w, int64_t nd, int64_t depth) noexcept nogil:
    if w.too_big:
        return
    if w.left[nd] < 0:
        _leaf(w, nd, depth)
        return
    w.pnode[depth] = nd
    w.pdir[depth] = 1
    _walk(w, w.left[nd], depth + 1)
    w.pdir[depth] = 0
    _walk(w, w.right[nd], depth + 1)


cdef void _fill_table(double* table, const double* zero, int64_t d, double value, PathElement* path) noexcept nogil:
    """table[b * d + i]: the leaf's contribution to its i-th distinct feature for bit pattern b."""
    cdef int64_t b, i
    cdef double one
    for b in range((<int64_t>1) << d):
        _extend(path, 0, 1.0, 1.0, -1)
        for i in range(d):
            _extend(path, i + 1, zero[i], <double>((b >> i) & 1), i)
        for i in range(d):
            one = <double>((b >> i) & 1)
            table[b * d + i] = _unwound_sum(path, d, i + 1) * (one - zero[i]) * value


def leaf_tables(const int64_t[::1] roots, const int64_t[::1] feature, const int64_t[::1] left,
                const int64_t[::1] right, const double[::1] value, const double[::1] cover, int64_t max_depth,
                int64_t budget):
    """Leaf tables of every tree whose tables hold at most ``budget`` doubles (``fast[t] == 1``):
    a dict of arrays (see ``tree_shap``)."""
    cdef Walk w
    cdef int64_t t, l, n_trees = roots.shape[0]
    cdef int64_t[::1] pnode = np.zeros(max_depth + 1, np.int64)
    cdef uint8_t[::1] pdir = np.zeros(max_depth + 1, np.uint8)
    cdef uint8_t[::1] fast = np.zeros(n_trees, np.uint8)
    cdef int64_t[::1] leaf_begin = np.zeros(n_trees + 1, np.int64)
    cdef int64_t tot_leaves = 0, tot_steps = 0, tot_ufeat = 0, tot_table = 0
    w.feature = &feature[0]
    w.left = &left[0]
    w.right = &right[0]
    w.cover = &cover[0]
    w.value = &value[0]
    w.pnode = &pnode[0]
    w.pdir = &pdir[0]
    w.write = False
    for t in range(n_trees):  # sizes, and which trees take tables
        w.root = roots[t]
        w.too_big = False
        w.n_leaves = w.n_steps = w.n_ufeat = w.n_table = 0
        _walk(&w, roots[t], 0)
        if not w.too_big and w.n_table <= budget:
            fast[t] = 1
            tot_leaves += w.n_leaves
            tot_steps += w.n_steps
            tot_ufeat += w.n_ufeat
            tot_table += w.n_table
    out = {
        "fast": np.asarray(fast), "leaf_begin": np.asarray(leaf_begin),
        "leaf_value": np.zeros(tot_leaves), "leaf_d": np.zeros(tot_leaves, np.int64),
        "step_begin": np.zeros(tot_leaves + 1, np.int64), "step_node": np.zeros(tot_steps, np.int64),
        "step_dir": np.zeros(tot_steps, np.uint8), "step_bit": np.zeros(tot_steps, np.int64),
        "ufeat_begin": np.zeros(tot_leaves + 1, np.int64), "ufeat": np.zeros(tot_ufeat, np.int64),
        "uzero": np.zeros(tot_ufeat), "table_begin": np.zeros(tot_leaves + 1, np.int64),
        "table": np.zeros(tot_table),
    }
    cdef double[::1] leaf_value = out["leaf_value"]
    cdef int64_t[::1] leaf_d = out["leaf_d"]
    cdef int64_t[::1] step_begin = out["step_begin"]
    cdef int64_t[::1] step_node = out["step_node"]
    cdef uint8_t[::1] step_dir = out["step_dir"]
    cdef int64_t[::1] step_bit = out["step_bit"]
    cdef int64_t[::1] ufeat_begin = out["ufeat_begin"]
    cdef int64_t[::1] ufeat = out["ufeat"]
    cdef double[::1] uzero = out["uzero"]
    cdef int64_t[::1] table_begin = out["table_begin"]
    cdef double[::1] table = out["table"]
    # empty outputs still need a valid address: pad with one element
    cdef double dpad = 0.0
    cdef int64_t ipad = 0
    cdef uint8_t upad = 0
    w.write = True
    w.leaf_value = &leaf_value[0] if tot_leaves else &dpad
    w.leaf_d = &leaf_d[0] if tot_leaves else &ipad
    w.step_begin = &step_begin[0]
    w.step_node = &step_node[0] if tot_steps else &ipad
    w.step_dir = &step_dir[0] if tot_steps else &upad
    w.step_bit = &step_bit[0] if tot_steps else &ipad
    w.ufeat_begin = &ufeat_begin[0]
    w.ufeat = &ufeat[0] if tot_ufeat else &ipad
    w.uzero = &uzero[0] if tot_ufeat else &dpad
    w.table_begin = &table_begin[0]
    w.n_leaves = w.n_steps = w.n_ufeat = w.n_table = 0
    for t in range(n_trees):
        leaf_begin[t] = w.n_leaves
        if fast[t]:
            w.root = roots[t]
            w.too_big = False
            _walk(&w, roots[t], 0)
    leaf_begin[n_trees] = w.n_leaves
    step_begin[tot_leaves] = w.n_steps
    ufeat_begin[tot_leaves] = w.n_ufeat
    table_begin[tot_leaves] = w.n_table
    cdef PathElement* path = <PathElement*>malloc((MAX_TABLE_FEATURES + 2) * sizeof(PathElement))
    if path == NULL:
        raise MemoryError()
    with nogil:
        for l in range(tot_leaves):
            if leaf_d[l]:
                _fill_table(&table[table_begin[l]], &uzero[ufeat_begin[l]], leaf_d[l], leaf_value[l], path)
    free(path)
    return out


cdef inline void _tables_row(const Forest* f, const double* x, double* phi, int64_t stride, int64_t root,
                             int64_t stop, int64_t l0, int64_t l1, const int64_t* leaf_d,
                             const int64_t* step_begin, const int64_t* step_node, const uint8_t* step_dir,
                             const int64_t* step_bit, const int64_t* ufeat_begin, const int64_t* ufeat,
                             const int64_t* table_begin, const double* table, uint8_t* dirs) noexcept nogil:
    cdef int64_t nd, l, s, b, i, d
    cdef const double* row
    cdef const int64_t* uf
    cdef double v
    for nd in range(root, stop):
        if f.left[nd] < 0:
            continue
        v = x[f.feature[nd]]
        if f.is_cat[nd]:
            dirs[nd - root] = bit_is_set(f.bits + nd * N_WORDS, raw_category_bin(v)) != 0
        else:  # branch-free: NaN <= t is false, NaN goes left iff not nan_right
            dirs[nd - root] = (<uint8_t>(v <= f.threshold[nd])) | ((<uint8_t>(v != v)) & (f.nan_right[nd] ^ 1))
    for l in range(l0, l1):
        d = leaf_d[l]
        if d == 0:
            continue
        b = ((<int64_t>1) << d) - 1
        for s in range(step_begin[l], step_begin[l + 1]):  # branch-free: the directions are data
            b &= ~(step_bit[s] * <int64_t>(dirs[step_node[s]] ^ step_dir[s]))
        row = table + table_begin[l] + b * d
        uf = ufeat + ufeat_begin[l]
        for i in range(d):
            phi[uf[i] * stride] += row[i]


def path_buffer_size(int64_t max_depth):
    """PathElements one row needs for trees of depth <= max_depth."""
    cdef int64_t m = max_depth + 2
    return m * (m + 1) // 2


def tree_shap(const double[:, ::1] X, const int64_t[::1] roots, const int64_t[::1] param,
              const int64_t[::1] feature, const double[::1] threshold, const uint8_t[::1] nan_right,
              const uint8_t[::1] is_cat, const uint32_t[:, ::1] bits, const int64_t[::1] left,
              const int64_t[::1] right, const double[::1] value, const double[::1] cover, int64_t max_depth,
              dict tables, double[:, :, ::1] out, int64_t start, int64_t stop):
    """Add the SHAP values of rows ``start:stop`` of raw ``X`` (n, p) to ``out`` (n, p, k): tree t
    (nodes ``roots[t]`` up to the next root, global child ids) adds to ``out[:, :, param[t]]``, by
    its leaf tables (``tables`` from :func:`leaf_tables`, where ``fast[t]``) or by the recursion."""
    cdef Forest f
    cdef int64_t i, t, b0, b1, k = out.shape[2], n_trees = roots.shape[0], n_nodes = feature.shape[0], t_stop
    cdef const uint8_t[::1] fast = tables["fast"]
    cdef const int64_t[::1] leaf_begin = tables["leaf_begin"]
    cdef const int64_t[::1] leaf_d = _padded(tables["leaf_d"])
    cdef const int64_t[::1] step_begin = tables["step_begin"]
    cdef const int64_t[::1] step_node = _padded(tables["step_node"])
    cdef const uint8_t[::1] step_dir = _padded(tables["step_dir"])
    cdef const int64_t[::1] step_bit = _padded(tables["step_bit"])
    cdef const int64_t[::1] ufeat_begin = tables["ufeat_begin"]
    cdef const int64_t[::1] ufeat = _padded(tables["ufeat"])
    cdef const int64_t[::1] table_begin = tables["table_begin"]
    cdef const double[::1] table = _padded(tables["table"])
    cdef PathElement* buf = <PathElement*>malloc(path_buffer_size(max_depth) * sizeof(PathElement))
    cdef uint8_t* dirs = <uint8_t*>malloc((n_nodes + 1) * sizeof(uint8_t))
    if buf == NULL or dirs == NULL:
        free(buf)
        free(dirs)
        raise MemoryError()
    f.feature = &feature[0]
    f.threshold = &threshold[0]
    f.nan_right = &nan_right[0]
    f.is_cat = &is_cat[0]
    f.bits = &bits[0, 0]
    f.left = &left[0]
    f.right = &right[0]
    f.value = &value[0]
    f.cover = &cover[0]
    try:
        with nogil:
            b0 = start
            while b0 < stop:  # a block of rows tree by tree: the tree stays in cache
                b1 = min(b0 + BLOCK, stop)
                for t in range(n_trees):
                    if fast[t]:
                        t_stop = roots[t + 1] if t + 1 < n_trees else n_nodes
                        for i in range(b0, b1):
                            _tables_row(&f, &X[i, 0], &out[i, 0, param[t]], k, roots[t], t_stop, leaf_begin[t],
                                        leaf_begin[t + 1], &leaf_d[0], &step_begin[0], &step_node[0], &step_dir[0],
                                        &step_bit[0], &ufeat_begin[0], &ufeat[0], &table_begin[0], &table[0], dirs)
                    else:
                        for i in range(b0, b1):
                            _recurse(&f, &X[i, 0], &out[i, 0, param[t]], k, roots[t], 0, buf, 1.0, 1.0, -1)
                b0 = b1
    finally:
        free(buf)
        free(dirs)


def _padded(a):
    """``a``, or one zero of its dtype when empty (a memoryview needs an element to take an address)."""
    return a if a.shape[0] else np.zeros(1, a.dtype)


def expected_values(const int64_t[::1] roots, const int64_t[::1] param, const int64_t[::1] left,
                    const int64_t[::1] right, const double[::1] value, const double[::1] cover,
                    double[::1] out):
    """Add to ``out[param[t]]`` every tree's expectation under its covers: the sum over leaves of the
    product of the cover fractions down the path times the leaf value (nodes in breadth-first
    order within a tree: parents before children)."""
    cdef int64_t t, nd, stop, n_nodes = left.shape[0], n_trees = roots.shape[0]
    cdef double total
    cdef double[::1] frac = cover.copy()
    with nogil:
        for t in range(n_trees):
            stop = roots[t + 1] if t + 1 < n_trees else n_nodes
            frac[roots[t]] = 1.0
            total = 0.0
            for nd in range(roots[t], stop):
                if left[nd] < 0:
                    total += frac[nd] * value[nd]
                else:
                    frac[left[nd]] = frac[nd] * cover[left[nd]] / cover[nd]
                    frac[right[nd]] = frac[nd] * cover[right[nd]] / cover[nd]
            out[param[t]] += total
