"""Damaged model files and pickles, tried in a separate process so that a crash of the interpreter
(a segfault in a compiled kernel) is seen by the caller instead of ending it.

    python tests/model_file_fuzz.py KIND SEED START COUNT

runs trials START .. START + COUNT - 1 (trial i is drawn from the seed [SEED, i], so a run can be
resumed after a crash) and prints one line per trial, flushed: ``i outcome``, outcome one of

- ``refused:<Exception>`` the damaged file was refused (loading or predicting raised);
- ``identical``            it loaded and predicted bit-identically to the undamaged model;
- ``different``            it loaded and predicted something else (silently different predictions);
- ``predict-error:<Exception>`` it loaded, and predicting raised.

KIND: ``flip`` (one random bit of an ngb model file flipped), ``truncate`` (a model file cut at a
random length), ``pickle`` (one random bit flipped within the bytes of a pickled model's packed
forest arrays, the arrays ``predict`` hands to the kernels, as in the reliability issue),
``forest`` (the same flips in a pickle of the packed forest alone, which carries no digest: only
the forest's own checks stand between a flip and the kernels), ``hostile-arrays`` (1 to 8 random
bits of a model file's arrays flipped and its checksum recomputed, as a hostile author would) and
``hostile-manifest`` (one value of the manifest replaced by a random JSON value, checksum recomputed).

:func:`run` starts workers until all trials are done: a worker that dies (negative return code: a
signal) counts the trial after its last reported one as a ``crash`` and the next worker resumes
after it. Runs with any ngb version for ``pickle`` (the before/after count of the constructor
checks: ``PYTHONPATH=<other tree> python tests/model_file_fuzz.py pickle 0 0 300``).
"""

from __future__ import annotations

import collections
import io
import json
import os
import pickle
import pickletools
import subprocess
import sys

import numpy as np


def _model():
    import ngb

    rng = np.random.default_rng(12)
    X = rng.normal(size=(300, 4))
    y = X[:, 0] + np.exp(0.5 * X[:, 1]) * rng.normal(size=300)
    return ngb.NGBRegressor(n_estimators=30, learning_rate=0.1, random_state=0).fit(X, y), X


def _forest_regions(blob, model):
    """(start, stop) byte ranges of the pickle ``blob`` holding the data of the model's packed forest
    arrays (the arguments of the pickle's bytes opcodes equal to one of those arrays' bytes)."""
    wanted = {a.tobytes() for a in vars(model._forest).values() if isinstance(a, np.ndarray) and a.nbytes >= 8}
    regions = []
    for op, arg, pos in pickletools.genops(blob):
        if isinstance(arg, (bytes, bytearray)) and bytes(arg) in wanted:
            start = blob.index(bytes(arg), pos)
            regions.append((start, start + len(arg)))
    return regions


_VALUES = [None, True, False, 0, -1, 1, 3, 2**31, 2**63, 10**30, -(10**18), 0.5, -0.0, 1e308, "", "x", "normal",
           "NGBRegressor", "$array", [], [0], [None, None], {}, {"$array": "tree_left"}, {"$tuple": []},
           {"$float": "nan"}, {"$numpy": "<i8", "value": 7}, {"$family": "poisson"}]


def _replace_one(manifest, rng):
    """A copy of ``manifest`` with one value (anywhere in it, dict keys kept) replaced by a random one."""
    paths = []

    def walk(node, path):
        paths.append(path)
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, path + (key,))
        elif isinstance(node, list):
            for j, value in enumerate(node):
                walk(value, path + (j,))

    walk(manifest, ())
    path = paths[1 + int(rng.integers(0, len(paths) - 1))]
    out = json.loads(json.dumps(manifest))
    node = out
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = _VALUES[int(rng.integers(0, len(_VALUES)))]
    return out


def _trials(kind, seed, start, count):
    model, X = _model()
    predict = lambda m: m.predict_dist(X).theta  # noqa: E731
    if kind in ("pickle", "forest"):
        blob = pickle.dumps(model if kind == "pickle" else model._forest)
        regions = _forest_regions(blob, model)
        sizes = np.array([b - a for a, b in regions])
        load = pickle.loads
        if kind == "forest":
            predict = lambda forest: forest.predict(X)  # noqa: E731
    else:
        import ngb

        buffer = io.BytesIO()
        model.save(buffer)
        blob = buffer.getvalue()
        load = lambda data: ngb.load(io.BytesIO(data))  # noqa: E731
        if kind in ("hostile-arrays", "hostile-manifest"):
            import zipfile

            from ngb._model_file import _archive

            with zipfile.ZipFile(io.BytesIO(blob)) as archive:
                manifest, arrays = json.loads(archive.read("model.json")), archive.read("arrays.bin")
    expected = predict(model if kind != "forest" else model._forest)
    for i in range(start, start + count):
        rng = np.random.default_rng([seed, i])
        if kind == "truncate":
            damaged = blob[: int(rng.integers(0, len(blob)))]
        elif kind == "hostile-arrays":  # 1 to 8 bits of the arrays flipped, the checksum made valid
            raw = bytearray(arrays)
            for _ in range(int(rng.integers(1, 9))):
                raw[int(rng.integers(0, len(raw)))] ^= 1 << int(rng.integers(0, 8))
            damaged = _archive(json.dumps(manifest).encode(), bytes(raw))
        elif kind == "hostile-manifest":  # one value of the manifest replaced, the checksum made valid
            damaged = _archive(json.dumps(_replace_one(manifest, rng)).encode(), arrays)
        else:
            if kind in ("pickle", "forest"):
                r = int(rng.choice(len(regions), p=sizes / sizes.sum()))
                pos = regions[r][0] + int(rng.integers(0, sizes[r]))
            else:
                pos = int(rng.integers(0, len(blob)))
            damaged = bytearray(blob)
            damaged[pos] ^= 1 << int(rng.integers(0, 8))
            damaged = bytes(damaged)
        try:
            loaded = load(damaged)
        except Exception as err:  # noqa: BLE001  (every refusal is counted, by type)
            print(i, f"refused:{type(err).__name__}", flush=True)
            continue
        try:
            theta = predict(loaded)
        except Exception as err:  # noqa: BLE001
            outcome = f"predict-error:{type(err).__name__}"
        else:
            same = theta.shape == expected.shape and theta.tobytes() == expected.tobytes()
            outcome = "identical" if same else "different"
        print(i, outcome, flush=True)


def run(kind, seed, count, env=None, cwd=None):
    """Counter of the outcomes of ``count`` trials (plus ``crash``), in worker processes."""
    counts = collections.Counter()
    done = 0
    while done < count:
        proc = subprocess.run([sys.executable, os.path.abspath(__file__), kind, str(seed), str(done), str(count - done)],
                              capture_output=True, text=True, env=env, cwd=cwd, timeout=600)
        for line in proc.stdout.splitlines():
            i, outcome = line.split()
            counts[outcome] += 1
            done = int(i) + 1
        if proc.returncode != 0:
            if proc.returncode > 0:  # a Python error of the worker itself, not a trial's
                raise RuntimeError(f"fuzz worker failed:\n{proc.stderr[-3000:]}")
            counts["crash"] += 1
            done += 1
    return counts


if __name__ == "__main__":
    _kind, _seed, _start, _count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    _trials(_kind, _seed, _start, _count)
