"""The negative binomial's size information n^2 I_nn for a = mu / (n + mu) <= 0.8: the positive
series (the reference) and the table of its interpolants that the compiled kernels evaluate.

With t = 1 / (1 + n), n^2 I_nn = a^2 n t S(a, t) / 2, where S = 1 + (the series' later terms over its
first) is analytic on [0, 0.8] x [0, 1] (the series in a has radius 1 at every n; in t the terms are
rational with poles at t = -1/m, outside). Per cell of a grid of equal cells (``layout``: a cells,
t cells, degree), S is interpolated at the cell's tensor Chebyshev nodes (first kind) by a tensor
Chebyshev polynomial of that degree in each coordinate. The series costs ~56 terms a row at a = 0.5
(~120 ns); the table's 100 coefficients ~35 ns, at a relative error below 3e-13 (the quadrature
used above a = 0.8 is within ~1e-11), checked in the tests on random points of the whole box."""

from __future__ import annotations

import threading

import numpy as np
from numpy.polynomial import chebyshev

__all__ = ["size_fisher_series", "size_table_coefficients"]

A_MAX = 0.8  #: largest a of the series and of the table (the quadrature above)


def size_fisher_series(n, a):
    """n^2 I_nn (m,) by the positive series (term ratio a (m+1)^2 / ((n+m+1)(m+2)) < a), summed per
    row until, at m = 8, 16, .., a term is below 1e-17 of the sum; n, a (m,) with a <= A_MAX."""
    term = a * a * n / (2 * (n + 1))  # n^2 times the m = 1 term
    total = term.copy()
    active = np.arange(len(n))
    t, nn, aa = term, n, a
    for m in range(1, 2000):
        t = t * aa * (m + 1) ** 2 / ((nn + m + 1) * (m + 2))
        total[active] += t
        if m % 8 == 0:  # drop converged rows (the ratio to the next term is below a < 1 and falling)
            keep = t > 1e-17 * total[active]
            if not np.any(keep):
                break
            active, t, nn, aa = active[keep], t[keep], nn[keep], aa[keep]
    return total


def series_ratio(a, t):
    """S(a, t) (m,) of the module docstring by the series, a in (0, A_MAX], t in (0, 1)."""
    n = (1 - t) / t
    return size_fisher_series(n, a) / (a * a * n / (2 * (n + 1)))


_LOCK = threading.Lock()
_TABLES = {}


def size_table_coefficients(layout):
    """Read-only (a_cells, t_cells, degree + 1, degree + 1) array: for cell (i, j) (a in
    [i, i + 1] A_MAX / a_cells, t in [j, j + 1] / t_cells) the Chebyshev coefficients c[q, p] of S
    in the cell's local coordinates (t degree q, a degree p) for ``layout`` = (a_cells, t_cells,
    degree); built once per process (~50 ms)."""
    a_cells, t_cells, degree = (int(v) for v in layout)
    with _LOCK:
        if layout not in _TABLES:
            nodes = np.cos(np.pi * (np.arange(degree + 1) + 0.5) / (degree + 1))  # in [-1, 1]
            vander = chebyshev.chebvander(nodes, degree)  # (node, degree)
            i, j = np.meshgrid(np.arange(a_cells), np.arange(t_cells), indexing="ij")
            a = A_MAX * (i[:, :, None, None] + (nodes[None, None, :, None] + 1) / 2) / a_cells
            t = (j[:, :, None, None] + (nodes[None, None, None, :] + 1) / 2) / t_cells
            a, t = np.broadcast_arrays(a, t)  # (a cell, t cell, a node, t node)
            values = series_ratio(a.ravel(), t.ravel()).reshape(a.shape)
            # values[p_node, q_node] = sum_{p, q} c[q, p] T_p(node_p) T_q(node_q)
            inv = np.linalg.inv(vander)
            coef = np.einsum("pa,ijab,qb->ijqp", inv, values, inv)
            coef = np.ascontiguousarray(coef)
            coef.setflags(write=False)
            _TABLES[layout] = coef
        return _TABLES[layout]
