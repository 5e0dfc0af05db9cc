# Bin codes and the split tests every kernel shares (inlined into each module that cimports them).
#
# A bin code is 0..254 for values and MISSING_BIN (255) for NaN; a categorical split sends the bins
# of its 256-bit set left (N_WORDS uint32 words, bit b of word b >> 5 for bin b).

from libc.math cimport floor
from libc.stdint cimport int64_t, uint8_t, uint32_t

cdef enum:
    MISSING_BIN = 255   # bin code of NaN, for every feature
    N_HIST_BINS = 256   # histogram slots per feature (codes 0..255)
    N_WORDS = 8         # uint32 words of a categorical split's bitset


cdef inline int64_t raw_category_bin(double x) noexcept nogil:
    """Bin of a raw categorical value: x when it is an integer in [0, 255), else MISSING_BIN."""
    if x >= 0.0 and x < 255.0 and x == floor(x):
        return <int64_t>x
    return MISSING_BIN


cdef inline int64_t bit_is_set(const uint32_t* bits, int64_t b) noexcept nogil:
    """1 if bin b (0..255) is in the bitset bits (N_WORDS words), else 0."""
    return (<int64_t>bits[b >> 5] >> (b & 31)) & 1


cdef inline int64_t go_left(int64_t b, int64_t bt, int64_t ml) noexcept nogil:
    """1 if bin code b goes left at threshold bin bt (the NaN bin: left iff ml), else 0."""
    return (<int64_t>((b <= bt) & (b != MISSING_BIN))) | (<int64_t>(b == MISSING_BIN) & ml)
