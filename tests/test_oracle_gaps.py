"""Oracle tests closing gaps found by a mutation audit (each test fails on a mutant that survived
the rest of the suite): user-facing cdf / sf / logcdf / logsf / logpdf of every family against
scipy at and outside the support edges, the survival helpers, the large-shape and far-tail
branches of the Gamma, Student t and Beta special-function code against independent references
(quadrature of exact expectations and integral representations), the score-name aliases, Poisson
offsets in staged predictions and validation scores, and the fused leaf-score kernels on rows that
stay inside the parameter bounds (where the factored exponentials are actually used)."""

from __future__ import annotations

import zlib

import numpy as np
import pytest
from scipy import integrate, special, stats

import ngb
from families import CASES, fast_target
from ngb.distributions import FAMILIES

CASE_IDS = sorted(CASES)


def _rng(*key):
    return np.random.default_rng(zlib.crc32(repr(("oracle-gaps",) + key).encode()))


# ---------------------------------------------------------------------------- 1. values vs scipy
#: points at and outside the support edge, per support kind (the sampled points are added to these)
_EDGE_POINTS = {
    "real": [0.0],
    "positive": [0.0, -1.0, -1e-300, 1e-300],
    "count": [0.0, -1.0, -0.5, 0.5, 2.5, 1e6],
    "unit": [0.0, 1.0, -0.5, 1.5, 1e-300, 1 - 1e-16],
    "class": [-1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 2.5, 3.0, 4.0, 4.5],
}

_METHODS = ("cdf", "sf", "logcdf", "logsf", "logpdf", "pdf")


def _scipy_method(case, frozen, method, y):
    """The oracle's value of ``method`` at y (n,): scipy's name, row by row for the categorical."""
    name = {"logpdf": "logpmf" if case.discrete else "logpdf", "pdf": "pmf" if case.discrete else "pdf"}.get(method, method)
    with np.errstate(all="ignore"):
        if case.name in ("categorical", "softmax_categorical"):
            return frozen._apply(name, y)
        return np.asarray(getattr(frozen, name)(y), dtype=float)


def _value_cases():
    out = []
    for name in CASE_IDS:
        support = FAMILIES[name].support
        for y0 in [None] + _EDGE_POINTS[support]:
            for method in _METHODS:
                out.append(pytest.param(name, method, y0, id=f"{name}-{method}-{'sampled' if y0 is None else y0}"))
    return out


@pytest.mark.parametrize("name,method,y0", _value_cases())
def test_user_values_match_scipy_on_and_off_support(name, method, y0):
    """cdf, sf, logcdf, logsf, logpdf and pdf equal scipy's (the families' own oracle) at sampled
    points and at / beyond the support edges (-inf == -inf), with no RuntimeWarning."""
    case = CASES[name]
    rng = _rng("values", name)
    d = case.make(rng, 12)
    frozen = case.oracle(d)
    if y0 is None:
        # draws plus tail quantiles (where sf, logsf and logcdf differ most from the cdf)
        y = case.sample(rng, d, 1)[0]
        if not case.discrete:
            y = np.where(np.arange(12) % 3 == 0, frozen.ppf(np.full(12, 0.999)), y)
            y = np.where(np.arange(12) % 3 == 1, frozen.ppf(np.full(12, 0.001)), y)
    else:
        y = np.full(12, y0)
    got = getattr(d, method)(y)
    expected = _scipy_method(case, frozen, method, y)
    assert got.shape == (12,)
    assert not np.any(np.isnan(expected))  # the oracle is defined everywhere we ask
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12, err_msg=f"{name}.{method} at {y0}")


# ---------------------------------------------------------------------------- 2. survival helpers
SURVIVAL_FAMILIES = [n for n in CASE_IDS if FAMILIES[n].support == "positive"]


