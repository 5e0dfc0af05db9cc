"""FLCHAIN survival benchmark: ngb NGBSurvival against ngboost 0.6.0 and scikit-survival's Cox model.

Data: R's ``survival::flchain`` through ``ngb.datasets.load_flchain`` (``chapter`` dropped, it
leaks the outcome; 3 rows with futime <= 0 dropped; 7,871 rows, 27.5% deaths), read from
$NGB_DATA_HOME, else <repo>/../shared/datasets. Time = ``futime`` (days), event = ``death``.

Splits: for seed in 0..4, ``train_test_split(rows, test_size=0.2, stratify=event,
random_state=seed)`` gives an 80% training and a 20% test split. Inside the training split,
``train_test_split(train, test_size=0.2, stratify=event, random_state=1000 + seed)`` separates a
validation part (16% of all rows) from the fit part (64%). The boosters learn on the fit part and
early-stop on the validation part; the test split is used only for the reported metrics. Cox has
nothing to tune and is fitted on the whole training split (fit + validation parts).

Features. ngb gets the covariates as ``load_flchain`` returns them: ``sex`` a pandas category,
``creatinine`` with its NaN (ngb's trees route missing values). ngboost and Cox get one numeric
matrix: age, sex (1 = M; the one-hot of a two-level factor), sample.yr, kappa, lambda, flc.grp
(the 1-10 FLC decile group, kept as a number), creatinine with NaN replaced by the training
split's median, a creatinine-missing 0/1 column, mgus. The row "ngb (numeric matrix)" runs ngb on
that same matrix, a like-for-like comparison with ngboost.

Models (all single-threaded):
  ngb       NGBSurvival(dist="lognormal", learning_rate=0.05, n_estimators=2000, early_stopping=True,
            n_iter_no_change=50, n_jobs=1, random_state=seed), fit(..., X_val=, y_val=) on the
            validation part; it keeps the best validation iteration. Default trees (the library's
            default base: best-first trees of 31 leaves, 20 rows per leaf, since the defaults study).
  ngb, library defaults
            NGBSurvival(n_jobs=1, random_state=seed) fitted on the whole training split (fit +
            validation parts): the library defaults, whose early stopping holds out its own 10% and
            refits on the whole split with the count chosen.
  ngboost   ngboost 0.6.0 NGBSurvival(Dist=LogNormal, n_estimators=500, learning_rate=0.01,
            early_stopping_rounds=50), fit(X, T, E, X_val=, T_val=, E_val=) on the same parts,
            predicting with pred_dist(X, max_iter=best_val_loss_itr + 1) (ngboost itself keeps the
            early_stopping_rounds iterations after the best). Default trees (depth 3).
  Cox       scikit-survival CoxPHSurvivalAnalysis(alpha=1e-4 ridge, Breslow ties) on the
            standardised numeric matrix (env "survival" in benchmarks/envs.py).

Metrics on the test split, computed here from each model's test predictions the same way (ngb.metrics),
and recomputed by scikit-survival's own functions in its environment (worker lib "check"): the run
stops if any differs by more than 1e-9 relative:
  concordance  Harrell's C (ngb.metrics.concordance_index; sksurv concordance_index_censored), risk =
               -predicted median survival time for the LogNormal models (ngb's predict), the linear
               predictor for Cox.
  IPCW C       Uno's C (ngb.metrics.concordance_index_ipcw; sksurv concordance_index_ipcw), the same
               risks, censoring distribution G the Kaplan-Meier estimate of the training split, no
               truncation (tau = None).
  IBS          integrated Brier score over the 17 times at the 10th, 15th, ..., 90th percentiles of the
               training split's times (trapezoid rule divided by the range, as sksurv
               integrated_brier_score), G as above; S(t) from scipy.stats.lognorm for the LogNormal
               models, Cox's own predict_survival_function (Breslow step functions).
  censored NLL mean over test rows of -log f(t) (events) and -log S(t) (censored), from the
               predicted scipy.stats.lognorm(s, scale) of each row (ngboost's pred_dist().params are
               (s, scale) in scipy's parametrisation; the worker checks its logpdf against scipy's).
               Time in days, so the NLL is of a density per day. Cox's Breslow baseline is a step
               function (no density), so its NLL is that of the piecewise-exponential Cox model: the
               Breslow cumulative baseline hazard H0 interpolated linearly between 0 at t = 0 and
               its values at the training split's distinct event times (the hazard of each jump
               spread evenly over the interval before it), the last interval's hazard continued past
               the last event time, H(t | x) = H0(t) exp(linear predictor); a choice made here,
               not scikit-survival's.
  fit s        wall seconds of the fit call alone (ngboost and Cox timed inside their worker).
Table: mean ± standard error (sd / sqrt(5)) over the 5 splits; the paired columns average the
per-split differences model minus ngb (negative ΔIBS, ΔNLL = better than ngb).

Usage:
    python benchmarks/flchain.py [--seeds 0,1,2,3,4] [--write-readme]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from scipy import stats
from sklearn.model_selection import train_test_split

sys.path.insert(0, str(Path(__file__).resolve().parent))
import envs  # noqa: E402
from _readme import update_readme  # noqa: E402

from ngb import metrics  # noqa: E402
from ngb.datasets import load_flchain  # noqa: E402
from ngb.survival import NGBSurvival, make_y  # noqa: E402

HERE = Path(__file__).resolve().parent
WORKER = str(HERE / "_flchain_worker.py")

NGB_PARAMS = dict(dist="lognormal", learning_rate=0.05, n_estimators=2000, early_stopping=True, n_iter_no_change=50, n_jobs=1)
NGBOOST_PARAMS = dict(n_estimators=500, learning_rate=0.01, early_stopping_rounds=50)
COX_ALPHA = 1e-4
MODELS = ["ngb", "ngb (numeric matrix)", "ngb, library defaults", "ngboost 0.6.0", "Cox PH (scikit-survival)"]


def data_home():
    env = os.environ.get("NGB_DATA_HOME")
    return Path(env) if env else HERE.parent.parent / "shared" / "datasets"


def numeric_matrix(X, train_rows):
    """The numeric matrix for ngboost and Cox (see the module docstring); medians from train_rows."""
    creat = X["creatinine"].to_numpy(float)
    missing = np.isnan(creat)
    creat = np.where(missing, np.nanmedian(creat[train_rows]), creat)
    cols = [
        X["age"].to_numpy(float),
        (X["sex"].astype(str) == "M").to_numpy(float),
        X["sample.yr"].to_numpy(float),
        X["kappa"].to_numpy(float),
        X["lambda"].to_numpy(float),
        X["flc.grp"].to_numpy(float),
        creat,
        missing.astype(float),
        X["mgus"].to_numpy(float),
    ]
    return np.column_stack(cols)


def split(event, seed):
    rows = np.arange(len(event))
    train, test = train_test_split(rows, test_size=0.2, stratify=event, random_state=seed)
    fit, val = train_test_split(train, test_size=0.2, stratify=event[train], random_state=1000 + seed)
    return np.sort(train), np.sort(fit), np.sort(val), np.sort(test)


def censored_nll(time_, event, s, scale):
    logf = stats.lognorm.logpdf(time_, s, scale=scale)
    logS = stats.lognorm.logsf(time_, s, scale=scale)
    return float(-np.mean(np.where(event, logf, logS)))


def brier_times(T_train):
    """The integrated Brier score's grid: 10th, 15th, ..., 90th percentiles of the training times."""
    return np.percentile(T_train, np.arange(10, 91, 5))


