"""Input handling of the estimators (a mixin of ``BaseNGBoost``): pandas categories to codes, X
and y checked and encoded for the family, sample weights, the training rows of a fit."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.utils.validation import validate_data

from ._fit_data import FitData, check_offset, check_weight, drop_zero_weights
from .tree import category_columns, category_counts, encode_categories

__all__ = ["InputChecks"]


class InputChecks:
    """X, y, weights and offsets as a fit and a prediction check them (methods of the estimators)."""

    def _two_column_y(self, dist):
        """Whether y has one column per row element (multi-output or survival targets)."""
        return dist.multi_output

    def _prepare_X(self, X, reset):
        """Map pandas categorical columns to their integer codes (fit categories kept; unseen
        categories and NaN become missing). With ngb's histogram trees these columns then get
        categorical splits (``HistTreeRegressor(categorical_features="from_dtype")``)."""
        if isinstance(X, pd.DataFrame) and X.columns.has_duplicates:
            duplicated = X.columns[X.columns.duplicated()].unique().tolist()
            raise ValueError(f"X has duplicate column names {duplicated[:5]}: give every column its own name.")
        if reset:
            X, self._categories = encode_categories(X)
        elif isinstance(X, pd.DataFrame):
            categories = getattr(self, "_categories", {})
            self._check_category_dtypes(X, categories)
            X, _ = encode_categories(X, categories)
        return X

    @staticmethod
    def _check_category_dtypes(X, categories):
        """ValueError when a column that was a pandas category at fit is not one in X: its values
        are mapped to the fit categories by value, so integer codes (or anything else) would be
        read as unseen categories, i.e. missing."""
        for c in categories:
            if c in X.columns and not isinstance(X[c].dtype, pd.CategoricalDtype):
                raise ValueError(
                    f"column {c!r} was a pandas 'category' column at fit but is {X[c].dtype} here; categories are "
                    f"matched by value, so its values (integer codes?) would all be read as missing. Pass it as a "
                    f"category column, e.g. X[{c!r}].astype('category'), or from codes: "
                    f"pd.Categorical.from_codes(codes, categories)."
                )

    def _categorical_info(self, X):
        """(mask of the pandas category columns, their numbers of fit categories (-1 elsewhere)) of
        the DataFrame X given to fit (after ``_prepare_X``), or None for other inputs."""
        from_dtype = category_columns(X)
        if from_dtype is None:
            return None
        return from_dtype, category_counts(X.columns, self._categories)

    def _validate_X(self, X, reset):
        X = self._prepare_X(X, reset)
        return validate_data(self, X, reset=reset, dtype=np.float64, ensure_all_finite="allow-nan")

    def _prepare_y(self, y):
        """Convert y to an array before validation (survival: structured array to (n, 2))."""
        return y

    def _check_y(self, y, dist, fitting=False):
        """Encode/validate y for the family; returns a float array. ``fitting`` marks the training
        targets (a classifier learns its classes from them). Subclasses may override."""
        try:
            return dist.check_y(y)
        except ValueError as err:
            raise ValueError(f"Invalid target y for {dist.__name__}: {err}") from None

    def _fit_marginal(self, dist, y, w):
        return dist.fit_marginal(y, w)

    def _stratify_split(self):
        return False

    def _check_weight(self, sample_weight, X):
        return check_weight(sample_weight, X)

    def _weighted_mean(self, values, sample_weight):
        """Mean of the per-row ``values`` (n,), weighted by ``sample_weight`` (n,) checked as in fit."""
        return float(np.average(values, weights=self._check_weight(sample_weight, values)))

    _check_offset = staticmethod(check_offset)

    def _training_data(self, X, y, sample_weight, offset, dist):
        """(FitData of the training rows, zero weights removed; categorical info of a DataFrame X)."""
        X_in = X
        X, y = validate_data(self, self._prepare_X(X, reset=True), self._prepare_y(y), reset=True, dtype=np.float64,
                             ensure_all_finite="allow-nan", y_numeric=False, multi_output=self._two_column_y(dist))
        if np.isinf(X).any():
            raise ValueError("Input X contains infinity or a value too large for dtype('float64').")
        categorical = self._categorical_info(X_in)
        y = self._check_y(y, dist, fitting=True)
        data = FitData(X, y, self._check_weight(sample_weight, X), check_offset(offset, X.shape[0], dist))
        return drop_zero_weights(data), categorical
