"""Write the outputs of an analysis: users.csv, users.parquet, summary.json, report.html."""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from influence._lookup import arrow_strings
from influence._parallel import run_together
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

    The two users files (one after the other) and ``report.html`` (with the
    summary it shows) are written side by side on two threads
    (:func:`influence._parallel.run_together`; ``INFLUENCE_THREADS=1``: one
    after the other, in this order); ``summary.json`` last, with the time the
    whole write took (``timings_seconds.write``). The files are the same bytes
    either way.

    Returns
    -------
    dict
        Output name -> path written.

    Raises
    ------
    InfluenceError
        When ``out`` cannot be created or written (the first file that cannot
        be written, in the order above, is named).

    Examples
    --------
    >>> import tempfile
    >>> import influence
    >>> analysis = influence.run_analysis(
    ...     influence.read("datasets/stackexchange-conlang-meta-2020"))
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     paths = write_outputs(analysis, folder)
    ...     sorted(paths), paths["users.csv"].stat().st_size > 0
    (['report.html', 'summary.json', 'users.csv', 'users.parquet'], True)
    """
    out = Path(out)
    start = time.perf_counter()
    paths = {
        "users.csv": out / "users.csv",
        "users.parquet": out / "users.parquet",
        "summary.json": out / "summary.json",
        "report.html": out / "report.html",
    }
    users = analysis.users

    def users_files() -> None:
        write_csv(users.reset_index(), paths["users.csv"])
        write_parquet(users_for_parquet(users, copy=False), paths["users.parquet"])

    def summary_and_report() -> dict:
        summary = build_summary(analysis, source=source)
        paths["report.html"].write_text(
            render_report(analysis, summary, lang=lang), encoding="utf-8"
        )
        return summary

    try:
        out.mkdir(parents=True, exist_ok=True)
        # a pair, not three tasks: the csv and the parquet never hold their
        # memory at the same time, and each side takes about as long
        _, summary = run_together([users_files, summary_and_report])
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

#: Rows formatted and joined at a time: the text of one piece is all that is held
#: (about 35 MB for the 45 columns of a users table), not the text of the whole table.
_CSV_ROWS_PER_WRITE = 16_384


def write_csv(table: pd.DataFrame, path: str | Path) -> None:
    """Write ``table`` as ``table.to_csv(path, index=False, lineterminator="\\n")`` would.

    The same bytes, built column by column over pieces of rows: in each piece,
    each distinct value is formatted once (floats by ``repr``, the shortest text
    that reads back as the same float, which is what pandas writes; missing values
    as empty cells; text quoted by Python's csv writer only where it needs
    quoting), then the rows are joined and written. Tables with a column this does
    not format (dates, mixed objects) and tables of fewer than two columns are
    written by pandas itself.

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
    columns = [_csv_column(table.iloc[:, i]) for i in range(table.shape[1])]
    header = table.columns
    if (
        len(columns) < 2
        or any(c is None for c in columns)
        or not all(isinstance(h, str) for h in header)
    ):
        table.to_csv(path, index=False, lineterminator="\n")
        return
    with open(path, "wb") as file:
        heading = io.StringIO()
        csv.writer(heading, lineterminator="\n").writerow(list(header))
        file.write(heading.getvalue().encode("utf-8"))
        for start in range(0, len(table), _CSV_ROWS_PER_WRITE):
            stop = min(start + _CSV_ROWS_PER_WRITE, len(table))
            cells = [column(start, stop) for column in columns]
            # the fields of each row joined by ",", the last one followed by "\n"
            cells[-1] = pc.binary_join_element_wise(cells[-1], _NEWLINE, _EMPTY)
            lines = pc.binary_join_element_wise(*cells, _COMMA)
            del cells
            offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64)
            first, last = offsets[lines.offset], offsets[lines.offset + len(lines)]
            file.write(memoryview(lines.buffers()[2])[first:last])


#: Texts joined to others in Arrow (which joins texts of one type only).
_COMMA, _NEWLINE, _EMPTY, _POINT_ZERO = (
    pa.scalar(s, pa.large_string()) for s in (",", "\n", "", ".0")
)

#: The csv text of the rows ``start:stop`` of one column (see :func:`_csv_column`).
_Cells = Callable[[int, int], pa.Array]


def _csv_cells(values: pd.Series) -> pa.Array | None:
    """The csv text of each value of ``values`` (Arrow large_string, no missing), or None.

    None for a dtype whose text this does not reproduce (dates, objects that are
    not all strings, ...). Distinct numbers are formatted once and taken per row.
    """
    column = _csv_column(values)
    return None if column is None else column(0, len(values))


