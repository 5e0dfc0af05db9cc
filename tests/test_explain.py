"""ngb.explain: exact SHAP values per parameter, checked against three independent references —
additivity (SHAP values + expected value = the model's own internal parameters), a brute-force
Shapley computation over all feature subsets of the path-dependent value function (its own routing
of every split, checked against the trees' predict), and shap's TreeExplainer where shap can take
the trees — plus the importance matrix and the partial-dependence view."""

from __future__ import annotations

from itertools import combinations
from math import factorial

import numpy as np
import pandas as pd
import pytest
from sklearn.tree import DecisionTreeRegressor

import ngb
from ngb.explain import OutputRegressor, _forest, partial_dependence, shap_model, shap_values
from ngb.tree._shap import leaf_tables

RNG = np.random.default_rng(7)


def _numeric(n=400, p=5, missing=0.0, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    y = X[:, 0] + 0.5 * X[:, 1] * X[:, 2] + rng.normal(size=n) * np.exp(0.5 * X[:, 1])
    if missing:
        X[rng.random((n, p)) < missing] = np.nan
    return X, y


def _categorical(n=500, seed=1):
    rng = np.random.default_rng(seed)
    cats = list("abcdefg")
    c = rng.integers(0, len(cats), n)
    effect = np.array([0.0, 2.0, -1.0, 2.5, 0.5, -2.0, 1.0])  # no order of the codes separates them
    x1 = rng.normal(size=n)
    x1[rng.random(n) < 0.15] = np.nan
    y = effect[c] + np.nan_to_num(x1, nan=1.5) + rng.normal(size=n) * np.exp(0.3 * effect[c])
    col = pd.Categorical.from_codes(c, cats)
    col[rng.random(n) < 0.1] = np.nan  # missing categories
    X = pd.DataFrame({"c": col, "x1": x1, "x2": rng.normal(size=n)})
    return X, y


def _theta(model, X):
    """The model's internal parameters (n, k), before clipping: its own prediction path."""
    return model._raw_predict(model._validate_X(X, reset=False))


# ------------------------------------------------------------------ brute-force oracle
def _goes_left(tree, nd, x):
    """The split of node nd on raw x, written from the Tree docstring (not the kernels')."""
    v = x[tree.feature[nd]]
    if tree.has_categorical and tree.is_categorical[nd]:
        b = int(v) if (not np.isnan(v) and 0 <= v < 255 and v == int(v)) else 255
        return bool((int(tree.cat_bitset[nd, b >> 5]) >> (b & 31)) & 1)
    if np.isnan(v):
        return bool(tree.missing_go_left[nd])
    return bool(v <= tree.threshold[nd])


def _value(tree, x, known, nd=0):
    """Path-dependent E[f(x) | x_S]: follow x on the features in S, else average the children by
    their training rows."""
    if tree.left[nd] < 0:
        return tree.value[nd]
    left, right = tree.left[nd], tree.right[nd]
    if tree.feature[nd] in known:
        return _value(tree, x, known, left if _goes_left(tree, nd, x) else right)
    c = tree.n_samples.astype(float)
    return (c[left] * _value(tree, x, known, left) + c[right] * _value(tree, x, known, right)) / c[nd]


def _brute_shap(tree, x, p):
    """Shapley values of the p features for v(S) = _value(tree, x, S), by all subsets."""
    phi = np.zeros(p)
    for i in range(p):
        others = [f for f in range(p) if f != i]
        for size in range(p):
            w = factorial(size) * factorial(p - size - 1) / factorial(p)
            for S in combinations(others, size):
                phi[i] += w * (_value(tree, x, set(S) | {i}) - _value(tree, x, set(S)))
    return phi


def _brute_model(model, X):
    """(values (n, p, k), expected (k,)) of the whole model from the per-tree brute force."""
    Xv = model._validate_X(X, reset=False)
    n, p = Xv.shape
    weights = model._tree_weights()
    k = weights.shape[1]
    values = np.zeros((n, p, k))
    expected = np.array(model.init_params_, dtype=float)
    for m, trees in enumerate(model._estimators):
        for j, tree in enumerate(trees):
            expected[j] += weights[m, j] * _value(tree, Xv[0], set())
            for i in range(n):
                # the oracle's routing is the tree's: with every feature known it predicts f(x)
                assert _value(tree, Xv[i], set(range(p))) == tree.predict(Xv[i:i + 1])[0]
                values[i, :, j] += weights[m, j] * _brute_shap(tree, Xv[i], p)
    return values, expected


# ------------------------------------------------------------------ additivity
@pytest.mark.parametrize("missing", [0.0, 0.2])
def test_additivity_numeric_and_missing(missing):
    X, y = _numeric(missing=missing)
    model = ngb.NGBRegressor(n_estimators=80, learning_rate=0.1, random_state=0).fit(X, y)
    s = shap_values(model, X)
    assert s.values.shape == (len(X), X.shape[1], 2) and s.expected_value.shape == (2,)
    np.testing.assert_allclose(s.values.sum(axis=1) + s.expected_value, _theta(model, X), rtol=0, atol=1e-8)
    if missing:
        assert any(not t.missing_go_left.all() for trees in model._estimators for t in trees)


def test_additivity_categorical():
    X, y = _categorical()
    model = ngb.NGBRegressor(n_estimators=60, learning_rate=0.1, random_state=0).fit(X, y)
    assert any(t.has_categorical for trees in model._estimators for t in trees)
    s = shap_values(model, X)
    np.testing.assert_allclose(s.values.sum(axis=1) + s.expected_value, _theta(model, X), rtol=0, atol=1e-8)
    assert s.feature_names == ("c", "x1", "x2") and s.param_names == ("loc", "log_scale")
    assert s.links == ("identity", "log")
    assert np.abs(s.values[:, 0, :]).mean() > np.abs(s.values[:, 2, :]).mean()  # the category matters most


def test_additivity_deep_best_first_trees_classifier():
    """Deep best-first trees (features repeated on a path: the unwinding of Algorithm 2) of a
    3-class classifier (k = 3 logits, one per class)."""
    X, _ = _numeric(n=600, p=4, missing=0.1, seed=3)
    y = np.digitize(np.nan_to_num(X[:, 0]) + np.nan_to_num(X[:, 1]) ** 2, [0.0, 1.5])
    base = ngb.HistTreeRegressor(max_depth=None, max_leaf_nodes=24, min_samples_leaf=5)
    model = ngb.NGBClassifier(base=base, n_estimators=30, learning_rate=0.2, random_state=0).fit(X, y)
    assert max(t.depth for trees in model._estimators for t in trees) > 4
    s = shap_values(model, X)
    assert s.values.shape == (600, 4, 3) and s.links == ("logit",) * 3
    np.testing.assert_allclose(s.values.sum(axis=1) + s.expected_value, _theta(model, X), rtol=0, atol=1e-8)
    recursion = shap_values(model, X, _table_budget=0).values
    np.testing.assert_allclose(s.values, recursion, rtol=0, atol=1e-12)
    f = _forest(model)  # a budget that gives some trees tables and the others the recursion
    fast = leaf_tables(f["roots"], f["feature"], f["left"], f["right"], f["value"], f["cover"], f["depth"], 500)["fast"]
    assert 0 < fast.mean() < 1
    np.testing.assert_allclose(shap_values(model, X, _table_budget=500).values, recursion, rtol=0, atol=1e-12)


def test_sklearn_tree_base_with_colsample():
    """scikit-learn trees fitted on a column subset index those columns: mapped back to X's."""
    X, y = _numeric(n=300, p=6, missing=0.1)
    model = ngb.NGBRegressor(base=DecisionTreeRegressor(max_depth=3, random_state=0), n_estimators=40,
                             learning_rate=0.1, colsample=0.5, random_state=0).fit(X, y)
    assert any(c is not None for c in model._columns)
    s = shap_values(model, X)
    np.testing.assert_allclose(s.values.sum(axis=1) + s.expected_value, _theta(model, X), rtol=0, atol=1e-8)


@pytest.mark.parametrize("budget", [None, 0], ids=["tables", "recursion"])
def test_trees_without_splits(budget):
    """Single-leaf trees: no attribution, the expected value is the prediction."""
    X, y = _numeric(n=100)
    base = ngb.HistTreeRegressor(max_depth=3, min_samples_leaf=100)
    model = ngb.NGBRegressor(base=base, n_estimators=5, learning_rate=0.3).fit(X, y)
    assert all(t.n_nodes == 1 for trees in model._estimators for t in trees)
    s = shap_values(model, X, _table_budget=budget)
    assert np.all(s.values == 0)
    np.testing.assert_allclose(np.tile(s.expected_value, (len(X), 1)), _theta(model, X), rtol=0, atol=1e-12)


def test_other_base_learners_are_refused():
    from sklearn.linear_model import Ridge

    X, y = _numeric(n=100)
    model = ngb.NGBRegressor(base=Ridge(), n_estimators=3).fit(X, y)
    with pytest.raises(TypeError, match="model-agnostic"):
        shap_values(model, X)


# ------------------------------------------------------------------ exact values
@pytest.mark.parametrize("budget", [None, 0], ids=["tables", "recursion"])
@pytest.mark.parametrize("data", ["numeric", "categorical"])
def test_equals_brute_force_shapley(data, budget):
    """Both paths of the kernel: leaf tables (the default for small trees) and the recursion."""
    if data == "numeric":
        X, y = _numeric(n=300, p=4, missing=0.15, seed=5)
    else:
        X, y = _categorical(n=300, seed=5)
    model = ngb.NGBRegressor(n_estimators=6, learning_rate=0.3, random_state=0).fit(X, y)
    rows = X[:12] if data == "numeric" else X.iloc[:12]
    s = shap_values(model, rows, _table_budget=budget)
    values, expected = _brute_model(model, rows)
    assert np.abs(values).max() > 0.01
    np.testing.assert_allclose(s.values, values, rtol=0, atol=1e-12)
    np.testing.assert_allclose(s.expected_value, expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize("dist", ["normal", "poisson"])
def test_expected_value_is_the_training_mean(dist):
    """Covers are training rows (not the sample or metric weights the trees were fitted with): the
    expected value is the unweighted mean of theta over the training rows."""
    X, y = _numeric(n=500, missing=0.1)
    if dist == "poisson":  # metric-weighted trees
        y = np.random.default_rng(0).poisson(np.exp(0.5 * np.nan_to_num(X[:, 0])))
    w = np.random.default_rng(1).uniform(0.2, 3.0, len(y))
    model = ngb.NGBRegressor(dist=dist, n_estimators=50, learning_rate=0.1, random_state=0,
                             early_stopping=False).fit(X, y, sample_weight=w)
    assert not np.allclose(model._estimators[0][0].weight, model._estimators[0][0].n_samples)
    s = shap_values(model, X[:5])
    np.testing.assert_allclose(s.expected_value, _theta(model, X).mean(axis=0), rtol=0, atol=1e-10)


def test_threads_give_the_same_values_and_unused_features_get_zero():
    X, y = _numeric(n=400, p=6, missing=0.1)
    X[:, 5] = 1.0  # constant: never split on
    model = ngb.NGBRegressor(n_estimators=40, learning_rate=0.1, random_state=0).fit(X, y)
    assert not any((t.feature == 5).any() for trees in model._estimators for t in trees)
    a = shap_values(model, X, n_jobs=1).values
    b = shap_values(model, X, n_jobs=2).values
    np.testing.assert_array_equal(a, b)
    assert np.all(a[:, 5, :] == 0)


def test_equals_shap_tree_explainer():
    shap = pytest.importorskip("shap")
    X, y = _numeric(n=400, p=5, missing=0.15, seed=2)
    model = ngb.NGBRegressor(n_estimators=60, learning_rate=0.1, random_state=0).fit(X, y)
    s = shap_values(model, X)
    for j, name in enumerate(s.param_names):
        explainer = shap.TreeExplainer(shap_model(model, name), feature_perturbation="tree_path_dependent")
        theirs = explainer.shap_values(X, check_additivity=True)
        np.testing.assert_allclose(s.values[:, :, j], theirs, rtol=0, atol=1e-10)
        np.testing.assert_allclose(s.expected_value[j], explainer.expected_value, rtol=0, atol=1e-10)
    e = s.to_shap("log_scale")
    np.testing.assert_array_equal(e.values, s.values[:, :, 1])
    assert e.feature_names == list(s.feature_names) and np.all(e.base_values == s.expected_value[1])


def test_shap_model_refuses_categorical_splits():
    X, y = _categorical(n=300)
    model = ngb.NGBRegressor(n_estimators=10, learning_rate=0.3, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="categorical"):
        shap_model(model, 0)


# ------------------------------------------------------------------ importances
def test_feature_importances_matrix():
    X, y = _numeric(n=300)
    model = ngb.NGBRegressor(n_estimators=30, learning_rate=0.1, random_state=0).fit(X, y)
    M = model.feature_importances_matrix_
    assert M.shape == (2, X.shape[1])
    for j, row in enumerate(model.feature_importances_by_param_.values()):
        np.testing.assert_array_equal(M[j], row)
    np.testing.assert_allclose(M.mean(axis=0), model.feature_importances_)
    np.testing.assert_allclose(M.sum(axis=1), 1.0)
    with pytest.raises(AttributeError):
        ngb.NGBRegressor().feature_importances_matrix_


# ------------------------------------------------------------------ partial dependence
@pytest.fixture(scope="module")
def fitted():
    X, y = _numeric(n=400, p=4, missing=0.1)
    return ngb.NGBRegressor(n_estimators=40, learning_rate=0.1, random_state=0).fit(X, y), X


@pytest.mark.parametrize("output", ["mean", "interval_width", "quantile", "log_scale", 0, "std"])
def test_output_regressor_predicts_the_quantity(fitted, output):
    model, X = fitted
    d = model.predict_dist(X)
    expected = {"mean": d.mean(), "interval_width": np.subtract(*d.interval(0.8)[::-1]), "quantile": d.quantile(0.9),
                "log_scale": np.log(d.params["scale"]), 0: d.params["loc"], "std": d.std()}[output]
    np.testing.assert_allclose(OutputRegressor(model, output, q=0.9, level=0.8).predict(X), expected, rtol=1e-12)


def test_partial_dependence_is_the_averaged_prediction(fitted):
    """Brute-force partial dependence by hand: set the feature to each grid value, average."""
    model, X = fitted
    res = partial_dependence(model, X, 1, output="interval_width", kind="both", grid_resolution=7)
    grid = res["grid_values"][0]
    assert res["average"].shape == (1, 7) and res["individual"].shape == (1, len(X), 7)
    for g, value in enumerate(grid):
        Xg = X.copy()
        Xg[:, 1] = value
        lo, hi = model.predict_dist(Xg).interval(0.9)
        np.testing.assert_allclose(res["individual"][0, :, g], hi - lo, rtol=1e-12)
        np.testing.assert_allclose(res["average"][0, g], np.mean(hi - lo), rtol=1e-12)


def test_partial_dependence_of_a_category_column():
    X, y = _categorical(n=300)
    model = ngb.NGBRegressor(n_estimators=20, learning_rate=0.3, random_state=0).fit(X, y)
    X = X[X["c"].notna()]  # scikit-learn's grid cannot sort NaN among string categories
    res = partial_dependence(model, X, "c", output="std", categorical_features=["c"])
    assert list(res["grid_values"][0]) == list("abcdefg")
    for g, cat in enumerate(res["grid_values"][0]):
        Xg = X.assign(c=pd.Categorical([cat] * len(X), categories=X["c"].cat.categories))
        np.testing.assert_allclose(res["average"][0, g], model.predict_dist(Xg).std().mean(), rtol=1e-12)


def test_sklearn_partial_dependence_display_takes_the_view(fitted):
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.inspection import PartialDependenceDisplay

    model, X = fitted
    disp = PartialDependenceDisplay.from_estimator(OutputRegressor(model, "mean"), X, [0, 1], kind="both",
                                                   grid_resolution=10)
    assert disp.pd_results[0]["average"].shape == (1, 10)
    plt.close("all")


def test_output_regressor_callable_and_errors(fitted):
    model, X = fitted
    np.testing.assert_allclose(OutputRegressor(model, lambda d: d.cdf(np.zeros(len(d)))).predict(X),
                               model.predict_dist(X).cdf(np.zeros(len(X))))
    with pytest.raises(ValueError, match="neither a parameter"):
        OutputRegressor(model, "scale2").predict(X)
    assert OutputRegressor(model).fit() is not None
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(OutputRegressor(model))
    with pytest.raises(Exception):
        check_is_fitted(OutputRegressor(ngb.NGBRegressor()))


# ------------------------------------------------------------------ plots and the benchmark
def test_plots_shap_summary_and_partial_dependence(fitted):
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ngb import plots

    model, X = fitted
    s = shap_values(model, X)
    res = plots.shap_summary(s, "log_scale", max_display=3)
    order = np.argsort(-np.abs(s.values[:, :, 1]).mean(axis=0))[:3]
    assert list(res.data["names"]) == [s.feature_names[f] for f in order]
    np.testing.assert_allclose(res.data["values"], s.values[:, order, 1])
    points = np.concatenate([res.artists[n].get_offsets()[:, 0] for n in res.data["names"]])
    assert len(points) <= len(X) * 3 and set(np.round(points, 12)) <= set(np.round(s.values[:, order, 1].ravel(), 12))
    res.figure.canvas.draw()
    pd_res = plots.partial_dependence(model, X, 2, output="quantile", q=0.9, kind="both", grid_resolution=5)
    direct = partial_dependence(model, X, 2, output="quantile", q=0.9, kind="both", grid_resolution=5)
    np.testing.assert_allclose(pd_res.data["average"], direct["average"][0])
    np.testing.assert_allclose(pd_res.data["individual"], direct["individual"][0])
    assert pd_res.ax.get_ylabel() == "predicted quantile 0.9"
    pd_res.figure.canvas.draw()
    plt.close("all")


def test_shap_speed_benchmark_smoke():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "shap_speed.py"
    spec = importlib.util.spec_from_file_location("_bench_shap_speed", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    X, y = mod.data(300, 6)
    _, row = mod.run("tiny", None, X, y, 5, False, 1)
    assert row["trees"] == 10 and row["additivity"] < 1e-10 and row["one"] > 0


# ------------------------------------------------------------------ units, offsets, other estimators
def test_additivity_in_the_targets_units_and_to_predict_dist():
    """The fit runs in standardised units (ngb/_units.py): the trees' weights carry the units'
    factor and init_params_ the shift. SHAP values add up to the model's parameters in the target's
    own units: to _raw_predict and to predict_dist(X).theta (no row clipped here)."""
    X, y = _numeric(n=400, missing=0.1, seed=4)
    y = 5e4 + 3e3 * y
    model = ngb.NGBRegressor(n_estimators=60, learning_rate=0.1, random_state=0).fit(X, y)
    assert model._tree_factor is not None and abs(model._tree_factor[0] - 1.0) > 1.0  # the loc trees are rescaled
    s = shap_values(model, X)
    theta = model.predict_dist(X).theta
    np.testing.assert_allclose(s.values.sum(axis=1) + s.expected_value, theta, rtol=0, atol=1e-8 * np.abs(y).max())
    np.testing.assert_allclose(s.values.sum(axis=1) + s.expected_value, _theta(model, X), rtol=1e-13, atol=1e-8)
    np.testing.assert_allclose(s.values[:, :, 0].sum(axis=1) + s.expected_value[0], model.predict(X), rtol=1e-13)


def test_poisson_offset_is_not_attributed():
    X, _ = _numeric(n=400, seed=6)
    rng = np.random.default_rng(6)
    exposure = rng.uniform(0.2, 2.0, len(X))
    y = rng.poisson(exposure * np.exp(0.4 * X[:, 0]))
    model = ngb.NGBRegressor(dist="poisson", n_estimators=40, learning_rate=0.1, random_state=0).fit(
        X, y, offset=np.log(exposure))
    s = shap_values(model, X)
    theta = model._raw_predict(model._validate_X(X, reset=False), np.log(exposure))
    np.testing.assert_allclose(s.values.sum(axis=1)[:, 0] + s.expected_value[0] + np.log(exposure), theta[:, 0],
                               rtol=0, atol=1e-8)
    assert s.links == ("log",)


def test_additivity_survival():
    from ngb.survival import make_y

    X, _ = _numeric(n=400, missing=0.1, seed=8)
    rng = np.random.default_rng(8)
    t = np.exp(0.5 * np.nan_to_num(X[:, 0]) + 0.3 * rng.normal(size=len(X))) * 100
    c = rng.uniform(20, 400, len(X))
    y = make_y(np.minimum(t, c), t <= c)
    model = ngb.NGBSurvival(dist="lognormal", n_estimators=40, learning_rate=0.1, random_state=0).fit(X, y)
    s = shap_values(model, X)
    assert s.values.shape == (400, 5, 2)
    np.testing.assert_allclose(s.values.sum(axis=1) + s.expected_value, _theta(model, X), rtol=0, atol=1e-8)


def test_reachable_from_the_package():
    assert ngb.explain.shap_values is shap_values


def test_equals_shap_on_scikit_learn_trees_directly():
    """An oracle that does not go through shap_model: shap reads each scikit-learn tree itself
    (its covers: weighted_n_node_samples, the row counts without sample weights); the model's
    SHAP values are the weighted sum over the trees, its expected value init_params_ + the sum of
    the weighted trees' expected values."""
    shap = pytest.importorskip("shap")
    X, y = _numeric(n=300, p=4, seed=9)
    base = DecisionTreeRegressor(max_depth=4, min_samples_leaf=5, random_state=0)
    model = ngb.NGBRegressor(base=base, n_estimators=15, learning_rate=0.2, random_state=0).fit(X, y)
    s = shap_values(model, X)
    weights = model._tree_weights()
    values = np.zeros_like(s.values)
    expected = np.array(model.init_params_, dtype=float)
    for m, learners in enumerate(model._estimators):
        for j, tree in enumerate(learners):
            explainer = shap.TreeExplainer(tree, feature_perturbation="tree_path_dependent")
            values[:, :, j] += weights[m, j] * explainer.shap_values(X)
            expected[j] += weights[m, j] * float(np.ravel(explainer.expected_value)[0])
    assert np.abs(values).max() > 0.01
    np.testing.assert_allclose(s.values, values, rtol=0, atol=1e-10)
    np.testing.assert_allclose(s.expected_value, expected, rtol=0, atol=1e-10)


def test_equals_shap_tree_explainer_on_deep_best_first_trees():
    """Deep best-first trees (features repeated along a path; leaf tables and the recursion) against
    shap's values on the same trees."""
    shap = pytest.importorskip("shap")
    X, y = _numeric(n=500, p=4, missing=0.1, seed=10)
    base = ngb.HistTreeRegressor(max_depth=None, max_leaf_nodes=20, min_samples_leaf=5)
    model = ngb.NGBRegressor(base=base, n_estimators=15, learning_rate=0.2, random_state=0).fit(X, y)
    assert max(t.depth for trees in model._estimators for t in trees) > 5
    for budget in (None, 0):
        s = shap_values(model, X, _table_budget=budget)
        for j in range(2):
            explainer = shap.TreeExplainer(shap_model(model, j), feature_perturbation="tree_path_dependent")
            np.testing.assert_allclose(s.values[:, :, j], explainer.shap_values(X), rtol=0, atol=1e-10)
