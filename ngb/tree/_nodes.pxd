# The node record of a growing tree, shared by both growers (``_grow_level``, ``_grow_best_first``),
# and the inline helpers that read or write it.  Python sees the same record as the numpy dtype
# ``_nodes.NODE_DTYPE`` (built from this struct), which ``Tree.from_nodes`` reads.

from libc.math cimport INFINITY
from libc.stdint cimport int8_t, int32_t, int64_t, uint8_t, uint32_t

from ._histogram cimport hbin_t
from ._routing cimport N_WORDS, bit_is_set, go_left
from ._splitting cimport clip_value, find_best_split, find_best_split_bounded, split_t

ctypedef struct node_t:
    int32_t feature          # split feature, -1 for a leaf
    uint8_t bin_threshold    # numeric split: bin <= bin_threshold goes left
    uint8_t missing_go_left  # the NaN bin goes left (categorical: the bit of bin 255)
    uint8_t has_range        # the node's rows own the range start:stop of the partition
    int32_t left             # children (consecutive: right = left + 1), -1 for a leaf
    int32_t right
    double value             # weighted mean of the target (clipped to the parent's bounds when constrained)
    double lower             # bounds on the values of the node's descendants (monotonic constraints;
    double upper             # -inf, +inf without them)
    double gain              # decrease of the weighted SSE of the split, 0 for a leaf
    double weight            # sum of weights
    double count             # rows
    double sum_g             # sum of w * (y - mu)
    int64_t start            # row range in the partition (when has_range)
    int64_t stop
    int64_t depth            # best-first only
    uint32_t cat_bitset[N_WORDS]  # categorical split: the bins going left
    split_t best             # best-first only: the best split of an open leaf


cdef inline void weighted_mean(const double* y, const double* w, bint has_w, const int64_t* rows, int64_t m,
                               double* w_tot, double* mu) noexcept nogil:
    """Sum of weights and weighted mean of y over rows (mean 0 when the weights sum to 0)."""
    cdef double wt = 0.0, gt = 0.0, wi
    cdef int64_t i, r
    for i in range(m):
        r = rows[i]
        wi = w[r] if has_w else 1.0
        wt += wi
        gt += wi * y[r]
    w_tot[0] = wt
    mu[0] = gt / wt if wt > 0.0 else 0.0


cdef inline void init_root(node_t* nodes, const double* y, const double* w, bint has_w, const int64_t* rows,
                           int64_t m, double* w_tot, double* mu) noexcept nogil:
    """Set the root (node 0) over the used rows; (total weight, weighted target mean) into w_tot, mu."""
    weighted_mean(y, w, has_w, rows, m, w_tot, mu)
    nodes[0].value = mu[0]
    nodes[0].lower = -INFINITY
    nodes[0].upper = INFINITY
    nodes[0].weight = w_tot[0]
    nodes[0].count = <double>m
    nodes[0].stop = m


cdef inline int64_t single_leaf(const int64_t* rows, int64_t m, int32_t* leaf_of) noexcept nogil:
    """A tree that is its root leaf: every used row recorded in leaf 0 (when ``leaf_of``); returns 1
    (the number of nodes)."""
    cdef int64_t k
    if leaf_of != NULL:
        for k in range(m):
            leaf_of[rows[k]] = 0
    return 1


cdef inline bint find_node_split(const hbin_t* hist, const int32_t* cnt, bint has_w, const int64_t* feats, int64_t q,
                                 const int64_t* n_bins_non_missing, const uint8_t* is_cat, const node_t* nd,
                                 int64_t min_samples_leaf, double min_weight_leaf, double weight_eps, double min_gain,
                                 double mu, const int8_t* cst, split_t* out) noexcept nogil:
    """Best split of node ``nd`` from its histogram: the plain search, or with monotonic constraints
    ``cst`` (per feature; NULL: none) the bounded one within the node's bounds."""
    cdef double g = nd.sum_g, w = nd.weight, c = nd.count, lower = nd.lower, upper = nd.upper
    if cst == NULL:
        return find_best_split(hist, cnt, has_w, feats, q, n_bins_non_missing, is_cat, g, w, c, min_samples_leaf,
                               min_weight_leaf, weight_eps, min_gain, out)
    return find_best_split_bounded(hist, cnt, has_w, feats, q, n_bins_non_missing, is_cat, g, w, c,
                                   min_samples_leaf, min_weight_leaf, weight_eps, min_gain, mu, lower, upper, cst, out)


