"""Tests of the histogram regression tree (ngb.tree)."""

import pickle

import numpy as np
import pytest
from sklearn.tree import DecisionTreeRegressor
from sklearn.utils.estimator_checks import parametrize_with_checks

from ngb.tree import (
    BinMapper,
    HistTreeRegressor,
    PackedForest,
    Tree,
    grow_tree,
    grow_trees,
    predict_forest,
    predict_forest_binned,
)
from ngb.tree import _predict_nodes, _predictor
from ngb.tree._binning import MISSING_BIN


# --------------------------------------------------------------------------- helpers
def _few_unique_data(seed, n=80, p=4, n_unique=6, nan_frac=0.0):
    rng = np.random.default_rng(seed)
    X = rng.integers(0, n_unique, size=(n, p)).astype(np.float64) * 0.7 - 1.0
    if nan_frac:
        X[rng.random((n, p)) < nan_frac] = np.nan
    y = rng.normal(size=n) + np.nan_to_num(X[:, 0], nan=2.0) - 0.5 * np.nan_to_num(X[:, 1])
    return X, y


def _candidate_thresholds(col):
    u = np.unique(col[~np.isnan(col)])
    return (u[:-1] + u[1:]) / 2


def _brute_force_split(X, y, w, idx, min_samples_leaf):
    """Exhaustive best split of rows ``idx`` (numpy), same rules as the tree.

    Returns (feature, threshold, missing_go_left, gain) or None.
    """
    yy, ww, XX = y[idx], w[idx], X[idx]
    G, W = np.sum(ww * yy), np.sum(ww)
    best = None
    best_s = -np.inf
    for f in range(X.shape[1]):
        x = XX[:, f]
        nan = np.isnan(x)
        thr_all = list(_candidate_thresholds(X[:, f]))
        cands = []
        prev = -np.inf
        for t in thr_all:
            le = (x <= t) & ~nan
            # a threshold whose bin holds no row of the node repeats the
            # previous partition: the tree keeps the lowest one only
            in_bin = np.any((x > prev) & le)
            prev = t
            if not in_bin:
                continue
            if nan.any():
                cands.append((t, True, le | nan))
                cands.append((t, False, le))
            else:
                cands.append((t, None, le))
        if nan.any():
            cands.append((np.inf, False, ~nan))
        for t, mgl, left in cands:
            cl, cr = left.sum(), (~left).sum()
            wl, wr = ww[left].sum(), ww[~left].sum()
            if cl < min_samples_leaf or cr < min_samples_leaf or wl <= 0 or wr <= 0:
                continue
            gl, gr = np.sum(ww[left] * yy[left]), np.sum(ww[~left] * yy[~left])
            s = gl**2 / wl + gr**2 / wr
            if s > best_s * (1 + 1e-12) + 1e-12:  # strictly better (first wins ties)
                best_s = s
                if mgl is None:
                    mgl = wl >= wr
                best = (f, t, mgl, s - G**2 / W, left)
    if best is None or best[3] <= 1e-9:
        return None
    return best


def _brute_force_tree_check(tree, X, y, w, min_samples_leaf, max_depth):
    """Walk ``tree`` and check every node against the exhaustive search."""
    stack = [(0, np.arange(len(y)), 0)]
    n_checked = 0
    while stack:
        node, idx, depth = stack.pop()
        np.testing.assert_allclose(tree.value[node], np.average(y[idx], weights=w[idx]), rtol=1e-10, atol=1e-12)
        assert tree.n_samples[node] == len(idx)
        ref = _brute_force_split(X, y, w, idx, min_samples_leaf) if depth < max_depth else None
        if ref is None:
            assert tree.left[node] == -1, f"node {node}: tree split, brute force did not"
            continue
        f, t, mgl, gain, left = ref
        assert tree.left[node] != -1, f"node {node}: brute force split, tree did not"
        assert tree.feature[node] == f
        assert tree.threshold[node] == t
        assert bool(tree.missing_go_left[node]) == bool(mgl)
        np.testing.assert_allclose(tree.gain[node], gain, rtol=1e-8)
        n_checked += 1
        stack.append((int(tree.left[node]), idx[left], depth + 1))
        stack.append((int(tree.right[node]), idx[~left], depth + 1))
    return n_checked


# --------------------------------------------------------------------------- binning
def test_binning_few_unique_values_and_missing():
    X = np.array([[1.0, 5.0], [2.0, np.nan], [2.0, 5.0], [4.0, 7.0], [np.nan, 5.0], [np.inf, -np.inf]])
    bm = BinMapper().fit(X)
    np.testing.assert_array_equal(bm.bin_thresholds_[0], [1.5, 3.0, bm.bin_thresholds_[0][2]])
    assert np.isfinite(bm.bin_thresholds_[0]).all()  # midpoint with +inf stays finite
    np.testing.assert_array_equal(bm.bin_thresholds_[1][1:], [6.0])
    np.testing.assert_array_equal(bm.n_bins_non_missing_, [4, 3])
    np.testing.assert_array_equal(bm.has_missing_values_, [True, True])
    Xb = bm.transform(X)
    assert Xb.dtype == np.uint8 and Xb.flags.c_contiguous
    np.testing.assert_array_equal(Xb[:, 0], [0, 1, 1, 2, MISSING_BIN, 3])
    np.testing.assert_array_equal(Xb[:, 1], [1, MISSING_BIN, 1, 2, 1, 0])
    # unseen values / infinities map to the extreme bins
    Xt = bm.transform(np.array([[-np.inf, np.inf], [1e300, -1e300], [1e308, -1e308], [0.0, 100.0]]))
    np.testing.assert_array_equal(Xt, [[0, 2], [2, 1], [3, 0], [0, 2]])


def test_binning_quantiles():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(5000, 2))
    X[:, 1] = np.round(X[:, 1] * 2)  # few (<= 16) unique values
    bm = BinMapper(max_bins=16).fit(X)
    assert bm.n_bins_non_missing_[0] == 16
    counts = np.bincount(bm.transform(X)[:, 0], minlength=16)
    assert counts.min() > 0.8 * 5000 / 16 and counts.max() < 1.2 * 5000 / 16
    np.testing.assert_array_equal(bm.bin_thresholds_[1], _candidate_thresholds(X[:, 1]))
    # raw split "x <= thresholds_[f, b]" is the binned split "bin <= b"
    Xb = bm.transform(X)
    for b in range(15):
        np.testing.assert_array_equal(X[:, 0] <= bm.thresholds_[0, b], Xb[:, 0] <= b)
    with pytest.raises(ValueError):
        BinMapper(max_bins=256).fit(X)


