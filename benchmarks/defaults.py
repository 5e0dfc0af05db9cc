"""The defaults study: ngb's default settings against scikit-learn's HistGradientBoosting defaults and
ngboost 0.6.0's defaults on a suite of development data (no test split of any benchmark is used).

Suite (``SUITE``): scikit-learn's bundled sets, the standard *training* rows of UCI split 0 (their
test rows are never loaded), freMTPL2freq's development rows (the rows that benchmarks/fremtpl.py
does not test on, a fixed 100,000-policy subsample), FLCHAIN, scikit-survival's and lifelines'
bundled survival sets, statsmodels' randhie counts, and the synthetic generators of
``ngb.datasets.synthetic`` (known truth). Each data set is split at random 80/20 (stratified by class
or by event) ``repeats`` times (seeds 0, 1, ...); every model is fitted on the 80% and scored on the
20%; the table gives mean ± standard error over the repeats.

Models (``MODELS``):

* ``hgb``: ``HistGradientBoostingRegressor()`` (``loss="poisson"`` for counts) /
  ``HistGradientBoostingClassifier()`` with every other setting at scikit-learn's default;
* ``ngboost``: ngboost 0.6.0's defaults in its own environment (``_defaults_worker.py``), numeric
  matrix (category codes); fitted on at most ``NGBOOST_MAX_ROWS`` training rows (a seeded subsample
  of the same training rows above that: its 500 iterations at learning rate 0.01 take minutes per
  fit there);
* ``ngb-old``: ngb's defaults before this study (learning rate 0.01, 500 iterations, depth-3 trees
  with 10 rows per leaf, early stopping only above 10,000 rows, holding out 10%);
* ``ngb``: the library defaults of the checkout that runs the script (the estimator with no
  arguments but ``random_state``);
* candidates ``cand-*``: the settings tried (``CANDIDATES``).

Metrics on the test rows: Normal: NLL, RMSE of the mean, coverage of the central 90% interval;
counts: NLL, mean Poisson deviance; classes: log loss (the NLL; probabilities clipped at 1e-15),
accuracy; survival: censored NLL (−log f(t) for events, −log S(t) for censored rows), Harrell's C
of minus the median.

    python benchmarks/defaults.py --models hgb,ngboost,ngb-old,ngb        # every data set
    python benchmarks/defaults.py --datasets diabetes,yacht --models ngb --repeats 3
    python benchmarks/defaults.py --table                                  # print from the cache
    python benchmarks/defaults.py --table --write-readme

Results are cached per (data set, repeat, model) in ``--cache`` (default
``benchmarks/results/defaults.json``): a run computes only what is missing (``--force`` recomputes),
so the study can be run as many small runs.
"""

from __future__ import annotations

import argparse
import json
import math
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

RESULTS = HERE / "results"
NGBOOST_MAX_ROWS = 20_000
FREMTPL_ROWS = 100_000
P_CLIP = 1e-15


def data_home():
    env = os.environ.get("NGB_DATA_HOME")
    if env:
        return env
    for cand in (REPO.parent / "shared" / "datasets", Path("../shared/datasets")):
        if cand.is_dir():
            return str(cand.resolve())
    return None


# --------------------------------------------------------------------------- the suite
def _sklearn(name):
    from sklearn import datasets

    X, y = getattr(datasets, f"load_{name}")(return_X_y=True)
    return X, y


def _uci(name):
    from ngb.datasets import load_uci

    X_train, _, y_train, _ = load_uci(name, 0, data_home=data_home())  # the training rows of split 0 only
    return X_train, y_train


def _fremtpl():
    """freMTPL2freq development rows (not the test hash of fremtpl.py), a fixed 100,000-row subsample:
    the features of fremtpl.py plus Exposure as a feature (ngboost has no offsets)."""
    sys.path.insert(0, str(HERE))
    import fremtpl

    X, y, e, masks = fremtpl.load(data_home())
    rows = np.flatnonzero(masks["train"])
    rows = np.sort(np.random.RandomState(0).choice(rows, FREMTPL_ROWS, replace=False))
    X = X.iloc[rows].reset_index(drop=True)
    X["Exposure"] = e[rows]
    return X, y[rows]


