"""ngb.compat.ngboost: ngboost 0.6.0's API on ngb's engine.

The first tests run code written for ngboost with only the import changed; the last compare with
ngboost itself, run in its own environment (``NGB_NGBOOST_PYTHON`` or /work/bench-envs/ngboost),
and skip when that environment is absent."""

import json
import os
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris
from sklearn.model_selection import train_test_split
from sklearn.tree import DecisionTreeRegressor

from ngb.compat.ngboost import NGBClassifier, NGBRegressor, NGBSurvival, load_ngboost_model
from ngb.compat.ngboost.distns import (Bernoulli, Cauchy, Exponential, Gamma, Laplace, LogNormal, Normal, Poisson, T,
                                       TFixedDf, k_categorical)
from ngb.compat.ngboost.helpers import Y_from_censored
from ngb.compat.ngboost.learners import default_tree_learner
from ngb.compat.ngboost.manifold import manifold
from ngb.compat.ngboost.scores import CRPS, MLE, CRPScore, LogScore


@pytest.fixture(scope="module")
def diabetes():
    X, Y = load_diabetes(return_X_y=True)
    return train_test_split(X, Y, test_size=0.2, random_state=1)


@pytest.fixture(scope="module")
def fitted(diabetes):
    X_train, X_test, Y_train, Y_test = diabetes
    return NGBRegressor(n_estimators=100, verbose=False).fit(X_train, Y_train)


def test_quickstart_regression_runs_unchanged(diabetes):
    X_train, X_test, Y_train, Y_test = diabetes
    ngb = NGBRegressor(Dist=Normal, Score=LogScore, n_estimators=200, verbose=False).fit(X_train, Y_train)
    Y_preds = ngb.predict(X_test)
    Y_dists = ngb.pred_dist(X_test)
    test_MSE = np.mean((Y_preds - Y_test) ** 2)
    test_NLL = -Y_dists.logpdf(Y_test).mean()
    assert test_MSE < np.var(Y_test)  # better than the constant
    assert 5.0 < test_NLL < 6.0
    assert set(Y_dists.params) == {"loc", "scale"}
    assert Y_dists[0:5].params["loc"].shape == (5,)
    np.testing.assert_allclose(Y_dists.params["loc"], Y_preds)
    np.testing.assert_allclose(ngb.score(X_test, Y_test), -test_NLL)  # the reference's sign: higher is better


def test_reference_defaults():
    model = NGBRegressor()
    p = model.get_params(deep=False)
    assert p["Dist"] is Normal and p["Score"] is LogScore and p["Base"] is default_tree_learner
    assert (p["n_estimators"], p["learning_rate"], p["minibatch_frac"], p["col_sample"]) == (500, 0.01, 1.0, 1.0)
    assert (p["verbose"], p["verbose_eval"], p["tol"], p["validation_fraction"]) == (True, 100, 1e-4, 0.1)
    assert p["early_stopping_rounds"] is None and p["natural_gradient"] is True and p["random_state"] is None
    assert default_tree_learner.get_params()["max_depth"] == 3
    assert NGBClassifier().Dist is Bernoulli and NGBSurvival().Dist is LogNormal
    assert MLE is LogScore and CRPS is CRPScore


def test_get_set_params_and_clone_do_not_touch_the_default_learner():
    model = NGBRegressor(n_estimators=10)
    assert model.get_params()["Base__max_depth"] == 3
    model.set_params(Base__max_depth=5, learning_rate=0.05)
    assert model.get_params()["Base__max_depth"] == 5 and model.learning_rate == 0.05
    assert default_tree_learner.max_depth == 3  # the shared default is not changed
    copy = clone(model)
    assert copy.get_params()["Base__max_depth"] == 5 and copy.Base is not model.Base
    tree = NGBRegressor(Base=DecisionTreeRegressor(min_samples_leaf=3, max_depth=2))
    assert tree.get_params()["Base__min_samples_leaf"] == 3


