"""Native categorical splits of the histogram tree (ngb.tree) and of the boosting engine."""

import itertools
import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.tree import DecisionTreeRegressor

import ngb
from old_defaults import old_defaults
from ngb.tree import (
    BinMapper,
    HistTreeRegressor,
    PackedForest,
    grow_tree,
    grow_trees,
    predict_forest,
    predict_forest_binned,
)
from ngb.tree._binning import MISSING_BIN, N_HIST_BINS
from ngb.tree._predictor import leaf_value_table
from ngb.tree._splitting import find_best_split_py as find_best_split


# --------------------------------------------------------------------------- helpers
def _bits_to_set(bits):
    """Set of bins whose bit is set in an (8,) uint32 bitset."""
    return {b for b in range(256) if (int(bits[b >> 5]) >> (b & 31)) & 1}


def _mixed_data(seed, n=600, n_cat=(7, 13), nan_frac=0.05):
    """Two numeric and len(n_cat) categorical columns (codes, NaN), target non-monotone in the codes."""
    rng = np.random.default_rng(seed)
    cols = [rng.normal(size=n), rng.normal(size=n)]
    y = 0.7 * cols[0]
    for K in n_cat:
        c = rng.integers(0, K, n).astype(float)
        y = y + rng.normal(size=K)[c.astype(int)] * 1.5
        c[rng.random(n) < nan_frac] = np.nan
        cols.append(c)
    X = np.column_stack(cols)
    X[rng.random(n) < nan_frac, 1] = np.nan
    y = y + np.where(np.isnan(X[:, 2]), 2.0, 0.0) + rng.normal(size=n) * 0.3
    is_cat = np.array([False, False] + [True] * len(n_cat))
    return X, y, is_cat


def _walk(tree, xb):
    """Python reference: node path of one binned row (numeric and categorical nodes)."""
    nd, path = 0, [0]
    while tree.left[nd] >= 0:
        b = int(xb[tree.feature[nd]])
        if tree.has_categorical and tree.is_categorical[nd]:
            go_left = b in _bits_to_set(tree.cat_bitset[nd])
        elif b == MISSING_BIN:
            go_left = bool(tree.missing_go_left[nd])
        else:
            go_left = b <= tree.bin_threshold[nd]
        nd = tree.left[nd] if go_left else tree.right[nd]
        path.append(nd)
    return path


