"""ngb.tuning.tune: validation-only search with optuna, refit of the best settings."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

import ngb

optuna = pytest.importorskip("optuna")
from ngb.tuning import candidate_families, default_search_space, tune  # noqa: E402


def _regression(n=300, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 4))
    y = X[:, 0] + 0.5 * X[:, 1] ** 2 + np.exp(0.3 * X[:, 2]) * rng.normal(size=n)
    return X, y


def _small(**kw):
    return ngb.NGBRegressor(n_estimators=60, **kw)


def test_returns_refitted_estimator_and_trial_table():
    X, y = _regression()
    model, trials = tune(_small(), X, y, n_trials=4, random_state=0)
    assert isinstance(trials, pd.DataFrame) and len(trials) == 4
    assert {"number", "value", "n_iter", "seconds", "state", "learning_rate", "base__max_depth",
            "base__min_samples_leaf", "base__min_weight_leaf", "metric_weighted", "subsample"} <= set(trials.columns)
    best = trials.attrs["best_params"]
    assert trials.attrs["best_value"] == trials["value"].max()
    # refitted on all the rows, with the best trial's settings and iteration count, no early stopping
    assert model.n_features_in_ == 4
    assert model.learning_rate == best["learning_rate"]
    assert model.base.max_depth == best["base__max_depth"]
    assert model.n_estimators == trials.attrs["best_n_iter"] == model.n_iter_
    assert model.early_stopping is False
    # the same refit by hand (one validation split): the best trial's settings, count and the steps
    # its gate kept
    model, _ = tune(_small(), X, y, n_trials=4, random_state=0, cv=None)
    trial_model, _ = tune(_small(), X, y, n_trials=4, random_state=0, cv=None, refit=False)
    assert trial_model.n_iter_ == model.n_iter_
    again = ngb.NGBRegressor(n_estimators=model.n_estimators).set_params(**model.get_params())
    again._fit(X, y, None, gates=trial_model._applied_steps())
    np.testing.assert_allclose(again.predict_dist(X).scale, model.predict_dist(X).scale)
    np.testing.assert_allclose(again.predict(X), model.predict(X))


def test_deterministic_with_random_state():
    X, y = _regression()
    m1, t1 = tune(_small(), X, y, n_trials=4, random_state=3)
    m2, t2 = tune(_small(), X, y, n_trials=4, random_state=3)
    pd.testing.assert_frame_equal(t1.drop(columns="seconds"), t2.drop(columns="seconds"))
    np.testing.assert_array_equal(m1.predict(X[:20]), m2.predict(X[:20]))
    _, t3 = tune(_small(), X, y, n_trials=4, random_state=4)
    assert not np.allclose(t1["learning_rate"], t3["learning_rate"])


def test_validation_only_trial_values_are_inner_validation_scores():
    """Each trial's value is the mean log-likelihood on the inner validation rows, which never enter
    the trial's fit: a trial refitted on the inner training rows scores the same on them."""
    X, y = _regression(600)  # (120 validation rows: cv="auto" keeps one split)
    model, trials = tune(_small(), X, y, n_trials=2, refit=False, random_state=0, dists=None)
    # refit=False returns the best trial's model: fitted on the 80% inner training rows only
    assert model.n_iter_ == trials.attrs["best_n_iter"]
    from sklearn.model_selection import train_test_split

    seed = np.random.RandomState(0).randint(2**31 - 1)
    idx_fit, idx_val = train_test_split(np.arange(600), test_size=0.2, random_state=seed)
    assert model.score(X[np.sort(idx_val)], y[np.sort(idx_val)]) == pytest.approx(trials.attrs["best_value"])
    assert model.score(X[np.sort(idx_val)], y[np.sort(idx_val)]) < model.score(X[np.sort(idx_fit)], y[np.sort(idx_fit)])


