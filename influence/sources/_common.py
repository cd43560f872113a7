"""The one place readers share: opening files, ids, times, reply resolution.

Every reader turns its platform's records into a ``messages`` table and,
optionally, a ``links`` table of explicit acts (mentions, accepts, kudos,
shares). :func:`build_interactions` then derives the canonical
``interactions`` from both, with one rule for every platform, and
:func:`assemble` returns the validated :class:`~influence.community.Community`.

The machinery every reader shares lives here too, one rule each: streaming
JSON with file and line in every error (:func:`iter_ndjson`,
:class:`JsonStream`, :func:`iter_json_array`, :func:`load_json`), sniffing
(:func:`head`, :func:`first_json_value`), screening records and counting what
is dropped (:func:`screen`, :func:`warn_skipped`: one warning per read, called
by every ``read_*`` right before :func:`assemble`), and thread roots
(:func:`thread_roots`).
"""

from __future__ import annotations

import bz2
import codecs
import gzip
import io
import json
import lzma
import re
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import IO, Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components

from influence._lookup import _integer_ids as _integer_ids  # imported from here by tests
from influence._lookup import _positions_of, arrow_strings, id_positions
from influence._lookup import positions_of as positions_of
from influence.community import Community, ReadStats
from influence.errors import InfluenceDataWarning, SourceError
from influence.schema import (
    INTERACTION_COLUMNS,
    MESSAGE_COLUMNS,
    STRING,
    UTC,
    empty_users,
)

__all__ = [
    "LINE",
    "LINK_COLUMNS",
    "SENTIMENT_COLUMNS",
    "SENTIMENT_OFF_NOTE",
    "SKIPPED_REASONS",
    "TEXT",
    "JsonStream",
    "OnError",
    "assemble",
    "blank",
    "build_interactions",
    "check_on_error",
    "empty_links",
    "first_json_value",
    "got",
    "head",
    "iter_json_array",
    "iter_ndjson",
    "list_files",
    "load_json",
    "located",
    "normalize_ids",
    "open_binary",
    "parse_timestamps",
    "reading_listener",
    "record_messages",
    "repeated_ids",
    "score_texts",
    "screen",
    "tell_rows",
    "thread_roots",
    "user_links",
    "warn_skipped",
    "watch_reading",
]

OnError = Literal["raise", "skip"]

#: Columns of the ``links`` table a reader may hand to :func:`build_interactions`.
#: ``source``/``target`` name users directly; when missing, the author of
#: ``source_message_id``/``target_message_id`` is used instead.
LINK_COLUMNS = (
    "kind",
    "source",
    "source_message_id",
    "target",
    "target_message_id",
    "created_at",
    "message_id",
    "weight",
)

DERIVED = "(derived)"

_COMPRESSED = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open, ".lzma": lzma.open}


def check_on_error(on_error: str) -> OnError:
    """Return ``on_error`` when it is ``"raise"`` or ``"skip"``; raise ValueError otherwise."""
    if on_error not in ("raise", "skip"):
        raise ValueError(f"on_error must be 'raise' or 'skip' (got {on_error!r})")
    return on_error  # type: ignore[return-value]


#: Who :func:`watch_reading` tells about the bytes read; None (the default): no one,
#: and :func:`open_binary` opens files with no counting layer at all.
_READ_LISTENER: ContextVar[Callable[[str, int, int], None] | None] = ContextVar(
    "influence_read_listener", default=None
)


#: Who :func:`watch_reading` tells about the rows read (its ``rows``); None: no one.
_ROWS_LISTENER: ContextVar[Callable[[str, int], None] | None] = ContextVar(
    "influence_rows_listener", default=None
)


@contextmanager
def watch_reading(
    listener: Callable[[str, int, int], None],
    rows: Callable[[str, int], None] | None = None,
) -> Iterator[None]:
    """Tell ``listener`` how far the files opened by :func:`open_binary` have been read.

    While the block runs, every file that :func:`open_binary` opens reports,
    once per chunk of about 64 KiB pulled from the disk (never per row),
    ``listener(path, consumed, size)``: the bytes of the file on disk read so
    far (of the *compressed* file for ``.gz``, ``.bz2``, ``.xz``, ``.zst``, so
    that ``consumed / size`` is the share done) and its size. ``consumed``
    never goes down for one opening of a file; a file opened twice (sniffed,
    then read) starts again from 0. Outside the block nothing is counted.

    ``rows``, when given, is told ``rows(path, count)`` each time a reader has
    scanned ``count`` more rows of ``path`` (see :func:`tell_rows`): per block
    or byte range for the large-dump readers (Stack Exchange, Reddit), per file
    for the others.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "x.txt"
    >>> _ = path.write_bytes(b"a\\n" * 100_000)
    >>> seen = []
    >>> with watch_reading(lambda name, consumed, size: seen.append((consumed, size))):
    ...     with open_binary(path) as stream:
    ...         lines = sum(1 for _ in stream)
    >>> lines, seen[-1], len(seen) > 1
    (100000, (200000, 200000), True)
    """
    token = _READ_LISTENER.set(listener)
    counting = _ROWS_LISTENER.set(rows)
    try:
        yield
    finally:
        _ROWS_LISTENER.reset(counting)
        _READ_LISTENER.reset(token)


def tell_rows(path: str | Path, count: int) -> None:
    """Tell the ``rows`` listener of :func:`watch_reading` that ``count`` more rows of
    ``path`` were scanned; nothing happens when no one listens.

    Readers call it per block of rows, never per row. ``count`` is negative when
    a reader takes back rows it told before reading the file again another way.

    Examples
    --------
    >>> seen = []
    >>> tell_rows("a.xml", 5)  # no one listens
    >>> with watch_reading(lambda *args: None, rows=lambda path, n: seen.append((path, n))):
    ...     tell_rows("a.xml", 5)
    >>> seen
    [('a.xml', 5)]
    """
    listener = _ROWS_LISTENER.get()
    if listener is not None and count:
        listener(str(path), int(count))


def reading_listener() -> Callable[[str, int, int], None] | None:
    """The listener given to :func:`watch_reading` around this call, or None.

    For a reader that reads bytes without :func:`open_binary` (worker processes
    reading byte ranges) and tells the listener itself.

    Examples
    --------
    >>> reading_listener() is None
    True
    >>> with watch_reading(print):
    ...     reading_listener() is print
    True
    """
    return _READ_LISTENER.get()


class _Counted(io.RawIOBase):
    """A raw file that tells a listener how far it has been read (see :func:`watch_reading`)."""

    def __init__(self, path: Path, listener: Callable[[str, int, int], None]) -> None:
        super().__init__()
        self._raw = io.FileIO(path, "rb")
        self.name = str(path)
        self._size = path.stat().st_size
        self._listener = listener
        self._high = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return self._raw.seekable()

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._raw.seek(offset, whence)

    def tell(self) -> int:
        return self._raw.tell()

    def readinto(self, buffer) -> int:
        count = self._raw.readinto(buffer)
        if count:
            position = self._raw.tell()
            if position > self._high:
                self._high = position
                self._listener(self.name, position, self._size)
        return count

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
        super().close()


def _closing(stream: IO[bytes], inner: IO[bytes]) -> IO[bytes]:
    """``stream``, closing ``inner`` too when closed (gzip, bz2 and lzma leave the file
    object they are given open)."""
    close = stream.close

    def close_both() -> None:
        try:
            close()
        finally:
            inner.close()

    stream.close = close_both  # type: ignore[method-assign]
    return stream


