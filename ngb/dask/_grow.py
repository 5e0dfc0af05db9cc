"""Tree growth on the client from histograms reduced over the workers.

The single-machine growers (``ngb/tree/_grow_level.pyx``, ``_grow_best_first.pyx``) grow a tree in
one compiled call over rows they hold. Here the rows are spread over workers: each worker builds the
histograms of its rows for the nodes asked for, the client adds them up and runs the same steps the
growers run, through the same compiled split search (``find_best_split_py``):

- the target is centred on its weighted mean ``mu`` over all rows (sums sent by the workers);
- the root histogram is built over all rows; for every split only the smaller child (by rows) is
  built, the larger is ``parent - smaller`` (bins with no rows set to exactly 0, as
  ``subtract_histograms``); a child gets a histogram only when it can be split (``2 *
  min_samples_leaf`` rows, and for best-first trees when the tree can still grow);
- the best split, its gain threshold ``MIN_GAIN_REL * s2 + MIN_GAIN_ABS_REL * W * mu^2``, the weight
  guard ``WEIGHT_EPS_REL * W`` and the children's sums and values are those of the growers, node ids
  breadth-first (best-first trees renumbered at the end, as ``_renumber``).

Level-wise trees need one round trip per level, best-first trees one per split (all trees of an
iteration advance together). With one worker holding all rows in order every sum is the one the
single-machine grower forms, so the trees are bit-identical; with more workers the histograms are
sums of per-worker sums, equal to rounding.
"""

from __future__ import annotations

import heapq

import numpy as np

from ..tree import N_HIST_BINS, Tree
from ..tree._grow_level import MIN_GAIN_ABS_REL, MIN_GAIN_REL, WEIGHT_EPS_REL
from ..tree._grower import check_growth
from ..tree._nodes import new_nodes
from ..tree._splitting import find_best_split_py

__all__ = ["TreeGrowth", "subtract"]

_NO_CNT = np.zeros((1, 1), dtype=np.int32)


def subtract(parent, child):
    """``parent - child`` of (hist (q, 256) complex, cnt (q, 256) int32 or None) pairs, bins without
    rows exactly 0 (``_histogram.subtract_histograms``)."""
    (ph, pc), (ch, cc) = parent, child
    d = ph - ch
    if pc is not None:
        cnt = pc - cc
        d[cnt == 0] = 0
        return d, cnt
    d[d.imag == 0] = 0
    return d, None


class _Node:
    __slots__ = ("feature", "bin", "mgl", "bits", "left", "value", "gain", "weight", "count", "sum_g", "depth")

    def __init__(self, value=0.0, weight=0.0, count=0.0, sum_g=0.0, depth=0):
        self.feature, self.bin, self.mgl, self.bits, self.left = -1, 0, False, None, -1
        self.value, self.gain, self.weight, self.count, self.sum_g, self.depth = value, 0.0, weight, count, sum_g, depth


