"""Peak memory of a fit: n rows x p features, in a fresh process per measurement.

Reports the process's peak resident set size (data included) and the size of X itself, so the
overhead of fitting is visible. Fitting must not copy X once per iteration: the overhead stays
flat as the number of iterations grows.

Usage: python benchmarks/memory.py [--n 1000000] [--p 20] [--iterations 20,100]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time


def child(n, p, iterations, family):
    import numpy as np

    import ngb
    from ngb.datasets import synthetic

    if family == "normal":
        X, y, _ = synthetic.make_heteroscedastic_normal(n, n_features=p, random_state=0)
    else:
        X, y, _ = synthetic.make_poisson_counts(n, n_features=p, random_state=0)
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    ngb.NGBRegressor(dist=family, n_estimators=iterations, learning_rate=0.1, early_stopping=False, n_jobs=-1).fit(X, y)
    fit_s = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"x_mb": X.nbytes / 2**20, "rss_before_fit_mb": base_rss, "peak_mb": peak, "fit_s": fit_s}))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--p", type=int, default=20)
    parser.add_argument("--iterations", default="20,100")
    parser.add_argument("--family", default="normal")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.n, args.p, int(args.iterations), args.family)
        return
    print("| n | p | family | iterations | X MB | RSS before fit MB | peak RSS MB | fit s |")
    print("|---|---|---|---|---|---|---|---|")
    for its in args.iterations.split(","):
        cmd = [sys.executable, __file__, "--child", "--n", str(args.n), "--p", str(args.p), "--iterations", its, "--family", args.family]
        out = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1])
        print(
            f"| {args.n:,} | {args.p} | {args.family} | {its} | {out['x_mb']:.0f} | {out['rss_before_fit_mb']:.0f} "
            f"| {out['peak_mb']:.0f} | {out['fit_s']:.1f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
