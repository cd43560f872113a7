"""Write the outputs of an analysis: users.csv, users.parquet, summary.json, report.html."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pandas as pd

from influence.analysis import Analysis
from influence.errors import InfluenceError
from influence.report.exports import users_for_parquet, write_parquet
from influence.report.html import render_report
from influence.report.summary import build_summary

__all__ = ["write_model_outputs", "write_outputs"]


def write_outputs(
    analysis: Analysis, out: str | Path, *, source: dict | None = None, lang: str = "en"
) -> dict[str, Path]:
    """Write every output file into ``out`` (created if needed).

    ``users.csv`` and ``users.parquet`` hold the same table; ``users.parquet``
    has the stable column types of :data:`influence.report.exports.USERS_DTYPES`
    (text as strings, every number as float64). ``lang`` (``"en"`` or ``"fr"``) is
    the language of ``report.html``; the other files are language-neutral.

    Returns
    -------
    dict
        Output name -> path written.

    Raises
    ------
    InfluenceError
        When ``out`` cannot be created or written.
    """
    out = Path(out)
    start = time.perf_counter()
    try:
        out.mkdir(parents=True, exist_ok=True)
        paths = {
            "users.csv": out / "users.csv",
            "users.parquet": out / "users.parquet",
            "summary.json": out / "summary.json",
            "report.html": out / "report.html",
        }
        table = _csv_ready(analysis.users.reset_index())
        table.to_csv(paths["users.csv"], index=False, lineterminator="\n")
        write_parquet(users_for_parquet(analysis.users), paths["users.parquet"])
        summary = build_summary(analysis, source=source)
        paths["report.html"].write_text(
            render_report(analysis, summary, lang=lang), encoding="utf-8"
        )
        summary["timings_seconds"]["write"] = round(time.perf_counter() - start, 4)
        paths["summary.json"].write_text(
            json.dumps(summary, indent=2, ensure_ascii=False, default=str) + "\n",
            encoding="utf-8",
        )
    except OSError as err:
        raise InfluenceError(
            f"output folder must be writable (got {err.strerror or err} for {err.filename or out})"
        ) from err
    return paths


def _csv_ready(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with its float64 columns as the text ``to_csv`` would write for them.

    pandas formats floats with numpy's ``astype(str)``; Python's ``repr`` gives
    the same shortest round-trip text about twice as fast, which matters for a
    users table of millions of cells. Missing values stay missing (written as
    empty cells). The file is byte for byte the one ``to_csv`` writes from
    ``table`` itself (``tests/report/test_write.py``).
    """
    out = table.copy(deep=False)
    for column in out.columns:
        if out[column].dtype == np.float64:
            values = out[column].to_numpy()
            text = np.array(list(map(repr, values.tolist())), dtype=object)
            text[np.isnan(values)] = None
            out[column] = pd.Series(text, index=out.index, dtype=object)
    return out


def write_model_outputs(
    out: str | Path,
    *,
    topics=None,
    periods=None,
    trends=None,
    health: dict | None = None,
    excluded=None,
) -> dict[str, Path]:
    """Write the optional tables of the model's depth into ``out``.

    ``topics.csv`` (:func:`influence.topics.score_topics`), ``periods.csv``
    (:func:`influence.trends.score_periods`), ``trends.csv``
    (:func:`influence.trends.compute_trends`), ``health.json``
    (:func:`influence.health.compute_health`) and ``excluded.csv`` (the
    accounts left out, :func:`influence.identities.apply_identities`): each
    only when given. CSV: a header row, empty cells for missing values, times
    in ISO 8601 UTC.

    Returns
    -------
    dict
        Output name -> path written.

    Raises
    ------
    InfluenceError
        When ``out`` cannot be created or written.
    """
    out = Path(out)
    tables = {
        "topics.csv": topics,
        "periods.csv": periods,
        "trends.csv": trends,
        "excluded.csv": excluded,
    }
    paths: dict[str, Path] = {}
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name, table in tables.items():
            if table is None:
                continue
            frame = table.copy()
            for column in frame.columns:
                if hasattr(frame[column], "dt") and getattr(frame[column].dt, "tz", None):
                    frame[column] = frame[column].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
            frame.to_csv(out / name, index=False, lineterminator="\n")
            paths[name] = out / name
        if health is not None:
            (out / "health.json").write_text(
                json.dumps(health, indent=2, ensure_ascii=False, default=str) + "\n",
                encoding="utf-8",
            )
            paths["health.json"] = out / "health.json"
    except OSError as err:
        raise InfluenceError(
            f"output folder must be writable (got {err.strerror or err} for {err.filename or out})"
        ) from err
    return paths
