"""Oracle tests for every registered distribution family (see tests/families.py)."""

from __future__ import annotations

import zlib

import numpy as np
import pytest
from scipy import optimize

import ngb
from ngb.distributions import FAMILIES
from families import CASES, fast_target, fast_tolerance

CASE_IDS = sorted(CASES)
SCORE_CASES = [(name, score) for name in CASE_IDS for score in CASES[name].scores]


def _rng(*key):
    """A generator seeded by the test's key, so each test draws its own reproducible numbers."""
    return np.random.default_rng(zlib.crc32(repr(key).encode()))


def test_every_family_has_a_case():
    # multi-output families have their own oracle tests (tests/test_mvnormal.py)
    univariate = {name for name, cls in FAMILIES.items() if not getattr(cls, "multi_output", False)}
    assert univariate <= set(CASES), f"families without a test case: {univariate - set(CASES)}"
    assert set(FAMILIES) - univariate <= {"multivariate_normal"}


# ---------------------------------------------------------------------------- user-facing values
@pytest.mark.parametrize("name", CASE_IDS)
def test_moments_cdf_logpdf_quantile_match_scipy(name):
    case = CASES[name]
    rng = _rng("values", name)
    d = case.make(rng, 25)
    ref = case.oracle(d)
    y = case.sample(rng, d, 1)[0]
    np.testing.assert_allclose(d.mean(), ref.mean(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(d.var(), ref.var(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(d.std(), np.sqrt(ref.var()), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(d.cdf(y), ref.cdf(y), rtol=1e-10, atol=1e-12)
    ref_logpdf = ref.logpmf(y) if case.discrete else ref.logpdf(y)
    np.testing.assert_allclose(d.logpdf(y), ref_logpdf, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(d.pdf(y), np.exp(ref_logpdf), rtol=1e-10, atol=1e-12)
    levels = np.array([0.05, 0.3, 0.5, 0.9])
    expected = np.column_stack([ref.ppf(np.full(len(d), q)) for q in levels])
    np.testing.assert_allclose(d.quantile(levels), expected, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(d.quantile(0.3), expected[:, 1], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(d.median(), expected[:, 2], rtol=1e-9, atol=1e-9)
    lo, hi = d.interval(0.9)
    np.testing.assert_allclose(lo, ref.ppf(np.full(len(d), 0.05)), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(hi, ref.ppf(np.full(len(d), 0.95)), rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("name", CASE_IDS)
def test_log_score_is_negative_scipy_logpdf(name):
    case = CASES[name]
    rng = _rng("logscore", name)
    d = case.make(rng, 30)
    y = case.sample(rng, d, 1)[0]
    ref = case.oracle(d)
    expected = -(ref.logpmf(y) if case.discrete else ref.logpdf(y))
    np.testing.assert_allclose(d.score(y, "log"), expected, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(d.score(y, ngb.LogScore), expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", CASE_IDS)
def test_sample_matches_moments(name):
    case = CASES[name]
    d = case.make(_rng("sample", name), 6)
    draws = d.sample(size=20000, random_state=1)
    assert draws.shape == (6, 20000)
    assert d.sample(random_state=1).shape == (6,)
    var = d.var()
    finite = np.isfinite(var)  # the mean check needs a finite variance (not so for Cauchy)
    se = np.sqrt(var[finite] / draws.shape[1])
    assert np.all(np.abs(draws.mean(axis=1)[finite] - d.mean()[finite]) < 5 * se + 1e-12)
    if not case.discrete:  # empirical cdf at the model's quantiles (binomial standard errors)
        levels = np.array([0.1, 0.5, 0.9])
        frac = (draws[:, :, None] <= d.quantile(levels)[:, None, :]).mean(axis=1)
        assert np.all(np.abs(frac - levels) < 5 * np.sqrt(levels * (1 - levels) / draws.shape[1]))
    np.testing.assert_array_equal(draws, d.sample(size=20000, random_state=1))


@pytest.mark.parametrize("name", CASE_IDS)
def test_to_scipy_agrees_with_logpdf(name):
    case = CASES[name]
    rng = _rng("to_scipy", name)
    d = case.make(rng, 10)
    y = case.sample(rng, d, 1)[0]
    frozen = d.to_scipy()
    if name in ("categorical", "softmax_categorical"):
        onehot = np.eye(d.n_classes)[y.astype(int)]
        np.testing.assert_allclose(frozen.logpmf(onehot), d.logpdf(y), rtol=1e-10)
    else:
        got = frozen.logpmf(y) if case.discrete else frozen.logpdf(y)
        np.testing.assert_allclose(got, d.logpdf(y), rtol=1e-10)


@pytest.mark.parametrize("name", CASE_IDS)
def test_indexing_returns_same_family(name):
    case = CASES[name]
    d = case.make(_rng("index", name), 8)
    theta = d.theta
    for idx, rows in [(3, [3]), (-1, [7]), (slice(2, 5), [2, 3, 4]), (np.arange(8) % 3 == 0, [0, 3, 6])]:
        sub = d[idx]
        assert type(sub) is type(d)
        assert len(sub) == len(rows)
        np.testing.assert_array_equal(sub.theta, theta[rows])
        for key, value in sub.params.items():
            np.testing.assert_allclose(value, d.params[key][rows])
    with pytest.raises(IndexError):
        d[8]
    with pytest.raises(AttributeError):
        d.no_such_attribute
    assert name.split("_")[0] in repr(d).lower()


# ---------------------------------------------------------------------------- gradients and metrics
def _finite_difference(d, y, score):
    theta = d.theta
    grad = np.empty_like(theta)
    for j in range(theta.shape[1]):
        h = 1e-5 * np.maximum(1.0, np.abs(theta[:, j]))
        up, down = theta.copy(), theta.copy()
        up[:, j] += h
        down[:, j] -= h
        s_up = type(d).from_internal(up).score(y, score)
        s_down = type(d).from_internal(down).score(y, score)
        grad[:, j] = (s_up - s_down) / (2 * h)
    return grad


@pytest.mark.parametrize("name,score", SCORE_CASES)
def test_d_score_matches_finite_differences(name, score):
    case = CASES[name]
    rng = _rng("fd", name, score)
    d = case.make(rng, 40)
    y = case.sample(rng, d, 1)[0]
    analytic = d.d_score(y, score)
    assert analytic.shape == (len(d), d.n_params)
    numeric = _finite_difference(d, y, score)
    err = np.abs(analytic - numeric) / np.maximum(np.abs(analytic), 1e-3)
    assert err.max() < 1e-5, err.max()


@pytest.mark.parametrize("name", CASE_IDS)
def test_fisher_information_matches_monte_carlo(name):
    """Log score metric = E[grad s grad s^T] under y ~ P; checked within 6 standard errors."""
    case = CASES[name]
    rng = _rng("mc", name)
    d = case.make(rng, 4)
    m = case.mc_samples
    y = case.sample(rng, d, m)  # (m, n)
    rep = type(d).from_internal(np.tile(d.theta, (m, 1)))  # row r*n + i is row i of d
    grads = rep.d_score(y.reshape(-1), "log").reshape(m, len(d), d.n_params)
    outer = grads[:, :, :, None] * grads[:, :, None, :]
    mc = outer.mean(axis=0)
    se = outer.std(axis=0) / np.sqrt(m)
    closed = d.metric("log")
    assert closed.shape == (len(d), d.n_params, d.n_params)
    assert np.all(np.abs(mc - closed) <= 6 * se + 1e-9), (mc, closed, se)


def _crps_metric_by_integration(case, d):
    """2 * integral of grad F grad F^T over y, with F from the scipy oracle and grad by central FD."""
    theta = d.theta
    ref = case.oracle(d)
    lo = ref.ppf(np.full(len(d), 1e-10)).min()
    hi = ref.ppf(np.full(len(d), 1 - 1e-10)).max()
    if case.discrete:
        grid = np.arange(max(lo - 1, 0), hi + 2)
    else:
        span = hi - lo
        grid = np.linspace(lo - 0.2 * span, hi + 0.2 * span, 40001)
    dF = []
    for j in range(theta.shape[1]):
        h = 1e-6
        up, down = theta.copy(), theta.copy()
        up[:, j] += h
        down[:, j] -= h
        f_up = case.oracle(type(d).from_internal(up)).cdf(grid[:, None])
        f_down = case.oracle(type(d).from_internal(down)).cdf(grid[:, None])
        dF.append((f_up - f_down) / (2 * h))  # (grid, n)
    dF = np.stack(dF, axis=-1)  # (grid, n, k)
    outer = dF[:, :, :, None] * dF[:, :, None, :]
    if case.discrete:
        return 2 * outer.sum(axis=0)
    return 2 * np.trapezoid(outer, grid, axis=0)


@pytest.mark.parametrize("name", [n for n in CASE_IDS if "crps" in CASES[n].scores])
def test_crps_metric_matches_numerical_integration(name):
    case = CASES[name]
    d = case.make(_rng("crps-metric", name), 5)
    expected = _crps_metric_by_integration(case, d)
    np.testing.assert_allclose(d.metric("crps"), expected, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("name,score", SCORE_CASES)
def test_natural_gradient_equals_solve(name, score):
    case = CASES[name]
    rng = _rng("natgrad", name, score)
    d = case.make(rng, 50)
    y = case.sample(rng, d, 1)[0]
    if case.extra.get("singular_metric"):  # the minimum-norm solution (BetaBernoulli: only a/(a+b) is identified)
        expected = np.einsum("nij,nj->ni", np.linalg.pinv(d.metric(score), rcond=1e-10, hermitian=True), d.d_score(y, score))
    else:
        expected = np.linalg.solve(d.metric(score), d.d_score(y, score)[..., None])[..., 0]
    np.testing.assert_allclose(d.natural_gradient(y, score), expected, rtol=1e-8, atol=1e-10)


def test_normal_crps_matches_scoringrules():
    scoringrules = pytest.importorskip("scoringrules")
    rng = np.random.default_rng(3)
    d = CASES["normal"].make(rng, 200)
    y = rng.normal(0, 4, 200)
    expected = scoringrules.crps_normal(y, d.params["loc"], d.params["scale"])
    np.testing.assert_allclose(d.score(y, "crps"), expected, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(d.score(y, ngb.CRPScore), expected, rtol=1e-10, atol=1e-12)


def test_unsupported_score_raises():
    d = ngb.Poisson([1.0, 2.0])
    with pytest.raises(ValueError, match="does not implement"):
        d.score([0, 1], "brier")
    with pytest.raises(ValueError, match="Unknown score"):
        d.score([0, 1], "hinge")


# ---------------------------------------------------------------------------- marginal fit
def _weighted_mle(cls, y, w, start, **kw):
    bounds = np.array(cls._bounds_for(len(start)), dtype=float)

    def nll(theta):
        if np.any(theta < bounds[:, 0]) or np.any(theta > bounds[:, 1]):
            return np.inf  # outside the parameter box (where the family clips): not a candidate
        return np.sum(w * cls.from_internal(np.tile(theta, (len(y), 1))).score(y, "log"))

    res = optimize.minimize(nll, start, method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 20000})
    return res.x


@pytest.mark.parametrize("name", CASE_IDS)
def test_fit_marginal_is_weighted_mle(name):
    case = CASES[name]
    rng = _rng("marginal", name)
    d = case.make(rng, 1)
    y = case.sample(rng, d, 400)[:, 0]
    w = rng.uniform(0.1, 3.0, len(y))
    cls = type(d)
    theta = cls.fit_marginal(y, sample_weight=w)
    assert theta.shape == (d.n_params,)
    # the oracle starts 0.3 away from the fit, on the side that stays inside the parameter box
    # (the Student t's df coordinate log(df / (1 + df)) is negative)
    hi = np.array([b[1] for b in cls._bounds_for(d.n_params)])
    start = np.where(theta + 0.3 < hi, theta + 0.3, theta - 0.3)
    numeric = _weighted_mle(cls, y, w, start=start)
    if case.extra.get("piecewise_likelihood"):  # the fit is at least as likely as the numerical optimum
        def nll(theta_):
            return np.sum(w * cls.from_internal(np.tile(theta_, (len(y), 1))).score(y, "log"))

        assert nll(theta) <= nll(numeric) + 1e-8
        numeric = theta
    if case.extra.get("singular_metric"):  # the likelihood depends on the parameters' differences alone
        # (BetaBernoulli: on a/(a+b), its a + b = 2 a convention, tests/test_beta_binomial.py; the
        # softmax logits up to a common constant)
        np.testing.assert_allclose(numeric - numeric.mean(), theta - theta.mean(), atol=2e-4)
        numeric = theta
    np.testing.assert_allclose(theta, numeric, atol=2e-4)
    # the weights matter: unweighted fit differs
    assert not np.allclose(cls.fit_marginal(y), theta)


def test_categorical_marginal_keeps_absent_classes():
    y = np.array([0, 0, 2, 2, 2, 0])
    theta = ngb.Categorical.fit_marginal(y, n_classes=4)
    assert theta.shape == (3,)
    probs = ngb.Categorical.from_internal(theta).probs[0]
    np.testing.assert_allclose(probs[[0, 2]], [0.5, 0.5], atol=1e-9)
    assert probs[1] < 1e-10 and probs[3] < 1e-10
    w = np.array([1, 1, 2, 2, 2, 1.0])
    probs_w = ngb.Categorical.from_internal(ngb.Categorical.fit_marginal(y, w, n_classes=4)).probs[0]
    np.testing.assert_allclose(probs_w[[0, 2]], [1 / 3, 2 / 3], atol=1e-9)


# ---------------------------------------------------------------------------- numerical safety
@pytest.mark.parametrize("name,score", SCORE_CASES)
def test_extreme_parameters_stay_finite(name, score):
    case = CASES[name]
    d = case.make(_rng("extreme", name), 3)
    k = d.n_params
    cls = type(d)
    extremes = np.array([[1e300] * k, [-1e300] * k, [1e6] * k, [-1e6] * k, [0.0] * k])
    theta = np.repeat(extremes, 3, axis=0)
    big = cls.from_internal(theta)
    assert np.all(np.isfinite(big.theta))
    y = case.sample(_rng("extreme-y", name), d, 5).reshape(-1)
    if case.extra.get("parameter_support"):  # outcomes the extreme parameters exclude score +inf
        assert np.all(big.score(y, score)[np.isinf(big.logpdf(y))] == np.inf)
        y = np.where(np.isinf(big.logpdf(y)), 0.0, y)
    for values in (big.score(y, score), big.d_score(y, score), big.metric(score), big.natural_gradient(y, score)):
        assert np.all(np.isfinite(values))
    if name == "softmax_categorical":  # K logits for K >= 3 classes, one for 2: two logits are no family
        with pytest.raises(ValueError):
            cls.from_internal(np.zeros((3, 2)))
    elif name != "categorical":  # any K >= 2 is a valid categorical
        with pytest.raises(ValueError):
            cls.from_internal(np.zeros((3, k + 1)))


# ---------------------------------------------------------------------------- CRPS against scoringrules
def _scoringrules_crps(sr, name, y, d):
    p = d.params
    if name == "normal":
        return sr.crps_normal(y, p["loc"], p["scale"])
    if name == "lognormal":
        return sr.crps_lognormal(y, np.log(p["scale"]), p["s"])
    if name == "laplace":
        return sr.crps_laplace(y, p["loc"], p["scale"])
    if name == "exponential":
        return sr.crps_exponential(y, 1.0 / p["scale"])
    if name == "poisson":
        return sr.crps_poisson(y, p["mu"])
    if name == "logistic":
        return sr.crps_logistic(y, p["loc"], p["scale"])
    if name == "normal_fixed_var":
        return sr.crps_normal(y, p["loc"], 1.0)
    if name == "normal_fixed_mean":
        return sr.crps_normal(y, 0.0, p["scale"])
    raise KeyError(name)


@pytest.mark.parametrize("name", [n for n in CASE_IDS if "crps" in CASES[n].scores])
def test_crps_matches_scoringrules(name):
    sr = pytest.importorskip("scoringrules")
    case = CASES[name]
    rng = _rng("scoringrules", name)
    d = case.make(rng, 200)
    y = case.sample(rng, d, 1)[0]
    expected = np.asarray(_scoringrules_crps(sr, name, y, d), dtype=float)
    np.testing.assert_allclose(d.score(y, "crps"), expected, rtol=1e-9, atol=1e-12)


def test_laplace_crps_gradient_matches_integral_of_cdf_derivative():
    """d CRPS = 2 * int (F(x) - 1{y <= x}) grad F(x) dx, with F from scipy (not our closed form).

    The reference implementation's Laplace CRPS gradient is wrong; this pins ours independently of
    the finite-difference test."""
    case = CASES["laplace"]
    rng = _rng("laplace-crps-grad")
    d = case.make(rng, 6)
    y = case.sample(rng, d, 1)[0]
    theta = d.theta
    lo = np.minimum(d.quantile(1e-12), y) - 1
    hi = np.maximum(d.quantile(1 - 1e-12), y) + 1
    expected = np.empty_like(theta)
    for i in range(len(d)):
        # grid containing y and loc exactly so the kinks sit on nodes
        # integrate separately below and above y (where 1{y <= x} jumps); loc is a grid node
        pieces = [(lo[i], y[i], 0.0), (y[i], hi[i], 1.0)]
        for j in range(2):
            h = 1e-6
            up, down = theta[i].copy(), theta[i].copy()
            up[j] += h
            down[j] -= h
            total = 0.0
            for a, b, step in pieces:
                grid = np.unique(np.concatenate([np.linspace(a, b, 100001), [theta[i, 0]] if a < theta[i, 0] < b else []]))
                dF = (case.oracle(type(d).from_internal(up)).cdf(grid) - case.oracle(type(d).from_internal(down)).cdf(grid)) / (2 * h)
                total += np.trapezoid((case.oracle(d[i]).cdf(grid) - step) * dF, grid)
            expected[i, j] = 2 * total
    np.testing.assert_allclose(d.d_score(y, "crps"), expected, rtol=1e-5, atol=1e-7)


# ---------------------------------------------------------------------------- exact Fisher checks
def _expected_outer_by_quadrature(d, pdf, lo=-np.inf, hi=np.inf):
    """E[grad s grad s^T] = int grad s grad s^T p(y) dy for a one-row continuous distribution."""
    from scipy.integrate import quad_vec

    k = d.n_params

    def integrand(y):
        g = d.d_score(np.array([y]), "log")[0]
        return np.outer(g, g).ravel() * pdf(y)

    val, _ = quad_vec(integrand, lo, hi, epsabs=0, epsrel=1e-11, limit=2000)
    return val.reshape(k, k)


@pytest.mark.parametrize("df", [0.2, 1.0, 3.0, 10.0, 49.0, 51.0, 300.0, 1e4, 1e6])
def test_studentt_fisher_is_exact_expectation(df):
    """All entries (df entries included, on both sides of the large-df series switch) equal the
    expectation of grad grad^T computed by adaptive quadrature against scipy's density."""
    from scipy import stats

    d = ngb.StudentT(df=df, loc=0.3, scale=1.7)
    ref = stats.t(df=df, loc=0.3, scale=1.7)
    # split at the centre so the quadrature sees the peak
    got = _expected_outer_by_quadrature(d, ref.pdf, -np.inf, 0.3) + _expected_outer_by_quadrature(d, ref.pdf, 0.3, np.inf)
    metric = d.metric("log")[0]
    nonzero = metric != 0
    np.testing.assert_allclose(metric[nonzero], got[nonzero], rtol=1e-7)
    scale = np.sqrt(np.outer(np.diag(metric), np.diag(metric)))
    assert np.all(np.abs(got[~nonzero]) <= 1e-9 * scale[~nonzero])  # loc is orthogonal to the rest
    nu = df
    assert np.isclose(metric[1, 1], 2 * nu / (nu + 3))
    assert np.isclose(metric[0, 0], (nu + 1) / ((nu + 3) * 1.7**2))
    assert np.isclose(metric[1, 2], -2 * nu / (nu + 3))  # the (log scale, df coordinate) cross term


@pytest.mark.parametrize("df", [2.5, 5.0, 12.0])
def test_studentt_log_scale_fisher_entry_by_monte_carlo(df):
    """The reference's Student-t log-scale Fisher entry is wrong: the correct value 2 df/(df+3)
    is within 6 standard errors of the Monte Carlo mean of (d score / d log scale)^2, while
    df / (2 (df + 3)) is rejected; the (log scale, df coordinate) cross term -2 df/(df+3) is clearly
    non-zero."""
    m = 400_000
    d = ngb.StudentT(df=np.full(m, df), loc=np.full(m, -1.0), scale=np.full(m, 0.5))
    from scipy import stats

    y = stats.t(df=df, loc=-1.0, scale=0.5).rvs(size=m, random_state=_rng("t-mc", df))
    g = d.d_score(y, "log")
    ss, sd = g[:, 1] ** 2, g[:, 1] * g[:, 2]
    se_ss, se_sd = ss.std() / np.sqrt(m), sd.std() / np.sqrt(m)
    assert abs(ss.mean() - 2 * df / (df + 3)) < 6 * se_ss
    assert abs(ss.mean() - df / (2 * (df + 3))) > 6 * se_ss
    assert abs(sd.mean() - (-2 * df / (df + 3))) < 6 * se_sd
    assert abs(sd.mean()) > 6 * se_sd
    np.testing.assert_allclose(d[0].metric("log")[0, 1, 1], 2 * df / (df + 3), rtol=1e-14)


@pytest.mark.parametrize(
    "size,mu",
    [(0.05, 2.0), (0.5, 3.0), (1.0, 1.0), (5.0, 0.3), (2.0, 20.0), (50.0, 10.0), (0.3, 300.0), (1e4, 1.0), (1e6, 5.0), (3e6, 0.01), (1e-3, 0.5)],
)
def test_negative_binomial_size_fisher_is_exact_expectation(size, mu):
    """The size entry (series / quadrature) equals E[(d score / d log n)^2] summed exactly over y."""
    from scipy import stats

    p = size / (size + mu)
    top = int(stats.nbinom(size, p).isf(1e-19)) + 10
    k = np.arange(top, dtype=float)
    # pmf by its recurrence (scipy's log-gamma differences lose ~1e-8 for sizes ~1e6)
    ratios = (size + k[:-1]) / (k[:-1] + 1) * (mu / (size + mu))
    pmf = np.exp(-size * np.log1p(mu / size) + np.concatenate([[0.0], np.cumsum(np.log(ratios))]))
    d = ngb.NegativeBinomial.from_mean(np.full(top, mu), np.full(top, size))
    g = d.d_score(k, "log")
    exact = np.array([[pmf @ (g[:, 0] ** 2), pmf @ (g[:, 0] * g[:, 1])], [0.0, pmf @ (g[:, 1] ** 2)]])
    metric = d[0].metric("log")[0]
    np.testing.assert_allclose(metric[1, 1], exact[1, 1], rtol=1e-9)
    np.testing.assert_allclose(metric[0, 0], exact[0, 0], rtol=1e-9)
    assert abs(exact[0, 1]) < 1e-9 * np.sqrt(exact[0, 0] * exact[1, 1])  # orthogonal parameters


@pytest.mark.parametrize("size", [0.3, 9.99, 10.0, 1e3, 3e6])
def test_negative_binomial_logpmf_exact_for_any_size(size):
    """log pmf against the exact recurrence, also for sizes where scipy's formula loses digits."""
    mu = 2.5
    k = np.arange(60, dtype=float)
    ratios = (size + k[:-1]) / (k[:-1] + 1) * (mu / (size + mu))
    exact = -size * np.log1p(mu / size) + np.concatenate([[0.0], np.cumsum(np.log(ratios))])
    d = ngb.NegativeBinomial.from_mean(np.full(len(k), mu), np.full(len(k), size))
    np.testing.assert_allclose(d.logpdf(k), exact, rtol=1e-13, atol=1e-12)


@pytest.mark.parametrize("size,a", [(0.5, 1e-4), (3.0, 0.01), (2.7, 0.5), (100.0, 1e-3), (1e4, 1e-5), (0.01, 0.3),
                                     (5.0, 0.9), (1e-3, 0.99), (76.3, 2.96e-6), (0.8, 0.999)])
def test_negative_binomial_tail2_is_exact(size, a):
    """P(NB >= 2) in closed form (the zero-inflated NB's B) equals 1 - p0 - p1 in 60-digit decimal
    arithmetic (where the cancellation costs nothing) and scipy's regularised incomplete beta."""
    import decimal

    from scipy.special import betainc

    from ngb.distributions import negbinomial as nbmod

    with decimal.localcontext() as ctx:
        ctx.prec = 60
        n, q = decimal.Decimal(size), decimal.Decimal(a)  # the doubles exactly
        p0 = ((1 - q).ln() * n).exp()
        exact = float(1 - p0 * (1 + n * q))
    got = nbmod.tail2(size, a)
    np.testing.assert_allclose(got, exact, rtol=4e-15)
    np.testing.assert_allclose(got, betainc(2.0, size, a), rtol=2e-14)


def test_negative_binomial_tail2_matches_betainc_over_the_box():
    from scipy.special import betainc

    from ngb.distributions import negbinomial as nbmod

    rng = np.random.default_rng(11)
    n = np.exp(rng.uniform(-8, 14, 5000))
    a = np.exp(rng.uniform(np.log(1e-6), np.log(0.999), 5000))
    ref = betainc(2.0, n, a)
    keep = ref > 1e-290
    np.testing.assert_allclose(nbmod.tail2(n, a)[keep], ref[keep], rtol=1e-14)


def test_negative_binomial_series_and_quadrature_agree():
    from ngb.distributions import negbinomial as nbmod

    rng = np.random.default_rng(7)
    n = np.exp(rng.uniform(-10, 15, 300))
    a = rng.uniform(0.3, 0.75, 300)
    mu = n * a / (1 - a)
    a, p = mu / (n + mu), n / (n + mu)
    np.testing.assert_allclose(nbmod._size_fisher_series(n, a), nbmod._size_fisher_quadrature(n, a, p), rtol=1e-10)


# ---------------------------------------------------------------------------- Brier score metric
@pytest.mark.parametrize("name", ["categorical", "bernoulli"])
def test_brier_metric_is_hessian_of_expected_score(name):
    """metric = Hessian in the logits of E_{y~P} Brier(Q, y) at Q = P (numerical Hessian)."""
    case = CASES[name]
    d = case.make(_rng("brier-hessian", name), 5)
    cls = type(d)
    k = d.n_params
    n_classes = k + 1
    labels = np.arange(n_classes, dtype=float)
    for i in range(len(d)):
        p = d.probs[i]
        theta0 = d.theta[i]

        def expected(theta):
            q = cls.from_internal(np.tile(theta, (n_classes, 1)))
            return p @ q.score(labels, "brier")

        h = 1e-4
        hess = np.empty((k, k))
        for a in range(k):
            for b in range(k):
                ea, eb = np.eye(k)[a] * h, np.eye(k)[b] * h
                hess[a, b] = (
                    expected(theta0 + ea + eb) - expected(theta0 + ea - eb) - expected(theta0 - ea + eb) + expected(theta0 - ea - eb)
                ) / (4 * h * h)
        np.testing.assert_allclose(d.metric("brier")[i], hess, rtol=1e-6, atol=1e-8)


# ---------------------------------------------------------------------------- support, safety, names
@pytest.mark.parametrize(
    "cls,bad",
    [
        (ngb.LogNormal, [1.0, 0.0]),
        (ngb.LogNormal, [-1.0]),
        (ngb.Gamma, [0.0]),
        (ngb.Weibull, [2.0, -3.0]),
        (ngb.Exponential, [-1e-3]),
        (ngb.HalfNormal, [-2.0]),
        (ngb.Beta, [0.0]),
        (ngb.Beta, [1.0]),
        (ngb.Beta, [0.5, 1.5]),
        (ngb.NegativeBinomial, [1.5]),
        (ngb.NegativeBinomial, [-1.0]),
        (ngb.Poisson, [0.5]),
        (ngb.StudentT, [np.nan]),
        (ngb.Cauchy, [np.inf]),
    ],
)
def test_check_y_rejects_out_of_support(cls, bad):
    with pytest.raises(ValueError):
        cls.check_y(np.array(bad))


def test_check_y_accepts_support():
    assert ngb.Exponential.check_y([0.0, 2.0]).dtype == float  # density finite at 0
    assert ngb.HalfNormal.check_y([0.0, 2.0]).dtype == float
    ngb.Beta.check_y([1e-9, 0.5, 1 - 1e-9])
    ngb.NegativeBinomial.check_y([0, 1, 7])
    ngb.LogNormal.check_y([1e-300, 5.0])


@pytest.mark.parametrize("name,score", SCORE_CASES)
def test_mixed_extreme_parameters_stay_finite(name, score):
    """Every corner of the clipped box (each internal parameter at -inf-ish, 0 or +inf-ish, in all
    combinations) plus random points inside it gives finite score, gradient, metric and natural
    gradient without warnings (pytest turns RuntimeWarnings into errors)."""
    import itertools

    case = CASES[name]
    d = case.make(_rng("mixed-extreme", name), 3)
    cls, k = type(d), d.n_params
    corners = np.array(list(itertools.product([-1e300, 0.0, 1e300], repeat=k)))
    rng = _rng("mixed-extreme-random", name)
    bounds = np.array(cls._bounds_for(k), dtype=float)
    width = np.minimum(bounds[:, 1], 50.0) - np.maximum(bounds[:, 0], -50.0)
    inside = np.maximum(bounds[:, 0], -50.0) + width * rng.random((20, k))
    theta = np.vstack([corners, inside])
    big = cls.from_internal(theta)
    y = case.sample(_rng("mixed-extreme-y", name), d, int(np.ceil(len(theta) / len(d)))).reshape(-1)[: len(theta)]
    if case.extra.get("parameter_support"):  # outcomes the parameters exclude score +inf
        y = np.where(np.isinf(big.logpdf(y)), 0.0, y)
    for values in (big.score(y, score), big.d_score(y, score), big.metric(score), big.natural_gradient(y, score)):
        assert np.all(np.isfinite(values))


def test_families_resolve_by_name():
    from ngb.distributions import get_distribution

    assert get_distribution("t_fixed_df") is ngb.TFixedDf
    assert get_distribution("T-Fixed-Df") is ngb.TFixedDf
    assert get_distribution("cauchy") is ngb.Cauchy
    assert get_distribution("student_t") is ngb.StudentT
    assert get_distribution("nbinom") is ngb.NegativeBinomial
    assert get_distribution("half_normal") is ngb.HalfNormal
    assert ngb.Cauchy.df == 1.0 and issubclass(ngb.Cauchy, ngb.TFixedDf)
    with pytest.raises(ValueError, match="Unknown distribution"):
        get_distribution("student")


def test_t_fixed_df_with_df():
    from scipy import stats

    t5 = ngb.TFixedDf.with_df(5.0)
    assert issubclass(t5, ngb.TFixedDf) and t5.df == 5.0 and ngb.TFixedDf.df == 3.0
    d = t5(loc=[0.0, 1.0], scale=[1.0, 2.0])
    y = np.array([0.3, -2.0])
    np.testing.assert_allclose(d.logpdf(y), stats.t(5.0, [0.0, 1.0], [1.0, 2.0]).logpdf(y), rtol=1e-12)
    np.testing.assert_allclose(d.metric()[:, 1, 1], 10.0 / 8.0)


NEW_FAMILIES = ["lognormal", "exponential", "gamma", "laplace", "studentt", "t_fixed_df", "cauchy", "weibull", "halfnormal", "negative_binomial", "beta"]


@pytest.mark.parametrize("name", NEW_FAMILIES)
def test_user_facing_values_at_extreme_parameters(name):
    """Corners of the clipped box and random points inside it: moments, quantiles, cdf, density and
    draws raise no warning, quantiles are monotone and finite on the real line, and nothing is NaN
    (except the mean/variance of heavy-tailed t laws, which do not exist)."""
    import itertools

    case = CASES[name]
    d0 = case.make(_rng("user-extreme", name), 3)
    cls, k = type(d0), d0.n_params
    bounds = np.array(cls._bounds_for(k), dtype=float)
    lo, hi = np.maximum(bounds[:, 0], -50.0), np.minimum(bounds[:, 1], 50.0)
    theta = np.vstack([np.array(list(itertools.product([-1e300, 0.0, 1e300], repeat=k))), lo + (hi - lo) * _rng("ue", name).random((30, k))])
    d = cls.from_internal(theta)
    y = case.sample(_rng("user-extreme-y", name), d0, int(np.ceil(len(d) / 3))).reshape(-1)[: len(d)]
    levels = np.array([0.01, 0.1, 0.5, 0.9, 0.99])
    q = d.quantile(levels)
    assert not np.any(np.isnan(q)) and np.all(np.diff(q, axis=1) >= 0)
    if cls.support == "real":
        assert np.all(np.isfinite(q))
    for values in (d.cdf(y), d.sf(y), d.logpdf(y), d.logsf(y), d.sample(3, random_state=0), d.median(), *d.interval(0.9)):
        assert not np.any(np.isnan(values))
    moments = (d.mean(), d.var(), d.std())
    if name not in ("studentt", "cauchy"):
        assert not any(np.any(np.isnan(m)) for m in moments)


def _fused_case(name, tag, n):
    """(distribution of n rows, a sample y, its class, bounds (k, 2), weights, rng) for a fast-kernel test."""
    case = CASES[name]
    rng = _rng(tag, name)
    d = case.make(rng, n)
    y = case.sample(rng, d, 1)[0]
    cls = type(d)
    return d, y, cls, np.asarray(cls._bounds_for(d.n_params), float), rng.uniform(0, 2, n), rng


def _with_fast(what):
    """Names of the families whose fast path has ``what`` (a FastScore kernel field) for some rule."""
    return [n for n in CASE_IDS if any(getattr(f, what) is not None for f in FAMILIES[n].fast.values())]


@pytest.mark.parametrize("name", _with_fast("mean"))
def test_fused_engine_kernels_match_score(name):
    """The engine's fast mean-score kernels equal the weighted mean of ``score`` at clip(theta - s step)."""
    d, y, cls, bounds, w, rng = _fused_case(name, "fused", 200)
    step = rng.normal(0, 3, d.theta.shape)
    step[:5] = 1e4  # pushes some rows past the bounds: clipping must match
    y0 = y
    for score, fast in cls.fast.items():
        y = fast_target(score, y0)
        aux = fast.aux(y)
        for s in (0.0, 0.5, 2.0):
            expected = np.average(cls.from_internal(d.theta - s * step).score(y, score), weights=w)
            assert fast.mean_score(bounds, d.theta, step, s, y, w, aux) == pytest.approx(expected, rel=1e-12)
        expected = d.score(y, score).mean()
        assert fast.mean_score(bounds, d.theta, None, 0.0, y, None, aux) == pytest.approx(expected, rel=1e-12)


def test_categorical_kernels_grouped_logs_at_extreme_logits():
    """Unweighted categorical kernels add one log per group of rows; with 50 logits at the bound
    (sums of exponentials ~ 5e14 per row) the products are flushed early and stay exact."""
    rng = np.random.default_rng(12)
    n, k = 101, 50
    theta = rng.choice([-30.0, 0.0, 30.0], size=(n, k), p=[0.1, 0.1, 0.8])
    y = rng.integers(0, k + 1, n).astype(float)
    bounds = np.tile([-30.0, 30.0], (k, 1))
    eta = np.column_stack([np.zeros(n), theta])
    per_row = np.log(np.exp(eta).sum(axis=1)) - eta[np.arange(n), y.astype(int)]
    assert ngb.Categorical.fast["log"].mean_score(bounds, theta, None, 0.0, y, None) == pytest.approx(
        per_row.mean(), rel=1e-13)


@pytest.mark.parametrize("name", _with_fast("leaf_mean"))
def test_fused_leaf_score_kernels_match(name):
    """The leaf-structured line-search kernels (step of row i = vals[j, leaves[j, i]], exponentials
    factored through the natural-gradient pass's ``ex``) equal the fast score at clip(theta - s step),
    rows pushed past the bounds included, and at s = 0 the natural-gradient pass's score exactly."""
    d, y, cls, bounds, w, rng = _fused_case(name, "fused-leaves", 400)
    k = d.n_params
    theta = d.theta.copy()
    theta[:3] = bounds[:, 1] + 1.0  # parameters already outside the bounds: clipped, exact path
    vals = rng.normal(0, 2, (k, 15))
    vals[:, 14] = 1e4  # a leaf whose step leaves the bounds
    leaves = rng.integers(0, 15, (k, 400)).astype(np.int32)
    step = vals[np.arange(k)[:, None], leaves].T
    y0 = y
    for score, fast in cls.fast.items():
        y = fast_target(score, y0)
        aux = fast.aux(y)
        ex = np.full((400, k), np.nan)
        grad, value0, _ = fast.natural_gradient_and_score(bounds, theta, y, w, aux, ex=ex)
        used = fast.signs(k) != 0
        np.testing.assert_allclose(ex[:, used], np.exp(fast.signs(k) * np.clip(theta, *bounds.T))[:, used],
                                   rtol=1e-15)
        assert fast.leaf_mean_score(bounds, theta, ex, leaves, vals, 0.0, y, w, aux) == value0
        for s in (1e-3, 0.5, 2.0):
            expected = fast.mean_score(bounds, theta, step, s, y, w, aux)
            got = fast.leaf_mean_score(bounds, theta, ex, leaves, vals, s, y, w, aux)
            assert got == pytest.approx(expected, rel=1e-12)
        # given factors are read instead of recomputed: the same gradient and score
        again = fast.natural_gradient_and_score(bounds, theta, y, w, aux, ex=ex, ex_given=True)
        np.testing.assert_array_equal(again[0], grad)
        assert again[1] == value0


@pytest.mark.parametrize("name", _with_fast("leaf_mean"))
def test_subtract_leaf_steps_keeps_row_factors(name):
    """The fast path's update: theta - c * vals[leaf] exactly, and the row factors stay
    exp(a * clip(theta)) through many steps, rows crossing the bounds both ways included."""
    from ngb.distributions.fast import subtract_leaf_steps

    d, y, cls, bounds, w, rng = _fused_case(name, "fused-update", 300)
    k = d.n_params
    score, fast = next(iter(cls.fast.items()))
    y = fast_target(score, y)
    lo, hi = np.ascontiguousarray(bounds[:, 0]), np.ascontiguousarray(bounds[:, 1])
    signs = fast.signs(k)
    theta = d.theta.copy()
    ex = np.empty((300, k))
    fast.natural_gradient_and_score(bounds, theta, y, w, fast.aux(y), ex=ex)
    span = np.where(np.isfinite(bounds), bounds, 0.0)
    for it in range(60):
        vals = rng.normal(0, 0.3, (k, 7))
        vals[:, 6] = (span[:, 1] - span[:, 0]) * (1 if it % 2 else -1)  # a leaf that crosses the bounds
        leaves = rng.integers(0, 7, (k, 300)).astype(np.int32)
        expected = theta - 0.5 * vals[np.arange(k)[:, None], leaves].T
        subtract_leaf_steps(theta, ex, leaves, vals, 0.5, signs, lo, hi, 0, 300)
        np.testing.assert_array_equal(theta, expected)
    used = signs != 0
    np.testing.assert_allclose(ex[:, used], np.exp(signs * np.clip(theta, lo, hi))[:, used], rtol=1e-12)


@pytest.mark.parametrize("name", _with_fast("natural_gradient"))
def test_fused_natural_gradient_kernels_match(name):
    """The fast natural-gradient kernels give the natural gradient and the weighted mean score; with
    ``want_diag`` the metric diagonal and d_score / diagonal (the engine's metric-weighted fit)."""
    d, y, cls, bounds, w, _ = _fused_case(name, "fused-natgrad", 300)
    y0 = y
    for score, fast in cls.fast.items():
        y = fast_target(score, y0)
        grad, value, diag = fast.natural_gradient_and_score(bounds, d.theta, y, w, fast.aux(y))
        assert diag is None
        np.testing.assert_allclose(grad, d.natural_gradient(y, score), **fast_tolerance(name, score))
        assert value == pytest.approx(np.average(d.score(y, score), weights=w), rel=1e-12)
        direction, value, diag = fast.natural_gradient_and_score(bounds, d.theta, y, w, fast.aux(y), want_diag=True)
        np.testing.assert_allclose(diag, d.metric_diagonal(score), rtol=1e-12)
        tol = fast_tolerance(name, score)
        np.testing.assert_allclose(direction, d.d_score(y, score) / diag, rtol=max(tol["rtol"], 1e-10), atol=tol["atol"])
        assert value == pytest.approx(np.average(d.score(y, score), weights=w), rel=1e-12)


@pytest.mark.parametrize("name", [n for n in CASE_IDS if FAMILIES[n]._y_per_row_is_scalar])
def test_per_row_methods_take_a_grid_of_values_per_row(name):
    """cdf, logcdf, sf, logsf, logpdf and pdf take y of shape (n, m): column j is the method at
    y[:, j], and logpdf/cdf equal scipy's on the grid."""
    case = CASES[name]
    rng = _rng("grid", name)
    d = case.make(rng, 6)
    grid = case.sample(rng, d, 4).T  # (n, m) = (6, 4)
    for method in ("cdf", "logcdf", "sf", "logsf", "logpdf", "pdf"):
        got = getattr(d, method)(grid)
        assert got.shape == (6, 4), method
        columns = np.column_stack([getattr(d, method)(grid[:, j]) for j in range(4)])
        np.testing.assert_array_equal(got, columns, err_msg=method)
    frozen = case.oracle(d)
    ref_logpdf = (frozen.logpmf if case.discrete else frozen.logpdf)(grid.T).T
    np.testing.assert_allclose(d.logpdf(grid), ref_logpdf, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(d.cdf(grid), frozen.cdf(grid.T).T, rtol=1e-9, atol=1e-12)
    assert d.cdf(grid[:, :1]).shape == (6, 1)


def test_families_resolve_by_class_and_scipy_names():
    """dist= takes each family's class name in any spelling and scipy.stats' name of the family
    (the name of what its to_scipy() returns), and suggests close names for a typo."""
    from ngb.distributions import FAMILIES, get_distribution

    for name, cls in FAMILIES.items():
        for spelling in (name, cls.__name__, cls.__name__.lower(), cls.__name__.upper(), name.replace("_", "-"),
                         name.replace("_", " ").title()):
            assert get_distribution(spelling) is cls, spelling
    for alias, cls in [("gaussian", ngb.Normal), ("exp", ngb.Exponential), ("negativebinomial", ngb.NegativeBinomial),
                       ("Negative Binomial", ngb.NegativeBinomial), ("mvnormal", ngb.MultivariateNormal)]:
        assert get_distribution(alias) is cls
    # scipy's names, read from scipy itself; "t" and "bernoulli" name the general family of the two
    # that share them (TFixedDf is a StudentT with df fixed; Categorical and SoftmaxCategorical with K = 2
    # are a Bernoulli)
    # (the fixed-parameter Normals and t share "norm" and "t" with the general families too, and
    # BetaBernoulli "betabinom" with BetaBinomial)
    shared = {ngb.TFixedDf: ngb.StudentT, ngb.Cauchy: ngb.Cauchy, ngb.Categorical: ngb.Bernoulli, ngb.SoftmaxCategorical: ngb.Bernoulli,
              ngb.NormalFixedVar: ngb.Normal, ngb.NormalFixedMean: ngb.Normal, ngb.TFixedDfFixedVar: ngb.StudentT,
              ngb.BetaBernoulli: ngb.BetaBinomial}
    seen = set()
    for name, cls in FAMILIES.items():
        if name == "multivariate_normal":
            scipy_name = type(cls(mean=np.zeros((2, 2)), cov=np.eye(2)).to_scipy()[0]).__name__.split("_frozen")[0]
        else:
            k = len(getattr(cls, "parameters", ())) or 1
            frozen = cls.from_internal(np.zeros((2, k))).to_scipy()
            scipy_name = getattr(getattr(frozen, "dist", None), "name", None)
            if scipy_name is None:  # the zero-inflated families: an rv_discrete of their own
                continue
        assert get_distribution(scipy_name) is shared.get(cls, cls), scipy_name
        seen.add(scipy_name)
    assert {"norm", "lognorm", "expon", "gamma", "weibull_min", "halfnorm", "nbinom", "gumbel_r", "t"} <= seen
    with pytest.raises(ValueError, match="Did you mean 'negative_binomial'"):
        get_distribution("negbinomal")


def test_estimators_take_class_and_scipy_names():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 2))
    y = rng.poisson(np.exp(0.5 * X[:, 0]) + 1.0)
    kw = dict(n_estimators=5, random_state=0)
    for a, b in [("NegativeBinomial", "negative_binomial"), ("gaussian", "normal"), ("norm", "normal"),
                 ("expon", "exponential"), ("exp", "exponential"), ("lognorm", "lognormal")]:
        target = y + 1.0 if b in ("exponential", "lognormal") else y
        np.testing.assert_array_equal(ngb.NGBRegressor(dist=a, **kw).fit(X, target).predict(X),
                                      ngb.NGBRegressor(dist=b, **kw).fit(X, target).predict(X))
