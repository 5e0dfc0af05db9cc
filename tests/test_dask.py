"""ngb.dask on a local cluster: distributed training equals the single-machine fit on the same rows,
scoring over dask collections, searches on joblib's Dask backend.

One ``distributed.LocalCluster`` (2 worker processes, 1 thread each, loopback only) is started for
the module and closed after it.
"""

import logging
import pickle

import numpy as np
import pandas as pd
import pytest

dask = pytest.importorskip("dask")
distributed = pytest.importorskip("distributed")
da = pytest.importorskip("dask.array")
dd = pytest.importorskip("dask.dataframe")

import ngb  # noqa: E402
import ngb.dask as ngbd  # noqa: E402
from ngb.tree import HistTreeRegressor  # noqa: E402

KW = dict(n_estimators=8, learning_rate=0.1, random_state=0)
#: without validation data the default early stopping holds out rows, per partition on Dask (not the
#: single-machine split): the equality tests of fits without validation data fit every row
ALL_ROWS = dict(KW, early_stopping=False)

pytestmark = pytest.mark.timeout(180)  # (pytest-timeout) a test that hangs on the cluster fails instead


@pytest.fixture(scope="module")
def client():
    from distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                           dashboard_address=None, silence_logs=logging.ERROR)
    c = Client(cluster)
    try:
        c.wait_for_workers(2, timeout=60)
        yield c
    finally:
        c.close()
        cluster.close()


def make_data(family, n=3000, p=5, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, p))
    X[rng.rand(n, p) < 0.05] = np.nan
    Z = np.nan_to_num(X)
    offset = None
    if family == "normal":
        y = 3.0 + 2 * Z[:, 0] + Z[:, 1] + rng.normal(size=n) * np.exp(0.5 * Z[:, 2])
    elif family == "poisson":
        exposure = rng.uniform(0.5, 2.0, size=n)
        offset = np.log(exposure)
        y = rng.poisson(exposure * np.exp(0.4 * Z[:, 0] - 0.3 * Z[:, 1])).astype(float)
    elif family == "class":
        logits = np.column_stack([Z[:, 0], -Z[:, 1], 0.5 * Z[:, 2]])
        u = rng.rand(n)[:, None] < np.cumsum(np.exp(logits) / np.exp(logits).sum(1, keepdims=True), axis=1)
        y = np.array(["a", "b", "c"])[np.argmax(u, axis=1)]
    else:  # survival: [time, event]
        t = np.exp(0.5 * Z[:, 0] + 0.5 * rng.normal(size=n))
        c = np.exp(rng.normal(0.5, 1.0, size=n))
        y = np.column_stack([np.minimum(t, c), (t <= c).astype(float)])
    return X, y, offset


def chunked(a, chunks):
    if a is None:
        return None
    return da.from_array(a, chunks=(chunks,) + a.shape[1:])


def assert_same_model(ref, got, exact=False):
    """Same trees (structure exactly; node values, gains and weights to rounding, or bit for bit),
    same line-search scalings, same predictions and scores (to rounding)."""
    assert isinstance(got, type(ref))
    assert ref.n_iter_ == got.n_iter_
    np.testing.assert_array_equal(ref.scalings_, got.scalings_)
    np.testing.assert_array_equal(ref.init_params_, got.init_params_)
    for cols_a, cols_b in zip(ref._columns, got._columns):
        assert (cols_a is None and cols_b is None) or np.array_equal(cols_a, cols_b)
    for trees_a, trees_b in zip(ref._estimators, got._estimators):
        for a, b in zip(trees_a, trees_b):
            if exact:
                assert a == b
                continue
            for key in ("feature", "bin_threshold", "missing_go_left", "left", "right", "n_samples"):
                np.testing.assert_array_equal(getattr(a, key), getattr(b, key), err_msg=key)
            np.testing.assert_array_equal(a.threshold, b.threshold)
            np.testing.assert_allclose(a.value, b.value, rtol=1e-9, atol=1e-12)
            np.testing.assert_allclose(a.weight, b.weight, rtol=1e-12)
            np.testing.assert_allclose(a.gain, b.gain, rtol=1e-6, atol=1e-9 * max(1.0, float(np.abs(a.gain).max())))
    rtol = 0 if exact else 1e-10
    np.testing.assert_allclose(ref.train_score_, got.train_score_, rtol=rtol, atol=0 if exact else 1e-12)
    np.testing.assert_allclose(ref.validation_score_, got.validation_score_, rtol=rtol, atol=0 if exact else 1e-12)


