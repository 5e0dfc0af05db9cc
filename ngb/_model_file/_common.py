"""The model-file format's constants, its error and the registries it reads names from."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile

import numpy as np


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
    from ..classifier import NGBClassifier
    from ..regressor import NGBRegressor
    from ..survival import NGBSurvival

    return {"NGBRegressor": NGBRegressor, "NGBClassifier": NGBClassifier, "NGBSurvival": NGBSurvival}


def _families():
    from ..distributions import FAMILIES

    return FAMILIES


def _scores():
    from .. import scores

    return {cls.__name__: cls for cls in (scores.LogScore, scores.CRPScore, scores.BrierScore,
                                          scores.CensoredLogScore, scores.CensoredCRPScore)}


_BIT_GENERATORS = ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")


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


_TREE_ARRAYS = {"feature": np.int32, "threshold": np.float64, "bin_threshold": np.uint8, "missing_go_left": np.bool_,
                "left": np.int32, "right": np.int32, "value": np.float64, "gain": np.float64, "weight": np.float64,
                "n_samples": np.int64}
