"""Worker of benchmarks/defaults.py, run in a competitor's own environment (``benchmarks/envs.py``).

Reads a JSON object on stdin, prints one JSON object as its last stdout line.

``{"lib": "data", "name": ..., "out": path}`` (env "survival" for scikit-survival's bundled sets,
env "ngboost" for lifelines' ``rossi``, which ngboost 0.6.0 depends on): writes the data set as an
.npz (X float (n, p), time, event, columns) with scikit-survival's ``encode_categorical`` (one-hot
columns, first level dropped) for its sets.

``{"lib": "ngboost", "jobs": [{"data": npz, "task": ..., "seed": ...}, ...]}`` (env "ngboost"):
fits ngboost 0.6.0 with its defaults (``NGBRegressor(Dist=Normal | Poisson)``,
``NGBClassifier(Dist=Bernoulli | k_categorical(K))``, ``NGBSurvival(Dist=LogNormal)``; 500
iterations, learning rate 0.01, depth-3 scikit-learn trees, no early stopping) on X_train, y_train
of each job's .npz and returns the predicted parameters of the test rows (Normal: loc, scale;
Poisson: mu; classes: probs; LogNormal: s, scale as scipy.stats.lognorm) and the fit seconds.
"""

import json
import sys
import time

import numpy as np


def load_data(name, out):
    if name == "rossi":
        from lifelines.datasets import load_rossi

        df = load_rossi()
        time_, event = df.pop("week").to_numpy(float), df.pop("arrest").to_numpy(float)
        X = df.astype(float)
    else:
        from sksurv import datasets
        from sksurv.column import encode_categorical

        loader = {"whas500": datasets.load_whas500, "gbsg2": datasets.load_gbsg2,
                  "veterans": datasets.load_veterans_lung_cancer,
                  "aids": lambda: datasets.load_aids(endpoint="aids")}[name]
        X, y = loader()
        X = encode_categorical(X).astype(float)
        fields = y.dtype.names
        event = np.asarray(y[fields[0]], float)
        time_ = np.asarray(y[fields[1]], float)
    np.savez(out, X=X.to_numpy(float), time=time_, event=event, columns=np.asarray(list(X.columns), dtype=str))
    return {"rows": int(len(time_)), "columns": int(X.shape[1])}


def fit_ngboost(job):
    from ngboost import NGBClassifier, NGBRegressor, NGBSurvival
    from ngboost.distns import Bernoulli, LogNormal, Normal, Poisson, k_categorical

    d = np.load(job["data"])
    task, seed = job["task"], int(job["seed"])
    X, Xt = d["X_train"], d["X_test"]
    t0 = time.perf_counter()
    if task == "survival":
        model = NGBSurvival(Dist=LogNormal, random_state=seed, verbose=False).fit(X, d["time_train"], d["event_train"])
    elif task in ("binary", "multiclass"):
        k = int(job["n_classes"])
        model = NGBClassifier(Dist=Bernoulli if k == 2 else k_categorical(k), random_state=seed, verbose=False)
        model.fit(X, d["y_train"].astype(int))
    else:
        model = NGBRegressor(Dist=Normal if task == "normal" else Poisson, random_state=seed, verbose=False)
        model.fit(X, d["y_train"])
    seconds = time.perf_counter() - t0
    dist = model.pred_dist(Xt)
    if task in ("binary", "multiclass"):
        out = {"probs": np.asarray(model.predict_proba(Xt), float).tolist()}
    else:
        out = {k: np.asarray(v, float).tolist() for k, v in dist.params.items()}
    out["seconds"] = seconds
    return out


def main():
    a = json.loads(sys.stdin.read())
    if a["lib"] == "data":
        out = load_data(a["name"], a["out"])
    else:
        out = {"results": [fit_ngboost(job) for job in a["jobs"]]}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
