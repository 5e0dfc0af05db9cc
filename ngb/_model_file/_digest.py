"""The SHA-256 digest of a pickled estimator's fitted state (checked when unpickled)."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd


PICKLE_DIGEST_VERSION = "1"


def state_digest(state):
    """``"<version>:<SHA-256 hex>"`` of a pickled estimator's state (``__getstate__``) for
    ``__setstate__`` to check: its numbers and strings, its numeric arrays and its trees' and packed
    forest's arrays (by attribute name, dtype, shape and bytes), the categories of category columns;
    other objects enter by their type only; the version stamps are left out. A damaged array of the forest, the trees or the fitted
    values is then refused instead of predicting silently differently (a pickle has no checksum of
    its own)."""
    from ..tree import PackedForest, Tree

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
