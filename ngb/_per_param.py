"""Settings given per distribution parameter: the base learners (``base`` as a list, a tuple or a
dict by parameter name) and the monotonic constraints (``monotonic_cst``), resolved at fit, when
the family and its number of parameters k are known, and the addressing of the base learners by
``get_params`` / ``set_params`` (``base__0__max_depth``, ``base__loc__max_depth``).

A parameter is named by its internal name (``"loc"``, ``"log_scale"`` of the Normal; ``"logit_1"``
.. of a categorical) or, for families that declare their parameters, by its public name
(``"scale"``): every link is increasing, so a constraint means the same on either."""

from __future__ import annotations

import numpy as np
from sklearn.base import clone

from .tree import check_monotonic_cst

__all__ = ["param_aliases", "resolve_bases", "resolve_constraints", "base_params", "set_base_params"]


def param_aliases(dist, k, names):
    """For each of the k parameters the tuple of names that address it: its internal name
    (``names[j]``) and, where the family declares its parameters, its public name."""
    declared = getattr(dist, "parameters", ())
    out = []
    for j in range(k):
        aliases = [names[j]]
        if isinstance(declared, tuple) and len(declared) == k and declared[j].name not in aliases:
            aliases.append(declared[j].name)
        out.append(tuple(aliases))
    return out


def _describe(dist, aliases):
    family = getattr(dist, "__name__", type(dist).__name__)
    listed = ", ".join(a[0] if len(a) == 1 else f"{a[0]} (or {a[1]})" for a in aliases)
    return f"{family} has {len(aliases)} parameter{'s' if len(aliases) != 1 else ''}: {listed}"


def _index_by_name(mapping, what, dist, aliases):
    """{parameter index: value} of a dict keyed by parameter names; ValueError for unknown keys or
    a parameter named twice."""
    lookup = {name: j for j, names in enumerate(aliases) for name in names}
    out = {}
    for key, value in mapping.items():
        if key not in lookup:
            raise ValueError(f"{what} names the parameter {key!r}, which the family does not have; "
                             f"{_describe(dist, aliases)}.")
        j = lookup[key]
        if j in out:
            raise ValueError(f"{what} names the parameter {aliases[j][0]!r} twice ({list(aliases[j])}).")
        out[j] = value
    return out


def resolve_bases(base, default, dist, k, aliases):
    """The base learner of each parameter: ``base`` itself (one learner, None: ``default()``) or a
    list of k from a list / tuple (in parameter order) or a dict by parameter name (parameters it
    does not name, and None entries, get ``default()``)."""
    if not isinstance(base, (list, tuple, dict)):
        return default() if base is None else base
    if isinstance(base, dict):
        given = _index_by_name(base, "base", dist, aliases)
        entries = [given.get(j) for j in range(k)]
    else:
        if len(base) != k:
            raise ValueError(f"base has {len(base)} entries but the {_describe(dist, aliases)}: give one base learner "
                             "per parameter, in that order (or a dict by parameter name).")
        entries = list(base)
    return [default() if e is None else e for e in entries]


def resolve_constraints(monotonic_cst, dist, k, p, aliases, feature_names=None):
    """(k, p) int8 monotonic constraints of the parameters (None when there are none): from a dict
    by parameter name (each value an array of p values or a dict by feature name; parameters it
    does not name are free) or a (k, p) array-like."""
    if monotonic_cst is None:
        return None
    out = np.zeros((k, p), dtype=np.int8)
    if isinstance(monotonic_cst, dict):
        for j, spec in _index_by_name(monotonic_cst, "monotonic_cst", dist, aliases).items():
            out[j] = check_monotonic_cst(spec, p, feature_names, what=f"monotonic_cst[{aliases[j][0]!r}]")
    else:
        try:
            arr = None if isinstance(monotonic_cst, str) else np.asarray(monotonic_cst)
        except ValueError:  # ragged nested lists
            arr = None
        if arr is None or arr.shape != (k, p):
            shape = "" if arr is None else f" of shape {arr.shape}"
            raise ValueError(
                f"monotonic_cst must be a dict by parameter name or an array of shape (k, p) = ({k}, {p}), one row "
                f"per parameter and one value per feature; got {str(monotonic_cst)[:80]!s}{shape}. The "
                f"{_describe(dist, aliases)}.")
        for j in range(k):
            out[j] = check_monotonic_cst(arr[j], p, None, what=f"monotonic_cst[{j}] (parameter {aliases[j][0]!r})")
    return out if out.any() else None


# ------------------------------------------------------------------ get_params / set_params
def base_params(base, deep=True):
    """get_params entries of a per-parameter ``base``: ``base__<i>`` (list, tuple) or
    ``base__<name>`` (dict) for each entry, and with ``deep`` its own parameters
    ``base__<i>__<param>``."""
    items = base.items() if isinstance(base, dict) else enumerate(base)
    out = {}
    for key, entry in items:
        out[f"base__{key}"] = entry
        if deep and hasattr(entry, "get_params") and not isinstance(entry, type):
            out.update((f"base__{key}__{name}", value) for name, value in entry.get_params().items())
    return out


def set_base_params(base, params):
    """A new container from a per-parameter ``base`` and ``{"<i or name>": learner}`` or
    ``{"<i or name>__<param>": value}`` settings: entries replaced, or their parameters set (on the
    entry itself, as scikit-learn sets nested parameters; on a clone when the same object is also
    another entry, which would change with it)."""
    is_dict = isinstance(base, dict)
    entries = dict(base) if is_dict else list(base)
    nested = {}
    for key, value in params.items():
        name, _, sub = key.partition("__")
        if is_dict:
            index = name
            if sub and name not in entries:
                raise ValueError(f"Invalid parameter 'base__{key}': base has no entry {name!r} (it has "
                                 f"{list(entries)}); set the whole entry with base__{name}=...")
        else:
            if not name.isdigit() or int(name) >= len(entries):
                raise ValueError(f"Invalid parameter 'base__{key}': base is a {type(base).__name__} of "
                                 f"{len(entries)} entries, addressed as base__0 .. base__{len(entries) - 1}.")
            index = int(name)
        if sub:
            nested.setdefault(index, {})[sub] = value
        else:
            entries[index] = value
    for index, sub_params in nested.items():
        entry = entries[index]
        if entry is None or not hasattr(entry, "set_params"):
            raise ValueError(f"Invalid parameters {sorted(sub_params)} for base entry {index!r}: it is {entry!r}.")
        others = entries.items() if is_dict else enumerate(entries)
        if any(e is entry for i, e in others if i != index):
            entry = entries[index] = clone(entry)
        entry.set_params(**sub_params)
    return entries if is_dict else tuple(entries) if isinstance(base, tuple) else entries