def cox_censored_nll(time_, event, risk, event_times, H0):
    """Censored NLL of the piecewise-exponential Cox model (module docstring): H0 linear between
    (0, 0) and (event_times[k], H0[k]), the last slope continued; H(t | x) = H0(t) exp(risk)."""
    x, H = np.r_[0.0, event_times], np.r_[0.0, H0]
    slope = np.diff(H) / np.diff(x)  # baseline hazard on (x[k], x[k + 1]]
    k = np.clip(np.searchsorted(x, time_, side="left") - 1, 0, slope.size - 1)
    H0_t = H[k] + slope[k] * (time_ - x[k])
    log_S = -H0_t * np.exp(risk)
    log_f = np.log(slope[k]) + risk + log_S
    return float(-np.mean(np.where(event, log_f, log_S)))


def survival_metrics(y_train, y_test, risk, S, times):
    """Harrell's C, Uno's C and the integrated Brier score of one model's test predictions (ngb.metrics)."""
    ibs = metrics.integrated_brier_score(y_test, S, times, y_train=y_train)
    return {"c": metrics.concordance_index(y_test, risk),
            "c_ipcw": metrics.concordance_index_ipcw(y_test, risk, y_train=y_train), "ibs": ibs}


def fit_ngb(X, time_, event, fit, val, test, seed):
    model = NGBSurvival(**NGB_PARAMS, random_state=seed)
    y = make_y(time_, event)
    Xf, Xv, Xt = (X.iloc[r] if hasattr(X, "iloc") else X[r] for r in (fit, val, test))
    t0 = time.perf_counter()
    model.fit(Xf, y[fit], X_val=Xv, y_val=y[val])
    fit_s = time.perf_counter() - t0
    p = model.predict_dist(Xt).params
    s, scale = np.asarray(p["s"], float), np.asarray(p["scale"], float)
    nll = censored_nll(time_[test], event[test], s, scale)
    # consistency with ngb's own score (mean censored log-likelihood)
    assert abs(nll + model.score(Xt, y[test])) < 1e-6 * max(1.0, abs(nll)), "NLL disagrees with NGBSurvival.score"
    times = brier_times(time_[np.r_[fit, val]])
    S = model.predict_survival_function(Xt, times)
    assert np.allclose(S, stats.lognorm.sf(times[None, :], s[:, None], scale=scale[:, None]), rtol=1e-10)
    # predict is scikit-survival's risk score: minus the median
    return {"fit_s": fit_s, "risk": model.predict(Xt), "S": S, "nll": nll, "n_iter": int(model.n_iter_)}


