from libc.stdint cimport int32_t, int64_t, uint8_t

ctypedef struct hbin_t:
    # one histogram slot: a complex128 (real: sum of w * (y - mu), imaginary: sum of w), its two
    # parts added as two independent double adds
    double g
    double w

cdef double build_histogram(const uint8_t* Xb, int64_t p, const double* y, double mu, const double* w, bint has_w,
                            bint count, const int64_t* part, int64_t start, int64_t stop, const int64_t* feats,
                            int64_t q, hbin_t* hist, int32_t* cnt) noexcept nogil

cdef void subtract_histograms(const hbin_t* parent, const int32_t* parent_cnt, const hbin_t* child,
                              const int32_t* child_cnt, bint has_w, int64_t q, hbin_t* out,
                              int32_t* out_cnt) noexcept nogil