def test_binning_subsample_is_seeded():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(3000, 3))
    a = BinMapper(max_bins=32, subsample=500, random_state=3).fit(X)
    b = BinMapper(max_bins=32, subsample=500, random_state=3).fit(X)
    for ta, tb in zip(a.bin_thresholds_, b.bin_thresholds_):
        np.testing.assert_array_equal(ta, tb)


# --------------------------------------------------------------------------- splits
@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("nan_frac", [0.0, 0.15])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("min_samples_leaf", [1, 5])
def test_splits_equal_exhaustive_search(seed, nan_frac, weighted, min_samples_leaf):
    X, y = _few_unique_data(seed, nan_frac=nan_frac)
    rng = np.random.default_rng(100 + seed)
    w = rng.uniform(0.2, 3.0, size=len(y)) if weighted else None
    bm = BinMapper().fit(X)
    for f in range(X.shape[1]):
        np.testing.assert_array_equal(bm.bin_thresholds_[f], _candidate_thresholds(X[:, f]))
    tree = grow_tree(bm.transform(X), y, w, bin_mapper=bm, max_depth=3, min_samples_leaf=min_samples_leaf)
    n_checked = _brute_force_tree_check(tree, X, y, np.ones_like(y) if w is None else w, min_samples_leaf, 3)
    assert n_checked >= 3


def test_constant_target_does_not_split():
    X, _ = _few_unique_data(0)
    bm = BinMapper().fit(X)
    tree = grow_tree(bm.transform(X), np.full(len(X), 0.1), bin_mapper=bm)
    assert tree.n_nodes == 1 and tree.value[0] == pytest.approx(0.1)


def test_degenerate_inputs():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 3))
    X[:, 2] = np.nan  # all-missing column
    y = rng.normal(size=50)
    bm = BinMapper().fit(X)
    Xb = bm.transform(X)
    assert bm.n_bins_non_missing_[2] == 1
    for kwargs in [dict(features=[]), dict(features=[2]), dict(rows=[]), dict(rows=[3]), dict(max_depth=0)]:
        t = grow_tree(Xb, y, bin_mapper=bm, **kwargs)
        assert t.n_nodes == 1
        assert np.isfinite(t.predict(X)).all()
    t = grow_tree(Xb, y, np.zeros(50), bin_mapper=bm)  # all weights zero
    assert t.n_nodes == 1 and t.value[0] == 0.0
    t = grow_tree(Xb, y, bin_mapper=bm, rows=[3, 3, 7])
    assert t.n_samples[0] == 3


def test_min_samples_leaf_and_depth():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(500, 3))
    y = X[:, 0] + rng.normal(size=500)
    bm = BinMapper().fit(X)
    Xb = bm.transform(X)
    for depth in (0, 1, 2, 5):
        tree = grow_tree(Xb, y, bin_mapper=bm, max_depth=depth, min_samples_leaf=40)
        assert tree.depth <= depth
        assert tree.n_samples[tree.is_leaf].min() >= 40
        assert tree.n_samples[0] == 500


# --------------------------------------------------------------------------- missing values
def test_missing_values_seen_at_fit():
    rng = np.random.default_rng(0)
    n = 400
    x = rng.uniform(-1, 1, n)
    nan = rng.random(n) < 0.2
    y = np.where(x > 0, 1.0, 0.0)
    y[nan] = 5.0  # NaN rows look like a third group
    x[nan] = np.nan
    X = np.column_stack([x, rng.normal(size=n)])
    bm = BinMapper().fit(X)
    tree = grow_tree(bm.transform(X), y, bin_mapper=bm, max_depth=2)
    pred = tree.predict(X)
    np.testing.assert_allclose(pred, y, atol=1e-12)  # depth 2 isolates the three groups
    # root separates the NaN group (largest gain)
    assert tree.feature[0] == 0 and tree.threshold[0] == np.inf and not tree.missing_go_left[0]
    Xt = np.array([[np.nan, 0.0], [0.5, np.nan], [-0.5, 0.0]])
    np.testing.assert_allclose(tree.predict(Xt), [5.0, 1.0, 0.0], atol=1e-12)


def test_missing_values_not_seen_at_fit_follow_heavier_child():
    rng = np.random.default_rng(1)
    n = 300
    x = rng.uniform(0, 1, n)
    y = (x > 0.3).astype(float)  # right child (x > 0.3) is heavier
    X = x[:, None]
    for w, expect_left in [(None, False), (np.where(x <= 0.3, 10.0, 1.0), True)]:
        bm = BinMapper().fit(X)
        tree = grow_tree(bm.transform(X), y, w, bin_mapper=bm, max_depth=1)
        assert tree.n_nodes == 3
        assert bool(tree.missing_go_left[0]) is expect_left
        pred = tree.predict(np.array([[np.nan]]))[0]
        assert pred == tree.value[1 if expect_left else 2]
        # same routing for the binned path
        Xb = np.array([[MISSING_BIN]], dtype=np.uint8)
        assert tree.predict_binned(Xb)[0] == pred


def test_predict_raw_equals_predict_binned_on_training_data():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(2000, 5))
    X[rng.random(X.shape) < 0.1] = np.nan
    X[:5, 0] = np.inf
    X[5:10, 1] = -np.inf
    y = np.nan_to_num(X[:, 0], posinf=3) ** 2 + np.nan_to_num(X[:, 1], neginf=-3) + rng.normal(size=2000)
    bm = BinMapper(max_bins=64).fit(X)
    Xb = bm.transform(X)
    for depth in (1, 3, 6):
        tree = grow_tree(Xb, y, bin_mapper=bm, max_depth=depth)
        np.testing.assert_array_equal(tree.predict(X), tree.predict_binned(Xb))
    # new rows, including NaN in every feature
    Xn = rng.normal(size=(500, 5))
    Xn[rng.random(Xn.shape) < 0.3] = np.nan
    np.testing.assert_array_equal(tree.predict(Xn), tree.predict_binned(bm.transform(Xn)))


