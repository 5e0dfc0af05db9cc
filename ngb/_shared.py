"""Coupled parameters share one tree structure per iteration.

When the score's metric couples two parameter groups (a Gamma's log shape and log scale, a
Weibull's, a Student t's scale and df, a Beta's a and b, a zero-inflation probability and its rate,
a Gumbel's location and scale), their natural-gradient components are large, opposite and nearly
cancel in the combination that matters (a Gamma of large shape a: log a up, log scale down by the
same amount keeps the mean a * scale). Trees grown separately on each component cut the rows into
different leaves, so each row's two steps are averages over different rows: the noise of the
components no longer cancels and the mean moves by far more than its spread (a Gamma of shape
1e5: the line search stalls 0.7 nats above the Normal's NLL on the same data; 0.04 at shape 100).

Here the parameters of a coupled component get one tree per iteration: it is grown on one of
their targets (in turn, iteration by iteration), and each parameter's tree is a copy of it whose
node values are that parameter's own weighted mean target over the node's rows. In every leaf the
step is then the mean natural gradient of the leaf's rows, whose components cancel as each row's
do. Parameters coupled to no other keep their own trees. This needs the rows' leaves (ngb's
histogram trees fitted on every row: ``subsample=1``); other base learners, row subsampling and the
Dask estimators (``ngb.dask``) fit every parameter's learner separately.
"""

from __future__ import annotations

import copy

import numpy as np

from ._backends import LeafStep

__all__ = ["coupled_components", "fit_shared", "ENABLED"]

#: whether the engine grows one tree structure for coupled parameters (a switch for measurements)
ENABLED = True


def coupled_components(metric, groups, rtol=1e-10):
    """Index arrays of the parameters of each set of groups that the metric (m, k, k) of some rows
    couples (directly or through another group), only those of two groups or more."""
    if metric is None or len(groups) < 2:
        return []
    diag = np.abs(np.einsum("ijj->ij", metric))
    scale = np.sqrt(diag[:, :, None] * diag[:, None, :])
    linked = np.any(np.isfinite(metric) & (np.abs(metric) > rtol * scale), axis=0)  # (k, k)
    g = len(groups)
    parent = list(range(g))

    def find(a):
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for a in range(g):
        for b in range(a + 1, g):
            if linked[np.ix_(groups[a], groups[b])].any():
                parent[find(a)] = find(b)
    comps = {}
    for a in range(g):
        comps.setdefault(find(a), []).append(a)
    return [np.sort(np.concatenate([groups[a] for a in members])) for members in comps.values() if len(members) > 1]


def _node_values(tree, leaf_of_row, target, w, counts):
    """(n_nodes,) weighted mean of ``target`` (n,) over the rows of each node of ``tree`` (0 where a
    node has no weight), and the nodes' weight sums; ``leaf_of_row`` (n,) int32 the leaf node id of
    each row; ``counts`` (n_nodes,) the rows per node id as floats (the weight sums when ``w`` is
    None)."""
    from .tree._leaf_sums import leaf_sums

    n_nodes = tree.value.shape[0]
    has_w = w is not None
    target = np.ascontiguousarray(target, dtype=float)
    s, c = leaf_sums(leaf_of_row, target, np.ascontiguousarray(w, dtype=float) if has_w else target, has_w, n_nodes)
    if not has_w:  # (the same sums as with unit weights, without the products)
        c = counts.copy()
    for i in range(n_nodes - 1, -1, -1):  # node ids are breadth-first: children after their parent
        if tree.left[i] >= 0:
            s[i] = s[tree.left[i]] + s[tree.right[i]]
            c[i] = c[tree.left[i]] + c[tree.right[i]]
    out = np.zeros(n_nodes)
    np.divide(s, c, out=out, where=c > 0)
    return out, c


def _with_values(tree, values, weight):
    out = copy.copy(tree)
    out.value = np.ascontiguousarray(values, dtype=np.float64)
    out.weight = np.ascontiguousarray(weight, dtype=np.float64)
    out._cache = {}
    return out


def _decorrelated(direction, metric_mean, pos):
    """(n,) column ``pos`` of the targets z = L^T d whose metric is diagonal: L the unit
    lower-triangular factor of the component's mean metric (L D L^T), so z_pos = d_pos + sum over
    i > pos of L[i, pos] d_i; z_1 is d_1 plus the part of the others that moves with it (for a Gamma
    of large shape, log shape + log scale: the log mean). ``direction`` (n, c); d_pos itself when
    the metric has no Cholesky factor."""
    z = np.array(direction[:, pos], dtype=float)
    try:
        C = np.linalg.cholesky(metric_mean)
    except np.linalg.LinAlgError:
        return z
    L = C / np.diag(C)[None, :]
    for i in range(pos + 1, direction.shape[1]):
        z += L[i, pos] * direction[:, i]
    return z


def fit_shared(backend, cols, direction, weight, components, iteration, rng, metric_mean=None):
    """(trees (k,), LeafStep) of one iteration on every row: one structure per coupled component
    (grown on its decorrelated target ``iteration % len(component)`` given the component's mean
    metric ``metric_mean`` (k, k), else on that parameter's own target), separate trees for the
    other parameters. ``direction`` (n, k), ``weight`` None, (n,) or a list of k columns. None when
    the back end does not report the rows' leaves."""
    from .tree import leaf_value_table

    n, k = direction.shape
    col_w = (lambda j: weight[j]) if isinstance(weight, list) else (lambda j: weight)
    trees = [None] * k
    leaves = np.empty((k, n), dtype=np.int32)
    in_comp = np.zeros(k, dtype=bool)
    for comp in components:
        in_comp[comp] = True
    single = np.flatnonzero(~in_comp)
    # one fit_step for the separate trees and every component's structure: they grow together on the
    # back end's threads (each tree on its own column and weights, so the same trees as one by one)
    targets = np.empty((n, single.size + len(components)), order="F")
    target_w = []
    for c, j in enumerate(single):
        targets[:, c] = direction[:, j]
        target_w.append(col_w(j))
    for c, comp in enumerate(components, start=single.size):
        pos = iteration % len(comp)
        driver = int(comp[pos])
        if metric_mean is not None:
            targets[:, c] = _decorrelated(direction[:, comp], metric_mean[np.ix_(comp, comp)], pos)
        else:
            targets[:, c] = direction[:, driver]
        target_w.append(col_w(driver))
    grown, step = backend.fit_step(None, cols, targets, target_w if isinstance(weight, list) else weight, rng)
    if not isinstance(step, LeafStep):
        return None
    for c, j in enumerate(single):
        trees[j], leaves[j] = grown[c], step.leaves[c]
    for c, comp in enumerate(components, start=single.size):
        tree, leaf = grown[c], step.leaves[c]
        counts = np.bincount(leaf, minlength=tree.value.shape[0]).astype(float)
        for j in comp:
            values, sums = _node_values(tree, leaf, direction[:, j], col_w(j), counts)
            trees[j] = _with_values(tree, values, sums)
            leaves[j] = leaf
    return trees, LeafStep(leaves, leaf_value_table(trees))
