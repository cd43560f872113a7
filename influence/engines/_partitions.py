"""Reading a dump with the cluster: each worker reads its own part of the files.

The workers must see the same paths as the client (a shared file system). Each
format is cut where its reader can resume exactly, the parts are read on the
workers with the reader's own per-record code (the sentiment of the texts
included, for Stack Exchange and Reddit), and the global steps (reply and link
resolution, thread roots, duplicate ids, read statistics) run once on the
client on the gathered columns, with the reader's own pure ``parse_*``
function. So the Community, its read statistics, its drops and its
errors are exactly those of :func:`influence.read`.

==========================  =================================================
Stack Exchange XML          byte ranges that end at a row boundary (dump rows
                            are one per line), each scanned by
                            :func:`influence.sources.stackexchange._scan_range`
                            (the scanner used in-process; texts scored for
                            sentiment there, bodies kept as lengths); the
                            columns are parsed by
                            :func:`~influence.sources.stackexchange.parse_stackexchange`.
Reddit NDJSON               plain files by byte ranges at line ends, each
                            scanned as the reader scans a file (texts scored);
                            compressed files (``.zst``, ``.gz``, ...), JSON
                            arrays and API pages one task per file; a folder
                            one task (or several ranges) per file. Parsed by
                            :func:`~influence.sources.reddit.parse_reddit`.
table Parquet               by row groups (from the file's metadata), each
                            task reading its groups with pyarrow; the groups
                            are joined in file order and converted to pandas
                            once, as the reader does.
table NDJSON                plain files by byte ranges at line ends, each
                            decoded as the reader decodes a whole file.
table CSV/TSV, compressed   one task per file (a quoted CSV field may span
                            lines, so a CSV cannot be cut at any line end).
other formats               :func:`influence.read` in-process.
==========================  =================================================

When a part cannot be read on its own (a bad record, a line that is not UTF-8,
columns whose types differ between the ranges of a JSON Lines table), that file
is read again whole, so that the error, the skip counts and the column types
are those of the in-process reader. The table reader's parsing
(:func:`~influence.sources.table.parse_table`, mapping included) then runs on
the client over the joined frame.
"""

from __future__ import annotations

import functools
import io
import itertools
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from influence.community import Community, ReadStats
from influence.errors import SourceError
from influence.sources import detect_format, read
from influence.sources import reddit as rd
from influence.sources import stackexchange as se
from influence.sources import table as tb
from influence.sources._archive import archive_kind
from influence.sources._common import (
    LINE,
    assemble,
    check_on_error,
    first_json_value,
    head,
    iter_ndjson,
)
from influence.sources._xmlrows import join_columns

__all__ = ["RANGE_BYTES", "read_partitioned", "scan_partitioned"]

#: Bytes per range of a plain JSON Lines or XML file (and per task of Parquet
#: row groups, by their uncompressed size).
RANGE_BYTES = 32 << 20
_COMPRESSED = (".gz", ".bz2", ".xz", ".lzma", ".zst")


def _read_range(path: str, begin: int, end: int) -> bytes:
    with open(path, "rb") as stream:
        stream.seek(begin)
        return stream.read(end - begin)


