"""The ``ngb`` command line: fit, predict, evaluate and tune on CSV or Parquet files.

    ngb fit train.csv --target y --dist normal -o model.ngb
    ngb predict model.ngb test.csv --quantiles 0.05,0.95 -o pred.csv
    ngb evaluate model.ngb test.csv
    ngb tune train.csv --target y --trials 30 -o model.ngb

Every command exits 0 on success, 1 on bad data or files (a message on stderr starting "ngb: error:"),
2 on bad arguments; output files are written to a temporary name and renamed, so a failed command
leaves nothing half-written.

The package: ``_files`` (tables and model files), ``_columns`` (column roles, the estimator),
``_commands`` (fit, tune, predict, evaluate), ``_parser`` (arguments, ``main``).
"""

from __future__ import annotations

from ._parser import main, build_parser
from ._files import CLIError, load_model, save_model, read_table, write_table
from ._commands import metrics_table

__all__ = ["main", "build_parser", "CLIError", "load_model", "save_model", "read_table", "write_table",
           "metrics_table"]
