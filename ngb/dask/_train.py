"""The client side of a distributed fit: partitions to workers, the set-up, and the boosting loop.

Data never passes through the client during training: each worker's partitions are computed on
that worker (dask collections) and held by one :class:`~._shard.Shard` actor per worker, which bins
them once and keeps their parameters. The client sees

- once per fit: per-partition statistics (row counts, weight range, labels) and a row sample of at
  most ``sample_rows`` rows (the set-up: bin edges, target units, initial parameters), then the
  workers' row counts;
- per iteration: the score sums and the trees' centring sums (``direction``), the reduced root
  histograms, one reduction of histograms per tree level (per split for best-first trees), the score
  sums of a batch of candidate step scalings (``finish``: the line search in one round trip, more
  only when it moves outside the batch), and the validation score sums (``apply``).

The loop is ``_engine.boost`` step for step: the same random draws (columns), the same tree growth
(``_grow.TreeGrowth``), the same line search (``_line_search.line_search_by_group``, evaluated on
batches of candidates) and update (``Objective.apply`` on each worker), the same traces and early
stopping (``_monitor``).
"""

from __future__ import annotations

import time

import numpy as np
from sklearn.utils.validation import _check_y

from .._defaults import REFIT_MAX_ROWS, default_base, uses_metric_weights
from .._engine import gate_keep, gated_groups, initial_params
from .._fit_data import check_offset
from .._monitor import EarlyStopping, ScoreTrace
from .._objective import mean_weight_exponent
from .._progress import FitProgress
from .._threads import resolve_n_threads
from .._units import target_units
from ..boosting import fit_random_state
from ..tree import BinMapper, HistTreeRegressor, check_growth, leaf_value_table, resolve_categorical_features
from ._batched_search import batched_line_search, first_batch
from ._comm import _mean, _Shards, payload_bytes
from ._grow import _grow_trees
from ._parts import partitions, place
from ._shard import Shard

__all__ = ["fit_distributed", "SAMPLE_ROWS"]

#: rows of the set-up sample (bin edges, target units, initial parameters); at most this many rows
#: cross to the client, once per fit. Data of at most this many rows is set up on all its rows,
#: exactly as the single-machine fit.
SAMPLE_ROWS = 200_000

_WEIGHT_RANGE = 2.0**64


def check_base(base):
    """Tree parameters of ``base`` (None: the default tree); ValueError for other base learners."""
    if base is None:
        return default_base().get_params()
    if not (isinstance(base, HistTreeRegressor) and type(base).fit is HistTreeRegressor.fit
            and type(base).predict is HistTreeRegressor.predict):
        raise ValueError(f"the Dask estimators grow ngb's histogram trees on the workers; base must be None or a "
                         f"ngb.tree.HistTreeRegressor, got {type(base).__name__}. Fit other base learners on one "
                         "machine (ngb.NGBRegressor), or run many such fits on the cluster (ngb.dask.joblib_backend).")
    return base.get_params()


# ---------------------------------------------------------------------------------------------
# the fit


def _sample_counts(stats, sample_rows):
    """Rows to sample per partition: all positive-weight rows when there are at most ``sample_rows``,
    else a share proportional to the partition's."""
    total = sum(s[2] for s in stats)
    if total <= sample_rows:
        return {s[0]: s[2] for s in stats}, total
    return {s[0]: int(np.floor(s[2] * sample_rows / total)) for s in stats}, total


def _concat(items):
    items = [a for a in items if a is not None]
    if not items:
        return None
    if hasattr(items[0], "iloc"):
        import pandas as pd

        return pd.concat(items)
    return np.concatenate([np.asarray(a) for a in items])


def _weight_plan(stats, what="sample_weight"):
    """(exponent of the power-of-two scaling as check_weight, whether all positive weights are equal)."""
    tops = [s[3] for s in stats if s[2] > 0]
    if not tops:
        raise ValueError(f"{what} sums to zero: at least one row needs a positive weight.")
    top, low = max(tops), min(s[4] for s in stats if s[2] > 0)
    scale = None if 1 / _WEIGHT_RANGE <= top <= _WEIGHT_RANGE else int(1 - np.frexp(top)[1])
    return scale, top == low


