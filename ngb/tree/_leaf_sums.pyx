"""Per-node sums of a target over the rows' leaves, in one pass (``np.bincount``'s sums, in row order)."""

from libc.stdint cimport int32_t


def leaf_sums(const int32_t[::1] leaf, const double[::1] target, const double[::1] w, bint has_w, Py_ssize_t n_nodes):
    """(sums (n_nodes,), weights (n_nodes,) or None): sum of w_i * target_i over the rows i of each
    leaf id (``leaf`` (n,), ids below ``n_nodes``) and, with ``has_w``, sum of w_i; the additions in
    row order, so equal to ``np.bincount(leaf, weights=w * target)`` and ``np.bincount(leaf,
    weights=w)``. Without ``has_w`` (``w`` not read) the plain sums of target, and None."""
    import numpy
    s = numpy.zeros(n_nodes)
    c = numpy.zeros(n_nodes) if has_w else None
    cdef double[::1] sv = s
    cdef double[::1] cv
    cdef Py_ssize_t i, n = leaf.shape[0]
    if has_w:
        cv = c
        with nogil:
            for i in range(n):
                sv[leaf[i]] += w[i] * target[i]
                cv[leaf[i]] += w[i]
    else:
        with nogil:
            for i in range(n):
                sv[leaf[i]] += target[i]
    return s, c