def test_small_data_trials_are_judged_by_cross_validation():
    """Below 100 validation rows (cv="auto") every trial is fitted on each of 3 folds and its value is
    the mean of the 3 held-out scores; its iteration count the mean of the 3 early stops."""
    from sklearn.model_selection import KFold

    X, y = _regression(240)
    space = {"learning_rate": optuna.distributions.FloatDistribution(0.05, 0.3, log=True)}
    model, trials = tune(_small(), X, y, n_trials=2, refit=False, random_state=0, search_space=space)
    seed = np.random.RandomState(0).randint(2**31 - 1)
    est = _small().set_params(random_state=seed, learning_rate=trials.attrs["best_params"]["learning_rate"],
                              early_stopping=True)
    scores, iters = [], []
    for fit, val in KFold(3, shuffle=True, random_state=seed).split(X):
        fitted = clone(est).fit(X[np.sort(fit)], y[np.sort(fit)], X_val=X[np.sort(val)], y_val=y[np.sort(val)])
        scores.append(fitted.score(X[np.sort(val)], y[np.sort(val)]))
        iters.append(fitted.n_iter_)
    assert trials.attrs["best_value"] == pytest.approx(np.mean(scores), rel=1e-12)
    assert trials.attrs["best_n_iter"] == int(round(np.mean(iters)))
    one = tune(_small(), X, y, n_trials=2, refit=False, random_state=0, search_space=space, cv=None)[1]
    assert one.attrs["best_value"] != trials.attrs["best_value"]  # one 48-row split instead
    five = tune(_small(), X, y, n_trials=1, random_state=0, search_space=space, cv=5)[1]
    assert np.isfinite(five.attrs["best_value"])
    for bad in (1, 2.5, "yes", True):
        with pytest.raises(ValueError, match="cv must be"):
            tune(_small(), X, y, n_trials=1, cv=bad)


def test_early_stopping_inside_trials():
    X, y = _regression(200)
    _, trials = tune(ngb.NGBRegressor(n_estimators=400), X, y, n_trials=3, random_state=0,
                     search_space={"learning_rate": optuna.distributions.FloatDistribution(0.3, 0.5)})
    assert (trials["n_iter"] < 400).all()  # a large learning rate overfits fast: stopped early


def test_family_search_follows_the_target():
    X, y = _regression()
    real = candidate_families(ngb.NGBRegressor(), y)
    assert real[0] == "normal" and "laplace" in real and "lognormal" not in real and "poisson" not in real
    positive = candidate_families(ngb.NGBRegressor(), np.exp(y / 3))
    assert {"lognormal", "gamma", "weibull", "normal"} <= set(positive) and "poisson" not in positive
    counts = np.random.RandomState(0).poisson(2.0, size=50).astype(float)
    assert candidate_families(ngb.NGBRegressor(dist="poisson"), counts) == ["poisson", "negative_binomial"]
    assert candidate_families(ngb.NGBClassifier(), np.array([0, 1] * 5)) == []
    surv = candidate_families(ngb.NGBSurvival(), None)
    assert surv[0] == "lognormal" and {"weibull", "exponential", "gamma"} <= set(surv)
    assert candidate_families(ngb.NGBSurvival(score="crps"), None) == ["lognormal", "exponential"]
    assert "dist" in default_search_space(ngb.NGBRegressor(), y)
    assert "dist" not in default_search_space(ngb.NGBRegressor(), y, dists=None)


