"""The example scripts run as a user runs them (a fresh interpreter, from the repository root) and
print what their docstrings promise. Examples that need the real data skip without it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("NGB_DATA_HOME") or REPO.parent / "shared" / "datasets")

EXAMPLES = {
    # script: (data file it needs or None, lines its output must contain)
    "quickstart.py": (None, ["test NLL", "90% interval cover"]),
    "classification.py": (None, ["test accuracy", "test log loss", "true class in top 2", "labels drawn"]),
    "claim_frequency.py": ("freMTPL2freq/freMTPL2freq.csv", ["test Poisson deviance", "P(at least one claim"]),
    "survival.py": ("flchain/flchain.csv", ["test concordance", "test censored CRPS", "median", "survival at 1/5/10 years"]),
    "survival_sksurv.py": ("flchain/flchain.csv", ["ngb NGBSurvival", "sksurv Cox PH", "IBS from the callables",
                                                   "minus the median survival time"]),
    "calibration_report.py": (None, ["test CRPS", "90% interval coverage", "calibration error", "wrote 5 PNG files"]),
    "explain.py": (None, ["SHAP values (133, 10, 2)", "additivity: max", "top features for loc",
                          "top features for log_scale", "partial dependence of the 90% interval width", "wrote 3 PNG files"]),
}


def test_every_example_is_listed():
    assert sorted(p.name for p in (REPO / "examples").glob("*.py")) == sorted(EXAMPLES)


#: scripts that write files take an output directory; the test checks what they wrote there
WRITES = {"calibration_report.py": ["pit_histogram.png", "reliability.png", "intervals.png", "training_curve.png",
                                    "importances.png"],
          "explain.py": ["shap_loc.png", "shap_log_scale.png", "partial_dependence.png"]}


@pytest.mark.parametrize("script", sorted(EXAMPLES))
def test_example_runs(script, tmp_path):
    needs, expected = EXAMPLES[script]
    if needs is not None and not (DATA / needs).exists():
        pytest.skip(f"{DATA / needs} not found (set NGB_DATA_HOME)")
    if script == "survival_sksurv.py":
        pytest.importorskip("sksurv")
    env = dict(os.environ, NGB_DATA_HOME=str(DATA), MPLBACKEND="Agg")
    args = [str(tmp_path)] if script in WRITES else []
    proc = subprocess.run([sys.executable, str(REPO / "examples" / script), *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    for line in expected:
        assert line in proc.stdout, proc.stdout
    for name in WRITES.get(script, []):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
