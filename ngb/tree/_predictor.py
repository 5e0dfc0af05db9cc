"""Packed forests: many trees in the arrays of one kernel call, and the table of those kernels.

:class:`PackedForest` pads every tree of a forest of depth <= 3 (the boosting default) to a
complete depth-3 tree (``kind`` "d3": a shallower leaf becomes "always left" padding nodes with its
value copied to the padded leaves, kernels in ``_predict_d3``), deeper forests to their depth
(``"padded"``, depth <= ``MAX_PADDED_DEPTH``) or else concatenates the node arrays (``"pointer"``;
both kernels in ``_predict_nodes``).  The kernel of a call is looked up in :data:`KERNELS` by
(kind, binned rows, layout of the rows, categorical splits).

Within a block of rows trees are added in order, so every output cell receives its terms in tree
order whatever the block size or number of threads (threads work on disjoint row chunks): results
are deterministic and bit-identical to ``init`` plus ``weight * tree.predict(X)`` added one tree at
a time.
"""

from __future__ import annotations

import numpy as np

from .._threads import map_chunks, resolve_n_threads
from ._categorical import N_WORDS
from ._checks import check_packed, check_tree
from ._predict_d3 import forest_d3, forest_d3_binned, forest_d3_binned_cat, forest_d3_binned_f, forest_d3_cat
from ._predict_nodes import forest_padded, forest_padded_cat, forest_pointer, forest_pointer_cat, leaf_values

__all__ = ["PackedForest", "KERNELS", "MAX_PADDED_DEPTH", "predict_forest", "predict_forest_binned",
           "leaf_value_table", "leaf_values", "as_float_c"]

# Forests deeper than this use the pointer-walking kernel (padding to a complete tree of depth D
# costs 2**D nodes per tree).
MAX_PADDED_DEPTH = 12
_BLOCK = 256  # rows per block of the kernels
_FMAX = np.finfo(np.float64).max

_D3 = ("ufeat", "feat_compact")
_D3_CAT = ("cat_idx", "cat_bits")
KERNELS = {
    # (kind, binned, layout, categorical): (kernel, the packed arrays it reads after the rows)
    ("d3", False, "C", False): (forest_d3, (*_D3, "thr_d3", "nan_right", "leaf", "param")),
    ("d3", False, "C", True): (forest_d3_cat, (*_D3, "thr_d3", "nan_right", "leaf", "param", *_D3_CAT)),
    ("d3", True, "C", False): (forest_d3_binned, (*_D3, "add_u8", "thu_u8", "leaf", "param")),
    ("d3", True, "F", False): (forest_d3_binned_f, (*_D3, "feat", "add_u8", "thu_u8", "leaf", "param")),
    ("d3", True, "C", True): (forest_d3_binned_cat, (*_D3, "add_u8", "thu_u8", "leaf", "param", *_D3_CAT)),
}
for _binned, _thr in ((False, "thr"), (True, "thr_bin")):
    KERNELS.update({
        ("padded", _binned, "C", False): (forest_padded, ("feat", _thr, "nan_right", "leaf", "param", "depth")),
        ("padded", _binned, "C", True): (forest_padded_cat, ("feat", _thr, "nan_right", "cat_idx", "cat_bits",
                                                              "leaf", "param", "depth")),
        ("pointer", _binned, "C", False): (forest_pointer, ("roots", "feature", _thr, "nan_right", "left", "right",
                                                            "value", "param")),
        ("pointer", _binned, "C", True): (forest_pointer_cat, ("roots", "feature", _thr, "nan_right", "is_cat",
                                                               "bits", "left", "right", "value", "param")),
    })
"""Kernel of each (kind, binned, layout, categorical): ``kernel(X, *arrays, out, start, stop)`` adds
the forest to rows ``start:stop`` of ``out``. Layout "F" (column-major binned rows read in place)
only for numeric depth-3 forests; other inputs are C-ordered."""


def as_float_c(X, n_features=None):
    """X as a C-contiguous float64 (n, p) array with at least ``n_features`` columns."""
    X = np.asarray(X)
    if X.dtype != np.float64 or not X.flags.c_contiguous:
        X = np.ascontiguousarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-dimensional, got shape {X.shape}")
    if n_features is not None and X.shape[1] < n_features:
        raise ValueError(f"X has {X.shape[1]} features, the tree uses feature index {n_features - 1}")
    return X


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
        for t in trees:  # the packing and the kernels trust the node indices: check them first
            if not getattr(t, "_valid", False):
                check_tree(t)
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
            # NaN-split thresholds (+inf, NaN right) become max float: see _predict_d3
            self.thr_d3 = np.where((self.nan_right == 1) & np.isinf(self.thr), _FMAX, self.thr)
            # uint8 split test of the binned kernels: see _predict_d3
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

    def __setstate__(self, state):
        # an unpickled forest goes straight to the kernels: its packed arrays are checked first
        self.__dict__.update(state)
        check_packed(self, MAX_PADDED_DEPTH)

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
        layout = "F" if is_binned and X.flags.f_contiguous and not X.flags.c_contiguous else "C"
        kernel, names = KERNELS[self.kind, is_binned, layout, getattr(self, "has_categorical", False)]
        arrays = [getattr(self, name) for name in names]
        map_chunks(lambda a, b: kernel(X, *arrays, out, a, b), n, n_threads, min_chunk=4 * _BLOCK)
        return out

    def predict(self, X, init=None, n_threads=None, out=None):
        """Sum of the weighted tree predictions on raw ``X``, shape (n, n_outputs).

        ``init`` (broadcastable to (n, n_outputs)) is the starting value the
        trees are added to (default 0); ``out`` may be given to accumulate in
        place (then ``init`` is ignored).
        """
        return self._run(as_float_c(X, self.n_features_used), False, init, n_threads, out)

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


def __getattr__(name):
    # pickles made before Tree moved to _tree refer to ngb.tree._predictor.Tree
    if name == "Tree":
        from ._tree import Tree

        return Tree
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