def test_one_partition_is_bit_identical(client):
    """All rows in one partition on one worker: every sum is the single-machine grower's, in the
    same order, so the model is the same bit for bit."""
    X, y, _ = make_data("normal")
    w = np.random.RandomState(1).uniform(0.5, 2.0, size=len(y))
    ref = ngb.NGBRegressor(**ALL_ROWS).fit(X, y, sample_weight=w)
    got = ngbd.DaskNGBRegressor(**ALL_ROWS, client=client).fit(chunked(X, len(y)), chunked(y, len(y)),
                                                         sample_weight=chunked(w, len(y)))
    assert got.dask_fit_info_["n_workers"] == 1
    assert_same_model(ref, got, exact=True)
    np.testing.assert_array_equal(ref.predict(X), got.predict(X))


def test_regression_weights_validation(client):
    """Normal: uneven partitions on 2 workers, sample weights (zeros dropped), validation data and
    early stopping: the single-machine model to rounding."""
    X, y, _ = make_data("normal", n=4000)
    w = np.random.RandomState(1).uniform(0.0, 2.0, size=len(y))
    w[::7] = 0.0
    Xv, yv, _ = make_data("normal", n=1000, seed=5)
    kw = dict(KW, n_estimators=40, learning_rate=0.3, n_iter_no_change=3)
    ref = ngb.NGBRegressor(**kw).fit(X, y, sample_weight=w, X_val=Xv, y_val=yv)
    Xd = da.from_array(X, chunks=((1500, 500, 2000), (5,)))
    got = ngbd.DaskNGBRegressor(**kw, client=client).fit(Xd, da.from_array(y, chunks=((1500, 500, 2000),)),
                                                         sample_weight=da.from_array(w, chunks=1000),
                                                         X_val=chunked(Xv, 400), y_val=chunked(yv, 400))
    assert got.dask_fit_info_["n_workers"] == 2 and got.dask_fit_info_["n_partitions"] == 3
    assert ref.n_iter_ < kw["n_estimators"]  # stopped early
    assert_same_model(ref, got)
    np.testing.assert_allclose(ref.predict_dist(Xv).scale, got.predict_dist(Xv).scale, rtol=1e-9)


def test_poisson_offsets_dataframes(client):
    """Poisson with exposure offsets (metric-weighted trees), dask DataFrames in and a validation
    set with its offsets."""
    X, y, offset = make_data("poisson", n=4000)
    cols = [f"x{i}" for i in range(X.shape[1])] + ["c"]
    codes = np.random.RandomState(3).randint(0, 6, size=len(y))
    y = y + (codes == 2) * 2.0  # a category that matters: a native categorical split
    frame = pd.DataFrame(X, columns=cols[:-1]).assign(
        c=pd.Categorical.from_codes(codes, [f"u{i}" for i in range(6)]), y=y, offset=offset)
    ref = ngb.NGBRegressor(dist="poisson", **KW).fit(frame[cols].iloc[:3000], y[:3000], offset=offset[:3000],
                                                     X_val=frame[cols].iloc[3000:], y_val=y[3000:],
                                                     offset_val=offset[3000:])
    ddf = dd.from_pandas(frame.iloc[:3000], npartitions=4)
    dval = dd.from_pandas(frame.iloc[3000:], npartitions=2)
    got = ngbd.DaskNGBRegressor(dist="poisson", **KW, client=client).fit(
        ddf[cols], ddf["y"], offset=ddf["offset"], X_val=dval[cols], y_val=dval["y"], offset_val=dval["offset"])
    assert list(got.feature_names_in_) == cols
    assert any(t.has_categorical for it in got._estimators for t in it)
    assert_same_model(ref, got)


