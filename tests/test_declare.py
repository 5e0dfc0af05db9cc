"""Families are declared: the base class derives constructor, bounds, params and target checks, and
refuses at class definition a family that names a rule it does not implement."""

import inspect

import numpy as np
import pytest

import ngb
from ngb.distributions import FAMILIES, Distribution, IDENTITY, LOG, Param
from ngb.survival import SURVIVAL_FAMILIES


def test_a_rule_without_its_methods_is_refused_at_class_definition():
    with pytest.raises(TypeError, match="_crps_metric"):
        class NoCrpsMetric(ngb.Normal):  # noqa: F841
            scores = ("log", "crps")
            _crps_metric = None
    with pytest.raises(TypeError, match="_d_logsf"):
        class NoCensoredGradient(ngb.Normal):  # noqa: F841
            censoring = ("log",)
    with pytest.raises(TypeError, match="censored crps extends it"):
        class CensoredCrpsWithoutCrps(ngb.Gamma):  # noqa: F841
            censoring = ("log", "crps")
            _crps_below = _d_crps_below = staticmethod(lambda t: t)


def test_declared_parameters_derive_the_constructor_and_state():
    class Shifted(Distribution):
        parameters = (Param("loc", IDENTITY, (-5.0, 5.0), default=0.0), Param("scale", LOG, (-3.0, 3.0)))
        constructor = ("scale", "loc")
        _log_score = _log_d_score = _log_metric = staticmethod(lambda *a: None)

    assert Shifted.param_names == ("loc", "log_scale")
    assert Shifted.bounds == ((-5.0, 5.0), (-3.0, 3.0))
    assert list(inspect.signature(Shifted).parameters) == ["scale", "loc"]
    d = Shifted(scale=[1.0, 20.0], loc=[4.0, 1.0])
    np.testing.assert_array_equal(d.theta, [[4.0, 0.0], [1.0, np.log(20.0)]])  # kept exactly
    np.testing.assert_allclose(d.scale, [1.0, 20.0], rtol=1e-15)
    # beyond the bounds (the exact range by default) a value is refused, not clipped
    with pytest.raises(ValueError, match=r"^Shifted: loc=9 is outside \[-5, 5\]"):
        Shifted(scale=[1.0, 100.0], loc=[9.0, 1.0])
    with pytest.raises(ValueError, match=r"^Shifted: scale=100 is outside \[0.0497871, 20.0855\]"):
        Shifted(scale=100.0)
    with pytest.raises(ValueError, match="^Shifted: loc contains NaN.$"):
        Shifted(loc=np.nan)
    assert list(d.params) == ["scale", "loc"]
    with pytest.raises(ValueError, match="^scale must be positive.$"):
        Shifted(scale=-1.0)
    with pytest.raises(ValueError, match="^scale and loc must be scalars or 1-D arrays.$"):
        Shifted(scale=np.ones((2, 2)))


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_every_family_declares_consistent_bounds(name):
    cls = FAMILIES[name]
    if cls.parameters:
        assert len(cls.param_names) == len(cls.bounds) == len(cls.parameters)
        assert all(lo < hi for lo, hi in cls.bounds)


def test_survival_families_are_derived_from_the_declarations():
    assert set(SURVIVAL_FAMILIES) == {n for n, c in FAMILIES.items() if "log" in c.censoring}
    assert set(SURVIVAL_FAMILIES) == {"lognormal", "weibull", "exponential", "gamma"}