class TreeGrowth:
    """One tree of an iteration, grown from histograms given to it.

    ``mu``, ``w_tot``, ``m``: the centring mean, weight sum and rows of the tree's target (all rows);
    ``feats`` the used features (sorted), ``bin_mapper`` the fit's; ``has_w`` whether the tree is
    weighted (count histograms). Protocol: :meth:`start` with the root histogram (when
    :attr:`active`), then :meth:`advance` (nodes whose histogram it needs next, [] when grown) and
    :meth:`deliver` in turns; :meth:`take_splits` hands the splits the workers must apply to their
    rows (in order), :meth:`tree` the finished tree and :meth:`new_ids` the final node id of every
    node."""

    def __init__(self, mu, w_tot, m, feats, bin_mapper, has_w, max_depth, min_samples_leaf, min_weight_leaf,
                 max_leaf_nodes):
        self.mu, self.w_tot = float(mu), float(w_tot)
        self.feats = np.ascontiguousarray(feats, dtype=np.int64)
        self.nbnm = np.ascontiguousarray(bin_mapper.n_bins_non_missing_, dtype=np.int64)
        is_cat = getattr(bin_mapper, "is_categorical_", None)
        self.is_cat = np.zeros(self.nbnm.shape[0], dtype=bool) if is_cat is None else np.asarray(is_cat, dtype=bool)
        self.thresholds, self.bin_is_cat = bin_mapper.thresholds_, is_cat
        self.has_w = bool(has_w)
        self.max_depth, self.max_leaf_nodes = check_growth(max_depth, max_leaf_nodes)
        self.msl, self.mwl = int(min_samples_leaf), float(min_weight_leaf)
        self.nodes = [_Node(self.mu, self.w_tot, float(m))]
        self.hists = {}
        self.splits = []  # (node, feature, bin, missing_go_left, bits or None, left child) not yet sent
        self.active = not (m < 2 * self.msl or self.max_depth < 1 or self.feats.size == 0 or not self.w_tot > 0.0)
        self.done = not self.active
        self.best_first = self.max_leaf_nodes is not None

    # ------------------------------------------------------------------ steps shared by both growers
    def start(self, hist, cnt, s2):
        """The root histogram (q, 256) (and counts) and ``s2 = sum w (y - mu)^2`` over all rows."""
        self.min_gain = MIN_GAIN_REL * float(s2) + MIN_GAIN_ABS_REL * self.w_tot * self.mu * self.mu
        self.weight_eps = WEIGHT_EPS_REL * self.w_tot
        g0 = 0.0
        for v in hist[0].real.tolist():  # in bin order, as the growers add them
            g0 += v
        self.nodes[0].sum_g = g0
        self.hists[0] = (hist, cnt if self.has_w else None)
        if self.best_first:
            self.heap, self.best, self.n_leaves, self.pending = [], {}, 1, None
            self._search(0)
        else:
            self.level, self.depth = [0], 0

    def _best_split(self, nd):
        hist, cnt = self.hists[nd]
        node = self.nodes[nd]
        bits = np.zeros(8, dtype=np.uint32)
        j, b, mgl, gain, gl, wl, cl = find_best_split_py(
            hist, _NO_CNT if cnt is None else cnt, self.has_w, self.feats, self.nbnm, self.is_cat, node.sum_g,
            node.weight, node.count, self.msl, self.mwl, self.weight_eps, self.min_gain, bits)
        return None if j < 0 else (j, b, mgl, gain, gl, wl, cl, bits)

    def _split(self, nd, sp):
        """``split_node``: the split fields of ``nd`` and its two children; returns the left child."""
        j, b, mgl, gain, gl, wl, cl, bits = sp
        a = self.nodes[nd]
        lc = len(self.nodes)
        f = int(self.feats[j])
        a.feature, a.bin, a.mgl, a.gain, a.left = f, int(b), bool(mgl), gain, lc
        a.bits = bits if self.is_cat[f] else None
        left = _Node(self.mu + gl / wl, wl, cl, gl, a.depth + 1)
        rg, rw = a.sum_g - gl, a.weight - wl
        right = _Node(self.mu + rg / rw, rw, a.count - cl, rg, a.depth + 1)
        self.nodes += [left, right]
        self.splits.append((nd, f, a.bin, a.mgl, a.bits, lc))
        return lc

    def take_splits(self):
        out, self.splits = self.splits, []
        return out

    def _worth(self, nd):
        return self.nodes[nd].count >= 2 * self.msl

    # ------------------------------------------------------------------ the protocol
    def advance(self):
        """Split what can be split with the histograms at hand; the nodes whose histograms come next."""
        if self.done:
            return []
        return self._advance_best_first() if self.best_first else self._advance_level()

    def deliver(self, hists):
        """``hists``: {node: (hist, cnt)} for the nodes :meth:`advance` asked for (reduced)."""
        if self.best_first:
            self._deliver_best_first(hists)
            return
        for nd, small, large, small_kept in self._subtractions:
            parent = self.hists.pop(nd)
            self.hists[large] = subtract(parent, hists[small])
            if small_kept:
                self.hists[small] = hists[small]
        self.level = self._next

    def _advance_level(self):
        split = []
        for nd in self.level:
            sp = self._best_split(nd)
            if sp is not None:
                self._split(nd, sp)
                split.append(nd)
        for nd in self.level:
            if nd not in split:
                self.hists.pop(nd, None)
        if not split or self.depth == self.max_depth - 1:
            return self._finish()
        self.depth += 1
        nxt, requests, subs = [], [], []
        for nd in split:
            lc = self.nodes[nd].left
            rc = lc + 1
            ok_l, ok_r = self._worth(lc), self._worth(rc)
            if not (ok_l or ok_r):
                self.hists.pop(nd)
                continue
            if ok_l:
                nxt.append(lc)
            if ok_r:
                nxt.append(rc)
            small, large = (lc, rc) if self.nodes[lc].count <= self.nodes[rc].count else (rc, lc)
            requests.append(small)
            subs.append((nd, small, large, ok_l if small == lc else ok_r))
        if not nxt:
            return self._finish()
        self._next, self._subtractions = nxt, subs
        return requests

    def _search(self, nd):
        sp = self._best_split(nd)
        if sp is None:
            self.hists.pop(nd)
            return
        self.best[nd] = sp
        heapq.heappush(self.heap, (-sp[3], nd))  # larger gain first, the lower node id on ties

    def _advance_best_first(self):
        while self.heap and self.n_leaves < self.max_leaf_nodes:
            _, nd = heapq.heappop(self.heap)
            lc = self._split(nd, self.best.pop(nd))
            rc = lc + 1
            self.n_leaves += 1
            parent = self.hists.pop(nd)
            more = self.n_leaves < self.max_leaf_nodes and self.nodes[lc].depth < self.max_depth
            ok_l, ok_r = more and self._worth(lc), more and self._worth(rc)
            if ok_l or ok_r:
                small, large = (lc, rc) if self.nodes[lc].count <= self.nodes[rc].count else (rc, lc)
                self.pending = (parent, lc, small, large, ok_l if small == lc else ok_r)
                return [small]
        return self._finish()

    def _deliver_best_first(self, hists):
        parent, lc, small, large, small_kept = self.pending
        self.pending = None
        self.hists[large] = subtract(parent, hists[small])
        if small_kept:
            self.hists[small] = hists[small]
        for ch in (lc, lc + 1):
            if ch in self.hists:
                self._search(ch)

    def _finish(self):
        self.done = True
        self.hists.clear()
        return []

    # ------------------------------------------------------------------ the result
    def new_ids(self):
        """(n_nodes,) int32: the tree's (breadth-first) id of every node id used while growing."""
        n = len(self.nodes)
        if not self.best_first:
            return np.arange(n, dtype=np.int32)
        order = [0]
        for head in range(n):  # _renumber
            left = self.nodes[order[head]].left
            if left >= 0:
                order += [left, left + 1]
        new = np.empty(n, dtype=np.int32)
        new[np.asarray(order)] = np.arange(n, dtype=np.int32)
        return new

    def tree(self):
        """The grown :class:`~ngb.tree.Tree` (node records as the growers write them)."""
        new = self.new_ids()
        n = len(self.nodes)
        rec = new_nodes(n)
        for old, node in enumerate(self.nodes):
            r = rec[new[old]]
            r["feature"] = node.feature
            r["bin_threshold"] = node.bin
            r["missing_go_left"] = node.mgl
            r["left"] = new[node.left] if node.left >= 0 else -1
            r["right"] = new[node.left] + 1 if node.left >= 0 else -1
            r["value"], r["gain"], r["weight"], r["count"], r["sum_g"] = (node.value, node.gain, node.weight,
                                                                          node.count, node.sum_g)
            r["has_range"] = 0
            if node.bits is not None:
                r["cat_bitset"] = node.bits
        return Tree.from_nodes(rec, self.thresholds, self.bin_is_cat)