def _plain(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() not in _COMPRESSED


def _ranges(path: Path, piece: int | None) -> list[tuple[int, int]]:
    return se._line_ranges(path, path.stat().st_size, piece or RANGE_BYTES)


# --------------------------------------------------------------------------- Stack Exchange


def _join_ranges(parts: list[tuple[dict, int]]) -> dict[str, object]:
    """Compact columns of consecutive ranges in file order; ``_line`` counted in the whole file."""
    offsets = np.cumsum([0] + [newlines for _part, newlines in parts[:-1]])
    columns = join_columns([part for part, _newlines in parts])
    columns[LINE] = np.concatenate(
        [part[LINE] + offset for (part, _newlines), offset in zip(parts, offsets, strict=True)]
    )
    return columns


def scan_partitioned(
    path: str | Path,
    table: str,
    *,
    client,
    piece: int | None = None,
    sentiment: bool = False,
    brand: Iterable[str] | None = None,
) -> dict[str, object]:
    """The columns of one Stack Exchange dump file, scanned by byte range on the workers.

    Parameters
    ----------
    path : str or Path
        ``Posts.xml``, ``Comments.xml``, ... (compressed files are one partition).
    table : str
        Its table name (``"Posts"``, ``"Comments"``, ...).
    client : distributed.Client
    piece : int, optional
        Bytes per range (default :data:`RANGE_BYTES`).
    sentiment, brand
        Score the texts of posts and comments on the workers, as
        :func:`~influence.sources.stackexchange.read_stackexchange` does while
        scanning (``brand`` keywords for ``brand_mention``).

    Returns
    -------
    dict of str to array
        The columns the reader scans from the whole file, line numbers included.

    Raises
    ------
    SourceError
        As the reader, with the line in the whole file.
    """
    path = Path(path)
    brand = None if brand is None else list(brand)
    options = {"sentiment": sentiment, "brand": brand, "pure": False}
    found = None
    if path.suffix.lower() == ".xml":
        with open(path, "rb") as stream:
            found = se._HEAD.match(stream.read(1 << 16))
    if found is None:
        return client.submit(se._scan_file, path, table, **options).result()
    texts = list(se._TEXTS.get(table, ())) if sentiment else []
    ranges = se._line_ranges(path, path.stat().st_size, piece or RANGE_BYTES, found.end())
    futures = [
        client.submit(
            se._scan_range,
            str(path),
            begin,
            end,
            found.group(1),
            n == len(ranges) - 1,
            list(se.FIELDS[table]),
            list(se._LENGTHS.get(table, ())),
            dict(se._KEEP_IF.get(table) or {}),
            texts,
            se._Scorer(table, brand) if texts else None,
            pure=False,
        )
        for n, (begin, end) in enumerate(ranges)
    ]
    parts = client.gather(futures)
    if any(part is None for part in parts):  # something odd: the whole file, with its error
        return client.submit(se._scan_file, path, table, **options).result()
    return _join_ranges(parts)


def _read_stackexchange(
    path: Path, *, client, on_error: str, brand, piece, sentiment: bool = True
) -> Community:
    """:func:`~influence.sources.stackexchange.read_stackexchange`, each file scanned by ranges."""
    from influence.sentiment import missing_packages

    folder = path if path.is_dir() else path.parent
    files = se._locate(folder)
    if not path.is_dir():
        files["Posts"] = path
    if "Posts" not in files:
        return read(path, format="stackexchange", on_error=on_error)  # the reader's own error
    wanted, sentiment = sentiment, sentiment and not missing_packages()
    tables = {
        table: scan_partitioned(
            files[table], table, client=client, piece=piece, sentiment=sentiment, brand=brand
        )
        for table in se.FIELDS
        if table in files
    }
    stats = ReadStats()
    messages, links, users = se.parse_stackexchange(
        tables,
        sources={table: file.name for table, file in files.items()},
        on_error=on_error,
        stats=stats,
    )
    del tables
    messages = se._finish_scoring(
        messages, sentiment=sentiment, stats=stats, brand=brand, wanted=wanted
    )
    for table in se._UNUSED:
        if table in files:
            stats.note(f"{files[table].name}: not used")
    return assemble(
        messages,
        links=links,
        users=users,
        stats=stats,
        platform=se.PLATFORM,
        name=folder.resolve().name,
        users_authoritative=False,
    )


# --------------------------------------------------------------------------- Reddit


def _scan_reddit(
    records, source: str, on_error: str, brand, sentiment: bool = True
) -> tuple[dict, list[str]]:
    """The reader's per-file scan (texts scored, in compact chunks) and its scoring notes."""
    scoring = ReadStats()
    columns = rd._scan_file(
        records, source=source, on_error=on_error, brand=brand, stats=scoring, sentiment=sentiment
    )
    return columns, scoring.notes


def _scan_reddit_range(
    path: str, source: str, begin: int, end: int, on_error: str, brand, sentiment: bool = True
) -> tuple[dict, list[str], int] | None:
    """The lines of ``begin:end`` scanned as the reader scans a file, line numbers from 1.

    None when a record or line is bad: the whole file is then scanned again, so
    that the error or the first skipped record names its line in the file.
    """
    data = _read_range(path, begin, end)
    lines = io.BytesIO(data)
    # a blank first line: only the file's own first line may lose a byte-order mark
    stream = lines if begin == 0 else itertools.chain([b"\n"], lines)
    problems: list[SourceError] = []
    try:
        records = iter_ndjson(stream, path=source, on_error=on_error, problems=problems)
        columns, notes = _scan_reddit(records, source, on_error, brand, sentiment)
    except SourceError:
        return None
    if problems or columns["_first"][0] is not None:
        return None
    if begin:
        for chunk in columns["_chunks"]:
            chunk[LINE] = chunk[LINE] - 1
    return columns, notes, data.count(b"\n")


def _scan_reddit_file(
    file: Path, source: str, on_error: str, brand, sentiment: bool = True
) -> tuple[dict, list[str]] | None:
    """A whole file (compressed, a JSON array, an API page); None for a bad record."""
    problems: list[SourceError] = []
    try:
        records = rd._records(file, source, on_error, problems)
        columns, notes = _scan_reddit(records, source, on_error, brand, sentiment)
    except SourceError:
        return None
    if problems:  # lines that are not JSON, skipped: counted as read_reddit counts them
        columns["_malformed"][0] += len(problems)
        columns["_first"][0] = columns["_first"][0] or str(problems[0])
    return columns, notes


def _join_reddit(parts: list[tuple[dict, list[str], int]]) -> tuple[dict, list[str]]:
    """The scans of consecutive ranges as one file's scan, lines counted from the file's start."""
    chunks, notes, lines_before = [], [], 0
    for columns, part_notes, newlines in parts:
        for chunk in columns["_chunks"]:
            chunks.append({**chunk, LINE: chunk[LINE] + lines_before})
        notes.extend(part_notes)
        lines_before += newlines
    joined = {name: [sum(part[0][name][0] for part in parts)] for name in ("_malformed", "_more")}
    return {"_chunks": chunks, **joined, "_first": [None]}, notes


def _ndjson_lines(path: Path) -> bool:
    """Whether a plain file holds one JSON value per line (not an array, not a document)."""
    start = head(path).lstrip()
    return start[:1] != b"[" and not (start[:1] == b"{" and first_json_value(path) is None)


def _read_reddit(
    path: Path, *, client, on_error: str, brand, piece, sentiment: bool = True
) -> Community:
    files = rd._files(path) if path.is_dir() else [path]
    if not files:
        return read(path, format="reddit", on_error=on_error)  # the reader's own error
    options = {"on_error": on_error, "brand": brand, "sentiment": sentiment}

    def whole(file: Path, source: str):
        return client.submit(
            _scan_reddit_file, file, source, on_error, brand, sentiment, pure=False
        )

    pending = {}
    for file in files:
        source = file.name if path.is_dir() else str(file)
        if _plain(file) and _ndjson_lines(file) and file.stat().st_size:
            ranges = _ranges(file, piece)
            pending[source] = (
                file,
                [
                    client.submit(
                        _scan_reddit_range, str(file), source, *bounds, **options, pure=False
                    )
                    for bounds in ranges
                ],
            )
        else:
            pending[source] = (file, whole(file, source))
    scanned, notes = {}, []
    for source, (file, futures) in pending.items():
        if isinstance(futures, list):
            parts = client.gather(futures)
            if all(part is not None for part in parts):
                scanned[source], file_notes = _join_reddit(parts)
                notes.extend(file_notes)
                continue
            futures = whole(file, source)  # for its error or the line of its first skip
        result = futures.result()
        if result is None:  # the reader's own error, raised here
            return read(path, "reddit", **options)
        scanned[source] = result[0]
        notes.extend(result[1])
    return rd._assemble(scanned, notes=notes, on_error=on_error, name=path.resolve().name)


# --------------------------------------------------------------------------- tables


def _table_file(path: str, layout: str) -> pd.DataFrame | None:
    """The frame of one whole table file as the reader loads it; None when it cannot."""
    loaders = {"parquet": tb._load_parquet, "ndjson": tb._load_json_lines}
    load = loaders.get(layout, functools.partial(tb._load_delimited, sep=layout))
    try:
        return load(Path(path))[0]
    except SourceError:
        return None


def _json_range(path: str, begin: int, end: int) -> pd.DataFrame | None:
    """The frame of the JSON Lines ``begin:end``; None when a line is not UTF-8 or not JSON."""
    data = _read_range(path, begin, end)
    try:
        text = data.decode("utf-8-sig" if begin == 0 else "utf-8")
        if not text.strip():
            return pd.DataFrame()
        return tb._json_lines_frame(text)
    except (UnicodeDecodeError, ValueError, TypeError, AttributeError):
        return None


def _join_json_frames(frames: list[pd.DataFrame]) -> pd.DataFrame | None:
    """The frames of consecutive ranges as one, as a whole-file read gives it; None if unsure.

    pandas infers each column's type from its values, so a range whose values of
    a column are all of one kind (or all missing) may get another type than the
    whole file. The join is exact when the ranges holding values of a column
    give it one type (``object`` only when no range lacks it), or only ``int64``
    and ``float64`` (the whole file gives float64, as the join); a range without
    the column, or with only missing values in it, is left out of that column.
    """
    frames = [frame for frame in frames if frame.shape != (0, 0)]  # not blank ranges
    if len(frames) <= 1:
        return frames[0] if frames else pd.DataFrame()
    if not all(isinstance(name, str) for frame in frames for name in frame.columns):
        return None  # all-numeric column names: pandas converts them per range
    names = list(dict.fromkeys(name for frame in frames for name in frame.columns))
    sparse: dict[int, list[str]] = {}
    for name in names:
        holding = [
            frame[name].notna().any() if name in frame.columns else False for frame in frames
        ]
        kinds = {
            str(frame[name].dtype) for frame, held in zip(frames, holding, strict=True) if held
        }
        if not kinds:  # missing everywhere
            kinds = {str(frame[name].dtype) for frame in frames if name in frame.columns}
            if kinds != {"float64"}:
                return None
            continue
        exact = kinds <= {"int64", "float64"} or (
            len(kinds) == 1 and (kinds != {"object"} or all(holding))
        )
        if not exact:
            return None
        for number, held in enumerate(holding):
            if not held and name in frames[number].columns:
                sparse.setdefault(number, []).append(name)
    frames = [frame.drop(columns=sparse.get(n, [])) for n, frame in enumerate(frames)]
    return pd.concat(frames, ignore_index=True).reindex(columns=names)


def _parquet_groups(path: str, groups: list[int]):
    """The row groups ``groups`` of a Parquet file as a pyarrow table; None if unreadable."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        return pq.ParquetFile(path).read_row_groups(groups)
    except (pa.ArrowException, OSError, EOFError, ValueError):
        return None


def _group_batches(path: Path, piece: int | None) -> list[list[int]] | None:
    """Row groups in file order, batched to about ``piece`` bytes each; None if unreadable."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        metadata = pq.ParquetFile(path).metadata
    except (pa.ArrowException, OSError, ValueError):
        return None
    batches: list[list[int]] = []
    size = piece or RANGE_BYTES
    filled = size
    for group in range(metadata.num_row_groups):
        if filled >= size:
            batches.append([])
            filled = 0
        batches[-1].append(group)
        filled += metadata.row_group(group).total_byte_size
    return batches or None


def _load_table(path: Path, layout: str, *, client, piece) -> pd.DataFrame | None:
    """The frame of ``path`` read on the workers; None when only the reader can say why not."""
    frame = None
    if layout == "parquet" and _plain(path) and path.stat().st_size:
        batches = _group_batches(path, piece)
        if batches is not None:
            futures = [
                client.submit(_parquet_groups, str(path), batch, pure=False) for batch in batches
            ]
            parts = client.gather(futures)
            if all(part is not None for part in parts):
                import pyarrow as pa

                return tb._parquet_frame(pa.concat_tables(parts))
    elif layout == "ndjson" and _plain(path):
        futures = [
            client.submit(_json_range, str(path), begin, end, pure=False)
            for begin, end in _ranges(path, piece)
        ]
        frames = client.gather(futures)
        if all(part is not None for part in frames):
            frame = _join_json_frames(frames)
    if frame is None:
        frame = client.submit(_table_file, str(path), layout, pure=False).result()
    return frame


def _read_table(
    path: Path, *, client, on_error: str, mapping, brand, piece, sentiment: bool = True
) -> Community:
    if path.is_dir():
        return read(path, format="table", on_error=on_error)  # the reader's own error
    layout = tb._layout(path)
    frame = _load_table(path, layout, client=client, piece=piece)
    if frame is None:  # the reader's own error, with its line
        return read(
            path, "table", on_error=on_error, mapping=mapping, brand=brand, sentiment=sentiment
        )
    if layout == "parquet":
        lines = tb._Lines(lambda record: f"row {record + 1}")
    elif layout == "ndjson":
        lines = tb._Lines(functools.partial(tb._json_line, path))
    else:
        lines = tb._Lines(functools.partial(tb._delimited_line, path, layout))
    return tb.parse_table(
        frame,
        path=str(path),
        mapping=mapping,
        on_error=on_error,
        lines=lines,
        brand=brand,
        sentiment=sentiment,
    )


# --------------------------------------------------------------------------- entry point


def read_partitioned(
    path: str | Path,
    *,
    client,
    format: str | None = None,
    on_error: str = "raise",
    mapping: Mapping[str, str] | None = None,
    brand: Iterable[str] | str | None = None,
    piece: int | None = None,
    sentiment: bool = True,
) -> Community:
    """Read a dump with the cluster's workers; the same Community as :func:`influence.read`.

    Stack Exchange XML, Reddit dumps and tables (Parquet, JSON Lines, CSV) are
    read on the workers (see the module notes for how each is cut); other
    formats and archives are read in-process by :func:`influence.read`.

    Parameters
    ----------
    path : str or Path
    client : distributed.Client
    format : str, optional
        As for :func:`influence.read` (default: detected).
    on_error, mapping, brand
        As for :func:`influence.read`: ``brand`` keywords go to the sentiment
        scoring of the reader (``brand_mention``).
    piece : int, optional
        Bytes per range of a plain XML or JSON Lines file, and per task of
        Parquet row groups (default :data:`RANGE_BYTES`).
    sentiment : bool, default True
        As for :func:`influence.read`: ``False`` skips the scoring of the texts.

    Returns
    -------
    Community
        Equal to ``influence.read(path, format, on_error=..., mapping=...,
        brand=..., sentiment=...)``: the same tables, read statistics and errors.

    Examples
    --------
    >>> import distributed
    >>> with distributed.Client(n_workers=1, dashboard_address=":0") as client:
    ...     community = read_partitioned("tests/data/reddit/dump", client=client, piece=256)
    >>> community.messages.equals(read("tests/data/reddit/dump").messages)
    True
    """
    on_error = check_on_error(on_error)
    options = {"on_error": on_error, "mapping": mapping, "brand": brand, "sentiment": sentiment}
    if archive_kind(path) is not None:  # extracted on the client: the workers cannot see it
        return read(path, format, **options)
    name = detect_format(path) if format in (None, "auto") else format
    path = Path(path)
    if not path.exists() or (mapping and name != "table"):
        return read(path, name, **options)  # the reader's own error
    brand = [brand] if isinstance(brand, str) else (None if brand is None else list(brand))
    if name == "stackexchange":
        return _read_stackexchange(
            path, client=client, on_error=on_error, piece=piece, brand=brand, sentiment=sentiment
        )
    if name == "reddit":
        return _read_reddit(
            path, client=client, on_error=on_error, brand=brand, piece=piece, sentiment=sentiment
        )
    if name == "table":
        return _read_table(
            path,
            client=client,
            on_error=on_error,
            mapping=mapping,
            brand=brand,
            piece=piece,
            sentiment=sentiment,
        )
    return read(path, name, **options)
