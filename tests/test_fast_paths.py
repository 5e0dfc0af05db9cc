"""The compiled fast paths change no fit: per family (and per censored score), a model fitted through
the family's kernels predicts the same distributions as one fitted through the generic path
(distribution objects, the family's ``fast`` emptied), up to rounding."""

from __future__ import annotations

import math
import zlib

import numpy as np
import pytest

import ngb
from families import CASES
from old_defaults import old_tree
from ngb.distributions import FAMILIES
from ngb.survival import SURVIVAL_FAMILIES

FAST_LOG = sorted(n for n in CASES if "log" in FAMILIES[n].fast)
FAST_CENSORED = sorted(n for n in SURVIVAL_FAMILIES if "censored_log" in FAMILIES[n].fast)


def _rng(*key):
    return np.random.default_rng(zlib.crc32(repr(("fast-paths",) + key).encode()))


def _data(name, n=400):
    """X (n, 4) whose first columns carry the rows' internal parameters, and a sample y of them."""
    rng = _rng(name)
    d = CASES[name].make(rng, n)
    y = CASES[name].sample(rng, d, 1)[0]
    theta = d.theta
    X = np.column_stack([theta[:, 0], theta[:, -1], rng.normal(size=(n, 2))])
    return X, y


def _both(model, fit, cls, monkeypatch):
    """Predicted internal parameters (n, k) of the fit through the kernels and through the generic path."""
    fast = fit(model)
    with monkeypatch.context() as m:
        m.setattr(cls, "fast", {})
        generic = fit(model)
    return fast, generic


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("name", FAST_LOG)
def test_fit_through_the_kernels_equals_the_generic_fit(name, weighted, monkeypatch):
    """Natural-gradient and metric-weighted fits (the two kernel outputs), 30 iterations: the
    predictions agree to 1e-9 (relative to their spread) and both are real fits (they moved)."""
    X, y = _data(name)
    cls = FAMILIES[name]

    def fit(_):
        estimator = ngb.NGBClassifier if cls.support == "class" else ngb.NGBRegressor
        model = estimator(dist=name, n_estimators=30, learning_rate=0.1, early_stopping=False,
                                 metric_weighted=weighted, random_state=0).fit(X, y)
        return model.predict_dist(X).theta

    fast, generic = _both(None, fit, cls, monkeypatch)
    spread = np.maximum(np.ptp(generic, axis=0), 1.0)
    np.testing.assert_allclose(fast, generic, rtol=0, atol=1e-9 * spread.max())
    assert np.ptp(fast, axis=0).max() > 1e-3


@pytest.mark.parametrize("name", FAST_CENSORED)
def test_survival_fit_through_the_kernels_equals_the_generic_fit(name, monkeypatch):
    """NGBSurvival (the censored log score) through the kernels and through distribution objects."""
    X, t = _data(name)
    rng = _rng("censor", name)
    t = np.maximum(t, 1e-6)
    c = t * np.exp(rng.normal(0.3, 1.0, len(t)))  # censoring times: about 40 % censored
    y = np.column_stack([np.minimum(t, c), (t <= c).astype(float)])
    assert 0.2 < 1 - y[:, 1].mean() < 0.7
    cls = FAMILIES[name]

    def fit(_):
        model = ngb.NGBSurvival(dist=name, n_estimators=30, learning_rate=0.1, early_stopping=False,
                                random_state=0).fit(X, y)
        return model.predict_dist(X).theta

    fast, generic = _both(None, fit, cls, monkeypatch)
    spread = np.maximum(np.ptp(generic, axis=0), 1.0)
    np.testing.assert_allclose(fast, generic, rtol=0, atol=1e-9 * spread.max())
    assert np.ptp(fast, axis=0).max() > 1e-3