def fit_distributed(est, X, y, sample_weight=None, offset=None, X_val=None, y_val=None, sample_weight_val=None,
                    offset_val=None, client=None, sample_rows=SAMPLE_ROWS):
    """Fit ``est`` (an ngb estimator) on dask collections with ``client``; returns (fitted state,
    statistics of the fit: bytes, round trips, times)."""
    from distributed import default_client

    client = default_client() if client is None else client
    t_start = time.perf_counter()
    if not (isinstance(sample_rows, (int, np.integer)) and not isinstance(sample_rows, bool) and sample_rows >= 1):
        raise ValueError(f"sample_rows must be an int >= 1, got {sample_rows!r}.")
    dist, rule_name = est._check_params()
    tree_params = check_base(est.base)
    if est.monotonic_cst is not None:
        raise ValueError("monotonic constraints are not supported by the Dask estimators (their trees are grown "
                         "from reduced histograms without them): fit with monotonic_cst on one machine "
                         "(ngb.NGBRegressor), or leave it None.")
    max_depth, max_leaf_nodes = tree_params["max_depth"], tree_params.get("max_leaf_nodes")
    check_growth(max_depth, max_leaf_nodes)
    if est.subsample < 1:
        raise ValueError("the Dask estimators fit every row in every iteration: subsample must be 1.0 "
                         f"(got {est.subsample}).")
    if dist.multi_output:
        raise ValueError(f"{dist.__name__} (a multivariate family) is not supported by the Dask estimators.")
    classifier = dist.support == "class"
    if (X_val is None) != (y_val is None):
        raise ValueError("X_val and y_val must be given together.")
    if X_val is None and (sample_weight_val is not None or offset_val is not None):
        raise ValueError("sample_weight_val and offset_val need X_val and y_val.")
    if offset is not None and X_val is not None and offset_val is None:
        raise ValueError("offset was given for the training rows but not offset_val for X_val: the "
                         "validation rows would be scored without their offsets (e.g. exposure).")

    # ---- partitions to workers, one shard actor per worker
    workers = sorted(client.nthreads())
    if not workers:
        raise ValueError("the Dask cluster has no workers.")
    parts = partitions(X, y, sample_weight, offset, len(workers))
    val_parts = [] if X_val is None else partitions(X_val, y_val, sample_weight_val, offset_val, len(workers))
    train_futures, owner = place(client, parts, workers)
    val_futures, val_owner = place(client, val_parts, workers)
    used = sorted(set(owner), key=workers.index)
    n_threads = [client.nthreads()[w] if est.n_jobs is None else resolve_n_threads(est.n_jobs) for w in used]
    shards0 = [client.submit(Shard, [f for f, o in zip(train_futures, owner) if o == w],
                             [f for f, o in zip(val_futures, val_owner) if o == w or (o not in used and w == used[0])],
                             actor=True, workers=[w], allow_other_workers=False) for w in used]
    try:
        shards = _Shards([s.result() for s in shards0])
        del train_futures, val_futures  # the shards hold their rows now
        return fit_on_shards(est, shards, n_threads, len(parts), sample_weight is not None, offset is not None,
                             X_val is not None, sample_weight_val is not None, sample_rows, t_start)
    finally:
        for f in shards0:
            f.release()


def validation_plan(est, n_pos, given_val, rng):
    """(split plan (fraction, seed) or None, whether to stop early, whether to refit on every row),
    the policy of ``BaseNGBoost._validation_data`` for ``n_pos`` positive-weight training rows; the
    held-out rows are ``validation_fraction`` of each partition (not the single-machine split)."""
    if given_val:
        return None, est.early_stopping is not False, False
    mode = est.early_stopping if isinstance(est.early_stopping, str) else bool(est.early_stopping)
    if mode == "cv":
        raise ValueError("early_stopping='cv' is not supported by the Dask estimators: use 'auto', 'refit', True "
                         "or False, or pass X_val and y_val.")
    if mode is False or (mode == "auto" and n_pos < 2):
        return None, False, False
    refit = mode == "refit" or (mode == "auto" and n_pos <= REFIT_MAX_ROWS)
    return (float(est.validation_fraction), int(rng.randint(2**31 - 1))), True, refit


