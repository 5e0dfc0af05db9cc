"""What a family declares, and what :class:`~ngb.distributions.Distribution` derives from it.

A family states its parameters (:class:`Param`: user-facing name, :class:`Link` to the internal
coordinate, internal bounds, constructor default), the kind of target it models (``support``), the
scoring rules it implements (``scores``) and those it supports under right censoring
(``censoring``). From that the base class derives ``param_names``, ``bounds``, the constructor
(with its argument checks), ``_set_internal``, ``params`` and ``check_y``, and checks at class
definition that every rule named has its methods (:func:`check_rules`).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Callable

import numpy as np

__all__ = ["Link", "Param", "IDENTITY", "LOG", "check_rules", "check_exact_range", "make_init", "check_target",
           "SUPPORTS"]


@dataclass(frozen=True)
class Link:
    """Map between a user-facing value and its internal (unconstrained) coordinate.

    ``prefix`` names the internal coordinate (``"log_"`` + ``"scale"``); ``positive`` says the
    user-facing value must be > 0."""

    prefix: str
    to_internal: Callable
    from_internal: Callable
    positive: bool = False


IDENTITY = Link("", lambda v: v, lambda t: t)
LOG = Link("log_", np.log, np.exp, positive=True)


@dataclass(frozen=True)
class Param:
    """One parameter of a family: user-facing ``name``, its ``link``, the (low, high) ``bounds`` of
    the internal coordinate (the clip range that keeps every score, gradient and metric finite),
    the constructor ``default``, the ``internal`` name (default: link prefix + name), the
    ``domain``: the (low, high) internal range the constructor takes exactly, where every method of
    the family is still correct (default: ``bounds``); values beyond it are refused; and the
    ``unit``: how the internal coordinate moves when the target y is rescaled to c + s y
    ("location": c + s theta, identity link; "scale": theta + log s, log link; None: unitless)."""

    name: str
    link: Link
    bounds: tuple
    default: float = 1.0
    internal: str | None = None
    domain: tuple | None = None
    unit: str | None = None

    @property
    def internal_name(self):
        return self.internal or self.link.prefix + self.name

    @property
    def exact_range(self):
        """(low, high) of the internal coordinate accepted exactly by the constructor."""
        return tuple(self.bounds if self.domain is None else self.domain)


def _join(names):
    """'a', 'a and b', 'a, b and c'."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def make_init(parameters, order):
    """The constructor of a family with declared ``parameters`` (internal order), taking them in
    ``order`` (user-facing names): broadcasts scalars and 1-D arrays, checks that every value is a
    number (not NaN), positive where the link needs it and within the parameter's ``exact_range``,
    and keeps it exactly (no clipping)."""
    by_name = {p.name: p for p in parameters}
    positive = [name for name in order if by_name[name].link.positive]
    shape_error = (f"{order[0]} must be a scalar or a 1-D array." if len(order) == 1
                   else f"{_join(list(order))} must be scalars or 1-D arrays.")

    def __init__(self, *args, **kwargs):
        bound = signature.bind(self, *args, **kwargs)
        bound.apply_defaults()
        values = np.broadcast_arrays(*(np.atleast_1d(np.asarray(bound.arguments[name], float)) for name in order))
        if values[0].ndim != 1:
            raise ValueError(shape_error)
        given = dict(zip(order, values))
        nan = [name for name in order if np.isnan(given[name]).any()]
        if nan:
            raise ValueError(f"{type(self).__name__}: {_join(nan)} contain{'s' if len(nan) == 1 else ''} NaN.")
        if any(np.any(~(given[name] > 0)) for name in positive):
            raise ValueError(f"{_join(positive)} must be positive.")
        with np.errstate(divide="ignore", over="ignore"):
            internal = [p.link.to_internal(given[p.name]) for p in parameters]
        theta = internal[0][:, None] if len(internal) == 1 else np.column_stack(internal)
        self._set_internal(check_exact_range(type(self), parameters, theta))

    signature = inspect.Signature(
        [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
        + [inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=by_name[name].default)
           for name in order]
    )
    __init__.__signature__ = signature
    return __init__


