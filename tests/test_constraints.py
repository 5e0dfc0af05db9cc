"""Monotonic constraints: ngb's tree (``HistTreeRegressor(monotonic_cst=...)``, level-wise and
best-first, with missing values) and the estimators' per-parameter form
(``NGBRegressor(monotonic_cst={"loc": [...]})``), proven on fitted models by scanning random grids
of every constrained feature at random values of the others (missing ones included)."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.neighbors import KNeighborsRegressor
from sklearn.tree import DecisionTreeRegressor

import ngb
from ngb.tree import BinMapper, HistTreeRegressor, grow_tree, grow_trees


# --------------------------------------------------------------------------- helpers
def _data(seed, n=1200, p=5, nan_frac=0.05):
    """X (n, p) with NaN; a target whose mean is not monotone in x0 and x1 (so the constraints
    bind) and whose spread decreases in x0."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2, 2, size=(n, p))
    loc = 0.5 * X[:, 0] + np.sin(3 * X[:, 0]) - 0.5 * X[:, 1] + np.cos(3 * X[:, 1]) + 0.3 * X[:, 2]
    scale = np.exp(-0.6 * X[:, 0])
    y = loc + 0.3 * scale * rng.normal(size=n)
    X[rng.random((n, p)) < nan_frac] = np.nan
    return X, y


