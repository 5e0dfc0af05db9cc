"""Per-node gradient histograms.

A node histogram has two parts, for used feature ``j`` and bin code ``b`` (bin 255 is the NaN bin):

* ``hist[j, b]`` complex128 (q, 256): real part ``sum(w * (y - mu))`` (``mu`` is the tree's centring
  constant), imaginary part ``sum(w)``; the kernels see it as pairs of doubles (``hbin_t``), the
  two sums updated by two adjacent double adds (one 16-byte vector add when the compiler pairs
  them; the scatter-add is store bound).
* ``cnt[j, b]`` int32 (q, 256) row counts, only maintained for weighted fits (``has_w``).  Without
  weights ``w == 1`` so the count *is* the imaginary part (exact: integer-valued float sums), and
  ``cnt`` is not touched.  ``count=False`` skips them for a weighted fit too, when the caller
  already has them (the root of a tree grown on every row).

Only the smaller child of a split is accumulated from its rows; the larger sibling is
``parent - smaller`` (:func:`subtract_histograms`).
"""

from libc.stdint cimport int32_t, int64_t, uint8_t
from libc.string cimport memset

from ._routing cimport N_HIST_BINS


cdef double build_histogram(const uint8_t* Xb, int64_t p, const double* y, double mu, const double* w, bint has_w,
                            bint count, const int64_t* part, int64_t start, int64_t stop, const int64_t* feats,
                            int64_t q, hbin_t* hist, int32_t* cnt) noexcept nogil:
    """Accumulate rows ``part[start:stop]`` of the C-ordered (n, p) binned matrix into ``hist`` /
    ``cnt`` (overwritten; ``cnt`` only when ``has_w and count``) for the used columns ``feats``
    (q, sorted).  Returns ``sum(w * (y - mu)**2)`` over the rows.

    Four rows per step (more independent stores in flight); each bin still receives its rows in
    ``part`` order, so the sums are those of a row-by-row loop."""
    cdef int64_t i, j, f, r0, r1, r2, r3
    cdef int64_t b0, b1, b2, b3
    cdef double y0, y1, y2, y3, w0, w1, w2, w3, s2_tot = 0.0
    cdef double g0, g1, g2, g3
    cdef const uint8_t* x0
    cdef const uint8_t* x1
    cdef const uint8_t* x2
    cdef const uint8_t* x3
    cdef hbin_t* h
    cdef int32_t* c
    cdef bint all_feats = q == p  # feats == arange(p) (sorted, unique): index the columns directly
    memset(hist, 0, q * N_HIST_BINS * sizeof(hbin_t))
    count = count and has_w
    if count:
        memset(cnt, 0, q * N_HIST_BINS * sizeof(int32_t))
    w0 = w1 = w2 = w3 = 1.0
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
        g0 = w0 * y0
        g1 = w1 * y1
        g2 = w2 * y2
        g3 = w3 * y3
        s2_tot += w0 * y0 * y0
        s2_tot += w1 * y1 * y1
        s2_tot += w2 * y2 * y2
        s2_tot += w3 * y3 * y3
        x0 = Xb + r0 * p
        x1 = Xb + r1 * p
        x2 = Xb + r2 * p
        x3 = Xb + r3 * p
        for j in range(q):
            f = j if all_feats else feats[j]
            b0 = x0[f]
            b1 = x1[f]
            b2 = x2[f]
            b3 = x3[f]
            h = hist + j * N_HIST_BINS
            h[b0].g += g0
            h[b0].w += w0
            h[b1].g += g1
            h[b1].w += w1
            h[b2].g += g2
            h[b2].w += w2
            h[b3].g += g3
            h[b3].w += w3
            if count:
                c = cnt + j * N_HIST_BINS
                c[b0] += 1
                c[b1] += 1
                c[b2] += 1
                c[b3] += 1
        i += 4
    while i < stop:
        r0 = part[i]
        y0 = y[r0] - mu
        if has_w:
            w0 = w[r0]
        g0 = w0 * y0
        s2_tot += w0 * y0 * y0
        x0 = Xb + r0 * p
        for j in range(q):
            b0 = x0[feats[j]]
            h = hist + j * N_HIST_BINS
            h[b0].g += g0
            h[b0].w += w0
            if count:
                cnt[j * N_HIST_BINS + b0] += 1
        i += 1
    return s2_tot


cdef void subtract_histograms(const hbin_t* parent, const int32_t* parent_cnt, const hbin_t* child,
                              const int32_t* child_cnt, bint has_w, int64_t q, hbin_t* out,
                              int32_t* out_cnt) noexcept nogil:
    """``out = parent - child`` (q, 256); bins with a zero count are set exactly to 0.  (One loop per
    case, the zeroing as selects: branch-free, vectorised; most bins of a small node are empty.)"""
    cdef int64_t k, n = q * N_HIST_BINS
    cdef double dg, dw, d
    cdef bint empty
    cdef const double* pd = <const double*>parent
    cdef const double* cd = <const double*>child
    cdef double* od = <double*>out
    if has_w:
        for k in range(n):
            out_cnt[k] = parent_cnt[k] - child_cnt[k]
        for k in range(2 * n):  # as doubles (g, w, g, ...): the compiler vectorises the selects
            empty = out_cnt[k >> 1] == 0
            d = pd[k] - cd[k]
            od[k] = 0.0 if empty else d
    else:
        for k in range(n):
            dg = parent[k].g - child[k].g
            dw = parent[k].w - child[k].w
            empty = dw == 0.0
            out[k].g = 0.0 if empty else dg
            out[k].w = 0.0 if empty else dw


# ------------------------------------------------------------------ Python entry points (tests, benchmarks)
def build_histogram_py(const uint8_t[:, ::1] Xb, const double[::1] y, double mu, const double[::1] w, bint has_w,
                       bint count, const int64_t[::1] part, int64_t start, int64_t stop, const int64_t[::1] feats,
                       double complex[:, ::1] hist, int32_t[:, ::1] cnt):
    """:c:func:`build_histogram` on arrays: ``hist`` (q, 256) complex128, ``cnt`` (q, 256) int32
    (any shape when not counted). Returns the sum of w * (y - mu)**2."""
    cdef double s2
    cdef const double* wp = &w[0] if has_w else NULL
    cdef int32_t* cp = &cnt[0, 0] if (count and has_w) else NULL
    with nogil:
        s2 = build_histogram(&Xb[0, 0], Xb.shape[1], &y[0], mu, wp, has_w, count, &part[0], start, stop,
                             &feats[0], feats.shape[0], <hbin_t*>&hist[0, 0], cp)
    return s2
