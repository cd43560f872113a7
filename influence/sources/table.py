"""Read a plain table of messages, or an edge list of interactions (format ``"table"``).

Files: CSV (``.csv``), TSV (``.tsv``, ``.tab``), Parquet (``.parquet``, ``.pq``)
and JSON Lines (``.ndjson``, ``.jsonl``, and ``.json`` when it holds one object
per line), each possibly compressed (``.gz``, ``.bz2``, ``.xz``, ``.zst``).
Text files must be UTF-8 (a byte-order mark is allowed).

Two layouts are recognised from the column names, after ``mapping`` renamed
the file's columns to the canonical ones (the CLI's ``--map CANONICAL=COLUMN``):

message table (a ``message_id`` column)
    one row per message. Required: ``message_id``, ``author_id``,
    ``created_at``. Optional: ``thread_id``, ``parent_id``, ``kind``,
    ``topic``, ``score``, ``text`` or ``text_length``, ``display_name``,
    ``platform``, ``mentions``; see :func:`parse_table`.
edge list (``source`` and ``target`` columns, no ``message_id``)
    one row per directed act between two users. Required: ``source``,
    ``target``. Optional: ``created_at``, ``kind``, ``weight``,
    ``thread_id``, ``topic``.

:func:`read_table` only loads the file; :func:`parse_table` turns any
DataFrame into a :class:`~influence.community.Community`.
"""

from __future__ import annotations

import csv
import io
import json
import re
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from influence.community import Community, ReadStats
from influence.errors import InfluenceDataWarning, SourceError
from influence.schema import INTERACTION_KINDS, MESSAGE_COLUMNS, STRING, UTC, empty_messages
from influence.sources._common import (
    LINK_COLUMNS,
    SENTIMENT_COLUMNS,
    OnError,
    assemble,
    check_on_error,
    head,
    normalize_ids,
    open_binary,
    parse_timestamps,
    score_texts,
    tell_rows,
    thread_roots,
)

__all__ = ["EDGE_FIELDS", "MESSAGE_FIELDS", "parse_table", "read_table", "sniff"]

PLATFORM = "table"

#: Canonical names of a message table; the first three are required.
MESSAGE_FIELDS = (
    "message_id",
    "author_id",
    "created_at",
    "thread_id",
    "parent_id",
    "kind",
    "topic",
    "score",
    "text",
    "text_length",
    "display_name",
    "platform",
    "mentions",
)
#: Canonical names of an edge list; the first two are required.
EDGE_FIELDS = ("source", "target", "created_at", "kind", "weight", "thread_id", "topic")

_FIELDS = MESSAGE_FIELDS + tuple(f for f in EDGE_FIELDS if f not in MESSAGE_FIELDS)
_REQUIRED_MESSAGE = MESSAGE_FIELDS[:3]
_REQUIRED_EDGE = EDGE_FIELDS[:2]

_COMPRESSION = (".gz", ".bz2", ".xz", ".lzma", ".zst")
_LAYOUTS = {
    ".csv": ",",
    ".tsv": "\t",
    ".tab": "\t",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".ndjson": "ndjson",
    ".jsonl": "ndjson",
    ".json": "ndjson",
}
#: Characters separating the user ids of a ``mentions`` cell.
_MENTION_SEPARATORS = r"[;,\s]+"
#: Date given to every act of an edge list without ``created_at``.
_EPOCH = pd.Timestamp(0, tz="UTC")


# --------------------------------------------------------------------------- files


def sniff(path: str | Path) -> bool:
    """Tell whether ``path`` looks like a table this reader handles.

    True for a file whose suffix (after ``.gz``, ``.bz2``, ``.xz`` or ``.zst``)
    is ``.csv``, ``.tsv``, ``.tab``, ``.parquet``, ``.pq``, ``.ndjson`` or
    ``.jsonl``, and for ``.json`` when its first non-blank character is ``{``
    (JSON Lines rather than one JSON document). Never raises.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "posts.csv.gz").write_bytes(b"")
    >>> _ = (folder / "dump.json").write_text('[{"id": 1}]')
    >>> sniff(folder / "posts.csv.gz"), sniff(folder / "dump.json"), sniff(folder)
    (True, False, False)
    """
    path = Path(path)
    if not path.is_file():
        return False
    suffix = _inner_suffix(path)
    if suffix == ".json":
        return head(path, 4096).lstrip()[:1] == b"{"
    return suffix in _LAYOUTS


