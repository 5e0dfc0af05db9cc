"""Column roles (target, time and event, weight, offset, features) and the estimator a command builds."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._files import CLIError


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
    if args.dist and _is_class_family(args.dist):
        return "classifier"
    return "regressor"


def _is_class_family(name):
    """Whether ``name`` names a class family (softmax_categorical, categorical, bernoulli)."""
    from ..distributions import get_distribution

    try:
        return get_distribution(name).support == "class"
    except (ValueError, TypeError):
        return False  # an unknown name: the estimator reports it


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
        from ..survival import make_y

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