def _flchain():
    from ngb.datasets import load_flchain

    X, time_, event = load_flchain(data_home=data_home(), download=False, return_X_y=True)
    return X, (time_, event.astype(float))


def _external_survival(name):
    """scikit-survival's (env "survival") or lifelines' (env "ngboost") bundled survival set."""
    sys.path.insert(0, str(HERE))
    import envs

    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"defaults_data_{name}.npz"
    if not path.exists():
        envs.run("ngboost" if name == "rossi" else "survival", str(HERE / "_defaults_worker.py"),
                 {"lib": "data", "name": name, "out": str(path)})
    d = np.load(path)
    return d["X"], (d["time"], d["event"])


def _randhie():
    import statsmodels.datasets.randhie as randhie

    df = randhie.load_pandas().data
    y = df.pop("mdvis").to_numpy(float)
    return df.to_numpy(float), y


def _synthetic(kind, n, **kw):
    from ngb.datasets import synthetic

    X, y, _ = getattr(synthetic, kind)(n, random_state=12345, **kw)
    return X, y


#: name -> (task, loader, source)
SUITE = {
    "diabetes": ("normal", lambda: _sklearn("diabetes"), "scikit-learn load_diabetes"),
    "boston": ("normal", lambda: _uci("bostonHousing"), "UCI split-0 training rows"),
    "concrete": ("normal", lambda: _uci("concrete"), "UCI split-0 training rows"),
    "energy": ("normal", lambda: _uci("energy"), "UCI split-0 training rows"),
    "yacht": ("normal", lambda: _uci("yacht"), "UCI split-0 training rows"),
    "wine": ("normal", lambda: _uci("wine-quality-red"), "UCI split-0 training rows"),
    "kin8nm": ("normal", lambda: _uci("kin8nm"), "UCI split-0 training rows"),
    "naval": ("normal", lambda: _uci("naval-propulsion-plant"), "UCI split-0 training rows"),
    "power": ("normal", lambda: _uci("power-plant"), "UCI split-0 training rows"),
    "protein": ("normal", lambda: _uci("protein-tertiary-structure"), "UCI split-0 training rows"),
    "hetero-normal": ("normal", lambda: _synthetic("make_heteroscedastic_normal", 4000), "synthetic (known truth)"),
    "friedman1-hetero": ("normal", lambda: _synthetic("make_friedman1_heteroscedastic", 2000), "synthetic"),
    "poisson-synth": ("poisson", lambda: _synthetic("make_poisson_counts", 5000), "synthetic"),
    "randhie": ("poisson", _randhie, "statsmodels randhie (mdvis)"),
    "fremtpl-counts": ("poisson", _fremtpl, "freMTPL2freq dev rows, 100k subsample"),
    "breast-cancer": ("binary", lambda: _sklearn("breast_cancer"), "scikit-learn load_breast_cancer"),
    "binary-synth": ("binary", lambda: _synthetic("make_categorical", 5000, n_classes=2), "synthetic"),
    "fremtpl-claim": ("binary", lambda: (lambda X, y: (X, (y > 0).astype(int)))(*_fremtpl()),
                      "freMTPL2freq dev rows, 100k subsample, ClaimNb > 0"),
    "digits": ("multiclass", lambda: _sklearn("digits"), "scikit-learn load_digits (10 classes)"),
    "classes10-synth": ("multiclass", lambda: _synthetic("make_categorical", 5000, n_classes=10), "synthetic"),
    "flchain": ("survival", _flchain, "FLCHAIN"),
    "whas500": ("survival", lambda: _external_survival("whas500"), "scikit-survival"),
    "gbsg2": ("survival", lambda: _external_survival("gbsg2"), "scikit-survival"),
    "aids": ("survival", lambda: _external_survival("aids"), "scikit-survival"),
    "veterans": ("survival", lambda: _external_survival("veterans"), "scikit-survival"),
    "rossi": ("survival", lambda: _external_survival("rossi"), "lifelines"),
}


def load(name):
    task, loader, _ = SUITE[name]
    X, y = loader()
    return task, X, y


def repeats_for(n):
    """Random 80/20 splits per data set: 5 up to 2,000 rows, 3 above."""
    return 5 if n <= 2000 else 3


