"""ngb.metrics.predict_dist through Pipeline, searches and TransformedTargetRegressor, and the
TransformedDistribution of a monotone target transform against exact laws and Monte Carlo."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.compose import TransformedTargetRegressor
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import ngb
from ngb import metrics
from ngb.metrics import TransformedDistribution, predict_dist

RNG = np.random.default_rng(2)


@pytest.fixture(scope="module")
def xy():
    X = RNG.normal(size=(200, 3)) * [1, 10, 100]
    y = np.exp(0.5 * X[:, 0] + 0.05 * X[:, 1] + 0.3 * RNG.normal(size=200)) * 10
    return X, y


def _model():
    return ngb.NGBRegressor(n_estimators=15, learning_rate=0.1, random_state=0)


def test_pipeline_and_search_give_the_final_models_distribution(xy):
    X, y = xy
    pipe = make_pipeline(StandardScaler(), _model()).fit(X, y)
    expected = pipe[-1].predict_dist(pipe[:-1].transform(X))
    np.testing.assert_array_equal(predict_dist(pipe, X).theta, expected.theta)
    search = GridSearchCV(make_pipeline(StandardScaler(), _model()), {"ngbregressor__learning_rate": [0.05, 0.1]}, cv=2).fit(X, y)
    best = search.best_estimator_
    np.testing.assert_array_equal(predict_dist(search, X).theta, best[-1].predict_dist(best[:-1].transform(X)).theta)
    with pytest.raises(TypeError, match="predicts no distribution"):
        predict_dist(StandardScaler().fit(X), X)
    no_refit = GridSearchCV(_model(), {"learning_rate": [0.1]}, cv=2, refit=False).fit(X, y)
    with pytest.raises(ValueError, match="refit"):
        predict_dist(no_refit, X)


def test_transformed_target_regressor_with_log_is_lognormal(xy):
    X, y = xy
    ttr = TransformedTargetRegressor(regressor=_model(), func=np.log, inverse_func=np.exp).fit(X, y)
    d = predict_dist(ttr, X[:20])
    z = ttr.regressor_.predict_dist(X[:20])
    exact = ngb.LogNormal(s=z.params["scale"], scale=np.exp(z.params["loc"]))  # exp(Normal) is LogNormal
    q = [0.05, 0.5, 0.95]
    np.testing.assert_allclose(d.quantile(q), exact.quantile(q), rtol=1e-13)
    yy = exact.sample(random_state=0)
    np.testing.assert_allclose(d.cdf(yy), exact.cdf(yy), rtol=1e-12)
    np.testing.assert_allclose(d.logpdf(yy), exact.logpdf(yy), rtol=1e-8)
    np.testing.assert_allclose(d.mean(), exact.mean(), rtol=1e-10)  # E exp(Z), not exp(E Z) = ttr.predict
    assert not np.allclose(d.mean(), ttr.predict(X[:20]))
    np.testing.assert_allclose(metrics.crps(yy, d, per_row=True), exact.score(yy, "crps"), rtol=1e-10)
    assert d.cdf(np.full(20, -1.0)).max() == 0.0  # below the image of exp


def test_transformed_mean_variance_and_sample_against_monte_carlo():
    base = ngb.Normal(loc=[0.3, -1.0], scale=[0.5, 2.0])
    inverse = lambda z: -np.sinh(z)  # noqa: E731  decreasing
    d = TransformedDistribution(base, lambda y: np.arcsinh(-y), inverse)
    assert not d.increasing
    draws = inverse(base.sample(400_000, random_state=0))
    se = draws.std(axis=1) / np.sqrt(draws.shape[1])
    assert np.all(np.abs(d.mean() - draws.mean(axis=1)) < 4 * se)
    mu, sd = base.params["loc"], base.params["scale"]  # E sinh Z and E sinh^2 Z in closed form
    mean = -np.exp(sd**2 / 2) * np.sinh(mu)
    np.testing.assert_allclose(d.mean(), mean, rtol=1e-10)
    np.testing.assert_allclose(d.var(), (np.exp(2 * sd**2) * np.cosh(2 * mu) - 1) / 2 - mean**2, rtol=1e-6)  # u truncated at 1 - 1.1e-16
    np.testing.assert_allclose(d.quantile([0.1, 0.9]), np.quantile(draws, [0.1, 0.9], axis=1).T, rtol=0.01)
    lo, hi = d.interval(0.8)
    np.testing.assert_allclose(np.mean((draws >= lo[:, None]) & (draws <= hi[:, None]), axis=1), 0.8, atol=0.005)
    t = np.array([0.2, 1.0])
    np.testing.assert_allclose(d.cdf(t), np.mean(draws <= t[:, None], axis=1), atol=0.003)
    np.testing.assert_allclose(d.sample(5, random_state=1), inverse(base.sample(5, random_state=1)))


def test_standard_scaler_target_and_non_monotone_transforms(xy):
    X, y = xy
    ttr = TransformedTargetRegressor(regressor=_model(), transformer=StandardScaler()).fit(X, y)
    d = predict_dist(ttr, X[:5])
    z = ttr.regressor_.predict_dist(X[:5])
    m, s = ttr.transformer_.mean_[0], ttr.transformer_.scale_[0]
    np.testing.assert_allclose(d.quantile(0.9), m + s * z.quantile(0.9), rtol=1e-12)
    np.testing.assert_allclose(d.mean(), m + s * z.mean(), rtol=1e-10)
    with pytest.raises(ValueError, match="not monotone"):
        TransformedDistribution(ngb.Normal(0.0, 3.0), np.arccos, np.cos)
    with pytest.raises(ValueError, match="continuous univariate"):
        TransformedDistribution(ngb.Poisson(2.0), np.log, np.exp)
