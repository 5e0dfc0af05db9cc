"""Distributed training on a local Dask cluster against the single-process fit of the same data.

For each family (Normal, Poisson): ``--rows`` rows x ``--features`` features of ngb's synthetic data
(``ngb.datasets.synthetic``), generated in ``--partitions`` blocks (block i seeded by i, so every
process makes the same rows), fitted

- in one process (``ngb.NGBRegressor``, all cores), in a child process of its own;
- on a ``distributed.LocalCluster`` of ``--workers`` worker processes of one thread each
  (``ngb.dask.DaskNGBRegressor``), the blocks generated on the workers (no data through the client),
  the cluster started fresh for the fit;

with the same settings (``--iterations`` iterations, learning rate 0.1, no early stopping, depth-3
trees). Reported: fit time, the set-up's share of it (for the cluster: sample, binning), peak resident
memory of the single process, of each worker process and of the client (its growth during the fit),
the bytes the client sends and receives per iteration (array payloads of the protocol, from
``dask_fit_info_``), the round trips per iteration, and the test NLL of both models on
``--test-rows`` fresh rows (the cluster's scored on the cluster with ``ngb.dask.predict_frame``).

Usage: python benchmarks/dask_scale.py [--rows 10000000] [--features 20] [--partitions 8] [--workers 2]
       [--iterations 100] [--families normal,poisson] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np

TEST_SEED = 10**6


def make_block(family, i, rows, p):
    """Block i of the data: (X, y) from ngb's synthetic generators seeded by i."""
    from ngb.datasets import synthetic

    make = synthetic.make_heteroscedastic_normal if family == "normal" else synthetic.make_poisson_counts
    X, y, _ = make(rows, n_features=p, random_state=i)
    return X, y.astype(np.float64)


def block_rows(n, parts):
    return [n // parts + (1 if i < n % parts else 0) for i in range(parts)]


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def model_params(args):
    from ngb.tree import HistTreeRegressor

    # depth-3 trees, steps lengthened up to 256 times: the settings of the table (before the defaults study)
    return dict(dist=args.family, n_estimators=args.iterations, learning_rate=0.1, early_stopping=False,
                base=HistTreeRegressor(max_depth=3, min_samples_leaf=10), max_scaling=256.0, random_state=0)


def single(args):
    """The single-process fit (run in a child process): JSON on stdout."""
    import ngb

    rows = block_rows(args.rows, args.partitions)
    blocks = [make_block(args.family, i, r, args.features) for i, r in enumerate(rows)]
    X = np.concatenate([b[0] for b in blocks])
    y = np.concatenate([b[1] for b in blocks])
    del blocks
    before = peak_mb()
    t0 = time.perf_counter()
    model = ngb.NGBRegressor(**model_params(args)).fit(X, y)
    fit_s = time.perf_counter() - t0
    peak = peak_mb()
    del X, y
    Xt, yt = make_block(args.family, TEST_SEED, args.test_rows, args.features)
    nll = float(-model.predict_dist(Xt).logpdf(yt).mean())
    print(json.dumps(dict(fit_s=fit_s, peak_mb=peak, rss_before_fit_mb=before, test_nll=nll,
                          train_nll=float(model.train_score_[-1]))))


def cluster(args):
    import dask
    import dask.array as da
    from distributed import Client, LocalCluster

    import ngb.dask as ngbd

    rows = block_rows(args.rows, args.partitions)
    with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None, memory_limit=0) as lc, Client(lc) as client:
        client.wait_for_workers(args.workers, timeout=120)

        def blocks(n_rows, seeds):
            parts = [dask.delayed(make_block, pure=True, nout=2)(args.family, s, r, args.features)
                     for s, r in zip(seeds, n_rows)]
            X = da.concatenate([da.from_delayed(b[0], (r, args.features), np.float64) for b, r in zip(parts, n_rows)])
            y = da.concatenate([da.from_delayed(b[1], (r,), np.float64) for b, r in zip(parts, n_rows)])
            return X, y

        X, y = blocks(rows, range(len(rows)))
        client_before = peak_mb()
        t0 = time.perf_counter()
        extra = {} if args.sample_rows is None else {"sample_rows": args.sample_rows}
        model = ngbd.DaskNGBRegressor(**model_params(args), client=client, **extra).fit(X, y)
        fit_s = time.perf_counter() - t0
        client_peak = peak_mb()
        worker_peaks = sorted(client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024).values())
        info = model.dask_fit_info_
        test_parts = block_rows(args.test_rows, args.workers)
        Xt, yt = blocks(test_parts, [TEST_SEED + i for i in range(len(test_parts))])
        scores = ngbd.predict_frame(model.to_local(), Xt, y=yt, params=False, point=False, scores=["log"])
        nll = float(scores["score_log"].mean().compute())
    per = info["per_iteration"]
    loop_s = info["fit_seconds"] - info["setup_seconds"]
    return dict(fit_s=fit_s, setup_s=info["setup_seconds"], loop_s=loop_s, loop_wait_s=info["loop_wait_seconds"],
                iterations=len(per), rows=info["n_rows"], client_peak_mb=client_peak,
                client_growth_mb=client_peak - client_before, worker_peak_mb=worker_peaks,
                sent_per_iter=float(per[:, 0].mean()), received_per_iter=float(per[:, 1].mean()),
                received_per_iter_max=int(per[:, 1].max()), round_trips_per_iter=float(per[:, 2].mean()),
                sample_bytes=info["sample_bytes"], setup_bytes_received=info["setup_bytes_received"],
                setup_bytes_sent=info["setup_bytes_sent"], test_nll=nll, train_nll=float(model.train_score_[-1]),
                n_workers=info["n_workers"], n_partitions=info["n_partitions"])


