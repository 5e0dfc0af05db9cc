# The negative binomial kernels' C-level exports, for the zero-inflated NB's kernels.

cdef const double* size_table() except NULL