def split(task, y, n, seed):
    from sklearn.model_selection import train_test_split

    strat = y if task in ("binary", "multiclass") else (y[1] if task == "survival" else None)
    return train_test_split(np.arange(n), test_size=0.2, random_state=seed, stratify=strat)


def _rows(X, idx):
    return X.iloc[idx] if hasattr(X, "iloc") else X[idx]


def numeric(X):
    """A float matrix: category columns as their codes (NaN for missing)."""
    if not hasattr(X, "iloc"):
        return np.asarray(X, float)
    X = X.copy()
    for c in X.columns:
        if str(X[c].dtype) == "category":
            X[c] = X[c].cat.codes.astype(float).where(X[c].notna())
    return X.to_numpy(float)


# --------------------------------------------------------------------------- models
def old_defaults(n_train):
    """ngb's defaults before this study, spelled out."""
    from ngb.tree import HistTreeRegressor

    return dict(learning_rate=0.01, n_estimators=500, base=HistTreeRegressor(max_depth=3, min_samples_leaf=10),
                early_stopping=n_train > 10000, validation_fraction=0.1, n_iter_no_change=10, tol=1e-4,
                metric_weighted="auto", max_scaling=256.0,
                _engine=[("ngb._line_search", "ACCELERATE", False), ("ngb._shared", "ENABLED", False)])  # (the engine before)


def _cand(lr=0.1, n=1000, leaves=31, depth=None, leaf=20, es="auto", frac=0.1, patience=20, tol=0.0, accelerate=True,
          step_max=256.0, **kw):
    from ngb.tree import HistTreeRegressor

    def settings(n_train):
        base = HistTreeRegressor(max_depth=depth, max_leaf_nodes=leaves, min_samples_leaf=leaf, **kw)
        mode = es(n_train) if callable(es) else es
        return dict(learning_rate=lr, n_estimators=n, base=base, early_stopping=mode, validation_fraction=frac,
                    n_iter_no_change=patience, tol=tol, max_scaling=step_max,
                    _engine=[("ngb._line_search", "ACCELERATE", accelerate)])
    return settings


#: candidate defaults tried (name -> settings(n_train))
CANDIDATES = {
    # round 1: the step cap and the tree (lr 0.1, early stopping on 10% held out, refit up to 10k rows)
    "cand-A": _cand(),                                        # best-first 31 leaves, 20 rows/leaf, steps up to 256x
    "cand-A-max4": _cand(step_max=4.0),
    "cand-A-max1": _cand(step_max=1.0),                      # the line search never lengthens the step
    "cand-leaves15-max1": _cand(leaves=15, step_max=1.0),
    "cand-depth3-max1": _cand(leaves=None, depth=3, leaf=10, step_max=1.0),
    "cand-lr05-max1": _cand(lr=0.05, n=2000, step_max=1.0),
    # round 2: early stopping and the line search's per-group doubling, on the round-1 choice
    "cand-max1-norefit": _cand(step_max=1.0, es=True),       # the 10% held out rows never refitted on
    "cand-max1-cv2k": _cand(step_max=1.0, es=lambda n: "cv" if n <= 2000 else "auto"),  # 5-fold CV count <= 2,000 rows
    "cand-max1-val20": _cand(step_max=1.0, frac=0.2),
    "cand-max1-patience10": _cand(step_max=1.0, patience=10, tol=1e-4),  # the old stopping rule
    "cand-max1-noaccel": _cand(step_max=1.0, accelerate=False),
    "cand-max1-minw1": _cand(step_max=1.0, min_weight_leaf=1.0),  # leaves also need a metric weight of 1
    "cand-max1-minw0.1": _cand(step_max=1.0, min_weight_leaf=0.1),
    "cand-max1-minw0.001": _cand(step_max=1.0, min_weight_leaf=0.001),  # scikit-learn HGB's min_hessian_to_split
    # round 3: the library defaults with early stopping's per-group gate off (the defaults before it)
    "cand-nogate": lambda n_train: dict(_engine=[("ngb._defaults", "GATE_STEPS", False)]),
    # round 5: the classifiers' family before softmax_categorical (K - 1 logits relative to class 0)
    "cand-relative-logits": lambda n_train: dict(dist="categorical"),
}


