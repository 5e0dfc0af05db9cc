"""A base learner per distribution parameter: ``base`` as a list / tuple (parameter order) or a
dict by parameter name; the fast path with ngb trees of different shapes; get_params / set_params
(``base__0__max_depth``, ``base__loc__max_depth``); clear errors."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.tree import DecisionTreeRegressor

import ngb
from ngb.tree import HistTreeRegressor, Tree

KW = dict(n_estimators=40, learning_rate=0.1, random_state=0)


def _data(seed=0, n=800, p=4):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    X[rng.random((n, p)) < 0.05] = np.nan
    X0 = np.nan_to_num(X)
    y = X0[:, 0] + np.sin(2 * X0[:, 1]) + np.exp(0.4 * X0[:, 2]) * rng.normal(size=n)
    return X, y


def _theta(model, X):
    return model._raw_predict(np.asarray(X, dtype=float))


def _tree(**kw):
    return HistTreeRegressor(**{"max_depth": 3, "min_samples_leaf": 10, **kw})


def test_same_base_per_parameter_is_bit_identical_to_one_base():
    X, y = _data()
    default = ngb.NGBRegressor(**KW).fit(X, y)
    one = ngb.NGBRegressor(base=_tree(), **KW).fit(X, y)
    for ref, base in [(one, [_tree(), _tree()]), (one, (_tree(), _tree())), (one, {"loc": _tree(), "log_scale": _tree()}),
                      (default, {"scale": None}), (default, [None, None]), (default, {})]:
        model = ngb.NGBRegressor(base=base, **KW).fit(X, y)
        np.testing.assert_array_equal(_theta(ref, X), _theta(model, X))
        np.testing.assert_array_equal(ref.scalings_, model.scalings_)
        assert model._forest is not None


@pytest.mark.parametrize("scale_tree", [_tree(max_depth=1), _tree(max_depth=None, max_leaf_nodes=3),
                                        _tree(max_depth=2, min_samples_leaf=200, min_weight_leaf=1.0)],
                         ids=["stump", "best_first", "large_leaves"])
def test_fast_path_with_trees_of_different_shapes(scale_tree):
    X, y = _data(1)
    model = ngb.NGBRegressor(base=[_tree(max_depth=4), scale_tree], **KW).fit(X, y)
    assert model._forest is not None  # ngb's packed forest: the histogram-tree back end
    loc_trees = [learners[0] for learners in model._estimators]
    scale_trees = [learners[1] for learners in model._estimators]
    assert all(isinstance(t, Tree) for t in loc_trees + scale_trees)
    assert max(t.depth for t in loc_trees) == 4
    leaves = lambda t: int((t.left < 0).sum())  # noqa: E731
    if scale_tree.max_leaf_nodes is not None:
        assert max(leaves(t) for t in scale_trees) <= scale_tree.max_leaf_nodes
    else:
        assert max(t.depth for t in scale_trees) <= scale_tree.max_depth
    if scale_tree.min_samples_leaf > 10:
        assert all(t.n_samples[t.left < 0].min() >= scale_tree.min_samples_leaf for t in scale_trees)
    # the same model as the generic back end grows it, tree by tree (a subclass takes that path)
    class Slow(HistTreeRegressor):
        def fit(self, X, y, sample_weight=None):
            return super().fit(X, y, sample_weight)

    slow = ngb.NGBRegressor(base=[Slow(max_depth=4, min_samples_leaf=10), Slow(**scale_tree.get_params())],
                            **KW).fit(X, y)
    assert slow._forest is None
    np.testing.assert_allclose(_theta(slow, X), _theta(model, X), rtol=1e-9, atol=1e-9)
    # the shapes differ from one shared base
    one = ngb.NGBRegressor(base=_tree(max_depth=4), **KW).fit(X, y)
    assert not np.array_equal(_theta(one, X), _theta(model, X))


def test_dict_base_by_name_and_defaults():
    X, y = _data(2)
    by_name = ngb.NGBRegressor(base={"scale": _tree(max_depth=1)}, **KW).fit(X, y)
    by_list = ngb.NGBRegressor(base=[None, _tree(max_depth=1)], **KW).fit(X, y)
    internal = ngb.NGBRegressor(base={"log_scale": _tree(max_depth=1), "loc": None}, **KW).fit(X, y)
    for other in (by_list, internal):
        np.testing.assert_array_equal(_theta(by_name, X), _theta(other, X))
    assert max(learners[1].depth for learners in by_name._estimators) == 1


def test_mixed_learners_take_the_generic_path():
    X, y = _data(3)
    X0 = np.nan_to_num(X)
    model = ngb.NGBRegressor(base=[_tree(), DecisionTreeRegressor(max_depth=2)], **KW).fit(X0, y)
    assert model._forest is None
    assert isinstance(model._estimators[0][0], HistTreeRegressor)
    assert isinstance(model._estimators[0][1], DecisionTreeRegressor)
    assert model._estimators[0][1].get_depth() <= 2
    assert np.isfinite(model.predict(X0)).all()
    assert len(list(model.staged_predict(X0[:5]))) == model.n_iter_


def test_classifier_and_poisson_per_parameter():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(600, 3))
    labels = np.digitize(X[:, 0] + rng.normal(size=600), [-0.5, 0.5])
    clf = ngb.NGBClassifier(base={"logit_2": _tree(max_depth=1)}, **KW).fit(X, labels)  # logits 0, 1, 2
    assert max(learners[2].depth for learners in clf._estimators) == 1
    assert min(learners[1].depth for learners in clf._estimators) > 1
    with pytest.raises(ValueError, match="base has 4 entries but the SoftmaxCategorical has 3 parameters: logit_0, "
                                         "logit_1, logit_2"):
        ngb.NGBClassifier(base=[_tree()] * 4, **KW).fit(X, labels)
    with pytest.raises(ValueError, match="base has 3 entries but the Categorical has 2 parameters: logit_1, logit_2"):
        ngb.NGBClassifier(dist="categorical", base=[_tree()] * 3, **KW).fit(X, labels)
    counts = rng.poisson(np.exp(0.3 * X[:, 0])).astype(float)
    ngb.NGBRegressor(dist="poisson", base=[_tree(max_depth=2)], **KW).fit(X, counts)


# --------------------------------------------------------------------------- get_params / set_params
def test_get_params_addresses_each_entry():
    model = ngb.NGBRegressor(base=[_tree(max_depth=4), _tree(max_depth=1)])
    params = model.get_params()
    assert params["base__0__max_depth"] == 4 and params["base__1__max_depth"] == 1
    assert params["base__1"] is model.base[1]
    assert "base__max_depth" not in params
    shallow = model.get_params(deep=False)
    assert shallow["base"] is model.base and "base__0" not in shallow
    named = ngb.NGBRegressor(base={"loc": _tree(max_depth=4), "scale": _tree(max_depth=2)}).get_params()
    assert named["base__loc__max_depth"] == 4 and named["base__scale__max_depth"] == 2
    one = ngb.NGBRegressor(base=_tree(max_depth=5)).get_params()
    assert one["base__max_depth"] == 5  # one base: as before


def test_set_params_on_entries():
    shared = _tree(max_depth=3)
    base = [shared, shared]
    model = ngb.NGBRegressor(base=base)
    model.set_params(base__1__max_depth=1)
    assert model.base[0].max_depth == 3 and model.base[1].max_depth == 1  # the shared object was cloned
    assert base[0] is shared and base[1] is shared and shared.max_depth == 3  # the user's list is untouched
    model.set_params(base__0__min_samples_leaf=7, base__1=DecisionTreeRegressor())
    assert model.base[0].min_samples_leaf == 7 and isinstance(model.base[1], DecisionTreeRegressor)
    assert isinstance(model.base, list)
    tup = ngb.NGBRegressor(base=(_tree(), _tree())).set_params(base__0__max_depth=2)
    assert isinstance(tup.base, tuple) and tup.base[0].max_depth == 2
    named = ngb.NGBRegressor(base={"loc": _tree()}).set_params(base__loc__max_depth=5, base__scale=_tree(max_depth=1))
    assert named.base["loc"].max_depth == 5 and named.base["scale"].max_depth == 1
    # "base" and its entries in one call: the new base first, as scikit-learn orders nested parameters
    both = ngb.NGBRegressor().set_params(base=[_tree(), _tree()], base__1__max_depth=2)
    assert both.base[1].max_depth == 2
    # one base: nested parameters as before
    assert ngb.NGBRegressor(base=_tree()).set_params(base__max_depth=6).base.max_depth == 6
    with pytest.raises(ValueError, match="addressed as base__0 .. base__1"):
        ngb.NGBRegressor(base=[_tree(), _tree()]).set_params(base__2__max_depth=1)
    with pytest.raises(ValueError, match="addressed as base__0 .. base__1"):
        ngb.NGBRegressor(base=[_tree(), _tree()]).set_params(base__loc__max_depth=1)
    with pytest.raises(ValueError, match="base has no entry 'scale'"):
        ngb.NGBRegressor(base={"loc": _tree()}).set_params(base__scale__max_depth=1)
    with pytest.raises(ValueError, match="Invalid parameter"):
        ngb.NGBRegressor(base=[_tree(), _tree()]).set_params(base__0__no_such_thing=1)


def test_clone_pickle_and_grid_search():
    X, y = _data(5, n=400)
    model = ngb.NGBRegressor(base=[_tree(), _tree(max_depth=1)], n_estimators=20, learning_rate=0.1, random_state=0)
    copy = clone(model)
    assert copy.base is not model.base and copy.base[1] is not model.base[1]
    assert copy.get_params()["base__1__max_depth"] == 1
    fitted = pickle.loads(pickle.dumps(copy.fit(X, y)))
    np.testing.assert_array_equal(fitted.predict(X), copy.predict(X))
    search = GridSearchCV(model, {"base__1__max_depth": [1, 2], "base__0__max_depth": [2, 3]}, cv=2).fit(X, y)
    assert set(search.best_params_) == {"base__1__max_depth", "base__0__max_depth"}
    assert search.best_estimator_.base[1].max_depth == search.best_params_["base__1__max_depth"]
    assert model.base[1].max_depth == 1  # the search worked on clones


# --------------------------------------------------------------------------- errors
@pytest.mark.parametrize("base, match", [
    ([_tree()], "base has 1 entries but the Normal has 2 parameters: loc, log_scale \\(or scale\\)"),
    ([_tree()] * 3, "base has 3 entries"),
    ({"mean": _tree()}, "base names the parameter 'mean', which the family does not have"),
    ({"scale": _tree(), "log_scale": _tree()}, "names the parameter 'log_scale' twice"),
    ([_tree(), "tree"], "each entry of base must be a scikit-learn regressor"),
    ({0: _tree()}, "keyed by parameter name"),
    ([_tree(max_bins=63), _tree()], "different max_bins"),
    ([_tree(categorical_features=None), _tree()], "different categorical_features"),
    ([_tree(), _tree(max_depth=None)], "max_depth=None .unlimited. needs max_leaf_nodes"),
])
def test_bad_per_parameter_bases(base, match):
    X, y = _data(6, n=200)
    model = ngb.NGBRegressor(base=base, n_estimators=2)
    with pytest.raises(ValueError, match=match):
        model.fit(X, y)
    assert not hasattr(model, "n_iter_")
