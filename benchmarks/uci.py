"""UCI regression benchmark with the protocol of the NGBoost paper (Duan et al. 2020, Table 1).

Protocol, per dataset and per standard train/test split (Hernandez-Lobato & Adams 2015: 20 splits,
5 for protein; ``ngb.datasets.load_uci``):

1. hold out 20% of the training split as a validation set (a fixed random 80/20 split of the
   training rows, seeded by the split number: ``validation_rows``);
2. fit up to 2000 iterations (learning rate 0.01, Normal, log score, depth-3 trees) on the other
   80%, tracking the validation NLL after every iteration, and take the iteration count with the
   lowest validation NLL (the argmin over all 2000 iterations, no patience-based stopping);
3. refit on the whole training split with that many iterations and report test NLL and RMSE.

Results are mean +- standard error (sd / sqrt(#splits)) over splits. The test splits are only ever
used for the final numbers.

    python benchmarks/uci.py --quick                   # first 3 splits per dataset
    python benchmarks/uci.py --quick --reference       # + ngboost 0.6.0 on the same splits
    python benchmarks/uci.py                           # all splits (the full benchmark)
    python benchmarks/uci.py --datasets yacht,energy --quick
    python benchmarks/uci.py --write-readme            # also update benchmarks/README.md
    python benchmarks/uci.py --select mse              # diagnosis: pick iterations by validation MSE
    python benchmarks/uci.py --tune --trials 20 --quick  # ngb.tuning.tune inside each training split

``--tune`` replaces steps 1-3 by ``ngb.tuning.tune`` on the training split alone (its own seeded
inner 80/20 split; learning rate, tree depth, leaf size and weight, metric weights, subsampling and
the family among those valid for the target, with early stopping inside each trial; then the refit
on the whole training split with the best settings and iteration count): the test split is never
seen by any choice.

``--reference`` runs ``benchmarks/_uci_ngboost_worker.py`` in ngboost 0.6.0's own virtual
environment (``benchmarks/envs.py``) on the first 3 splits of each dataset, with the same
validation rows and the same protocol.
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

# --------------------------------------------------------------------------- published numbers
#: Duan, Avati, Ding, Thai, Basu, Ng, Schuler (2020). "NGBoost: Natural Gradient Boosting for
#: Probabilistic Prediction". ICML 2020, PMLR 119, Table 1: NGBoost test NLL and RMSE (mean over
#: splits) on the UCI regression sets.
PAPER_NLL = {
    "bostonHousing": 2.43,
    "concrete": 3.04,
    "energy": 0.60,
    "kin8nm": -0.49,
    "naval-propulsion-plant": -5.34,
    "power-plant": 2.79,
    "protein-tertiary-structure": 2.81,
    "wine-quality-red": 0.91,
    "yacht": 0.20,
}
PAPER_RMSE = {
    "bostonHousing": 2.94,
    "concrete": 5.06,
    "energy": 0.46,
    "kin8nm": 0.16,
    "naval-propulsion-plant": 0.00,
    "power-plant": 3.79,
    "protein-tertiary-structure": 4.33,
    "wine-quality-red": 0.63,
    "yacht": 0.50,
}
#: the best test NLL of the 8 methods of the paper's Table 1 (MC dropout, deep ensembles, Gaussian
#: process, NGBoost and the others), per dataset, as the issue quotes them
BEST_NLL = {
    "bostonHousing": 2.37,
    "concrete": 3.03,
    "energy": 0.60,
    "kin8nm": -1.20,
    "naval-propulsion-plant": -5.87,
    "power-plant": 2.68,
    "protein-tertiary-structure": 2.59,
    "wine-quality-red": 0.91,
    "yacht": 0.10,
}
SHORT = {
    "bostonHousing": "boston",
    "concrete": "concrete",
    "energy": "energy",
    "kin8nm": "kin8nm",
    "naval-propulsion-plant": "naval",
    "power-plant": "power",
    "protein-tertiary-structure": "protein",
    "wine-quality-red": "wine",
    "yacht": "yacht",
}

N_ESTIMATORS = 2000
LEARNING_RATE = 0.01
MAX_DEPTH = 3
MIN_SAMPLES_LEAF = 10
VALIDATION_FRACTION = 0.2
QUICK_SPLITS = 3
REFERENCE_SPLITS = 3


def default_data_home():
    """``$NGB_DATA_HOME``, else ``../shared/datasets`` next to the repository (the CI layout)."""
    env = os.environ.get("NGB_DATA_HOME")
    if env:
        return env
    for cand in (REPO.parent / "shared" / "datasets", Path("../shared/datasets")):
        if cand.is_dir():
            return str(cand.resolve())
    return None


def resolve_names(spec):
    """Comma-separated names, full ('power-plant') or short ('power'), to full names."""
    from ngb.datasets import UCI_DATASETS

    if not spec:
        return list(UCI_DATASETS)
    inv = {v: k for k, v in SHORT.items()}
    out = []
    for part in spec.split(","):
        part = part.strip()
        name = inv.get(part, part)
        if name not in UCI_DATASETS:
            raise SystemExit(f"unknown dataset {part!r}; choose from {', '.join(SHORT.values())}")
        out.append(name)
    return out


def validation_rows(n_train, split):
    """(fit_rows, val_rows): a fixed random 80/20 split of the training rows of split ``split``."""
    rng = np.random.RandomState(1000 + int(split))
    perm = rng.permutation(n_train)
    n_val = int(round(VALIDATION_FRACTION * n_train))
    return np.sort(perm[n_val:]), np.sort(perm[:n_val])


def make_model(n_estimators, learning_rate=LEARNING_RATE, max_depth=MAX_DEPTH, random_state=0, **base_params):
    import ngb
    from ngb.tree import HistTreeRegressor

    # the protocol's tree: depth 3, at least 10 rows per leaf (ngb's default base before the defaults study)
    base_params.setdefault("min_samples_leaf", MIN_SAMPLES_LEAF)
    return ngb.NGBRegressor(
        dist="normal",
        score="log",
        base=HistTreeRegressor(max_depth=max_depth, **base_params),
        n_estimators=n_estimators,
        learning_rate=learning_rate,
        early_stopping=False,
        metric_weighted=False,
        max_scaling=256.0,  # the protocol's line search: steps lengthened up to 256 times (as ngboost's)
        random_state=random_state,
    )


def run_split(name, split, data_home=None, n_estimators=N_ESTIMATORS, learning_rate=LEARNING_RATE, max_depth=MAX_DEPTH,
              select="nll", **base_params):
    """The paper protocol on one split. Returns a dict of numbers (test NLL, RMSE, chosen iterations...).

    ``select="mse"`` picks the iteration count by the validation mean squared error of the predicted
    mean instead of the NLL (what the paper's experiment script does; a diagnosis, not the protocol)."""
    from ngb.datasets import load_uci

    t0 = time.perf_counter()
    X_train, X_test, y_train, y_test = load_uci(name, split, data_home=data_home)
    fit_rows, val_rows = validation_rows(len(y_train), split)

    # 1-2. fit on 80% of the training split, validation NLL after every iteration, argmin
    model = make_model(n_estimators, learning_rate, max_depth, random_state=split, **base_params)
    model.fit(X_train[fit_rows], y_train[fit_rows], X_val=X_train[val_rows], y_val=y_train[val_rows])
    val_curve = model.validation_score_  # index 0: the marginal, index m: after m iterations
    if select == "mse":
        y_val = y_train[val_rows]
        mse = [np.mean((m - y_val) ** 2) for m in model.staged_predict(X_train[val_rows])]
        best_iter = int(np.argmin(mse)) + 1  # staged predictions start after the first iteration
    else:
        best_iter = max(1, int(np.argmin(val_curve)))
    val_nll = float(val_curve[best_iter])

    # 3. refit on the whole training split with that many iterations
    final = make_model(best_iter, learning_rate, max_depth, random_state=split, **base_params)
    final.fit(X_train, y_train)
    dist = final.predict_dist(X_test)
    nll = float(-np.mean(dist.logpdf(y_test)))
    rmse = float(np.sqrt(np.mean((dist.mean() - y_test) ** 2)))
    return {
        "dataset": name,
        "split": int(split),
        "n_train": int(len(y_train)),
        "best_iter": best_iter,
        "val_nll": val_nll,
        "nll": nll,
        "rmse": rmse,
        "seconds": time.perf_counter() - t0,
    }


def run_split_tuned(name, split, data_home=None, n_estimators=N_ESTIMATORS, n_trials=20, timeout=None):
    """``ngb.tuning.tune`` inside the training split of one split; test NLL and RMSE of its refit."""
    import ngb
    from ngb.datasets import load_uci
    from ngb.tuning import tune

    t0 = time.perf_counter()
    X_train, X_test, y_train, y_test = load_uci(name, split, data_home=data_home)
    start = ngb.NGBRegressor(dist="normal", score="log", n_estimators=n_estimators, n_iter_no_change=20)
    model, trials = tune(start, X_train, y_train, n_trials=n_trials, timeout=timeout, random_state=split)
    dist = model.predict_dist(X_test)
    best = trials.attrs["best_params"]
    return {
        "dataset": name,
        "split": int(split),
        "n_train": int(len(y_train)),
        "best_iter": int(model.n_iter_),
        "val_nll": -float(trials.attrs["best_value"]),
        "nll": float(-np.mean(dist.logpdf(y_test))),
        # the point prediction (the mean; the location for a Student t, whose mean may not exist)
        "rmse": float(np.sqrt(np.mean((dist.point_prediction() - y_test) ** 2))),
        "n_trials": int(len(trials)),
        "cv": bool(trials.attrs.get("folds", 1) > 1),
        "chosen": {k: (v if not isinstance(v, (np.floating, np.integer)) else v.item()) for k, v in best.items()},
        "seconds": time.perf_counter() - t0,
    }


def chosen_summary(results, names):
    """Per dataset: the families chosen (count over splits) and the median learning rate and depth."""
    lines = []
    for name in names:
        rs = [r for r in results if r["dataset"] == name and "chosen" in r]
        if not rs:
            continue
        fams = {}
        for r in rs:
            fam = r["chosen"].get("dist", "normal")
            fams[fam] = fams.get(fam, 0) + 1
        med = lambda key: np.median([r["chosen"][key] for r in rs if key in r["chosen"]])  # noqa: E731
        mw = sum(bool(r["chosen"].get("metric_weighted")) for r in rs)
        lines.append(f"- {SHORT[name]}: family {', '.join(f'{k} {v}' for k, v in sorted(fams.items(), key=lambda kv: -kv[1]))}; "
                     f"median learning rate {med('learning_rate'):.3g}, depth {med('base__max_depth'):g}, "
                     f"min leaf {med('base__min_samples_leaf'):g}, subsample {med('subsample'):.2f}; "
                     f"metric weights in {mw} of {len(rs)} splits; "
                     f"{'3-fold cross-validation' if all(r.get('cv') for r in rs) else 'one inner split'} per trial; "
                     f"median {np.median([r['n_trials'] for r in rs]):g} "
                     f"trials, {np.median([r['seconds'] for r in rs]):.0f} s per split")
    return "\n".join(lines)


def run_split_defaults(name, split, data_home=None):
    """ngb with the library defaults on one split: ``NGBRegressor(random_state=split)`` fitted on the
    whole training split (its own early stopping holds out 10% of it and, up to 10,000 rows, refits
    on all of it with the count chosen); test NLL, RMSE and 90% interval coverage."""
    import ngb
    from ngb.datasets import load_uci

    t0 = time.perf_counter()
    X_train, X_test, y_train, y_test = load_uci(name, split, data_home=data_home)
    model = ngb.NGBRegressor(random_state=split, n_jobs=1).fit(X_train, y_train)
    dist = model.predict_dist(X_test)
    lo, hi = dist.interval(0.9)
    return {
        "dataset": name,
        "split": int(split),
        "n_train": int(len(y_train)),
        "best_iter": int(model.n_iter_),
        "nll": float(-np.mean(dist.logpdf(y_test))),
        "rmse": float(np.sqrt(np.mean((dist.mean() - y_test) ** 2))),
        "cover90": float(np.mean((y_test >= lo) & (y_test <= hi))),
        "seconds": time.perf_counter() - t0,
    }


def defaults_table(results, names, protocol=None):
    """Markdown table of the library-defaults runs (and, when given, the protocol's per-split results
    of a --json file for the paired difference)."""
    ours = {r["dataset"]: r for r in summarise(results, names)}
    prot = {(r["dataset"], r["split"]): r for r in protocol or []}
    head = ["dataset", "n train", "splits", "ngb defaults NLL", "RMSE", "90% coverage", "iterations (median)"]
    if protocol:
        head += ["protocol NLL (same splits)", "defaults − protocol NLL"]
    head += ["paper NLL", "paper RMSE"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name in names:
        if name not in ours:
            continue
        o, d = ours[name], _digits(name)
        rs = [r for r in results if r["dataset"] == name]
        cells = [SHORT[name], str(o["n"]), str(o["splits"]), _fmt(*o["nll"]), _fmt(*o["rmse"], d),
                 _fmt(*mean_se([r["cover90"] for r in rs]), 3), str(o["iters"])]
        if protocol:
            pairs = [(r["nll"], prot[(name, r["split"])]["nll"]) for r in rs if (name, r["split"]) in prot]
            cells += [_fmt(*mean_se([b for _, b in pairs])), _fmt(*mean_se([a - b for a, b in pairs]))] if pairs else ["", ""]
        cells += [f"{PAPER_NLL[name]:.2f}", f"{PAPER_RMSE[name]:.2f}"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _reference_split(name, split, data_home):
    """ngboost 0.6.0 on one split, run in its own environment with the same validation rows."""
    sys.path.insert(0, str(HERE))
    import envs
    from ngb.datasets import load_uci

    X_train, _, y_train, _ = load_uci(name, split, data_home=data_home)  # also checks the checksums
    fit_rows, val_rows = validation_rows(len(y_train), split)
    args = {
        "dir": str(Path(data_home or "").resolve() / "uci" / name) if data_home else None,
        "dataset": name,
        "split": int(split),
        "fit_rows": fit_rows.tolist(),
        "val_rows": val_rows.tolist(),
        "n_estimators": N_ESTIMATORS,
        "learning_rate": LEARNING_RATE,
        "max_depth": MAX_DEPTH,
    }
    if args["dir"] is None:
        from ngb.datasets import get_data_home

        args["dir"] = str(Path(get_data_home()) / "uci" / name)
    out = envs.run("ngboost", str(HERE / "_uci_ngboost_worker.py"), args)
    out.update(dataset=name, split=int(split), n_train=int(len(y_train)))
    return out


# --------------------------------------------------------------------------- aggregation / output
def mean_se(values):
    v = np.asarray(values, float)
    if len(v) < 2:
        return float(v.mean()), float("nan")
    return float(v.mean()), float(v.std(ddof=1) / math.sqrt(len(v)))


def _fmt(m, se, digits=2):
    if math.isnan(se):
        return f"{m:.{digits}f}"
    return f"{m:.{digits}f} ± {se:.{digits}f}"


def _digits(name):
    return 4 if name == "naval-propulsion-plant" else 2


def summarise(results, names):
    rows = []
    for name in names:
        rs = [r for r in results if r["dataset"] == name]
        if not rs:
            continue
        row = {"dataset": name, "n": rs[0]["n_train"], "splits": len(rs)}
        row["nll"] = mean_se([r["nll"] for r in rs])
        row["rmse"] = mean_se([r["rmse"] for r in rs])
        row["iters"] = int(np.median([r["best_iter"] for r in rs]))
        rows.append(row)
    return rows


def table(results, names, reference=None):
    """Markdown table: ngb (and ngboost-here) test NLL / RMSE, mean ± se over splits, and the paper."""
    ours = {r["dataset"]: r for r in summarise(results, names)}
    ref = {r["dataset"]: r for r in summarise(reference or [], names)}
    ref_keys = {(r["dataset"], r["split"]) for r in reference or []}
    same = {r["dataset"]: r for r in summarise([r for r in results if (r["dataset"], r["split"]) in ref_keys], names)}
    head = ["dataset", "n train", "splits", "ngb NLL", "ngb RMSE", "ngb iters"]
    if reference:
        head += ["ngb NLL / RMSE on the ngboost splits", "ngboost-here NLL", "ngboost-here RMSE", "ngboost iters"]
    head += ["paper NLL", "paper RMSE", "ngb NLL ≤ paper"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name in names:
        if name not in ours:
            continue
        o = ours[name]
        d = _digits(name)
        cells = [SHORT[name], str(o["n"]), str(o["splits"]), _fmt(*o["nll"]), _fmt(*o["rmse"], d), str(o["iters"])]
        if reference:
            r, o2 = ref.get(name), same.get(name)
            if r and o2:
                cells += [f"{_fmt(*o2['nll'])} / {_fmt(*o2['rmse'], d)}",
                          f"{_fmt(*r['nll'])} ({r['splits']})", _fmt(*r["rmse"], d), str(r["iters"])]
            else:
                cells += ["", "", "", ""]
        cells += [f"{PAPER_NLL[name]:.2f}", f"{PAPER_RMSE[name]:.2f}", "yes" if o["nll"][0] <= PAPER_NLL[name] else "**no**"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def machine():
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


# --------------------------------------------------------------------------- main
def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help=f"only the first {QUICK_SPLITS} splits per dataset")
    p.add_argument("--datasets", default="", help="comma-separated subset (full or short names)")
    p.add_argument("--reference", action="store_true",
                   help=f"also run ngboost 0.6.0 (own env) on the first {REFERENCE_SPLITS} splits per dataset")
    p.add_argument("--data-home", default=None, help="data directory (default $NGB_DATA_HOME or ../shared/datasets)")
    p.add_argument("--n-jobs", type=int, default=2, help="processes across splits (default 2)")
    p.add_argument("--n-estimators", type=int, default=N_ESTIMATORS, help=argparse.SUPPRESS)  # smoke tests only
    p.add_argument("--json", default=None, help="write per-split results to this JSON file")
    p.add_argument("--reference-cache", default=None,
                   help="JSON file of ngboost 0.6.0 per-split results (read, and written back): splits found there "
                        "are not rerun (ngboost's results do not depend on ngb); a --json output file also works")
    p.add_argument("--write-readme", action="store_true", help="update the uci section of benchmarks/README.md")
    p.add_argument("--select", choices=("nll", "mse"), default="nll",
                   help="choose the iteration count by validation NLL (the protocol) or by validation MSE of the "
                        "mean (what the paper's experiment script does; diagnosis only, not with --write-readme)")
    p.add_argument("--tune", action="store_true", help="ngb.tuning.tune inside each training split (needs optuna)")
    p.add_argument("--trials", type=int, default=20, help="--tune: trials per split (default 20)")
    p.add_argument("--tune-timeout", type=float, default=None, help="--tune: seconds per split (default none)")
    p.add_argument("--splits", type=int, default=None, help="only the first N splits per dataset")
    p.add_argument("--defaults", action="store_true",
                   help="instead of the protocol: ngb with the library defaults fitted on each whole training split")
    p.add_argument("--protocol-json", default=None,
                   help="with --defaults: a --json output of a protocol run, for the paired difference")
    p.add_argument("--defaults-json", default=None,
                   help="with --tune: a --json output of a --defaults run, for the defaults column")
    p.add_argument("--from-json", default=None,
                   help="with --tune: render (and with --write-readme record) a finished --tune run's --json output "
                        "instead of running again")
    args = p.parse_args(argv)
    if args.tune and (args.select != "nll" or args.reference):
        p.error("--tune runs neither --select mse nor --reference")
    if args.from_json and not args.tune:
        p.error("--from-json re-renders a --tune run's --json output: give --tune")
    if args.select != "nll" and args.write_readme:
        p.error("--write-readme reports the protocol's selection by validation NLL only")
    if args.defaults:
        return main_defaults(args, argv)
    if args.from_json:
        return main_tune_table(args)

    from joblib import Parallel, delayed
    from ngb.datasets import uci_n_splits

    data_home = args.data_home or default_data_home()
    names = resolve_names(args.datasets)
    tasks = []
    for name in names:
        n_splits = uci_n_splits(name, data_home=data_home)
        splits = range(min(QUICK_SPLITS, n_splits) if args.quick else n_splits)
        if args.splits is not None:
            splits = range(min(args.splits, len(splits)))
        tasks += [(name, s) for s in splits]
    # largest datasets first so the two workers finish together
    from ngb.datasets import load_uci

    size = {name: len(load_uci(name, 0, data_home=data_home)[2]) for name in names}
    tasks.sort(key=lambda t: -size[t[0]])

    print(f"ngb: {len(tasks)} fits of up to {args.n_estimators} iterations on {len(names)} datasets, "
          f"{args.n_jobs} processes", flush=True)
    t0 = time.perf_counter()
    if args.tune:
        results = Parallel(n_jobs=args.n_jobs, verbose=0)(
            delayed(run_split_tuned)(name, s, data_home, n_estimators=args.n_estimators, n_trials=args.trials,
                                     timeout=args.tune_timeout)
            for name, s in tasks
        )
    else:
        results = Parallel(n_jobs=args.n_jobs, verbose=0)(
            delayed(run_split)(name, s, data_home, n_estimators=args.n_estimators, select=args.select)
            for name, s in tasks
        )
    wall = time.perf_counter() - t0
    print(f"ngb wall time: {wall:.1f} s", flush=True)

    reference, ref_wall = None, None
    if args.reference:
        ref_tasks = [(n, s) for n, s in tasks if s < REFERENCE_SPLITS]
        cached = {}
        if args.reference_cache and os.path.exists(args.reference_cache):
            with open(args.reference_cache) as fh:
                data = json.load(fh)
            rows = data.get("ngboost") or [] if isinstance(data, dict) else data
            cached = {(r["dataset"], r["split"]): r for r in rows}
        todo = [t for t in ref_tasks if t not in cached]
        print(f"ngboost 0.6.0: {len(ref_tasks)} splits ({len(ref_tasks) - len(todo)} from the cache) ...", flush=True)
        t1 = time.perf_counter()
        fresh = Parallel(n_jobs=args.n_jobs, prefer="threads")(
            delayed(_reference_split)(name, s, data_home) for name, s in todo
        )
        ref_wall = time.perf_counter() - t1
        cached.update({(r["dataset"], r["split"]): r for r in fresh})
        reference = [cached[t] for t in ref_tasks]
        if args.reference_cache:
            with open(args.reference_cache, "w") as fh:
                json.dump({"ngboost": sorted(cached.values(), key=lambda r: (r["dataset"], r["split"]))}, fh, indent=1)
        print(f"ngboost 0.6.0 wall time: {ref_wall:.1f} s", flush=True)

    md = table(results, names, reference)
    print()
    print(md)
    print()
    if args.tune:
        print(chosen_summary(results, names))
        print()
    timing = (f"ngb wall time: {wall / 60:.1f} min for {len(tasks)} splits ({args.n_jobs} processes; {machine()}); "
              f"sum of per-split times {sum(r['seconds'] for r in results) / 60:.1f} min")
    if reference:
        timing += (f"; ngboost 0.6.0: sum of per-split times {sum(r['seconds'] for r in reference) / 60:.1f} min "
                   f"for {len(reference)} splits")
    print(timing)

    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"ngb": results, "ngboost": reference, "wall": wall, "ref_wall": ref_wall, "n_jobs": args.n_jobs,
                       "argv": list(argv if argv is not None else sys.argv[1:])}, fh, indent=1)
    if args.tune and args.write_readme:
        if not args.json:
            p.error("--tune --write-readme needs --json (the table is rendered from it)")
        return main_tune_table(argparse.Namespace(**{**vars(args), "from_json": args.json}))
    if args.write_readme:
        sys.path.insert(0, str(HERE))
        from _readme import update_readme
        cmd = "python benchmarks/uci.py " + " ".join(a for a in (argv if argv is not None else sys.argv[1:]) if a != "--write-readme")
        body = "\n".join([
            "### UCI regression (NGBoost paper protocol)",
            "",
            "Normal, log score, depth-3 histogram trees, learning rate 0.01, up to 2000 iterations; the",
            "iteration count is the argmin of the NLL on a seeded 20% validation part of each training split,",
            "then the model is refitted on the whole training split. Test NLL and RMSE, mean ± standard",
            "error over the standard splits (20; 5 for protein). Paper: Duan et al. (2020), Table 1.",
            "",
            f"Command: `{cmd.strip()}` — {time.strftime('%Y-%m-%d')}.",
            "",
            md,
            "",
            timing + ".",
        ])
        update_readme("uci", body)
        print(f"updated {HERE / 'README.md'}")
    return results, reference


def tune_table(results, names, defaults=None):
    """Markdown table of a --tune run: tuned test NLL and RMSE (mean ± se), the defaults' on the same
    splits (when given), the paper's NGBoost and the best of its Table 1, and the targets met."""
    ours = {r["dataset"]: r for r in summarise(results, names)}
    keys = {(r["dataset"], r["split"]) for r in results}
    dflt = {r["dataset"]: r for r in summarise([r for r in defaults or [] if (r["dataset"], r["split"]) in keys], names)}
    head = ["dataset", "n train", "splits", "tuned NLL", "tuned RMSE"]
    if defaults:
        head += ["defaults NLL", "defaults RMSE"]
    head += ["paper NGBoost NLL", "best of Table 1", "tuned ≤ paper", "tuned ≤ best"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name in names:
        if name not in ours:
            continue
        o, d = ours[name], _digits(name)
        cells = [SHORT[name], str(o["n"]), str(o["splits"]), _fmt(*o["nll"]), _fmt(*o["rmse"], d)]
        if defaults:
            q = dflt.get(name)
            cells += [_fmt(*q["nll"]), _fmt(*q["rmse"], d)] if q else ["", ""]
        cells += [f"{PAPER_NLL[name]:.2f}", f"{BEST_NLL[name]:.2f}", "yes" if o["nll"][0] <= PAPER_NLL[name] else "**no**",
                  "yes" if o["nll"][0] <= BEST_NLL[name] else "**no**"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main_tune_table(args):
    """Render a finished --tune run (its --json output) with the defaults column; with --write-readme
    record it in the uci-tune section of benchmarks/README.md."""
    with open(args.from_json) as fh:
        run = json.load(fh)
    results = run["ngb"]
    names = [n for n in resolve_names(args.datasets) if any(r["dataset"] == n for r in results)]
    defaults = None
    if args.defaults_json:
        with open(args.defaults_json) as fh:
            defaults = json.load(fh)["ngb_defaults"]
    md = tune_table(results, names, defaults)
    chosen = chosen_summary(results, names)
    rows = {r["dataset"]: r for r in summarise(results, names)}
    met_paper = sum(rows[n]["nll"][0] <= PAPER_NLL[n] for n in rows)
    met_best = sum(rows[n]["nll"][0] <= BEST_NLL[n] for n in rows)
    timing = (f"wall time {run['wall'] / 60:.1f} min for {len(results)} splits ({run.get('n_jobs', 2)} processes; "
              f"{machine()}); sum of per-split times {sum(r['seconds'] for r in results) / 60:.1f} min")
    targets = (f"Tuned NLL at or below the paper's NGBoost on {met_paper} of {len(rows)} datasets (target: 8 of 9), "
               f"at or below the best of Table 1 on {met_best} (target: 3).")
    print(md, "", chosen, "", timing, targets, sep="\n")
    if args.write_readme:
        sys.path.insert(0, str(HERE))
        from _readme import update_readme

        cmd = "python benchmarks/uci.py " + " ".join(run.get("argv", []))
        body = "\n".join([
            "#### Tuned per split (`--tune`)",
            "",
            "`ngb.tuning.tune` inside each training split, seeded by the split: 20 optuna TPE trials over the",
            "learning rate, depth, leaf size and weight, metric weights, subsampling and the family among those",
            "valid for the target, each early-stopped (patience 20, up to 2000 iterations) on an inner seeded",
            "20% validation part, or by 3-fold cross-validation where that part would hold fewer than 100 rows",
            "(boston, yacht); then the best trial's settings and iteration count are refitted on the whole",
            "training split. No choice sees the test split. RMSE is that of the point prediction (the mean;",
            "the location for a Student t). \"defaults\": `NGBRegressor(random_state=split)` on the same splits.",
            "",
            f"Command: `{cmd.strip()}` (run {time.strftime('%Y-%m-%d', time.localtime(os.path.getmtime(args.from_json)))})"
            + (f"; defaults column from `python benchmarks/uci.py --defaults --json ...`" if defaults else "") + ".",
            "",
            md,
            "",
            "What the tuner chose, per dataset over its splits:",
            "",
            chosen,
            "",
            timing + ". " + targets,
        ])
        update_readme("uci-tune", body)
        print(f"updated {HERE / 'README.md'}")
    return results, None


def main_defaults(args, argv):
    from joblib import Parallel, delayed
    from ngb.datasets import load_uci, uci_n_splits

    data_home = args.data_home or default_data_home()
    names = resolve_names(args.datasets)
    tasks = []
    for name in names:
        n_splits = uci_n_splits(name, data_home=data_home)
        tasks += [(name, s) for s in range(min(QUICK_SPLITS, n_splits) if args.quick else n_splits)]
    size = {name: len(load_uci(name, 0, data_home=data_home)[2]) for name in names}
    tasks.sort(key=lambda t: -size[t[0]])
    print(f"ngb library defaults: {len(tasks)} fits on {len(names)} datasets, {args.n_jobs} processes", flush=True)
    t0 = time.perf_counter()
    results = Parallel(n_jobs=args.n_jobs)(delayed(run_split_defaults)(name, s, data_home) for name, s in tasks)
    wall = time.perf_counter() - t0
    protocol = None
    if args.protocol_json:
        with open(args.protocol_json) as fh:
            protocol = json.load(fh)["ngb"]
    md = defaults_table(results, names, protocol)
    timing = (f"wall time {wall / 60:.1f} min for {len(tasks)} splits ({args.n_jobs} processes, one thread each; "
              f"{machine()}); sum of per-split times {sum(r['seconds'] for r in results) / 60:.1f} min")
    print()
    print(md)
    print()
    print(timing)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"ngb_defaults": results, "wall": wall}, fh, indent=1)
    if args.write_readme:
        sys.path.insert(0, str(HERE))
        from _readme import update_readme

        cmd = "python benchmarks/uci.py " + " ".join(a for a in (argv if argv is not None else sys.argv[1:])
                                                     if a != "--write-readme")
        body = "\n".join([
            "### UCI regression with the library defaults",
            "",
            "`NGBRegressor(random_state=split)` (Normal, every other setting at the library default) fitted on each",
            "whole standard training split, whose own early stopping holds out a random 10% of it and (up to",
            "10,000 rows) refits on all of it with the iteration count chosen; test NLL, RMSE and coverage of the",
            "central 90% interval, mean ± se over the standard splits. No validation rows of the protocol above",
            "are used. \"protocol NLL\": the protocol's ngb (table above) on the same splits.",
            "",
            f"Command: `{cmd.strip()}` — {time.strftime('%Y-%m-%d')}.",
            "",
            md,
            "",
            timing + ".",
        ])
        update_readme("uci-defaults", body)
        print(f"updated {HERE / 'README.md'}")
    return results, None


if __name__ == "__main__":
    main()
