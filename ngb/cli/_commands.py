"""The commands: fit, tune, predict, evaluate (and its plots)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from ._columns import (
    _estimator, _features, _fit_inputs, _floats, _kind, _meta_for, _need, _offset, _split_list, _target,
    _weight
)
from ._files import CLIError, _atomic_write, load_model, read_table, save_model, write_table


def cmd_fit(args):
    df = read_table(args.data)
    kind = _kind(args)
    meta = _meta_for(args, df, kind)
    est = _estimator(kind, args)
    if args.verbose:
        est.set_params(verbose=args.verbose)
    X, y, w, off = _fit_inputs(args, meta, df)
    kwargs = {}
    if off is not None:
        if kind != "regressor":
            raise CLIError("--offset/--exposure are for regressors (e.g. --dist poisson)")
        kwargs["offset"] = off
    if args.validation:
        vdf = read_table(args.validation)
        Xv, yv, wv, offv = _fit_inputs(args, meta, vdf)
        kwargs.update(X_val=Xv, y_val=yv)
        if wv is not None:
            kwargs["sample_weight_val"] = wv
        if offv is not None:
            kwargs["offset_val"] = offv
    elif args.validation_fraction is not None:
        est.set_params(early_stopping=True, validation_fraction=args.validation_fraction)
    try:
        est.fit(X, y, w, **kwargs)
    except ValueError as err:
        raise CLIError(f"fit failed: {err}") from None
    save_model(est, meta, args.output)
    print(f"fitted {type(est).__name__}({est._dist.__name__}) on {len(df)} rows, {len(meta['features'])} features, "
          f"{est.n_iter_} iterations; wrote {args.output}", file=sys.stderr)
    return 0


def cmd_tune(args):
    from ..tuning import tune

    df = read_table(args.data)
    kind = _kind(args)
    meta = _meta_for(args, df, kind)
    est = _estimator(kind, args)
    X, y, w, off = _fit_inputs(args, meta, df)
    if off is not None and kind != "regressor":
        raise CLIError("--offset/--exposure are for regressors (e.g. --dist poisson)")
    dists = "auto" if args.dists == "auto" else (_split_list(args.dists) or None)
    cv = {"auto": "auto", "none": None}.get(str(args.cv).lower(), args.cv)
    if cv not in ("auto", None):
        if not str(cv).isdigit() or int(cv) < 2:
            raise CLIError(f"--cv must be auto, none or an integer >= 2; got {args.cv!r}")
        cv = int(cv)
    try:
        model, trials = tune(est, X, y, sample_weight=w, offset=off, scoring=args.scoring, n_trials=args.trials,
                             timeout=args.timeout, validation_fraction=args.validation_fraction or 0.2, cv=cv, dists=dists,
                             random_state=args.random_state, verbose=args.verbose)
    except ImportError as err:
        raise CLIError(str(err)) from None
    except ValueError as err:
        raise CLIError(f"tuning failed: {err}") from None
    save_model(model, meta, args.output)
    if args.trials_output:
        write_table(trials, args.trials_output)
    print(f"best validation score {trials.attrs['best_value']:.5g} with {trials.attrs['best_params']} "
          f"({trials.attrs['best_n_iter']} iterations); refitted on {len(df)} rows; wrote {args.output}",
          file=sys.stderr)
    return 0


def _predict_dist(est, meta, df):
    X = _features(df, meta)
    off = _offset(df, meta)
    try:
        return est.predict_dist(X) if off is None else est.predict_dist(X, offset=off)
    except ValueError as err:
        raise CLIError(f"prediction failed: {err}") from None


def _label(v):
    return f"{v:g}" if isinstance(v, float) else str(v)


def cmd_predict(args):
    est, meta = load_model(args.model)
    df = read_table(args.data)
    dist = _predict_dist(est, meta, df)
    out = pd.DataFrame(index=range(len(df)))
    id_col = args.id or meta.get("id")
    if id_col:
        if id_col in df.columns:
            out[id_col] = df[id_col].to_numpy()
        elif args.id:
            _need(df, [id_col], "--id")
    kind = meta["kind"]
    if kind == "classifier":
        out["prediction"] = est.classes_[np.argmax(dist.probs, axis=1)]
        for j, c in enumerate(est.classes_):
            out[f"proba_{c}"] = dist.probs[:, j]
    elif kind == "survival":
        out["median_time"] = dist.median()
    else:
        point = dist.point_prediction()
        if np.ndim(point) == 2:
            for j in range(point.shape[1]):
                out[f"prediction_{j}"] = point[:, j]
        else:
            out["prediction"] = point
    try:
        qs = _floats(args.quantiles, "--quantiles")
        if qs:
            values = dist.quantile(np.asarray(qs))
            for j, q in enumerate(qs):
                out[f"q{_label(q)}"] = values[:, j]
        for level in _floats(args.interval, "--interval"):
            lo, hi = dist.interval(level)
            out[f"lower{_label(level)}"], out[f"upper{_label(level)}"] = lo, hi
        if args.params:
            for name, value in dist.params.items():
                value = np.asarray(value)
                if value.ndim == 1:
                    out[name] = value
                else:
                    for j in range(value.shape[1]):
                        out[f"{name}_{j}"] = value[:, j]
        times = _floats(args.times, "--times")
        if times:
            if kind != "survival":
                raise CLIError("--times is for survival models")
            surv = dist.sf(np.tile(np.asarray(times, float), (len(dist), 1)))
            for j, t in enumerate(times):
                out[f"survival_{_label(t)}"] = surv[:, j]
        if args.samples:
            draws = dist.sample(args.samples, random_state=args.random_state)
            for j in range(args.samples):
                out[f"sample_{j}"] = draws[:, j]
    except (ValueError, AttributeError, NotImplementedError) as err:
        raise CLIError(f"cannot compute the requested output: {err}") from None
    write_table(out, args.output)
    if str(args.output) != "-":
        print(f"wrote {len(out)} rows, {out.shape[1]} columns to {args.output}", file=sys.stderr)
    return 0


def metrics_table(est, meta, df, levels=(0.5, 0.9)):
    """[(metric name, value)] of the model's predictions on df (its target columns needed)."""
    from .. import metrics

    y = _target(df, meta)
    w = _weight(df, meta)
    dist = _predict_dist(est, meta, df)
    rows = [("rows", float(len(df)))]
    kind = meta["kind"]
    if kind == "classifier":
        rows += [("log loss", metrics.log_loss(y, dist, classes=est.classes_, sample_weight=w)),
                 ("Brier score", metrics.brier_score(y, dist, classes=est.classes_, sample_weight=w)),
                 ("accuracy", float(np.average(est.classes_[np.argmax(dist.probs, axis=1)] == y, weights=w)))]
        return rows
    if kind == "survival":
        rows += [("censored NLL", metrics.censored_nll(y, dist, sample_weight=w)),
                 ("concordance (Harrell's C)", metrics.concordance_index(y, dist, sample_weight=w))]
        try:
            rows.append(("censored CRPS", metrics.censored_crps(y, dist, sample_weight=w)))
        except (ValueError, NotImplementedError):
            pass
        return rows
    point = dist.point_prediction()
    rows += [("NLL", metrics.nll(y, dist, sample_weight=w))]
    try:
        rows.append(("CRPS", metrics.crps(y, dist, sample_weight=w)))
    except (ValueError, NotImplementedError):
        pass
    rows += [("RMSE", float(np.sqrt(np.average((point - y) ** 2, weights=w)))),
             ("MAE", float(np.average(np.abs(point - y), weights=w)))]
    for level in levels:
        rows += [(f"{level:.0%} interval coverage", metrics.coverage(y, dist, level, sample_weight=w)),
                 (f"{level:.0%} interval score", metrics.interval_score(y, dist, level, sample_weight=w))]
    rows.append(("calibration error", metrics.calibration_error(y, dist, sample_weight=w)))
    return rows


