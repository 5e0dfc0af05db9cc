"""Explain a fitted probabilistic model: which features move the predicted mean, which the spread.

Fits an NGBRegressor (Normal: loc, log scale) on scikit-learn's bundled diabetes data, computes
exact SHAP values of both internal parameters on the held-out rows (ngb.explain.shap_values),
prints the features that matter most for each and checks that the SHAP values add up to the
predicted parameters, then writes a SHAP summary plot per parameter and the partial dependence
(with ICE curves) of the predicted mean and of the 90% interval width on the top feature.

    python examples/explain.py [OUTPUT_DIR]     (default: a new temporary directory)
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.datasets import load_diabetes  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

import ngb  # noqa: E402
from ngb import plots  # noqa: E402
from ngb.explain import shap_values  # noqa: E402


def main(out_dir):
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)
    model = ngb.NGBRegressor(dist="normal", n_estimators=300, learning_rate=0.03, early_stopping=True,
                             random_state=0).fit(X_train, y_train)

    shap = shap_values(model, X_test)  # values (n, p, k), expected_value (k,)
    theta = shap.values.sum(axis=1) + shap.expected_value
    dist = model.predict_dist(X_test)
    internal = np.column_stack([dist.params["loc"], np.log(dist.params["scale"])])
    print(f"SHAP values {shap.values.shape} (rows, features, parameters); expected value "
          f"loc={shap.expected_value[0]:.2f}, log_scale={shap.expected_value[1]:.3f}")
    print(f"additivity: max |sum of SHAP + expected - predicted parameter| = {np.abs(theta - internal).max():.1e}")
    importance = shap.importances()  # (k, p) mean |SHAP|
    for j, name in enumerate(shap.param_names):
        top = np.argsort(-importance[j])[:3]
        listed = ", ".join(f"{shap.feature_names[f]} ({importance[j, f]:.3g})" for f in top)
        print(f"top features for {name} (mean |SHAP|): {listed}")

    written = []
    for name in shap.param_names:
        res = plots.shap_summary(shap, name, max_display=8)
        res.figure.tight_layout()
        res.figure.savefig(out / f"shap_{name}.png", dpi=100)
        written.append(f"shap_{name}.png")
        plt.close(res.figure)

    feature = shap.feature_names[int(np.argmax(importance[0]))]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, output in zip(axes, ("mean", "interval_width")):
        res = plots.partial_dependence(model, X_test, feature, output=output, level=0.9, kind="both", ax=ax,
                                       grid_resolution=30)
        lo, hi = res.data["average"].min(), res.data["average"].max()
        print(f"partial dependence of the {'90% interval width' if output != 'mean' else 'mean'} on {feature}: "
              f"{lo:.1f} .. {hi:.1f}")
    fig.tight_layout()
    fig.savefig(out / "partial_dependence.png", dpi=100)
    written.append("partial_dependence.png")
    print(f"wrote {len(written)} PNG files to {out}: {', '.join(written)}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix="ngb_explain_"))