# --------------------------------------------------------------------------- weights, rows, features
def test_integer_weights_equal_row_duplication():
    X, y = _few_unique_data(3, n=120, nan_frac=0.1)
    rng = np.random.default_rng(5)
    sw = rng.integers(0, 4, size=len(y)).astype(np.float64)
    rep = np.repeat(np.arange(len(y)), sw.astype(int))
    bm = BinMapper().fit(X)
    Xb = bm.transform(X)
    t_w = grow_tree(Xb, y, sw, bin_mapper=bm, max_depth=3)
    t_d = grow_tree(Xb, y, None, rows=rep, bin_mapper=bm, max_depth=3)  # duplicated rows
    bm2 = BinMapper().fit(X[rep])
    t_d2 = grow_tree(bm2.transform(X[rep]), y[rep], bin_mapper=bm2, max_depth=3)
    for t in (t_d, t_d2):
        np.testing.assert_array_equal(t_w.feature, t.feature)
        np.testing.assert_array_equal(t_w.threshold, t.threshold)
        np.testing.assert_array_equal(t_w.missing_go_left, t.missing_go_left)
        np.testing.assert_allclose(t_w.value, t.value, rtol=1e-12)
        np.testing.assert_allclose(t_w.gain, t.gain, rtol=1e-9)
        np.testing.assert_allclose(t_w.weight, t.weight, rtol=1e-12)
    np.testing.assert_allclose(t_w.predict(X), t_d2.predict(X), rtol=1e-12)


def test_rows_and_features_subsets():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(1000, 6))
    y = X[:, 0] - 2 * X[:, 3] + rng.normal(size=1000)
    bm = BinMapper().fit(X)
    Xb = bm.transform(X)
    rows = np.sort(rng.choice(1000, 400, replace=False))
    feats = np.array([4, 1, 3])  # order does not matter
    t = grow_tree(Xb, y, None, rows, feats, bin_mapper=bm, max_depth=3)
    assert set(t.feature[t.feature >= 0]) <= {1, 3, 4}
    # same tree as on the physically subset data with the features masked
    Xs = Xb[rows][:, [1, 3, 4]]
    t2 = grow_tree(np.ascontiguousarray(Xb[rows]), y[rows], None, None, [1, 3, 4], bin_mapper=bm, max_depth=3)
    assert t == t2
    mask = np.zeros(1000, bool)
    mask[rows] = True
    assert grow_tree(Xb, y, None, mask, feats, bin_mapper=bm) == t
    assert Xs.shape == (400, 3)


def test_grow_trees_matches_grow_tree_and_threads():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(3000, 5))
    X[rng.random(X.shape) < 0.05] = np.nan
    Y = np.column_stack([np.nan_to_num(X[:, 0]), np.nan_to_num(X[:, 1]) ** 2, rng.normal(size=3000)])
    w = rng.uniform(0.5, 2, 3000)
    rows = np.sort(rng.choice(3000, 2000, replace=False))
    bm = BinMapper().fit(X)
    Xb = bm.transform(X)
    single = [grow_tree(Xb, Y[:, c], w, rows, [0, 1, 2], bin_mapper=bm) for c in range(3)]
    for n_threads in (1, 2, 3):
        many = grow_trees(Xb, Y, w, rows, [0, 1, 2], bin_mapper=bm, n_threads=n_threads)
        assert many == single


@pytest.mark.parametrize("max_depth,min_samples_leaf", [(0, 1), (1, 1), (3, 1), (3, 200), (5, 20), (3, 2000)])
def test_grow_trees_records_training_leaves(max_depth, min_samples_leaf):
    """``leaves=`` receives the leaf of every used row: the tree's value there is its binned
    prediction (NaN routing included), unused rows are left untouched."""
    rng = np.random.default_rng(9)
    X = rng.normal(size=(3000, 4))
    X[rng.random(X.shape) < 0.1] = np.nan
    Y = np.column_stack([np.nan_to_num(X[:, 0], nan=3.0), np.abs(np.nan_to_num(X[:, 1])) + rng.normal(size=3000)])
    w = [rng.uniform(0.5, 2, 3000), None]
    bm = BinMapper().fit(X)
    Xb = bm.transform(X)
    for rows in (None, np.sort(rng.choice(3000, 1500, replace=False))):
        leaves = np.full((2, 3000), -1, dtype=np.int32)
        trees = grow_trees(Xb, Y, w, rows, bin_mapper=bm, max_depth=max_depth, min_samples_leaf=min_samples_leaf,
                           leaves=leaves)
        used = np.arange(3000) if rows is None else rows
        for c, tree in enumerate(trees):
            assert tree == grow_tree(Xb, Y[:, c], w[c], rows, bin_mapper=bm, max_depth=max_depth,
                                     min_samples_leaf=min_samples_leaf)
            assert np.all(tree.left[leaves[c, used]] < 0)
            np.testing.assert_array_equal(tree.value[leaves[c, used]], tree.predict_binned(Xb)[used])
            assert np.all(np.delete(leaves[c], used) == -1)
    with pytest.raises(ValueError, match="leaves must be"):
        grow_trees(Xb, Y, bin_mapper=bm, leaves=np.zeros((2, 3000), dtype=np.int64))


def test_grow_trees_with_given_root_counts():
    """Weighted trees on all rows take the root count histogram from ``bin_counts(Xb)``: same trees
    (min_samples_leaf decides on those counts), and it is refused for a row subset."""
    from ngb.tree._grower import bin_counts

    rng = np.random.default_rng(11)
    X = rng.normal(size=(4000, 5))
    X[rng.random(X.shape) < 0.1] = np.nan
    Y = np.column_stack([np.nan_to_num(X[:, 0]), rng.normal(size=4000)])
    W = [rng.exponential(size=4000), rng.uniform(0.1, 3, 4000)]
    bm = BinMapper().fit(X)
    Xb = bm.transform(X)
    counts = bin_counts(Xb)
    assert counts.shape == (5, 256) and np.all(counts.sum(axis=1) == 4000)
    for features in (None, [1, 3]):
        for msl in (1, 150):
            given = grow_trees(Xb, Y, W, None, features, bin_mapper=bm, min_samples_leaf=msl, root_counts=counts)
            assert given == grow_trees(Xb, Y, W, None, features, bin_mapper=bm, min_samples_leaf=msl)
    with pytest.raises(ValueError, match="all rows"):
        grow_trees(Xb, Y, W, np.arange(100), bin_mapper=bm, root_counts=counts)
    with pytest.raises(ValueError, match="root_counts must have shape"):
        grow_trees(Xb, Y, W, bin_mapper=bm, root_counts=counts[:3])