@pytest.mark.parametrize("name", SURVIVAL_FAMILIES)
def test_survival_helpers_match_scipy(name):
    """survival_function = scipy sf, cumulative_hazard = -scipy logsf, hazard = pdf / sf, at
    sampled times, the origin and far in the upper tail."""
    case = CASES[name]
    rng = _rng("survival", name)
    d = case.make(rng, 10)
    frozen = case.oracle(d)
    for t in (case.sample(rng, d, 1)[0], frozen.ppf(np.full(10, 0.99)), np.zeros(10)):
        np.testing.assert_allclose(d.survival_function(t), frozen.sf(t), rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(d.cumulative_hazard(t), -frozen.logsf(t), rtol=1e-10, atol=1e-14)
        if np.all(t > 0):
            np.testing.assert_allclose(d.hazard(t), frozen.pdf(t) / frozen.sf(t), rtol=1e-9)
    assert np.all(d.cumulative_hazard(frozen.ppf(np.full(10, 0.5))) > 0.69)  # log 2: not a sign slip


# ---------------------------------------------------------------------------- 3. Gamma large shape
def _a_trigamma_minus_one_by_integral(a):
    """a trigamma(a) - 1 = int_0^inf a t e^{-a t} [1/(1 - e^{-t}) - 1/t] dt (no cancellation)."""

    def bracket(t):
        if t < 1e-3:  # 1/(1-e^-t) - 1/t = 1/2 + t/12 - t^3/720 + t^5/30240
            return 0.5 + t / 12 - t**3 / 720 + t**5 / 30240
        return -1.0 / np.expm1(-t) - 1.0 / t

    # u = a t: int_0^inf u e^{-u} bracket(u / a) du / a
    val, _ = integrate.quad(lambda u: u * np.exp(-u) * bracket(u / a), 0, np.inf, epsabs=0, epsrel=2e-14, limit=200)
    return val / a


@pytest.mark.parametrize("a", [0.3, 3.0, 19.9, 20.01, 25.0, 100.0, 1e3, 1e4, 1e6, 4e8])
def test_gamma_a_trigamma_minus_one_against_integral(a):
    from ngb.distributions.gamma import _a_trigamma_minus_one

    np.testing.assert_allclose(_a_trigamma_minus_one(a), _a_trigamma_minus_one_by_integral(a), rtol=1e-12)


@pytest.mark.parametrize("a", [3.0, 25.0, 100.0, 1e4])
def test_gamma_fisher_is_exact_expectation(a):
    """E[g g^T] by quadrature against scipy's density equals the metric; the Schur complement
    E[(g0 - g1)^2] = a (a trigamma(a) - 1) (~1/2: what the natural gradient divides by) to 1e-9."""
    scale = 1.7
    d = ngb.Gamma(a=a, scale=scale)
    ref = stats.gamma(a=a, scale=scale)

    def integrand(y):
        g = d.d_score(np.array([y]), "log")[0]
        return np.concatenate([np.outer(g, g).ravel(), [(g[0] - g[1]) ** 2]]) * ref.pdf(y)

    sd = np.sqrt(a) * scale
    mode = max(a - 1, 0.0) * scale
    lo, hi = max(mode - 40 * sd, 0.0), mode + 60 * sd
    total = np.zeros(5)
    for a_, b_ in [(lo, mode - sd), (mode - sd, mode), (mode, mode + sd), (mode + sd, hi)]:
        if b_ > a_:
            val, _ = integrate.quad_vec(integrand, a_, b_, epsabs=0, epsrel=1e-12, limit=2000)
            total += val
    metric = d.metric("log")[0]
    np.testing.assert_allclose(metric.ravel(), total[:4], rtol=1e-9)
    from ngb.distributions.gamma import _a_trigamma_minus_one

    np.testing.assert_allclose(a * _a_trigamma_minus_one(a), total[4], rtol=1e-9)
    # and the natural gradient (which divides by a (a trigamma - 1)) solves the quadrature metric
    y = ref.ppf([0.2, 0.5, 0.9])
    rows = ngb.Gamma(a=np.full(3, a), scale=scale)
    g = rows.d_score(y, "log")
    schur = total[4]
    expected0 = (g[:, 0] - g[:, 1]) / schur  # exact 2x2 inverse of [[a + S, a], [a, a]]
    np.testing.assert_allclose(rows.natural_gradient(y, "log")[:, 0], expected0, rtol=1e-8, atol=1e-12)


# ---------------------------------------------------------------------------- 4. Gamma far tail
def _log_q_exact(a, x):
    """log Q(a, x) in closed form for a in {1/2, 1, 2, 3}."""
    if a == 0.5:
        return np.log(2.0) + special.log_ndtr(-np.sqrt(2 * x))
    if a == 1:
        return -x
    if a == 2:
        return -x + np.log1p(x)
    if a == 3:
        return -x + np.log1p(x + x * x / 2)
    raise ValueError(a)


@pytest.mark.parametrize("a", [0.5, 1, 2, 3])
def test_gamma_logsf_far_tail_is_exact(a):
    """Beyond Q = 1e-280 the asymptotic series; at and around the switch, on both sides."""
    x = np.array([10.0, 300.0, 600.0, 640.0, 645.0, 650.0, 655.0, 660.0, 700.0, 800.0, 5000.0, 1e5])
    for scale in (1.0, 3.0):
        d = ngb.Gamma(a=np.full(len(x), float(a)), scale=scale)
        np.testing.assert_allclose(d.logsf(x * scale), _log_q_exact(a, x), rtol=1e-12)
        np.testing.assert_allclose(d.cumulative_hazard(x * scale), -_log_q_exact(a, x), rtol=1e-12)


@pytest.mark.parametrize("a", [0.37, 2.0, 7.5, 40.0])
def test_gamma_logsf_continuous_across_series_switch(a):
    """log Q on a fine grid through the point where Q = 1e-280 (direct below, series above) equals
    scipy's log(gammaincc), which is still accurate there (normal doubles), and its slope has no jump."""
    from scipy.optimize import brentq

    x_star = brentq(lambda x: np.log(max(special.gammaincc(a, x), 1e-320)) + 280 * np.log(10.0), 300, 1000)
    x = x_star + np.linspace(-0.05, 0.05, 101)
    lq = ngb.Gamma(a=np.full(len(x), a)).logsf(x)
    np.testing.assert_allclose(lq, np.log(special.gammaincc(a, x)), rtol=1e-12)
    slope = np.diff(lq) / np.diff(x)
    assert np.all(np.abs(np.diff(slope)) < 1e-6)


# ---------------------------------------------------------------------------- 5. Gamma d log S / d log a
def _d_log_q_d_log_a(a, x):
    """a d log Q(a, x) / da by quadrature of E[log T - digamma(a); T > x] / Q, T ~ Gamma(a).

    x below the median: -int_0^x (log t - psi(a)) f(t) dt / Q with t = x v^(1/a) (no singularity
    left but log v); above: with t = x + u and the weight (1 + u/x)^(a-1) e^-u normalised in log
    space (also where Q underflows)."""
    psi = special.digamma(a)
    if x < a:
        # f(t) dt = x^a v^0 e^{-x v^{1/a}} dv / (a Gamma(a)), t = x v^{1/a}
        log_c = a * np.log(x) - special.gammaln(a + 1)

        def g(v):
            return (np.log(x) + np.log(v) / a - psi) * np.exp(-x * v ** (1 / a) + log_c)

        val, _ = integrate.quad(g, 0, 1, epsabs=0, epsrel=1e-13, limit=500)
        return -a * val / special.gammaincc(a, x)

    def log_w(u):
        return (a - 1) * np.log1p(u / x) - u

    peak = max(0.0, (a - 1) - x)  # the weight's mode in u
    top = log_w(peak)
    pieces = [0.0, peak, peak + 50 + 10 * np.sqrt(a), np.inf] if peak > 0 else [0.0, 50 + 10 * np.sqrt(a), np.inf]
    num = den = 0.0
    for lo, hi in zip(pieces[:-1], pieces[1:]):
        if hi <= lo:
            continue
        num += integrate.quad(lambda u: (np.log(x + u) - psi) * np.exp(log_w(u) - top), lo, hi, epsabs=0, epsrel=1e-13, limit=500)[0]
        den += integrate.quad(lambda u: np.exp(log_w(u) - top), lo, hi, epsabs=0, epsrel=1e-13, limit=500)[0]
    return a * num / den


_DLOGSF_POINTS = [(0.7, 0.05), (0.7, 0.6), (0.7, 3.0), (2.5, 0.4), (2.5, 2.2), (2.5, 9.0), (10.0, 6.0), (10.0, 15.0),
                  (50.0, 45.0), (50.0, 70.0), (2.0, 800.0), (3.3, 2000.0)]


@pytest.mark.parametrize("a,x", _DLOGSF_POINTS)
def test_gamma_d_logsf_against_quadrature(a, x):
    """The censored-score gradient of a censored row is -d log S(t) / d theta: its log-a column
    equals -a d log Q(a, t/scale) / da from an independent quadrature to 1e-8, and its log-scale
    column -t f(t) / S(t) (scipy; far tail: the series' exact value)."""
    scale = 1.3
    t = x * scale
    d = ngb.Gamma(a=np.array([a]), scale=np.array([scale]))
    ref_a = _d_log_q_d_log_a(a, x)
    np.testing.assert_allclose(d._d_logsf(np.array([t]))[0, 0], ref_a, rtol=1e-8)
    grad = d.d_score(np.array([[t, 0.0]]), "censored_log")[0]
    np.testing.assert_allclose(grad[0], -ref_a, rtol=1e-8)
    # d log S / d log scale = x f(x) / Q(a, x) (in x = t / scale units)
    log_ratio = a * np.log(x) - x - special.gammaln(a) - _log_q_ref(a, x)
    np.testing.assert_allclose(grad[1], -np.exp(log_ratio), rtol=1e-9)
    # an event row uses the uncensored log-score gradient instead
    np.testing.assert_allclose(d.d_score(np.array([[t, 1.0]]), "censored_log"), d.d_score(np.array([t]), "log"), rtol=1e-14)


def _log_q_ref(a, x):
    q = special.gammaincc(a, x)
    if q > 1e-300:
        return np.log(q)
    # log Q = -x + (a - 1) log x - lgamma(a) + log int_0^inf (1 + u/x)^(a-1) e^-u du
    val, _ = integrate.quad(lambda u: np.exp((a - 1) * np.log1p(u / x) - u), 0, np.inf, epsabs=0, epsrel=1e-13)
    return -x + (a - 1) * np.log(x) - special.gammaln(a) + np.log(val)


# ---------------------------------------------------------------------------- 6. Student t large df
@pytest.mark.parametrize("nu", [50.0001, 51.0, 55.0, 70.0, 100.0, 200.0, 500.0, 1000.0])
def test_studentt_digamma_gap_series_matches_direct(nu):
    """For nu in (50, 1000] the direct digamma(nu/2) - digamma((nu+1)/2) + 1/nu is accurate to a
    few 1e-15 absolute (each digamma ~ log nu, rounding ~ 1e-15); the value is ~ -1/(2 nu^2)."""
    from ngb.distributions.studentt import _digamma_gap

    direct = special.digamma(nu / 2) - special.digamma((nu + 1) / 2) + 1 / nu
    assert abs(float(_digamma_gap(nu)) - direct) < 4e-15


def _t_expected_grad(df):
    """E_y[d_score] for StudentT(df, 0.4, 1.3) by quadrature against scipy's density."""
    d = ngb.StudentT(df=df, loc=0.4, scale=1.3)
    ref = stats.t(df=df, loc=0.4, scale=1.3)

    def integrand(y):
        return d.d_score(np.array([y]), "log")[0] * ref.pdf(y)

    total = np.zeros(3)
    for lo, hi in [(-np.inf, -20.0), (-20.0, 0.4), (0.4, 20.0), (20.0, np.inf)]:
        total += integrate.quad_vec(integrand, lo, hi, epsabs=1e-14, epsrel=1e-12, limit=2000)[0]
    return total


@pytest.mark.parametrize("df", [51.0, 300.0, 1e4])
def test_studentt_expected_score_gradient_is_zero(df):
    """A proper score's gradient has zero mean under the model (df coordinate log(df / (1 + df))
    included, whose gradient uses the large-df series of the digamma gap)."""
    np.testing.assert_allclose(_t_expected_grad(df), 0.0, atol=1e-12)


# ---------------------------------------------------------------------------- 7. Beta small parameter
def _beta_fisher_by_quadrature(a, b):
    """E[g g^T] (g the log-score gradient in (log a, log b)) by quadrature in t = -log(1 - y) (or
    t = -log y), where the mass of the small parameter's edge (1 - y < 1e-300 still holds ~1e-15
    of it) stays resolvable. The gradient is written here from the density, not taken from ngb."""
    flip = b < a  # put the small parameter on the y = 0 side: t = -log y
    aa, bb = (b, a) if flip else (a, b)
    log_beta = special.betaln(aa, bb)
    pa, pab, pb = special.digamma(aa), special.digamma(aa + bb), special.digamma(bb)

    def integrand(t):
        log_y, log_1my = -t, np.log(-np.expm1(-t))
        log_density = aa * log_y + (bb - 1) * log_1my - log_beta  # density of t (dy = y dt)
        g = np.array([aa * (pa - pab - log_y), bb * (pb - pab - log_1my)])
        return np.outer(g, g).ravel() * np.exp(log_density)

    total = np.zeros(4)
    for lo, hi in [(0, 1e-6), (1e-6, 1.0), (1.0, 30.0), (30.0, 300.0), (300.0, 3000.0), (3000.0, np.inf)]:
        total += integrate.quad_vec(integrand, lo, hi, epsabs=1e-16, epsrel=1e-12, limit=2000)[0]
    m = total.reshape(2, 2)
    return m[::-1, ::-1] if flip else m


@pytest.mark.parametrize("a,b", [(10.0, 0.05), (0.05, 10.0), (500.0, 0.3), (2.0, 3.0)])
def test_beta_fisher_is_exact_expectation(a, b):
    d = ngb.Beta(a=a, b=b)
    metric = d.metric("log")[0]
    np.testing.assert_allclose(metric, _beta_fisher_by_quadrature(a, b), rtol=1e-8)
    assert np.all(np.linalg.eigvalsh(metric) > 0)
    assert metric[0, 0] * metric[1, 1] - metric[0, 1] ** 2 > 0


# ---------------------------------------------------------------------------- 8. score aliases
#: every documented spelling -> canonical name (scores.py: class names and the NLL abbreviation)
_ALIASES = {
    "log": "log",
    "logscore": "log",
    "nll": "log",
    "crps": "crps",
    "crpscore": "crps",
    "brier": "brier",
    "brierscore": "brier",
    "censored_log": "censored_log",
    "censored_crps": "censored_crps",
}


def test_score_aliases_resolve_to_their_canonical_score():
    from ngb import scores

    assert set(scores._SCORES) == set(_ALIASES)  # a new alias needs a row here
    for alias, canonical in _ALIASES.items():
        for spelling in (alias, alias.upper(), alias.title()):
            assert scores.resolve_score(spelling) == canonical, spelling
        assert scores._SCORES[alias].name == canonical
    for cls, canonical in [(scores.LogScore, "log"), (scores.CRPScore, "crps"), (scores.BrierScore, "brier"),
                           (scores.CensoredLogScore, "censored_log"), (scores.CensoredCRPScore, "censored_crps")]:
        assert scores.resolve_score(cls) == canonical
        assert scores.resolve_score(cls()) == canonical
    assert scores.resolve_score("LogScore") == "log" and scores.resolve_score("CRPScore") == "crps"
    # the aliases reach the families: same values as the canonical name
    d = ngb.Normal(loc=[0.0, 1.0], scale=[1.0, 2.0])
    y = np.array([0.3, -1.0])
    for alias in ("nll", "logscore"):
        np.testing.assert_array_equal(d.score(y, alias), d.score(y, "log"))
    np.testing.assert_array_equal(d.score(y, "crpscore"), d.score(y, "crps"))
    c = ngb.Bernoulli(p=[0.2, 0.7])
    np.testing.assert_array_equal(c.score([0.0, 1.0], "brierscore"), c.score([0.0, 1.0], "brier"))
    assert not np.allclose(d.score(y, "crps"), d.score(y, "log"))


# ---------------------------------------------------------------------------- 9. Poisson offsets
def _poisson_offset_data(n, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    offset = np.log(rng.uniform(0.1, 5.0, n))
    y = rng.poisson(np.exp(0.3 + 0.7 * X[:, 0] + offset)).astype(float)
    return X, y, offset


def test_poisson_offsets_in_staged_predictions_and_validation_scores():
    X, y, offset = _poisson_offset_data(300, 11)
    X_val, y_val, offset_val = _poisson_offset_data(200, 12)
    model = ngb.NGBRegressor(dist="poisson", n_estimators=15, learning_rate=0.3, early_stopping=False, random_state=0)
    model.fit(X, y, offset=offset, X_val=X_val, y_val=y_val, offset_val=offset_val)
    staged = list(model.staged_predict_dist(X_val, offset=offset_val))
    assert len(staged) == model.n_iter_ == 15
    final = model.predict_dist(X_val, offset=offset_val)
    np.testing.assert_allclose(staged[-1].theta, final.theta, rtol=1e-12, atol=1e-12)
    # validation_score_[0] is the marginal (offsets applied), [i] the model after i iterations
    vs = model.validation_score_
    assert len(vs) == model.n_iter_ + 1
    marginal = ngb.Poisson.from_internal(np.column_stack([np.full(len(y_val), model.init_params_[0]) + offset_val]))
    np.testing.assert_allclose(vs[0], marginal.score(y_val, "log").mean(), rtol=1e-10)
    expected = [d.score(y_val, "log").mean() for d in staged]
    np.testing.assert_allclose(vs[1:], expected, rtol=1e-10)
    # ignoring the offsets gives other scores: the check above sees them
    without = [d.score(y_val, "log").mean() for d in model.staged_predict_dist(X_val)]
    assert np.all(np.abs(np.asarray(without) - vs[1:]) > 1e-3)
    # and the staged rates carry exactly the offset
    np.testing.assert_allclose(np.log(staged[4].mean()) - np.log(list(model.staged_predict_dist(X_val))[4].mean()),
                               offset_val, rtol=1e-12, atol=1e-12)
    # the training score trace with offsets likewise
    train_staged = [d.score(y, "log").mean() for d in model.staged_predict_dist(X, offset=offset)]
    np.testing.assert_allclose(model.train_score_[1:], train_staged, rtol=1e-10)


# ---------------------------------------------------------------------------- 10. fused leaf kernels
@pytest.mark.parametrize("name", [n for n in CASE_IDS if any(f.leaf_mean is not None for f in FAMILIES[n].fast.values())])
def test_fused_leaf_kernels_on_rows_inside_the_bounds(name):
    """Every row and every moved parameter strictly inside the bounds, so every row takes the
    factored path ex * exp(-a s v): the kernel equals the weighted mean of ``score`` at
    theta - s * step to 1e-12 (the out-of-bound rows of the older test dominated its mean)."""
    case = CASES[name]
    rng = _rng("leaf-inside", name)
    n = 300
    d = case.make(rng, n)
    y = case.sample(rng, d, 1)[0]
    cls = type(d)
    k = d.n_params
    bounds = np.asarray(cls._bounds_for(k), float)
    theta = d.theta
    vals = rng.normal(0, 0.4, (k, 9))
    # a parameter with a narrow range (the Student t df coordinate) takes proportionally smaller steps
    margin = np.minimum(theta - bounds[:, 0], bounds[:, 1] - theta).min(axis=0)
    vals *= np.minimum(1.0, 0.45 * margin / np.abs(vals).max(axis=1))[:, None]
    leaves = rng.integers(0, 9, (k, n)).astype(np.int32)
    step = vals[np.arange(k)[:, None], leaves].T
    w = rng.uniform(0.2, 2.0, n)
    for s in (0.3, 1.0, 2.0):
        moved = theta - s * step
        assert np.all((moved > bounds[:, 0]) & (moved < bounds[:, 1]))
        assert np.all((theta > bounds[:, 0]) & (theta < bounds[:, 1]))
    y0 = y
    for score, fast in cls.fast.items():
        y = fast_target(score, y0)
        aux = fast.aux(y)
        ex = np.empty((n, k))
        fast.natural_gradient_and_score(bounds, theta, y, w, aux, ex=ex)
        for weights in (w, None):
            for s in (0.3, 1.0, 2.0):
                per_row = cls.from_internal(theta - s * step).score(y, score)
                expected = np.average(per_row, weights=weights)
                got = fast.leaf_mean_score(bounds, theta, ex, leaves, vals, s, y, weights, aux)
                assert got == pytest.approx(expected, rel=1e-12), (score, s)


@pytest.mark.parametrize("make,y,ref", [
    (lambda: ngb.Gamma(a=[1.0, 0.5, 3.0], scale=2.0), 0.0, stats.gamma(a=[1.0, 0.5, 3.0], scale=2.0)),
    (lambda: ngb.Weibull(c=[1.0, 0.5, 3.0], scale=2.0), 0.0, stats.weibull_min(c=[1.0, 0.5, 3.0], scale=2.0)),
    (lambda: ngb.Beta(a=[1.0, 0.5, 3.0], b=2.5), 0.0, stats.beta(a=[1.0, 0.5, 3.0], b=2.5)),
    (lambda: ngb.Beta(a=2.5, b=[1.0, 0.5, 3.0]), 1.0, stats.beta(a=2.5, b=[1.0, 0.5, 3.0])),
])
def test_density_at_the_support_edge_is_scipys_limit(make, y, ref):
    """At the closed edge of the support the density is the limit, as scipy: finite at shape 1,
    +inf below, 0 above."""
    d = make()
    np.testing.assert_allclose(d.logpdf(np.full(3, y)), ref.logpdf(y), rtol=1e-12)
    assert np.isfinite(d.logpdf(np.full(3, y))[0])
