"""Checks of the arrays the compiled prediction kernels read: the kernels trust their indices (no
bounds checks), so a tree or a packed forest is checked once, when it is built or unpickled, and
refused with a ValueError saying what is wrong (instead of a crash, or reads outside the arrays).
"""

from __future__ import annotations

import numpy as np

from ._categorical import N_WORDS

_DTYPES = {"feature": np.int32, "threshold": np.float64, "bin_threshold": np.uint8, "missing_go_left": np.bool_,
           "left": np.int32, "right": np.int32, "value": np.float64, "gain": np.float64, "weight": np.float64,
           "n_samples": np.int64}


def check_tree(tree, n_features=None):
    """ValueError unless ``tree``'s arrays describe a tree the kernels can walk (see ``Tree.validate``)."""
    def fail(what):
        raise ValueError(f"invalid tree: {what}")

    arrays = {}
    for name, dtype in _DTYPES.items():
        a = getattr(tree, name, None)
        if not isinstance(a, np.ndarray) or a.dtype != dtype or a.ndim != 1 or not a.flags.c_contiguous:
            fail(f"{name} must be a C-contiguous 1-d {np.dtype(dtype).name} array, got "
                 f"{a.dtype.name + ' array of shape ' + str(a.shape) if isinstance(a, np.ndarray) else type(a).__name__}")
        arrays[name] = a
    n = arrays["feature"].shape[0]
    if n < 1:
        fail("no nodes (a tree has at least its root)")
    for name, a in arrays.items():
        if a.shape[0] != n:
            fail(f"{name} has {a.shape[0]} entries for {n} nodes")
    left, right, feature = arrays["left"], arrays["right"], arrays["feature"]
    split = left >= 0
    if not np.array_equal(split, right >= 0):
        nd = int(np.flatnonzero(split != (right >= 0))[0])
        fail(f"node {nd} has left child {left[nd]} and right child {right[nd]} (a leaf has both -1, a split "
             "node both >= 0)")
    leaf = ~split
    if (left[leaf] != -1).any() or (right[leaf] != -1).any():
        nd = int(np.flatnonzero(leaf & ((left != -1) | (right != -1)))[0])
        fail(f"leaf {nd} has children {left[nd]}, {right[nd]} (a leaf has -1, -1)")
    ids = np.flatnonzero(split)
    lc, rc = left[ids], right[ids]
    bad = (lc <= ids) | (rc <= ids) | (lc >= n) | (rc >= n)
    if bad.any():
        nd = int(ids[bad][0])
        fail(f"node {nd} has children {left[nd]}, {right[nd]}: children must come after their parent and lie "
             f"within the tree's {n} nodes")
    children = np.sort(np.concatenate([lc, rc]))
    if children.shape[0] != n - 1 or (children != np.arange(1, n)).any():
        fail(f"the {ids.size} split nodes' children are not the nodes 1..{n - 1} once each (a node with two "
             "parents, or nodes that no walk reaches)")
    if (feature[ids] < 0).any():
        nd = int(ids[feature[ids] < 0][0])
        fail(f"split node {nd} has feature {feature[nd]} (a split feature is >= 0)")
    if n_features is not None:
        if (feature[ids] >= n_features).any():
            nd = int(ids[feature[ids] >= n_features][0])
            fail(f"split node {nd} splits on feature {feature[nd]}, but the model has {n_features} features")
        if (feature[leaf] != -1).any():
            nd = int(np.flatnonzero(leaf & (feature != -1))[0])
            fail(f"leaf {nd} has feature {feature[nd]} (a leaf has -1)")
    is_cat, bits = getattr(tree, "is_categorical", None), getattr(tree, "cat_bitset", None)
    if (is_cat is None) != (bits is None):
        fail("is_categorical and cat_bitset must be given together")
    if is_cat is not None:
        if not (isinstance(is_cat, np.ndarray) and is_cat.dtype == np.bool_ and is_cat.shape == (n,)
                and is_cat.flags.c_contiguous):
            fail(f"is_categorical must be a C-contiguous bool array of shape ({n},)")
        if not (isinstance(bits, np.ndarray) and bits.dtype == np.uint32 and bits.shape == (n, N_WORDS)
                and bits.flags.c_contiguous):
            fail(f"cat_bitset must be a C-contiguous uint32 array of shape ({n}, {N_WORDS})")
        if (is_cat & leaf).any():
            fail(f"leaf {int(np.flatnonzero(is_cat & leaf)[0])} is marked as a categorical split")


_MISSING = object()


def _integer(value, name, low=0):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"invalid packed forest: {name} must be an int >= {low}, got {value!r}")
    return int(value)


