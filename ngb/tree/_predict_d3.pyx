"""Forest kernels for trees padded to depth 3 (the boosting default), on raw or binned rows.

Rows are processed in blocks of ``BLOCK``; per tree the 7 split comparisons are evaluated
branch-free for all rows of the block and the leaf picked with selects, a loop the compiler
vectorises.  Every output cell receives its trees in tree order (bit-identical to adding the
trees one at a time).  Packed arrays (see ``_predictor.PackedForest``), per tree ``t`` and padded
position ``0..6``: ``feat`` (n_trees, 7) the column of the block buffer, ``leaf`` (n_trees, 8)
the weighted leaf values, ``param`` (n_trees,) the output column.

* raw rows (float64): the block's used columns ``ufeat`` are transposed into ``Xl`` (NaN -> -inf)
  and ``Xr`` (NaN -> +inf, +inf -> max float), so every split is the single comparison ``x > thr``
  on the buffer of its NaN direction (``nan_right``; NaN-split thresholds +inf stored as max float).
* binned rows (uint8 codes): go right iff ``(code + add) & 255 > thu`` with ``add = 1, thu = bin + 1``
  for NaN-left nodes (code 255 wraps to 0: left), ``add = 0, thu = bin`` for NaN-right nodes and
  ``add = 0, thu = 255`` for padding nodes (always left); C-ordered rows are transposed per block,
  F-ordered ones read in place.
* categorical splits (``cat_idx[t, p] >= 0``: the row of ``cat_bits`` holding the node's 256-bit
  set) first write "goes right" (0 / 1) for the block's rows into a scratch row, which the split
  then compares with its threshold (0.5 on floats; ``add = 0, thu = 0`` on codes).
"""

from libc.math cimport INFINITY
from libc.stdint cimport int64_t, uint8_t, uint32_t
from libc.stdlib cimport free, malloc

from ._routing cimport MISSING_BIN, N_WORDS, bit_is_set, raw_category_bin

cdef enum:
    BLOCK = 256

cdef double FMAX = 1.7976931348623157e308


cdef inline void _tree_f(const double* x0, const double* x1, const double* x2, const double* x3, const double* x4,
                         const double* x5, const double* x6, const double* thr, const double* leaf, double* o,
                         int64_t nb) noexcept nogil:
    """Add one depth-3 tree to ``o[:nb]``: go right iff ``x > thr``.  (Written as 7 masks and
    single selects so that the compiler if-converts and vectorises the loop.)"""
    cdef double t0 = thr[0], t1 = thr[1], t2 = thr[2], t3 = thr[3], t4 = thr[4], t5 = thr[5], t6 = thr[6]
    cdef double l0 = leaf[0], l1 = leaf[1], l2 = leaf[2], l3 = leaf[3]
    cdef double l4 = leaf[4], l5 = leaf[5], l6 = leaf[6], l7 = leaf[7]
    cdef double v3, v4, v5, v6, lo, hi
    cdef bint c0, c1, c2, c3, c4, c5, c6
    cdef int64_t i
    for i in range(nb):
        c0 = x0[i] > t0
        c1 = x1[i] > t1
        c2 = x2[i] > t2
        c3 = x3[i] > t3
        c4 = x4[i] > t4
        c5 = x5[i] > t5
        c6 = x6[i] > t6
        v3 = l1 if c3 else l0
        v4 = l3 if c4 else l2
        v5 = l5 if c5 else l4
        v6 = l7 if c6 else l6
        lo = v4 if c1 else v3
        hi = v6 if c2 else v5
        o[i] += hi if c0 else lo


