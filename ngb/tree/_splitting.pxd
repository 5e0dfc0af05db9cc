from libc.stdint cimport int8_t, int32_t, int64_t, uint8_t, uint32_t

from ._histogram cimport hbin_t
from ._routing cimport N_WORDS

ctypedef struct split_t:
    # the best split of a node (find_best_split)
    int64_t j            # index into the used features (feats)
    int64_t bin          # threshold bin (numeric); 0 for a categorical split
    uint8_t missing_go_left
    double gain          # decrease of the weighted SSE
    double g_left        # sum of w * (y - mu) of the left child
    double w_left        # sum of weights of the left child
    double c_left        # rows of the left child
    uint32_t bits[N_WORDS]  # bins going left (categorical split; untouched otherwise)

cdef inline double clip_value(double v, double lower, double upper) noexcept nogil:
    """v clipped to [lower, upper] (a node's value within its bounds)."""
    if v < lower:
        return lower
    if v > upper:
        return upper
    return v

cdef bint find_best_split(const hbin_t* hist, const int32_t* cnt, bint has_w, const int64_t* feats, int64_t q,
                          const int64_t* n_bins_non_missing, const uint8_t* is_cat, double g, double w, double c,
                          int64_t min_samples_leaf, double min_weight_leaf, double weight_eps, double min_gain,
                          split_t* out) noexcept nogil

cdef bint find_best_split_bounded(const hbin_t* hist, const int32_t* cnt, bint has_w, const int64_t* feats, int64_t q,
                                  const int64_t* n_bins_non_missing, const uint8_t* is_cat, double g, double w,
                                  double c, int64_t min_samples_leaf, double min_weight_leaf, double weight_eps,
                                  double min_gain, double mu, double lower, double upper, const int8_t* cst,
                                  split_t* out) noexcept nogil
