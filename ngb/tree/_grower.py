"""Tree growth, the Python side: argument checks, one tree or the ``k`` trees of an iteration.

Each tree is grown by one compiled call that releases the GIL (``_grow_level.grow_level_wise`` to
``max_depth``; ``_grow_best_first.grow_best_first`` when ``max_leaf_nodes`` is given), so
:func:`grow_trees` grows the trees of a boosting iteration on parallel Python threads (the shared
pool of ``ngb._threads``).  A call returns the node records (``_nodes.NODE_DTYPE``, breadth-first
ids: root 0, the children of a node consecutive ``left, left + 1``), which
:meth:`Tree.from_nodes` turns into a :class:`Tree`.  Node values are weighted target means.
"""

from __future__ import annotations

import numbers

import numpy as np

from .._threads import get_executor, in_pool_thread, resolve_n_threads
from ._binning import N_HIST_BINS
from ._grow_best_first import grow_best_first
from ._grow_level import grow_level_wise
from ._monotonic import check_monotonic_cst
from ._tree import Tree

_NO_LEAVES = np.empty(0, dtype=np.int32)
_NO_COUNTS = np.empty((0, N_HIST_BINS), dtype=np.int32)
_NO_CST = np.empty(0, dtype=np.int8)  # no monotonic constraint: the kernels' plain search


def bin_counts(Xb):
    """(p, N_HIST_BINS) int32 row counts of every bin of every column of the binned matrix: the root
    count histogram of a tree grown on all rows (``grow_trees(root_counts=)``)."""
    Xb = np.asarray(Xb)
    return np.stack([np.bincount(Xb[:, j], minlength=N_HIST_BINS) for j in range(Xb.shape[1])]).astype(np.int32)


def _as_index(a, n, name):
    if a is None:
        return None
    a = np.asarray(a)
    if a.dtype == np.bool_:
        if a.shape != (n,):
            raise ValueError(f"boolean {name} must have shape ({n},)")
        return np.flatnonzero(a)
    return np.ascontiguousarray(a, dtype=np.int64).reshape(-1)


def _prepare_weight(sample_weight, n):
    """(contiguous float64 weights or an empty array, has_w)."""
    if sample_weight is None:
        return np.empty(0, dtype=np.float64), False
    w = np.ascontiguousarray(sample_weight, dtype=np.float64).reshape(-1)
    if w.shape[0] != n:
        raise ValueError("sample_weight must have shape (n,)")
    return w, True


def _prepare(Xb, sample_weight, rows, features, bin_mapper):
    if not (isinstance(Xb, np.ndarray) and Xb.dtype == np.uint8 and Xb.ndim == 2 and Xb.flags.c_contiguous):
        Xb = np.ascontiguousarray(Xb, dtype=np.uint8)
        if Xb.ndim != 2:
            raise ValueError("Xb must be a 2-d binned matrix")
    n, p = Xb.shape
    nbnm = np.ascontiguousarray(bin_mapper.n_bins_non_missing_, dtype=np.int64)
    is_cat = getattr(bin_mapper, "is_categorical_", None)  # None: a BinMapper pickled before categorical features
    is_cat = np.zeros(p, dtype=np.bool_) if is_cat is None else np.ascontiguousarray(is_cat, dtype=np.bool_)
    is_cat = is_cat.view(np.uint8)  # the kernels read bools as bytes
    if nbnm.shape[0] != p:
        raise ValueError(f"Xb has {p} features but bin_mapper was fitted on {nbnm.shape[0]}")
    w, has_w = _prepare_weight(sample_weight, n)
    rows = _as_index(rows, n, "rows")
    if rows is None:
        rows = np.arange(n, dtype=np.int64)
    elif rows.size and (rows.min() < 0 or rows.max() >= n):
        raise IndexError("rows out of range")
    if features is None:
        feats = np.arange(p, dtype=np.int64)
    else:
        feats = np.unique(_as_index(features, p, "features"))
        if feats.size and (feats[0] < 0 or feats[-1] >= p):
            raise IndexError("features out of range")
    return Xb, w, has_w, rows, feats, (nbnm, is_cat)


