"""Family-specific oracles for the logistic, Gumbel, zero-inflated Poisson and zero-inflated negative
binomial families, beyond the registry's tests (tests/families.py) that run on them too: Fisher
information by quadrature against scipy's density or by exact summation over y, the natural gradient
against a 50-digit exact reference (Python's decimal), the logistic CRPS and its metric by quadrature,
the Gumbel as minus the log of a Weibull, limit cases (ZIP with pi -> 0 is the Poisson, ZINB with
n -> inf the ZIP, ZINB with pi -> 0 the NB), the marginal fits at their edges (no zeros, all zeros,
fewer zeros than the component predicts) and the exact discrete quantiles."""

from __future__ import annotations

import decimal
import zlib
from decimal import Decimal

import numpy as np
import pytest
from scipy import integrate, special, stats

import ngb
import test_distributions as generic
from families import CASES
from ngb.distributions import get_distribution

NEW = ["logistic", "gumbel", "zero_inflated_poisson", "zero_inflated_negative_binomial"]
ZIP, ZINB = ngb.ZeroInflatedPoisson, ngb.ZeroInflatedNegativeBinomial


def _rng(*key):
    return np.random.default_rng(zlib.crc32(repr(("new-families",) + key).encode()))


@pytest.mark.parametrize("name", NEW)
def test_user_facing_values_at_extreme_parameters(name):
    """The generic check of moments, quantiles, cdf, density and draws at the corners of the box."""
    generic.test_user_facing_values_at_extreme_parameters(name)


def test_names_and_aliases():
    for alias, cls in [("logistic", ngb.Logistic), ("gumbel", ngb.Gumbel), ("gumbel_r", ngb.Gumbel), ("zip", ZIP),
                       ("Zero-Inflated-Poisson", ZIP), ("zipoisson", ZIP), ("zinb", ZINB), ("zinegbin", ZINB),
                       ("zero_inflated_nb", ZINB), ("zero_inflated_negative_binomial", ZINB)]:
        assert get_distribution(alias) is cls
    assert ZIP.param_names == ("log_mu", "logit_pi") and ZINB.param_names == ("log_mu", "log_n", "logit_pi")
    assert list(ZINB(mu=2.0, n=3.0, pi=0.2).params) == ["mu", "n", "pi"]
    np.testing.assert_array_equal(ZIP().theta, [[0.0, 0.0]])  # defaults mu = 1, pi = 1/2: internal 0
    for bad in (dict(pi=1.5), dict(pi=-0.1), dict(pi=np.nan), dict(mu=-1.0)):
        with pytest.raises(ValueError):
            ZIP(**{"mu": 1.0, **bad})
    with pytest.raises(ValueError):
        ZINB(mu=1.0, n=0.0, pi=0.3)
    # pi = 0 and pi = 1 lie beyond the logit box the family is exact in: refused, not clipped
    for pi in (0.0, 1.0):
        with pytest.raises(ValueError, match="outside"):
            ZIP(mu=2.0, pi=pi)


# ---------------------------------------------------------------------------- logistic
@pytest.mark.parametrize("scale", [0.05, 1.0, 30.0])
def test_logistic_fisher_is_exact_expectation(scale):
    d = ngb.Logistic(loc=0.3, scale=scale)
    ref = stats.logistic(loc=0.3, scale=scale)
    got = generic._expected_outer_by_quadrature(d, ref.pdf, -np.inf, 0.3) + generic._expected_outer_by_quadrature(d, ref.pdf, 0.3, np.inf)
    metric = d.metric("log")[0]
    np.testing.assert_allclose(np.diag(metric), np.diag(got), rtol=1e-9)
    assert abs(got[0, 1]) < 1e-9 * np.sqrt(got[0, 0] * got[1, 1]) and metric[0, 1] == 0
    np.testing.assert_allclose(metric[1, 1], (np.pi**2 + 3) / 9, rtol=1e-15)


