"""Reliability under hostile input and extreme data (numerical range, bad input, persistence,
determinism, concurrency). Property-based tests live in test_properties.py."""

from __future__ import annotations

import io
import pickle
import warnings
from concurrent.futures import ThreadPoolExecutor

import joblib
import numpy as np
import pandas as pd
import pytest

from sklearn.exceptions import NotFittedError

import ngb
from ngb.distributions import FAMILIES
from old_defaults import old_defaults


def _data(n=400, p=4, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (n, p))
    y = X[:, 0] + 0.5 * X[:, 1] ** 2 + np.exp(0.3 * X[:, 2]) * rng.normal(0, 0.5, n)
    return X, y


FAST = dict(n_estimators=40, learning_rate=0.1, random_state=0)


# ---------------------------------------------------------------------------- numerical range
@pytest.mark.parametrize("factor", [1e-8, 1e-4, 1e4, 1e8])
def test_normal_fit_scales_with_the_target(factor):
    X, y = _data()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ref = ngb.NGBRegressor(**FAST).fit(X, y)
        scaled = ngb.NGBRegressor(**FAST).fit(X, y * factor)
    d_ref, d = ref.predict_dist(X), scaled.predict_dist(X)
    np.testing.assert_allclose(d.mean(), d_ref.mean() * factor, rtol=1e-8)
    np.testing.assert_allclose(d.std(), d_ref.std() * factor, rtol=1e-8)
    np.testing.assert_array_equal(scaled.scalings_, ref.scalings_)
    assert np.all(np.isfinite(scaled.predict_dist(X).theta))


@pytest.mark.parametrize("shift", [-1e6, 1e6])
def test_normal_fit_shifts_with_the_target(shift):
    X, y = _data()
    ref = ngb.NGBRegressor(**FAST).fit(X, y)
    moved = ngb.NGBRegressor(**FAST).fit(X, y + shift)
    np.testing.assert_allclose(moved.predict(X) - shift, ref.predict(X), atol=1e-6)
    np.testing.assert_allclose(moved.predict_dist(X).std(), ref.predict_dist(X).std(), rtol=1e-6)


def test_separable_classes_and_tiny_classes_stay_finite():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))
    y = (X[:, 0] > 0).astype(int)  # perfectly separable
    model = ngb.NGBClassifier(n_estimators=300, learning_rate=0.5, random_state=0).fit(X, y)
    proba = model.predict_proba(X)
    assert np.all(np.isfinite(proba)) and np.all(proba > 0)
    assert (model.predict(X) == y).mean() == 1.0
    y3 = np.zeros(300, int)
    y3[:2], y3[2:4] = 1, 2  # two members each
    tiny = ngb.NGBClassifier(n_estimators=100, learning_rate=0.5, random_state=0).fit(X, y3)
    assert np.all(np.isfinite(tiny.predict_proba(X)))
    assert np.all(np.isfinite(tiny.predict_dist(X).theta))


def test_constant_target_and_constant_features():
    X, _ = _data(200)
    model = ngb.NGBRegressor(**FAST).fit(X, np.full(200, 3.0))
    d = model.predict_dist(X)
    np.testing.assert_allclose(d.mean(), 3.0)
    assert np.all(np.isfinite(d.theta)) and np.all(d.std() > 0)
    const_X = np.ones((200, 3))
    y = np.random.default_rng(0).normal(size=200)
    m2 = ngb.NGBRegressor(**FAST).fit(const_X, y)
    np.testing.assert_allclose(m2.predict(const_X), y.mean(), rtol=1e-10)