def ngb_estimator(task, settings, seed):
    import ngb

    kw = dict(settings, random_state=seed, n_jobs=1)  # (results do not depend on n_jobs)
    if task == "survival":
        return ngb.NGBSurvival(**kw)
    if task in ("binary", "multiclass"):
        return ngb.NGBClassifier(**kw)
    return ngb.NGBRegressor(dist="normal" if task == "normal" else "poisson", **kw)


def ngb_settings(model, n_train):
    if model == "ngb":
        return {}
    if model == "ngb-old":
        return old_defaults(n_train)
    return CANDIDATES[model](n_train)


def fit_ngb(model, task, X, y, tr, te, seed):
    from ngb.survival import make_y

    import importlib

    n_train = len(tr)
    settings = dict(ngb_settings(model, n_train))
    saved = []
    for module, attr, value in settings.pop("_engine", []):  # engine constants of the candidate
        mod = importlib.import_module(module)
        if hasattr(mod, attr):
            saved.append((mod, attr, getattr(mod, attr)))
            setattr(mod, attr, value)
    est = ngb_estimator(task, settings, seed)
    t0 = time.perf_counter()
    try:
        if task == "survival":
            est.fit(_rows(X, tr), make_y(y[0][tr], y[1][tr]))
        else:
            est.fit(_rows(X, tr), y[tr])
    finally:
        for mod, attr, value in saved:
            setattr(mod, attr, value)
    seconds = time.perf_counter() - t0
    dist = est.predict_dist(_rows(X, te))
    out = {"seconds": seconds, "iterations": int(est.n_iter_)}
    if task == "normal":
        out.update(loc=dist.loc, scale=dist.scale)
    elif task == "poisson":
        out.update(mu=dist.mu)
    elif task in ("binary", "multiclass"):
        out.update(probs=est.predict_proba(_rows(X, te)))
    else:
        out.update(s=dist.s, scale=dist.scale)
    return out


def fit_hgb(task, X, y, tr, te, seed):
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    if task in ("binary", "multiclass"):
        est = HistGradientBoostingClassifier(random_state=seed)
    else:
        est = HistGradientBoostingRegressor(loss="squared_error" if task == "normal" else "poisson", random_state=seed)
    t0 = time.perf_counter()
    est.fit(_rows(X, tr), y[tr])
    seconds = time.perf_counter() - t0
    out = {"seconds": seconds, "iterations": int(est.n_iter_)}
    if task in ("binary", "multiclass"):
        out["probs"] = est.predict_proba(_rows(X, te))
    elif task == "normal":
        out["loc"] = est.predict(_rows(X, te))
    else:
        out["mu"] = est.predict(_rows(X, te))
    return out


def fit_ngboost_batch(name, task, X, y, jobs):
    """ngboost 0.6.0 defaults for several (seed, tr, te) of one data set, in one worker process."""
    sys.path.insert(0, str(HERE))
    import envs

    RESULTS.mkdir(exist_ok=True)
    Xn = numeric(X)
    payload = []
    for seed, tr, te in jobs:
        if len(tr) > NGBOOST_MAX_ROWS:
            tr = np.sort(np.random.RandomState(seed).choice(tr, NGBOOST_MAX_ROWS, replace=False))
        path = RESULTS / f"defaults_ngboost_{name}_{seed}.npz"
        arrays = dict(X_train=Xn[tr], X_test=Xn[te])
        if task == "survival":
            arrays.update(time_train=y[0][tr], event_train=y[1][tr])
        else:
            arrays.update(y_train=y[tr])
        np.savez(path, **arrays)
        n_classes = int(len(np.unique(y))) if task in ("binary", "multiclass") else 0
        payload.append({"data": str(path), "task": task, "seed": int(seed), "n_classes": n_classes,
                        "n_train": int(len(tr))})
    out = envs.run("ngboost", str(HERE / "_defaults_worker.py"), {"lib": "ngboost", "jobs": payload})["results"]
    for job in payload:
        os.remove(job["data"])
    return [dict(r, n_train=j["n_train"]) for r, j in zip(out, payload)]


