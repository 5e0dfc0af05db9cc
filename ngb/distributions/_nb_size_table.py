"""The negative binomial's size information n^2 I_nn for a = mu / (n + mu) <= 0.999: the positive
series (the reference for a <= 0.8) and the table of interpolants that the compiled kernels evaluate.

With t = 1 / (1 + n), n^2 I_nn = a^2 n t S / 2, where S = 1 + (the series' later terms over its
first). S is analytic in (a, t) on [0, 0.8] x [0, 1] (the series in a has radius 1 at every n; in t
the terms are rational with poles at t = -1/m, outside), and in (u, t) with u = log(0.2 / (1 - a))
on [0, log 200] x [0, 1], a in [0.8, 0.999] (towards a = 1, S grows like log(1 / (1 - a)) for small
n: smooth in u). Each segment is a grid of equal cells (``layout``: cells in a or u, cells in t,
degree); per cell S is interpolated at the cell's tensor Chebyshev nodes (first kind) by a tensor
Chebyshev polynomial of that degree in each coordinate, through the series (a <= 0.8) or the
trapezoidal rule with half the kernels' step and a 1e-16 left cut (above; within 5e-14 of a
40,000-term series). A row costs ~35 ns against ~120 ns for the series at a = 0.5 and ~2.5 us for
the quadrature; the relative error is below 3e-13 (against the series summed to the end, in the
tests), where the quadrature that the kernels keep above a = 0.999 is within ~1e-11. The segments'
bounds (0.8, 0.999) are literals of ``_nb.pxd``'s ``size_fisher`` too."""

from __future__ import annotations

import threading

import numpy as np
from numpy.polynomial import chebyshev

__all__ = ["size_fisher_series", "size_table_coefficients", "A_MAX", "U_MAX"]

A_MAX = 0.8  #: largest a of the series and of the table's first segment


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


U_MAX = float(np.log(200.0))  #: u = log(0.2 / (1 - a)) at a = 0.999, where the table ends


def quadrature_ratio(u, t):
    """S (m,) of the module docstring at a = 1 - 0.2 e^-u by the refined trapezoidal rule."""
    from .negbinomial import _size_fisher_quadrature

    n, p = (1 - t) / t, 0.2 * np.exp(-u)
    a = 1 - p
    return _size_fisher_quadrature(n, a, p, refine=2, cut=2e-16) / (a * a * n / (2 * (n + 1)))


_LOCK = threading.Lock()
_TABLES = {}


def _segment(ratio, x_max, cells, t_cells, degree):
    """(cells, t_cells, degree + 1, degree + 1) coefficients c[q, p] of ``ratio(x, t)`` per cell of
    [0, x_max] x [0, 1] (x the segment's first coordinate, a or u)."""
    nodes = np.cos(np.pi * (np.arange(degree + 1) + 0.5) / (degree + 1))  # in [-1, 1]
    i, j = np.meshgrid(np.arange(cells), np.arange(t_cells), indexing="ij")
    x = x_max * (i[:, :, None, None] + (nodes[None, None, :, None] + 1) / 2) / cells
    t = (j[:, :, None, None] + (nodes[None, None, None, :] + 1) / 2) / t_cells
    x, t = np.broadcast_arrays(x, t)  # (x cell, t cell, x node, t node)
    values = ratio(x.ravel(), t.ravel()).reshape(x.shape)
    # values[x_node, t_node] = sum_{p, q} c[q, p] T_p(x_node) T_q(t_node)
    inv = np.linalg.inv(chebyshev.chebvander(nodes, degree))
    return np.einsum("pa,ijab,qb->ijqp", inv, values, inv)


def size_table_coefficients(layout):
    """Read-only (2 cells, t_cells, degree + 1, degree + 1) array for ``layout`` = (cells, t_cells,
    degree): the first ``cells`` rows the cells of a in [i, i + 1] A_MAX / cells, the next those of
    u in [i, i + 1] U_MAX / cells; per cell (., j) (t in [j, j + 1] / t_cells) the Chebyshev
    coefficients c[q, p] of S in the cell's local coordinates (t degree q, a or u degree p). Built
    once per process (~0.25 s)."""
    cells, t_cells, degree = (int(v) for v in layout)
    with _LOCK:
        if layout not in _TABLES:
            coef = np.concatenate([_segment(series_ratio, A_MAX, cells, t_cells, degree),
                                   _segment(quadrature_ratio, U_MAX, cells, t_cells, degree)])
            coef = np.ascontiguousarray(coef)
            coef.setflags(write=False)
            _TABLES[layout] = coef
        return _TABLES[layout]