def test_classifier_colsample(client):
    """Three string classes, a column sample per iteration (the same draws)."""
    X, y, _ = make_data("class")
    kw = dict(ALL_ROWS, colsample=0.6)
    ref = ngb.NGBClassifier(**kw).fit(X, y)
    got = ngbd.DaskNGBClassifier(**kw, client=client).fit(chunked(X, 800), chunked(y, 800))
    np.testing.assert_array_equal(got.classes_, ref.classes_)
    assert_same_model(ref, got)
    np.testing.assert_allclose(ref.predict_proba(X), got.predict_proba(X), rtol=1e-9)


def test_tiny_weights_fit_as_on_one_process(client):
    """Classes (metric-weighted trees, whose default leaves need a fit weight of 0.1) with weights
    of mean 2**-12, larger on the later partitions: the learners' weights are scaled by the power of
    two of the mean weight over every shard's rows, as on one process (not by each shard's own), so
    the fit is the same, and not a constant."""
    X, y, _ = make_data("class")
    w = np.where(np.arange(len(y)) < 1600, 1.0, 3.0) * 2.0**-13
    ref = ngb.NGBClassifier(**ALL_ROWS).fit(X, y, sample_weight=w)
    got = ngbd.DaskNGBClassifier(**ALL_ROWS, client=client).fit(chunked(X, 800), chunked(y, 800),
                                                              sample_weight=chunked(w, 800))
    assert_same_model(ref, got)
    assert np.ptp(got.predict_proba(X)[:, 0]) > 0.1


def test_survival_best_first(client):
    """Right-censored LogNormal with best-first trees (one histogram round trip per split)."""
    X, y, _ = make_data("survival")
    base = HistTreeRegressor(max_depth=None, max_leaf_nodes=6, min_samples_leaf=20)
    ref = ngb.NGBSurvival(base=base, **ALL_ROWS).fit(X, y)
    got = ngbd.DaskNGBSurvival(base=base, **ALL_ROWS, client=client).fit(chunked(X, 1000), chunked(y, 1000))
    assert_same_model(ref, got)
    np.testing.assert_array_equal(ref.unique_times_, got.unique_times_)
    assert max(t.n_leaves for it in got._estimators for t in it) == 6


def test_line_search_row_sample(client):
    """Above 4 * 65,536 rows the line search scores an evenly spaced sample of the rows: the same
    global rows, wherever their partitions are."""
    X, y, _ = make_data("normal", n=270_000, p=3)
    kw = dict(KW, n_estimators=2)
    ref = ngb.NGBRegressor(**kw, early_stopping=False).fit(X, y)
    # (the set-up sample holds every row: above SAMPLE_ROWS rows it would be a sample, other bin edges)
    got = ngbd.DaskNGBRegressor(**kw, early_stopping=False, client=client, sample_rows=len(y)).fit(
        da.from_array(X, chunks=(100_000, 3)), da.from_array(y, chunks=100_000))
    assert got.dask_fit_info_["n_workers"] == 2
    assert_same_model(ref, got)


