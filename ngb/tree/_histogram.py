"""Per-node gradient histograms (numba kernels).

A node histogram has two parts, for used feature ``j`` and bin code ``b``
(bin 255 is the NaN bin):

* ``hist[j, b]`` complex128: real part ``sum(w * (y - mu))`` (``mu`` is the
  tree's centring constant), imaginary part ``sum(w)``.  Packing the two
  sums in one complex number lets LLVM update both with a single 16-byte
  vector add/store, which is the bottleneck of the kernel (the scatter-add is
  store bound: ~0.85 ns per (row, feature) instead of ~1.3 ns for two
  separate float64 channels).
* ``cnt[j, b]`` int32 row counts, only maintained for weighted fits
  (``has_w``).  Without weights ``w == 1`` so the count *is* the imaginary
  part (exact: integer-valued float sums), and ``cnt`` is not touched.

Only the smaller child of a split is accumulated from its rows; the larger
sibling is ``parent - smaller`` (:func:`subtract_histograms`).
"""

from __future__ import annotations

from numba import njit

from ._binning import N_HIST_BINS


@njit(nogil=True, cache=True)
def build_histogram(Xb, y, mu, w, has_w, part, start, stop, feats, hist, cnt):
    """Accumulate rows ``part[start:stop]`` into ``hist`` / ``cnt`` (overwritten).

    ``Xb`` is the C-contiguous uint8 (n, p) binned matrix, ``feats`` the used
    feature columns.  Returns ``sum(w * (y - mu)**2)`` over the rows.
    """
    q = feats.shape[0]
    hist[:] = 0.0
    s2_tot = 0.0
    # feats == arange(p) (sorted, unique): index the columns directly
    all_feats = q == Xb.shape[1]
    if has_w:
        cnt[:] = 0
        for i in range(start, stop):
            r = part[i]
            wi = w[r]
            yi = y[r] - mu
            gi = wi * yi
            s2_tot += gi * yi
            gw = complex(gi, wi)
            if all_feats:
                for j in range(q):
                    b = Xb[r, j]
                    hist[j, b] += gw
                    cnt[j, b] += 1
            else:
                for j in range(q):
                    b = Xb[r, feats[j]]
                    hist[j, b] += gw
                    cnt[j, b] += 1
    else:
        for i in range(start, stop):
            r = part[i]
            yi = y[r] - mu
            s2_tot += yi * yi
            g1 = complex(yi, 1.0)
            if all_feats:
                for j in range(q):
                    b = Xb[r, j]
                    hist[j, b] += g1
            else:
                for j in range(q):
                    b = Xb[r, feats[j]]
                    hist[j, b] += g1
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
