"""ngboost's quickstart code (regression, classification, survival) run twice: by ngboost 0.6.0 in its
own environment and by ``ngb.compat.ngboost`` (the same code, only the import changed).

    python benchmarks/compat_ngboost.py [--python PATH_TO_NGBOOST_PYTHON]

The ngboost interpreter defaults to ``NGB_NGBOOST_PYTHON``, else ``/work/bench-envs/ngboost/bin/python``,
else ``benchmarks/.envs/ngboost``. Data: scikit-learn's bundled diabetes and breast-cancer sets, and a
simulated right-censored log-normal survival set (seeded). Prints a markdown table: test metric and fit
time (wall clock and CPU time of the fitting process) for both.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

SCRIPT = textwrap.dedent("""
    import json, time
    import numpy as np
    from sklearn.datasets import load_breast_cancer, load_diabetes
    from sklearn.model_selection import train_test_split
    from {pkg} import NGBClassifier, NGBRegressor, NGBSurvival
    from {pkg}.distns import Bernoulli, LogNormal, Normal
    from {pkg}.scores import LogScore

    def timed(fit):
        w, c = time.perf_counter(), time.process_time()
        model = fit()
        return model, time.perf_counter() - w, time.process_time() - c

    out = {{}}
    X, Y = load_diabetes(return_X_y=True)
    X_train, X_test, Y_train, Y_test = train_test_split(X, Y, test_size=0.2, random_state=1)
    m, wall, cpu = timed(lambda: NGBRegressor(Dist=Normal, Score=LogScore, verbose=False).fit(X_train, Y_train))
    out["regression (diabetes, Normal): test NLL"] = (float(-m.pred_dist(X_test).logpdf(Y_test).mean()), wall, cpu)

    X, y = load_breast_cancer(return_X_y=True)
    X_train, X_test, Y_train, Y_test = train_test_split(X, y, test_size=0.2, random_state=0)
    m, wall, cpu = timed(lambda: NGBClassifier(Dist=Bernoulli, verbose=False).fit(X_train, Y_train))
    p = m.predict_proba(X_test)[np.arange(len(Y_test)), Y_test]
    out["classification (breast cancer, Bernoulli): test log loss"] = (float(-np.mean(np.log(p))), wall, cpu)

    rng = np.random.default_rng(0)
    n = 2000
    X = rng.normal(size=(n, 5))
    T_event = np.exp(1.0 + 0.5 * X[:, 0] - 0.3 * X[:, 1] + 0.5 * rng.normal(size=n))
    C = np.exp(1.3 + 0.5 * rng.normal(size=n))
    T, E = np.minimum(T_event, C), (T_event <= C).astype(int)
    m, wall, cpu = timed(lambda: NGBSurvival(Dist=LogNormal, verbose=False).fit(X[:1500], T[:1500], E[:1500]))
    d = m.pred_dist(X[1500:])
    ll = np.where(E[1500:] == 1, d.logpdf(T[1500:]), np.log(np.clip(1 - d.cdf(T[1500:]), 1e-300, None)))
    out["survival (simulated, LogNormal): test censored NLL"] = (float(-ll.mean()), wall, cpu)
    print(json.dumps(out))
""")


def reference_python(given=None):
    for c in (given, os.environ.get("NGB_NGBOOST_PYTHON"), "/work/bench-envs/ngboost/bin/python",
              str(Path(__file__).resolve().parent / ".envs" / "ngboost" / "bin" / "python")):
        if c and os.path.exists(c):
            return c
    return None


def run(python, pkg):
    res = subprocess.run([python, "-c", SCRIPT.format(pkg=pkg)], capture_output=True, text=True, check=True)
    return json.loads(res.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", help="interpreter of an environment with ngboost 0.6.0")
    args = parser.parse_args()
    ref_py = reference_python(args.python)
    if ref_py is None:
        sys.exit("no ngboost environment found: pass --python or set NGB_NGBOOST_PYTHON")
    ref, ours = run(ref_py, "ngboost"), run(sys.executable, "ngb.compat.ngboost")
    print("| quickstart | ngboost 0.6.0 | ngb.compat.ngboost | fit wall s (ngboost / compat) | fit CPU s (ngboost / compat) |")
    print("|---|---|---|---|---|")
    for key, (v_ref, w_ref, c_ref) in ref.items():
        v, w, c = ours[key]
        print(f"| {key} | {v_ref:.4f} | {v:.4f} | {w_ref:.2f} / {w:.2f} | {c_ref:.2f} / {c:.2f} |")


if __name__ == "__main__":
    main()
