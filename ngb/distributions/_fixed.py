"""Families with a fixed argument (TFixedDf's ``df``, BetaBinomial's ``trials``): one subclass per value,
cached, so that the same value gives the same class (``type(d) is cls`` checks, pickles and model files
keep working), and named ``<Base>_<value>`` with "." written "_" (``TFixedDf_2_5``, ``BetaBinomial_9``)."""

from __future__ import annotations

_CACHE = {}


def fixed_subclass(base, attr, value):
    """The subclass of ``base`` whose class attribute ``attr`` is ``value`` (``base`` itself when its own
    value is ``value``)."""
    if getattr(base, attr) == value and attr in base.__dict__:
        return base
    cls = _CACHE.get((base, value))
    if cls is None:
        name = f"{base.__name__}_{value!r}".replace(".", "_")
        cls = type(name, (base,), {attr: value, "__module__": base.__module__, "__qualname__": name})
        _CACHE[(base, value)] = cls
    return cls


def subclass_by_name(name, base, parse):
    """The subclass named ``name`` (``<Base>_<value>``) of ``base``, its value read by ``parse`` from the
    text after the underscore (with "_" read as "."); None when ``name`` is not such a name."""
    prefix = base.__name__ + "_"
    if not name.startswith(prefix):
        return None
    try:
        return parse(name[len(prefix):].replace("_", "."))
    except (ValueError, TypeError):
        return None
