"""Equivariance: the engine fits in standardised units of the target (ngb/_units.py), so a model
fitted on s * y (or c + s * y) is the model fitted on y, mapped, at every scale a double holds;
scores are reported in the target's own units."""

import numpy as np
import pytest

import ngb
from ngb.survival import make_y

SCALES = (1e-30, 1e-20, 1e-5, 1e5, 1e20, 1e30)
KW = dict(n_estimators=40, learning_rate=0.1, random_state=0)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))
    y = X[:, 0] + 0.5 * rng.normal(size=300)
    return X, y, rng


@pytest.mark.parametrize("dist", ["normal", "laplace", "studentt", "t_fixed_df", "cauchy", "logistic", "gumbel"])
def test_location_scale_families_are_equivariant(data, dist):
    X, y, _ = data
    base = ngb.NGBRegressor(dist=dist, **KW).fit(X, y)
    d0 = base.predict_dist(X)
    for f in SCALES:
        shift = 3.0 * f
        m = ngb.NGBRegressor(dist=dist, **KW).fit(X, shift + f * y)
        d = m.predict_dist(X)
        np.testing.assert_allclose((d.loc - shift) / f, d0.loc, rtol=1e-9, atol=1e-9 * np.abs(d0.loc).max())
        np.testing.assert_allclose(d.scale / f, d0.scale, rtol=1e-9)
        np.testing.assert_allclose(m.train_score_, base.train_score_ + np.log(f), rtol=1e-12, atol=1e-9)


@pytest.mark.parametrize("dist", ["exponential", "gamma", "weibull", "halfnormal", "lognormal"])
def test_positive_families_are_equivariant(data, dist):
    X, y, _ = data
    base = ngb.NGBRegressor(dist=dist, **KW).fit(X, np.exp(y))
    for f in SCALES:
        m = ngb.NGBRegressor(dist=dist, **KW).fit(X, f * np.exp(y))
        np.testing.assert_allclose(m.predict(X) / f, base.predict(X), rtol=1e-9)
        np.testing.assert_allclose(m.predict_dist(X).quantile(0.9) / f, base.predict_dist(X).quantile(0.9),
                                   rtol=1e-9)


def test_an_exponential_fit_to_huge_values_predicts_their_scale(data):
    X, y, _ = data
    target = np.exp(y) * 1e20
    pred = ngb.NGBRegressor(dist="exponential", **KW).fit(X, target).predict(X)
    assert 0.5 < pred.mean() / target.mean() < 2  # was capped at 2.35e17 (log scale clipped at 40)


@pytest.mark.parametrize("dist,score", [("lognormal", "log"), ("lognormal", "crps"), ("weibull", "log"),
                                        ("exponential", "crps"), ("gamma", "log")])
def test_survival_fits_are_equivariant_in_time(data, dist, score):
    X, y, rng = data
    t, event = np.exp(y) * 100, rng.random(len(y)) < 0.7
    base = ngb.NGBSurvival(dist=dist, score=score, **KW).fit(X, make_y(t, event))
    for f in (1e-25, 1e25):
        m = ngb.NGBSurvival(dist=dist, score=score, **KW).fit(X, make_y(f * t, event))
        np.testing.assert_allclose(m.predict(X) / f, base.predict(X), rtol=1e-9)
        if score == "log":  # the density per unit of time moves by log f on the events only
            np.testing.assert_allclose(m.train_score_, base.train_score_ + np.log(f) * event.mean(), rtol=1e-12,
                                       atol=1e-9)
        else:
            np.testing.assert_allclose(m.train_score_, base.train_score_ * f, rtol=1e-9)


def test_multivariate_normal_is_equivariant_per_dimension(data):
    X, y, rng = data
    Y = np.column_stack([y, 0.5 * y + rng.normal(size=len(y))])
    dist = ngb.MultivariateNormal(2)
    base = ngb.NGBRegressor(dist=dist, **KW).fit(X, Y)
    for f in (np.array([1e-30, 1e20]), np.array([1e25, 1e25])):
        m = ngb.NGBRegressor(dist=dist, **KW).fit(X, Y * f)
        np.testing.assert_allclose(m.predict(X) / f, base.predict(X), rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(m.predict_dist(X).cov() / np.outer(f, f), base.predict_dist(X).cov(), rtol=1e-9,
                                   atol=1e-12)
        np.testing.assert_allclose(m.train_score_, base.train_score_ + np.log(f).sum(), rtol=1e-12, atol=1e-9)


def test_counts_and_classes_are_fitted_as_they_are(data):
    """Families whose parameters have no units (counts, classes, the Beta) are not standardised."""
    X, y, rng = data
    counts = rng.poisson(np.exp(0.3 * X[:, 0])).astype(float)
    model = ngb.NGBRegressor(dist="poisson", **KW).fit(X, counts)
    assert model._units is None
    np.testing.assert_array_equal(model.init_params_, ngb.Poisson.fit_marginal(counts))
