"""The metric-weighted fit (``metric_weighted=True``; "auto", the default, for count and class
families): each parameter's learner is fitted on d_score_j / I_jj with weights I_jj (the diagonal
of the score's metric), so a least-squares leaf holds the Newton step -sum(d_score_j) / sum(I_jj)
of its rows. The fused kernels' diagonal output is tested with the other fused-kernel tests in
test_distributions.py."""

from __future__ import annotations

import zlib

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.tree import DecisionTreeRegressor

import ngb
from families import CASES
from ngb.tree import BinMapper, grow_tree, grow_trees

SCORE_CASES = [(name, score) for name in sorted(CASES) for score in CASES[name].scores]


def _rng(*key):
    return np.random.default_rng(zlib.crc32(repr(key).encode()))


@pytest.mark.parametrize("name,score", SCORE_CASES)
def test_metric_diagonal_is_the_diagonal_of_the_metric(name, score):
    case = CASES[name]
    d = case.make(_rng("diag", name, score), 40)
    diag = d.metric_diagonal(score)
    assert diag.shape == (40, d.n_params)
    np.testing.assert_allclose(diag, np.einsum("ijj->ij", d.metric(score)), rtol=1e-12, atol=0)
    assert np.all(diag > 0)


def test_poisson_leaves_hold_the_newton_step():
    """One iteration on a Poisson with offsets (so the rows have different rates): every leaf of the
    log-rate tree equals sum(w (mu - y)) / sum(w mu) over its rows, what an exact tree fitted with
    weights w mu on 1 - y / mu gives; the unweighted fit gives the mean of 1 - y / mu instead."""
    rng = np.random.default_rng(0)
    n = 400
    X = rng.normal(size=(n, 2))
    offset = rng.normal(scale=1.0, size=n)
    y = rng.poisson(np.exp(0.2 + 0.8 * (X[:, 0] > 0) + offset))
    w = rng.uniform(0.5, 2.0, n)
    common = dict(dist="poisson", n_estimators=1, learning_rate=1.0, early_stopping=False,
                  base=DecisionTreeRegressor(max_depth=2, random_state=0))
    for weighted in (True, False):
        model = ngb.NGBRegressor(metric_weighted=weighted, **common).fit(X, y, sample_weight=w, offset=offset)
        tree = model._estimators[0][0]
        mu = np.exp(model.init_params_[0] + offset)
        leaves = tree.apply(X)
        for leaf in np.unique(leaves):
            rows = leaves == leaf
            if weighted:
                expected = np.sum(w[rows] * (mu[rows] - y[rows])) / np.sum(w[rows] * mu[rows])
            else:
                expected = np.average(1 - y[rows] / mu[rows], weights=w[rows])
            assert tree.tree_.value[leaf, 0, 0] == pytest.approx(expected, rel=1e-9)


def test_normal_mean_tree_weights_rows_by_inverse_variance():
    """After one iteration the rows have different scales; the mean tree of the second iteration is
    fitted on (mu - y) with weights 1 / sigma^2, the scale tree without weights."""
    rng = np.random.default_rng(1)
    n = 500
    X = rng.uniform(-1, 1, size=(n, 2))
    y = X[:, 0] + rng.normal(size=n) * np.exp(X[:, 1])
    model = ngb.NGBRegressor(n_estimators=2, learning_rate=0.5, early_stopping=False, metric_weighted=True,
                             base=DecisionTreeRegressor(max_depth=2, random_state=0)).fit(X, y)
    # the trees are fitted in the target's standardised units y' = (y - c) / s (ngb/_units.py): there
    # the mean tree's leaves hold the weighted mean of (mu - y) / s, the unitless scale tree is as is
    weights1 = model._tree_weights()[0]
    theta1 = model.init_params_ + weights1 * np.column_stack([t.predict(X) for t in model._estimators[0]])
    loc, scale = theta1[:, 0], np.exp(theta1[:, 1])
    mean_tree, scale_tree = model._estimators[1]
    leaves = mean_tree.apply(X)
    for leaf in np.unique(leaves):
        rows = leaves == leaf
        expected = np.sum((loc[rows] - y[rows]) / scale[rows] ** 2) / np.sum(scale[rows] ** -2.0) / model._units.s
        assert mean_tree.tree_.value[leaf, 0, 0] == pytest.approx(expected, rel=1e-9)
    leaves = scale_tree.apply(X)
    z2 = ((y - loc) / scale) ** 2
    for leaf in np.unique(leaves):
        rows = leaves == leaf
        assert scale_tree.tree_.value[leaf, 0, 0] == pytest.approx(np.mean(0.5 * (1 - z2[rows])), rel=1e-9)


def test_multiclass_fit_keeps_descending():
    """The unweighted natural-gradient fit can stall on many classes (no improving step, the same
    tree again every iteration); the metric-weighted leaves are descent steps and keep going."""
    X, y = load_digits(return_X_y=True)
    model = ngb.NGBClassifier(n_estimators=60, learning_rate=0.05, early_stopping=False, random_state=0)
    model.fit(X[:1000], y[:1000])
    assert np.all(model.scalings_ > 0)
    assert np.all(np.diff(model.train_score_) < 0)
    assert (model.predict(X[1000:]) == y[1000:]).mean() > 0.85


