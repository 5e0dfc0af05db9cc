"""Poisson claim frequency on freMTPL2freq (678,013 French motor policies): ngb vs scikit-learn.

Data and split
--------------
``ngb.datasets.load_fremtpl2freq``. Target ``ClaimNb`` kept as is (0..16, no clipping), ``Exposure``
(years, 0.0027..2.01, no clipping) enters as an offset on the log rate. Features: VehPower, VehAge,
DrivAge, BonusMalus, log(Density) (numeric) and Area, VehBrand, VehGas, Region (pandas categorical).

The rows are *not* in random order (the claim rate of the first 10% of rows by IDpol is ~4x that of
the rest), so the split is by a hash of IDpol: ``u = splitmix64(IDpol) / 2**64``; test rows are
those with ``u >= 0.75`` (25%), the rest train. Within train, rows with
``splitmix64(IDpol ^ 0x5DEECE66D) / 2**64 < 0.1`` are the validation rows used for early stopping
(both models) and for choosing hyperparameters (``--tune``); the test rows are never used for any
choice.

Models
------
* ngb: ``NGBRegressor(dist="poisson")`` fitted on ClaimNb with ``offset=log(Exposure)``; predicted
  frequency = predicted mean / Exposure.
* scikit-learn: ``HistGradientBoostingRegressor(loss="poisson")`` fitted on ClaimNb / Exposure with
  ``sample_weight=Exposure`` (the same Poisson likelihood).

For both models ``--tune`` tries the four categorical features as native categories
(``categorical_features="from_dtype"``) and as their codes (sorted category labels) used as ordered
numbers (``categorical_features=None``; scikit-learn is given the codes as float columns).

Both: learning rate 0.1, up to 1000 iterations, early stopping on the same validation rows (patience
20 iterations), fitted on the other 90% of the training rows. Settings in NGB_PARAMS / HGB_PARAMS
(chosen with ``--tune`` on the validation rows). ngb gets ``tol=0``: its default ``tol=1e-4`` is an
absolute improvement of the mean NLL (about 0.21 here, gaining ~1e-5 per iteration), which stops the
fit after ~25 iterations; scikit-learn's default tol is 1e-7.

Metrics on the test rows
------------------------
* mean Poisson deviance of frequencies weighted by exposure (scikit-learn's
  ``mean_poisson_deviance(N/E, f_hat, sample_weight=E)``):
  ``D = sum_i E_i * 2 * (y_i log(y_i / f_i) - y_i + f_i) / sum_i E_i`` with ``y_i = N_i / E_i``
  (``y log y = 0`` at ``y = 0``);
* mean NLL of the counts: ``-mean_i log Poisson(N_i; f_i * E_i)``.

    python benchmarks/fremtpl.py            # fit both, print the table
    python benchmarks/fremtpl.py --tune     # validation grid for both models (slow)
    python benchmarks/fremtpl.py --write-readme
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
try:  # run as a script from anywhere: the installed ngb, else the repository's
    import ngb  # noqa: F401
except ImportError:
    sys.path.insert(0, str(REPO))

NUMERIC = ["VehPower", "VehAge", "DrivAge", "BonusMalus", "LogDensity"]
CATEGORICAL = ["Area", "VehBrand", "VehGas", "Region"]
TEST_FRACTION = 0.25
VAL_FRACTION = 0.1

#: ngb settings (base: ngb.tree.HistTreeRegressor(max_depth, min_samples_leaf, max_leaf_nodes,
#: categorical_features)); the best validation deviance of --tune: best-first trees of 127 leaves, min leaf
#: 200, categories as ordered codes (0.56623; native categorical splits: 0.56684 at best)
NGB_PARAMS = dict(learning_rate=0.1, n_estimators=1000, max_depth=None, max_leaf_nodes=127, min_samples_leaf=200,
                  n_iter_no_change=20, tol=0.0, max_scaling=256.0, categorical_features=None)
#: scikit-learn settings (everything else at its defaults); the best validation deviance of --tune: 127 leaves,
#: min leaf 100, categories as ordered codes (0.56614; native categorical splits: 0.56710 at best)
HGB_PARAMS = dict(learning_rate=0.1, max_iter=1000, max_leaf_nodes=127, min_samples_leaf=100, n_iter_no_change=20,
                  categorical_features=None)


def default_data_home():
    env = os.environ.get("NGB_DATA_HOME")
    if env:
        return env
    for cand in (REPO.parent / "shared" / "datasets", Path("../shared/datasets")):
        if cand.is_dir():
            return str(cand.resolve())
    return None


def _splitmix64(x):
    """SplitMix64 finaliser of uint64 array x (a fixed, well-mixed hash)."""
    with np.errstate(over="ignore"):
        z = np.asarray(x, dtype=np.uint64) + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def _unit(ids, salt=0):
    h = _splitmix64(np.asarray(ids, dtype=np.uint64) ^ np.uint64(salt))
    return (h >> np.uint64(11)).astype(np.float64) / float(1 << 53)


def load(data_home=None):
    """(X DataFrame, ClaimNb, Exposure, masks dict with 'train', 'test', 'fit', 'val')."""
    from ngb.datasets import load_fremtpl2freq

    df = load_fremtpl2freq(data_home=data_home)
    X = df[NUMERIC[:-1] + CATEGORICAL].copy()
    X["LogDensity"] = np.log(df["Density"].to_numpy(dtype=float))
    X = X[NUMERIC + CATEGORICAL]
    y = df["ClaimNb"].to_numpy(dtype=float)
    e = df["Exposure"].to_numpy(dtype=float)
    ids = df["IDpol"].to_numpy()
    test = _unit(ids) >= 1 - TEST_FRACTION
    val = ~test & (_unit(ids, 0x5DEECE66D) < VAL_FRACTION)
    masks = {"test": test, "train": ~test, "val": val, "fit": ~test & ~val}
    return X, y, e, masks


# --------------------------------------------------------------------------- metrics
def deviance(y, e, freq):
    """Mean Poisson deviance of frequencies N/E vs predicted frequencies, weighted by exposure."""
    from sklearn.metrics import mean_poisson_deviance

    return float(mean_poisson_deviance(y / e, freq, sample_weight=e))


def nll(y, e, freq):
    """Mean negative log-likelihood of the counts under Poisson(freq * exposure)."""
    from scipy.special import gammaln

    mu = freq * e
    return float(np.mean(mu - y * np.log(mu) + gammaln(y + 1)))


# --------------------------------------------------------------------------- models
def fit_ngb(X, y, e, masks, learning_rate, n_estimators, max_depth, min_samples_leaf, n_iter_no_change=20, tol=0.0,
            n_jobs=2, verbose=0, min_weight_leaf=0.0, max_leaf_nodes=None, categorical_features="from_dtype",
            max_scaling=256.0):
    import ngb
    from ngb.tree import HistTreeRegressor

    f, v = masks["fit"], masks["val"]
    model = ngb.NGBRegressor(
        dist="poisson",
        base=HistTreeRegressor(max_depth=max_depth, min_samples_leaf=min_samples_leaf, min_weight_leaf=min_weight_leaf,
                               max_leaf_nodes=max_leaf_nodes, categorical_features=categorical_features),
        n_estimators=n_estimators,
        learning_rate=learning_rate,
        early_stopping=True,
        n_iter_no_change=n_iter_no_change,
        tol=tol,
        max_scaling=max_scaling,  # (the grid of --tune was run with steps lengthened up to 256 times)
        n_jobs=n_jobs,
        random_state=0,
        verbose=verbose,
    )
    t0 = time.perf_counter()
    model.fit(X[f], y[f], offset=np.log(e[f]), X_val=X[v], y_val=y[v], offset_val=np.log(e[v]))
    seconds = time.perf_counter() - t0

    def predict_freq(mask):
        return model.predict_dist(X[mask], offset=np.log(e[mask])).mean() / e[mask]

    return model, predict_freq, seconds, int(model.n_iter_)


def fit_ngb_defaults(X, y, e, masks, n_jobs=2):
    """ngb with its defaults on every training row (its early stopping holds out 10% of them)."""
    import ngb

    t = masks["train"]
    model = ngb.NGBRegressor(dist="poisson", n_jobs=n_jobs, random_state=0)
    t0 = time.perf_counter()
    model.fit(X[t], y[t], offset=np.log(e[t]))
    seconds = time.perf_counter() - t0

    def predict_freq(mask):
        return model.predict_dist(X[mask], offset=np.log(e[mask])).mean() / e[mask]

    return model, predict_freq, seconds, int(model.n_iter_)


def fit_hgb_defaults(X, y, e, masks):
    """scikit-learn's defaults (Poisson loss) on every training row (its early stopping holds out 10%)."""
    from sklearn.ensemble import HistGradientBoostingRegressor

    t = masks["train"]
    model = HistGradientBoostingRegressor(loss="poisson", random_state=0)
    t0 = time.perf_counter()
    model.fit(X[t], y[t] / e[t], sample_weight=e[t])
    seconds = time.perf_counter() - t0

    def predict_freq(mask):
        return model.predict(X[mask])

    return model, predict_freq, seconds, int(model.n_iter_)


