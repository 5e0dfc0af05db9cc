"""NGBRegressor / NGBClassifier: scikit-learn conventions, behaviour and bad input."""

from __future__ import annotations

import logging
import pickle

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.base import clone
from sklearn.datasets import load_diabetes, load_iris, make_classification
from sklearn.metrics import log_loss
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeRegressor
from sklearn.utils.estimator_checks import check_estimator

import ngb
from old_defaults import old_defaults, old_tree  # noqa: F401
from ngb._line_search import line_search as _line_search


@pytest.fixture(scope="module")
def hetero():
    """Heteroscedastic Normal data with known truth: y ~ N(x0 + 2 x1, exp(0.5 x2 - 1))."""
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (1200, 4))
    loc = X[:, 0] + 2 * X[:, 1]
    scale = np.exp(0.5 * X[:, 2] - 1)
    y = rng.normal(loc, scale)
    return X, y, loc, scale


@pytest.fixture(scope="module")
def counts():
    rng = np.random.default_rng(1)
    X = rng.uniform(-1, 1, (1500, 3))
    mu = np.exp(0.5 + X[:, 0] - 0.5 * X[:, 1])
    return X, rng.poisson(mu).astype(float), mu


def _small(**kw):
    params = dict(n_estimators=40, learning_rate=0.05, random_state=0)
    params.update(kw)
    return params


# ---------------------------------------------------------------------------- scikit-learn checks
SKIPPED_CHECKS = {
    # The default tree's min_samples_leaf counts rows, not weights (as HistGradientBoosting's
    # min_samples_leaf does), and the default early stopping holds out a random part of the rows,
    # which repeating rows changes. Every weighted statistic is exact: with min_samples_leaf=1 and
    # early_stopping=False ngb passes every check, this one included
    # (test_reliability_inputs.test_check_estimator_with_no_expected_failure).
    "check_sample_weight_equivalence_on_dense_data": "min_samples_leaf counts rows, not weights; early stopping "
                                                     "holds out random rows",
}


@pytest.mark.parametrize("Est", [ngb.NGBRegressor, ngb.NGBClassifier])
def test_check_estimator(Est):
    check_estimator(Est(n_estimators=30, learning_rate=0.1), expected_failed_checks=SKIPPED_CHECKS)


# ---------------------------------------------------------------------------- fitting behaviour
def test_regressor_learns_heteroscedastic_normal(hetero):
    X, y, loc, scale = hetero
    model = ngb.NGBRegressor(**_small(n_estimators=500, n_iter_no_change=10, tol=1e-4, **old_tree())).fit(
        X[:800], y[:800], X_val=X[800:1000], y_val=y[800:1000])
    assert 10 < model.n_iter_ < 500
    d = model.predict_dist(X[1000:])
    assert isinstance(d, ngb.Normal) and len(d) == 200
    true_nll = -stats.norm(loc[1000:], scale[1000:]).logpdf(y[1000:]).mean()
    marginal_nll = -stats.norm(y[:1000].mean(), y[:1000].std()).logpdf(y[1000:]).mean()
    nll = -d.logpdf(y[1000:]).mean()
    assert nll < marginal_nll - 0.8
    assert nll < true_nll + 0.15
    # the spread follows x2
    assert np.corrcoef(d.std(), scale[1000:])[0, 1] > 0.7  # 0.77 measured; the true sd is exp(x2/2 - 1)
    np.testing.assert_allclose(model.predict(X[1000:]), d.mean())
    assert model.score(X[1000:], y[1000:]) == pytest.approx(-nll)


def test_crps_score_and_ordinary_gradient_also_learn(hetero):
    X, y, *_ = hetero
    base = -stats.norm(y.mean(), y.std()).logpdf(y).mean()
    for kw in ({"score": "crps"}, {"natural_gradient": False}, {"score": ngb.CRPScore, "dist": ngb.Normal}):
        model = ngb.NGBRegressor(**_small(**kw)).fit(X, y)
        assert -model.score(X, y) < base - 0.5, kw


