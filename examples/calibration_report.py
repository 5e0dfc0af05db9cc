"""Calibration report of a probabilistic regression model, written as PNG files.

Fits an NGBRegressor (Normal) on scikit-learn's bundled diabetes data, prints a table of metrics of
the predicted distributions on the held-out rows (NLL, CRPS, interval score, coverage and width of
central intervals, calibration error) and writes a PIT histogram, a quantile reliability diagram,
prediction intervals, the training curve and the feature importances per parameter.

    python examples/calibration_report.py [OUTPUT_DIR]     (default: a new temporary directory)
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from sklearn.datasets import load_diabetes  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

import ngb  # noqa: E402
from ngb import metrics, plots  # noqa: E402


def main(out_dir):
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)
    model = ngb.NGBRegressor(dist="normal", n_estimators=300, learning_rate=0.03, early_stopping=True,
                             random_state=0).fit(X_train, y_train)
    dist = model.predict_dist(X_test)

    rows = [("test NLL (nats)", metrics.nll(y_test, dist)), ("test CRPS", metrics.crps(y_test, dist)),
            ("90% interval score", metrics.interval_score(y_test, dist, 0.9))]
    for level in (0.5, 0.8, 0.9, 0.95):
        rows.append((f"{level:.0%} interval coverage", metrics.coverage(y_test, dist, level)))
        rows.append((f"{level:.0%} interval mean width", metrics.sharpness(dist, level)))
    rows.append(("calibration error", metrics.calibration_error(y_test, dist)))
    print(f"NGBRegressor(normal), {model.n_iter_} iterations, {len(y_test)} test rows")
    for name, value in rows:
        print(f"  {name:<28} {value:10.4f}")

    figures = {
        "pit_histogram.png": lambda ax: plots.pit_histogram(y_test, dist, ax=ax),
        "reliability.png": lambda ax: plots.reliability_diagram(y_test, dist, ax=ax),
        "intervals.png": lambda ax: plots.prediction_intervals(y_test, dist, x=X_test["bmi"], ax=ax),
        "training_curve.png": lambda ax: plots.training_curve(model, ax=ax),
        "importances.png": lambda ax: plots.feature_importances(model, ax=ax),
    }
    for name, draw in figures.items():
        fig, ax = plt.subplots(figsize=(6, 4.5))
        draw(ax)
        fig.tight_layout()
        fig.savefig(out / name, dpi=100)
        plt.close(fig)
    print(f"wrote {len(figures)} PNG files to {out}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix="ngb-calibration-"))
