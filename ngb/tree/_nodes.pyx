"""The node record of a growing tree as a numpy structured dtype (the C struct ``node_t`` of
``_nodes.pxd``, one definition): the growers fill an array of it, ``Tree.from_nodes`` reads it."""

import numpy as np

cdef node_t _one


NODE_DTYPE = np.asarray(<node_t[:1]>&_one).dtype
"""numpy dtype of ``node_t``: fields feature, bin_threshold, missing_go_left, has_range, left, right,
value, lower, upper (value bounds of the descendants: monotonic constraints), gain, weight, count,
sum_g, start, stop, depth, cat_bitset (8,), best (the split record)."""


def new_nodes(Py_ssize_t cap):
    """(cap,) zeroed node records whose root (node 0) is a leaf that owns the partition range; the
    growers make every other record a leaf when they create it (``split_node``), so the pages of
    records never reached are never touched."""
    nodes = np.zeros(max(cap, 1), dtype=NODE_DTYPE)
    nodes[0]["feature"] = nodes[0]["left"] = nodes[0]["right"] = -1
    nodes[0]["has_range"] = 1
    return nodes
