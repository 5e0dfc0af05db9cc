"""Progress reporting for long fits: ``logging`` records, plus a progress bar when tqdm is present.

With ``verbose=1`` a fit logs, through the logger ``"ngb"``, one line saying what the numbers are,
then every ~10% of the iterations a line such as::

    [ngb] iter 200/2000  train NLL 1.31052  val NLL 1.46603  line-search step 0.5

"train"/"val" are the mean score being minimised on the training/validation rows (a loss: lower is
better; NLL for the log score, CRPS, censored NLL, censored CRPS, Brier), "line-search step" the
multiplier the line search chose for that iteration's fitted step (the update is learning_rate
times it times the step). ``model.score(X, y)`` is something else: the mean log-likelihood,
higher is better (for the log score, minus the NLL above). While a tqdm bar is shown the log lines
are written through ``tqdm.write`` (above the bar, not into it), and the bar is closed before the
final line, also when early stopping ends the fit before ``n_estimators``.
"""

from __future__ import annotations

import logging
import sys
import time
from contextlib import ExitStack, contextmanager

import numpy as np

logger = logging.getLogger("ngb")

__all__ = ["logger", "FitProgress", "SCORE_LABELS"]

#: short label of each rule's mean score in the log lines
SCORE_LABELS = {"log": "NLL", "crps": "CRPS", "censored_log": "censored NLL", "censored_crps": "censored CRPS",
                "brier": "Brier score"}


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


def _is_console(handler):
    return isinstance(handler, logging.StreamHandler) and getattr(handler, "stream", None) in (sys.stdout, sys.stderr)


def _describe(score_name):
    """One line on what the logged numbers are, for the rule ``score_name``."""
    from .scores import resolve_score, _SCORES

    name = resolve_score(score_name)
    description = _SCORES[name].description if name in _SCORES else name
    label = SCORE_LABELS.get(name, name)
    likelihood = "censored log-likelihood" if name.startswith("censored") else "log-likelihood"
    return (f"train/val {label}: mean {description} per row, the loss minimised (lower is better; model.score(X, y) "
            f"is the mean {likelihood}, higher is better); line-search step: the multiplier of each iteration's "
            "fitted step")


class FitProgress:
    """Reports iteration, training and validation score every ``every`` iterations.

    ``verbose=0``: silent. ``verbose=1``: a line on what the numbers are, a log line every ~10% of
    the fit, and a tqdm progress bar when tqdm is installed and the fit is long (>= 200 iterations).
    ``verbose>=2``: a line every iteration. ``score_name`` is the rule being minimised ("log", ...);
    ``units``: optional (train, validation) maps of a mean score from the engine's fitting units to
    the target's (``_units.py``), so the lines show what ``train_score_`` will hold.
    """

    def __init__(self, verbose, n_iter, score_name, units=None):
        self.verbose = max(int(verbose or 0), 0)  # negative values are silent, as 0
        identity = lambda v: v  # noqa: E731
        self._train_units, self._val_units = units or (identity, identity)
        self.n_iter = n_iter
        self.score_name = score_name
        self.label = SCORE_LABELS.get(score_name, score_name)
        self.every = 1 if self.verbose >= 2 else max(1, n_iter // 10)
        self.bar = None
        self._stack = None
        self._start = None

    def __enter__(self):
        self._start = time.perf_counter()
        if self.verbose:
            self._stack = ExitStack()
            self._stack.enter_context(_visible(True))
            logger.info(f"fit: up to {self.n_iter} iterations; {_describe(self.score_name)}")
            if self.n_iter >= 200:
                self._open_bar()
        return self

    def _open_bar(self):
        try:
            from tqdm.auto import tqdm
            from tqdm.contrib.logging import logging_redirect_tqdm
        except ImportError:
            return
        bar = ExitStack()  # closed first: the bar, then the redirection of the log lines
        # console handlers of ngb's logger (the one _visible adds) and of the root logger (basicConfig)
        # write through tqdm.write while the bar is shown, so lines print above it, not into it
        consoles = [lg for lg in (logger, logging.root) if any(_is_console(h) for h in lg.handlers)]
        if consoles:
            bar.enter_context(logging_redirect_tqdm(loggers=consoles, tqdm_class=tqdm))
        self.bar = bar.enter_context(tqdm(total=self.n_iter, desc="ngb fit", leave=False))
        self._bar_stack = bar

    def _close_bar(self):
        if self.bar is not None:
            self.bar = None
            self._bar_stack.close()

    def update(self, it, train, val=None, scaling=None):
        if not self.verbose:
            return
        train = float(self._train_units(train))
        val = None if val is None else float(self._val_units(val))
        if self.bar is not None:
            self.bar.update(1)
            postfix = f"train {self.label} {train:.4f}" + ("" if val is None else f", val {self.label} {val:.4f}")
            self.bar.set_postfix_str(postfix, refresh=False)
        if (it + 1) % self.every == 0 or it == 0:
            msg = f"iter {it + 1}/{self.n_iter}  train {self.label} {train:.5f}"
            if val is not None:
                msg += f"  val {self.label} {val:.5f}"
            if scaling is not None:
                msg += "  line-search step " + "/".join(f"{s:.3g}" for s in np.atleast_1d(scaling))
            logger.info(msg)

    def finish(self, message):
        """Close the bar (early stopping may end the fit before n_iter), then log ``message``."""
        self._close_bar()
        if self.verbose:
            logger.info(f"{message} in {time.perf_counter() - self._start:.2f} s")

    def __exit__(self, *exc):
        self._close_bar()
        if self._stack is not None:
            self._stack.__exit__(*exc)
        return False
