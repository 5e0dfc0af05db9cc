"""The line search of a distributed fit on batches of candidate scalings: every candidate of a
batch is scored on every worker in one round trip (``score_candidates``), and the search is
``_line_search.line_search_by_group`` replayed on the scores it has, asking for another batch only
when it moves outside them."""

from __future__ import annotations

import numpy as np

from .._line_search import STEP_MAX, line_search_by_group

__all__ = ["batched_line_search", "first_batch"]


class _Missing(Exception):
    pass


def _powers(lo=-21, hi=8):
    return [2.0**e for e in range(lo, hi + 1)]


def batched_line_search(score_batch, loss0, groups, starts, known=None, step_max=None):
    """``line_search_by_group`` with every evaluation of the score taken from batches scored at once
    (``score_batch(list of (k,) scalings) -> (m,) scores``): the search is replayed on the scores
    at hand, and a scaling it asks for that is not among them brings the next batch (the joint
    powers of two, the per-group ones, or the halvings of the combined step). The first batch is
    the joint scalings within a factor 8 of the start, where the search almost always ends: one
    round trip (``known``: scores of that batch already at hand, {scaling tuple: score}). The
    result is the sequential search's, exactly, for the same scores."""
    k = len(starts)
    cache = dict(known or {})

    def loss(s):
        key = tuple(np.asarray(s, dtype=np.float64).tolist())
        if key not in cache:
            raise _Missing(key)
        return cache[key]

    def add(batch):
        batch = [b for b in dict.fromkeys(tuple(float(v) for v in s) for s in batch) if b not in cache]
        if batch:
            for key, value in zip(batch, score_batch([np.asarray(b) for b in batch])):
                cache[key] = value

    stage = 0
    pending = [] if known else first_batch(starts, k)
    while True:
        add(pending)
        try:
            return line_search_by_group(loss, loss0, groups, starts, step_max)
        except _Missing as miss:
            key = np.asarray(miss.args[0])
            if stage == 0 and np.all(key == key[0]):
                pending = [np.full(k, s) for s in _powers()] + [key]
            elif stage <= 1:
                stage = 2
                pending = [key]
                for group in groups:
                    for s in _powers():
                        v = np.zeros(k)
                        v[group] = s
                        pending.append(v)
            else:
                pending = [key * 2.0**-i for i in range(22)]
            stage = max(stage, 1)


def first_batch(starts, k):
    """The line search's first batch: the joint scalings within a factor 8 of its start."""
    s0 = float(min(max(float(np.max(starts)), 1.0), STEP_MAX))
    return [np.full(k, s) for s in (s0 * 2.0**e for e in range(-3, 4)) if 2.0**-21 <= s <= STEP_MAX]