def test_family_is_chosen_on_validation():
    """Heavy-tailed noise: with only the family searched, Laplace or Student t beats the Normal."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(400, 2))
    y = X[:, 0] + rng.standard_t(1.5, size=400)
    space = {"dist": optuna.distributions.CategoricalDistribution(["normal", "laplace", "studentt"])}
    model, trials = tune(ngb.NGBRegressor(n_estimators=50, learning_rate=0.05), X, y, n_trials=6,
                         search_space=space, random_state=0)
    per_family = trials.groupby("dist")["value"].max()
    assert per_family["normal"] < max(per_family.get("laplace", -np.inf), per_family.get("studentt", -np.inf))
    assert model.dist != "normal"


def test_pandas_weights_and_custom_scorer():
    X, y = _regression(200)
    Xdf = pd.DataFrame(X, columns=list("abcd"))
    w = np.random.RandomState(1).uniform(0.5, 2, size=200)
    model, trials = tune(_small(), Xdf, pd.Series(y), sample_weight=w, scoring="neg_crps", n_trials=2,
                         random_state=0, dists=None)
    assert list(model.feature_names_in_) == list("abcd")
    assert (trials["value"] < 0).all()  # minus the CRPS


def test_zero_weight_rows_change_nothing():
    X, y = _regression(200)
    w = np.ones(200)
    w[::2] = 0.0
    X2, y2 = X.copy(), y.copy()
    X2[::2] += 100.0  # rows with zero weight: removed, whatever they hold
    y2[::2] = 1e3
    _, t1 = tune(_small(), X, y, sample_weight=w, n_trials=2, random_state=0, dists=None)
    _, t2 = tune(_small(), X2, y2, sample_weight=w, n_trials=2, random_state=0, dists=None)
    np.testing.assert_allclose(t1["value"], t2["value"])


def test_offsets_poisson():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 3))
    exposure = rng.uniform(0.2, 2.0, size=300)
    y = rng.poisson(exposure * np.exp(0.5 * X[:, 0])).astype(float)
    model, trials = tune(ngb.NGBRegressor(dist="poisson", n_estimators=40), X, y, offset=np.log(exposure),
                         n_trials=2, random_state=0)
    assert set(trials["dist"]) <= {"poisson", "negative_binomial"}
    rate = model.predict(X, offset=np.log(exposure))
    np.testing.assert_allclose(rate / model.predict(X), exposure, rtol=1e-10)
    with pytest.raises(ValueError, match="offset"):
        tune(ngb.NGBClassifier(), X, (y > 0).astype(int), offset=np.log(exposure), n_trials=1)


def test_classifier_and_survival():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(240, 3))
    labels = np.array(["a", "b", "c"])[(X[:, 0] > 0).astype(int) + (X[:, 1] > 0.5).astype(int)]
    clf, trials = tune(ngb.NGBClassifier(n_estimators=30), X, labels, n_trials=2, random_state=0)
    assert list(clf.classes_) == ["a", "b", "c"] and "dist" not in trials.columns
    assert (trials["value"] <= 0).all()  # mean log-likelihood of labels

    from ngb.survival import make_y

    t = np.exp(0.5 * X[:, 0] + rng.normal(scale=0.5, size=240))
    c = rng.exponential(3.0, size=240)
    y = make_y(np.minimum(t, c), t <= c)
    surv, trials = tune(ngb.NGBSurvival(n_estimators=30), X, y, n_trials=3, random_state=0)
    assert isinstance(surv, ngb.NGBSurvival) and surv.n_iter_ >= 1
    assert set(trials["dist"]) <= {"lognormal", "weibull", "exponential", "gamma"}


def test_budget_and_errors(capsys):
    X, y = _regression(150)
    _, trials = tune(_small(), X, y, n_trials=None, timeout=0.5, random_state=0, dists=None)
    assert len(trials) >= 1
    with pytest.raises(ValueError, match="budget"):
        tune(_small(), X, y, n_trials=None, timeout=None)
    with pytest.raises(ValueError, match="not parameters"):
        tune(_small(), X, y, n_trials=1, search_space={"max_dpth": optuna.distributions.IntDistribution(1, 2)})
    tune(_small(), X, y, n_trials=2, random_state=0, verbose=1, dists=None)
    err = capsys.readouterr().err
    assert "[ngb.tune] trial 1/2" in err and "[ngb.tune] best" in err


@pytest.mark.parametrize("cv", [None, 3])
def test_refit_keeps_the_steps_the_best_trials_gate_dropped(cv):
    """The trials stop early with the gate, which drops scale steps once they stop improving the
    validation rows; the refit with the best trial's count replays those drops (those most folds
    made), else it applies every scale step up to that count and overfits the scale."""
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 1, size=(1000, 5))
    y = 10 * np.sin(np.pi * X[:, 0] * X[:, 1]) + 10 * X[:, 3] + (0.5 + X[:, 0]) * rng.normal(size=1000)
    Xt = rng.uniform(0, 1, size=(4000, 5))
    yt = 10 * np.sin(np.pi * Xt[:, 0] * Xt[:, 1]) + 10 * Xt[:, 3] + (0.5 + Xt[:, 0]) * rng.normal(size=4000)
    space = {"learning_rate": optuna.distributions.FloatDistribution(0.1, 0.2)}
    final, trials = tune(ngb.NGBRegressor(random_state=0), X, y, n_trials=2, random_state=0, cv=cv,
                         search_space=space)
    assert final.n_iter_ == trials.attrs["best_n_iter"]
    assert np.any(final.scalings_[:, 1] == 0)
    plain = clone(final).set_params(early_stopping=False).fit(X, y)  # the count alone
    assert not np.any(plain.scalings_[:, 1] == 0)
    assert -final.score(Xt, yt) < -plain.score(Xt, yt) - 0.2