@pytest.mark.parametrize("m", range(-1, 10))
def test_kernel_polygamma_equals_scipys(m):
    """The kernels' trigamma and polygamma (Euler-Maclaurin; cython_special has no Hurwitz zeta) and
    the joint digamma / trigamma recurrence equal scipy's psi and polygamma to a few ulps from 1e-9
    to 1e9, and their differences over a unit step
    keep the digits the recurrence leaves (as the trigamma differences of the Beta and Student t
    information need)."""
    from scipy.special import polygamma

    from ngb.distributions._beta_fast import polygamma_values

    x = np.concatenate([np.geomspace(1e-9, 1e9, 2001), np.arange(1, 40) * 0.5, [9.999999, 10.0, 10.000001]])
    order = max(m, 1)  # m = 0, -1: digamma_trigamma's digamma and trigamma
    if m == 0:
        # the recurrence sum cancels against log(x + N) where digamma is small (its root 1.4616):
        # a few ulps of log 10 absolute there
        np.testing.assert_allclose(polygamma_values(0, x), polygamma(0, x), rtol=4e-15, atol=2e-15)
        return
    np.testing.assert_allclose(polygamma_values(m, x), polygamma(order, x), rtol=4e-15, atol=0)
    if m == -1:
        return
    x = np.geomspace(1e-3, 1e3, 301)
    # psi^(m)(x) - psi^(m)(x + 1) = (-1)^(m+1) m! / x^(m+1), a difference that cancels ~x / m digits
    gap = polygamma_values(m, x) - polygamma_values(m, x + 1)
    exact = (-1) ** (m + 1) * math.factorial(m) / x ** (m + 1)
    assert np.all(np.abs(gap - exact) <= 1e-14 * (1 + x) * np.abs(exact))


def test_kernel_fixed_shift_digamma_trigamma_equal_scipys():
    """The Beta natural gradient's digamma and trigamma with the fixed shift by twelve (where a, b < 10,
    so a + b < 20) equal scipy's psi and polygamma to the bounds of the looped recurrence's test."""
    from scipy.special import polygamma

    from ngb.distributions._beta_fast import digamma_trigamma12_values

    x = np.concatenate([np.geomspace(1e-9, 19.99, 2001), np.arange(1, 40) * 0.5, [9.999999, 10.0, 10.000001]])
    psi, tri = digamma_trigamma12_values(x)
    np.testing.assert_allclose(psi, polygamma(0, x), rtol=4e-15, atol=2e-15)
    np.testing.assert_allclose(tri, polygamma(1, x), rtol=4e-15, atol=0)


def test_kernel_log_beta_and_log_gamma_equal_mpmath():
    """The kernels' log B(a, b) and log Gamma (``_special.log_beta``, ``log_gamma``) equal a 40-digit
    reference to ~1e-14 of max(1, |value|) on every branch: both arguments below 10, one, neither,
    from 1e-9 to 1e9 (scipy's betaln is off by up to 3e-10 relative at large arguments, and the
    three log-gammas summed cancel to ~1e-10 absolute there)."""
    mpmath = pytest.importorskip("mpmath")
    from ngb.distributions._beta_fast import log_beta_values

    rng = np.random.default_rng(3)
    a = np.concatenate([rng.uniform(0.01, 10, 300), np.exp(rng.uniform(np.log(1e-9), np.log(1e9), 900))])
    b = np.concatenate([rng.uniform(0.01, 10, 300), np.exp(rng.uniform(np.log(1e-9), np.log(1e9), 900))])
    a[:20], b[20:40] = 9.999999, 10.0  # at the switch
    with mpmath.workdps(40):
        ref_beta = np.array([float(mpmath.log(mpmath.beta(x, y))) for x, y in zip(a, b)])
        ref_gamma = np.array([float(mpmath.loggamma(x)) for x in a])
    got_beta, got_gamma = log_beta_values(a, b)
    assert np.all(np.abs(got_beta - ref_beta) <= 3e-14 * np.maximum(1.0, np.abs(ref_beta)))
    assert np.all(np.abs(got_gamma - ref_gamma) <= 2e-14 * np.maximum(1.0, np.abs(ref_gamma)))


