"""NGBSurvival through scikit-survival's own metrics and scorers, exactly as its models are used.

scikit-survival reads ``predict`` as a risk score (higher = earlier event) and calls
``predict_survival_function(X)`` without times (an array of callables). Every value here is
recomputed by hand from the predicted distribution with scipy (the median, S(t), H(t)) and passed
to scikit-survival's functions, and checked against ngb.metrics' own implementation; on FLCHAIN
the same scorers are run on scikit-survival's Cox model, whose values ngb's must be near.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from scipy import stats
from sklearn.model_selection import GridSearchCV, KFold

import ngb
from ngb import metrics
from ngb.datasets import load_flchain
from ngb.survival import TimeFunction, make_y

sks = pytest.importorskip("sksurv.metrics")
from sksurv.linear_model import CoxPHSurvivalAnalysis  # noqa: E402
from sksurv.nonparametric import kaplan_meier_estimator  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


def _lognorm(model, X):
    """scipy's frozen lognorm of each row's predicted LogNormal (the by-hand oracle)."""
    p = model.predict_dist(X).params
    return stats.lognorm(p["s"][:, None], scale=p["scale"][:, None])


def _synthetic(n=300, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    T = np.exp(1.0 + 0.6 * X[:, 0] + 0.4 * rng.normal(size=n))
    C = rng.exponential(6.0, n)
    return X, make_y(np.round(np.minimum(T, C), 2) + 0.01, T <= C)  # rounded: ties in time


def test_predict_is_a_risk_score_and_predict_median_the_time():
    X, y = _synthetic()
    model = ngb.NGBSurvival(n_estimators=30, random_state=0).fit(X, y)
    median = _lognorm(model, X).median()[:, 0]
    np.testing.assert_allclose(model.predict_median(X), median, rtol=1e-12)
    np.testing.assert_array_equal(model.predict(X), -model.predict_median(X))
    assert model.concordance(X, y) == pytest.approx(
        sks.concordance_index_censored(y["event"], y["time"], -median)[0], rel=1e-12)
    assert model.concordance(X, y) > 0.7  # a risk: the shorter-lived rows rank higher


def test_survival_and_cumulative_hazard_functions_follow_scikit_survival():
    """Without times: an object array (n,) of callables with .x (unique_times_), .y and domain,
    as CoxPHSurvivalAnalysis returns (same grid: its unique_times_ on the same data);
    return_array=True: the values on that grid; with times: the values there. Against scipy."""
    X, y = _synthetic()
    model = ngb.NGBSurvival(n_estimators=30, random_state=0).fit(X, y)
    cox = CoxPHSurvivalAnalysis().fit(X, y)
    np.testing.assert_array_equal(model.unique_times_, cox.unique_times_)
    np.testing.assert_array_equal(model.unique_times_, np.unique(y["time"]))
    frozen = _lognorm(model, X[:5])
    for method, oracle in (("predict_survival_function", lambda t: frozen.sf(t)),
                           ("predict_cumulative_hazard_function", lambda t: -frozen.logsf(t))):
        functions = getattr(model, method)(X[:5])
        reference = getattr(cox, method)(X[:5])
        assert type(functions) is type(reference) and functions.shape == reference.shape == (5,)
        assert functions.dtype == reference.dtype == object
        assert all(isinstance(fn, TimeFunction) for fn in functions)
        grid = model.unique_times_
        expected = oracle(grid[None, :])
        np.testing.assert_allclose(np.vstack([fn(grid) for fn in functions]), expected, rtol=1e-12)
        np.testing.assert_allclose(np.vstack([fn.y for fn in functions]), expected, rtol=1e-12)
        assert all(fn.x is grid for fn in functions) and functions[0].domain == (0.0, np.inf)
        value = functions[1](2.5)
        assert np.ndim(value) == 0 and value == pytest.approx(oracle(np.full((5, 1), 2.5))[1, 0], rel=1e-12)
        np.testing.assert_allclose(functions[2]([[1.0, 2.0], [3.0, 4.0]]),
                                   oracle(np.array([[1.0, 2.0, 3.0, 4.0]]))[2].reshape(2, 2), rtol=1e-12)
        array = getattr(model, method)(X[:5], return_array=True)
        assert array.shape == (5, grid.size) == getattr(cox, method)(X[:5], return_array=True).shape
        np.testing.assert_allclose(array, expected, rtol=1e-12)
        times = np.array([0.5, 2.0, 7.0])
        np.testing.assert_allclose(getattr(model, method)(X[:5], times), oracle(times[None, :]), rtol=1e-12)


def test_unique_times_are_those_of_the_rows_fitted_on():
    X, y = _synthetic()
    w = np.where(np.arange(len(y)) % 4 == 0, 0.0, 1.0)  # zero-weight rows are removed rows
    model = ngb.NGBSurvival(n_estimators=5, random_state=0).fit(X, y, sample_weight=w)
    np.testing.assert_array_equal(model.unique_times_, np.unique(y["time"][w > 0]))


def test_scikit_survival_grid_search_with_its_scorer():
    """scikit-survival's pattern: GridSearchCV over as_concordance_index_ipcw_scorer(NGBSurvival());
    each fold's score is its concordance_index_ipcw of -median computed by hand."""
    X, y = _synthetic(240, seed=3)
    params = dict(n_estimators=15, random_state=0)
    tau = np.percentile(y["time"], 80)  # the censoring survival must stay positive up to tau in every fold
    search = GridSearchCV(sks.as_concordance_index_ipcw_scorer(ngb.NGBSurvival(**params), tau=tau),
                          {"estimator__learning_rate": [0.05, 0.2]}, cv=KFold(2)).fit(X, y)
    for k, (train, test) in enumerate(KFold(2).split(X)):
        model = ngb.NGBSurvival(learning_rate=0.2, **params).fit(X[train], y[train])
        expected = sks.concordance_index_ipcw(y[train], y[test], -_lognorm(model, X[test]).median()[:, 0], tau=tau)[0]
        assert search.cv_results_[f"split{k}_test_score"][1] == pytest.approx(expected, rel=1e-12)


