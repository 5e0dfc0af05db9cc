"""Reference worker for benchmarks/uci.py: ngboost 0.6.0 on one UCI split, paper protocol.

Runs inside ngboost's own virtual environment (``benchmarks/envs.py``): reads a JSON object on
stdin, prints one JSON object as its last stdout line. Input keys: ``dir`` (the dataset folder with
data.txt and the index files), ``split``, ``fit_rows`` / ``val_rows`` (positions within the training
split, chosen by uci.py so both libraries see the same validation rows), ``n_estimators``,
``learning_rate``, ``max_depth``.

Protocol: fit ngboost on the fit rows with the validation rows passed to ``fit`` (no early
stopping: all iterations run and the validation log score is recorded after each), take the
argmin, refit on the whole training split with that many iterations, score the test split.
"""

import json
import os
import sys
import time

import numpy as np


def _ints(path):
    return np.atleast_1d(np.loadtxt(path, dtype=float)).astype(np.int64)


def main():
    args = json.loads(sys.stdin.read())
    from ngboost import NGBRegressor
    from ngboost.distns import Normal
    from ngboost.scores import LogScore
    from sklearn.tree import DecisionTreeRegressor

    d, split = args["dir"], int(args["split"])
    data = np.loadtxt(os.path.join(d, "data.txt"), dtype=float, ndmin=2)
    features = _ints(os.path.join(d, "index_features.txt"))
    target = int(_ints(os.path.join(d, "index_target.txt"))[0])
    train = _ints(os.path.join(d, f"index_train_{split}.txt"))
    test = _ints(os.path.join(d, f"index_test_{split}.txt"))
    X, y = data[:, features], data[:, target]
    X_train, y_train, X_test, y_test = X[train], y[train], X[test], y[test]
    fit_rows, val_rows = np.asarray(args["fit_rows"]), np.asarray(args["val_rows"])

    def model(n_estimators):
        return NGBRegressor(
            Dist=Normal,
            Score=LogScore,
            Base=DecisionTreeRegressor(criterion="friedman_mse", max_depth=int(args["max_depth"])),
            n_estimators=int(n_estimators),
            learning_rate=float(args["learning_rate"]),
            verbose=False,
        )

    t0 = time.perf_counter()
    m = model(args["n_estimators"])
    m.fit(X_train[fit_rows], y_train[fit_rows], X_val=X_train[val_rows], Y_val=y_train[val_rows])
    val_curve = np.asarray(m.evals_result["val"]["LOGSCORE"])  # entry i: after i + 1 iterations
    best_iter = int(np.argmin(val_curve)) + 1

    final = model(best_iter)
    final.fit(X_train, y_train)
    dist = final.pred_dist(X_test)
    nll = float(-np.mean(dist.logpdf(y_test)))
    rmse = float(np.sqrt(np.mean((dist.loc - y_test) ** 2)))
    print(json.dumps({
        "best_iter": best_iter,
        "val_nll": float(val_curve[best_iter - 1]),
        "nll": nll,
        "rmse": rmse,
        "seconds": time.perf_counter() - t0,
    }))


if __name__ == "__main__":
    main()