def test_kernel_log1p_equals_mpmath():
    """The kernels' log1p from libm's log (``_special.log1p_fast``) is within 4 ulps of a 40-digit
    reference from -1 + 1e-12 to 1e300, tiny arguments included (where 1 + x rounds to 1)."""
    mpmath = pytest.importorskip("mpmath")
    from ngb.distributions._beta_fast import log1p_values

    rng = np.random.default_rng(4)
    x = np.concatenate([np.geomspace(1e-300, 1e300, 2000), -np.geomspace(1e-300, 1 - 1e-12, 2000),
                        rng.uniform(-0.99, 5.0, 2000)])
    with mpmath.workdps(40):
        ref = np.array([float(mpmath.log1p(mpmath.mpf(float(v)))) for v in x])
    assert np.all(np.abs(log1p_values(x) - ref) <= 4 * np.finfo(float).eps / 2 * np.abs(ref))


def test_kernel_d_log_q_da_equals_mpmath():
    """The censored gamma kernels' d log Q(a, x) / d a in closed form (the P series below x = a + 1,
    the differentiated continued fraction above) equals mpmath's derivative of its regularized upper
    incomplete gamma to 2e-13 relative (or 1e-300 absolute where it underflows), from a = 1e-6 to
    the switch to differences at 100, x from 1e-4 a to 30 a (the series' prefactor x^a e^-x /
    Gamma(a + 1) through its log, |log P| up to ~700 times an ulp relative; elsewhere ~1e-14);
    3e-9 above the switch (differences). The same pass's x^a e^-x / (Gamma(a) Q) to 2e-13 relative up
    to a = 100."""
    mpmath = pytest.importorskip("mpmath")
    from ngb.distributions._gamma_fast import log_q_rows

    rng = _rng("d-log-q")
    a = np.exp(rng.uniform(np.log(1e-6), np.log(100.0), 400))
    a[:4] = [1e-6, 1.0, 99.999, 100.0]
    x = a * np.exp(rng.uniform(np.log(1e-4), np.log(30.0), a.size))
    x[4:12] = a[4:12] + 1.0 + np.array([-1e-9, 0.0, 1e-9, -0.5, 0.5, -1e-3, 1e-3, 2.0])  # both sides of the switch
    big = np.array([150.0, 1e3, 1e4])
    a, x = np.concatenate([a, big]), np.concatenate([x, big * np.array([0.9, 1.0, 1.1])])

    def reference(aa, xx):  # -dP/da / Q below x = a (where Q is 1 to more digits than dQ/da has)
        with mpmath.workdps(50):
            p = lambda s: mpmath.gammainc(s, 0, xx, regularized=True)  # noqa: E731
            q = lambda s: mpmath.gammainc(s, xx, mpmath.inf, regularized=True)  # noqa: E731
            d = -mpmath.diff(p, aa) / q(aa) if xx < aa else mpmath.diff(q, aa) / q(aa)
            ratio = mpmath.exp(aa * mpmath.log(xx) - xx - mpmath.loggamma(aa)) / q(aa)
            return float(d), float(ratio)

    ref = np.array([reference(u, v) for u, v in zip(a, x)])
    got = log_q_rows(a, x)
    small = a <= 100
    assert np.all(np.abs(got[1, small] - ref[small, 0]) <= 2e-13 * np.abs(ref[small, 0]) + 1e-300)
    np.testing.assert_allclose(got[1, ~small], ref[~small, 0], rtol=3e-9)
    np.testing.assert_allclose(got[2, small], ref[small, 1], rtol=2e-13)
    np.testing.assert_allclose(got[2, ~small], ref[~small, 1], rtol=1e-10)  # (its log's terms are ~1e4 there)


