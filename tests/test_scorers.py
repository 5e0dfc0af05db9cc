"""ngb scorers: each equals its metric computed by hand on the same predictions, on an ngb
estimator, a Pipeline and a fitted search, inside cross_val_score, cross_validate,
GridSearchCV, RandomizedSearchCV and HalvingGridSearchCV."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.metrics import get_scorer as sk_get_scorer
from sklearn.model_selection import (GridSearchCV, HalvingGridSearchCV, KFold, RandomizedSearchCV, cross_val_score,
                                     cross_validate)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import ngb
from ngb import metrics
from ngb.metrics import get_scorer, get_scorers
from ngb.survival import make_y

RNG = np.random.default_rng(3)
X = RNG.normal(size=(240, 4))
Y = 2 * X[:, 0] + np.exp(0.5 * X[:, 1]) * RNG.normal(size=240)


def _reg(**kw):
    return ngb.NGBRegressor(n_estimators=15, learning_rate=0.1, random_state=0, **kw)


BY_HAND = {
    "neg_nll": lambda y, d: -metrics.nll(y, d),
    "neg_crps": lambda y, d: -metrics.crps(y, d),
    "neg_interval_score": lambda y, d: -metrics.interval_score(y, d, 0.9),
    "neg_interval_score_50": lambda y, d: -metrics.interval_score(y, d, 0.5),
    "neg_coverage_error_80": lambda y, d: -abs(metrics.coverage(y, d, 0.8) - 0.8),
    "neg_sharpness": lambda y, d: -metrics.sharpness(d, 0.9),
    "neg_calibration_error": lambda y, d: -metrics.calibration_error(y, d),
}


@pytest.fixture(scope="module")
def fitted():
    return _reg().fit(X[:160], Y[:160])


@pytest.mark.parametrize("name", sorted(BY_HAND))
def test_each_regression_scorer_is_its_negated_metric(fitted, name):
    d = fitted.predict_dist(X[160:])
    assert get_scorer(name)(fitted, X[160:], Y[160:]) == pytest.approx(BY_HAND[name](Y[160:], d), rel=1e-12)


def test_sample_weight_reaches_the_metric(fitted):
    w = RNG.uniform(0, 2, 80)
    d = fitted.predict_dist(X[160:])
    assert get_scorer("neg_crps")(fitted, X[160:], Y[160:], sample_weight=w) == pytest.approx(
        -np.average(d.score(Y[160:], "crps"), weights=w), rel=1e-12)


def test_cross_val_score_equals_a_manual_loop_also_through_a_pipeline():
    pipe = make_pipeline(StandardScaler(), _reg())
    cv = KFold(3, shuffle=True, random_state=0)
    got = cross_val_score(pipe, X, Y, scoring=get_scorer("neg_crps"), cv=cv)
    manual = []
    for train, test in cv.split(X):
        p = clone(pipe).fit(X[train], Y[train])
        d = p[-1].predict_dist(p[:-1].transform(X[test]))
        manual.append(-np.mean(d.score(Y[test], "crps")))
    np.testing.assert_allclose(got, manual, rtol=1e-12)
    many = cross_validate(pipe, X, Y, cv=cv, scoring=get_scorers(["neg_crps", "neg_nll", "r2"]))
    np.testing.assert_allclose(many["test_neg_crps"], manual, rtol=1e-12)
    assert set(many) >= {"test_neg_nll", "test_r2"}


def test_grid_randomized_and_halving_searches():
    grid = {"learning_rate": [0.05, 0.2]}
    cv = KFold(2, shuffle=True, random_state=1)
    search = GridSearchCV(_reg(), grid, scoring=get_scorer("neg_crps"), cv=cv).fit(X, Y)
    for i, params in enumerate(search.cv_results_["params"]):
        folds = [-metrics.crps(Y[te], clone(_reg()).set_params(**params).fit(X[tr], Y[tr]).predict_dist(X[te])) for tr, te in cv.split(X)]
        assert search.cv_results_["mean_test_score"][i] == pytest.approx(np.mean(folds), rel=1e-12)
    # a fitted search is scored through its best estimator
    assert get_scorer("neg_nll")(search, X, Y) == pytest.approx(-metrics.nll(Y, search.best_estimator_.predict_dist(X)))
    rand = RandomizedSearchCV(_reg(), grid, n_iter=2, random_state=0, cv=cv, refit="neg_crps",
                              scoring=get_scorers(["neg_crps", "neg_interval_score_80"])).fit(X, Y)
    assert rand.best_score_ == pytest.approx(np.max(rand.cv_results_["mean_test_neg_crps"]))
    halving = HalvingGridSearchCV(make_pipeline(StandardScaler(), _reg()), {"ngbregressor__learning_rate": [0.05, 0.1, 0.2]},
                                  scoring=get_scorer("neg_crps"), cv=cv, factor=2, min_resources=60, random_state=0).fit(X, Y)
    best = halving.best_estimator_
    assert halving.score(X, Y) == pytest.approx(-metrics.crps(Y, best[-1].predict_dist(best[:-1].transform(X))), rel=1e-12)


def test_classifier_log_loss_equals_scikit_learns_and_brier_uses_classes():
    labels = np.array(["low", "mid", "top"])[np.digitize(X[:, 0], [-0.5, 0.5])]
    clf = ngb.NGBClassifier(n_estimators=10, learning_rate=0.2, random_state=0).fit(X[:160], labels[:160])
    ours = get_scorer("neg_log_loss")(clf, X[160:], labels[160:])
    assert ours == pytest.approx(sk_get_scorer("neg_log_loss")(clf, X[160:], labels[160:]), rel=1e-10)
    assert get_scorer("neg_brier_score")(clf, X[160:], labels[160:]) == pytest.approx(
        -metrics.brier_score(labels[160:], clf.predict_dist(X[160:]), classes=clf.classes_), rel=1e-12)
    # the failing call: a log loss on the regressor (there the NLL of the predicted density)
    reg = _reg().fit(X, Y)
    assert get_scorer("neg_log_loss")(reg, X, Y) == pytest.approx(-metrics.nll(Y, reg.predict_dist(X)))


def test_survival_scorers_on_ngbsurvival():
    T = np.exp(0.5 * X[:, 0] + 0.5 * RNG.normal(size=240))
    C = RNG.exponential(3, 240)
    y = make_y(np.minimum(T, C), T <= C)
    model = ngb.NGBSurvival(n_estimators=10, learning_rate=0.1, random_state=0).fit(X[:160], y[:160])
    d = model.predict_dist(X[160:])
    yt = y[160:]
    expected = {
        "neg_censored_nll": -metrics.censored_nll(yt, d),
        "neg_censored_crps": -metrics.censored_crps(yt, d),
        "neg_integrated_brier_score": -metrics.integrated_brier_score(yt, d),
        "concordance_index": metrics.concordance_index(yt, d),
        "concordance_index_ipcw": metrics.concordance_index_ipcw(yt, d),
    }
    for name, value in expected.items():
        assert get_scorer(name)(model, X[160:], yt) == pytest.approx(value, rel=1e-12), name
    assert expected["concordance_index"] == pytest.approx(model.concordance(X[160:], yt), abs=0.02)
    scores = cross_val_score(ngb.NGBSurvival(n_estimators=10, learning_rate=0.1), X, y, cv=2,
                             scoring=get_scorer("neg_censored_crps"))
    assert np.all(np.isfinite(scores)) and np.all(scores < 0)


def test_get_scorer_names():
    assert repr(get_scorer("r2")) == repr(sk_get_scorer("r2"))
    fn = lambda est, X, y: 0.0  # noqa: E731
    assert get_scorer(fn) is fn
    with pytest.raises(ValueError, match="neither an ngb scorer"):
        get_scorer("neg_unknown")
    assert get_scorer("neg_interval_score_95").kwargs == {"level": 0.95}
