"""One worker's share of a distributed fit: a Dask actor that holds the worker's partitions for the
whole fit (raw until the set-up, then binned), their parameters theta and the rule's state, and
answers the client's requests. Nothing here is sent back but sums, histograms and samples.

Life of a shard (``_train.py`` drives it):

1. ``__init__``: the partitions (``(index, X, y, w, offset)`` bundles, computed on this worker) and
   validation bundles; :meth:`stats` gives what the set-up needs globally (row counts, weight range,
   labels) and :meth:`sample` a bounded row sample for the set-up (bins, units, marginal);
2. :meth:`setup`: rows checked and converted as the estimator does (zero weights dropped, target in
   fitting units), X binned with the client's BinMapper, theta at the initial parameters; an
   :class:`~ngb._objective.Objective` on the rows, another on the validation rows;
3. per iteration: :meth:`direction` (natural gradient, the score and the trees' centring sums),
   :meth:`root_histograms`, :meth:`histograms` (apply the client's splits to the rows, build the
   histograms asked for), :meth:`finish` (last splits, each row's leaf, candidate steps scored),
   :meth:`score_candidates` (more candidates when the line search needs them), :meth:`apply` (the
   step, and the iteration's trees on the validation rows).
"""

from __future__ import annotations

import numpy as np

from .._backends import LeafStep, check_direction, predict_iteration
from .._engine import deltas_without
from .._fit_data import check_offset
from .._objective import FastRule, LINE_SEARCH_ROWS, Objective, positive_weight_sums, project_at_bounds
from ..tree import BinMapper  # noqa: F401  (unpickled from the client)
from ..tree import N_HIST_BINS, build_histogram_py
from ._rows import _cat, _event_sums, _go_left, _initial, _nrows, _rows, _weights, rule_sums

__all__ = ["Shard"]

_NO_CNT = np.zeros((1, 1), dtype=np.int32)