def _scan_rows(X, rng, n_rows):
    """Rows at which a feature is scanned: training rows (with their NaN) and rows of independent
    random values in each feature's range, 10% of them missing."""
    lo, hi = np.nanmin(X, axis=0), np.nanmax(X, axis=0)
    train = X[rng.choice(X.shape[0], n_rows // 2)]
    fresh = rng.uniform(lo - 0.5, hi + 0.5, size=(n_rows - n_rows // 2, X.shape[1]))
    fresh[rng.random(fresh.shape) < 0.1] = np.nan
    return np.vstack([train, fresh])


def _grid(X, f, rng, n_grid):
    """Sorted values of feature f: random ones across (beyond) its range, and training values."""
    col = X[:, f][~np.isnan(X[:, f])]
    lo, hi = col.min(), col.max()
    return np.unique(np.concatenate([rng.uniform(lo - 1, hi + 1, n_grid), rng.choice(col, n_grid)]))


def scan(predict, X, f, seed=0, n_rows=40, n_grid=60):
    """(n_rows, len(grid)) predictions along a random grid of feature f, row by row."""
    rng = np.random.default_rng(seed)
    rows = _scan_rows(X, rng, n_rows)
    grid = _grid(X, f, rng, n_grid)
    Z = np.repeat(rows, len(grid), axis=0)
    Z[:, f] = np.tile(grid, len(rows))
    return np.asarray(predict(Z)).reshape(len(rows), len(grid))


def assert_monotone(predict, X, cst, seed=0, **kw):
    """Every constrained feature f of ``cst`` (p,): predictions along its grids never move against
    the constraint (exactly: sums of monotone terms in one order are monotone in floating point)."""
    checked = 0
    for f in np.flatnonzero(cst):
        P = scan(predict, X, f, seed + f, **kw)
        d = np.diff(P, axis=1) * cst[f]
        assert (d >= 0).all(), f"feature {f} (constraint {cst[f]:+d}): {int((d < 0).sum())} steps against it, " \
                               f"the largest {float(-d.min()):.3g}"
        checked += 1
    assert checked


def violations(predict, X, f, sign, seed=0):
    """Number of steps along the grids of feature f that go against ``sign``."""
    return int((np.diff(scan(predict, X, f, seed), axis=1) * sign < 0).sum())


def _tree_leaf_range(tree, node):
    """(min, max) leaf value under a node."""
    stack, vals = [node], []
    while stack:
        nd = stack.pop()
        if tree.left[nd] < 0:
            vals.append(tree.value[nd])
        else:
            stack += [tree.left[nd], tree.right[nd]]
    return min(vals), max(vals)


def assert_ordered_splits(tree, cst):
    """Every split of a constrained feature has all its left leaves <= (>=) all its right leaves,
    wherever it sends the missing values."""
    n = 0
    for nd in np.flatnonzero(tree.left >= 0):
        c = cst[tree.feature[nd]]
        if c == 0:
            continue
        lo_l, hi_l = _tree_leaf_range(tree, tree.left[nd])
        lo_r, hi_r = _tree_leaf_range(tree, tree.right[nd])
        assert (hi_l <= lo_r) if c > 0 else (lo_l >= hi_r), nd
        n += 1
    return n


# --------------------------------------------------------------------------- the tree
GROWTH = [dict(max_depth=6, min_samples_leaf=5), dict(max_depth=None, max_leaf_nodes=40, min_samples_leaf=3),
          dict(max_depth=8, max_leaf_nodes=25, min_samples_leaf=1)]


@pytest.mark.parametrize("growth", GROWTH, ids=["level", "best_first", "best_first_d8"])
@pytest.mark.parametrize("weighted", [False, True])
def test_tree_monotone_on_grids(growth, weighted):
    X, y = _data(1)
    cst = np.array([1, -1, 0, 1, 0])
    w = np.random.default_rng(2).uniform(0.1, 3, len(y)) if weighted else None
    free = HistTreeRegressor(**growth).fit(X, y, sample_weight=w)
    assert violations(free.predict, X, 0, +1) > 0 and violations(free.predict, X, 1, -1) > 0  # the data needs them
    model = HistTreeRegressor(monotonic_cst=cst, **growth).fit(X, y, sample_weight=w)
    assert_monotone(model.predict, X, cst)
    assert assert_ordered_splits(model.tree_, cst) > 0  # constrained features are split on
    assert (model.tree_.left < 0).sum() > 8
    # constrained, the tree still fits: better than a constant, not far from the free tree
    r2 = lambda m: 1 - np.average((y - m.predict(X)) ** 2, weights=w) / np.average((y - np.average(y, weights=w)) ** 2, weights=w)  # noqa: E731
    assert r2(model) > 0.5 * r2(free) > 0


def test_tree_constraints_all_zero_is_the_free_tree():
    X, y = _data(3)
    for growth in GROWTH:
        a = HistTreeRegressor(**growth).fit(X, y).tree_
        b = HistTreeRegressor(monotonic_cst=np.zeros(X.shape[1], int), **growth).fit(X, y).tree_
        for name in ("feature", "threshold", "missing_go_left", "left", "value", "gain"):
            np.testing.assert_array_equal(getattr(a, name), getattr(b, name))


def test_tree_constraint_on_one_feature_leaves_a_tree_without_its_splits_unchanged():
    """A constraint on a feature that is never split on changes nothing (bounds stay infinite)."""
    rng = np.random.default_rng(4)
    X = rng.normal(size=(500, 3))
    y = np.sin(2 * X[:, 0]) + rng.normal(size=500) * 0.1
    X[:, 2] = 0.0  # constant: never split on
    a = HistTreeRegressor(max_depth=5).fit(X, y).tree_
    b = HistTreeRegressor(max_depth=5, monotonic_cst=[0, 0, 1]).fit(X, y).tree_
    np.testing.assert_array_equal(a.value, b.value)
    np.testing.assert_array_equal(a.threshold, b.threshold)


@pytest.mark.parametrize("sign", [1, -1])
def test_tree_missing_values_follow_the_split_order(sign):
    """scikit-learn's rule: the missing bin is routed by the gain, but every split of a constrained
    feature orders its children wherever NaN goes. Target increasing in x, NaN rows far below:
    unconstrained, the stump sends NaN alone to the right (``values | NaN``, right value below the
    left one); under +1 that split is invalid, NaN goes left with the small values; under -1 the
    ``values | NaN`` split is ordered and kept."""
    rng = np.random.default_rng(5)
    x = rng.uniform(0, 1, 400)
    y = x.copy()
    x[:60] = np.nan
    y[:60] = -10.0
    X = x[:, None]
    free = HistTreeRegressor(max_depth=1).fit(X, y).tree_
    assert free.threshold[0] == np.inf and not free.missing_go_left[0]  # values left, NaN right
    tree = HistTreeRegressor(max_depth=1, monotonic_cst=[sign]).fit(X, y).tree_
    assert tree.left[0] > 0
    left, right = tree.value[tree.left[0]], tree.value[tree.right[0]]
    assert (left <= right) if sign > 0 else (left >= right)
    if sign > 0:
        assert tree.missing_go_left[0] and np.isfinite(tree.threshold[0])
    else:
        assert tree.threshold[0] == np.inf and not tree.missing_go_left[0]
    # deeper trees: every split is ordered, and the grids (NaN in other features) are monotone
    X2 = np.column_stack([x, rng.normal(size=400)])
    X2[rng.random(400) < 0.1, 1] = np.nan
    for growth in GROWTH:
        model = HistTreeRegressor(monotonic_cst=[sign, 0], **growth).fit(X2, y + 0.5 * np.nan_to_num(X2[:, 1]))
        assert_ordered_splits(model.tree_, np.array([sign, 0]))
        assert_monotone(model.predict, X2, np.array([sign, 0]))


def test_tree_leaf_values_within_the_bounds_of_their_ancestors():
    """Below a split of a constrained feature at mid value m, the left leaves are <= m <= the right
    ones (+1): the bounds reach every descendant, not only the children."""
    X, y = _data(6, n=2000)
    cst = np.array([1, 0, 0, 0, 0])
    tree = HistTreeRegressor(max_depth=None, max_leaf_nodes=60, monotonic_cst=cst).fit(X, y).tree_
    assert assert_ordered_splits(tree, cst) >= 3


def test_grow_trees_per_tree_constraints_and_growth():
    X, y = _data(7)
    bm = BinMapper().fit(X)
    Xb = bm.transform(X)
    Y = np.column_stack([y, -y, y])
    csts = [np.array([1, 0, 0, 0, 0]), None, np.array([0, -1, 0, 0, 0])]
    trees = grow_trees(Xb, Y, bin_mapper=bm, max_depth=[5, 5, 2], min_samples_leaf=[5, 5, 1], monotonic_cst=csts)
    for c, tree in enumerate(trees):
        single = grow_tree(Xb, Y[:, c], bin_mapper=bm, max_depth=[5, 5, 2][c], min_samples_leaf=[5, 5, 1][c],
                           monotonic_cst=csts[c])
        np.testing.assert_array_equal(tree.value, single.value)
        np.testing.assert_array_equal(tree.threshold, single.threshold)
    assert trees[2].depth <= 2 and trees[0].depth == 5
    assert_monotone(trees[0].predict, X, csts[0])
    assert_monotone(trees[2].predict, X, csts[2])
    assert violations(trees[1].predict, X, 0, -1) > 0  # the unconstrained one is free
    # a (k, p) array is the same as the list
    arr = np.array([csts[0], np.zeros(5, int), csts[2]])
    again = grow_trees(Xb, Y, bin_mapper=bm, max_depth=[5, 5, 2], min_samples_leaf=[5, 5, 1], monotonic_cst=arr)
    for a, b in zip(trees, again):
        np.testing.assert_array_equal(a.value, b.value)


def test_tree_dict_by_feature_name():
    X, y = _data(8)
    df = pd.DataFrame(X, columns=list("abcde"))
    by_name = HistTreeRegressor(max_depth=5, monotonic_cst={"a": 1, "b": -1}).fit(df, y)
    by_array = HistTreeRegressor(max_depth=5, monotonic_cst=[1, -1, 0, 0, 0]).fit(X, y)
    np.testing.assert_array_equal(by_name.tree_.value, by_array.tree_.value)


@pytest.mark.parametrize("cst, match", [
    ([1, 0], "one value per feature"),
    ([1, 0, 0, 0, 2], "-1 .decreasing., 0 .no constraint. or \\+1"),
    ([0.5, 0, 0, 0, 0], "-1 .decreasing."),
    (["a", 0, 0, 0, 0], "must hold -1, 0 or \\+1"),
    ("increasing", "array of -1, 0 or \\+1"),
    ([[1, 0, 0, 0, 0]], "one value per feature"),
    ({"a": 1}, "needs X to be a DataFrame"),
    ([True, False, False, False, False], "must hold -1, 0 or \\+1"),
])
def test_tree_refuses_bad_constraints(cst, match):
    X, y = _data(9, n=200)
    with pytest.raises(ValueError, match=match):
        HistTreeRegressor(monotonic_cst=cst).fit(X, y)


def test_tree_refuses_constrained_categorical_and_unknown_names():
    rng = np.random.default_rng(10)
    df = pd.DataFrame({"x": rng.normal(size=300), "c": pd.Categorical(rng.choice(list("abc"), 300))})
    y = rng.normal(size=300)
    with pytest.raises(ValueError, match="categorical features cannot have monotonic constraints"):
        HistTreeRegressor(monotonic_cst={"c": 1}).fit(df, y)
    with pytest.raises(ValueError, match="not columns of X: \\['z'\\]"):
        HistTreeRegressor(monotonic_cst={"z": 1}).fit(df, y)
    with pytest.raises(ValueError, match="categorical"):
        HistTreeRegressor(monotonic_cst=[0, 1], categorical_features=[1]).fit(df.assign(c=df.c.cat.codes), y)
    bm = BinMapper(categorical_features=np.array([False, True])).fit(np.column_stack([df.x, df.c.cat.codes]))
    with pytest.raises(ValueError, match="categorical"):
        grow_tree(bm.transform(np.column_stack([df.x, df.c.cat.codes])), y, bin_mapper=bm, monotonic_cst=[0, -1])
    # the numeric column of a frame with a categorical one can be constrained
    model = HistTreeRegressor(max_depth=4, monotonic_cst={"x": 1}).fit(df, df.x.to_numpy() ** 2)
    grid = df.iloc[:1].loc[[0] * 50].assign(x=np.linspace(-3, 3, 50))
    assert (np.diff(model.predict(grid)) >= 0).all()


def test_find_best_split_bounded_clips_and_orders():
    """The bounded search on one feature of 4 bins (10 rows each, means 3, -1, 1, 2; mu = 0):
    free, bin 0 | 1..3 is best (left 3 > right 2/3); under +1 it is out of order and 0..2 | 3
    (1 <= 2) wins; under -1 only bin 0 | 1..3 is ordered; bounds [0.5, 1.2] clip the children (and
    the node) and shrink the gains, as 2 v G - W v^2 at the clipped values says."""
    from ngb.tree._splitting import find_best_split_py as find

    hist = np.zeros((1, 256), dtype=np.complex128)
    G = np.array([30.0, -10.0, 10.0, 20.0])
    hist[0, :4] = G + 10j
    args = (hist, np.zeros((1, 1), np.int32), False, [0], [4], [False], G.sum(), 40.0, 40.0, 1, 0.0, 1e-12, 0.0,
            np.zeros(8, np.uint32))
    parent = 50.0 ** 2 / 40
    free = find(*args)
    assert free[:2] == (0, 0) and free[3] == pytest.approx(90 + 400 / 30 - parent)
    up = find(*args, monotonic_cst=[1])
    assert up[:2] == (0, 2) and up[3] == pytest.approx(30 + 40 - parent)
    down = find(*args, monotonic_cst=[-1])
    assert down[:2] == (0, 0) and down[3] == free[3]
    assert find(*args, monotonic_cst=[0]) == free  # no bounds, no constraint: the free search exactly

    term = lambda g, w, v: 2 * v * g - w * v * v  # noqa: E731
    parent_c = term(50, 40, 1.2)  # the node's own value 1.25 is clipped too
    clipped = find(*args, monotonic_cst=[0], lower=0.5, upper=1.2)
    assert clipped[:2] == (0, 0) and clipped[3] == pytest.approx(term(30, 10, 1.2) + 400 / 30 - parent_c)
    both = find(*args, monotonic_cst=[1], lower=0.5, upper=1.2)
    assert both[:2] == (0, 2) and both[3] == pytest.approx(30 + term(20, 10, 1.2) - parent_c)
    # a constraint whose only ordered splits do not improve: no split
    flat = hist.copy()
    flat[0, :4] = np.array([20.0, -20.0, 20.0, -20.0]) + 10j
    assert find(flat, *args[1:6], 0.0, *args[7:], monotonic_cst=[1])[0] == -1
    assert find(flat, *args[1:6], 0.0, *args[7:])[0] == 0


# --------------------------------------------------------------------------- the estimators
def _theta(model, X):
    """The fitted model's internal parameters (n, k) on X (array input)."""
    return model._raw_predict(np.asarray(X, dtype=float))


KW = dict(n_estimators=80, learning_rate=0.1, random_state=0)


def _assert_param_monotone(model, X, j, cst, public=None):
    assert_monotone(lambda Z: _theta(model, Z)[:, j], X, cst)
    if public is not None:
        assert_monotone(lambda Z: public(model.predict_dist(Z)), X, cst)


BASES = [None, HistTreeRegressor(max_depth=None, max_leaf_nodes=20, min_samples_leaf=5)]


@pytest.mark.parametrize("base", BASES, ids=["level", "best_first"])
def test_normal_location_constraint_and_its_sign(base):
    X, y = _data(11)
    cst = np.array([1, -1, 0, 0, 0])
    free = ngb.NGBRegressor(base=base, **KW).fit(X, y)
    loc = lambda Z: _theta(free, Z)[:, 0]  # noqa: E731
    assert violations(loc, X, 0, +1) > 0 and violations(loc, X, 1, -1) > 0  # the free fit breaks both
    model = ngb.NGBRegressor(base=base, monotonic_cst={"loc": cst}, **KW).fit(X, y)
    _assert_param_monotone(model, X, 0, cst, public=lambda d: d.params["loc"])
    assert_monotone(model.predict, X, cst)  # the predicted mean
    # the opposite constraint gives the opposite order (the sign of the subtracted trees)
    down = ngb.NGBRegressor(base=base, monotonic_cst={"loc": -cst}, **KW).fit(X, y)
    _assert_param_monotone(down, X, 0, -cst)


@pytest.mark.parametrize("base", BASES, ids=["level", "best_first"])
def test_normal_location_constraint_leaves_the_scale_free(base):
    """The mean increases in x0, the spread decreases in it: with loc constrained +1 in x0 the
    fitted scale still decreases in x0 (a constraint that leaked to the scale trees would forbid it)."""
    rng = np.random.default_rng(24)
    X = rng.uniform(-2, 2, size=(1500, 3))
    X[rng.random(X.shape) < 0.05] = np.nan
    x0 = np.nan_to_num(X[:, 0])
    y = x0 + np.exp(-0.8 * x0) * rng.normal(size=1500)
    cst = np.array([1, 0, 0])
    model = ngb.NGBRegressor(base=base, monotonic_cst={"loc": cst}, **KW).fit(X, y)
    _assert_param_monotone(model, X, 0, cst)
    ok = ~np.isnan(X[:, 0])
    log_scale = _theta(model, X)[:, 1]
    assert np.corrcoef(X[ok, 0], log_scale[ok])[0, 1] < -0.8
    assert violations(lambda Z: _theta(model, Z)[:, 1], X, 0, +1) > 0


def test_scale_constraint_and_its_public_name():
    X, y = _data(12)
    cst = np.array([1, 0, 0, 0, 0])  # the spread decreases in x0: the constraint binds
    model = ngb.NGBRegressor(monotonic_cst={"scale": cst}, **KW).fit(X, y)
    _assert_param_monotone(model, X, 1, cst, public=lambda d: d.params["scale"])
    internal = ngb.NGBRegressor(monotonic_cst={"log_scale": cst}, **KW).fit(X, y)
    array = ngb.NGBRegressor(monotonic_cst=np.array([np.zeros(5, int), cst]), **KW).fit(X, y)
    for other in (internal, array):
        np.testing.assert_array_equal(_theta(model, X), _theta(other, X))
    free = ngb.NGBRegressor(**KW).fit(X, y)
    assert violations(lambda Z: _theta(free, Z)[:, 1], X, 0, +1) > 0


@pytest.mark.parametrize("shift, factor", [(0.0, 1.0), (5e4, 1e3), (-3.0, 1e-3)])
def test_constraint_in_target_units(shift, factor):
    """The fit runs in standardised units and maps trees back by a positive factor: the order holds
    at any scale of y."""
    X, y = _data(13, n=800)
    cst = np.array([1, -1, 0, 0, 0])
    model = ngb.NGBRegressor(monotonic_cst={"loc": cst}, **KW).fit(X, shift + factor * y)
    _assert_param_monotone(model, X, 0, cst, public=lambda d: d.params["loc"])


@pytest.mark.parametrize("options", [dict(metric_weighted=True), dict(natural_gradient=False),
                                     dict(subsample=0.6, colsample=0.6), dict(score="crps"),
                                     dict(early_stopping=True, n_iter_no_change=5)],
                         ids=["metric_weighted", "plain_gradient", "subsample", "crps", "early_stopping"])
def test_normal_constraint_with_fit_options(options):
    X, y = _data(14, n=900)
    cst = np.array([1, -1, 0, 0, 0])
    model = ngb.NGBRegressor(monotonic_cst={"loc": cst, "scale": [0, 0, 0, 1, 0]}, **{**KW, **options}).fit(X, y)
    _assert_param_monotone(model, X, 0, cst)
    _assert_param_monotone(model, X, 1, np.array([0, 0, 0, 1, 0]))


def test_poisson_rate_with_offset_metric_weighted():
    rng = np.random.default_rng(15)
    X = rng.uniform(-2, 2, size=(1500, 3))
    X[rng.random(X.shape) < 0.05] = np.nan
    x0 = np.nan_to_num(X[:, 0])
    rate = np.exp(0.3 * x0 + 0.6 * np.sin(3 * x0))
    offset = rng.normal(0, 0.3, 1500)
    counts = rng.poisson(rate * np.exp(offset)).astype(float)
    cst = np.array([1, 0, 0])
    free = ngb.NGBRegressor(dist="poisson", **KW).fit(X, counts, offset=offset)
    assert violations(lambda Z: _theta(free, Z)[:, 0], X, 0, +1) > 0
    model = ngb.NGBRegressor(dist="poisson", monotonic_cst={"mu": cst}, **KW).fit(X, counts, offset=offset)
    _assert_param_monotone(model, X, 0, cst, public=lambda d: d.params["mu"])


def test_classifier_logit_constraint():
    rng = np.random.default_rng(16)
    X = rng.uniform(-2, 2, size=(1200, 3))
    logits = np.column_stack([np.zeros(1200), np.sin(3 * X[:, 0]) + X[:, 0], X[:, 1]])
    p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    labels = np.array(["a", "b", "c"])[(rng.random(1200)[:, None] > p.cumsum(1)).sum(1)]
    cst = np.array([1, 0, 0])
    model = ngb.NGBClassifier(monotonic_cst={"logit_1": cst}, **KW).fit(X, labels)  # logits 0, 1, 2
    _assert_param_monotone(model, X, 1, cst)
    free = ngb.NGBClassifier(**KW).fit(X, labels)
    assert violations(lambda Z: _theta(free, Z)[:, 1], X, 0, +1) > 0


def test_survival_constraint():
    from ngb.survival import make_y

    rng = np.random.default_rng(17)
    X = rng.uniform(-2, 2, size=(900, 2))
    t = np.exp(0.5 * X[:, 0] + np.sin(3 * X[:, 0]) + 0.3 * rng.normal(size=900))
    event = rng.random(900) < 0.7
    cst = np.array([1, 0])
    model = ngb.NGBSurvival(dist="lognormal", monotonic_cst={"mu": cst}, **KW).fit(X, make_y(t, event))
    _assert_param_monotone(model, X, 0, cst)
    assert_monotone(model.predict_median, X, cst)


def test_categorical_frame_numeric_constraint_and_refused_category():
    rng = np.random.default_rng(18)
    df = pd.DataFrame({"x": rng.uniform(-2, 2, 800), "c": pd.Categorical(rng.choice(list("abcd"), 800))})
    y = np.sin(3 * df.x) + df.x + df.c.cat.codes + 0.2 * rng.normal(size=800)
    model = ngb.NGBRegressor(monotonic_cst={"loc": {"x": 1}}, **KW).fit(df, y)
    grid = pd.DataFrame({"x": np.linspace(-3, 3, 80), "c": pd.Categorical(["b"] * 80, categories=list("abcd"))})
    assert (np.diff(model.predict(grid)) >= 0).all()
    assert model._forest is not None  # the fast path (native categorical splits)
    with pytest.raises(ValueError, match="parameter 'loc' in feature 1 \\('c'\\), which is categorical"):
        ngb.NGBRegressor(monotonic_cst={"loc": {"c": 1}}, **KW).fit(df, y)


def test_zero_constraints_are_bit_identical_to_none():
    X, y = _data(19, n=600)
    ref = ngb.NGBRegressor(**KW).fit(X, y)
    for cst in ({"loc": np.zeros(5, int)}, np.zeros((2, 5), int), {}):
        other = ngb.NGBRegressor(monotonic_cst=cst, **KW).fit(X, y)
        np.testing.assert_array_equal(_theta(ref, X), _theta(other, X))


def test_generic_backend_passes_constraints_to_the_base():
    X, y = _data(20, n=800, nan_frac=0.0)
    cst = np.array([1, -1, 0, 0, 0])
    base = DecisionTreeRegressor(max_depth=4, min_samples_leaf=5)
    model = ngb.NGBRegressor(base=base, monotonic_cst={"loc": cst}, colsample=0.8, **KW).fit(X, y)
    _assert_param_monotone(model, X, 0, cst)
    free = ngb.NGBRegressor(base=base, **KW).fit(X, y)
    assert violations(lambda Z: _theta(free, Z)[:, 0], X, 0, +1) > 0
    assert base.monotonic_cst is None  # the user's base is not changed
    with pytest.raises(ValueError, match="KNeighborsRegressor has no monotonic_cst parameter"):
        ngb.NGBRegressor(base=KNeighborsRegressor(), monotonic_cst={"loc": cst}, **KW).fit(X, y)
    # an unconstrained parameter may use any learner
    ngb.NGBRegressor(base=[DecisionTreeRegressor(max_depth=2), KNeighborsRegressor()], monotonic_cst={"loc": cst},
                     n_estimators=3).fit(X, y)


@pytest.mark.parametrize("cst, match", [
    ({"mean": [1, 0, 0, 0, 0]}, "does not have; Normal has 2 parameters: loc, log_scale \\(or scale\\)"),
    ({"scale": [1, 0, 0, 0, 0], "log_scale": [1, 0, 0, 0, 0]}, "names the parameter 'log_scale' twice"),
    ([1, 0, 0, 0, 0], "dict by parameter name or an array of shape \\(k, p\\) = \\(2, 5\\)"),
    (np.zeros((3, 5)), "of shape \\(3, 5\\)"),
    (np.zeros((2, 4)), "of shape \\(2, 4\\)"),
    ([[1, 0], [0, 0, 0, 0, 0]], "dict by parameter name or an array"),
    ({"loc": [1, 0, 0, 0, 3]}, "monotonic_cst\\['loc'\\] must hold -1 .decreasing."),
    ({"loc": [1, 0]}, "monotonic_cst\\['loc'\\] must have one value per feature"),
    ({"loc": {"x0": 1}}, "needs X to be a DataFrame"),
    (np.array([[0, 0, 0, 0, 0], [0, 2, 0, 0, 0]]), "parameter 'log_scale'.*must hold -1"),
    ("loc", "dict by parameter name or an array"),
])
def test_estimator_refuses_bad_constraints(cst, match):
    X, y = _data(21, n=200)
    model = ngb.NGBRegressor(monotonic_cst=cst, n_estimators=2)
    with pytest.raises(ValueError, match=match):
        model.fit(X, y)
    assert not hasattr(model, "n_iter_")


def test_base_with_its_own_constraint_is_refused():
    X, y = _data(22, n=200)
    with pytest.raises(ValueError, match="has its own monotonic_cst.*opposite sign"):
        ngb.NGBRegressor(base=HistTreeRegressor(monotonic_cst=[1, 0, 0, 0, 0]), n_estimators=2).fit(X, y)
    with pytest.raises(ValueError, match="has its own monotonic_cst"):
        ngb.NGBRegressor(base=[None, DecisionTreeRegressor(monotonic_cst=[1, 0, 0, 0, 0])], n_estimators=2).fit(X, y)


def test_estimator_constraints_survive_clone_and_pickle():
    import pickle

    X, y = _data(23, n=500)
    model = ngb.NGBRegressor(monotonic_cst={"loc": [1, 0, 0, 0, 0]}, **KW)
    assert clone(model).get_params()["monotonic_cst"] == {"loc": [1, 0, 0, 0, 0]}
    fitted = pickle.loads(pickle.dumps(clone(model).fit(X, y)))
    _assert_param_monotone(fitted, X, 0, np.array([1, 0, 0, 0, 0]))


# --------------------------------------------------------------------------- numeric, missing and categorical together
def _mixed_frame(seed, n=1500):
    """A frame of three numeric columns (5% NaN each) and a native category column (some NaN); the
    mean is not monotone in x0 nor x1 and depends on the category, the spread grows in x2 but
    wiggles (so every constraint below binds)."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2, 2, size=(n, 3))
    cats = rng.choice(list("abcde"), n).astype(object)
    cats[rng.random(n) < 0.05] = None
    X[rng.random(X.shape) < 0.05] = np.nan
    df = pd.DataFrame(X, columns=["x0", "x1", "x2"])
    df["c"] = pd.Categorical(cats, categories=list("abcde"))
    Z = np.nan_to_num(X)
    code = df.c.cat.codes.to_numpy()
    loc = Z[:, 0] + np.sin(3 * Z[:, 0]) - Z[:, 1] + np.cos(3 * Z[:, 1]) + 0.7 * np.where(code >= 0, code, 2)
    scale = np.exp(0.4 * Z[:, 2] + 0.4 * np.sin(4 * Z[:, 2]))
    return df, loc + scale * rng.normal(size=n)


def _frame_scan(predict, df, f, seed, n_rows=40, n_grid=50):
    """(n_rows, n_grid) predictions along a random grid of the numeric column f of frame rows:
    training rows (their NaN and categories, NaN category included) and rows of random values
    and random categories, the other numeric columns missing 10% of the time."""
    rng = np.random.default_rng(seed)
    rows = df.iloc[rng.choice(len(df), n_rows // 2)].reset_index(drop=True)
    fresh = pd.DataFrame(rng.uniform(-2.5, 2.5, size=(n_rows - n_rows // 2, 3)), columns=["x0", "x1", "x2"])
    fresh = fresh.mask(rng.random(fresh.shape) < 0.1)
    fresh["c"] = pd.Categorical(rng.choice(list("abcde"), len(fresh)), categories=list("abcde"))
    rows = pd.concat([rows, fresh], ignore_index=True)
    col = df[f].dropna().to_numpy()
    grid = np.unique(np.concatenate([rng.uniform(col.min() - 1, col.max() + 1, n_grid // 2),
                                     rng.choice(col, n_grid - n_grid // 2)]))
    Z = rows.loc[np.repeat(np.arange(len(rows)), len(grid))].reset_index(drop=True)
    Z[f] = np.tile(grid, len(rows))
    return np.asarray(predict(Z)).reshape(len(rows), len(grid))


def _frame_violations(predict, df, f, sign, seed=0):
    return int((np.diff(_frame_scan(predict, df, f, seed), axis=1) * sign < 0).sum())


@pytest.mark.parametrize("base", BASES, ids=["level", "best_first"])
def test_mixed_frame_per_parameter_constraints(base):
    """Numeric columns with NaN and a native category column (with NaN): loc +1 in x0 and -1 in x1,
    the scale +1 in x2; each internal parameter, the user-facing loc and scale and the mean are
    monotone along random grids of each constrained column at rows of every category, and the free
    fit is not. The categorical splits stay (the fast path, native categories)."""
    df, y = _mixed_frame(30)
    cst = {"loc": {"x0": 1, "x1": -1}, "scale": {"x2": 1}}
    model = ngb.NGBRegressor(base=base, monotonic_cst=cst, **KW).fit(df, y)
    free = ngb.NGBRegressor(base=base, **KW).fit(df, y)
    assert model._forest is not None
    cat_splits = [t for learners in model._estimators for t in learners
                  if t.is_categorical is not None and t.is_categorical.any()]
    assert cat_splits  # the category column is still split on

    def theta(m, j):
        return lambda Z: m._raw_predict(m._validate_X(Z, reset=False))[:, j]

    checks = [(0, "x0", +1), (0, "x1", -1), (1, "x2", +1)]
    for j, f, sign in checks:
        assert _frame_violations(theta(free, j), df, f, sign) > 0, (j, f)
        assert _frame_violations(theta(model, j), df, f, sign) == 0, (j, f)
    for f, sign in (("x0", 1), ("x1", -1)):
        assert _frame_violations(lambda Z: model.predict_dist(Z).params["loc"], df, f, sign) == 0
        assert _frame_violations(model.predict, df, f, sign) == 0
    assert _frame_violations(lambda Z: model.predict_dist(Z).params["scale"], df, "x2", 1) == 0
    # a constraint on the location does not constrain the scale (x0 is free there)
    assert _frame_violations(theta(model, 1), df, "x0", 1) > 0 or _frame_violations(theta(model, 1), df, "x0", -1) > 0


@pytest.mark.parametrize("growth", GROWTH[:2], ids=["level", "best_first"])
def test_tree_on_mixed_frame(growth):
    """HistTreeRegressor(monotonic_cst=...) in scikit-learn's convention, an array or a dict by
    column name, on a frame with NaN and a native category column."""
    df, y = _mixed_frame(31)
    by_name = HistTreeRegressor(monotonic_cst={"x0": 1, "x1": -1}, **growth).fit(df, y)
    by_array = HistTreeRegressor(monotonic_cst=[1, -1, 0, 0], **growth).fit(df, y)
    np.testing.assert_array_equal(by_name.tree_.value, by_array.tree_.value)
    assert by_name.tree_.is_categorical is not None and by_name.tree_.is_categorical.any()
    free = HistTreeRegressor(**growth).fit(df, y)
    for f, sign in (("x0", 1), ("x1", -1)):
        assert _frame_violations(free.predict, df, f, sign) > 0
        assert _frame_violations(by_name.predict, df, f, sign) == 0
    with pytest.raises(ValueError, match="categorical features cannot have monotonic constraints"):
        HistTreeRegressor(monotonic_cst=[0, 0, 0, 1], **growth).fit(df, y)


def test_histgradientboosting_base_gets_the_constraints():
    """A scikit-learn HistGradientBoostingRegressor base (NaN handled natively) receives each
    constrained parameter's row: the location is monotone along the grids, the free fit is not.
    Its prediction is a sum of trees, so the order holds up to rounding (1e-12)."""
    from sklearn.ensemble import HistGradientBoostingRegressor

    X, y = _data(32, n=800)
    cst = np.array([1, -1, 0, 0, 0])
    base = HistGradientBoostingRegressor(max_iter=5, max_depth=3)
    kw = dict(n_estimators=20, learning_rate=0.2, random_state=0)
    model = ngb.NGBRegressor(base=base, monotonic_cst={"loc": cst}, **kw).fit(X, y)
    free = ngb.NGBRegressor(base=base, **kw).fit(X, y)
    for f in (0, 1):
        steps = lambda m: np.diff(scan(lambda Z: _theta(m, Z)[:, 0], X, f, seed=f), axis=1) * cst[f]  # noqa: E731
        assert steps(model).min() >= -1e-12
        assert steps(free).min() < -1e-6
