"""Censored metrics of ngb.metrics against scipy, quadrature, brute-force pair loops and
scikit-survival's own functions (an independent implementation of the same estimators)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, stats

import ngb
from ngb import metrics
from ngb.metrics.survival import kaplan_meier_censoring
from ngb.survival import make_y

sks = pytest.importorskip("sksurv.metrics")
from sksurv.nonparametric import CensoringDistributionEstimator  # noqa: E402

RNG = np.random.default_rng(1)
N = 120


@pytest.fixture(scope="module")
def data():
    T, C = RNG.weibull(1.5, N) * 2, RNG.exponential(3.0, N)
    time = np.round(np.minimum(T, C), 1) + 0.05  # rounded: ties in time, between events and censorings too
    event = T <= C
    d = ngb.LogNormal(s=np.exp(0.3 * RNG.normal(size=N)), scale=np.exp(0.5 * RNG.normal(size=N)))
    return make_y(time, event), time, event, d


def test_censored_nll_and_crps(data):
    y, time, event, d = data
    frozen = stats.lognorm(d.params["s"], scale=d.params["scale"])
    expected = -np.where(event, frozen.logpdf(time), frozen.logsf(time))
    assert metrics.censored_nll(y, d) == pytest.approx(expected.mean(), rel=1e-12)
    closed = metrics.censored_crps(y, d, per_row=True)  # LogNormal's closed form
    np.testing.assert_allclose(closed, d.score(np.column_stack([time, event]), "censored_crps"), rtol=1e-14)
    w = ngb.Weibull(c=np.exp(0.3 * RNG.normal(size=8)), scale=np.exp(RNG.normal(size=8)))  # quadrature
    yy = make_y(time[:8], event[:8])
    expected = []
    for i in range(8):
        f = w[i].to_scipy()
        below = integrate.quad(lambda z: float(f.cdf(z)[0]) ** 2, 0, time[i], epsabs=1e-14, epsrel=1e-12)[0]
        above = integrate.quad(lambda z: float(f.sf(z)[0]) ** 2, time[i], np.inf, epsabs=1e-14, epsrel=1e-12)[0]
        expected.append(below + (above if event[i] else 0.0))
    np.testing.assert_allclose(metrics.censored_crps(yy, w, per_row=True), expected, rtol=1e-9)


def test_censoring_kaplan_meier_matches_scikit_survival(data):
    y, time, _, _ = data
    grid = np.unique(np.r_[time, time + 0.01, 0.0])
    grid = grid[grid < time.max()]
    expected = CensoringDistributionEstimator().fit(y).predict_proba(grid)
    np.testing.assert_allclose(kaplan_meier_censoring(y)(grid), expected, rtol=1e-14)


def test_harrell_and_uno_concordance_match_scikit_survival_and_a_pair_loop(data):
    y, time, event, d = data
    risk = metrics.risk_score(d)
    assert metrics.concordance_index(y, d) == pytest.approx(sks.concordance_index_censored(event, time, risk)[0], rel=1e-14)
    assert metrics.concordance_index_ipcw(y, d) == pytest.approx(sks.concordance_index_ipcw(y, y, risk)[0], rel=1e-12)
    train = y[: N // 2]
    assert metrics.concordance_index_ipcw(y, d, y_train=train, tau=2.0) == pytest.approx(
        sks.concordance_index_ipcw(train, y, risk, tau=2.0)[0], rel=1e-12)
    w = RNG.uniform(0.2, 2, N)
    num = den = 0.0  # weighted pairs w_i w_j by a plain loop
    for i in range(N):
        if not event[i]:
            continue
        for j in range(N):
            if time[i] < time[j] or (time[i] == time[j] and not event[j]):
                den += w[i] * w[j]
                num += w[i] * w[j] * (1.0 if risk[i] > risk[j] else 0.5 if risk[i] == risk[j] else 0.0)
    assert metrics.concordance_index(y, risk, sample_weight=w) == pytest.approx(num / den, rel=1e-12)
    t0 = 1.0  # risk from the event probability by t0
    r0 = d.cdf(np.full(N, t0))
    assert metrics.concordance_index(y, d, risk=t0) == pytest.approx(sks.concordance_index_censored(event, time, r0)[0])


def test_brier_and_integrated_brier_match_scikit_survival(data):
    y, time, event, d = data
    times = np.quantile(time, [0.1, 0.25, 0.5, 0.75, 0.9])
    est = np.column_stack([d.sf(np.full(N, t)) for t in times])
    np.testing.assert_allclose(metrics.survival_brier_score(y, d, times), sks.brier_score(y, y, est, times)[1], rtol=1e-12)
    assert metrics.integrated_brier_score(y, d, times) == pytest.approx(sks.integrated_brier_score(y, y, est, times), rel=1e-12)
    test, train = y[N // 2 :], y  # G from all rows, scores on half
    t2 = times[(times >= time[N // 2 :].min()) & (times < time[N // 2 :].max())]
    assert metrics.integrated_brier_score(test, d[N // 2 :], t2, y_train=train) == pytest.approx(
        sks.integrated_brier_score(train, test, est[N // 2 :, np.isin(times, t2)], t2), rel=1e-12)
    w = RNG.uniform(0.2, 2, N)
    G = CensoringDistributionEstimator().fit(y)
    t = times[2]
    S = d.sf(np.full(N, t))
    by_row = np.where(event & (time <= t), S**2 / G.predict_proba(time), 0) + np.where(time > t, (1 - S) ** 2 / G.predict_proba([t]), 0)
    assert metrics.survival_brier_score(y, d, [t], sample_weight=w)[0] == pytest.approx(np.average(by_row, weights=w), rel=1e-12)
    with pytest.raises(ValueError, match="follow-up"):
        metrics.integrated_brier_score(y, d, [0.5, time.max() + 1])


def test_brier_scores_of_survival_probabilities_given_as_an_array(data):
    """brier_score / integrated_brier_score also take S_i(t_k) as an (n, m) array at the times, as
    scikit-survival's estimate= (for models that are not ngb distributions, e.g. a Cox model)."""
    y, time, event, d = data
    times = np.quantile(time, [0.1, 0.25, 0.5, 0.75, 0.9])
    est = np.column_stack([d.sf(np.full(N, t)) for t in times]) ** 1.3  # any survival probabilities
    np.testing.assert_allclose(metrics.survival_brier_score(y, est, times), sks.brier_score(y, y, est, times)[1], rtol=1e-12)
    assert metrics.integrated_brier_score(y, est, times) == pytest.approx(
        sks.integrated_brier_score(y, y, est, times), rel=1e-12)
    test, train = y[N // 2 :], y  # G from all rows, scores on half
    t2 = times[(times >= time[N // 2 :].min()) & (times < time[N // 2 :].max())]
    assert metrics.integrated_brier_score(test, est[N // 2 :, np.isin(times, t2)], t2, y_train=train) == pytest.approx(
        sks.integrated_brier_score(train, test, est[N // 2 :, np.isin(times, t2)], t2), rel=1e-12)
    with pytest.raises(ValueError, match="strictly increasing"):
        metrics.integrated_brier_score(y, est[:, ::-1], times[::-1])
    with pytest.raises(ValueError, match="expected"):
        metrics.integrated_brier_score(y, est[:, :3], times)
