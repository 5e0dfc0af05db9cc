"""One FLCHAIN fit + test prediction, run in a competitor's own environment by benchmarks/flchain.py.

Reads JSON arguments on stdin:
  lib    "ngboost" (ngboost 0.6.0 NGBSurvival, LogNormal, env "ngboost"), "cox" (scikit-survival
         CoxPHSurvivalAnalysis, env "survival") or "check" (scikit-survival's own metrics of given
         predictions, env "survival")
  data   path of an .npz with X_fit, T_fit, E_fit (the training part the booster learns from),
         X_val, T_val, E_val (the validation part, for early stopping), X_test, and X_train, T_train,
         E_train (fit part + validation part: the whole training split, what Cox is fitted on)
  plus lib options: n_estimators, learning_rate, early_stopping_rounds (ngboost); alpha and times
  (the Brier score grid) (cox). "check": data holds T_train, E_train, T_test, E_test, times and, per
  model m, risk_m (n_test,) and S_m (n_test, len(times)); models lists the m.

Prints one JSON line with fit_s (seconds of the fit call alone) and the test predictions:
ngboost -> "s" and "scale" (scipy.stats.lognorm parameters, one per test row), "n_iter" (best
validation iteration + 1, the number of iterations used to predict), "n_fitted";
cox -> "risk" (linear predictor X @ coef_ on standardised columns), "coef", "S" (the model's own
predict_survival_function of each test row at times: Breslow step functions), "event_times" (the
distinct event times of the training split) and "H0" (the cumulative baseline hazard there);
check -> per model: scikit-survival's concordance_index_censored, concordance_index_ipcw (G from
the training split) and integrated_brier_score of those predictions.
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
    risk = np.asarray(model.predict(scaler.transform(Xt)), float)
    times = np.asarray(a["times"], float)
    S = np.vstack([fn(times) for fn in model.predict_survival_function(scaler.transform(Xt))])
    event_times = np.unique(d["T_train"][d["E_train"] > 0])
    H0 = model.cum_baseline_hazard_(event_times)
    # S(t | x) = exp(-H0(t) exp(risk)): the parametrisation the driver's density relies on
    if not np.allclose(S, np.exp(-model.cum_baseline_hazard_(times)[None, :] * np.exp(risk)[:, None]), rtol=1e-10):
        raise AssertionError("Cox survival is not exp(-H0(t) exp(predict(x)))")
    return {"fit_s": fit_s, "risk": risk.tolist(), "coef": model.coef_.tolist(), "S": S.tolist(),
            "event_times": event_times.tolist(), "H0": np.asarray(H0, float).tolist()}


def run_check(a, d):
    from sksurv.metrics import concordance_index_censored, concordance_index_ipcw, integrated_brier_score
    from sksurv.util import Surv

    train = Surv.from_arrays(event=d["E_train"].astype(bool), time=d["T_train"])
    test = Surv.from_arrays(event=d["E_test"].astype(bool), time=d["T_test"])
    out = {}
    for m in a["models"]:
        risk = d[f"risk_{m}"]
        out[m] = {
            "c": concordance_index_censored(test["event"], test["time"], risk)[0],
            "c_ipcw": concordance_index_ipcw(train, test, risk)[0],
            "ibs": integrated_brier_score(train, test, d[f"S_{m}"], d["times"]),
        }
    return out


def main():
    a = json.loads(sys.stdin.read())
    d = dict(np.load(a["data"]))
    out = {"ngboost": run_ngboost, "cox": run_cox, "check": run_check}[a["lib"]](a, d)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
