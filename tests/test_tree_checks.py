"""The checks that keep invalid trees away from the compiled prediction kernels (which trust their
index arrays): ``Tree`` and ``PackedForest`` refuse invalid node indices when they are constructed
or unpickled, so a damaged pickle gives an error instead of a crash. The random bit flips run in a
worker process (tests/model_file_fuzz.py), so that a crash fails the test instead of ending it."""

from __future__ import annotations

import pickle
import struct

import numpy as np
import pandas as pd
import pytest

import model_file_fuzz
import ngb
from ngb.tree import Tree

FAST = dict(n_estimators=8, learning_rate=0.1, random_state=0, early_stopping=False,
            base=ngb.HistTreeRegressor(max_depth=3, min_samples_leaf=10))  # pinned: the cases rely on depth-3 trees
FAST_NO_BASE = {key: value for key, value in FAST.items() if key != "base"}


def _X(n=160, p=4, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, p))


def _y(X, seed=1):
    return X[:, 0] + 0.5 * np.random.default_rng(seed).normal(size=X.shape[0])


def _chain_X():
    return np.column_stack([np.arange(200.0), np.zeros(200)])


def _chain_y():
    return 3.0 ** (np.arange(200.0) / 2)  # the best split peels off the largest values: deep trees


def _tree(**changes):
    t = ngb.NGBRegressor(**FAST).fit(_X(), _y(_X()))._estimators[0][0]
    arrays = {k: getattr(t, k).copy() for k in Tree._ARRAYS}
    for key, (index, value) in changes.items():
        arrays[key][index] = value
    return arrays


@pytest.mark.parametrize("changes,message", [
    ({"left": (0, 1000)}, "node 0 has children 1000"),
    ({"right": (0, -5)}, "left child 1 and right child -5"),
    ({"left": (1, 1)}, "children must come after their parent"),
    ({"right": (0, 1)}, "once each"),
    ({"feature": (0, -1)}, "split node 0 has feature -1"),
])
def test_trees_with_invalid_indices_are_refused(changes, message):
    arrays = _tree(**changes)
    with pytest.raises(ValueError, match=message):
        Tree(**arrays)
    good = Tree(**_tree())
    state = good.__getstate__()
    state.update({k: arrays[k] for k in changes})
    with pytest.raises(ValueError, match=message):
        Tree.__new__(Tree).__setstate__(state)


def test_packed_forests_with_invalid_arrays_are_refused_when_unpickled():
    model = ngb.NGBRegressor(**FAST).fit(_X(), _y(_X()))
    blob = pickle.dumps(model._forest)
    assert pickle.loads(blob).predict(_X()).tobytes() == model._forest.predict(_X()).tobytes()
    for name, index, value, message in [("feat_compact", (0, 0), 99, "feat_compact has values"),
                                        ("param", 0, 2, "param has values"),
                                        ("ufeat", 0, 4, "ufeat has values"),
                                        ("nan_right", (0, 0), 2, "nan_right has values")]:
        forest = pickle.loads(blob)
        getattr(forest, name)[index] = value
        with pytest.raises(ValueError, match=message):
            pickle.loads(pickle.dumps(forest))
    forest = pickle.loads(blob)
    forest.has_categorical = True  # its (0, 7) bitset index would be read as (n_trees, 7)
    with pytest.raises(ValueError, match="cat_idx must be"):
        pickle.loads(pickle.dumps(forest))


def test_pointer_and_padded_forests_are_checked_when_unpickled():
    for base in (ngb.HistTreeRegressor(max_depth=6), ngb.HistTreeRegressor(max_depth=None, max_leaf_nodes=30,
                                                                           min_samples_leaf=1)):
        X = _chain_X()
        forest = ngb.NGBRegressor(base=base, **FAST_NO_BASE).fit(X, _chain_y())._forest
        blob = pickle.dumps(forest)
        assert pickle.loads(blob).predict(X).tobytes() == forest.predict(X).tobytes()
        damaged = pickle.loads(blob)
        if damaged.kind == "pointer":
            damaged.left[0] = damaged.left.shape[0] + 5
        else:
            damaged.feat[0, 0] = 10**9
        with pytest.raises(ValueError, match="invalid packed forest"):
            pickle.loads(pickle.dumps(damaged))


def test_a_pickled_model_with_a_damaged_tree_is_refused():
    model = ngb.NGBRegressor(**FAST).fit(_X(), _y(_X()))
    model._estimators[2][1].left[0] = 10**6
    with pytest.raises(ValueError, match="invalid tree"):
        pickle.loads(pickle.dumps(model))


def test_damaged_pickles_never_crash_or_predict_differently():
    """Random single-bit flips within a pickled model's packed forest arrays: the Tree and
    PackedForest checks refuse damaged indices, so no flip crashes the interpreter, and the SHA-256
    of the fitted state that ngb's pickles carry refuses damaged values. Without the checks and the
    digest (this tree with them reverted, run through model_file_fuzz with PYTHONPATH), 300 such
    flips (seed 0) gave 30 crashes and 52 silently different predictions; pickles of the forest
    alone, 150 flips: 14 crashes."""
    counts = model_file_fuzz.run("pickle", seed=0, count=150)
    print(f"\npickle bit flips in the forest arrays: {dict(counts)}")
    assert counts["crash"] == 0
    assert counts["different"] == 0
    assert sum(counts.values()) == 150


def test_damaged_forest_pickles_never_crash():
    """The same flips in a pickle of the packed forest alone (no digest): its checks on unpickling
    refuse every damaged index, so no flip crashes (flipped values predict differently: the forest
    has no checksum of its own)."""
    counts = model_file_fuzz.run("forest", seed=0, count=150)
    print(f"\nforest-pickle bit flips: {dict(counts)}")
    assert counts["crash"] == 0
    assert sum(counts.values()) == 150


def test_pickles_carry_a_digest_of_their_fitted_state():
    X = pd.DataFrame(_X()[:, :2], columns=["a", "b"])
    X["colour"] = pd.Categorical(np.array(["red", "green", "blue"])[np.arange(160) % 3])
    model = ngb.NGBRegressor(**FAST).fit(X, _y(_X()))
    blob = pickle.dumps(model)
    assert "_ngb_digest" not in model.__dict__ and "_ngb_digest" not in pickle.loads(blob).__dict__
    for old, new in [(b"green", b"grean"), (struct.pack(">d", 0.1), struct.pack(">d", 0.2))]:
        assert blob.count(old) >= 1  # a category; the learning rate or validation_fraction (big-endian floats)
        with pytest.raises(ValueError, match="is damaged"):
            pickle.loads(blob.replace(old, new, 1))