def test_step_is_projected_at_the_bounds(client, monkeypatch):
    """Zero-inflated Poisson whose zero probability reaches its bound (logit -30) on some rows: the
    workers project the step there as the single-machine fit does (``project_at_bounds``), so the
    models agree and no row is pushed ~1e11 past its bound. (The Dask fit grows a tree per parameter:
    the single-machine fit compared shares no structure between the coupled parameters.)"""
    from test_fast_paths import _data

    import ngb._shared

    monkeypatch.setattr(ngb._shared, "ENABLED", False)

    X, y = _data("zero_inflated_poisson")
    kw = dict(dist="zero_inflated_poisson", n_estimators=30, learning_rate=0.1, early_stopping=False,
              metric_weighted=False, max_scaling=256.0, random_state=0)  # long steps reach the bound
    ref = ngb.NGBRegressor(**kw).fit(X, y)
    got = ngbd.DaskNGBRegressor(**kw, client=client).fit(chunked(X, 150), chunked(y, 150))
    raw = got._raw_predict(X)
    assert raw[:, 1].min() < -30  # some rows did reach the bound
    assert np.abs(raw).max() < 1e4
    np.testing.assert_allclose(raw, ref._raw_predict(X), rtol=1e-9, atol=1e-9)


def test_early_stopping_split_per_partition(client):
    """Without validation data, early stopping holds out validation_fraction of each partition."""
    X, y, _ = make_data("normal", n=12_000)
    got = ngbd.DaskNGBRegressor(n_estimators=200, learning_rate=0.5, n_iter_no_change=2, random_state=0,
                                client=client).fit(chunked(X, 4000), chunked(y, 4000))
    info = got.dask_fit_info_
    assert info["n_val_rows"] == 3 * 400 and info["n_rows"] == 12_000 - 1200
    assert got.n_iter_ < 200 and len(got.validation_score_) == got.n_iter_ + 1


def test_small_data_refits_on_every_row(client):
    """early_stopping="auto" up to REFIT_MAX_ROWS rows: the held-out rows (of each partition) choose
    the count, then a second pass fits that many iterations on every row, as the single-machine
    estimator does; that pass is the single-machine fit of every row with that count."""
    X, y, _ = make_data("normal", n=3000)
    kw = dict(n_estimators=300, learning_rate=0.3, n_iter_no_change=3, random_state=0)
    got = ngbd.DaskNGBRegressor(**kw, client=client).fit(chunked(X, 1000), chunked(y, 1000))
    assert got.refitted_ and 0 < got.n_iter_ < 300
    assert len(got.validation_score_) > got.n_iter_  # the held-out rows' curve of the first pass
    assert got.dask_fit_info_["n_rows"] == 3000  # the second pass: every row
    ref = ngb.NGBRegressor(**dict(kw, n_estimators=got.n_iter_, early_stopping=False)).fit(X, y)
    assert not ref.refitted_
    np.testing.assert_allclose(ref._raw_predict(X), got._raw_predict(X), rtol=1e-9, atol=1e-12)
    with pytest.raises(ValueError, match="'cv' is not supported"):
        ngbd.DaskNGBRegressor(**dict(kw, early_stopping="cv"), client=client).fit(chunked(X, 1000), chunked(y, 1000))


def test_monotonic_constraints_are_refused_not_ignored(client):
    """The Dask estimators take monotonic_cst (the estimators' signature) but cannot honour it: a
    ValueError, never a silently unconstrained model."""
    X, y, _ = make_data("normal", n=500)
    with pytest.raises(ValueError, match="monotonic constraints are not supported"):
        ngbd.DaskNGBRegressor(**ALL_ROWS, monotonic_cst={"loc": [1, 0, 0, 0, 0]}, client=client).fit(
            chunked(X, 250), chunked(y, 250))
    with pytest.raises(ValueError, match="has its own monotonic_cst"):  # (the estimators' own check)
        ngbd.DaskNGBRegressor(**ALL_ROWS, base=HistTreeRegressor(monotonic_cst=[1, 0, 0, 0, 0]), client=client).fit(
            chunked(X, 250), chunked(y, 250))


def test_signature_is_the_estimators(client):
    """The Dask estimators take every parameter of the ngb estimators, with the same defaults."""
    import inspect

    for local, dask_cls in ((ngb.NGBRegressor, ngbd.DaskNGBRegressor), (ngb.NGBClassifier, ngbd.DaskNGBClassifier),
                            (ngb.NGBSurvival, ngbd.DaskNGBSurvival)):
        a = dict(inspect.signature(local.__init__).parameters)
        b = dict(inspect.signature(dask_cls.__init__).parameters)
        assert [n for n in b if n not in a] == ["client", "sample_rows"]
        assert {n: p.default for n, p in a.items()} == {n: b[n].default for n in a}