def read_table(
    path: str | Path,
    *,
    mapping: Mapping[str, str] | None = None,
    on_error: OnError = "raise",
    brand: Iterable[str] | None = None,
    sentiment: bool = True,
) -> Community:
    """Read a message table or an edge list into a :class:`~influence.community.Community`.

    The file is loaded as written (ids stay the strings of the file: ``007``
    stays ``"007"``), then handed to :func:`parse_table`. The layout comes from
    the suffix; a file with another suffix is recognised by its content
    (Parquet magic bytes, a leading ``{`` for JSON Lines, else CSV, or TSV when
    the first line holds a tab and no comma).

    Parameters
    ----------
    path : str or Path
        A CSV, TSV, Parquet or JSON Lines file, possibly compressed.
    mapping : dict, optional
        Canonical name -> column of the file, e.g. ``{"author_id": "author"}``.
    on_error : {"raise", "skip"}
        ``"raise"`` stops at the first bad row; ``"skip"`` drops bad rows and
        counts them in ``read_stats``.
    brand : iterable of str, optional
        Brand or topic keywords, as for :func:`parse_table`.
    sentiment : bool, default True
        ``False`` skips the scoring of the texts (no ``sentiment``, ``language``
        or ``brand_mention`` column, a read note says why): faster on huge dumps.

    Returns
    -------
    Community
        ``platform`` is ``"table"`` and ``name`` the file name.

    Raises
    ------
    SourceError
        When the file cannot be opened or parsed (not UTF-8, a CSV row with
        too many fields, a line that is not a JSON object, a corrupt Parquet
        file), or for the problems listed in :func:`parse_table`. Errors name
        the file and the line: the physical line for CSV/TSV and JSON Lines
        (the header is line 1), ``row N`` (from 1) for Parquet.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "posts.csv"
    >>> _ = path.write_text("id,author,created_utc,parent_id\\n"
    ...     "1,ann,1700000000,\\n2,bob,1700000060,1\\n")
    >>> community = read_table(path, mapping={"message_id": "id", "author_id": "author",
    ...     "created_at": "created_utc"})
    >>> community.interactions[["source", "target", "kind"]].to_dict("records")
    [{'source': 'bob', 'target': 'ann', 'kind': 'reply'}]
    """
    on_error = check_on_error(on_error)
    path = Path(path)
    if path.is_dir():
        raise SourceError(
            "a table must be one file (got a folder); give the CSV, TSV, Parquet or "
            "NDJSON file itself",
            path=str(path),
        )
    layout = _layout(path)
    if layout == "parquet":
        frame, lines = _load_parquet(path)
    elif layout == "ndjson":
        frame, lines = _load_json_lines(path)
    else:
        frame, lines = _load_delimited(path, layout)
    tell_rows(path, len(frame))
    community = parse_table(
        frame,
        path=str(path),
        mapping=mapping,
        on_error=on_error,
        lines=lines,
        brand=brand,
        sentiment=sentiment,
    )
    return community