def test_kernel_log_q_equals_mpmath():
    """The censored gamma kernels' own log Q(a, x) (up to a = 20: log1p(-P) from the series below x =
    a + 1 where P <= 0.9, the continued fraction's log at and above it; scipy's gammaincc elsewhere)
    equals mpmath's to 2e-14 max(1, |log Q|), a from 1e-3 to 40 and x from 1e-3 a to 30 a, both sides
    of every switch, and where Q underflows doubles (the fraction's log): the terms of log(x^a e^-x /
    Gamma(a + 1)) reach ~60 at a = 20, x = a + 1, where scipy's Lanczos form keeps ~1e-15 (measured:
    1.1e-14 there, below 4e-15 elsewhere). The natural-gradient pass returns the same value bit for
    bit."""
    mpmath = pytest.importorskip("mpmath")
    from ngb.distributions._gamma_fast import log_q_rows

    rng = _rng("log-q")
    a = np.exp(rng.uniform(np.log(1e-3), np.log(40.0), 600))
    x = a * np.exp(rng.uniform(np.log(1e-3), np.log(30.0), a.size))
    a[:10] = [0.5, 0.5, 3.0, 3.0, 20.0, 20.0, 20.000001, 7.3, 7.3, 2.0]
    x[:10] = [1.5 - 1e-12, 1.5, 4.0 - 1e-9, 4.0, 21.0 - 1e-9, 21.0, 10.0, 3.0, 900.0, 1e-300]
    with mpmath.workdps(40):
        ref = np.array([float(mpmath.log(mpmath.gammainc(u, v, mpmath.inf, regularized=True))) for u, v in zip(a, x)])
    got = log_q_rows(a, x)
    assert np.all(np.abs(got[0] - ref) <= 2e-14 * np.maximum(1.0, np.abs(ref)))
    np.testing.assert_array_equal(got[3], got[0])
    assert ref[8] < -700  # (Q below the doubles there)


def test_compiled_nb_tail2_equals_the_numpy_version():
    """The compiled P(NB >= 2) (its own copy of the series coefficients) equals ``negbinomial.tail2``
    on both sides of its switch at n a = 1."""
    from ngb.distributions import _negbinomial_fast as nbfast
    from ngb.distributions import negbinomial as nbmod

    rng = _rng("nb-tail2")
    n = np.exp(rng.uniform(-8, 14, 4000))
    a = np.exp(rng.uniform(np.log(1e-9), np.log(0.999), 4000))
    u = n * a
    assert (u < 1).sum() > 500 and (u >= 1).sum() > 500
    np.testing.assert_allclose(nbfast.tail2_rows(n, a), nbmod.tail2(n, a), rtol=4e-15)  # (libm vs numpy exp: an ulp)


def test_zip_poisson_tail_is_exact():
    """The zero-inflated Poisson kernels' P(Poisson >= 2) = 1 - (1 + mu) e^-mu (a series below mu = 1,
    the closed form above) against 40-digit mpmath over rates from 1e-12 to 800 and at the switch:
    within 1e-15 (scipy's pdtrc, which it replaces, is off by up to 4e-15 at small mu)."""
    mp = pytest.importorskip("mpmath")
    from ngb.distributions import _zipoisson_fast

    rng = _rng("zip-tail")
    mu = np.concatenate([np.exp(rng.uniform(np.log(1e-12), np.log(800), 400)), [1 - 1e-16, 1.0, 1 + 2e-16],
                         rng.uniform(0.9, 1.2, 50)])
    with mp.workdps(40):
        expected = np.array([float(1 - (1 + mp.mpf(m)) * mp.exp(-mp.mpf(m))) for m in mu])
    np.testing.assert_allclose(_zipoisson_fast.poisson_tail2_rows(mu), expected, rtol=1e-15, atol=0)


def test_compiled_nb_size_fisher_equals_the_numpy_reference():
    """The compiled size entry (per row: a table of interpolants for a <= 0.999, the quadrature
    above) equals the numpy reference (the series for a <= 0.8, the quadrature above, with blocks of
    rows sharing its left cut) over the whole box of sizes and a up to 0.9999, the switches
    included: within the table's bound (3e-13) and the quadrature's (~1e-11)."""
    from ngb.distributions import negbinomial as nbmod

    rng = _rng("nb-size")
    n = np.exp(rng.uniform(-10, 15, 4000))
    a = np.concatenate([rng.uniform(0.01, 0.9999, 3000), 0.8 + rng.uniform(-1e-9, 1e-9, 1000),
                        0.999 + rng.uniform(-1e-9, 1e-9, 500)])
    n = np.exp(rng.uniform(-10, 15, len(a)))
    mu = n * a / (1 - a)
    got = nbmod.size_fisher(n, mu)
    ref = nbmod._size_fisher_numpy(n, mu)
    a = mu / (n + mu)  # as the functions form it
    series = a <= 0.8
    np.testing.assert_allclose(got[series], ref[series], rtol=3e-13)
    np.testing.assert_allclose(got[~series], ref[~series], rtol=1e-11)
    assert series.sum() > 1500 and (~series).sum() > 500 and (a > 0.999).sum() > 200


