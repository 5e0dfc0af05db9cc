"""Manifest, data home, checksums and downloads for the real datasets.

Every file a loader reads is listed in ``manifest.json`` (shipped inside the package) with its path
relative to the data home, its SHA-256 and size, and, where a public URL serves exactly those bytes,
a download ``url``. A file is checked against its SHA-256 before it is used; the result is cached
within the process by (path, size, mtime), so a large file is hashed once per process unless it
changes on disk.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import sys
import tempfile
import threading
import urllib.error
import urllib.request
from importlib import resources
from pathlib import Path

__all__ = [
    "ChecksumError",
    "DatasetNotFoundError",
    "DATA_HOME_ENV",
    "dataset_info",
    "fetch_dataset",
    "get_data_home",
    "list_datasets",
    "load_manifest",
    "verify",
]

#: environment variable naming the directory that holds the data files
DATA_HOME_ENV = "NGB_DATA_HOME"

_CHUNK = 1 << 20
_TIMEOUT = 60.0


# --------------------------------------------------------------------------- errors
class DatasetNotFoundError(FileNotFoundError):
    """A dataset file is missing and could not be (or was not allowed to be) downloaded."""

    def __init__(self, message, path=None):
        super().__init__(message)
        self.path = None if path is None else str(path)

    def __str__(self):
        return self.args[0]


class ChecksumError(ValueError):
    """A file's SHA-256 differs from the one in the manifest."""

    def __init__(self, path, expected, actual, detail=""):
        self.path = str(path)
        self.expected = expected
        self.actual = actual
        msg = (
            f"checksum mismatch for {self.path}: expected sha256 {expected}, got {actual}. "
            "The file is corrupt, truncated or a different version"
        )
        msg += f" ({detail})." if detail else "; delete it (and re-download) or point NGB_DATA_HOME at a good copy."
        super().__init__(msg)


# --------------------------------------------------------------------------- manifest
_MANIFEST = None
_MANIFEST_LOCK = threading.Lock()


def _manifest():
    global _MANIFEST
    if _MANIFEST is None:
        with _MANIFEST_LOCK:
            if _MANIFEST is None:
                text = resources.files(__package__).joinpath("manifest.json").read_text(encoding="utf-8")
                _MANIFEST = json.loads(text)
    return _MANIFEST


def load_manifest():
    """Return (a deep copy of) the parsed ``manifest.json`` as a dict."""
    return copy.deepcopy(_manifest())


def list_datasets():
    """Names of all datasets in the manifest, in manifest order."""
    return tuple(_manifest()["datasets"])


def dataset_info(name):
    """The manifest entry (a dict, deep copy) of dataset ``name``."""
    return copy.deepcopy(_entry(name))


def _entry(name):
    datasets = _manifest()["datasets"]
    if name not in datasets:
        raise ValueError(f"unknown dataset {name!r}; known: {', '.join(datasets)}")
    return datasets[name]


def _file_entry(name, relpath):
    for f in _entry(name)["files"]:
        if f["path"] == relpath:
            return f
    raise ValueError(f"dataset {name!r} has no file {relpath!r} in the manifest")


# --------------------------------------------------------------------------- data home
def _default_cache_dir():
    if sys.platform.startswith("win"):
        base = os.environ.get("LOCALAPPDATA") or os.path.join(os.path.expanduser("~"), "AppData", "Local")
        return Path(base) / "ngb" / "Cache"
    if sys.platform == "darwin":
        return Path(os.path.expanduser("~")) / "Library" / "Caches" / "ngb"
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "ngb"


def _resolve_data_home(data_home=None):
    """(path, how it was chosen)."""
    if data_home is not None and str(data_home) != "":
        return Path(os.path.expanduser(os.fspath(data_home))), "the data_home argument"
    env = os.environ.get(DATA_HOME_ENV, "")
    if env:
        return Path(os.path.expanduser(env)), f"${DATA_HOME_ENV}"
    return _default_cache_dir(), f"the default cache dir (${DATA_HOME_ENV} is not set)"


def get_data_home(data_home=None):
    """Directory under which dataset files are looked for (and downloaded to).

    The ``data_home`` argument if given, else the environment variable ``NGB_DATA_HOME``, else a
    per-user cache directory (``$XDG_CACHE_HOME/ngb`` or ``~/.cache/ngb`` on Linux,
    ``~/Library/Caches/ngb`` on macOS, ``%LOCALAPPDATA%\\ngb\\Cache`` on Windows). The directory
    is not created here.
    """
    return _resolve_data_home(data_home)[0]


# --------------------------------------------------------------------------- checksums
_VERIFIED = {}  # (abs path, size, mtime_ns) -> sha256 hex digest
_VERIFIED_LOCK = threading.Lock()


def _sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def _stat_key(path):
    st = os.stat(path)
    return (os.path.abspath(path), st.st_size, st.st_mtime_ns)