class Shard:
    """A worker's partitions of a distributed fit (see the module docstring)."""

    def __init__(self, bundles, val_bundles):
        self.raw = sorted(bundles, key=lambda b: b[0])  # in partition order
        self.raw_val = sorted(val_bundles, key=lambda b: b[0])

    # ------------------------------------------------------------------ set-up
    def stats(self, want_labels=False):
        """Per partition: (index, rows, rows with a positive weight, largest weight, smallest
        positive weight, distinct labels or None), and the same for the validation partitions."""
        def one(bundles):
            out = []
            for idx, X, y, w, off in bundles:
                n = _nrows(X)
                if _nrows(y) != n or (w is not None and _nrows(w) != n) or (off is not None and _nrows(off) != n):
                    raise ValueError(f"partition {idx}: X has {n} rows but y, sample_weight or offset have "
                                     f"{[None if a is None else _nrows(a) for a in (y, w, off)]}: the collections "
                                     "must be split into partitions of the same lengths.")
                w = _weights(w)
                pos = n if w is None else int(np.count_nonzero(w > 0))
                top = 0.0 if w is None or not w.size else float(w.max())
                low = 0.0 if w is None or not pos else float(w[w > 0].min())
                labels = None
                if want_labels:
                    yy = np.asarray(y)
                    yy = yy[:, 0] if yy.ndim == 2 and yy.shape[1] == 1 else yy
                    labels = np.unique(yy)  # (zero-weight rows included, as the estimator's classes_)
                out.append((idx, n, pos, top, low, labels))
            return out

        return one(self.raw), one(self.raw_val)

    def sample(self, counts, seed):
        """Raw rows sampled for the set-up: per partition ``counts[index]`` of its positive-weight
        rows (all when the count is at least their number) in row order, without replacement, seeded
        by ``seed + index``. Returns (index, X, y, w, offset) per partition."""
        out = []
        for idx, X, y, w, off in self.raw:
            w = _weights(w)
            keep = np.arange(_nrows(X)) if w is None else np.flatnonzero(w > 0)
            c = counts[idx]
            if c < keep.size:
                keep = np.sort(np.random.RandomState((seed + idx) % 2**32).choice(keep, c, replace=False))
            out.append((idx, _rows(X, keep), _rows(y, keep), _rows(w, keep), _rows(off, keep)))
        return out

    @staticmethod
    def _checked(est, dist, bundle, weight_scale, uniform, drop_zero):
        """One partition's rows checked and converted as the estimator's fit checks them: (X float64
        (n, p), y encoded for the family, w or None, offset or None); zero-weight rows dropped
        (``drop_zero``), weights scaled by 2**``weight_scale`` (None: not), None when ``uniform``."""
        from sklearn.utils.validation import _check_y

        idx, X, y, w, off = bundle
        X = est._validate_X(X, reset=False)
        if np.isinf(X).any():
            raise ValueError("Input X contains infinity or a value too large for dtype('float64').")
        y = _check_y(est._prepare_y(y), multi_output=est._two_column_y(dist), y_numeric=False, estimator=est)
        y = est._check_y(y, dist)
        w = _weights(w)
        off = check_offset(off, X.shape[0], dist)
        if w is not None:
            keep = w > 0
            if drop_zero and not keep.all():
                X, y, w = X[keep], y[keep], w[keep]
                off = None if off is None else off[keep]
            w = None if uniform else (w if weight_scale is None else np.ldexp(w, weight_scale))
        return X, y, w, off

    def setup(self, est, dist, rule_args, bin_mapper, units, theta0, weight_scale, uniform, val_weight_scale,
              val_uniform, split_plan, keep_raw=False):
        """Check, convert and bin the rows (partition by partition: the float rows of one partition at
        a time); returns the training rows per partition (in order) and, for a survival target, the
        (weighted event, weight) sums of the training and validation rows, and the (sum, count) of
        the positive training weights ((0.0, 0) unweighted). ``split_plan``:
        (fraction, seed) to hold out validation rows from each partition (early stopping without
        validation data), else the validation partitions given, if any."""
        from .._objective import make_rule

        rule = make_rule(*rule_args)
        self.k = theta0.shape[0]
        Xbs, ys, ws, offs, counts, val = [], [], [], [], [], []
        for bundle in self.raw:
            X, y, w, off = self._checked(est, dist, bundle, weight_scale, uniform, True)
            if split_plan is not None:  # each partition's own seeded split
                fraction, seed = split_plan
                is_val = np.zeros(X.shape[0], dtype=bool)
                rng = np.random.RandomState((seed + bundle[0]) % 2**32)
                is_val[rng.choice(X.shape[0], int(np.ceil(fraction * X.shape[0])), replace=False)] = True
                val.append(tuple(None if a is None else a[is_val] for a in (X, y, w, off)))
                X, y, w, off = (None if a is None else a[~is_val] for a in (X, y, w, off))
            Xbs.append(bin_mapper.transform(X))
            ys.append(y)
            ws.append(w)
            offs.append(off)
            counts.append((bundle[0], X.shape[0]))
            del X
        if split_plan is None:
            val = [self._checked(est, dist, b, val_weight_scale, val_uniform, False) for b in self.raw_val]
        if keep_raw:  # a second pass sets up from them again (``restore``)
            self._kept = (self.raw, self.raw_val)
        self.raw = self.raw_val = bundle = None  # the raw partitions are no longer needed
        self.Xb = _cat(Xbs)
        del Xbs
        self.XbF = np.asfortranarray(self.Xb)  # contiguous columns: the partition of a node's rows reads one
        y, w, off = _cat(ys), _cat(ws), _cat(offs)
        self.times = np.unique(y[:, 0]) if y.ndim == 2 else None  # survival: the observed times, original units
        events = None if y.ndim != 2 else _event_sums(y, w)
        if units is not None:
            y, off = units.to_fit(y), units.offset_to_fit(off)
        self.n = self.Xb.shape[0]
        self.objective = Objective(rule, _initial(theta0, self.n, off), y, w, n_rows=self.n, leaf_steps=True)
        self.objective.ls_idx = None  # the line search's sample is drawn over all workers' rows
        self.ls = self.validation = None
        val_events = None
        if val:
            vX, vy, vw, voff = (_cat([v[i] for v in val]) for i in range(4))
            val_events = None if vy.ndim != 2 else _event_sums(vy, vw)
            if units is not None:
                vy, voff = units.to_fit(vy), units.offset_to_fit(voff)
            self.X_val = np.ascontiguousarray(vX)
            self.validation = Objective(rule, _initial(theta0, vX.shape[0], voff), vy, vw)
        self.iteration = 0
        self.step = None
        self._val_pred = None  # an iteration's prediction on the validation rows, from gate_sums to apply
        return counts, events, val_events, positive_weight_sums(w)

    def fit_exponent(self, exponent):
        """Fit the learners with the training weights scaled by 2**``exponent``, the exponent of the
        mean weight over every shard's rows (``Objective.set_fit_exponent``)."""
        self.objective.set_fit_exponent(exponent)

    def restore(self):
        """The raw partitions kept by ``setup(keep_raw=True)`` back in place (for a second pass)."""
        self.raw, self.raw_val = self._kept
        self._kept = None
        self.Xb = self.XbF = self.objective = self.validation = self.X_val = None

    def unique_times(self):
        """The distinct observed times of the rows (a survival target; original units)."""
        return self.times

    def line_search_rows(self, starts, n_total):
        """The line search's evenly spaced sample over all ``n_total`` training rows (when there are
        more than 4 * LINE_SEARCH_ROWS, as ``Objective``): the rows of this shard among them, given
        the global position of each of its partitions' first row ``starts`` [(start, rows), ...]."""
        if n_total <= 4 * LINE_SEARCH_ROWS:
            self.ls = None
            return 0
        picks = np.linspace(0, n_total - 1, LINE_SEARCH_ROWS).round().astype(np.int64)
        local, offset = [], 0
        for start, rows in starts:
            sel = picks[(picks >= start) & (picks < start + rows)]
            local.append(sel - start + offset)
            offset += rows
        self.ls = np.concatenate(local) if local else np.empty(0, np.int64)
        return int(self.ls.size)

    def val_rows(self):
        return 0 if self.validation is None else self.validation.theta.shape[0]

    def sums(self, which="train"):
        obj = self.objective if which == "train" else self.validation
        if obj is None:
            return None
        return rule_sums(obj.rule, obj.theta, obj.y, obj.w, obj.aux)

    # ------------------------------------------------------------------ one iteration
    def direction(self):
        """The natural gradient at theta (kept here). Returns the score sums at theta and, per tree,
        the growers' centring sums (sum w g, sum w), one after the other as ``weighted_mean`` adds
        them, with the sample weights (``plain``) and, for metric-weighted fits, with the metric
        diagonal times them (``metric``), and whether this shard's diagonal column is one constant
        (``constant``: (first value, whether constant), None without rows): whether a tree is
        weighted by the metric is decided over all rows (``_objective._metric_weights``), by the
        client."""
        obj, rule = self.objective, self.objective.rule
        self.iteration += 1
        if isinstance(rule, FastRule) and rule.natgrad_kernel is not None:
            grad, sums, diag = rule.fast.natural_gradient_and_score(
                rule.bounds, obj.theta, obj.y, obj.w, obj.aux, n_threads=rule.n_threads, want_diag=rule.weighted,
                ex=obj.ex, ex_given=obj.ex is not None and obj.ex_valid, sums=True)
        else:
            grad, _, diag = rule.direction(obj.theta, obj.y, obj.w, obj.aux)
            sums = rule_sums(rule, obj.theta, obj.y, obj.w, obj.aux)
        project_at_bounds(grad, obj.theta, obj.bounds)  # (Objective.direction: no step past a bound)
        check_direction(grad, self.iteration)
        self.grad, self.diag = np.asfortranarray(grad), diag
        self.part = [np.arange(self.n, dtype=np.int64) for _ in range(self.k)]
        self.ranges = [{0: (0, self.n)} for _ in range(self.k)]
        out = dict(score=sums, plain=[self._centre(j, obj.fit_w) for j in range(self.k)], metric=None, constant=None)
        if diag is not None:
            out["metric"] = [self._centre(j, self._metric_weight(j)) for j in range(self.k)]
            out["constant"] = [(float(c[0]), bool(np.all(c == c[0]))) if c.size else None
                               for c in (diag[:, j] for j in range(self.k))]
        return out

    def _metric_weight(self, j):
        col, w = self.diag[:, j], self.objective.fit_w  # (the learners' weights)
        return col if w is None else col * w

    def _centre(self, j, wj):
        g = self.grad[:, j]
        if self.n == 0:
            return 0.0, 0.0
        if wj is None:  # the growers' weighted_mean: one row after the other
            return float(np.cumsum(g)[-1]), float(self.n)
        return float(np.cumsum(wj * g)[-1]), float(np.cumsum(wj)[-1])

    def _hist(self, j, nd, feats):
        q = feats.shape[0]
        hist = np.empty((q, N_HIST_BINS), dtype=np.complex128)
        wj = self.weight[j]
        has_w = wj is not None
        cnt = np.empty((q, N_HIST_BINS), dtype=np.int32) if has_w else _NO_CNT
        s, e = self.ranges[j][nd]
        y = self.grad[:, j]
        if e > s:
            s2 = build_histogram_py(self.Xb, y, self.mu[j], wj if has_w else y, has_w, has_w, self.part[j], s, e, feats,
                                    hist, cnt)
        else:
            hist[:] = 0
            if has_w:
                cnt[:] = 0
            s2 = 0.0
        return hist, (cnt if has_w else None), s2

    def root_histograms(self, trees, mu, feats, metric):
        """Root histograms of the trees ``trees`` over all rows, centred on ``mu`` (k,) (all trees),
        ``metric`` (k,) whether each tree is weighted by the metric diagonal; returns [(hist, cnt or
        None, s2)] in the order of ``trees``."""
        w = self.objective.fit_w
        self.weight = [self._metric_weight(j) if metric[j] else w for j in range(self.k)]
        self.diag = None
        self.mu = [float(m) for m in mu]
        self.feats = np.ascontiguousarray(feats, dtype=np.int64)
        return [self._hist(j, 0, self.feats) for j in trees]

    def _apply_splits(self, splits):
        """Partition the rows of every split node (stable, left first, as ``partition_rows``)."""
        for j, tree_splits in splits.items():
            part, ranges = self.part[j], self.ranges[j]
            for split in tree_splits:
                nd, f, lc = split[0], split[1], split[5]
                s, e = ranges.pop(nd)
                seg = part[s:e]
                left = _go_left(self.XbF[:, f][seg], split)
                nl = s + int(np.count_nonzero(left))
                part[s:e] = np.concatenate((seg[left], seg[~left]))
                ranges[lc] = (s, nl)
                ranges[lc + 1] = (nl, e)

    def histograms(self, splits, requests):
        """Apply ``splits`` {tree: [split, ...]}, then build the histograms ``requests`` {tree: [node,
        ...]}; returns {tree: [(hist, cnt or None), ...]}."""
        self._apply_splits(splits)
        return {j: [self._hist(j, nd, self.feats)[:2] for nd in nodes] for j, nodes in requests.items()}

    def finish(self, splits, new_ids, vals, candidates):
        """The iteration's last splits; each row's leaf (final ids ``new_ids`` per tree) and the step
        (leaf values ``vals`` (k, L)); returns the score sums at theta on the line search's rows
        (None when they are all rows: the direction's) and :meth:`score_candidates`."""
        self._apply_splits(splits)
        leaves = np.empty((self.k, self.n), dtype=np.int32)
        for j in range(self.k):
            part, ids = self.part[j], new_ids[j]
            for nd, (s, e) in self.ranges[j].items():
                leaves[j, part[s:e]] = ids[nd]
        self.part = self.ranges = self.grad = self.weight = self.diag = None
        self.step = LeafStep(leaves, np.ascontiguousarray(vals, dtype=np.float64))
        self._prepare_line_search()
        score0 = None if self.ls is None else self._score_at(None)
        return score0, self.score_candidates(candidates)

    def _prepare_line_search(self):
        """The line search's rows and the arrays it reads (``Objective.along``)."""
        obj, step = self.objective, self.step
        self.leaf_path = obj._leaf_path(step, None)
        if self.leaf_path:
            th, ex, leaves, y, w, aux = obj.theta, obj.ex, step.leaves, obj.y, obj.w, obj.aux
            if self.ls is not None:
                i = self.ls
                th, ex, leaves = th[i], ex[i], leaves[:, i]
                y, w, aux = y[i], None if w is None else w[i], None if aux is None else aux[i]
            self._ls_args = (th, ex, leaves, y, w, aux)
        else:
            values = step.dense()
            th, y, w, aux = obj.theta, obj.y, obj.w, obj.aux
            if self.ls is not None:
                i = self.ls
                th, values, y, w, aux = th[i], values[i], y[i], None if w is None else w[i], None if aux is None else aux[i]
            self._ls_args = (th, values, y, w, aux)

    def _score_at(self, s):
        """Score sums along the step scaled per parameter by ``s`` (k,) (None: at theta)."""
        rule = self.objective.rule
        if self._ls_args[0].shape[0] == 0:
            return 0.0, 0.0
        if self.leaf_path:
            th, ex, leaves, y, w, aux = self._ls_args
            vals = self.step.vals
            if s is None:
                return rule.fast.leaf_mean_score(rule.bounds, th, ex, leaves, vals, 0.0, y, w, aux,
                                                 n_threads=rule.n_threads, sums=True)
            return rule.fast.leaf_mean_score(rule.bounds, th, ex, leaves, vals * s[:, None], 1.0, y, w, aux,
                                             n_threads=rule.n_threads, sums=True)
        th, values, y, w, aux = self._ls_args
        return rule_sums(rule, th, y, w, aux, None if s is None else values * s)

    def score_candidates(self, candidates):
        """(m, 2) score sums at each candidate scaling (m, k) of the step."""
        out = np.empty((len(candidates), 2))
        for i, s in enumerate(candidates):
            out[i] = self._score_at(np.asarray(s, dtype=np.float64))
        return out

    def gate_sums(self, c, trees, cols, groups):
        """For early stopping's gate (``_engine.gate_groups``): the validation score sums at the step
        ``c`` (k,) times the trees' prediction and with each group of ``groups`` left out of it, and
        per group whether its step moves any of this shard's validation rows (None without them)."""
        if self.validation is None or self.validation.theta.shape[0] == 0:
            return None
        v = self.validation
        self._val_pred = predict_iteration(trees, cols, self.X_val)  # (apply's, this iteration)
        delta = self._val_pred * np.asarray(c, dtype=np.float64)
        sums = [rule_sums(v.rule, v.theta, v.y, v.w, v.aux, d) for d in (delta, *deltas_without(delta, groups))]
        return sums, [bool(np.any(delta[:, g])) for g in groups]

    def apply(self, c, trees, cols):
        """theta -= c * step (``c`` (k,) the learning rate times the scalings), and the trees'
        prediction on the validation rows; returns the validation score sums (or None)."""
        self.objective.apply(self.step, np.asarray(c, dtype=np.float64))
        self.step = self._ls_args = None
        if self.validation is None:
            return None
        pred, self._val_pred = self._val_pred, None
        self.validation.subtract((predict_iteration(trees, cols, self.X_val) if pred is None else pred) * c)
        return self.sums("val")
