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

The package: ``_common`` (constants, the error, the registries names are read from), ``_write``
(saving), ``_read`` (members, checksum, strict manifest, array index), ``_build`` (the estimator
from a checked manifest) and ``_digest`` (the digest of a pickled estimator's state).
"""

from __future__ import annotations

from ._build import load, loads
from ._common import FORMAT, FORMAT_VERSION, ModelFileError, _archive  # noqa: F401 (_archive: tests)
from ._digest import PICKLE_DIGEST_VERSION, state_digest
from ._write import dumps, save

__all__ = ["save", "dumps", "load", "loads", "ModelFileError", "FORMAT", "FORMAT_VERSION", "PICKLE_DIGEST_VERSION",
           "state_digest"]
