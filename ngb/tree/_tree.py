"""A fitted regression tree: plain numpy arrays (picklable), breadth-first node ids.

Split semantics of an internal node ``i`` on raw values::

    x = X[r, feature[i]]
    go left  iff  x <= threshold[i]            (x not NaN)
    go left  iff  missing_go_left[i]           (x NaN)

and on the binned matrix (``bin <= bin_threshold[i]``, NaN bin 255 routed by ``missing_go_left``),
which is the same partition for the training data.  A categorical split node
(``is_categorical[i]``) goes left iff bit ``bin`` of ``cat_bitset[i]`` is set, where ``bin`` is the
bin code on the binned matrix and, on raw values, the code ``x`` when it is an integer in
[0, 255), else the missing bin 255 (see ``_categorical``).  Predictions go through
:class:`~ngb.tree.PackedForest` (a forest of one tree).
"""

from __future__ import annotations

import numpy as np

from ._categorical import N_WORDS
from ._checks import check_tree as _check_tree
from ._predict_nodes import apply_tree, apply_tree_cat, to_complete
from ._predictor import PackedForest, as_float_c

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

    The compiled kernels trust the node indices, so a tree is checked (:meth:`validate`) when it
    is constructed or unpickled: invalid indices raise a ValueError instead of reaching a kernel.
    The grower's own trees (:meth:`from_nodes`) are valid by construction and skip the check.
    A tree's arrays are not to be changed after construction (its packing is cached, and its
    check is not repeated).
    """

    _ARRAYS = ("feature", "threshold", "bin_threshold", "missing_go_left", "left", "right", "value", "gain",
               "weight", "n_samples")
    _CAT_ARRAYS = ("is_categorical", "cat_bitset")

    def __init__(self, feature, threshold, bin_threshold, missing_go_left, left, right, value, gain,
                 weight=None, n_samples=None, is_categorical=None, cat_bitset=None, *, validate=True):
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
        self._valid = False
        if validate:  # False only for the grower's own output (Tree.from_nodes)
            self.validate()

    @classmethod
    def from_nodes(cls, nodes, thresholds, is_categorical=None):
        """The tree of the grower's node records ``nodes`` (``_nodes.NODE_DTYPE``, breadth-first):
        raw thresholds from the (p, 256) table ``thresholds`` (``BinMapper.thresholds_``),
        categorical splits where ``is_categorical`` (p,) bool marks the split feature."""
        feature = nodes["feature"]
        bin_thr = nodes["bin_threshold"]
        is_split = feature >= 0
        split_feature = np.where(is_split, feature, 0)
        threshold = np.where(is_split, thresholds[split_feature, bin_thr], np.nan)
        cat_node = None
        if is_categorical is not None and is_categorical.any():
            cat_node = is_split & is_categorical[split_feature]
            if cat_node.any():
                threshold[cat_node] = np.nan  # categorical splits have no threshold
            else:
                cat_node = None  # a tree without categorical splits is a plain numeric tree
        tree = cls(feature, threshold, bin_thr, nodes["missing_go_left"].astype(np.bool_), nodes["left"],
                   nodes["right"], nodes["value"], nodes["gain"], nodes["weight"], nodes["count"].astype(np.int64),
                   is_categorical=cat_node, cat_bitset=None if cat_node is None else nodes["cat_bitset"],
                   validate=False)
        tree._valid = True  # the grower's records are a valid tree by construction: no check in the boosting loop
        return tree

    def validate(self, n_features=None):
        """Check the node arrays before a compiled kernel reads them (the kernels trust their
        indices); ValueError saying what is wrong. Returns the tree.

        Checked: every array a 1-D array of its dtype with one entry per node (``cat_bitset``
        (n_nodes, 8)); a leaf has ``left == right == -1``; a split node's children lie after it
        and within the tree, and every node but the root is the child of exactly one node (a
        tree, so every walk ends at a leaf); a split node's ``feature`` is >= 0 (and <
        ``n_features`` when given; leaves: -1 then); categorical splits only on split nodes."""
        _check_tree(self, n_features)
        self._valid = True
        return self

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
        self._valid = False
        self.validate()  # a damaged pickle is refused here, before a kernel reads its indices

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
        if not getattr(self, "_valid", False):  # the apply kernels read the node arrays directly
            self.validate()
        X = as_float_c(X, int(self.feature.max()) + 1)
        out = np.empty(X.shape[0], dtype=np.int64)
        if self.has_categorical:
            apply_tree_cat(X, self.feature.astype(np.int64), self.threshold, (~self.missing_go_left).astype(np.uint8),
                           self.is_categorical.astype(np.uint8), self.cat_bitset, self.left.astype(np.int64),
                           self.right.astype(np.int64), 0, X.shape[0], out)
            return out
        apply_tree(X, self.feature, self.threshold, _bytes(self.missing_go_left), self.left, self.right, out, 0,
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
            c = self._cache[key] = to_complete(self.feature, self.threshold, self.bin_threshold,
                                               _bytes(self.missing_go_left), self.left, self.right, self.value, depth)
        return c


def _bytes(a):
    """A bool array as uint8 (the kernels read bools as bytes)."""
    if a.dtype == np.bool_ and a.flags.c_contiguous:
        return a.view(np.uint8)
    return np.ascontiguousarray(a, dtype=np.bool_).view(np.uint8)