def _csv_column(values: pd.Series) -> _Cells | None:
    """A function giving the csv text of the rows ``start:stop`` of ``values``, or None.

    What is known of the whole column is worked out once here (the text of a
    categorical's categories; for text held as Python objects, that every value
    is a string, and the text of each distinct one); numbers and Arrow text are
    formatted piece by piece, so that only one piece's text is held at a time.
    """
    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        labels = _csv_cells(pd.Series(dtype.categories))
        if labels is None:
            return None
        return _taking(labels, values.cat.codes.to_numpy())
    if dtype == np.float64 or dtype == np.int64 or dtype == np.bool_:
        array = values.to_numpy()
        return lambda start, stop: _number_cells(array[start:stop])
    if isinstance(dtype, pd.StringDtype):  # every value is a str or missing
        return lambda start, stop: _quoted(arrow_strings(values.iloc[start:stop]).fill_null(""))
    if not pd.api.types.is_object_dtype(dtype):
        return None
    missing = values.isna().to_numpy()
    present = values[~missing]
    codes, distinct = pd.factorize(present.to_numpy(dtype=object))
    if not all(isinstance(v, str) for v in distinct.tolist()):
        return None
    every = np.full(len(values), -1, dtype=np.intp)
    every[~missing] = codes
    return _taking(_quoted(pa.array(distinct.tolist(), pa.large_string())), every)


def _number_cells(array: np.ndarray) -> pa.Array:
    """The csv text of float64, int64 or bool values: each distinct one formatted once."""
    if array.dtype == np.float64:
        # distinct bit patterns, not values: -0.0 and 0.0 are written differently
        codes, distinct = pd.factorize(array.view(np.int64))
        text = _float_texts(distinct.view(np.float64))
        codes[np.isnan(array)] = -1
    else:
        codes, distinct = pd.factorize(array)
        text = pa.array([repr(v) for v in distinct.tolist()], pa.large_string())
    return _taking(text, codes)(0, len(array))


def _float_texts(numbers: np.ndarray) -> pa.Array:
    """``repr`` of each float, as Arrow large_string.

    Arrow's cast writes the same shortest digits as ``repr``; they differ only
    in layout. Between 1e-4 and 1e9 in magnitude (and for zero) both write
    fixed notation, and ``repr`` ends a whole number with ``.0``: that is
    added. Below 1e-6 and from 1e16 both write exponents, ``repr`` with at
    least two digits (``1e-07``): the zero is added. From 1e-6 to 1e-4 Arrow
    writes ``0.0000214`` where ``repr`` writes ``2.14e-05``: rewritten. Any
    other value (1e9 to 1e16, where Arrow writes an exponent and ``repr`` does
    not; inf, NaN) goes through ``repr``. ``tests/report/test_write.py`` holds
    this to ``repr`` on every kind of float.
    """
    size = np.abs(numbers)
    fixed = ((size >= 1e-4) & (size < 1e9)) | (size == 0)
    exponent = ((size > 0) & (size < 1e-6)) | ((size >= 1e16) & (size < np.inf))
    small = (size >= 1e-6) & (size < 1e-4)
    whole = fixed.copy()
    whole[fixed] = numbers[fixed] == np.floor(numbers[fixed])
    text = pa.array(numbers).cast(pa.large_string())
    # each rewrite runs on the values that need it only, then is put in place
    for mask, rewrite in ((whole, _point_zero), (exponent, _two_digits), (small, _shifted)):
        where = np.flatnonzero(mask)
        if len(where):
            text = _replaced(text, where, rewrite(text.take(where)))
    other = np.flatnonzero(~(fixed | exponent | small))
    return _replaced(text, other, [repr(v) for v in numbers[other].tolist()])


def _point_zero(text: pa.Array) -> pa.Array:
    """``3`` -> ``3.0``."""
    return pc.binary_join_element_wise(text, _POINT_ZERO, _EMPTY)


def _two_digits(text: pa.Array) -> pa.Array:
    """``1e-7`` -> ``1e-07``."""
    return pc.replace_substring_regex(text, r"e([-+])(\d)$", r"e\10\2")


def _shifted(text: pa.Array) -> pa.Array:
    """``0.0000214`` -> ``2.14e-05``, ``0.000002`` -> ``2e-06``."""
    for zeros, power in (("0000", "e-05"), ("00000", "e-06")):
        text = pc.replace_substring_regex(text, rf"^(-?)0\.{zeros}([1-9])$", rf"\1\2{power}")
        text = pc.replace_substring_regex(
            text, rf"^(-?)0\.{zeros}([1-9])(\d+)$", rf"\1\2.\3{power}"
        )
    return text


def _quoted(text: pa.Array) -> pa.Array:
    """``text`` with each field that holds a special character as the csv writer writes it."""
    special = pc.match_substring_regex(text, f"[{_CSV_SPECIAL}]")
    where = np.flatnonzero(special.to_numpy(zero_copy_only=False))
    return _replaced(text, where, [_csv_field(v) for v in text.take(where).to_pylist()])


def _replaced(text: pa.Array, where: np.ndarray, values: pa.Array | list[str]) -> pa.Array:
    """``text`` with ``text[where[k]]`` replaced by ``values[k]``."""
    if not len(where):
        return text
    row = np.arange(len(text))
    row[where] = len(text) + np.arange(len(where))
    values = values if isinstance(values, pa.Array) else pa.array(values, pa.large_string())
    return pa.concat_arrays([text, values]).take(row)


def _taking(labels: pa.Array, codes: np.ndarray) -> _Cells:
    """A function giving ``labels[code]`` for the ``codes[start:stop]``; code -1 gives ``""``."""
    labels = pa.concat_arrays([labels, pa.array([""], pa.large_string())])
    rows = np.where(codes < 0, len(labels) - 1, codes)
    return lambda start, stop: labels.take(rows[start:stop])


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