def check_exact_range(cls, parameters, theta):
    """``theta`` (n, k) after checking every column lies in its parameter's ``exact_range``; the
    error names the parameter, the value and the limits (user-facing)."""
    for j, p in enumerate(parameters):
        lo, hi = p.exact_range
        column = theta[:, j]
        bad = ~((column >= lo) & (column <= hi))
        if bad.any():
            with np.errstate(over="ignore"):
                value, low, high = (float(p.link.from_internal(np.float64(v))) for v in (column[bad][0], lo, hi))
            raise ValueError(f"{cls.__name__}: {p.name}={value:.6g} is outside [{low:.6g}, {high:.6g}], the range in "
                             f"which the family is represented exactly ({p.internal_name} in [{lo:g}, {hi:g}]).")
    return theta


def check_rules(cls):
    """TypeError unless ``cls`` has, for every rule of ``cls.scores``, ``_{rule}_score``,
    ``_{rule}_d_score`` and ``_{rule}_metric``; for censored "log" ``logsf`` and ``_d_logsf``;
    for censored "crps" the "crps" rule and ``_crps_below`` / ``_d_crps_below``."""
    missing = [f"_{rule}_{what}" for rule in cls.scores for what in ("score", "d_score", "metric")
               if not callable(getattr(cls, f"_{rule}_{what}", None))]
    needs = {"log": ("logsf", "_d_logsf"), "crps": ("_crps_below", "_d_crps_below")}
    for rule in cls.censoring:
        if rule not in needs:
            raise TypeError(f"{cls.__name__}.censoring names {rule!r}; censored rules are 'log' and 'crps'.")
        if rule not in cls.scores:
            missing.append(f"the {rule!r} score (censored {rule} extends it)")
        missing += [name for name in needs[rule] if not callable(getattr(cls, name, None))]
    if missing:
        raise TypeError(f"{cls.__name__} names scores {tuple(cls.scores)} and censoring {tuple(cls.censoring)} but lacks "
                        f"{', '.join(missing)}.")


def _finite(y):
    y = np.asarray(y, dtype=float)
    if not np.all(np.isfinite(y)):
        raise ValueError("y contains NaN or infinite values.")
    return y


def _check_real(cls, y):
    return y


def _check_positive(cls, y):
    if cls.zero_in_support:
        if np.any(y < 0):
            raise ValueError(f"{cls.__name__} targets must be non-negative.")
    elif np.any(y <= 0):
        raise ValueError(f"{cls.__name__} targets must be strictly positive.")
    return y


def _check_unit(cls, y):
    if np.any((y <= 0) | (y >= 1)):
        raise ValueError(f"{cls.__name__} targets must lie strictly inside (0, 1).")
    return y


def _check_count(cls, y):
    """Non-negative integers up to e^(the upper bound of the first parameter, the log mean)."""
    if np.any(y < 0) or np.any(y != np.round(y)):
        raise ValueError(f"{cls.__name__} targets must be non-negative integers (counts).")
    log_top = cls.bounds[0][1]
    top = np.exp(log_top)
    if np.any(y > top):
        raise ValueError(f"{cls.__name__} counts above {top:.3g} (e^{log_top:g}) are beyond the "
                         "family's range of means; model them with a continuous family (e.g. lognormal).")
    return y


def _check_class(cls, y):
    if np.any(y < 0) or np.any(y != np.round(y)):
        raise ValueError(f"{cls.__name__} targets must be class codes 0..K-1.")
    return y


#: target kinds and their checks (after the finiteness check): "real", "positive" (y > 0, or y >= 0
#: with ``zero_in_support``), "unit" (0 < y < 1), "count" (non-negative integers), "class" (codes)
SUPPORTS = {"real": _check_real, "positive": _check_positive, "unit": _check_unit, "count": _check_count,
            "class": _check_class}


def check_target(cls, y):
    """y as a float array after checking it is finite and lies in ``cls.support``."""
    return SUPPORTS[cls.support](cls, _finite(y))
