"""The right-censored CRPS ("censored_crps") of the exponential and log-normal families: values
against numerical integration and scoringrules, gradients against finite differences, the natural
gradient, extreme parameters, and NGBSurvival(score="crps")."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, optimize, stats
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, KFold

import ngb
from ngb.distributions import get_distribution
from ngb.distributions.lognormal import _TAIL_RATE, _below_closed, _below_tail, _bvn_anti, _mills
from ngb.scores import CensoredCRPScore, resolve_score
from ngb.survival import CRPS_SURVIVAL_FAMILIES, SURVIVAL_FAMILIES, make_y

FAMILIES = ("exponential", "lognormal")


def _grid(name):
    """A distribution and times covering both tails: (d, t), rows of equal length.

    Exponential: scales 1e-3..1e4 and t / scale from 1e-8 to 50 (both sides of the series switch).
    LogNormal: mu in {-2, 0.3, 4}, s from 0.05 to 8 and z = (log t - mu) / s from -12 to 5 (both
    sides of the switch to the tail rule)."""
    if name == "exponential":
        scale, u = np.meshgrid([1e-3, 0.5, 2.0, 1e4], [1e-8, 1e-4, 0.05, 0.0999, 0.1, 0.5, 1.0, 5.0, 50.0])
        scale, u = scale.ravel(), u.ravel()
        return ngb.Exponential(scale=scale), u * scale
    mu, s, z = np.meshgrid([-2.0, 0.3, 4.0], [0.05, 0.3, 1.0, 2.5, 8.0], [-12, -5, -2, -1, -0.3, 0, 0.7, 2, 5])
    mu, s, z = mu.ravel(), s.ravel(), z.ravel()
    return ngb.LogNormal(s=s, scale=np.exp(mu)), np.exp(mu + s * z)


def _oracle(d):
    p = d.params
    return stats.expon(scale=p["scale"]) if isinstance(d, ngb.Exponential) else stats.lognorm(p["s"], scale=p["scale"])


def _quad(f, a, b, breaks=()):
    """int_a^b f on pieces split at ``breaks``, to 1e-12 relative (f >= 0)."""
    points = [a] + sorted(x for x in breaks if a < x < b) + [b]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", integrate.IntegrationWarning)
        pieces = zip(points[:-1], points[1:])
        return sum(integrate.quad(f, lo, hi, epsabs=0, epsrel=1e-12, limit=500)[0] for lo, hi in pieces)


# ---------------------------------------------------------------------------- values
@pytest.mark.parametrize("name", FAMILIES)
def test_censored_part_matches_numerical_integration(name):
    d, t = _grid(name)
    expected = []
    for i in range(len(t)):
        row = _oracle(d[i])
        expected.append(_quad(lambda x: row.cdf(x)[0] ** 2, 0.0, t[i], [row.median()[0]]))
    expected = np.array(expected)
    got = d.score(np.column_stack([t, np.zeros_like(t)]), "censored_crps")
    assert np.all(expected > 0)
    np.testing.assert_allclose(got, expected, rtol=1e-8, atol=0)


@pytest.mark.parametrize("name", FAMILIES)
def test_event_rows_match_numerical_integration(name):
    d, t = _grid(name)
    if name == "lognormal":  # the upper integral of a heavy lognormal tail defeats quad; moderate s
        keep = d.s <= 1.0
        d, t = d[keep], t[keep]
    expected = []
    for i in range(len(t)):
        row = _oracle(d[i])
        below = _quad(lambda x: row.cdf(x)[0] ** 2, 0.0, t[i], [row.median()[0]])
        above = _quad(lambda x: row.sf(x)[0] ** 2, t[i], np.inf)
        expected.append(below + above)
    got = d.score(np.column_stack([t, np.ones_like(t)]), "censored_crps")
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=0)


def _scoringrules_crps(sr, d, t):
    p = d.params
    if isinstance(d, ngb.Exponential):
        return np.asarray(sr.crps_exponential(t, 1.0 / p["scale"], backend="numpy"), float)
    return np.asarray(sr.crps_lognormal(t, np.log(p["scale"]), p["s"], backend="numpy"), float)


@pytest.mark.parametrize("name", FAMILIES)
def test_events_equal_uncensored_crps_and_scoringrules_and_rows_split_by_event(name):
    sr = pytest.importorskip("scoringrules")
    d, t = _grid(name)
    event = (np.arange(len(t)) % 3 == 0).astype(float)  # mixed rows: each row scored on its own kind
    y = np.column_stack([t, event])
    got = d.score(y, "censored_crps")
    full = d.score(t, "crps")
    below = d.score(np.column_stack([t, np.zeros_like(t)]), "censored_crps")
    np.testing.assert_array_equal(got[event > 0], full[event > 0])
    np.testing.assert_array_equal(got[event == 0], below[event == 0])
    np.testing.assert_allclose(d.score(np.column_stack([t, np.ones_like(t)]), "censored_crps"), full, rtol=0, atol=0)
    np.testing.assert_allclose(full, _scoringrules_crps(sr, d, t), rtol=1e-8, atol=1e-12 * t.max())
    # the censored part is the CRPS less the non-negative part above t
    assert np.all(below <= full * (1 + 1e-12))
    grad = d.d_score(y, "censored_crps")
    np.testing.assert_array_equal(grad[event > 0], d.d_score(t, "crps")[event > 0])


def test_bivariate_normal_cdf_by_owens_t():
    # J = int_-inf^z Phi(u) phi(u - s) du = P(X <= z, Z <= X), X ~ N(s, 1), Z ~ N(0, 1), is
    # Phi_2(z - s, s/sqrt2; rho = -1/sqrt2): checked against quad, and _bvn_anti against scipy
    h, k = np.meshgrid([-7.0, -2.0, -0.3, -1e-300, 0.0, 1e-300, 1e-120, 0.4, 3.0, 9.0], [1e-13, 0.1, 1.0, 4.0])
    h, k = h.ravel(), k.ravel()
    rho = -1 / np.sqrt(2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = _bvn_anti(h, k)
    mvn = stats.multivariate_normal([0.0, 0.0], [[1.0, rho], [rho, 1.0]], abseps=1e-13, releps=1e-13)
    expected = np.array([mvn.cdf([a, b]) for a, b in zip(h, k)])
    np.testing.assert_allclose(got, expected, rtol=1e-7, atol=1e-13)
    k = np.array([0.1, 1.0, 4.0])
    np.testing.assert_allclose(_bvn_anti(np.zeros(3), k), 0.5 * stats.norm.cdf(k) ** 2, rtol=1e-14)  # Phi_2(0, k)
    for z, s in [(-1.5, 0.4), (0.3, 1.2), (2.0, 2.5)]:
        j = _quad(lambda u: stats.norm.cdf(u) * stats.norm.pdf(u - s), -np.inf, z)
        np.testing.assert_allclose(_bvn_anti(np.array([z - s]), np.array([s / np.sqrt(2)])), j, rtol=1e-10)


def test_lognormal_tail_rule_and_closed_form_agree_near_the_switch():
    # rows whose decay rate 2 phi(z)/Phi(z) + s lies around the switch at 4: both branches valid there
    s, z = np.meshgrid([0.05, 0.2, 0.7, 1.5, 2.5], np.linspace(-3.0, 0.5, 71))
    s, z = s.ravel(), z.ravel()
    rate = 2 * _mills(z) + s
    near = (rate >= 3.5) & (rate <= 4.5)
    s, z, rate = s[near], z[near], rate[near]
    assert near.sum() > 20 and rate.min() < _TAIL_RATE < rate.max()
    mu = np.full_like(s, 0.4)
    t = np.exp(mu + s * z)
    v_closed, g_closed = _below_closed(mu, s, t, z, True)
    v_tail, g_tail = _below_tail(s, t, z, rate, True)
    np.testing.assert_allclose(v_tail, v_closed, rtol=1e-10)
    np.testing.assert_allclose(g_tail, g_closed, rtol=1e-10)


# ---------------------------------------------------------------------------- gradients
def _finite_differences(d, y, rel_step=1e-6):
    theta = d.theta
    cls = type(d)
    out = np.empty_like(theta)
    for j in range(theta.shape[1]):
        h = rel_step * np.maximum(1.0, np.abs(theta[:, j]))
        up, down = theta.copy(), theta.copy()
        up[:, j] += h
        down[:, j] -= h
        diff = cls.from_internal(up).score(y, "censored_crps") - cls.from_internal(down).score(y, "censored_crps")
        out[:, j] = diff / (2 * h)
    return out


@pytest.mark.parametrize("name", FAMILIES)
@pytest.mark.parametrize("event", [0.0, 1.0])
def test_gradient_matches_finite_differences(name, event):
    d, t = _grid(name)
    if name == "lognormal":  # finite differences need a smooth score on the step scale
        keep = (d.s >= 0.3) & (d.s <= 2.5)
        d, t = d[keep], t[keep]
    y = np.column_stack([t, np.full_like(t, event)])
    analytic = d.d_score(y, "censored_crps")
    numeric = _finite_differences(d, y)
    value = d.score(y, "censored_crps")
    # relative per row, with a floor at 1e-9 of the row's own score (tail rows are tiny but exact)
    err = np.abs(analytic - numeric) / np.maximum(np.abs(analytic), 1e-9 * value[:, None])
    assert err.max() < 1e-5


@pytest.mark.parametrize("name", FAMILIES)
def test_natural_gradient_solves_the_crps_metric(name):
    d, t = _grid(name)
    event = (np.arange(len(t)) % 2).astype(float)
    y = np.column_stack([t, event])
    metric = d.metric("censored_crps")
    np.testing.assert_array_equal(metric, d.metric("crps"))
    grad = d.d_score(y, "censored_crps")
    expected = np.linalg.solve(metric, grad[..., None])[..., 0]
    np.testing.assert_allclose(d.natural_gradient(y, "censored_crps"), expected, rtol=1e-9, atol=1e-300)
    np.testing.assert_allclose(d.natural_gradient(y, CensoredCRPScore), expected, rtol=1e-9, atol=1e-300)


# ---------------------------------------------------------------------------- extremes
@pytest.mark.parametrize("name", FAMILIES)
def test_extreme_parameters_and_times_are_finite_without_warnings(name):
    cls = get_distribution(name)
    bounds = np.array(cls.bounds, dtype=float)
    columns = [np.array([lo - 5.0, lo, lo + 0.5, 0.0, hi - 0.5, hi, hi + 5.0]) for lo, hi in bounds]
    theta = np.stack(np.meshgrid(*columns), -1).reshape(-1, len(columns))
    times = np.array([1e-250, 1e-30, 1e-3, 1.0, 1e3, 1e30, 1e250])
    theta = np.repeat(theta, len(times), axis=0)
    t = np.tile(times, len(theta) // len(times))
    d = cls.from_internal(theta)
    for event in (0.0, 1.0):
        y = np.column_stack([t, np.full_like(t, event)])
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            value = d.score(y, "censored_crps")
            grad = d.d_score(y, "censored_crps")
            natural = d.natural_gradient(y, "censored_crps")
        assert np.all(np.isfinite(value)) and np.all(np.isfinite(grad)) and np.all(np.isfinite(natural))
        if event == 0.0:
            assert np.all(value >= 0) and np.all(value <= t * (1 + 1e-12))  # 0 <= int_0^t F^2 <= t


# ---------------------------------------------------------------------------- registry
def test_score_registry_and_support():
    for spelling in ("censored_crps", "CENSORED_CRPS", CensoredCRPScore, CensoredCRPScore()):
        assert resolve_score(spelling) == "censored_crps"
    assert CRPS_SURVIVAL_FAMILIES == FAMILIES[::-1]
    for name in SURVIVAL_FAMILIES:
        cls = get_distribution(name)
        assert cls.supports("censored_crps") == (name in FAMILIES)
        assert ("censored_crps" in cls.available_scores()) == (name in FAMILIES)
    assert not ngb.Normal.supports("censored_crps")  # a CRPS but no survival support
    with pytest.raises(ValueError, match="censored_crps"):
        ngb.Weibull(c=1.0, scale=1.0).score(np.array([[1.0, 0.0]]), "censored_crps")


# ---------------------------------------------------------------------------- NGBSurvival
def _synthetic(name, n, seed):
    """Covariates, a survival target with ~30-40% censoring, and the true time distribution."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (n, 4))
    mu = 1.0 + X[:, 0] - 0.5 * X[:, 1]
    if name == "lognormal":
        true = ngb.LogNormal(s=np.exp(-0.5 + 0.4 * X[:, 2]), scale=np.exp(mu))
    else:
        true = ngb.Exponential(scale=np.exp(mu))
    t = true.sample(random_state=rng)
    c = rng.exponential(np.exp(2.2), n)
    return X, make_y(np.minimum(t, c), t <= c), true


