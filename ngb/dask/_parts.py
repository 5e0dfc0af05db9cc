"""Inputs of a distributed fit as row partitions placed on the workers.

X, y, sample weights and offsets may each be a ``dask.array`` (row chunks, one column chunk), a
``dask.dataframe`` DataFrame / Series (partitions), or an in-memory numpy / pandas object on the
client (small data: split into one piece per worker and scattered). Partition ``i`` of every input
must hold the same rows: dask arrays are rechunked to X's row chunks; DataFrames and Series must
have as many partitions as X (their lengths are checked on the workers).
"""

from __future__ import annotations

import numpy as np

__all__ = ["partitions", "place", "is_dask"]


def is_dask(obj):
    import dask

    return obj is not None and dask.is_dask_collection(obj)


def _is_array(obj):
    return is_dask(obj) and hasattr(obj, "chunks") and hasattr(obj, "numblocks")


def _is_frame(obj):
    return is_dask(obj) and hasattr(obj, "npartitions") and not _is_array(obj)


def _split(obj, lengths):
    bounds = np.concatenate([[0], np.cumsum(lengths)]).astype(int)
    if len(obj) != bounds[-1]:
        raise ValueError(f"an input has {len(obj)} rows but X has {bounds[-1]}.")
    take = (lambda a, b: obj.iloc[a:b]) if hasattr(obj, "iloc") else (lambda a, b: np.asarray(obj)[a:b])
    return [take(a, b) for a, b in zip(bounds[:-1], bounds[1:])]


def partitions(X, y, sample_weight, offset, n_pieces):
    """[(index, X part, y part, weight part, offset part)], each part a dask Delayed, an in-memory
    piece or None (no weights / offsets)."""
    lengths = None
    if _is_array(X):
        if X.ndim != 2:
            raise ValueError(f"X must be 2-dimensional; got a dask array of shape {X.shape}.")
        if X.numblocks[1] > 1:
            X = X.rechunk({1: -1})
        if any(np.isnan(c) for c in X.chunks[0]):
            X = X.compute_chunk_sizes()
        lengths = [int(c) for c in X.chunks[0]]
        x_parts = list(X.to_delayed(optimize_graph=False)[:, 0])  # (blocks shared with y stay shared)
    elif _is_frame(X):
        x_parts = list(X.to_delayed())
    else:
        if X is None or len(X) == 0:
            raise ValueError("X has no rows.")
        n = len(X)
        pieces = max(1, min(n_pieces, n))
        lengths = [len(a) for a in np.array_split(np.arange(n), pieces)]
        x_parts = _split(X, lengths)
    n_parts = len(x_parts)

    def align(a, name):
        nonlocal lengths
        if a is None:
            return [None] * n_parts
        if _is_array(a):
            if lengths is not None:
                if a.shape[0] != sum(lengths):
                    raise ValueError(f"{name} has {a.shape[0]} rows but X has {sum(lengths)}.")
                a = a.rechunk((tuple(lengths),) + tuple(-1 for _ in range(a.ndim - 1)))
            elif a.numblocks[0] != n_parts:
                raise ValueError(f"{name} has {a.numblocks[0]} row chunks but X has {n_parts} partitions: give them "
                                 "the same partitions (e.g. take both from one dask DataFrame).")
            elif a.ndim == 2 and a.numblocks[1] > 1:
                a = a.rechunk({1: -1})
            d = a.to_delayed(optimize_graph=False)
            return list(d.reshape(d.shape[0], -1)[:, 0])
        if _is_frame(a):
            if a.npartitions != n_parts:
                raise ValueError(f"{name} has {a.npartitions} partitions but X has {n_parts}: give them the same "
                                 "partitions (e.g. columns of one dask DataFrame).")
            return list(a.to_delayed())
        if lengths is None:  # X a dask DataFrame, this input in memory: X's partition lengths
            lengths = [int(v) for v in X.map_partitions(len).compute()]
        return _split(a, lengths)

    parts = [align(a, name) for a, name in ((y, "y"), (sample_weight, "sample_weight"), (offset, "offset"))]
    if y is None:
        raise ValueError("y is required.")
    return [(i, x_parts[i], parts[0][i], parts[1][i], parts[2][i]) for i in range(n_parts)]


def _bundle(index, X, y, w, offset):
    return index, X, y, w, offset


def place(client, parts, workers):
    """Compute (or scatter) every partition on one worker, in contiguous blocks of partitions per
    worker; returns (a future of each partition's bundle (index, X, y, w, offset), its worker)."""
    from dask.delayed import Delayed

    futures, owner = [], []
    n = len(parts)
    for i, bundle in enumerate(parts):
        w = workers[i * len(workers) // max(n, 1)]
        pieces = list(bundle[1:])
        lazy = [j for j, piece in enumerate(pieces) if isinstance(piece, Delayed)]
        if lazy:  # one compute: pieces sharing a task (columns of one block) compute it once
            for j, fut in zip(lazy, client.compute([pieces[j] for j in lazy], workers=[w], allow_other_workers=False)):
                pieces[j] = fut
        for j, piece in enumerate(pieces):
            if piece is not None and j not in lazy:
                pieces[j] = client.scatter(piece, workers=[w], hash=False)
        futures.append(client.submit(_bundle, bundle[0], *pieces, workers=[w], allow_other_workers=False, pure=False))
        owner.append(w)
    return futures, owner