def projection(c, workers=100, rows=1e9, bandwidth=1.25e9, latency=1e-3):
    """Projected seconds per iteration of a fit of ``rows`` rows on ``workers`` workers (one thread
    each) from a measured cluster fit ``c``: the workers' compute at the measured cost per row, plus
    the client's inbound histograms at ``bandwidth`` bytes/s, plus its reduction at the measured
    cost per byte, plus ``latency`` per round trip."""
    its = c["iterations"]
    per_row = c["loop_wait_s"] / its / (c["rows"] / c["n_workers"])  # worker time per row per iteration
    per_worker_bytes = c["received_per_iter"] / c["n_workers"]
    client_per_byte = (c["loop_s"] - c["loop_wait_s"]) / its / c["received_per_iter"]
    parts = dict(compute=per_row * rows / workers, network=workers * per_worker_bytes / bandwidth,
                 reduce=workers * per_worker_bytes * client_per_byte, latency=c["round_trips_per_iter"] * latency)
    return dict(per_row_ns=per_row * 1e9, per_worker_bytes=per_worker_bytes, client_ns_per_byte=client_per_byte * 1e9,
                parts=parts, total=sum(parts.values()))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--features", type=int, default=20)
    parser.add_argument("--partitions", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--iterations", type=int, default=100)
    parser.add_argument("--test-rows", type=int, default=200_000)
    parser.add_argument("--families", default="normal,poisson")
    parser.add_argument("--sample-rows", type=int, default=None, help="the cluster's set-up sample (default: ngb.dask's)")
    parser.add_argument("--json", default=None, help="write the results here too")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--family", default="normal", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        single(args)
        return
    results = {}
    load = [os.getloadavg()]
    t_all = time.perf_counter()
    for family in args.families.split(","):
        args.family = family
        cmd = [sys.executable, __file__, "--child", "--family", family, "--rows", str(args.rows), "--features",
               str(args.features), "--partitions", str(args.partitions), "--iterations", str(args.iterations),
               "--test-rows", str(args.test_rows)]
        one = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1])
        load.append(os.getloadavg())
        dist = cluster(args)
        load.append(os.getloadavg())
        results[family] = dict(single=one, cluster=dist)
        print(json.dumps({family: results[family]}), flush=True)
    results["load"] = load
    results["minutes"] = (time.perf_counter() - t_all) / 60
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(results, fh, indent=1)
    w = args.workers
    print()
    print(f"| family | fit | fit s | set-up s | s / iteration | peak RSS MB | bytes to client / iteration | "
          f"bytes from client / iteration | round trips / iteration | test NLL |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for family in args.families.split(","):
        s, c = results[family]["single"], results[family]["cluster"]
        print(f"| {family} | one process (2 threads) | {s['fit_s']:.1f} | — | {s['fit_s'] / args.iterations:.3f} | "
              f"{s['peak_mb']:.0f} | — | — | — | {s['test_nll']:.5f} |")
        workers = " / ".join(f"{m:.0f}" for m in c["worker_peak_mb"])
        print(f"| {family} | {w} workers x 1 thread | {c['fit_s']:.1f} | {c['setup_s']:.1f} | "
              f"{(c['fit_s'] - c['setup_s']) / args.iterations:.3f} | workers {workers}; client {c['client_peak_mb']:.0f} "
              f"(+{c['client_growth_mb']:.0f}) | {c['received_per_iter']:,.0f} | {c['sent_per_iter']:,.0f} | "
              f"{c['round_trips_per_iter']:.1f} | {c['test_nll']:.5f} |")
    for family in args.families.split(","):
        pr = projection(results[family]["cluster"])
        results[family]["projection"] = pr
        parts = ", ".join(f"{k} {v:.3f} s" for k, v in pr["parts"].items())
        print(f"\n{family}: measured {pr['per_row_ns']:.1f} ns per row and iteration on a worker, "
              f"{pr['per_worker_bytes']:,.0f} bytes per worker and iteration to the client, client "
              f"{pr['client_ns_per_byte']:.2f} ns per byte received; projected 1e9 rows on 100 workers "
              f"(10 Gb/s, 1 ms a round trip): {parts}; {pr['total']:.2f} s per iteration")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(results, fh, indent=1)
    print(f"\nload averages (1, 5, 15 min) before, between and after the fits: "
          f"{[tuple(round(v, 2) for v in x) for x in load]}; total {results['minutes']:.1f} min")


if __name__ == "__main__":
    main()
