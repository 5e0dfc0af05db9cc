"""The client's handle on the workers' shard actors: calls on every shard at once, with the bytes
sent and received and the round trips counted (``dask_fit_info_``), and the sums they return."""

from __future__ import annotations

import pickle
import time

import numpy as np

__all__ = ["payload_bytes"]


def payload_bytes(obj):
    """Bytes of the arrays (and pickled size of other objects) in a message."""
    if obj is None or isinstance(obj, (bool, int, float, np.number)):
        return 8
    if isinstance(obj, np.ndarray):
        return obj.nbytes
    if isinstance(obj, (list, tuple)):
        return sum(payload_bytes(o) for o in obj)
    if isinstance(obj, dict):
        return sum(payload_bytes(k) + payload_bytes(v) for k, v in obj.items())
    if isinstance(obj, str):
        return len(obj)
    return len(pickle.dumps(obj, protocol=5))


class _Shards:
    """The fit's actors; every call goes to all of them at once and counts the bytes each way."""

    def __init__(self, actors):
        self.actors = actors
        self.sent = self.received = self.round_trips = 0
        self.wait_seconds = 0.0  # from sending a request to the last shard's answer

    def call(self, method, *args, per_shard=None):
        futures = []
        t0 = time.perf_counter()
        for i, actor in enumerate(self.actors):
            a = args if per_shard is None else per_shard[i]
            self.sent += payload_bytes(a)
            futures.append(getattr(actor, method)(*a))
        out = [f.result() for f in futures]
        self.wait_seconds += time.perf_counter() - t0
        self.received += payload_bytes(out)
        self.round_trips += 1
        return out

    def counters(self):
        return self.sent, self.received, self.round_trips


def _mean(sums):
    """Weighted mean from per-shard (score sum, weight sum) pairs (inf when not finite)."""
    total = wsum = 0.0
    for t, w in sums:
        total += t
        wsum += w
    value = total / wsum if wsum > 0 else np.inf
    return value if np.isfinite(value) else np.inf
