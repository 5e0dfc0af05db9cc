"""Cold start: the quickstart (import ngb, fit, predict_dist) in a fresh process with an empty numba cache.

    python benchmarks/cold_start.py [--repeat N] [--kernels]

Each run is a new subprocess whose NUMBA_CACHE_DIR is a new empty temporary directory, so every
numba kernel it uses is compiled in that run (compiled extension kernels are built at install and
cost nothing here).  Run it with the interpreter of the environment to measure (e.g. an older checkout's venv for a
before/after comparison). The subprocess does what ``examples/quickstart.py`` does: NGBRegressor
(Normal, log score, early stopping) fitted on 75% of scikit-learn's diabetes data, predict_dist on
the rest.  Reports seconds for ``import ngb``, the fit, predict_dist and the whole process (wall,
interpreter start to exit); ``--kernels`` adds the compile time of every numba kernel compiled
(numba's event API, "numba:compile"; a kernel's time includes the kernels it calls that were
compiled with it).  With ``--repeat N`` every figure is the median of N runs.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
rec = None
numba_present = True
if KERNELS:
    try:
        from numba.core import event
    except ImportError:  # ngb itself needs no numba (its kernels are compiled at install)
        numba_present = False
    else:
        rec = event.RecordingListener()
        event.register("numba:compile", rec)
t1 = time.perf_counter()
import ngb
t2 = time.perf_counter()
from sklearn.datasets import load_diabetes
from sklearn.model_selection import train_test_split
X, y = load_diabetes(return_X_y=True, as_frame=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0)
t3 = time.perf_counter()
model = ngb.NGBRegressor(dist="normal", score="log", early_stopping=True, random_state=0).fit(X_train, y_train)
t4 = time.perf_counter()
dist = model.predict_dist(X_test)
t5 = time.perf_counter()
kernels = {}
compiling = 0.0  # wall time with at least one compile running (nested ones counted once)
if rec is not None:
    starts = {}
    depth = 0
    for ts, ev in rec.buffer:
        if ev.is_start:
            depth += 1
            if depth == 1:
                outer = ts
        else:
            depth -= 1
            if depth == 0:
                compiling += ts - outer
        py = ev.data["dispatcher"].py_func
        key = (f"{py.__module__}.{py.__qualname__}", str(ev.data["args"]))
        if ev.is_start:
            starts[key] = ts
        else:
            name = key[0]
            kernels[name] = kernels.get(name, 0.0) + ts - starts.pop(key)
json.dump({"import": t2 - t1, "fit": t4 - t3, "predict_dist": t5 - t4, "n_iter": int(model.n_iter_),
           "kernels": kernels, "compiling": compiling, "numba": numba_present,
           "numba_imported": "numba" in sys.modules}, sys.stdout)
"""


def run_once(kernels):
    with tempfile.TemporaryDirectory(prefix="ngb-cold-numba-") as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        t0 = time.perf_counter()
        res = subprocess.run([sys.executable, "-c", f"KERNELS = {bool(kernels)}\n" + CHILD], env=env,
                             capture_output=True, text=True, check=False)
        total = time.perf_counter() - t0
    if res.returncode != 0:
        raise SystemExit(f"cold-start run failed:\n{res.stderr}")
    out = json.loads(res.stdout.strip().splitlines()[-1])
    out["total"] = total
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=1, help="runs (each figure: the median)")
    ap.add_argument("--kernels", action="store_true", help="per-kernel numba compile times")
    args = ap.parse_args()
    runs = [run_once(args.kernels) for _ in range(max(1, args.repeat))]
    med = {k: statistics.median(r[k] for r in runs) for k in ("import", "fit", "predict_dist", "total")}
    print(f"cold start ({len(runs)} run{'s' if len(runs) > 1 else ''}, median; empty NUMBA_CACHE_DIR; "
          f"{runs[0]['n_iter']} iterations)")
    print(f"  import ngb    {med['import']:7.3f} s")
    print(f"  fit           {med['fit']:7.3f} s")
    print(f"  predict_dist  {med['predict_dist']:7.3f} s")
    print(f"  total         {med['total']:7.3f} s  (whole process, wall)")
    print(f"  numba imported by ngb: {'yes' if runs[0]['numba_imported'] else 'no'}")
    if args.kernels:
        names = sorted({k for r in runs for k in r["kernels"]})
        times = {k: statistics.median(r["kernels"].get(k, 0.0) for r in runs) for k in names}
        compiling = statistics.median(r["compiling"] for r in runs)
        if not runs[0]["numba"]:
            print("  numba is not installed: no kernel is compiled at run time")
        print(f"  numba kernels compiled: {len(names)}, {compiling:.3f} s compiling (nested compiles counted once)")
        for name in sorted(names, key=times.get, reverse=True):
            print(f"    {times[name]:7.3f} s  {name}")


if __name__ == "__main__":
    main()