def _growth(max_depth, max_leaf_nodes, min_samples_leaf, min_weight_leaf):
    """Validated (max_depth, max_leaf_nodes, min_samples_leaf, min_weight_leaf) of one tree."""
    max_depth, max_leaf_nodes = check_growth(max_depth, max_leaf_nodes)
    min_samples_leaf = int(min_samples_leaf)
    if min_samples_leaf < 1:
        raise ValueError("min_samples_leaf must be >= 1")
    return max_depth, max_leaf_nodes, min_samples_leaf, float(min_weight_leaf)


def _tree_cst(monotonic_cst, is_cat):
    """The kernels' int8 (p,) constraints of one tree from None or a (p,) array of -1 / 0 / +1
    (empty, the plain search, when there is no constraint); ValueError for other values or a
    constrained categorical feature (``is_cat`` (p,) uint8)."""
    if monotonic_cst is None:
        return _NO_CST
    cst = check_monotonic_cst(monotonic_cst, is_cat.shape[0])
    bad = np.flatnonzero((cst != 0) & (is_cat != 0))
    if bad.size:
        raise ValueError(f"monotonic_cst constrains the categorical feature {int(bad[0])}: categorical features "
                         "cannot have monotonic constraints (their categories have no order).")
    return cst if cst.any() else _NO_CST


_UNLIMITED_DEPTH = 1 << 40  # max_depth=None of a best-first tree
_MAX_LEAF_NODES = 1 << 40  # larger max_leaf_nodes are the same (n_leaves <= rows)


def _is_int(v):
    return isinstance(v, (numbers.Integral, np.integer)) and not isinstance(v, (bool, np.bool_))


def check_growth(max_depth, max_leaf_nodes):
    """Validated (max_depth, max_leaf_nodes) for the kernels: level-wise (max_leaf_nodes None, int
    max_depth in [0, 30]) or best-first (int max_leaf_nodes >= 2, max_depth None or int >= 0)."""
    if max_leaf_nodes is not None:
        if not _is_int(max_leaf_nodes) or max_leaf_nodes < 2:
            raise ValueError(f"max_leaf_nodes must be None or an int >= 2, got {max_leaf_nodes!r}")
        max_leaf_nodes = min(int(max_leaf_nodes), _MAX_LEAF_NODES)
        if max_depth is None:
            return _UNLIMITED_DEPTH, max_leaf_nodes
        if not _is_int(max_depth) or max_depth < 0:
            raise ValueError(f"max_depth must be None or an int >= 0, got {max_depth!r}")
        return min(int(max_depth), _UNLIMITED_DEPTH), max_leaf_nodes
    if max_depth is None:
        raise ValueError("max_depth=None (unlimited) needs max_leaf_nodes")
    max_depth = int(max_depth)
    if max_depth < 0:
        raise ValueError("max_depth must be >= 0")
    if max_depth > 30:
        raise ValueError("max_depth must be <= 30 (level-wise growth; use max_leaf_nodes for deeper trees)")
    return max_depth, None


def _grow(Xb, y, w, has_w, rows, feats, bins, growth, leaf_of, root_cnt, cst):
    nbnm, is_cat = bins
    max_depth, max_leaf_nodes, msl, mwl = growth
    if max_leaf_nodes is None:
        return grow_level_wise(Xb, y, w, has_w, rows, feats, nbnm, is_cat, max_depth, msl, mwl, leaf_of, root_cnt,
                               cst)
    return grow_best_first(Xb, y, w, has_w, rows, feats, nbnm, is_cat, max_depth, max_leaf_nodes, msl, mwl, leaf_of,
                           root_cnt, cst)


def _per_tree(value, k, name):
    """k values of a growth setting: a list or tuple of k (one per tree), or one value for all."""
    if isinstance(value, (list, tuple)):
        if len(value) != k:
            raise ValueError(f"{name} has {len(value)} entries for {k} trees: give one per tree, or one value")
        return list(value)
    return [value] * k