def ordered_codes(X):
    """X with its category columns replaced by their codes as ordered numbers (NaN for missing)."""
    X = X.copy()
    for c in CATEGORICAL:
        X[c] = X[c].cat.codes.astype(float).where(X[c].notna())
    return X


def fit_hgb(X, y, e, masks, learning_rate, max_iter, max_leaf_nodes, min_samples_leaf, n_iter_no_change=20,
            categorical_features="from_dtype"):
    from sklearn.ensemble import HistGradientBoostingRegressor

    f, v = masks["fit"], masks["val"]
    if categorical_features is None:  # scikit-learn only accepts category columns as native categories
        X = ordered_codes(X)
    model = HistGradientBoostingRegressor(
        loss="poisson",
        learning_rate=learning_rate,
        max_iter=max_iter,
        max_leaf_nodes=max_leaf_nodes,
        min_samples_leaf=min_samples_leaf,
        early_stopping=True,
        n_iter_no_change=n_iter_no_change,
        random_state=0,
    )
    t0 = time.perf_counter()
    model.fit(X[f], y[f] / e[f], sample_weight=e[f], X_val=X[v], y_val=y[v] / e[v], sample_weight_val=e[v])
    seconds = time.perf_counter() - t0

    def predict_freq(mask):
        return model.predict(X[mask])

    return model, predict_freq, seconds, int(model.n_iter_)


