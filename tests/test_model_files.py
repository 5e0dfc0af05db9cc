"""Model files (``model.save`` / ``ngb.load``, ngb/_model_file/): exact round trips of every
estimator and family, the committed fixture files of each format version (which every later
version must keep loading), damaged files (random bit flips and truncations, in a worker process
so that a crash fails the test instead of ending it), hand-made hostile files, models the format
refuses to save, and the checks that keep damaged pickles away from the compiled kernels."""

from __future__ import annotations

import io
import json
import os
import pickle
import zipfile
import zlib

import numpy as np
import pandas as pd
import pytest

import model_file_fuzz
import re

import ngb
from ngb import ModelFileError
from ngb._model_file import FORMAT_VERSION, _archive, dumps, loads
from ngb.distributions import FAMILIES
from ngb.survival import CRPS_SURVIVAL_FAMILIES, SURVIVAL_FAMILIES, make_y
from ngb.tree import PackedForest, Tree

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures")
FAST = dict(n_estimators=8, learning_rate=0.1, random_state=0, early_stopping=False,
            base=ngb.HistTreeRegressor(max_depth=3, min_samples_leaf=10))  # pinned: the cases rely on depth-3 trees
FAST_NO_BASE = {key: value for key, value in FAST.items() if key != "base"}


