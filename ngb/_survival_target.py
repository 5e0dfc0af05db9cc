"""Survival targets: scikit-survival's structured arrays (a boolean event field and a float time
field), two-column DataFrames (pandas or polars) and (n, 2) [time, event] arrays, read alike by the
estimator, the distributions' censored scores and the metrics."""

from __future__ import annotations

import numpy as np

__all__ = ["make_y", "time_event"]


def make_y(time, event):
    """Structured survival target with fields ``event`` (bool) and ``time`` (float), shape (n,)."""
    time = np.asarray(time, dtype=float).reshape(-1)
    event = np.asarray(event).reshape(-1)
    if time.shape != event.shape:
        raise ValueError(f"time and event have different lengths ({time.shape[0]} and {event.shape[0]}).")
    if event.dtype != bool:
        if not np.all(np.isin(event, [0, 1])):
            raise ValueError("event must be boolean or 0/1.")
        event = event.astype(bool)
    y = np.empty(time.shape[0], dtype=[("event", bool), ("time", float)])
    y["event"], y["time"] = event, time
    return y


def _is_bool_dtype(dtype):
    """Whether a column dtype is boolean: numpy bool, pandas "boolean", pyarrow "bool[pyarrow]",
    polars Boolean."""
    return str(dtype).lower() in ("bool", "boolean", "bool[pyarrow]")


def _frame_time_event(y):
    """(time, event) float arrays of a two-column pandas or polars DataFrame whose event column
    is boolean or named "event", else None (the [time, event] column order then applies)."""
    columns = getattr(y, "columns", None)
    dtypes = getattr(y, "dtypes", None)
    if columns is None or dtypes is None or len(columns) != 2 or isinstance(y, np.ndarray):
        return None
    columns = list(columns)
    is_bool = [_is_bool_dtype(dt) for dt in list(dtypes)]
    if sum(is_bool) == 1:
        event_col = columns[is_bool.index(True)]
    elif "event" in [str(c) for c in columns]:
        event_col = columns[[str(c) for c in columns].index("event")]
    else:
        return None
    time_col = columns[1 - columns.index(event_col)]

    def values(c):
        column = y[c]
        column = column.to_numpy() if hasattr(column, "to_numpy") else np.asarray(column)
        return np.asarray(column, dtype=float)  # missing values (pandas NA, polars null) become NaN

    return values(time_col), values(event_col)


def time_event(y):
    """(time, event) float arrays from a structured survival array, a two-column DataFrame (pandas
    or polars) whose event column is boolean or named "event" (read by name), or an (n, 2)
    [time, event] array."""
    from_frame = _frame_time_event(y)
    if from_frame is not None:
        return from_frame
    y = np.asarray(y)
    if y.dtype.names is not None:
        names = y.dtype.names
        if len(names) != 2:
            raise ValueError(f"a survival target needs exactly two fields (event, time); got {names}.")
        bool_fields = [f for f in names if y.dtype[f] == bool]
        if len(bool_fields) == 1:
            event_field = bool_fields[0]
        elif "event" in names:
            event_field = "event"
        else:
            raise ValueError(f"cannot tell which field of {names} is the event indicator; make it boolean.")
        time_field = [f for f in names if f != event_field][0]
        return np.asarray(y[time_field], dtype=float), np.asarray(y[event_field], dtype=float)
    if y.ndim == 2 and y.shape[1] == 2:
        return np.asarray(y[:, 0], dtype=float), np.asarray(y[:, 1], dtype=float)
    raise ValueError(
        "y must be a structured array with fields (event, time), e.g. ngb.survival.make_y(time, event) "
        f"or sksurv.util.Surv.from_arrays; got an array of shape {y.shape} and dtype {y.dtype}."
    )