cdef inline void _tree_u8(const uint8_t* x0, const uint8_t* x1, const uint8_t* x2, const uint8_t* x3,
                          const uint8_t* x4, const uint8_t* x5, const uint8_t* x6, const int64_t* add,
                          const int64_t* thu, const double* leaf, double* o, int64_t nb) noexcept nogil:
    """Add one depth-3 tree to ``o[:nb]`` on bin codes: go right iff ``(code + add) & 255 > thu``
    (64-bit integer masks: the same lane width as the selected doubles, which vectorises)."""
    cdef int64_t a0 = add[0], a1 = add[1], a2 = add[2], a3 = add[3], a4 = add[4], a5 = add[5], a6 = add[6]
    cdef int64_t t0 = thu[0], t1 = thu[1], t2 = thu[2], t3 = thu[3], t4 = thu[4], t5 = thu[5], t6 = thu[6]
    cdef double l0 = leaf[0], l1 = leaf[1], l2 = leaf[2], l3 = leaf[3]
    cdef double l4 = leaf[4], l5 = leaf[5], l6 = leaf[6], l7 = leaf[7]
    cdef double v3, v4, v5, v6, lo, hi
    cdef bint c0, c1, c2, c3, c4, c5, c6
    cdef int64_t i
    for i in range(nb):
        c0 = ((x0[i] + a0) & 255) > t0
        c1 = ((x1[i] + a1) & 255) > t1
        c2 = ((x2[i] + a2) & 255) > t2
        c3 = ((x3[i] + a3) & 255) > t3
        c4 = ((x4[i] + a4) & 255) > t4
        c5 = ((x5[i] + a5) & 255) > t5
        c6 = ((x6[i] + a6) & 255) > t6
        v3 = l1 if c3 else l0
        v4 = l3 if c4 else l2
        v5 = l5 if c5 else l4
        v6 = l7 if c6 else l6
        lo = v4 if c1 else v3
        hi = v6 if c2 else v5
        o[i] += hi if c0 else lo


cdef inline void _load_out(const double* out, int64_t n_out, int64_t b0, int64_t nb, double* outT) noexcept nogil:
    cdef int64_t i, c
    for i in range(nb):
        for c in range(n_out):
            outT[c * BLOCK + i] = out[(b0 + i) * n_out + c]


cdef inline void _store_out(double* out, int64_t n_out, int64_t b0, int64_t nb, const double* outT) noexcept nogil:
    cdef int64_t i, c
    for i in range(nb):
        for c in range(n_out):
            out[(b0 + i) * n_out + c] = outT[c * BLOCK + i]


cdef inline void _load_raw(const double* X, int64_t p, const int64_t* ufeat, int64_t n_used, int64_t b0, int64_t nb,
                           double* Xl, double* Xr, uint8_t* Xc) noexcept nogil:
    """Transpose the block's used columns into Xl / Xr (and their category bins into Xc if given)."""
    cdef int64_t i, u
    cdef double x
    for i in range(nb):
        for u in range(n_used):
            x = X[(b0 + i) * p + ufeat[u]]
            if Xc != NULL:
                Xc[u * BLOCK + i] = <uint8_t>raw_category_bin(x)
            if x != x:
                Xl[u * BLOCK + i] = -INFINITY
                Xr[u * BLOCK + i] = INFINITY
            else:
                Xl[u * BLOCK + i] = x
                Xr[u * BLOCK + i] = FMAX if FMAX < x else x


cdef inline void _load_binned(const uint8_t* Xb, int64_t row_step, int64_t col_step, const int64_t* ufeat,
                              int64_t n_used, int64_t b0, int64_t nb, double* Xl, double* Xr) noexcept nogil:
    """The block's used columns of a binned matrix (element (i, f) at ``i * row_step + f * col_step``)
    as doubles: ``Xr`` the code (NaN code 255 above every bin), ``Xl`` the code with NaN at -inf."""
    cdef int64_t i, u
    cdef uint8_t v
    cdef const uint8_t* col
    if row_step == 1:  # column-ordered: read the columns in place
        for u in range(n_used):
            col = Xb + ufeat[u] * col_step + b0
            for i in range(nb):
                v = col[i]
                Xr[u * BLOCK + i] = v
                Xl[u * BLOCK + i] = -INFINITY if v == MISSING_BIN else v
    else:
        for i in range(nb):
            for u in range(n_used):
                v = Xb[(b0 + i) * row_step + ufeat[u] * col_step]
                Xr[u * BLOCK + i] = v
                Xl[u * BLOCK + i] = -INFINITY if v == MISSING_BIN else v