# --------------------------------------------------------------------------- metrics
def metrics(task, pred, y, te):
    from scipy import stats
    from sklearn.metrics import mean_poisson_deviance

    out = {}
    if task == "normal":
        yt = y[te]
        loc = np.asarray(pred["loc"], float)
        out["rmse"] = float(np.sqrt(np.mean((loc - yt) ** 2)))
        if "scale" in pred:
            d = stats.norm(loc, np.asarray(pred["scale"], float))
            out["nll"] = float(-np.mean(d.logpdf(yt)))
            lo, hi = d.ppf(0.05), d.ppf(0.95)
            out["cover90"] = float(np.mean((yt >= lo) & (yt <= hi)))
    elif task == "poisson":
        yt = y[te]
        mu = np.maximum(np.asarray(pred["mu"], float), 1e-300)
        out["deviance"] = float(mean_poisson_deviance(yt, mu))
        out["nll"] = float(-np.mean(stats.poisson.logpmf(yt, mu)))
    elif task in ("binary", "multiclass"):
        yt = y[te]
        classes = np.unique(y)
        codes = np.searchsorted(classes, yt)
        p = np.asarray(pred["probs"], float)
        out["nll"] = float(-np.mean(np.log(np.clip(p[np.arange(len(codes)), codes], P_CLIP, 1.0))))
        out["accuracy"] = float(np.mean(np.argmax(p, axis=1) == codes))
    else:
        from ngb.metrics import concordance_index
        from ngb.survival import make_y

        t, e = y[0][te], y[1][te]
        d = stats.lognorm(s=np.asarray(pred["s"], float), scale=np.asarray(pred["scale"], float))
        ll = np.where(e > 0, d.logpdf(t), d.logsf(t))
        out["nll"] = float(-np.mean(ll))
        out["cindex"] = float(concordance_index(make_y(t, e), -np.asarray(pred["scale"], float)))
    out["seconds"] = float(pred["seconds"])
    if "iterations" in pred:
        out["iterations"] = int(pred["iterations"])
    return out


# --------------------------------------------------------------------------- cache and runs
def read_cache(path):
    if os.path.exists(path):
        with open(path) as fh:
            return json.load(fh)
    return {}


def write_cache(path, cache):
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w") as fh:
        json.dump(cache, fh, indent=0, sort_keys=True)
    os.replace(tmp, path)


def key(name, seed, model):
    return f"{name}|{seed}|{model}"


def run(names, models, cache_path, repeats=None, force=False, log=print):
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):  # one thread per fit (scikit-learn's OpenMP too): run two processes side by side
        _run(names, models, cache_path, repeats, force, log)


def _run(names, models, cache_path, repeats, force, log):
    for name in names:
        task, X, y = load(name)
        n = len(y[0]) if task == "survival" else len(y)
        seeds = list(range(repeats or repeats_for(n)))
        splits = {s: split(task, y, n, s) for s in seeds}
        for model in models:
            cache = read_cache(cache_path)  # re-read: other runs may write the same file
            todo = [s for s in seeds if force or key(name, s, model) not in cache]
            if not todo:
                continue
            t0 = time.perf_counter()
            if model == "ngboost":
                preds = fit_ngboost_batch(name, task, X, y, [(s, *splits[s]) for s in todo])
            elif model == "hgb":
                if task == "survival":
                    continue
                preds = [fit_hgb(task, X, y, *splits[s], s) for s in todo]
            else:
                preds = [fit_ngb(model, task, X, y, *splits[s], s) for s in todo]
            cache = read_cache(cache_path)
            for s, pred in zip(todo, preds):
                rec = metrics(task, pred, y, splits[s][1])
                rec.update(dataset=name, task=task, n=int(n), seed=int(s), model=model,
                           date=time.strftime("%Y-%m-%d"))
                if "n_train" in pred:
                    rec["n_train"] = int(pred["n_train"])
                cache[key(name, s, model)] = rec
            write_cache(cache_path, cache)
            log(f"{name:18s} {model:18s} {len(todo)} fits {time.perf_counter() - t0:7.1f} s")


