"""One FLCHAIN fit + test prediction, run in a competitor's own environment by benchmarks/flchain.py.

Reads JSON arguments on stdin:
  lib    "ngboost" (ngboost 0.6.0 NGBSurvival, LogNormal, env "ngboost") or "cox" (scikit-survival
         CoxPHSurvivalAnalysis, env "survival")
  data   path of an .npz with X_fit, T_fit, E_fit (the training part the booster learns from),
         X_val, T_val, E_val (the validation part, for early stopping), X_test, and X_train, T_train,
         E_train (fit part + validation part: the whole training split, what Cox is fitted on)
  plus lib options: n_estimators, learning_rate, early_stopping_rounds (ngboost); alpha (cox).

Prints one JSON line with fit_s (seconds of the fit call alone) and the test predictions:
ngboost -> "s" and "scale" (scipy.stats.lognorm parameters, one per test row), "n_iter" (best
validation iteration + 1, the number of iterations used to predict), "n_fitted";
cox -> "risk" (linear predictor X @ coef_ on standardised columns) and "coef".
The driver computes every metric from these, identically for all models.
"""

import json
import sys
import time

import numpy as np


def run_ngboost(a, d):
    from ngboost import NGBSurvival
    from ngboost.distns import LogNormal
    from scipy import stats

    model = NGBSurvival(
        Dist=LogNormal,
        n_estimators=a["n_estimators"],
        learning_rate=a["learning_rate"],
        early_stopping_rounds=a["early_stopping_rounds"],
        verbose=False,
        random_state=a.get("random_state", 0),
    )
    t0 = time.perf_counter()
    model.fit(d["X_fit"], d["T_fit"], d["E_fit"], X_val=d["X_val"], T_val=d["T_val"], E_val=d["E_val"])
    fit_s = time.perf_counter() - t0
    n_fitted = len(model.base_models)
    # ngboost keeps the early_stopping_rounds iterations after the best one; predict at the best.
    n_iter = n_fitted if model.best_val_loss_itr is None else int(model.best_val_loss_itr) + 1
    dist = model.pred_dist(d["X_test"], max_iter=n_iter)
    params = dist.params
    s, scale = np.asarray(params["s"], float), np.asarray(params["scale"], float)
    # check that params are scipy.stats.lognorm's (s = sigma of log T, scale = exp(mu)): the
    # distribution's own logpdf must match scipy's with them
    t_probe = np.full(len(s), float(np.median(d["T_fit"])))
    ok = np.allclose(dist.logpdf(t_probe), stats.lognorm.logpdf(t_probe, s, scale=scale), rtol=1e-10, atol=1e-10)
    if not ok:
        raise AssertionError("ngboost LogNormal params are not scipy.stats.lognorm(s, scale=scale)")
    return {"fit_s": fit_s, "s": s.tolist(), "scale": scale.tolist(), "n_iter": n_iter, "n_fitted": n_fitted}


def run_cox(a, d):
    from sklearn.preprocessing import StandardScaler
    from sksurv.linear_model import CoxPHSurvivalAnalysis
    from sksurv.util import Surv

    X, Xt = d["X_train"], d["X_test"]
    y = Surv.from_arrays(event=d["E_train"].astype(bool), time=d["T_train"])
    t0 = time.perf_counter()
    scaler = StandardScaler().fit(X)
    model = CoxPHSurvivalAnalysis(alpha=a["alpha"], ties="breslow").fit(scaler.transform(X), y)
    fit_s = time.perf_counter() - t0
    risk = model.predict(scaler.transform(Xt))
    return {"fit_s": fit_s, "risk": np.asarray(risk, float).tolist(), "coef": model.coef_.tolist()}


def main():
    a = json.loads(sys.stdin.read())
    d = dict(np.load(a["data"]))
    out = {"ngboost": run_ngboost, "cox": run_cox}[a["lib"]](a, d)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
