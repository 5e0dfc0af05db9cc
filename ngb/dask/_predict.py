"""Scoring on Dask: a fitted model's predictions over a dask collection, partition by partition.

:func:`predict_frame` maps every partition of X (a dask DataFrame through ``map_partitions``, a dask
array block by block) to a pandas DataFrame of declared columns (the schema is known before anything
is computed, ``predict_columns``): the predicted distribution's parameters, the point prediction,
quantiles, and per-row scores given y. The model (any fitted ngb estimator, trained anywhere) goes to
the workers once, as one object of the graph.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd

from ..scores import resolve_score

__all__ = ["predict_frame", "predict_columns"]


def _quantile_name(q):
    return f"q{float(q):g}"


def _score_rule(model, name):
    dist = model._dist
    rule = resolve_score(name)
    return model._resolve_score(dist, rule) if hasattr(model, "_resolve_score") else rule


def predict_columns(model, params=True, point=True, quantiles=(), scores=()):
    """The output schema of :func:`predict_frame`: an empty DataFrame with its columns and dtypes."""
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(model, "n_iter_")
    cols = {}
    dist = model._dist
    classes = getattr(model, "classes_", None)
    if params:
        if classes is not None:
            for c in classes:
                cols[f"proba_{c}"] = np.float64
        else:
            for name in _param_names(model):
                cols[name] = np.float64
    if point:
        cols["predict"] = classes.dtype if classes is not None else np.float64
    for q in quantiles:
        if classes is not None:
            raise ValueError("quantiles are for real-valued targets; a classifier predicts class probabilities.")
        cols[_quantile_name(q)] = np.float64
    for name in scores:
        _score_rule(model, name)
        cols[f"score_{name}"] = np.float64
    if not cols:
        raise ValueError("nothing to predict: ask for params, point, quantiles or scores.")
    del dist
    return pd.DataFrame({k: pd.Series(dtype=v) for k, v in cols.items()})


def _param_names(model):
    d = model._dist.from_internal(np.tile(model.init_params_, (1, 1)), bounds=model.__dict__.get("_param_bounds"))
    return list(d.params)


def _frame(X, y, offset, model, params, point, quantiles, scores, index=None):
    """One partition's predictions as a pandas DataFrame (index: X's, when a DataFrame)."""
    kwargs = {} if offset is None else {"offset": np.asarray(offset, dtype=float).reshape(-1)}
    d = model.predict_dist(X, **kwargs)
    out = {}
    classes = getattr(model, "classes_", None)
    if params:
        if classes is not None:
            for j, c in enumerate(classes):
                out[f"proba_{c}"] = d.probs[:, j]
        else:
            for name, v in d.params.items():
                out[name] = np.asarray(v, dtype=float)
    if point:
        if classes is not None:
            out["predict"] = classes[np.argmax(d.probs, axis=1)]
        else:
            out["predict"] = model.predict(X, **kwargs) if kwargs else model.predict(X)
    if quantiles:
        qs = np.asarray(d.quantile(list(quantiles)), dtype=float).reshape(len(d), len(quantiles))
        for i, q in enumerate(quantiles):
            out[_quantile_name(q)] = qs[:, i]
    if scores:
        if y is None:
            raise ValueError("scores need y.")
        from sklearn.utils.validation import _check_y

        yy = _check_y(model._prepare_y(y), multi_output=model._two_column_y(model._dist), y_numeric=False)
        yy = model._encode(yy) if classes is not None else model._check_y(yy, model._dist)
        for name in scores:
            out[f"score_{name}"] = np.asarray(d.score(yy, _score_rule(model, name)), dtype=float)
    idx = X.index if isinstance(X, pd.DataFrame) else index
    return pd.DataFrame(out, index=idx)


def _partition(Xp, *rest, model=None, has_y=False, has_offset=False, opts=()):
    """``_frame`` of one partition of X (and of y and offset, when given, in that order)."""
    rest = list(rest)
    yp = rest.pop(0) if has_y else None
    op = rest.pop(0) if has_offset else None
    return _frame(Xp, yp, op, model, *opts)


def predict_frame(model, X, y=None, offset=None, *, params=True, point=True, quantiles=(), scores=()):
    """Predictions of the fitted ngb ``model`` over the dask collection ``X`` (a dask DataFrame or
    2-d array), as a dask DataFrame with one row per row of X and the columns of
    :func:`predict_columns`:

    - ``params``: the predicted distribution's parameters (``predict_dist(X).params``: e.g. loc,
      scale; a classifier's ``proba_<class>`` columns);
    - ``point``: ``predict`` (the mean, a classifier's label, a survival model's risk score);
    - ``quantiles``: levels q, columns ``q<level>`` (``predict_dist(X).quantile``);
    - ``scores``: scoring rules ("log", "crps", ...), the per-row score of y (a loss: -log f(y)
      for "log"; survival models: the censored scores), columns ``score_<rule>``.

    ``y`` and ``offset`` (a dask Series / array with the same partitions as X) are needed for scores
    and for offset models. Nothing is computed until the result is."""
    import dask
    import dask.dataframe as dd

    from ._parts import _is_array, _is_frame, partitions

    meta = predict_columns(model, params, point, tuple(quantiles), tuple(scores))
    opts = (bool(params), bool(point), tuple(quantiles), tuple(scores))
    if scores and y is None:
        raise ValueError("scores need y.")
    model_d = dask.delayed(model, pure=True)
    if _is_frame(X):
        args = [X] + [a for a in (y, offset) if a is not None]
        run = partial(_partition, has_y=y is not None, has_offset=offset is not None, opts=opts)
        return dd.map_partitions(run, *args, model=model_d, meta=meta, align_dataframes=False)
    if not _is_array(X):
        raise TypeError(f"X must be a dask DataFrame or dask array; got {type(X).__name__} (predict on numpy or "
                        "pandas data with the model itself).")
    parts = partitions(X, y if y is not None else X[:, :1], None, offset, 1)
    starts = np.concatenate([[0], np.cumsum(X.rechunk({1: -1}).chunks[0])]).astype(np.int64)
    pieces = [dask.delayed(_frame)(xp, yp if y is not None else None, op, model_d, *opts,
                                   index=pd.RangeIndex(starts[i], starts[i + 1]))
              for i, xp, yp, _, op in parts]
    return dd.from_delayed(pieces, meta=meta, divisions=tuple(starts[:-1].tolist()) + (int(starts[-1]) - 1,),
                           verify_meta=False)