# --------------------------------------------------------------------------- engine switches, other families
#: engine variants of --families: (module, attribute, value) switched for the fit
ENGINE_VARIANTS = {
    "ngb": [],
    "ngb-noshared": [("ngb._shared", "ENABLED", False)],   # coupled parameters on separate trees
    "ngb-noaccel": [("ngb._line_search", "ACCELERATE", False)],  # no per-group doubling of a kept step
}


def fit_family(variant, family, X, y, tr, te, seed):
    """The library defaults with ``family`` on a regression set; NLL and RMSE on the test rows."""
    import importlib

    import ngb

    saved = []
    for module, attr, value in ENGINE_VARIANTS[variant]:
        mod = importlib.import_module(module)
        saved.append((mod, attr, getattr(mod, attr)))
        setattr(mod, attr, value)
    try:
        t0 = time.perf_counter()
        est = ngb.NGBRegressor(dist=family, random_state=seed, n_jobs=1).fit(_rows(X, tr), y[tr])
        seconds = time.perf_counter() - t0
    finally:
        for mod, attr, value in saved:
            setattr(mod, attr, value)
    yt = y[te]
    return {"nll": float(-est.score(_rows(X, te), yt)), "rmse": float(np.sqrt(np.mean((est.predict(_rows(X, te)) - yt) ** 2))),
            "seconds": seconds, "iterations": int(est.n_iter_)}


def run_families(names, families, variants, cache_path, log=print):
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        for name in names:
            task, X, y = load(name)
            if task != "normal" or np.min(y) <= 0:
                continue
            n = len(y)
            seeds = list(range(repeats_for(n)))
            for family in families:
                for variant in variants:
                    model = f"{variant}@{family}"
                    cache = read_cache(cache_path)
                    todo = [s_ for s_ in seeds if key(name, s_, model) not in cache]
                    if not todo:
                        continue
                    t0 = time.perf_counter()
                    recs = []
                    for s_ in todo:
                        tr, te = split(task, y, n, s_)
                        recs.append(fit_family(variant, family, X, y, tr, te, s_))
                    cache = read_cache(cache_path)
                    for s_, rec in zip(todo, recs):
                        rec.update(dataset=name, task=f"family:{family}", n=int(n), seed=int(s_), model=model,
                                   date=time.strftime("%Y-%m-%d"))
                        cache[key(name, s_, model)] = rec
                    write_cache(cache_path, cache)
                    log(f"{name:18s} {model:24s} {len(todo)} fits {time.perf_counter() - t0:7.1f} s")


def families_table(cache, names, families, variants):
    ref = variants[0]
    head = ["data set", "family", f"{ref} NLL"] + [f"{v} − {ref}" for v in variants[1:]]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for family in families:
        for name in names:
            v = collect(cache, name, f"{ref}@{family}", "nll")
            if not v:
                continue
            cells = [name, family, _f(mean_se(v))]
            for var in variants[1:]:
                d = paired(cache, name, f"{var}@{family}", f"{ref}@{family}", "nll")
                cells.append(_f(d) if d else "—")
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


# --------------------------------------------------------------------------- table
POINT = {"normal": "rmse", "poisson": "deviance", "binary": "nll", "multiclass": "nll", "survival": "cindex"}
POINT_LABEL = {"rmse": "RMSE", "deviance": "Poisson deviance", "nll": "log loss", "cindex": "C-index",
               "cover90": "90% coverage", "accuracy": "accuracy"}


def mean_se(values):
    v = np.asarray(values, float)
    if len(v) < 2:
        return float(v.mean()), float("nan")
    return float(v.mean()), float(v.std(ddof=1) / math.sqrt(len(v)))


def _f(ms, digits=3):
    m, se = ms
    if m is None or (isinstance(m, float) and math.isnan(m)):
        return "—"
    if abs(m) >= 100:
        digits = 1
    return f"{m:.{digits}f} ± {se:.{digits}f}" if not math.isnan(se) else f"{m:.{digits}f}"


def collect(cache, name, model, metric):
    return [r[metric] for r in cache.values() if r["dataset"] == name and r["model"] == model and metric in r]


