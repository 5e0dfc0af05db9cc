"""The argument parser and ``main``."""

from __future__ import annotations

import argparse
import sys

from ._commands import cmd_evaluate, cmd_fit, cmd_predict, cmd_tune
from ._files import CLIError


def _model_args(p):
    p.add_argument("data", help="training data: .csv (.tsv) or .parquet (Parquet needs pyarrow)")
    p.add_argument("--target", "-y", help="target column (not for survival: use --time and --event)")
    p.add_argument("--kind", choices=("auto", "regressor", "classifier", "survival"), default="auto",
                   help="estimator (default auto: survival with --time/--event, classifier with a class --dist "
                        "(softmax_categorical, categorical, bernoulli), else regressor)")
    p.add_argument("--dist", help="family, e.g. normal, lognormal, poisson, negative_binomial, categorical "
                                  "(default: the estimator's own)")
    p.add_argument("--score", help="scoring rule boosted: log (default) or crps (brier for classes)")
    p.add_argument("--time", help="survival time column")
    p.add_argument("--event", help="survival event column (1/0 or true/false; 0 = censored)")
    p.add_argument("--offset", help="offset column, added to the first internal parameter (log rate for poisson)")
    p.add_argument("--exposure", help="exposure column: the offset is its log (poisson claim frequencies)")
    p.add_argument("--weight", help="sample-weight column")
    p.add_argument("--id", help="id column: not a feature, copied to the predictions")
    p.add_argument("--categorical", help="comma-separated categorical columns (text columns and Parquet categories "
                                         "are categorical anyway)")
    p.add_argument("--drop", help="comma-separated columns that are not features")
    p.add_argument("--param", "-p", action="append", metavar="NAME=VALUE",
                   help="any estimator parameter, repeatable: -p n_estimators=1000 -p base__max_depth=4")
    p.add_argument("--random-state", type=int, default=None, help="seed (an int gives repeatable results)")
    p.add_argument("--verbose", "-v", action="count", default=0, help="show progress (repeat for more)")
    p.add_argument("-o", "--output", required=True, help="model file to write")


def build_parser():
    import ngb

    saving = ("Model files are written with ngb.save (safe format) and a PATH.json file of column roles."
              if hasattr(ngb, "save") else
              "Model files are joblib pickles (this ngb has no ngb.save yet): load only files you trust.")
    parser = argparse.ArgumentParser(
        prog="ngb", description="Natural gradient boosting for probabilistic prediction, from the shell. " + saving,
        epilog="example: ngb fit train.csv --target y -o m.ngb && ngb predict m.ngb test.csv --interval 0.9 -o "
               "p.csv && ngb evaluate m.ngb test.csv",
    )
    parser.add_argument("--version", action="version", version=f"ngb {ngb.__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    p = sub.add_parser("fit", help="fit a model on a table and write the model file",
                       description="Fit an NGBRegressor, NGBClassifier or NGBSurvival. Every column not named by a "
                                   "role (--target, --weight, --offset, --id, ...) or --drop is a feature. " + saving)
    _model_args(p)
    g = p.add_mutually_exclusive_group()
    g.add_argument("--validation", help="validation file (same columns) for early stopping")
    g.add_argument("--validation-fraction", type=float, help="hold out this share of the rows for early stopping")
    p.set_defaults(func=cmd_fit)

    p = sub.add_parser("tune", help="search the settings on an inner validation split, refit, write the model",
                       description="ngb.tuning.tune on a table (needs optuna): searches the learning rate, tree "
                                   "shape, leaf size and weight, metric weights, subsampling and the family on a "
                                   "validation split of the rows given, then refits the best settings on all of "
                                   "them. " + saving)
    _model_args(p)
    p.add_argument("--trials", type=int, default=30, help="trial budget (default 30)")
    p.add_argument("--timeout", type=float, default=None, help="time budget in seconds")
    p.add_argument("--scoring", default="log", help="log (default) or an ngb scorer name, e.g. neg_crps")
    p.add_argument("--dists", default="auto",
                   help="families searched: auto (those valid for the target), a comma list, or '' (keep --dist)")
    p.add_argument("--validation-fraction", type=float, default=0.2, help="inner validation share (default 0.2)")
    p.add_argument("--cv", default="auto",
                   help="folds per trial: auto (3 when the validation share would hold under 100 rows, else one "
                        "split; default), none (one split) or an integer >= 2")
    p.add_argument("--trials-output", help="write the trial table (CSV/Parquet)")
    p.set_defaults(func=cmd_tune)

    p = sub.add_parser("predict", help="write predictions (point, quantiles, intervals, parameters, samples)",
                       description="Predict with a model file. Output columns: the id column (if any), 'prediction' "
                                   "(the mean; for classifiers the label and proba_<class>; for survival "
                                   "'median_time'), then what is asked for.")
    p.add_argument("model", help="model file written by 'ngb fit' or 'ngb tune'")
    p.add_argument("data", help="rows to predict: .csv or .parquet with the training features")
    p.add_argument("-o", "--output", default="-", help="output .csv or .parquet (default: CSV on stdout)")
    p.add_argument("--quantiles", help="comma-separated levels, e.g. 0.05,0.5,0.95 (columns q0.05, ...)")
    p.add_argument("--interval", help="comma-separated central interval coverages, e.g. 0.9 (lower0.9, upper0.9)")
    p.add_argument("--params", action="store_true", help="also write the distribution's parameters")
    p.add_argument("--times", help="survival: comma-separated times t (columns survival_t = S(t))")
    p.add_argument("--samples", type=int, default=0, help="draws per row (columns sample_0, ...)")
    p.add_argument("--id", help="id column to copy (default: the one given at fit)")
    p.add_argument("--random-state", type=int, default=0, help="seed of the samples (default 0)")
    p.set_defaults(func=cmd_predict)

    p = sub.add_parser("evaluate", help="print the metrics of a model on a table with its targets",
                       description="Metrics of the predicted distributions: NLL, CRPS, RMSE, MAE, interval coverage "
                                   "and score, calibration error (regression); log loss, Brier score, accuracy "
                                   "(classes); censored NLL, concordance, censored CRPS (survival).")
    p.add_argument("model", help="model file written by 'ngb fit' or 'ngb tune'")
    p.add_argument("data", help=".csv or .parquet with the features and the target column(s)")
    p.add_argument("--target", help="target column, if not the one named at fit")
    p.add_argument("--json", action="store_true", help="print the metrics as JSON")
    p.add_argument("--plots", metavar="DIR", help="also write PIT histogram and reliability diagram PNGs (regression)")
    p.set_defaults(func=cmd_evaluate)
    return parser


def main(argv=None):
    """Entry point of the ``ngb`` console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except CLIError as err:
        print(f"ngb: error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("ngb: interrupted", file=sys.stderr)
        return 130
