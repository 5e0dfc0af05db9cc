"""Per-node gradient histograms (numba kernels).

A node histogram has two parts, for used feature ``j`` and bin code ``b``
(bin 255 is the NaN bin):

* ``hist[j, b]`` complex128: real part ``sum(w * (y - mu))`` (``mu`` is the
  tree's centring constant), imaginary part ``sum(w)``.  Packing the two
  sums in one complex number lets LLVM update both with a single 16-byte
  vector add/store, which is the bottleneck of the kernel (the scatter-add is
  store bound; in a micro-benchmark one complex channel took ~1.5 ms per
  100k rows x 20 features against ~2.5 ms for three float64 channels).
* ``cnt[j, b]`` int32 row counts, only maintained for weighted fits
  (``has_w``).  Without weights ``w == 1`` so the count *is* the imaginary
  part (exact: integer-valued float sums), and ``cnt`` is not touched.
  ``count=False`` skips them for a weighted fit too, when the caller already
  has them (the root of a tree grown on every row: the counts of the whole
  binned matrix, the same for every tree of a fit).

Only the smaller child of a split is accumulated from its rows; the larger
sibling is ``parent - smaller`` (:func:`subtract_histograms`).
"""

from __future__ import annotations

from numba import njit

from ._binning import N_HIST_BINS


@njit(nogil=True, cache=True)
def build_histogram(Xb, y, mu, w, has_w, count, part, start, stop, feats, hist, cnt):
    """Accumulate rows ``part[start:stop]`` into ``hist`` / ``cnt`` (overwritten; ``cnt`` only
    when ``has_w and count``).

    ``Xb`` is the C-contiguous uint8 (n, p) binned matrix, ``feats`` the used
    feature columns (sorted).  Returns ``sum(w * (y - mu)**2)`` over the rows.

    Four rows are processed per step (more independent stores in flight,
    ~20% faster); each bin still receives its rows in ``part`` order, so the
    sums are identical to a row-by-row loop.
    """
    q = feats.shape[0]
    hist[:] = 0.0
    count = count and has_w
    if count:
        cnt[:] = 0
    # feats == arange(p) (sorted, unique): index the columns directly
    all_feats = q == Xb.shape[1]
    s2_tot = 0.0
    i = start
    while i + 3 < stop:
        r0 = part[i]
        r1 = part[i + 1]
        r2 = part[i + 2]
        r3 = part[i + 3]
        y0 = y[r0] - mu
        y1 = y[r1] - mu
        y2 = y[r2] - mu
        y3 = y[r3] - mu
        if has_w:
            w0 = w[r0]
            w1 = w[r1]
            w2 = w[r2]
            w3 = w[r3]
        else:
            w0 = w1 = w2 = w3 = 1.0
        g0 = complex(w0 * y0, w0)
        g1 = complex(w1 * y1, w1)
        g2 = complex(w2 * y2, w2)
        g3 = complex(w3 * y3, w3)
        s2_tot += w0 * y0 * y0
        s2_tot += w1 * y1 * y1
        s2_tot += w2 * y2 * y2
        s2_tot += w3 * y3 * y3
        if count and all_feats:
            for j in range(q):
                b0 = Xb[r0, j]
                b1 = Xb[r1, j]
                b2 = Xb[r2, j]
                b3 = Xb[r3, j]
                hist[j, b0] += g0
                cnt[j, b0] += 1
                hist[j, b1] += g1
                cnt[j, b1] += 1
                hist[j, b2] += g2
                cnt[j, b2] += 1
                hist[j, b3] += g3
                cnt[j, b3] += 1
        elif count:
            for j in range(q):
                f = feats[j]
                b0 = Xb[r0, f]
                b1 = Xb[r1, f]
                b2 = Xb[r2, f]
                b3 = Xb[r3, f]
                hist[j, b0] += g0
                cnt[j, b0] += 1
                hist[j, b1] += g1
                cnt[j, b1] += 1
                hist[j, b2] += g2
                cnt[j, b2] += 1
                hist[j, b3] += g3
                cnt[j, b3] += 1
        elif all_feats:
            for j in range(q):
                hist[j, Xb[r0, j]] += g0
                hist[j, Xb[r1, j]] += g1
                hist[j, Xb[r2, j]] += g2
                hist[j, Xb[r3, j]] += g3
        else:
            for j in range(q):
                f = feats[j]
                hist[j, Xb[r0, f]] += g0
                hist[j, Xb[r1, f]] += g1
                hist[j, Xb[r2, f]] += g2
                hist[j, Xb[r3, f]] += g3
        i += 4
    while i < stop:
        r0 = part[i]
        y0 = y[r0] - mu
        w0 = w[r0] if has_w else 1.0
        g0 = complex(w0 * y0, w0)
        s2_tot += w0 * y0 * y0
        for j in range(q):
            b0 = Xb[r0, feats[j]]
            hist[j, b0] += g0
            if count:
                cnt[j, b0] += 1
        i += 1
    return s2_tot


@njit(nogil=True, cache=True)
def subtract_histograms(parent, parent_cnt, child, child_cnt, has_w, out, out_cnt):
    """``out = parent - child``; bins with a zero count are set exactly to 0."""
    q = parent.shape[0]
    for j in range(q):
        for b in range(N_HIST_BINS):
            d = parent[j, b] - child[j, b]
            if has_w:
                c = parent_cnt[j, b] - child_cnt[j, b]
                out_cnt[j, b] = c
                empty = c == 0
            else:
                empty = d.imag == 0.0
            out[j, b] = 0.0 if empty else d