def _nb_size_series_to_the_end(n, a):
    """n^2 I_nn by the positive series without a cap on the terms (tens of thousands near a = 1)."""
    term = a * a * n / (2 * (n + 1))
    total, t = term.copy(), term.copy()
    for m in range(1, 400_000):
        t = t * a * (m + 1) ** 2 / ((n + m + 1) * (m + 2))
        total += t
        if m % 64 == 0 and np.all(t < 1e-18 * total):
            return total
    raise AssertionError("the series did not converge")


@pytest.mark.parametrize("segment", ["a up to 0.8", "a from 0.8 to 0.999"])
def test_nb_size_table_is_within_its_bound_over_the_box(segment):
    """The table's interpolants (``_nb_size_table``) against the series summed to the end at random
    points of the segment in a by t = 1 / (1 + n) in (0, 1), half of them with t log-uniform down to
    1e-7 (sizes up to 1e7), the first segment's cell edges included: relative error below the
    documented 3e-13, and not trivially (the interpolation is not exact: above 1e-15 somewhere).
    The second segment's table was built from the quadrature, so the series is an independent
    check there."""
    from ngb.distributions import negbinomial as nbmod

    rng = _rng("nb-size-table", segment)
    m = 50_000 if segment == "a up to 0.8" else 2_000
    lo, hi = (1e-6, 0.8) if segment == "a up to 0.8" else (0.8, 0.999)
    a = rng.uniform(lo, hi, 2 * m)
    t = np.concatenate([rng.uniform(1e-7, 1 - 1e-7, m), 10 ** rng.uniform(-7, 0, m)])
    if segment == "a up to 0.8":
        edges = np.arange(1, 16) * 0.05  # the a cells' edges, approached from both sides
        a[:2 * len(edges)] = np.concatenate([edges * (1 - 1e-15), edges * (1 + 1e-15)])
    n = (1 - t) / t
    mu = n * a / (1 - a)
    a = mu / (n + mu)  # as the kernels form it
    keep = (a > lo) & (a <= hi) if segment != "a up to 0.8" else a <= hi
    got = nbmod.size_fisher(n[keep], mu[keep])
    err = np.abs(got / _nb_size_series_to_the_end(n[keep], a[keep]) - 1)
    assert err.max() < 3e-13, err.max()
    assert err.max() > 1e-15


def _t_df_terms_mpmath(d):
    """(3, m) the t's df-only terms (``_t_df_table``: A, G, I) at d (m,) to 40 digits."""
    mp = pytest.importorskip("mpmath")
    out = []
    with mp.workdps(40):
        for x in d:
            nu = 1 / mp.expm1(-mp.mpf(float(x)))
            a = mp.loggamma((nu + 1) / 2) - mp.loggamma(nu / 2) - mp.log(nu * mp.pi) / 2
            gap = mp.digamma(nu / 2) - mp.digamma((nu + 1) / 2) + 1 / nu
            fisher = (mp.psi(1, nu / 2) - mp.psi(1, (nu + 1) / 2)) / 4 - (nu + 5) / (2 * nu * (nu + 1) * (nu + 3))
            out.append([float(a), float(nu * (1 + nu) * gap), float((nu * (1 + nu)) ** 2 * fisher)])
    return np.array(out).T


