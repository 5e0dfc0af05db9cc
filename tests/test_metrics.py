"""ngb.metrics on univariate, class and multivariate-normal distributions, each against an
independent computation: closed forms, scoringrules, scipy.stats, scipy.integrate.quad, scikit-learn,
brute-force loops, Monte Carlo."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scoringrules as sr
from scipy import integrate, special, stats
from sklearn import metrics as skm

import ngb
from ngb import metrics
from ngb.metrics._quadrature import crps_by_quadrature

RNG = np.random.default_rng(0)
N = 25


def _draws(d, seed=1):
    return d.sample(random_state=seed)


def _quad_crps(frozen, y, lo=-np.inf, hi=np.inf):
    """CRPS of one row by adaptive quadrature of the definition (scipy.integrate.quad)."""
    cdf = lambda z: float(np.asarray(frozen.cdf(z)).ravel()[0]) ** 2  # noqa: E731
    sf = lambda z: float(np.asarray(frozen.sf(z)).ravel()[0]) ** 2  # noqa: E731
    below = integrate.quad(cdf, lo, y, limit=500, epsabs=1e-14, epsrel=1e-12)[0] if y > lo else 0.0
    if np.isfinite(hi) or not np.isfinite(lo):
        return below + integrate.quad(sf, y, hi, limit=500, epsabs=1e-14, epsrel=1e-12)[0]
    return below + integrate.quad(sf, y, np.inf, limit=500, epsabs=1e-14, epsrel=1e-12)[0]


CLOSED = {
    "normal": lambda: ngb.Normal(RNG.normal(size=N), np.exp(RNG.normal(size=N))),
    "laplace": lambda: ngb.Laplace(RNG.normal(size=N), np.exp(RNG.normal(size=N))),
    "lognormal": lambda: ngb.LogNormal(s=np.exp(RNG.normal(size=N)), scale=np.exp(RNG.normal(size=N))),
    "exponential": lambda: ngb.Exponential(np.exp(RNG.normal(size=N))),
    "poisson": lambda: ngb.Poisson(np.exp(2 * RNG.normal(size=N))),
}


@pytest.mark.parametrize("family", sorted(CLOSED))
def test_quadrature_matches_the_closed_form_crps(family):
    d = CLOSED[family]()
    y = _draws(d)
    if not d.discrete:
        y = y * np.exp(0.5 * RNG.normal(size=N))  # also y far in the tails
    np.testing.assert_allclose(crps_by_quadrature(d, y), d.score(y, "crps"), rtol=1e-11, atol=1e-14)
    np.testing.assert_allclose(metrics.crps(y, d, per_row=True), d.score(y, "crps"), rtol=1e-15)


def _t():
    return ngb.StudentT(df=np.exp(RNG.uniform(np.log(0.55), 3, N)), loc=RNG.normal(size=N), scale=np.exp(RNG.normal(size=N)))


SCORINGRULES = {
    "studentt": (_t, lambda y, p: sr.crps_t(y, p["df"], p["loc"], p["scale"])),
    "gamma": (lambda: ngb.Gamma(a=np.exp(1.5 * RNG.normal(size=N)), scale=np.exp(RNG.normal(size=N))),
              lambda y, p: sr.crps_gamma(y, p["a"], scale=p["scale"])),
    "beta": (lambda: ngb.Beta(a=np.exp(RNG.normal(size=N)), b=np.exp(RNG.normal(size=N))),
             lambda y, p: sr.crps_beta(y, p["a"], p["b"])),
    "negative_binomial": (lambda: ngb.NegativeBinomial(n=np.exp(RNG.normal(size=N)), p=RNG.uniform(0.05, 0.95, N)),
                          lambda y, p: sr.crps_negbinom(y, p["n"], p["p"])),
}


@pytest.mark.parametrize("family", sorted(SCORINGRULES))
def test_crps_by_quadrature_matches_scoringrules(family):
    make, oracle = SCORINGRULES[family]
    d = make()
    y = _draws(d)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = np.asarray(oracle(y, d.params), dtype=float)
    assert "crps" not in d.available_scores()
    np.testing.assert_allclose(metrics.crps(y, d, per_row=True), expected, rtol=1e-9)


QUAD = {
    "weibull": lambda: ngb.Weibull(c=np.exp(RNG.normal(size=6)), scale=np.exp(RNG.normal(size=6))),
    "halfnormal": lambda: ngb.HalfNormal(np.exp(RNG.normal(size=6))),
    "cauchy": lambda: ngb.Cauchy(RNG.normal(size=6), np.exp(RNG.normal(size=6))),
    "t_fixed_df": lambda: ngb.TFixedDf(RNG.normal(size=6), np.exp(RNG.normal(size=6))),
}


@pytest.mark.parametrize("family", sorted(QUAD))
def test_crps_by_quadrature_matches_scipy_quad(family):
    d = QUAD[family]()
    y = _draws(d)
    lo, hi = d.quantile(0.0), d.quantile(1.0)
    expected = [_quad_crps(d[i].to_scipy(), y[i], lo[i], hi[i]) for i in range(len(d))]
    np.testing.assert_allclose(metrics.crps(y, d, per_row=True), expected, rtol=1e-9)


def test_crps_of_student_t_is_infinite_exactly_for_df_at_most_one_half():
    d = ngb.StudentT(df=[0.2, 0.5, 0.6, 1.0], loc=0.0, scale=1.0)
    y = np.array([0.3, 0.3, 0.3, 0.3])
    values = metrics.crps(y, d, per_row=True)
    assert np.isinf(values[:2]).all()
    expected = [_quad_crps(stats.t(df), 0.3) for df in (0.6, 1.0)]
    np.testing.assert_allclose(values[2:], expected, rtol=1e-8)  # finite although the mean does not exist
    assert metrics.crps(y, d) == np.inf


def test_crps_near_a_point_mass_is_the_absolute_error():
    d = ngb.Normal(loc=[1.0, 1.0], scale=[1e-12, 1e-12])
    np.testing.assert_allclose(crps_by_quadrature(d, np.array([3.0, 1.0])), [2.0, 0.0], atol=1e-11)
    p = ngb.Poisson(mu=[1e-10, 1e-10])
    np.testing.assert_allclose(crps_by_quadrature(p, np.array([0.0, 4.0])), [0.0, 4.0], atol=1e-8)
    g = ngb.Gamma(a=[1e6], scale=[1e-6])  # mean 1, sd 1e-3: nearly Normal(1, 1e-3)
    assert metrics.crps([5.0], g) == pytest.approx(4.0 - 1e-3 / np.sqrt(np.pi), rel=1e-9)


def test_weighted_means_and_one_row():
    d = ngb.Gamma(a=np.exp(RNG.normal(size=N)), scale=1.0)
    y = _draws(d)
    w = RNG.uniform(0, 2, N)
    w[3] = 0
    per_row = metrics.crps(y, d, per_row=True)
    assert metrics.crps(y, d, sample_weight=w) == pytest.approx(np.sum(w * per_row) / np.sum(w), rel=1e-13)
    one = metrics.crps(y[:1], d[:1])
    assert one == pytest.approx(per_row[0], rel=1e-13)
    assert metrics.nll(y, d, sample_weight=w) == pytest.approx(np.sum(-w * d.to_scipy().logpdf(y)) / w.sum())
    with pytest.raises(ValueError):
        metrics.crps(y, d, sample_weight=np.zeros(N))


def test_nll_against_scipy_including_the_multivariate_normal():
    d = ngb.Poisson(np.exp(RNG.normal(size=N)))
    y = _draws(d)
    assert metrics.nll(y, d) == pytest.approx(-np.mean(stats.poisson(d.params["mu"]).logpmf(y)), rel=1e-12)
    mean, A = RNG.normal(size=(4, 2)), RNG.normal(size=(4, 2, 2))
    cov = A @ np.swapaxes(A, 1, 2) + np.eye(2)
    mv = ngb.MultivariateNormal(mean, cov)
    Y = RNG.normal(size=(4, 2))
    expected = [-stats.multivariate_normal(mean[i], cov[i]).logpdf(Y[i]) for i in range(4)]
    np.testing.assert_allclose(metrics.nll(Y, mv, per_row=True), expected, rtol=1e-10)


def test_interval_score_coverage_and_sharpness_by_brute_force():
    d = ngb.Normal(RNG.normal(size=N), np.exp(RNG.normal(size=N)))
    y = RNG.normal(size=N) * 2
    level = 0.8
    lo, hi = stats.norm(d.params["loc"], d.params["scale"]).interval(level)
    a = 1 - level
    score, inside = [], []
    for yi, l, u in zip(y, lo, hi):
        penalty = (2 / a) * (l - yi) if yi < l else (2 / a) * (yi - u) if yi > u else 0.0
        score.append(u - l + penalty)
        inside.append(l <= yi <= u)
    assert metrics.interval_score(y, d, level) == pytest.approx(np.mean(score), rel=1e-12)
    assert metrics.coverage(y, d, level) == pytest.approx(np.mean(inside))
    assert metrics.sharpness(d, level) == pytest.approx(np.mean(hi - lo), rel=1e-12)
    with pytest.raises(ValueError):
        metrics.coverage(y, d, 90)


def test_pit_continuous_is_the_cdf_and_discrete_is_randomised_and_uniform():
    d = ngb.Gamma(a=np.exp(RNG.normal(size=N)), scale=2.0)
    y = _draws(d)
    np.testing.assert_allclose(metrics.pit(y, d), stats.gamma(d.params["a"], scale=2.0).cdf(y), rtol=1e-12)
    p = ngb.Poisson(np.full(4000, 1.3))
    k = p.sample(random_state=3)
    u = metrics.pit(k, p, random_state=5)
    lower, upper = stats.poisson(1.3).cdf(k - 1), stats.poisson(1.3).cdf(k)
    assert np.all((u >= lower) & (u <= upper)) and np.all(upper > lower)
    np.testing.assert_array_equal(u, metrics.pit(k, p, random_state=5))  # seeded
    assert stats.kstest(u, "uniform").pvalue > 0.01  # uniform: the non-randomised F(k) is far from it
    assert stats.kstest(upper, "uniform").pvalue < 1e-10


def test_reliability_and_calibration_error_by_brute_force():
    d = ngb.Normal(RNG.normal(size=3000), np.exp(RNG.normal(size=3000)))
    y = d.sample(random_state=4)
    frozen = stats.norm(d.params["loc"], d.params["scale"])
    levels = np.round(np.arange(1, 20) / 20, 2)
    observed = np.array([np.mean(y <= frozen.ppf(t)) for t in levels])
    got_levels, got = metrics.quantile_reliability(y, d)
    np.testing.assert_allclose(got_levels, levels)
    np.testing.assert_allclose(got, observed)
    assert metrics.calibration_error(y, d) == pytest.approx(np.mean(np.abs(observed - levels)))
    assert metrics.calibration_error(y, d) < 0.02
    narrow = ngb.Normal(d.params["loc"], d.params["scale"] / 2)
    assert metrics.calibration_error(y, narrow) > 0.1


def test_log_loss_and_brier_score_against_scikit_learn():
    classes = np.array(["a", "b", "c"])
    probs = RNG.dirichlet(np.ones(3), size=N)
    d = ngb.Categorical(probs)
    labels = classes[RNG.integers(0, 3, N)]
    w = RNG.uniform(0.5, 1.5, N)
    assert metrics.log_loss(labels, d, classes=classes, sample_weight=w) == pytest.approx(
        skm.log_loss(labels, probs, labels=classes, sample_weight=w), rel=1e-10)
    assert metrics.brier_score(labels, d, classes=classes) == pytest.approx(
        skm.brier_score_loss(labels, probs, labels=classes), rel=1e-10)
    codes = np.searchsorted(classes, labels)
    np.testing.assert_allclose(metrics.brier_score(codes, d, per_row=True), d.score(codes, "brier"), rtol=1e-12)
    b = ngb.Bernoulli(RNG.uniform(size=N))
    yb = RNG.integers(0, 2, N)
    assert metrics.brier_score(yb, b) == pytest.approx(skm.brier_score_loss(yb, b.p), rel=1e-10)
    assert metrics.brier_score(yb, b, scale_by_half=False) == pytest.approx(2 * skm.brier_score_loss(yb, b.p))
    with pytest.raises(ValueError, match="not in classes"):
        metrics.log_loss(np.array(["a", "z"]), d[:2], classes=classes)


def test_energy_score_is_exact():
    mu, sd = RNG.normal(size=(N, 1)), np.exp(RNG.normal(size=N))
    d1 = ngb.MultivariateNormal(mu, sd[:, None, None] ** 2)
    y1 = RNG.normal(size=(N, 1)) * 3
    np.testing.assert_allclose(metrics.energy_score(y1, d1, per_row=True), ngb.Normal(mu[:, 0], sd).score(y1[:, 0], "crps"),
                               rtol=1e-11)  # in one dimension the energy score is the CRPS
    for dim in (2, 7):  # E||N(0, s^2 I)|| is s sqrt(2) Gamma((d+1)/2) / Gamma(d/2), so ES at y = mu is ...
        s = 1.7
        d = ngb.MultivariateNormal(np.zeros(dim), s**2 * np.eye(dim))
        chi = s * np.sqrt(2) * np.exp(special.gammaln((dim + 1) / 2) - special.gammaln(dim / 2))
        assert metrics.energy_score(np.zeros((1, dim)), d) == pytest.approx(chi - 0.5 * np.sqrt(2) * chi, rel=1e-11)


def test_energy_score_against_monte_carlo():
    mean = np.array([[0.5, -1.0, 2.0]])
    A = np.array([[1.0, 0.0, 0.0], [0.8, 0.6, 0.0], [-0.3, 0.5, 1.5]])
    d = ngb.MultivariateNormal(mean, A @ A.T)
    y = np.array([[1.0, 0.0, 0.0]])
    x = d.sample(200_000, random_state=0)[0]
    first = np.linalg.norm(x - y, axis=1)
    second = np.linalg.norm(x[::2] - x[1::2], axis=1)
    estimate = first.mean() - 0.5 * second.mean()
    se = np.sqrt(first.var() / len(first) + 0.25 * second.var() / len(second))
    assert abs(metrics.energy_score(y, d) - estimate) < 4 * se  # se is about 2e-3
    ens = (sr.es_ensemble if hasattr(sr, "es_ensemble") else sr.energy_score)(y[0], x[:4000])
    assert metrics.energy_score(y, d) == pytest.approx(float(ens), abs=0.05)