def fit_ngb_defaults(X, time_, event, train, test, seed):
    """NGBSurvival() with the library defaults on the whole training split (its own early stopping
    holds out 10% of it and refits on all of it with the count chosen)."""
    model = NGBSurvival(random_state=seed, n_jobs=1)
    y = make_y(time_, event)
    Xtr, Xt = X.iloc[train], X.iloc[test]
    t0 = time.perf_counter()
    model.fit(Xtr, y[train])
    fit_s = time.perf_counter() - t0
    p = model.predict_dist(Xt).params
    s, scale = np.asarray(p["s"], float), np.asarray(p["scale"], float)
    times = brier_times(time_[train])
    return {"fit_s": fit_s, "risk": model.predict(Xt), "S": model.predict_survival_function(Xt, times),
            "nll": censored_nll(time_[test], event[test], s, scale), "n_iter": int(model.n_iter_)}


def run_split(X, time_, event, seed, folder):
    train, fit, val, test = split(event, seed)
    M = numeric_matrix(X, train)
    path = os.path.join(folder, f"flchain_{seed}.npz")
    np.savez(
        path,
        X_fit=M[fit], T_fit=time_[fit], E_fit=event[fit].astype(float),
        X_val=M[val], T_val=time_[val], E_val=event[val].astype(float),
        X_train=M[train], T_train=time_[train], E_train=event[train].astype(float),
        X_test=M[test],
    )
    res = {}
    res["ngb"] = fit_ngb(X, time_, event, fit, val, test, seed)
    res["ngb (numeric matrix)"] = fit_ngb(M, time_, event, fit, val, test, seed)
    res["ngb, library defaults"] = fit_ngb_defaults(X, time_, event, train, test, seed)

    times = brier_times(time_[train])
    out = envs.run("ngboost", WORKER, {"lib": "ngboost", "data": path, "random_state": seed, **NGBOOST_PARAMS})
    s, scale = np.asarray(out["s"]), np.asarray(out["scale"])
    res["ngboost 0.6.0"] = {
        "fit_s": out["fit_s"], "risk": -scale,  # lognormal median = scale
        "S": stats.lognorm.sf(times[None, :], s[:, None], scale=scale[:, None]),
        "nll": censored_nll(time_[test], event[test], s, scale), "n_iter": out["n_iter"], "n_fitted": out["n_fitted"],
    }
    out = envs.run("survival", WORKER, {"lib": "cox", "data": path, "alpha": COX_ALPHA, "times": times.tolist()})
    risk = np.asarray(out["risk"])
    res["Cox PH (scikit-survival)"] = {
        "fit_s": out["fit_s"], "risk": risk, "S": np.asarray(out["S"]), "n_iter": None,
        "nll": cox_censored_nll(time_[test], event[test], risk, np.asarray(out["event_times"]), np.asarray(out["H0"])),
    }

    y_train, y_test = make_y(time_[train], event[train]), make_y(time_[test], event[test])
    keys = {name: f"m{i}" for i, name in enumerate(res)}
    check = os.path.join(folder, f"flchain_check_{seed}.npz")
    np.savez(check, T_train=time_[train], E_train=event[train].astype(float), T_test=time_[test],
             E_test=event[test].astype(float), times=times,
             **{f"risk_{k}": res[n]["risk"] for n, k in keys.items()}, **{f"S_{k}": res[n]["S"] for n, k in keys.items()})
    sksurv = envs.run("survival", WORKER, {"lib": "check", "data": check, "models": list(keys.values())})
    for name, r in res.items():
        r.update(survival_metrics(y_train, y_test, r.pop("risk"), r.pop("S"), times))
        for metric, value in sksurv[keys[name]].items():
            if not np.isclose(r[metric], value, rtol=1e-9, atol=0):
                raise AssertionError(f"{name}: {metric} {r[metric]!r} here, {value!r} by scikit-survival")
    return res