# ---------------------------------------------------------------------------- bad-input matrix
def _cases():
    """(label, estimator factory, fit kwargs, expected exception, message regex or None for 'works')."""
    X, y = _data(60)
    n = len(y)
    R = lambda **kw: ngb.NGBRegressor(**{**FAST, "n_estimators": 5, **kw})  # noqa: E731
    C = lambda **kw: ngb.NGBClassifier(**{**FAST, "n_estimators": 5, **kw})  # noqa: E731
    labels = np.arange(n) % 3
    at = lambda a, i, v: np.where(np.arange(len(a)) == i, v, a)  # noqa: E731
    df = pd.DataFrame(X, columns=list("abcd"))
    yield "string column", R, dict(X=df.assign(s=["u"] * n), y=y), ValueError, "Non-numeric columns \\['s'\\]"
    yield "object column", R, dict(X=df.assign(s=pd.Series([object()] * n)), y=y), ValueError, "Non-numeric columns"
    yield "string array", R, dict(X=np.array([["u"] * 4] * n), y=y), ValueError, "could not convert|string"
    yield "inf in X", R, dict(X=np.where(np.eye(n, 4) > 0, np.inf, X), y=y), ValueError, "infinity"
    yield "-inf in X", R, dict(X=np.where(np.eye(n, 4) > 0, -np.inf, X), y=y), ValueError, "infinity"
    yield "NaN in y", R, dict(X=X, y=at(y, 5, np.nan)), ValueError, "NaN"
    yield "inf in y", R, dict(X=X, y=at(y, 5, np.inf)), ValueError, "infinity|NaN"
    yield "string y for regressor", R, dict(X=X, y=np.array(["a"] * n)), ValueError, "could not convert|float"
    yield "negative count", lambda: R(dist="poisson"), dict(X=X, y=at(np.ones(n), 0, -1.0)), ValueError, "non-negative integers"
    yield "fractional count", lambda: R(dist="poisson"), dict(X=X, y=at(np.ones(n), 0, 0.5)), ValueError, "non-negative integers"
    yield "y length", R, dict(X=X, y=y[:-3]), ValueError, "inconsistent numbers of samples"
    yield "weight length", R, dict(X=X, y=y, sample_weight=np.ones(n + 1)), ValueError, "sample_weight"
    yield "0 rows", R, dict(X=X[:0], y=y[:0]), ValueError, "0 sample"
    yield "0 features", R, dict(X=X[:, :0], y=y), ValueError, "0 feature"
    yield "1 row", R, dict(X=X[:1], y=y[:1]), None, None
    yield "constant target", R, dict(X=X, y=np.ones(n)), None, None
    yield "constant feature", R, dict(X=np.column_stack([X, np.ones(n)]), y=y), None, None
    yield "all features missing", R, dict(X=np.full_like(X, np.nan), y=y), None, None
    yield "3-D X", R, dict(X=X[:, :, None], y=y), ValueError, "dim"
    yield "2-D y", R, dict(X=X, y=np.column_stack([y, y])), ValueError, "1d|column|shape"
    yield "negative weights", R, dict(X=X, y=y, sample_weight=at(np.ones(n), 3, -1.0)), ValueError, "Negative values"
    yield "NaN weights", R, dict(X=X, y=y, sample_weight=at(np.ones(n), 3, np.nan)), ValueError, "NaN|infinity"
    yield "all-zero weights", R, dict(X=X, y=y, sample_weight=np.zeros(n)), ValueError, "non-zero"
    yield "X_val without y_val", R, dict(X=X, y=y, X_val=X), ValueError, "together"
    yield "X_val wrong width", R, dict(X=X, y=y, X_val=X[:, :2], y_val=y), ValueError, "features"
    yield "offset length", R, dict(X=X, y=y, offset=np.zeros(3)), ValueError, "offset"
    counts = at(np.ones(n), 0, 5.0)
    P = lambda: R(dist="poisson")  # noqa: E731
    yield "offset of 2 columns", P, dict(X=X, y=counts, offset=np.zeros((n // 2, 2))), ValueError, "one value per row"
    yield "offset without offset_val", P, dict(X=X, y=counts, offset=np.zeros(n), X_val=X, y_val=counts), ValueError, "offset_val"
    yield "offset_val without X_val", P, dict(X=X, y=counts, offset_val=np.zeros(n)), ValueError, "need X_val"
    yield "sample_weight_val without X_val", R, dict(X=X, y=y, sample_weight_val=np.ones(n)), ValueError, "need X_val"
    yield "counts beyond the Poisson range", P, dict(X=X, y=at(np.ones(n), 0, 1e9)), ValueError, "beyond the family's range"
    yield "early stopping with too few rows per class", lambda: C(early_stopping=True), dict(X=X[:20], y=labels[:20]), ValueError, "validation_fraction=0.1 splits 20 rows"
    yield "single class", C, dict(X=X, y=np.zeros(n)), ValueError, "only one class"
    yield "continuous labels", C, dict(X=X, y=y), ValueError, "Unknown label type|continuous"
    yield "NaN label", C, dict(X=X, y=at(labels.astype(float), 0, np.nan)), ValueError, "NaN"
    yield "bernoulli with 3 classes", lambda: C(dist="bernoulli"), dict(X=X, y=labels), ValueError, "exactly 2"
    yield "regression family in classifier", lambda: C(dist="normal"), dict(X=X, y=labels), ValueError, "class family"
    yield "class family in regressor", lambda: R(dist="categorical"), dict(X=X, y=labels), ValueError, "classification family"
    bad_params = [
        ("n_estimators", 0), ("n_estimators", 2.5), ("learning_rate", 0.0), ("learning_rate", "fast"),
        ("subsample", 0.0), ("subsample", 1.5), ("colsample", -0.1), ("natural_gradient", "yes"),
        ("early_stopping", "sometimes"), ("validation_fraction", 1.0), ("n_iter_no_change", 0), ("tol", -1.0),
        ("n_jobs", 0), ("metric_weighted", "sometimes"), ("dist", "zipf"), ("score", "hinge"), ("base", "tree"),
    ]
    for name, value in bad_params:
        yield f"param {name}={value!r}", (lambda name=name, value=value: R(**{name: value})), dict(X=X, y=y), ValueError, name if name not in ("dist", "score") else "Unknown"


CASES = list(_cases())


def test_bad_input_matrix_has_at_least_30_cases():
    assert len(CASES) >= 30


@pytest.mark.parametrize("label,factory,kwargs,exc,message", CASES, ids=[c[0] for c in CASES])
def test_bad_input_matrix(label, factory, kwargs, exc, message):
    """Each bad call is made on an already fitted model configured as the case says; it raises a
    clear error (or works, where documented) and the fitted state stays exactly as it was."""
    X, y = _data(60)
    configured = factory()
    fit_y = np.arange(60) % 3 if isinstance(configured, ngb.NGBClassifier) else y
    model = type(configured)(**{**FAST, "n_estimators": 5}).fit(X, fit_y)
    before = model.predict_dist(X).theta
    original = model.get_params(deep=False)
    model.set_params(**configured.get_params(deep=False))
    if exc is None:
        model.fit(**kwargs)
        assert np.all(np.isfinite(model.predict_dist(np.asarray(kwargs["X"], float)).theta)), label
        return
    with pytest.raises(exc, match=message):
        model.fit(**kwargs)
    model.set_params(**original)
    np.testing.assert_array_equal(model.predict_dist(X).theta, before)


def test_bad_input_at_predict_time():
    X, y = _data(80)
    df = pd.DataFrame(X, columns=list("abcd"))
    model = ngb.NGBRegressor(**FAST).fit(df, y)
    with pytest.raises(ValueError, match="missing"):
        model.predict(df.iloc[:, :3])
    with pytest.raises(ValueError, match="feature names"):
        model.predict(df.rename(columns={"a": "z"}))
    with pytest.raises(ValueError, match="infinity"):
        model.predict(pd.DataFrame(np.where(np.eye(80, 4) > 0, np.inf, X), columns=list("abcd")))
    with pytest.raises(ValueError, match="offset"):
        model.predict(df, offset=np.zeros(2))
    # NaN at predict time for a feature never missing at fit is routed, not an error
    Xn = X.copy()
    Xn[:5, 0] = np.nan
    assert np.all(np.isfinite(model.predict(pd.DataFrame(Xn, columns=list("abcd")))))
    clf = ngb.NGBClassifier(**FAST).fit(X, np.arange(80) % 2)
    with pytest.raises(ValueError, match="not seen during fit"):
        clf.score(X, np.arange(80) % 3)
    with pytest.raises(NotFittedError, match="not fitted"):
        ngb.NGBRegressor().predict(X)
    assert issubclass(NotFittedError, ValueError)


# ---------------------------------------------------------------------------- determinism
@pytest.mark.parametrize("Est,target", [(ngb.NGBRegressor, "reg"), (ngb.NGBClassifier, "clf")])
def test_bit_identical_across_runs_and_n_jobs(Est, target):
    X, y = _data(500)
    if target == "clf":
        y = np.digitize(y, [-0.5, 0.5])
    params = dict(n_estimators=30, learning_rate=0.1, subsample=0.7, colsample=0.75, random_state=3)
    thetas = [Est(**params, n_jobs=n_jobs).fit(X, y).predict_dist(X).theta for n_jobs in (None, 1, 2, -1, None)]
    for theta in thetas[1:]:
        np.testing.assert_array_equal(theta, thetas[0])


def _engine_data(rng, n, p, target):
    """(X (n, p), y) with a heteroscedastic Normal ("reg"), Poisson ("count") or 3-class ("clf") target."""
    X = rng.normal(size=(n, p))
    y = X[:, 0] + rng.normal(size=n) * np.exp(0.3 * X[:, 1])
    if target == "clf":
        y = np.digitize(y, [-0.5, 0.5])
    elif target == "count":
        y = rng.poisson(np.exp(0.5 * X[:, 0]))
    return X, y


@pytest.mark.parametrize("Est,target,dist", [
    (ngb.NGBRegressor, "reg", "normal"), (ngb.NGBRegressor, "count", "poisson"), (ngb.NGBClassifier, "clf", None),
])
def test_chunked_fused_scores_identical_across_n_jobs(Est, target, dist):
    """Above 50,000 rows the fused score kernels run on several row chunks in threads; the chunk
    bounds depend on n only, so every n_jobs gives the same bits (with and without weights)."""
    rng = np.random.default_rng(7)
    n = 60_000
    X, y = _engine_data(rng, n, 3, target)
    w = rng.uniform(0.5, 2.0, n)
    params = dict(n_estimators=8, learning_rate=0.1, early_stopping=False, random_state=0)
    if dist is not None:
        params["dist"] = dist
    fits = [Est(**params, n_jobs=n_jobs).fit(X, y, sample_weight=w) for n_jobs in (1, 2, None)]
    for est in fits[1:]:
        np.testing.assert_array_equal(est.predict_dist(X).theta, fits[0].predict_dist(X).theta)
        np.testing.assert_array_equal(est.train_score_, fits[0].train_score_)
    # the deferred training scores equal a direct evaluation of the final model
    d = fits[0].predict_dist(X)
    assert fits[0].train_score_[-1] == pytest.approx(np.average(d.score(y), weights=w), rel=1e-12)


@pytest.mark.parametrize("Est,target,dist", [
    (ngb.NGBRegressor, "reg", "normal"), (ngb.NGBRegressor, "count", "poisson"), (ngb.NGBClassifier, "clf", None),
])
def test_leaf_structured_line_search_equals_dense_path(Est, target, dist, monkeypatch):
    """With every row used, the engine line-searches on the trees' recorded training leaves (no
    per-row exponentials, no (n, k) step array); the fit equals the dense path's (the packed-forest
    prediction of the step and the fused score at clip(theta - s step)) up to rounding."""
    from ngb._backends import HistTreeBackend

    X, y = _engine_data(np.random.default_rng(8), 3000, 4, target)
    params = dict(n_estimators=60, learning_rate=0.05, early_stopping=False, random_state=0)
    if dist is not None:
        params["dist"] = dist
    # with weights (some zero), and for the Poisson an offset
    fit_kw = {"sample_weight": np.random.default_rng(9).choice([0.0, 0.5, 1.0, 3.0], size=len(y))}
    if target == "count":
        fit_kw["offset"] = np.linspace(-0.5, 0.5, len(y))
    calls = []
    original = HistTreeBackend.recorded_leaves
    monkeypatch.setattr(HistTreeBackend, "recorded_leaves", lambda self, t, l: calls.append(1) or original(self, t, l))
    leafy = Est(**params).fit(X, y, **fit_kw)
    assert len(calls) == 60
    monkeypatch.setattr(HistTreeBackend, "recorded_leaves", lambda self, trees, leaves: None)
    dense = Est(**params).fit(X, y, **fit_kw)
    np.testing.assert_array_equal(leafy.scalings_, dense.scalings_)
    np.testing.assert_allclose(leafy.predict_dist(X).theta, dense.predict_dist(X).theta, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(leafy.train_score_, dense.train_score_, rtol=1e-12)


@pytest.mark.parametrize("Est,target,dist", [
    (ngb.NGBRegressor, "reg", "normal"), (ngb.NGBRegressor, "count", "poisson"), (ngb.NGBClassifier, "clf", None),
])
def test_large_data_sampled_line_search(Est, target, dist, monkeypatch):
    """Above 262,144 rows the line search scores an evenly spaced sample of the rows and the update
    runs on row chunks in threads: every n_jobs gives the same bits, and the leaf-structured path
    equals the dense path up to rounding there too."""
    from ngb._backends import HistTreeBackend

    X, y = _engine_data(np.random.default_rng(10), 300_000, 3, target)
    params = dict(n_estimators=6, learning_rate=0.1, early_stopping=False, random_state=0)
    if dist is not None:
        params["dist"] = dist
    fits = [Est(**params, n_jobs=n_jobs).fit(X, y) for n_jobs in (1, 2)]
    np.testing.assert_array_equal(fits[1].predict_dist(X[:1000]).theta, fits[0].predict_dist(X[:1000]).theta)
    np.testing.assert_array_equal(fits[1].train_score_, fits[0].train_score_)
    assert np.all(np.diff(fits[0].train_score_) < 0)
    monkeypatch.setattr(HistTreeBackend, "recorded_leaves", lambda self, trees, leaves: None)
    dense = Est(**params, n_jobs=2).fit(X, y)
    np.testing.assert_array_equal(dense.scalings_, fits[0].scalings_)
    np.testing.assert_allclose(dense.predict_dist(X[:1000]).theta, fits[0].predict_dist(X[:1000]).theta, rtol=1e-9,
                               atol=1e-12)


# ---------------------------------------------------------------------------- persistence
def _fitted_models():
    X, y = _data(200)
    rng = np.random.default_rng(1)
    for name, cls in FAMILIES.items():
        if cls.support == "class":
            yield name, ngb.NGBClassifier(dist=name, **FAST).fit(X, (y > 0).astype(int)), X
        elif cls.support == "count":
            counts = np.minimum(rng.poisson(2.0, 200), getattr(cls, "trials", np.inf))  # (beta-binomial: 0..trials)
            yield name, ngb.NGBRegressor(dist=name, **FAST).fit(X, counts.astype(float)), X
        elif cls.support == "positive":
            yield name, ngb.NGBRegressor(dist=name, **FAST).fit(X, np.exp(y)), X
        elif cls.support == "unit":
            yield name, ngb.NGBRegressor(dist=name, **FAST).fit(X, 1 / (1 + np.exp(-y))), X
        elif getattr(cls, "multi_output", False):
            continue
        else:
            yield name, ngb.NGBRegressor(dist=name, **FAST).fit(X, y), X


@pytest.mark.parametrize("name,model,X", list(_fitted_models()), ids=lambda v: v if isinstance(v, str) else "")
def test_pickle_and_joblib_round_trips(name, model, X):
    expected = model.predict_dist(X).theta
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.predict_dist(X).theta, expected)
    buffer = io.BytesIO()
    joblib.dump(model, buffer)
    buffer.seek(0)
    np.testing.assert_array_equal(joblib.load(buffer).predict_dist(X).theta, expected)


def test_model_from_another_version_warns():
    X, y = _data(100)
    blob = pickle.dumps(ngb.NGBRegressor(**FAST).fit(X, y))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pickle.loads(blob)  # same version: silent
    tampered = blob.replace(ngb.__version__.encode(), b"0.0.9")
    with pytest.warns(ngb.NGBVersionWarning, match="saved with ngb 0.0.9"):
        pickle.loads(tampered)


# ---------------------------------------------------------------------------- concurrency
def test_predict_dist_from_several_threads():
    X, y = _data(2000)
    model = ngb.NGBRegressor(**FAST).fit(X, y)
    expected = model.predict_dist(X).theta
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: model.predict_dist(X).theta, range(12)))
    for theta in results:
        np.testing.assert_array_equal(theta, expected)


def test_fits_of_different_sizes_in_several_threads():
    """Fits running at the same time in threads (e.g. GridSearchCV with a thread backend) on data of
    different sizes each give their sequential result (no state shared between fits)."""
    X, y = _data(1200)
    sizes = [300, 500, 700, 900, 1100, 1200] * 2
    fit = lambda m: ngb.NGBRegressor(**FAST).fit(X[:m], y[:m]).predict_dist(X).theta  # noqa: E731
    expected = {m: fit(m) for m in set(sizes)}
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(fit, sizes))
    for m, theta in zip(sizes, results):
        np.testing.assert_array_equal(theta, expected[m])


