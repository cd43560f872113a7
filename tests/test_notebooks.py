"""The notebooks run from top to bottom (nbclient, kernel python3), so they never go stale."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))

nbformat = pytest.importorskip("nbformat", reason="pip install -e '.[dev]' for the notebooks")
nbclient = pytest.importorskip("nbclient", reason="pip install -e '.[dev]' for the notebooks")


def test_the_documented_notebooks_exist():
    names = [path.name for path in NOTEBOOKS]
    assert "01_quickstart.ipynb" in names and "02_metrics_explained.ipynb" in names
    readme = (ROOT / "README.md").read_text()
    for name in names:
        assert name in readme, f"{name} is not described in the README"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path, monkeypatch):
    # the kernel imports this checkout even when it is not installed
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    )
    monkeypatch.setenv("MPLBACKEND", "Agg")
    notebook = nbformat.read(path, as_version=4)
    # the notebooks use only the public API and shipped data: no private helper
    source = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")
    assert "._" not in source.replace("._repr_", "")
    assert "import influence._" not in source and "from influence._" not in source
    client = nbclient.NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=300,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()  # raises CellExecutionError, with the failing cell, on any error
    errors = [
        output
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]
    assert errors == []
