"""Speed of exact SHAP values per distribution parameter (ngb.explain.shap_values).

    python benchmarks/shap_speed.py [--n 10000] [--iterations 500] [--p 20] [--shap] [--agnostic 20] [--write-readme]

Fits NGBRegressor (Normal: k = 2 parameters, so 2 trees per iteration; no early stopping) on n
synthetic rows with 5% missing values, with the default depth-3 trees and with best-first trees
(``max_leaf_nodes=31``), and times ``shap_values`` on the same n rows: single-threaded
(``n_jobs=1``, CPU time of the calling thread) and on all cores (wall time), best of 3, and once
with the leaf tables off (every tree by the recursion of Algorithm 2). It checks
additivity (SHAP values + expected value = the model's internal parameters). ``--shap`` also times
shap's ``TreeExplainer`` on the same trees (``ngb.explain.shap_model``, one explainer per parameter,
path-dependent, wall time, one run) and reports the largest difference from ngb's values;
``--agnostic R`` times shap's model-agnostic ``shap.Explainer(model.predict, X[:100])`` on R rows
(the mean only), the only shap route that takes an ngb model directly.
``--write-readme`` writes the table into benchmarks/README.md (section ``shap``).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from datetime import date

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import ngb  # noqa: E402
from ngb.explain import shap_model, shap_values  # noqa: E402


def data(n, p, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    y = X[:, 0] + X[:, 1] * X[:, 2] + np.sin(3 * X[:, 3]) + rng.normal(size=n) * np.exp(0.5 * X[:, 4])
    X[rng.random((n, p)) < 0.05] = np.nan
    return X, y


def best_of(f, repeat, timer):
    times = []
    for _ in range(repeat):
        t = timer()
        f()
        times.append(timer() - t)
    return min(times)


def run(name, base, X, y, iterations, use_shap, repeat):
    model = ngb.NGBRegressor(base=base, n_estimators=iterations, learning_rate=0.01, early_stopping=False,
                             random_state=0).fit(X, y)
    trees = [t for ts in model._estimators for t in ts]
    res = shap_values(model, X)
    theta = model._raw_predict(model._validate_X(X, reset=False))
    additivity = float(np.abs(res.values.sum(axis=1) + res.expected_value - theta).max())
    one = best_of(lambda: shap_values(model, X, n_jobs=1), repeat, time.thread_time)
    allc = best_of(lambda: shap_values(model, X), repeat, time.perf_counter)
    recursion = best_of(lambda: shap_values(model, X, n_jobs=1, _table_budget=0), 1, time.thread_time)
    row = {"model": name, "trees": len(trees), "nodes": sum(t.n_nodes for t in trees),
           "depth": max(t.depth for t in trees), "one": one, "all": allc, "recursion": recursion,
           "additivity": additivity}
    if use_shap:
        import shap

        t = time.perf_counter()
        diffs = []
        for j in range(len(model.init_params_)):
            theirs = shap.TreeExplainer(shap_model(model, j)).shap_values(X, check_additivity=False)
            diffs.append(np.abs(theirs - res.values[:, :, j]).max())
        row["shap"] = time.perf_counter() - t
        row["shap_diff"] = float(max(diffs))
        row["shap_version"] = shap.__version__
    print(row, flush=True)
    return model, row


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--p", type=int, default=20)
    ap.add_argument("--iterations", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--shap", action="store_true", help="also time shap's TreeExplainer on the same trees")
    ap.add_argument("--agnostic", type=int, default=0, help="rows for shap's model-agnostic Explainer (0: skip)")
    ap.add_argument("--write-readme", action="store_true")
    args = ap.parse_args()
    X, y = data(args.n, args.p)
    started = time.perf_counter()
    rows = []
    model, row = run("depth-3 trees (default)", None, X, y, args.iterations, args.shap, args.repeat)
    rows.append(row)
    best_first = ngb.HistTreeRegressor(max_depth=None, max_leaf_nodes=31, min_samples_leaf=20)
    rows.append(run("best-first, 31 leaves", best_first, X, y, args.iterations, args.shap, args.repeat)[1])
    agnostic = None
    if args.agnostic:
        import shap

        explainer = shap.Explainer(model.predict, X[:100])
        t = time.perf_counter()
        explainer(X[:args.agnostic])
        agnostic = time.perf_counter() - t
        print(f"shap.Explainer(model.predict, X[:100]) on {args.agnostic} rows: {agnostic:.1f} s", flush=True)

    head = "| trees | nodes | max depth | ngb 1 thread s | ngb all cores s | recursion only, 1 thread s | additivity |"
    rule = "|---|---|---|---|---|---|---|"
    if args.shap:
        head += " shap TreeExplainer s | max \\|ngb − shap\\| |"
        rule += "---|---|"
    lines = [f"| model {head}", f"|---{rule}"]
    for r in rows:
        line = (f"| {r['model']} | {r['trees']:,} | {r['nodes']:,} | {r['depth']} | {r['one']:.2f} | {r['all']:.2f} | "
                f"{r['recursion']:.2f} | {r['additivity']:.1e} |")
        if args.shap:
            line += f" {r['shap']:.2f} | {r['shap_diff']:.1e} |"
        lines.append(line)
    cmd = "python benchmarks/shap_speed.py" + (f" --n {args.n}" if args.n != 10_000 else "") + (
        f" --iterations {args.iterations}" if args.iterations != 500 else "") + (" --shap" if args.shap else "") + (
        f" --agnostic {args.agnostic}" if args.agnostic else "") + " --write-readme"
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    notes = [
        "",
        f"SHAP values of both parameters of NGBRegressor (Normal) on n = {args.n:,} rows × {args.p} features "
        f"(5% missing), {args.iterations} iterations: every row explained, values (n, p, 2). "
        "1 thread: CPU time of the calling thread; all cores: wall time; best of "
        f"{args.repeat} (recursion only: one run with the leaf tables off, every tree by Algorithm 2). "
        "Additivity: max |Σ SHAP + expected − internal parameter|.",
    ]
    if args.shap:
        notes.append(f"shap {rows[0]['shap_version']}: TreeExplainer on `ngb.explain.shap_model` (one explainer per "
                     "parameter, path-dependent), wall time of one run, both parameters.")
    if agnostic is not None:
        notes.append(f"shap's model-agnostic `shap.Explainer(model.predict, X[:100])` (the mean only): "
                     f"{agnostic:.1f} s for {args.agnostic} rows.")
    notes.append(f"Command: `{cmd}` — {date.today().isoformat()}, {platform.machine()}, {os.cpu_count()} cores, "
                 f"load average {load:.2f} at the end, total {(time.perf_counter() - started) / 60:.1f} min.")
    text = "\n".join(lines + notes)
    print(text)
    if args.write_readme:
        from _readme import update_readme

        update_readme("shap", "### SHAP values per parameter\n\n" + text)


if __name__ == "__main__":
    main()