def test_shapes_as_the_reference(fitted, diabetes):
    X_train, X_test, Y_train, Y_test = diabetes
    n, p = X_test.shape
    dist = fitted.pred_dist(X_test)
    assert len(dist) == n
    assert dist.sample(7).shape == (7, n)  # (m, n), not ngb's (n, m)
    assert fitted.pred_param(X_test).shape == (n, 2)
    assert fitted.init_params.shape == (2,)
    assert fitted.n_features == p
    fi = fitted.feature_importances_
    assert fi.shape == (2, p)
    np.testing.assert_allclose(fi.sum(axis=1), 1.0)
    assert len(fitted.base_models) == len(fitted.scalings) == len(fitted.col_idxs) == 100
    staged = fitted.staged_predict(X_test)
    assert len(staged) == 100
    np.testing.assert_allclose(staged[-1], fitted.predict(X_test))
    np.testing.assert_allclose(staged[9], fitted.predict(X_test, max_iter=10))
    np.testing.assert_allclose(fitted.staged_pred_dist(X_test, max_iter=10)[-1].params["scale"],
                               fitted.pred_dist(X_test, max_iter=10).params["scale"])
    assert len(fitted.evals_result["train"]["LOGSCORE"]) == 100 and "val" not in fitted.evals_result
    assert fitted.best_val_loss_itr is None
    # pred_param are the internal parameters: loc and log scale
    params = fitted.pred_param(X_test)
    np.testing.assert_allclose(np.exp(params[:, 1]), dist.scale)


def test_pred_param_matches_init_params_at_start(fitted, diabetes):
    X_train, _, Y_train, _ = diabetes
    np.testing.assert_allclose(fitted.init_params, [np.mean(Y_train), np.log(np.std(Y_train))], rtol=1e-6)


def test_validation_data_alone_does_not_stop_early(diabetes):
    X_train, X_test, Y_train, Y_test = diabetes
    model = NGBRegressor(n_estimators=300, learning_rate=0.05, verbose=False)
    model.fit(X_train, Y_train, X_val=X_test, Y_val=Y_test)
    val = model.evals_result["val"]["LOGSCORE"]
    assert len(model.base_models) == 300 and len(val) == 300  # ngb's own estimators would stop here
    assert model.best_val_loss_itr == int(np.argmin(val))
    best = model.pred_dist(X_test, max_iter=model.best_val_loss_itr + 1)
    np.testing.assert_allclose(-best.logpdf(Y_test).mean(), min(val), rtol=1e-6)


def test_early_stopping_rounds_stops_and_keeps_the_iterations_run(diabetes):
    X_train, X_test, Y_train, Y_test = diabetes
    model = NGBRegressor(n_estimators=1000, learning_rate=0.05, verbose=False)
    model.fit(X_train, Y_train, X_val=X_test, Y_val=Y_test, early_stopping_rounds=20)
    n = len(model.base_models)
    assert n < 1000
    assert n == model.best_val_loss_itr + 1 + 20  # every iteration run is kept, as in the reference
    constructor = NGBRegressor(n_estimators=1000, learning_rate=0.05, early_stopping_rounds=20, verbose=False,
                               random_state=0).fit(X_train, Y_train)  # splits validation_fraction off
    assert len(constructor.base_models) < 1000 and "val" in constructor.evals_result
    with pytest.raises(ValueError, match="sample weight"):
        NGBRegressor(n_estimators=5, verbose=False).fit(X_train, Y_train, X_val=X_test, Y_val=Y_test,
                                                        sample_weight=np.ones(len(Y_train)),
                                                        early_stopping_rounds=5)


def test_base_per_parameter(diabetes):
    """Base as a list of one learner per parameter (loc, scale), addressed as Base__0__max_depth."""
    X_train, X_test, Y_train, Y_test = diabetes
    model = NGBRegressor(Base=[DecisionTreeRegressor(max_depth=1), DecisionTreeRegressor(max_depth=4)],
                         n_estimators=20, verbose=False)
    params = model.get_params()
    assert params["Base__0__max_depth"] == 1 and params["Base__1__max_depth"] == 4
    model.set_params(Base__0__max_depth=2)
    assert model.Base[0].max_depth == 2 and clone(model).get_params()["Base__0__max_depth"] == 2
    model.fit(X_train, Y_train)
    depths = np.array([[tree.get_depth() for tree in iteration] for iteration in model.base_models])
    assert depths[:, 0].max() == 2 and depths[:, 1].max() > 2
    same = NGBRegressor(Base=[DecisionTreeRegressor(max_depth=3)] * 2, n_estimators=20, verbose=False,
                        random_state=0).fit(X_train, Y_train)
    one = NGBRegressor(Base=DecisionTreeRegressor(max_depth=3), n_estimators=20, verbose=False,
                       random_state=0).fit(X_train, Y_train)
    np.testing.assert_array_equal(same.predict(X_test), one.predict(X_test))


def test_decision_tree_base_and_subsampling(diabetes):
    X_train, X_test, Y_train, Y_test = diabetes
    model = NGBRegressor(Base=DecisionTreeRegressor(max_depth=3), n_estimators=50,
                         minibatch_frac=0.5, col_sample=0.5, random_state=0, verbose=False).fit(X_train, Y_train)
    assert model.feature_importances_.shape == (2, X_train.shape[1])
    assert all(len(c) == 5 for c in model.col_idxs)
    again = clone(model).fit(X_train, Y_train)
    np.testing.assert_allclose(again.predict(X_test), model.predict(X_test))