def paired(cache, name, a, b, metric):
    """Mean ± se of the per-split difference a - b (splits both have)."""
    ra = {r["seed"]: r[metric] for r in cache.values() if r["dataset"] == name and r["model"] == a and metric in r}
    rb = {r["seed"]: r[metric] for r in cache.values() if r["dataset"] == name and r["model"] == b and metric in r}
    common = sorted(set(ra) & set(rb))
    if not common:
        return None
    return mean_se([ra[s] - rb[s] for s in common])


def targets(cache, name, task, new="ngb"):
    """(point metric no worse than HGB within its se, NLL better than ngboost, coverage in [0.87, 0.93])."""
    point = POINT[task]
    out = {}
    if task != "survival":
        d = paired(cache, name, new, "hgb", point)
        if d is not None:
            worse = d[0] if point in ("rmse", "deviance", "nll") else -d[0]
            se_hgb = mean_se(collect(cache, name, "hgb", point))[1]
            out["point"] = worse <= (se_hgb if not math.isnan(se_hgb) else 0.0)
    d = paired(cache, name, new, "ngboost", "nll")
    if d is not None:
        out["nll"] = d[0] < 0
    if task == "normal":
        c = collect(cache, name, new, "cover90")
        if c:
            out["cover"] = 0.87 <= float(np.mean(c)) <= 0.93
    return out