cdef inline void _binned_split(const int64_t* add, const int64_t* thu, const double* Xl, const double* Xr,
                               const int64_t* feat, const double** xs, double* thr) noexcept nogil:
    """The uint8 split test ``(code + add) & 255 > thu`` of one tree as the double test ``x > thr`` on
    the loaded codes: NaN-left nodes (add 1) compare Xl with the bin, NaN-right and padding nodes
    (add 0; thu = bin, or 255: never right) Xr with thu; categorical scratch rows (thu 0) are set by
    the caller."""
    cdef int64_t k
    for k in range(7):
        xs[k] = (Xl if add[k] else Xr) + feat[k] * BLOCK
        thr[k] = <double>(thu[k] - add[k])


def forest_d3(const double[:, ::1] X, const int64_t[::1] ufeat, const int64_t[:, ::1] feat, const double[:, ::1] thr,
              const uint8_t[:, ::1] nan_right, const double[:, ::1] leaf, const int64_t[::1] param, double[:, ::1] out,
              int64_t start, int64_t stop):
    """Add the depth-3 forest to rows ``start:stop`` of ``out`` (n, n_outputs) from raw ``X`` (n, p)."""
    cdef int64_t n_trees = feat.shape[0], n_used = ufeat.shape[0], n_out = out.shape[1], p = X.shape[1]
    cdef int64_t b0, nb, t, k
    cdef const double* xs[7]
    cdef double* Xl = <double*>malloc(n_used * BLOCK * sizeof(double))
    cdef double* Xr = <double*>malloc(n_used * BLOCK * sizeof(double))
    cdef double* outT = <double*>malloc(n_out * BLOCK * sizeof(double))
    try:
        if not (Xl and Xr and outT):
            raise MemoryError()
        with nogil:
            for b0 in range(start, stop, 256):  # BLOCK
                nb = min(<int64_t>BLOCK, stop - b0)
                _load_raw(&X[0, 0], p, &ufeat[0], n_used, b0, nb, Xl, Xr, NULL)
                _load_out(&out[0, 0], n_out, b0, nb, outT)
                for t in range(n_trees):
                    for k in range(7):
                        xs[k] = (Xr if nan_right[t, k] else Xl) + feat[t, k] * BLOCK
                    _tree_f(xs[0], xs[1], xs[2], xs[3], xs[4], xs[5], xs[6], &thr[t, 0], &leaf[t, 0],
                            outT + param[t] * BLOCK, nb)
                _store_out(&out[0, 0], n_out, b0, nb, outT)
    finally:
        free(Xl)
        free(Xr)
        free(outT)


def forest_d3_binned(const uint8_t[:, ::1] Xb, const int64_t[::1] ufeat, const int64_t[:, ::1] feat,
                     const int64_t[:, ::1] add, const int64_t[:, ::1] thu, const double[:, ::1] leaf,
                     const int64_t[::1] param, double[:, ::1] out, int64_t start, int64_t stop):
    """Depth-3 forest on a C-ordered binned matrix (the block's used columns loaded as doubles, then
    the float test of :func:`forest_d3`)."""
    _forest_binned(&Xb[0, 0], Xb.shape[1], 1, ufeat, feat, add, thu, leaf, param, out, start, stop)


