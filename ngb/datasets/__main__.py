"""``python -m ngb.datasets [--data-home DIR] [NAME ...]``: check dataset files against the manifest.

Prints one line per file and exits 1 if any file is missing or corrupt. Never downloads.
"""

from __future__ import annotations

import argparse
import sys

from ._files import get_data_home, list_datasets, verify


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m ngb.datasets", description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help=f"datasets to check (default: all of {', '.join(list_datasets())})")
    parser.add_argument("--data-home", default=None, help="directory holding the data (default: $NGB_DATA_HOME)")
    args = parser.parse_args(argv)
    for name in args.names:
        if name not in list_datasets():
            parser.error(f"unknown dataset {name!r}")
    report = verify(args.names or None, data_home=args.data_home)
    bad = 0
    for path, status in report.items():
        if status == "ok":
            print(f"ok       {path}")
        else:
            bad += 1
            print(f"FAILED   {path}: {status}")
    print(f"{len(report) - bad} ok, {bad} failed (data home {get_data_home(args.data_home)})")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