def test_communication_does_not_grow_with_rows(client):
    """Per iteration the client receives histograms and sums, never rows: the bytes are bounded by
    the communication model (workers * trees * histograms * features * 256 bins * 16 bytes, plus
    counts for weighted trees and small sums) whatever the number of rows."""
    per = []
    for n in (2000, 100_000):
        X, y, _ = make_data("normal", n=n)
        m = ngbd.DaskNGBRegressor(**dict(ALL_ROWS, n_estimators=3), client=client).fit(chunked(X, n // 2),
                                                                                       chunked(y, n // 2))
        info = m.dask_fit_info_
        assert info["sample_rows"] == n  # all rows set up the fit (at most SAMPLE_ROWS)
        received = info["per_iteration"][:, 1]
        # best-first trees of at most L leaves: the root's histogram, then one per split (the smaller
        # child; its sibling by subtraction)
        leaves = max(t.n_leaves for it in m._estimators for t in it)
        workers, k, q, hists = info["n_workers"], 2, X.shape[1], leaves
        bound = workers * k * hists * q * 256 * 16 + 20_000
        assert received.max() <= bound
        per.append(received.max())
    assert bound < X.nbytes  # the larger data is bigger than what an iteration moves


def test_fitted_model_is_plain_ngb(client, tmp_path):
    X, y, _ = make_data("normal", n=1500)
    got = ngbd.DaskNGBRegressor(**KW, client=client).fit(chunked(X, 500), chunked(y, 500))
    local = got.to_local()
    assert type(local) is ngb.NGBRegressor
    blob = pickle.dumps(local)
    assert b"ngb.dask" not in blob and b"distributed" not in blob
    again = pickle.loads(blob)
    np.testing.assert_array_equal(again.predict(X), got.predict(X))
    assert pickle.loads(pickle.dumps(got)).client is None  # the Dask estimator pickles without its client


def test_predict_frame(client):
    """Parameters, point predictions, quantiles and per-row scores over a dask DataFrame and a dask
    array, partition by partition, with declared columns."""
    X, y, _ = make_data("normal", n=1200)
    cols = [f"x{i}" for i in range(X.shape[1])]
    frame = pd.DataFrame(X, columns=cols)
    model = ngb.NGBRegressor(**KW).fit(frame, y)
    ddf = dd.from_pandas(frame.assign(y=y), npartitions=3)
    out = ngbd.predict_frame(model, ddf[cols], y=ddf["y"], quantiles=[0.1, 0.9], scores=["log", "crps"])
    assert list(out.columns) == ["loc", "scale", "predict", "q0.1", "q0.9", "score_log", "score_crps"]
    assert all(out.dtypes == np.float64)
    got = out.compute(scheduler=client.get)
    d = model.predict_dist(frame)
    np.testing.assert_allclose(got["loc"], d.loc)
    np.testing.assert_allclose(got["q0.9"], d.quantile(0.9))
    np.testing.assert_allclose(got["score_log"], -d.logpdf(y))
    np.testing.assert_allclose(got["score_crps"], d.score(y, "crps"))
    arr = ngbd.predict_frame(ngb.NGBRegressor(**KW).fit(X, y), chunked(X, 500), params=False, quantiles=[0.5])
    np.testing.assert_allclose(arr.compute()["q0.5"], ngb.NGBRegressor(**KW).fit(X, y).predict_dist(X).quantile(0.5))

    Xc, yc, _ = make_data("class", n=900)
    clf = ngb.NGBClassifier(**KW).fit(Xc, yc)
    out = ngbd.predict_frame(clf, chunked(Xc, 300)).compute()
    assert list(out.columns) == ["proba_a", "proba_b", "proba_c", "predict"]
    np.testing.assert_array_equal(out["predict"], clf.predict(Xc))


def test_grid_search_on_the_cluster(client):
    """GridSearchCV's fits run as tasks on the workers (joblib's Dask backend): the same search
    result as in this process."""
    from distributed import get_task_stream
    from sklearn.model_selection import GridSearchCV

    X, y, _ = make_data("normal", n=600)
    grid = {"learning_rate": [0.05, 0.2], "n_estimators": [5, 10]}
    local = GridSearchCV(ngb.NGBRegressor(random_state=0, n_jobs=1), grid, cv=2).fit(X, y)
    with get_task_stream(client) as stream, ngbd.joblib_backend(client):
        remote = GridSearchCV(ngb.NGBRegressor(random_state=0, n_jobs=1), grid, cv=2, n_jobs=-1).fit(X, y)
    assert remote.best_params_ == local.best_params_
    np.testing.assert_allclose(remote.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"])
    workers = {t["worker"] for t in stream.data}
    assert len(stream.data) >= len(grid["learning_rate"]) * len(grid["n_estimators"]) and workers


def test_errors(client):
    X, y, _ = make_data("normal", n=500)
    Xd, yd = chunked(X, 250), chunked(y, 250)
    with pytest.raises(ValueError, match="subsample must be 1.0"):
        ngbd.DaskNGBRegressor(subsample=0.5, client=client).fit(Xd, yd)
    from sklearn.tree import DecisionTreeRegressor

    with pytest.raises(ValueError, match="histogram trees"):
        ngbd.DaskNGBRegressor(base=DecisionTreeRegressor(), client=client).fit(Xd, yd)
    with pytest.raises(ValueError, match="rows"):
        ngbd.DaskNGBRegressor(client=client).fit(Xd, chunked(y[:400], 200))
    with pytest.raises(ValueError, match="same partitions"):
        ngbd.DaskNGBRegressor(client=client).fit(dd.from_pandas(pd.DataFrame(X), npartitions=2),
                                                  dd.from_pandas(pd.Series(y), npartitions=3))
    with pytest.raises(ValueError, match="Poisson"):
        ngbd.DaskNGBRegressor(dist="poisson", client=client).fit(Xd, chunked(-np.abs(y) - 1, 250))
    m = ngbd.DaskNGBRegressor(client=client)
    with pytest.raises(ValueError):
        m.fit(Xd, yd, sample_weight=chunked(np.zeros(500), 250))
    assert not hasattr(m, "n_iter_")  # a failed fit leaves the estimator unfitted


def test_early_stopping_drops_the_same_scale_steps_as_one_process(client):
    """Early stopping's per-group gate (``_engine.gate_groups``) on the workers: with the same
    validation rows, the same dropped scale steps and the same model as NGBRegressor; the refit on
    every row (rows held out per partition) replays its first pass's drops."""
    from test_gating import _hetero

    X, y = _hetero(1000)
    Xv, yv = _hetero(300, seed=5)
    kw = dict(random_state=0, n_estimators=300)
    ref = ngb.NGBRegressor(**kw).fit(X, y, X_val=Xv, y_val=yv)
    got = ngbd.DaskNGBRegressor(**kw, client=client).fit(chunked(X, 250), chunked(y, 250), X_val=chunked(Xv, 100),
                                                         y_val=chunked(yv, 100))
    assert (ref.scalings_[:, 1] == 0).sum() > 10
    assert_same_model(ref, got)
    first = ngbd.DaskNGBRegressor(**kw, early_stopping=True, client=client).fit(chunked(X, 250), chunked(y, 250))
    refit = ngbd.DaskNGBRegressor(**kw, client=client).fit(chunked(X, 250), chunked(y, 250))
    assert refit.refitted_ and refit.n_iter_ == first.n_iter_
    dropped = first.scalings_[:, 1] == 0
    assert dropped.sum() > 10 and np.all(refit.scalings_[dropped, 1] == 0)
