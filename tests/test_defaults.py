"""The library defaults chosen by the defaults study (benchmarks/README.md, "Defaults study"), the
reference's defaults one line away (ngb.reference_defaults()), and how early stopping protects
small data (a held-out part picks the iteration count; up to 10,000 rows the model is then refitted
on every row with that count)."""

import numpy as np
import pytest

import ngb
from ngb import boosting


@pytest.mark.parametrize("Est", [ngb.NGBRegressor, ngb.NGBClassifier, ngb.NGBSurvival])
def test_the_defaults_are_the_studys(Est):
    p = Est().get_params()
    assert p["learning_rate"] == 0.1 and p["n_estimators"] == 1000
    assert p["early_stopping"] == "auto" and p["validation_fraction"] == 0.1
    assert p["n_iter_no_change"] == 20 and p["tol"] == 0.0
    assert p["max_scaling"] == 1.0 and p["base"] is None
    base = boosting.default_base()
    assert (base.max_depth, base.max_leaf_nodes, base.min_samples_leaf, base.min_weight_leaf) == (None, 31, 20, 0.1)
    assert boosting.REFIT_MAX_ROWS == 10_000


@pytest.mark.parametrize("Est", [ngb.NGBRegressor, ngb.NGBClassifier, ngb.NGBSurvival])
def test_reference_defaults_are_ngboosts_and_a_new_dict_each_call(Est):
    a, b = ngb.reference_defaults(), ngb.reference_defaults()
    assert a["base"] is not b["base"]
    assert (a["n_estimators"], a["learning_rate"], a["early_stopping"], a["metric_weighted"], a["max_scaling"]) == (
        500, 0.01, False, False, 256.0)
    assert (a["base"].max_depth, a["base"].min_samples_leaf) == (3, 1)
    est = Est(**a)
    assert est.get_params()["learning_rate"] == 0.01
    # a classifier also gets ngboost's class parametrisation (K - 1 logits relative to class 0)
    assert "dist" not in a and ngb.reference_defaults(Est).get("dist") == (
        "categorical" if Est is ngb.NGBClassifier else None)
    assert ngb.reference_defaults(Est()).get("dist") == ngb.reference_defaults(Est).get("dist")


def _linear(n, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    return X, X[:, 0] + rng.normal(size=n)


def test_reference_defaults_run_every_iteration_and_may_lengthen_steps():
    X, y = _linear(400)
    model = ngb.NGBRegressor(random_state=0, **ngb.reference_defaults()).fit(X, y)
    assert model.n_iter_ == 500 and not model.refitted_
    assert model.scalings_.max() > 1.0  # (steps lengthened up to 256x)


def test_default_steps_are_never_lengthened():
    X, y = _linear(400)
    model = ngb.NGBRegressor(random_state=0).fit(X, y)
    assert model.scalings_.max() <= 1.0


def test_small_data_are_refitted_on_every_row_with_the_held_out_count():
    X, y = _linear(400)
    model = ngb.NGBRegressor(random_state=0).fit(X, y)
    assert model.refitted_ and 0 < model.n_iter_ < 1000
    assert len(model.validation_score_) >= model.n_iter_ + 1  # (the held-out curve that chose the count)
    every_row = ngb.NGBRegressor(random_state=0, n_estimators=model.n_iter_, early_stopping=False).fit(X, y)
    np.testing.assert_array_equal(model.predict_dist(X).params["loc"], every_row.predict_dist(X).params["loc"])


def test_above_the_refit_limit_the_held_out_rows_are_not_refitted_on(monkeypatch):
    monkeypatch.setattr(boosting, "REFIT_MAX_ROWS", 300)
    X, y = _linear(400)
    assert not ngb.NGBRegressor(random_state=0).fit(X, y).refitted_
    assert ngb.NGBRegressor(random_state=0, early_stopping="refit").fit(X, y).refitted_
    assert not ngb.NGBRegressor(random_state=0, early_stopping=True).fit(X, y).refitted_


def test_early_stopping_protects_small_data_from_overfitting_noise():
    """400 rows of pure noise: the default fit stays at the marginal's NLL; the same 1000 iterations at
    learning rate 0.1 without early stopping are far worse (overconfident)."""
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(400, 4)), rng.normal(size=400)
    Xt, yt = rng.normal(size=(4000, 4)), rng.normal(size=4000)
    marginal = 0.5 * np.log(2 * np.pi * np.e * y.var()) + 0.5 * (np.mean((yt - y.mean()) ** 2) / y.var() - 1)
    default = ngb.NGBRegressor(random_state=0).fit(X, y)
    assert default.n_iter_ < 100
    assert -default.score(Xt, yt) < marginal + 0.03
    off = ngb.NGBRegressor(random_state=0, early_stopping=False).fit(X, y)
    assert -off.score(Xt, yt) > marginal + 1.0


