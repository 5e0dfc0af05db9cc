"""Censored survival: the censored log score of each survival family against scipy and finite
differences, the censored marginal MLE, NGBSurvival behaviour, and the concordance index."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import optimize
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, KFold

import ngb
from old_defaults import old_defaults, old_tree  # noqa: F401
from ngb.distributions import get_distribution
from ngb.survival import SURVIVAL_FAMILIES, concordance_index, make_y
from families import CASES


def _censored_sample(name, n, seed):
    case = CASES[name]
    rng = np.random.default_rng(seed)
    d = case.make(rng, n)
    t = case.sample(rng, d, 1)[0]
    c = case.sample(rng, d, 1)[0] * rng.uniform(0.5, 2.0, n)  # independent censoring times
    event = (t <= c).astype(float)
    time = np.maximum(np.minimum(t, c), 1e-12)
    return d, np.column_stack([time, event])


def _constant_censored_sample(name, m, dist_seed, seed):
    """(y (m, 2), weights (m,) in [0.5, 2]): m times of the one-row distribution of
    ``_censored_sample(name, 1, dist_seed)``, censored at 1.5 times an independent draw."""
    d, _ = _censored_sample(name, 1, dist_seed)
    rng = np.random.default_rng(seed)
    t = CASES[name].sample(rng, d, m)[:, 0]
    c = CASES[name].sample(rng, d, m)[:, 0] * 1.5
    return np.column_stack([np.minimum(t, c), (t <= c).astype(float)]), rng.uniform(0.5, 2.0, m)


@pytest.mark.parametrize("name", SURVIVAL_FAMILIES)
def test_censored_score_matches_scipy(name):
    d, y = _censored_sample(name, 60, 1)
    assert 0 < y[:, 1].mean() < 1
    ref = CASES[name].oracle(d)
    expected = -np.where(y[:, 1] > 0, ref.logpdf(y[:, 0]), ref.logsf(y[:, 0]))
    np.testing.assert_allclose(d.score(y, "censored_log"), expected, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(d.logsf(y[:, 0]), ref.logsf(y[:, 0]), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(d.hazard(y[:, 0]), ref.pdf(y[:, 0]) / ref.sf(y[:, 0]), rtol=1e-8)


@pytest.mark.parametrize("name", SURVIVAL_FAMILIES)
def test_censored_gradient_matches_finite_differences_and_natural_gradient_solves(name):
    d, y = _censored_sample(name, 60, 2)
    theta = d.theta
    cls = type(d)
    analytic = d.d_score(y, "censored_log")
    numeric = np.empty_like(theta)
    for j in range(theta.shape[1]):
        h = 1e-5 * np.maximum(1.0, np.abs(theta[:, j]))
        up, down = theta.copy(), theta.copy()
        up[:, j] += h
        down[:, j] -= h
        numeric[:, j] = (cls.from_internal(up).score(y, "censored_log") - cls.from_internal(down).score(y, "censored_log")) / (2 * h)
    assert (np.abs(analytic - numeric) / np.maximum(np.abs(analytic), 1e-3)).max() < 1e-5
    metric = d.metric("censored_log")
    np.testing.assert_allclose(metric, d.metric("log"))
    expected = np.linalg.solve(metric, analytic[..., None])[..., 0]
    np.testing.assert_allclose(d.natural_gradient(y, "censored_log"), expected, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("name", SURVIVAL_FAMILIES)
def test_marginal_fit_is_censored_mle(name):
    y, w = _constant_censored_sample(name, 400, 3, 4)
    cls = get_distribution(name)
    theta = ngb.NGBSurvival(dist=name)._fit_marginal(cls, y, w)

    def nll(th):
        return np.sum(w * cls.from_internal(np.tile(th, (400, 1))).score(y, "censored_log"))

    res = optimize.minimize(nll, theta + 0.2, method="Nelder-Mead", options={"xatol": 1e-9, "fatol": 1e-11, "maxiter": 20000})
    np.testing.assert_allclose(theta, res.x, atol=1e-4)
    # ignoring censoring would bias the fit: it differs from the uncensored MLE on the observed times
    assert not np.allclose(theta, cls.fit_marginal(y[:, 0], w), atol=1e-3)


@pytest.mark.parametrize("name", SURVIVAL_FAMILIES)
def test_marginal_fit_takes_the_compiled_objective(name, monkeypatch):
    """The censored marginal fit evaluates its objective with the family's compiled kernels (their
    d_score / diagonal times the diagonal) and reaches the fit of the distribution objects' score
    and gradient; so does the constant CRPS fit from it, where the family has the censored CRPS."""
    y, w = _constant_censored_sample(name, 3000, 5, 6)
    cls = get_distribution(name)
    fast = cls.fast["censored_log"]
    calls = []
    monkeypatch.setattr(type(fast), "natural_gradient_and_score",
                        lambda self, *a, _f=type(fast).natural_gradient_and_score, **kw: calls.append(1) or _f(self, *a, **kw))
    scores = ["censored_log"] + (["censored_crps"] if "censored_crps" in cls.available_scores() else [])
    compiled = {s: ngb.NGBSurvival(dist=name, score=s)._fit_marginal(cls, y, w) for s in scores}
    assert calls
    monkeypatch.setattr(cls, "fast", {})
    for s, theta in compiled.items():
        np.testing.assert_allclose(theta, ngb.NGBSurvival(dist=name, score=s)._fit_marginal(cls, y, w), rtol=0, atol=1e-7)


def _synthetic_survival(n, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (n, 4))
    mu = 1.0 + X[:, 0] - 0.5 * X[:, 1]
    s = np.exp(-0.5 + 0.4 * X[:, 2])
    t = np.exp(mu + s * rng.normal(size=n))
    c = rng.exponential(np.exp(2.0), n)
    return X, make_y(np.minimum(t, c), t <= c), mu, s


def test_ngb_survival_learns_censored_lognormal():
    X, y, mu, s = _synthetic_survival(3000)
    assert 0.3 < y["event"].mean() < 0.9
    tr, va, te = slice(0, 2000), slice(2000, 2500), slice(2500, None)
    model = ngb.NGBSurvival(n_estimators=800, learning_rate=0.05, random_state=0, n_iter_no_change=10, tol=1e-4, **old_tree())
    model.fit(X[tr], y[tr], X_val=X[va], y_val=y[va])
    d = model.predict_dist(X[te])
    assert isinstance(d, ngb.LogNormal)
    assert np.corrcoef(np.log(model.predict_median(X[te])), mu[te])[0, 1] > 0.9
    true = ngb.LogNormal(s=s[te], scale=np.exp(mu[te]))
    yy = np.column_stack([y["time"][te], y["event"][te]])
    true_ll = -true.score(yy, "censored_log").mean()
    marginal = ngb.LogNormal.from_internal(model.init_params_)
    marginal_ll = -marginal.score(yy, "censored_log").mean()
    ll = model.score(X[te], y[te])
    assert ll > marginal_ll + 0.3
    assert ll > true_ll - 0.1
    c_model = model.concordance(X[te], y[te])
    c_true = concordance_index(y["time"][te], y["event"][te], -mu[te])
    assert c_model > c_true - 0.03
    sf = model.predict_survival_function(X[te][:5], [1.0, 3.0, 10.0])
    assert sf.shape == (5, 3) and np.all(np.diff(sf, axis=1) <= 0)


@pytest.mark.parametrize("name", SURVIVAL_FAMILIES)
def test_every_survival_family_fits(name):
    X, y, *_ = _synthetic_survival(400, seed=1)
    model = ngb.NGBSurvival(dist=name, n_estimators=30, learning_rate=0.1, random_state=0).fit(X, y)
    assert isinstance(model.predict_dist(X), get_distribution(name))
    assert np.all(np.isfinite(model.predict(X))) and np.isfinite(model.score(X, y))


def test_structured_arrays_with_other_field_names_clone_and_grid_search():
    X, y, *_ = _synthetic_survival(600, seed=2)
    sk_style = np.empty(len(y), dtype=[("Status", bool), ("Survival_in_days", float)])
    sk_style["Status"], sk_style["Survival_in_days"] = y["event"], y["time"]
    params = dict(n_estimators=20, learning_rate=0.1, random_state=0)
    a = ngb.NGBSurvival(**params).fit(X, y).predict(X)
    b = ngb.NGBSurvival(**params).fit(X, sk_style).predict(X)
    np.testing.assert_array_equal(a, b)
    model = ngb.NGBSurvival(**params)
    assert clone(model).get_params() == model.get_params()
    grid = GridSearchCV(model, {"dist": ["lognormal", "weibull"]}, cv=KFold(3), error_score="raise").fit(X, y)
    assert grid.best_params_["dist"] in ("lognormal", "weibull")
    assert np.isfinite(grid.best_score_)


def test_survival_bad_input():
    X, y, *_ = _synthetic_survival(100, seed=3)
    model = ngb.NGBSurvival(n_estimators=5, random_state=0).fit(X, y)
    before = model.predict(X)
    bad_time = make_y(np.where(np.arange(100) == 0, -1.0, y["time"]), y["event"])
    for label, target, message in [
        ("negative time", bad_time, "positive"),
        ("no events", make_y(y["time"], np.zeros(100, bool)), "no events"),
        ("plain vector", y["time"], "structured array"),
        ("bad event", np.column_stack([y["time"], np.full(100, 2.0)]), "event"),
    ]:
        with pytest.raises(ValueError, match=message):
            model.fit(X, target)
    np.testing.assert_array_equal(model.predict(X), before)
    with pytest.raises(ValueError, match="no censored log score"):
        ngb.NGBSurvival(dist="normal").fit(X, y)
    with pytest.raises(ValueError, match="censored log score .* or the censored CRPS"):
        ngb.NGBSurvival(score="brier").fit(X, y)
    with pytest.raises(ValueError, match="lengths"):
        make_y([1.0, 2.0], [True])


def test_concordance_index_matches_brute_force():
    rng = np.random.default_rng(7)
    time = rng.integers(1, 30, 80).astype(float)  # ties in time, also between an event and a censoring
    event = rng.random(80) < 0.6
    risk = np.round(rng.normal(size=80), 1)  # ties in risk
    num = den = 0.0
    for i in range(80):
        if not event[i]:
            continue
        for j in range(80):
            # Harrell: i's event precedes j's time, or j is censored at i's event time
            if time[j] > time[i] or (time[j] == time[i] and not event[j]):
                den += 1
                num += 1.0 if risk[i] > risk[j] else (0.5 if risk[i] == risk[j] else 0.0)
    assert concordance_index(time, event, risk) == pytest.approx(num / den, rel=1e-14)


def test_concordance_index_is_scikit_survivals_and_the_estimators_own():
    """ngb.survival.concordance_index, NGBSurvival.concordance and ngb.metrics.concordance_index
    agree with sksurv.metrics.concordance_index_censored on data with events and censorings tied
    in time (the pairs the old definition left out) and tied risks."""
    sks = pytest.importorskip("sksurv.metrics")
    rng = np.random.default_rng(11)
    n = 300
    time = rng.integers(1, 15, n).astype(float)
    event = rng.random(n) < 0.5
    risk = np.round(rng.normal(size=n), 1)
    expected = sks.concordance_index_censored(event, time, risk)[0]
    assert concordance_index(time, event, risk) == pytest.approx(expected, rel=1e-14)
    assert ngb.metrics.concordance_index(make_y(time, event), risk) == pytest.approx(expected, rel=1e-14)
    X = np.column_stack([time + rng.normal(size=n), rng.normal(size=n)])
    model = ngb.NGBSurvival(n_estimators=20, random_state=0).fit(X, make_y(time, event))
    risk_model = -model.predict_dist(X).median()
    assert model.concordance(X, make_y(time, event)) == pytest.approx(
        sks.concordance_index_censored(event, time, risk_model)[0], rel=1e-14)
