"""Saving: the manifest and arrays of a fitted estimator (``save``, ``dumps``)."""

from __future__ import annotations

import json
import math
import numbers
import os
import secrets

import numpy as np
import pandas as pd

from ..version import __version__
from ._common import (
    FORMAT, FORMAT_VERSION, _ALIGN, _BIT_GENERATORS, _DTYPE_RE, _EXTRA_STATE, _IGNORED, _MAX_DEPTH,
    _STATE, _TREE_ARRAYS, _archive, _estimators, _fail, _scores
)


def save(model, file):
    """Save the fitted ngb estimator ``model`` to ``file`` (a path, written atomically, or a binary
    file object) as a model file (module docstring). ModelFileError for models the format does not
    hold (other base learners than ngb's trees, parameters it cannot store exactly)."""
    data = dumps(model)
    if isinstance(file, (str, os.PathLike)):
        path = os.path.abspath(os.fspath(file))
        tmp = os.path.join(os.path.dirname(path), f".{os.path.basename(path)}.{secrets.token_hex(8)}.tmp")
        try:  # a complete file or none: written beside the target, then renamed (permissions from the umask)
            with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), "wb") as out:
                out.write(data)
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
    else:
        file.write(data)


def dumps(model):
    """The model file of ``model`` as bytes (see :func:`save`). The bytes are read back before
    they are returned, so what this version writes, it loads (with the same parameters)."""
    estimators = _estimators()
    name = type(model).__name__
    if estimators.get(name) is not type(model):
        _fail(f"model files hold ngb's estimators ({', '.join(estimators)}); got {type(model).__name__}.")
    if "n_iter_" not in model.__dict__:
        _fail(f"this {name} is not fitted: fit it before saving it.")
    try:
        model._check_params()
    except ValueError as err:
        _fail(f"this {name}'s parameters are not valid, so it cannot be saved: {err}")
    known = set(model._get_param_names()) | set(_STATE) | set(_EXTRA_STATE[name]) | set(_IGNORED)
    unknown = sorted(set(model.__dict__) - known)
    if unknown:
        _fail(f"this {name} has attributes {unknown} that model-file format {FORMAT_VERSION} does not hold; "
              "the format must be extended (with a new format version) before such models can be saved.")
    writer = _Writer()
    params = model.get_params(deep=False)
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "ngb_version": __version__,
        "estimator": name,
        "params": {key: _encode(value, f"parameter {key!r}") for key, value in params.items()},
        "state": _encode_state(model, writer),
    }
    manifest["arrays"] = writer.index
    data = _archive(json.dumps(manifest, indent=1, allow_nan=False).encode("utf-8"), writer.data())
    from ._build import loads  # (loading imports the writer's tables: imported here)

    restored = loads(data)
    for key, value in params.items():
        if not _same(restored.get_params(deep=False)[key], value):
            _fail(f"parameter {key}={value!r} cannot be stored exactly in a model file.")
    return data

class _Writer:
    """Collects the arrays: ``add`` returns the reference the manifest holds."""

    def __init__(self):
        self.index, self._parts, self._size = [], [], 0

    def add(self, name, array, what=None):
        a = np.asarray(array)
        if a.dtype.kind not in "biufUmM" or a.dtype.fields is not None:
            _fail(f"{what or name} has dtype {a.dtype}, which a model file does not store (bools, numbers, "
                  "strings and dates only).")
        a = np.ascontiguousarray(a.astype(a.dtype.newbyteorder("<")) if a.dtype.byteorder == ">" else a)
        if not _DTYPE_RE.match(a.dtype.str):
            _fail(f"{what or name} has dtype {a.dtype}, which a model file does not store.")
        raw = a.tobytes()
        self.index.append({"name": name, "dtype": a.dtype.str, "shape": list(a.shape), "offset": self._size})
        pad = -len(raw) % _ALIGN
        self._parts.append(raw + b"\0" * pad)
        self._size += len(raw) + pad
        return {"$array": name}

    def data(self):
        return b"".join(self._parts)


