"""Property-based tests (hypothesis): random shapes, values, weights, families and input kinds.

For every drawn case: fit then predict never crashes, never returns NaN, respects the family's
support, and quantiles are monotone in the level; every input kind (pandas nullable and pyarrow
dtypes, polars frames, float16/int8/bool arrays, memmaps, F-ordered and strided arrays, reordered
categories) gives the model of its float64 values bit for bit; uniform weights of any size give
the unweighted model; distributions keep quantiles, intervals, cdf and rows consistent.

The default run draws a few examples per property; the slow run draws at least 1,000 each:

    python -m pytest -q -m slow tests/test_properties.py
"""

from __future__ import annotations

import os
import tempfile

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ngb
from ngb.distributions import FAMILIES

#: examples per property in the slow run (``-m slow``)
SLOW_EXAMPLES = 1000


def _settings(max_examples):
    return settings(max_examples=max_examples, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

UNIVARIATE = sorted(name for name, cls in FAMILIES.items() if not getattr(cls, "multi_output", False))

SUPPORT_CHECK = {
    "real": lambda v: np.all(np.isfinite(v)),
    "positive": lambda v: np.all(v >= 0),
    "count": lambda v: np.all(v >= 0) and np.all(v == np.round(v)),
    "unit": lambda v: np.all((v >= 0) & (v <= 1)),
    "class": lambda v: np.all(v >= 0) and np.all(v == np.round(v)),
}


def _target(name, support, base):
    """A target in the family's support, driven by the random base values."""
    if support == "real":
        return base
    if support == "positive":
        return np.exp(np.clip(base, -30, 30)) + 1e-12
    if support == "count":  # (the beta-binomial's counts stop at its trials)
        return np.floor(np.abs(base)) % min(50, getattr(FAMILIES[name], "trials", 49) + 1)
    if support == "unit":
        return np.clip(1 / (1 + np.exp(-np.clip(base, -30, 30))), 1e-6, 1 - 1e-6)
    # classes: at least two distinct labels
    n_classes = 2 if name == "bernoulli" else 3
    labels = (np.abs(base) * 3).astype(int) % n_classes
    labels[:2] = [0, 1]
    return labels


@st.composite
def problems(draw):
    name = draw(st.sampled_from(UNIVARIATE))
    n = draw(st.integers(2, 60))
    p = draw(st.integers(1, 5))
    seed = draw(st.integers(0, 2**31 - 1))
    scale = draw(st.sampled_from([1e-6, 1e-2, 1.0, 1e3, 1e6]))
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p)) * draw(st.sampled_from([1e-3, 1.0, 1e4]))
    if draw(st.booleans()):
        X[rng.random((n, p)) < 0.2] = np.nan
    base = rng.standard_t(3, size=n) * scale
    y = _target(name, FAMILIES[name].support, base)
    weights = None
    if draw(st.booleans()):
        weights = rng.uniform(0, 3, n)
        weights[0] = 1.0
    params = dict(
        n_estimators=draw(st.integers(1, 15)),
        learning_rate=draw(st.sampled_from([0.01, 0.1, 0.5, 1.0])),
        subsample=draw(st.sampled_from([0.5, 1.0])),
        colsample=draw(st.sampled_from([0.5, 1.0])),
        natural_gradient=draw(st.booleans()),
        random_state=seed,
    )
    score = draw(st.sampled_from(FAMILIES[name].scores))
    return name, X, y, weights, params, score


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_fit_predict_never_crashes_nor_returns_nan(problem):
    _check_fit_predict(problem)


@pytest.mark.slow
@_settings(SLOW_EXAMPLES)
@given(problems())
def test_fit_predict_never_crashes_nor_returns_nan_slow(problem):
    _check_fit_predict(problem)


def _check_fit_predict(problem):
    name, X, y, weights, params, score = problem
    cls = FAMILIES[name]
    Est = ngb.NGBClassifier if cls.support == "class" else ngb.NGBRegressor
    model = Est(dist=name, score=score, **params).fit(X, y, sample_weight=weights)
    d = model.predict_dist(X)
    assert len(d) == len(y)
    assert np.all(np.isfinite(d.theta))
    if not name.startswith(("cauchy", "student", "t_")):  # heavy tails: the mean may not exist (NaN is right)
        assert not np.any(np.isnan(d.mean()))
    levels = np.array([0.01, 0.1, 0.5, 0.9, 0.99])
    q = d.quantile(levels)
    assert not np.any(np.isnan(q))
    assert np.all(np.diff(q, axis=1) >= 0), "quantiles must be monotone in the level"
    assert SUPPORT_CHECK[cls.support](q)
    assert SUPPORT_CHECK[cls.support](d.sample(3, random_state=0))
    score_value = model.score(X, y)
    assert np.isfinite(score_value) or score_value == -np.inf


# ---------------------------------------------------------------------------- input kinds
def _memmap(a):
    handle, path = tempfile.mkstemp(suffix=".dat")
    os.close(handle)
    out = np.memmap(path, dtype=a.dtype, mode="w+", shape=a.shape)
    out[:] = a
    out.flush()
    os.unlink(path)  # the mapping stays valid until it is dropped
    return out


