"""Shared glue of the atheris harnesses: write the input to a file, read it, judge the outcome.

Not a test module (pytest collects ``tests/`` and ``influence/`` only).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import warnings
from pathlib import Path

from influence.errors import InfluenceError
from influence.sources import read

WORK = Path(tempfile.mkdtemp(prefix="influence-fuzz-"))
#: Exception names already reported, skipped while hunting for new ones
#: (``INFLUENCE_FUZZ_IGNORE=OutOfBoundsDatetime,LookupError``).
KNOWN = {name for name in os.environ.get("INFLUENCE_FUZZ_IGNORE", "").split(",") if name}


def read_only_project_errors(path: Path, format: str, on_error: str) -> None:
    """Read ``path``; an InfluenceError is fine, anything else propagates (a finding)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            community = read(path, format=format, on_error=on_error)
    except InfluenceError as err:
        if "\n" in str(err):
            raise AssertionError(f"error message must be one line (got {err!r})") from err
        return
    except Exception as err:
        if type(err).__name__ in KNOWN:
            return
        raise
    for entry in community.read_stats.to_dict()["entries"]:
        if entry["read"] != entry["kept"] + sum(entry["dropped"].values()):
            raise AssertionError(f"read_stats must add up (got {entry})")


def fresh(name: str) -> Path:
    """An empty folder under the work folder (removed and created again)."""
    folder = WORK / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder
