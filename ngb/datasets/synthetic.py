"""Synthetic data whose true conditional distribution is known.

Every generator returns ``(X, y, truth)``. ``truth`` is a dict with

- the true per-row parameters (e.g. ``"loc"`` and ``"scale"``), arrays of length ``n``
  (``"probs"`` is ``(n, n_classes)``);
- ``"dist"``: the frozen ``scipy.stats`` distribution of all rows (vectorised over rows);
- ``"nll"``: the true negative log-likelihood of each generated row, shape ``(n,)``, computed
  with ``scipy.stats`` (``-logpdf`` / ``-logpmf``);
- ``"nll_fn"``: a function ``y -> per-row NLL`` under the same true distributions (``y`` must have
  the ``n`` rows of ``X``; use it on fresh draws or transformed targets).

``truth["nll"].mean()`` is the floor of the mean NLL a model can reach on (X, y) in expectation: the
expected log score is minimised by the true conditional distribution.

All generators draw from ``numpy.random.default_rng(random_state)``: the same ``random_state`` gives
identical output, and a ``numpy.random.Generator`` may be passed to continue its stream.
"""

from __future__ import annotations

import numbers

import numpy as np
from scipy import special, stats

__all__ = [
    "make_categorical",
    "make_friedman1_heteroscedastic",
    "make_heteroscedastic_normal",
    "make_poisson_counts",
    "make_family",
    "FAMILY_PARAMETERS",
]


def _check(n, n_features, min_features):
    if not isinstance(n, numbers.Integral) or isinstance(n, bool) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    if not isinstance(n_features, numbers.Integral) or isinstance(n_features, bool) or n_features < min_features:
        raise ValueError(f"n_features must be an integer >= {min_features}, got {n_features!r}")
    return int(n), int(n_features)


def _normal_nll_fn(loc, scale):
    return lambda y: -stats.norm.logpdf(np.asarray(y, dtype=float), loc=loc, scale=scale)


def make_heteroscedastic_normal(n, n_features=20, random_state=None):
    """Normal target with nonlinear mean and nonlinear standard deviation.

    ``X`` is uniform on ``[-1, 1]^n_features`` (at least 5 features); only the first five matter:

    - ``loc = 2 sin(pi x0) + 1.5 x1^2 + x2 x3``
    - ``scale = exp(-1 + 0.8 cos(pi x1) + 0.6 x4)``, between about 0.09 and 1.49.

    Returns ``X`` (n, n_features), ``y`` (n,) and ``truth`` with ``loc``, ``scale``, ``dist``,
    ``nll``, ``nll_fn``.
    """
    n, d = _check(n, n_features, 5)
    rng = np.random.default_rng(random_state)
    X = rng.uniform(-1.0, 1.0, size=(n, d))
    x0, x1, x2, x3, x4 = X[:, :5].T
    loc = 2.0 * np.sin(np.pi * x0) + 1.5 * x1**2 + x2 * x3
    scale = np.exp(-1.0 + 0.8 * np.cos(np.pi * x1) + 0.6 * x4)
    y = loc + scale * rng.standard_normal(n)
    nll_fn = _normal_nll_fn(loc, scale)
    truth = {"loc": loc, "scale": scale, "dist": stats.norm(loc=loc, scale=scale), "nll": nll_fn(y), "nll_fn": nll_fn}
    return X, y, truth


def make_friedman1_heteroscedastic(n, n_features=10, random_state=None):
    """Friedman #1 mean with heteroscedastic Normal noise.

    ``X`` is uniform on ``[0, 1]^n_features`` (at least 6 features);

    - ``loc = 10 sin(pi x0 x1) + 20 (x2 - 0.5)^2 + 10 x3 + 5 x4``
    - ``scale = 0.5 + 2 x5``.

    Returns ``X`` (n, n_features), ``y`` (n,) and ``truth`` with ``loc``, ``scale``, ``dist``,
    ``nll``, ``nll_fn``.
    """
    n, d = _check(n, n_features, 6)
    rng = np.random.default_rng(random_state)
    X = rng.uniform(0.0, 1.0, size=(n, d))
    x0, x1, x2, x3, x4, x5 = X[:, :6].T
    loc = 10.0 * np.sin(np.pi * x0 * x1) + 20.0 * (x2 - 0.5) ** 2 + 10.0 * x3 + 5.0 * x4
    scale = 0.5 + 2.0 * x5
    y = loc + scale * rng.standard_normal(n)
    nll_fn = _normal_nll_fn(loc, scale)
    truth = {"loc": loc, "scale": scale, "dist": stats.norm(loc=loc, scale=scale), "nll": nll_fn(y), "nll_fn": nll_fn}
    return X, y, truth


def make_poisson_counts(n, n_features=20, random_state=None):
    """Poisson counts with a nonlinear log rate.

    ``X`` is uniform on ``[-1, 1]^n_features`` (at least 4 features);
    ``log mu = 0.5 + 0.8 sin(pi x0) + 0.6 x1 x2 + 0.5 x3^2``, so ``mu`` is between about 0.41
    and 11.

    Returns ``X`` (n, n_features), ``y`` (n,) int64 counts and ``truth`` with ``mu`` (the rate),
    ``dist``, ``nll``, ``nll_fn``.
    """
    n, d = _check(n, n_features, 4)
    rng = np.random.default_rng(random_state)
    X = rng.uniform(-1.0, 1.0, size=(n, d))
    x0, x1, x2, x3 = X[:, :4].T
    mu = np.exp(0.5 + 0.8 * np.sin(np.pi * x0) + 0.6 * x1 * x2 + 0.5 * x3**2)
    y = rng.poisson(mu).astype(np.int64)

    def nll_fn(y):
        return -stats.poisson.logpmf(np.asarray(y), mu)

    truth = {"mu": mu, "dist": stats.poisson(mu), "nll": nll_fn(y), "nll_fn": nll_fn}
    return X, y, truth


def make_categorical(n, n_features=20, n_classes=3, random_state=None):
    """Class labels drawn from the softmax of nonlinear logits.

    ``X`` is uniform on ``[-1, 1]^n_features`` (at least 4 features). With ``a_k = 2 pi k / K``,
    ``logit_k = 2 sin(pi x0 + a_k) + 1.5 x1 x2 cos(a_k) + x3^2 sin(2 a_k)``.

    Returns ``X`` (n, n_features), ``y`` (n,) int64 labels in ``0..n_classes-1`` and ``truth`` with
    ``logits`` and ``probs`` (n, n_classes), ``dist`` (``scipy.stats.multinomial`` with one trial:
    evaluate it on one-hot rows), ``nll`` and ``nll_fn`` (taking integer labels).
    """
    n, d = _check(n, n_features, 4)
    if not isinstance(n_classes, numbers.Integral) or isinstance(n_classes, bool) or n_classes < 2:
        raise ValueError(f"n_classes must be an integer >= 2, got {n_classes!r}")
    k = int(n_classes)
    rng = np.random.default_rng(random_state)
    X = rng.uniform(-1.0, 1.0, size=(n, d))
    x0, x1, x2, x3 = (X[:, j : j + 1] for j in range(4))
    a = 2.0 * np.pi * np.arange(k) / k
    logits = 2.0 * np.sin(np.pi * x0 + a) + 1.5 * x1 * x2 * np.cos(a) + x3**2 * np.sin(2.0 * a)
    probs = special.softmax(logits, axis=1)
    u = rng.uniform(size=(n, 1))
    y = np.minimum((np.cumsum(probs, axis=1) < u).sum(axis=1), k - 1).astype(np.int64)

    def nll_fn(y):
        y = np.asarray(y)
        if y.shape != (n,) or not np.all((y >= 0) & (y < k) & (y == np.round(y))):
            raise ValueError(f"y must be {n} integer labels in [0, {k})")
        onehot = np.zeros((n, k))
        onehot[np.arange(n), y.astype(np.int64)] = 1.0
        return -stats.multinomial.logpmf(onehot, 1, probs)

    truth = {
        "logits": logits,
        "probs": probs,
        "dist": stats.multinomial(1, probs),
        "nll": nll_fn(y),
        "nll_fn": nll_fn,
    }
    return X, y, truth


