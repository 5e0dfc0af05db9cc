# Inline helpers shared by the families' compiled score kernels (see fast.py).

cdef inline double clip(double v, double lo, double hi) noexcept nogil:
    """v clipped to [lo, hi] (NaN stays NaN)."""
    if v < lo:
        return lo
    if v > hi:
        return hi
    return v


cdef inline bint inside(double v, double lo, double hi) noexcept nogil:
    return lo <= v <= hi