@pytest.mark.parametrize("name", FAMILIES)
def test_ngb_survival_crps_improves_on_the_marginal_fit(name):
    X, y, true = _synthetic(name, 2500, seed=0)
    assert 0.5 < y["event"].mean() < 0.85
    tr, te = slice(0, 2000), slice(2000, None)
    model = ngb.NGBSurvival(dist=name, score="crps", n_estimators=300, learning_rate=0.05, random_state=0)
    model.fit(X[tr], y[tr])
    yy = np.column_stack([y["time"][te], y["event"][te]])
    d = model.predict_dist(X[te])
    assert isinstance(d, get_distribution(name))
    crps = d.score(yy, "censored_crps").mean()
    marginal = type(d).from_internal(model.init_params_).score(yy, "censored_crps").mean()
    oracle = true[te].score(yy, "censored_crps").mean()
    assert oracle < marginal
    assert crps < marginal - 0.6 * (marginal - oracle)  # closes most of the gap to the true distributions
    # the training curve is the censored CRPS, score() the censored log-likelihood
    assert model.train_score_[-1] < model.train_score_[0]
    np.testing.assert_allclose(model.score(X[te], y[te]), -d.score(yy, "censored_log").mean())
    assert np.all(np.isfinite(model.predict(X[te])))


@pytest.mark.parametrize("name", FAMILIES)
def test_crps_marginal_fit_minimises_the_censored_crps(name):
    _, y, _ = _synthetic(name, 400, seed=1)
    yy = np.column_stack([y["time"], y["event"]])
    w = np.random.default_rng(2).uniform(0.5, 2.0, len(yy))
    cls = get_distribution(name)
    theta = ngb.NGBSurvival(dist=name, score="crps")._fit_marginal(cls, yy, w)

    def mean_crps(th):
        return np.average(cls.from_internal(np.tile(th, (len(yy), 1))).score(yy, "censored_crps"), weights=w)

    res = optimize.minimize(mean_crps, theta + 0.2, method="Nelder-Mead", options={"xatol": 1e-9, "fatol": 1e-12, "maxiter": 20000})
    np.testing.assert_allclose(theta, res.x, atol=1e-4)
    mle = ngb.NGBSurvival(dist=name, score="log")._fit_marginal(cls, yy, w)
    assert not np.allclose(theta, mle, atol=1e-3)  # a different target than the censored MLE