def test_t_df_table_is_within_its_bound():
    """The kernels' df-only terms of the t (the log density's constant, the digamma gap of the
    d-gradient, the metric's d entry; ``_t_df_table``) against 40-digit mpmath values at random d
    over the family's range (df from e^-3 to 1e6), the table's cell edges from both sides and both
    bounds: relative error below 1e-13, and the table is used (not exact: above 1e-15 somewhere).
    Outside the table (d below its range) the kernels' formulas hold to 1e-14."""
    from ngb.distributions import _studentt_fast
    from ngb.distributions._t_df_table import D_LO

    rng = _rng("t-df-table")
    lo, hi = ngb.StudentT.bounds[2]
    cells = _studentt_fast.DF_TABLE_LAYOUT[0]
    edges = D_LO * (1 - np.arange(1, cells) / cells)
    d = np.concatenate([rng.uniform(lo, hi, 400), edges * (1 - 1e-15), edges * (1 + 1e-15), [lo, hi],
                        -np.log1p(1 / np.array([49.9, 50.0, 50.1]))])
    got = _studentt_fast.df_terms_rows(d)
    err = np.abs(got / _t_df_terms_mpmath(d) - 1)
    assert err.max() < 1e-13, err.max(axis=1)
    assert err.max() > 1e-15
    outside = D_LO - np.array([1e-9, 0.3, 1.0])
    np.testing.assert_allclose(_studentt_fast.df_terms_rows(outside), _t_df_terms_mpmath(outside), rtol=1e-14)


def test_t_log_density_constant_is_exact_at_large_df():
    """The t's log-density constant log G((df+1)/2) - log G(df/2) - log(df pi)/2 (numpy reference and
    kernels) against mpmath up to df 1e6, where the difference of scipy's log-gammas of ~3e6 is off
    by ~4e-10 (relative)."""
    from ngb.distributions import _studentt_fast
    from ngb.distributions.studentt import _log_constant, _t_logpdf

    df = np.array([0.05, 1.0, 7.5, 49.0, 50.0, 51.0, 300.0, 1e4, 1e6])
    d = -np.log1p(1 / df)
    expected = _t_df_terms_mpmath(d)[0]
    nu = 1 / np.expm1(-d)
    np.testing.assert_allclose(_log_constant(nu), expected, rtol=2e-14)  # (log-gammas of ~50 below df 50)
    np.testing.assert_allclose(_t_logpdf(0.0, 0.0, nu), expected, rtol=2e-14)
    np.testing.assert_allclose(_studentt_fast.df_terms_rows(d)[0], expected, rtol=1e-14)


@pytest.mark.parametrize("cls", [ngb.StudentT, ngb.TFixedDf, ngb.Cauchy, ngb.TFixedDf.with_df(7.5)])
def test_t_marginal_objective_is_the_weighted_score_and_gradient(cls):
    """The compiled objective of the t marginal fit is sum_i w_i score_i and sum_i w_i d_score_i of
    the distribution objects at the clipped parameters (inside and outside the bounds)."""
    from ngb.distributions import _studentt_fast
    from ngb.distributions.studentt import TFixedDf

    rng = _rng("t-objective", cls.__name__)
    y = rng.standard_t(3, 500) * 2 + 1
    w = rng.uniform(0, 2, 500)
    w /= w.sum()
    k = len(cls.param_names)
    bounds = np.asarray(cls._bounds_for(k), float)
    fixed = float(cls.df) if issubclass(cls, TFixedDf) else 0.0
    for theta in [np.array([0.5, 0.3, -0.2])[:k], np.array([-2.0, -1.0, -2.5])[:k], np.array([1.0, 50.0, 1.0])[:k]]:
        d = cls.from_internal(np.tile(theta, (len(y), 1)))
        value, grad = _studentt_fast.marginal_objective(theta, y, w, np.ascontiguousarray(bounds[:, 0]),
                                                        np.ascontiguousarray(bounds[:, 1]), fixed)
        assert value == pytest.approx(float(w @ d.score(y, "log")), rel=1e-13)
        np.testing.assert_allclose(grad, w @ d.d_score(y, "log"), rtol=1e-12, atol=1e-15)


def test_marginal_fits_are_the_maximum_likelihood():
    """The t fits (compiled objective) and the NB size fit (over distinct counts) reach the optimum:
    the weighted score's gradient vanishes there (their former, row-by-row objectives)."""
    rng = _rng("marginal")
    y = rng.standard_t(4, 3000) * 1.5 + 2
    w = rng.uniform(0.5, 1.5, 3000)
    for cls in (ngb.StudentT, ngb.TFixedDf):
        theta = cls.fit_marginal(y, w)
        d = cls.from_internal(np.tile(theta, (len(y), 1)))
        assert np.abs(np.average(d.d_score(y, "log"), axis=0, weights=w)).max() < 1e-9
    counts = rng.negative_binomial(2.0, 2.0 / 5.0, 3000).astype(float)
    theta = ngb.NegativeBinomial.fit_marginal(counts, w)
    d = ngb.NegativeBinomial.from_internal(np.tile(theta, (len(counts), 1)))
    assert np.abs(np.average(d.d_score(counts, "log"), axis=0, weights=w)).max() < 1e-10


