"""Progress reporting for long fits: ``logging`` records, plus a progress bar when tqdm is present."""

from __future__ import annotations

import logging
import sys
import time

import numpy as np
from contextlib import contextmanager

logger = logging.getLogger("ngb")

__all__ = ["logger", "FitProgress"]


@contextmanager
def _visible(verbose):
    """With verbose on and logging unconfigured, show ngb's INFO records on stderr for this fit."""
    handler = None
    if verbose and not logger.hasHandlers():
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("[ngb] %(message)s"))
        logger.addHandler(handler)
    old_level = logger.level
    if verbose and logger.getEffectiveLevel() > logging.INFO:
        logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.setLevel(old_level)
        if handler is not None:
            logger.removeHandler(handler)


class FitProgress:
    """Reports iteration, training and validation score every ``every`` iterations.

    ``verbose=0``: silent. ``verbose=1``: a log line every ~10% of the fit and a tqdm progress bar
    when tqdm is installed and the fit is long (>= 200 iterations). ``verbose>=2``: a line every
    iteration.
    """

    def __init__(self, verbose, n_iter, score_name):
        self.verbose = max(int(verbose or 0), 0)  # negative values are silent, as 0
        self.n_iter = n_iter
        self.score_name = score_name
        self.every = 1 if self.verbose >= 2 else max(1, n_iter // 10)
        self.bar = None
        self._ctx = None
        self._start = None

    def __enter__(self):
        self._start = time.perf_counter()
        if self.verbose:
            self._ctx = _visible(True)
            self._ctx.__enter__()
            if self.n_iter >= 200:
                try:
                    from tqdm.auto import tqdm
                except ImportError:
                    tqdm = None
                if tqdm is not None:
                    self.bar = tqdm(total=self.n_iter, desc="ngb fit", leave=False)
        return self

    def update(self, it, train, val=None, scaling=None):
        if not self.verbose:
            return
        if self.bar is not None:
            self.bar.update(1)
            self.bar.set_postfix(train=f"{train:.4f}", **({} if val is None else {"val": f"{val:.4f}"}))
        if (it + 1) % self.every == 0 or it == 0:
            msg = f"iter {it + 1}/{self.n_iter}  train {self.score_name} {train:.5f}"
            if val is not None:
                msg += f"  val {self.score_name} {val:.5f}"
            if scaling is not None:
                msg += "  step " + "/".join(f"{s:.3g}" for s in np.atleast_1d(scaling))
            logger.info(msg)

    def finish(self, message):
        if self.verbose:
            logger.info(f"{message} in {time.perf_counter() - self._start:.2f} s")

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.close()
        if self._ctx is not None:
            self._ctx.__exit__(*exc)
        return False
