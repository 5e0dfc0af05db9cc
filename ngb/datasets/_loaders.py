"""Loaders of the real datasets listed in ``manifest.json``."""

from __future__ import annotations

import functools
import os

import numpy as np
import pandas as pd

from ._files import _entry, _ensure_file

__all__ = ["UCI_DATASETS", "load_flchain", "load_fremtpl2freq", "load_uci", "uci_n_splits"]

#: the nine UCI regression sets with the standard splits of Hernandez-Lobato & Adams (2015)
UCI_DATASETS = (
    "bostonHousing",
    "concrete",
    "energy",
    "kin8nm",
    "naval-propulsion-plant",
    "power-plant",
    "protein-tertiary-structure",
    "wine-quality-red",
    "yacht",
)

_PANDAS_MAJOR = int(pd.__version__.split(".")[0])


def _read_csv(path, **kwargs):
    """``pd.read_csv`` with exact (correctly rounded) float parsing.

    pandas < 3 needs ``float_precision="round_trip"`` for that; pandas 3 parses exactly by default
    and deprecates the argument.
    """
    if _PANDAS_MAJOR < 3:
        kwargs.setdefault("float_precision", "round_trip")
    return pd.read_csv(path, **kwargs)


# --------------------------------------------------------------------------- UCI
def _check_uci_name(name):
    if name not in UCI_DATASETS:
        raise ValueError(f"unknown UCI dataset {name!r}; expected one of {', '.join(UCI_DATASETS)}")


def _uci_file(name, fname, data_home, download):
    return _ensure_file(name, f"uci/{name}/{fname}", data_home=data_home, download=download)


@functools.lru_cache(maxsize=8)
def _read_matrix(path, size, mtime_ns):
    # keyed by (size, mtime) so a changed file is re-read; callers index it, which copies
    data = np.loadtxt(path, dtype=float, ndmin=2)
    data.setflags(write=False)
    return data


def _read_ints(path):
    return np.atleast_1d(np.loadtxt(path, dtype=float)).astype(np.int64)


def _matrix(path):
    st = os.stat(path)
    return _read_matrix(os.path.abspath(path), st.st_size, st.st_mtime_ns)


def uci_n_splits(name, data_home=None, download=True):
    """Number of standard train/test splits of UCI dataset ``name`` (20; 5 for protein)."""
    _check_uci_name(name)
    path = _uci_file(name, "n_splits.txt", data_home, download)
    return int(np.loadtxt(path))


def load_uci(name, split=0, data_home=None, download=True):
    """One standard train/test split of a UCI regression dataset.

    Follows the protocol of the files: ``data.txt`` (whitespace-separated floats),
    ``index_features.txt`` and ``index_target.txt`` (0-based columns) and
    ``index_train_{split}.txt`` / ``index_test_{split}.txt`` (0-based rows, a 90% / 10% partition).
    Columns that are in neither index file are not used (e.g. naval's column 17, the turbine decay
    coefficient). The index files are cross-checked against the manifest's ``features`` and
    ``target``.

    Parameters
    ----------
    name : str
        One of :data:`UCI_DATASETS`.
    split : int
        0-based split number, ``0 <= split < uci_n_splits(name)``.
    data_home, download
        See :func:`get_data_home`; with ``download=True`` missing files are fetched from the URLs in
        the manifest.

    Returns
    -------
    X_train, X_test : float arrays of shape (n_train, d), (n_test, d)
    y_train, y_test : float arrays of shape (n_train,), (n_test,)
    """
    _check_uci_name(name)
    entry = _entry(name)
    split = int(split)
    n_splits = uci_n_splits(name, data_home=data_home, download=download)
    if not 0 <= split < n_splits:
        raise ValueError(f"split must be in [0, {n_splits}) for {name!r}, got {split}")

    def get(fname):
        return _uci_file(name, fname, data_home, download)

    data = _matrix(get("data.txt"))
    features = _read_ints(get("index_features.txt"))
    target = _read_ints(get("index_target.txt"))
    if features.tolist() != list(entry["features"]) or target.tolist() != [entry["target"]["column"]]:
        raise ValueError(
            f"{name}: index_features.txt / index_target.txt ({features.tolist()}, {target.tolist()}) disagree "
            f"with the manifest ({entry['features']}, {entry['target']['column']})"
        )
    train = _read_ints(get(f"index_train_{split}.txt"))
    test = _read_ints(get(f"index_test_{split}.txt"))

    X = data[:, features]
    y = data[:, target[0]]
    return X[train], X[test], y[train].copy(), y[test].copy()


# --------------------------------------------------------------------------- freMTPL2freq
_FRE_INT = ["IDpol", "ClaimNb", "VehPower", "VehAge", "DrivAge", "BonusMalus", "Density"]
_FRE_CAT = ["Area", "VehBrand", "VehGas", "Region"]


def load_fremtpl2freq(data_home=None, download=True):
    """French motor third-party liability claim counts (freMTPL2freq), 678013 policies.

    Returns a DataFrame with columns IDpol, ClaimNb (claim count, the target), Exposure (years, the
    Poisson exposure), Area, VehPower, VehAge, DrivAge, BonusMalus, VehBrand, VehGas, Density,
    Region. Integer columns are int64, Exposure is float64 parsed exactly, and Area, VehBrand,
    VehGas, Region are ``category`` with sorted categories.

    The file is not downloadable in this exact form (see the manifest): with no copy under the data
    home a :class:`DatasetNotFoundError` is raised.
    """
    path = _ensure_file("freMTPL2freq", "freMTPL2freq/freMTPL2freq.csv", data_home=data_home, download=download)
    dtype = {c: "int64" for c in _FRE_INT}
    dtype["Exposure"] = "float64"
    dtype.update({c: "category" for c in _FRE_CAT})
    return _read_csv(path, dtype=dtype)


# --------------------------------------------------------------------------- FLCHAIN
def load_flchain(data_home=None, download=True, return_X_y=False):
    """Serum free light chain study (R ``survival::flchain``), cleaned for survival prediction.

    The ``chapter`` column (cause of death, known only after death: it leaks the outcome) is dropped,
    and so are the rows with ``futime <= 0`` (3 rows), leaving 7871 rows. ``sex`` is ``category``;
    ``creatinine`` has missing values (NaN).

    Returns
    -------
    DataFrame with columns age, sex, sample.yr, kappa, lambda, flc.grp, creatinine, mgus, futime,
    death; or, with ``return_X_y=True``, ``(X, time, event)``: X the DataFrame of the eight
    covariates, time a float array of days (``futime``), event a bool array (``death == 1``).
    """
    path = _ensure_file("flchain", "flchain/flchain.csv", data_home=data_home, download=download)
    df = _read_csv(path, dtype={"sex": "category"})
    df = df.drop(columns=["chapter"])
    df = df.loc[df["futime"] > 0].reset_index(drop=True)
    if not return_X_y:
        return df
    X = df.drop(columns=["futime", "death"])
    time = df["futime"].to_numpy(dtype=float)
    event = df["death"].to_numpy() == 1
    return X, time, event