def forest_d3_binned_f(const uint8_t[::1, :] XbF, const int64_t[::1] ufeat, const int64_t[:, ::1] feat_compact,
                       const int64_t[:, ::1] feat, const int64_t[:, ::1] add, const int64_t[:, ::1] thu,
                       const double[:, ::1] leaf, const int64_t[::1] param, double[:, ::1] out, int64_t start,
                       int64_t stop):
    """Depth-3 forest on an F-ordered binned matrix.  A few trees (one boosting iteration's) read
    their 7 columns in place with the uint8 test (``feat``: columns of ``XbF``); more trees than used
    columns load the columns as doubles first, as :func:`forest_d3_binned` (``feat_compact``)."""
    cdef int64_t n_trees = feat.shape[0], n_out = out.shape[1], n = XbF.shape[0]
    cdef int64_t b0, nb, t
    cdef const uint8_t* base = &XbF[0, 0]
    if n_trees > ufeat.shape[0]:
        _forest_binned(base, 1, n, ufeat, feat_compact, add, thu, leaf, param, out, start, stop)
        return
    cdef double* outT = <double*>malloc(n_out * BLOCK * sizeof(double))
    try:
        if not outT:
            raise MemoryError()
        with nogil:
            for b0 in range(start, stop, 256):  # BLOCK
                nb = min(<int64_t>BLOCK, stop - b0)
                _load_out(&out[0, 0], n_out, b0, nb, outT)
                for t in range(n_trees):
                    _tree_u8(base + feat[t, 0] * n + b0, base + feat[t, 1] * n + b0, base + feat[t, 2] * n + b0,
                             base + feat[t, 3] * n + b0, base + feat[t, 4] * n + b0, base + feat[t, 5] * n + b0,
                             base + feat[t, 6] * n + b0, &add[t, 0], &thu[t, 0], &leaf[t, 0], outT + param[t] * BLOCK,
                             nb)
                _store_out(&out[0, 0], n_out, b0, nb, outT)
    finally:
        free(outT)


cdef _forest_binned(const uint8_t* Xb, int64_t row_step, int64_t col_step, const int64_t[::1] ufeat,
                    const int64_t[:, ::1] feat, const int64_t[:, ::1] add, const int64_t[:, ::1] thu,
                    const double[:, ::1] leaf, const int64_t[::1] param, double[:, ::1] out, int64_t start,
                    int64_t stop):
    cdef int64_t n_trees = feat.shape[0], n_used = ufeat.shape[0], n_out = out.shape[1]
    cdef int64_t b0, nb, t
    cdef const double* xs[7]
    cdef double thr[7]
    cdef double* Xl = <double*>malloc(n_used * BLOCK * sizeof(double))
    cdef double* Xr = <double*>malloc(n_used * BLOCK * sizeof(double))
    cdef double* outT = <double*>malloc(n_out * BLOCK * sizeof(double))
    try:
        if not (Xl and Xr and outT):
            raise MemoryError()
        with nogil:
            for b0 in range(start, stop, 256):  # BLOCK
                nb = min(<int64_t>BLOCK, stop - b0)
                _load_binned(Xb, row_step, col_step, &ufeat[0], n_used, b0, nb, Xl, Xr)
                _load_out(&out[0, 0], n_out, b0, nb, outT)
                for t in range(n_trees):
                    _binned_split(&add[t, 0], &thu[t, 0], Xl, Xr, &feat[t, 0], xs, thr)
                    _tree_f(xs[0], xs[1], xs[2], xs[3], xs[4], xs[5], xs[6], thr, &leaf[t, 0],
                            outT + param[t] * BLOCK, nb)
                _store_out(&out[0, 0], n_out, b0, nb, outT)
    finally:
        free(Xl)
        free(Xr)
        free(outT)