def test_crps_score_sign(diabetes):
    X_train, X_test, Y_train, Y_test = diabetes
    model = NGBRegressor(Score=CRPScore, n_estimators=50, verbose=False).fit(X_train, Y_train)
    assert "CRPSCORE" in model.evals_result["train"]
    d = model.pred_dist(X_test)
    z = (Y_test - d.loc) / d.scale
    from scipy.stats import norm

    crps = d.scale * (z * (2 * norm.cdf(z) - 1) + 2 * norm.pdf(z) - 1 / np.sqrt(np.pi))
    np.testing.assert_allclose(model.score(X_test, Y_test), -crps.mean(), rtol=1e-8)


def test_classifier_quickstart():
    X, y = load_breast_cancer(return_X_y=True)
    X_train, X_test, Y_train, Y_test = train_test_split(X, y, test_size=0.2, random_state=0)
    ngb_cls = NGBClassifier(Dist=k_categorical(2), Score=LogScore, n_estimators=100, verbose=False)
    ngb_cls.fit(X_train, Y_train)
    proba = ngb_cls.predict_proba(X_test)
    assert proba.shape == (len(Y_test), 2)
    assert np.mean(ngb_cls.predict(X_test) == Y_test) > 0.9
    dist = ngb_cls.pred_dist(X_test)
    assert set(dist.params) == {"p0", "p1"}
    np.testing.assert_allclose(dist.params["p1"], proba[:, 1])
    np.testing.assert_allclose(ngb_cls.score(X_test, Y_test), np.mean(np.log(proba[np.arange(len(Y_test)), Y_test])))
    assert ngb_cls.feature_importances_.shape == (1, X.shape[1])
    assert dist.sample(4).shape == (4, len(Y_test))


def test_k_categorical_labels_and_pickle(tmp_path):
    X, y = load_iris(return_X_y=True)
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    model = NGBClassifier(Dist=k_categorical(3), n_estimators=50, verbose=False).fit(X, labels)
    assert set(model.predict(X)) <= set(labels) and model.predict_proba(X).shape == (150, 3)
    assert model.pred_param(X).shape == (150, 2)
    assert len(model.staged_predict_proba(X, max_iter=5)) == 5
    import joblib

    joblib.dump(model, tmp_path / "m.pkl")
    loaded = load_ngboost_model(tmp_path / "m.pkl")
    np.testing.assert_allclose(loaded.predict_proba(X), model.predict_proba(X))
    assert loaded.Dist is k_categorical(3)
    np.testing.assert_allclose(pickle.loads(pickle.dumps(model)).predict_proba(X), model.predict_proba(X))


