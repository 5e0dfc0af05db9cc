"""MultivariateNormal: oracle tests (scipy, finite differences, Monte Carlo Fisher) and
multi-output regression on synthetic correlated targets with known covariance.

Fisher derivation checked here by Monte Carlo: with r = y - mu ~ N(0, Sigma) and u = L^T r ~ N(0, I),
the scores are -L u (mean), -1 + L_jj u_j r_j (log L_jj) and u_j r_i (L_ij, i > j); their second
moments vanish across columns of L and give D Sigma[j:, j:] D + e e^T within column j.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import optimize, stats

import ngb
from old_defaults import old_defaults, old_tree  # noqa: F401
from ngb.distributions.mvnormal import MultivariateNormal


def _random_mvn(rng, n, d):
    A = rng.normal(size=(n, d, d))
    cov = A @ np.swapaxes(A, 1, 2) + 0.5 * np.eye(d)
    return MultivariateNormal(rng.normal(0, 2, (n, d)), cov), cov


@pytest.mark.parametrize("d", [1, 2, 3])
def test_values_match_scipy(d):
    rng = np.random.default_rng(d)
    dist, cov = _random_mvn(rng, 6, d)
    np.testing.assert_allclose(dist.cov(), cov, rtol=1e-10)
    y = dist.mean() + rng.normal(size=(6, d))
    expected = [stats.multivariate_normal(m, c).logpdf(v) for m, c, v in zip(dist.mean(), cov, y)]
    np.testing.assert_allclose(dist.logpdf(y), expected, rtol=1e-10)
    np.testing.assert_allclose(dist.score(y, "log"), -np.array(expected), rtol=1e-10)
    np.testing.assert_allclose(dist.var(), np.diagonal(cov, axis1=1, axis2=2), rtol=1e-10)
    lo, hi = dist.interval(0.9)
    np.testing.assert_allclose(hi, dist.mean() + stats.norm.ppf(0.95) * np.sqrt(dist.var()), rtol=1e-10)
    draws = dist.sample(40000, random_state=0)
    assert draws.shape == (6, 40000, d)
    emp = np.einsum("nmi,nmj->nij", draws - draws.mean(1, keepdims=True), draws - draws.mean(1, keepdims=True)) / 40000
    np.testing.assert_allclose(emp, cov, rtol=0.05, atol=0.05 * np.abs(cov).max())
    assert type(dist[1:3]) is MultivariateNormal and len(dist[1:3]) == 2


def test_dimension_form_and_bad_covariance():
    std = MultivariateNormal(3)
    assert std.dim == 3 and len(std) == 1
    np.testing.assert_allclose(std.cov()[0], np.eye(3))
    with pytest.raises(ValueError, match="positive definite"):
        MultivariateNormal([0.0, 0.0], [[1.0, 2.0], [2.0, 1.0]])
    with pytest.raises(ValueError, match="symmetric"):
        MultivariateNormal([0.0, 0.0], [[1.0, 0.5], [0.0, 1.0]])


@pytest.mark.parametrize("d", [1, 2, 3])
def test_gradient_matches_finite_differences(d):
    rng = np.random.default_rng(10 + d)
    dist, _ = _random_mvn(rng, 8, d)
    y = dist.sample(random_state=1)
    theta = dist.theta
    analytic = dist.d_score(y)
    numeric = np.empty_like(theta)
    for j in range(theta.shape[1]):
        h = 1e-6 * np.maximum(1, np.abs(theta[:, j]))
        up, down = theta.copy(), theta.copy()
        up[:, j] += h
        down[:, j] -= h
        numeric[:, j] = (MultivariateNormal.from_internal(up).score(y) - MultivariateNormal.from_internal(down).score(y)) / (2 * h)
    err = np.abs(analytic - numeric) / np.maximum(np.abs(analytic), 1e-3)
    assert err.max() < 1e-5


@pytest.mark.parametrize("d", [2, 3])
def test_fisher_matches_monte_carlo_and_natural_gradient_solves(d):
    rng = np.random.default_rng(20 + d)
    dist, _ = _random_mvn(rng, 3, d)
    m = 100_000
    draws = dist.sample(m, random_state=2)  # (n, m, d)
    n, k = len(dist), dist.n_params
    rep = MultivariateNormal.from_internal(np.repeat(dist.theta, m, axis=0))
    grads = rep.d_score(draws.reshape(n * m, d)).reshape(n, m, k)
    outer = grads[:, :, :, None] * grads[:, :, None, :]
    mc, se = outer.mean(axis=1), outer.std(axis=1) / np.sqrt(m)
    closed = dist.metric("log")
    assert np.all(np.abs(mc - closed) <= 6 * se + 1e-9)
    y = dist.sample(random_state=3)
    expected = np.linalg.solve(closed, dist.d_score(y)[..., None])[..., 0]
    np.testing.assert_allclose(dist.natural_gradient(y), expected, rtol=1e-8, atol=1e-10)


def test_fit_marginal_is_weighted_mle():
    rng = np.random.default_rng(5)
    y = rng.multivariate_normal([1.0, -2.0], [[2.0, 0.8], [0.8, 1.0]], size=300)
    w = rng.uniform(0.2, 2.0, 300)
    theta = MultivariateNormal.fit_marginal(y, w)
    d = MultivariateNormal.from_internal(theta)
    mean = np.average(y, axis=0, weights=w)
    cov = np.cov(y.T, aweights=w, bias=True)
    np.testing.assert_allclose(d.mean()[0], mean, rtol=1e-10)
    np.testing.assert_allclose(d.cov()[0], cov, rtol=1e-8)

    def nll(t):
        return np.sum(w * MultivariateNormal.from_internal(np.tile(t, (300, 1))).score(y))

    res = optimize.minimize(nll, theta + 0.1, method="BFGS", options={"gtol": 1e-9})
    np.testing.assert_allclose(theta, res.x, atol=1e-4)


def test_multi_output_regression_recovers_known_covariance():
    rng = np.random.default_rng(0)
    n = 4000
    X = rng.uniform(-1, 1, (n, 3))
    mean = np.column_stack([X[:, 0], X[:, 1] - X[:, 0]])
    rho = 0.8 * np.tanh(2 * X[:, 2])  # correlation driven by x2
    sd = np.column_stack([np.full(n, 0.5), np.full(n, 0.3)])
    cov = np.empty((n, 2, 2))
    cov[:, 0, 0], cov[:, 1, 1] = sd[:, 0] ** 2, sd[:, 1] ** 2
    cov[:, 0, 1] = cov[:, 1, 0] = rho * sd[:, 0] * sd[:, 1]
    y = mean + np.einsum("nij,nj->ni", np.linalg.cholesky(cov), rng.normal(size=(n, 2)))
    tr, va, te = slice(0, 2800), slice(2800, 3400), slice(3400, None)
    model = ngb.NGBRegressor(dist=MultivariateNormal(2), n_estimators=1000, learning_rate=0.05, random_state=0,
                             n_iter_no_change=10, tol=1e-4, **old_tree())
    model.fit(X[tr], y[tr], X_val=X[va], y_val=y[va])
    d = model.predict_dist(X[te])
    assert isinstance(d, MultivariateNormal) and d.mean().shape == (600, 2)
    np.testing.assert_allclose(model.predict(X[te]), d.mean())
    true_nll = -np.mean([stats.multivariate_normal(m, c).logpdf(v) for m, c, v in zip(mean[te], cov[te], y[te])])
    marginal = MultivariateNormal.from_internal(MultivariateNormal.fit_marginal(y[tr]))
    marginal_nll = -marginal.logpdf(y[te]).mean()
    nll = -d.logpdf(y[te]).mean()
    assert nll < marginal_nll - 0.5
    assert nll < true_nll + 0.15
    pred_cov = d.cov()
    pred_rho = pred_cov[:, 0, 1] / np.sqrt(pred_cov[:, 0, 0] * pred_cov[:, 1, 1])
    assert np.corrcoef(pred_rho, rho[te])[0, 1] > 0.8
    assert model.score(X[te], y[te]) == pytest.approx(-nll)
    with pytest.raises(ValueError, match="dimension|shape"):
        model.fit(X[tr], np.column_stack([y[tr], y[tr]]))