def _check_file(path, expected):
    """Raise ChecksumError unless ``path`` hashes to ``expected``; memoised by (path, size, mtime)."""
    key = _stat_key(path)
    with _VERIFIED_LOCK:
        digest = _VERIFIED.get(key)
    if digest is None:
        digest = _sha256_file(path)
        if _stat_key(path) == key:  # do not cache a file that changed while being hashed
            with _VERIFIED_LOCK:
                _VERIFIED[key] = digest
    if digest != expected:
        raise ChecksumError(path, expected, digest)


def _clear_verified_cache():
    with _VERIFIED_LOCK:
        _VERIFIED.clear()


# --------------------------------------------------------------------------- download
def _open_url(url, timeout):
    """Open ``url`` for reading (a binary file-like object). Tests replace this to stay offline."""
    return urllib.request.urlopen(url, timeout=timeout)  # noqa: S310 (http(s) and file URLs by design)


def _download(url, dest, expected_sha256):
    """Download ``url`` to ``dest``: stream into a temporary file beside ``dest``, check its SHA-256,
    then atomically rename it into place. On any failure ``dest`` is untouched and the temporary
    file removed. Network errors propagate as ``OSError`` (``urllib.error.URLError``)."""
    dest = Path(dest)
    created = []  # directories made here, removed again (if still empty) when the download fails
    d = dest.parent
    while not d.exists() and d != d.parent:
        created.append(d)
        d = d.parent
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
    except BaseException:
        _remove_empty(created)
        raise
    try:
        h = hashlib.sha256()
        with os.fdopen(fd, "wb") as out, _open_url(url, _TIMEOUT) as resp:
            for chunk in iter(lambda: resp.read(_CHUNK), b""):
                h.update(chunk)
                out.write(chunk)
        actual = h.hexdigest()
        if actual != expected_sha256:
            raise ChecksumError(dest, expected_sha256, actual, detail=f"downloaded from {url}; not saved")
        os.replace(tmp, dest)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        _remove_empty(created)
        raise


def _remove_empty(dirs):
    for d in dirs:  # deepest first
        try:
            d.rmdir()
        except OSError:
            break


# --------------------------------------------------------------------------- fetch
def _not_found_message(name, entry, path, home, how, download, reason=None):
    lines = [f"dataset {name!r}: file {entry['path']!r} not found at {path}"]
    lines.append(f"(data home {home}, chosen from {how}).")
    if reason is not None:
        lines.append(f"Downloading it from {entry['url']} failed: {reason}.")
    elif entry.get("url") is None:
        lines.append("No public URL serves this exact file, so it cannot be downloaded automatically")
        src = entry.get("source_url")
        lines.append(f"(its content comes from {src}; see the manifest entry)." if src else ".")
    elif not download:
        lines.append(f"download=False; with download=True it would be fetched from {entry['url']}.")
    lines.append(
        f"Set the environment variable {DATA_HOME_ENV} (or pass data_home=...) to the directory that holds "
        "the data files (the one containing uci/, freMTPL2freq/, flchain/)."
    )
    return " ".join(lines)


def _ensure_file(name, relpath, data_home=None, download=True):
    """Path of one verified manifest file, downloading it first if missing and allowed."""
    entry = _file_entry(name, relpath)
    home, how = _resolve_data_home(data_home)
    path = home.joinpath(*entry["path"].split("/"))
    if not path.is_file():
        if not download or entry.get("url") is None:
            raise DatasetNotFoundError(_not_found_message(name, entry, path, home, how, download), path)
        try:
            _download(entry["url"], path, entry["sha256"])
        except ChecksumError:
            raise
        except OSError as exc:  # URLError, HTTPError, timeouts, permission problems
            raise DatasetNotFoundError(
                _not_found_message(name, entry, path, home, how, download, reason=exc), path
            ) from exc
    _check_file(path, entry["sha256"])
    return path


def fetch_dataset(name, data_home=None, download=True, files=None):
    """Make sure the files of dataset ``name`` are present and verified; return {relpath: Path}.

    ``files`` restricts to some manifest paths (default: all of the dataset's files).
    """
    entry = _entry(name)
    wanted = [f["path"] for f in entry["files"]] if files is None else list(files)
    return {rel: _ensure_file(name, rel, data_home=data_home, download=download) for rel in wanted}


def verify(names=None, data_home=None):
    """Check every manifest file of ``names`` (default: all datasets) without downloading.

    Returns {relpath: "ok" | error message}; never raises for a missing or corrupt file.
    """
    names = list_datasets() if names is None else ([names] if isinstance(names, str) else list(names))
    report = {}
    for name in names:
        for f in _entry(name)["files"]:
            try:
                _ensure_file(name, f["path"], data_home=data_home, download=False)
                report[f["path"]] = "ok"
            except (DatasetNotFoundError, ChecksumError) as exc:
                report[f["path"]] = str(exc)
    return report