def evaluate(predict_freq, y, e, mask):
    freq = predict_freq(mask)
    return deviance(y[mask], e[mask], freq), nll(y[mask], e[mask], freq)


# --------------------------------------------------------------------------- tuning (validation only)
NGB_GRID = {"max_depth": [3, 5, 7], "min_samples_leaf": [1, 200, 2000]}
#: best-first ngb trees (HistTreeRegressor(max_depth=None, max_leaf_nodes=...))
NGB_LEAFWISE_GRID = {"max_leaf_nodes": [31, 63, 127], "min_samples_leaf": [100, 200, 500]}
HGB_GRID = {"max_leaf_nodes": [15, 31, 63, 127], "min_samples_leaf": [20, 100, 200, 500]}


def tune(X, y, e, masks):
    """Validation deviance of a small grid per model (fit on 'fit' rows, scored on 'val' rows).

    Early stopping also watches the validation rows, so these scores are slightly optimistic for
    every configuration alike; the test rows are not touched."""
    print("validation grid (fit rows -> validation rows), learning rate 0.1, up to 1000 iterations")
    print("| model | setting | val deviance | val NLL | iterations | fit s |")
    print("|---|---|---|---|---|---|")
    for depth, msl in itertools.product(NGB_GRID["max_depth"], NGB_GRID["min_samples_leaf"]):
        params = dict(NGB_PARAMS, max_depth=depth, max_leaf_nodes=None, min_samples_leaf=msl)
        _, pf, sec, it = fit_ngb(X, y, e, masks, **params)
        dv, nl = evaluate(pf, y, e, masks["val"])
        print(f"| ngb | depth {depth}, min leaf {msl} | {dv:.5f} | {nl:.5f} | {it} | {sec:.0f} |", flush=True)
    for cats, leaves, msl in itertools.product(("from_dtype", None), NGB_LEAFWISE_GRID["max_leaf_nodes"],
                                               NGB_LEAFWISE_GRID["min_samples_leaf"]):
        params = dict(NGB_PARAMS, max_depth=None, max_leaf_nodes=leaves, min_samples_leaf=msl,
                      categorical_features=cats)
        _, pf, sec, it = fit_ngb(X, y, e, masks, **params)
        dv, nl = evaluate(pf, y, e, masks["val"])
        how = "native categorical splits" if cats else "categories as ordered codes"
        print(f"| ngb | {leaves} leaves (best-first), min leaf {msl}, {how} | {dv:.5f} | {nl:.5f} | {it} "
              f"| {sec:.0f} |", flush=True)
    for cats, leaves, msl in itertools.product(("from_dtype", None), HGB_GRID["max_leaf_nodes"],
                                               HGB_GRID["min_samples_leaf"]):
        params = dict(HGB_PARAMS, max_leaf_nodes=leaves, min_samples_leaf=msl, categorical_features=cats)
        _, pf, sec, it = fit_hgb(X, y, e, masks, **params)
        dv, nl = evaluate(pf, y, e, masks["val"])
        how = "native categorical splits" if cats else "categories as ordered codes"
        print(f"| hgb | {leaves} leaves, min leaf {msl}, {how} | {dv:.5f} | {nl:.5f} | {it} | {sec:.0f} |",
              flush=True)