def _flchain():
    env = os.environ.get("NGB_DATA_HOME")
    home = Path(env) if env else REPO.parent / "shared" / "datasets"
    if not (home / "flchain" / "flchain.csv").is_file():
        pytest.skip(f"FLCHAIN not found under {home} (set NGB_DATA_HOME)")
    X, time, event = load_flchain(data_home=home, download=False, return_X_y=True)
    return X, make_y(time, event)


def _numeric(X):
    """A numeric matrix for the Cox model: creatinine median-imputed plus a missing flag, sex 0/1."""
    creat = X["creatinine"].to_numpy(float)
    cols = [X[c].to_numpy(float) for c in ("age", "sample.yr", "kappa", "lambda", "flc.grp", "mgus")]
    cols += [(X["sex"].astype(str) == "M").to_numpy(float), np.where(np.isnan(creat), np.nanmedian(creat), creat),
             np.isnan(creat).astype(float)]
    M = np.column_stack(cols)
    return (M - M.mean(axis=0)) / M.std(axis=0)


@pytest.fixture(scope="module")
def flchain():
    X, y = _flchain()
    idx = np.random.default_rng(0).permutation(len(y))
    train, test = idx[:2500], idx[2500:4500]
    times = np.percentile(y["time"][train], [10, 25, 50, 75, 90])
    return X, _numeric(X), y, train, test, times


NGB = dict(n_estimators=60, learning_rate=0.05, random_state=0)


