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

from ._routing cimport N_WORDS, bit_is_set, raw_category_bin

cdef enum:
    BLOCK = 256

cdef double FMAX = 1.7976931348623157e308


cdef inline void _tree_f(const double* x0, const double* x1, const double* x2, const double* x3, const double* x4,
                         const double* x5, const double* x6, const double* thr, const double* leaf, double* o,
                         int64_t nb) noexcept nogil:
    """Add one depth-3 tree to ``o[:nb]``: go right iff ``x > thr``."""
    cdef double t0 = thr[0], t1 = thr[1], t2 = thr[2], t3 = thr[3], t4 = thr[4], t5 = thr[5], t6 = thr[6]
    cdef double l0 = leaf[0], l1 = leaf[1], l2 = leaf[2], l3 = leaf[3]
    cdef double l4 = leaf[4], l5 = leaf[5], l6 = leaf[6], l7 = leaf[7]
    cdef double lo, hi
    cdef int64_t i
    for i in range(nb):
        lo = (l3 if x4[i] > t4 else l2) if x1[i] > t1 else (l1 if x3[i] > t3 else l0)
        hi = (l7 if x6[i] > t6 else l6) if x2[i] > t2 else (l5 if x5[i] > t5 else l4)
        o[i] += hi if x0[i] > t0 else lo


cdef inline void _tree_u8(const uint8_t* x0, const uint8_t* x1, const uint8_t* x2, const uint8_t* x3,
                          const uint8_t* x4, const uint8_t* x5, const uint8_t* x6, const int64_t* add,
                          const int64_t* thu, const double* leaf, double* o, int64_t nb) noexcept nogil:
    """Add one depth-3 tree to ``o[:nb]`` on bin codes: go right iff ``(code + add) & 255 > thu``."""
    cdef uint8_t a0 = <uint8_t>add[0], a1 = <uint8_t>add[1], a2 = <uint8_t>add[2], a3 = <uint8_t>add[3]
    cdef uint8_t a4 = <uint8_t>add[4], a5 = <uint8_t>add[5], a6 = <uint8_t>add[6]
    cdef uint8_t t0 = <uint8_t>thu[0], t1 = <uint8_t>thu[1], t2 = <uint8_t>thu[2], t3 = <uint8_t>thu[3]
    cdef uint8_t t4 = <uint8_t>thu[4], t5 = <uint8_t>thu[5], t6 = <uint8_t>thu[6]
    cdef double l0 = leaf[0], l1 = leaf[1], l2 = leaf[2], l3 = leaf[3]
    cdef double l4 = leaf[4], l5 = leaf[5], l6 = leaf[6], l7 = leaf[7]
    cdef double lo, hi
    cdef int64_t i
    for i in range(nb):
        lo = ((l3 if <uint8_t>(x4[i] + a4) > t4 else l2) if <uint8_t>(x1[i] + a1) > t1
              else (l1 if <uint8_t>(x3[i] + a3) > t3 else l0))
        hi = ((l7 if <uint8_t>(x6[i] + a6) > t6 else l6) if <uint8_t>(x2[i] + a2) > t2
              else (l5 if <uint8_t>(x5[i] + a5) > t5 else l4))
        o[i] += hi if <uint8_t>(x0[i] + a0) > t0 else lo


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


cdef inline void _load_binned(const uint8_t* Xb, int64_t p, const int64_t* ufeat, int64_t n_used, int64_t b0,
                              int64_t nb, uint8_t* Xt) noexcept nogil:
    cdef int64_t i, u
    for i in range(nb):
        for u in range(n_used):
            Xt[u * BLOCK + i] = Xb[(b0 + i) * p + ufeat[u]]


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
    """Depth-3 forest on a C-ordered binned matrix (block transposition of the used columns)."""
    cdef int64_t n_trees = feat.shape[0], n_used = ufeat.shape[0], n_out = out.shape[1], p = Xb.shape[1]
    cdef int64_t b0, nb, t
    cdef uint8_t* Xt = <uint8_t*>malloc(n_used * BLOCK * sizeof(uint8_t))
    cdef double* outT = <double*>malloc(n_out * BLOCK * sizeof(double))
    try:
        if not (Xt and outT):
            raise MemoryError()
        with nogil:
            for b0 in range(start, stop, 256):  # BLOCK
                nb = min(<int64_t>BLOCK, stop - b0)
                _load_binned(&Xb[0, 0], p, &ufeat[0], n_used, b0, nb, Xt)
                _load_out(&out[0, 0], n_out, b0, nb, outT)
                for t in range(n_trees):
                    _tree_u8(Xt + feat[t, 0] * BLOCK, Xt + feat[t, 1] * BLOCK, Xt + feat[t, 2] * BLOCK,
                             Xt + feat[t, 3] * BLOCK, Xt + feat[t, 4] * BLOCK, Xt + feat[t, 5] * BLOCK,
                             Xt + feat[t, 6] * BLOCK, &add[t, 0], &thu[t, 0], &leaf[t, 0], outT + param[t] * BLOCK, nb)
                _store_out(&out[0, 0], n_out, b0, nb, outT)
    finally:
        free(Xt)
        free(outT)


def forest_d3_binned_f(const uint8_t[::1, :] XbF, const int64_t[:, ::1] feat, const int64_t[:, ::1] add,
                       const int64_t[:, ::1] thu, const double[:, ::1] leaf, const int64_t[::1] param,
                       double[:, ::1] out, int64_t start, int64_t stop):
    """Depth-3 forest on an F-ordered binned matrix (columns read in place; ``feat`` holds columns of
    ``XbF``)."""
    cdef int64_t n_trees = feat.shape[0], n_out = out.shape[1], n = XbF.shape[0]
    cdef int64_t b0, nb, t
    cdef const uint8_t* base = &XbF[0, 0]
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
    cdef const uint8_t* xs[7]
    cdef const uint8_t* src
    cdef const uint32_t* bits
    cdef uint8_t* Xt = <uint8_t*>malloc(n_used * BLOCK * sizeof(uint8_t))
    cdef uint8_t* scr = <uint8_t*>malloc(7 * BLOCK * sizeof(uint8_t))
    cdef double* outT = <double*>malloc(n_out * BLOCK * sizeof(double))
    try:
        if not (Xt and scr and outT):
            raise MemoryError()
        with nogil:
            for b0 in range(start, stop, 256):  # BLOCK
                nb = min(<int64_t>BLOCK, stop - b0)
                _load_binned(&Xb[0, 0], p, &ufeat[0], n_used, b0, nb, Xt)
                _load_out(&out[0, 0], n_out, b0, nb, outT)
                for t in range(n_trees):
                    for k in range(7):
                        ci = cat_idx[t, k]
                        src = Xt + feat[t, k] * BLOCK
                        if ci >= 0:
                            bits = &cat_bits[ci, 0]
                            for i in range(nb):
                                scr[k * BLOCK + i] = <uint8_t>(1 - bit_is_set(bits, src[i]))
                            xs[k] = scr + k * BLOCK
                        else:
                            xs[k] = src
                    _tree_u8(xs[0], xs[1], xs[2], xs[3], xs[4], xs[5], xs[6], &add[t, 0], &thu[t, 0], &leaf[t, 0],
                             outT + param[t] * BLOCK, nb)
                _store_out(&out[0, 0], n_out, b0, nb, outT)
    finally:
        free(Xt)
        free(scr)
        free(outT)
