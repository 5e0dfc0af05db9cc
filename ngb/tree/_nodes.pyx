"""The node record of a growing tree as a numpy structured dtype (the C struct ``node_t`` of
``_nodes.pxd``, one definition): the growers fill an array of it, ``Tree.from_nodes`` reads it."""

import numpy as np

cdef node_t _one


NODE_DTYPE = np.asarray(<node_t[:1]>&_one).dtype
"""numpy dtype of ``node_t``: fields feature, bin_threshold, missing_go_left, has_range, left, right,
value, gain, weight, count, sum_g, start, stop, depth, cat_bitset (8,), best (the split record)."""


def new_nodes(Py_ssize_t cap):
    """(cap,) zeroed node records, every node a leaf (feature, left, right -1); the root owns the
    partition range (``has_range``)."""
    nodes = np.zeros(max(cap, 1), dtype=NODE_DTYPE)
    nodes["feature"] = -1
    nodes["left"] = -1
    nodes["right"] = -1
    nodes["has_range"][0] = 1
    return nodes