def test_flchain_scikit_survival_scorers_on_ngb_and_cox(flchain):
    """The three scorers on NGBSurvival give scikit-survival's metric of the by-hand predictions
    (and ngb.metrics' value); on the same rows they are near those of scikit-survival's Cox model
    (the IPCW concordance was 0.21 for C ~ 0.79: predict was the median time, read as a risk)."""
    X, M, y, train, test, times = flchain
    Xtr, Xte, ytr, yte = X.iloc[train], X.iloc[test], y[train], y[test]
    cox = {}
    for name, wrap in (("ipcw", lambda e: sks.as_concordance_index_ipcw_scorer(e)),
                       ("auc", lambda e: sks.as_cumulative_dynamic_auc_scorer(e, times=times)),
                       ("ibs", lambda e: sks.as_integrated_brier_score_scorer(e, times=times))):
        cox[name] = wrap(CoxPHSurvivalAnalysis(alpha=1e-4)).fit(M[train], ytr).score(M[test], yte)
        scorer = wrap(ngb.NGBSurvival(**NGB)).fit(Xtr, ytr)
        got = scorer.score(Xte, yte)
        frozen = _lognorm(scorer.estimator_, Xte)
        risk = -frozen.median()[:, 0]
        d = scorer.estimator_.predict_dist(Xte)
        if name == "ipcw":
            expected = sks.concordance_index_ipcw(ytr, yte, risk)[0]
            assert metrics.concordance_index_ipcw(yte, d, y_train=ytr) == pytest.approx(expected, rel=1e-12)
            assert got > 0.7 and abs(got - cox[name]) < 0.04
        elif name == "auc":
            expected = sks.cumulative_dynamic_auc(ytr, yte, risk, times)[1]
            assert got > 0.7 and abs(got - cox[name]) < 0.04
        else:
            expected = -sks.integrated_brier_score(ytr, yte, frozen.sf(times[None, :]), times)
            assert -metrics.integrated_brier_score(yte, d, times, y_train=ytr) == pytest.approx(expected, rel=1e-12)
            # better than the Kaplan-Meier curve of the training rows for every row, near Cox
            km_t, km_s = kaplan_meier_estimator(ytr["event"], ytr["time"])
            km = np.tile(km_s[np.searchsorted(km_t, times, side="right") - 1], (len(test), 1))
            assert got > -sks.integrated_brier_score(ytr, yte, km, times) and abs(got - cox[name]) < 0.01
        assert got == pytest.approx(expected, rel=1e-12), name


def test_flchain_scikit_survival_metrics_on_ngb_predictions(flchain):
    """integrated_brier_score and cumulative_dynamic_auc called directly, with the predictions in
    each form NGBSurvival gives them, equal the by-hand values."""
    X, _, y, train, test, times = flchain
    model = ngb.NGBSurvival(**NGB).fit(X.iloc[train], y[train])
    Xte, ytr, yte = X.iloc[test], y[train], y[test]
    frozen = _lognorm(model, Xte)
    by_hand = sks.integrated_brier_score(ytr, yte, frozen.sf(times[None, :]), times)
    functions = model.predict_survival_function(Xte)
    for estimate in (model.predict_survival_function(Xte, times), np.vstack([fn(times) for fn in functions])):
        assert sks.integrated_brier_score(ytr, yte, estimate, times) == pytest.approx(by_hand, rel=1e-12)
    auc, mean_auc = sks.cumulative_dynamic_auc(ytr, yte, model.predict(Xte), times)
    np.testing.assert_allclose(auc, sks.cumulative_dynamic_auc(ytr, yte, -frozen.median()[:, 0], times)[0], rtol=1e-12)
    # time-dependent risk: the cumulative hazard at each time
    chf = model.predict_cumulative_hazard_function(Xte, times)
    np.testing.assert_allclose(chf, -frozen.logsf(times[None, :]), rtol=1e-12)
    auc_t, _ = sks.cumulative_dynamic_auc(ytr, yte, chf, times)
    assert np.all(auc_t > 0.7) and np.all(auc > 0.7)