def _survival_data(n=600, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    T_event = np.exp(1.0 + 0.5 * X[:, 0] + 0.4 * rng.normal(size=n))
    C = np.exp(1.5 + 0.5 * rng.normal(size=n))
    return X, np.minimum(T_event, C), (T_event <= C).astype(int)


def test_survival_fit_predict_is_the_mean():
    X, T_, E = _survival_data()
    model = NGBSurvival(Dist=LogNormal, n_estimators=100, verbose=False).fit(X, T_, E)
    dist = model.pred_dist(X)
    assert set(dist.params) == {"s", "scale"}
    np.testing.assert_allclose(model.predict(X), dist.params["scale"] * np.exp(dist.params["s"] ** 2 / 2))
    assert np.corrcoef(model.predict(X), X[:, 0])[0, 1] > 0.8  # ngb's NGBSurvival.predict is a risk (minus)
    Y = Y_from_censored(T_, E)
    assert Y.dtype.names == ("Event", "Time")
    assert np.isfinite(model.score(X, Y)) and model.score(X, Y) == model.score(X, T_, E)
    exp = NGBSurvival(Dist=Exponential, Score=CRPScore, n_estimators=20, verbose=False).fit(X, T_, E, X_val=X,
                                                                                           T_val=T_, E_val=E)
    assert len(exp.evals_result["val"]["CRPSCORE"]) == 20
    with pytest.raises(ValueError, match="censored"):
        NGBSurvival(Dist=Normal, verbose=False).fit(X, T_, E)


@pytest.mark.parametrize("Dist, params, keys", [
    (Normal, [[0.5, 1.0], [0.0, np.log(2.0)]], {"loc", "scale"}),
    (LogNormal, [[0.5, 1.0], [0.0, np.log(0.5)]], {"s", "scale"}),
    (Exponential, [[0.5, 1.0]], {"scale"}),
    (Gamma, [[np.log(2.0), 0.0], [np.log(3.0), np.log(0.5)]], {"alpha", "beta"}),
    (Laplace, [[0.5, 1.0], [0.0, 0.3]], {"loc", "scale"}),
    (T, [[0.5, 1.0], [0.0, 0.3], [np.log(4.0), np.log(10.0)]], {"loc", "scale"}),
    (TFixedDf, [[0.5, 1.0], [0.0, 0.3]], {"loc", "scale"}),
    (Cauchy, [[0.5, 1.0], [0.0, 0.3]], {"loc", "scale"}),
    (Poisson, [[0.5, 1.0]], {"mu"}),
])
def test_distributions_follow_the_reference_parametrisation(Dist, params, keys):
    import scipy.stats as st

    d = Dist(np.array(params))
    assert set(d.params) == keys and len(d) == 2 and len(d[1:]) == 1
    p = np.asarray(params)
    y = np.array([0.7, 2.0]) if Dist is not Poisson else np.array([1.0, 3.0])
    expected = {
        Normal: lambda: st.norm(p[0], np.exp(p[1])).logpdf(y),
        LogNormal: lambda: st.lognorm(s=np.exp(p[1]), scale=np.exp(p[0])).logpdf(y),
        Exponential: lambda: st.expon(scale=np.exp(p[0])).logpdf(y),
        Gamma: lambda: st.gamma(a=np.exp(p[0]), scale=1 / np.exp(p[1])).logpdf(y),  # beta is a rate
        Laplace: lambda: st.laplace(p[0], np.exp(p[1])).logpdf(y),
        T: lambda: st.t(df=np.exp(p[2]), loc=p[0], scale=np.exp(p[1])).logpdf(y),
        TFixedDf: lambda: st.t(df=3, loc=p[0], scale=np.exp(p[1])).logpdf(y),
        Cauchy: lambda: st.cauchy(p[0], np.exp(p[1])).logpdf(y),
        Poisson: lambda: st.poisson(np.exp(p[0])).logpmf(y),
    }[Dist]()
    np.testing.assert_allclose(d.logpdf(y), expected, rtol=1e-10)
    np.testing.assert_allclose(d.dist.logpdf(y) if Dist is not Poisson else d.dist.logpmf(y), expected, rtol=1e-10)
    assert d.sample(3).shape == (3, 2)
    frozen = d.dist
    np.testing.assert_allclose(d.cdf(y), frozen.cdf(y), rtol=1e-9)
    if Dist not in (Cauchy,):
        np.testing.assert_allclose(d.mean(), frozen.mean(), rtol=1e-9)
    if Dist is not Poisson:
        np.testing.assert_allclose(d.ppf(0.3), frozen.ppf(0.3), rtol=1e-7)
    assert Dist.fit(frozen.rvs(size=(4000, 2), random_state=0)[:, 0]).shape == (len(params),)
    np.testing.assert_allclose(Dist._wrap(d._ngb)._params, p, atol=1e-12)


@pytest.mark.parametrize("Dist, params", [
    (Gamma, [[np.log(2.0), 0.3], [np.log(3.0), np.log(0.5)]]),
    (T, [[0.5, 1.0], [0.0, 0.3], [np.log(4.0), np.log(10.0)]]),
    (Normal, [[0.5, 1.0], [0.0, 0.3]]),
])
def test_manifold_gradient_is_in_the_reference_parametrisation(Dist, params):
    M = manifold(LogScore, Dist)
    p = np.asarray(params, dtype=float)
    y = np.array([0.7, 2.0])
    D = M(p)
    grad = D.d_score(y)
    assert grad.shape == (2, p.shape[0]) and D.metric().shape == (2, p.shape[0], p.shape[0])
    eps = 1e-6
    for j in range(p.shape[0]):
        up, down = p.copy(), p.copy()
        up[j] += eps
        down[j] -= eps
        np.testing.assert_allclose(grad[:, j], (M(up).score(y) - M(down).score(y)) / (2 * eps), rtol=1e-5, atol=1e-7)
    nat = D.grad(y, natural=True)
    np.testing.assert_allclose(np.einsum("nij,nj->ni", D.metric(), nat), grad, rtol=1e-8, atol=1e-12)
    assert np.isclose(D.total_score(y), D.score(y).mean())


# ---------------------------------------------------------------------- agreement with ngboost itself
def _reference_python():
    candidates = [os.environ.get("NGB_NGBOOST_PYTHON"), "/work/bench-envs/ngboost/bin/python"]
    for c in candidates:
        if c and os.path.exists(c):
            ok = subprocess.run([c, "-c", "import ngboost"], capture_output=True).returncode == 0
            if ok:
                return c
    return None


_SCRIPT = textwrap.dedent("""
    import json, sys
    import numpy as np
    from sklearn.datasets import load_breast_cancer, load_diabetes
    from sklearn.model_selection import train_test_split
    from sklearn.tree import DecisionTreeRegressor
    from {pkg} import NGBClassifier, NGBRegressor
    from {pkg}.distns import Bernoulli, LogNormal, Normal
    from {pkg}.scores import CRPScore, LogScore
    out = {{}}
    X, Y = load_diabetes(return_X_y=True)
    X_train, X_test, Y_train, Y_test = train_test_split(X, Y, test_size=0.2, random_state=1)
    for name, kw in [("default", {{}}), ("sklearn_tree", dict(Base=DecisionTreeRegressor(max_depth=3)))]:
        m = NGBRegressor(Dist=Normal, Score=LogScore, verbose=False, **kw).fit(X_train, Y_train)
        d = m.pred_dist(X_test)
        out[name] = dict(nll=float(-d.logpdf(Y_test).mean()), score=float(m.score(X_test, Y_test)),
                         mse=float(np.mean((m.predict(X_test) - Y_test) ** 2)), init=list(map(float, m.init_params)),
                         fi_shape=list(np.shape(m.feature_importances_)), sample_shape=list(d.sample(3).shape))
    m = NGBRegressor(Score=CRPScore, verbose=False, n_estimators=300).fit(X_train, Y_train)
    out["crps"] = float(m.score(X_test, Y_test))
    m = NGBRegressor(verbose=False, learning_rate=0.05, n_estimators=400).fit(X_train, Y_train, X_val=X_test,
                                                                               Y_val=Y_test)
    out["val"] = dict(n=len(m.base_models), best=int(m.best_val_loss_itr))
    X, y = load_breast_cancer(return_X_y=True)
    X_train, X_test, Y_train, Y_test = train_test_split(X, y, test_size=0.2, random_state=0)
    c = NGBClassifier(Dist=Bernoulli, verbose=False, n_estimators=200).fit(X_train, Y_train)
    out["cls"] = dict(score=float(c.score(X_test, Y_test)), acc=float(np.mean(c.predict(X_test) == Y_test)))
    print(json.dumps(out))
""")


def run_script(python, script, pkg, *args, timeout=1200):
    """The JSON that ``script`` (its ``{pkg}`` the package to import: "ngboost" or
    "ngb.compat.ngboost") prints last when run by ``python`` with the command-line ``args``."""
    res = subprocess.run([python, "-c", script.format(pkg=pkg), *map(str, args)], capture_output=True, text=True,
                         timeout=timeout)
    assert res.returncode == 0, res.stderr[-3000:]
    return json.loads(res.stdout.strip().splitlines()[-1])


def run_both(script, *args, timeout=1200):
    """(the reference's JSON, ngb.compat.ngboost's JSON) of ``script`` (see ``run_script``): ngboost
    0.6.0 in its own environment, then the compatibility layer here; skips when that environment is absent."""
    python = _reference_python()
    if python is None:
        pytest.skip("the ngboost reference environment is absent (set NGB_NGBOOST_PYTHON)")
    return (run_script(python, script, "ngboost", *args, timeout=timeout),
            run_script(sys.executable, script, "ngb.compat.ngboost", *args, timeout=timeout))


@pytest.fixture(scope="module")
def both():
    return run_both(_SCRIPT)


def test_agrees_with_the_reference(both):
    ref, ours = both
    for name in ("default", "sklearn_tree"):
        assert ours[name]["fi_shape"] == ref[name]["fi_shape"] == [2, 10]
        assert ours[name]["sample_shape"] == ref[name]["sample_shape"]
        np.testing.assert_allclose(ours[name]["init"], ref[name]["init"], rtol=1e-6)
        assert abs(ours[name]["nll"] - ref[name]["nll"]) < 0.03 * abs(ref[name]["nll"]), (name, ours[name], ref[name])
        assert np.sign(ours[name]["score"]) == np.sign(ref[name]["score"])
        assert abs(ours[name]["score"] - ref[name]["score"]) < 0.03 * abs(ref[name]["score"])
    assert ours["crps"] < 0 and abs(ours["crps"] - ref["crps"]) < 0.05 * abs(ref["crps"])
    assert ours["val"]["n"] == ref["val"]["n"] == 400
    assert abs(ours["cls"]["score"] - ref["cls"]["score"]) < 0.03
    assert abs(ours["cls"]["acc"] - ref["cls"]["acc"]) < 0.05
