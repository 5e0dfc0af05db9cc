"""Loading: the estimator built from a checked manifest and its arrays (``load``, ``loads``)."""

from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd

from ..version import __version__
from ._common import FORMAT, FORMAT_VERSION, _TREE_ARRAYS, _estimators, _fail, _families
from ._read import _Reader, _check_keys, _decode, _members, _no_constant, _no_duplicates


def load(file):
    """The estimator saved in the model file ``file`` (a path or a binary file object). Runs no code
    from the file; ModelFileError (a ValueError) for a damaged, hostile or newer-format file."""
    if isinstance(file, (str, os.PathLike)):
        with open(file, "rb") as f:
            data = f.read()
    else:
        data = file.read()
    return loads(data)


def loads(data):
    """The estimator of a model file's bytes (see :func:`load`)."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        _fail(f"a model file is bytes; got {type(data).__name__}.")
    data = bytes(data)
    manifest, arrays = _members(data)
    try:
        header = json.loads(manifest.decode("utf-8"), parse_constant=_no_constant, object_pairs_hook=_no_duplicates)
    except (ValueError, RecursionError) as err:
        _fail(f"the manifest of the model file is not valid JSON: {err}")
    _check_keys(header, {"format", "format_version", "ngb_version", "estimator", "params", "state", "arrays"},
                "the manifest")
    if header["format"] != FORMAT:
        _fail(f"not an ngb model file (format {header['format']!r}).")
    version = header["format_version"]
    if type(version) is not int or version < 1:
        _fail(f"invalid format_version {version!r}.")
    if version > FORMAT_VERSION:
        _fail(f"this model file was written by ngb {header['ngb_version']!r} in model-file format {version}; this ngb "
              f"({__version__}) reads formats up to {FORMAT_VERSION}: upgrade ngb to load it.")
    reader = _Reader(header["arrays"], arrays)
    model = _build(header, reader)
    reader.check_all_used()
    return model


def _int(value, what, low=0):
    if type(value) is not int or value < low:
        _fail(f"{what} must be an int >= {low}, got {value!r}.")
    return value


def _finite(a, what):
    if not np.isfinite(a).all():
        _fail(f"{what} has non-finite values.")
    return a


def _build(header, reader):
    """The estimator of a parsed manifest (format 1), every value checked before it is used."""
    from .._backends import pack_predictor
    from .._units import TargetUnits

    estimators = _estimators()
    name = header["estimator"]
    if type(name) is not str or name not in estimators:
        _fail(f"unknown estimator {name!r}; model files hold {sorted(estimators)}.")
    cls = estimators[name]
    params = header["params"]
    names = set(cls._get_param_names())
    if not isinstance(params, dict) or not set(params) <= names:
        unknown = sorted(set(params) - names) if isinstance(params, dict) else params
        _fail(f"{name} has no parameters {unknown!r} (the file's parameters); its parameters are {sorted(names)}.")
    # a parameter added after the file was written takes its default (the constructor's)
    model = cls(**{key: _decode(value, f"parameter {key!r}") for key, value in params.items()})
    try:
        model._check_params()
    except (ValueError, TypeError) as err:
        _fail(f"invalid parameters in the model file: {err}")
    s = header["state"]
    keys = {"family", "score_name", "n_params", "n_iter", "n_features_in", "feature_names_in", "init_params",
            "scalings", "train_score", "validation_score", "units", "tree_factor", "param_bounds", "trees", "columns",
            "importances", "categories"}
    keys |= {"NGBClassifier": {"classes"}, "NGBSurvival": {"unique_times"}}.get(name, set())
    if isinstance(s, dict) and "refitted" in s:  # optional (models fitted before early stopping could refit)
        keys.add("refitted")
    _check_keys(s, keys, "the fitted state")

    from ..distributions import family_by_name

    dist = family_by_name(s["family"]) if type(s["family"]) is str else None
    if dist is None:
        _fail(f"unknown family {s['family']!r}; ngb's families are {sorted(_families())} (and t_fixed_df:<df>, "
              "beta_binomial:<trials>).")
    k = _int(s["n_params"], "n_params", 1)
    m = _int(s["n_iter"], "n_iter")
    p = _int(s["n_features_in"], "n_features_in", 1)
    try:
        dist._check_n_params(k)
    except ValueError as err:
        _fail(f"{k} internal parameters for the family {s['family']}: {err}")
    fixed = dist.param_names if isinstance(dist.param_names, tuple) else ()
    if fixed and len(fixed) != k:
        _fail(f"the family {s['family']} has {len(fixed)} internal parameters, the file {k}.")
    expected_dim = getattr(model.dist, "dim", None)
    if expected_dim is not None and k != expected_dim + expected_dim * (expected_dim + 1) // 2:
        _fail(f"dist has dimension {expected_dim}, the file's {k} internal parameters do not match.")
    if s["score_name"] not in dist.available_scores():
        _fail(f"score {s['score_name']!r} is not one of {dist.__name__}'s ({list(dist.available_scores())}).")
    if (dist.support == "class") != (name == "NGBClassifier") or (name == "NGBSurvival"
                                                                  and not dist.supports_censoring()):
        _fail(f"the family {s['family']} does not fit with {name}.")

    importances = s["importances"]  # (k, p): also bounds p by the file's size
    _check_keys(importances, {"names", "values"}, "the feature importances")
    imp_names = importances["names"]
    if not (isinstance(imp_names, list) and len(imp_names) == k and all(type(v) is str for v in imp_names)
            and len(set(imp_names)) == k):
        _fail(f"the feature importances are named by {k} distinct strings.")
    imp = reader.take(importances["values"], "feature importances", np.float64, (k, p))
    state = {"n_features_in_": p}
    if s["feature_names_in"] is not None:
        names_in = s["feature_names_in"]
        if not (isinstance(names_in, list) and len(names_in) == p and all(type(v) is str for v in names_in)
                and len(set(names_in)) == p):
            _fail(f"feature_names_in must be {p} distinct strings.")
        state["feature_names_in_"] = np.array(names_in, dtype=object)
    if "refitted" in s:
        if type(s["refitted"]) is not bool:
            _fail(f"refitted must be true or false, got {s['refitted']!r}.")
        state["refitted_"] = s["refitted"]
    state["_categories"] = _categories(s["categories"], reader, state.get("feature_names_in_"))
    if name == "NGBClassifier":
        state["classes_"] = _labels(s["classes"], reader, dist.classes_for(k), k)
    state["init_params_"] = _finite(reader.take(s["init_params"], "init_params", np.float64, (k,)), "init_params")
    state["n_iter_"] = m
    scalings = reader.take(s["scalings"], "scalings", np.float64, None)
    if scalings.shape != (m, k) and not (m == 0 and scalings.shape == (0,)):
        _fail(f"scalings has shape {scalings.shape}; expected ({m}, {k}).")
    state["scalings_"] = _finite(scalings, "scalings")
    state["train_score_"] = reader.take(s["train_score"], "train_score", np.float64, ndim=1)
    state["validation_score_"] = reader.take(s["validation_score"], "validation_score", np.float64, ndim=1)
    state["_dist"] = dist
    if type(s["score_name"]) is not str:
        _fail("score_name must be a str.")
    state["_score_name"] = s["score_name"]
    state["n_params_"] = k
    state["_units"] = None
    if s["units"] is not None:
        u = s["units"]
        _check_keys(u, {"c", "s", "shift", "factor"}, "units")
        c, sc = (_decode(u[key], f"units.{key}") for key in ("c", "s"))
        for key, v in (("c", c), ("s", sc)):
            if not (isinstance(v, float) or isinstance(v, np.ndarray) and v.dtype == np.float64 and v.ndim == 1):
                _fail(f"units.{key} must be a float or a 1-d float array.")
            if not np.all(np.isfinite(v)) or (key == "s" and not np.all(np.asarray(v) > 0)):
                _fail(f"units.{key} must be finite{' and positive' if key == 's' else ''}.")
        shift = _finite(reader.take(u["shift"], "units.shift", np.float64, (k,)), "units.shift")
        factor = _finite(reader.take(u["factor"], "units.factor", np.float64, (k,)), "units.factor")
        state["_units"] = TargetUnits(c, sc, shift, factor)
    state["_tree_factor"] = None
    if s["tree_factor"] is not None:
        state["_tree_factor"] = _finite(reader.take(s["tree_factor"], "tree_factor", np.float64, (k,)), "tree_factor")
    state["_param_bounds"] = None
    if s["param_bounds"] is not None:
        bounds = reader.take(s["param_bounds"], "param_bounds", np.float64, (k, 2))
        if np.isnan(bounds).any() or (bounds[:, 0] > bounds[:, 1]).any():
            _fail("param_bounds must be (low, high) pairs with low <= high.")
        state["_param_bounds"] = bounds
    state["_estimators"] = _trees(s["trees"], reader, m, k, p)
    state["_columns"] = _columns(s["columns"], reader, m, p)
    if name == "NGBSurvival":
        times = _finite(reader.take(s["unique_times"], "unique_times", np.float64, ndim=1), "unique_times")
        if times.size == 0 or times[0] <= 0 or (np.diff(times) <= 0).any():
            _fail("unique_times must be positive and strictly increasing.")
        state["unique_times_"] = times
    state["feature_importances_by_param_"] = {key: imp[j].copy() for j, key in enumerate(imp_names)}
    model.__dict__.update(state)
    model._forest = pack_predictor(state["_estimators"], model._tree_weights(state), k)
    return model


def _trees(spec, reader, m, k, p):
    """The (m, k) trees: node arrays checked over the whole forest, then tree by tree."""
    from ..tree import Tree

    _check_keys(spec, {"per_iteration", "n_nodes", *_TREE_ARRAYS, "categorical"}, "the trees")
    per_iteration = reader.take(spec["per_iteration"], "trees per iteration", np.int64, (m,))
    if (per_iteration != k).any():
        _fail(f"every iteration has one tree per internal parameter ({k}).")
    n_nodes = reader.take(spec["n_nodes"], "tree node counts", np.int64, (m * k,))
    if (n_nodes < 1).any():
        _fail("a tree has at least one node.")
    total = int(n_nodes.sum())
    a = {key: reader.take(spec[key], f"tree {key}", dtype, (total,)) for key, dtype in _TREE_ARRAYS.items()}
    for key in ("value", "gain", "weight"):
        _finite(a[key], f"tree {key}")
    if (a["n_samples"] < 0).any():
        _fail("tree n_samples must be >= 0.")
    cat = None
    if spec["categorical"] is not None:
        c = spec["categorical"]
        _check_keys(c, {"tree", "is_categorical", "cat_bitset"}, "the categorical splits")
        cat = (reader.take(c["tree"], "trees with categorical splits", np.bool_, (m * k,)),
               reader.take(c["is_categorical"], "tree is_categorical", np.bool_, (total,)),
               reader.take(c["cat_bitset"], "tree cat_bitset", np.uint32, (total, 8)))
    trees, start = [], 0
    for t, size in enumerate(n_nodes.tolist()):
        part = {key: arr[start:start + size] for key, arr in a.items()}
        extra = {}
        if cat is not None and cat[0][t]:
            extra = {"is_categorical": cat[1][start:start + size], "cat_bitset": cat[2][start:start + size]}
        elif cat is not None and (cat[1][start:start + size].any() or cat[2][start:start + size].any()):
            _fail(f"tree {t} has no categorical splits but categorical split data.")
        try:
            tree = Tree(**part, **extra, validate=False)
            tree.validate(n_features=p)
        except ValueError as err:
            _fail(f"tree {t} (iteration {t // k}, parameter {t % k}): {err}")
        trees.append(tree)
        start += size
    numeric_split = (a["left"] >= 0) & (True if cat is None else ~cat[1])
    if np.isnan(a["threshold"][numeric_split]).any():
        _fail("a numeric split of a tree has a NaN threshold.")
    return [trees[i * k:(i + 1) * k] for i in range(m)]


def _columns(spec, reader, m, p):
    if spec is None:
        return [None] * m
    _check_keys(spec, {"present", "sizes", "indices"}, "the iterations' columns")
    present = reader.take(spec["present"], "columns present", np.bool_, (m,))
    sizes = reader.take(spec["sizes"], "columns sizes", np.int64, (m,))
    if (sizes < 0).any() or (sizes > p).any() or (sizes[~present] != 0).any():
        _fail(f"the iterations' numbers of columns must lie in [0, {p}].")
    indices = reader.take(spec["indices"], "columns indices", None, (int(sizes.sum()),))
    if indices.dtype.kind not in "iu":
        _fail("column indices must be integers.")
    out, start = [], 0
    for used, size in zip(present.tolist(), sizes.tolist()):
        if not used:
            out.append(None)
            continue
        cols = indices[start:start + size]
        if size and (cols[0] < 0 or cols[-1] >= p or (np.diff(cols) <= 0).any()):
            _fail(f"an iteration's columns must be increasing indices in [0, {p}).")
        out.append(cols.copy())
        start += size
    return out


def _categories(spec, reader, feature_names):
    if not isinstance(spec, list):
        _fail("the categories must be a list.")
    out = {}
    for entry in spec:
        if not (isinstance(entry, list) and len(entry) == 2):
            _fail("a category entry is [column, categories].")
        column = _decode(entry[0], "a category column's name")
        if type(column) not in (str, int) or column in out:
            _fail(f"category column {column!r} is not a str or an int, or is repeated.")
        if feature_names is not None and column not in feature_names.tolist():
            _fail(f"category column {column!r} is not a feature.")
        cats = entry[1]
        if isinstance(cats, dict) and set(cats) == {"array"}:
            values = reader.take(cats["array"], f"the categories of {column!r}", None, ndim=1)
            if values.dtype.kind not in "biufmM":
                _fail(f"the categories of {column!r} have dtype {values.dtype}.")
            index = pd.Index(values)
        elif isinstance(cats, dict) and set(cats) == {"strings", "dtype"}:
            if not (isinstance(cats["strings"], list) and all(type(v) is str for v in cats["strings"])
                    and cats["dtype"] in ("object", "str", "string")):
                _fail(f"the categories of {column!r} must be strings of dtype object, str or string.")
            index = pd.Index(cats["strings"], dtype=cats["dtype"])
        else:
            _fail(f"cannot read the categories of {column!r}.")
        if not index.is_unique:
            _fail(f"the categories of {column!r} are not unique.")
        out[column] = index
    return out


def _labels(spec, reader, n_classes, k):
    if isinstance(spec, dict) and set(spec) == {"array"}:
        classes = reader.take(spec["array"], "classes", None, (n_classes,))
        if classes.dtype.kind not in "biufU":
            _fail(f"classes has dtype {classes.dtype}.")
    elif isinstance(spec, dict) and set(spec) == {"strings"} and isinstance(spec["strings"], list) and all(
            type(v) is str for v in spec["strings"]):
        classes = np.array(spec["strings"], dtype=object)
    else:
        _fail("cannot read the classes.")
    if classes.shape != (n_classes,):
        _fail(f"{classes.shape[0]} classes for {k} internal parameters (expected {n_classes}).")
    if classes.dtype.kind == "f" and np.isnan(classes).any():
        _fail("the classes contain NaN.")
    if not all(classes[i] < classes[i + 1] for i in range(n_classes - 1)):
        _fail("the classes must be sorted and distinct (as np.unique returns them).")
    return classes