@pytest.mark.parametrize("loc,scale,y", [(0.3, 1.7, -2.0), (0.3, 1.7, 0.3), (-4.0, 0.2, -3.1), (10.0, 5.0, 40.0)])
def test_logistic_crps_and_metric_by_quadrature(loc, scale, y):
    """CRPS = int (F(x) - 1{y <= x})^2 dx and metric = 2 int grad F grad F^T dx, with F and
    grad F = (-f(x), -(x - loc) f(x)) from scipy's logistic (not the closed forms)."""
    ref = stats.logistic(loc=loc, scale=scale)
    d = ngb.Logistic(loc=loc, scale=scale)

    def quad(f, lo, hi):
        return integrate.quad_vec(f, lo, hi, epsabs=0, epsrel=1e-12, limit=2000)[0]

    crps = quad(lambda x: ref.cdf(x) ** 2, -np.inf, y) + quad(lambda x: ref.sf(x) ** 2, y, np.inf)
    np.testing.assert_allclose(d.score(np.array([y]), "crps")[0], crps, rtol=1e-10)

    def outer(x):
        g = np.array([-ref.pdf(x), -(x - loc) * ref.pdf(x)])
        return 2 * np.outer(g, g).ravel()

    metric = (quad(outer, -np.inf, loc) + quad(outer, loc, np.inf)).reshape(2, 2)
    np.testing.assert_allclose(np.diag(d.metric("crps")[0]), np.diag(metric), rtol=1e-10)
    assert abs(metric[0, 1]) < 1e-10 * np.sqrt(metric[0, 0] * metric[1, 1])


# ---------------------------------------------------------------------------- Gumbel
@pytest.mark.parametrize("scale", [0.05, 1.0, 30.0])
def test_gumbel_fisher_is_exact_expectation(scale):
    d = ngb.Gumbel(loc=-0.7, scale=scale)
    ref = stats.gumbel_r(loc=-0.7, scale=scale)
    # below z = -8 the density is < e^-2900 (and the squared gradient would overflow)
    got = sum(generic._expected_outer_by_quadrature(d, ref.pdf, lo, hi) for lo, hi in [(-0.7 - 8 * scale, -0.7), (-0.7, np.inf)])
    metric = d.metric("log")[0]
    np.testing.assert_allclose(metric, got, rtol=1e-9)
    g = np.euler_gamma
    np.testing.assert_allclose(metric[0, 1], -(1 - g) / scale, rtol=1e-15)  # the cross term is not zero
    np.testing.assert_allclose(metric[1, 1], (1 - g) ** 2 + np.pi**2 / 6, rtol=1e-15)