@pytest.mark.parametrize("name", ("weibull", "gamma"))
def test_crps_without_a_closed_form_raises_at_fit_time(name):
    X, y, _ = _synthetic("lognormal", 100, seed=3)
    model = ngb.NGBSurvival(dist=name, score="crps", n_estimators=5)  # construction does not validate
    with pytest.raises(ValueError, match=r"no closed-form CRPS.*\['lognormal', 'exponential'\]"):
        model.fit(X, y)
    assert not hasattr(model, "n_iter_")


def test_survival_score_clone_and_grid_search():
    X, y, _ = _synthetic("lognormal", 450, seed=4)
    model = ngb.NGBSurvival(score="crps", n_estimators=20, learning_rate=0.1, random_state=0)
    assert ngb.NGBSurvival().get_params()["score"] == "log"  # the censored log score stays the default
    copy = clone(model)
    assert copy.get_params() == model.get_params() and copy.get_params()["score"] == "crps"
    a = copy.fit(X, y).predict(X)
    b = ngb.NGBSurvival(score="censored_crps", n_estimators=20, learning_rate=0.1, random_state=0).fit(X, y).predict(X)
    np.testing.assert_array_equal(a, b)
    c = ngb.NGBSurvival(score="log", n_estimators=20, learning_rate=0.1, random_state=0).fit(X, y).predict(X)
    assert not np.allclose(a, c)
    grid = GridSearchCV(model, {"score": ["log", "crps"], "dist": ["lognormal", "exponential"]}, cv=KFold(3), error_score="raise")
    grid.fit(X, y)
    assert len(grid.cv_results_["params"]) == 4 and np.all(np.isfinite(grid.cv_results_["mean_test_score"]))
    assert grid.best_params_["score"] in ("log", "crps")


