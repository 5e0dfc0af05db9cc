"""Kernels turning raw float features into uint8 bin codes (see ``_binning``): quantile bins of
numeric features, category codes of categorical ones."""

from libc.stdint cimport int64_t, uint8_t

from ._routing cimport MISSING_BIN, N_HIST_BINS, N_WORDS, raw_category_bin

ROUTING_CONSTANTS = (MISSING_BIN, N_HIST_BINS, N_WORDS)
"""The C constants of ``_routing.pxd`` (MISSING_BIN, N_HIST_BINS, N_WORDS), for the test that the Python
ones (``_binning``, ``_categorical``) are the same."""


def map_to_bins(const double[:, ::1] X, const double[:, ::1] thresholds, uint8_t[:, ::1] out, int64_t start,
                int64_t stop):
    """Bin rows ``start:stop`` of ``X`` (n, p) into ``out`` (n, p) uint8.

    ``thresholds`` is the (p, 256) +inf-padded table: the code of ``x`` is the number of
    thresholds ``< x``, found by a branch-free binary search over the 256 entries (entry 255 is
    always +inf, so codes stay <= 254); NaN gets MISSING_BIN."""
    cdef int64_t p = X.shape[1]
    if stop <= start or p == 0:
        return
    with nogil:
        _map_to_bins(&X[0, 0], p, &thresholds[0, 0], &out[0, 0], start, stop)


cdef void _map_to_bins(const double* X, int64_t p, const double* thresholds, uint8_t* out, int64_t start,
                       int64_t stop) noexcept nogil:
    # branch-free over the features (NaN: every comparison false, then MISSING_BIN), so the compiler
    # can run the searches of several features at once (gathered loads)
    cdef int64_t i, f, pos
    cdef double x
    cdef const double* thr
    for i in range(start, stop):
        for f in range(p):
            x = X[i * p + f]
            thr = thresholds + f * N_HIST_BINS
            pos = 128 * (thr[127] < x)
            pos += 64 * (thr[pos + 63] < x)
            pos += 32 * (thr[pos + 31] < x)
            pos += 16 * (thr[pos + 15] < x)
            pos += 8 * (thr[pos + 7] < x)
            pos += 4 * (thr[pos + 3] < x)
            pos += 2 * (thr[pos + 1] < x)
            pos += thr[pos] < x
            out[i * p + f] = <uint8_t>(MISSING_BIN if x != x else pos)


def map_categorical(const double[:, ::1] X, const int64_t[::1] cols, const int64_t[::1] n_bins,
                    uint8_t[:, ::1] out, int64_t start, int64_t stop):
    """Bin codes of the categorical columns ``cols`` of rows ``start:stop`` of ``X`` into ``out``:
    the code when it is an integer in ``[0, n_bins[f])``, else MISSING_BIN."""
    cdef int64_t i, u, f, b, p = X.shape[1], n_cols = cols.shape[0]
    if stop <= start or n_cols == 0:
        return
    cdef const double* Xp = &X[0, 0]
    cdef const int64_t* cp = &cols[0]
    cdef const int64_t* nb = &n_bins[0]
    cdef uint8_t* op = &out[0, 0]
    with nogil:
        for i in range(start, stop):
            for u in range(n_cols):
                f = cp[u]
                b = raw_category_bin(Xp[i * p + f])
                op[i * p + f] = <uint8_t>(b if b < nb[f] else MISSING_BIN)
