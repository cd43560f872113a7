"""The lint runs with the tests, so that one command checks everything."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(
    importlib.util.find_spec("ruff") is None,
    reason="ruff is not installed: pip install -e '.[dev]'",
)
def test_ruff_finds_nothing():
    targets = [
        p for p in ("influence", "tests", "benchmarks", "notebooks", "fuzz") if (ROOT / p).exists()
    ]
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", *targets],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
