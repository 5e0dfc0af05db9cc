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
    cdef int64_t p = X.shape[1], i, f, pos, step
    cdef double x
    with nogil:
        for i in range(start, stop):
            for f in range(p):
                x = X[i, f]
                if x != x:
                    out[i, f] = MISSING_BIN
                    continue
                pos = 0
                step = 128
                while step > 0:
                    pos += step * (thresholds[f, pos + step - 1] < x)
                    step >>= 1
                out[i, f] = <uint8_t>pos


def map_categorical(const double[:, ::1] X, const int64_t[::1] cols, const int64_t[::1] n_bins,
                    uint8_t[:, ::1] out, int64_t start, int64_t stop):
    """Bin codes of the categorical columns ``cols`` of rows ``start:stop`` of ``X`` into ``out``:
    the code when it is an integer in ``[0, n_bins[f])``, else MISSING_BIN."""
    cdef int64_t i, u, f, b
    with nogil:
        for i in range(start, stop):
            for u in range(cols.shape[0]):
                f = cols[u]
                b = raw_category_bin(X[i, f])
                out[i, f] = <uint8_t>(b if b < n_bins[f] else MISSING_BIN)