def _inner_suffix(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in _COMPRESSION:
        suffixes.pop()
    return suffixes[-1] if suffixes else ""


def _layout(path: Path) -> str:
    """``","``, ``"\\t"``, ``"parquet"`` or ``"ndjson"``."""
    known = _LAYOUTS.get(_inner_suffix(path))
    if known is not None:
        return known
    start = head(path, 4096).lstrip()
    if start.startswith(b"PAR1"):
        return "parquet"
    if start.startswith(b"{"):
        return "ndjson"
    first = start.split(b"\n", 1)[0]
    return "\t" if b"\t" in first and b"," not in first else ","


def _load_delimited(path: Path, sep: str) -> tuple[pd.DataFrame, Sequence]:
    what = "TSV" if sep == "\t" else "CSV"
    try:
        with open_binary(path) as handle, warnings.catch_warnings():
            # a first row longer than the header would silently become the index
            warnings.simplefilter("error", pd.errors.ParserWarning)
            frame = pd.read_csv(
                handle,
                sep=sep,
                dtype=str,
                keep_default_na=False,
                na_filter=False,
                encoding="utf-8-sig",
                index_col=False,
            )
    except pd.errors.ParserWarning as err:
        raise SourceError(
            f"{what} rows must have at most as many fields as the header "
            "(got more on the first row)",
            path=str(path),
            line=2,
        ) from err
    except pd.errors.EmptyDataError:
        frame = pd.DataFrame()
    except UnicodeDecodeError as err:
        raise _not_utf8(path, err) from err
    except pd.errors.ParserError as err:
        reason = str(err).strip().split("C error: ")[-1]
        found = re.search(r"\bline (\d+)", reason)
        raise SourceError(
            f"{what} must be well-formed (got {reason})",
            path=str(path),
            line=int(found.group(1)) if found else None,
        ) from err
    except (OSError, EOFError, ValueError) as err:  # corrupt compressed stream
        raise _unreadable(path, what, err) from err
    return frame, _Lines(lambda record: _delimited_line(path, sep, record))


def _load_json_lines(path: Path) -> tuple[pd.DataFrame, Sequence]:
    try:
        with open_binary(path) as handle:
            data = handle.read()
    except (OSError, EOFError, ValueError) as err:
        raise _unreadable(path, "JSON Lines", err) from err
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise _not_utf8(path, err, line=_undecodable_line(data.split(b"\n"))) from err
    del data
    if not text.strip():
        return pd.DataFrame(), _Lines(lambda record: record + 1)
    try:
        frame = _json_lines_frame(text)
    except (ValueError, TypeError, AttributeError) as err:  # a line that is not an object
        raise _bad_json_line(path, text) from err
    return frame, _Lines(lambda record: _json_line(path, record))


def _json_lines_frame(text: str) -> pd.DataFrame:
    """The frame of JSON Lines ``text``, values as written (also run on Dask workers, by range)."""
    return pd.read_json(io.StringIO(text), lines=True, dtype=False)


def _load_parquet(path: Path) -> tuple[pd.DataFrame, Sequence]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        if path.suffix.lower() in _COMPRESSION:
            with open_binary(path) as handle:
                data = handle.read()
            source = pa.BufferReader(data) if data else None
        else:
            source = str(path) if path.stat().st_size else None
        if source is None:
            return pd.DataFrame(), _Lines(lambda record: f"row {record + 1}")
        frame = _parquet_frame(pq.read_table(source))
    except (pa.ArrowException, OSError, EOFError, ValueError) as err:
        raise _unreadable(path, "Parquet", err) from err
    return frame, _Lines(lambda record: f"row {record + 1}")


def _parquet_frame(table) -> pd.DataFrame:
    """A pyarrow table as pandas, values as written (also for row groups read on Dask workers)."""
    return table.to_pandas(integer_object_nulls=True, date_as_object=True)


def _unreadable(path: Path, what: str, err: BaseException) -> SourceError:
    return SourceError(
        f"file must be readable as {what} (got {type(err).__name__}: {err})", path=str(path)
    )


def _not_utf8(path: Path, err: UnicodeDecodeError, line: int | None = None) -> SourceError:
    if line is None:
        with open_binary(path) as handle:
            line = _undecodable_line(handle)
    byte = err.object[err.start : err.start + 1].hex() if err.object else "?"
    return SourceError(
        f"text must be UTF-8 (got byte 0x{byte}: {err.reason}); "
        "convert the file, e.g. iconv -f latin1 -t utf-8",
        path=str(path),
        line=line,
    )


def _undecodable_line(lines: Iterable[bytes]) -> int | None:
    """Error path only: the number of the first line that is not valid UTF-8."""
    for number, raw in enumerate(lines, start=1):
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            return number
    return None


def _bad_json_line(path: Path, text: str) -> SourceError:
    """Error path only: find the first line that is not a JSON object."""
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as err:
            return SourceError(
                f"line must be a JSON object (got invalid JSON: {err.msg} at column {err.colno})",
                path=str(path),
                line=number,
            )
        if not isinstance(value, dict):
            return SourceError(
                f"line must be a JSON object (got a JSON {type(value).__name__})",
                path=str(path),
                line=number,
            )
    return SourceError("file must be JSON Lines (got text pandas cannot read)", path=str(path))


class _Lines:
    """Line (or row) of each record, worked out only when an error message needs one."""

    def __init__(self, locate: Callable[[int], int | str]):
        self._locate = locate

    def __getitem__(self, record: int) -> int | str:
        return self._locate(int(record))


def _delimited_line(path: Path, sep: str, record: int) -> int:
    """Physical line where data record ``record`` (from 0) starts, as pandas counts records.

    pandas skips blank lines and lets quoted fields span lines; the csv module
    follows the same rules and counts physical lines.
    """
    with io.TextIOWrapper(
        open_binary(path), encoding="utf-8-sig", errors="replace", newline=""
    ) as text:
        reader = csv.reader(text, delimiter=sep)
        seen = -1  # the header is record -1
        end = 0
        for row in reader:
            start, end = end + 1, reader.line_num
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if seen == record:
                return start
            seen += 1
    return record + 2


def _json_line(path: Path, record: int) -> int:
    """Physical line of JSON record ``record`` (from 0): blank lines are not records."""
    with open_binary(path) as handle:
        seen = 0
        for number, raw in enumerate(handle, start=1):
            if raw.strip():
                if seen == record:
                    return number
                seen += 1
    return record + 1


# --------------------------------------------------------------------------- parsing


def parse_table(
    frame: pd.DataFrame,
    *,
    path: str = "<table>",
    mapping: Mapping[str, str] | None = None,
    on_error: OnError = "raise",
    lines: Sequence | None = None,
    brand: Iterable[str] | None = None,
    sentiment: bool = True,
) -> Community:
    """Turn a table of messages, or an edge list, into a :class:`~influence.community.Community`.

    Pure: the DataFrame is not modified. Column names are first mapped with
    ``mapping``. A table with a ``message_id`` column is a **message table**;
    one with ``source`` and ``target`` and no ``message_id`` is an **edge list**.

    Message table columns:

    * ``message_id``, ``author_id``, ``created_at`` (required). A missing
      ``author_id`` is allowed (deleted author). Ids are normalised by
      :func:`~influence.sources._common.normalize_ids`; times may be ISO 8601
      (naive = UTC) or Unix epoch seconds or milliseconds.
    * ``parent_id``: the message replied to (replies become interactions).
    * ``thread_id``: when absent or blank, the root of the ``parent_id`` chain:
      the message itself for a root, and the id of the parent when the chain
      leads to a message absent from the table (so replies to the same missing
      message share a thread). A chain that loops (``parent_id`` cycle) is
      named after the earliest message of its connected part, noted in
      ``read_stats`` and warned about.
    * ``kind`` (lower-cased): default ``"post"``, or ``"reply"`` with a parent.
    * ``topic``; ``score`` (a number); ``platform`` (default ``"table"``).
    * ``text`` or ``text_length`` (a whole number >= 0, which wins over ``text``);
      default 0. The text itself is not kept: it gives ``text_length`` and the
      ``sentiment``, ``language`` and ``brand_mention`` columns
      (:func:`~influence.sources._common.score_texts`; absent, with a note, when
      the ``engagement`` extra is not installed, or when the table has one of
      these columns already, which is then kept as given).
    * ``display_name``: the author's name (the latest one wins) in ``users``.
    * ``mentions``: user ids separated by ``;``, ``,`` or white space (or a
      JSON list); a leading ``@`` is dropped; each distinct user becomes a
      ``mention`` interaction from the author.
    * any other column is kept in ``messages`` as it is.

    Edge list columns: ``source``, ``target`` (required), ``created_at``,
    ``kind`` (one of :data:`~influence.schema.INTERACTION_KINDS`, default
    ``"reply"``), ``weight`` (a number >= 0, default 1), ``thread_id``,
    ``topic``. Each row becomes one synthetic message, so that participation
    counts acts: ``message_id`` ``"e<N>"`` (``N`` the data row, from 1), author
    ``source``, kind ``"post"``, thread ``thread_id`` or the message itself;
    and one interaction ``source -> target`` with the row's kind and weight.
    Without a ``created_at`` column every act is dated 1970-01-01 UTC, a
    warning is given and ``read_stats`` notes that time-based metrics are
    meaningless. Other columns are kept on the synthetic messages, except those
    named like a canonical message column.

    Parameters
    ----------
    frame : DataFrame
        The table as read; any dtypes (strings, numbers, datetimes).
    path : str
        Names the table in errors; its last part names the community and the
        ``read_stats`` source.
    mapping : dict, optional
        Canonical name -> column of ``frame``. The column is renamed (it may
        feed several names); a column of ``frame`` already bearing that
        canonical name is replaced, and ``read_stats`` notes it.
    on_error : {"raise", "skip"}
        With ``"skip"``, rows with a missing ``message_id`` (``source``,
        ``target``) or ``created_at``, or a value that cannot be read, are
        dropped as ``malformed``; repeated ``message_id`` after the first as
        ``duplicate_id``; both counted in ``read_stats``.
    lines : sequence, optional
        The line or locator of each row, used in errors; default
        ``"row 1"``, ``"row 2"``, ...
    brand : iterable of str, optional
        Brand, product or topic keywords for ``brand_mention`` (whole words,
        case ignored).
    sentiment : bool, default True
        ``False`` drops a ``text`` column unscored (see :func:`read_table`).

    Returns
    -------
    Community
        ``platform="table"``; ``read_stats`` has one ``messages`` entry for
        ``path`` and the derived ``interactions`` counts.

    Raises
    ------
    SourceError
        For an unknown canonical name or a missing column in ``mapping``; for
        missing required columns; with ``on_error="raise"``, for the first bad
        row: ``<path>:<line>: message_id must be present (got missing)``,
        ``... must be unique (got '42' again, first on line 3)``, a time,
        score, text length, kind or weight that cannot be read.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"id": ["1", "2", "3"], "user": ["ann", "bob", "cat"],
    ...     "time": ["2024-01-01T10:00:00Z", "2024-01-01T11:00:00+01:00", "1704106800"],
    ...     "parent_id": ["", "1", "2"], "mentions": ["", "", "@ann"]})
    >>> community = parse_table(table, path="posts.csv",
    ...     mapping={"message_id": "id", "author_id": "user", "created_at": "time"})
    >>> community.messages[["message_id", "thread_id", "kind"]].to_dict("list")
    {'message_id': ['1', '2', '3'], 'thread_id': ['1', '1', '1'],
     'kind': ['post', 'reply', 'reply']}
    >>> community.interactions[["source", "target", "kind"]].to_dict("records")
    [{'source': 'bob', 'target': 'ann', 'kind': 'reply'},
     {'source': 'cat', 'target': 'ann', 'kind': 'mention'},
     {'source': 'cat', 'target': 'bob', 'kind': 'reply'}]

    An edge list:

    >>> edges = pd.DataFrame({"source": ["ann", "bob"], "target": ["bob", "ann"],
    ...     "created_at": ["2024-01-01", "2024-01-02"], "weight": ["2", ""]})
    >>> parse_table(edges).interactions[["source", "target", "weight"]].to_dict("list")
    {'source': ['ann', 'bob'], 'target': ['bob', 'ann'], 'weight': [2.0, 1.0]}
    >>> parse_table(edges.drop(columns="source"))
    Traceback (most recent call last):
    ...
    influence.errors.SourceError: <table>: table must have the columns ['message_id', ...
    """
    on_error = check_on_error(on_error)
    if not isinstance(frame, pd.DataFrame):
        raise SourceError(f"table must be a pandas DataFrame (got {type(frame).__name__})")
    name = Path(path).name or str(path)
    stats = ReadStats()
    locate = _locator(lines)
    if frame.shape == (0, 0):  # an empty file: nothing to read, not an error here
        stats.record(name, "messages", read=0, kept=0)
        return assemble(empty_messages(), stats=stats, platform=PLATFORM, name=name)
    table = _apply_mapping(frame.reset_index(drop=True), mapping, path=path, stats=stats)
    context = _Context(
        path=path,
        name=name,
        stats=stats,
        on_error=on_error,
        locate=locate,
        brand=brand,
        sentiment=sentiment,
    )
    if "message_id" not in table.columns and {"source", "target"} <= set(table.columns):
        return _parse_edges(table, context)
    return _parse_messages(table, context)


@dataclass(frozen=True)
class _Context:
    """What every parsing step needs to report: where, how, and the counts."""

    path: str
    name: str
    stats: ReadStats
    on_error: OnError
    locate: Callable[[int], int | str]
    brand: Iterable[str] | None = None
    sentiment: bool = True


def _locator(lines: Sequence | None) -> Callable[[int], int | str]:
    if lines is None:
        return lambda row: f"row {row + 1}"

    def locate(row: int) -> int | str:
        value = lines.iloc[row] if isinstance(lines, pd.Series) else lines[row]
        return int(value) if isinstance(value, (int, np.integer)) else value

    return locate


def _apply_mapping(
    frame: pd.DataFrame, mapping: Mapping[str, str] | None, *, path: str, stats: ReadStats
) -> pd.DataFrame:
    if not mapping:
        return frame
    if not isinstance(mapping, Mapping):
        raise SourceError(
            f"mapping must be a dict of canonical name to column (got {type(mapping).__name__})",
            path=path,
        )
    present = list(frame.columns)
    for canonical, column in mapping.items():
        if canonical not in _FIELDS:
            raise SourceError(
                f"--map {canonical}={column}: the canonical name must be one of "
                f"{list(_FIELDS)} (got {canonical!r})",
                path=path,
            )
        if column not in present:
            raise SourceError(
                f"--map {canonical}={column}: column {column!r} must be present in the table "
                f"(got columns {present})",
                path=path,
            )
    for canonical, column in mapping.items():
        if canonical in present and column != canonical:
            stats.note(
                f"column {canonical!r} of {Path(path).name} was replaced by column {column!r} "
                f"(--map {canonical}={column})"
            )
    mapped = pd.DataFrame({canonical: frame[column] for canonical, column in mapping.items()})
    sources = set(mapping.values())
    rest = [c for c in present if c not in mapping and (c not in sources or c in _FIELDS)]
    return pd.concat([mapped, frame[rest]], axis=1)


def _require(table: pd.DataFrame, required: Sequence[str], path: str) -> None:
    missing = [c for c in required if c not in table.columns]
    if missing:
        raise SourceError(
            f"table must have the columns {list(required)} (missing {missing}; present "
            f"{list(table.columns)}); map them with --map CANONICAL=COLUMN",
            path=path,
        )


def _numbers(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Floats (NaN where blank) and a mask of the values that are present but not numbers."""
    if pd.api.types.is_bool_dtype(values.dtype) or not (
        pd.api.types.is_numeric_dtype(values.dtype)
    ):
        text = values.astype(STRING).str.strip()
        text = text.mask(text == "")
        present = text.notna().to_numpy(bool)
        numbers = pd.to_numeric(text, errors="coerce")
    else:
        numbers = values
        present = values.notna().to_numpy(bool)
    out = pd.Series(numbers).to_numpy(dtype="float64", na_value=np.nan)
    return out, present & ~np.isfinite(out)


def _screen(
    checks: list[tuple[np.ndarray, Callable[[int], str]]],
    length: int,
    context: _Context,
    *,
    ids: pd.Series | None = None,
    id_column: str = "message_id",
) -> tuple[np.ndarray, dict[str, int]]:
    """Rows to keep and the dropped counts; with ``on_error="raise"``, raise at the first bad row.

    ``checks`` are ``(mask, reason)`` pairs; ``ids`` (when given) must be unique
    among the rows that pass the checks.
    """
    malformed = np.zeros(length, dtype=bool)
    for mask, _ in checks:
        malformed |= mask
    duplicate = np.zeros(length, dtype=bool)
    if ids is not None:
        duplicate[~malformed] = ids[~malformed].duplicated(keep="first").to_numpy(bool)
    bad = malformed | duplicate
    if context.on_error == "raise" and bad.any():
        row = int(np.flatnonzero(bad)[0])
        if duplicate[row]:
            value = ids.iloc[row]
            first = int(np.flatnonzero(~malformed & (ids == value).to_numpy(bool))[0])
            where = context.locate(first)
            where = f"line {where}" if isinstance(where, int) else where
            reason = f"{id_column} must be unique (got {value!r} again, first on {where})"
        else:
            reason = next(why(row) for mask, why in checks if mask[row])
        raise SourceError(reason, path=context.path, line=context.locate(row))
    return ~bad, {"malformed": int(malformed.sum()), "duplicate_id": int(duplicate.sum())}


def _time_reason(values: pd.Series, row: int, column: str, path: str) -> str:
    """The message :func:`parse_timestamps` gives for one bad value (one wording everywhere)."""
    try:
        parse_timestamps(values.iloc[[row]], path=path, column=column)
    except SourceError as err:
        return err.reason
    return f"{column} must be an ISO 8601 time or Unix epoch (got {values.iloc[row]!r})"


def _raw(values: pd.Series, row: int) -> str:
    return repr(str(values.iloc[row]).strip())


def _parse_messages(table: pd.DataFrame, context: _Context) -> Community:
    _require(table, _REQUIRED_MESSAGE, context.path)
    path = context.path
    count = len(table)
    message_id = normalize_ids(table["message_id"])
    author_id = normalize_ids(table["author_id"])
    created_at = parse_timestamps(
        table["created_at"], path=path, column="created_at", on_error="skip"
    )
    checks = [
        (
            message_id.isna().to_numpy(bool),
            lambda row: "message_id must be present (got missing)",
        ),
        (
            created_at.isna().to_numpy(bool),
            lambda row: _time_reason(table["created_at"], row, "created_at", path),
        ),
    ]
    score = np.full(count, np.nan)
    if "score" in table.columns:
        score, bad = _numbers(table["score"])
        checks.append(
            (bad, lambda row: f"score must be a number (got {_raw(table['score'], row)})")
        )
    if "text_length" in table.columns:
        text_length, bad = _numbers(table["text_length"])
        finite = np.isfinite(text_length)
        bad |= finite & ((text_length < 0) | (text_length != np.floor(text_length)))
        checks.append(
            (
                bad,
                lambda row: (
                    "text_length must be a whole number >= 0 "
                    f"(got {_raw(table['text_length'], row)})"
                ),
            )
        )
        text_length = np.where(finite, text_length, np.nan)
        if "text" in table.columns:
            fallback = table["text"].astype(STRING).str.len().fillna(0).to_numpy("float64")
            text_length = np.where(np.isnan(text_length), fallback, text_length)
        text_length = np.nan_to_num(text_length, nan=0.0).astype("int64")
    elif "text" in table.columns:
        text_length = table["text"].astype(STRING).str.len().fillna(0).to_numpy("int64")
    else:
        text_length = np.zeros(count, dtype="int64")

    keep, dropped = _screen(checks, count, context, ids=message_id)
    context.stats.record(
        context.name, "messages", read=count, kept=int(keep.sum()), dropped=dropped
    )

    rows = table.loc[keep]
    message_id = message_id[keep]
    created_at = created_at[keep]
    parent_id = _optional_ids(rows, "parent_id")
    kind = _optional_ids(rows, "kind").str.lower()
    kind = kind.fillna(pd.Series(np.where(parent_id.isna(), "post", "reply"), index=rows.index))
    platform = _optional_ids(rows, "platform").fillna(PLATFORM)
    thread_id = _optional_ids(rows, "thread_id")
    no_thread = thread_id.isna().to_numpy(bool)
    if no_thread.any():
        roots, looping = thread_roots(message_id, parent_id, created_at)
        thread_id = thread_id.mask(no_thread, pd.Series(roots, index=rows.index, dtype=STRING))
        looping &= no_thread
        if looping.any():
            text = (
                f"{int(looping.sum())} messages of {context.name} have a parent_id chain "
                "that loops; each such thread is named after its earliest message"
            )
            context.stats.note(text)
            warnings.warn(text, InfluenceDataWarning, stacklevel=3)

    messages = pd.DataFrame(
        {
            "message_id": message_id,
            "author_id": author_id[keep],
            "thread_id": thread_id,
            "parent_id": parent_id,
            "created_at": created_at,
            "kind": kind,
            "platform": platform,
            "topic": _optional_ids(rows, "topic"),
            "score": score[keep],
            "text_length": text_length[keep],
        },
        index=rows.index,
    )
    extra = [c for c in rows.columns if c not in MESSAGE_FIELDS]
    messages = pd.concat([messages, rows[extra]], axis=1)
    links = _mention_links(rows, message_id, created_at)
    users = _display_names(rows, messages)
    if "text" in rows.columns and not set(SENTIMENT_COLUMNS) & set(rows.columns):
        # scored here, then dropped: the canonical table never keeps the texts
        messages["text"] = rows["text"].astype(STRING)
        messages = score_texts(
            messages, stats=context.stats, brand=context.brand, sentiment=context.sentiment
        )
    return assemble(
        messages,
        links=links,
        users=users,
        stats=context.stats,
        platform=PLATFORM,
        name=context.name,
    )


def _optional_ids(rows: pd.DataFrame, column: str) -> pd.Series:
    if column in rows.columns:
        return normalize_ids(rows[column])
    return pd.Series(pd.NA, index=rows.index, dtype=STRING)


def _mention_links(
    rows: pd.DataFrame, message_id: pd.Series, created_at: pd.Series
) -> pd.DataFrame | None:
    if "mentions" not in rows.columns or rows.empty:
        return None
    cells = rows["mentions"].explode()  # JSON lists become one row per item
    parts = cells.astype(STRING).str.split(_MENTION_SEPARATORS, regex=True).explode()
    target = normalize_ids(parts.astype(STRING).str.lstrip("@")).dropna()
    pairs = pd.DataFrame(
        {
            "message_id": message_id.loc[target.index].to_numpy(),
            "target": target.to_numpy(),
            "created_at": created_at.loc[target.index].array,
        }
    ).drop_duplicates(["message_id", "target"])
    links = pd.DataFrame(
        {
            "kind": "mention",
            "source_message_id": pairs["message_id"],
            "target": pairs["target"],
            "created_at": pairs["created_at"],
            "message_id": pairs["message_id"],
            "weight": 1.0,
        }
    )
    return links.reindex(columns=list(LINK_COLUMNS)).reset_index(drop=True)


def _display_names(rows: pd.DataFrame, messages: pd.DataFrame) -> pd.DataFrame | None:
    if "display_name" not in rows.columns:
        return None
    names = pd.DataFrame(
        {
            "user_id": messages["author_id"],
            "display_name": normalize_ids(rows["display_name"]),
            "created_at": messages["created_at"],
        }
    ).dropna(subset=["user_id", "display_name"])
    latest = names.sort_values("created_at", kind="stable").drop_duplicates("user_id", keep="last")
    return pd.DataFrame(
        {
            "user_id": latest["user_id"].astype(STRING),
            "display_name": latest["display_name"].astype(STRING),
            "created_at": pd.Series(pd.NaT, index=latest.index, dtype=UTC),
        }
    ).reset_index(drop=True)


def _parse_edges(table: pd.DataFrame, context: _Context) -> Community:
    _require(table, _REQUIRED_EDGE, context.path)
    path = context.path
    count = len(table)
    source = normalize_ids(table["source"])
    target = normalize_ids(table["target"])
    checks = [
        (source.isna().to_numpy(bool), lambda row: "source must be present (got missing)"),
        (target.isna().to_numpy(bool), lambda row: "target must be present (got missing)"),
    ]
    if "created_at" in table.columns:
        created_at = parse_timestamps(
            table["created_at"], path=path, column="created_at", on_error="skip"
        )
        checks.append(
            (
                created_at.isna().to_numpy(bool),
                lambda row: _time_reason(table["created_at"], row, "created_at", path),
            )
        )
    else:
        created_at = pd.Series(_EPOCH, index=table.index, dtype=UTC)
        text = (
            f"{context.name} has no created_at column: every interaction is dated "
            "1970-01-01 UTC, so time-based metrics (velocity, response times, "
            "propagation speed, --since/--until) are meaningless"
        )
        if count:
            context.stats.note(text)
            warnings.warn(text, InfluenceDataWarning, stacklevel=3)
    kind = _optional_ids(table, "kind").str.lower()
    bad_kind = (kind.notna() & ~kind.isin(INTERACTION_KINDS)).to_numpy(bool)
    checks.append(
        (
            bad_kind,
            lambda row: (
                f"kind must be one of {list(INTERACTION_KINDS)} (got {_raw(table['kind'], row)})"
            ),
        )
    )
    kind = kind.fillna("reply")
    weight = np.ones(count)
    if "weight" in table.columns:
        weight, bad = _numbers(table["weight"])
        bad |= weight < 0
        checks.append(
            (bad, lambda row: f"weight must be a number >= 0 (got {_raw(table['weight'], row)})")
        )
        weight = np.where(np.isnan(weight), 1.0, weight)

    keep, dropped = _screen(checks, count, context)
    dropped.pop("duplicate_id")
    context.stats.record(
        context.name, "messages", read=count, kept=int(keep.sum()), dropped=dropped
    )

    rows = table.loc[keep]
    numbers = pd.Series(np.flatnonzero(keep) + 1, index=rows.index)
    message_id = ("e" + numbers.astype(str)).astype(STRING)
    thread_id = _optional_ids(rows, "thread_id").fillna(message_id)
    messages = pd.DataFrame(
        {
            "message_id": message_id,
            "author_id": source[keep],
            "thread_id": thread_id,
            "parent_id": pd.Series(pd.NA, index=rows.index, dtype=STRING),
            "created_at": created_at[keep],
            "kind": "post",
            "platform": PLATFORM,
            "topic": _optional_ids(rows, "topic"),
            "score": np.nan,
            "text_length": 0,
        },
        index=rows.index,
    )
    extra = [c for c in rows.columns if c not in EDGE_FIELDS and c not in MESSAGE_COLUMNS]
    messages = pd.concat([messages, rows[extra]], axis=1)
    links = pd.DataFrame(
        {
            "kind": kind[keep],
            "source": source[keep],
            "target": target[keep],
            "created_at": created_at[keep],
            "message_id": message_id,
            "weight": weight[keep],
        },
        index=rows.index,
    ).reindex(columns=list(LINK_COLUMNS))
    return assemble(
        messages, links=links, stats=context.stats, platform=PLATFORM, name=context.name
    )