FAST_RULES = sorted((n, score) for n in CASES for score in FAMILIES[n].fast)


@pytest.mark.parametrize("name,score", FAST_RULES)
def test_kernels_on_several_chunks_and_threads(name, score):
    """On 60,000 rows (two fixed chunks, run on two threads) the kernels give the score and natural
    gradient of the distribution objects: every chunk's rows start:stop are its own."""
    from families import fast_target, fast_tolerance

    rng = _rng("chunks", name, score)
    n = 60_000
    d = CASES[name].make(rng, n)
    y = fast_target(score, CASES[name].sample(rng, d, 1)[0])
    cls, fast = type(d), FAMILIES[name].fast[score]
    bounds = np.asarray(cls._bounds_for(d.n_params), float)
    w = rng.uniform(0, 2, n)
    aux = fast.aux(y)
    step = rng.normal(0, 0.05, d.theta.shape)
    expected = np.average(cls.from_internal(d.theta - 0.5 * step).score(y, score), weights=w)
    assert fast.mean_score(bounds, d.theta, step, 0.5, y, w, aux, n_threads=2) == pytest.approx(expected, rel=1e-12)
    grad, value, _ = fast.natural_gradient_and_score(bounds, d.theta, y, w, aux, n_threads=2)
    np.testing.assert_allclose(grad, d.natural_gradient(y, score), **fast_tolerance(name, score))
    assert value == pytest.approx(np.average(d.score(y, score), weights=w), rel=1e-12)


@pytest.mark.parametrize("name,score", FAST_RULES)
def test_natural_gradient_pass_scores_as_the_leaf_pass_at_a_zero_step(name, score):
    """The score that the natural-gradient pass returns equals the leaf pass's at a zero step bit for
    bit (the row-driver contract of ``_fast.pxd``: the line search compares the two)."""
    from families import fast_target

    rng = _rng("bits", name, score)
    n = 5000
    d = CASES[name].make(rng, n)
    y = fast_target(score, CASES[name].sample(rng, d, 1)[0])
    cls, fast = type(d), FAMILIES[name].fast[score]
    k = d.n_params
    bounds = np.asarray(cls._bounds_for(k), float)
    aux = fast.aux(y)
    ex = np.empty((n, k))
    _, value, _ = fast.natural_gradient_and_score(bounds, d.theta, y, None, aux, ex=ex)
    leaves = np.zeros((k, n), dtype=np.int32)
    assert fast.leaf_mean_score(bounds, d.theta, ex, leaves, np.zeros((k, 1)), 1.0, y, None, aux) == value


@pytest.mark.parametrize("fast", [True, False])
def test_a_parameter_at_its_bound_is_not_pushed_past_it(fast, monkeypatch):
    """Zero-inflated Poisson whose zero probability reaches its bound (logit -30) on some rows: the
    natural gradient there grows like 1 / pi, and a step that pushed those rows further out would
    move the internal parameter by ~1e11 per iteration (predictions then carry rounding of that
    size). The step is projected at the bounds: rows at a bound only move back inside."""
    X, y = _data("zero_inflated_poisson")
    if not fast:
        monkeypatch.setattr(FAMILIES["zero_inflated_poisson"], "fast", {})
    model = ngb.NGBRegressor(dist="zero_inflated_poisson", n_estimators=30, learning_rate=0.1,  # (the tree and
                             early_stopping=False, metric_weighted=False, random_state=0,  # steps it was written on)
                             **old_tree()).fit(X, y)
    raw = model._raw_predict(X)
    assert raw[:, 1].min() < -30  # some rows did reach the bound
    assert np.abs(raw).max() < 1e4
