"""Model files: a fitted ngb estimator saved in a format whose loading runs no code.

A model file is a ZIP archive (stored, not compressed) of three members:

- ``model.json``: the manifest: ``format`` ("ngb-model"), ``format_version`` (an int), the
  ``ngb_version`` that wrote it, the ``estimator`` class name, its ``params`` (``get_params()``,
  values as JSON with tagged types), its fitted ``state`` (scalars, and references
  ``{"$array": name}`` to arrays) and the index of the ``arrays`` (name, dtype, shape, offset);
- ``arrays.bin``: the arrays' raw little-endian bytes, each at an 8-byte aligned offset;
- ``checksum.sha256``: the SHA-256 of the manifest and the arrays (see :func:`_digest`).

The fitted state is what prediction and the documented attributes need: the family (by name), the
scoring rule, the initial parameters, the line-search scalings, the target units, bounds and tree
factors, every tree's node arrays, each iteration's columns, the score traces, the feature
importances, the feature names, the pandas categories, and ``classes_`` / ``unique_times_``. The
packed forest is not stored: it is rebuilt from the trees, as a fit builds it.

Loading reads the archive, checks the checksum first (a damaged file is refused before any of it
is parsed), parses the manifest strictly (known keys only, no NaN literals, no duplicate keys),
checks every array against the index (dtype from a fixed list, shape, bounds of the data, no
gaps or overlaps, each array used once), then the fitted state (shapes against the number of
iterations, parameters and features; every tree's node indices, children after their node, split
features < n_features_in_, finite values; the family by its name in ``ngb.distributions.FAMILIES``
— nothing is imported or called by a name read from the file), and only then builds the trees and
the packed forest the compiled kernels read. Any failure is a :class:`ModelFileError` (a
ValueError) saying what is wrong. Predictions of a loaded model are bit-identical to the saved
model's.

Why a SHA-256 besides the ZIP's CRC-32 (which zipfile checks too): the CRC is 32 bits and
linear, so damage of a few bytes can keep it (``test_damage_that_keeps_the_zip_crc_is_caught_by_
the_checksum`` changes 4 bytes to match) and random damage of many bits passes it once in 2**32;
it covers each member on its own and is checked only by reads to a member's end; and it belongs
to the container, not to the format. The SHA-256 covers the manifest and the arrays together and
is checked before anything is parsed. Neither protects against a hostile file (whose author can
recompute both): the structural checks do.

Versioning: ``FORMAT_VERSION`` is raised whenever what is stored, or how it is read, changes (a
fitted attribute the format does not know makes ``save`` refuse the model until the format holds
it); a version of ngb reads every format version up to its own (``tests/fixtures`` keeps files of
each version, which every later version must load with the same predictions) and refuses newer
ones with an error asking for a newer ngb. An estimator parameter added after a file was written
takes its default when the file is loaded; a parameter the estimator no longer has is an error.

Only ngb's own estimators (NGBRegressor, NGBClassifier, NGBSurvival) with ngb's histogram trees
as base learners (``base=None`` or a ``HistTreeRegressor``) can be saved; other base learners
are refused at save time (pickle or joblib save them, and run code when loading them).
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import numbers
import os
import re
import secrets
import zipfile

import numpy as np
import pandas as pd

from .version import __version__

__all__ = ["save", "load", "ModelFileError", "FORMAT_VERSION"]

FORMAT = "ngb-model"
#: the version of the model-file format this ngb writes (and the newest it reads)
FORMAT_VERSION = 1

_MANIFEST, _ARRAYS, _CHECKSUM = "model.json", "arrays.bin", "checksum.sha256"
_MEMBERS = (_MANIFEST, _ARRAYS, _CHECKSUM)
_ALIGN = 8
_DATE = (1980, 1, 1, 0, 0, 0)  # fixed member dates: the same model gives the same bytes
#: dtypes an array may have: little-endian (or single-byte) bools, integers, floats, unicode
#: strings, datetimes and timedeltas, never objects or structured records
_DTYPE_RE = re.compile(r"^(\|b1|\|i1|\|u1|<[iu][248]|<f[48]|<U[1-9][0-9]{0,3}|<[mM]8\[[A-Za-z]{1,2}\])$")
_MAX_DEPTH = 16  # nesting of tagged values in the manifest

# the fitted attributes format 1 stores (or derives on load), by estimator
_STATE = ("_categories", "n_features_in_", "feature_names_in_", "init_params_", "n_iter_", "_estimators",
          "_columns", "scalings_", "train_score_", "validation_score_", "_dist", "_score_name", "n_params_",
          "_units", "_tree_factor", "_param_bounds", "feature_importances_by_param_", "_forest", "refitted_")
_EXTRA_STATE = {"NGBRegressor": (), "NGBClassifier": ("classes_",), "NGBSurvival": ("unique_times_",)}
_IGNORED = ("_ngb_version", "_sklearn_version")  # left by unpickling: not part of the model


class ModelFileError(ValueError):
    """A model file that cannot be saved or loaded: damaged, hostile, from a newer ngb, or a
    model the format does not hold; the message says what is wrong."""


def _fail(message):
    raise ModelFileError(message)


def _estimators():
    from .classifier import NGBClassifier
    from .regressor import NGBRegressor
    from .survival import NGBSurvival

    return {"NGBRegressor": NGBRegressor, "NGBClassifier": NGBClassifier, "NGBSurvival": NGBSurvival}


def _families():
    from .distributions import FAMILIES

    return FAMILIES


def _scores():
    from . import scores

    return {cls.__name__: cls for cls in (scores.LogScore, scores.CRPScore, scores.BrierScore,
                                          scores.CensoredLogScore, scores.CensoredCRPScore)}


_BIT_GENERATORS = ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")


# ---------------------------------------------------------------------------------------------- saving
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
    restored = loads(data)
    for key, value in params.items():
        if not _same(restored.get_params(deep=False)[key], value):
            _fail(f"parameter {key}={value!r} cannot be stored exactly in a model file.")
    return data


def _archive(manifest, arrays):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for member, content in ((_MANIFEST, manifest), (_ARRAYS, arrays),
                                (_CHECKSUM, f"sha256:{_digest(manifest, arrays)}\n".encode("ascii"))):
            info = zipfile.ZipInfo(member, date_time=_DATE)
            info.compress_type = zipfile.ZIP_STORED
            archive.writestr(info, content)
    return buffer.getvalue()


def _digest(manifest, arrays):
    """SHA-256 (hex) of the manifest bytes and the array bytes, the manifest's length first (so no
    byte can move from one member to the other)."""
    h = hashlib.sha256(FORMAT.encode("ascii") + b"\0")
    h.update(len(manifest).to_bytes(8, "little"))
    h.update(manifest)
    h.update(arrays)
    return h.hexdigest()


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
    from .distributions import Distribution
    from .scores import ScoringRule
    from .tree import HistTreeRegressor

    if isinstance(value, type) and issubclass(value, ScoringRule) and _scores().get(value.__name__) is value:
        return {"$score": value.__name__}
    if type(value) in _scores().values():
        return {"$score": type(value).__name__, "instance": True}
    families = {cls: key for key, cls in _families().items()}
    if isinstance(value, type) and value in families:
        return {"$family": families[value]}
    if isinstance(value, Distribution) or isinstance(value, type) and issubclass(value, Distribution):
        if type(value) not in families:
            _fail(f"{what} = {value!r} is not one of ngb's families (ngb.distributions.FAMILIES): a model file names "
                  "its family, and a family defined elsewhere cannot be loaded without running its code.")
    if isinstance(value, Distribution) and type(value) in families:
        return {"$family": families[type(value)], "theta": _encode(np.asarray(value._theta), what, depth + 1)}
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
    from .tree import Tree

    d = model.__dict__
    name = type(model).__name__
    families = {cls: key for key, cls in _families().items()}
    if d["_dist"] not in families:
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
        "family": families[d["_dist"]],
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


_TREE_ARRAYS = {"feature": np.int32, "threshold": np.float64, "bin_threshold": np.uint8, "missing_go_left": np.bool_,
                "left": np.int32, "right": np.int32, "value": np.float64, "gain": np.float64, "weight": np.float64,
                "n_samples": np.int64}


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
    from .distributions import Distribution
    from .scores import ScoringRule
    from .tree import HistTreeRegressor

    if isinstance(a, Distribution):
        return _same(np.asarray(a._theta), np.asarray(b._theta))
    if isinstance(a, ScoringRule):
        return True  # markers without state: the same type is the same rule
    if isinstance(a, HistTreeRegressor):
        return _same(a.get_params(), b.get_params())
    return a == b


# ---------------------------------------------------------------------------------------------- pickles
PICKLE_DIGEST_VERSION = "1"


def state_digest(state):
    """``"<version>:<SHA-256 hex>"`` of a pickled estimator's state (``__getstate__``) for
    ``__setstate__`` to check: its numbers and strings, its numeric arrays and its trees' and packed
    forest's arrays (by attribute name, dtype, shape and bytes), the categories of category columns;
    other objects enter by their type only; the version stamps are left out. A damaged array of the forest, the trees or the fitted
    values is then refused instead of predicting silently differently (a pickle has no checksum of
    its own)."""
    from .tree import PackedForest, Tree

    h = hashlib.sha256(b"ngb-pickle-state\0")

    def add(value, depth):
        if value is None or isinstance(value, (bool, str)):
            h.update(f"{type(value).__name__}:{value}\0".encode("utf-8", "surrogatepass"))
        elif isinstance(value, int) and type(value) is int:
            h.update(f"int:{value}\0".encode())
        elif type(value) is float:
            h.update(b"float:" + np.float64(value).tobytes())
        elif isinstance(value, (np.generic, np.ndarray)):
            a = np.asarray(value)
            h.update(f"array:{a.dtype.str}{a.shape}\0".encode())
            if a.dtype.kind in "biufcmMSU":
                h.update(np.ascontiguousarray(a).tobytes())
        elif depth < 8 and isinstance(value, (list, tuple)):
            h.update(f"seq:{len(value)}\0".encode())
            for v in value:
                add(v, depth + 1)
        elif depth < 8 and isinstance(value, dict):
            h.update(f"dict:{len(value)}\0".encode())
            for key in sorted(value, key=repr):
                add(key, depth + 1)
                add(value[key], depth + 1)
        elif depth < 8 and isinstance(value, (Tree, PackedForest)) or hasattr(value, "__dataclass_fields__"):
            h.update(f"{type(value).__name__}\0".encode())
            add({k: v for k, v in vars(value).items() if not k.startswith("_")}, depth + 1)
        elif isinstance(value, pd.Index):  # a category column's fit categories
            h.update(f"index:{value.dtype}\0".encode())
            values = value.to_numpy()
            add(values if values.dtype != object else [v if isinstance(v, (str, int, float)) else None
                                                       for v in values.tolist()], depth + 1)
        elif isinstance(value, type):
            h.update(f"class:{value.__module__}.{value.__qualname__}\0".encode())
        else:
            h.update(f"object:{type(value).__module__}.{type(value).__qualname__}\0".encode())

    add({k: v for k, v in state.items() if k not in ("_ngb_digest", "_ngb_version", "_sklearn_version")}, 0)
    return f"{PICKLE_DIGEST_VERSION}:{h.hexdigest()}"


# ---------------------------------------------------------------------------------------------- loading
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


def _members(data):
    """(manifest bytes, array bytes) of the archive after checking its members and the checksum."""
    if not data.startswith(b"PK\x03\x04"):
        hint = (" It looks like a pickle: ngb.load reads model files written by model.save (pickle.load loads "
                "pickles, and runs code doing so)." if data[:1] == b"\x80" else "")
        _fail(f"not an ngb model file (not a ZIP archive).{hint}")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            names = [i.filename for i in infos]
            if sorted(names) != sorted(_MEMBERS):
                _fail(f"the model file holds members {names[:10]}; expected {list(_MEMBERS)}.")
            for info in infos:
                if info.compress_type != zipfile.ZIP_STORED or info.flag_bits & 0x1:
                    _fail(f"member {info.filename} of the model file is compressed or encrypted.")
                if not 0 <= info.file_size == info.compress_size <= len(data):
                    _fail(f"member {info.filename} of the model file claims {info.file_size} bytes.")
            content = {name: archive.read(name) for name in _MEMBERS}
    except ModelFileError:
        raise
    except Exception as err:  # zipfile's many errors on damaged archives (BadZipFile, EOFError, struct.error, ...)
        _fail(f"damaged model file (the archive cannot be read: {type(err).__name__}: {err}).")
    manifest, arrays, checksum = (content[name] for name in _MEMBERS)
    if checksum != f"sha256:{_digest(manifest, arrays)}\n".encode("ascii"):
        _fail("damaged model file: its checksum does not match its content (SHA-256 of the manifest and the arrays).")
    return manifest, arrays


def _no_constant(name):
    raise ValueError(f"{name} is not allowed in a model file's manifest")


def _no_duplicates(pairs):
    out = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r}")
        out[key] = value
    return out


def _check_keys(obj, keys, what):
    if not isinstance(obj, dict) or set(obj) != set(keys):
        got = sorted(obj) if isinstance(obj, dict) else type(obj).__name__
        _fail(f"{what} must have the keys {sorted(keys)}; got {got}.")


class _Reader:
    """The arrays of a model file, checked against their index; each is taken once."""

    def __init__(self, index, data):
        if not isinstance(index, list):
            _fail("the manifest's array index must be a list.")
        self.arrays, self.used = {}, set()
        end = 0
        for entry in index:
            _check_keys(entry, {"name", "dtype", "shape", "offset"}, "an array index entry")
            name, dtype, shape, offset = entry["name"], entry["dtype"], entry["shape"], entry["offset"]
            if type(name) is not str or name in self.arrays:
                _fail(f"array name {name!r} is not a str or is repeated.")
            dt = _dtype(dtype, f"array {name!r}")
            if not (isinstance(shape, list) and len(shape) <= 2 and all(type(s) is int and s >= 0 for s in shape)):
                _fail(f"array {name!r} has shape {shape!r} (a list of at most 2 non-negative ints).")
            nbytes = math.prod(shape) * dt.itemsize
            if type(offset) is not int or offset != end:
                _fail(f"array {name!r} starts at offset {offset!r}; expected {end} (arrays are stored in order).")
            if offset + nbytes > len(data):
                _fail(f"array {name!r} of shape {tuple(shape)} and dtype {dtype} needs {nbytes} bytes at offset {offset}, "
                      f"beyond the {len(data)} bytes of arrays.bin.")
            self.arrays[name] = np.frombuffer(data, dt, math.prod(shape), offset).reshape(shape).copy()
            end = offset + nbytes + (-nbytes % _ALIGN)
        if end != len(data):
            _fail(f"arrays.bin has {len(data)} bytes; its index describes {end}.")

    def take(self, ref, what, dtype, shape=None, ndim=None):
        """The array of reference ``ref`` checked to have ``dtype`` and ``shape`` (None entries:
        any length) or ``ndim``."""
        if not (isinstance(ref, dict) and set(ref) == {"$array"} and type(ref["$array"]) is str):
            _fail(f"{what} must be an array reference, got {ref!r}.")
        name = ref["$array"]
        if name not in self.arrays:
            _fail(f"{what} refers to array {name!r}, which the file does not have.")
        if name in self.used:
            _fail(f"array {name!r} is used twice.")
        self.used.add(name)
        a = self.arrays[name]
        if dtype is not None and a.dtype != np.dtype(dtype):
            _fail(f"{what} has dtype {a.dtype}; expected {np.dtype(dtype)}.")
        if shape is not None and (a.ndim != len(shape) or any(s is not None and s != n for s, n in zip(shape, a.shape))):
            _fail(f"{what} has shape {a.shape}; expected {tuple('any' if s is None else s for s in shape)}.")
        if ndim is not None and a.ndim != ndim:
            _fail(f"{what} has shape {a.shape}; expected {ndim} dimension(s).")
        return a

    def check_all_used(self):
        unused = sorted(set(self.arrays) - self.used)
        if unused:
            _fail(f"the model file has arrays {unused[:5]} that its manifest does not use.")


def _dtype(spec, what, kinds="biufUmM"):
    """The numpy dtype of a dtype string of the file, if it is one a model file stores."""
    try:
        dtype = np.dtype(spec) if type(spec) is str and _DTYPE_RE.match(spec) else None
    except TypeError:  # e.g. an unknown datetime unit
        dtype = None
    if dtype is None or dtype.kind not in kinds:
        _fail(f"{what} has dtype {spec!r}, not one a model file stores.")
    return dtype


def _decode(value, what, depth=0):
    """A parameter value from its JSON (inverse of :func:`_encode`); builds only the types listed there."""
    if depth > _MAX_DEPTH:
        _fail(f"{what} is nested too deeply.")
    if value is None or isinstance(value, (bool, str, int, float)):
        return value
    if isinstance(value, list):
        return [_decode(v, what, depth + 1) for v in value]
    if not isinstance(value, dict) or not value:
        _fail(f"{what}: cannot read {value!r}.")
    tag = next(iter(value))
    try:
        return _decode_tagged(tag, value, what, depth)
    except ModelFileError:
        raise
    except (ValueError, TypeError, KeyError, OverflowError, IndexError) as err:
        _fail(f"{what}: cannot read {str(value)[:200]} ({type(err).__name__}: {err}).")


def _decode_tagged(tag, value, what, depth):
    def keys(*names):
        _check_keys(value, {tag, *names}, f"{what} ({tag})")

    if tag == "$float":
        keys()
        if value[tag] not in ("nan", "inf", "-inf"):
            _fail(f"{what}: {value!r} is not a float.")
        return float(value[tag])
    if tag == "$numpy":
        keys("value")
        dtype = _dtype(value[tag], f"{what} (a numpy scalar)", "biuf")
        inner = _decode(value["value"], what, depth + 1)
        if type(inner) not in (bool, int, float):
            _fail(f"{what}: numpy scalar value {inner!r}.")
        return np.array(inner, dtype=dtype)[()]
    if tag == "$ndarray":
        keys("shape", "data")
        dtype, shape, data = _dtype(value[tag], f"{what} (an array)", "biufU"), value["shape"], value["data"]
        if not (isinstance(shape, list) and len(shape) <= 2 and all(type(s) is int and s >= 0 for s in shape)
                and isinstance(data, list) and len(data) == math.prod(shape)):
            _fail(f"{what}: array of shape {shape!r} with {len(data) if isinstance(data, list) else '?'} values.")
        items = [_decode(v, what, depth + 1) for v in data]
        if any(type(v) not in (bool, int, float, str) for v in items):
            _fail(f"{what}: array values must be numbers, bools or strings.")
        return np.array(items, dtype=dtype).reshape(shape)
    if tag == "$tuple":
        keys()
        if not isinstance(value[tag], list):
            _fail(f"{what}: a tuple is a list of values.")
        return tuple(_decode(v, what, depth + 1) for v in value[tag])
    if tag == "$dict":
        keys()
        if not isinstance(value[tag], dict):
            _fail(f"{what}: a dict is an object.")
        return {k: _decode(v, what, depth + 1) for k, v in value[tag].items()}
    if tag == "$score":
        instance = "instance" in value
        keys(*(("instance",) if instance else ()))
        cls = _scores().get(value[tag]) if type(value[tag]) is str else None
        if cls is None or (instance and value["instance"] is not True):
            _fail(f"{what}: unknown score {value[tag]!r}.")
        return cls() if instance else cls
    if tag == "$family":
        has_theta = "theta" in value
        keys(*(("theta",) if has_theta else ()))
        cls = _families().get(value[tag]) if type(value[tag]) is str else None
        if cls is None:
            _fail(f"{what}: unknown family {value[tag]!r} (ngb's families: {sorted(_families())}).")
        if not has_theta:
            return cls
        theta = _decode(value["theta"], what, depth + 1)
        if not (isinstance(theta, np.ndarray) and theta.dtype == np.float64 and theta.ndim == 2
                and np.isfinite(theta).all()):
            _fail(f"{what}: a family's internal parameters are a finite 2-d float array.")
        return cls.from_internal(theta)
    if tag == "$estimator":
        keys("params")
        from .tree import HistTreeRegressor

        if value[tag] != "HistTreeRegressor" or not isinstance(value["params"], dict):
            _fail(f"{what}: unknown estimator {value[tag]!r} (model files hold HistTreeRegressor).")
        names = set(HistTreeRegressor._get_param_names())
        if not set(value["params"]) <= names:  # a parameter added later (monotonic_cst) takes its default
            _fail(f"{what}: HistTreeRegressor parameters {sorted(value['params'])}; expected {sorted(names)}.")
        est = HistTreeRegressor(**{k: _decode(v, f"{what}'s {k!r}", depth + 1) for k, v in value["params"].items()})
        try:
            est._check_params()
        except ValueError as err:
            _fail(f"{what}: {err}")
        return est
    if tag == "$random_state":
        keys()
        state = _decode(value[tag], what, depth + 1)
        rs = np.random.RandomState()
        rs.set_state(state)
        return rs
    if tag == "$generator":
        keys()
        state = _decode(value[tag], what, depth + 1)
        name = state.get("bit_generator") if isinstance(state, dict) else None
        if name not in _BIT_GENERATORS:
            _fail(f"{what}: unknown bit generator {name!r}.")
        bit_generator = getattr(np.random, name)()
        bit_generator.state = state
        return np.random.Generator(bit_generator)
    _fail(f"{what}: unknown tag {tag!r}.")


# ---------------------------------------------------------------------------------------------- the model
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
    from ._backends import pack_predictor
    from ._units import TargetUnits

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

    families = _families()
    if type(s["family"]) is not str or s["family"] not in families:
        _fail(f"unknown family {s['family']!r}; ngb's families are {sorted(families)}.")
    dist = families[s["family"]]
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
        state["classes_"] = _labels(s["classes"], reader, k + 1)
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
    from .tree import Tree

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


def _labels(spec, reader, n_classes):
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
        _fail(f"{classes.shape[0]} classes for {n_classes - 1} internal parameters (expected {n_classes}).")
    if classes.dtype.kind == "f" and np.isnan(classes).any():
        _fail("the classes contain NaN.")
    if not all(classes[i] < classes[i + 1] for i in range(n_classes - 1)):
        _fail("the classes must be sorted and distinct (as np.unique returns them).")
    return classes