def test_line_search_on_a_row_sample_for_large_data():
    """Above 4 * 65,536 rows the line search scores an evenly spaced row sample: the fit still
    descends, and it is the same for every n_jobs."""
    from ngb._objective import LINE_SEARCH_ROWS as _LINE_SEARCH_ROWS

    rng = np.random.default_rng(11)
    n = 4 * _LINE_SEARCH_ROWS + 1000
    X = rng.normal(size=(n, 2))
    y = X[:, 0] + rng.normal(size=n) * np.exp(0.3 * X[:, 1])
    params = dict(n_estimators=4, learning_rate=0.5, early_stopping=False, random_state=0)
    fits = [ngb.NGBRegressor(**params, n_jobs=n_jobs).fit(X, y) for n_jobs in (1, 2)]
    assert np.all(fits[0].scalings_ > 0) and np.all(np.diff(fits[0].train_score_) < 0)
    np.testing.assert_array_equal(fits[0].scalings_, fits[1].scalings_)
    np.testing.assert_array_equal(fits[0].predict_dist(X[:100]).theta, fits[1].predict_dist(X[:100]).theta)


def test_studentt_keeps_learning_near_the_normal_limit():
    """Gaussian noise drives the Student t's df to its upper end. In the coordinate log df the df
    metric entry falls like 3.5 / df^2, the natural gradient on it grows like df, and the shared
    line search froze loc and scale with it (steps of ~1e-4, a near-constant model). In the
    coordinate log(df / (1 + df)) the fit learns like the Normal's."""
    rng = np.random.RandomState(0)
    X = rng.uniform(-2, 2, (600, 3))
    y = 3 * np.sin(X[:, 0]) + X[:, 1] + rng.normal(0, 1, 600)
    kw = dict(random_state=0, n_jobs=1, **old_defaults(n_estimators=100, learning_rate=0.1))  # (written on those)
    t = ngb.NGBRegressor(dist="studentt", **kw).fit(X[:400], y[:400])
    normal = ngb.NGBRegressor(dist="normal", **kw).fit(X[:400], y[:400])
    assert t.predict_dist(X[:1]).df[0] > 30  # the marginal fit is near the normal limit
    assert np.median(t.scalings_) >= 0.5
    # both overfit 400 rows within 100 iterations at learning rate 0.1; at their best iteration the t
    # is as good as the Normal (a frozen t stays near its marginal fit, about 2.46)
    best = {name: min(-d.logpdf(y[400:]).mean() for d in m.staged_predict_dist(X[400:]))
            for name, m in (("t", t), ("normal", normal))}
    assert best["t"] < best["normal"] + 0.05
    assert np.std(t.predict(X[400:])) > 0.8 * np.std(normal.predict(X[400:]))


