"""Reading a model file: its members, the checksum, the strict manifest and the array index."""

from __future__ import annotations

import io
import math
import zipfile

import numpy as np

from ._common import (
    ModelFileError, _ALIGN, _BIT_GENERATORS, _DTYPE_RE, _MAX_DEPTH, _MEMBERS, _digest, _fail, _families,
    _scores
)


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
        from ..distributions import family_by_name

        cls = family_by_name(value[tag]) if type(value[tag]) is str else None
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
        from ..tree import HistTreeRegressor

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