# --------------------------------------------------------------------------- (a) split search
def _exhaustive(G, W, C, cats, g, w, c, msl, mwl, eps):
    """Best gain over all 2-way partitions of the non-empty bins ``cats`` (None if no valid one)."""
    best = None
    first, rest = cats[0], cats[1:]
    for r in range(len(rest) + 1):
        for sub in itertools.combinations(rest, r):
            left = (first,) + sub  # fixing one bin on the left enumerates each partition once
            if len(left) == len(cats):
                continue
            gl, wl, cl = sum(G[b] for b in left), sum(W[b] for b in left), sum(C[b] for b in left)
            gr, wr, cr = g - gl, w - wl, c - cl
            if min(cl, cr) < msl or min(wl, wr) < mwl or min(wl, wr) <= eps:
                continue
            gain = gl * gl / wl + gr * gr / wr - g * g / w
            if best is None or gain > best:
                best = gain
    return best


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.parametrize("missing", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
def test_categorical_split_equals_exhaustive_partition_search(seed, missing, weighted):
    rng = np.random.default_rng(seed)
    nb = int(rng.integers(2, 10))
    present = np.sort(rng.choice(nb, size=int(rng.integers(1, min(nb, 7) + 1)), replace=False))
    n = int(rng.integers(8, 60))
    codes = rng.choice(present, size=n)
    if missing:
        codes[rng.random(n) < 0.25] = MISSING_BIN
    y = rng.normal(size=n) + rng.normal(size=nb + 1)[np.minimum(codes, nb)]
    w = rng.uniform(0.1, 3.0, n) if weighted else np.ones(n)
    hist = np.zeros((1, N_HIST_BINS), np.complex128)
    np.add.at(hist[0], codes, w * y + 1j * w)
    cnt_full = np.zeros((1, N_HIST_BINS), np.int32)
    np.add.at(cnt_full[0], codes, 1)
    cnt = cnt_full if weighted else np.zeros((1, 1), np.int32)
    G, W, C = hist[0].real, hist[0].imag, cnt_full[0].astype(float)
    g, wt, c = G.sum(), W.sum(), float(n)
    msl = int(rng.integers(1, 4))
    mwl = float(rng.choice([0.0, 1.5]))
    eps = 1e-12 * wt
    bits = np.zeros(8, np.uint32)
    j, b, mgl, gain, gl, wl, cl = find_best_split(
        hist, cnt, weighted, np.array([0]), np.array([nb]), np.array([True]), g, wt, c, msl, mwl, eps, 0.0, bits
    )
    cats = [int(k) for k in np.flatnonzero(C > 0)]
    ref = _exhaustive(G, W, C, cats, g, wt, c, msl, mwl, eps) if len(cats) > 1 else None
    if ref is None or not ref > 0.0:
        assert j == -1
        return
    assert j == 0 and b == 0
    np.testing.assert_allclose(gain, ref, rtol=1e-9, atol=1e-12)
    left = _bits_to_set(bits)
    left_rows = np.isin(codes, list(left))
    # the bitset is the partition whose sums were returned
    np.testing.assert_allclose([gl, wl, cl], [np.sum((w * y)[left_rows]), np.sum(w[left_rows]), left_rows.sum()],
                               rtol=1e-9, atol=1e-12)
    assert mgl == (MISSING_BIN in left)
    heavier_left = wl >= wt - wl
    for k in range(nb):  # bins without rows in the node go to the heavier child
        if C[k] == 0:
            assert (k in left) == heavier_left
    if C[MISSING_BIN] == 0:
        assert mgl == heavier_left
    assert all((k in left) == mgl for k in range(nb, MISSING_BIN))  # unknown codes follow the missing bin


def test_categorical_candidates_compared_in_feature_order():
    """Two identical categorical columns: the lower feature wins the tie; a categorical column
    duplicating a numeric one with the same partition loses to it when it comes later."""
    rng = np.random.default_rng(0)
    c = rng.integers(0, 5, 300).astype(float)
    X = np.column_stack([c, c])
    for mask, effect in (([True, True], [0.0, 3.0, 1.0, 5.0, 2.0]), ([False, True], [0.0, 1.0, 2.0, 3.0, 4.5])):
        y = np.array(effect)[c.astype(int)] + rng.normal(size=300) * 0.1  # monotone: same best partition
        bm = BinMapper(categorical_features=np.array(mask)).fit(X)
        t = grow_tree(bm.transform(X), y, bin_mapper=bm, max_depth=1)
        assert t.feature[0] == 0 and t.gain[0] > 0
        assert t.has_categorical == mask[0]
    # with a non-monotone effect the categorical duplicate finds the better split
    y = np.array([0.0, 3.0, 1.0, 5.0, 2.0])[c.astype(int)] + rng.normal(size=300) * 0.1
    t = grow_tree(bm.transform(X), y, bin_mapper=bm, max_depth=1)
    assert t.feature[0] == 1 and t.has_categorical


# --------------------------------------------------------------------------- (b) two categories
@pytest.mark.parametrize("nan_frac", [0.0, 0.1])
@pytest.mark.parametrize("max_leaf_nodes", [None, 6])
def test_two_category_feature_equals_numeric_feature(nan_frac, max_leaf_nodes):
    rng = np.random.default_rng(3)
    n = 500
    X = np.column_stack([rng.normal(size=n), rng.integers(0, 2, n).astype(float), rng.normal(size=n)])
    X[rng.random(n) < nan_frac, 1] = np.nan
    y = X[:, 0] + np.where(X[:, 1] == 1, 2.0, np.where(np.isnan(X[:, 1]), -1.0, 0.0)) + rng.normal(size=n) * 0.3
    num = HistTreeRegressor(max_depth=4, categorical_features=None, max_leaf_nodes=max_leaf_nodes).fit(X, y)
    cat = HistTreeRegressor(max_depth=4, categorical_features=[1], max_leaf_nodes=max_leaf_nodes).fit(X, y)
    assert cat.tree_.has_categorical and not num.tree_.has_categorical
    tn, tc = num.tree_, cat.tree_
    assert tn.n_nodes == tc.n_nodes and tn.n_leaves == tc.n_leaves
    # same partitions (a child pair may be swapped): same splits level by level, same leaves
    np.testing.assert_allclose(np.sort(tn.gain), np.sort(tc.gain), rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(np.sort(tn.n_samples), np.sort(tc.n_samples))
    np.testing.assert_allclose(num.predict(X), cat.predict(X), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(num.feature_importances_, cat.feature_importances_, rtol=1e-9)


# --------------------------------------------------------------------------- (c) predict paths
@pytest.mark.parametrize("weighted", [False, True])
def test_categorical_depth3_forests_use_the_vectorised_kernels(weighted):
    """Forests of depth <= 3 with categorical splits run the "d3" kernels (raw, C- and F-ordered
    binned), and equal the Python reference walk for every row, invalid codes included."""
    X, y, is_cat = _mixed_data(2, n=1500)
    rng = np.random.default_rng(11)
    bm = BinMapper(categorical_features=is_cat).fit(X)
    Xb = bm.transform(X)
    w = rng.uniform(0.2, 2.0, X.shape[0]) if weighted else None
    trees = [grow_tree(Xb, y + rng.normal(size=y.shape[0]), w, bin_mapper=bm, max_depth=d) for d in (1, 2, 3, 3, 3)]
    trees.append(grow_tree(Xb, y, bin_mapper=bm, max_depth=3, features=[0, 1]))  # a numeric tree mixed in
    assert sum(t.has_categorical for t in trees) >= 4 and not trees[-1].has_categorical
    params = np.array([0, 1, 0, 1, 0, 1])
    weights = np.array([1.0, 0.5, 2.0, -1.0, 0.3, 0.7])
    pf = PackedForest(trees, params, weights, 2)
    assert pf.kind == "d3" and pf.has_categorical and (pf.cat_idx >= 0).sum() >= 8
    # raw codes the fit never saw: too large, negative, non-integer, inf, NaN; all take the missing route
    Xr = X.copy()
    Xr[:6, 2] = [99.0, -1.0, 2.5, np.inf, np.nan, 254.0]
    Xr[6:9, 3] = [13.0, -3.0, 0.5]
    Xbr = bm.transform(Xr)
    expected = np.zeros((X.shape[0], 2))
    for t, p, wt in zip(trees, params, weights):
        expected[:, p] += wt * np.array([t.value[_walk(t, xb)[-1]] for xb in Xbr])
    for n_threads in (1, 2):
        np.testing.assert_allclose(predict_forest(Xr, pf, n_threads=n_threads), expected, rtol=1e-13, atol=1e-13)
        np.testing.assert_allclose(predict_forest_binned(Xbr, pf, n_threads=n_threads), expected, rtol=1e-13,
                                   atol=1e-13)
        np.testing.assert_allclose(predict_forest_binned(np.asfortranarray(Xbr), pf, n_threads=n_threads), expected,
                                   rtol=1e-13, atol=1e-13)
    # one tree at a time (Tree.predict packs a single-tree d3 forest) gives the same bits as apply
    for t in trees:
        np.testing.assert_array_equal(t.predict(Xr), t.value[t.apply(Xr)])
        np.testing.assert_array_equal(t.predict_binned(Xbr), t.value[t.apply(Xr)])
    # many rows: several blocks and thread chunks, same bits as the single-threaded pass
    Xl = np.tile(Xr, (30, 1))
    np.testing.assert_array_equal(predict_forest(Xl, pf, n_threads=2), np.tile(predict_forest(Xr, pf, n_threads=1),
                                                                                (30, 1)))


@pytest.mark.parametrize("kind", ["padded", "pointer"])
@pytest.mark.parametrize("max_leaf_nodes", [None, 12])
@pytest.mark.parametrize("weighted", [False, True])
def test_categorical_predict_paths_agree(max_leaf_nodes, weighted, kind, monkeypatch):
    if kind == "pointer":  # forests deeper than MAX_PADDED_DEPTH walk the node arrays
        import ngb.tree._predictor as predictor

        monkeypatch.setattr(predictor, "MAX_PADDED_DEPTH", 2)
    X, y, is_cat = _mixed_data(1)
    n = X.shape[0]
    rng = np.random.default_rng(5)
    bm = BinMapper(categorical_features=is_cat).fit(X)
    Xb = bm.transform(X)
    k = 3
    Y = np.column_stack([y, -y + X[:, 0], rng.normal(size=n) + (X[:, 3] == 2)])
    w = rng.uniform(0.2, 2.0, (n, k)) if weighted else None
    leaves = np.empty((k, n), np.int32)
    trees = grow_trees(Xb, Y, w, bin_mapper=bm, max_depth=5, max_leaf_nodes=max_leaf_nodes, leaves=leaves,
                       n_threads=2)
    assert all(t.has_categorical for t in trees[:2])
    for c, t in enumerate(trees):
        # grow_tree gives the same tree; raw / binned predictions, apply, recorded leaves agree
        assert t == grow_tree(Xb, Y[:, c], None if w is None else w[:, c], bin_mapper=bm, max_depth=5,
                              max_leaf_nodes=max_leaf_nodes)
        pred = t.predict(X)
        np.testing.assert_array_equal(pred, t.predict_binned(Xb))
        leaf = t.apply(X)
        assert np.all(t.left[leaf] < 0)
        np.testing.assert_array_equal(leaf, leaves[c])
        np.testing.assert_array_equal(t.value[leaf], pred)
        np.testing.assert_array_equal([_walk(t, Xb[i])[-1] for i in range(0, n, 7)], leaf[::7])
    vals = leaf_value_table(trees)
    np.testing.assert_array_equal(vals[np.arange(k)[:, None], leaves].T,
                                  np.column_stack([t.predict(X) for t in trees]))
    # packed forests of several trees, with a numeric tree mixed in, any thread count and layout
    numeric = grow_tree(Xb, y, bin_mapper=bm, max_depth=2, features=[0, 1])
    assert not numeric.has_categorical
    forest = trees + [numeric]
    params = np.array([0, 1, 0, 1])
    weights = np.array([0.5, -1.0, 2.0, 0.25])
    init = np.array([1.0, -2.0])
    expected = np.tile(init, (n, 1))
    for t, p, wt in zip(forest, params, weights):
        expected[:, p] += wt * t.predict(X)
    pf = PackedForest(forest, params, weights, 2)
    assert pf.kind == kind and pf.has_categorical
    for n_threads in (1, 2):
        np.testing.assert_array_equal(predict_forest(X, pf, init=init, n_threads=n_threads), expected)
        np.testing.assert_array_equal(predict_forest_binned(Xb, forest, params, weights, 2, init=init,
                                                            n_threads=n_threads), expected)
        np.testing.assert_array_equal(predict_forest_binned(np.asfortranarray(Xb), pf, init=init), expected)
    # large input: chunked over threads, same bits
    Xl = np.tile(X, (20, 1))
    np.testing.assert_array_equal(predict_forest(Xl, pf, init=init, n_threads=2), np.tile(expected, (20, 1)))


def test_estimator_with_categorical_equals_fast_path_and_importances():
    X, y, is_cat = _mixed_data(2)
    est = HistTreeRegressor(max_depth=4, categorical_features=is_cat).fit(X, y)
    bm = BinMapper(categorical_features=is_cat).fit(X)
    assert est.tree_ == grow_tree(bm.transform(X), y, bin_mapper=bm, max_depth=4)
    imp = est.feature_importances_
    assert imp[2] > 0 and imp[3] > 0 and np.isclose(imp.sum(), 1.0)
    t = est.tree_
    split = t.left >= 0
    assert np.all(t.is_categorical[split] == is_cat[t.feature[split]])
    assert np.all(np.isnan(t.threshold[t.is_categorical]))
    assert np.all(t.cat_bitset[~t.is_categorical] == 0)


# --------------------------------------------------------------------------- (d) missing rule
@pytest.mark.parametrize("nan_at_fit", [False, True])
def test_missing_unseen_negative_non_integer_codes_follow_the_missing_route(nan_at_fit):
    rng = np.random.default_rng(7)
    n = 400
    c = rng.integers(0, 6, n).astype(float)
    x = rng.normal(size=n)
    y = np.array([0.0, 4.0, 1.0, 3.0, -2.0, 2.0])[c.astype(int)] + x + rng.normal(size=n) * 0.2
    if nan_at_fit:
        c[:40] = np.nan
        y[:40] += 5.0
    X = np.column_stack([c, x])
    est = HistTreeRegressor(max_depth=4, categorical_features=[0]).fit(X, y)
    t = est.tree_
    assert est.bin_mapper_.n_bins_non_missing_[0] == 6
    probe = np.array([np.nan, -1.0, -0.5, 2.5, 6.0, 7.0, 254.0, 255.0, 1e9, -1e300])
    Xp = np.column_stack([probe, np.zeros(probe.size)])
    pred, leaf = est.predict(Xp), est.apply(Xp)
    assert np.all(pred == pred[0]) and np.all(leaf == leaf[0])
    Xinf = np.array([[np.inf, 0.0], [-np.inf, 0.0]])  # the estimator rejects inf, the Tree takes it as missing
    np.testing.assert_array_equal(t.predict(Xinf), pred[:2])
    np.testing.assert_array_equal(t.apply(Xinf), leaf[:2])
    # the missing route: bit 255 of every categorical node (= missing_go_left)
    cat_nodes = np.flatnonzero(t.is_categorical)
    assert cat_nodes.size
    for nd in cat_nodes:
        assert (MISSING_BIN in _bits_to_set(t.cat_bitset[nd])) == t.missing_go_left[nd]
    # every node: a bin (or missing) without training rows in it goes to the heavier child
    Xb = est.bin_mapper_.transform(X)
    reach = {nd: set() for nd in cat_nodes}
    for i in range(n):
        for nd in _walk(t, Xb[i])[:-1]:
            if nd in reach:
                reach[nd].add(int(Xb[i, 0]))
    for nd in cat_nodes:
        heavier_left = t.weight[t.left[nd]] >= t.weight[t.right[nd]]
        bits = _bits_to_set(t.cat_bitset[nd])
        for b in list(range(6)) + [MISSING_BIN]:
            if b not in reach[nd]:
                assert (b in bits) == heavier_left
    # negative codes at fit are missing, the same tree as with NaN
    Xneg = X.copy()
    Xneg[np.isnan(Xneg[:, 0]), 0] = -3.0
    assert HistTreeRegressor(max_depth=4, categorical_features=[0]).fit(Xneg, y).tree_ == t


def test_dataframe_categories_unseen_and_unused():
    rng = np.random.default_rng(8)
    n = 300
    cats = ["d", "a", "c", "b", "zz"]  # "zz" is never used in fit
    codes = rng.integers(0, 4, n)
    df = pd.DataFrame({"x": rng.normal(size=n), "k": pd.Categorical(np.array(cats)[codes], categories=cats)})
    y = np.array([1.0, -1.0, 3.0, 0.0])[codes] + rng.normal(size=n) * 0.1
    est = HistTreeRegressor(max_depth=3).fit(df, y)
    assert est.is_categorical_.tolist() == [False, True]
    assert est.bin_mapper_.n_bins_non_missing_[1] == 5  # the fit categories, used or not
    assert est.tree_.has_categorical
    new = pd.DataFrame({"x": np.zeros(4), "k": pd.Categorical(["other", None, "a", "zz"])})
    as_codes = np.array([[0.0, np.nan], [0.0, np.nan], [0.0, 1.0], [0.0, 4.0]])
    np.testing.assert_array_equal(est.predict(new), est.tree_.predict(as_codes))
    # "zz" (a fit category without rows) goes to the heavier child at every categorical node
    t = est.tree_
    for nd in np.flatnonzero(t.is_categorical):
        assert (4 in _bits_to_set(t.cat_bitset[nd])) == (t.weight[t.left[nd]] >= t.weight[t.right[nd]])
    # the same fit from the codes with an explicit mask
    arr = np.column_stack([df["x"], codes.astype(float)])
    by_mask = HistTreeRegressor(max_depth=3, categorical_features=[False, True]).fit(arr, y)
    np.testing.assert_array_equal(by_mask.predict(arr), est.predict(df))


def test_binning_of_categorical_columns():
    rng = np.random.default_rng(9)
    X = np.column_stack([rng.normal(size=1000), rng.integers(0, 40, 1000).astype(float)])
    X[5, 1] = 77.0  # one row with the largest code: seen although not in the quantile subsample
    bm = BinMapper(subsample=100, random_state=0, categorical_features=np.array([False, True])).fit(X)
    assert bm.n_bins_non_missing_[1] == 78 and bm.bin_thresholds_[1].size == 0
    Xb = bm.transform(np.array([[0.0, 3.0], [0.0, 77.0], [0.0, np.nan], [0.0, -1.0], [0.0, 78.0], [0.0, 1.5]]))
    assert Xb[:, 1].tolist() == [3, 77, MISSING_BIN, MISSING_BIN, MISSING_BIN, MISSING_BIN]
    with pytest.raises(ValueError, match="integer codes"):
        BinMapper(categorical_features=np.array([False, True])).fit(np.array([[0.0, 1.5], [1.0, 2.0]]))
    with pytest.raises(ValueError, match="integer codes"):
        BinMapper(categorical_features=np.array([False, True])).fit(np.array([[0.0, np.inf], [1.0, 2.0]]))
    with pytest.raises(ValueError, match="categorical feature 1 must hold integer codes"):
        HistTreeRegressor(categorical_features=[1]).fit(np.array([[0.0, 0.5], [1.0, 2.0]]), [0.0, 1.0])


# --------------------------------------------------------------------------- (e) pickling
def test_categorical_tree_pickle_roundtrip():
    X, y, is_cat = _mixed_data(4)
    est = HistTreeRegressor(max_depth=5, categorical_features=is_cat, max_leaf_nodes=20).fit(X, y)
    twin = pickle.loads(pickle.dumps(est))
    assert twin.tree_ == est.tree_ and twin.tree_.has_categorical
    np.testing.assert_array_equal(twin.predict(X), est.predict(X))
    np.testing.assert_array_equal(twin.apply(X), est.apply(X))
    numeric = HistTreeRegressor(categorical_features=None).fit(X, y).tree_
    state = numeric.__getstate__()
    assert "cat_bitset" not in state and "is_categorical" not in state
    assert pickle.loads(pickle.dumps(numeric)) == numeric
    assert numeric != est.tree_


# --------------------------------------------------------------------------- (f) too many categories
def test_too_many_categories_raise():
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.normal(size=300), np.arange(300) % 255])
    HistTreeRegressor(categorical_features=[1]).fit(X, rng.normal(size=300))  # 255 categories: fine
    X[0, 1] = 255
    with pytest.raises(ValueError, match="categorical feature 1 has code 255"):
        HistTreeRegressor(categorical_features=[1]).fit(X, rng.normal(size=300))
    df = pd.DataFrame({"x": X[:, 0], "many": pd.Categorical([f"v{i}" for i in range(300)])})
    with pytest.raises(ValueError, match="'many' has 300 categories"):
        HistTreeRegressor().fit(df, rng.normal(size=300))
    with pytest.raises(ValueError, match="'many' has 300 categories"):
        ngb.NGBRegressor(n_estimators=2).fit(df, rng.normal(size=300))
    # without native splits the codes are ordered numbers, as before
    HistTreeRegressor(categorical_features=None).fit(df, rng.normal(size=300))


# --------------------------------------------------------------------------- (g) engine
def _shuffled_category_data(n, seed, K=20):
    rng = np.random.default_rng(seed)
    effect = np.random.default_rng(99).normal(size=K) * 1.5  # non-monotone in any code order
    names = np.array([f"level{i:02d}" for i in range(K)])
    codes = rng.integers(0, K, n)
    x = rng.normal(size=n)
    y = effect[codes] + 0.5 * x + rng.normal(size=n) * (0.4 + 0.3 * (codes % 3))
    order = np.random.default_rng(5).permutation(names)  # category codes unrelated to the levels
    return pd.DataFrame({"x": x, "cat": pd.Categorical(names[codes], categories=order)}), y


def test_engine_native_categorical_splits_beat_ordered_codes():
    df, y = _shuffled_category_data(3000, 1)
    dft, yt = _shuffled_category_data(3000, 2)
    # (written against the defaults before the study: 150 iterations at 0.01, depth-3 trees, no early stopping)
    native = ngb.NGBRegressor(random_state=0, **old_defaults(n_estimators=150)).fit(df, y)  # the tree's from_dtype
    ordered = ngb.NGBRegressor(random_state=0, **old_defaults(
        n_estimators=150, base=HistTreeRegressor(max_depth=3, min_samples_leaf=10, categorical_features=None))).fit(df, y)
    assert any(t.has_categorical for learners in native._estimators for t in learners)
    assert not any(t.has_categorical for learners in ordered._estimators for t in learners)
    nll_native = native.predict_dist(dft).score(yt).mean()
    nll_ordered = ordered.predict_dist(dft).score(yt).mean()
    assert nll_native < nll_ordered - 0.15, (nll_native, nll_ordered)
    restored = pickle.loads(pickle.dumps(native))
    np.testing.assert_array_equal(restored.predict_dist(dft).theta, native.predict_dist(dft).theta)
    np.testing.assert_array_equal(restored.predict(dft.copy()), native.predict(dft))
    # staged predictions (per-iteration path) end at the packed-forest prediction
    last = list(native.staged_predict(dft))[-1]
    np.testing.assert_allclose(last, native.predict(dft), rtol=1e-12, atol=1e-12)
    # an array input with explicit indices gives the same model as the DataFrame
    arr = np.column_stack([df["x"], df["cat"].cat.codes.astype(float)])
    by_index = ngb.NGBRegressor(random_state=0, **old_defaults(
        n_estimators=150, base=HistTreeRegressor(max_depth=3, min_samples_leaf=10, categorical_features=[1]))).fit(arr, y)
    arr_t = np.column_stack([dft["x"], dft["cat"].cat.codes.astype(float)])
    np.testing.assert_array_equal(by_index.predict(arr_t), native.predict(dft))


def test_engine_subsample_validation_and_sklearn_base_with_categories():
    df, y = _shuffled_category_data(1500, 3)
    model = ngb.NGBRegressor(n_estimators=30, subsample=0.7, colsample=1.0, random_state=0).fit(
        df, y, X_val=df.iloc[:200], y_val=y[:200])
    assert np.all(np.isfinite(model.predict(df)))
    assert any(t.has_categorical for learners in model._estimators for t in learners)
    # a scikit-learn base keeps using the ordered codes
    sk = ngb.NGBRegressor(base=DecisionTreeRegressor(max_depth=3), n_estimators=10, random_state=0).fit(df, y)
    assert np.all(np.isfinite(sk.predict(df)))


def test_engine_classifier_with_categories():
    df, y = _shuffled_category_data(1200, 4)
    yc = (y > np.median(y)).astype(int)
    clf = ngb.NGBClassifier(n_estimators=30, random_state=0).fit(df, yc)
    assert np.mean(clf.predict(df) == yc) > 0.7
    assert any(t.has_categorical for learners in clf._estimators for t in learners)


# --------------------------------------------------------------------------- (h) API
def test_categorical_features_api():
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.normal(size=200), rng.integers(0, 4, 200), rng.integers(0, 3, 200)]).astype(float)
    y = rng.normal(size=200)
    df = pd.DataFrame({"a": X[:, 0], "b": pd.Categorical(X[:, 1].astype(int)), "c": X[:, 2]})
    cases = [
        ("from_dtype", X, [False, False, False]),
        ("from_dtype", df, [False, True, False]),
        (None, df, [False, False, False]),
        ([False, True, True], X, [False, True, True]),
        (np.array([2]), X, [False, False, True]),
        ([1, 2], df, [False, True, True]),
        ([], X, [False, False, False]),
        (["c"], df, [False, False, True]),
        (np.array(["b", "c"]), df, [False, True, True]),
    ]
    for spec, data, expected in cases:
        est = HistTreeRegressor(categorical_features=spec).fit(data, y)
        assert est.is_categorical_.tolist() == expected
        assert est.tree_.has_categorical == bool(est.is_categorical_[est.tree_.feature[est.tree_.left >= 0]].any())
    est = HistTreeRegressor(categorical_features=[1], max_depth=2)
    assert est.get_params()["categorical_features"] == [1]
    assert clone(est).get_params() == est.get_params()
    assert HistTreeRegressor().get_params()["categorical_features"] == "from_dtype"
    for bad, match in [
        ("auto", "categorical_features must be"),
        ([True, False], "length 3"),
        ([3], r"indices must be in \[0, 3\)"),
        ([-1], r"indices must be in \[0, 3\)"),
        ([0.5], "categorical_features must be"),
        ([[1]], "1-d"),
    ]:
        with pytest.raises(ValueError, match=match):
            HistTreeRegressor(categorical_features=bad).fit(X, y)
    with pytest.raises(ValueError, match="categorical_features must be"):
        ngb.NGBRegressor(base=HistTreeRegressor(categorical_features="auto"), n_estimators=2).fit(X, y)
    # column names: only with a DataFrame, and only its columns
    with pytest.raises(ValueError, match="needs X as a DataFrame"):
        HistTreeRegressor(categorical_features=["c"]).fit(X, y)
    with pytest.raises(ValueError, match=r"names \['z'\] are not columns"):
        HistTreeRegressor(categorical_features=["c", "z"]).fit(df, y)
    # the engine resolves names against the DataFrame's columns: the same model as with indices
    by_name = ngb.NGBRegressor(base=HistTreeRegressor(categorical_features=["c"]), n_estimators=20,
                               random_state=0).fit(df, y)
    by_index = ngb.NGBRegressor(base=HistTreeRegressor(categorical_features=[2]), n_estimators=20,
                                random_state=0).fit(df, y)
    assert any(t.has_categorical for it in by_name._estimators for t in it)
    np.testing.assert_array_equal(by_name.predict(df), by_index.predict(df))
    with pytest.raises(ValueError, match="needs X as a DataFrame"):
        ngb.NGBRegressor(base=HistTreeRegressor(categorical_features=["c"]), n_estimators=2).fit(X, y)