@pytest.mark.parametrize("dist", ["cauchy", "studentt", "t_fixed_df"])
def test_student_t_families_predict_their_location(dist):
    """predict is the location for the t families: the Cauchy has no mean (scipy gives NaN) and a
    Student t row with df <= 1 has none either (inf), but the location is the median always."""
    X, y = _data(300)
    model = ngb.NGBRegressor(dist=dist, **FAST).fit(X, y)
    d = model.predict_dist(X[:50])
    pred = model.predict(X[:50])
    np.testing.assert_array_equal(pred, d.loc)
    np.testing.assert_allclose(pred, d.median(), rtol=1e-9, atol=1e-9)
    np.testing.assert_array_equal(list(model.staged_predict(X[:50]))[-1], pred)
    heavy = ngb.StudentT(df=[0.5, 5.0], loc=[1.0, 2.0], scale=1.0)
    assert np.all(np.isfinite(heavy.point_prediction())) and not np.isfinite(heavy.mean()[0])


@pytest.mark.parametrize("Est,target,kw", [
    (ngb.NGBRegressor, "reg", {}),
    (ngb.NGBRegressor, "reg", {"early_stopping": True, "validation_fraction": 0.2}),
    (ngb.NGBClassifier, "clf", {}),
    (ngb.NGBRegressor, "count", {"dist": "poisson"}),
])
def test_zero_weight_is_removing_the_row(Est, target, kw):
    """A zero sample weight is the row removed (scikit-learn's convention): same bins, same leaf
    sizes, same validation split, the same model bit for bit."""
    X, y = _data(300, seed=3)
    if target == "clf":
        y = (y > np.median(y)).astype(int)
    elif target == "count":
        y = np.random.default_rng(0).poisson(np.exp(0.5 * X[:, 0]))
    offset = np.linspace(-0.5, 0.5, len(y)) if target == "count" else None
    w = np.random.default_rng(1).uniform(0.5, 2.0, len(y))
    w[::3] = 0.0
    keep = w > 0
    fit_kw = {} if offset is None else {"offset": offset}
    a = Est(**FAST, **kw).fit(X, y, sample_weight=w, **fit_kw)
    fit_kw = {} if offset is None else {"offset": offset[keep]}
    b = Est(**FAST, **kw).fit(X[keep], y[keep], sample_weight=w[keep], **fit_kw)
    assert a.n_iter_ == b.n_iter_
    np.testing.assert_array_equal(a.predict_dist(X).theta, b.predict_dist(X).theta)