def _X(n=160, p=4, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    X[::17, 1] = np.nan  # missing values take their split's NaN route
    return X


def _y(support, X, seed=1):
    rng = np.random.default_rng(seed)
    z = X[:, 0] + 0.5 * rng.normal(size=X.shape[0])
    if support == "count":
        return rng.poisson(np.exp(0.5 * z)).astype(float)
    if support == "positive":
        return np.exp(z)
    if support == "unit":
        return 1 / (1 + np.exp(-z))
    return z


def _frame(X, names=("a", "b", "c", "d", "e")):
    rng = np.random.default_rng(3)
    df = pd.DataFrame(X[:, :3], columns=list(names[:3]))
    df[names[3]] = pd.Categorical(rng.choice(["red", "green", "blue"], X.shape[0]))
    df[names[4]] = pd.Categorical(rng.choice([10, 20, 30, 40], X.shape[0]))
    return df


def _survival_y(X, seed=2):
    rng = np.random.default_rng(seed)
    return make_y(np.exp(0.5 * X[:, 0] + 0.3 * rng.normal(size=X.shape[0])), rng.random(X.shape[0]) < 0.7)


def _cases():
    """(id, build) pairs; build() returns (fitted model, X to predict on, predict keyword arguments)."""
    cases = []

    def add(name, build):
        cases.append(pytest.param(build, id=name))

    for name, cls in FAMILIES.items():
        if cls.support == "class":
            labels = np.array(["cat", "dog", "eel"]) if name in ("categorical", "softmax_categorical") else np.array([False, True])
            for score in cls.scores:
                add(f"classifier-{name}" + ("" if score == "log" else f"-{score}"),
                    lambda name=name, labels=labels, score=score: (ngb.NGBClassifier(dist=name, score=score, **FAST).fit(
                        _X(), labels[np.digitize(_X()[:, 0], [-0.4, 0.4]) % len(labels)]), _X(), {}))
        elif cls.multi_output:
            add("regressor-multivariate_normal-d2", lambda: (ngb.NGBRegressor(dist=ngb.MultivariateNormal(2), **FAST).fit(
                _X(), np.column_stack([_y("real", _X()), _y("real", _X(), seed=5)])), _X(), {}))
            add("regressor-multivariate_normal-d3", lambda: (ngb.NGBRegressor(dist="multivariate_normal", **FAST).fit(
                _X(), np.column_stack([_y("real", _X(), seed=s) for s in (1, 2, 3)])), _X(), {}))
        else:
            for score in cls.scores:
                add(f"regressor-{name}" + ("" if score == "log" else f"-{score}"),
                    lambda name=name, cls=cls, score=score: (ngb.NGBRegressor(dist=name, score=score, **FAST).fit(
                        _X(), np.minimum(_y(cls.support, _X()), getattr(cls, "trials", np.inf))), _X(), {}))
    for name in SURVIVAL_FAMILIES:
        add(f"survival-{name}", lambda name=name: (ngb.NGBSurvival(dist=name, **FAST).fit(_X(), _survival_y(_X())),
                                                   _X(), {}))
    for name in CRPS_SURVIVAL_FAMILIES:
        add(f"survival-{name}-crps", lambda name=name: (ngb.NGBSurvival(dist=name, score="crps", **FAST).fit(
            _X(), _survival_y(_X())), _X(), {}))
    # inputs, learners and parameters beyond the defaults
    add("regressor-category-columns", lambda: (ngb.NGBRegressor(**FAST).fit(_frame(_X()), _y("real", _X())),
                                               _frame(_X()), {}))
    add("regressor-int-column-names", lambda: (ngb.NGBRegressor(**FAST).fit(_frame(_X(), (0, 1, 2, 3, 4)),
                                                                            _y("real", _X())),
                                               _frame(_X(), (0, 1, 2, 3, 4)), {}))
    add("classifier-category-columns-object-labels", lambda: (ngb.NGBClassifier(**FAST).fit(
        _frame(_X()), pd.Series(np.where(_X()[:, 0] > 0, "yes", "no"), dtype=object)), _frame(_X()), {}))
    add("survival-category-columns", lambda: (ngb.NGBSurvival(**FAST).fit(_frame(_X()), _survival_y(_X())),
                                              _frame(_X()), {}))
    add("regressor-poisson-offset", lambda: (ngb.NGBRegressor(dist="poisson", **FAST).fit(
        _X(), _y("count", _X()), offset=np.log(1 + np.arange(160) % 3)), _X(), {"offset": np.full(160, 0.5)}))
    add("regressor-colsample-subsample-randomstate", lambda: (ngb.NGBRegressor(
        **{**FAST, "random_state": np.random.RandomState(4)}, colsample=0.5, subsample=0.7).fit(
        _X(), _y("real", _X())), _X(), {}))
    add("classifier-generator-seed", lambda: (ngb.NGBClassifier(
        **{**FAST, "random_state": np.random.default_rng(5)}, colsample=0.75).fit(_X(), _X()[:, 0] > 0), _X(), {}))
    add("regressor-depth-6", lambda: (ngb.NGBRegressor(base=ngb.HistTreeRegressor(max_depth=6), **FAST_NO_BASE).fit(
        _X(400), _y("real", _X(400))), _X(400), {}))
    add("regressor-best-first-deep", lambda: (ngb.NGBRegressor(
        base=ngb.HistTreeRegressor(max_depth=None, max_leaf_nodes=30, min_samples_leaf=1), **FAST_NO_BASE).fit(
        _chain_X(), _chain_y()), _chain_X(), {}))
    add("regressor-early-stopping", lambda: (ngb.NGBRegressor(
        **{**FAST, "n_estimators": 60, "early_stopping": True}, n_iter_no_change=2).fit(
        _X(), _y("real", _X()), X_val=_X(80, seed=9), y_val=_y("real", _X(80, seed=9))), _X(), {}))
    add("regressor-parameter-types", lambda: (ngb.NGBRegressor(
        dist=ngb.Laplace, score=ngb.CRPScore, learning_rate=np.float64(0.2), n_estimators=np.int64(6), tol=0.0,
        n_jobs=1, random_state=np.int32(7), metric_weighted=True, natural_gradient=np.True_,
        base=ngb.HistTreeRegressor(max_depth=2, min_samples_leaf=3, max_bins=32, random_state=np.int64(3),
                                   categorical_features=["d"])).fit(_frame(_X()), _y("real", _X())),
        _frame(_X()), {}))
    add("classifier-score-instance-mask", lambda: (ngb.NGBClassifier(
        score=ngb.LogScore(), base=ngb.HistTreeRegressor(categorical_features=np.array([False, False, False, True])),
        **FAST_NO_BASE).fit(np.column_stack([_X()[:, :3], np.arange(160) % 4]), np.arange(160) % 3),
        np.column_stack([_X()[:, :3], np.arange(160) % 4]), {}))
    return cases


def _chain_X():
    return np.column_stack([np.arange(200.0), np.zeros(200)])


def _chain_y():
    return 3.0 ** (np.arange(200.0) / 2)  # the best split peels off the largest values: chain-like, deep trees


def _same(a, b, where):
    """Assert a == b: same types, arrays with the same dtype, shape and bytes (recursively)."""
    assert type(a) is type(b), f"{where}: {type(a).__name__} != {type(b).__name__}"
    if isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape, f"{where}: {a.dtype}{a.shape} != {b.dtype}{b.shape}"
        if a.dtype == object:
            assert a.tolist() == b.tolist(), where
        else:
            assert a.tobytes() == b.tobytes(), where
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            _same(x, y, f"{where}[{i}]")
    elif isinstance(a, dict):
        assert list(a) == list(b), where
        for key in a:
            _same(a[key], b[key], f"{where}[{key!r}]")
    elif isinstance(a, Tree):
        assert a == b, where
    elif isinstance(a, PackedForest):
        _same(vars(a), vars(b), f"{where} (packed forest)")
    elif isinstance(a, pd.Index):
        assert a.equals(b) and a.dtype == b.dtype, where
    elif isinstance(a, np.random.RandomState):
        _same(a.get_state(legacy=False), b.get_state(legacy=False), where)
    elif isinstance(a, np.random.Generator):
        _same(a.bit_generator.state, b.bit_generator.state, where)
    elif isinstance(a, ngb.distributions.Distribution):
        _same(a._theta, b._theta, where)
    elif isinstance(a, ngb.scores.ScoringRule):
        pass  # markers without state: the same type is the same rule
    elif isinstance(a, ngb.HistTreeRegressor):
        _same(a.get_params(), b.get_params(), where)
    elif hasattr(a, "__dataclass_fields__"):  # TargetUnits
        _same(vars(a), vars(b), where)
    elif isinstance(a, float):
        assert a == b or (a != a and b != b), f"{where}: {a!r} != {b!r}"
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


def _predictions(model, X, kw):
    """Every prediction of the model on X, by name (arrays)."""
    out = {"theta": model.predict_dist(X, **kw).theta, "predict": np.asarray(model.predict(X, **kw))}
    if isinstance(model, ngb.NGBClassifier):
        out["proba"] = model.predict_proba(X)
        out["staged_proba"] = np.array(list(model.staged_predict_proba(X)))
    elif isinstance(model, ngb.NGBSurvival):
        out["survival"] = model.predict_survival_function(X, return_array=True)
        out["hazard"] = model.predict_cumulative_hazard_function(X, times=[0.5, 1.0, 2.0])
        out["median"] = model.predict_median(X)
    else:
        out["staged"] = np.array(list(model.staged_predict(X, **kw)))
    out["staged_theta"] = np.array([d.theta for d in (model.staged_predict_dist(X, **kw) if kw else
                                                      model.staged_predict_dist(X))])
    return out


CASES = _cases()


@pytest.mark.parametrize("build", CASES)
def test_round_trip_is_exact(build, tmp_path):
    model, X, kw = build()
    path = tmp_path / "model.ngb"
    model.save(path)
    loaded = ngb.load(path)
    assert type(loaded) is type(model)
    assert set(loaded.__dict__) == set(model.__dict__)
    _same(loaded.get_params(deep=False), model.get_params(deep=False), "get_params")
    for key in model.__dict__:
        _same(getattr(loaded, key) if key != "score" else loaded.__dict__["score"], model.__dict__[key], key)
    _same(_predictions(loaded, X, kw), _predictions(model, X, kw), "predictions")
    assert dumps(loaded) == path.read_bytes()  # the loaded model saves to the same bytes


def test_cases_cover_every_family_estimator_and_forest_kind():
    ids = [c.id for c in CASES]
    for name, cls in FAMILIES.items():
        assert any(i.split("-")[1] == name for i in ids), name
    assert all(any(i == f"survival-{name}" for i in ids) for name in SURVIVAL_FAMILIES)
    kinds = {build()[0]._forest.kind for build in (c.values[0] for c in CASES if c.id in (
        "regressor-normal", "regressor-depth-6", "regressor-best-first-deep"))}
    assert kinds == {"d3", "padded", "pointer"}
    assert any(build()[0]._forest.has_categorical for build in (c.values[0] for c in CASES
                                                                if c.id == "regressor-category-columns"))


def test_loading_runs_no_code_from_the_file(monkeypatch):
    """ngb.load unpickles nothing, imports nothing and evaluates nothing: with pickle's loaders,
    numpy.load, eval / exec / compile and every import of a module not yet imported made to fail,
    the fixture files and a freshly saved model of each estimator still load and predict."""
    import builtins
    import sys

    files = [open(os.path.join(FIXTURES, name), "rb").read() for name in FIXTURE_FILES]
    X = _X()
    models = [ngb.NGBRegressor(**FAST).fit(_frame(X), _y("real", X)),
              ngb.NGBClassifier(**FAST).fit(X, np.array(["a", "b", "c"])[np.arange(160) % 3]),
              ngb.NGBSurvival(**FAST).fit(X, _survival_y(X))]
    fresh = [dumps(m) for m in models]
    calls = []

    def refuse(name):
        def call(*args, **kwargs):
            calls.append(name)
            raise AssertionError(f"ngb.load called {name}")
        return call

    real_import = builtins.__import__

    def guarded_import(name, globals=None, locals=None, fromlist=(), level=0):
        package = (globals or {}).get("__package__") or ""
        base = package.rsplit(".", level - 1)[0] if level > 1 else package
        absolute = name if level == 0 else f"{base}.{name}" if name else base
        module = sys.modules.get(absolute)
        new = [absolute] if module is None else [f"{absolute}.{f}" for f in fromlist or ()
                                                  if not hasattr(module, f) and f"{absolute}.{f}" not in sys.modules]
        if new:
            calls.append(f"import {new}")
            raise AssertionError(f"ngb.load imported {new}")
        return real_import(name, globals, locals, fromlist, level)

    for module, names in ((pickle, ("loads", "load", "Unpickler")), (np, ("load",)),
                          (builtins, ("eval", "exec", "compile"))):
        for name in names:
            monkeypatch.setattr(module, name, refuse(f"{module.__name__}.{name}"))
    monkeypatch.setattr(builtins, "__import__", guarded_import)
    try:
        loaded = [loads(data) for data in files + fresh]
    finally:  # pytest itself compiles and imports when it reports
        monkeypatch.undo()
    assert calls == []
    assert [type(m).__name__ for m in loaded[len(files):]] == ["NGBRegressor", "NGBClassifier", "NGBSurvival"]
    for model, original, data in zip(loaded[len(files):], models, (_frame(X), X, X)):
        np.testing.assert_array_equal(model.predict_dist(data).theta, original.predict_dist(data).theta)


def test_save_and_load_take_paths_and_file_objects(tmp_path):
    model = ngb.NGBRegressor(**FAST).fit(_X(), _y("real", _X()))
    buffer = io.BytesIO()
    ngb.save(model, buffer)
    ngb.save(model, str(tmp_path / "m.ngb"))
    assert buffer.getvalue() == (tmp_path / "m.ngb").read_bytes() == dumps(model)
    with open(tmp_path / "m.ngb", "rb") as f:
        np.testing.assert_array_equal(ngb.load(f).predict(_X()), model.predict(_X()))
    assert os.listdir(tmp_path) == ["m.ngb"]  # written through a temporary file, then renamed


# ---------------------------------------------------------------------------- fixture files
# tests/fixtures/model-format-<v>-*.ngb were written once by the ngb version that introduced format
# v (tests/fixtures/make_model_files.py); later versions must keep loading them with the same
# predictions. Never rewrite them: add the files of a new format version beside them.
FIXTURE_FILES = sorted(f for f in os.listdir(FIXTURES) if f.endswith(".ngb"))


def test_fixture_files_exist_for_every_format_version():
    versions = {int(f.split("-")[2]) for f in FIXTURE_FILES}
    assert versions == set(range(1, FORMAT_VERSION + 1))


@pytest.mark.parametrize("name", FIXTURE_FILES)
def test_fixture_files_load_with_their_predictions(name):
    maker = _fixture_maker()
    with open(os.path.join(FIXTURES, "expected.json")) as f:
        expected = json.load(f)[name]
    with zipfile.ZipFile(os.path.join(FIXTURES, name)) as archive:
        manifest = json.loads(archive.read("model.json"))
    assert manifest["format_version"] == int(name.split("-")[2])
    assert manifest["ngb_version"] == expected["ngb_version"]
    model = ngb.load(os.path.join(FIXTURES, name))
    assert type(model).__name__ == expected["estimator"]
    for key, values in maker.outputs(model, maker.rows(expected["X"])).items():
        want = np.array([float.fromhex(v) for v in expected[key]]).reshape(values.shape)
        # the internal parameters come from the file's trees and initial values: the same in every version
        if key == "theta":
            np.testing.assert_array_equal(values, want)
        else:
            np.testing.assert_allclose(values, want, rtol=1e-12, atol=0)


def _fixture_maker():
    """tests/fixtures/make_model_files.py (the rows the fixtures are predicted on, and their outputs)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_model_files", os.path.join(FIXTURES, "make_model_files.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ---------------------------------------------------------------------------- damaged files
def test_damaged_model_files_are_refused_or_identical_and_never_crash():
    """Random single-bit flips anywhere in a model file and random truncations: each is refused
    with a ModelFileError, or loads and predicts bit-identically (a flip in a ZIP header field no
    reader uses); none crashes (the trials run in a worker process) or predicts differently."""
    flips = model_file_fuzz.run("flip", seed=0, count=400)
    cuts = model_file_fuzz.run("truncate", seed=0, count=200)
    print(f"\nmodel-file bit flips: {dict(flips)}; truncations: {dict(cuts)}")
    assert flips["crash"] == cuts["crash"] == 0
    assert flips["different"] == 0
    assert flips["refused:ModelFileError"] + flips["identical"] == 400
    assert cuts["refused:ModelFileError"] == 200


def test_hostile_files_with_valid_checksums_give_clear_errors_and_never_crash():
    """Files a hostile author could write (the checksum recomputed): 1 to 8 random bits of the
    arrays flipped, or one value anywhere in the manifest replaced by a random JSON value. Each is
    refused with a ModelFileError, or loads and predicts (other predictions, as its author wished)
    without an error or a crash."""
    arrays = model_file_fuzz.run("hostile-arrays", seed=0, count=200)
    manifest = model_file_fuzz.run("hostile-manifest", seed=0, count=300)
    print(f"\nhostile arrays: {dict(arrays)}; hostile manifest values: {dict(manifest)}")
    for counts, n in ((arrays, 200), (manifest, 300)):
        assert counts["refused:ModelFileError"] + counts["identical"] + counts["different"] == n


# ---------------------------------------------------------------------------- hostile files
def _members(data):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return json.loads(archive.read("model.json")), archive.read("arrays.bin")


def _arrays(manifest, raw):
    out = {}
    for entry in manifest["arrays"]:
        dt = np.dtype(entry["dtype"])
        count = int(np.prod(entry["shape"]))
        out[entry["name"]] = np.frombuffer(raw, dt, count, entry["offset"]).reshape(entry["shape"]).copy()
    return out


def _forge(data, edit=None, arrays=None, index=None, raw_manifest=None):
    """A model file rewritten by ``edit(manifest)`` and ``arrays(dict of arrays)``, or with its
    index entries edited by ``index(entries)`` (the arrays' bytes kept), with a valid checksum: what
    a hostile author can write."""
    manifest, raw = _members(data)
    if arrays is not None:
        values = _arrays(manifest, raw)
        arrays(values)
        parts, entries, offset = [], [], 0
        for name, a in values.items():
            a = np.ascontiguousarray(a)
            b = a.tobytes() + b"\0" * (-a.nbytes % 8)
            entries.append({"name": name, "dtype": a.dtype.str, "shape": list(a.shape), "offset": offset})
            parts.append(b)
            offset += len(b)
        manifest["arrays"], raw = entries, b"".join(parts)
    if index is not None:
        index(manifest["arrays"])
    if edit is not None:
        edit(manifest)
    text = raw_manifest(json.dumps(manifest)) if raw_manifest else json.dumps(manifest)
    return _archive(text.encode(), raw)


@pytest.fixture(scope="module")
def saved():
    model = ngb.NGBRegressor(**FAST).fit(_frame(_X()), _y("real", _X()))
    return dumps(model)


def _set(name, index, value):
    def edit(arrays):
        arrays[name][index] = value
    return edit


def _state(key, value):
    def edit(manifest):
        manifest["state"][key] = value
    return edit


HOSTILE = [
    ("child-outside-the-array", dict(arrays=_set("tree_left", 0, 1_000_000)), "tree 0 .*children 1000000"),
    ("child-before-its-parent", dict(arrays=_set("tree_left", 1, 0)), "children must come after their parent"),
    ("node-with-two-parents", dict(arrays=_set("tree_right", 0, 1)), "once each"),
    ("leaf-with-a-child", dict(arrays=_set("tree_left", 12, 3)), "node 12 has left child 3 and right child -1"),
    ("feature-beyond-X", dict(arrays=_set("tree_feature", 0, 5)), "splits on feature 5, but the model has 5 features"),
    ("negative-split-feature", dict(arrays=_set("tree_feature", 0, -7)), "split node 0 has feature -7"),
    ("nan-threshold", dict(arrays=_set("tree_threshold", 0, np.nan)), "NaN threshold"),
    ("infinite-leaf-value", dict(arrays=_set("tree_value", 3, np.inf)), "tree value has non-finite"),
    ("node-count-mismatch", dict(arrays=_set("tree_n_nodes", 0, 16)), "tree .* has shape"),
    ("huge-shape", dict(index=lambda e: next(x for x in e if x["name"] == "tree_value").update(shape=[10**12])),
     "needs 8000000000000 bytes"),
    ("three-dimensional", dict(index=lambda e: e[0].update(shape=[1, 1, 1])), "at most 2"),
    ("object-dtype", dict(index=lambda e: e[0].update(dtype="|O")), "not one a model file stores"),
    ("big-endian-dtype", dict(index=lambda e: e[0].update(dtype=">f8")), "not one a model file stores"),
    ("wrong-dtype", dict(arrays=lambda a: a.update(tree_left=a["tree_left"].astype(np.int64))),
     "tree left has dtype int64; expected int32"),
    ("wide-bin-threshold", dict(arrays=lambda a: a.update(tree_bin_threshold=a["tree_bin_threshold"].astype("<u2"))),
     "bin_threshold has dtype uint16; expected uint8"),
    ("overlapping-arrays", dict(index=lambda e: e[1].update(offset=0)), "starts at offset 0; expected"),
    ("unused-array", dict(arrays=lambda a: a.update(extra=np.zeros(3))), "does not use"),
    ("missing-array", dict(arrays=lambda a: a.pop("tree_gain")), "which the file does not have"),
    ("module-path-as-family", dict(edit=_state("family", "os.system")), "unknown family 'os.system'"),
    ("module-path-as-estimator", dict(edit=lambda m: m.update(estimator="subprocess.Popen")), "unknown estimator"),
    ("foreign-base-learner", dict(edit=lambda m: m["params"].update(
        base={"$estimator": "sklearn.tree.DecisionTreeRegressor", "params": {}})), "unknown estimator"),
    ("unknown-tag", dict(edit=lambda m: m["params"].update(tol={"$pickle": "gASV"})), "unknown tag"),
    ("too-many-parameters", dict(edit=_state("n_params", 3)), "Normal has 2 internal parameters"),
    ("iterations-mismatch", dict(edit=_state("n_iter", 9)), "shape"),
    ("too-few-features", dict(edit=_state("n_features_in", 2)), r"feature importances has shape \(2, 5\); expected \(2, 2\)"),
    ("huge-feature-count", dict(edit=_state("n_features_in", 10**15)), r"expected \(2, 1000000000000000\)"),
    ("score-of-another-family", dict(edit=_state("score_name", "brier")), "not one of Normal's"),
    ("inverted-bounds", dict(arrays=_set("param_bounds", (0, 0), 1e300)), "low <= high"),
    ("bad-parameter", dict(edit=lambda m: m["params"].update(learning_rate=-1)), "learning_rate"),
    ("newer-format", dict(edit=lambda m: m.update(format_version=FORMAT_VERSION + 1)), "upgrade ngb"),
    ("other-format", dict(edit=lambda m: m.update(format="npz")), "not an ngb model file"),
    ("unknown-key", dict(edit=lambda m: m["state"].update(extra=1)), "the fitted state must have the keys"),
    ("nan-literal", dict(raw_manifest=lambda t: re.sub(r'"tol": [^,}]+', '"tol": NaN', t, count=1)), "not valid JSON"),
    ("duplicate-key", dict(raw_manifest=lambda t: re.sub(r'"tol": [^,}]+', '"tol": 0.5, "tol": 1', t, count=1)),
     "duplicate key"),
    ("deep-nesting", dict(raw_manifest=lambda t: re.sub(r'"tol": [^,}]+', '"tol": ' + "[" * 100 + "]" * 100, t, count=1)),
     "nested too deeply"),
    ("category-not-a-column", dict(edit=lambda m: m["state"]["categories"][0].__setitem__(0, "zz")),
     "'zz' is not a feature"),
]


@pytest.mark.parametrize("label,forge,message", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_files_are_refused_with_a_clear_error(saved, label, forge, message):
    forged = _forge(saved, **forge)
    with pytest.raises(ModelFileError, match=message):
        loads(forged)


def test_a_parameter_missing_from_the_file_takes_its_default(saved):
    """A later ngb with a new estimator parameter loads older files: the parameter is not in them
    and takes the constructor's default; a parameter the estimator does not have is refused."""
    model = loads(_forge(saved, edit=lambda m: m["params"].pop("verbose")))
    assert model.verbose == ngb.NGBRegressor().verbose
    np.testing.assert_array_equal(model.predict(_frame(_X())), loads(saved).predict(_frame(_X())))
    with pytest.raises(ModelFileError, match=r"has no parameters \['colour'\]"):
        loads(_forge(saved, edit=lambda m: m["params"].update(colour=1)))


def test_hostile_cases_change_the_file_and_the_unchanged_forge_loads(saved):
    assert isinstance(loads(_forge(saved)), ngb.NGBRegressor)  # forging alone keeps a valid file
    for label, forge, _ in HOSTILE:
        assert _forge(saved, **forge) != _forge(saved), label


def test_damaged_checksum_members_and_containers_are_refused(saved):
    manifest, raw = _members(saved)
    with pytest.raises(ModelFileError, match="checksum does not match"):
        with zipfile.ZipFile(io.BytesIO(saved)) as archive:
            members = {n: archive.read(n) for n in archive.namelist()}
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            for name, content in members.items():
                archive.writestr(name, re.sub(rb'"tol": [^,}]+', b'"tol": 0.0002', content, count=1)
                                 if name == "model.json" else content)
        assert out.getvalue() != saved
        loads(out.getvalue())
    extra = io.BytesIO(saved)
    with zipfile.ZipFile(extra, "a") as archive:
        archive.writestr("evil.py", "print('hi')")
    with pytest.raises(ModelFileError, match="holds members"):
        loads(extra.getvalue())
    compressed = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(saved)) as src, zipfile.ZipFile(compressed, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            dst.writestr(name, src.read(name))
    with pytest.raises(ModelFileError, match="compressed"):
        loads(compressed.getvalue())
    with pytest.raises(ModelFileError, match="looks like a pickle"):
        loads(pickle.dumps(ngb.NGBRegressor()))
    with pytest.raises(ModelFileError, match="not a ZIP archive"):
        loads(b"")


def _crc_preserving_flip(content, pos, bit, fix_at):
    """``content`` with bit ``bit`` of byte ``pos`` flipped and the 32 bits of bytes fix_at..fix_at+3
    changed so that its CRC-32 (the ZIP's check) stays the same: CRC-32 is affine over GF(2), so the
    correction solves 32 linear equations."""
    n, zero = len(content), zlib.crc32(bytes(len(content)))

    def lin(index, b):  # the linear part of the CRC of one set bit
        d = bytearray(n)
        d[index] = 1 << b
        return zlib.crc32(bytes(d)) ^ zero

    basis = []  # (vector, the correction bits it combines), distinct leading bits, largest first
    for i in range(32):
        v, combo = lin(fix_at + i // 8, i % 8), 1 << i
        for bv, bc in basis:
            if v ^ bv < v:
                v, combo = v ^ bv, combo ^ bc
        if v:
            basis = sorted(basis + [(v, combo)], reverse=True)
    target, fix = lin(pos, bit), 0
    for bv, bc in basis:
        if target ^ bv < target:
            target, fix = target ^ bv, fix ^ bc
    assert target == 0
    out = bytearray(content)
    out[pos] ^= 1 << bit
    for i in range(32):
        if fix >> i & 1:
            out[fix_at + i // 8] ^= 1 << (i % 8)
    return bytes(out)


def test_damage_that_keeps_the_zip_crc_is_caught_by_the_checksum(saved):
    """Why the SHA-256: a damage of a few bytes can keep the ZIP's CRC-32 (here a leaf value's
    exponent flipped and 4 bytes of the gains changed to match). zipfile reads it without
    complaint; without the checksum the file would load and predict differently."""
    manifest, raw = _members(saved)
    offsets = {e["name"]: e["offset"] for e in manifest["arrays"]}
    damaged = _crc_preserving_flip(raw, offsets["tree_value"] + 6 * 8 + 7, 5, offsets["tree_gain"] + 8)
    assert damaged != raw and zlib.crc32(damaged) == zlib.crc32(raw)
    with zipfile.ZipFile(io.BytesIO(saved)) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members["arrays.bin"] = damaged
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as archive:
        assert archive.testzip() is None  # every CRC-32 checks
    with pytest.raises(ModelFileError, match="checksum does not match"):
        loads(out.getvalue())
    X = _frame(_X())
    unchecked = loads(_archive(json.dumps(manifest).encode(), damaged))  # as if there were no checksum
    assert not np.array_equal(unchecked.predict(X), loads(saved).predict(X))


# ---------------------------------------------------------------------------- models the format refuses
class _OwnNormal(ngb.Normal):
    pass


class _OwnRegressor(ngb.NGBRegressor):
    pass


def test_models_the_format_does_not_hold_are_refused_at_save():
    from sklearn.tree import DecisionTreeRegressor

    X, y = _X(), _y("real", _X())
    with pytest.raises(ModelFileError, match="histogram trees.*pickle or joblib"):
        dumps(ngb.NGBRegressor(base=DecisionTreeRegressor(max_depth=2), **FAST_NO_BASE).fit(X, y))
    with pytest.raises(ModelFileError, match="not fitted"):
        dumps(ngb.NGBRegressor())
    with pytest.raises(ModelFileError, match="not one of ngb's families"):
        dumps(ngb.NGBRegressor(dist=_OwnNormal, **FAST).fit(X, y))
    with pytest.raises(ModelFileError, match="model files hold ngb's estimators"):
        dumps(_OwnRegressor(**FAST).fit(X, y))
    model = ngb.NGBRegressor(**FAST).fit(X, y)
    model.extra_ = 1
    with pytest.raises(ModelFileError, match=r"attributes \['extra_'\]"):
        dumps(model)


def test_an_unpickled_model_saves_like_the_original():
    model = ngb.NGBRegressor(**FAST).fit(_X(), _y("real", _X()))
    assert dumps(pickle.loads(pickle.dumps(model))) == dumps(model)