# ---------------------------------------------------------------------------- survival targets as fit takes them
@pytest.mark.parametrize("name", FAMILIES)
def test_score_takes_the_structured_target_fit_takes(name):
    """d.score(y, "censored_crps" / "censored_log") with the structured array of make_y, one of
    sksurv's Surv.from_arrays with its own field names, or a DataFrame (was a TypeError): values
    against quadrature (CRPS) and scipy (log), gradients the same as for [time, event]."""
    rng = np.random.default_rng(5)
    n = 12
    d = (ngb.Exponential(scale=np.exp(rng.normal(size=n))) if name == "exponential"
         else ngb.LogNormal(s=np.exp(0.3 * rng.normal(size=n)), scale=np.exp(rng.normal(size=n))))
    t, e = np.exp(rng.normal(size=n)), rng.random(n) < 0.5
    e[:2] = [True, False]
    crps, log = [], []
    for i in range(n):
        row = _oracle(d[i])
        below = _quad(lambda x: row.cdf(x)[0] ** 2, 0.0, t[i])
        above = _quad(lambda x: row.sf(x)[0] ** 2, t[i], np.inf)
        crps.append(below + (above if e[i] else 0.0))
        log.append(-(row.logpdf(t[i])[0] if e[i] else row.logsf(t[i])[0]))
    array = np.column_stack([t, e.astype(float)])
    targets = [make_y(t, e), pd.DataFrame({"time": t, "event": e})]
    surv = pytest.importorskip("sksurv.util").Surv
    targets.append(surv.from_arrays(event=e, time=t, name_event="death", name_time="futime"))
    for y in targets:
        np.testing.assert_allclose(d.score(y, "censored_crps"), crps, rtol=1e-9)
        np.testing.assert_allclose(d.score(y, "censored_log"), log, rtol=1e-12)
        for rule in ("censored_crps", "censored_log"):
            np.testing.assert_array_equal(d.d_score(y, rule), d.d_score(array, rule))
            np.testing.assert_array_equal(d.natural_gradient(y, rule), d.natural_gradient(array, rule))
