"""Speed benchmark: ngb against ngboost 0.6.0 and against the fastest distributional peers.

Every competitor runs in its own virtual environment (benchmarks/envs.py) as a subprocess, the
competitors alternate, and all see the same data (written once to a temporary .npz). Each worker
first fits the same model on the same rows for 2 iterations, untimed, so every timed fit runs in a
warm process (ngb's kernels are compiled at install; the warm-up loads its modules and those of the
other libraries).

Part 1 (``--part ngboost``): synthetic p=20 data with known truth (ngb.datasets.synthetic) for
Normal (heteroscedastic), Poisson (nonlinear log rate) and Categorical (3 classes);
n_estimators=500, learning_rate=0.01, depth-3 trees, no early stopping, n_jobs=-1 for both.
Reports fit seconds, their ratio, predict_dist seconds on 100,000 rows and test NLL.

Part 2 (``--part peers``): Friedman-1 mean with noise sd 0.5 + 2 x5 (d=10), 200 rounds, learning
rate 0.1, depth 3, both cores, test on 20,000 fresh rows; ngb, CatBoost RMSEWithUncertainty,
xgboost-distribution (normal) and LightGBM fitting 400 plain depth-3 trees (point forecasts only).
Reports fit seconds, ratio to CatBoost, test NLL, CRPS and each process's peak memory.

Part 3 (``--part families``): every family on the log score with NGBRegressor, and the survival
families (exponential, lognormal, weibull, gamma) on the censored log score with NGBSurvival, on
p=10 synthetic data drawn from the family itself with known truth (``synthetic.make_family``; the
survival targets about a third censored); the settings of part 1 (500 iterations, learning rate
0.01, depth 3, no early stopping, n_jobs=-1), each fit in its own warm process, ``--repeats``
rounds (order alternating). Reports the median fit seconds, ms per iteration, the ratio to
Poisson's fit at the same size and the test NLL (20,000 fresh rows) against the truth's.

Part 0 (``--part basecheck``): the histogram tree against scikit-learn's exact tree as ngb's base
learner, same settings as part 1: test NLL and fit seconds (the default must not cost accuracy).

Usage:
    python benchmarks/speed.py --part basecheck --sizes 10000
    python benchmarks/speed.py --part ngboost --sizes 10000,100000
    python benchmarks/speed.py --part peers --sizes 10000,100000,1000000
    python benchmarks/speed.py --part families --sizes 10000,100000 --repeats 3
    add --write-readme to update the speed section of benchmarks/README.md
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import envs  # noqa: E402
from _readme import update_readme  # noqa: E402

from ngb.datasets import synthetic  # noqa: E402

WORKER = str(Path(__file__).resolve().parent / "_speed_worker.py")

MAKERS = {
    "normal": lambda n, seed: synthetic.make_heteroscedastic_normal(n, n_features=20, random_state=seed),
    "poisson": lambda n, seed: synthetic.make_poisson_counts(n, n_features=20, random_state=seed),
    "categorical": lambda n, seed: synthetic.make_categorical(n, n_features=20, n_classes=3, random_state=seed),
    "friedman": lambda n, seed: synthetic.make_friedman1_heteroscedastic(n, n_features=10, random_state=seed),
}


def write_data(task, n_train, n_test, folder, seed=0):
    X, y, _ = MAKERS[task](n_train, seed)
    Xt, yt, truth = MAKERS[task](n_test, seed + 1)
    path = os.path.join(folder, f"{task}_{n_train}.npz")
    np.savez(path, X_train=X, y_train=y, X_test=Xt, y_test=yt)
    return path, float(np.mean(truth["nll"]))


def run(lib, task, data, **kw):
    env = {"ngb": "ngb", "ngboost": "ngboost"}.get(lib, "peers")
    args = {"lib": lib, "task": task, "data": data, **kw}
    t0 = time.perf_counter()
    out = envs.run(env, WORKER, args)
    out["wall_s"] = time.perf_counter() - t0
    return out


def fmt(x, spec=".3f"):
    return "—" if x is None else format(x, spec)


def part_ngboost(sizes, folder, families):
    rows = []
    header = (
        "| family | n | ngb fit s | ngboost fit s | speed-up | ngb predict s (100k) | ngboost predict s (100k) "
        "| ngb NLL | ngboost NLL | true NLL |"
    )
    lines = [header, "|---|---|---|---|---|---|---|---|---|---|"]
    print(header, flush=True)
    for n in sizes:
        for i, task in enumerate(families):
            data, true_nll = write_data(task, n, 100_000, folder)
            kw = dict(n_estimators=500, learning_rate=0.01, depth=3, n_jobs=-1)
            order = ["ngb", "ngboost"] if i % 2 == 0 else ["ngboost", "ngb"]  # alternate who goes first
            res = {lib: run(lib, task, data, **kw) for lib in order}
            a, b = res["ngb"], res["ngboost"]
            line = (
                f"| {task} | {n:,} | {a['fit_s']:.2f} | {b['fit_s']:.1f} | {b['fit_s'] / a['fit_s']:.0f}× "
                f"| {a['predict_s']:.2f} | {b['predict_s']:.2f} | {fmt(a['nll'], '.4f')} | {fmt(b['nll'], '.4f')} "
                f"| {true_nll:.4f} |"
            )
            print(line, flush=True)
            lines.append(line)
            rows.append((task, n, res))
    return lines


def part_peers(sizes, folder):
    header = "| n | library | fit s | ngb speed-up vs it | test NLL | test CRPS | peak MB |"
    lines = [header, "|---|---|---|---|---|---|---|"]
    print(header, flush=True)
    for n in sizes:
        data, true_nll = write_data("friedman", n, 20_000, folder)
        kw = dict(n_estimators=200, learning_rate=0.1, depth=3, n_jobs=2)
        res = {}
        for lib in ["ngb", "catboost", "xgbdist", "lightgbm"]:
            res[lib] = run(lib, "friedman", data, **kw)
        for lib, r in res.items():
            ratio = r["fit_s"] / res["ngb"]["fit_s"]
            name = {"lightgbm": "lightgbm (400 plain trees)", "xgbdist": "xgboost-distribution"}.get(lib, lib)
            line = (
                f"| {n:,} | {name} | {r['fit_s']:.2f} | {'' if lib == 'ngb' else f'{ratio:.2f}×'} "
                f"| {fmt(r['nll'], '.4f')} | {fmt(r['crps'], '.4f')} | {r['peak_rss_mb']:.0f} |"
            )
            print(line, flush=True)
            lines.append(line)
        lines.append(f"| {n:,} | (truth) | | | {true_nll:.4f} | | |")
    return lines


def part_basecheck(sizes, folder, families):
    """ngb with its histogram tree against ngb with scikit-learn's DecisionTreeRegressor(max_depth=3)."""
    header = "| family | n | hist tree NLL | DecisionTreeRegressor NLL | difference | hist fit s | sklearn-tree fit s |"
    lines = [header, "|---|---|---|---|---|---|---|"]
    print(header, flush=True)
    for n in sizes:
        for task in families:
            data, _ = write_data(task, n, 100_000, folder)
            kw = dict(n_estimators=500, learning_rate=0.01, depth=3, n_jobs=-1)
            hist = run("ngb", task, data, **kw)
            exact = run("ngb", task, data, base="sklearn", **kw)
            line = (
                f"| {task} | {n:,} | {hist['nll']:.4f} | {exact['nll']:.4f} | {hist['nll'] - exact['nll']:+.4f} "
                f"| {hist['fit_s']:.2f} | {exact['fit_s']:.1f} |"
            )
            print(line, flush=True)
            lines.append(line)
    return lines


