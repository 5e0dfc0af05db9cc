"""BetaBinomial / BetaBernoulli beyond the registry's oracle tests (tests/families.py): the fixed number
of trials, the singular Fisher information of one trial, fits at the binomial limit, and families
with a fixed argument in pickles and model files."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from scipy import stats

import ngb
from ngb.distributions import BetaBernoulli, BetaBinomial, TFixedDf, family_by_name, family_name

FAST = dict(n_estimators=40, learning_rate=0.1, early_stopping=False, random_state=0)


def test_with_trials_gives_one_class_per_number():
    assert BetaBinomial.with_trials(9) is BetaBinomial.with_trials(9.0) is BetaBinomial.with_trials(np.int64(9))
    assert BetaBinomial.with_trials(1) is BetaBinomial and BetaBinomial.trials == 1
    assert BetaBinomial.with_trials(9).trials == 9 and BetaBinomial.with_trials(9).__name__ == "BetaBinomial_9"
    for bad in (0, -3, 2.5, True, 10**7, "9"):
        with pytest.raises((ValueError, TypeError)):
            BetaBinomial.with_trials(bad)
    assert TFixedDf.with_df(2.5) is TFixedDf.with_df(2.5) and TFixedDf.with_df(3) is TFixedDf


def test_targets_beyond_the_trials_are_refused():
    cls = BetaBinomial.with_trials(4)
    np.testing.assert_array_equal(cls.check_y([0, 4, 2]), [0, 4, 2])
    with pytest.raises(ValueError, match="0..4"):
        cls.check_y([0, 5])
    with pytest.raises(ValueError, match="0..4"):
        ngb.NGBRegressor(dist=cls, **FAST).fit(np.zeros((3, 1)), [0, 1, 5])


def test_one_trial_natural_gradient_moves_the_probability_only():
    # Bernoulli(p = a/(a+b)) in (log a, log b): score gradient -(y - p)(1, -1), metric
    # p(1-p)[[1,-1],[-1,1]], minimum-norm natural gradient -(y - p)/(2p(1-p)) (1, -1)
    rng = np.random.default_rng(0)
    a, b = np.exp(rng.normal(0, 1.5, 200)), np.exp(rng.normal(0, 1.5, 200))
    y = rng.integers(0, 2, 200).astype(float)
    d = BetaBernoulli(a=a, b=b)
    p = a / (a + b)
    m = d.metric()
    np.testing.assert_allclose(m[:, 0, 0], p * (1 - p), rtol=1e-10)
    np.testing.assert_allclose(m[:, 0, 1], -p * (1 - p), rtol=1e-10)
    expected = -(y - p) / (2 * p * (1 - p))
    ng = d.natural_gradient(y)
    np.testing.assert_allclose(ng[:, 0], expected, rtol=1e-8)
    np.testing.assert_allclose(ng[:, 1], -expected, rtol=1e-8)
    np.testing.assert_allclose(d.logpdf(y), stats.bernoulli(p).logpmf(y), rtol=1e-12, atol=1e-14)


def test_one_trial_marginal_fit_puts_the_concentration_at_two():
    y = np.array([0, 1, 1, 1, 0, 1.0])
    a, b = np.exp(BetaBernoulli.fit_marginal(y))
    np.testing.assert_allclose([a / (a + b), a + b], [4 / 6, 2.0], rtol=1e-12)


def test_marginal_fit_of_under_dispersed_counts_reaches_the_binomial_limit():
    # counts less dispersed than any binomial (variance 0.5 at mean 3 of 6): the beta-binomial MLE
    # lies at the largest concentration the bounds allow, with the binomial's probability
    rng = np.random.default_rng(1)
    y = 2.0 + rng.binomial(2, 0.5, 5000)
    theta = BetaBinomial.with_trials(6).fit_marginal(y)
    a, b = np.exp(theta)
    assert a + b > 1e4
    np.testing.assert_allclose(a / (a + b), y.mean() / 6, rtol=1e-4)  # (a + b is finite at the bound)


@pytest.mark.parametrize("trials", [1, 8])
def test_fit_learns_the_probability_and_the_concentration(trials):
    # p = expit(1.5 x0), concentration a + b = 4 (over-dispersed for 8 trials): the fit's test NLL
    # comes within 0.06 of the true parameters' (4000 training rows; 1.808 vs 1.754 for 8 trials) and
    # far below the marginal fit's, with the concentration learned from the data
    rng = np.random.default_rng(trials)
    n = 4000
    X = rng.normal(size=(2 * n, 3))
    p = 1 / (1 + np.exp(-1.5 * X[:, 0]))
    y = rng.binomial(trials, rng.beta(4 * p, 4 * (1 - p))).astype(float)
    cls = BetaBinomial.with_trials(trials)
    model = ngb.NGBRegressor(dist=cls, random_state=0).fit(X[:n], y[:n])
    test_nll = -np.mean(model.predict_dist(X[n:]).logpdf(y[n:]))
    true_nll = -np.mean(stats.betabinom(trials, 4 * p[n:], 4 * (1 - p[n:])).logpmf(y[n:]))
    marginal = cls.from_internal(cls.fit_marginal(y[:n]))
    marginal_nll = -np.mean(marginal.logpdf(y[n:]))
    assert test_nll < true_nll + 0.06, (test_nll, true_nll)
    assert marginal_nll - true_nll > 0.1
    if trials > 1:  # (one trial does not identify a + b)
        d = model.predict_dist(X[n:])
        assert 2.5 < np.median(d.a + d.b) < 6
    np.testing.assert_allclose(model.predict(X[n:]), model.predict_dist(X[n:]).mean())


def test_family_names_of_fixed_arguments_round_trip():
    for cls in (BetaBinomial.with_trials(12), TFixedDf.with_df(2.5), BetaBinomial, BetaBernoulli, TFixedDf):
        assert family_by_name(family_name(cls)) is cls
    assert family_name(BetaBinomial.with_trials(12)) == "beta_binomial:12"
    for bad in ("beta_binomial:0", "beta_binomial:2.5", "beta_binomial:9.0", "t_fixed_df:3.0", "t_fixed_df:nan",
                "t_fixed_df:-1", "normal:3", "beta_binomial:", 3):
        assert family_by_name(bad) is None, bad

    class Mine(BetaBinomial):
        trials = 5

    assert family_name(Mine) is None  # not ngb's class of 5 trials


@pytest.mark.parametrize("dist", [BetaBinomial.with_trials(7), TFixedDf.with_df(2.5)], ids=["beta_binomial_7", "t_2_5"])
def test_fixed_argument_models_save_load_and_pickle(dist, tmp_path):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(300, 3))
    y = rng.binomial(7, 0.4, 300).astype(float) if dist.support == "count" else X[:, 0] + rng.standard_t(2.5, 300)
    model = ngb.NGBRegressor(dist=dist, **FAST).fit(X, y)
    model.save(tmp_path / "m.ngb")
    for loaded in (ngb.load(tmp_path / "m.ngb"), pickle.loads(pickle.dumps(model))):
        assert loaded.predict_dist(X[:5]).__class__ is dist
        np.testing.assert_array_equal(loaded.predict_dist(X).theta, model.predict_dist(X).theta)


# ---------------------------------------------------------------------------- BetaBinomialEstN
def test_estimated_n_at_integer_n_is_the_beta_binomial():
    rng = np.random.default_rng(6)
    a, b = np.exp(rng.normal(0, 1, 6)), np.exp(rng.normal(0, 1, 6))
    d = ngb.BetaBinomialEstN(a=a, b=b, n=np.full(6, 11.0))
    ref = stats.betabinom(11, a, b)
    grid = np.arange(-1, 13, dtype=float)[None, :].repeat(6, 0)
    np.testing.assert_allclose(d.logpdf(grid), ref.logpmf(grid.T).T, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(d.cdf(grid), ref.cdf(grid.T).T, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(d.mean(), ref.mean(), rtol=1e-10)
    # the (a, b) block of the Fisher information is the fixed-n family's
    fixed = BetaBinomial.with_trials(11)(a=a, b=b)
    np.testing.assert_allclose(d.metric()[:, :2, :2], fixed.metric(), rtol=1e-8, atol=1e-12)
    # outcomes above n are impossible
    assert np.all(d.logpdf(np.full(6, 12.0)) == -np.inf) and np.all(d.score(np.full(6, 12.0)) == np.inf)


def test_estimated_n_between_integers_is_normalised_on_its_support():
    d = ngb.BetaBinomialEstN(a=np.array([0.7, 3.0]), b=np.array([1.3, 0.4]), n=np.array([6.4, 9.99]))
    ys = np.arange(0, 12, dtype=float)
    pmf = np.exp(d.logpdf(np.tile(ys, (2, 1))))
    np.testing.assert_allclose(pmf.sum(axis=1), 1.0, rtol=1e-12)
    assert np.all(pmf[0, 7:] == 0) and np.all(pmf[1, 10:] == 0)
    np.testing.assert_allclose(d.mean(), pmf @ ys, rtol=1e-12)


def test_estimated_n_fit_finds_the_number_of_trials():
    rng = np.random.default_rng(7)
    X = rng.normal(size=(2000, 3))
    p = 1 / (1 + np.exp(-X[:, 0]))
    y = rng.binomial(15, rng.beta(4 * p, 4 * (1 - p))).astype(float)
    est = ngb.NGBRegressor(dist=ngb.BetaBinomialEstN, random_state=0).fit(X[:1200], y[:1200])
    known = ngb.NGBRegressor(dist=BetaBinomial.with_trials(15), random_state=0).fit(X[:1200], y[:1200])
    d = est.predict_dist(X[1200:])
    assert 13 <= np.median(d.n) <= 18
    nll_est = -np.mean(d.logpdf(y[1200:]))
    nll_known = -np.mean(known.predict_dist(X[1200:]).logpdf(y[1200:]))
    assert np.isfinite(nll_est) and nll_est < nll_known + 0.03, (nll_est, nll_known)  # (measured 2.482 vs 2.496 on 1500 rows)