#: internal parameters of :func:`make_family` per family: (constant, coefficient of signal 1,
#: coefficient of signal 2) for each internal parameter, in the family's internal order
FAMILY_PARAMETERS = {
    "normal": ((0.0, 2.0, 0.0), (-0.5, 0.0, 0.6)),
    "poisson": ((0.5, 1.0, 0.0),),
    "exponential": ((0.0, 1.0, 0.3),),
    "halfnormal": ((0.0, 1.0, 0.3),),
    "laplace": ((0.0, 2.0, 0.0), (-0.5, 0.0, 0.6)),
    "logistic": ((0.0, 2.0, 0.0), (-0.5, 0.0, 0.6)),
    "gumbel": ((0.0, 2.0, 0.0), (-0.5, 0.0, 0.6)),
    "lognormal": ((0.0, 1.0, 0.0), (-0.7, 0.0, 0.6)),
    "t_fixed_df": ((0.0, 2.0, 0.0), (-0.5, 0.0, 0.6)),
    "cauchy": ((0.0, 2.0, 0.0), (-0.5, 0.0, 0.6)),
    "studentt": ((0.0, 2.0, 0.0), (-0.5, 0.0, 0.6), (-0.25, 0.0, 0.15)),  # df from about 2 to 6
    "weibull": ((0.4, 0.0, 0.3), (0.0, 1.0, 0.0)),
    "gamma": ((0.7, 0.0, 0.4), (-0.7, 1.0, 0.0)),
    "beta": ((0.5, 0.5, 0.0), (0.7, 0.0, 0.4)),
    "negative_binomial": ((1.0, 1.0, 0.0), (1.0, 0.0, 0.5)),
    "zero_inflated_poisson": ((1.0, 1.0, 0.0), (-1.0, 0.0, 1.0)),
    "zero_inflated_negative_binomial": ((1.0, 1.0, 0.0), (1.0, 0.0, 0.5), (-1.0, 0.0, 1.0)),
}


def make_family(name, n, n_features=20, random_state=None, censored=False):
    """Draws from the ngb family ``name`` whose internal parameters are linear in two nonlinear signals.

    ``X`` is uniform on ``[-1, 1]^n_features`` (at least 5 features); signal 1 is
    ``0.8 sin(pi x0) + 0.6 x1 x2``, signal 2 is ``x3^2 - 1/3 + 0.5 x4``, and internal parameter j
    is ``c0 + c1 signal1 + c2 signal2`` with the coefficients of ``FAMILY_PARAMETERS[name]``
    (e.g. the normal's loc and log scale, the negative binomial's log mu and log n). ``y`` is drawn
    from the family's own distribution (``Distribution.sample``).

    ``censored`` (positive families): right-censored survival targets (n, 2) [time, event], the
    censoring times independent of the event times given X, log C = signal 1 + 0.2 + N(0, 0.5^2)
    (about a third censored); the NLL is then the censored one, -log f(t) for events and -log S(t)
    for censored rows.

    Returns ``X`` (n, n_features), ``y`` (n,) (or (n, 2)) and ``truth`` with ``theta`` (n, k), the
    true per-row internal parameters, ``dist`` (the ngb distribution of all rows), ``nll`` (by the
    family's ``logpdf`` / ``logsf``, which the tests check against scipy.stats) and ``nll_fn``.
    """
    from .. import distributions

    n, d = _check(n, n_features, 5)
    cls = distributions.get_distribution(name)
    rng = np.random.default_rng(random_state)
    X = rng.uniform(-1.0, 1.0, size=(n, d))
    x0, x1, x2, x3, x4 = X[:, :5].T
    signal1 = 0.8 * np.sin(np.pi * x0) + 0.6 * x1 * x2
    signal2 = x3**2 - 1.0 / 3.0 + 0.5 * x4
    coef = np.asarray(FAMILY_PARAMETERS[name], dtype=float)
    theta = coef[:, 0] + np.outer(signal1, coef[:, 1]) + np.outer(signal2, coef[:, 2])
    dist = cls.from_internal(theta)
    y = dist.sample(random_state=rng)
    if cls.discrete:
        y = np.round(y)
    if not censored:
        def nll_fn(y):
            return -dist.logpdf(np.asarray(y, dtype=float))
    else:
        if not cls.supports_censoring():
            raise ValueError(f"{cls.__name__} has no censored log score")
        c = np.exp(signal1 + 0.2 + rng.normal(0.0, 0.5, n))
        y = np.column_stack([np.minimum(y, c), (y <= c).astype(float)])

        def nll_fn(y):
            y = np.asarray(y, dtype=float)
            return -np.where(y[:, 1] > 0, dist.logpdf(y[:, 0]), dist.logsf(y[:, 0]))
    truth = {"theta": theta, "dist": dist, "nll": nll_fn(y), "nll_fn": nll_fn}
    return X, y, truth
