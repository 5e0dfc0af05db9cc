"""``Y_from_censored(T, E)``: the survival target of ngboost (a structured array with fields
``Event`` (bool) and ``Time`` (float)), and ``load_ngboost_model``."""

import numpy as np
from sklearn.utils import check_array

__all__ = ["Y_from_censored", "load_ngboost_model"]


def Y_from_censored(T, E=None):
    """Structured array of the times T (n,) and event indicators E (n,; all events when None).
    None for T None; an array already of that form is returned unchanged."""
    if T is None:
        return None
    T = np.asarray(T)
    if T.dtype.names is not None and set(T.dtype.names) == {"Event", "Time"}:
        return T
    T = check_array(T, ensure_2d=False, dtype=np.float64).reshape(-1)
    E = np.ones_like(T) if E is None else check_array(E, ensure_2d=False, dtype=None).reshape(-1)
    if E.shape[0] != T.shape[0]:
        raise ValueError(f"T has {T.shape[0]} entries but E has {E.shape[0]}.")
    Y = np.empty(T.shape[0], dtype=[("Event", np.bool_), ("Time", np.float64)])
    Y["Event"] = E.astype(np.bool_)
    Y["Time"] = T
    return Y


def load_ngboost_model(filepath):
    """Load a model saved with ``joblib.dump`` (or pickle)."""
    import joblib

    return joblib.load(filepath)