def histogram_shape(q):
    return (q, N_HIST_BINS)


def _reduce(arrays):
    out = None
    for a in arrays:
        if a is None:
            return None
        out = a.copy() if out is None else out + a
    return out


def _grow_trees(shards, d, k, n, feats, bin_mapper, tree_params, sample_weighted):
    """The k trees of an iteration grown from the shards' histograms: (trees, final node ids per
    tree, the splits each shard has still to apply)."""
    metric = [False] * k
    if d[0]["metric"] is not None:  # metric-weighted: a tree whose diagonal is one constant is unweighted
        for j in range(k):
            consts = [r["constant"][j] for r in d if r["constant"][j] is not None]  # (shards with rows)
            metric[j] = not (all(c[1] for c in consts) and len({c[0] for c in consts}) == 1)
    has_w = [metric[j] or sample_weighted for j in range(k)]
    growths, mus = [], []
    for j in range(k):
        gt = wt = 0.0
        for r in d:
            g_, w_ = r["metric"][j] if metric[j] else r["plain"][j]
            gt += g_
            wt += w_
        mu = gt / wt if wt > 0.0 else 0.0
        mus.append(mu)
        growths.append(TreeGrowth(mu, wt, n, feats, bin_mapper, has_w[j], tree_params["max_depth"],
                                  tree_params["min_samples_leaf"], tree_params.get("min_weight_leaf", 0.0),
                                  tree_params.get("max_leaf_nodes")))
    active = [j for j in range(k) if growths[j].active]
    roots = shards.call("root_histograms", active, mus, feats, metric)  # (also sets the trees' weights)
    for i, j in enumerate(active):
        hist = _reduce([r[i][0] for r in roots])
        cnt = _reduce([r[i][1] for r in roots]) if has_w[j] else None
        s2 = 0.0
        for r in roots:
            s2 += r[i][2]
        growths[j].start(hist, cnt, s2)
    while True:
        requests = {}
        for j in active:
            if not growths[j].done:
                req = growths[j].advance()
                if req:
                    requests[j] = req
        if not requests:
            break
        splits = {j: s for j in range(k) if (s := growths[j].take_splits())}
        got = shards.call("histograms", splits, requests)
        for j, nodes in requests.items():
            hists = {}
            for i, nd in enumerate(nodes):
                h = _reduce([r[j][i][0] for r in got])
                c = _reduce([r[j][i][1] for r in got]) if has_w[j] else None
                hists[nd] = (h, c)
            growths[j].deliver(hists)
    splits = {j: s for j in range(k) if (s := growths[j].take_splits())}
    trees = [g.tree() for g in growths]
    ids = [g.new_ids() for g in growths]
    return trees, ids, splits
