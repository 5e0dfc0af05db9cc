"""The ``ngb`` command line: fit -> predict -> evaluate end to end, in-process and in subprocesses."""

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_diabetes

import ngb
from ngb import cli


@pytest.fixture(scope="module")
def diabetes(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    df = X.assign(y=y.to_numpy(), row_id=[f"r{i}" for i in range(len(y))])
    df.iloc[:350].to_csv(d / "train.csv", index=False)
    df.iloc[350:].to_csv(d / "test.csv", index=False)
    return d


def _fit(d, *extra):
    out = d / "model.ngb"
    code = cli.main(["fit", str(d / "train.csv"), "--target", "y", "--id", "row_id", "--dist", "normal",
                     "-p", "n_estimators=80", "-p", "learning_rate=0.05", "--random-state", "0", "-o", str(out),
                     # (written when early stopping was off below 10,000 rows: every one of the 80 iterations kept)
                     "-p", "early_stopping=false",
                     *map(str, extra)])
    assert code == 0
    return out


def test_fit_predict_evaluate_in_process(diabetes, capsys):
    model_path = _fit(diabetes)
    est, meta = cli.load_model(model_path)
    assert isinstance(est, ngb.NGBRegressor) and est.n_iter_ == 80 and est.learning_rate == 0.05
    assert "row_id" not in meta["features"] and "y" not in meta["features"] and len(meta["features"]) == 10

    pred = diabetes / "pred.csv"
    assert cli.main(["predict", str(model_path), str(diabetes / "test.csv"), "--quantiles", "0.05,0.95",
                     "--interval", "0.9", "--params", "--samples", "3", "-o", str(pred)]) == 0
    out = pd.read_csv(pred)
    test = pd.read_csv(diabetes / "test.csv")
    assert list(out.columns) == ["row_id", "prediction", "q0.05", "q0.95", "lower0.9", "upper0.9", "loc", "scale",
                                 "sample_0", "sample_1", "sample_2"]
    assert list(out["row_id"]) == list(test["row_id"])
    dist = est.predict_dist(test[meta["features"]])
    np.testing.assert_allclose(out["prediction"], dist.mean())
    np.testing.assert_allclose(out["q0.95"], dist.quantile(0.95))
    np.testing.assert_allclose(out["lower0.9"], out["q0.05"])
    np.testing.assert_allclose(out["scale"], dist.scale)

    capsys.readouterr()
    assert cli.main(["evaluate", str(model_path), str(diabetes / "test.csv"), "--json"]) == 0
    metrics = json.loads(capsys.readouterr().out)
    assert metrics["NLL"] == pytest.approx(-est.score(test[meta["features"]], test["y"]))
    assert metrics["RMSE"] == pytest.approx(np.sqrt(np.mean((dist.mean() - test["y"]) ** 2)))
    assert 0 <= metrics["90% interval coverage"] <= 1 and metrics["CRPS"] > 0


def test_parquet_in_and_out(diabetes):
    pytest.importorskip("pyarrow")
    pd.read_csv(diabetes / "train.csv").to_parquet(diabetes / "train.parquet")
    model_path = diabetes / "pq.ngb"
    assert cli.main(["fit", str(diabetes / "train.parquet"), "--target", "y", "--drop", "row_id",
                     "-p", "n_estimators=20", "-o", str(model_path)]) == 0
    assert cli.main(["predict", str(model_path), str(diabetes / "train.parquet"), "-o",
                     str(diabetes / "p.parquet")]) == 0
    assert len(pd.read_parquet(diabetes / "p.parquet")) == 350


def test_errors_are_clear_and_leave_nothing(diabetes, tmp_path, capsys):
    model_path = tmp_path / "m.ngb"
    cases = [
        (["fit", str(diabetes / "train.csv"), "--target", "nope", "-o", str(model_path)], "'nope'"),
        (["fit", str(tmp_path / "missing.csv"), "--target", "y", "-o", str(model_path)], "no such file"),
        (["fit", str(diabetes / "train.csv"), "--target", "y", "--dist", "nodist", "-o", str(model_path)],
         "Unknown distribution"),
        (["fit", str(diabetes / "train.csv"), "--target", "row_id", "--drop", "y", "-o", str(model_path)],
         "must be numeric"),
        (["predict", str(diabetes / "train.csv"), str(diabetes / "test.csv")], "not an ngb model file"),
    ]
    for argv, message in cases:
        capsys.readouterr()
        assert cli.main(argv) == 1, argv
        err = capsys.readouterr().err
        assert err.startswith("ngb: error:") and message in err, err
    assert not any(tmp_path.iterdir())  # nothing written, not even a temporary file
    (tmp_path / "bad.csv").write_bytes(b"\xff\xfe\x00garbage\n\x00\x01")
    assert cli.main(["fit", str(tmp_path / "bad.csv"), "--target", "y", "-o", str(model_path)]) == 1
    # a failing fit leaves an existing model file as it was
    good = _fit(diabetes)
    before = good.read_bytes()
    assert cli.main(["fit", str(diabetes / "train.csv"), "--target", "y", "-p", "learning_rate=-1",
                     "-o", str(good)]) == 1
    assert good.read_bytes() == before
    # a test file without the features the model was fitted on
    pd.read_csv(diabetes / "test.csv").drop(columns="bmi").to_csv(tmp_path / "nobmi.csv", index=False)
    capsys.readouterr()
    assert cli.main(["predict", str(good), str(tmp_path / "nobmi.csv"), "-o", str(tmp_path / "p.csv")]) == 1
    assert "'bmi'" in capsys.readouterr().err and not (tmp_path / "p.csv").exists()
    with pytest.raises(SystemExit) as exc:  # argparse: usage errors exit 2
        cli.main(["fit", str(diabetes / "train.csv")])
    assert exc.value.code == 2


def test_classifier_survival_poisson_and_categorical(tmp_path):
    rng = np.random.RandomState(0)
    n = 300
    df = pd.DataFrame({"x1": rng.normal(size=n), "x2": rng.normal(size=n),
                       "colour": rng.choice(["red", "green", "blue"], size=n)})
    df["label"] = np.where(df["x1"] + (df["colour"] == "red") > 0.5, "yes", "no")
    df["exposure"] = rng.uniform(0.5, 2, size=n)
    df["claims"] = rng.poisson(df["exposure"] * np.exp(0.4 * df["x1"]))
    t = np.exp(0.5 * df["x1"] + rng.normal(scale=0.5, size=n))
    c = rng.exponential(3, size=n)
    df["time"], df["event"] = np.minimum(t, c), (t <= c).astype(int)
    df.to_csv(tmp_path / "d.csv", index=False)
    data = str(tmp_path / "d.csv")
    small = ["-p", "n_estimators=20"]

    assert cli.main(["fit", data, "--target", "label", "--kind", "classifier", "--drop",
                     "exposure,claims,time,event", *small, "-o", str(tmp_path / "c.ngb")]) == 0
    est, meta = cli.load_model(tmp_path / "c.ngb")
    assert isinstance(est, ngb.NGBClassifier) and meta["categorical"] == ["colour"]
    for dist in ("softmax_categorical", "Categorical", "bernoulli"):  # a class family makes a classifier
        assert cli.main(["fit", data, "--target", "label", "--dist", dist, "--drop", "exposure,claims,time,event",
                         *small, "-o", str(tmp_path / "d.ngb")]) == 0
        assert isinstance(cli.load_model(tmp_path / "d.ngb")[0], ngb.NGBClassifier), dist
    assert cli.main(["predict", str(tmp_path / "c.ngb"), data, "-o", str(tmp_path / "c.csv")]) == 0
    out = pd.read_csv(tmp_path / "c.csv")
    assert list(out.columns) == ["prediction", "proba_no", "proba_yes"]
    np.testing.assert_allclose(out["proba_no"] + out["proba_yes"], 1.0)

    assert cli.main(["fit", data, "--target", "claims", "--dist", "poisson", "--exposure", "exposure", "--drop",
                     "label,time,event", *small, "-o", str(tmp_path / "p.ngb")]) == 0
    est, _ = cli.load_model(tmp_path / "p.ngb")
    assert cli.main(["predict", str(tmp_path / "p.ngb"), data, "-o", str(tmp_path / "p.csv")]) == 0
    X = df[["x1", "x2", "colour"]].astype({"colour": "category"})
    np.testing.assert_allclose(pd.read_csv(tmp_path / "p.csv")["prediction"],
                               est.predict(X, offset=np.log(df["exposure"].to_numpy())))

    assert cli.main(["fit", data, "--time", "time", "--event", "event", "--drop", "label,claims,exposure",
                     *small, "-o", str(tmp_path / "s.ngb")]) == 0
    assert cli.main(["predict", str(tmp_path / "s.ngb"), data, "--times", "1,2", "-o", str(tmp_path / "s.csv")]) == 0
    out = pd.read_csv(tmp_path / "s.csv")
    assert list(out.columns) == ["median_time", "survival_1", "survival_2"]
    assert (out["survival_1"] >= out["survival_2"]).all()
    assert cli.main(["evaluate", str(tmp_path / "s.ngb"), data]) == 0


def test_tune_command(diabetes, tmp_path):
    pytest.importorskip("optuna")
    trials = tmp_path / "trials.csv"
    assert cli.main(["tune", str(diabetes / "train.csv"), "--target", "y", "--id", "row_id", "--trials", "3",
                     "--dists", "", "-p", "n_estimators=50", "--random-state", "0", "--trials-output", str(trials),
                     "-o", str(tmp_path / "t.ngb")]) == 0
    table = pd.read_csv(trials)
    assert len(table) == 3 and "learning_rate" in table.columns
    est, _ = cli.load_model(tmp_path / "t.ngb")
    assert est.n_estimators == est.n_iter_ <= 50
    # --cv: folds per trial (5 here), or a clear error
    assert cli.main(["tune", str(diabetes / "train.csv"), "--target", "y", "--id", "row_id", "--trials", "1",
                     "--dists", "", "-p", "n_estimators=20", "--cv", "5", "-o", str(tmp_path / "c.ngb")]) == 0
    assert cli.main(["tune", str(diabetes / "train.csv"), "--target", "y", "--trials", "1", "--cv", "1",
                     "-o", str(tmp_path / "bad.ngb")]) != 0
    assert not (tmp_path / "bad.ngb").exists()


def _ngb_command():
    exe = shutil.which("ngb", path=os.path.dirname(sys.executable))
    return [exe] if exe else [sys.executable, "-m", "ngb.cli"]


def test_subprocess_end_to_end(diabetes, tmp_path):
    cmd = _ngb_command()
    env = dict(os.environ, PYTHONWARNINGS="ignore")

    def sh(*args):
        return subprocess.run([*cmd, *map(str, args)], capture_output=True, text=True, env=env, timeout=300)

    r = sh("--help")
    assert r.returncode == 0 and "fit" in r.stdout and "predict" in r.stdout and "evaluate" in r.stdout
    r = sh("fit", diabetes / "train.csv", "--target", "y", "--id", "row_id", "-p", "n_estimators=30",
           "-o", tmp_path / "m.ngb")
    assert r.returncode == 0, r.stderr
    r = sh("predict", tmp_path / "m.ngb", diabetes / "test.csv", "--interval", "0.8")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert lines[0] == "row_id,prediction,lower0.8,upper0.8" and len(lines) == 1 + 92
    r = sh("evaluate", tmp_path / "m.ngb", diabetes / "test.csv")
    assert r.returncode == 0 and "NLL" in r.stdout and "CRPS" in r.stdout
    r = sh("evaluate", tmp_path / "m.ngb", diabetes / "missing.csv")
    assert r.returncode == 1 and "ngb: error: no such file" in r.stderr


def test_console_script_declared():
    import tomllib
    from pathlib import Path

    conf = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())
    assert conf["project"]["scripts"]["ngb"] == "ngb.cli:main"
    assert any(d.startswith("optuna") for d in conf["project"]["optional-dependencies"]["tuning"])