def _per_tree_cst(monotonic_cst, k):
    """k constraints (each None or (p,)) from None, one (p,) array, a (k, p) array or a list of k."""
    if monotonic_cst is None:
        return [None] * k
    if isinstance(monotonic_cst, (list, tuple)) and any(c is None or np.ndim(c) == 1 for c in monotonic_cst):
        entries = list(monotonic_cst)
    else:
        arr = np.asarray(monotonic_cst)
        if arr.ndim == 1:
            return [arr] * k
        if arr.ndim != 2:
            raise ValueError(f"monotonic_cst must be (p,), (k, p) or a list of k entries, got shape {arr.shape}")
        entries = list(arr)
    if len(entries) != k:
        raise ValueError(f"monotonic_cst has {len(entries)} entries for {k} trees: give one per tree")
    return entries


def _make_tree(nodes, bin_mapper):
    return Tree.from_nodes(nodes, bin_mapper.thresholds_, getattr(bin_mapper, "is_categorical_", None))


def grow_tree(Xb, y, sample_weight=None, rows=None, features=None, *, bin_mapper, max_depth=3,
              min_samples_leaf=1, min_weight_leaf=0.0, max_leaf_nodes=None, monotonic_cst=None):
    """Grow one least-squares regression tree on the binned matrix.

    Parameters
    ----------
    Xb : uint8 array (n, p), C-contiguous (from ``bin_mapper.transform``).
    y : float64 array (n,)
        Target (e.g. a natural-gradient column).
    sample_weight : float64 array (n,) or None
        Non-negative weights (not validated here, for speed).
    rows : int array or bool mask or None
        Rows used for fitting (a row subsample; repeats allowed and counted).
        Sorted rows give better memory locality.  None: all rows.
    features : int array or bool mask or None
        Columns the tree may split on.  None: all columns.
    bin_mapper : fitted :class:`BinMapper` that produced ``Xb``.
    max_depth : int, or None with ``max_leaf_nodes``
        Number of split levels (depth 3: up to 8 leaves); None: unlimited.
    min_samples_leaf : int
        Minimum number of (used) rows per leaf.
    min_weight_leaf : float
        Minimum sum of weights per leaf (a tiny relative guard is always on).
    max_leaf_nodes : int >= 2 or None
        None: level-wise growth (every node of a level that has a valid
        split is split, down to ``max_depth``).  An int: best-first growth
        (LightGBM / scikit-learn HGB style), the open leaf with the largest
        gain is split next (lowest node id on ties) until the tree has
        ``max_leaf_nodes`` leaves, no leaf can be split, or within
        ``max_depth``.  Node ids are breadth-first in both modes.
    monotonic_cst : array (p,) of -1, 0, +1, or None
        Monotonic constraint per feature (scikit-learn's convention): the
        tree's prediction is non-decreasing (+1) or non-increasing (-1) in
        each constrained feature's non-missing values, the others fixed.  A
        split of a constrained feature must order its children's values
        (wherever it sends the missing values); each node bounds its
        descendants' values by the mid value of its children (see
        ``_splitting``).  Categorical features cannot be constrained.  None
        or all zeros: no constraint (the plain search, the same tree).

    Returns
    -------
    Tree
    """
    Xb, w, has_w, rows, feats, bins = _prepare(Xb, sample_weight, rows, features, bin_mapper)
    growth = _growth(max_depth, max_leaf_nodes, min_samples_leaf, min_weight_leaf)
    cst = _tree_cst(monotonic_cst, bins[1])
    y = np.ascontiguousarray(y, dtype=np.float64).reshape(-1)
    if y.shape[0] != Xb.shape[0]:
        raise ValueError("y must have shape (n,)")
    out = _grow(Xb, y, w, has_w, rows, feats, bins, growth, _NO_LEAVES, _NO_COUNTS, cst)
    return _make_tree(out, bin_mapper)