# ------------------------------------------------------------------ with categorical splits
def forest_d3_cat(const double[:, ::1] X, const int64_t[::1] ufeat, const int64_t[:, ::1] feat,
                  const double[:, ::1] thr, const uint8_t[:, ::1] nan_right, const double[:, ::1] leaf,
                  const int64_t[::1] param, const int64_t[:, ::1] cat_idx, const uint32_t[:, ::1] cat_bits,
                  double[:, ::1] out, int64_t start, int64_t stop):
    """:func:`forest_d3` with categorical splits (raw codes: ``raw_category_bin``)."""
    cdef int64_t n_trees = feat.shape[0], n_used = ufeat.shape[0], n_out = out.shape[1], p = X.shape[1]
    cdef int64_t b0, nb, t, k, ci, i
    cdef const double* xs[7]
    cdef const uint8_t* src
    cdef const uint32_t* bits
    cdef double* Xl = <double*>malloc(n_used * BLOCK * sizeof(double))
    cdef double* Xr = <double*>malloc(n_used * BLOCK * sizeof(double))
    cdef uint8_t* Xc = <uint8_t*>malloc(n_used * BLOCK * sizeof(uint8_t))  # category bins
    cdef double* scr = <double*>malloc(7 * BLOCK * sizeof(double))
    cdef double* outT = <double*>malloc(n_out * BLOCK * sizeof(double))
    try:
        if not (Xl and Xr and Xc and scr and outT):
            raise MemoryError()
        with nogil:
            for b0 in range(start, stop, 256):  # BLOCK
                nb = min(<int64_t>BLOCK, stop - b0)
                _load_raw(&X[0, 0], p, &ufeat[0], n_used, b0, nb, Xl, Xr, Xc)
                _load_out(&out[0, 0], n_out, b0, nb, outT)
                for t in range(n_trees):
                    for k in range(7):
                        ci = cat_idx[t, k]
                        if ci >= 0:
                            src = Xc + feat[t, k] * BLOCK
                            bits = &cat_bits[ci, 0]
                            for i in range(nb):
                                scr[k * BLOCK + i] = 1.0 - bit_is_set(bits, src[i])
                            xs[k] = scr + k * BLOCK
                        else:
                            xs[k] = (Xr if nan_right[t, k] else Xl) + feat[t, k] * BLOCK
                    _tree_f(xs[0], xs[1], xs[2], xs[3], xs[4], xs[5], xs[6], &thr[t, 0], &leaf[t, 0],
                            outT + param[t] * BLOCK, nb)
                _store_out(&out[0, 0], n_out, b0, nb, outT)
    finally:
        free(Xl)
        free(Xr)
        free(Xc)
        free(scr)
        free(outT)


def forest_d3_binned_cat(const uint8_t[:, ::1] Xb, const int64_t[::1] ufeat, const int64_t[:, ::1] feat,
                         const int64_t[:, ::1] add, const int64_t[:, ::1] thu, const double[:, ::1] leaf,
                         const int64_t[::1] param, const int64_t[:, ::1] cat_idx, const uint32_t[:, ::1] cat_bits,
                         double[:, ::1] out, int64_t start, int64_t stop):
    """:func:`forest_d3_binned` with categorical splits."""
    cdef int64_t n_trees = feat.shape[0], n_used = ufeat.shape[0], n_out = out.shape[1], p = Xb.shape[1]
    cdef int64_t b0, nb, t, k, ci, i
    cdef const double* xs[7]
    cdef double thr[7]
    cdef const double* src
    cdef const uint32_t* bits
    cdef double* Xl = <double*>malloc(n_used * BLOCK * sizeof(double))
    cdef double* Xr = <double*>malloc(n_used * BLOCK * sizeof(double))
    cdef double* scr = <double*>malloc(7 * BLOCK * sizeof(double))
    cdef double* outT = <double*>malloc(n_out * BLOCK * sizeof(double))
    try:
        if not (Xl and Xr and scr and outT):
            raise MemoryError()
        with nogil:
            for b0 in range(start, stop, 256):  # BLOCK
                nb = min(<int64_t>BLOCK, stop - b0)
                _load_binned(&Xb[0, 0], p, 1, &ufeat[0], n_used, b0, nb, Xl, Xr)
                _load_out(&out[0, 0], n_out, b0, nb, outT)
                for t in range(n_trees):
                    _binned_split(&add[t, 0], &thu[t, 0], Xl, Xr, &feat[t, 0], xs, thr)
                    for k in range(7):
                        ci = cat_idx[t, k]
                        if ci >= 0:  # "goes right" 0 / 1, compared with thr 0
                            src = Xr + feat[t, k] * BLOCK
                            bits = &cat_bits[ci, 0]
                            for i in range(nb):
                                scr[k * BLOCK + i] = 1.0 - bit_is_set(bits, <int64_t>src[i])
                            xs[k] = scr + k * BLOCK
                    _tree_f(xs[0], xs[1], xs[2], xs[3], xs[4], xs[5], xs[6], thr, &leaf[t, 0],
                            outT + param[t] * BLOCK, nb)
                _store_out(&out[0, 0], n_out, b0, nb, outT)
    finally:
        free(Xl)
        free(Xr)
        free(scr)
        free(outT)
