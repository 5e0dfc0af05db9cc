"""ngb.plots rendered with the Agg backend: what was drawn equals what was computed by hand."""

from __future__ import annotations

import builtins

import numpy as np
import pytest
from scipy import stats

import ngb
from ngb import plots
from ngb.survival import make_y

mpl = pytest.importorskip("matplotlib")
mpl.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

RNG = np.random.default_rng(4)


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _normal(n=300):
    d = ngb.Normal(RNG.normal(size=n), np.exp(0.3 * RNG.normal(size=n)))
    return d, d.sample(random_state=0)


def test_pit_histogram_bar_heights_are_the_pit_densities():
    d, y = _normal()
    res = plots.pit_histogram(y, d, bins=8)
    u = stats.norm(d.params["loc"], d.params["scale"]).cdf(y)
    counts, _ = np.histogram(u, bins=8, range=(0, 1))
    heights = np.array([b.get_height() for b in res.artists["bars"]])
    np.testing.assert_allclose(heights, counts / len(u) * 8)
    assert len(res.ax.patches) == 8 and res.ax.get_xlabel().startswith("PIT")
    np.testing.assert_array_equal(res.artists["reference"].get_ydata(), [1, 1])
    res.figure.canvas.draw()


def test_reliability_diagram_line_is_the_observed_fraction():
    d, y = _normal()
    levels = np.array([0.1, 0.5, 0.9])
    res = plots.reliability_diagram(y, d, levels=levels)
    q = stats.norm(d.params["loc"], d.params["scale"]).ppf(levels[:, None])
    np.testing.assert_allclose(res.artists["line"].get_xdata(), levels)
    np.testing.assert_allclose(res.artists["line"].get_ydata(), np.mean(y[None, :] <= q, axis=1))
    assert res.ax.get_xlabel() == "nominal quantile level"


def test_prediction_intervals_against_a_feature():
    d, y = _normal(50)
    x = RNG.uniform(size=50)
    res = plots.prediction_intervals(y, d, x=x, levels=(0.9,))
    order = np.argsort(x)
    np.testing.assert_allclose(res.artists["median"].get_xdata(), x[order])
    np.testing.assert_allclose(res.artists["median"].get_ydata(), d.params["loc"][order])
    lo, hi = stats.norm(d.params["loc"][order], d.params["scale"][order]).interval(0.9)
    band = res.artists["band_0.9"].get_paths()[0].vertices
    assert np.isclose(band[:, 1].min(), lo.min()) and np.isclose(band[:, 1].max(), hi.max())
    np.testing.assert_allclose(res.artists["y"].get_offsets()[:, 1], y[order])
    assert res.ax.get_xlabel() == "feature"


def test_training_curve_and_feature_importances():
    X = RNG.normal(size=(200, 3))
    y = X[:, 0] + np.exp(X[:, 1]) * RNG.normal(size=200)
    model = ngb.NGBRegressor(n_estimators=40, learning_rate=0.1, early_stopping=True, random_state=0).fit(
        X[:150], y[:150], X_val=X[150:], y_val=y[150:])
    res = plots.training_curve(model)
    np.testing.assert_allclose(res.artists["train"].get_ydata(), model.train_score_)
    np.testing.assert_allclose(res.artists["validation"].get_ydata(), model.validation_score_)
    np.testing.assert_array_equal(res.artists["kept"].get_xdata(), [model.n_iter_] * 2)
    res = plots.feature_importances(model, feature_names=["a", "b", "c"])
    for param, values in model.feature_importances_by_param_.items():
        order = np.argsort(-model.feature_importances_, kind="stable")
        np.testing.assert_allclose([b.get_width() for b in res.artists[param]], values[order])
    assert [t.get_text() for t in res.ax.get_yticklabels()] == list(np.array(["a", "b", "c"])[order])


def test_survival_curves_are_the_predicted_survival_functions():
    X = RNG.normal(size=(120, 2))
    T = np.exp(X[:, 0] + 0.3 * RNG.normal(size=120))
    model = ngb.NGBSurvival(n_estimators=10, learning_rate=0.1).fit(X, make_y(T, np.ones(120, bool)))
    times = np.linspace(0.1, 5, 30)
    res = plots.survival_curves(model, X[:3], times=times, labels=["a", "b", "c"])
    p = model.predict_dist(X[:3]).params
    for i, line in enumerate(res.artists["lines"]):
        np.testing.assert_allclose(line.get_ydata(), stats.lognorm(p["s"][i], scale=p["scale"][i]).sf(times), rtol=1e-10)
    assert [t.get_text() for t in res.ax.get_legend().get_texts()] == ["a", "b", "c"]


def test_an_axes_is_reused_and_a_missing_matplotlib_is_named(monkeypatch):
    d, y = _normal(20)
    fig, ax = plt.subplots()
    assert plots.pit_histogram(y, d, ax=ax).ax is ax
    real_import = builtins.__import__

    def refuse(name, *args, **kwargs):
        if name.startswith("matplotlib"):
            raise ImportError("no matplotlib")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", refuse)
    with pytest.raises(ImportError, match=r"ngb\[plotting\]"):
        plots.pit_histogram(y, d)
