"""Validation curves on the UCI splits: how sharply the validation NLL rises after its minimum.

For each dataset, split and configuration (``metric_weighted`` x the default tree's
``min_samples_leaf``), fit the paper protocol's step 1 (80% of the training split, up to 2000
iterations at learning rate 0.01, Normal, log score, depth 3) and read the validation NLL curve
(the seeded 20% of the training split, ``uci.validation_rows``) at its minimum and at 1.25x and 1.5x
the best iteration count. No test split is read. This is the evidence behind
``metric_weighted="auto"`` leaving continuous families unweighted (benchmarks/README.md).

    python benchmarks/uci_validation.py --datasets energy --splits 10
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import uci  # noqa: E402

#: (metric_weighted, min_samples_leaf) pairs
CONFIGS = [(False, 1), (False, 10), (True, 1), (True, 10)]


def curve_points(name, split, metric_weighted, min_samples_leaf, data_home=None):
    """(validation NLL at the best iteration, at 1.25x and 1.5x that count, best iteration)."""
    import ngb
    from ngb.datasets import load_uci

    X_train, _, y_train, _ = load_uci(name, split, data_home=data_home)
    fit, val = uci.validation_rows(len(y_train), split)
    model = ngb.NGBRegressor(
        n_estimators=uci.N_ESTIMATORS, learning_rate=uci.LEARNING_RATE, early_stopping=False, random_state=split,
        metric_weighted=metric_weighted, base=ngb.HistTreeRegressor(max_depth=uci.MAX_DEPTH, min_samples_leaf=min_samples_leaf),
    )
    model.fit(X_train[fit], y_train[fit], X_val=X_train[val], y_val=y_train[val])
    c = model.validation_score_
    best = max(1, int(np.argmin(c)))
    at = lambda f: c[min(len(c) - 1, int(best * f))]  # noqa: E731
    return c[best], at(1.25), at(1.5), best


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--datasets", default="energy", help="comma-separated short or full UCI names")
    p.add_argument("--splits", type=int, default=10, help="first N standard splits")
    p.add_argument("--data-home", default=None)
    args = p.parse_args(argv)
    home = args.data_home or uci.default_data_home()
    print("| dataset | metric_weighted | min_samples_leaf | val NLL at best | at 1.25x | at 1.5x | best iteration (median) |")
    print("|---|---|---|---|---|---|---|")
    for name in uci.resolve_names(args.datasets):
        for mw, msl in CONFIGS:
            pts = np.array([curve_points(name, s, mw, msl, home) for s in range(args.splits)])
            print(f"| {name} | {mw} | {msl} | {pts[:, 0].mean():.3f} | {pts[:, 1].mean():.3f} | {pts[:, 2].mean():.3f} "
                  f"| {np.median(pts[:, 3]):.0f} |", flush=True)


if __name__ == "__main__":
    main()