def open_binary(path: str | Path) -> IO[bytes]:
    """Open a file for binary reading, decompressing ``.gz``, ``.bz2``, ``.xz`` and ``.zst``.

    Inside :func:`watch_reading`, the file reports how far it has been read.

    Raises
    ------
    SourceError
        When the file does not exist or cannot be opened.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    listener = _READ_LISTENER.get()
    try:
        if listener is not None:
            counted = io.BufferedReader(_Counted(path, listener), 1 << 16)
            if suffix in _COMPRESSED:
                return _closing(_COMPRESSED[suffix](counted, "rb"), counted)
            return _open_zstd(path, counted) if suffix == ".zst" else counted
        if suffix in _COMPRESSED:
            return _COMPRESSED[suffix](path, "rb")
        if suffix == ".zst":
            return _open_zstd(path)
        return open(path, "rb")
    except OSError as err:
        raise SourceError(f"file must be readable ({err.strerror or err})", path=str(path)) from err


def _open_zstd(path: Path, raw: IO[bytes] | None = None) -> IO[bytes]:
    try:
        import zstandard
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise SourceError(
            "reading .zst needs the 'zstandard' package (got it not installed); "
            "pip install zstandard",
            path=str(path),
        ) from err
    decompressor = zstandard.ZstdDecompressor(max_window_size=2**31)
    raw = open(path, "rb") if raw is None else raw
    return io.BufferedReader(_ZstdFrames(raw, decompressor, path), 1 << 20)


class _ZstdFrames(io.RawIOBase):
    """Decompress every zstd frame of a file in turn; a cut-off last frame raises.

    ``zstandard``'s ``stream_reader`` ends silently when the file stops in the
    middle of a frame, which would read a truncated download as a shorter dump.
    Here each frame goes through its own ``decompressobj``, whose ``eof`` tells
    whether the frame was complete when the file ends.
    """

    CHUNK = 1 << 17  # compressed bytes per read: bounds the output of one step

    def __init__(self, raw: IO[bytes], decompressor, path: Path) -> None:
        super().__init__()
        self._raw = raw
        self._decompressor = decompressor
        self._path = path
        self._frame = None  # the decompressobj of the frame in progress
        self._out = b""
        self._pos = 0
        self._consumed = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while self._pos >= len(self._out):
            chunk = self._raw.read(self.CHUNK)
            if not chunk:
                if self._frame is not None:
                    raise SourceError(
                        "zstd stream must end with a complete frame (got a frame cut off at "
                        f"byte {self._consumed}); the file is truncated, fetch it again",
                        path=str(self._path),
                    )
                return 0
            self._consumed += len(chunk)
            self._out, self._pos = self._feed(chunk), 0
        size = min(len(buffer), len(self._out) - self._pos)
        buffer[:size] = self._out[self._pos : self._pos + size]
        self._pos += size
        return size

    def _feed(self, data: bytes) -> bytes:
        parts = []
        while data:
            if self._frame is None:
                self._frame = self._decompressor.decompressobj()
            parts.append(self._frame.decompress(data))
            if not self._frame.eof:
                break
            data = self._frame.unused_data
            self._frame = None
        return b"".join(parts)

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
        super().close()


def normalize_ids(values: Iterable | pd.Series) -> pd.Series:
    """Turn ids into stripped strings; blanks become missing; ``17.0`` becomes ``"17"``.

    Examples
    --------
    >>> normalize_ids(pd.Series([" a ", "", None])).tolist()
    ['a', <NA>, <NA>]
    >>> normalize_ids(pd.Series([17.0, None])).tolist()
    ['17', <NA>]
    """
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    if pd.api.types.is_float_dtype(series.dtype):
        whole = series.notna() & (series == np.floor(series))
        as_int = series.where(~whole).astype(object)
        as_int[whole] = series[whole].astype("int64").astype(str)
        series = as_int
    elif pd.api.types.is_integer_dtype(series.dtype):
        series = series.astype(str)
    out = series.astype(STRING).str.strip()
    return out.mask(out == "")


def parse_timestamps(
    values: pd.Series,
    *,
    path: str,
    column: str,
    lines: pd.Series | np.ndarray | None = None,
    on_error: OnError = "raise",
) -> pd.Series:
    """Parse ISO 8601 strings or Unix epoch seconds/milliseconds into UTC timestamps.

    Naive ISO times are taken as UTC. Numbers above 1e11 are read as
    milliseconds, smaller ones as seconds (1e11 s is the year 5138).

    Parameters
    ----------
    values : Series
        Strings or numbers.
    path, column : str
        Used in the error message.
    lines : array-like, optional
        Line (or record) number of each value, for the error message.
    on_error : {"raise", "skip"}
        With ``"skip"``, unparseable values become ``NaT`` for the caller to drop.

    Raises
    ------
    SourceError
        ``<path>:<line>: <column> must be an ISO 8601 time or Unix epoch (got ...)``.

    Examples
    --------
    >>> stamps = parse_timestamps(pd.Series(["2021-04-27T15:06:44.553", "1619535600",
    ...     "1619535600000", "2021-04-27T17:06:44+02:00"]), path="x", column="t")
    >>> [str(t) for t in stamps]  # doctest: +NORMALIZE_WHITESPACE
    ['2021-04-27 15:06:44.553000+00:00', '2021-04-27 15:00:00+00:00',
     '2021-04-27 15:00:00+00:00', '2021-04-27 15:06:44+00:00']
    """
    series = values.reset_index(drop=True)
    out = pd.Series(pd.NaT, index=series.index, dtype=UTC)
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        out = series.dt.tz_convert("UTC").astype(UTC)
        present = out.notna()
    elif pd.api.types.is_datetime64_dtype(series.dtype):
        out = series.dt.tz_localize("UTC").astype(UTC)
        present = out.notna()
    elif (naive := _naive_iso_times(series)) is not None:
        out, present = naive, naive.notna()
    else:
        as_text = series.astype(STRING).str.strip()
        present = (series.notna() & (as_text != "")).fillna(False).astype(bool)
        looks_numeric = as_text.str.fullmatch(r"[+-]?\d+(?:\.\d*)?").fillna(False).astype(bool)
        is_num = present & looks_numeric
        if is_num.any():
            nums = pd.to_numeric(as_text[is_num]).astype("float64")
            millis = nums.abs() >= 1e11
            ns = np.where(millis, nums * 1e6, nums * 1e9)
            # beyond what datetime64[ns] holds (about 1677 to 2262): a bad value (NaT)
            fits = np.abs(ns) < 9.2e18
            stamps = pd.Series(pd.NaT, index=nums.index, dtype=UTC)
            stamps[fits] = pd.to_datetime(ns[fits].astype("int64"), utc=True)
            out[is_num] = stamps
        text = present & ~is_num
        if text.any():
            stripped = as_text[text]
            # parse zoned and naive values apart: pandas 2 would give naive values
            # the offset of the first zoned one
            zoned = stripped.str.contains(r"(?:[zZ]|[+-]\d{2}:?\d{2})$", regex=True)
            for part in (zoned, ~zoned):
                if part.any():
                    parsed = pd.to_datetime(
                        stripped[part], utc=True, errors="coerce", format="ISO8601"
                    )
                    # a time beyond datetime64[ns] (before 1678 or after 2261) is bad
                    inside = (parsed >= pd.Timestamp.min.tz_localize("UTC")) & (
                        parsed <= pd.Timestamp.max.tz_localize("UTC")
                    )
                    parsed = parsed.where(inside)
                    out[stripped[part].index] = parsed.astype(UTC)
    bad = present & out.isna()
    missing = ~present
    problem = bad | missing
    if problem.any() and on_error == "raise":
        position = int(np.flatnonzero(problem.to_numpy())[0])
        line = None if lines is None else _item(lines, position)
        got = "missing" if missing.iloc[position] else repr(str(series.iloc[position]))
        raise SourceError(
            f"{column} must be an ISO 8601 time or Unix epoch (got {got})", path=path, line=line
        )
    out.index = values.index
    return out


#: What dumps write (``2021-04-27T15:06:44.553``): a naive ISO 8601 time of the
#: years 1700 to 2199 (well inside what datetime64[ns] holds), no spaces.
_NAIVE_ISO = (
    r"^(?:1[7-9]|2[01])\d\d-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])"
    r"T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,9})?$"
)


def _naive_iso_times(series: pd.Series) -> pd.Series | None:
    """Parse a column of naive ISO 8601 times in Arrow; None unless every present value is one.

    The fast path of :func:`parse_timestamps` for dump columns: the values
    are checked against :data:`_NAIVE_ISO` in RE2 and cast in C, giving what
    ``pd.to_datetime(format="ISO8601", utc=True)`` gives (an impossible date
    such as February 30 makes the cast fail: the general path reports it).
    """
    if not isinstance(series.dtype, pd.StringDtype) or series.isna().all():
        return None
    text = arrow_strings(series)
    if not pc.all(pc.match_substring_regex(text, _NAIVE_ISO)).as_py():
        return None
    try:
        stamps = text.cast(pa.timestamp("ns"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    naive = pd.Series(stamps.to_numpy(zero_copy_only=False), dtype="datetime64[ns]")
    return naive.dt.tz_localize("UTC").astype(UTC)


def _sort_key(values: pd.Series) -> pa.Array:
    """A column as Arrow values that sort as pandas sorts it (missing last)."""
    if isinstance(values.dtype, pd.CategoricalDtype):  # by category order
        codes = values.cat.codes.to_numpy()
        return pa.array(codes, mask=codes < 0)
    if isinstance(values.dtype, pd.StringDtype):
        return arrow_strings(values)
    if pd.api.types.is_float_dtype(values.dtype):
        numbers = values.to_numpy(dtype="float64", na_value=np.nan)
        return pa.array(numbers, mask=np.isnan(numbers))
    return pa.chunked_array(pa.array(values)).combine_chunks()


def sort_rows(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """``frame.sort_values(columns, kind="stable").reset_index(drop=True)``, sorted in Arrow.

    Same order as pandas (strings by code point, categories by their order,
    missing values last, ties in their original order), without turning
    string columns into Python objects to sort them.

    Examples
    --------
    >>> table = pd.DataFrame({"a": pd.array(["b", None, "a", "b"], dtype="string"),
    ...     "b": [2, 1, 3, 1]})
    >>> sort_rows(table, ["a", "b"])["b"].tolist()
    [3, 1, 2, 1]
    """
    order = _sort_order(frame, columns)
    if order is None:  # mixed objects: pandas sorts them
        return frame.sort_values(list(columns), kind="stable").reset_index(drop=True)
    return frame.take(order).reset_index(drop=True)


def _sort_order(frame: pd.DataFrame, columns: Sequence[str]) -> np.ndarray | None:
    """The row order of :func:`sort_rows`, or None when Arrow cannot sort the keys."""
    try:
        keys = pa.table({str(n): _sort_key(frame[name]) for n, name in enumerate(columns)})
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
        return None
    order = pc.sort_indices(keys, sort_keys=[(str(n), "ascending") for n in range(len(columns))])
    return order.to_numpy()


def _sort_rows_freeing(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """:func:`sort_rows` of a frame that the caller hands over: it is emptied.

    The sorted frame is built one column at a time, each unsorted column
    dropped from ``frame`` once taken, so that the table is not held twice
    (when nothing else holds ``frame``'s columns).

    Examples
    --------
    >>> table = pd.DataFrame({"a": [2, 1, 2], "b": ["x", "y", "z"]})
    >>> out = _sort_rows_freeing(table, ["a"])
    >>> out["b"].tolist(), list(table.columns)
    (['y', 'x', 'z'], [])
    """
    order = _sort_order(frame, columns)
    if order is None or not frame.columns.is_unique or not len(frame.columns):
        return sort_rows(frame, columns)
    return _take_freeing(frame, order)


def _take_freeing(frame: pd.DataFrame, rows: np.ndarray) -> pd.DataFrame:
    """``frame.take(rows).reset_index(drop=True)``, emptying ``frame`` column by column.

    ``frame``'s columns must be unique and at least one.

    Examples
    --------
    >>> table = pd.DataFrame({"a": [5, 6, 7], "b": ["x", "y", "z"]})
    >>> _take_freeing(table, np.array([2, 0])).to_dict("list"), table.shape
    ({'a': [7, 5], 'b': ['z', 'x']}, (3, 0))
    """
    labels, attrs = frame.columns, dict(frame.attrs)
    taken = {}
    for name in list(labels):
        taken[name] = frame.pop(name).take(rows).reset_index(drop=True)
    # copy=False: the taken columns are the new frame's (a dict is copied by default)
    out = pd.DataFrame(taken, copy=False)
    out.columns, out.attrs = labels, attrs
    return out


def _item(values, position: int):
    value = values.iloc[position] if isinstance(values, pd.Series) else values[position]
    return int(value) if isinstance(value, (np.integer, int)) else value


def build_interactions(
    messages: pd.DataFrame,
    links: pd.DataFrame | None = None,
    *,
    known_users: pd.Index | None = None,
    stats: ReadStats | None = None,
) -> pd.DataFrame:
    """Derive the canonical interactions: the ONE reply-resolution rule.

    * reply: the author of a message -> the author of its ``parent_id``;
    * every row of ``links``: ``source`` (or the author of ``source_message_id``)
      -> ``target`` (or the author of ``target_message_id``), of the row's kind
      (mention, share, quote, accept, kudos).

    Rows are dropped, and counted in ``stats`` under ``(derived)/interactions``,
    for these reasons: ``reply_to_unknown_message`` (the parent or the linked
    message is not in ``messages``), ``deleted_author`` (an end has no user id),
    ``unknown_user`` (an end is not in ``known_users``, when given) and
    ``self_interaction`` (source equals target).

    Parameters
    ----------
    messages : DataFrame
        Canonical messages.
    links : DataFrame, optional
        Explicit acts with the columns :data:`LINK_COLUMNS` (missing ones are null).
    known_users : Index, optional
        When given, interactions with users outside it are dropped.
    stats : ReadStats, optional
        Receives the counts.

    Returns
    -------
    DataFrame
        Canonical interactions, ordered by ``created_at`` then kind and ends.

    Examples
    --------
    >>> msgs = pd.DataFrame({"message_id": ["1", "2", "3", "4"],
    ...     "author_id": ["ann", "bob", "bob", None],
    ...     "thread_id": ["1"] * 4, "parent_id": [None, "1", "2", "1"],
    ...     "created_at": pd.to_datetime(["2024-01-01"] * 4, utc=True)})
    >>> build_interactions(msgs)[["source", "target", "kind"]].to_dict("records")
    [{'source': 'bob', 'target': 'ann', 'kind': 'reply'}]
    """
    ids = messages["message_id"].astype(STRING)
    authors = messages["author_id"].astype(STRING).array
    threads = messages["thread_id"].astype(STRING).array
    reply_columns = ["parent_id", "author_id", "created_at", "message_id", "thread_id"]
    replies = messages.loc[messages["parent_id"].notna(), reply_columns]
    keys = {"parent": replies["parent_id"]}
    if links is not None and len(links):
        links = links.reindex(columns=list(LINK_COLUMNS))
        for via in ("source_message_id", "target_message_id", "message_id"):
            keys[via] = links[via].astype(STRING)
    # every lookup in one pass over the ids; then see that no id repeats (pandas
    # refuses repeated ids, as it did before), unless the lookup saw it already
    parts, unique = _positions_of(list(keys.values()), ids)
    found = dict(zip(keys, parts, strict=True))
    if not unique and not np.array_equal(id_positions(ids, ids), np.arange(len(ids))):
        index = pd.Index(ids.to_numpy())
        found = {
            key: index.get_indexer(pd.Index(pd.array(k, dtype=STRING))) for key, k in keys.items()
        }

    def lookup(key: str) -> tuple[np.ndarray, np.ndarray]:
        """Position of each message id of ``keys[key]`` in ``messages`` and whether it was found."""
        return np.maximum(found[key], 0), found[key] >= 0

    parent_pos, parent_known = lookup("parent")
    frames = [
        pd.DataFrame(
            {
                "source": replies["author_id"].astype(STRING).array,
                "target": authors.take(parent_pos) if len(ids) else authors[:0],
                "kind": "reply",
                "created_at": replies["created_at"].array,
                "message_id": replies["message_id"].astype(STRING).array,
                "thread_id": replies["thread_id"].astype(STRING).array,
                "weight": 1.0,
                "_known": parent_known,
                "_reply": True,
            }
        )
    ]
    if links is not None and len(links):
        ends = {}
        known = np.ones(len(links), dtype=bool)
        for end, via in (("source", "source_message_id"), ("target", "target_message_id")):
            given = links[end].astype(STRING)
            use = given.isna().to_numpy() & links[via].notna().to_numpy()
            position, resolved_ok = lookup(via)
            known &= ~use | resolved_ok
            resolved = (
                authors.take(position) if len(ids) else pd.array([pd.NA] * len(links), dtype=STRING)
            )
            ends[end] = given.where(~use, pd.Series(resolved, index=given.index))
        message = links["message_id"].astype(STRING)
        position, on_message = lookup("message_id")
        thread = pd.Series(
            threads.take(position) if len(ids) else message.array, index=message.index
        ).where(on_message)
        frames.append(
            pd.DataFrame(
                {
                    "source": ends["source"].array,
                    "target": ends["target"].array,
                    "kind": links["kind"].astype(str).to_numpy(),
                    "created_at": pd.to_datetime(links["created_at"], utc=True).array,
                    "message_id": message.array,
                    "thread_id": thread.astype(STRING).array,
                    "weight": links["weight"].astype("float64").fillna(1.0).to_numpy(),
                    "_known": known,
                    "_reply": False,
                }
            )
        )
    frames = [f for f in frames if len(f)] or frames[:1]
    candidates = pd.concat(frames, ignore_index=True)
    del frames, replies  # the parts were copied into candidates
    for name in ("source", "target", "message_id", "thread_id"):
        candidates[name] = candidates[name].astype(STRING)

    unknown_message = ~candidates["_known"].to_numpy(bool)
    is_reply = candidates["_reply"].to_numpy(bool)
    deleted = ~unknown_message & (
        candidates["source"].isna().to_numpy() | candidates["target"].isna().to_numpy()
    )
    rest = ~unknown_message & ~deleted
    unknown_user = np.zeros(len(candidates), dtype=bool)
    if known_users is not None:
        users_index = pd.Index(pd.array(known_users, dtype=STRING))
        inside = (users_index.get_indexer(pd.Index(candidates["source"].array)) >= 0) & (
            users_index.get_indexer(pd.Index(candidates["target"].array)) >= 0
        )
        unknown_user = rest & ~inside
    rest &= ~unknown_user
    self_loop = rest & (candidates["source"] == candidates["target"]).fillna(False).to_numpy(bool)
    keep = rest & ~self_loop

    if stats is not None:
        stats.record(
            DERIVED,
            "interactions",
            read=len(candidates),
            kept=int(keep.sum()),
            dropped={
                "reply_to_unknown_message": int((unknown_message & is_reply).sum()),
                "link_to_unknown_message": int((unknown_message & ~is_reply).sum()),
                "deleted_author": int(deleted.sum()),
                "unknown_user": int(unknown_user.sum()),
                "self_interaction": int(self_loop.sum()),
            },
        )
    # the kept rows, taken one column at a time so that the table is not held twice
    candidates = candidates[list(INTERACTION_COLUMNS)]
    out = _take_freeing(candidates, np.flatnonzero(keep))
    del candidates
    out["created_at"] = pd.to_datetime(out["created_at"], utc=True).astype(UTC)
    out["kind"] = out["kind"].astype("category")
    return _sort_rows_freeing(out, ["created_at", "kind", "source", "target", "message_id"])


def assemble(
    messages: pd.DataFrame,
    *,
    links: pd.DataFrame | None = None,
    users: pd.DataFrame | None = None,
    stats: ReadStats,
    platform: str,
    name: str,
    users_authoritative: bool = False,
    profile_url: str | None = None,
) -> Community:
    """Build interactions and return the validated :class:`Community`.

    ``users`` is completed with a row for every author or interaction end it
    lacks (display name unknown), so that every active user is known. With
    ``users_authoritative``, interactions with users absent from ``users`` are
    dropped as ``unknown_user`` instead.
    """
    messages = messages.reindex(
        columns=list(MESSAGE_COLUMNS) + [c for c in messages.columns if c not in MESSAGE_COLUMNS]
    )
    # messages is this function's own frame (reindex made it): freed as it is sorted
    messages = _sort_rows_freeing(messages, ["created_at", "message_id"])
    users = empty_users() if users is None else users
    known = pd.Index(users["user_id"].astype(STRING)) if users_authoritative else None
    interactions = build_interactions(messages, links, known_users=known, stats=stats)
    # the users not in ``users``, each once, by code point (as Index.difference sorts);
    # each column's distinct ids first, so that the columns are not copied end to end
    active = (messages["author_id"], interactions["source"], interactions["target"])
    parts = [pc.unique(arrow_strings(column)).drop_null() for column in active]
    distinct = pc.unique(pa.concat_arrays(parts))
    del parts
    unknown = distinct.filter(id_positions(distinct, users["user_id"].astype(STRING)) < 0)
    extra = unknown.take(pc.sort_indices(unknown))
    if len(extra):
        added = pd.DataFrame({"user_id": pd.array(extra, dtype=STRING)})
        added["display_name"] = pd.array([pd.NA] * len(added), dtype=STRING)
        added["created_at"] = pd.Series(pd.NaT, index=added.index, dtype=UTC)
        flags = [c for c in users.columns if pd.api.types.is_bool_dtype(users[c].dtype)]
        users = pd.concat([users, added], ignore_index=True)
        for name in flags:
            users[name] = users[name].astype("boolean").fillna(False).astype(bool)
    users = sort_rows(users, ["user_id"])
    warn_skipped(stats)
    return Community(
        messages=messages,
        interactions=interactions,
        users=users,
        read_stats=stats,
        platform=platform,
        name=name,
        profile_url=profile_url,
    )


# ---------------------------------------------------------------------------
# Streaming JSON: NDJSON lines, and one document walked value by value.
# ---------------------------------------------------------------------------

try:  # orjson parses a Reddit comment about 3x faster than the standard library
    from orjson import JSONDecodeError as _JSONError
    from orjson import loads as _loads
except ImportError:  # pragma: no cover - depends on the environment
    from json import JSONDecodeError as _JSONError
    from json import loads as _loads

#: Column holding the line (or ``record N`` locator) of each scanned record.
LINE = "_line"
JSON_CHUNK_BYTES = 1 << 20
_WHITESPACE = re.compile(r"[ \t\n\r]*")
#: Longest tail of a buffer where a decode error may just mean "read more".
_TAIL = 8


def _stream_errors() -> tuple[type[BaseException], ...]:
    """Exceptions a decompressing stream raises on corrupt input."""
    errors: tuple[type[BaseException], ...] = (OSError, EOFError, ValueError)
    try:
        import zstandard

        errors += (zstandard.ZstdError,)
    except ImportError:  # pragma: no cover - depends on the environment
        pass
    return errors


def _unreadable(err: BaseException, *, path: str, line: int) -> SourceError:
    """A corrupt (compressed) stream: our own SourceError passes through unchanged."""
    if isinstance(err, SourceError):
        return err
    return SourceError(
        f"file must be readable (got {type(err).__name__}: {err})", path=path, line=line
    )


_ICONV = "iconv -f latin1 -t utf-8"


def _not_utf8(data: bytes, start: int, *, path: str, line: int, column: int | None = None):
    """A line (``column`` given: it can be skipped) or a document that is not UTF-8."""
    byte = data[start : start + 1].hex() or "?"
    if column is not None:
        message = f"text must be UTF-8 (got byte 0x{byte} at column {column})"
    else:
        message = f"text must be UTF-8 (got byte 0x{byte}); convert the file, e.g. {_ICONV}"
    return SourceError(message, path=path, line=line)


def _json_problem(raw: bytes, err: Exception, *, path: str, line: int) -> SourceError:
    """Error path only: say whether a line is not UTF-8 or not JSON."""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as bad:
        return _not_utf8(raw, bad.start, path=path, line=line, column=bad.start + 1)
    reason = str(err).split(":", 1)[0] if str(err) else type(err).__name__
    return SourceError(f"line must be valid JSON (got {reason})", path=path, line=line)


def iter_ndjson(
    stream: Iterable[bytes],
    *,
    path: str,
    on_error: OnError = "raise",
    problems: list[SourceError] | None = None,
) -> Iterator[tuple[int, object]]:
    """Stream a JSON Lines file: yield ``(line_number, value)`` for every non-blank line.

    One line is decoded at a time, so memory does not grow with the file. A
    byte-order mark on the first line is allowed.

    Parameters
    ----------
    stream : binary file
        As from :func:`open_binary` (compressed files are decompressed on the
        fly), or any iterable of byte lines.
    path : str
        File name used in errors.
    on_error : {"raise", "skip"}
        ``"raise"`` stops at the first line that is not UTF-8 or not JSON;
        ``"skip"`` leaves it out and appends its :class:`SourceError` to ``problems``.
    problems : list, optional
        Receives the errors of skipped lines (count them in ``read_stats``).

    Raises
    ------
    SourceError
        ``<path>:<line>: text must be UTF-8 (got byte 0x..)``, ``line must be
        valid JSON (got ...)``, or ``file must be readable (got ...)`` for a
        corrupt compressed stream.

    Examples
    --------
    >>> list(iter_ndjson(io.BytesIO(b'{"a": 1}\\n\\n[2]\\n'), path="x.ndjson"))
    [(1, {'a': 1}), (3, [2])]
    >>> list(iter_ndjson(io.BytesIO(b'{"a": 1}\\n{"a": \\n'), path="x.ndjson"))
    Traceback (most recent call last):
    ...
    influence.errors.SourceError: x.ndjson:2: line must be valid JSON (got ...)
    >>> skipped = []
    >>> list(iter_ndjson(io.BytesIO(b'\\xff\\n{}\\n'), path="x", on_error="skip",
    ...     problems=skipped)), str(skipped[0])
    ([(2, {})], 'x:1: text must be UTF-8 (got byte 0xff at column 1)')
    """
    number = 0
    try:
        for number, raw in enumerate(stream, start=1):
            if number == 1:
                raw = raw.removeprefix(b"\xef\xbb\xbf")
            try:
                value = _loads(raw)
            except (_JSONError, ValueError) as err:
                if not raw.strip():
                    continue
                problem = _json_problem(raw, err, path=path, line=number)
                if on_error == "raise":
                    raise problem from err
                if problems is not None:
                    problems.append(problem)
                continue
            yield number, value
    except _stream_errors() as err:
        raise _unreadable(err, path=path, line=number + 1) from err


class JsonStream:
    """Walk one JSON document from a binary stream, one value at a time, with line numbers.

    The stream is decoded as UTF-8 (a byte-order mark is allowed) in chunks;
    :meth:`iter_object` and :meth:`iter_array` step through containers so that
    a large array is never held in memory, and :attr:`line` is the line where
    the next value starts, for error messages. Every problem is a
    :class:`~influence.errors.SourceError` naming ``source`` and the line.

    Parameters
    ----------
    stream : binary file
        The document.
    source : str
        File name used in errors.
    chunk_chars : int
        How many bytes to read at a time.

    Examples
    --------
    >>> doc = JsonStream(io.BytesIO(b'{"a": 1,\\n "items": [\\n {"x": 1},\\n {"x": 2}]}'), "d.json")
    >>> for key in doc.iter_object():
    ...     if key == "items":
    ...         print([(line, item) for line, item in doc.iter_array()])
    ...     else:
    ...         print(key, doc.value())
    a 1
    [(3, {'x': 1}), (4, {'x': 2})]
    >>> list(JsonStream(io.BytesIO(b'[{"x": 1},\\n {"x": '), "t.json").iter_array())
    Traceback (most recent call last):
    ...
    influence.errors.SourceError: t.json:2: JSON must be complete (got end of file; ...
    """

    def __init__(self, stream: IO[bytes], source: str, *, chunk_chars: int = JSON_CHUNK_BYTES):
        self._stream = stream
        self.source = source
        self._chunk = chunk_chars
        self._decoder = codecs.getincrementaldecoder("utf-8-sig")()
        self._json = json.JSONDecoder()
        self._buffer = ""
        self._position = 0
        self._eof = False
        self._raw_lines = 0
        #: Line (from 1) of the current position.
        self.line = 1

    # -- buffer
    def _fill(self) -> bool:
        """Append the next chunk to the buffer; False at the end of the stream."""
        if self._eof:
            return False
        try:
            chunk = self._stream.read(self._chunk)
        except _stream_errors() as err:
            raise _unreadable(err, path=self.source, line=self._raw_lines + 1) from err
        try:
            text = self._decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as err:
            line = self._raw_lines + chunk[: max(err.start, 0)].count(b"\n") + 1
            raise _not_utf8(err.object, err.start, path=self.source, line=line) from err
        self._raw_lines += chunk.count(b"\n")
        if not chunk:
            self._eof = True
        self._buffer = self._buffer[self._position :] + text
        self._position = 0
        return bool(chunk)

    def _advance(self, end: int) -> None:
        self.line += self._buffer.count("\n", self._position, end)
        self._position = end

    def _peek(self) -> str:
        """Skip white space; the next character, or ``""`` at the end of the document."""
        while True:
            self._advance(_WHITESPACE.match(self._buffer, self._position).end())
            if self._position < len(self._buffer):
                return self._buffer[self._position]
            if not self._fill():
                return ""

    def _fail(self, message: str, line: int | None = None) -> SourceError:
        return SourceError(message, path=self.source, line=self.line if line is None else line)

    def _truncated(self) -> SourceError:
        return self._fail("JSON must be complete (got end of file; the file is truncated)")

    def _expect(self, char: str, what: str) -> None:
        found = self._peek()
        if found == "":
            raise self._truncated()
        if found != char:
            raise self._fail(f"JSON must be {what} (got {found!r} where {char!r} was expected)")
        self._advance(self._position + 1)

    # -- values
    def value(self) -> Any:
        """Decode and return the next JSON value."""
        if self._peek() == "":
            raise self._truncated()
        while True:
            try:
                value, end = self._json.raw_decode(self._buffer, self._position)
            except json.JSONDecodeError as err:
                near_end = err.pos >= len(self._buffer) - _TAIL
                if (near_end or err.msg.startswith("Unterminated")) and self._fill():
                    continue
                line = self.line + self._buffer.count("\n", self._position, err.pos)
                if self._eof and (near_end or err.msg.startswith("Unterminated")):
                    raise self._truncated() from err
                raise self._fail(f"JSON must be well-formed (got {err.msg})", line) from err
            if end >= len(self._buffer) and self._fill():
                continue  # a number may go on in the next chunk
            self._advance(end)
            return value

    def iter_array(self) -> Iterator[tuple[int, Any]]:
        """Yield ``(line, value)`` for each element of the next JSON array."""
        self._expect("[", "an array")
        if self._peek() == "]":
            self._advance(self._position + 1)
            return
        while True:
            self._peek()
            line = self.line
            yield line, self.value()
            if self._closed_after_item("]"):
                return

    def iter_object(self) -> Iterator[str]:
        """Yield each key of the next JSON object; the caller must consume its value."""
        self._expect("{", "an object")
        if self._peek() == "}":
            self._advance(self._position + 1)
            return
        while True:
            if self._peek() != '"':
                raise self._fail("JSON must be well-formed (got an object key that is no string)")
            key = self.value()
            self._expect(":", "well-formed")
            yield key
            if self._closed_after_item("}"):
                return

    def _closed_after_item(self, close: str) -> bool:
        """Consume the ``,`` after an item (False) or the closing ``close`` (True)."""
        found = self._peek()
        if found == "":
            raise self._truncated()
        if found not in (",", close):
            raise self._fail(
                f"JSON must be well-formed (got {found!r} where ',' or '{close}' was expected)"
            )
        self._advance(self._position + 1)
        return found == close

    def skip_to(self, text: str) -> bool:
        """Move to the next occurrence of ``text`` (raw, not parsed); False when there is none.

        Reads past a prefix that is not JSON, such as ``window.YTD.tweets.part0 =``
        in an X/Twitter account archive.
        """
        while True:
            at = self._buffer.find(text, self._position)
            if at >= 0:
                self._advance(at)
                return True
            self._advance(max(self._position, len(self._buffer) - len(text) + 1))
            if not self._fill():
                return False

    def peek(self) -> str:
        """The first character of the next value (``"{"``, ``"["``, ...), ``""`` at the end."""
        return self._peek()

    def finish(self) -> None:
        """Check that nothing but white space follows the document."""
        if self._peek() != "":
            raise self._fail("JSON must hold one document (got more data after it)")


def iter_json_array(
    stream: IO[bytes], *, path: str, after: bytes | str | None = None
) -> Iterator[tuple[int, object]]:
    """Stream the elements of the first JSON array of a file (after ``after``, when given).

    Yields ``(line_number, element)``, the line being where the element
    starts; one element is decoded at a time (:class:`JsonStream`). Anything
    before the array is skipped, which reads the account archive's
    ``window.YTD.tweets.part0 = [...]`` and, with ``after='"orderedItems"'``,
    the array under that key of an ActivityPub collection.

    Raises
    ------
    SourceError
        ``<path>:<line>: text must be UTF-8 (...)``, ``JSON must be complete
        (got end of file; ...)``, ``JSON must be well-formed (got ...)`` or
        ``file must contain a JSON array (got none)``. A broken array cannot
        be resumed, so these always raise.

    Examples
    --------
    >>> data = b'window.YTD.tweets.part0 = [\\n {"a": 1},\\n {"a": 2}\\n]'
    >>> list(iter_json_array(io.BytesIO(data), path="tweets.js"))
    [(2, {'a': 1}), (3, {'a': 2})]
    >>> list(iter_json_array(io.BytesIO(b'[{"a": 1},\\n {"a": '), path="x.json"))
    Traceback (most recent call last):
    ...
    influence.errors.SourceError: x.json:2: JSON must be complete (got end of file; ...
    """
    document = JsonStream(stream, path)
    marker = after.decode("utf-8") if isinstance(after, bytes) else after
    if marker is not None and document.skip_to(marker):
        document._advance(document._position + len(marker))
    elif marker is not None:
        raise SourceError("file must contain a JSON array (got none)", path=path)
    if not document.skip_to("["):
        raise SourceError("file must contain a JSON array (got none)", path=path)
    yield from document.iter_array()


def located(records: Iterable) -> Iterator[tuple[int | str, object]]:
    """``(locator, value)`` for each record: pairs pass through, bare values get ``record N``.

    For the ``scan_*`` functions, which take the ``(line, value)`` pairs of the
    streaming readers or plain records (from 1).

    Examples
    --------
    >>> list(located([(3, {"a": 1}), {"b": 2}]))
    [(3, {'a': 1}), ('record 2', {'b': 2})]
    """
    for number, item in enumerate(records, start=1):
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], (int, str)):
            yield item
        else:
            yield f"record {number}", item


def load_json(stream: IO[bytes], *, path: str) -> Any:
    """Decode a whole (small) JSON document: an API page, ``actor.json``.

    Raises
    ------
    SourceError
        With the line, as :class:`JsonStream` does.

    Examples
    --------
    >>> load_json(io.BytesIO(b'{"a": [1, 2]}'), path="x.json")
    {'a': [1, 2]}
    >>> load_json(io.BytesIO(b'{"a": [1, 2]}\\n{}'), path="x.json")
    Traceback (most recent call last):
    ...
    influence.errors.SourceError: x.json:2: JSON must hold one document (got more data after it)
    """
    document = JsonStream(stream, path)
    value = document.value()
    document.finish()
    return value


def head(path: str | Path, size: int = 1 << 16) -> bytes:
    """The first bytes of the decompressed file, without a byte-order mark; ``b""`` when unreadable.

    For ``sniff`` functions: never raises.

    Examples
    --------
    >>> head("no/such/file.json")
    b''
    """
    try:
        with open_binary(path) as handle:
            return handle.read(size).removeprefix(b"\xef\xbb\xbf")
    except Exception:  # a file we cannot read is simply not ours
        return b""


def first_json_value(path: str | Path) -> object:
    """The first JSON record of a file (NDJSON line or array element), or None; never raises.

    For ``sniff`` functions. A file starting with ``[`` (or ``window.`` as in
    ``tweets.js``) gives its first array element, one starting with ``{``
    its first line.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "x.json"
    >>> _ = path.write_text('window.YTD.tweets.part0 = [{"tweet": {}}]')
    >>> first_json_value(path)
    {'tweet': {}}
    """
    start = head(path).lstrip()
    try:
        if start[:1] == b"[" or start.startswith(b"window."):
            with open_binary(path) as stream:
                return next(iter(iter_json_array(stream, path=str(path))), (0, None))[1]
        if start[:1] == b"{":
            return next(iter(iter_ndjson([start.split(b"\n", 1)[0]], path=str(path))))[1]
    except Exception:  # a file we cannot read is simply not ours
        return None
    return None


def list_files(folder: Path, suffixes: Sequence[str]) -> list[Path]:
    """The files of ``folder`` whose names end with one of ``suffixes`` (any case), by name.

    Hidden files (``.name``) and sub-folders are left out.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> for name in ("b.JSON", "a.ndjson", ".c.json", "d.txt"):
    ...     _ = (folder / name).write_text("{}")
    >>> [p.name for p in list_files(folder, (".json", ".ndjson"))]
    ['a.ndjson', 'b.JSON']
    """
    return [
        p
        for p in sorted(folder.iterdir())
        if p.is_file() and not p.name.startswith(".") and p.name.lower().endswith(tuple(suffixes))
    ]


# ---------------------------------------------------------------------------
# Screening records and counting what is dropped.
# ---------------------------------------------------------------------------

#: ``read_stats`` reasons of records that ``on_error="raise"`` would have stopped at.
SKIPPED_REASONS = ("malformed", "duplicate_id")


def screen(
    frame: pd.DataFrame,
    checks: Sequence[tuple[str, np.ndarray, Callable[[int], str]]],
    *,
    on_error: OnError,
    sources: Sequence[str] | np.ndarray | str,
) -> tuple[np.ndarray, dict[str, int], str | None]:
    """Apply per-row checks in order: raise at the first problem, or drop and count.

    Parameters
    ----------
    frame : DataFrame
        Rows with a ``_line`` column (the line or locator of each row).
    checks : sequence of (reason, mask, describe)
        ``mask`` marks the failing rows; ``describe(position)`` says what is
        wrong with the row at that position. Reasons are ``read_stats`` reasons
        (:data:`SKIPPED_REASONS` for records that break the format).
    on_error : {"raise", "skip"}
    sources : str or sequence of str
        The file of each row (or one file for all), for the error.

    Returns
    -------
    keep : ndarray of bool
        The rows that passed every check.
    dropped : dict
        Count per reason (each row counted under its first failing check).
    first : str or None
        ``<file>:<line>: <message>`` of the first problem, for a note.

    Raises
    ------
    SourceError
        With ``on_error="raise"``, for the first row (in file order) failing a
        check whose reason is in :data:`SKIPPED_REASONS`; other reasons
        (``system_message``, ``bot``, ``duplicate`` ...) are always counted, not raised.

    Examples
    --------
    >>> frame = pd.DataFrame({"id": ["1", None], "_line": [2, 3]})
    >>> bad = frame["id"].isna().to_numpy()
    >>> checks = [("malformed", bad, lambda pos: "id must be present (got missing)")]
    >>> screen(frame, checks, on_error="skip", sources="x.json")
    (array([ True, False]), {'malformed': 1}, 'x.json:3: id must be present (got missing)')
    """
    n = len(frame)
    lines = frame[LINE].to_numpy() if n else np.array([], dtype=object)
    failed = np.zeros(n, dtype=bool)
    dropped: dict[str, int] = {}
    problems: list[tuple[int, Callable[[int], str]]] = []
    for reason, mask, describe in checks:
        hits = np.asarray(mask, dtype=bool) & ~failed
        if not hits.any():
            continue
        if reason in SKIPPED_REASONS:
            problems.append((int(np.flatnonzero(hits)[0]), describe))
        dropped[reason] = dropped.get(reason, 0) + int(hits.sum())
        failed |= hits
    first = None
    if problems:
        position, describe = min(problems, key=lambda item: item[0])
        source = sources if isinstance(sources, str) else sources[position]
        line = lines[position]
        line = int(line) if isinstance(line, (int, np.integer)) else line
        if on_error == "raise":
            raise SourceError(describe(position), path=str(source), line=line)
        first = f"{source}:{line}: {describe(position)}"
    return ~failed, dropped, first


def warn_skipped(stats: ReadStats) -> None:
    """Warn once when ``stats`` holds records dropped as bad (:data:`SKIPPED_REASONS`).

    :func:`assemble`, which every reader ends with, calls it once, so a call
    with ``on_error="skip"`` that dropped bad records gives exactly one
    :class:`~influence.errors.InfluenceDataWarning`.

    Examples
    --------
    >>> import warnings
    >>> stats = ReadStats()
    >>> stats.record("a.json", "messages", read=3, kept=1,
    ...     dropped={"malformed": 1, "duplicate_id": 1})
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warn_skipped(stats)
    >>> print(caught[0].message)  # doctest: +NORMALIZE_WHITESPACE
    bad records were skipped (a.json: 1 malformed; a.json: 1 duplicate_id); the first of
    each file is described in read_stats.notes
    """
    parts = []
    for entry in stats.to_dict()["entries"]:
        for reason in SKIPPED_REASONS:
            if entry["dropped"].get(reason):
                parts.append(f"{entry['source']}: {entry['dropped'][reason]} {reason}")
    if parts:
        warnings.warn(
            "bad records were skipped (" + "; ".join(parts) + "); the first of each file is "
            "described in read_stats.notes",
            InfluenceDataWarning,
            stacklevel=3,
        )


def repeated_ids(
    ids: pd.Series,
    *,
    bad: np.ndarray,
    on_error: OnError,
    sources: Sequence[str] | np.ndarray | str,
    lines: Sequence | np.ndarray,
    what: str = "id",
) -> np.ndarray:
    """Mark every row whose id an earlier row already has (rows marked ``bad`` are ignored).

    Parameters
    ----------
    ids : Series
        Message ids, in file order.
    bad : ndarray of bool
        Rows already dropped (an unparseable time): neither repeats nor originals.
    on_error : {"raise", "skip"}
        ``"raise"`` stops at the first repeat.
    sources : str or sequence of str
        The file of each row (or one file for all), for the error.
    lines : sequence
        The line (or ``record N``) of each row, for the error.
    what : str
        What the id is called in the error (``"tweet id"``).

    Returns
    -------
    ndarray of bool
        The repeats, to count as ``duplicate_id`` (see :func:`record_messages`).

    Raises
    ------
    SourceError
        ``<file>:<line>: <what> must be unique (got <id> again)``, with ``on_error="raise"``.

    Examples
    --------
    >>> ids = pd.Series(["a", "b", "a", "b"])
    >>> repeated_ids(ids, bad=np.array([False, True, False, False]), on_error="skip",
    ...              sources="x.json", lines=[1, 2, 3, 4]).tolist()
    [False, False, True, False]
    >>> repeated_ids(ids, bad=np.zeros(4, bool), on_error="raise", sources="x.json",
    ...              lines=[1, 2, 3, 4])
    Traceback (most recent call last):
    ...
    influence.errors.SourceError: x.json:3: id must be unique (got a again)
    """
    bad = np.asarray(bad, dtype=bool)
    repeated = np.zeros(len(ids), dtype=bool)
    repeated[~bad] = ids[~bad].duplicated().to_numpy(bool)
    if repeated.any() and on_error == "raise":
        at = int(np.flatnonzero(repeated)[0])
        raise SourceError(
            f"{what} must be unique (got {ids.iloc[at]} again)",
            path=str(sources if isinstance(sources, str) else sources[at]),
            line=_item(lines, at),
        )
    return repeated


def record_messages(
    stats: ReadStats,
    source: str,
    *,
    kept: int,
    malformed: int,
    duplicates: int,
    first: str | None,
    **other: int,
) -> None:
    """Count a file's messages in ``stats``, and note its first bad record.

    ``read`` is ``kept`` plus every drop: ``malformed``, ``duplicate_id``
    (``duplicates``) and the reader's ``other`` reasons (``more_comments_stub``
    ...). ``first`` (``<file>:<line>: <message>``), when given, goes into a note
    with the number of bad records (:data:`SKIPPED_REASONS`).

    Examples
    --------
    >>> stats = ReadStats()
    >>> record_messages(stats, "a.json", kept=3, malformed=1, duplicates=0,
    ...                 first="a.json:2: id must be present (got missing)", not_conversation=2)
    >>> stats.to_dict()["entries"][0]["read"], stats.notes[0]
    (6, 'a.json: skipped 1 bad record(s); first: a.json:2: id must be present (got missing)')
    """
    stats.record(
        source,
        "messages",
        read=kept + malformed + duplicates + sum(other.values()),
        kept=kept,
        dropped={"malformed": malformed, "duplicate_id": duplicates, **other},
    )
    if first is not None:
        stats.note(f"{source}: skipped {malformed + duplicates} bad record(s); first: {first}")


def got(values: pd.Series, position: int) -> str:
    """``'missing'`` or the repr of the value at ``position``, for error messages.

    Examples
    --------
    >>> got(pd.Series(["x", None]), 0), got(pd.Series(["x", None]), 1)
    ("'x'", 'missing')
    """
    value = values.iloc[position]
    return "missing" if value is None or value is pd.NA or value != value else repr(value)


def blank(values: pd.Series) -> np.ndarray:
    """True where a value is missing or blank.

    Examples
    --------
    >>> blank(pd.Series(["a", " ", None])).tolist()
    [False, True, True]
    """
    return (values.isna() | (values.astype(STRING).str.strip() == "")).to_numpy(bool)


#: Column in which ``parse_*`` functions hand each message's text to their
#: ``read_*``; :func:`score_texts` replaces it by the sentiment columns.
TEXT = "text"
#: The columns :func:`score_texts` adds (see :func:`influence.sentiment.score_sentiment`).
SENTIMENT_COLUMNS = ("sentiment", "language", "brand_mention")


#: The read note when scoring was turned off (``sentiment=False``, ``--no-sentiment``).
SENTIMENT_OFF_NOTE = (
    "no sentiment, language or brand_mention column: text scoring was turned off "
    "(--no-sentiment), so intimacy is empty"
)


def score_texts(
    messages: pd.DataFrame,
    *,
    stats: ReadStats,
    brand: Iterable[str] | None = None,
    sentiment: bool = True,
) -> pd.DataFrame:
    """Replace the ``text`` column by ``sentiment``, ``language`` and ``brand_mention``.

    Every ``read_*`` calls it right before :func:`assemble`, so the canonical
    messages table never keeps the texts (memory) yet carries what the engagement
    layer needs (:mod:`influence.engagement`: intimacy). When a package of the
    ``engagement`` extra is missing, the three columns are simply absent and
    ``stats`` gets a note saying so. ``messages`` is not modified.

    Parameters
    ----------
    messages : DataFrame
        With a ``text`` column (missing for a message without text); without one,
        ``messages`` is returned as it is.
    stats : ReadStats
        Receives the note when the packages are missing.
    brand : iterable of str, optional
        Keywords for ``brand_mention`` (whole words, case ignored).
    sentiment : bool, default True
        ``False`` drops the texts unscored (``influence analyze --no-sentiment``):
        no column is added and ``stats`` gets a note saying why intimacy is empty.

    Examples
    --------
    >>> stats = ReadStats()
    >>> messages = pd.DataFrame({"message_id": ["1", "2"],
    ...                          "text": ["I love it", "Je déteste ce Widget"]})
    >>> scored = score_texts(messages, stats=stats, brand=["widget"])
    >>> list(scored.columns)
    ['message_id', 'sentiment', 'language', 'brand_mention']
    >>> [float(x) > 0 for x in scored["sentiment"]], scored["brand_mention"].tolist()
    ([True, False], [False, True])
    >>> list(score_texts(messages, stats=stats, sentiment=False).columns)
    ['message_id']
    """
    if TEXT not in messages.columns:
        return messages
    out = messages.drop(columns=[TEXT])
    if not sentiment:
        stats.note(SENTIMENT_OFF_NOTE)
        return out
    brand = [brand] if isinstance(brand, str) else brand
    from influence.sentiment import missing_packages, score_sentiment

    missing = missing_packages()
    if missing:
        stats.note(
            f"no sentiment, language or brand_mention column: the packages {', '.join(missing)} "
            'are not installed (pip install "influence[engagement]"), so intimacy is empty'
        )
        return out
    scored = score_sentiment(messages[TEXT].set_axis(out.index), brand=brand)
    for column in SENTIMENT_COLUMNS:
        out[column] = scored[column]
    return out


def empty_links() -> pd.DataFrame:
    """A links table (:data:`LINK_COLUMNS`) with no rows."""
    return pd.DataFrame({name: pd.Series([], dtype=object) for name in LINK_COLUMNS})


def user_links(
    messages: pd.DataFrame,
    row: np.ndarray,
    user: pd.Series,
    *,
    kind: str,
    is_bot: np.ndarray,
    stats: ReadStats,
    source: str,
    table: str,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Links between the authors of messages and the users they list (mentions, reactions).

    Parameters
    ----------
    messages : DataFrame
        With ``message_id``, ``author_id`` and ``created_at``.
    row : ndarray of int
        For each listed user, the position of its message in ``messages``.
    user : Series
        The listed user ids (normalised; missing when the entry has none).
    kind : {"mention", "kudos"}
        ``mention``: author -> user; ``kudos`` (a reaction): user -> author.
    is_bot : ndarray of bool
        Entries naming a bot.
    stats, source, table
        ``stats`` gets ``table`` of ``source``: entries read, kept, and dropped
        as ``bot``, ``no_user_id`` or ``repeated`` (the same user twice on one message).

    Returns
    -------
    links : DataFrame
        :data:`LINK_COLUMNS`, one row per message and distinct user.
    kept : ndarray of int
        Positions (in ``row``) of the entries kept, for the caller's other columns.

    Examples
    --------
    >>> messages = pd.DataFrame({"message_id": ["m1", "m2"], "author_id": ["ann", "bob"],
    ...     "created_at": pd.to_datetime([0, 60], unit="s", utc=True)})
    >>> stats = ReadStats()
    >>> links, kept = user_links(messages, np.array([0, 0, 1, 1]),
    ...     pd.Series(["bob", "bob", None, "bot"]), kind="mention",
    ...     is_bot=np.array([False, False, False, True]), stats=stats, source="c", table="mentions")
    >>> links[["source", "target", "message_id"]].to_dict("records"), kept.tolist()
    ([{'source': 'ann', 'target': 'bob', 'message_id': 'm1'}], [0])
    >>> stats.to_dict()["entries"][0]["dropped"]
    {'bot': 1, 'no_user_id': 1, 'repeated': 1}
    """
    total = len(row)
    present = user.notna().to_numpy(bool)
    is_bot = np.asarray(is_bot, dtype=bool) & present
    pairs = pd.DataFrame({"row": np.asarray(row), "user": user.to_numpy()})
    unique = pairs.loc[present & ~is_bot].drop_duplicates(["row", "user"])
    if total:
        stats.record(
            source,
            table,
            read=total,
            kept=len(unique),
            dropped={
                "bot": int(is_bot.sum()),
                "no_user_id": total - int(present.sum()),
                "repeated": int(present.sum()) - int(is_bot.sum()) - len(unique),
            },
        )
    at = unique["row"].to_numpy(int)
    author = messages["author_id"].to_numpy()[at]
    actor = unique["user"].to_numpy()
    links = pd.DataFrame(
        {
            "kind": kind,
            "source": author if kind == "mention" else actor,
            "source_message_id": None,
            "target": actor if kind == "mention" else author,
            "target_message_id": None,
            "created_at": messages["created_at"].array[at],
            "message_id": messages["message_id"].to_numpy()[at],
            "weight": 1.0,
        }
    )
    return links, unique.index.to_numpy()


# ---------------------------------------------------------------------------
# Threads: the root of every reply chain.
# ---------------------------------------------------------------------------


def thread_roots(
    message_id: pd.Series, parent_id: pd.Series, created_at: pd.Series
) -> tuple[np.ndarray, np.ndarray]:
    """Root id of each message's parent chain, and a mask of messages on looping chains.

    The root is the first message of the chain, or the parent id where the
    chain leaves the table (a reply to a message not in the dump). The parent
    links form a functional graph (at most one parent each); every weakly
    connected component has exactly one root or exactly one cycle. So the
    root is found for all messages at once from the connected components, and
    chains that loop terminate by construction: a loop's root is its earliest
    message (``created_at``, then ``message_id``).

    Parameters
    ----------
    message_id, parent_id : Series
        Unique message ids and their parents (missing for none).
    created_at : Series
        Times, to pick the root of a loop.

    Returns
    -------
    roots : ndarray of object
    looping : ndarray of bool

    Examples
    --------
    >>> ids = pd.Series(["1", "2", "3", "4"])
    >>> parents = pd.Series(["x", "1", "2", None])
    >>> roots, looping = thread_roots(ids, parents, pd.Series(pd.NaT, index=ids.index))
    >>> roots.tolist(), looping.tolist()
    (['x', 'x', 'x', '4'], [False, False, False, False])
    """
    ids = message_id.to_numpy(dtype=object)
    count = len(ids)
    parents = parent_id.to_numpy(dtype=object, na_value=None)
    has_parent = parent_id.notna().to_numpy(bool)
    target = pd.Index(ids).get_indexer(parents)
    unknown = has_parent & (target < 0)
    outside = pd.Index(pd.unique(parents[unknown]))
    target[unknown] = count + outside.get_indexer(parents[unknown])
    nodes = count + len(outside)
    graph = coo_array(
        (np.ones(int(has_parent.sum())), (np.flatnonzero(has_parent), target[has_parent])),
        shape=(nodes, nodes),
    )
    components, label = connected_components(graph, directed=False)
    is_root = np.ones(nodes, dtype=bool)
    is_root[:count] = ~has_parent
    root_of = np.full(components, -1)
    root_of[label[is_root]] = np.flatnonzero(is_root)
    root = root_of[label[:count]]
    looping = root < 0
    if looping.any():
        members = pd.DataFrame(
            {
                "component": label[:count][looping],
                "created_at": created_at.array[looping],
                "message_id": ids[looping],
                "position": np.flatnonzero(looping),
            }
        ).sort_values(["created_at", "message_id"], kind="stable")
        earliest = members.drop_duplicates("component").set_index("component")["position"]
        root_of[earliest.index.to_numpy()] = earliest.to_numpy()
        root = root_of[label[:count]]
    names = np.concatenate([ids, outside.to_numpy(dtype=object)])
    return names[root], looping
