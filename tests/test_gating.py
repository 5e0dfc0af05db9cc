"""Early stopping per parameter group (``ngb._engine.gate_groups``): with held-out rows, a scale or
shape step that does not improve their score is dropped while the location keeps learning; the
refit on every row replays the same drops."""

import numpy as np
import pytest
from scipy import stats

import ngb
from ngb import _defaults
from ngb._engine import gate_groups
from ngb._objective import Objective, make_rule
from ngb.distributions import Gamma, Normal, Weibull, Beta, StudentT


def _hetero(n, seed=0):
    """Friedman's first function plus a little heteroscedastic noise: the mean takes many iterations
    to learn, and its training residuals shrink long before it is learned."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(0, 1, size=(n, 5))
    mu = 10 * np.sin(np.pi * X[:, 0] * X[:, 1]) + 20 * (X[:, 2] - 0.5) ** 2 + 10 * X[:, 3] + 5 * X[:, 4]
    return X, mu + (0.5 + X[:, 0]) * rng.normal(size=n)


def test_the_gate_drops_exactly_the_group_whose_step_hurts_the_held_out_score():
    """Oracle: the held-out Normal NLL by scipy with and without each part of the step."""
    rng = np.random.default_rng(1)
    y = rng.normal(size=300)
    theta = np.column_stack([np.full(300, 0.5), np.zeros(300)])  # loc 0.5 (off), scale 1 (right)
    rule = make_rule(Normal, "log", 2)
    val = Objective(rule, theta.copy(), y)
    delta = np.column_stack([np.full(300, 0.4), np.full(300, 0.5)])  # loc -> 0.1 (better), log scale -> -0.5 (worse)

    def nll(th):
        return -stats.norm.logpdf(y, th[:, 0], np.exp(th[:, 1])).mean()

    full, no_scale = nll(theta - delta), nll(theta - delta * [1, 0])
    assert no_scale < full  # (the case the test is about)
    keep = gate_groups(val, delta, [np.array([1])])
    np.testing.assert_array_equal(keep, [1.0, 0.0])
    wide = np.column_stack([np.zeros(300), np.full(300, 0.7)])  # loc right, scale e^0.7 too wide
    val_wide = Objective(rule, wide.copy(), y)
    shrink = np.column_stack([np.full(300, 0.05), np.full(300, 0.6)])  # log scale -> 0.1: better
    assert nll(wide - shrink) < nll(wide - shrink * [1, 0])
    np.testing.assert_array_equal(gate_groups(val_wide, shrink, [np.array([1])]), [1.0, 1.0])
    np.testing.assert_array_equal(val.theta, theta)  # the objective is not moved


def test_the_location_keeps_learning_while_the_scale_stops():
    X, y = _hetero(1000)
    model = ngb.NGBRegressor(random_state=0, early_stopping=True).fit(X, y)
    dropped = model.scalings_[:, 1] == 0
    assert dropped.sum() > 10 and np.all(model.scalings_[:, 0] > 0)


def test_without_the_gate_no_scale_step_is_dropped(monkeypatch):
    """The test above fails without the gate (the line search alone keeps every scale step here)."""
    monkeypatch.setattr(_defaults, "GATE_STEPS", False)
    X, y = _hetero(1000)
    model = ngb.NGBRegressor(random_state=0, early_stopping=True).fit(X, y)
    assert not np.any(model.scalings_[:, 1] == 0)


def test_the_refit_replays_the_held_out_passs_drops():
    X, y = _hetero(1000)
    held_out = ngb.NGBRegressor(random_state=0, early_stopping=True).fit(X, y)  # the refit's first pass
    refit = ngb.NGBRegressor(random_state=0).fit(X, y)
    assert refit.refitted_ and refit.n_iter_ == held_out.n_iter_
    dropped = held_out.scalings_[:, 1] == 0
    assert dropped.any()
    assert np.all(refit.scalings_[dropped, 1] == 0)


def test_the_gate_improves_held_out_nll_on_heteroscedastic_data(monkeypatch):
    """On fresh rows from the same law (not the held-out rows), with the defaults."""
    X, y = _hetero(1000)
    Xt, yt = _hetero(5000, seed=9)
    gated = -ngb.NGBRegressor(random_state=0).fit(X, y).predict_dist(Xt).logpdf(yt).mean()
    monkeypatch.setattr(_defaults, "GATE_STEPS", False)
    plain = -ngb.NGBRegressor(random_state=0).fit(X, y).predict_dist(Xt).logpdf(yt).mean()
    assert gated < plain - 0.05


@pytest.mark.parametrize("family, location", [(Normal, [0]), (StudentT, [0]), (Gamma, [1]), (Weibull, [1]),
                                              (Beta, [0, 1])])
def test_location_parameters(family, location):
    np.testing.assert_array_equal(family.location_params(len(family.parameters)), location)
