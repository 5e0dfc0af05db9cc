"""The Student t's df-only terms as functions of the internal df coordinate d = log(nu / (1 + nu)):
their reference values and the table of interpolants that the compiled kernels evaluate.

Per row the log score and its natural gradient need three functions of nu alone (``studentt.py``):

- A(nu) = log Gamma((nu + 1) / 2) - log Gamma(nu / 2) - log(nu pi) / 2, the log density's constant;
- G(nu) = nu (1 + nu) [digamma(nu / 2) - digamma((nu + 1) / 2) + 1 / nu], the d-gradient's df part
  (times 2);
- I(nu) = nu^2 (1 + nu)^2 I_nu,nu, the metric's d entry.

All three are bounded and analytic in d on the family's df range, d in [D_LO, 0] (nu from e^-3 to
infinity): A from -2.23 to -log(2 pi) / 2, G from -0.98 to -1/2, I from 1.06 to 3.5. The table cuts
[D_LO, 0] into ``cells`` equal cells and holds, per cell and function, the Chebyshev coefficients
(first kind, ``degree``) of the interpolant at the cell's Chebyshev nodes. A row costs one cell
lookup and three Clenshaw sums instead of two log-gammas, two digammas and two trigammas.

The reference values come from asymptotic series in 1 / nu for nu >= 50 (``studentt``'s: Stirling's
series of the log-gamma ratio and the series of the digamma gap and of I_nu,nu), and below 50 from the
recurrences digamma(x) = digamma(x + 1) - 1 / x and trigamma(x) = trigamma(x + 1) + 1 / x^2 shifted
up to nu + 2m >= 50, with each difference of reciprocals formed without cancellation (A there is
``studentt._log_constant``, scipy's gammaln difference). They are within 4e-14 of 40-digit values, the table within 1e-13
(tested against mpmath)."""

from __future__ import annotations

import threading

import numpy as np
from numpy.polynomial import chebyshev

__all__ = ["D_LO", "LARGE_DF", "reference_terms", "df_table_coefficients"]

#: internal df coordinate at the family's smallest df, e^-3 (``StudentT``'s bounds); the table ends at d = 0
D_LO = float(-np.log1p(np.exp(3.0)))
LARGE_DF = 50.0  #: from here the reference is the series in 1 / nu


def _series_terms(inv):
    """(A, G, I) arrays by the series in inv = 1 / nu (accurate for nu >= LARGE_DF; inv = 0 is nu = inf)."""
    from .studentt import _B_SERIES, _J_SERIES, _log_constant_series  # (studentt imports the kernels)

    gap = np.zeros_like(inv)  # the digamma gap over inv^2
    for c in reversed(_B_SERIES):
        gap = gap * inv * inv + c
    fisher = np.zeros_like(inv)  # I_nu,nu over inv^4
    for c in reversed(_J_SERIES):
        fisher = fisher * inv + c
    return _log_constant_series(inv), (1 + inv) * gap, (1 + inv) ** 2 * fisher


def reference_terms(d):
    """(3, m) array of A, G, I (module docstring) at internal df coordinates d (m,), d <= 0."""
    from .studentt import _log_constant  # (studentt imports the kernels)

    inv = np.expm1(-np.asarray(d, float))
    terms = np.array(_series_terms(inv))
    low = inv > 1 / LARGE_DF
    nu = 1 / inv[low]
    shift = np.ceil((LARGE_DF - nu) / 2)  # nu + 2 shift in [50, 52)
    far = nu + 2 * shift
    _, g_far, i_far = _series_terms(1 / far)
    gap = g_far / (far * (1 + far)) - 1 / far + 1 / nu  # then minus the shifted digamma differences
    trigamma_gap = 4 * i_far / (far * (1 + far)) ** 2 + 2 * (far + 5) / (far * (far + 1) * (far + 3))
    for j in range(int(shift.max())):
        a = nu / 2 + j  # 1/a - 1/(a + 1/2) and 1/a^2 - 1/(a + 1/2)^2, both positive
        on = j < shift
        gap -= np.where(on, 0.5 / (a * (a + 0.5)), 0.0)
        trigamma_gap += np.where(on, 0.5 * (2 * a + 0.5) / (a * (a + 0.5)) ** 2, 0.0)
    fisher = 0.25 * trigamma_gap - (nu + 5) / (2 * nu * (nu + 1) * (nu + 3))
    terms[0, low] = _log_constant(nu)
    terms[1, low] = nu * (1 + nu) * gap
    terms[2, low] = (nu * (1 + nu)) ** 2 * fisher
    return terms


_LOCK = threading.Lock()
_TABLES = {}


def df_table_coefficients(layout):
    """Read-only (3, cells, degree + 1) array for ``layout`` = (cells, degree): for function f (A, G,
    I) and cell i (d in D_LO + [i, i + 1] |D_LO| / cells) the Chebyshev coefficients of f in the
    cell's local coordinate x = 2 (d - left) / width - 1. Built once per process (~1 ms)."""
    cells, degree = (int(v) for v in layout)
    with _LOCK:
        if layout not in _TABLES:
            nodes = np.cos(np.pi * (np.arange(degree + 1) + 0.5) / (degree + 1))
            d = D_LO * (1 - (np.arange(cells)[:, None] + (nodes + 1) / 2) / cells)
            values = reference_terms(d.ravel()).reshape(3, cells, degree + 1)
            inverse = np.linalg.inv(chebyshev.chebvander(nodes, degree))
            coef = np.ascontiguousarray(np.einsum("pa,fia->fip", inverse, values))
            coef.setflags(write=False)
            _TABLES[layout] = coef
        return _TABLES[layout]