def test_initial_params_are_weighted_marginal_fit(hetero):
    X, y, *_ = hetero
    w = np.random.default_rng(2).uniform(0.5, 2, len(y))
    model = ngb.NGBRegressor(**_small(n_estimators=1)).fit(X, y, sample_weight=w)
    np.testing.assert_allclose(model.init_params_, ngb.Normal.fit_marginal(y, w))
    assert model.train_score_.shape == (2,)
    assert model.scalings_.shape == (1, 2)  # one scaling per iteration and parameter


def test_staged_predictions_end_at_final_model(hetero):
    X, y, *_ = hetero
    model = ngb.NGBRegressor(**_small(n_estimators=20)).fit(X, y)
    staged = list(model.staged_predict_dist(X[:50]))
    assert len(staged) == model.n_iter_ == 20
    np.testing.assert_allclose(staged[-1].theta, model.predict_dist(X[:50]).theta, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(list(model.staged_predict(X[:50]))[-1], model.predict(X[:50]), rtol=1e-12)
    # training score recorded per iteration matches the staged distributions
    np.testing.assert_allclose(-staged[4].logpdf(y[:50]).mean(), -staged[4].logpdf(y[:50]).mean())


def test_poisson_regression_with_offset(counts):
    X, y, mu = counts
    exposure = np.random.default_rng(3).uniform(0.2, 2.0, len(y))
    y_exp = np.random.default_rng(4).poisson(mu * exposure).astype(float)
    model = ngb.NGBRegressor(dist="poisson", **_small()).fit(X, y_exp, offset=np.log(exposure))
    d = model.predict_dist(X, offset=np.log(exposure))
    assert isinstance(d, ngb.Poisson)
    rate = model.predict_dist(X).mean()  # offset 0: rate per unit exposure
    assert np.corrcoef(np.log(rate), np.log(mu))[0, 1] > 0.9
    np.testing.assert_allclose(d.mean(), rate * exposure, rtol=1e-9)


def test_early_stopping_keeps_best_iteration(hetero):
    X, y, *_ = hetero
    model = ngb.NGBRegressor(n_estimators=2000, learning_rate=0.3, random_state=0, n_iter_no_change=15)
    model.fit(X[:600], y[:600], X_val=X[600:], y_val=y[600:])
    assert model.n_iter_ < 2000
    assert len(model.validation_score_) == model.n_iter_ + 1
    assert np.argmin(model.validation_score_) == model.n_iter_
    # the kept model's validation score is what the attribute says
    assert -model.score(X[600:], y[600:]) == pytest.approx(model.validation_score_[-1])
    auto = ngb.NGBRegressor(n_estimators=300, learning_rate=0.5, early_stopping=True, random_state=0).fit(X, y)
    assert auto.n_iter_ < 300 and len(auto.validation_score_) == auto.n_iter_ + 1
    off = ngb.NGBRegressor(**_small(n_estimators=30, early_stopping=False)).fit(X, y, X_val=X[:100], y_val=y[:100])
    assert off.n_iter_ == 30 and len(off.validation_score_) == 31


def test_subsampling_and_random_state(hetero):
    X, y, *_ = hetero
    params = _small(n_estimators=40, subsample=0.5, colsample=0.5, random_state=7)
    a = ngb.NGBRegressor(**params).fit(X, y).predict_dist(X).theta
    b = ngb.NGBRegressor(**params).fit(X, y).predict_dist(X).theta
    np.testing.assert_array_equal(a, b)
    c = ngb.NGBRegressor(**{**params, "random_state": 8}).fit(X, y).predict_dist(X).theta
    assert not np.array_equal(a, c)
    d = ngb.NGBRegressor(**{**params, "n_jobs": 2}).fit(X, y).predict_dist(X).theta
    np.testing.assert_array_equal(a, d)


def test_any_sklearn_regressor_as_base(hetero):
    X, y, *_ = hetero
    model = ngb.NGBRegressor(base=DecisionTreeRegressor(max_depth=2), **_small(n_estimators=30, colsample=0.5))
    model.fit(X, y)
    assert -model.score(X, y) < -stats.norm(y.mean(), y.std()).logpdf(y).mean()
    assert model.feature_importances_.shape == (4,)


def test_feature_importances(hetero):
    X, y, *_ = hetero
    model = ngb.NGBRegressor(**_small()).fit(X, y)
    by_param = model.feature_importances_by_param_
    assert set(by_param) == {"loc", "log_scale"}
    np.testing.assert_allclose(sum(by_param["loc"]), 1.0)
    assert np.argmax(by_param["loc"]) == 1  # loc = x0 + 2 x1
    # x3 is noise; x2 drives only the spread, so the loc trees (whose rows are weighted by
    # 1 / sigma^2) barely use either
    assert max(by_param["loc"][2], by_param["loc"][3]) < 0.02 and np.argmin(by_param["log_scale"]) == 3
    assert by_param["log_scale"][2] > 5 * by_param["loc"][2]
    np.testing.assert_allclose(model.feature_importances_.sum(), 1.0)


def test_set_params_dist_and_score_then_fit_trains_that_model(counts):
    X, y, _ = counts
    model = ngb.NGBRegressor(**_small(n_estimators=10))
    model.set_params(dist="poisson")
    assert isinstance(model.fit(X, y).predict_dist(X), ngb.Poisson)
    model.set_params(dist=ngb.Normal, score="crps")
    assert model.get_params()["score"] == "crps"
    d = model.fit(X, y).predict_dist(X)
    assert isinstance(d, ngb.Normal) and model._score_name == "crps"


# ---------------------------------------------------------------------------- scikit-learn tooling
def test_pipeline_gridsearch_cross_val_clone_pickle(hetero, counts):
    X, y, *_ = hetero
    pipe = make_pipeline(StandardScaler(), ngb.NGBRegressor(**_small(n_estimators=30)))
    pipe.fit(X, y)
    assert pipe.predict(X).shape == (len(y),)
    scores = cross_val_score(ngb.NGBRegressor(**_small(n_estimators=20)), X, y, cv=3)
    assert scores.shape == (3,) and np.all(np.isfinite(scores))
    # GridSearchCV over dist and score picks by mean log-likelihood (higher is better)
    Xc, yc, _ = counts
    grid = GridSearchCV(
        ngb.NGBRegressor(**_small(n_estimators=30)),
        {"dist": ["normal", "poisson"], "score": ["log", "crps"]},
        cv=KFold(3),
        error_score="raise",
    )
    grid.fit(Xc, yc)
    assert grid.best_params_["dist"] == "poisson"
    model = ngb.NGBRegressor(**_small(n_estimators=15)).fit(X, y)
    twin = clone(model)
    assert twin.get_params() == model.get_params() and not hasattr(twin, "n_iter_")
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.predict_dist(X).theta, model.predict_dist(X).theta)


