"""Property-based tests (hypothesis): random shapes, values, weights and families.

For every drawn case: fit then predict never crashes, never returns NaN, respects the family's
support, and quantiles are monotone in the level.
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ngb
from ngb.distributions import FAMILIES

UNIVARIATE = sorted(name for name, cls in FAMILIES.items() if not getattr(cls, "multi_output", False))

SUPPORT_CHECK = {
    "real": lambda v: np.all(np.isfinite(v)),
    "positive": lambda v: np.all(v >= 0),
    "count": lambda v: np.all(v >= 0) and np.all(v == np.round(v)),
    "unit": lambda v: np.all((v >= 0) & (v <= 1)),
    "class": lambda v: np.all(v >= 0) and np.all(v == np.round(v)),
}


def _target(name, support, base):
    """A target in the family's support, driven by the random base values."""
    if support == "real":
        return base
    if support == "positive":
        return np.exp(np.clip(base, -30, 30)) + 1e-12
    if support == "count":
        return np.floor(np.abs(base)) % 50
    if support == "unit":
        return np.clip(1 / (1 + np.exp(-np.clip(base, -30, 30))), 1e-6, 1 - 1e-6)
    # classes: at least two distinct labels
    n_classes = 2 if name == "bernoulli" else 3
    labels = (np.abs(base) * 3).astype(int) % n_classes
    labels[:2] = [0, 1]
    return labels


@st.composite
def problems(draw):
    name = draw(st.sampled_from(UNIVARIATE))
    n = draw(st.integers(2, 60))
    p = draw(st.integers(1, 5))
    seed = draw(st.integers(0, 2**31 - 1))
    scale = draw(st.sampled_from([1e-6, 1e-2, 1.0, 1e3, 1e6]))
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p)) * draw(st.sampled_from([1e-3, 1.0, 1e4]))
    if draw(st.booleans()):
        X[rng.random((n, p)) < 0.2] = np.nan
    base = rng.standard_t(3, size=n) * scale
    y = _target(name, FAMILIES[name].support, base)
    weights = None
    if draw(st.booleans()):
        weights = rng.uniform(0, 3, n)
        weights[0] = 1.0
    params = dict(
        n_estimators=draw(st.integers(1, 15)),
        learning_rate=draw(st.sampled_from([0.01, 0.1, 0.5, 1.0])),
        subsample=draw(st.sampled_from([0.5, 1.0])),
        colsample=draw(st.sampled_from([0.5, 1.0])),
        natural_gradient=draw(st.booleans()),
        random_state=seed,
    )
    score = draw(st.sampled_from(FAMILIES[name].scores))
    return name, X, y, weights, params, score


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_fit_predict_never_crashes_nor_returns_nan(problem):
    name, X, y, weights, params, score = problem
    cls = FAMILIES[name]
    Est = ngb.NGBClassifier if cls.support == "class" else ngb.NGBRegressor
    model = Est(dist=name, score=score, **params).fit(X, y, sample_weight=weights)
    d = model.predict_dist(X)
    assert len(d) == len(y)
    assert np.all(np.isfinite(d.theta))
    if not name.startswith(("cauchy", "student", "t_")):  # heavy tails: the mean may not exist (NaN is right)
        assert not np.any(np.isnan(d.mean()))
    levels = np.array([0.01, 0.1, 0.5, 0.9, 0.99])
    q = d.quantile(levels)
    assert not np.any(np.isnan(q))
    assert np.all(np.diff(q, axis=1) >= 0), "quantiles must be monotone in the level"
    assert SUPPORT_CHECK[cls.support](q)
    assert SUPPORT_CHECK[cls.support](d.sample(3, random_state=0))
    score_value = model.score(X, y)
    assert np.isfinite(score_value) or score_value == -np.inf