def test_gumbel_is_minus_log_of_a_weibull():
    """Y ~ Gumbel(loc, s) iff e^-Y ~ Weibull(c = 1/s, scale = e^-loc): the densities differ by the
    Jacobian e^-y, and the score gradients and Fisher informations map by the internal coordinate
    change (log c, log scale) = (-log s, -loc), an independent check against the Weibull's formulas."""
    rng = _rng("gumbel-weibull")
    loc, scale = rng.normal(0, 2, 30), np.exp(rng.normal(0, 0.7, 30))
    y = stats.gumbel_r(loc=loc, scale=scale).rvs(random_state=rng)
    d, w = ngb.Gumbel(loc=loc, scale=scale), ngb.Weibull(c=1 / scale, scale=np.exp(-loc))
    np.testing.assert_allclose(d.logpdf(y), w.logpdf(np.exp(-y)) - y, rtol=1e-12, atol=1e-12)
    swap = np.array([[0.0, -1.0], [-1.0, 0.0]])  # d theta_weibull / d theta_gumbel
    np.testing.assert_allclose(d.d_score(y), w.d_score(np.exp(-y)) @ swap, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(d.metric(), swap.T @ w.metric() @ swap, rtol=1e-13)


def test_gumbel_score_in_the_far_left_tail():
    d = ngb.Gumbel(loc=np.zeros(3), scale=np.ones(3))
    y = np.array([-500.0, -700.0, -5000.0])
    np.testing.assert_allclose(d.score(y)[:1], -d.logpdf(y)[:1], rtol=1e-15)  # below the cap: exact
    for values in (d.score(y), d.d_score(y), d.natural_gradient(y)):
        assert np.all(np.isfinite(values))
    assert np.all(d.score(y)[1:] > np.exp(599))
    assert d.logpdf(y)[2] == -np.inf and d.cdf(y)[2] == 0.0


# ---------------------------------------------------------------------------- exact references
def _solve(a, b):
    """Gaussian elimination with partial pivoting in Decimal."""
    k = len(b)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for c in range(k):
        p = max(range(c, k), key=lambda r: abs(m[r][c]))
        m[c], m[p] = m[p], m[c]
        for r in range(c + 1, k):
            f = m[r][c] / m[c][c]
            m[r] = [x - f * z for x, z in zip(m[r], m[c])]
    x = [Decimal(0)] * k
    for r in range(k - 1, -1, -1):
        x[r] = (m[r][k] - sum(m[r][j] * x[j] for j in range(r + 1, k))) / m[r][r]
    return x


def _zero_inflated_terms(component_terms, zeta):
    """[(P(y), grad log P(y))] for y = 0..K, in Decimal, from the component's [(f(y), grad log f(y))];
    pi and q = 1 - pi from the internal logit (a float pi near 1 would lose q's digits)."""
    pi, q = 1 / (1 + (-zeta).exp()), 1 / (1 + zeta.exp())
    (f0, u), rest = component_terms[0], component_terms[1:]
    p0 = pi + q * f0
    zero = [q * f0 / p0 * g for g in u] + [pi * q * (1 - f0) / p0]
    return [(p0, zero)] + [(q * f, g + [-pi]) for f, g in rest]


def _poisson_terms(mu, top):
    out, f = [], (-mu).exp()
    for k in range(top + 1):
        out.append((f, [k - mu]))
        f = f * mu / (k + 1)
    return out


def _negative_binomial_terms(mu, n, top):
    """NB(mean mu, size n): the pmf by its recurrence and d log f / d(log mu, log n), with
    digamma(n + k) - digamma(n) = sum_{j<k} 1 / (n + j)."""
    a, log_p = mu / (n + mu), (n / (n + mu)).ln()
    out, f, psi = [], (n * log_p).exp(), Decimal(0)
    for k in range(top + 1):
        out.append((f, [n * (k - mu) / (n + mu), n * (psi + log_p + (mu - k) / (n + mu))]))
        f, psi = f * (n + k) / (k + 1) * a, psi + 1 / (n + k)
    return out


def _exact_fisher_and_natural_gradient(d, ys):
    """The Fisher information (sum over y) and its solve with -grad log P(y), all in 50 digits."""
    with decimal.localcontext() as ctx:
        ctx.prec = 50
        theta = [Decimal(float(v)) for v in d.theta[0]]
        mu = theta[0].exp()
        if isinstance(d, ZINB):
            n = theta[1].exp()
            top = int(stats.nbinom(float(n), float(n / (n + mu))).isf(1e-35)) + 60
            terms = _zero_inflated_terms(_negative_binomial_terms(mu, n, top), theta[2])
        else:
            terms = _zero_inflated_terms(_poisson_terms(mu, int(float(mu) + 40 * float(mu) ** 0.5 + 80)), theta[1])
        k = len(terms[0][1])
        fisher = [[sum(p * g[i] * g[j] for p, g in terms) for j in range(k)] for i in range(k)]
        ng = [[float(x) for x in _solve(fisher, [-g for g in terms[int(y)][1]])] for y in ys]
        return np.array([[float(x) for x in row] for row in fisher]), np.array(ng)


_YS = np.array([0.0, 1.0, 2.0, 5.0, 30.0])


@pytest.mark.parametrize("mu,pi", [(1e-9, 0.3), (1e-5, 0.5), (0.01, 0.01), (0.7, 0.3), (40.0, 0.9), (1.0, 1e-10), (3.0, 1 - 1e-12)])
def test_zip_fisher_and_natural_gradient_against_50_digit_reference(mu, pi):
    d = ZIP(mu=mu, pi=pi)
    fisher, ng = _exact_fisher_and_natural_gradient(d, _YS)
    np.testing.assert_allclose(d.metric()[0], fisher, rtol=1e-13)
    rows = ZIP.from_internal(np.tile(d.theta, (len(_YS), 1)))
    err = np.abs(rows.natural_gradient(_YS) - ng).max(axis=1) / np.abs(ng).max(axis=1)
    assert np.all(err < 1e-13), err


@pytest.mark.parametrize("mu,n,pi", [(2.0, 0.3, 0.4), (20.0, 2.0, 0.2), (0.5, 5.0, 0.6), (3.0, 1e4, 0.3), (1e-2, 1.0, 0.5),
                                     (1e-3, 1.0, 0.5), (1e-4, 2.0, 0.5), (1e-8, 3.0, 0.5), (0.1, 50.0, 0.3), (5.0, 1e6, 0.01), (1.0, 1.0, 1e-10),
                                     (1.0, 1.0, 1 - 1e-10)])
def test_zinb_fisher_and_natural_gradient_against_50_digit_reference(mu, n, pi):
    """The information to the size entry's accuracy (< 1e-11); the natural gradient to that plus the
    documented loss for small a = mu / (n + mu): ~1e-15 / a at y >= 2, ~1e-15 / a^2 at y = 1 (so at
    a = 3e-9 the y = 1 row has no correct digit left: the model is then all but singular)."""
    d = ZINB(mu=mu, n=n, pi=pi)
    fisher, ng = _exact_fisher_and_natural_gradient(d, _YS)
    np.testing.assert_allclose(d.metric()[0], fisher, rtol=2e-11, atol=1e-11 * np.abs(fisher).max())
    rows = ZINB.from_internal(np.tile(d.theta, (len(_YS), 1)))
    err = np.abs(rows.natural_gradient(_YS) - ng).max(axis=1) / np.abs(ng).max(axis=1)
    a = mu / (n + mu)
    allowed = 3e-11 + np.where(_YS == 1, 2e-15 / a**2, 2e-15 / a)
    assert np.all(err < allowed), (err, allowed)


@pytest.mark.parametrize("mu,pi", [(1e-3, 0.3), (0.05, 0.5), (1.0, 1e-6), (3.0, 0.2), (30.0, 0.9), (300.0, 0.5)])
def test_zip_fisher_is_lamberts_in_the_internal_coordinates(mu, pi):
    """Lambert (1992)'s information in (p, lambda), moved to (log lambda, logit p) by the Jacobian
    diag(lambda, p (1 - p)); and the exact sum over y with scipy's Poisson pmf."""
    p0 = np.exp(-mu)
    big_p0 = pi + (1 - pi) * p0
    lambert = np.array([[(1 - pi) / mu - pi * (1 - pi) * p0 / big_p0, -p0 / big_p0],
                        [-p0 / big_p0, (1 - p0) / ((1 - pi) * big_p0)]])
    jac = np.diag([mu, pi * (1 - pi)])
    d = ZIP(mu=mu, pi=pi)
    np.testing.assert_allclose(d.metric()[0], jac @ lambert @ jac, rtol=1e-10)
    k = np.arange(int(mu + 40 * np.sqrt(mu) + 60), dtype=float)
    pmf = (1 - pi) * stats.poisson.pmf(k, mu) + pi * (k == 0)
    g = ZIP.from_internal(np.tile(d.theta, (len(k), 1))).d_score(k)
    exact = np.einsum("y,yi,yj->ij", pmf, g, g)  # its cross term cancels to ~ mu p0: rounding ~ 1e-16 mu
    np.testing.assert_allclose(d.metric()[0], exact, rtol=1e-10, atol=1e-14 * np.abs(exact).max())


@pytest.mark.parametrize("mu,n,pi", [(2.0, 0.3, 0.4), (20.0, 2.0, 0.2), (300.0, 0.3, 0.1), (0.5, 5.0, 0.6), (3.0, 1e4, 0.3),
                                     (1e-2, 1.0, 0.5), (1.0, 1e6, 0.5), (50.0, 0.01, 0.3)])
def test_zinb_fisher_is_exact_sum_over_y(mu, n, pi):
    """Sum over y of pmf grad grad^T, the NB pmf by its recurrence (scipy's log-gamma differences lose
    digits for large sizes); both regimes of the size entry (series a <= 0.8, quadrature above)."""
    p = n / (n + mu)
    top = int(stats.nbinom(n, p).isf(1e-19)) + 10
    k = np.arange(top, dtype=float)
    ratios = (n + k[:-1]) / (k[:-1] + 1) * (mu / (n + mu))
    nb = np.exp(-n * np.log1p(mu / n) + np.concatenate([[0.0], np.cumsum(np.log(ratios))]))
    pmf = (1 - pi) * nb + pi * (k == 0)
    d = ZINB(mu=mu, n=n, pi=pi)
    g = ZINB.from_internal(np.tile(d.theta, (top, 1))).d_score(k)
    exact = np.einsum("y,yi,yj->ij", pmf, g, g)
    np.testing.assert_allclose(d.metric()[0], exact, rtol=1e-9, atol=1e-12 * np.abs(exact).max())


@pytest.mark.parametrize("cls,theta", [(ngb.Poisson, [[0.3], [-4.0], [5.0]]), (ngb.NegativeBinomial, [[0.3, 1.0], [-4.0, 3.0], [5.0, -2.0]])])
def test_components_have_the_structure_the_zero_inflation_uses(cls, theta):
    """log mu first with J_0 = -u_0 = mu (1 - a) = f(1) / p0 and gradient (1 - a)(mu - y), and the
    closed-form log p0 and a of ``_zero_cell`` (see zipoisson.py)."""
    zi = {ngb.Poisson: ZIP, ngb.NegativeBinomial: ZINB}[cls]
    d = cls.from_internal(np.array(theta))
    z = zi.from_internal(np.column_stack([theta, np.zeros(3)]))
    log_p0, a = z._zero_cell()
    np.testing.assert_allclose(log_p0, d.logpdf(np.zeros(3)), rtol=1e-13)
    mu = d.mean()
    j0, u0 = d.metric_diagonal()[:, 0], -d.d_score(np.zeros(3))[:, 0]
    np.testing.assert_allclose(j0, mu * (1 - a), rtol=1e-13)
    np.testing.assert_allclose(-u0, j0, rtol=1e-13)
    np.testing.assert_allclose(j0, np.exp(d.logpdf(np.ones(3)) - d.logpdf(np.zeros(3))), rtol=1e-12)
    y = np.array([0.0, 3.0, 17.0])
    np.testing.assert_allclose(d.d_score(y)[:, 0], (1 - a) * (mu - y), rtol=1e-13)


# ---------------------------------------------------------------------------- limits
def test_zip_with_pi_to_zero_is_the_poisson():
    mu = np.array([0.2, 1.0, 5.0])
    d, p = ZIP(mu=mu, pi=np.exp(-30.0)), ngb.Poisson(mu=mu)  # pi at the bound: log P(0) = -mu + ~pi e^mu
    for y in (np.zeros(3), np.array([1.0, 4.0, 9.0])):
        np.testing.assert_allclose(d.logpdf(y), p.logpdf(y), rtol=0, atol=2e-11)
        np.testing.assert_allclose(d.d_score(y)[:, 0], p.d_score(y)[:, 0], rtol=1e-10)
    np.testing.assert_allclose(d.metric()[:, 0, 0], p.metric()[:, 0, 0], rtol=1e-10)
    np.testing.assert_allclose(d.mean(), p.mean(), rtol=1e-12)


def test_zinb_with_large_size_is_the_zip_and_with_pi_to_zero_the_nb():
    mu, pi = np.array([0.3, 1.0, 3.0]), np.array([0.1, 0.4, 0.7])
    y = np.array([[0.0, 0.0, 0.0], [1.0, 2.0, 6.0]])
    big = ZINB(mu=mu, n=np.exp(15.0), pi=pi)  # mu^2 / n < 2e-6
    zip_ = ZIP(mu=mu, pi=pi)
    for row in y:
        np.testing.assert_allclose(big.logpdf(row), zip_.logpdf(row), rtol=0, atol=1e-5)
    np.testing.assert_allclose(big.metric()[:, [0, 2]][:, :, [0, 2]], zip_.metric(), rtol=1e-5)
    nb = ngb.NegativeBinomial.from_mean(mu, np.array([0.5, 2.0, 8.0]))
    small = ZINB(mu=mu, n=nb.n, pi=np.exp(-30.0))
    for row in y:
        np.testing.assert_allclose(small.logpdf(row), nb.logpdf(row), rtol=0, atol=1e-11)
    np.testing.assert_allclose(small.metric()[:, :2, :2], nb.metric(), rtol=1e-10, atol=1e-12)


# ---------------------------------------------------------------------------- marginal fits at the edges
@pytest.mark.parametrize("cls", [ZIP, ZINB])
def test_fit_marginal_edges(cls):
    rng = _rng("fit-edges", cls.__name__)
    w = rng.uniform(0.2, 3.0, 300)
    (z_lo, z_hi) = cls.bounds[-1]
    # all zeros: the corner where P0 -> 1
    np.testing.assert_array_equal(cls.fit_marginal(np.zeros(300), w), [lo for lo, _ in cls.bounds[:-1]] + [z_hi])
    # no zeros: pi at its lower bound, the component's own fit
    y = rng.poisson(4.0, 300) + 1.0
    theta = cls.fit_marginal(y, w)
    assert theta[-1] == z_lo
    np.testing.assert_allclose(theta[:-1], cls.component.fit_marginal(y, w), rtol=1e-7, atol=1e-7)
    # fewer zeros than the Poisson / NB predicts: pi at the bound, the component parameters at a root of the score
    y = rng.poisson(1.5, 300).astype(float)
    y[y == 0] = np.where(rng.random(np.sum(y == 0)) < 0.5, 0.0, 1.0)
    theta = cls.fit_marginal(y, w)
    assert theta[-1] == z_lo
    grad = w @ cls.from_internal(np.tile(theta, (300, 1))).d_score(y)
    assert np.all(np.abs(grad[:-1]) < 1e-6 * w.sum())
    # inflated: an interior fit where P0 equals the weighted share of zeros and the score vanishes
    y = np.where(rng.random(300) < 0.4, 0.0, rng.poisson(3.0, 300))
    theta = cls.fit_marginal(y, w)
    d = cls.from_internal(theta)
    assert z_lo < theta[-1] < z_hi
    np.testing.assert_allclose(d.pdf(np.zeros(1))[0], w @ (y == 0) / w.sum(), rtol=1e-9)
    grad = w @ cls.from_internal(np.tile(theta, (300, 1))).d_score(y)
    assert np.all(np.abs(grad) < 1e-6 * w.sum())


# ---------------------------------------------------------------------------- quantiles and scipy
@pytest.mark.parametrize("name", ["zero_inflated_poisson", "zero_inflated_negative_binomial"])
def test_quantile_is_the_smallest_count_with_cdf_at_least_q(name):
    """At the levels F(k) themselves (ties) the quantile is k, just above them k + 1; at or below
    P(0) it is 0; and scipy's generic rv_discrete search (to_scipy) agrees."""
    d = CASES[name].make(_rng("quantile", name), 6)
    k = np.arange(12.0)
    for i in range(len(d)):
        row = d[i]
        levels = row.cdf(k)
        np.testing.assert_array_equal(row.quantile(levels)[0], k)
        above = np.nextafter(levels, 2.0)
        expected = np.where(row.cdf(k) >= above, k, k + 1)
        np.testing.assert_array_equal(row.quantile(np.minimum(above, 1.0))[0][:-1], expected[:-1])
        np.testing.assert_array_equal(row.quantile(np.array([0.0, 0.5 * levels[0]]))[0], [0.0, 0.0])
    levels = np.array([0.01, 0.2, 0.5, 0.77, 0.99])
    frozen = d.to_scipy()
    np.testing.assert_array_equal(d.quantile(levels), np.column_stack([frozen.ppf(np.full(6, q)) for q in levels]))
    np.testing.assert_allclose(frozen.mean(), d.mean(), rtol=1e-12)
    np.testing.assert_allclose(frozen.var(), d.var(), rtol=1e-12)
    np.testing.assert_allclose(frozen.sf(np.full(6, 2.0)), d.sf(np.full(6, 2.0)), rtol=1e-12)
