"""The ``ngb`` command line: fit, predict, evaluate and tune on CSV or Parquet files.

    ngb fit train.csv --target y --dist normal -o model.ngb
    ngb predict model.ngb test.csv --quantiles 0.05,0.95 -o pred.csv
    ngb evaluate model.ngb test.csv
    ngb tune train.csv --target y --trials 30 -o model.ngb

Every command exits 0 on success, 1 on bad data or files (a message on stderr starting "ngb: error:"),
2 on bad arguments; output files are written to a temporary name and renamed, so a failed command
leaves nothing half-written.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["main"]

MODEL_FORMAT = "ngb-cli-model"
MODEL_VERSION = 1


class CLIError(Exception):
    """A user-facing error: printed as "ngb: error: ..." with exit code 1."""


# --------------------------------------------------------------------------- files
def read_table(path):
    """A DataFrame from a .csv (also .csv.gz, .tsv) or .parquet/.pq file."""
    p = Path(path)
    if not p.is_file():
        raise CLIError(f"no such file: {path}")
    name = p.name.lower()
    try:
        if name.endswith((".parquet", ".pq")):
            try:
                import pyarrow  # noqa: F401
            except ImportError:
                raise CLIError("reading Parquet needs pyarrow: pip install pyarrow") from None
            return pd.read_parquet(p)
        if name.endswith((".tsv", ".tsv.gz")):
            return pd.read_csv(p, sep="\t")
        return pd.read_csv(p)
    except CLIError:
        raise
    except Exception as err:  # pandas' parser errors, Unicode errors, pyarrow's errors
        raise CLIError(f"cannot read {path} as a {'Parquet' if name.endswith(('.parquet', '.pq')) else 'CSV'} "
                       f"file: {type(err).__name__}: {err}") from None


def _atomic_write(path, write):
    """Call write(tmp_path), then rename tmp_path to path (nothing half-written on failure)."""
    path = Path(path)
    if path.parent and not path.parent.exists():
        raise CLIError(f"directory {path.parent} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=str(path.parent or "."))
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_table(df, path):
    """Write df as CSV ("-": stdout) or Parquet (by the file's extension)."""
    if str(path) == "-":
        df.to_csv(sys.stdout, index=False)
        return
    name = str(path).lower()
    if name.endswith((".parquet", ".pq")):
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise CLIError("writing Parquet needs pyarrow: pip install pyarrow") from None
        df = df.copy()
        df.columns = [str(c) for c in df.columns]
        _atomic_write(path, lambda tmp: df.to_parquet(tmp, index=False))
    else:
        _atomic_write(path, lambda tmp: df.to_csv(tmp, index=False))


def save_model(estimator, meta, path):
    """The model file: ``ngb.save`` when this ngb has it (safe format; the CLI's column roles in a
    JSON file ``PATH.json`` beside it), else a joblib pickle of {format, estimator, meta}."""
    import ngb

    if hasattr(ngb, "save"):
        _atomic_write(path, lambda tmp: ngb.save(estimator, tmp))
        _atomic_write(str(path) + ".json", lambda tmp: Path(tmp).write_text(
            json.dumps({"format": MODEL_FORMAT, "version": MODEL_VERSION, "meta": meta}, indent=1)))
        return
    import joblib

    payload = {"format": MODEL_FORMAT, "version": MODEL_VERSION, "meta": meta, "estimator": estimator}
    _atomic_write(path, lambda tmp: joblib.dump(payload, tmp))


def load_model(path):
    """(estimator, meta) from a file written by :func:`save_model`; CLIError for any other file."""
    import ngb

    p = Path(path)
    if not p.is_file():
        raise CLIError(f"no such model file: {path}")
    side = Path(str(path) + ".json")
    if hasattr(ngb, "load") and side.is_file():
        try:
            estimator = ngb.load(p)
            info = json.loads(side.read_text())
        except Exception as err:
            raise CLIError(f"{path} is not an ngb model file: {type(err).__name__}: {err}") from None
        if info.get("format") != MODEL_FORMAT:
            raise CLIError(f"{side} is not an ngb command-line model description")
        return estimator, info["meta"]
    import joblib

    try:
        payload = joblib.load(p)
    except Exception as err:
        raise CLIError(f"{path} is not an ngb model file (written by 'ngb fit' or 'ngb tune'): "
                       f"{type(err).__name__}: {err}") from None
    if not isinstance(payload, dict) or payload.get("format") != MODEL_FORMAT:
        raise CLIError(f"{path} is not an ngb model file (written by 'ngb fit' or 'ngb tune')")
    return payload["estimator"], payload["meta"]


# --------------------------------------------------------------------------- columns and estimators
def _split_list(text):
    return [c.strip() for c in text.split(",") if c.strip()] if text else []


def _floats(text, what):
    try:
        values = [float(v) for v in _split_list(text)]
    except ValueError:
        raise CLIError(f"{what} must be comma-separated numbers; got {text!r}") from None
    return values


def _need(df, cols, what):
    missing = [c for c in cols if c not in df.columns]
    if missing:
        shown = ", ".join(map(str, list(df.columns)[:20]))
        raise CLIError(f"{what}: column(s) {missing} not found; the file has: {shown}")


def _parse_value(text):
    for conv in (int, float):
        try:
            return conv(text)
        except ValueError:
            pass
    low = text.lower()
    if low in ("true", "false"):
        return low == "true"
    if low == "none":
        return None
    return text


def _params(pairs):
    out = {}
    for pair in pairs or []:
        if "=" not in pair:
            raise CLIError(f"--param takes NAME=VALUE; got {pair!r}")
        key, value = pair.split("=", 1)
        out[key.strip()] = _parse_value(value.strip())
    return out


def _kind(args):
    if args.time or args.event:
        if not (args.time and args.event):
            raise CLIError("a survival model needs both --time and --event")
        return "survival"
    if args.kind != "auto":
        return args.kind
    if args.dist and args.dist.lower() in ("categorical", "bernoulli"):
        return "classifier"
    return "regressor"


def _roles(args, kind):
    """The non-feature columns and their roles."""
    roles = {"target": args.target, "time": args.time, "event": args.event, "offset": args.offset,
             "exposure": args.exposure, "weight": args.weight, "id": args.id}
    if kind == "survival":
        roles["target"] = None
    elif not args.target:
        raise CLIError("--target is required (or --time and --event for a survival model)")
    if args.offset and args.exposure:
        raise CLIError("give --offset or --exposure, not both")
    return roles


def _features(df, meta):
    """The feature frame of df for meta (columns, categorical columns as pandas categories)."""
    _need(df, meta["features"], "features the model was fitted on")
    X = df[meta["features"]].copy()
    for c in meta["categorical"]:
        if not isinstance(X[c].dtype, pd.CategoricalDtype):
            X[c] = X[c].astype("category")
    bad = [c for c in X.columns if c not in meta["categorical"] and not pd.api.types.is_numeric_dtype(X[c])
           and not pd.api.types.is_bool_dtype(X[c])]
    if bad:
        raise CLIError(f"feature column(s) {bad} are not numeric; name them with --categorical (or drop them with "
                       "--drop)")
    for c in X.columns:
        if pd.api.types.is_bool_dtype(X[c]):
            X[c] = X[c].astype(float)
    return X


def _offset(df, meta):
    if meta.get("offset"):
        _need(df, [meta["offset"]], "--offset")
        return _numeric(df[meta["offset"]], "--offset")
    if meta.get("exposure"):
        _need(df, [meta["exposure"]], "--exposure")
        e = _numeric(df[meta["exposure"]], "--exposure")
        if np.any(~(e > 0)):
            raise CLIError(f"exposure column {meta['exposure']!r} must be positive")
        return np.log(e)
    return None


def _numeric(s, what):
    try:
        return pd.to_numeric(s).to_numpy(dtype=float)
    except (ValueError, TypeError):
        raise CLIError(f"{what} column {s.name!r} must be numeric") from None


def _target(df, meta, required=True):
    """y for meta's kind from df (None when its columns are absent and not required)."""
    cols = [meta["time"], meta["event"]] if meta["kind"] == "survival" else [meta["target"]]
    if not all(c in df.columns for c in cols):
        if required:
            _need(df, cols, "target")
        return None
    if meta["kind"] == "survival":
        from .survival import make_y

        time = _numeric(df[meta["time"]], "--time")
        ev = df[meta["event"]]
        if ev.dtype == object:
            ev = ev.astype(str).str.lower().map({"true": 1, "false": 0, "1": 1, "0": 0})
        ev = _numeric(ev, "--event")
        if not np.all(np.isin(ev, [0.0, 1.0])):
            raise CLIError(f"event column {meta['event']!r} must hold 0/1 or true/false")
        return make_y(time, ev.astype(bool))
    y = df[meta["target"]]
    if y.isna().any():
        raise CLIError(f"target column {meta['target']!r} has {int(y.isna().sum())} missing values")
    if meta["kind"] == "classifier":
        return y.to_numpy()
    return _numeric(y, "--target")


def _weight(df, meta):
    if not meta.get("weight"):
        return None
    _need(df, [meta["weight"]], "--weight")
    return _numeric(df[meta["weight"]], "--weight")


def _meta_for(args, df, kind):
    roles = _roles(args, kind)
    used = [c for c in roles.values() if c]
    _need(df, used, "column roles")
    dropped = _split_list(args.drop)
    _need(df, dropped, "--drop")
    features = [c for c in df.columns if c not in used and c not in dropped]
    if not features:
        raise CLIError("no feature columns left")
    categorical = _split_list(args.categorical)
    _need(df, categorical, "--categorical")
    for c in features:  # from the file's types: strings and categories are categorical
        if c not in categorical and (isinstance(df[c].dtype, pd.CategoricalDtype) or df[c].dtype == object
                                     or pd.api.types.is_string_dtype(df[c].dtype)):
            categorical.append(c)
    return dict(kind=kind, features=[str(c) for c in features], categorical=categorical, **roles)


def _estimator(kind, args):
    import ngb

    cls = {"regressor": ngb.NGBRegressor, "classifier": ngb.NGBClassifier, "survival": ngb.NGBSurvival}[kind]
    params = {}
    if args.dist:
        params["dist"] = args.dist
    if args.score:
        params["score"] = args.score
    if args.random_state is not None:
        params["random_state"] = args.random_state
    params.update(_params(args.param))
    est = cls()
    try:
        est.set_params(**params)
        est._check_params()
    except (ValueError, TypeError) as err:
        raise CLIError(f"bad estimator setting: {err}") from None
    return est


def _fit_inputs(args, meta, df):
    X = _features(df, meta)
    y = _target(df, meta)
    w = _weight(df, meta)
    off = _offset(df, meta)
    return X, y, w, off


# --------------------------------------------------------------------------- commands
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
    from .tuning import tune

    df = read_table(args.data)
    kind = _kind(args)
    meta = _meta_for(args, df, kind)
    est = _estimator(kind, args)
    X, y, w, off = _fit_inputs(args, meta, df)
    if off is not None and kind != "regressor":
        raise CLIError("--offset/--exposure are for regressors (e.g. --dist poisson)")
    dists = "auto" if args.dists == "auto" else (_split_list(args.dists) or None)
    try:
        model, trials = tune(est, X, y, sample_weight=w, offset=off, scoring=args.scoring, n_trials=args.trials,
                             timeout=args.timeout, validation_fraction=args.validation_fraction or 0.2, dists=dists,
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
    from . import metrics

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

        from . import plots
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


# --------------------------------------------------------------------------- parser
def _model_args(p):
    p.add_argument("data", help="training data: .csv (.tsv) or .parquet (Parquet needs pyarrow)")
    p.add_argument("--target", "-y", help="target column (not for survival: use --time and --event)")
    p.add_argument("--kind", choices=("auto", "regressor", "classifier", "survival"), default="auto",
                   help="estimator (default auto: survival with --time/--event, classifier with --dist "
                        "categorical/bernoulli, else regressor)")
    p.add_argument("--dist", help="family, e.g. normal, lognormal, poisson, negative_binomial, categorical "
                                  "(default: the estimator's own)")
    p.add_argument("--score", help="scoring rule boosted: log (default) or crps (brier for classes)")
    p.add_argument("--time", help="survival time column")
    p.add_argument("--event", help="survival event column (1/0 or true/false; 0 = censored)")
    p.add_argument("--offset", help="offset column, added to the first internal parameter (log rate for poisson)")
    p.add_argument("--exposure", help="exposure column: the offset is its log (poisson claim frequencies)")
    p.add_argument("--weight", help="sample-weight column")
    p.add_argument("--id", help="id column: not a feature, copied to the predictions")
    p.add_argument("--categorical", help="comma-separated categorical columns (text columns and Parquet categories "
                                         "are categorical anyway)")
    p.add_argument("--drop", help="comma-separated columns that are not features")
    p.add_argument("--param", "-p", action="append", metavar="NAME=VALUE",
                   help="any estimator parameter, repeatable: -p n_estimators=1000 -p base__max_depth=4")
    p.add_argument("--random-state", type=int, default=None, help="seed (an int gives repeatable results)")
    p.add_argument("--verbose", "-v", action="count", default=0, help="show progress (repeat for more)")
    p.add_argument("-o", "--output", required=True, help="model file to write")


def build_parser():
    import ngb

    saving = ("Model files are written with ngb.save (safe format) and a PATH.json file of column roles."
              if hasattr(ngb, "save") else
              "Model files are joblib pickles (this ngb has no ngb.save yet): load only files you trust.")
    parser = argparse.ArgumentParser(
        prog="ngb", description="Natural gradient boosting for probabilistic prediction, from the shell. " + saving,
        epilog="example: ngb fit train.csv --target y -o m.ngb && ngb predict m.ngb test.csv --interval 0.9 -o "
               "p.csv && ngb evaluate m.ngb test.csv",
    )
    parser.add_argument("--version", action="version", version=f"ngb {ngb.__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    p = sub.add_parser("fit", help="fit a model on a table and write the model file",
                       description="Fit an NGBRegressor, NGBClassifier or NGBSurvival. Every column not named by a "
                                   "role (--target, --weight, --offset, --id, ...) or --drop is a feature. " + saving)
    _model_args(p)
    g = p.add_mutually_exclusive_group()
    g.add_argument("--validation", help="validation file (same columns) for early stopping")
    g.add_argument("--validation-fraction", type=float, help="hold out this share of the rows for early stopping")
    p.set_defaults(func=cmd_fit)

    p = sub.add_parser("tune", help="search the settings on an inner validation split, refit, write the model",
                       description="ngb.tuning.tune on a table (needs optuna): searches the learning rate, tree "
                                   "shape, leaf size and weight, metric weights, subsampling and the family on a "
                                   "validation split of the rows given, then refits the best settings on all of "
                                   "them. " + saving)
    _model_args(p)
    p.add_argument("--trials", type=int, default=30, help="trial budget (default 30)")
    p.add_argument("--timeout", type=float, default=None, help="time budget in seconds")
    p.add_argument("--scoring", default="log", help="log (default) or an ngb scorer name, e.g. neg_crps")
    p.add_argument("--dists", default="auto",
                   help="families searched: auto (those valid for the target), a comma list, or '' (keep --dist)")
    p.add_argument("--validation-fraction", type=float, default=0.2, help="inner validation share (default 0.2)")
    p.add_argument("--trials-output", help="write the trial table (CSV/Parquet)")
    p.set_defaults(func=cmd_tune)

    p = sub.add_parser("predict", help="write predictions (point, quantiles, intervals, parameters, samples)",
                       description="Predict with a model file. Output columns: the id column (if any), 'prediction' "
                                   "(the mean; for classifiers the label and proba_<class>; for survival "
                                   "'median_time'), then what is asked for.")
    p.add_argument("model", help="model file written by 'ngb fit' or 'ngb tune'")
    p.add_argument("data", help="rows to predict: .csv or .parquet with the training features")
    p.add_argument("-o", "--output", default="-", help="output .csv or .parquet (default: CSV on stdout)")
    p.add_argument("--quantiles", help="comma-separated levels, e.g. 0.05,0.5,0.95 (columns q0.05, ...)")
    p.add_argument("--interval", help="comma-separated central interval coverages, e.g. 0.9 (lower0.9, upper0.9)")
    p.add_argument("--params", action="store_true", help="also write the distribution's parameters")
    p.add_argument("--times", help="survival: comma-separated times t (columns survival_t = S(t))")
    p.add_argument("--samples", type=int, default=0, help="draws per row (columns sample_0, ...)")
    p.add_argument("--id", help="id column to copy (default: the one given at fit)")
    p.add_argument("--random-state", type=int, default=0, help="seed of the samples (default 0)")
    p.set_defaults(func=cmd_predict)

    p = sub.add_parser("evaluate", help="print the metrics of a model on a table with its targets",
                       description="Metrics of the predicted distributions: NLL, CRPS, RMSE, MAE, interval coverage "
                                   "and score, calibration error (regression); log loss, Brier score, accuracy "
                                   "(classes); censored NLL, concordance, censored CRPS (survival).")
    p.add_argument("model", help="model file written by 'ngb fit' or 'ngb tune'")
    p.add_argument("data", help=".csv or .parquet with the features and the target column(s)")
    p.add_argument("--target", help="target column, if not the one named at fit")
    p.add_argument("--json", action="store_true", help="print the metrics as JSON")
    p.add_argument("--plots", metavar="DIR", help="also write PIT histogram and reliability diagram PNGs (regression)")
    p.set_defaults(func=cmd_evaluate)
    return parser


def main(argv=None):
    """Entry point of the ``ngb`` console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except CLIError as err:
        print(f"ngb: error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("ngb: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # python -m ngb.cli
    sys.exit(main())