def grow_trees(Xb, Y, sample_weight=None, rows=None, features=None, *, bin_mapper, max_depth=3,
               min_samples_leaf=1, min_weight_leaf=0.0, n_threads=None, leaves=None, root_counts=None,
               max_leaf_nodes=None, monotonic_cst=None):
    """Grow one tree per column of ``Y`` (n, k), all on the same rows/features.

    ``sample_weight`` is None, (n,) for all trees, (n, k) with one weight
    column per tree, or a list of k entries each None or (n,).  The trees are
    grown on up to ``n_threads`` threads (None: all cores); the result does
    not depend on the number of threads.  Returns a list of ``k`` :class:`Tree`.
    ``leaves``: optional C-contiguous int32 array (k, n) whose row ``c`` receives
    the leaf node id of tree ``c`` for every used row (the training prediction
    is then ``trees[c].value[leaves[c]]`` without a second pass over the rows).
    ``root_counts``: optional ``bin_counts(Xb)`` when ``rows`` is None (all
    rows): weighted trees then skip counting rows at their root.
    ``max_depth``, ``min_samples_leaf``, ``min_weight_leaf``, ``max_leaf_nodes``:
    as in :func:`grow_tree` (``max_leaf_nodes`` int: best-first growth), each
    also a list or tuple of k values, one per tree (trees of different shapes).
    ``monotonic_cst``: as in :func:`grow_tree`, None, one (p,) array for all
    trees, a (k, p) array or a list of k entries each None or (p,).
    """
    per_tree = sample_weight is not None and (isinstance(sample_weight, list) or np.ndim(sample_weight) == 2)
    all_rows = rows is None
    Xb, w, has_w, rows, feats, bins = _prepare(Xb, None if per_tree else sample_weight, rows, features, bin_mapper)
    Y = np.asarray(Y, dtype=np.float64)
    if Y.ndim == 1:
        Y = Y[:, None]
    if Y.ndim != 2 or Y.shape[0] != Xb.shape[0]:
        raise ValueError("Y must have shape (n, k)")
    k = Y.shape[1]
    Yf = np.asfortranarray(Y)  # contiguous columns
    settings = [_per_tree(v, k, name) for v, name in ((max_depth, "max_depth"), (max_leaf_nodes, "max_leaf_nodes"),
                                                       (min_samples_leaf, "min_samples_leaf"),
                                                       (min_weight_leaf, "min_weight_leaf"))]
    growths = [_growth(*values) for values in zip(*settings)]
    csts = [_tree_cst(c, bins[1]) for c in _per_tree_cst(monotonic_cst, k)]

    weights = [(w, has_w)] * k
    if per_tree:
        cols = list(sample_weight) if isinstance(sample_weight, list) else list(np.asarray(sample_weight).T)
        if len(cols) != k:
            raise ValueError(f"per-tree sample_weight must have {k} columns, got {len(cols)}")
        weights = [_prepare_weight(c, Xb.shape[0]) for c in cols]

    if leaves is not None and not (isinstance(leaves, np.ndarray) and leaves.dtype == np.int32
                                   and leaves.shape == (k, Xb.shape[0]) and leaves.flags.c_contiguous):
        raise ValueError(f"leaves must be a C-contiguous int32 array of shape ({k}, {Xb.shape[0]})")

    if root_counts is not None:
        if not all_rows:
            raise ValueError("root_counts is only for trees grown on all rows (rows=None)")
        root_counts = np.ascontiguousarray(root_counts, dtype=np.int32)
        if root_counts.shape != (Xb.shape[1], N_HIST_BINS):
            raise ValueError(f"root_counts must have shape ({Xb.shape[1]}, {N_HIST_BINS})")
    root_cnt = _NO_COUNTS if root_counts is None else root_counts

    def grow(c):
        wc, has_wc = weights[c]
        leaf_of = _NO_LEAVES if leaves is None else leaves[c]
        return _grow(Xb, Yf[:, c], wc, has_wc, rows, feats, bins, growths[c], leaf_of, root_cnt, csts[c])

    n_threads = min(resolve_n_threads(n_threads), k)
    if n_threads <= 1 or in_pool_thread():
        outs = [grow(c) for c in range(k)]
    else:
        ex = get_executor()
        # column c runs on worker c % n_threads, columns of a worker in order
        def run(t):
            return [(c, grow(c)) for c in range(t, k, n_threads)]

        outs = [None] * k
        for fut in [ex.submit(run, t) for t in range(n_threads)]:
            for c, o in fut.result():
                outs[c] = o
    return [_make_tree(o, bin_mapper) for o in outs]