def _encode(value, what, depth=0):
    """A parameter value as JSON (tagged types: module docstring); ModelFileError for values a
    model file does not store."""
    if depth > _MAX_DEPTH:
        _fail(f"{what} is nested too deeply for a model file.")
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, numbers.Integral) and type(value) is int:
        return value
    if type(value) is float:
        return value if math.isfinite(value) else {"$float": repr(value)}
    if isinstance(value, np.generic) and value.dtype.kind in "biuf":
        return {"$numpy": value.dtype.str, "value": _encode(value.item(), what, depth + 1)}
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biufU" or value.ndim > 2 or value.size > 100_000:
            _fail(f"{what} is an array (dtype {value.dtype}, shape {value.shape}) a model file does not store.")
        return {"$ndarray": value.dtype.str, "shape": list(value.shape),
                "data": [_encode(v, what, depth + 1) for v in value.reshape(-1).tolist()]}
    if isinstance(value, list):
        return [_encode(v, what, depth + 1) for v in value]
    if isinstance(value, tuple):
        return {"$tuple": [_encode(v, what, depth + 1) for v in value]}
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"$dict": {k: _encode(v, what, depth + 1) for k, v in value.items()}}
    from ..distributions import Distribution
    from ..scores import ScoringRule
    from ..tree import HistTreeRegressor

    if isinstance(value, type) and issubclass(value, ScoringRule) and _scores().get(value.__name__) is value:
        return {"$score": value.__name__}
    if type(value) in _scores().values():
        return {"$score": type(value).__name__, "instance": True}
    from ..distributions import family_name

    if isinstance(value, type) and family_name(value) is not None:
        return {"$family": family_name(value)}
    if isinstance(value, Distribution) or isinstance(value, type) and issubclass(value, Distribution):
        if family_name(type(value)) is None:
            _fail(f"{what} = {value!r} is not one of ngb's families (ngb.distributions.FAMILIES): a model file names "
                  "its family, and a family defined elsewhere cannot be loaded without running its code.")
    if isinstance(value, Distribution):
        return {"$family": family_name(type(value)), "theta": _encode(np.asarray(value._theta), what, depth + 1)}
    if type(value) is HistTreeRegressor:
        return {"$estimator": "HistTreeRegressor",
                "params": {k: _encode(v, f"{what}'s {k!r}", depth + 1) for k, v in value.get_params().items()}}
    if type(value) is np.random.RandomState:
        return {"$random_state": _encode(value.get_state(legacy=False), what, depth + 1)}
    if type(value) is np.random.Generator and type(value.bit_generator).__name__ in _BIT_GENERATORS:
        return {"$generator": _encode(value.bit_generator.state, what, depth + 1)}
    if what.startswith("parameter 'base'"):
        _fail(f"model files hold ngb's histogram trees; this model's base learner is {value!r}. Fit it with "
              "base=None or an ngb.HistTreeRegressor to save it as a model file, or save it with pickle or joblib "
              "(which run code when loading: load only files you trust).")
    _fail(f"{what} = {value!r} is not a value a model file stores (None, bools, numbers, strings, lists, numpy "
          "arrays, ngb families and scores, HistTreeRegressor, RandomState or Generator).")


def _encode_state(model, writer):
    from ..tree import Tree

    d = model.__dict__
    name = type(model).__name__
    from ..distributions import family_name

    if family_name(d["_dist"]) is None:
        _fail(f"this model's family {d['_dist']!r} is not one of ngb's (ngb.distributions.FAMILIES): a model "
              "file names its family, and a family defined elsewhere cannot be loaded without running its code.")
    k, m = int(d["n_params_"]), int(d["n_iter_"])
    trees = [t for learners in d["_estimators"] for t in learners]
    if any(type(t) is not Tree for t in trees):
        other = next(t for t in trees if type(t) is not Tree)
        _fail(f"model files hold ngb's histogram trees; this model's base learners are {type(other).__name__}. Fit "
              "it with base=None or an ngb.HistTreeRegressor to save it as a model file, or save it with pickle or "
              "joblib (which run code when loading: load only files you trust).")
    state = {
        "family": family_name(d["_dist"]),
        "score_name": d["_score_name"],
        "n_params": k,
        "n_iter": m,
        "n_features_in": int(d["n_features_in_"]),
        "feature_names_in": None,
        "init_params": writer.add("init_params", d["init_params_"]),
        "scalings": writer.add("scalings", d["scalings_"]),
        "train_score": writer.add("train_score", d["train_score_"]),
        "validation_score": writer.add("validation_score", d["validation_score_"]),
        "units": None,
        "tree_factor": None if d["_tree_factor"] is None else writer.add("tree_factor", d["_tree_factor"]),
        "param_bounds": None if d["_param_bounds"] is None else writer.add("param_bounds", d["_param_bounds"]),
        "trees": _encode_trees(trees, [len(learners) for learners in d["_estimators"]], writer),
        "columns": _encode_columns(d["_columns"], writer),
        "importances": {"names": list(d["feature_importances_by_param_"]),
                        "values": writer.add("importances", np.array(list(d["feature_importances_by_param_"].values()),
                                                                     dtype=np.float64).reshape(k, -1))},
        "categories": [[_encode(column, "a category column's name"), _encode_index(cats, column, writer)]
                       for column, cats in d["_categories"].items()],
    }
    if "feature_names_in_" in d:
        names = d["feature_names_in_"]
        if not (isinstance(names, np.ndarray) and names.dtype == object and all(type(v) is str for v in names)):
            _fail(f"feature_names_in_ must be an object array of str, got {names!r}.")
        state["feature_names_in"] = names.tolist()
    units = d["_units"]
    if units is not None:
        state["units"] = {key: (_encode(getattr(units, key), f"_units.{key}") if key in "cs" else
                                writer.add(f"units_{key}", getattr(units, key)))
                          for key in ("c", "s", "shift", "factor")}
    if "refitted_" in d:  # whether the fit was refitted on every row after early stopping chose n_iter_
        state["refitted"] = bool(d["refitted_"])
    if name == "NGBClassifier":
        state["classes"] = _encode_labels(d["classes_"], writer)
    if name == "NGBSurvival":
        state["unique_times"] = writer.add("unique_times", d["unique_times_"])
    return state