def _frame(a):
    return pd.DataFrame(a, columns=[f"x{j}" for j in range(a.shape[1])])


def _polars(a):
    pl = pytest.importorskip("polars")
    return pl.DataFrame(a, schema=[f"x{j}" for j in range(a.shape[1])], nan_to_null=True)


def _pyarrow(dtype):
    def convert(a):
        pytest.importorskip("pyarrow")
        return _frame(a).astype(dtype)
    return convert


#: kind -> (values it takes: "float" with NaN, "int" small integers, "bool"; conversion of an array)
KINDS = {
    "float64": ("float", lambda a: a),
    "F-ordered": ("float", np.asfortranarray),
    "strided": ("float", lambda a: np.repeat(a, 2, axis=1)[:, ::2]),
    "memmap": ("float", _memmap),
    "float32": ("float", lambda a: a.astype(np.float32)),
    "float16": ("float", lambda a: a.astype(np.float16)),
    "int8": ("int", lambda a: a.astype(np.int8)),
    "bool": ("bool", lambda a: a.astype(bool)),
    "pandas": ("float", _frame),
    "pandas Float64": ("float", lambda a: _frame(a).astype("Float64")),
    "pandas Int8": ("int", lambda a: _frame(a).astype("Int8")),
    "pandas boolean": ("bool", lambda a: _frame(a.astype(bool)).astype("boolean")),
    "pyarrow double": ("float", _pyarrow("double[pyarrow]")),
    "pyarrow int8": ("int", _pyarrow("int8[pyarrow]")),
    "pyarrow bool": ("bool", lambda a: _pyarrow("bool[pyarrow]")(a.astype(bool))),
    "polars": ("float", _polars),
    "polars int8": ("int", lambda a: _polars(a.astype(np.int8))),
    "polars bool": ("bool", lambda a: _polars(a.astype(bool))),
}


def _float64(X):
    """The float64 values of an input of any kind (missing values NaN)."""
    if isinstance(X, pd.DataFrame):
        return X.to_numpy(dtype=float, na_value=np.nan)
    if hasattr(X, "to_numpy"):  # polars: nulls become NaN
        return np.asarray(X.to_numpy(), dtype=float)
    return np.array(X, dtype=float)


@st.composite
def kind_problems(draw):
    kind = draw(st.sampled_from(sorted(KINDS)))
    values, convert = KINDS[kind]
    n, p = draw(st.integers(12, 60)), draw(st.integers(1, 4))
    rng = np.random.default_rng(draw(st.integers(0, 2**31 - 1)))
    if values == "float":
        X = rng.normal(size=(n, p)) * draw(st.sampled_from([1e-3, 1.0, 1e3]))
        if draw(st.booleans()):
            X[rng.random((n, p)) < 0.2] = np.nan
    elif values == "int":
        X = rng.integers(-100, 100, size=(n, p)).astype(float)
    else:
        X = (rng.random((n, p)) < 0.5).astype(float)
    y = np.nan_to_num(X[:, 0]) + rng.normal(size=n)
    classify = draw(st.booleans())
    if classify:
        y = (y > np.median(y)).astype(int)
        y[:2] = [0, 1]
    return kind, convert, X, y, classify, draw(st.integers(1, 8))


def _check_kind(problem):
    kind, convert, X, y, classify, n_estimators = problem
    Xk = convert(X)
    X64 = _float64(Xk)
    Est = ngb.NGBClassifier if classify else ngb.NGBRegressor
    params = dict(n_estimators=n_estimators, learning_rate=0.3, random_state=0)
    model = Est(**params).fit(Xk, y)
    ref = Est(**params).fit(X64, y)
    got = model.predict_dist(Xk).theta
    np.testing.assert_array_equal(got, ref.predict_dist(X64).theta, err_msg=kind)
    assert np.all(np.isfinite(got))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kind_problems())
def test_every_input_kind_gives_the_model_of_its_float64_values(problem):
    _check_kind(problem)


@pytest.mark.slow
@_settings(SLOW_EXAMPLES)
@given(kind_problems())
def test_every_input_kind_gives_the_model_of_its_float64_values_slow(problem):
    _check_kind(problem)


@st.composite
def category_problems(draw):
    rng = np.random.default_rng(draw(st.integers(0, 2**31 - 1)))
    n, k = draw(st.integers(20, 80)), draw(st.integers(2, 8))
    labels = np.array([f"c{j}" for j in range(k)])
    codes = rng.integers(0, k, n)
    X = pd.DataFrame({"x": rng.normal(size=n), "c": pd.Categorical(labels[codes], categories=labels)})
    if draw(st.booleans()):
        X.loc[rng.random(n) < 0.1, "c"] = np.nan
    y = X["x"].to_numpy() + codes * draw(st.sampled_from([0.0, 1.0]))
    order = list(draw(st.permutations(list(labels))))
    return X, y, order, draw(st.integers(1, 8))


