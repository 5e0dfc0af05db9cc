"""ngb on Dask (``pip install "ngb[dask]"``): distributed training, distributed scoring, and model
search on a cluster.

- :class:`DaskNGBRegressor`, :class:`DaskNGBClassifier`, :class:`DaskNGBSurvival`: ``fit`` on dask
  arrays / DataFrames; each worker keeps its partitions binned and their parameters for the whole fit,
  the client reduces histograms, grows the trees and runs the line search; the fitted model is an
  ordinary ngb model (``to_local()``), predicting without Dask;
- :func:`predict_frame`: parameters, point predictions, quantiles and per-row scores of any fitted
  ngb model over a dask DataFrame / array, partition by partition, with declared columns;
- :func:`joblib_backend`: scikit-learn searches (and any joblib work) on the cluster.
"""

try:
    import dask  # noqa: F401
    import distributed  # noqa: F401
except ImportError as err:  # pragma: no cover
    raise ImportError('ngb.dask needs dask and distributed: pip install "ngb[dask]"') from err

from ._estimators import DaskNGBClassifier, DaskNGBRegressor, DaskNGBSurvival
from ._predict import predict_columns, predict_frame
from ._search import joblib_backend
from ._train import SAMPLE_ROWS

__all__ = ["DaskNGBRegressor", "DaskNGBClassifier", "DaskNGBSurvival", "predict_frame", "predict_columns",
           "joblib_backend", "SAMPLE_ROWS"]
