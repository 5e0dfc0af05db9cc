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


def test_cross_validated_count_replays_the_folds_drops():
    """early_stopping="cv": the count comes from folds whose gates dropped scale steps; the fit on
    every row keeps the steps most folds kept (``_engine.majority_gates``). Applying every scale
    step up to a count chosen with them dropped overfits the scale: fresh rows' NLL was 7.8 here."""
    X, y = _hetero(1000)
    Xt, yt = _hetero(5000, seed=9)
    model = ngb.NGBRegressor(random_state=0, early_stopping="cv").fit(X, y)
    assert np.any(model.scalings_[:, 1] == 0) and np.all(model.scalings_[:, 0] > 0)
    own = ngb.NGBRegressor(random_state=0).fit(X, y)  # the default: one held-out part, then its refit
    assert -model.score(Xt, yt) < -own.score(Xt, yt) + 0.1


def test_majority_gates():
    from ngb._engine import majority_gates

    a = np.array([[1, 0], [1, 0], [1, 1.0]])
    b = np.array([[1, 1], [1, 0.0]])
    c = np.array([[1, 0], [1, 1], [1, 1], [1, 0.0]])
    got = majority_gates([a, b, c], 5)
    np.testing.assert_array_equal(got, [[1, 0], [1, 0], [1, 1], [1, 0], [1, 1]])  # ties keep; past them all: 1


def test_a_refit_with_the_counted_steps_replays_them():
    """A fit without early stopping given the applied steps of a gated fit (``_applied_steps``, as
    ``ngb.tuning.tune`` refits) keeps the same drops; with the count alone it applies every step."""
    X, y = _hetero(1000)
    Xt, yt = _hetero(5000, seed=9)
    gated = ngb.NGBRegressor(random_state=0, early_stopping=True).fit(X, y)
    steps = gated._applied_steps()
    assert steps.shape == gated.scalings_.shape and (steps[:, 1] == 0).any() and (steps[:, 0] == 1).all()
    again = ngb.NGBRegressor(random_state=0, early_stopping=False, n_estimators=gated.n_iter_)
    again._fit(X, y, None, gates=steps)
    assert np.all(again.scalings_[steps[:, 1] == 0, 1] == 0)
    plain = ngb.NGBRegressor(random_state=0, early_stopping=False, n_estimators=gated.n_iter_).fit(X, y)
    assert -again.score(Xt, yt) < -plain.score(Xt, yt) - 0.5
    with pytest.raises(ValueError, match="replayed gates"):
        ngb.NGBRegressor(random_state=0, n_estimators=gated.n_iter_)._fit(X, y, None, gates=steps)  # early stopping on


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