# --------------------------------------------------------------------------- main
def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data-home", default=None, help="data directory (default $NGB_DATA_HOME or ../shared/datasets)")
    p.add_argument("--tune", action="store_true", help="print the validation grid and exit")
    p.add_argument("--write-readme", action="store_true", help="update the fremtpl section of benchmarks/README.md")
    args = p.parse_args(argv)

    data_home = args.data_home or default_data_home()
    X, y, e, masks = load(data_home)
    n = {k: int(v.sum()) for k, v in masks.items()}
    print(f"freMTPL2freq: {len(y)} policies; train {n['train']} (fit {n['fit']} + validation {n['val']}), "
          f"test {n['test']}", flush=True)
    if args.tune:
        tune(X, y, e, masks)
        return None

    te = masks["test"]
    load_before = os.getloadavg()[0]  # (other jobs on the machine slow both libraries' fits)
    rows = []
    # baseline: one rate for everybody (sum of claims / sum of exposure on the fit rows)
    rate = y[masks["fit"]].sum() / e[masks["fit"]].sum()
    dv, nl = evaluate(lambda m: np.full(int(m.sum()), rate), y, e, te)
    rows.append(("constant rate (fit rows)", dv, nl, float("nan"), 0))

    _, pf, sec, it = fit_ngb(X, y, e, masks, **NGB_PARAMS)
    dv, nl = evaluate(pf, y, e, te)
    rows.append(("ngb NGBRegressor(dist='poisson')", dv, nl, sec, it))
    print(f"ngb: {sec:.1f} s, {it} iterations", flush=True)

    _, pf, sec, it = fit_hgb(X, y, e, masks, **HGB_PARAMS)
    dv, nl = evaluate(pf, y, e, te)
    rows.append(("scikit-learn HistGradientBoostingRegressor(loss='poisson')", dv, nl, sec, it))
    print(f"hgb: {sec:.1f} s, {it} iterations", flush=True)

    # both libraries with their defaults, fitted on all training rows (each holds out its own 10%)
    _, pf, sec, it = fit_ngb_defaults(X, y, e, masks)
    dv, nl = evaluate(pf, y, e, te)
    rows.append(("ngb NGBRegressor(dist='poisson'), library defaults", dv, nl, sec, it))
    print(f"ngb defaults: {sec:.1f} s, {it} iterations", flush=True)

    _, pf, sec, it = fit_hgb_defaults(X, y, e, masks)
    dv, nl = evaluate(pf, y, e, te)
    rows.append(("scikit-learn HistGradientBoostingRegressor(loss='poisson'), defaults", dv, nl, sec, it))
    print(f"hgb defaults: {sec:.1f} s, {it} iterations", flush=True)

    lines = ["| model | test mean Poisson deviance | test NLL (ClaimNb) | fit s | iterations |", "|---|---|---|---|---|"]
    for name, dv, nl, sec, it in rows:
        lines.append(f"| {name} | {dv:.5f} | {nl:.5f} | {'' if np.isnan(sec) else f'{sec:.1f}'} | {it} |")
    md = "\n".join(lines)
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    print()
    print(md)
    print(f"\n({machine})")

    if args.write_readme:
        sys.path.insert(0, str(HERE))
        from _readme import update_readme

        ngb_s = ", ".join(f"{k}={v}" for k, v in NGB_PARAMS.items())
        hgb_s = ", ".join(f"{k}={v}" for k, v in HGB_PARAMS.items())
        body = "\n".join([
            "### freMTPL2freq claim frequency (Poisson with exposure)",
            "",
            f"678,013 policies; test = 25% by a hash of IDpol ({n['test']} rows), train {n['train']} of which "
            f"{n['val']} validation rows (another hash) for early stopping; both models fit on the other {n['fit']}. "
            "The rows marked 'defaults' fit each library with its defaults on all training rows (each holds out "
            "its own random 10% for early stopping).",
            "ClaimNb unclipped; log(Exposure) as offset (ngb) / ClaimNb/Exposure with weight Exposure (scikit-learn).",
            f"ngb: `NGBRegressor(dist='poisson')`, {ngb_s}; scikit-learn: `HistGradientBoostingRegressor(loss='poisson')`, {hgb_s}",
            "(categorical_features=None: the category codes as ordered numbers). Deviance: `mean_poisson_deviance(N/E, f, sample_weight=E)` =",
            "Σ E·2(y log(y/f) − y + f) / Σ E with y = N/E; NLL: −mean log Poisson(N; f·E).",
            "",
            f"Command: `python benchmarks/fremtpl.py` — {time.strftime('%Y-%m-%d')}.",
            "",
            md,
            "",
            f"Fit times on {machine} (2 threads each; 1-minute load average {load_before:.1f} before the fits). "
            "Iterations: ngb's kept (best-validation) "
            "count; scikit-learn's `n_iter_` (iterations run, including the patience).",
        ])
        update_readme("fremtpl", body)
        print(f"updated {HERE / 'README.md'}")
    return rows


if __name__ == "__main__":
    main()
