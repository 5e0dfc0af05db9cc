"""Virtual environments for the competitors of the benchmarks, and running code inside them.

Each competitor lives in its own environment under ``benchmarks/.envs/<name>`` (git-ignored), so
its pinned dependencies never touch ngb's. ``ngb`` itself runs in the interpreter that runs the
benchmark. Create them with ``python benchmarks/envs.py [name ...]``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
ENV_DIR = ROOT / ".envs"

#: competitor name -> pip requirements of its environment
ENVIRONMENTS = {
    "ngboost": ["ngboost==0.6.0"],
    "peers": ["catboost", "lightgbm", "xgboost-distribution", "pandas"],
    "survival": ["scikit-survival", "pandas"],
}


def python_of(name: str) -> str:
    """Interpreter of environment ``name`` ("ngb" is the current interpreter)."""
    if name == "ngb":
        return sys.executable
    return str(ENV_DIR / name / "bin" / "python")


def ensure(name: str) -> str:
    """Create environment ``name`` if missing; return its interpreter path."""
    if name == "ngb":
        return sys.executable
    py = Path(python_of(name))
    marker = ENV_DIR / name / ".ready"
    if not marker.exists():
        venv.EnvBuilder(with_pip=True, clear=True).create(ENV_DIR / name)
        subprocess.run([str(py), "-m", "pip", "install", "--quiet", *ENVIRONMENTS[name]], check=True)
        marker.write_text(json.dumps(ENVIRONMENTS[name]))
    return str(py)


def run(name: str, script: str, args: dict, timeout: float | None = None) -> dict:
    """Run ``script`` (a path) with environment ``name``'s interpreter.

    ``args`` is passed as JSON on stdin; the script prints one JSON object as its last line of
    stdout, which is returned.
    """
    py = ensure(name)
    env = dict(os.environ)
    proc = subprocess.run(
        [py, script], input=json.dumps(args), capture_output=True, text=True, timeout=timeout, env=env
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{name} run of {script} failed:\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    for env_name in sys.argv[1:] or list(ENVIRONMENTS):
        print(env_name, ensure(env_name))