def test_leaf_value_kernels_equal_forest_prediction():
    from ngb.tree._predictor import leaf_value_table, leaf_values

    rng = np.random.default_rng(10)
    X = rng.normal(size=(2000, 3))
    Y = np.column_stack([X[:, 0], X[:, 1] ** 2, rng.normal(size=2000)])
    bm = BinMapper().fit(X)
    Xb = bm.transform(X)
    leaves = np.empty((3, 2000), dtype=np.int32)
    trees = grow_trees(Xb, Y, bin_mapper=bm, max_depth=3, leaves=leaves)
    vals = leaf_value_table(trees)
    expected = predict_forest_binned(Xb, trees, np.arange(3), 1.0, 3)
    np.testing.assert_array_equal(leaf_values(leaves, vals, np.empty((2000, 3))), expected)


def test_determinism():
    rng = np.random.default_rng(6)
    X = rng.normal(size=(5000, 8))
    X[rng.random(X.shape) < 0.1] = np.nan
    y = np.sin(np.nan_to_num(X[:, 0])) + rng.normal(size=5000)
    w = rng.exponential(size=5000)
    trees = []
    for _ in range(2):
        bm = BinMapper(max_bins=100, random_state=0).fit(X)
        trees.append(grow_tree(bm.transform(X), y, w, bin_mapper=bm, max_depth=4))
    assert trees[0] == trees[1]
    for k in Tree._ARRAYS:
        assert getattr(trees[0], k).tobytes() == getattr(trees[1], k).tobytes()


def test_feature_importances_and_pickle():
    rng = np.random.default_rng(7)
    X = rng.normal(size=(800, 4))
    y = 3 * X[:, 2] + X[:, 0] + 0.1 * rng.normal(size=800)
    bm = BinMapper().fit(X)
    t = grow_tree(bm.transform(X), y, bin_mapper=bm, max_depth=3)
    imp = t.feature_importances(4)
    assert imp.shape == (4,) and imp.sum() == pytest.approx(t.gain.sum())
    assert imp.argmax() == 2 and imp[1] == 0 and imp[3] == 0
    t2 = pickle.loads(pickle.dumps(t))
    assert t2 == t
    np.testing.assert_array_equal(t2.predict(X), t.predict(X))


