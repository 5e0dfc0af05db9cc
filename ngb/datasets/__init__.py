"""Datasets for tests and benchmarks: real data (by path, checksummed) and synthetic generators.

Real data files are never shipped with the package. They are looked for under the *data home*
(:func:`get_data_home`: the ``data_home`` argument, else ``$NGB_DATA_HOME``, else a per-user cache
dir), checked against the SHA-256 in ``manifest.json``, and downloaded there when missing, allowed
and a public URL serves the exact bytes.

Synthetic generators with a known true conditional distribution live in
:mod:`ngb.datasets.synthetic`.
"""

from ._files import (
    DATA_HOME_ENV,
    ChecksumError,
    DatasetNotFoundError,
    dataset_info,
    fetch_dataset,
    get_data_home,
    list_datasets,
    load_manifest,
    verify,
)
from ._loaders import UCI_DATASETS, load_flchain, load_fremtpl2freq, load_uci, uci_n_splits
from .synthetic import (
    make_categorical,
    make_friedman1_heteroscedastic,
    make_heteroscedastic_normal,
    make_poisson_counts,
)

__all__ = [
    "ChecksumError",
    "DATA_HOME_ENV",
    "DatasetNotFoundError",
    "UCI_DATASETS",
    "dataset_info",
    "fetch_dataset",
    "get_data_home",
    "list_datasets",
    "load_flchain",
    "load_fremtpl2freq",
    "load_manifest",
    "load_uci",
    "make_categorical",
    "make_friedman1_heteroscedastic",
    "make_heteroscedastic_normal",
    "make_poisson_counts",
    "uci_n_splits",
    "verify",
]