def mean_se(values, spec):
    v = np.asarray([x for x in values if x is not None], float)
    if v.size == 0:
        return "—"
    se = v.std(ddof=1) / np.sqrt(v.size) if v.size > 1 else float("nan")
    return f"{format(v.mean(), spec)} ± {format(se, spec.lstrip('+'))}"


def table(results):
    """Markdown table; the paired columns are model minus ngb on the same split (mean ± se)."""
    lines = [
        "| model | concordance | IPCW concordance | integrated Brier | censored NLL | ΔC vs ngb | ΔIBS vs ngb "
        "| ΔNLL vs ngb | fit s | iterations |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name in MODELS:
        rs = [r[name] for r in results]
        ref = [r["ngb"] for r in results]
        iters = [r["n_iter"] for r in rs if r["n_iter"] is not None]
        it = f"{min(iters)}–{max(iters)}" if iters else "—"
        paired = ["", "", ""] if name == "ngb" else [
            mean_se([r[m] - q[m] for r, q in zip(rs, ref)], "+.4f") for m in ("c", "ibs", "nll")]
        values = [mean_se([r[m] for r in rs], ".4f") for m in ("c", "c_ipcw", "ibs", "nll")]
        lines.append(f"| {name} | " + " | ".join(values + paired)
                     + f" | {np.mean([r['fit_s'] for r in rs]):.2f} | {it} |")
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", default="0,1,2,3,4", help="comma-separated split seeds")
    parser.add_argument("--write-readme", action="store_true", help="update the flchain section of benchmarks/README.md")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    command = "python benchmarks/flchain.py " + " ".join(a for a in sys.argv[1:] if a != "--write-readme")

    X, time_, event = load_flchain(data_home=data_home(), download=False, return_X_y=True)
    t0 = time.perf_counter()
    results = []
    with tempfile.TemporaryDirectory() as folder:
        for seed in seeds:
            res = run_split(X, time_, event, seed, folder)
            results.append(res)
            print(f"split {seed}: " + "; ".join(
                f"{k}: C={v['c']:.4f} IPCW C={v['c_ipcw']:.4f} IBS={v['ibs']:.4f} NLL={v['nll']:.4f} "
                f"fit={v['fit_s']:.2f}s iters={v['n_iter']}" + (f" of {v['n_fitted']}" if "n_fitted" in v else "")
                for k, v in res.items()), flush=True)
    total = time.perf_counter() - t0
    lines = table(results)
    stamp = (
        f"Command: `{command.strip()}` — {time.strftime('%Y-%m-%d')}, {platform.machine()}, {os.cpu_count()} cores "
        f"(shared), total {total / 60:.1f} min. {len(seeds)} stratified 80/20 splits (seeds {args.seeds}), "
        f"mean ± se; n = {len(event):,} rows, {event.mean():.1%} deaths."
    )
    print("\n".join(lines))
    print(stamp)
    if args.write_readme:
        notes = (
            "FLCHAIN (`survival::flchain`, `chapter` dropped). Boosters fit on 64% of rows and early-stop on "
            "a 16% validation part of the training split; Cox is fitted on the whole 80% training split; "
            "every metric on the 20% test split only. Concordance: Harrell's C; IPCW concordance: Uno's C "
            "with the censoring distribution from the training split, no truncation; risk = −predicted "
            "median for the LogNormal models (ngb's `predict`), the linear predictor for Cox. Integrated "
            "Brier: IPCW Brier score integrated over the 10th, 15th, ..., 90th percentiles of the training "
            "times, divided by their range (scikit-survival's `integrated_brier_score`). All three are "
            "computed by `ngb.metrics` and again by scikit-survival's own functions on the same "
            "predictions; the run stops unless they agree to 1e-9. Censored NLL: mean of −log f(t) for "
            "deaths and −log S(t) for censored rows, t in days; for Cox, whose Breslow baseline is a step "
            "function without a density, that of the piecewise-exponential Cox model (the Breslow "
            "cumulative hazard interpolated linearly between the training event times: a choice made "
            "here, see the docstring). ngb sees `creatinine` with NaN and `sex` as a category; \"numeric "
            "matrix\" is the matrix given to ngboost and Cox (creatinine median-imputed + missing flag, sex "
            "0/1). Single-threaded fits; \"iterations\" is the range of the kept (best-validation) "
            "iteration counts. ngboost's survival models start from a LogNormal fitted to all times as if "
            "none were censored (`SurvivalDistn.fit` in `ngboost/distns/utils.py`), far from the censored "
            "MLE that ngb starts from. Settings and details: the docstring of `benchmarks/flchain.py`."
        )
        update_readme("flchain", "\n".join(["### FLCHAIN survival", "", notes, "", *lines, "", stamp]))


if __name__ == "__main__":
    main()
