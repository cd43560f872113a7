"""Write the outputs of an analysis: users.csv, users.parquet, summary.json, report.html."""

from __future__ import annotations

import csv
import io
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

__all__ = ["write_csv", "write_model_outputs", "write_outputs"]


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
        write_csv(analysis.users.reset_index(), paths["users.csv"])
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


#: Characters after which Python's csv writer (``QUOTE_MINIMAL``, ``","``, ``'"'``,
#: ``"\\n"`` line ends) may quote or escape a field; any other text is written as is
#: (``tests/report/test_write.py`` checks every code point).
_CSV_SPECIAL = ',"\r\n'

#: Rows joined into one string before it is written (bounds the memory).
_CSV_ROWS_PER_WRITE = 65_536


def write_csv(table: pd.DataFrame, path: str | Path) -> None:
    """Write ``table`` as ``table.to_csv(path, index=False, lineterminator="\\n")`` would.

    The same bytes, built column by column: each distinct value is formatted once
    (floats by ``repr``, the shortest text that reads back as the same float,
    which is what pandas writes; missing values as empty cells; text quoted by
    Python's csv writer only where it needs quoting), then the rows are joined.
    Tables with a column this does not format (dates, mixed objects) and tables of
    fewer than two columns are written by pandas itself.

    Parameters
    ----------
    table : DataFrame
        Written without its index; not modified.
    path : str or Path

    Examples
    --------
    >>> import tempfile
    >>> table = pd.DataFrame({"user_id": ["a", "b,c"], "score": [0.1 + 0.2, np.nan],
    ...                       "messages": [3.0, 1e16]})
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     write_csv(table, Path(folder) / "users.csv")
    ...     print((Path(folder) / "users.csv").read_text(), end="")
    user_id,score,messages
    a,0.30000000000000004,3.0
    "b,c",,1e+16
    """
    cells = [_csv_cells(table.iloc[:, i]) for i in range(table.shape[1])]
    header = table.columns
    if (
        len(cells) < 2
        or any(c is None for c in cells)
        or not all(isinstance(h, str) for h in header)
    ):
        table.to_csv(path, index=False, lineterminator="\n")
        return
    with open(path, "w", encoding="utf-8", newline="") as file:
        csv.writer(file, lineterminator="\n").writerow(list(header))
        for start in range(0, len(table), _CSV_ROWS_PER_WRITE):
            rows = zip(
                *(c[start : start + _CSV_ROWS_PER_WRITE].tolist() for c in cells), strict=True
            )
            file.write("".join([",".join(row) + "\n" for row in rows]))


def _csv_cells(values: pd.Series) -> np.ndarray | None:
    """The csv text of each value of ``values`` (object array of str), or None.

    None for a dtype whose text this does not reproduce (dates, objects that are
    not all strings, ...).
    """
    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        labels = _csv_cells(pd.Series(dtype.categories))
        if labels is None:
            return None
        return np.append(labels, "")[values.cat.codes.to_numpy()]  # code -1 -> ""
    if dtype == np.float64 or dtype == np.int64 or dtype == np.bool_:
        array = values.to_numpy()
        if dtype == np.float64:
            # distinct bit patterns, not values: -0.0 and 0.0 are written differently
            codes, distinct = pd.factorize(array.view(np.int64))
            text = [repr(v) for v in distinct.view(np.float64).tolist()]
            codes[np.isnan(array)] = -1
        else:
            codes, distinct = pd.factorize(array)
            text = [repr(v) for v in distinct.tolist()]
        return np.array([*text, ""], dtype=object)[codes]
    if isinstance(dtype, pd.StringDtype):  # every value is a str or missing
        text = values.to_numpy(dtype=object, na_value="")
        special = values.str.contains(f"[{_CSV_SPECIAL}]").to_numpy(dtype=bool, na_value=False)
        text[special] = [_csv_field(v) for v in text[special]]
        return text
    if not pd.api.types.is_object_dtype(dtype):
        return None
    missing = values.isna().to_numpy()
    present = values[~missing]
    codes, distinct = pd.factorize(present.to_numpy(dtype=object))
    if not all(isinstance(v, str) for v in distinct.tolist()):
        return None
    text = np.array(distinct.tolist(), dtype=object)
    special = pd.Series(text, dtype=object).str.contains(f"[{_CSV_SPECIAL}]").to_numpy(bool)
    text[special] = [_csv_field(v) for v in text[special]]
    out = np.full(len(values), "", dtype=object)
    out[~missing] = text[codes]
    return out


def _csv_field(value: str) -> str:
    """``value`` as Python's csv writer writes it inside a row of several fields."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow([value, ""])
    return buffer.getvalue()[: -len(",\n")]


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