def test_score_checks_its_sample_weight():
    X, y = _data(80)
    model = ngb.NGBRegressor(**FAST).fit(X, y)
    w = np.linspace(0.5, 2.0, 80)
    assert model.score(X, y, sample_weight=w) == pytest.approx(np.average(model.predict_dist(X).logpdf(y), weights=w))
    with pytest.raises(ValueError, match="sample_weight"):
        model.score(X, y, sample_weight=np.ones(79))
    with pytest.raises(ValueError, match="Negative"):
        model.score(X, y, sample_weight=np.where(np.arange(80) == 3, -50.0, 1.0))
    clf = ngb.NGBClassifier(**FAST).fit(X, y > 0)
    with pytest.raises(ValueError, match="sample_weight"):
        clf.score(X, y > 0, sample_weight=np.ones(3))


def test_negative_verbose_is_silent(caplog):
    X, y = _data(80)
    with caplog.at_level("INFO", logger="ngb"):
        ngb.NGBRegressor(**FAST, verbose=-1).fit(X, y)
    assert not caplog.records
    with caplog.at_level("INFO", logger="ngb"):
        ngb.NGBRegressor(**FAST, verbose=1).fit(X, y)
    assert caplog.records


def test_survival_dataframe_target_is_read_by_column_name():
    """A DataFrame y whose event column is boolean or named "event" is read by name, in either
    column order; without such a column the documented [time, event] order applies."""
    from ngb.survival import make_y

    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 3))
    t = rng.exponential(5.0, 120) + 0.1
    e = rng.random(120) < 0.6
    ref = ngb.NGBSurvival(**FAST).fit(X, make_y(t, e)).predict(X)
    for y in (pd.DataFrame({"event": e.astype(int), "time": t}), pd.DataFrame({"Days": t, "Status": e}),
              pd.DataFrame({"Status": e, "Days": t}), pd.DataFrame(np.column_stack([t, e]))):
        np.testing.assert_array_equal(ngb.NGBSurvival(**FAST).fit(X, y).predict(X), ref)