#: the families of part 3, fitted with NGBRegressor on the log score; SURVIVAL_FAMILIES with NGBSurvival
FAMILIES = ("poisson", "normal", "exponential", "halfnormal", "laplace", "logistic", "gumbel", "lognormal",
            "t_fixed_df", "cauchy", "studentt", "weibull", "gamma", "beta", "negative_binomial",
            "zero_inflated_poisson", "zero_inflated_negative_binomial")
SURVIVAL_FAMILIES = ("exponential", "lognormal", "weibull", "gamma")


def write_family_data(task, n_train, n_test, folder, seed=0):
    """Train/test data of ``task`` ("family:<name>" or "survival:<name>") from
    ``synthetic.make_family``; returns the path and the true mean test NLL."""
    kind, _, name = task.partition(":")
    X, y, _ = synthetic.make_family(name, n_train, n_features=10, random_state=seed, censored=kind == "survival")
    Xt, yt, truth = synthetic.make_family(name, n_test, n_features=10, random_state=seed + 1, censored=kind == "survival")
    path = os.path.join(folder, f"{kind}_{name}_{n_train}.npz")
    np.savez(path, X_train=X, y_train=y, X_test=Xt, y_test=yt)
    return path, float(np.mean(truth["nll"]))


def part_families(sizes, folder, families, repeats):
    """Every family on the log score (and the survival families on the censored log score), each fit
    in its own warm process, ``repeats`` rounds in turn; the median fit seconds and its ratio to
    Poisson's at the same size."""
    tasks = [f"family:{f}" for f in families] + [f"survival:{f}" for f in SURVIVAL_FAMILIES]
    header = "| family | score | n | fit s | ms / iteration | ratio to Poisson | test NLL | true NLL |"
    lines = [header, "|---|---|---|---|---|---|---|---|"]
    print(header, flush=True)
    kw = dict(n_estimators=500, learning_rate=0.01, depth=3, n_jobs=-1)
    for n in sizes:
        data = {task: write_family_data(task, n, 20_000, folder) for task in tasks}
        times = {task: [] for task in tasks}
        result = {}
        for r in range(repeats):
            for task in tasks if r % 2 == 0 else tasks[::-1]:  # alternate the order between rounds
                result[task] = run("ngb", task, data[task][0], **kw)
                times[task].append(result[task]["fit_s"])
        poisson = float(np.median(times["family:poisson"]))
        for task in tasks:
            kind, _, name = task.partition(":")
            fit = float(np.median(times[task]))
            line = (
                f"| {name} | {'censored log (NGBSurvival)' if kind == 'survival' else 'log'} | {n:,} | {fit:.2f} "
                f"| {fit / kw['n_estimators'] * 1e3:.1f} | {fit / poisson:.2f} | {result[task]['nll']:.4f} "
                f"| {data[task][1]:.4f} |"
            )
            print(line, flush=True)
            lines.append(line)
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--part", choices=["ngboost", "peers", "basecheck", "families"], required=True)
    parser.add_argument("--sizes", default=None, help="comma-separated training sizes")
    parser.add_argument("--families", default=None, help="comma-separated (default: part 1's three; part 3: all)")
    parser.add_argument("--repeats", type=int, default=3, help="part 3: rounds of fits (the median is reported)")
    parser.add_argument("--write-readme", action="store_true")
    args = parser.parse_args()
    default = {"ngboost": "10000,100000", "peers": "10000,100000,1000000", "basecheck": "10000",
               "families": "10000,100000"}[args.part]
    families = (args.families or (",".join(FAMILIES) if args.part == "families" else
                                  "normal,poisson,categorical")).split(",")
    sizes = [int(float(s)) for s in (args.sizes or default).split(",")]
    command = "python benchmarks/speed.py " + " ".join(sys.argv[1:]).replace(" --write-readme", "")
    t0 = time.perf_counter()
    load_before = os.getloadavg()[0]  # (other jobs on the machine slow every fit)
    with tempfile.TemporaryDirectory() as folder:
        if args.part == "ngboost":
            lines = part_ngboost(sizes, folder, families)
        elif args.part == "basecheck":
            lines = part_basecheck(sizes, folder, families)
        elif args.part == "families":
            if "poisson" not in families:
                families = ["poisson", *families]  # the yardstick of the ratios
            lines = part_families(sizes, folder, families, args.repeats)
        else:
            lines = part_peers(sizes, folder)
    total = time.perf_counter() - t0
    stamp = (
        f"Command: `{command}` — {time.strftime('%Y-%m-%d')}, {platform.machine()}, {os.cpu_count()} cores, "
        f"total {total / 60:.1f} min, 1-minute load average {load_before:.1f} before the run."
    )
    print(stamp)
    if args.write_readme:
        update_readme(f"speed-{args.part}", "\n".join(lines) + "\n\n" + stamp)


if __name__ == "__main__":
    main()
