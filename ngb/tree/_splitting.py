"""Best-split search on a node histogram (numba kernel).

Criterion: weighted squared-error reduction

    gain = G_L^2 / W_L + G_R^2 / W_R - G^2 / W,   G = sum(w*y), W = sum(w),

i.e. the decrease of the weighted sum of squared errors when the node mean is
replaced by the two child means.

Candidates of feature ``f`` (with ``nb = n_bins_non_missing[f]`` value bins):

* ``bin <= b`` left, ``b = 0 .. nb - 2``.  If the node has NaN rows for ``f``
  both "NaN left" and "NaN right" are tried (in that order).  If it has none,
  the split decides the route of NaN seen at predict time by the rule
  **"NaN goes to the child with the larger sum of weights (left on ties)"**.
* if the node has NaN rows: "all values left, NaN right" (``b = nb - 1``,
  whose raw threshold is +inf).

A candidate is valid when both children have ``count >= min_samples_leaf``,
``weight >= min_weight_leaf`` and ``weight > weight_eps`` (a tiny positive
guard against empty-weight children).  The best candidate is the first one
with the largest score in the order (feature ascending, bin ascending,
NaN-left before NaN-right), a later candidate winning only if it is larger by
a relative margin ``TIE_RTOL`` (1e-12): ties -- including ties blurred by
rounding -- go to the lowest feature and bin.
A node is split only if the best gain is ``> min_gain``.

Categorical features (``is_cat``; see ``_categorical``): the node's non-empty bins (the missing
bin included when the node has missing rows) sorted by mean target, left = each proper prefix of
that order, with the same validity rules, score and tie rule (the candidates of a feature are
compared in prefix order, features ascending as above).  The winning split's 256-bit set of left
bins is written to ``bits``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ._binning import MISSING_BIN
from ._categorical import categorical_bitset, categorical_order

TIE_RTOL = 1e-12
"""A candidate must beat the best score so far by this relative margin.

Different partitions with the same exact gain (common with few distinct
values) get scores that differ only by rounding; the margin makes the
documented tie-break (lowest feature, lowest bin) hold for them too."""


@njit(nogil=True, cache=True, inline="always")
def _score(gl, wl, cl, g, w, c, min_samples_leaf, min_weight_leaf, weight_eps):
    gr = g - gl
    wr = w - wl
    cr = c - cl
    if cl < min_samples_leaf or cr < min_samples_leaf:
        return -np.inf
    if wl < min_weight_leaf or wr < min_weight_leaf or wl <= weight_eps or wr <= weight_eps:
        return -np.inf
    return gl * gl / wl + gr * gr / wr


@njit(nogil=True, cache=True)
def find_best_split(hist, cnt, has_w, feats, n_bins_non_missing, is_cat, g, w, c, min_samples_leaf,
                    min_weight_leaf, weight_eps, min_gain, bits):
    """Best split of a node given its histogram and totals ``(g, w, c)``.

    ``hist``/``cnt`` as in ``_histogram`` (``cnt`` only read when ``has_w``).
    ``feats`` must be sorted ascending (it is the tie-break order).
    ``is_cat`` (p,) bool marks the categorical features (indexed by feature).

    Returns ``(j, bin, missing_go_left, gain, g_left, w_left, c_left)`` where
    ``j`` indexes ``feats``; ``j == -1`` means no valid split with
    ``gain > min_gain``.  When the best split is categorical, ``bin`` is 0 and
    its bitset of left bins is written to ``bits`` (8,) uint32 (untouched otherwise).
    """
    q = feats.shape[0]
    best_s = -1.0  # valid scores are >= 0
    best_j = -1
    best_b = 0
    best_mgl = False
    best_gl = 0.0
    best_wl = 0.0
    best_cl = 0.0
    for j in range(q):
        nb = n_bins_non_missing[feats[j]]
        if is_cat[feats[j]]:
            cj = cnt[j] if has_w else cnt[0]
            order = categorical_order(hist[j], cj, has_w, nb)
            gl = 0.0
            wl = 0.0
            cl = 0.0
            for i in range(order.shape[0] - 1):
                hb = hist[j, order[i]]
                gl += hb.real
                wl += hb.imag
                cl += float(cj[order[i]]) if has_w else hb.imag
                s = _score(gl, wl, cl, g, w, c, min_samples_leaf, min_weight_leaf, weight_eps)
                if s > best_s + TIE_RTOL * abs(best_s):
                    best_s, best_j, best_b, best_mgl = s, j, i + 1, False  # best_b: number of left bins
                    best_gl, best_wl, best_cl = gl, wl, cl
            continue
        hm = hist[j, MISSING_BIN]
        gm = hm.real
        wm = hm.imag
        cm = float(cnt[j, MISSING_BIN]) if has_w else wm
        gl = 0.0
        wl = 0.0
        cl = 0.0
        for b in range(nb - 1):
            hb = hist[j, b]
            cb = float(cnt[j, b]) if has_w else hb.imag
            if cb == 0.0:
                continue  # same partition as the previous bin: never better
            gl += hb.real
            wl += hb.imag
            cl += cb
            if cm > 0.0:
                s = _score(gl + gm, wl + wm, cl + cm, g, w, c, min_samples_leaf, min_weight_leaf, weight_eps)
                if s > best_s + TIE_RTOL * abs(best_s):
                    best_s, best_j, best_b, best_mgl = s, j, b, True
                    best_gl, best_wl, best_cl = gl + gm, wl + wm, cl + cm
                s = _score(gl, wl, cl, g, w, c, min_samples_leaf, min_weight_leaf, weight_eps)
                if s > best_s + TIE_RTOL * abs(best_s):
                    best_s, best_j, best_b, best_mgl = s, j, b, False
                    best_gl, best_wl, best_cl = gl, wl, cl
            else:
                s = _score(gl, wl, cl, g, w, c, min_samples_leaf, min_weight_leaf, weight_eps)
                if s > best_s + TIE_RTOL * abs(best_s):
                    best_s, best_j, best_b = s, j, b
                    best_mgl = wl >= w - wl
                    best_gl, best_wl, best_cl = gl, wl, cl
        if cm > 0.0:
            s = _score(g - gm, w - wm, c - cm, g, w, c, min_samples_leaf, min_weight_leaf, weight_eps)
            if s > best_s + TIE_RTOL * abs(best_s):
                best_s, best_j, best_b, best_mgl = s, j, nb - 1, False
                best_gl, best_wl, best_cl = g - gm, w - wm, c - cm
    if best_j < 0:
        return -1, 0, False, 0.0, 0.0, 0.0, 0.0
    gain = best_s - g * g / w
    if not gain > min_gain:
        return -1, 0, False, 0.0, 0.0, 0.0, 0.0
    fb = feats[best_j]
    if is_cat[fb]:
        cj = cnt[best_j] if has_w else cnt[0]
        best_mgl = categorical_bitset(hist[best_j], cj, has_w, n_bins_non_missing[fb], best_b,
                                      best_wl >= w - best_wl, bits)
        best_b = 0
    return best_j, best_b, best_mgl, gain, best_gl, best_wl, best_cl
