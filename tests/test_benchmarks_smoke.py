"""Fast smoke tests of the benchmark scripts (benchmarks/uci.py, benchmarks/fremtpl.py).

The UCI test runs the paper protocol on one split of the smallest dataset with a few iterations;
it is skipped when the data directory is absent.
"""

import importlib.util
import json
import os
import sys
from pathlib import Path

import numpy as np
import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"


def _load(name):
    spec = importlib.util.spec_from_file_location(f"_bench_{name}", BENCH / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def uci():
    return _load("uci")


@pytest.fixture(scope="module")
def fremtpl():
    return _load("fremtpl")


def _uci_home(uci):
    home = uci.default_data_home()
    if not home or not os.path.isfile(os.path.join(home, "uci", "yacht", "data.txt")):
        pytest.skip("UCI data not found (set NGB_DATA_HOME)")
    return home


def test_validation_rows_partition(uci):
    fit, val = uci.validation_rows(277, 3)
    assert len(val) == round(0.2 * 277)
    assert np.array_equal(np.sort(np.concatenate([fit, val])), np.arange(277))
    fit2, val2 = uci.validation_rows(277, 3)
    assert np.array_equal(val, val2)  # fixed, seeded
    assert not np.array_equal(val, uci.validation_rows(277, 4)[1])


def test_paper_constants(uci):
    from ngb.datasets import UCI_DATASETS

    assert set(uci.PAPER_NLL) == set(UCI_DATASETS) == set(uci.PAPER_RMSE)


def test_run_split_yacht(uci):
    home = _uci_home(uci)
    r = uci.run_split("yacht", 0, home, n_estimators=30, learning_rate=0.1)
    assert 1 <= r["best_iter"] <= 30
    assert np.isfinite(r["nll"]) and r["rmse"] > 0
    rows = uci.summarise([r], ["yacht"])
    assert rows[0]["splits"] == 1
    assert "yacht" in uci.table([r], ["yacht"])


def test_run_split_select_mse(uci):
    """--select mse takes the argmin of the staged validation MSE of the mean (not the NLL's)."""
    from ngb.datasets import load_uci

    home = _uci_home(uci)
    r = uci.run_split("yacht", 0, home, n_estimators=100, learning_rate=0.1, select="mse")
    X, _, y, _ = load_uci("yacht", 0, data_home=home)
    fit, val = uci.validation_rows(len(y), 0)
    m = uci.make_model(100, 0.1, random_state=0).fit(X[fit], y[fit])
    mse = [np.mean((p - y[val]) ** 2) for p in m.staged_predict(X[val])]
    assert r["best_iter"] == int(np.argmin(mse)) + 1
    assert r["best_iter"] != uci.run_split("yacht", 0, home, n_estimators=100, learning_rate=0.1)["best_iter"]


def test_nested_protocol_smoke(uci):
    """uci_validation --nested: the protocol inside the training split gives a finite, reproducible NLL."""
    home = _uci_home(uci)
    uv = _load("uci_validation")
    a = uv.nested_nll("yacht", 1, False, home)
    assert np.isfinite(a) and a == uv.nested_nll("yacht", 1, False, home)
    assert a != uv.nested_nll("yacht", 1, True, home)


def test_update_readme_keeps_other_sections(tmp_path):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    from _readme import update_readme

    path = tmp_path / "README.md"
    path.write_text("# B\n\n<!-- speed -->\nfast\n<!-- /speed -->\n")
    update_readme("uci", "table one", path)
    update_readme("uci", "table two", path)
    text = path.read_text()
    assert "<!-- speed -->\nfast\n<!-- /speed -->" in text
    assert "table two" in text and "table one" not in text
    assert text.count("<!-- uci -->") == 1


def test_fremtpl_metrics_and_split(fremtpl):
    from sklearn.metrics import mean_poisson_deviance

    rng = np.random.RandomState(0)
    e = rng.uniform(0.1, 1.0, 500)
    f = rng.uniform(0.05, 0.2, 500)
    y = rng.poisson(f * e).astype(float)
    # deviance of frequencies weighted by exposure == count deviance / total exposure
    mu = f * e
    term = np.where(y > 0, y * np.log(np.where(y > 0, y, 1) / mu), 0.0) - y + mu
    assert fremtpl.deviance(y, e, f) == pytest.approx(2 * term.sum() / e.sum())
    assert fremtpl.deviance(y, e, f) == pytest.approx(mean_poisson_deviance(y / e, f, sample_weight=e))
    from scipy.stats import poisson

    assert fremtpl.nll(y, e, f) == pytest.approx(-poisson.logpmf(y, mu).mean())
    u = fremtpl._unit(np.arange(1, 100001))
    assert 0 <= u.min() and u.max() < 1 and abs((u >= 0.75).mean() - 0.25) < 0.01
    assert np.array_equal(u, fremtpl._unit(np.arange(1, 100001)))


def test_uci_validation_curve_points(uci, monkeypatch):
    home = _uci_home(uci)
    curves = _load("uci_validation")
    monkeypatch.setattr(curves.uci, "N_ESTIMATORS", 40)
    monkeypatch.setattr(curves.uci, "LEARNING_RATE", 0.1)
    best, at125, at150, it = curves.curve_points("yacht", 0, True, 10, home)
    assert 1 <= it <= 40
    assert best <= at125 and best <= at150  # the minimum of the curve


def test_readme_summary_quotes_the_benchmark_tables():
    """Every figure in the README's "Latest figures" paragraph is one the benchmark tables hold."""
    import re

    root = Path(__file__).resolve().parent.parent
    readme = (root / "README.md").read_text()
    tables = "\n".join(line for line in (BENCH / "README.md").read_text().splitlines() if line.startswith("|"))
    start = readme.index("Latest figures there")
    paragraph = readme[start: readme.index("\n\n", start)]
    figures = re.findall(r"\d+\.\d+|\d+×", paragraph)
    assert len(figures) >= 10
    missing = [f for f in figures if f not in tables]
    assert not missing, f"README.md quotes figures that benchmarks/README.md does not hold: {missing}"


def test_flchain_cox_density_is_the_interpolated_breslow_hazard():
    """benchmarks/flchain.py's censored NLL of Cox: -log S(t) is H0(t) exp(r) with H0 linear between
    the event times (np.interp; the last slope continued past them), and -log f(t) is checked
    against the numerical derivative of S."""
    flchain = _load("flchain")
    rng = np.random.default_rng(0)
    event_times = np.sort(rng.uniform(1, 100, 30))
    H0 = np.cumsum(rng.uniform(0.01, 0.05, 30))
    t = np.r_[rng.uniform(0.5, 99, 40), 120.0]  # one beyond the last event time
    r = rng.normal(size=t.size)
    slope_last = (H0[-1] - H0[-2]) / (event_times[-1] - event_times[-2])

    def H(tt):
        inside = np.interp(tt, np.r_[0.0, event_times], np.r_[0.0, H0])
        return np.where(tt > event_times[-1], H0[-1] + slope_last * (tt - event_times[-1]), inside)

    for i in range(t.size):
        S = lambda tt: np.exp(-H(tt) * np.exp(r[i]))  # noqa: E731
        h = 1e-6
        f = -(S(t[i] + h) - S(t[i] - h)) / (2 * h)
        assert flchain.cox_censored_nll(t[i : i + 1], np.array([False]), r[i : i + 1], event_times, H0) == (
            pytest.approx(-np.log(S(t[i])), rel=1e-12))
        assert flchain.cox_censored_nll(t[i : i + 1], np.array([True]), r[i : i + 1], event_times, H0) == (
            pytest.approx(-np.log(f), rel=1e-6))


def test_uci_defaults_mode_on_one_split(uci):
    """uci.py --defaults: the library defaults fitted on a whole training split, scored on its test split."""
    home = _uci_home(uci)
    r = uci.run_split_defaults("yacht", 0, home)
    assert r["best_iter"] >= 1 and np.isfinite(r["nll"]) and 0 <= r["cover90"] <= 1
    assert "yacht" in uci.defaults_table([r], ["yacht"])


def test_defaults_study_runs_and_tabulates(tmp_path):
    """benchmarks/defaults.py on one small set, one split: hgb and ngb results cached and tabulated."""
    study = _load("defaults")
    cache = tmp_path / "cache.json"
    study.run(["diabetes"], ["hgb", "ngb-old", "ngb"], str(cache), repeats=1, log=lambda *a: None)
    data = study.read_cache(str(cache))
    assert {r["model"] for r in data.values()} == {"hgb", "ngb-old", "ngb"}
    rec = data["diabetes|0|ngb"]
    assert rec["nll"] > 0 and rec["rmse"] > 0 and 0 <= rec["cover90"] <= 1
    assert "rmse" in data["diabetes|0|hgb"] and "nll" not in data["diabetes|0|hgb"]
    assert "diabetes" in study.table(data, ["diabetes"])


def test_run_split_tuned_never_sees_the_test_split(uci, monkeypatch):
    """--tune: the tuner runs on the training split only; changing the test split changes the test
    numbers and nothing the tuner chose."""
    pytest.importorskip("optuna")
    home = _uci_home(uci)
    r = uci.run_split_tuned("yacht", 0, home, n_estimators=30, n_trials=2)
    assert r["n_trials"] == 2 and 1 <= r["best_iter"] <= 30 and np.isfinite(r["nll"])
    import ngb.datasets

    real = ngb.datasets.load_uci

    def shuffled(name, split, data_home=None):
        X_tr, X_te, y_tr, y_te = real(name, split, data_home=data_home)
        return X_tr, X_te[::-1] * 2.0, y_tr, y_te[::-1] + 5.0

    monkeypatch.setattr(ngb.datasets, "load_uci", shuffled)
    r2 = uci.run_split_tuned("yacht", 0, home, n_estimators=30, n_trials=2)
    assert r2["chosen"] == r["chosen"] and r2["val_nll"] == r["val_nll"] and r2["best_iter"] == r["best_iter"]
    assert r2["nll"] != r["nll"]
    assert "yacht: family" in uci.chosen_summary([r], ["yacht"])


def test_tune_table_marks_the_targets(uci, tmp_path, capsys):
    """--tune --from-json: the tuned table with the defaults column and the targets marked from the numbers."""
    def rec(name, split, nll, rmse, **extra):
        return dict(dataset=name, split=split, n_train=100, best_iter=10, nll=nll, rmse=rmse, seconds=1.0,
                    n_trials=2, chosen={"dist": "normal", "learning_rate": 0.1, "base__max_depth": 3,
                                        "base__min_samples_leaf": 5, "subsample": 0.8}, cv=True, **extra)

    tuned = [rec("yacht", s, v, 0.5) for s, v in enumerate([0.0, 0.3])] + [rec("bostonHousing", 0, 2.5, 3.0)]
    defaults = [rec("yacht", s, 0.3, 0.6) for s in range(3)]
    md = uci.tune_table(tuned, ["bostonHousing", "yacht"], defaults)
    rows = {line.split(" | ")[0].strip("| "): line for line in md.splitlines()[2:]}
    assert rows["yacht"].endswith("| 0.20 | 0.10 | yes | **no** |")  # mean 0.15: <= 0.20, > 0.10
    assert "0.30 ± 0.00" in rows["yacht"] and rows["boston"].endswith("| 2.43 | 2.37 | **no** | **no** |")
    path = tmp_path / "run.json"
    path.write_text(json.dumps({"ngb": tuned, "wall": 60.0, "argv": ["--tune"]}))
    uci.main(["--tune", "--from-json", str(path)])
    out = capsys.readouterr().out
    assert "on 1 of 2 datasets" in out and "3-fold cross-validation" in out