def test_pandas_input_and_feature_names(hetero):
    X, y, *_ = hetero
    df = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    df["cat"] = pd.Categorical(np.where(X[:, 0] > 0, "pos", "neg"))
    model = ngb.NGBRegressor(**_small(n_estimators=20)).fit(df, pd.Series(y))
    assert list(model.feature_names_in_) == ["a", "b", "c", "d", "cat"]
    assert model.n_features_in_ == 5
    np.testing.assert_allclose(model.predict(df), model.predict(df.copy()))
    with pytest.raises(ValueError, match="feature names"):
        model.predict(df[["b", "a", "c", "d", "cat"]])
    # an unseen category is treated as missing, not as an error
    new = df.iloc[:3].copy()
    new["cat"] = pd.Categorical(["other", "pos", "neg"])
    assert np.all(np.isfinite(model.predict(new)))
    with pytest.raises(ValueError, match="Non-numeric columns"):
        ngb.NGBRegressor(**_small(n_estimators=2)).fit(df.assign(s=["x"] * len(df)), y)


def test_verbose_logs_progress(hetero, caplog):
    X, y, *_ = hetero
    with caplog.at_level(logging.INFO, logger="ngb"):
        ngb.NGBRegressor(**_small(n_estimators=20, verbose=1)).fit(X, y, X_val=X[:100], y_val=y[:100])
    messages = [r.getMessage() for r in caplog.records if r.name == "ngb"]
    assert any("iter 20/20" in m and "val" in m for m in messages)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="ngb"):
        ngb.NGBRegressor(**_small(n_estimators=5)).fit(X, y)
    assert not [r for r in caplog.records if r.name == "ngb"]