def cmd_evaluate(args):
    est, meta = load_model(args.model)
    df = read_table(args.data)
    if args.target:
        meta = dict(meta, target=args.target)
    try:
        rows = metrics_table(est, meta, df)
    except ValueError as err:
        raise CLIError(f"evaluation failed: {err}") from None
    if args.json:
        print(json.dumps({name: value for name, value in rows}, indent=1))
    else:
        print(f"{type(est).__name__}({est._dist.__name__}), {est.n_iter_} iterations, on {args.data}")
        for name, value in rows:
            print(f"  {name:<28} {value:12.5g}")
    if args.plots:
        _plots(est, meta, df, args.plots)
    return 0


def _plots(est, meta, df, out_dir):
    if meta["kind"] != "regressor":
        raise CLIError("--plots is for regressors")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        from .. import plots
    except ImportError:
        raise CLIError('--plots needs matplotlib: pip install "ngb[plotting]"') from None
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    y, dist = _target(df, meta), _predict_dist(est, meta, df)
    for name, draw in {"pit_histogram.png": plots.pit_histogram, "reliability.png": plots.reliability_diagram}.items():
        fig, ax = plt.subplots(figsize=(6, 4.5))
        draw(y, dist, ax=ax)
        fig.tight_layout()
        _atomic_write(out / name, lambda tmp: fig.savefig(tmp, dpi=100, format="png"))
        plt.close(fig)
    print(f"wrote pit_histogram.png and reliability.png to {out}", file=sys.stderr)