def _encode_trees(trees, per_iteration, writer):
    """All trees' node arrays concatenated (node indices stay local to their tree), the number of
    nodes of each tree, and the categorical splits of the trees that have them."""
    for t in trees:
        t.validate()
    out = {"per_iteration": writer.add("trees_per_iteration", np.asarray(per_iteration, np.int64)),
           "n_nodes": writer.add("tree_n_nodes", np.array([t.n_nodes for t in trees], np.int64))}
    for key, dtype in _TREE_ARRAYS.items():
        out[key] = writer.add(f"tree_{key}", np.concatenate([getattr(t, key) for t in trees]).astype(dtype, copy=False)
                              if trees else np.zeros(0, dtype))
    out["categorical"] = None
    if any(t.has_categorical for t in trees):
        out["categorical"] = {
            "tree": writer.add("tree_has_categorical", np.array([t.has_categorical for t in trees])),
            "is_categorical": writer.add("tree_is_categorical", np.concatenate(
                [t.is_categorical if t.has_categorical else np.zeros(t.n_nodes, bool) for t in trees])),
            "cat_bitset": writer.add("tree_cat_bitset", np.concatenate(
                [t.cat_bitset if t.has_categorical else np.zeros((t.n_nodes, 8), np.uint32) for t in trees])),
        }
    return out


def _encode_columns(columns, writer):
    """The columns of each iteration (colsample): None for all iterations, or which iterations have
    them and their concatenated indices."""
    if all(c is None for c in columns):
        return None
    present = np.array([c is not None for c in columns])
    sizes = np.array([0 if c is None else len(c) for c in columns], np.int64)
    indices = [np.asarray(c) for c in columns if c is not None]
    dtypes = {a.dtype for a in indices}
    if len(dtypes) != 1 or next(iter(dtypes)).kind not in "iu":
        _fail(f"the iterations' column indices have dtypes {sorted(map(str, dtypes))}; a model file stores one "
              "integer dtype.")
    return {"present": writer.add("columns_present", present), "sizes": writer.add("columns_sizes", sizes),
            "indices": writer.add("columns_indices", np.concatenate(indices))}


def _encode_index(cats, column, writer):
    """A pandas category column's fit categories (an Index), kept with its dtype."""
    what = f"the categories of column {column!r}"
    if not isinstance(cats, pd.Index):
        _fail(f"{what} are a {type(cats).__name__}, not a pandas Index.")
    dtype = cats.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "biufmM":
        out = {"array": writer.add(f"categories_{len(writer.index)}", cats.to_numpy(), what)}
    elif str(dtype) in ("object", "str", "string") and all(type(v) is str for v in cats):
        out = {"strings": list(cats), "dtype": str(dtype)}
    else:
        _fail(f"{what} have dtype {dtype} (values {list(cats[:3])}...): a model file stores categories that are "
              "numbers, bools, dates or strings.")
    restored = pd.Index(cats.to_numpy()) if "array" in out else pd.Index(out["strings"], dtype=out["dtype"])
    if not (restored.equals(cats) and restored.dtype == cats.dtype):
        _fail(f"{what} (dtype {dtype}) cannot be stored exactly in a model file.")
    return out


def _encode_labels(classes, writer):
    """A classifier's classes_: an array of numbers, bools or strings (object arrays of str kept as such)."""
    if not isinstance(classes, np.ndarray) or classes.ndim != 1:
        _fail(f"classes_ must be a 1-d array, got {classes!r}.")
    if classes.dtype == object:
        if not all(type(v) is str for v in classes):
            _fail(f"classes_ holds objects {[type(v).__name__ for v in classes[:3]]}: a model file stores labels "
                  "that are numbers, bools or strings.")
        return {"strings": classes.tolist()}
    return {"array": writer.add("classes", classes, "classes_")}


def _same(a, b):
    """Whether two parameter values are the same (types, and values bit for bit)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and a.shape == b.shape and bool(np.all((a == b) | ((a != a) & (b != b))))
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, float) or isinstance(a, np.floating):
        return (a == b and math.copysign(1, a) == math.copysign(1, b)) or (a != a and b != b)
    if isinstance(a, np.random.RandomState):
        return _same(a.get_state(legacy=False), b.get_state(legacy=False))
    if isinstance(a, np.random.Generator):
        return _same(a.bit_generator.state, b.bit_generator.state)
    from ..distributions import Distribution
    from ..scores import ScoringRule
    from ..tree import HistTreeRegressor

    if isinstance(a, Distribution):
        return _same(np.asarray(a._theta), np.asarray(b._theta))
    if isinstance(a, ScoringRule):
        return True  # markers without state: the same type is the same rule
    if isinstance(a, HistTreeRegressor):
        return _same(a.get_params(), b.get_params())
    return a == b
