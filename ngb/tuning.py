"""Hyperparameter search on validation data only: :func:`tune`.

``tune(estimator, X, y)`` holds out an inner validation split of the training rows (or, when that
split would hold fewer than 100 rows, uses 3-fold cross-validation: ``cv``), runs an optuna
study (TPE sampler, seeded by ``random_state``) over the learning rate, the tree shape, the minimum
leaf size and weight, metric weights, subsampling and the family (among those valid for the
target), fits every trial on the inner training rows with early stopping on the validation rows,
scores it there (default: the log score, ``estimator.score``), and refits the best settings on all
the rows given, with the iteration count the best trial stopped at. Nothing outside ``X, y`` is
ever seen, so a test set kept apart stays unseen by every choice.

optuna is an optional dependency: ``pip install "ngb[tuning]"``.
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.model_selection import train_test_split

from ._engine import majority_gates

__all__ = ["tune", "default_search_space", "candidate_families"]

#: families searched by dist="auto", in this order, kept when valid for the target and of the same kind
#: (discrete or continuous) as the estimator's family: log-densities and log-pmfs are not comparable
REGRESSION_FAMILIES = ("normal", "laplace", "logistic", "studentt", "gumbel", "lognormal", "gamma", "weibull",
                       "poisson", "negative_binomial")


def _optuna():
    try:
        import optuna
    except ImportError:  # pragma: no cover - exercised only without optuna
        raise ImportError('ngb.tuning needs optuna: pip install "ngb[tuning]" (or pip install optuna).') from None
    return optuna


def _kind(estimator):
    from .classifier import NGBClassifier
    from .survival import NGBSurvival

    if isinstance(estimator, NGBClassifier):
        return "classifier"
    if isinstance(estimator, NGBSurvival):
        return "survival"
    return "regressor"


def candidate_families(estimator, y):
    """Family names ``dist="auto"`` searches for ``estimator`` and the target ``y``: for a survival
    model the families with the censored form of its score, for a regressor the univariate families of
    ``REGRESSION_FAMILIES`` whose support holds y and which are discrete exactly when the estimator's
    family is, for a classifier none (its family is fixed by the labels). The estimator's own family
    comes first."""
    from .distributions import get_distribution
    from .scores import resolve_score

    if not isinstance(estimator.dist, (str, type(None))):
        return []  # a class or an instance (MultivariateNormal(d)): kept as given
    kind = _kind(estimator)
    own = estimator._family()
    score = resolve_score(estimator.get_params()["score"])
    if kind == "classifier":
        return []
    if kind == "survival":
        from .survival import CRPS_SURVIVAL_FAMILIES, SURVIVAL_FAMILIES

        names = CRPS_SURVIVAL_FAMILIES if score in ("crps", "censored_crps") else SURVIVAL_FAMILIES
        out = []
        for name in names:
            try:
                clone(estimator).set_params(dist=name)._check_params()
            except ValueError:
                continue
            out.append(name)
    else:
        y = np.asarray(y)
        if y.ndim != 1:
            return []
        out = []
        for name in REGRESSION_FAMILIES:
            cls = get_distribution(name)
            if cls.discrete != own.discrete or score not in cls.scores or cls.multi_output:
                continue
            try:
                cls.check_y(y)
            except ValueError:
                continue
            out.append(name)
    own_name = next((n for n in out if get_distribution(n) is own), None)
    if own_name is not None:
        out.remove(own_name)
        out.insert(0, own_name)
    return out


def default_search_space(estimator, y=None, dists="auto"):
    """{parameter name: optuna distribution} searched by :func:`tune` by default.

    learning_rate 0.005-0.3 (log), subsample 0.5-1, metric_weighted False/True (natural gradient
    only), and for a tree base with these parameters max_depth 2-6, min_samples_leaf 1-100 (log),
    min_weight_leaf one of 0, 0.1, 1, 10 (ngb's trees: the minimum sum of row weights, i.e. of
    metric weights with ``metric_weighted``, per leaf) or min_weight_fraction_leaf 0-0.1
    (scikit-learn's trees); plus ``dist`` when more than one family is valid (``dists="auto"``, see
    :func:`candidate_families`, or a list)."""
    optuna = _optuna()
    D = optuna.distributions
    space = {
        "learning_rate": D.FloatDistribution(0.005, 0.3, log=True),
        "subsample": D.FloatDistribution(0.5, 1.0),
    }
    if estimator.natural_gradient:
        space["metric_weighted"] = D.CategoricalDistribution([False, True])
    base = estimator.base
    if base is None:
        from ._defaults import default_base

        base = default_base()
    params = base.get_params()
    if "max_depth" in params:
        space["base__max_depth"] = D.IntDistribution(2, 6)
    if "min_samples_leaf" in params:
        space["base__min_samples_leaf"] = D.IntDistribution(1, 100, log=True)
    if "min_weight_leaf" in params:  # ngb's trees: minimum sum of row weights (metric weights) per leaf
        space["base__min_weight_leaf"] = D.CategoricalDistribution([0.0, 0.1, 1.0, 10.0])
    elif "min_weight_fraction_leaf" in params:  # scikit-learn trees
        space["base__min_weight_fraction_leaf"] = D.FloatDistribution(0.0, 0.1)
    families = candidate_families(estimator, y) if dists == "auto" else list(dists or [])
    if len(families) > 1:
        space["dist"] = D.CategoricalDistribution(list(families))
    return space


def _suggest(trial, name, dist):
    optuna = _optuna()
    D = optuna.distributions
    if isinstance(dist, D.CategoricalDistribution):
        return trial.suggest_categorical(name, dist.choices)
    if isinstance(dist, D.IntDistribution):
        return trial.suggest_int(name, dist.low, dist.high, step=dist.step, log=dist.log)
    if isinstance(dist, D.FloatDistribution):
        return trial.suggest_float(name, dist.low, dist.high, step=dist.step, log=dist.log)
    raise TypeError(f"search space entry {name!r}: expected an optuna distribution, got {dist!r}.")


def _take(a, idx):
    if a is None:
        return None
    if isinstance(a, (pd.DataFrame, pd.Series)):
        return a.iloc[idx]
    if type(a).__module__.startswith("polars"):
        return a[idx]
    return np.asarray(a)[idx]


def _n_rows(X):
    return X.shape[0] if hasattr(X, "shape") else len(X)


def _score_on(estimator, scorer, X, y, w, offset):
    """Greater-is-better validation score of a fitted estimator."""
    if scorer is None:  # the log score: the estimator's own mean (censored) log-likelihood
        if offset is not None:
            return float(estimator.score(X, y, sample_weight=w, offset=offset))
        return float(estimator.score(X, y, sample_weight=w))
    if offset is not None:
        from .metrics.scorers import DistributionScorer

        if not isinstance(scorer, DistributionScorer):
            raise ValueError("with an offset, scoring must be the log score or an ngb scorer (ngb.metrics.get_scorer).")
        dist = estimator.predict_dist(X, offset=offset)
        kwargs = dict(scorer.kwargs)
        if w is not None:
            kwargs["sample_weight"] = w
        return scorer.sign * float(scorer.metric(y, dist, **kwargs))
    return float(scorer(estimator, X, y, sample_weight=w) if w is not None else scorer(estimator, X, y))


#: below this many validation rows (validation_fraction * n), cv="auto" judges every trial by
#: ``AUTO_FOLDS``-fold cross-validation instead of one split: a choice among many trials made on
#: fewer rows favours the configuration that fits those few rows by chance
AUTO_CV_MIN_VALIDATION_ROWS = 100
AUTO_FOLDS = 3


def tune(estimator, X, y, *, sample_weight=None, offset=None, scoring="log", n_trials=30, timeout=None,
         validation_fraction=0.2, cv="auto", search_space=None, dists="auto", n_estimators=None, refit=True,
         random_state=None, verbose=0):
    """Search ``estimator``'s settings on an inner validation split of ``(X, y)``; refit the best.

    Parameters
    ----------
    estimator : NGBRegressor, NGBClassifier or NGBSurvival (unfitted; its settings are the start and
        whatever is not searched stays as given).
    X, y, sample_weight, offset : the training data (arrays or pandas; survival y structured).
        ``offset`` is for regressors (the log exposure of a Poisson fit).
    scoring : "log" (default: ``estimator.score``, the mean log-likelihood, censored for survival),
        an ngb or scikit-learn scorer name (``ngb.metrics.get_scorer``) or a callable
        ``scorer(estimator, X, y[, sample_weight])``; greater is better.
    n_trials, timeout : the budget: stop after ``n_trials`` trials or ``timeout`` seconds, whichever
        comes first (None: no limit on that one; at least one must be set). Only a trial budget is
        deterministic: how many trials fit in a time budget depends on the machine.
    validation_fraction : share of the rows held out for validation (stratified for classifiers).
    cv : None (one split of ``validation_fraction``), an int k >= 2 (every trial is fitted on each
        of k folds, early-stopped and scored on the fold held out; its value is the mean of the k
        scores and its iteration count the mean of the k counts), or "auto" (default): k =
        ``AUTO_FOLDS`` when the split would hold out fewer than ``AUTO_CV_MIN_VALIDATION_ROWS`` (100)
        rows, else one split.
    search_space : {parameter name: optuna distribution} (``estimator.set_params`` names, such as
        ``"base__max_depth"``), or None for :func:`default_search_space`. Names in the search space
        override the estimator's settings; ``base__`` names need a base with those parameters
        (``base=None`` means ngb's default tree).
    dists : "auto" (search the families :func:`candidate_families` finds), a list of family names,
        or None/[] (keep the estimator's family). Ignored when ``search_space`` is given.
    n_estimators : the iteration budget of each trial (early stopping on the validation rows picks
        the count); default the estimator's ``n_estimators``.
    refit : refit the best settings on all of ``X, y`` with the best trial's iteration count
        (``early_stopping=False``) and the scale and shape steps its early stopping kept (those
        most folds kept, with ``cv``; a refit applying the steps the trial's gate dropped would
        overfit the scale); False returns the best trial's model, fitted on the inner training
        rows (of the first fold with ``cv``).
    random_state : int or None; seeds the split, the sampler and every trial's fit (unless the
        estimator has its own random_state). With an int and a trial budget, results repeat exactly.
    verbose : 0 silent, 1 one line per trial (stderr).

    Returns
    -------
    (fitted estimator, trials DataFrame): one row per trial with its number, ``value`` (validation
    score, greater is better), ``n_iter`` (iterations kept by early stopping), ``seconds``, ``state``
    and one column per searched parameter; ``trials.attrs`` holds ``best_params``, ``best_value``,
    ``best_n_iter`` and ``folds`` (1 for one split; plain values: pandas copies ``attrs`` with the frame).
    """
    optuna = _optuna()
    if n_trials is None and timeout is None:
        raise ValueError("give a budget: n_trials, timeout or both.")
    if n_trials is not None and (not isinstance(n_trials, (int, np.integer)) or n_trials < 1):
        raise ValueError(f"n_trials must be a positive int or None; got {n_trials!r}.")
    if not 0 < validation_fraction < 1:
        raise ValueError(f"validation_fraction must be in (0, 1); got {validation_fraction!r}.")
    if not (cv is None or cv == "auto" or isinstance(cv, (int, np.integer)) and not isinstance(cv, bool) and cv >= 2):
        raise ValueError(f"cv must be None, 'auto' or an int >= 2; got {cv!r}.")
    kind = _kind(estimator)
    if offset is not None and kind != "regressor":
        raise ValueError("offset is only taken by NGBRegressor.")
    seed = np.random.RandomState(random_state).randint(2**31 - 1) if random_state is not None else None
    from .metrics import get_scorer

    scorer = None if scoring in (None, "log") else get_scorer(scoring)

    base_est = clone(estimator)
    if base_est.base is None:
        from ._defaults import default_base

        base_est.set_params(base=default_base())
    if base_est.random_state is None and seed is not None:
        base_est.set_params(random_state=seed)
    if n_estimators is not None:
        base_est.set_params(n_estimators=int(n_estimators))

    # ---- the inner split(s) (stratified for classes)
    n = _n_rows(X)
    if len(y) != n:
        raise ValueError(f"X has {n} rows but y has {len(y)}.")
    stratify = None
    if kind == "classifier":
        labels = np.asarray(y)
        if np.unique(labels, return_counts=True)[1].min() >= 2:
            stratify = labels
    if cv == "auto":
        cv = AUTO_FOLDS if validation_fraction * n < AUTO_CV_MIN_VALIDATION_ROWS else None
    folds = _folds(n, cv, validation_fraction, stratify, seed)
    w = None if sample_weight is None else np.asarray(sample_weight, dtype=float)
    off = None if offset is None else np.asarray(offset, dtype=float)

    space = default_search_space(base_est, y, dists) if search_space is None else dict(search_space)
    unknown = [k for k in space if k not in base_est.get_params(deep=True)]
    if unknown:
        raise ValueError(f"search_space names {unknown}, which are not parameters of {type(estimator).__name__} "
                         f"(with base {type(base_est.base).__name__}).")
    models = {}
    steps = {}  # trial number -> its folds' applied steps (_engine.applied_steps), replayed by the refit

    def fit_fold(model, idx_fit, idx_val):
        fit_kwargs = dict(X_val=_take(X, idx_val), y_val=_take(y, idx_val))
        if w is not None:
            fit_kwargs["sample_weight_val"] = w[idx_val]
        if off is not None:
            fit_kwargs.update(offset=off[idx_fit], offset_val=off[idx_val])
        model.fit(_take(X, idx_fit), _take(y, idx_fit), _take(w, idx_fit), **fit_kwargs)
        return _score_on(model, scorer, _take(X, idx_val), _take(y, idx_val), _take(w, idx_val), _take(off, idx_val))

    def objective(trial):
        params = {name: _suggest(trial, name, d) for name, d in space.items()}
        t0 = time.perf_counter()
        values, iters = [], []
        steps[trial.number] = []
        for k, (idx_fit, idx_val) in enumerate(folds):
            model = clone(base_est).set_params(**params, early_stopping=True)
            values.append(fit_fold(model, idx_fit, idx_val))
            iters.append(int(model.n_iter_))
            steps[trial.number].append(model._applied_steps())
            if k == 0:
                models[trial.number] = model
            if not np.isfinite(values[-1]):
                break
        value = float(np.mean(values))
        if not np.isfinite(value):
            value = -np.inf
        trial.set_user_attr("n_iter", int(round(np.mean(iters))))
        trial.set_user_attr("seconds", time.perf_counter() - t0)
        return value

    def report(study, trial):
        complete = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
        best = max(complete, key=lambda t: t.value) if complete else None
        if verbose:
            shown = ", ".join(f"{k}={_short(v)}" for k, v in trial.params.items())
            result = (f"{trial.value:.5g} ({trial.user_attrs.get('n_iter')} iter, "
                      f"{trial.user_attrs.get('seconds', 0):.1f} s; {shown})" if trial.value is not None
                      else f"failed ({shown})")
            best_text = "" if best is None else f"; best {best.value:.5g} (trial {best.number + 1})"
            print(f"[ngb.tune] trial {trial.number + 1}{'' if n_trials is None else f'/{n_trials}'}: {result}{best_text}",
                  file=sys.stderr, flush=True)
        for number in list(models):  # keep only the best trial's model and steps
            if best is None or number != best.number:
                del models[number]
                steps.pop(number, None)

    sampler = optuna.samplers.TPESampler(seed=seed, n_startup_trials=min(10, max(2, (n_trials or 30) // 3)))
    verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        study = optuna.create_study(direction="maximize", sampler=sampler)
        study.optimize(objective, n_trials=n_trials, timeout=timeout, callbacks=[report], catch=(ValueError, FloatingPointError))
    finally:
        optuna.logging.set_verbosity(verbosity)
    done = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    if not done:
        failed = [t for t in study.trials if t.state == optuna.trial.TrialState.FAIL]
        raise RuntimeError(f"no trial completed ({len(failed)} failed); see the warnings above.")

    best = max(done, key=lambda t: t.value)  # the first of equal values, as in report()
    best_params = dict(best.params)
    best_n_iter = max(1, int(best.user_attrs["n_iter"]))
    if refit:
        # the best trial's count with the steps its early stopping's gate kept (those most folds
        # kept): a refit that also applied the dropped scale steps would overfit the scale
        final = clone(base_est).set_params(**best_params, n_estimators=best_n_iter, early_stopping=False)
        kwargs = {} if off is None else {"offset": off}
        final._fit(X, y, w, gates=majority_gates(steps[best.number], best_n_iter), **kwargs)
    else:
        final = models[best.number]

    rows = []
    for t in study.trials:
        row = {"number": t.number, "value": t.value, "n_iter": t.user_attrs.get("n_iter"),
               "seconds": t.user_attrs.get("seconds"), "state": t.state.name}
        row.update(t.params)
        rows.append(row)
    trials = pd.DataFrame(rows, columns=["number", "value", "n_iter", "seconds", "state", *space])
    trials.attrs.update(best_params=best_params, best_value=float(best.value), best_n_iter=best_n_iter,
                        folds=len(folds))
    if verbose:
        print(f"[ngb.tune] best {best.value:.5g} (trial {best.number + 1}, {best_n_iter} iterations): {best_params}",
              file=sys.stderr, flush=True)
    return final, trials


def _folds(n, cv, validation_fraction, stratify, seed):
    """[(fit rows, validation rows)], sorted index arrays: one seeded split, or ``cv`` shuffled folds
    (stratified when ``stratify`` labels are given)."""
    from sklearn.model_selection import KFold, StratifiedKFold

    if cv is None:
        idx_fit, idx_val = train_test_split(np.arange(n), test_size=validation_fraction, stratify=stratify,
                                            random_state=seed)
        return [(np.sort(idx_fit), np.sort(idx_val))]
    splitter = (StratifiedKFold if stratify is not None else KFold)(n_splits=int(cv), shuffle=True, random_state=seed)
    return [(np.sort(a), np.sort(b)) for a, b in splitter.split(np.zeros(n), stratify)]


def _short(v):
    return f"{v:.4g}" if isinstance(v, float) else str(v)