def fit_on_shards(est, shards, n_threads, n_parts, weighted_rows, has_offset, given_val, weighted_val, sample_rows,
                  t_start):
    """The fit once every worker's shard holds its partitions (``_Shards``; ``n_threads`` per shard):
    one pass, or two when the held-out rows choose the count and a second pass fits it on every row
    (``early_stopping="auto"`` up to ``REFIT_MAX_ROWS`` rows, or ``"refit"``)."""
    dist, _ = est._check_params()
    rng = fit_random_state(est.random_state)
    stats = shards.call("stats", dist.support == "class")
    n_pos = sum(s[2] for st in stats for s in st[0])
    split_plan, stop_early, refit = validation_plan(est, n_pos, given_val, rng)
    args = (est, shards, n_threads, n_parts, weighted_rows, has_offset, weighted_val, sample_rows, rng)
    state, info = _fit_pass(*args, stats, split_plan, given_val, stop_early, est.n_estimators, t_start, refit)
    if refit:
        chosen = state
        shards.call("restore")
        stats = shards.call("stats", dist.support == "class")
        state, info = _fit_pass(*args, stats, None, False, False, chosen["n_iter_"], t_start, False,
                                gates=chosen.pop("_gates"))
        state["validation_score_"] = chosen["validation_score_"]
        info["n_val_rows"] = 0
    state.pop("_gates", None)
    state["refitted_"] = bool(refit)
    return state, info