def _array(forest, name, dtype, shape, low=None, high=None):
    """forest.<name> after checking it is a C-contiguous array of ``dtype`` and ``shape`` (None
    entries: any length) with values in [low, high) (None bounds are not checked); None when the
    forest has no such attribute."""
    a = getattr(forest, name, _MISSING)
    if a is _MISSING:
        return None
    if not (isinstance(a, np.ndarray) and a.dtype == dtype and a.ndim == len(shape) and a.flags.c_contiguous
            and all(s is None or s == n for s, n in zip(shape, a.shape))):
        got = f"a {a.dtype.name} array of shape {a.shape}" if isinstance(a, np.ndarray) else type(a).__name__
        want = tuple("any" if s is None else s for s in shape)
        raise ValueError(f"invalid packed forest: {name} must be a C-contiguous {np.dtype(dtype).name} array of shape "
                         f"{want}, got {got}")
    if a.size and ((low is not None and a.min() < low) or (high is not None and a.max() >= high)):
        raise ValueError(f"invalid packed forest: {name} has values in [{a.min()}, {a.max()}], outside "
                         f"[{low}, {high})")
    return a


def check_packed(forest, max_padded_depth):
    """ValueError unless the packed arrays of ``forest`` (a :class:`PackedForest`, e.g. just
    unpickled) are what its kernels read: dtypes, shapes, and every index within its array (tree
    outputs < ``n_outputs``, features < ``n_features_used``, bitset rows, children after their
    node and within the forest, so every walk ends).

    An attribute the forest lacks (a pickle of an older ngb) is not checked: a prediction that
    needs it fails looking it up, before any kernel runs; the arrays it has are checked against
    the sizes they index (and an index array whose size is missing is never read by a kernel: the
    kernels that read it read the size's array too)."""
    scalars = {name: getattr(forest, name, _MISSING) for name in ("kind", "n_trees", "n_outputs",
                                                                   "n_features_used", "depth")}
    if any(v is _MISSING for v in scalars.values()):
        return  # predict looks them up first
    kind = scalars["kind"]
    if kind not in ("d3", "padded", "pointer"):
        raise ValueError(f"invalid packed forest: kind must be 'd3', 'padded' or 'pointer', got {kind!r}")
    n_trees = _integer(scalars["n_trees"], "n_trees")
    n_out = _integer(scalars["n_outputs"], "n_outputs", 1)
    n_feat = _integer(scalars["n_features_used"], "n_features_used")
    depth = _integer(scalars["depth"], "depth")
    has_cat = getattr(forest, "has_categorical", False)
    if not isinstance(has_cat, (bool, np.bool_)):
        raise ValueError(f"invalid packed forest: has_categorical must be a bool, got {has_cat!r}")
    _array(forest, "param", np.int64, (n_trees,), 0, n_out)
    columns = max(n_feat, 1)  # padding positions read column 0
    if kind == "pointer":
        feature = _array(forest, "feature", np.int64, (None,))
        if feature is None:
            return
        n = feature.shape[0]
        _array(forest, "roots", np.int64, (n_trees,), 0, n)
        for name in ("thr", "thr_bin", "value"):
            _array(forest, name, np.float64, (n,))
        _array(forest, "nan_right", np.uint8, (n,))
        left = _array(forest, "left", np.int64, (n,))
        right = _array(forest, "right", np.int64, (n,))
        if left is not None:
            split = np.flatnonzero(left >= 0)
            right = np.full(n, -1, np.int64) if right is None else right
            bad = ((left[split] <= split) | (left[split] >= n) | (right[split] <= split) | (right[split] >= n)
                   | (feature[split] < 0) | (feature[split] >= n_feat))
            if bad.any():
                nd = int(split[bad][0])
                raise ValueError(f"invalid packed forest: node {nd} has children {left[nd]}, {right[nd]} and feature "
                                 f"{feature[nd]} (children after their node and below {n}, features below {n_feat})")
        if has_cat:
            _array(forest, "is_cat", np.uint8, (n,))
            _array(forest, "bits", np.uint32, (n, N_WORDS))
        return
    if kind == "d3" and depth > 3 or kind == "padded" and not 3 < depth <= max_padded_depth:
        raise ValueError(f"invalid packed forest: a {kind!r} forest of depth {depth}")
    d = 3 if kind == "d3" else depth
    n_int = (1 << d) - 1
    _array(forest, "feat", np.int64, (n_trees, n_int), 0, columns)
    _array(forest, "thr", np.float64, (n_trees, n_int))
    _array(forest, "thr_bin", np.float64, (n_trees, n_int))
    _array(forest, "nan_right", np.uint8, (n_trees, n_int), 0, 2)  # the padded kernels step by it
    _array(forest, "leaf", np.float64, (n_trees, n_int + 1))
    bits = _array(forest, "cat_bits", np.uint32, (None, N_WORDS))
    if bits is not None:
        _array(forest, "cat_idx", np.int64, (n_trees if has_cat else None, n_int), -1, bits.shape[0])
    if kind == "d3":
        ufeat = _array(forest, "ufeat", np.int64, (None,), 0, columns)
        if ufeat is not None:
            if ufeat.shape[0] == 0:
                raise ValueError("invalid packed forest: ufeat is empty (the kernels read at least column 0)")
            _array(forest, "feat_compact", np.int64, (n_trees, 7), 0, ufeat.shape[0])
        _array(forest, "thr_d3", np.float64, (n_trees, 7))
        _array(forest, "add_u8", np.int64, (n_trees, 7))
        _array(forest, "thu_u8", np.int64, (n_trees, 7))
