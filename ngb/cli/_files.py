"""Files of the command line: CSV / Parquet tables in and out (written atomically), its model files."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

import pandas as pd


MODEL_FORMAT = "ngb-cli-model"
MODEL_VERSION = 1


class CLIError(Exception):
    """A user-facing error: printed as "ngb: error: ..." with exit code 1."""


# --------------------------------------------------------------------------- files
def read_table(path):
    """A DataFrame from a .csv (also .csv.gz, .tsv) or .parquet/.pq file."""
    p = Path(path)
    if not p.is_file():
        raise CLIError(f"no such file: {path}")
    name = p.name.lower()
    try:
        if name.endswith((".parquet", ".pq")):
            try:
                import pyarrow  # noqa: F401
            except ImportError:
                raise CLIError("reading Parquet needs pyarrow: pip install pyarrow") from None
            return pd.read_parquet(p)
        if name.endswith((".tsv", ".tsv.gz")):
            return pd.read_csv(p, sep="\t")
        return pd.read_csv(p)
    except CLIError:
        raise
    except Exception as err:  # pandas' parser errors, Unicode errors, pyarrow's errors
        raise CLIError(f"cannot read {path} as a {'Parquet' if name.endswith(('.parquet', '.pq')) else 'CSV'} "
                       f"file: {type(err).__name__}: {err}") from None


def _atomic_write(path, write):
    """Call write(tmp_path), then rename tmp_path to path (nothing half-written on failure)."""
    path = Path(path)
    if path.parent and not path.parent.exists():
        raise CLIError(f"directory {path.parent} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=str(path.parent or "."))
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_table(df, path):
    """Write df as CSV ("-": stdout) or Parquet (by the file's extension)."""
    if str(path) == "-":
        df.to_csv(sys.stdout, index=False)
        return
    name = str(path).lower()
    if name.endswith((".parquet", ".pq")):
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise CLIError("writing Parquet needs pyarrow: pip install pyarrow") from None
        df = df.copy()
        df.columns = [str(c) for c in df.columns]
        _atomic_write(path, lambda tmp: df.to_parquet(tmp, index=False))
    else:
        _atomic_write(path, lambda tmp: df.to_csv(tmp, index=False))


def save_model(estimator, meta, path):
    """The model file: ``ngb.save`` when this ngb has it (safe format; the CLI's column roles in a
    JSON file ``PATH.json`` beside it), else a joblib pickle of {format, estimator, meta}."""
    import ngb

    if hasattr(ngb, "save"):
        _atomic_write(path, lambda tmp: ngb.save(estimator, tmp))
        _atomic_write(str(path) + ".json", lambda tmp: Path(tmp).write_text(
            json.dumps({"format": MODEL_FORMAT, "version": MODEL_VERSION, "meta": meta}, indent=1)))
        return
    import joblib

    payload = {"format": MODEL_FORMAT, "version": MODEL_VERSION, "meta": meta, "estimator": estimator}
    _atomic_write(path, lambda tmp: joblib.dump(payload, tmp))


def load_model(path):
    """(estimator, meta) from a file written by :func:`save_model`; CLIError for any other file."""
    import ngb

    p = Path(path)
    if not p.is_file():
        raise CLIError(f"no such model file: {path}")
    side = Path(str(path) + ".json")
    if hasattr(ngb, "load") and side.is_file():
        try:
            estimator = ngb.load(p)
            info = json.loads(side.read_text())
        except Exception as err:
            raise CLIError(f"{path} is not an ngb model file: {type(err).__name__}: {err}") from None
        if info.get("format") != MODEL_FORMAT:
            raise CLIError(f"{side} is not an ngb command-line model description")
        return estimator, info["meta"]
    import joblib

    try:
        payload = joblib.load(p)
    except Exception as err:
        raise CLIError(f"{path} is not an ngb model file (written by 'ngb fit' or 'ngb tune'): "
                       f"{type(err).__name__}: {err}") from None
    if not isinstance(payload, dict) or payload.get("format") != MODEL_FORMAT:
        raise CLIError(f"{path} is not an ngb model file (written by 'ngb fit' or 'ngb tune')")