def _fit_pass(est, shards, n_threads, n_parts, weighted_rows, has_offset, weighted_val, sample_rows, rng, stats,
              split_plan, given_val, stop_early, n_estimators, t_start, keep_raw, gates=None):
    """One boosting pass of ``n_estimators`` iterations on the shards (set up anew from their raw
    partitions, which are kept when ``keep_raw`` for a second pass); (fitted state, statistics).
    ``gates``: the (n_estimators, k) steps kept by the held-out pass, replayed (``_engine.boost``)."""
    dist, rule_name = est._check_params()
    tree_params = check_base(est.base)
    classifier = dist.support == "class"

    # ---- global statistics
    train_stats = sorted((s for st in stats for s in st[0]), key=lambda s: s[0])
    val_stats = sorted((s for st in stats for s in st[1]), key=lambda s: s[0])
    weight_scale, uniform = _weight_plan(train_stats) if weighted_rows else (None, True)
    val_scale, val_uniform = _weight_plan(val_stats, "sample_weight_val") if weighted_val and given_val else (None, True)
    n_pos = sum(s[2] for s in train_stats)
    classes = None
    if classifier:
        classes = np.unique(np.concatenate([s[5] for s in train_stats]))

    # ---- the set-up sample
    counts, _ = _sample_counts(train_stats, sample_rows)
    seed = est.random_state if isinstance(est.random_state, (int, np.integer)) else 0
    sampled = sorted((b for part in shards.call("sample", counts, seed) for b in part), key=lambda b: b[0])
    sample_bytes = payload_bytes(sampled)
    X_s = _concat([b[1] for b in sampled])
    y_s = _concat([b[2] for b in sampled])
    w_s = _concat([b[3] for b in sampled])
    off_s = _concat([b[4] for b in sampled])
    X_raw = X_s
    X_s = est._validate_X(X_raw, reset=True)
    categorical = est._categorical_info(X_raw)
    del X_raw
    if np.isinf(X_s).any():
        raise ValueError("Input X contains infinity or a value too large for dtype('float64').")
    y_s = _check_y(est._prepare_y(y_s), multi_output=est._two_column_y(dist), y_numeric=False, estimator=est)
    if classifier:
        from sklearn.utils.multiclass import check_classification_targets

        check_classification_targets(classes)
        if len(classes) < 2:
            raise ValueError(f"y contains only one class ({classes[0]!r}); a classifier needs at least 2 classes in "
                             "the training labels.")
        if dist.__name__ == "Bernoulli" and len(classes) != 2:
            raise ValueError(f"Bernoulli needs exactly 2 classes; got {len(classes)}.")
        est.classes_ = classes
        y_s = est._check_y(y_s, dist)
    else:
        y_s = est._check_y(y_s, dist, fitting=True)
    if w_s is not None:
        w_s = np.asarray(w_s, dtype=float)
        w_s = None if uniform else (w_s if weight_scale is None else np.ldexp(w_s, weight_scale))
    off_s = check_offset(off_s, X_s.shape[0], dist)
    units = target_units(dist, y_s, w_s)
    y_fit = y_s if units is None else units.to_fit(y_s)
    off_fit = off_s if units is None else units.offset_to_fit(off_s)
    theta0 = np.asarray(est._fit_marginal(dist, y_fit, w_s), dtype=float)
    k = theta0.shape[0]
    theta0 = initial_params(dist, rule_name, theta0, y_fit, w_s, off_fit)
    p = X_s.shape[1]
    feature_names = getattr(est, "feature_names_in_", None)
    from_dtype, n_categories = (None, None) if categorical is None else categorical
    is_cat = resolve_categorical_features(tree_params.get("categorical_features"), p, from_dtype, feature_names)
    bin_mapper = BinMapper(max_bins=tree_params["max_bins"], random_state=rng.randint(2**31 - 1),
                           categorical_features=is_cat, n_categories=n_categories).fit(X_s, feature_names=feature_names)
    unique_times = np.unique(y_s[:, 0]) if y_s.ndim == 2 and y_s.shape[1] == 2 and not classifier else None
    del X_s, y_s, w_s, off_s, y_fit, off_fit, sampled

    # ---- set up the shards
    weighted = bool(est.natural_gradient and uses_metric_weights(est.metric_weighted, dist))
    worker_est = _worker_copy(est)
    setups = [(worker_est, dist, (dist, rule_name, k, est.natural_gradient, weighted, n_threads[i]),
               _with_threads(bin_mapper, n_threads[i]), units, theta0, weight_scale, uniform, val_scale, val_uniform,
               split_plan, keep_raw) for i in range(len(shards.actors))]
    got = shards.call("setup", per_shard=setups)
    total, count = (sum(g[3][i] for g in got) for i in (0, 1))
    if count:  # the learners' weights in rows of mean weight, as Objective does on one process
        shards.call("fit_exponent", mean_weight_exponent(total, count))
    part_rows = sorted((c for shard_counts, _, _, _ in got for c in shard_counts), key=lambda c: c[0])
    starts, pos = {}, 0
    for idx, rows in part_rows:
        starts[idx] = (pos, rows)
        pos += rows
    n = pos
    shards.call("line_search_rows", per_shard=[([starts[idx] for idx, _ in sc], n) for sc, _, _, _ in got])
    event_rate = val_event_rate = None  # survival: the weighted share of events (log scores in the target's units)
    if got[0][1] is not None:
        event_rate = _mean([g[1] for g in got])
        val_event_rate = _mean([g[2] for g in got if g[2] is not None]) if any(g[2] is not None for g in got) \
            else None
    n_val = sum(shards.call("val_rows"))
    has_val = n_val > 0
    setup_counters = shards.counters()
    t_setup = time.perf_counter() - t_start
    wait_setup = shards.wait_seconds

    def in_units(trace, rate=event_rate):
        return trace if units is None else _scores_in_units(units, trace, rule_name, dist, rate)

    def val_in_units(trace):
        return in_units(trace, val_event_rate)

    # ---- the loop (_engine.boost)
    lr = float(est.learning_rate)
    n_cols = max(1, int(round(est.colsample * p))) if est.colsample < 1 else p
    groups = dist.step_groups(k)
    d = shards.call("direction")
    train = ScoreTrace(_mean([r["score"] for r in d]))
    val = ScoreTrace(_mean(_present(shards.call("sums", "val")))) if has_val else None
    stopping = EarlyStopping(stop_early and has_val, val.last if val else np.inf, est.n_iter_no_change, est.tol,
                             getattr(est, "_keep_stopped_iterations", False))  # (as _engine.boost)
    estimators, columns, scalings, per_iteration, kept = [], [], [], [], []
    gated = gated_groups(dist, k, getattr(est, "_keep_stopped_iterations", False)) if stop_early and has_val else ()
    start = np.ones(k)
    shown = None if units is None else (in_units, val_in_units)
    with FitProgress(est.verbose, n_estimators, rule_name, shown) as progress:
        for it in range(n_estimators):
            before = shards.counters()
            cols = None if n_cols == p else np.sort(rng.choice(p, n_cols, replace=False))
            feats = np.arange(p, dtype=np.int64) if cols is None else np.unique(cols).astype(np.int64)
            if it > 0:
                d = shards.call("direction")
                train.resolve(_mean([r["score"] for r in d]))
            score0 = _mean([r["score"] for r in d])
            learners, ids, splits = _grow_trees(shards, d, k, n, feats, bin_mapper, tree_params,
                                                weighted_rows and not uniform)
            first = first_batch(start, k)
            res = shards.call("finish", splits, ids, leaf_value_table(learners), first)
            loss0 = score0 if res[0][0] is None else _mean([r[0] for r in res])
            known = {tuple(f.tolist()): _mean([r[1][i] for r in res]) for i, f in enumerate(first)}

            def score_batch(cands):
                sums = shards.call("score_candidates", cands)
                return [_mean([s[i] for s in sums]) for i in range(len(cands))]

            scale = batched_line_search(score_batch, loss0, groups, start, known, float(est.max_scaling))
            start = np.where(scale > 0, scale, 1.0)
            keep = np.ones(k)
            if gated:  # as _engine.gate_groups, from the shards' validation sums
                got = _present(shards.call("gate_sums", lr * scale, learners, cols, gated))
                scores = [_mean([sums[i] for sums, _ in got]) for i in range(len(gated) + 1)]
                moves = [any(m[i] for _, m in got) for i in range(len(gated))]
                keep = gate_keep(k, gated, scores[0], scores[1:], moves)
            elif gates is not None:
                keep = np.asarray(gates[it], dtype=float)
            scale = scale * keep
            c = lr * scale
            vsums = shards.call("apply", c, learners, cols)
            estimators.append(learners)
            columns.append(cols)
            scalings.append(scale)
            kept.append(keep)
            train.append(_mean(shards.call("sums", "train")) if est.verbose else None)
            val_score = None
            if has_val:
                val_score = _mean(_present(vsums))
                val.append(val_score)
            after = shards.counters()
            per_iteration.append((after[0] - before[0], after[1] - before[1], after[2] - before[2]))
            progress.update(it, train.last, val_score, scale)
            if stopping.update(it + 1, val_score):
                break
        n_kept = stopping.n_kept(len(estimators))
        progress.finish(f"kept {n_kept} of {len(estimators)} iterations")
    train_score = train.array(n_kept, final=lambda: _mean(shards.call("sums", "train")))
    val_score = val.array(n_kept) if val else np.asarray([])
    if unique_times is not None and n > len(unique_times) and n_pos > sample_rows:
        unique_times = np.unique(np.concatenate(shards.call("unique_times")))
    t_fit = time.perf_counter() - t_start

    # ---- the fitted state (as BaseNGBoost._boost builds it)
    if units is not None:
        theta0 = units.to_original(theta0)
        train_score = in_units(train_score)
        if has_val:
            val_score = val_in_units(val_score)
    state = est._fitted_state(dist, rule_name, k, p, units, theta0, estimators[:n_kept], columns[:n_kept],
                              scalings[:n_kept], train_score, val_score)
    if unique_times is not None:
        state["unique_times_"] = unique_times
    state["_gates"] = np.asarray(kept[:n_kept], dtype=float).reshape(n_kept, k)
    total = shards.counters()
    info = dict(n_rows=n, n_val_rows=n_val, n_workers=len(shards.actors), n_partitions=n_parts, sample_rows=int(
        sum(counts.values())), sample_bytes=sample_bytes, setup_bytes_sent=setup_counters[0],
        setup_bytes_received=setup_counters[1], bytes_sent=total[0], bytes_received=total[1], round_trips=total[2],
        per_iteration=np.asarray(per_iteration, dtype=np.int64).reshape(-1, 3), setup_seconds=t_setup,
        fit_seconds=t_fit, loop_wait_seconds=shards.wait_seconds - wait_setup)
    return state, info


def _present(values):
    return [v for v in values if v is not None]


def _scores_in_units(units, trace, rule_name, dist, event_rate):
    if rule_name == "censored_log":
        shift = float(np.sum(np.log(units.s)))
        return np.asarray(trace, dtype=float) + shift * event_rate
    return units.scores(trace, rule_name, None, None, dist.discrete)


def _with_threads(bin_mapper, n_threads):
    import copy

    bm = copy.copy(bin_mapper)
    bm.n_threads = n_threads
    return bm


def _worker_copy(est):
    """The estimator as the workers need it to check their rows (parameters and fitted set-up:
    feature names, categories, classes), without the client."""
    import copy

    out = copy.copy(est)
    out.__dict__ = {k: v for k, v in est.__dict__.items() if k != "client"}
    return out