cdef inline void split_node(node_t* nodes, int64_t nd, const split_t* sp, const int64_t* feats,
                            const uint8_t* is_cat, int64_t lc, double mu, const int8_t* cst) noexcept nogil:
    """Apply split sp to node nd with children lc, lc + 1: the split fields and the children's sums,
    values and bounds.  With monotonic constraints ``cst`` (per feature; NULL: none) the children's
    values are clipped to the node's bounds, and the split of a constrained feature bounds the
    children's descendants by the mid value (scikit-learn's rule): for +1 the left ones to
    ``[lower, mid]``, the right ones to ``[mid, upper]`` (-1: the other way round)."""
    cdef node_t* a = &nodes[nd]
    cdef node_t* l = &nodes[lc]
    cdef node_t* r = &nodes[lc + 1]
    cdef int64_t i
    cdef double mid
    a.feature = <int32_t>feats[sp.j]
    a.bin_threshold = <uint8_t>sp.bin
    a.missing_go_left = sp.missing_go_left
    a.gain = sp.gain
    if is_cat[a.feature]:
        for i in range(N_WORDS):
            a.cat_bitset[i] = sp.bits[i]
    a.left = <int32_t>lc
    a.right = <int32_t>(lc + 1)
    l.feature = l.left = l.right = -1  # the records come zeroed (new_nodes): the children are leaves
    r.feature = r.left = r.right = -1
    l.sum_g = sp.g_left
    l.weight = sp.w_left
    l.count = sp.c_left
    r.sum_g = a.sum_g - sp.g_left
    r.weight = a.weight - sp.w_left
    r.count = a.count - sp.c_left
    l.value = mu + sp.g_left / sp.w_left
    r.value = mu + r.sum_g / r.weight
    l.lower = r.lower = a.lower
    l.upper = r.upper = a.upper
    if cst != NULL:
        l.value = clip_value(l.value, a.lower, a.upper)
        r.value = clip_value(r.value, a.lower, a.upper)
        if cst[a.feature] != 0:
            mid = 0.5 * (l.value + r.value)
            if cst[a.feature] > 0:
                l.upper = mid
                r.lower = mid
            else:
                l.lower = mid
                r.upper = mid


cdef inline int64_t partition_rows(const uint8_t* Xb, int64_t p, int64_t* part, int64_t* buf, const node_t* nd,
                                   bint cat) noexcept nogil:
    """Stable in-place partition of ``part[nd.start:nd.stop]`` by the node's split (``cat``: left iff
    the bin is in its bitset), rows going left first (``buf``: scratch of at least stop - start
    rows).  Returns the end of the left block."""
    cdef int64_t nl = nd.start, nr = 0, i, r, gl
    cdef int64_t f = nd.feature, bt = nd.bin_threshold, ml = nd.missing_go_left
    if cat:
        for i in range(nd.start, nd.stop):
            r = part[i]
            gl = bit_is_set(nd.cat_bitset, Xb[r * p + f])
            part[nl] = r
            buf[nr] = r
            nl += gl
            nr += 1 - gl
    else:
        for i in range(nd.start, nd.stop):  # branch-free stable partition
            r = part[i]
            gl = go_left(Xb[r * p + f], bt, ml)
            part[nl] = r
            buf[nr] = r
            nl += gl
            nr += 1 - gl
    for i in range(nr):
        part[nl + i] = buf[i]
    return nl


cdef inline void write_leaves(const uint8_t* Xb, int64_t p, const int64_t* part, const node_t* nodes,
                              int64_t n_nodes, const uint8_t* is_cat, int32_t* leaf_of) noexcept nogil:
    """leaf_of[r] = leaf node of row r, from the row ranges of the partition: leaves that own a range
    directly; the children of a split node whose rows were not partitioned (they are leaves) by
    routing that node's rows once, as the partition would."""
    cdef int64_t nd, lc, i, r, f, bt, ml
    for nd in range(n_nodes):
        if not nodes[nd].has_range:
            continue
        lc = nodes[nd].left
        if lc < 0:
            for i in range(nodes[nd].start, nodes[nd].stop):
                leaf_of[part[i]] = <int32_t>nd
        elif not nodes[lc].has_range:
            f = nodes[nd].feature
            bt = nodes[nd].bin_threshold
            ml = nodes[nd].missing_go_left
            if is_cat[f]:
                for i in range(nodes[nd].start, nodes[nd].stop):
                    r = part[i]
                    leaf_of[r] = <int32_t>(lc + 1 - bit_is_set(nodes[nd].cat_bitset, Xb[r * p + f]))
            else:
                for i in range(nodes[nd].start, nodes[nd].stop):
                    r = part[i]
                    leaf_of[r] = <int32_t>(lc + 1 - go_left(Xb[r * p + f], bt, ml))
