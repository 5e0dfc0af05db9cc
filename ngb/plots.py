"""Diagnostic plots of predicted distributions and fitted ngb models (matplotlib, the optional
``plotting`` extra: ``pip install "ngb[plotting]"``).

Every function takes an optional ``ax`` (a new figure otherwise) and returns a :class:`Plot`:
``ax``, ``artists`` (a dict of what was drawn) and ``data`` (the numbers that were plotted).
Models may be ngb estimators or a Pipeline / search / TransformedTargetRegressor around one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .metrics import pit, predict_dist, quantile_reliability
from .metrics._predict import final_estimator

__all__ = ["Plot", "pit_histogram", "reliability_diagram", "prediction_intervals", "training_curve",
           "feature_importances", "survival_curves", "shap_summary", "partial_dependence"]


@dataclass
class Plot:
    """What a plotting function drew: the Axes, the artists by name, the plotted numbers by name."""

    ax: object
    artists: dict = field(default_factory=dict)
    data: dict = field(default_factory=dict)

    @property
    def figure(self):
        return self.ax.figure


def _axes(ax):
    try:
        import matplotlib.pyplot as plt
    except ImportError as err:  # pragma: no cover - exercised by a test that hides matplotlib
        raise ImportError('ngb.plots needs matplotlib: pip install "ngb[plotting]" (or pip install matplotlib).') from err
    if ax is None:
        _, ax = plt.subplots()
    return ax


def _dist(model_or_dist, X):
    if hasattr(model_or_dist, "cdf") and X is None:
        return model_or_dist
    if X is None:
        raise ValueError("give X with a model (or pass the predicted distribution itself).")
    return predict_dist(model_or_dist, X)


def pit_histogram(y, dist, *, bins=10, ax=None, random_state=0):
    """Histogram of the PIT values (randomised for discrete families) as densities on [0, 1],
    with the uniform density 1 of a calibrated forecast. data: pit (n,), counts (bins,), edges."""
    ax = _axes(ax)
    u = pit(y, dist, random_state=random_state)
    counts, edges = np.histogram(u, bins=bins, range=(0.0, 1.0))
    density = counts / (len(u) * np.diff(edges))
    bars = ax.bar(edges[:-1], density, width=np.diff(edges), align="edge", edgecolor="white", label="PIT")
    ref = ax.axhline(1.0, color="k", linestyle="--", linewidth=1, label="calibrated")
    ax.set(xlim=(0, 1), xlabel="PIT value F(y)", ylabel="density", title="PIT histogram")
    ax.legend(loc="best")
    return Plot(ax, {"bars": bars, "reference": ref}, {"pit": u, "counts": counts, "density": density, "edges": edges})


def reliability_diagram(y, dist, *, levels=None, ax=None, random_state=0):
    """Quantile reliability: observed fraction of y at or below the predicted quantile against the
    nominal level, with the diagonal. data: levels (m,), observed (m,)."""
    ax = _axes(ax)
    levels, observed = quantile_reliability(y, dist, levels, random_state=random_state)
    diag = ax.plot([0, 1], [0, 1], color="k", linestyle="--", linewidth=1, label="calibrated")[0]
    line = ax.plot(levels, observed, marker="o", label="model")[0]
    ax.set(xlim=(0, 1), ylim=(0, 1), xlabel="nominal quantile level", ylabel="observed fraction of y <= quantile",
           title="Quantile reliability")
    ax.set_aspect("equal")
    ax.legend(loc="upper left")
    return Plot(ax, {"line": line, "diagonal": diag}, {"levels": levels, "observed": observed})


def prediction_intervals(y, dist, *, x=None, levels=(0.5, 0.9), ax=None, max_points=None):
    """Central prediction intervals (one band per level) and the median, against a feature ``x``
    (n,) or the row order, with y as points. Rows are sorted by x. data: x, order, median,
    intervals {level: (lower, upper)} in plotted order."""
    ax = _axes(ax)
    y = np.asarray(y, dtype=float).reshape(-1)
    xs = np.arange(len(y), dtype=float) if x is None else np.asarray(x, dtype=float).reshape(-1)
    order = np.argsort(xs, kind="stable")
    if max_points is not None and len(order) > max_points:
        order = order[np.linspace(0, len(order) - 1, max_points).astype(int)]
    d = dist[order]
    artists, intervals = {}, {}
    for i, level in enumerate(sorted(levels, reverse=True)):
        lo, hi = d.interval(level)
        intervals[level] = (np.asarray(lo), np.asarray(hi))
        artists[f"band_{level:g}"] = ax.fill_between(xs[order], lo, hi, alpha=0.2 + 0.2 * i, color="C0",
                                                      linewidth=0, label=f"{level:.0%} interval")
    median = np.asarray(d.median())
    artists["median"] = ax.plot(xs[order], median, color="C0", label="median")[0]
    artists["y"] = ax.scatter(xs[order], y[order], s=8, color="C1", zorder=3, label="y")
    ax.set(xlabel="row" if x is None else str(getattr(x, "name", None) or "feature"), ylabel="y", title="Prediction intervals")
    ax.legend(loc="best")
    return Plot(ax, artists, {"x": xs[order], "order": order, "median": median, "intervals": intervals})


def training_curve(model, *, ax=None):
    """Mean training and validation score per iteration (``train_score_``, ``validation_score_``;
    index 0 before boosting, lower is better), with the kept iteration ``n_iter_`` marked."""
    ax = _axes(ax)
    est = final_estimator(model)
    train = np.asarray(est.train_score_, dtype=float)
    artists = {"train": ax.plot(np.arange(len(train)), train, label="train")[0]}
    data = {"train": train, "n_iter": int(est.n_iter_)}
    val = getattr(est, "validation_score_", None)
    if val is not None and len(val) and np.all(np.isfinite(val)):
        val = np.asarray(val, dtype=float)
        artists["validation"] = ax.plot(np.arange(len(val)), val, label="validation")[0]
        data["validation"] = val
    artists["kept"] = ax.axvline(est.n_iter_, color="k", linestyle=":", label=f"kept: {est.n_iter_} iterations")
    ax.set(xlabel="iteration", ylabel="mean score (lower is better)", title="Training curve")
    ax.legend(loc="best")
    return Plot(ax, artists, data)


def feature_importances(model, *, feature_names=None, ax=None, top=None):
    """Grouped horizontal bars of ``feature_importances_by_param_`` (one colour per distribution
    parameter), features ordered by mean importance. data: names (p,), by_param {param: (p,)}."""
    ax = _axes(ax)
    est = final_estimator(model)
    by_param = {k: np.asarray(v, dtype=float) for k, v in est.feature_importances_by_param_.items()}
    p = len(next(iter(by_param.values())))
    if feature_names is None:
        feature_names = getattr(est, "feature_names_in_", None)
    names = np.asarray([f"x{j}" for j in range(p)] if feature_names is None else list(feature_names), dtype=object)
    order = np.argsort(-np.mean(list(by_param.values()), axis=0), kind="stable")
    if top is not None:
        order = order[:top]
    height = 0.8 / len(by_param)
    pos = np.arange(len(order))
    artists = {}
    for i, (param, values) in enumerate(by_param.items()):
        artists[param] = ax.barh(pos + i * height, values[order], height=height, label=param)
    ax.set_yticks(pos + height * (len(by_param) - 1) / 2, [str(n) for n in names[order]])
    ax.invert_yaxis()
    ax.set(xlabel="importance", title="Feature importances by parameter")
    ax.legend(loc="best")
    return Plot(ax, artists, {"names": names[order], "by_param": {k: v[order] for k, v in by_param.items()}})


def survival_curves(model_or_dist, X=None, *, times=None, ax=None, labels=None):
    """Predicted survival functions S(t) = ``predict_dist(X).sf(t)``, one line per row, on ``times``
    (default 200 points from 0 to the largest 99% quantile). data: times (m,), survival (n, m)."""
    ax = _axes(ax)
    d = _dist(model_or_dist, X)
    if times is None:
        times = np.linspace(0.0, float(np.max(d.quantile(0.99))), 200)
    times = np.asarray(times, dtype=float)
    surv = np.asarray(d.sf(np.broadcast_to(times, (len(d), len(times)))), dtype=float)
    lines = [ax.plot(times, surv[i], label=None if labels is None else str(labels[i]))[0] for i in range(len(d))]
    ax.set(xlabel="time", ylabel="S(t) = P(T > t)", ylim=(0, 1.02), title="Predicted survival curves")
    if labels is not None:
        ax.legend(loc="best")
    return Plot(ax, {"lines": lines}, {"times": times, "survival": surv})


def shap_summary(shap, param=0, *, ax=None, max_display=10, max_points=2000, random_state=0):
    """SHAP summary ("beeswarm") of one parameter from ``ngb.explain.shap_values``: one row per
    feature (largest mean |SHAP| at the top), a point per row of X at its SHAP value, coloured by the
    feature's value (low blue, high red, by rank; NaN grey), vertical jitter by density.
    param: index or name. data: names (m,), importance (m,) mean |SHAP|, values (n, m) plotted."""
    ax = _axes(ax)
    j = shap.param_index(param)
    phi = shap.values[:, :, j]
    rng = np.random.default_rng(random_state)
    rows = np.arange(phi.shape[0])
    if max_points is not None and len(rows) > max_points:
        rows = np.sort(rng.choice(rows, max_points, replace=False))
    importance = np.abs(phi).mean(axis=0)
    order = np.argsort(-importance, kind="stable")[:max_display]
    artists = {}
    for pos, f in enumerate(order):
        v = phi[rows, f]
        x = shap.data[rows, f]
        known = ~np.isnan(x)
        colour = np.full(len(x), 0.5)
        if known.any():  # the feature's rank among the plotted rows, in [0, 1]
            ranks = np.argsort(np.argsort(x[known], kind="stable"), kind="stable")
            colour[known] = ranks / max(known.sum() - 1, 1)
        hist, edges = np.histogram(v, bins=50)
        density = hist[np.clip(np.searchsorted(edges, v, side="right") - 1, 0, len(hist) - 1)]
        jitter = rng.uniform(-1, 1, len(v)) * 0.4 * density / max(hist.max(), 1)
        y = len(order) - 1 - pos + jitter
        artists[shap.feature_names[f]] = ax.scatter(v[known], y[known], c=colour[known], cmap="coolwarm", vmin=0,
                                                    vmax=1, s=8, linewidths=0)
        if (~known).any():
            ax.scatter(v[~known], y[~known], color="0.6", s=8, linewidths=0)
    names = [shap.feature_names[f] for f in order]
    ax.set_yticks(np.arange(len(order))[::-1], names)
    artists["zero"] = ax.axvline(0.0, color="k", linewidth=0.8)
    ax.set(xlabel=f"SHAP value on {shap.param_names[j]} (internal units)",
           title=f"SHAP summary: {shap.param_names[j]} (blue low, red high feature value)")
    return Plot(ax, artists, {"names": np.asarray(names, dtype=object), "importance": importance[order],
                              "values": phi[np.ix_(rows, order)]})


def partial_dependence(model, X, feature, *, output="mean", q=0.5, level=0.9, kind="both", ax=None, **kwargs):
    """Partial dependence (and ICE curves with ``kind="both"`` or ``"individual"``) of one predicted
    quantity on one feature, drawn by scikit-learn's ``PartialDependenceDisplay`` on
    ``ngb.explain.OutputRegressor(model, output, q, level)`` (output: an internal parameter,
    "mean", "median", "std", "quantile", "interval_width", ... or a callable of the predicted
    distribution). Other keyword arguments go to ``from_estimator`` (``grid_resolution``, ``subsample``,
    ``categorical_features``, ...). data: grid (m,), average (m,), individual (n, m) (ICE only)."""
    from sklearn.inspection import PartialDependenceDisplay

    from .explain import OutputRegressor

    ax = _axes(ax)
    view = OutputRegressor(model, output=output, q=q, level=level)
    kwargs.setdefault("random_state", 0)
    disp = PartialDependenceDisplay.from_estimator(view, X, [feature], kind=kind, ax=ax, **kwargs)
    res = disp.pd_results[0]
    axis = disp.axes_[0, 0]
    label = output if isinstance(output, str) else getattr(output, "__name__", str(output))
    if label == "quantile":
        label = f"quantile {q:g}"
    elif label.startswith("interval"):
        label = f"{level:.0%} {label.replace('_', ' ')}"
    axis.set_ylabel(f"predicted {label}")
    data = {"grid": np.asarray(res["grid_values"][0])}
    if "average" in res:
        data["average"] = np.asarray(res["average"][0])
    if "individual" in res:
        data["individual"] = np.asarray(res["individual"][0])
    return Plot(axis, {"display": disp}, data)