def test_many_classes_do_not_overfit_past_the_early_stopping_count():
    """Leaves need a summed metric weight (the Fisher diagonal p (1 - p) of a class fit): without it a
    leaf of rows already fitted to p ~ 0 or 1 takes a huge Newton step, and digits' held-out log loss
    climbs after its best iteration instead of levelling off."""
    from sklearn.datasets import load_digits
    from sklearn.metrics import log_loss
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.2, random_state=0, stratify=y)
    m = ngb.NGBClassifier(n_estimators=150, early_stopping=False, random_state=0).fit(Xtr, ytr)
    curve = [log_loss(yte, p, labels=np.arange(10)) for p in m.staged_predict_proba(Xte)]
    assert min(curve) < 0.15
    assert curve[-1] < min(curve) + 0.02


def test_class_fits_do_not_depend_on_the_order_of_the_classes():
    """The default family (softmax_categorical) moves every class's logit by its own trees: the same
    labels under another coding give the same probabilities. With logits relative to class 0
    (``dist="categorical"``) the fit depends on which class is the reference: the class-0 logit
    moves only through all the others."""
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X, y = X[y < 5][:600], y[y < 5][:600]
    perm = np.array([3, 0, 4, 1, 2])  # class c is coded perm[c]
    kw = dict(n_estimators=40, early_stopping=False, random_state=0)
    for dist, same in (("softmax_categorical", True), ("categorical", False)):
        a = ngb.NGBClassifier(dist=dist, **kw).fit(X, y).predict_proba(X)
        b = ngb.NGBClassifier(dist=dist, **kw).fit(X, perm[y]).predict_proba(X)[:, perm]
        assert np.allclose(a, b, rtol=1e-7, atol=1e-10) == same, dist
    assert np.abs(a - b).max() > 1e-3


def test_two_classes_keep_one_logit():
    """For two classes the default family has one logit, and fits exactly as the relative one."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(500, 3))
    y = np.where(X[:, 0] + rng.normal(size=500) > 0, "yes", "no")
    kw = dict(n_estimators=20, early_stopping=False, random_state=0)
    a = ngb.NGBClassifier(**kw).fit(X, y)
    b = ngb.NGBClassifier(dist="categorical", **kw).fit(X, y)
    assert a.n_params_ == 1 and a._dist is ngb.SoftmaxCategorical
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))


@pytest.mark.parametrize("scale", ["power of two", "sum to one"])
def test_a_fit_depends_only_on_the_weights_ratios(scale):
    """The learners count a leaf's weight in rows of mean sample weight: weights that sum to 1 fit
    as the same weights summing to n (before, the default leaves' minimum weight, 0.1, blocked every
    split of the first: a constant model)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(1000, 4))
    y = (X[:, 0] + rng.normal(size=1000) > 0).astype(int)
    w = rng.choice([1.0, 2.0], size=1000)
    small = w * 2.0**-20 if scale == "power of two" else w / w.sum()
    a = ngb.NGBClassifier(n_estimators=30, early_stopping=False, random_state=0).fit(X, y, sample_weight=w)
    b = ngb.NGBClassifier(n_estimators=30, early_stopping=False, random_state=0).fit(X, y, sample_weight=small)
    pa, pb = a.predict_proba(X[:200]), b.predict_proba(X[:200])
    assert np.ptp(pb[:, 1]) > 0.5
    if scale == "power of two":
        np.testing.assert_array_equal(pa, pb)
    else:
        np.testing.assert_allclose(pa, pb, rtol=1e-9, atol=1e-12)
