"""Reliability items of the distribution API and the estimators' inputs: no silent wrong result
(NaN parameters, clipped constructors, quantiles outside the support, category codes, extreme
weights), no obscure crash (duplicate columns, survival frames, base learners), clear messages."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import ngb
from ngb.distributions import FAMILIES


def _data(n=300, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    return X, X[:, 0] + 0.5 * rng.normal(size=n)


KW = dict(n_estimators=40, learning_rate=0.1, early_stopping=False, random_state=0)


# ---------------------------------------------------------------------------- constructors
def _at(cls, **internal):
    """A one-row distribution of ``cls`` with internal values ``internal`` (the rest at defaults)."""
    values = {p.name: p.default for p in cls.parameters}
    for p in cls.parameters:
        if p.internal_name in internal:
            values[p.name] = float(p.link.from_internal(np.float64(internal[p.internal_name])))
    return cls(**{name: values[name] for name in cls.constructor})


@pytest.mark.parametrize("cls,internal", [
    (ngb.Normal, {"log_scale": 100.0}), (ngb.Normal, {"log_scale": -100.0}), (ngb.Normal, {"log_scale": 69.0}),
    (ngb.Laplace, {"log_scale": 100.0}), (ngb.Laplace, {"log_scale": -100.0}),
    (ngb.Beta, {"log_a": 25.0}), (ngb.Beta, {"log_b": 25.0}), (ngb.Beta, {"log_a": 25.0, "log_b": 25.0}),
])
def test_constructors_keep_values_beyond_the_fitting_bounds_exactly(cls, internal):
    """Within a family's exact range (wider than the engine's clip bounds for the Normal and Laplace
    scale and the Beta shapes) a constructor keeps its values, and every method agrees with scipy."""
    d = _at(cls, **internal)
    for name, value in internal.items():
        assert d.theta[0, d.param_names.index(name)] == value
    ref = d.to_scipy()
    levels = np.array([0.1, 0.5, 0.9])
    ys = ref.ppf(levels).ravel()
    np.testing.assert_allclose(d.quantile(levels)[0], ys, rtol=1e-9)
    for y in ys:
        for method in ("cdf", "sf", "logpdf", "logcdf", "logsf"):
            np.testing.assert_allclose(getattr(d, method)(y), getattr(ref, method)(y), rtol=1e-9, err_msg=method)
    np.testing.assert_allclose(d.mean(), ref.mean(), rtol=1e-9)
    np.testing.assert_allclose(d.var(), ref.var(), rtol=1e-9)
    for rule in cls.scores:
        assert np.all(np.isfinite(d.score(ys[1:2], rule))) and np.all(np.isfinite(d.natural_gradient(ys[1:2], rule)))
    np.testing.assert_array_equal(d[0].theta, d.theta)  # indexing keeps the values too


def test_normal_scale_1e30_is_kept_and_beyond_the_range_is_refused():
    assert ngb.Normal(0, 1e30).scale[0] == pytest.approx(1e30, rel=1e-14)  # exp(log v): rounding only
    with pytest.raises(ValueError, match=r"Normal: scale=1e\+50 is outside \[3.72008e-44, 2.68812e\+43\]"):
        ngb.Normal(0, 1e50)
    assert ngb.Beta(1e10, 1).a[0] == pytest.approx(1e10, rel=1e-14)
    with pytest.raises(ValueError, match=r"Beta: a=1e\+12 is outside \[4.53999e-05, 7.20049e\+10\]"):
        ngb.Beta(1e12, 1)


@pytest.mark.parametrize("name", sorted(n for n, c in FAMILIES.items() if c.parameters))
def test_every_family_refuses_values_beyond_its_exact_range(name):
    """No constructor clips: a value beyond the exact range is an error naming the parameter and
    its limits; NaN is an error naming the parameter."""
    cls = FAMILIES[name]
    for p in cls.parameters:
        lo, hi = p.exact_range
        for beyond in (hi + 1.0 + abs(hi) * 1e-3, lo - 1.0 - abs(lo) * 1e-3):
            value = float(p.link.from_internal(np.float64(beyond)))
            if not np.isfinite(value) or (p.link.positive and not value > 0) or p.name not in cls.constructor:
                continue
            with pytest.raises(ValueError, match=rf"{cls.__name__}: {p.name}=.* is outside \["):
                cls(**{p.name: value})
        if p.name in cls.constructor:
            with pytest.raises(ValueError, match="NaN"):
                cls(**{p.name: np.nan})


def test_nan_parameters_are_errors():
    with pytest.raises(ValueError, match="Normal: loc contains NaN"):
        ngb.Normal(np.nan, 1)
    with pytest.raises(ValueError, match="NaN"):
        ngb.Normal(0, np.nan)
    with pytest.raises(ValueError, match=r"Normal: internal parameters contain NaN \(1 of 2 rows, first row 1, "
                                         r"log_scale\)"):
        ngb.Normal.from_internal([[0.0, 0.0], [0.0, np.nan]])
    with pytest.raises(ValueError, match="NaN"):
        ngb.MultivariateNormal([np.nan, 0.0])
    with pytest.raises(ValueError, match="NaN"):
        ngb.NegativeBinomial.from_mean(np.nan, 1.0)


def test_categorical_zero_probabilities_have_minus_infinite_log_probabilities():
    d = ngb.Categorical([[1.0, 0.0], [0.25, 0.75]])
    np.testing.assert_array_equal(d.logpdf([1, 1]), [-np.inf, np.log(0.75)])
    np.testing.assert_array_equal(d.probs, [[1.0, 0.0], [0.25, 0.75]])
    np.testing.assert_array_equal(d[0].logpdf([0]), [0.0])
    np.testing.assert_array_equal(d[:1].probs, [[1.0, 0.0]])
    three = ngb.Categorical([0.0, 0.2, 0.8])  # the reference class has probability 0
    np.testing.assert_allclose(three.logpdf([0, 1, 2]), [-np.inf, np.log(0.2), np.log(0.8)])
    assert ngb.Bernoulli(0.0).logpdf([1])[0] == -np.inf
    np.testing.assert_array_equal(ngb.Categorical([1e-20, 1 - 1e-20]).logpdf([0]), [np.log(1e-20)])


# ---------------------------------------------------------------------------- quantiles, sampling
@pytest.mark.parametrize("d", [ngb.Poisson([2.0, 0.1]), ngb.NegativeBinomial([3.0, 0.5], [0.4, 0.9])],
                         ids=["poisson", "negative_binomial"])
def test_count_quantiles_stay_in_the_support(d):
    np.testing.assert_array_equal(d.quantile(0), [0.0, 0.0])
    lo, hi = d.interval(1.0)
    np.testing.assert_array_equal(lo, [0.0, 0.0])
    np.testing.assert_array_equal(hi, [np.inf, np.inf])
    np.testing.assert_array_equal(d.quantile([0.0, 0.5])[:, 1], d.to_scipy().ppf(0.5))
    assert np.all(d.sample(200, random_state=0) >= 0)


def test_sample_size_must_be_an_integer():
    d = ngb.Normal([0.0, 1.0], [1.0, 2.0])
    with pytest.raises(TypeError, match="size must be None or a non-negative int"):
        d.sample(2.7)
    with pytest.raises(TypeError, match="size must be None"):
        d.sample(True)
    with pytest.raises(ValueError, match="non-negative"):
        d.sample(-1)
    assert d.sample(np.int64(3), random_state=0).shape == (2, 3)
    assert d.sample(0).shape == (2, 0)


def test_interval_takes_several_coverages():
    d = ngb.Normal([0.0, 1.0], [1.0, 2.0])
    lo, hi = d.interval([0.5, 0.9])
    assert lo.shape == hi.shape == (2, 2)
    for j, alpha in enumerate([0.5, 0.9]):
        lo1, hi1 = d.interval(alpha)
        np.testing.assert_array_equal(lo[:, j], lo1)
        np.testing.assert_array_equal(hi[:, j], hi1)
    np.testing.assert_allclose(hi[:, 1], stats.norm([0, 1], [1, 2]).ppf(0.95))
    with pytest.raises(ValueError, match="coverage probability"):
        d.interval([0.5, 1.5])


def test_per_row_methods_name_a_wrong_number_of_values():
    d = ngb.Normal([0.0, 1.0], [1.0, 2.0])
    with pytest.raises(ValueError, match=r"y has 3 values for 2 rows"):
        d.cdf([0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match=r"y has 3 values for 2 rows"):
        d.logpdf([0.1, 0.2, 0.3])
    assert d.cdf(0.0).shape == (2,) and d.cdf([[0.0, 1.0, 2.0]] * 2).shape == (2, 3)
    assert ngb.Normal(0, 1).cdf([0.0, 1.0]).shape == (2,)  # one row broadcasts, as before


@pytest.mark.parametrize("idx,what", [((0, 1), "tuple"), (None, "None"), (Ellipsis, "Ellipsis"), (1.0, "float"),
                                      (np.zeros((2, 2), int), "shape"), (np.array([True]), "mask of length 1")])
def test_indexing_refuses_what_is_not_rows(idx, what):
    d = ngb.Normal([0.0, 1.0], [1.0, 2.0])
    with pytest.raises(IndexError, match=what):
        d[idx]


def test_indexing_by_rows():
    d = ngb.Normal([0.0, 1.0, 2.0], [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(d[1].loc, [1.0])
    np.testing.assert_array_equal(d[-1].loc, [2.0])
    np.testing.assert_array_equal(d[1:].loc, [1.0, 2.0])
    np.testing.assert_array_equal(d[[2, 0]].loc, [2.0, 0.0])
    np.testing.assert_array_equal(d[np.array([True, False, True])].loc, [0.0, 2.0])
    assert len(d[[]]) == 0
    with pytest.raises(IndexError, match="out of range"):
        d[[0, 3]]


# ---------------------------------------------------------------------------- non-finite values in a fit
class _NaNOnTwoRows:
    """A regressor (a depth-2 tree) whose predictions are NaN on the first two rows it is given."""

    def __init__(self, value=np.nan):
        self.value = value

    def get_params(self, deep=True):
        return {"value": self.value}

    def set_params(self, **params):
        self.value = params.get("value", self.value)
        return self

    def fit(self, X, y, sample_weight=None):
        from sklearn.tree import DecisionTreeRegressor

        self.tree_ = DecisionTreeRegressor(max_depth=2).fit(X, y, sample_weight=sample_weight)
        return self

    def predict(self, X):
        out = self.tree_.predict(X)
        out[:2] = self.value
        return out


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_a_base_learner_predicting_nan_is_an_error_naming_it(value):
    X, y = _data()
    with pytest.raises(ValueError, match=r"iteration 1: the base learner _NaNOnTwoRows of parameter 0 predicted "
                                         r"non-finite values \(NaN or inf\) on 2 of 300 rows"):
        ngb.NGBRegressor(base=_NaNOnTwoRows(value), **KW).fit(X, y)


def test_a_base_learner_predicting_the_wrong_shape_is_an_error_naming_it():
    from sklearn.linear_model import LinearRegression

    class TwoColumns(LinearRegression):
        def predict(self, X):
            return np.column_stack([super().predict(X)] * 2)

    X, y = _data()
    with pytest.raises(ValueError, match=r"the base learner TwoColumns of parameter 0 predicted an array of shape "
                                         r"\(300, 2\) for 300 rows; a base learner must predict one value per row"):
        ngb.NGBRegressor(base=TwoColumns(), n_estimators=3, early_stopping=False).fit(X, y)


def test_a_base_learner_without_sample_weight_gets_a_clear_message():
    from sklearn.neighbors import KNeighborsRegressor

    X, y = _data()
    counts = np.random.default_rng(0).poisson(2.0, len(y))
    with pytest.raises(TypeError, match="KNeighborsRegressor does not take sample_weight.*metric_weighted=False"):
        ngb.NGBRegressor(dist="poisson", base=KNeighborsRegressor(), n_estimators=3).fit(X, counts)
    model = ngb.NGBRegressor(dist="poisson", base=KNeighborsRegressor(), n_estimators=3, metric_weighted=False)
    assert np.all(np.isfinite(model.fit(X, counts).predict(X)))


@pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning")  # numpy's own warnings on the way to the error
@pytest.mark.parametrize("dist,target", [("normal", lambda y: y * 1e300), ("halfnormal", lambda y: np.abs(y) * 1e300)])
def test_targets_beyond_the_family_range_are_an_error_not_a_standard_normal(dist, target):
    X, y = _data()
    try:
        model = ngb.NGBRegressor(dist=dist, **KW).fit(X, target(y))
    except ValueError as err:
        assert "gradient of the score is not finite" in str(err) or "beyond" in str(err)
        return
    # or the fit is right: predictions on the target's scale
    np.testing.assert_allclose(model.predict(X) / 1e300, ngb.NGBRegressor(dist=dist, **KW).fit(
        X, target(y) / 1e300).predict(X), rtol=1e-6)


def test_offsets_beyond_the_first_parameter_are_refused():
    X, _ = _data()
    counts = np.random.default_rng(0).poisson(2.0, len(X))
    with pytest.raises(ValueError, match=r"offset values up to 1e\+300 are beyond what Poisson's log_mu "
                                         r"\(in \[-30, 20\]\)"):
        ngb.NGBRegressor(dist="poisson", **KW).fit(X, counts, offset=np.full(len(X), 1e300))
    model = ngb.NGBRegressor(dist="poisson", **KW).fit(X, counts, offset=np.full(len(X), 3.0))
    with pytest.raises(ValueError, match="offsets must lie within"):
        model.predict(X, offset=np.full(len(X), -1e10))


def test_a_numpy_generator_is_a_random_state():
    X, y = _data()
    a = ngb.NGBRegressor(n_estimators=5, subsample=0.5, random_state=np.random.default_rng(3)).fit(X, y)
    b = ngb.NGBRegressor(n_estimators=5, subsample=0.5, random_state=np.random.default_rng(3)).fit(X, y)
    np.testing.assert_array_equal(a.predict(X), b.predict(X))


# ---------------------------------------------------------------------------- frames
def test_duplicate_column_names_are_a_clear_error():
    X, y = _data()
    df = pd.DataFrame(X, columns=["a", "a", "b"])
    with pytest.raises(ValueError, match=r"X has duplicate column names \['a'\]"):
        ngb.NGBRegressor(**KW).fit(df, y)
    model = ngb.NGBRegressor(**KW).fit(pd.DataFrame(X, columns=["a", "c", "b"]), y)
    with pytest.raises(ValueError, match="duplicate column names"):
        model.predict(df)


def test_category_codes_at_predict_are_refused():
    """Refused rather than mapped: categories are matched by value, and a numeric column could be
    codes or the category values themselves (integer categories), which give different models."""
    X, y = _data()
    df = pd.DataFrame({"a": X[:, 0], "c": pd.Categorical(np.where(X[:, 1] > 0, "u", "v"))})
    y = y + 2 * (X[:, 1] > 0)
    model = ngb.NGBRegressor(**KW).fit(df, y)
    with pytest.raises(ValueError, match="column 'c' was a pandas 'category' column at fit but is int8 here"):
        model.predict(df.assign(c=df.c.cat.codes))
    # the same column with its categories reordered, or fewer of them, is mapped by value
    reordered = df.assign(c=df.c.cat.reorder_categories(["v", "u"]))
    np.testing.assert_array_equal(model.predict(reordered), model.predict(df))
    np.testing.assert_array_equal(model.predict(df.assign(c=df.c.astype(str).astype("category"))), model.predict(df))


def _survival_data():
    from ngb.survival import make_y

    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 3))
    t = rng.exponential(5.0, 120) + 0.1
    e = rng.random(120) < 0.6
    return X, t, e, make_y(t, e)


def test_survival_targets_as_pyarrow_and_polars_frames_are_read_by_column():
    X, t, e, y = _survival_data()
    ref = ngb.NGBSurvival(**KW).fit(X, y).predict(X)
    frames = []
    pytest.importorskip("pyarrow")
    frames += [pd.DataFrame({"time": t, "event": pd.array(e, dtype="bool[pyarrow]")}),
               pd.DataFrame({"event": pd.array(e, dtype="bool[pyarrow]"), "time": t}),
               pd.DataFrame({"event": pd.array(e, dtype="boolean"), "time": pd.array(t, dtype="float64[pyarrow]")})]
    pl = pytest.importorskip("polars")
    frames += [pl.DataFrame({"event": e, "time": t}), pl.DataFrame({"time": t, "event": e}),
               pl.DataFrame({"event": e.astype(int), "time": t})]
    for frame in frames:
        np.testing.assert_array_equal(ngb.NGBSurvival(**KW).fit(X, frame).predict(X), ref)


def test_survival_function_at_no_times():
    X, t, e, y = _survival_data()
    model = ngb.NGBSurvival(**KW).fit(X, y)
    assert model.predict_survival_function(X, []).shape == (120, 0)
    np.testing.assert_array_equal(model.predict_survival_function(X, 2.0)[:, 0], model.predict_dist(X).sf(2.0))


# ---------------------------------------------------------------------------- weights of any size
@pytest.mark.parametrize("scale", [1e-300, 1e-160, 0.37, 3.0, 1e160, 1e300, 1e308])
@pytest.mark.parametrize("Est", [ngb.NGBRegressor, ngb.NGBClassifier])
def test_uniform_weights_of_any_size_are_the_unweighted_model(Est, scale):
    X, y = _data()
    if Est is ngb.NGBClassifier:
        y = y > 0
    ref = Est(**KW).fit(X, y)
    w = np.full(len(y), scale)
    model = Est(**KW).fit(X, y, sample_weight=w)
    np.testing.assert_array_equal(model.predict_dist(X).theta, ref.predict_dist(X).theta)
    assert model.score(X, y, sample_weight=w) == pytest.approx(ref.score(X, y), rel=1e-12)
    w[::4] = 0.0  # zero weights still remove their rows
    keep = w > 0
    np.testing.assert_array_equal(Est(**KW).fit(X, y, sample_weight=w).predict_dist(X).theta,
                                  Est(**KW).fit(X[keep], y[keep]).predict_dist(X).theta)


@pytest.mark.parametrize("scale", [1e-300, 2.0**-70, 2.0**70, 1e300])
def test_extreme_weights_act_by_their_ratios(scale):
    X, y = _data()
    w = np.random.default_rng(1).uniform(0.5, 2.0, len(y))
    ref = ngb.NGBRegressor(**KW).fit(X, y, sample_weight=w)
    model = ngb.NGBRegressor(**KW).fit(X, y, sample_weight=w * scale)
    np.testing.assert_allclose(model.predict_dist(X).theta, ref.predict_dist(X).theta, rtol=1e-9, atol=1e-9)
    if np.log2(scale) == round(np.log2(scale)):  # a power of two: the same model bit for bit
        np.testing.assert_array_equal(model.predict_dist(X).theta, ref.predict_dist(X).theta)
    assert np.isfinite(model.score(X, y, sample_weight=w * scale))


# ---------------------------------------------------------------------------- many classes
def test_brier_metric_diagonal_is_closed_form(monkeypatch):
    rng = np.random.default_rng(0)
    d = ngb.Categorical(rng.dirichlet(np.ones(6), size=50))
    np.testing.assert_allclose(d.metric_diagonal("brier"), np.einsum("ijj->ij", d.metric("brier")), rtol=1e-12,
                               atol=1e-17)
    # a 300-class Brier fit never builds the dense (n, K, K) metric
    monkeypatch.setattr(ngb.Categorical, "_brier_metric", lambda self: pytest.fail("dense Brier metric built"))
    X = rng.normal(size=(1000, 4))
    y = rng.integers(0, 300, 1000)
    y[:300] = np.arange(300)
    model = ngb.NGBClassifier(score="brier", n_estimators=2, random_state=0).fit(X, y)
    assert model.predict_proba(X).shape == (1000, 300)


# ---------------------------------------------------------------------------- scikit-learn's checks
@pytest.mark.parametrize("Est", [ngb.NGBRegressor, ngb.NGBClassifier])
def test_check_estimator_with_no_expected_failure(Est):
    """Every scikit-learn check passes, check_sample_weight_equivalence_on_dense_data included, when
    the trees' minimum leaf size cannot tell a row of weight w from w repeated rows (1 row): the
    bins, histograms, gains, leaf values, marginal fit, metric weights and line search all use the
    weights exactly, and trees do split on the check's data. (scikit-learn's HistGradientBoosting
    passes it because its 20-row minimum leaves the check's 27 repeated rows unsplit: every tree is
    one leaf. ngb's default 10-row minimum counts rows, as HistGradientBoosting's does: it splits
    the 27 repeated rows but not the 9 weighted ones; see test_estimators.SKIPPED_CHECKS.)"""
    from sklearn.utils.estimator_checks import check_estimator

    base = ngb.tree.HistTreeRegressor(max_depth=3, min_samples_leaf=1)
    # (early stopping holds out a random part of the rows, which repeated rows change: off here)
    check_estimator(Est(n_estimators=30, learning_rate=0.1, base=base, early_stopping=False), expected_failed_checks={})