def test_grow_trees_with_one_weight_column_per_tree():
    rng = np.random.default_rng(2)
    n = 3000
    X = rng.normal(size=(n, 4))
    X[rng.random(size=(n, 4)) < 0.05] = np.nan
    Y = np.column_stack([X[:, 0] > 0, np.nan_to_num(X[:, 1]) ** 2, rng.normal(size=n)]).astype(float)
    W = rng.uniform(0, 3, size=(n, 3))
    mapper = BinMapper().fit(X)
    Xb = mapper.transform(X)
    rows = np.sort(rng.choice(n, 2000, replace=False))
    for weights in (W, [W[:, 0], None, W[:, 2]]):
        trees = grow_trees(Xb, Y, weights, rows, bin_mapper=mapper, max_depth=3, min_samples_leaf=5, n_threads=2)
        for c, tree in enumerate(trees):
            wc = weights[:, c] if isinstance(weights, np.ndarray) else weights[c]
            alone = grow_tree(Xb, Y[:, c], wc, rows, bin_mapper=mapper, max_depth=3, min_samples_leaf=5)
            np.testing.assert_array_equal(tree.predict(X), alone.predict(X))
    with pytest.raises(ValueError, match="columns"):
        grow_trees(Xb, Y, [W[:, 0]], bin_mapper=mapper)


def test_unweighted_option_is_the_plain_natural_gradient_fit():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(300, 2))
    y = X[:, 0] + rng.normal(size=300)
    base = DecisionTreeRegressor(max_depth=2, random_state=0)
    model = ngb.NGBRegressor(n_estimators=3, learning_rate=0.5, early_stopping=False, metric_weighted=False, base=base).fit(X, y)
    d0 = ngb.Normal.from_internal(np.tile(model.init_params_, (300, 1)))
    # fitted in the target's standardised units (ngb/_units.py): the mean's natural gradient / s
    np.testing.assert_allclose(
        model._estimators[0][0].predict(X),
        DecisionTreeRegressor(max_depth=2, random_state=0).fit(X, d0.natural_gradient(y)[:, 0] / model._units.s).predict(X),
    )


def test_auto_weights_count_and_class_families_only():
    from ngb._defaults import uses_metric_weights

    assert uses_metric_weights("auto", ngb.Poisson) and uses_metric_weights("auto", ngb.Categorical)
    assert uses_metric_weights("auto", ngb.distributions.get_distribution("negative_binomial"))
    assert not uses_metric_weights("auto", ngb.Normal) and not uses_metric_weights("auto", ngb.LogNormal)
    assert uses_metric_weights(True, ngb.Normal) and not uses_metric_weights(False, ngb.Poisson)
    rng = np.random.default_rng(4)
    X = rng.uniform(-1, 1, size=(300, 2))
    y = X[:, 0] + rng.normal(size=300)
    base = DecisionTreeRegressor(max_depth=2, random_state=0)
    fits = {mw: ngb.NGBRegressor(n_estimators=3, learning_rate=0.5, early_stopping=False, metric_weighted=mw, base=base,
                                 random_state=0).fit(X, y)
            for mw in ("auto", False)}
    np.testing.assert_array_equal(fits["auto"].predict(X), fits[False].predict(X))


def test_min_weight_leaf_bounds_the_information_of_every_leaf():
    """``HistTreeRegressor(min_weight_leaf=c)``: every leaf holds a sum of weights >= c, in the
    public estimator and in the engine's fast path (where the weights are w * Fisher diagonal)."""
    rng = np.random.default_rng(5)
    n = 3000
    X = rng.normal(size=(n, 3))
    offset = np.log(rng.uniform(0.05, 1.0, n))
    y = rng.poisson(np.exp(-2.0 + X[:, 0] + offset))
    w = rng.uniform(0.5, 2.0, n)
    tree = ngb.HistTreeRegressor(max_depth=4, min_weight_leaf=40.0).fit(X, rng.normal(size=n), sample_weight=w)
    leaves = tree.tree_.left < 0
    assert np.all(tree.tree_.weight[leaves] >= 40.0)
    assert np.sum(leaves) > 4
    base = ngb.HistTreeRegressor(max_depth=4, min_weight_leaf=3.0)
    model = ngb.NGBRegressor(dist="poisson", base=base, n_estimators=5, learning_rate=0.5, early_stopping=False)
    model.fit(X, y, offset=offset)
    for (est,) in model._estimators:
        assert np.all(est.weight[est.left < 0] >= 3.0)
    unconstrained = ngb.NGBRegressor(dist="poisson", base=ngb.HistTreeRegressor(max_depth=4), n_estimators=1,
                                     learning_rate=0.5, early_stopping=False).fit(X, y, offset=offset)
    est = unconstrained._estimators[0][0]
    assert np.any(est.weight[est.left < 0] < 3.0)  # the bound is what keeps those leaves out
    with pytest.raises(ValueError, match="min_weight_leaf"):
        ngb.HistTreeRegressor(min_weight_leaf=-1.0).fit(X, y)
