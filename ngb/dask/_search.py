"""Model search on a Dask cluster: scikit-learn's searches (``GridSearchCV``, ``RandomizedSearchCV``,
``cross_validate``, ...) and anything else that runs its fits through joblib, on joblib's Dask
backend.

Every fit is one task on a worker (ngb is imported there; the data are sent to the workers once per
search and shared by the fits). The mechanism is joblib's, not the search's: a tuner that runs its
trials through ``joblib.Parallel`` runs them on the cluster the same way.
"""

from __future__ import annotations

from contextlib import contextmanager

__all__ = ["joblib_backend"]


@contextmanager
def joblib_backend(client=None, **options):
    """Run joblib's parallel work inside the ``with`` block as tasks of ``client`` (None: the current
    ``distributed`` client)::

        with ngb.dask.joblib_backend(client):
            GridSearchCV(ngb.NGBRegressor(n_jobs=1), grid, n_jobs=-1).fit(X, y)

    Give the estimators ``n_jobs=1`` (one thread per fit: the workers' threads run the fits in
    parallel) and the search ``n_jobs=-1``. ``options`` go to joblib's Dask backend
    (``scatter=[X, y]`` sends the data once). Yields the client."""
    import joblib
    from distributed import default_client

    client = default_client() if client is None else client
    with joblib.parallel_backend("dask", client=client, **options):
        yield client
