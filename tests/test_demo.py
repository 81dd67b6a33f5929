"""The README's main command (`make demo`) runs end to end on a copy of the repository."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_demo__fresh_copy__validate_plan_apply_drift_converge(tmp_path: Path) -> None:
    for item in ("biaswatch.yaml", "monitors", "scripts", "schema", "examples"):
        src = REPO / item
        (shutil.copytree if src.is_dir() else shutil.copy)(src, tmp_path / item)
    env = {**os.environ, "BIASWATCH_PYTHON": sys.executable, "PYTHONPATH": str(REPO)}
    proc = subprocess.run(
        ["bash", "scripts/demo.sh"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    out = proc.stdout
    assert "Bias preview of credit-risk-bias: 400 rows" in out
    assert "gender  female       DPPL    0.2452" in out
    assert "Plan: 3 to create, 0 to update, 0 to delete." in out
    assert "schedule_cron_expression: 'cron(0 5 ? * * *)' → 'cron(0 * ? * * *)'" in out
    assert out.rstrip().endswith("Demo complete\x1b[0m")
    assert (tmp_path / ".biaswatch" / "local-state.json").is_file()