def table(cache, names, models=("hgb", "ngboost", "ngb-old", "ngb"), new="ngb"):
    head = ["data set", "task", "rows", "splits", "metric"] + list(models) + [
        f"{new} − hgb", "targets (point / NLL / coverage)"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name in names:
        rs = [r for r in cache.values() if r["dataset"] == name]
        if not rs:
            continue
        task, n = rs[0]["task"], rs[0]["n"]
        splits = len({r["seed"] for r in rs if r["model"] == new}) or len({r["seed"] for r in rs})
        metrics_shown = [POINT[task], "nll"] if POINT[task] != "nll" else ["nll", "accuracy"]
        if task == "normal":
            metrics_shown.append("cover90")
        t = targets(cache, name, task, new)
        mark = lambda k: "—" if k not in t else ("yes" if t[k] else "**no**")  # noqa: E731
        for i, metric in enumerate(metrics_shown):
            label = "log loss" if metric == "nll" and task in ("binary", "multiclass") else (
                "NLL" if metric == "nll" else POINT_LABEL.get(metric, metric))
            cells = [name if i == 0 else "", task if i == 0 else "", str(n) if i == 0 else "",
                     str(splits) if i == 0 else "", label]
            for m in models:
                v = collect(cache, name, m, metric)
                # (a model fitted on fewer splits than ngb: their count in parentheses)
                cells.append((_f(mean_se(v)) + (f" ({len(v)})" if len(v) != splits else "")) if v else "—")
            d = paired(cache, name, new, "hgb", metric) if metric == POINT[task] and task != "survival" else None
            cells.append(_f(d) if d else "")
            cells.append(" / ".join(mark(k) for k in ("point", "nll", "cover")) if i == 0 else "")
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def candidate_table(cache, names, models):
    """Paired differences of each candidate's NLL from the first model's, per data set, and per
    candidate the number of data sets meeting each target (point vs hgb, NLL vs ngboost, coverage)."""
    ref = models[0]
    head = ["data set", f"{ref} NLL"] + [f"{m} − {ref}" for m in models[1:]]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    sums = {m: [] for m in models}
    for name in names:
        v = collect(cache, name, ref, "nll")
        if not v:
            continue
        cells = [name, _f(mean_se(v))]
        for m in models[1:]:
            d = paired(cache, name, m, ref, "nll")
            cells.append(_f(d) if d else "—")
            if d:
                sums[m].append(d[0])
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("| mean difference | | " + " | ".join(f"{np.mean(sums[m]):+.4f}" if sums[m] else "—"
                                                   for m in models[1:]) + " |")
    lines.append("")
    lines.append("| model | point ≤ hgb | NLL < ngboost | coverage in [0.87, 0.93] |")
    lines.append("|---|---|---|---|")
    for m in models:
        counts = {"point": [0, 0], "nll": [0, 0], "cover": [0, 0]}
        for name in names:
            rs = [r for r in cache.values() if r["dataset"] == name]
            if not rs:
                continue
            for k, ok in targets(cache, name, rs[0]["task"], m).items():
                counts[k][0] += int(ok)
                counts[k][1] += 1
        lines.append(f"| {m} | " + " | ".join(f"{a}/{b}" for a, b in counts.values()) + " |")
    return "\n".join(lines)


def machine():
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--datasets", default="", help="comma-separated names (default: the whole suite)")
    p.add_argument("--models", default="hgb,ngboost,ngb-old,ngb",
                   help="comma-separated: hgb, ngboost, ngb-old, ngb, or candidate names " + ", ".join(CANDIDATES))
    p.add_argument("--repeats", type=int, default=None, help="splits per data set (default: 5 up to 2,000 rows, 3 above)")
    p.add_argument("--cache", default=str(RESULTS / "defaults.json"))
    p.add_argument("--force", action="store_true", help="recompute cached results")
    p.add_argument("--table", action="store_true", help="only print the table from the cache")
    p.add_argument("--candidates", action="store_true", help="print the candidates' paired NLL differences")
    p.add_argument("--write-readme", action="store_true", help="write the table into benchmarks/README.md")
    p.add_argument("--families", default="",
                   help="engine switches instead: these families (e.g. gamma,weibull,studentt) with the library "
                        "defaults on the regression sets with positive targets, variants " + ", ".join(ENGINE_VARIANTS))
    args = p.parse_args(argv)
    if args.families:
        fams = [f.strip() for f in args.families.split(",") if f.strip()]
        names_ = [s_.strip() for s_ in args.datasets.split(",") if s_.strip()] or [
            n_ for n_, v in SUITE.items() if v[0] == "normal"]
        variants = list(ENGINE_VARIANTS)
        if not args.table:
            run_families(names_, fams, variants, args.cache)
        print(families_table(read_cache(args.cache), names_, fams, variants))
        return
    names = [s.strip() for s in args.datasets.split(",") if s.strip()] or list(SUITE)
    unknown = [s for s in names if s not in SUITE]
    if unknown:
        p.error(f"unknown data sets {unknown}; choose from {', '.join(SUITE)}")
    models = [s.strip() for s in args.models.split(",") if s.strip()]
    t0 = time.perf_counter()
    if not args.table and not args.candidates:
        run(names, models, args.cache, args.repeats, args.force)
    cache = read_cache(args.cache)
    if args.candidates:
        print(candidate_table(cache, names, models))
        return
    md = table(cache, names)
    print(md)
    if args.write_readme:
        sys.path.insert(0, str(HERE))
        from _readme import update_readme

        dates = sorted({r["date"] for r in cache.values() if r["model"] in ("hgb", "ngboost", "ngb-old", "ngb")})
        body = "\n".join([
            "### Defaults study (development data only)",
            "",
            "Each data set split at random 80/20 (stratified by class or event) 5 times up to 2,000 rows, 3 times "
            "above (seeds 0, 1, ...; a model run on fewer of those splits shows their count in parentheses); "
            "every model fitted on the 80%, scored on the 20%; mean ± standard error over the splits. "
            "UCI sets: the training rows of standard split 0 only; freMTPL2freq: a fixed 100,000-row subsample of "
            "the rows that the freMTPL benchmark does not test on, Exposure as a feature. hgb: scikit-learn's "
            "HistGradientBoosting with its defaults (Poisson loss for counts); ngboost: ngboost 0.6.0's defaults "
            f"(fitted on at most {NGBOOST_MAX_ROWS:,} training rows, a seeded subsample above that); ngb-old: ngb's "
            "defaults before this study; ngb: the defaults now. Targets: point metric (RMSE, Poisson deviance, "
            "log loss) no worse than hgb's within hgb's standard error (paired difference), NLL below ngboost's "
            "(paired), 90% coverage of the Normal fits in [0.87, 0.93]. Details: the docstring of "
            "`benchmarks/defaults.py`.",
            "",
            f"Command: `python benchmarks/defaults.py` (a cache of per-split results; runs on {', '.join(dates)}), "
            f"{machine()}.",
            "",
            md,
        ])
        update_readme("defaults", body)
    print(f"total {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