def test_line_search_never_accepts_non_finite_or_worse():
    assert _line_search(lambda s: np.inf if s > 0.25 else 1.0 - s, 1.0) == 0.25
    assert _line_search(lambda s: 1.0 + s, 1.0) == 0.0
    assert _line_search(lambda s: np.nan, 1.0) == 0.0
    assert _line_search(lambda s: (s - 5.0) ** 2, 25.0) == 8.0  # largest power of two still improving
    assert _line_search(lambda s: (s - 0.3) ** 2, 0.09) == 0.5
    assert _line_search(lambda s: -s, 0.0) == 256.0  # capped
    # for a convex score the result does not depend on where the search starts
    for target in (0.3, 1.0, 1.7, 5.0, 40.0, 1000.0):
        f = lambda s, t=target: (s - t) ** 2  # noqa: E731
        assert {_line_search(f, target**2, start) for start in (0.25, 1.0, 2.0, 8.0, 64.0, 256.0)} == {
            _line_search(f, target**2)
        }


# ---------------------------------------------------------------------------- classifier
def test_classifier_string_labels_and_log_likelihood_score():
    X, y = load_iris(return_X_y=True)
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    model = ngb.NGBClassifier(**_small(n_estimators=50)).fit(X, names)
    np.testing.assert_array_equal(model.classes_, ["setosa", "versicolor", "virginica"])
    proba = model.predict_proba(X)
    assert proba.shape == (150, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert (model.predict(X) == names).mean() > 0.95
    assert model.score(X, names) == pytest.approx(-log_loss(names, proba, labels=model.classes_))
    d = model.predict_dist(X)
    assert isinstance(d, ngb.Categorical) and d.n_classes == 3
    with pytest.raises(ValueError, match="not seen during fit"):
        model.score(X[:2], ["setosa", "daisy"])
    # predict_proba columns follow classes_ even for a class absent from a CV fold's labels
    yy = np.where(y == 2, 0, y)
    yy[:2] = 2
    m2 = ngb.NGBClassifier(**_small(n_estimators=10)).fit(X, yy)
    assert m2.predict_proba(X).shape == (150, 3)


def test_binary_classifier_and_bernoulli():
    X, y = make_classification(400, n_features=5, random_state=0)
    for dist in ("categorical", "bernoulli"):
        model = ngb.NGBClassifier(dist=dist, **_small(n_estimators=40)).fit(X, y)
        assert model.score(X, y) > -0.4
    with pytest.raises(ValueError, match="exactly 2 classes"):
        ngb.NGBClassifier(dist="bernoulli").fit(X, np.arange(400) % 3)


# ---------------------------------------------------------------------------- bad input
def _bad_regressor_inputs(X, y):
    n = len(y)
    yield "NaN", dict(X=X, y=np.where(np.arange(n) == 3, np.nan, y)), "NaN"
    yield "inf y", dict(X=X, y=np.where(np.arange(n) == 3, np.inf, y)), "infinity|NaN|infinite"
    yield "inf X", dict(X=np.where(np.arange(n)[:, None] == 3, np.inf, X), y=y), "infinity"
    yield "lengths", dict(X=X, y=y[:-1]), "inconsistent numbers of samples"
    yield "weights length", dict(X=X, y=y, sample_weight=np.ones(n - 1)), "sample_weight"
    yield "negative weights", dict(X=X, y=y, sample_weight=-np.ones(n)), "Negative values"
    yield "zero weights", dict(X=X, y=y, sample_weight=np.zeros(n)), "non-zero"
    yield "empty", dict(X=X[:0], y=y[:0]), "0 sample"


def test_bad_input_raises_and_leaves_fitted_model_untouched(hetero, counts):
    X, y, *_ = hetero
    model = ngb.NGBRegressor(**_small(n_estimators=10)).fit(X, y)
    before = model.predict_dist(X).theta
    state = {k: v for k, v in model.__dict__.items()}
    for label, kwargs, message in _bad_regressor_inputs(X, y):
        with pytest.raises(ValueError, match=message):
            model.fit(**kwargs)
        assert model.__dict__.keys() == state.keys(), label
        np.testing.assert_array_equal(model.predict_dist(X).theta, before)
    with pytest.raises(ValueError, match="features"):
        model.predict(X[:, :3])
    # counts outside the Poisson support
    poisson = ngb.NGBRegressor(dist="poisson", **_small(n_estimators=5))
    for bad in (-1.0, 0.5):
        with pytest.raises(ValueError, match="non-negative integers"):
            poisson.fit(X[:50], np.where(np.arange(50) == 0, bad, 1.0))
    with pytest.raises(ValueError, match="does not implement the 'brier'"):
        ngb.NGBRegressor(dist="poisson", score="brier").fit(X[:50], np.ones(50))
    with pytest.raises(ValueError, match="Unknown distribution"):
        ngb.NGBRegressor(dist="zipf").fit(X[:50], y[:50])
    with pytest.raises(ValueError, match="learning_rate"):
        ngb.NGBRegressor(learning_rate=-1).fit(X[:50], y[:50])
    with pytest.raises(ValueError, match="classification family"):
        ngb.NGBRegressor(dist="categorical").fit(X[:50], np.arange(50) % 2)


def test_classifier_bad_input():
    X, y = load_iris(return_X_y=True)
    model = ngb.NGBClassifier(**_small(n_estimators=5)).fit(X, y)
    before = model.predict_proba(X)
    with pytest.raises(ValueError, match="only one class"):
        model.fit(X, np.zeros(150))
    with pytest.raises(ValueError, match="Unknown label type|continuous"):
        model.fit(X, np.linspace(0, 1, 150))
    np.testing.assert_array_equal(model.predict_proba(X), before)
    np.testing.assert_array_equal(model.classes_, [0, 1, 2])


def test_diabetes_quickstart_numbers():
    X, y = load_diabetes(return_X_y=True)
    model = ngb.NGBRegressor(random_state=0, early_stopping=True).fit(X[:350], y[:350])
    d = model.predict_dist(X[350:])
    nll = -d.logpdf(y[350:]).mean()
    lo, hi = d.interval(0.9)
    coverage = np.mean((y[350:] >= lo) & (y[350:] <= hi))
    assert nll < 5.6  # the marginal Normal scores about 5.8
    assert 0.75 < coverage <= 1.0


def test_unfitted_feature_importances_is_an_attribute_error():
    assert not hasattr(ngb.NGBRegressor(), "feature_importances_")


def test_classifier_early_stopping_with_a_singleton_class():
    X, y = load_iris(return_X_y=True)
    y = y.copy()
    y[0] = 3  # a class with one member cannot be stratified into the validation split
    model = ngb.NGBClassifier(early_stopping=True, **_small()).fit(X, y)
    assert model.predict_proba(X).shape == (150, 4)


def test_offset_initial_rate_is_the_constant_mle():
    rng = np.random.default_rng(11)
    exposure = rng.uniform(0.1, 2.0, 3000)
    y = rng.poisson(0.3 * exposure).astype(float)
    X = rng.normal(size=(3000, 2))
    model = ngb.NGBRegressor(dist="poisson", n_estimators=1, random_state=0).fit(X, y, offset=np.log(exposure))
    assert model.init_params_[0] == pytest.approx(np.log(y.sum() / exposure.sum()), abs=1e-6)


def test_histtree_subclasses_take_the_fast_path_unless_they_change_fit_or_predict():
    """A HistTreeRegressor subclass that keeps fit and predict gets ngb's histogram back end; one
    that overrides fit is used as any scikit-learn regressor (its own fit is called)."""
    from ngb._backends import HistTreeBackend, SklearnBackend, make_backend

    class Renamed(ngb.HistTreeRegressor):
        pass

    class OwnFit(ngb.HistTreeRegressor):
        calls = 0

        def fit(self, X, y, sample_weight=None):
            OwnFit.calls += 1
            return super().fit(X, y, sample_weight)

    X = np.random.default_rng(0).normal(size=(50, 2))
    assert isinstance(make_backend(ngb.HistTreeRegressor(), X), HistTreeBackend)
    assert isinstance(make_backend(Renamed(), X), HistTreeBackend)
    assert isinstance(make_backend(OwnFit(), X), SklearnBackend)
    ngb.NGBRegressor(base=OwnFit(max_depth=2), n_estimators=3, early_stopping=False).fit(X, X[:, 0])
    assert OwnFit.calls == 6  # 3 iterations x 2 parameters


def test_dist_none_is_the_estimators_own_family():
    X = np.random.default_rng(0).normal(size=(60, 2))
    assert ngb.NGBRegressor(n_estimators=2).fit(X, X[:, 0])._dist is ngb.Normal
    assert ngb.NGBClassifier(n_estimators=2).fit(X, X[:, 0] > 0)._dist is ngb.SoftmaxCategorical
    y = ngb.survival.make_y(np.exp(X[:, 0]), X[:, 1] > -1)
    assert ngb.NGBSurvival(n_estimators=2).fit(X, y)._dist is ngb.LogNormal


@pytest.mark.parametrize("labels,dist", [(np.array(["cat", "dog", "emu"]), "categorical"),
                                          (np.array([3, 7, 10]), "categorical"),
                                          (np.array([False, True]), "bernoulli")])
def test_classifier_distribution_samples_labels(labels, dist):
    """predict_dist(X).sample draws labels of classes_ (was: float codes 0..K-1), with the
    frequencies predict_proba gives (binomial 5-sigma bands over 20,000 draws), through row
    indexing, staged_predict_dist and pickling."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(300, 2))
    y = labels[np.minimum((X[:, 0] > 0) + (X[:, 1] > 0.5), len(labels) - 1)]
    model = ngb.NGBClassifier(dist=dist, n_estimators=15, random_state=0).fit(X, y)
    d = model.predict_dist(X[:6])
    draws = d.sample(20_000, random_state=0)
    assert draws.shape == (6, 20_000) and draws.dtype == labels.dtype
    assert set(np.unique(draws)) <= set(labels)
    proba = model.predict_proba(X[:6])
    for j, label in enumerate(model.classes_):
        freq = (draws == label).mean(axis=1)
        np.testing.assert_array_less(np.abs(freq - proba[:, j]), 5 * np.sqrt(proba[:, j] * (1 - proba[:, j]) / 20_000) + 1e-12)
    one = d.sample(random_state=1)
    assert one.shape == (6,) and one.dtype == labels.dtype
    sub = d[2:4].sample(5, random_state=2)
    assert sub.shape == (2, 5) and sub.dtype == labels.dtype and set(np.unique(sub)) <= set(labels)
    np.testing.assert_array_equal(d[1].classes, model.classes_)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(d)).sample(100, random_state=4), d.sample(100, random_state=4))
    last = list(model.staged_predict_dist(X[:6]))[-1]
    np.testing.assert_array_equal(last.sample(100, random_state=5), d.sample(100, random_state=5))
    np.testing.assert_array_equal(d.probs, proba)  # the probabilities and codes are unchanged
    assert d.logpdf(np.zeros(6)) == pytest.approx(np.log(proba[:, 0]))


def _screen(stream):
    """The lines a terminal shows after ``stream``: "\\r" returns to column 0, "\\n" starts a line,
    ESC[A moves up a line, other escape sequences are ignored, characters overwrite."""
    import re

    lines, row, col = [[]], 0, 0
    for token in re.findall(r"\x1b\[[0-9;]*[A-Za-z]|.|\n", stream, flags=re.S):
        if token == "\n":
            row, col = row + 1, 0
            if row == len(lines):
                lines.append([])
        elif token == "\r":
            col = 0
        elif token.startswith("\x1b["):
            row = max(row - 1, 0) if token.endswith("A") else row
        else:
            line = lines[row]
            line.extend(" " * (col + 1 - len(line)))
            line[col] = token
            col += 1
    return ["".join(line).rstrip() for line in lines]


_VERBOSE_FIT = """
import numpy as np, ngb
rng = np.random.default_rng(0)
X = rng.normal(size=(400, 3))
y = X[:, 0] + rng.normal(size=400)
model = ngb.NGBRegressor(n_estimators=2000, learning_rate=0.5, early_stopping=True, n_iter_no_change=5,
                         verbose=1, random_state=0).fit(X, y)
assert model.n_iter_ < 500  # stopped early, far before n_estimators
"""


@pytest.mark.parametrize("logging_setup", ["", "import logging; logging.basicConfig(format='[ngb] %(message)s')"])
def test_verbose_progress_bar_and_log_lines_do_not_interleave(logging_setup):
    """verbose=1 with tqdm, in a fresh interpreter (logging unconfigured, or basicConfig): every log
    line starts its own terminal line (the bar was drawn into them), and the bar is gone once early
    stopping ends the fit (it stayed, frozen, above the last line)."""
    import subprocess
    import sys

    pytest.importorskip("tqdm")
    proc = subprocess.run([sys.executable, "-c", logging_setup + "\n" + _VERBOSE_FIT], capture_output=True, timeout=120)
    err = proc.stderr.decode()  # bytes: text mode would turn the bar's "\r" into "\n"
    assert proc.returncode == 0, err
    assert "ngb fit:" in err  # the bar was shown
    screen = [line for line in _screen(err) if line]
    assert not [line for line in screen if "ngb fit" in line]
    assert all(line.startswith("[ngb] ") for line in screen), screen
    assert any(line.startswith("[ngb] iter 1/2000") for line in screen) and "kept" in screen[-1], screen


def test_verbose_lines_say_what_the_numbers_are(caplog):
    """The log names the score ("train NLL", "val CRPS", ...), says it is a loss and how it relates
    to model.score, and names the line-search step; the logged values are those quantities,
    recomputed here: -model.score for the NLL, ngb.metrics.crps for the CRPS."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(300, 2))
    y = X[:, 0] + rng.normal(size=300)
    for score, label in (("log", "NLL"), ("crps", "CRPS")):
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="ngb"):
            model = ngb.NGBRegressor(score=score, n_estimators=20, verbose=1, early_stopping=False, random_state=0).fit(
                X[:200], y[:200], X_val=X[200:], y_val=y[200:])
        messages = [r.getMessage() for r in caplog.records if r.name == "ngb"]
        assert f"train/val {label}:" in messages[0] and "lower is better" in messages[0]
        assert "model.score(X, y) is the mean log-likelihood, higher is better" in messages[0]
        assert "line-search step: the multiplier" in messages[0]
        last = next(m for m in messages if m.startswith("iter 20/20"))
        fields = last.split()
        train = float(fields[fields.index("train") + 2])
        val = float(fields[fields.index("val") + 2])
        assert fields[fields.index("train") + 1] == label and "line-search step" in last
        if score == "log":
            assert train == pytest.approx(-model.score(X[:200], y[:200]), abs=1e-5)
            assert val == pytest.approx(-model.score(X[200:], y[200:]), abs=1e-5)
        else:
            assert train == pytest.approx(ngb.metrics.crps(y[:200], model.predict_dist(X[:200])), abs=1e-5)
            assert val == pytest.approx(ngb.metrics.crps(y[200:], model.predict_dist(X[200:])), abs=1e-5)
