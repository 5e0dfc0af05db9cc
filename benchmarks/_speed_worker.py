"""One timed fit + prediction, run inside a competitor's own environment by benchmarks/speed.py.

Reads JSON arguments on stdin: lib (ngb, ngboost, catboost, lightgbm, xgbdist), task (normal,
poisson, categorical, friedman; for ngb also family:<name>, NGBRegressor with that family, and
survival:<name>, NGBSurvival on [time, event] targets, both reporting the test NLL), data (path of an .npz with X_train, y_train, X_test, y_test),
n_estimators, learning_rate, depth, n_jobs, warmup (default true: an untimed 2-iteration fit of the
same model on the same rows first, so the timed fit runs in a warm process). Prints one JSON line: fit_s, predict_s, nll, crps
(Normal tasks), peak_rss_mb (this process's peak resident memory, data included).
"""

import json
import resource
import sys
import time

import numpy as np
from scipy import stats
from scipy.special import ndtr


def crps_normal(y, loc, scale):
    z = (y - loc) / scale
    return np.mean(scale * (z * (2 * ndtr(z) - 1) + 2 * stats.norm.pdf(z) - 1 / np.sqrt(np.pi)))


def nll_from(task, params, y):
    if task in ("normal", "friedman"):
        return float(-stats.norm.logpdf(y, params["loc"], params["scale"]).mean())
    if task == "poisson":
        return float(-stats.poisson.logpmf(y, params["mu"]).mean())
    probs = params["probs"]
    return float(-np.log(np.clip(probs[np.arange(len(y)), y.astype(int)], 1e-300, None)).mean())


def fit_predict(a, X, y, Xt):
    lib, task = a["lib"], a["task"]
    M, lr, depth, n_jobs = a["n_estimators"], a["learning_rate"], a["depth"], a["n_jobs"]
    if lib == "ngb":
        import ngb
        import ngb.tree

        kind, _, family = task.partition(":")
        if family:  # "family:<name>" (NGBRegressor) or "survival:<name>" (NGBSurvival, censored log score)
            estimator = ngb.NGBSurvival if kind == "survival" else ngb.NGBRegressor
            model = estimator(dist=family, n_estimators=M, learning_rate=lr, early_stopping=False, max_scaling=256.0, n_jobs=n_jobs,
                              random_state=0, base=ngb.tree.HistTreeRegressor(max_depth=depth))
            t0 = time.perf_counter()
            model.fit(X, y)
            fit_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            d = model.predict_dist(Xt)
            predict_s = time.perf_counter() - t0
            if kind == "survival":
                t, event = a["_yt"][:, 0], a["_yt"][:, 1]
                nll = -np.where(event > 0, d.logpdf(t), d.logsf(t))
            else:
                nll = -d.logpdf(a["_yt"])
            return fit_s, predict_s, {"nll": float(np.mean(nll))}
        if task == "categorical":  # ngboost's parametrisation (K - 1 logits relative to class 0), not the default
            model = ngb.NGBClassifier(dist="categorical", n_estimators=M, learning_rate=lr, early_stopping=False,
                                      max_scaling=256.0, n_jobs=n_jobs, random_state=0)
        else:
            dist = "poisson" if task == "poisson" else "normal"
            model = ngb.NGBRegressor(dist=dist, n_estimators=M, learning_rate=lr, early_stopping=False, max_scaling=256.0, n_jobs=n_jobs, random_state=0)
        if a.get("base") == "sklearn":  # scikit-learn's exact tree, for the accuracy check of the default
            from sklearn.tree import DecisionTreeRegressor

            model.set_params(base=DecisionTreeRegressor(max_depth=depth))
        else:
            model.set_params(base=ngb.tree.HistTreeRegressor(max_depth=depth))
        t0 = time.perf_counter()
        model.fit(X, y)
        fit_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        d = model.predict_dist(Xt)
        params = {"probs": d.probs} if task == "categorical" else d.params
        return fit_s, time.perf_counter() - t0, params
    if lib == "ngboost":
        from ngboost import NGBClassifier, NGBRegressor
        from ngboost.distns import Normal, Poisson, k_categorical
        from sklearn.tree import DecisionTreeRegressor

        base = DecisionTreeRegressor(criterion="friedman_mse", max_depth=depth)
        common = dict(Base=base, n_estimators=M, learning_rate=lr, verbose=False, n_jobs=n_jobs, random_state=0)
        if task == "categorical":
            model = NGBClassifier(Dist=k_categorical(int(y.max()) + 1), **common)
        else:
            model = NGBRegressor(Dist=Poisson if task == "poisson" else Normal, **common)
        t0 = time.perf_counter()
        model.fit(X, y)
        fit_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        if task == "categorical":
            params = {"probs": model.predict_proba(Xt)}
        else:
            params = model.pred_dist(Xt).params
        return fit_s, time.perf_counter() - t0, params
    if lib == "catboost":
        from catboost import CatBoostRegressor

        model = CatBoostRegressor(
            loss_function="RMSEWithUncertainty", iterations=M, learning_rate=lr, depth=depth,
            thread_count=n_jobs if n_jobs and n_jobs > 0 else -1, verbose=0, random_seed=0, allow_writing_files=False,
        )
        t0 = time.perf_counter()
        model.fit(X, y)
        fit_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        pred = model.predict(Xt)  # columns: mean, variance
        return fit_s, time.perf_counter() - t0, {"loc": pred[:, 0], "scale": np.sqrt(pred[:, 1])}
    if lib == "xgbdist":
        from xgboost_distribution import XGBDistribution

        model = XGBDistribution(
            distribution="normal", n_estimators=M, learning_rate=lr, max_depth=depth, n_jobs=n_jobs, tree_method="hist"
        )
        t0 = time.perf_counter()
        model.fit(X, y)
        fit_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        pred = model.predict(Xt)
        return fit_s, time.perf_counter() - t0, {"loc": np.asarray(pred.loc, float), "scale": np.asarray(pred.scale, float)}
    if lib == "lightgbm":  # point forecasts only: 2 x M plain trees as a speed yardstick
        from lightgbm import LGBMRegressor

        model = LGBMRegressor(
            n_estimators=2 * M, learning_rate=lr, max_depth=depth, num_leaves=2**depth, n_jobs=n_jobs, verbose=-1
        )
        t0 = time.perf_counter()
        model.fit(X, y)
        fit_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        model.predict(Xt)
        return fit_s, time.perf_counter() - t0, None
    raise ValueError(lib)


def main():
    a = json.loads(sys.stdin.read())
    data = np.load(a["data"])
    X, y, Xt, yt = data["X_train"], data["y_train"], data["X_test"], data["y_test"]
    a["_yt"] = yt
    if a.get("warmup", True):
        # every library first fits the same model on the same rows for 2 iterations (untimed): the
        # timed fit below is then a fit in a warm process (ngb: kernels compiled at install, its
        # modules loaded; others: lazy imports and their own first-call costs)
        fit_predict({**a, "n_estimators": min(int(a["n_estimators"]), 2)}, X, y, Xt)
    fit_s, predict_s, params = fit_predict(a, X, y, Xt)
    out = {"fit_s": fit_s, "predict_s": predict_s, "nll": None, "crps": None}
    if params is not None and ":" in a["task"]:
        out["nll"] = params["nll"]
    elif params is not None:
        out["nll"] = nll_from(a["task"], params, yt)
        if a["task"] in ("normal", "friedman"):
            out["crps"] = float(crps_normal(yt, np.asarray(params["loc"]), np.asarray(params["scale"])))
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))


if __name__ == "__main__":
    main()