def _check_categories(problem):
    X, y, order, n_estimators = problem
    model = ngb.NGBRegressor(n_estimators=n_estimators, learning_rate=0.3, random_state=0).fit(X, y)
    expected = model.predict_dist(X).theta
    reordered = X.assign(c=X["c"].cat.reorder_categories(order))
    np.testing.assert_array_equal(model.predict_dist(reordered).theta, expected)
    # categories seen at fit are matched by value, also when fit on the reordered frame
    refit = ngb.NGBRegressor(n_estimators=n_estimators, learning_rate=0.3, random_state=0).fit(reordered, y)
    assert np.all(np.isfinite(refit.predict_dist(X).theta))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(category_problems())
def test_reordered_categories_are_matched_by_value(problem):
    _check_categories(problem)


@pytest.mark.slow
@_settings(SLOW_EXAMPLES)
@given(category_problems())
def test_reordered_categories_are_matched_by_value_slow(problem):
    _check_categories(problem)


# ---------------------------------------------------------------------------- weights
@st.composite
def weight_problems(draw):
    rng = np.random.default_rng(draw(st.integers(0, 2**31 - 1)))
    n = draw(st.integers(5, 60))
    X = rng.normal(size=(n, 2))
    y = X[:, 0] + rng.normal(size=n)
    classify = draw(st.booleans())
    if classify:
        y = (y > np.median(y)).astype(int)
        y[:2] = [0, 1]
    scale = 10.0 ** draw(st.floats(-300, 300))
    return X, y, classify, scale, draw(st.integers(1, 8))


def _check_weights(problem):
    X, y, classify, scale, n_estimators = problem
    Est = ngb.NGBClassifier if classify else ngb.NGBRegressor
    params = dict(n_estimators=n_estimators, learning_rate=0.3, random_state=0)
    ref = Est(**params).fit(X, y).predict_dist(X).theta
    w = np.full(len(y), scale)
    np.testing.assert_array_equal(Est(**params).fit(X, y, sample_weight=w).predict_dist(X).theta, ref)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(weight_problems())
def test_uniform_weights_of_any_size_give_the_unweighted_model(problem):
    _check_weights(problem)


@pytest.mark.slow
@_settings(SLOW_EXAMPLES)
@given(weight_problems())
def test_uniform_weights_of_any_size_give_the_unweighted_model_slow(problem):
    _check_weights(problem)


# ---------------------------------------------------------------------------- distributions
DECLARED = sorted(name for name, cls in FAMILIES.items() if cls.parameters)


@st.composite
def distributions(draw):
    cls = FAMILIES[draw(st.sampled_from(DECLARED))]
    n = draw(st.integers(1, 12))
    columns = []
    for p in cls.parameters:
        lo, hi = p.exact_range
        lo, hi = max(lo, -4.0), min(hi, 4.0)  # moderate values: scipy's references stay accurate
        columns.append(draw(st.lists(st.floats(lo, hi), min_size=n, max_size=n)))
    theta = np.column_stack(columns)
    return cls.from_internal(theta), draw(st.lists(st.floats(0.001, 0.999), min_size=1, max_size=5))


def _check_distribution(case):
    d, levels = case
    levels = np.sort(np.asarray(levels))
    q = d.quantile(levels)
    assert q.shape == (len(d), len(levels)) and not np.any(np.isnan(q))
    # monotone up to a relative 1e-12: scipy's inverses (the Gamma's gammaincinv) can step back by
    # a few ulps between levels an ulp apart (q(0.001) - q(0.001 + 2e-19) = 5.6e-17 at q = 0.49)
    assert np.all(np.diff(q, axis=1) >= -1e-12 * np.abs(q[:, 1:]))
    assert SUPPORT_CHECK[d.support](q)
    for j, level in enumerate(levels):  # F(q(level)) >= level, up to rounding and one unit in the last place
        up = np.nextafter(q[:, j], np.inf)  # (one ulp can hold much of the mass at a support edge: Beta b << 1)
        assert np.all(np.maximum(d.cdf(q[:, j]), d.cdf(up)) >= level - 1e-6)
    lo, hi = d.interval(0.8)
    median = d.median()
    assert np.all(lo <= median) and np.all(median <= hi)
    lo2, hi2 = d.interval([0.8])
    np.testing.assert_array_equal(lo2[:, 0], lo)
    np.testing.assert_array_equal(hi2[:, 0], hi)
    rows = np.arange(len(d))[::-1]
    np.testing.assert_array_equal(d[rows].theta, d.theta[rows])
    np.testing.assert_array_equal(d[len(d) - 1].theta, d.theta[-1:])
    assert SUPPORT_CHECK[d.support](d.sample(2, random_state=0))
    level = 0.0 if d.support == "count" else 0.5
    np.testing.assert_allclose(d.quantile(level), d.quantile([level])[:, 0])


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(distributions())
def test_distributions_keep_quantiles_intervals_and_rows_consistent(case):
    _check_distribution(case)


@pytest.mark.slow
@_settings(SLOW_EXAMPLES)
@given(distributions())
def test_distributions_keep_quantiles_intervals_and_rows_consistent_slow(case):
    _check_distribution(case)