# --------------------------------------------------------------------------- forest
def _forest(rng, X, y, n_trees, depths):
    bm = BinMapper(max_bins=32).fit(X)
    Xb = bm.transform(X)
    trees = []
    for i in range(n_trees):
        rows = np.sort(rng.choice(len(y), len(y) // 2, replace=False))
        trees.append(grow_tree(Xb, y + rng.normal(size=len(y)), None, rows, bin_mapper=bm,
                               max_depth=depths[i % len(depths)]))
    return trees, bm


@pytest.mark.parametrize("depths, kind", [([3, 1, 0, 2], "d3"), ([3, 1, 0, 4], "padded"), ([3, 5], "pointer")])
def test_predict_forest_equals_sum_of_trees(depths, kind, monkeypatch):
    if kind == "pointer":
        monkeypatch.setattr(_predictor, "MAX_PADDED_DEPTH", 4)
    rng = np.random.default_rng(8)
    X = rng.normal(size=(700, 4))
    X[rng.random(X.shape) < 0.1] = np.nan
    X[:3, 1] = np.inf
    X[3:6, 2] = -np.inf
    y = np.nan_to_num(X[:, 0]) + rng.normal(size=700)
    trees, bm = _forest(rng, X, y, 25, depths)
    params = rng.integers(0, 3, size=25)
    weights = rng.uniform(-1, 1, size=25)
    Xt = rng.normal(size=(1000, 4))
    Xt[rng.random(Xt.shape) < 0.2] = np.nan
    Xt[0, :] = np.inf
    Xt[1, :] = -np.inf
    expected = np.zeros((1000, 3))
    for t, c, wt in zip(trees, params, weights):
        expected[:, c] += wt * t.predict(Xt)
    for n_threads in (1, 2):
        out = predict_forest(Xt, trees, params, weights, 3, n_threads=n_threads)
        np.testing.assert_array_equal(out, expected)  # same order of additions: bit-identical
    packed = PackedForest(trees, params, weights, 3)
    assert packed.kind == kind
    init = np.array([1.0, -2.0, 0.5])
    expected_init = np.tile(init, (1000, 1))
    for t, c, wt in zip(trees, params, weights):
        expected_init[:, c] += wt * t.predict(Xt)
    np.testing.assert_array_equal(predict_forest(Xt, packed, init=init), expected_init)
    # binned prediction on the training matrix equals raw prediction
    raw = predict_forest(X, packed)
    np.testing.assert_array_equal(predict_forest_binned(bm.transform(X), packed), raw)
    np.testing.assert_array_equal(predict_forest_binned(bm.transform(X), trees, params, weights, 3), raw)
    np.testing.assert_array_equal(predict_forest_binned(np.asfortranarray(bm.transform(X)), packed), raw)
    for t in trees[:5]:
        np.testing.assert_array_equal(t.predict_binned(bm.transform(X)), t.predict(X))
    # a single tree, and no tree at all
    np.testing.assert_array_equal(predict_forest(Xt, trees[:1], [1], [2.0], 2)[:, 1], 2.0 * trees[0].predict(Xt))
    assert np.all(predict_forest(Xt, [], [], [], 2) == 0)
    # the reference walker agrees with the packed kernels
    ref = np.empty(1000)
    for t in trees[:5]:
        _predict_nodes.predict_tree(Xt, t.feature, t.threshold, t.missing_go_left, t.left, t.right, t.value, ref, 0, 1000)
        np.testing.assert_array_equal(t.predict(Xt), ref)


def test_predict_forest_large_parallel_deterministic():
    rng = np.random.default_rng(9)
    X = rng.normal(size=(20_000, 5))
    y = X[:, 0] + rng.normal(size=20_000)
    trees, _ = _forest(rng, X[:2000], y[:2000], 60, [3])
    params = np.arange(60) % 2
    a = predict_forest(X, trees, params, 0.1, 2, n_threads=1)
    b = predict_forest(X, trees, params, 0.1, 2, n_threads=2)
    assert a.tobytes() == b.tobytes()


# --------------------------------------------------------------------------- estimator
@parametrize_with_checks([HistTreeRegressor(), HistTreeRegressor(max_depth=None, max_leaf_nodes=8)])
def test_sklearn_compatible(estimator, check):
    # No check needs to be skipped.
    check(estimator)


def test_estimator_equals_fast_path():
    rng = np.random.default_rng(10)
    X = rng.normal(size=(1500, 5))
    X[rng.random(X.shape) < 0.05] = np.nan
    y = np.nan_to_num(X[:, 0]) * np.nan_to_num(X[:, 1]) + rng.normal(size=1500)
    w = rng.uniform(0.1, 2.0, size=1500)
    for sample_weight in (None, w):
        est = HistTreeRegressor(max_depth=4, min_samples_leaf=3, max_bins=50, random_state=0).fit(
            X, y, sample_weight=sample_weight
        )
        bm = BinMapper(max_bins=50, random_state=0).fit(X, sample_weight=sample_weight)
        tree = grow_tree(bm.transform(X), y, sample_weight, bin_mapper=bm, max_depth=4, min_samples_leaf=3)
        assert est.tree_ == tree
        np.testing.assert_array_equal(est.predict(X), tree.predict(X))
        imp = tree.feature_importances(5)
        np.testing.assert_allclose(est.feature_importances_, imp / imp.sum())


def test_accuracy_similar_to_sklearn_decision_tree():
    rng = np.random.default_rng(11)
    X = rng.uniform(-2, 2, size=(4000, 3))
    f = lambda Z: np.sin(Z[:, 0] * 1.5) + 0.5 * Z[:, 1] ** 2  # noqa: E731
    y = f(X) + 0.2 * rng.normal(size=4000)
    Xt = rng.uniform(-2, 2, size=(4000, 3))
    ours = HistTreeRegressor(max_depth=3).fit(X, y).predict(Xt)
    ref = DecisionTreeRegressor(max_depth=3).fit(X, y).predict(Xt)
    mse_ours = np.mean((ours - f(Xt)) ** 2)
    mse_ref = np.mean((ref - f(Xt)) ** 2)
    assert mse_ours < 1.1 * mse_ref


# --------------------------------------------------------------------------- best-first growth (max_leaf_nodes)
def _brute_force_best_first(X, y, w, min_samples_leaf, max_depth, max_leaf_nodes):
    """Independent numpy best-first tree: repeatedly split the leaf with the largest exhaustive
    gain (:func:`_brute_force_split`; the earliest created leaf on equal gains) until
    ``max_leaf_nodes`` leaves or no leaf can be split within ``max_depth`` (None: unlimited).

    Returns the nodes in creation order, dicts with ``idx`` (rows), ``depth``, ``split`` (feature,
    threshold, missing_go_left, gain, left mask) or None, and ``children`` (ids) or None."""
    nodes = []

    def add(idx, depth):
        can = max_depth is None or depth < max_depth
        nodes.append(dict(idx=idx, depth=depth, children=None,
                          split=_brute_force_split(X, y, w, idx, min_samples_leaf) if can else None))

    add(np.arange(len(y)), 0)
    n_leaves = 1
    while n_leaves < max_leaf_nodes:
        open_ = [i for i, nd in enumerate(nodes) if nd["children"] is None and nd["split"] is not None]
        if not open_:
            break
        best = max(open_, key=lambda i: (nodes[i]["split"][3], -i))
        nd = nodes[best]
        left = nd["split"][4]
        nd["children"] = (len(nodes), len(nodes) + 1)
        add(nd["idx"][left], nd["depth"] + 1)
        add(nd["idx"][~left], nd["depth"] + 1)
        n_leaves += 1
    return nodes


def _reference_predict(nodes, X, y, w):
    """Predictions of the reference tree on raw X (same routing rules as ``Tree``)."""
    out = np.empty(X.shape[0])
    for r in range(X.shape[0]):
        i = 0
        while nodes[i]["children"] is not None:
            f, t, mgl = nodes[i]["split"][:3]
            x = X[r, f]
            go_left = bool(mgl) if np.isnan(x) else x <= t
            i = nodes[i]["children"][0 if go_left else 1]
        idx = nodes[i]["idx"]
        out[r] = np.average(y[idx], weights=w[idx])
    return out


def _compare_with_reference(tree, nodes, y, w):
    """Walk the tree and the reference together: same splits (feature, threshold, NaN side,
    gain), same leaves, node values and counts. Returns the number of splits."""
    stack = [(0, 0)]
    n_split = 0
    while stack:
        t, r = stack.pop()
        ref = nodes[r]
        idx = ref["idx"]
        np.testing.assert_allclose(tree.value[t], np.average(y[idx], weights=w[idx]), rtol=1e-10, atol=1e-12)
        assert tree.n_samples[t] == len(idx)
        if ref["children"] is None:
            assert tree.left[t] == -1, f"node {t}: tree split, the reference did not"
            continue
        f, thr, mgl, gain, _ = ref["split"]
        assert tree.left[t] != -1, f"node {t}: the reference split, the tree did not"
        assert tree.right[t] == tree.left[t] + 1
        assert tree.feature[t] == f and tree.threshold[t] == thr
        assert bool(tree.missing_go_left[t]) == bool(mgl)
        np.testing.assert_allclose(tree.gain[t], gain, rtol=1e-8)
        n_split += 1
        stack.append((int(tree.left[t]), ref["children"][0]))
        stack.append((int(tree.right[t]), ref["children"][1]))
    return n_split


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("nan_frac", [0.0, 0.15])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("min_samples_leaf", [1, 4])
def test_best_first_equals_exhaustive_reference(seed, nan_frac, weighted, min_samples_leaf):
    X, y = _few_unique_data(seed, n=150, nan_frac=nan_frac)
    rng = np.random.default_rng(200 + seed)
    w = rng.uniform(0.2, 3.0, size=len(y)) if weighted else None
    ww = np.ones_like(y) if w is None else w
    bm = BinMapper().fit(X)
    Xb = bm.transform(X)
    Xn = rng.integers(-1, 7, size=(300, X.shape[1])) * 0.7 - 1.0  # new rows: unseen values, NaN
    Xn[rng.random(Xn.shape) < 0.2] = np.nan
    n_unbalanced = 0
    for max_leaf_nodes, max_depth in [(2, None), (3, None), (5, None), (9, None), (9, 3), (14, 4), (40, None)]:
        nodes = _brute_force_best_first(X, y, ww, min_samples_leaf, max_depth, max_leaf_nodes)
        tree = grow_tree(Xb, y, w, bin_mapper=bm, max_depth=max_depth, min_samples_leaf=min_samples_leaf,
                         max_leaf_nodes=max_leaf_nodes)
        n_split = _compare_with_reference(tree, nodes, y, ww)
        assert n_split == sum(nd["children"] is not None for nd in nodes) == tree.n_leaves - 1
        assert tree.n_leaves <= max_leaf_nodes and tree.depth <= (max_depth or 99)
        np.testing.assert_allclose(tree.predict(X), _reference_predict(nodes, X, y, ww), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(tree.predict(Xn), _reference_predict(nodes, Xn, y, ww), rtol=1e-10, atol=1e-12)
        np.testing.assert_array_equal(tree.predict_binned(Xb), tree.predict(X))
        n_unbalanced += tree.depth > int(np.ceil(np.log2(tree.n_leaves)))
    assert tree.n_leaves >= 10
    assert n_unbalanced >= 1  # best-first, not level-wise, order was tested


def _dense_data(seed, n=4000, p=5, nan_frac=0.05):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2, 2, size=(n, p))
    X[rng.random(X.shape) < nan_frac] = np.nan
    Xn = np.nan_to_num(X, nan=1.5)
    Y = np.column_stack([np.sin(2 * Xn[:, 0]) + Xn[:, 1] ** 2 + 0.3 * rng.normal(size=n),
                         Xn[:, 2] * Xn[:, 3] + 0.5 * rng.normal(size=n)])
    return X, Y, rng


@pytest.mark.parametrize("depth", [1, 2, 3, 5])
def test_best_first_full_budget_equals_level_wise(depth):
    """With max_leaf_nodes = 2**depth and every node split, best-first growth makes the same splits
    in another order: after the breadth-first renumbering the trees are identical (and so the
    recorded leaves and the predictions)."""
    X, Y, rng = _dense_data(20 + depth, n=8000)
    bm = BinMapper().fit(X)
    Xb = bm.transform(X)
    W = [rng.uniform(0.5, 2.0, len(X)), None]
    for rows in (None, np.sort(rng.integers(0, len(X), 6000))):  # repeats allowed
        for features in (None, [0, 1, 2, 3]):
            lv_leaves = np.full((2, len(X)), -1, dtype=np.int32)
            bf_leaves = np.full((2, len(X)), -1, dtype=np.int32)
            lv = grow_trees(Xb, Y, W, rows, features, bin_mapper=bm, max_depth=depth, min_samples_leaf=5,
                            leaves=lv_leaves)
            bf = grow_trees(Xb, Y, W, rows, features, bin_mapper=bm, max_depth=depth, min_samples_leaf=5,
                            max_leaf_nodes=2**depth, leaves=bf_leaves)
            for a, b in zip(lv, bf):
                assert a.n_leaves == 2**depth  # every node split
                assert a == b
                np.testing.assert_array_equal(a.predict(X), b.predict(X))
            np.testing.assert_array_equal(lv_leaves, bf_leaves)
            # a larger budget with the same depth bound: still the same tree
            assert grow_trees(Xb, Y, W, rows, features, bin_mapper=bm, max_depth=depth, min_samples_leaf=5,
                              max_leaf_nodes=2**depth + 7) == lv


def _chain_data(seed, n=2000):
    """A target whose best-first trees are deep chains (depth > 12 with 16 leaves)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    X[:, 0] = rng.integers(0, 25, n)
    X[rng.random(X.shape) < 0.1] = np.nan
    y = 3.0 ** np.nan_to_num(X[:, 0], nan=12.5) + 0.01 * rng.normal(size=n)
    return X, y, rng


@pytest.mark.parametrize("kind", ["d3", "padded", "pointer"])
def test_best_first_predictions_every_kind(kind):
    """Deep, unbalanced best-first trees (mixed with level-wise ones) predict the same on raw X, on
    binned X (C and F order) and through ``Tree.apply``, in every packed-forest kind, for any
    number of threads."""
    X, y, rng = _chain_data(30)
    Xn = np.nan_to_num(X)
    y2 = np.sin(2 * Xn[:, 1]) + Xn[:, 2] * Xn[:, 3] + 0.3 * rng.normal(size=len(y))  # balanced trees
    bm = BinMapper(max_bins=64).fit(X)
    Xb = bm.transform(X)
    if kind == "d3":
        params = [dict(max_depth=3, max_leaf_nodes=4), dict(max_depth=2), dict(max_depth=3, max_leaf_nodes=6)]
    elif kind == "padded":
        params = [dict(max_depth=8, max_leaf_nodes=12), dict(max_depth=3), dict(max_depth=12, max_leaf_nodes=20)]
    else:
        params = [dict(max_depth=None, max_leaf_nodes=30), dict(max_depth=4), dict(max_depth=None, max_leaf_nodes=9)]
    trees = []
    for i in range(12):
        rows = np.sort(rng.choice(len(y), 1800, replace=False))
        trees.append(grow_tree(Xb, y2 if i % 2 else y, None, rows, bin_mapper=bm, **params[i % 3]))
    depths = [t.depth for t in trees]
    assert any(t.depth > np.ceil(np.log2(t.n_leaves)) for t in trees)  # unbalanced
    if kind == "pointer":
        assert max(depths) > _predictor.MAX_PADDED_DEPTH
    params = rng.integers(0, 2, size=len(trees))
    weights = rng.uniform(-1, 1, size=len(trees))
    packed = PackedForest(trees, params, weights, 2)
    assert packed.kind == kind
    Xt = rng.normal(size=(700, 4))
    Xt[:, 0] = rng.integers(-2, 28, 700)
    Xt[rng.random(Xt.shape) < 0.2] = np.nan
    Xt[0, :] = np.inf
    Xt[1, :] = -np.inf
    for XX in (X, Xt):
        expected = np.zeros((len(XX), 2))
        for t, c, wt in zip(trees, params, weights):
            ref = np.empty(len(XX))
            _predict_nodes.predict_tree(XX, t.feature, t.threshold, t.missing_go_left, t.left, t.right, t.value, ref, 0,
                                    len(XX))
            leaf = t.apply(XX)
            assert np.all(t.left[leaf] < 0)
            np.testing.assert_array_equal(t.value[leaf], ref)
            np.testing.assert_array_equal(t.predict(XX), ref)
            np.testing.assert_array_equal(t.predict_binned(bm.transform(XX)), ref)
            expected[:, c] += wt * ref
        for n_threads in (1, 2):
            np.testing.assert_array_equal(predict_forest(XX, packed, n_threads=n_threads), expected)
            XXb = bm.transform(XX)
            np.testing.assert_array_equal(predict_forest_binned(XXb, packed, n_threads=n_threads), expected)
            np.testing.assert_array_equal(predict_forest_binned(np.asfortranarray(XXb), packed, n_threads=n_threads),
                                          expected)


@pytest.mark.parametrize("max_leaf_nodes,max_depth,min_samples_leaf",
                         [(2, None, 1), (7, None, 1), (31, None, 20), (31, 4, 1), (200, None, 300), (63, 30, 1)])
def test_best_first_grow_trees_leaves_root_counts_threads(max_leaf_nodes, max_depth, min_samples_leaf):
    """grow_trees in best-first mode: equal to grow_tree, to itself on 1 or 2 threads and with given
    root counts; ``leaves=`` holds the leaf of every used row (its value is the binned
    prediction), unused rows untouched."""
    from ngb.tree._grower import bin_counts

    X, Y, rng = _dense_data(40, n=3000, p=4, nan_frac=0.1)
    bm = BinMapper().fit(X)
    Xb = bm.transform(X)
    W = [rng.exponential(size=3000), None]
    kw = dict(bin_mapper=bm, max_depth=max_depth, min_samples_leaf=min_samples_leaf, max_leaf_nodes=max_leaf_nodes)
    for rows in (None, np.sort(rng.integers(0, 3000, 2000))):
        for features in (None, [1, 2, 3]):
            leaves = np.full((2, 3000), -1, dtype=np.int32)
            trees = grow_trees(Xb, Y, W, rows, features, n_threads=2, leaves=leaves, **kw)
            assert grow_trees(Xb, Y, W, rows, features, n_threads=1, **kw) == trees
            used = np.arange(3000) if rows is None else np.unique(rows)
            for c, tree in enumerate(trees):
                assert tree == grow_tree(Xb, Y[:, c], W[c], rows, features, **kw)
                assert tree.n_leaves <= max_leaf_nodes and tree.depth <= (max_depth or 99)
                assert tree.n_samples[tree.is_leaf].min() >= min_samples_leaf
                assert np.all(tree.left[leaves[c, used]] < 0)
                np.testing.assert_array_equal(tree.value[leaves[c, used]], tree.predict_binned(Xb)[used])
                assert np.all(np.delete(leaves[c], used) == -1)
                # children consecutive, parents before children
                split = np.flatnonzero(tree.left >= 0)
                assert np.all(tree.right[split] == tree.left[split] + 1) and np.all(tree.left[split] > split)
            if rows is None:
                assert grow_trees(Xb, Y, W, None, features, root_counts=bin_counts(Xb), **kw) == trees
    if max_leaf_nodes == 31 and max_depth is None and min_samples_leaf == 20:
        assert trees[0].n_leaves == 31 and trees[0].depth > 5


def test_best_first_pickle_importances_and_estimator():
    X, Y, rng = _dense_data(50, n=2000)
    w = rng.uniform(0.1, 2.0, 2000)
    for sample_weight in (None, w):
        est = HistTreeRegressor(max_depth=None, max_leaf_nodes=20, min_samples_leaf=3, max_bins=50,
                                random_state=0).fit(X, Y[:, 0], sample_weight=sample_weight)
        bm = BinMapper(max_bins=50, random_state=0).fit(X, sample_weight=sample_weight)
        tree = grow_tree(bm.transform(X), Y[:, 0], sample_weight, bin_mapper=bm, max_depth=None, max_leaf_nodes=20,
                         min_samples_leaf=3)
        assert est.tree_ == tree and tree.n_leaves == 20
        assert tree != grow_tree(bm.transform(X), Y[:, 0], sample_weight, bin_mapper=bm, max_depth=5,
                                 min_samples_leaf=3)
        np.testing.assert_array_equal(est.predict(X), tree.predict(X))
        np.testing.assert_array_equal(est.apply(X), tree.apply(X))
        imp = tree.feature_importances(5)
        assert imp.sum() == pytest.approx(tree.gain.sum())
        np.testing.assert_allclose(est.feature_importances_, imp / imp.sum())
        restored = pickle.loads(pickle.dumps(est))
        assert restored.tree_ == tree
        np.testing.assert_array_equal(restored.predict(X), est.predict(X))
    assert HistTreeRegressor(max_leaf_nodes=8).get_params()["max_leaf_nodes"] == 8


def test_best_first_validation_errors():
    X, Y, _ = _dense_data(60, n=300)
    bm = BinMapper().fit(X)
    Xb = bm.transform(X)
    for bad in (1, 0, -3, 2.5, 4.0, True, "8"):
        with pytest.raises(ValueError, match="max_leaf_nodes"):
            grow_tree(Xb, Y[:, 0], bin_mapper=bm, max_leaf_nodes=bad)
        with pytest.raises(ValueError, match="max_leaf_nodes"):
            grow_trees(Xb, Y, bin_mapper=bm, max_depth=None, max_leaf_nodes=bad)
        with pytest.raises(ValueError, match="max_leaf_nodes"):
            HistTreeRegressor(max_leaf_nodes=bad).fit(X, Y[:, 0])
    for bad in (-1, 2.5, "3"):
        with pytest.raises(ValueError, match="max_depth"):
            grow_tree(Xb, Y[:, 0], bin_mapper=bm, max_depth=bad, max_leaf_nodes=4)
        with pytest.raises(ValueError, match="max_depth"):
            HistTreeRegressor(max_depth=bad, max_leaf_nodes=4).fit(X, Y[:, 0])
    with pytest.raises(ValueError, match="needs max_leaf_nodes"):
        grow_tree(Xb, Y[:, 0], bin_mapper=bm, max_depth=None)
    with pytest.raises(ValueError, match="needs max_leaf_nodes"):
        grow_trees(Xb, Y, bin_mapper=bm, max_depth=None)
    with pytest.raises(ValueError, match="needs max_leaf_nodes"):
        HistTreeRegressor(max_depth=None).fit(X, Y[:, 0])
    # best-first trees may be deeper than the level-wise limit of 30
    assert grow_tree(Xb, Y[:, 0], bin_mapper=bm, max_depth=40, max_leaf_nodes=4).n_leaves == 4
    assert grow_tree(Xb, Y[:, 0], bin_mapper=bm, max_depth=0, max_leaf_nodes=4).n_nodes == 1
    assert grow_tree(Xb, Y[:, 0], bin_mapper=bm, max_depth=None, max_leaf_nodes=np.int64(3)).n_leaves == 3


def test_engine_with_best_first_trees(monkeypatch):
    """NGBRegressor(dist="poisson") on best-first trees: the fast path grows them (15 leaves, deeper
    than level-wise depth 4), the leaf-structured line search runs on their recorded leaves and
    equals the dense path, the fit is the same for every n_jobs and its training score decreases."""
    import ngb
    from ngb._backends import HistTreeBackend

    rng = np.random.default_rng(70)
    n = 3000
    X = rng.normal(size=(n, 4))
    X[rng.random(X.shape) < 0.05] = np.nan
    Xn = np.nan_to_num(X)
    y = rng.poisson(np.exp(0.6 * Xn[:, 0] - 0.4 * Xn[:, 1] ** 2 + 0.3 * Xn[:, 2] * Xn[:, 3])).astype(float)
    base = HistTreeRegressor(max_depth=None, max_leaf_nodes=15)
    params = dict(dist="poisson", base=base, n_estimators=30, learning_rate=0.1, early_stopping=False,
                  random_state=0)
    calls = []
    original = HistTreeBackend.recorded_leaves
    monkeypatch.setattr(HistTreeBackend, "recorded_leaves",
                        lambda self, t, l: calls.append(original(self, t, l) is not None) or original(self, t, l))
    fits = [ngb.NGBRegressor(**params, n_jobs=n_jobs).fit(X, y) for n_jobs in (1, 2, None)]
    assert len(calls) == 90 and all(calls)
    trees = [t for it in fits[0]._estimators for t in it]
    assert max(t.n_leaves for t in trees) == 15 and max(t.depth for t in trees) > 4
    for est in fits[1:]:
        np.testing.assert_array_equal(est.predict_dist(X).theta, fits[0].predict_dist(X).theta)
        np.testing.assert_array_equal(est.train_score_, fits[0].train_score_)
    assert np.all(np.diff(fits[0].train_score_) < 0)
    monkeypatch.setattr(HistTreeBackend, "recorded_leaves", lambda self, trees, leaves: None)
    dense = ngb.NGBRegressor(**params).fit(X, y)
    np.testing.assert_array_equal(dense.scalings_, fits[0].scalings_)
    np.testing.assert_allclose(dense.predict_dist(X).theta, fits[0].predict_dist(X).theta, rtol=1e-9, atol=1e-12)


def test_best_first_equal_gains_split_the_lower_node_id():
    """Two open leaves with exactly the same gain: the one with the lower node id is split first
    (with a larger gain on the right, the right one is)."""
    x0 = np.repeat([0.0, 0.0, 1.0, 1.0], 8)
    x1 = np.tile([0.0, 1.0], 16)
    X = np.column_stack([x0, x1])
    bm = BinMapper().fit(X)
    Xb = bm.transform(X)
    for slope_right, split_node in [(1.0, 1), (2.0, 2)]:
        y = 10.0 * x0 + np.where(x0 > 0, slope_right, 1.0) * x1
        tree = grow_tree(Xb, y, bin_mapper=bm, max_depth=None, max_leaf_nodes=3)
        assert tree.n_leaves == 3 and tree.feature[0] == 0
        assert tree.left[split_node] >= 0 and tree.left[3 - split_node] < 0
        assert tree.feature[split_node] == 1
        full = grow_tree(Xb, y, bin_mapper=bm, max_depth=None, max_leaf_nodes=4)
        assert full.gain[1] <= full.gain[2] and (full.gain[1] == full.gain[2]) == (slope_right == 1.0)


# --------------------------------------------------------------------------- compiled kernels
def test_python_constants_are_the_kernels_constants():
    from ngb.tree import _bin_codes, _binning, _categorical

    assert _bin_codes.ROUTING_CONSTANTS == (_binning.MISSING_BIN, _binning.N_HIST_BINS, _categorical.N_WORDS)


def test_node_records_of_both_growers_make_the_tree():
    from ngb.tree._grow_best_first import grow_best_first
    from ngb.tree._grow_level import grow_level_wise
    from ngb.tree._nodes import NODE_DTYPE

    X, y = _few_unique_data(3, n=300, nan_frac=0.1)
    bm = BinMapper().fit(X)
    Xb = bm.transform(X)
    args = (Xb, y, np.empty(0), False, np.arange(300), np.arange(4), bm.n_bins_non_missing_, np.zeros(4, np.uint8))
    none = (np.empty(0, np.int32), np.empty((0, 256), np.int32))
    for nodes, tree in ((grow_level_wise(*args, 3, 1, 0.0, *none), grow_tree(Xb, y, bin_mapper=bm)),
                        (grow_best_first(*args, 1 << 40, 7, 1, 0.0, *none),
                         grow_tree(Xb, y, bin_mapper=bm, max_depth=None, max_leaf_nodes=7))):
        assert nodes.dtype == NODE_DTYPE
        assert Tree.from_nodes(nodes, bm.thresholds_) == tree
        np.testing.assert_array_equal(nodes["left"] >= 0, nodes["feature"] >= 0)


def test_tree_pickled_under_its_old_module_loads():
    # pickles made before Tree moved from _predictor to _tree name ngb.tree._predictor.Tree
    X, y = _few_unique_data(4)
    bm = BinMapper().fit(X)
    t = grow_tree(bm.transform(X), y, bin_mapper=bm)
    old = pickle.dumps(t, protocol=0).replace(b"ngb.tree._tree\nTree", b"ngb.tree._predictor\nTree")
    assert b"ngb.tree._predictor\nTree" in old
    assert pickle.loads(old) == t


def test_leaf_sums_equal_bincount():
    """The compiled per-leaf sums of the shared-structure fits equal np.bincount's, weighted or not."""
    from ngb.tree._leaf_sums import leaf_sums

    rng = np.random.default_rng(5)
    leaf = rng.integers(3, 11, 5000).astype(np.int32)
    t, w = rng.normal(size=5000), rng.uniform(size=5000)
    s, c = leaf_sums(leaf, t, w, True, 11)
    np.testing.assert_array_equal(s, np.bincount(leaf, weights=w * t, minlength=11))
    np.testing.assert_array_equal(c, np.bincount(leaf, weights=w, minlength=11))
    s, c = leaf_sums(leaf, t, t, False, 11)
    np.testing.assert_array_equal(s, np.bincount(leaf, weights=t, minlength=11))
    assert c is None
