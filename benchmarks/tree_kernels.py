"""Timings of the ngb.tree kernels.

    python benchmarks/tree_kernels.py [--n 100000] [--p 20] [--trees 1500] [--categorical]

The kernels are compiled at install, so the "first calls" line measures loading them (and
the first allocations); ``cold_start.py`` measures a cold process.

Reports first-call time, binning, one depth-3 tree
(grow_tree), grow_trees for k columns, predict_binned, and predict_forest;
``--categorical`` adds forests whose trees split two 20-level category columns
natively against the same columns split as ordered codes.
Timings are the best of several repeats; single-threaded ones are thread CPU
time (labelled "cpu"), multi-threaded ones wall time ("wall").
"""

import argparse
import time
import timeit

import numpy as np


def best(f, number=10, repeat=5, timer=time.perf_counter):
    """Best per-call time.  Single-threaded calls use the calling thread's
    CPU time (``time.thread_time``), robust to other processes on a busy
    machine; multi-threaded calls use wall time."""
    f()
    return min(timeit.repeat(f, number=number, repeat=repeat, timer=timer)) / number


def best_cpu(f, number=10, repeat=5):
    return best(f, number, repeat, timer=time.thread_time)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--p", type=int, default=20)
    ap.add_argument("--k", type=int, default=2)
    ap.add_argument("--trees", type=int, default=1500)
    ap.add_argument("--depth", type=int, default=3)
    ap.add_argument("--nan", type=float, default=0.0, help="fraction of NaN in X")
    ap.add_argument("--categorical", action="store_true",
                    help="also time forests with categorical splits (two 20-level columns) against ordered codes")
    args = ap.parse_args()
    t0 = time.perf_counter()
    from ngb.tree import BinMapper, PackedForest, grow_tree, grow_trees, predict_forest, predict_forest_binned

    t_import = time.perf_counter() - t0
    rng = np.random.default_rng(0)
    n, p = args.n, args.p
    X = rng.normal(size=(n, p))
    if args.nan:
        X[rng.random(X.shape) < args.nan] = np.nan
    Xn = np.nan_to_num(X)
    y = np.sin(Xn[:, 0]) + 0.5 * Xn[:, 1] * Xn[:, 2] + rng.normal(size=n)
    Y = np.column_stack([y] + [y * (c + 1) + rng.normal(size=n) for c in range(args.k - 1)])

    # first calls (the extension modules are already compiled)
    Xs, ys = X[:500], y[:500]
    t0 = time.perf_counter()
    bm_s = BinMapper().fit(Xs)
    Xbs = bm_s.transform(Xs)
    ts = grow_tree(Xbs, ys, None, bin_mapper=bm_s)
    grow_tree(Xbs, ys, np.ones(500), bin_mapper=bm_s)
    ts.predict(Xs)
    ts.predict_binned(Xbs)
    predict_forest(Xs, [ts], [0], [1.0], 1)
    predict_forest_binned(np.asfortranarray(Xbs), [ts], [0], [1.0], 1)
    t_first = time.perf_counter() - t0
    print(f"import {t_import * 1e3:.0f} ms; first calls {t_first * 1e3:.0f} ms")

    t0 = time.perf_counter()
    bm = BinMapper(random_state=0).fit(X)
    t_fit = time.perf_counter() - t0
    t0 = time.perf_counter()
    Xb = bm.transform(X)
    t_tr = time.perf_counter() - t0
    print(f"BinMapper.fit {t_fit * 1e3:.1f} ms, transform {t_tr * 1e3:.1f} ms  (n={n}, p={p})")

    d = args.depth
    print(f"grow_tree depth {d}, all rows/features:   "
          f"{best_cpu(lambda: grow_tree(Xb, y, bin_mapper=bm, max_depth=d)) * 1e3:.2f} ms cpu")
    w = rng.uniform(0.5, 2.0, n)
    print(f"grow_tree depth {d}, sample weights:      "
          f"{best_cpu(lambda: grow_tree(Xb, y, w, bin_mapper=bm, max_depth=d)) * 1e3:.2f} ms cpu")
    rows = np.sort(rng.choice(n, n // 2, replace=False))
    feats = np.sort(rng.choice(p, max(1, p // 2), replace=False))
    print(f"grow_tree depth {d}, 50% rows, 50% feats: "
          f"{best_cpu(lambda: grow_tree(Xb, y, None, rows, feats, bin_mapper=bm, max_depth=d)) * 1e3:.2f} ms cpu")
    t = best_cpu(lambda: grow_trees(Xb, Y, bin_mapper=bm, max_depth=d, n_threads=1), number=5)
    print(f"grow_trees k={args.k} n_threads=1: {t * 1e3:.2f} ms cpu ({t / args.k * 1e3:.2f} ms/tree)")
    t = best(lambda: grow_trees(Xb, Y, bin_mapper=bm, max_depth=d, n_threads=None), number=5)
    print(f"grow_trees k={args.k} n_threads=None: {t * 1e3:.2f} ms wall ({t / args.k * 1e3:.2f} ms/tree)")
    tree = grow_tree(Xb, y, bin_mapper=bm, max_depth=d)
    print(f"tree.predict_binned (n={n}, 1 thread): {best_cpu(lambda: tree.predict_binned(Xb, n_threads=1)) * 1e3:.2f}"
          f" ms cpu, tree.predict: {best_cpu(lambda: tree.predict(X, n_threads=1)) * 1e3:.2f} ms cpu")

    # forest of distinct trees (grown on random row subsamples of a small copy)
    m = min(n, 5000)
    bm2 = BinMapper().fit(X[:m])
    Xb2 = bm2.transform(X[:m])
    trees = []
    for i in range(args.trees):
        r = np.sort(rng.choice(m, m // 2, replace=False))
        trees.append(grow_tree(Xb2, y[:m] + rng.normal(size=m), None, r, bin_mapper=bm2, max_depth=d))
    params = np.arange(args.trees) % args.k
    weights = np.full(args.trees, 0.1)
    t0 = time.perf_counter()
    packed = PackedForest(trees, params, weights, args.k)
    t_pack = time.perf_counter() - t0
    print(f"PackedForest of {args.trees} trees: {t_pack * 1e3:.1f} ms")
    for nt, bf, lab in ((1, best_cpu, "cpu"), (None, best, "wall")):
        t = bf(lambda: predict_forest(X, packed, n_threads=nt), number=1, repeat=3)
        print(f"predict_forest {args.trees} trees x {n} rows, n_threads={nt}: {t * 1e3:.1f} ms {lab} "
              f"({t / (args.trees * n) * 1e9:.2f} ns per row-tree)")
    t = best_cpu(lambda: predict_forest(X, trees, params, weights, args.k, n_threads=1), number=1, repeat=3)
    print(f"predict_forest incl. packing (list of trees), 1 thread: {t * 1e3:.1f} ms cpu")
    t = best_cpu(lambda: predict_forest(X, trees[:1], [0], [0.1], args.k, n_threads=1), number=5)
    print(f"predict_forest single tree, 1 thread: {t * 1e3:.2f} ms cpu")
    ktrees = grow_trees(Xb, Y, bin_mapper=bm, max_depth=d)
    XbF = np.asfortranarray(Xb)
    for name, M in (("C", Xb), ("F", XbF)):
        t = best_cpu(lambda: predict_forest_binned(M, ktrees, np.arange(args.k), 1.0, args.k, n_threads=1))
        print(f"predict_forest_binned of one iteration's {args.k} trees on {n} training rows ({name}-ordered Xb, "
              f"1 thread): {t * 1e3:.2f} ms cpu")
    if args.categorical:
        categorical_forests(X, rng, args)


def categorical_forests(X, rng, args):
    """Forests on X whose last two columns are 20-level codes, split natively vs as ordered codes."""
    from ngb.tree import BinMapper, PackedForest, grow_tree, predict_forest, predict_forest_binned

    n, p, d = X.shape[0], X.shape[1], args.depth
    X = X.copy()
    X[:, -2:] = rng.integers(0, 20, (n, 2))
    effect = rng.normal(size=(2, 20))
    y = np.sin(np.nan_to_num(X[:, 0])) + effect[0][X[:, -2].astype(int)] + effect[1][X[:, -1].astype(int)]
    m = min(n, 5000)
    for native in (False, True):
        mask = np.zeros(p, bool)
        mask[-2:] = native
        bm = BinMapper(categorical_features=mask if native else None).fit(X[:m])
        Xb2 = bm.transform(X[:m])
        trees = []
        for _ in range(args.trees):
            r = np.sort(rng.choice(m, m // 2, replace=False))
            trees.append(grow_tree(Xb2, y[:m] + rng.normal(size=m), None, r, bin_mapper=bm, max_depth=d))
        packed = PackedForest(trees, np.arange(args.trees) % args.k, 0.1, args.k)
        n_cat = sum(int(t.is_categorical[t.left >= 0].sum()) for t in trees if t.has_categorical)
        Xb = bm.transform(X)
        label = "native categorical splits" if native else "codes as numbers"
        t_raw = best_cpu(lambda: predict_forest(X, packed, n_threads=1), number=1, repeat=3)
        t_bin = best_cpu(lambda: predict_forest_binned(Xb, packed, n_threads=1), number=1, repeat=3)
        print(f"forest of {args.trees} trees ({label}, kind {packed.kind}, {n_cat} categorical splits) x {n} rows, "
              f"1 thread: predict_forest {t_raw * 1e3:.1f} ms cpu, predict_forest_binned {t_bin * 1e3:.1f} ms cpu")


if __name__ == "__main__":
    main()
