"""Read a Stack Exchange data dump (``Posts.xml``, ``Comments.xml``, ``Users.xml``, ...).

The reader is split the house way:

* :func:`scan_rows` streams one XML file through :mod:`xml.parsers.expat` in
  1 MiB chunks and keeps, per ``<row>``, only the attributes asked for, in one
  Python list per attribute (plus the line number). Long texts are reduced to
  their length, so memory grows with the output columns, not with the XML. It
  is the reference: files of the dumps' simple shape (one ``<row .../>`` per
  line) are read by the vectorised scanner of :mod:`influence.sources._xmlrows`
  (numpy over whole blocks, several times faster, the same columns; it gives
  up on anything else and expat reads the file), and :func:`scan_rows_parallel`
  reads byte ranges of a large uncompressed file (cut at line ends) in one
  worker process per CPU. Post and comment texts are scored for sentiment
  block by block while scanning (in the workers for byte ranges) and only the
  scores are kept.
* ``parse_*`` are pure: column lists in, canonical tables out, vectorised with
  pandas. :func:`parse_stackexchange` ties them together.
* :func:`read_stackexchange` is thin: find the files, scan them, parse, and
  :func:`~influence.sources._common.assemble` the
  :class:`~influence.community.Community`.

What becomes what
-----------------
``messages``
    questions (``PostTypeId`` 1, kind ``question``, ``thread_id`` = own id),
    answers (``PostTypeId`` 2, kind ``answer``, ``parent_id`` = ``thread_id`` =
    ``ParentId``) and comments (kind ``comment``, ``message_id`` = ``"c"`` +
    comment ``Id`` because post and comment ids collide, ``parent_id`` =
    ``PostId``). ``topic`` is the first tag of the thread's question and the
    extra column ``tags`` holds all of them joined with ``";"``. Other post
    types (tag wikis, moderator nominations, ...) and the comments on them are
    not conversation: they are dropped and counted as ``not_conversation``.
``links`` (turned into interactions by the shared rule)
    ``accept`` (asker -> author of the accepted answer, timed by the
    AcceptedByOriginator vote when ``Votes.xml`` has it), ``kudos`` (every
    ``Votes.xml`` row that names its voter: favourites, bounties) and
    ``mention`` (``@name`` in a comment, resolved as Stack Exchange notifies,
    see :func:`parse_comments`).
``users``
    ``Users.xml`` with the profile fields, the site's own ``Reputation`` as
    ``site_reputation``, vote and view counts, badge counts from
    ``Badges.xml``, and ``is_system`` for the Community account (``Id`` -1).

Files other than ``Posts.xml`` are optional; an absent one is noted in
``read_stats``. ``PostHistory.xml`` supplies the editors of each post (who
can be ``@``-mentioned); without it the post's ``LastEditorUserId`` is used.
``PostLinks.xml`` and ``Tags.xml`` are not used (noted).
"""

from __future__ import annotations

import html
import io
import itertools
import lzma
import multiprocessing
import os
import re
import threading
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import IO
from xml.parsers import expat

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from influence._memory import give_back_memory
from influence._parallel import run_together
from influence.community import Community, ReadStats
from influence.errors import SourceError
from influence.schema import STRING, UTC
from influence.sources._common import (
    LINK_COLUMNS,
    SENTIMENT_COLUMNS,
    TEXT,
    OnError,
    arrow_strings,
    assemble,
    check_on_error,
    id_positions,
    normalize_ids,
    open_binary,
    parse_timestamps,
    reading_listener,
    score_texts,
    tell_rows,
)
from influence.sources._xmlrows import (
    PAD,
    TEXT_PREFIX,
    RowScanner,
    empty_columns,
    join_columns,
    scan_buffer,
    scan_rows_fast,
    split_document,
)

__all__ = [
    "FIELDS",
    "parse_badges",
    "parse_comments",
    "parse_post_history",
    "parse_posts",
    "parse_stackexchange",
    "parse_users",
    "parse_votes",
    "read_stackexchange",
    "scan_rows",
    "scan_rows_parallel",
    "sniff",
]

PLATFORM = "stackexchange"
CHUNK_BYTES = 1 << 20
LINE = "_line"

#: Attributes kept per file. ``Body``/``Text`` are reduced to their length
#: (column ``Body_length``/``Text_length``); comment ``Text`` is kept only when
#: it contains ``@``.
FIELDS: dict[str, tuple[str, ...]] = {
    "Posts": (
        "Id",
        "PostTypeId",
        "ParentId",
        "AcceptedAnswerId",
        "CreationDate",
        "Score",
        "OwnerUserId",
        "Tags",
        "LastEditorUserId",
        "LastEditDate",
    ),
    "Comments": ("Id", "PostId", "Score", "CreationDate", "UserId"),
    "Users": (
        "Id",
        "DisplayName",
        "CreationDate",
        "AboutMe",
        "WebsiteUrl",
        "Location",
        "Reputation",
        "UpVotes",
        "DownVotes",
        "Views",
    ),
    "Votes": ("Id", "PostId", "VoteTypeId", "UserId", "CreationDate"),
    "Badges": ("UserId", "Class"),
    "PostHistory": ("Id", "PostHistoryTypeId", "PostId", "UserId", "CreationDate"),
}
_LENGTHS: dict[str, tuple[str, ...]] = {"Posts": ("Body",), "Comments": ("Text",)}
_KEEP_IF: dict[str, dict[str, str]] = {"Comments": {"Text": "@"}}
_UNUSED = ("PostLinks", "Tags")
_SUFFIXES = ("", ".gz", ".bz2", ".xz", ".lzma", ".zst")

QUESTION, ANSWER = 1, 2
ACCEPTED_BY_ORIGINATOR, UP_MOD, DOWN_MOD = 1, 2, 3
#: PostHistoryTypeId of edits and rollbacks of title, body and tags.
EDIT_TYPES = (4, 5, 6, 7, 8, 9)
SYSTEM_USER = "-1"
#: ``@token``: not preceded by a word character or ``@`` (so e-mail addresses
#: are not mentions); trailing ``.``, ``-`` and ``'`` are punctuation.
MENTION_PATTERN = r"(?<![\w@])@(\w[\w.'\-]*)"
MIN_MENTION = 3
_BADGE_CLASSES = {1: "gold_badges", 2: "silver_badges", 3: "bronze_badges"}


# ---------------------------------------------------------------------------
# Files: the only layer that touches the disk.
# ---------------------------------------------------------------------------


def sniff(path: Path) -> bool:
    """Tell whether ``path`` is a Stack Exchange dump.

    True for a folder holding ``Posts.xml`` (any letter case, possibly
    compressed as ``Posts.xml.gz`` and so on) and for such a file itself.

    Examples
    --------
    >>> sniff(Path("datasets/stackexchange-conlang-meta-2020"))
    True
    >>> sniff(Path("datasets/stackexchange-conlang-meta-2020/Posts.xml"))
    True
    >>> sniff(Path("datasets/stackexchange-conlang-meta-2020/Users.xml"))
    False
    """
    path = Path(path)
    if path.is_dir():
        return "Posts" in _locate(path)
    return path.is_file() and _table_of(path.name) == "Posts"


def _table_of(name: str) -> str | None:
    lowered = name.lower()
    for table in (*FIELDS, *_UNUSED):
        if any(lowered == f"{table.lower()}.xml{suffix}" for suffix in _SUFFIXES):
            return table
    return None


def _locate(folder: Path) -> dict[str, Path]:
    """Map table names (``"Posts"``, ...) to the files found in ``folder``."""
    found: dict[str, Path] = {}
    for child in sorted(folder.iterdir()):
        table = _table_of(child.name)
        if table is not None and child.is_file() and table not in found:
            found[table] = child
    return found


def scan_rows(
    stream: IO[bytes],
    fields: Sequence[str],
    *,
    source: str,
    lengths: Sequence[str] = (),
    keep_if: Mapping[str, str] | None = None,
    texts: Sequence[str] = (),
) -> dict[str, list]:
    """Stream ``<row .../>`` elements of a dump file into one list per attribute.

    Parameters
    ----------
    stream : binary file
        The XML, read in 1 MiB chunks (byte-order marks and CRLF are fine).
    fields : sequence of str
        Attributes to keep; an absent attribute is ``None``.
    source : str
        File name used in errors.
    lengths : sequence of str
        Attributes kept only as their length, in ``<name>_length`` (0 when absent).
    keep_if : mapping, optional
        ``{attribute: needle}``: keep the attribute's text only when it contains
        ``needle`` (``None`` otherwise); for comment texts with ``@``.
    texts : sequence of str
        Attributes kept whole, under ``"text:<name>"``, for sentiment scoring.

    Returns
    -------
    dict of str to list
        One list per field, plus ``"_line"``: the line of each row.

    Raises
    ------
    SourceError
        When the XML is not well-formed (``XML must be well-formed (got ...)``
        with the line), declares entities (the "billion laughs" attack) or
        refers to external entities.

    Examples
    --------
    >>> import io
    >>> xml = b'<posts>\\n<row Id="1" Body="&lt;p&gt;hi" />\\n<row Id="2" />\\n</posts>'
    >>> scan_rows(io.BytesIO(xml), ["Id"], source="Posts.xml", lengths=["Body"])
    {'Id': ['1', '2'], 'Body_length': [5, 0], '_line': [2, 3]}
    """
    overlap = set(fields) & set(keep_if or {})
    if overlap:
        raise ValueError(f"keep_if must not repeat a field (got {sorted(overlap)})")
    columns: dict[str, list] = {name: [] for name in fields}
    plain = tuple((name, columns[name].append) for name in fields)
    measured = []
    for name in lengths:
        columns[f"{name}_length"] = []
        measured.append((name, columns[f"{name}_length"].append))
    filtered = []
    for name, needle in (keep_if or {}).items():
        columns.setdefault(name, [])
        filtered.append((name, needle, columns[name].append))
    whole = []
    for name in texts:
        columns[TEXT_PREFIX + name] = []
        whole.append((name, columns[TEXT_PREFIX + name].append))
    lines: list[int] = []
    columns[LINE] = lines
    add_line = lines.append

    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def start(name: str, attributes: dict[str, str]) -> None:
        if name != "row":
            return
        get = attributes.get
        for key, append in plain:
            append(get(key))
        for key, append in measured:
            value = get(key)
            append(0 if value is None else len(value))
        for key, needle, append in filtered:
            value = get(key)
            append(value if value is not None and needle in value else None)
        for key, append in whole:
            append(get(key))
        add_line(parser.CurrentLineNumber)

    def refuse_entity(name, *args) -> None:
        raise SourceError(
            f"XML must not declare entities (got <!ENTITY {name} ...>)",
            path=source,
            line=parser.CurrentLineNumber,
        )

    def refuse_external(context, base, system_id, public_id) -> int:
        raise SourceError(
            f"XML must not refer to external entities (got {system_id or public_id!r})",
            path=source,
            line=parser.CurrentLineNumber,
        )

    parser.StartElementHandler = start
    parser.EntityDeclHandler = refuse_entity
    parser.UnparsedEntityDeclHandler = refuse_entity
    parser.ExternalEntityRefHandler = refuse_external
    try:
        while chunk := stream.read(CHUNK_BYTES):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError as err:
        raise SourceError(
            f"XML must be well-formed (got {expat.ErrorString(err.code)})",
            path=source,
            line=err.lineno,
        ) from err
    except LookupError as err:
        raise SourceError(
            f"XML encoding must be one Python knows (got {err})", path=source, line=1
        ) from err
    except (OSError, EOFError, ValueError) as err:
        if isinstance(err, SourceError):
            raise
        raise SourceError(f"file must be readable (got {err})", path=source) from err
    return columns


# ---------------------------------------------------------------------------
# Both cores: a large plain file is cut into byte ranges at line ends (dump rows
# are one per line) and each range is read in its own process: by the
# vectorised scanner of _xmlrows when the lines have the simple shape of the
# dumps, else by scan_rows itself, wrapped in the root element. Either decodes
# the entities exactly as expat does when it reads the whole file; anything odd
# (a range that does not parse, a row over several lines cut in two, ...) makes
# the whole file go through scan_rows in one piece, which also reports the
# error with its line. The tests check that every way gives the same columns.
# ---------------------------------------------------------------------------

#: Read large uncompressed files with one process per CPU (tests switch it off
#: to compare with the one-process reference).
PARALLEL = True
#: The file size from which a plain file is split across processes, and the
#: size of each byte range.
PARALLEL_MIN_BYTES = 32 << 20
RANGE_BYTES = 32 << 20
_HEAD = re.compile(rb"(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*\?>)?\s*<([A-Za-z_][\w.-]*)\s*>", re.ASCII)


def _line_ranges(path: Path, size: int, piece: int, first: int = 0) -> list[tuple[int, int]]:
    """Byte ranges of about ``piece`` bytes, each ending just after a line end.

    The first range reaches at least byte ``first`` (past the root element's tag).
    """
    bounds = [0]
    with open(path, "rb") as stream:
        while max(bounds[-1] + piece, first) < size:
            stream.seek(max(bounds[-1] + piece, first))
            probe = b""
            while b"\n" not in probe:
                more = stream.read(1 << 16)
                if not more:
                    break
                probe += more
            cut = probe.find(b"\n")
            if cut < 0:
                break
            bounds.append(stream.tell() - len(probe) + cut + 1)
    if bounds[-1] < size:
        bounds.append(size)
    return list(itertools.pairwise(bounds))


#: The byte range buffer of a worker process of scan_rows_parallel, kept from one
#: range to the next (None elsewhere): a fresh bytearray of 32 MiB costs its
#: zeroing and page faults, about 0.4 CPU-seconds over the ranges of 1M posts.
_RANGE_BUFFER: bytearray | None = None


def _keep_range_buffer() -> None:
    """Pool initializer: this (single-threaded) worker reuses one range buffer."""
    global _RANGE_BUFFER
    _RANGE_BUFFER = bytearray()


def _range_buffer(size: int) -> bytearray:
    """A buffer of at least ``size`` bytes: the worker's kept one, or a new one."""
    global _RANGE_BUFFER
    if _RANGE_BUFFER is None:  # a Dask worker (threads) or any other caller
        return bytearray(size)
    if len(_RANGE_BUFFER) < size:
        _RANGE_BUFFER = bytearray(size)
    return _RANGE_BUFFER


def _scan_range(
    path: str,
    begin: int,
    end: int,
    root: bytes,
    last: bool,
    fields: Sequence[str],
    lengths: Sequence[str],
    keep_if: Mapping[str, str],
    texts: Sequence[str] = (),
    each: Callable[[dict[str, object]], dict[str, object]] | None = None,
) -> tuple[dict[str, object], int] | None:
    """The columns of the bytes ``begin:end``; None when they do not parse.

    The fast scanner first; when it gives up, :func:`scan_rows` on the bytes
    wrapped in the root element. ``each`` (for example scoring the texts) runs
    on the columns of every block, so that the texts of the range are never
    all in memory at once on the fast path.
    """
    size = end - begin
    buffer = _range_buffer(size + PAD)
    with open(path, "rb") as stream:
        stream.seek(begin)
        if stream.readinto(memoryview(buffer)[:size]) != size:
            return None
    found = split_document(buffer, head=begin == 0, tail=last, root=root, size=size)
    if FAST and found is not None:
        first, stop, _root = found
        scanner = RowScanner(fields, lengths=lengths, keep_if=keep_if, texts=texts)
        before = buffer.count(b"\n", 0, first)
        parts = scan_buffer(scanner, buffer, first, stop, before + 1)
        if parts is not None:
            parts = parts or [empty_columns(scanner)]
            # each row is one line: count the newlines of the head and tail only
            rows = sum(len(part[LINE]) for part in parts)
            newlines = before + rows + buffer.count(b"\n", stop, size)
            return join_columns([each(part) if each else part for part in parts]), newlines
    newlines = buffer.count(b"\n", 0, size)
    head = b"" if begin == 0 else b"<" + root + b">"
    tail = b"" if last else b"</" + root + b">"
    try:
        columns = scan_rows(
            io.BytesIO(head + buffer[:size] + tail),
            fields,
            source=path,
            lengths=lengths,
            keep_if=keep_if,
            texts=texts,
        )
    except SourceError:
        return None
    columns = _compact(columns)
    return (each(columns) if each else columns), newlines


def _compact(columns: dict[str, list]) -> dict[str, object]:
    """Column lists -> string arrays (Arrow-backed with pandas' default) and int64 arrays.

    A Python string costs about 55 bytes; the same text in an Arrow array
    costs its length plus 8. Workers send these (cheap to pickle) and the
    parent never holds a whole file as Python objects.
    """
    out: dict[str, object] = {}
    for name, values in columns.items():
        if name == LINE or name.endswith("_length"):
            out[name] = np.asarray(values, dtype=np.int64)
        else:
            out[name] = pd.array(values, dtype=STRING)
    return out


def scan_rows_parallel(
    path: str | Path,
    fields: Sequence[str],
    *,
    lengths: Sequence[str] = (),
    keep_if: Mapping[str, str] | None = None,
    texts: Sequence[str] = (),
    each: Callable[[dict[str, object]], dict[str, object]] | None = None,
    processes: int | None = None,
    piece: int | None = None,
) -> dict[str, object] | None:
    """:func:`scan_rows` on an uncompressed file, one byte range per worker process.

    The file is cut into ranges of about ``piece`` bytes (default
    :data:`RANGE_BYTES`) that end at a line end; each is read by the
    vectorised scanner (:mod:`influence.sources._xmlrows`) or, when its lines
    are not of the simple one-row-per-line shape, by :func:`scan_rows` wrapped
    in the root element, in ``processes`` worker processes (default one per
    CPU). ``texts`` and ``each`` are as in
    :func:`~influence.sources._xmlrows.scan_rows_fast`: ``each`` runs in the
    workers (it must be picklable), so only its results travel back. The
    columns are joined in file order
    with the line numbers of the whole file. Text columns come back as pandas
    ``string`` arrays and numbers as int64 arrays (missing text is ``<NA>``
    instead of ``None``): far less memory than lists of Python objects.

    Returns ``None`` when the file cannot be read this way (compressed, no
    root element on the first lines, a range that does not parse, no ``fork``
    on this platform): read it with :func:`scan_rows` then.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "Posts.xml").write_bytes(b'<posts>\\r\\n  <row Id="1" Body="&lt;p&gt;hi" />'
    ...     b'\\r\\n  <row Id="2" />\\r\\n</posts>')
    >>> columns = scan_rows_parallel(folder / "Posts.xml", ["Id"], lengths=["Body"], piece=8)
    >>> {name: values.tolist() for name, values in columns.items()}
    {'Id': ['1', '2'], 'Body_length': [5, 0], '_line': [2, 3]}
    """
    path = Path(path)
    if path.suffix.lower() != ".xml":
        return None
    with open(path, "rb") as stream:
        head = _HEAD.match(stream.read(1 << 16))
    if head is None:
        return None
    try:
        context = multiprocessing.get_context("fork")
    except ValueError:  # pragma: no cover - platforms without fork
        return None
    ranges = _line_ranges(path, path.stat().st_size, piece or RANGE_BYTES, head.end())
    tasks = [
        (
            str(path),
            b,
            e,
            head.group(1),
            n == len(ranges) - 1,
            list(fields),
            list(lengths),
            dict(keep_if or {}),
            list(texts),
            each,
        )
        for n, (b, e) in enumerate(ranges)
    ]
    workers = max(1, min(processes or os.cpu_count() or 1, len(tasks)))
    listener = reading_listener()
    size = path.stat().st_size
    with context.Pool(workers, initializer=_keep_range_buffer) as pool:
        pending = [pool.apply_async(_scan_range, task) for task in tasks]
        parts = []
        told = 0
        for (_begin, end), result in zip(ranges, pending, strict=True):
            parts.append(result.get())
            if listener is not None:  # the byte ranges are told as they come back, in order
                listener(str(path), end, size)
            if parts[-1] is not None:
                told += len(parts[-1][0][LINE])
                tell_rows(path, len(parts[-1][0][LINE]))
    if any(part is None for part in parts):
        tell_rows(path, -told)  # taken back: the file is read again in one process
        return None
    offsets = np.cumsum([0] + [newlines for _part, newlines in parts[:-1]])
    columns: dict[str, object] = {}
    for name in parts[0][0]:
        pieces = [part[name] for part, _newlines in parts]
        if name == LINE:
            columns[name] = np.concatenate(
                [piece + offset for piece, offset in zip(pieces, offsets, strict=True)]
            )
        else:
            columns[name] = join_columns([{name: piece} for piece in pieces])[name]
    return columns


#: Read with the vectorised scanner of :mod:`influence.sources._xmlrows` when the
#: file has the simple one-row-per-line shape (tests switch it off to compare).
FAST = True
#: Errors of a stream that make the fast path hand over to expat (which reports them).
_READ_ERRORS = (OSError, EOFError, ValueError, lzma.LZMAError, zlib.error)
#: Attributes scored for sentiment, per file (``Title`` and ``Body`` make one text).
_TEXTS: dict[str, tuple[str, ...]] = {"Posts": ("Title", "Body"), "Comments": ("Text",)}


_SENTIMENT_DTYPES = {"sentiment": "float64", "language": STRING, "brand_mention": "boolean"}


class _Scorer:
    """Replace the scanned texts of a block by ``sentiment``, ``language``, ``brand_mention``.

    A class (not a closure) so that worker processes can receive it. A post's
    text is its title and its body with the HTML tags stripped (entities
    unescaped); a comment's is its text.
    """

    def __init__(self, table: str, brand: Sequence[str] | None) -> None:
        self.table = table
        self.brand = None if brand is None else list(brand)

    def __call__(self, columns: dict[str, object]) -> dict[str, object]:
        from influence.sentiment import score_sentiment

        out = {name: v for name, v in columns.items() if not name.startswith(TEXT_PREFIX)}
        texts = [
            pd.Series(pd.array(columns[TEXT_PREFIX + name], dtype=STRING))
            for name in _TEXTS[self.table]
        ]
        if self.table == "Posts":
            title, body = texts[0], _strip_html(texts[1])
            text = (title.fillna("") + "\n" + body.fillna("")).str.strip()
            text = text.mask(text == "")
        else:
            text = texts[0]
        scored = score_sentiment(text, brand=self.brand)
        out["sentiment"] = scored["sentiment"].to_numpy(dtype="float64")
        out["language"] = scored["language"].array
        out["brand_mention"] = scored["brand_mention"].array
        return out


def _scoring(
    table: str, sentiment: bool, brand: Sequence[str] | None
) -> tuple[tuple[str, ...], _Scorer | None]:
    """The attributes to keep whole and the scorer of one file (none without ``sentiment``)."""
    texts = _TEXTS.get(table, ()) if sentiment else ()
    return texts, (_Scorer(table, brand) if texts else None)


def _finish_scoring(
    messages: pd.DataFrame,
    *,
    sentiment: bool,
    stats: ReadStats,
    brand: Sequence[str] | None,
    wanted: bool = True,
) -> pd.DataFrame:
    """Unscanned texts: let score_texts note why (scoring ``wanted`` off, or packages missing)."""
    if sentiment:
        return messages
    return score_texts(messages.assign(**{TEXT: pd.NA}), stats=stats, brand=brand, sentiment=wanted)


def _scan_file(
    path: Path, table: str, *, sentiment: bool = False, brand: Sequence[str] | None = None
) -> dict[str, object]:
    """Columns of one dump file: in parallel when it is large and plain, else in one process.

    The vectorised scanner first, expat (:func:`scan_rows`) when it gives up.
    With ``sentiment``, posts and comments come with the columns of
    :class:`_Scorer` instead of their texts, scored block by block.
    """
    texts, each = _scoring(table, sentiment, brand)
    options = {"lengths": _LENGTHS.get(table, ()), "keep_if": _KEEP_IF.get(table), "texts": texts}
    # fork only from a single-threaded process: a thread holding a lock at fork
    # time (a Dask worker, a notebook's event loop) could hang the children
    if PARALLEL and (os.cpu_count() or 1) > 1 and threading.active_count() == 1:
        try:
            size = path.stat().st_size
        except OSError:
            size = 0
        if size >= PARALLEL_MIN_BYTES:
            columns = scan_rows_parallel(path, FIELDS[table], each=each, **options)
            if columns is not None:
                for name in list(columns):  # one column at a time: the pieces go at once
                    columns[name] = _one_chunk(columns[name])
                return columns  # its rows were told range by range
    columns = None
    if FAST:
        try:
            with open_binary(path) as stream:
                columns = scan_rows_fast(stream, FIELDS[table], each=each, **options)
        except _READ_ERRORS:
            columns = None  # expat reads it again and reports the problem with its line
    if columns is None:
        with open_binary(path) as stream:
            columns = scan_rows(stream, FIELDS[table], source=path.name, **options)
        columns = each(_compact(columns)) if each else columns
    tell_rows(path, len(columns[LINE]))
    return columns


def read_stackexchange(
    path: str | Path,
    *,
    on_error: OnError = "raise",
    brand: Iterable[str] | str | None = None,
    sentiment: bool = True,
) -> Community:
    """Read a Stack Exchange data dump folder into a :class:`~influence.community.Community`.

    Parameters
    ----------
    path : str or Path
        The dump folder, or its ``Posts.xml``. Each file may be compressed
        (``Posts.xml.gz``, ``.bz2``, ``.xz``, ``.zst``).
    on_error : {"raise", "skip"}
        ``"raise"`` stops at the first bad record (missing ``Id``, unparseable
        ``CreationDate``, repeated ``Id``, non-numeric ``PostTypeId``, ...);
        ``"skip"`` drops bad records, counts them in ``read_stats`` as
        ``malformed`` or ``duplicate_id`` and warns once.
    brand : str or iterable of str, optional
        Brand or topic keywords for the ``brand_mention`` column.
    sentiment : bool, default True
        ``False`` skips the scoring of the texts (no ``sentiment``, ``language``
        or ``brand_mention`` column, a read note says why): faster on huge dumps.

    Notes
    -----
    Messages carry ``sentiment``, ``language`` and ``brand_mention``
    (:func:`~influence.sentiment.score_sentiment`, as every reader): a post's
    text is its title and its body with the HTML tags stripped, a comment's its
    text. They are scored while scanning, block by block (in the worker
    processes for large files), so the texts of a dump are never all in memory;
    the messages keep only their lengths. Without the ``engagement`` extra the
    three columns are absent and a read note says so.

    Returns
    -------
    Community
        ``platform="stackexchange"``, named after the folder; extra columns
        ``tags`` on messages and ``site_reputation``, ``is_system``, ... on users.

    Raises
    ------
    SourceError
        ``<file>:<line>: <what> must be <expectation> (got <value>)`` for a bad
        record or malformed XML; also when ``Posts.xml`` is missing.

    Warns
    -----
    InfluenceDataWarning
        Once, with ``on_error="skip"``, when records were skipped.

    Examples
    --------
    >>> community = read_stackexchange("datasets/stackexchange-conlang-meta-2020")
    >>> community.messages["kind"].value_counts().sort_index().to_dict()
    {'answer': 115, 'comment': 230, 'question': 54}
    >>> community.read_stats.dropped("messages")
    {'not_conversation': 8}
    """
    on_error = check_on_error(on_error)
    path = Path(path)
    folder = path if path.is_dir() else path.parent
    if not folder.is_dir():
        raise SourceError("path must be a dump folder or its Posts.xml (got none)", path=str(path))
    files = _locate(folder)
    if not path.is_dir():
        files["Posts"] = path
    if "Posts" not in files:
        raise SourceError(
            "a Stack Exchange dump folder must contain Posts.xml (got "
            f"{sorted(p.name for p in folder.iterdir())[:10]})",
            path=str(folder),
        )
    from influence.sentiment import missing_packages

    brand = [brand] if isinstance(brand, str) else brand
    wanted, sentiment = sentiment, sentiment and not missing_packages()
    tables = {
        table: _scan_file(files[table], table, sentiment=sentiment, brand=brand)
        for table in FIELDS
        if table in files
    }
    give_back_memory()
    stats = ReadStats()
    # the scanned columns are handed over: each file's are freed once parsed
    messages, links, users = _parse_tables(
        tables,
        sources={table: file.name for table, file in files.items()},
        on_error=on_error,
        stats=stats,
    )
    del tables
    give_back_memory()
    messages = _finish_scoring(
        messages, sentiment=sentiment, stats=stats, brand=brand, wanted=wanted
    )
    for table in _UNUSED:
        if table in files:
            stats.note(f"{files[table].name}: not used")
    # hand the messages over without keeping them here, so that assemble can free
    # the unsorted table once it has sorted it (instead of holding both)
    handed = [messages]
    del messages
    return assemble(
        handed.pop(),
        links=links,
        users=users,
        stats=stats,
        platform=PLATFORM,
        name=folder.resolve().name,
        users_authoritative=False,
    )


# ---------------------------------------------------------------------------
# Pure layer: column lists in, tables out.
# ---------------------------------------------------------------------------


def _frame(rows: Mapping[str, Sequence] | pd.DataFrame, fields: Sequence[str]) -> pd.DataFrame:
    """Column lists -> a DataFrame with every field and ``_line``.

    Columns holding only strings (and missing values) become the ``string``
    dtype once here, so that the checks and conversions below do not convert
    them again; line numbers and lengths scanned as arrays stay arrays; other
    columns stay ``object``.
    """
    columns = {}
    for name, values in rows.items():
        if isinstance(getattr(values, "dtype", None), pd.StringDtype):
            column = pd.Series(_one_chunk(values), dtype=STRING)  # already compact
        elif name in SENTIMENT_COLUMNS:  # scored while scanning
            column = pd.Series(values, dtype=_SENTIMENT_DTYPES[name])
        elif (name == LINE or name.endswith("_length")) and getattr(values, "ndim", 0) == 1:
            column = pd.Series(np.asarray(values))  # as scanned: no Python ints
        else:
            column = pd.Series(list(values), dtype=object)
            if name != LINE and pd.api.types.infer_dtype(column, skipna=True) == "string":
                column = column.astype(STRING)
        columns[name] = column
    frame = pd.DataFrame(columns)
    for name in fields:
        if name not in frame.columns:
            frame[name] = pd.Series([None] * len(frame), dtype=object)
    if LINE not in frame.columns:
        frame[LINE] = np.arange(1, len(frame) + 1)
    return frame.reset_index(drop=True)


def _one_chunk(values):
    """A string column as one Arrow chunk: every operation on it is then one pass.

    :func:`scan_rows_parallel` gives one chunk per byte range; without this,
    each lookup, filter and take below would join or walk the pieces again
    (it doubled the time of :func:`parse_stackexchange` on a large dump).
    """
    if not isinstance(getattr(values, "dtype", None), pd.StringDtype):
        return values
    arrow = values.__arrow_array__() if hasattr(values, "__arrow_array__") else None
    if isinstance(arrow, pa.ChunkedArray) and arrow.num_chunks > 1:
        return pd.array(arrow.combine_chunks(), dtype=STRING)
    return values


def _blank(values: pd.Series) -> np.ndarray:
    return (values.isna() | (values.astype(STRING).str.strip() == "")).to_numpy(bool)


def _integers(values: pd.Series) -> pd.Series:
    """Numbers from text, NaN where not a number (as ``pd.to_numeric(errors="coerce")``).

    Dump columns hold integers as strings (or None); pyarrow casts them in C,
    many times faster than ``to_numeric`` on Python strings. Anything else
    (decimals, spaces, ``"abc"``, a non-string value) goes through
    ``to_numeric``, the reference (``tests/sources/test_stackexchange_parallel.py``
    compares both).
    """
    if isinstance(values.dtype, pd.StringDtype) and len(values):
        arrow = pa.chunked_array([pa.array(values.array)]).combine_chunks()
    elif values.dtype == object and len(values):
        try:
            arrow = pa.array(values.to_numpy(), type=pa.large_string(), from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            arrow = None
    else:
        arrow = None
    try:
        number = None if arrow is None else arrow.cast(pa.int64())
    except pa.ArrowInvalid:
        number = None
    if number is None:  # the reference, on Python objects (string dtype gives nullable types)
        if isinstance(values.dtype, pd.StringDtype):
            values = values.astype(object).where(values.notna(), None)
        return pd.to_numeric(values, errors="coerce")
    if number.null_count == 0:
        out = number.to_numpy()
    else:
        out = number.cast(pa.float64()).to_numpy(zero_copy_only=False)
    return pd.Series(out, index=values.index, name=values.name)


class _Checks:
    """Collect per-row problems of one file, in the order they should be reported."""

    def __init__(self, frame: pd.DataFrame, source: str) -> None:
        self.frame = frame
        self.source = source
        self.items: list[tuple[str, np.ndarray, Callable[[int], str]]] = []

    def present(self, column: str, where: np.ndarray | None = None, also: str = "") -> None:
        mask = _blank(self.frame[column])
        if where is not None:
            mask &= where
        self.items.append(
            ("malformed", mask, lambda _pos: f"{column} must be present{also} (got missing)")
        )

    def integer(self, column: str, required: bool = True) -> None:
        values = self.frame[column]
        blank = _blank(values)
        number = _integers(values)
        bad = number.isna().to_numpy(bool) & ~blank
        bad |= ~blank & number.notna().to_numpy(bool) & (number != np.floor(number)).to_numpy(bool)
        mask = bad | blank if required else bad

        def describe(pos: int) -> str:
            value = values.iloc[pos]
            got = "missing" if blank[pos] else repr(value)
            return f"{column} must be an integer (got {got})"

        self.items.append(("malformed", mask, describe))

    def number(self, column: str) -> None:
        values = self.frame[column]
        mask = _integers(values).isna().to_numpy(bool) & ~_blank(values)
        self.items.append(
            (
                "malformed",
                mask,
                lambda pos: f"{column} must be a number (got {values.iloc[pos]!r})",
            )
        )

    def time(self, column: str, required: bool = True) -> pd.Series:
        values = self.frame[column]
        parsed = parse_timestamps(values, path=self.source, column=column, on_error="skip")
        blank = _blank(values)
        mask = parsed.isna().to_numpy(bool) & (~blank | required)

        def describe(pos: int) -> str:
            got = "missing" if blank[pos] else repr(values.iloc[pos])
            return f"{column} must be an ISO 8601 time (got {got})"

        self.items.append(("malformed", mask, describe))
        return parsed

    def apply(
        self, on_error: OnError, unique: str | None = "Id"
    ) -> tuple[pd.DataFrame, np.ndarray, dict[str, int], str | None]:
        """Return the kept rows, their positions, dropped counts and the first problem."""
        n = len(self.frame)
        lines = self.frame[LINE].to_numpy()
        bad = np.zeros(n, dtype=bool)
        which = np.full(n, -1)
        for number, (_reason, mask, _describe) in enumerate(self.items):
            which[mask & ~bad] = number
            bad |= mask
        if unique is not None and n:
            ids = normalize_ids(self.frame[unique])
            eligible = ~bad
            repeated = np.zeros(n, dtype=bool)
            # a row whose id is first found elsewhere repeats it (Series.duplicated)
            candidates = ids[eligible]
            first_at = id_positions(candidates, candidates)
            repeated[eligible] = first_at != np.arange(len(candidates))

            def describe(pos: int) -> str:
                value = ids.iloc[pos]
                same = eligible & (ids == value).fillna(False).to_numpy(bool)
                first = _plain(lines[np.flatnonzero(same)[0]])
                return f"{unique} must be unique (got {value} again; first on line {first})"

            which[repeated] = len(self.items)
            self.items.append(("duplicate_id", repeated, describe))
            bad |= repeated
        dropped: dict[str, int] = {}
        first = None
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            reason, _mask, describe = self.items[which[pos]]
            message = describe(pos)
            if on_error == "raise":
                raise SourceError(message, path=self.source, line=_plain(lines[pos]))
            first = f"{self.source}:{_plain(lines[pos])}: {message}"
            for number, (reason, _mask, _describe) in enumerate(self.items):
                count = int((which == number).sum())
                if count:
                    dropped[reason] = dropped.get(reason, 0) + count
        keep = np.flatnonzero(~bad)
        if len(keep) == n:  # nothing dropped: no copy (the frame has a RangeIndex)
            return self.frame.reset_index(drop=True), keep, dropped, first
        return self.frame.iloc[keep].reset_index(drop=True), keep, dropped, first


def _plain(value):
    return int(value) if isinstance(value, (np.integer, int)) else value


def _note_skipped(stats: ReadStats | None, source: str, dropped: dict, first: str | None) -> None:
    if stats is not None and first is not None:
        total = sum(n for reason, n in dropped.items() if reason in ("malformed", "duplicate_id"))
        stats.note(f"{source}: skipped {total} bad record(s); first: {first}")


def _strings(values: pd.Series) -> pd.Series:
    out = values.astype(STRING)
    return out.mask(out.str.strip() == "")


def _text_length(frame: pd.DataFrame, column: str) -> pd.Series:
    """``<column>_length`` as scanned, else the length of ``<column>``; 0 when absent."""
    if f"{column}_length" in frame.columns:
        return pd.to_numeric(frame[f"{column}_length"]).fillna(0)
    if column in frame.columns:
        return frame[column].astype(STRING).str.len().fillna(0)
    return pd.Series(np.zeros(len(frame), dtype="int64"))


def _first_tag(tags: pd.Series) -> pd.Series:
    """``"a;b"`` -> ``"a"`` (vectorised: one regex replace, no Python per row)."""
    return tags.astype(STRING).str.replace(r";.*", "", regex=True).astype(STRING)


def _split_tags(tags: pd.Series) -> pd.Series:
    """``"<a><b>"`` (older dumps) or ``"|a|b|"`` (newer ones) -> ``"a;b"``."""
    text = _strings(tags).str.strip().str.strip("<>|")
    joined = text.str.replace(r"><|\|", ";", regex=True)
    return joined.mask(joined == "")


def parse_posts(
    rows: Mapping[str, Sequence] | pd.DataFrame,
    *,
    votes: pd.DataFrame | None = None,
    source: str = "Posts.xml",
    on_error: OnError = "raise",
    stats: ReadStats | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Turn the columns of ``Posts.xml`` into question and answer messages and accept links.

    Parameters
    ----------
    rows : mapping of str to sequence
        Column lists as returned by :func:`scan_rows` (``Id``, ``PostTypeId``,
        ``ParentId``, ``AcceptedAnswerId``, ``CreationDate``, ``Score``,
        ``OwnerUserId``, ``Tags``, ``Body_length`` or ``Body``, ...); absent
        columns are missing values.
    votes : DataFrame, optional
        From :func:`parse_votes`: times the accept links and, when no post has a
        ``Score``, gives ``score`` = up votes - down votes.
    source : str
        File name for errors and ``read_stats``.
    on_error : {"raise", "skip"}
        What to do with a bad record.
    stats : ReadStats, optional
        Receives ``<source>/messages`` (dropped: ``not_conversation``,
        ``malformed``, ``duplicate_id``).

    Returns
    -------
    messages : DataFrame
        Canonical columns plus ``tags``.
    links : DataFrame
        :data:`~influence.sources._common.LINK_COLUMNS`: one ``accept`` per
        question with an ``AcceptedAnswerId``.

    Raises
    ------
    SourceError
        With ``on_error="raise"``, for the first bad record.

    Examples
    --------
    >>> rows = {"Id": ["1", "2", "3"], "PostTypeId": ["1", "2", "4"],
    ...     "ParentId": [None, "1", None], "AcceptedAnswerId": ["2", None, None],
    ...     "CreationDate": ["2021-01-01T10:00:00.000"] * 3, "Score": ["3", "1", "0"],
    ...     "OwnerUserId": ["7", "8", "-1"], "Tags": ["|ada|wallet|", None, None],
    ...     "Body": ["<p>how?</p>", "<p>so</p>", "wiki"]}
    >>> messages, links = parse_posts(rows)
    >>> messages[["message_id", "kind", "thread_id", "parent_id", "topic", "tags"]]
      message_id      kind thread_id parent_id topic        tags
    0          1  question         1      <NA>   ada  ada;wallet
    1          2    answer         1         1   ada  ada;wallet
    >>> links[["kind", "source_message_id", "target_message_id"]].to_dict("records")
    [{'kind': 'accept', 'source_message_id': '1', 'target_message_id': '2'}]
    """
    frame = _frame(rows, FIELDS["Posts"])
    checks = _Checks(frame, source)
    checks.present("Id")
    checks.integer("PostTypeId")
    created = checks.time("CreationDate")
    post_type = _integers(frame["PostTypeId"])
    checks.present("ParentId", where=(post_type == ANSWER).to_numpy(bool), also=" on an answer")
    checks.number("Score")
    total = len(frame)
    frame, keep, dropped, first = checks.apply(on_error)
    _note_skipped(stats, source, dropped, first)
    created = created.iloc[keep].reset_index(drop=True)
    post_type = post_type.iloc[keep].reset_index(drop=True).astype("int64")

    conversation = post_type.isin([QUESTION, ANSWER]).to_numpy(bool)
    dropped["not_conversation"] = int((~conversation).sum())
    posts = frame
    if not conversation.all():
        posts = frame.loc[conversation].reset_index(drop=True)
        created = created.loc[conversation].reset_index(drop=True)
    is_question = (post_type.loc[conversation] == QUESTION).to_numpy(bool)

    ids = normalize_ids(posts["Id"])
    parent = normalize_ids(posts["ParentId"]).mask(is_question)
    thread = ids.where(is_question, parent)
    question_tags = _split_tags(posts["Tags"][is_question]).array
    on_question = id_positions(thread, ids[is_question])
    tags = pd.Series(_take(question_tags, on_question))
    # the first tag of each question, taken to its answers (as _first_tag(tags))
    topic = _take(_first_tag(pd.Series(question_tags)), on_question)
    length = _text_length(posts, "Body")
    score = _integers(posts["Score"]).astype("float64")
    if len(frame) and frame["Score"].isna().all():
        if votes is not None and len(votes):
            score = _vote_balance(votes).reindex(ids.to_numpy()).fillna(0.0)
            score = pd.Series(score.to_numpy(), dtype="float64")
            if stats is not None:
                stats.note(f"{source}: no Score attribute; score = up votes - down votes")
        elif stats is not None:
            stats.note(f"{source}: no Score attribute; score is missing")

    messages = pd.DataFrame(
        {
            "message_id": ids,
            "author_id": normalize_ids(posts["OwnerUserId"]),
            "thread_id": thread,
            "parent_id": parent,
            "created_at": created,
            "kind": np.where(is_question, "question", "answer"),
            "platform": PLATFORM,
            "topic": topic,
            "score": score.to_numpy(dtype="float64"),
            "text_length": length.to_numpy(dtype="int64"),
            "tags": tags,
        }
    )
    _carry_sentiment(messages, posts)
    links = _accept_links(posts.loc[is_question, ["Id", "AcceptedAnswerId"]], messages, votes)
    if stats is not None:
        stats.record(source, "messages", read=total, kept=len(messages), dropped=dropped)
    return messages, links


def _take(values, positions: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """``values`` (as strings) at ``positions``; missing where a position is -1."""
    return pd.array(values, dtype=STRING).take(positions, allow_fill=True)


def _carry_sentiment(messages: pd.DataFrame, frame: pd.DataFrame) -> None:
    """Copy the columns scored while scanning (when present) onto ``messages``, in place."""
    if all(column in frame.columns for column in SENTIMENT_COLUMNS):
        for column in SENTIMENT_COLUMNS:
            messages[column] = frame[column].array


def _vote_balance(votes: pd.DataFrame) -> pd.Series:
    kind = votes["vote_type"]
    sign = np.where(kind == UP_MOD, 1.0, np.where(kind == DOWN_MOD, -1.0, 0.0))
    return pd.Series(sign, index=votes["post_id"].to_numpy()).groupby(level=0).sum()


def _empty_links() -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series([], dtype=object) for name in LINK_COLUMNS})


def _accept_links(
    questions: pd.DataFrame, messages: pd.DataFrame, votes: pd.DataFrame | None
) -> pd.DataFrame:
    """One ``accept`` link per question with an accepted answer.

    ``questions`` are rows of the posts that became ``messages`` row for row:
    their index is their row in ``messages``.
    """
    question_ids = normalize_ids(questions["Id"])
    accepted = normalize_ids(questions["AcceptedAnswerId"])
    has = accepted.notna().to_numpy(bool)
    if not has.any():
        return _empty_links()
    answer_ids = accepted[has].to_numpy()
    created = pd.Series(messages["created_at"].array, dtype=UTC)
    answers = (messages["kind"] == "answer").to_numpy(bool)
    on_answer = id_positions(accepted[has], messages["message_id"][answers])
    when = pd.Series(created[answers].array.take(on_answer, allow_fill=True))
    if votes is not None and len(votes):
        accepts = votes.loc[votes["vote_type"] == ACCEPTED_BY_ORIGINATOR]
        voted = accepts.groupby("post_id")["created_at"].max()
        voted_at = pd.Series(voted.reindex(answer_ids).array, dtype=UTC)
        when = voted_at.fillna(when)
    # the messages are the posts, row for row: a question's row is its position
    on_question = questions.index.to_numpy()[has]
    when = when.fillna(pd.Series(created.array.take(on_question, allow_fill=True)))
    return pd.DataFrame(
        {
            "kind": "accept",
            "source": pd.array([pd.NA] * len(answer_ids), dtype=STRING),
            "source_message_id": question_ids[has].to_numpy(),
            "target": pd.array([pd.NA] * len(answer_ids), dtype=STRING),
            "target_message_id": answer_ids,
            "created_at": when.array,
            "message_id": answer_ids,
            "weight": 1.0,
        }
    )


def parse_votes(
    rows: Mapping[str, Sequence] | pd.DataFrame,
    *,
    source: str = "Votes.xml",
    on_error: OnError = "raise",
    stats: ReadStats | None = None,
) -> pd.DataFrame:
    """Turn the columns of ``Votes.xml`` into a votes table.

    Returns
    -------
    DataFrame
        ``post_id`` (string), ``vote_type`` (int64), ``user_id`` (string,
        missing for anonymous votes), ``created_at`` (UTC).

    Examples
    --------
    >>> parse_votes({"Id": ["1", "2"], "PostId": ["5", "5"], "VoteTypeId": ["2", "5"],
    ...     "UserId": [None, "9"], "CreationDate": ["2021-01-02T00:00:00.000"] * 2})
      post_id  vote_type user_id                created_at
    0       5          2    <NA> 2021-01-02 00:00:00+00:00
    1       5          5       9 2021-01-02 00:00:00+00:00
    """
    frame = _frame(rows, FIELDS["Votes"])
    checks = _Checks(frame, source)
    checks.present("Id")
    checks.present("PostId")
    checks.integer("VoteTypeId")
    created = checks.time("CreationDate")
    total = len(frame)
    frame, keep, dropped, first = checks.apply(on_error)
    _note_skipped(stats, source, dropped, first)
    votes = pd.DataFrame(
        {
            "post_id": normalize_ids(frame["PostId"]),
            "vote_type": _integers(frame["VoteTypeId"]).astype("int64"),
            "user_id": normalize_ids(frame["UserId"]),
            "created_at": created.iloc[keep].reset_index(drop=True),
        }
    )
    if stats is not None:
        stats.record(source, "votes", read=total, kept=len(votes), dropped=dropped)
    return votes


def _kudos_links(votes: pd.DataFrame) -> pd.DataFrame:
    named = votes.loc[votes["user_id"].notna()]
    return pd.DataFrame(
        {
            "kind": "kudos",
            "source": named["user_id"].to_numpy(),
            "source_message_id": pd.array([pd.NA] * len(named), dtype=STRING),
            "target": pd.array([pd.NA] * len(named), dtype=STRING),
            "target_message_id": named["post_id"].to_numpy(),
            "created_at": named["created_at"].array,
            "message_id": named["post_id"].to_numpy(),
            "weight": 1.0,
        }
    )


def parse_post_history(
    rows: Mapping[str, Sequence] | pd.DataFrame,
    *,
    source: str = "PostHistory.xml",
    on_error: OnError = "raise",
    stats: ReadStats | None = None,
) -> pd.DataFrame:
    """Return the editors of each post from ``PostHistory.xml``.

    Only edits and rollbacks (``PostHistoryTypeId`` 4 to 9) by a known user are
    kept; ``read_stats`` counts the other rows as ``not_an_edit`` and
    ``deleted_author``.

    Returns
    -------
    DataFrame
        ``post_id``, ``user_id`` (strings), ``created_at`` (UTC).

    Examples
    --------
    >>> parse_post_history({"Id": ["1", "2"], "PostHistoryTypeId": ["2", "5"],
    ...     "PostId": ["4", "4"], "UserId": ["7", "8"],
    ...     "CreationDate": ["2021-01-01T00:00:00.000", "2021-01-03T00:00:00.000"]})
      post_id user_id                created_at
    0       4       8 2021-01-03 00:00:00+00:00
    """
    frame = _frame(rows, FIELDS["PostHistory"])
    checks = _Checks(frame, source)
    checks.present("Id")
    checks.integer("PostHistoryTypeId")
    checks.present("PostId")
    created = checks.time("CreationDate")
    total = len(frame)
    frame, keep, dropped, first = checks.apply(on_error)
    _note_skipped(stats, source, dropped, first)
    created = created.iloc[keep].reset_index(drop=True)
    user = normalize_ids(frame["UserId"])
    edit = _integers(frame["PostHistoryTypeId"]).isin(EDIT_TYPES).to_numpy(bool)
    named = user.notna().to_numpy(bool)
    dropped["not_an_edit"] = int((~edit).sum())
    dropped["deleted_author"] = int((edit & ~named).sum())
    use = edit & named
    editors = pd.DataFrame(
        {
            "post_id": normalize_ids(frame["PostId"])[use].to_numpy(),
            "user_id": user[use].to_numpy(),
            "created_at": created[use].array,
        }
    ).astype({"post_id": STRING, "user_id": STRING})
    if stats is not None:
        stats.record(source, "editors", read=total, kept=len(editors), dropped=dropped)
    return editors


def parse_comments(
    rows: Mapping[str, Sequence] | pd.DataFrame,
    posts: pd.DataFrame,
    *,
    users: pd.DataFrame | None = None,
    editors: pd.DataFrame | None = None,
    skipped_posts: Sequence[str] = (),
    source: str = "Comments.xml",
    on_error: OnError = "raise",
    stats: ReadStats | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Turn the columns of ``Comments.xml`` into comment messages and mention links.

    Parameters
    ----------
    rows : mapping of str to sequence
        Column lists (``Id``, ``PostId``, ``Score``, ``CreationDate``,
        ``UserId``, ``Text`` and optionally ``Text_length``).
    posts : DataFrame
        The post messages from :func:`parse_posts` (for thread, topic, owner).
    users : DataFrame, optional
        ``user_id`` and ``display_name``, to resolve ``@name``.
    editors : DataFrame, optional
        From :func:`parse_post_history`; without it the post's
        ``last_editor_id``/``last_edited_at`` columns are used when present.
    skipped_posts : sequence of str
        Ids of posts that are not conversation (tag wikis, ...): comments on
        them are dropped as ``not_conversation``.
    source, on_error, stats
        As in :func:`parse_posts`; mentions are recorded under
        ``<source>/mentions``.

    Returns
    -------
    messages : DataFrame
        Comments, ``message_id`` = ``"c"`` + ``Id``; a comment on a post absent
        from the dump is kept (its thread is the post id).
    links : DataFrame
        One ``mention`` per comment and mentioned user.

    Notes
    -----
    ``@name`` is resolved the way Stack Exchange notifies: only among the
    participants of the commented post at the time of the comment (its owner,
    its earlier commenters, its editors), never the commenter, comparing
    case-insensitively with spaces removed, the token (at least 3 characters)
    being a prefix of the display name. When several participants match, the
    most recent commenter wins, then the owner, then the most recent editor.
    Unresolved tokens are counted as ``mention_unresolved``, a user mentioned
    twice in one comment as ``mention_repeated``.

    Examples
    --------
    >>> posts = pd.DataFrame({"message_id": ["1"], "author_id": ["7"],
    ...     "thread_id": ["1"], "created_at": pd.to_datetime(["2021-01-01"], utc=True),
    ...     "kind": ["question"], "topic": ["ada"], "tags": ["ada"]})
    >>> users = pd.DataFrame({"user_id": ["7", "8"], "display_name": ["Ann Lee", "Bob"]})
    >>> comments, mentions = parse_comments({"Id": ["10", "11"], "PostId": ["1", "1"],
    ...     "CreationDate": ["2021-01-02T00:00:00.000", "2021-01-03T00:00:00.000"],
    ...     "UserId": ["8", "7"], "Text": ["@annl why?", "@bob because; @zed?"]},
    ...     posts, users=users)
    >>> comments[["message_id", "parent_id", "thread_id", "text_length"]]
      message_id parent_id thread_id  text_length
    0        c10         1         1           10
    1        c11         1         1           19
    >>> mentions[["source_message_id", "target"]].to_dict("records")
    [{'source_message_id': 'c10', 'target': '7'}, {'source_message_id': 'c11', 'target': '8'}]
    """
    read = _read_comments(rows, source=source, on_error=on_error, stats=stats)
    return _comments_on_posts(
        read,
        posts,
        users=users,
        editors=editors,
        skipped_posts=skipped_posts,
        source=source,
        stats=stats,
    )


def _read_comments(
    rows: Mapping[str, Sequence] | pd.DataFrame,
    *,
    source: str,
    on_error: OnError,
    stats: ReadStats | None,
) -> dict[str, object]:
    """The part of :func:`parse_comments` that needs no post: checks, times, ``@name`` tokens.

    It may run beside :func:`parse_posts`; :func:`_comments_on_posts` does the rest.
    """
    frame = _frame(rows, (*FIELDS["Comments"], "Text"))
    checks = _Checks(frame, source)
    checks.present("Id")
    checks.present("PostId")
    created = checks.time("CreationDate")
    checks.number("Score")
    total = len(frame)
    frame, keep, dropped, first = checks.apply(on_error)
    _note_skipped(stats, source, dropped, first)
    return {
        "frame": frame,
        "created": created.iloc[keep].reset_index(drop=True),
        "post_id": normalize_ids(frame["PostId"]),
        "tokens": _mention_tokens(frame["Text"]),
        "total": total,
        "dropped": dropped,
    }


def _comments_on_posts(
    read: dict[str, object],
    posts: pd.DataFrame,
    *,
    users: pd.DataFrame | None,
    editors: pd.DataFrame | None,
    skipped_posts: Sequence[str],
    source: str,
    stats: ReadStats | None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`parse_comments` once :func:`_read_comments` has read the rows (it is emptied)."""
    frame, created, post_id = read.pop("frame"), read.pop("created"), read.pop("post_id")
    row, token = read.pop("tokens")
    total, dropped = read["total"], read["dropped"]
    on_skipped = post_id.isin(pd.Index(list(skipped_posts), dtype=STRING)).to_numpy(bool)
    dropped["not_conversation"] = int(on_skipped.sum())
    if on_skipped.any():
        frame = frame.loc[~on_skipped].reset_index(drop=True)
        created = created.loc[~on_skipped].reset_index(drop=True)
        post_id = post_id.loc[~on_skipped].reset_index(drop=True)
        # the tokens of the comments kept, their rows renumbered as the rows are
        on_kept = ~on_skipped[row]
        row = (np.cumsum(~on_skipped) - 1)[row[on_kept]]
        token = token.filter(pa.array(on_kept))

    on_post = id_positions(post_id, posts["message_id"])
    thread = pd.Series(_take(posts["thread_id"], on_post)).fillna(post_id)
    question = (posts["kind"] == "question").to_numpy(bool)
    on_thread = id_positions(thread, posts["message_id"][question])
    question_tags = posts["tags"][question]
    tags = pd.Series(_take(question_tags, on_thread))
    topic = _take(_first_tag(question_tags), on_thread)  # as _first_tag(tags)
    length = _text_length(frame, "Text")
    ids = normalize_ids(frame["Id"])
    messages = pd.DataFrame(
        {
            "message_id": "c" + ids,
            "author_id": normalize_ids(frame["UserId"]),
            "thread_id": thread,
            "parent_id": post_id,
            "created_at": created,
            "kind": "comment",
            "platform": PLATFORM,
            "topic": topic,
            "score": _integers(frame["Score"]).astype("float64").to_numpy(),
            "text_length": length.to_numpy(dtype="int64"),
            "tags": tags,
        }
    )
    _carry_sentiment(messages, frame)
    if stats is not None:
        stats.record(source, "messages", read=total, kept=len(messages), dropped=dropped)
    order = _integers(frame["Id"]).to_numpy(dtype="float64")
    links = _mention_links(
        messages, (row, token), order, posts, users, editors, source=source, stats=stats
    )
    return messages, links


_MENTION = re.compile(MENTION_PATTERN)
#: Python's ``\\w`` on ASCII text, for RE2 (whose ``\\w`` is ASCII only).
_WORD = "0-9A-Za-z_"
_ASCII_NAME = rf"^(?P<name>[{_WORD}][{_WORD}.'-]*)"


def _mention_tokens(texts: pd.Series) -> tuple[np.ndarray, pa.Array]:
    """Row (position in ``texts``) and token of every ``@name``, stripped and casefolded.

    The same matches as ``texts.str.extractall(MENTION_PATTERN)``, in the same
    order (trailing ``.'-`` stripped). A name never holds ``@``, so each ``@``
    stands alone: it starts a mention when a word character follows it and
    neither a word character nor another ``@`` precedes it; the name is the longest run of word
    characters, ``.``, ``'`` and ``-`` after it. ASCII texts are cut at
    every ``@`` and read that way in Arrow (RE2's ``\\w`` is Python's on
    ASCII); the others go through the Python pattern.

    Examples
    --------
    >>> row, token = _mention_tokens(pd.Series(["@Ann. and @bob", None, "a@b.c @@x", "@Zoë"]))
    >>> row.tolist(), token.to_pylist()
    ([0, 0, 3], ['ann', 'bob', 'zoë'])
    """
    texts = arrow_strings(texts)
    has_at = pc.match_substring(texts, "@").fill_null(False).to_numpy(zero_copy_only=False)
    ascii_text = pc.string_is_ascii(texts).fill_null(False).to_numpy(zero_copy_only=False)
    in_arrow = np.flatnonzero(has_at & ascii_text)
    pieces = pc.split_pattern(texts.take(in_arrow), "@")
    segments = pc.list_flatten(pieces)
    parent = pc.list_parent_indices(pieces).to_numpy(zero_copy_only=False)
    # number of the segment in its text: segment j > 0 follows the j-th "@"
    number = np.arange(len(segments)) - pieces.offsets.to_numpy()[:-1][parent]
    names = pc.struct_field(pc.extract_regex(segments, _ASCII_NAME), [0])
    ends_in_word = pc.match_substring_regex(segments, rf"[{_WORD}]$").to_numpy(zero_copy_only=False)
    empty = (pc.binary_length(segments).to_numpy(zero_copy_only=False) == 0) & (number > 0)
    after = np.flatnonzero(number > 0)
    starts = np.zeros(len(segments), dtype=bool)
    starts[after] = ~ends_in_word[after - 1] & ~empty[after - 1]  # not after "@" or a word
    starts &= names.is_valid().to_numpy(zero_copy_only=False)
    rows = [in_arrow[parent[starts]]]
    tokens = [pc.ascii_lower(pc.utf8_rtrim(names.filter(starts), ".'-"))]
    # other texts: the Python pattern
    in_python = np.flatnonzero(has_at & ~ascii_text)
    found = [_MENTION.findall(text) for text in texts.take(in_python).to_pylist()]
    counts = np.fromiter(map(len, found), dtype=np.int64, count=len(found))
    rows.append(np.repeat(in_python, counts))
    names = [name.rstrip(".'-").casefold() for name in itertools.chain.from_iterable(found)]
    tokens.append(pa.array(names, type=pa.large_string()))
    row = np.concatenate(rows).astype(np.int64)
    order = np.argsort(row, kind="stable")  # one text's tokens come from one side, in order
    return row[order], pa.concat_arrays(tokens).take(order)


#: Python's ``\\s`` on ASCII text, for RE2 (whose ``\\s`` lacks ``\\v`` and ``\\x1c``-``\\x1f``).
_ASCII_SPACE = r"[\t\n\x0b\x0c\r \x1c-\x1f]+"


def _mention_names(names: pd.Series) -> pd.Series:
    """Display names as ``@name`` tokens are compared with: spaces removed, casefolded.

    ``names.str.replace(r"\\s+", "", regex=True).str.casefold()``, the
    reference (``tests/sources/test_build_tables.py`` compares both): ASCII
    names in Arrow (where casefold is lower), the others in Python.

    Examples
    --------
    >>> _mention_names(pd.Series(["Ann Lee", "Straße X", None])).tolist()
    ['annlee', 'strassex', <NA>]
    """
    arrow = arrow_strings(names)
    other = ~pc.string_is_ascii(arrow).fill_null(True).to_numpy(zero_copy_only=False)
    out = pc.ascii_lower(pc.replace_substring_regex(arrow, _ASCII_SPACE, ""))
    if other.any():
        plain = [
            re.sub(r"\s+", "", name).casefold()
            for name in arrow.filter(pa.array(other)).to_pylist()
        ]
        out = pc.replace_with_mask(out, pa.array(other), pa.array(plain, type=pa.large_string()))
    return pd.Series(pd.array(out, dtype=STRING), index=names.index)


def _starts_with(values: pa.Array, prefixes: pa.Array) -> np.ndarray:
    """Whether each value starts with the prefix of its row (False where either is missing).

    Compares the UTF-8 bytes (a string starts with another exactly when its
    bytes do) of all rows at once, as ``np.char.startswith`` would with
    Python strings: eight bytes at a time, read as one little-endian word at
    the row's offset in each buffer, the bytes past the prefix masked off.
    Rows leave as soon as a word differs, so memory stays a few words per
    row (one entry per byte of every prefix, the plain way kept in
    ``tests/sources/test_build_tables.py``, peaked at 5.7 million bytes x
    five int64 arrays on the 1M-comment dump).

    Examples
    --------
    >>> _starts_with(arrow_strings(["annlee", "bo", "zoë", None]),
    ...     arrow_strings(["ann", "bob", "zo", "x"])).tolist()
    [True, False, True, False]
    """
    (value_at, value_words), (prefix_at, prefix_words) = _words(values), _words(prefixes)
    size = np.diff(prefix_at)
    out = values.is_valid().to_numpy(zero_copy_only=False) & prefixes.is_valid().to_numpy(
        zero_copy_only=False
    )
    out &= size <= np.diff(value_at)
    rows = np.flatnonzero(out)
    value_at, prefix_at, size = value_at[rows], prefix_at[rows], size[rows]
    done = 0
    while len(rows):
        longer = size > done
        rows, value_at, prefix_at, size = (
            rows[longer],
            value_at[longer],
            prefix_at[longer],
            size[longer],
        )
        # the next (up to) eight bytes of each prefix; a short tail masks the rest
        tail = np.minimum(size - done, 8).astype(np.uint64)
        mask = ~np.uint64(0) >> (np.uint64(64) - tail * np.uint64(8))
        differ = ((value_words[value_at + done] ^ prefix_words[prefix_at + done]) & mask) != 0
        out[rows[differ]] = False
        rows, value_at, prefix_at, size = (
            rows[~differ],
            value_at[~differ],
            prefix_at[~differ],
            size[~differ],
        )
        done += 8
    return out


def _words(array: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Offsets of a ``large_string`` array, and its bytes as 8-byte words at every byte.

    ``words[i]`` is bytes ``i`` to ``i + 7`` read as one little-endian
    ``uint64`` (the data padded with eight zero bytes so the last ones can be read).
    """
    array = pa.concat_arrays([array])  # buffers from offset 0
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int64)[: len(array) + 1]
    data = array.buffers()[2]
    raw = np.frombuffer(data, dtype=np.uint8)[: offsets[-1]] if data is not None else []
    padded = np.concatenate([raw, np.zeros(8, dtype=np.uint8)])
    words = np.ndarray((len(padded) - 7,), dtype="<u8", buffer=padded, strides=(1,))
    return offsets, words


def _mention_links(
    comments: pd.DataFrame,
    tokens: tuple[np.ndarray, pa.Array],
    order: np.ndarray,
    posts: pd.DataFrame,
    users: pd.DataFrame | None,
    editors: pd.DataFrame | None,
    *,
    source: str,
    stats: ReadStats | None,
) -> pd.DataFrame:
    """Resolve ``@name`` tokens among each post's participants (vectorised).

    ``tokens`` is :func:`_mention_tokens` of the comments' texts.
    """
    row, token = tokens
    tokens = pd.DataFrame(
        {
            "token_number": np.arange(len(row)),
            "token": pd.array(token, dtype=STRING),
            "comment_row": row,
            "comment": comments["message_id"].array.take(row),
            "author": comments["author_id"].array.take(row),
            "post_id": comments["parent_id"].array.take(row),
            "at": comments["created_at"].array[row],
            "order": order[row],
        }
    )

    # only the posts that some token is about matter: keep their participants only
    # (same rows in the same order, a fraction of the memory on a large dump)
    mentioned = arrow_strings(tokens["post_id"]).drop_null().unique()

    def about(ids) -> np.ndarray:
        return id_positions(ids, mentioned) >= 0

    owned = about(posts["message_id"].array)
    posts = posts.loc[owned]
    commented = about(comments["parent_id"].array)
    owners = pd.DataFrame(
        {
            "post_id": posts["message_id"].array,
            "user_id": posts["author_id"].array,
            "role": 1,
            "when": posts["created_at"].array,
            "rank": np.nan,
        }
    )
    commenters = pd.DataFrame(
        {
            "post_id": comments["parent_id"].array[commented],
            "user_id": comments["author_id"].array[commented],
            "role": 0,
            "when": comments["created_at"].array[commented],
            "rank": order[commented],
        }
    )
    if editors is None and "last_editor_id" in posts.columns:
        editors = pd.DataFrame(
            {
                "post_id": posts["message_id"].array,
                "user_id": posts["last_editor_id"].array,
                "created_at": posts["last_edited_at"].array,
            }
        )
    elif editors is not None and len(editors):
        editors = editors.loc[about(editors["post_id"].array)]
    parts = [owners, commenters]
    if editors is not None and len(editors):
        parts.append(
            pd.DataFrame(
                {
                    "post_id": editors["post_id"].array,
                    "user_id": editors["user_id"].array,
                    "role": 2,
                    "when": pd.Series(editors["created_at"]).array,
                    "rank": np.nan,
                }
            )
        )
    participants = pd.concat(parts, ignore_index=True)
    participants["user_id"] = participants["user_id"].astype(STRING)
    participants["post_id"] = participants["post_id"].astype(STRING)
    participants["when"] = pd.to_datetime(participants["when"], utc=True)
    participants = participants.loc[participants["user_id"].notna()]
    if users is not None and len(users):
        # a repeated user id: its first name (and one position per distinct user id)
        position = id_positions(participants["user_id"], users["user_id"].astype(STRING))
        # the names of the users taking part only, spaces removed and casefolded
        needed = np.unique(position[position >= 0])
        names = _mention_names(users["display_name"].astype(STRING).iloc[needed])
        slot = np.full(len(users), -1)
        slot[needed] = np.arange(len(needed))
        participants["name"] = _take(names, np.where(position >= 0, slot[position], -1))
        participants["user_row"] = position
    else:
        participants["name"] = pd.NA
        participants["user_row"] = -1
    participants = participants.loc[participants["name"].notna()]

    tokens["post_id"] = tokens["post_id"].astype(STRING)
    tokens["at"] = pd.to_datetime(tokens["at"], utc=True)
    participants = participants.reset_index(drop=True)
    token_at, person_at = _best_participants(tokens, participants)
    # (comment, user_id) pairs as integers: one row per comment, one position per user id
    many = 1 if users is None else len(users) + 1
    pair = tokens["comment_row"].to_numpy(np.int64)[token_at] * many
    pair += participants["user_row"].to_numpy(np.int64)[person_at]
    first = np.sort(np.unique(pair, return_index=True)[1])
    best = len(token_at)
    token_at, person_at = token_at[first], person_at[first]
    if stats is not None:
        stats.record(
            source,
            "mentions",
            read=len(tokens),
            kept=len(token_at),
            dropped={
                "mention_unresolved": len(tokens) - best,
                "mention_repeated": best - len(token_at),
            },
        )
    nobody = pd.array(pa.nulls(len(token_at), pa.large_string()), dtype=STRING)
    comment = pd.Series(tokens["comment"].array.take(token_at)).to_numpy()
    return pd.DataFrame(
        {
            "kind": "mention",
            "source": nobody,
            "source_message_id": comment,
            "target": pd.Series(participants["user_id"].array.take(person_at)).to_numpy(),
            "target_message_id": nobody.copy(),
            "created_at": tokens["at"].array.take(token_at),
            "message_id": comment.copy(),
            "weight": 1.0,
        }
    )


def _best_participants(
    tokens: pd.DataFrame, participants: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray]:
    """The participant each ``@name`` token names: (token row, participant row) per token resolved.

    A candidate is a participant of the token's post (``post_id``) other
    than the token's ``author``, whose ``name`` starts with the token (of at
    least :data:`MIN_MENTION` characters), and who took part before the
    token's time ``at``: a commenter (``role`` 0) earlier (``when``; at the
    same time, a lower comment ``rank`` than the token's ``order``), an
    editor (``role`` 2) at or before it, the owner (``role`` 1) any time.
    Of a token's candidates the first by ``role``, then the newest ``when``,
    then the highest ``rank``, then participant order wins. Tokens come out
    in their order (``tokens`` has a RangeIndex; so has ``participants``).

    Only the two row numbers of each (token, participant) candidate are
    merged, and the rest is taken column by column in numpy and Arrow. The
    plain way, a merge of both tables then ``sort_values`` and
    ``drop_duplicates``, is kept in ``tests/sources/test_build_tables.py``
    as the reference.
    """
    long_enough = np.flatnonzero((tokens["token"].str.len() >= MIN_MENTION).to_numpy(bool))
    pairs = pd.DataFrame({"post_id": tokens["post_id"].array[long_enough], "t": long_enough}).merge(
        pd.DataFrame({"post_id": participants["post_id"].array, "p": np.arange(len(participants))}),
        on="post_id",
        how="inner",
    )
    token_at, person_at = pairs["t"].to_numpy(np.int64), pairs["p"].to_numpy(np.int64)
    del pairs
    author = arrow_strings(tokens["author"]).take(token_at)
    user = arrow_strings(participants["user_id"]).take(person_at)
    keep = pc.not_equal(user, author).fill_null(True).to_numpy(zero_copy_only=False)
    when = pd.Series(participants["when"].array.take(person_at))
    at = pd.Series(tokens["at"].array.take(token_at))
    rank = participants["rank"].to_numpy("float64")[person_at]
    role = participants["role"].to_numpy(np.int64)[person_at]
    earlier = (when < at) | ((when == at) & (rank < tokens["order"].to_numpy()[token_at]))
    in_time = np.where(
        role == 0,
        earlier.to_numpy(bool),
        np.where(role == 2, (when <= at).to_numpy(bool), True),
    )
    keep &= in_time
    names, prefixes = arrow_strings(participants["name"]), arrow_strings(tokens["token"])
    keep &= _starts_with(names.take(person_at), prefixes.take(token_at))
    token_at, person_at = token_at[keep], person_at[keep]
    role, rank = role[keep], rank[keep]
    newest = -when[keep].astype("int64").to_numpy()
    later = -np.where(np.isnan(rank), 0.0, rank)
    # by token, role, newest, later, then candidate order (a stable sort)
    order = np.lexsort((np.arange(len(token_at)), later, newest, role, token_at))
    token_at, person_at = token_at[order], person_at[order]
    first = np.ones(len(token_at), dtype=bool)
    first[1:] = token_at[1:] != token_at[:-1]
    return token_at[first], person_at[first]


def parse_badges(
    rows: Mapping[str, Sequence] | pd.DataFrame,
    *,
    known_users: Sequence[str] | pd.Index | None = None,
    source: str = "Badges.xml",
    on_error: OnError = "raise",
    stats: ReadStats | None = None,
) -> pd.DataFrame:
    """Count the badges of each user in ``Badges.xml``.

    Parameters
    ----------
    rows : mapping of str to sequence
        Column lists (``UserId``, ``Class``).
    known_users : sequence of str, optional
        When given, badges of other users are dropped as ``unknown_user``.
    source, on_error, stats
        As in :func:`parse_posts`; counts go to ``<source>/badges``.

    Returns
    -------
    DataFrame
        Indexed by ``user_id``: ``badges`` and, when ``Class`` is present,
        ``gold_badges``, ``silver_badges``, ``bronze_badges`` (int64).

    Examples
    --------
    >>> parse_badges({"UserId": ["1", "1", "2"], "Class": ["1", "3", "3"]})
             badges  gold_badges  silver_badges  bronze_badges
    user_id
    1             2            1              0              1
    2             1            0              0              1
    """
    frame = _frame(rows, FIELDS["Badges"])
    checks = _Checks(frame, source)
    checks.present("UserId")
    checks.integer("Class", required=False)
    total = len(frame)
    frame, _keep, dropped, first = checks.apply(on_error, unique=None)
    _note_skipped(stats, source, dropped, first)
    user = normalize_ids(frame["UserId"])
    if known_users is not None:
        known = user.isin(pd.Index(known_users, dtype=STRING)).to_numpy(bool)
        dropped["unknown_user"] = int((~known).sum())
        frame, user = frame.loc[known], user.loc[known]
    counts = pd.DataFrame({"badges": user.value_counts()})
    if frame["Class"].notna().any():
        level = _integers(frame["Class"])
        for number, column in _BADGE_CLASSES.items():
            counts[column] = user[(level == number).to_numpy(bool)].value_counts()
    counts = counts.fillna(0).astype("int64").sort_index()
    counts.index = pd.Index(counts.index, dtype=STRING, name="user_id")
    if stats is not None:
        stats.record(source, "badges", read=total, kept=len(user), dropped=dropped)
    return counts


def _strip_html(values: pd.Series) -> pd.Series:
    text = _strings(values).str.replace(r"<[^>]*>", " ", regex=True)
    entity = text.str.contains("&", regex=False).fillna(False).to_numpy(bool)
    if entity.any():
        text[entity] = text[entity].map(html.unescape)
    text = text.str.replace(r"\s+", " ", regex=True).str.strip()
    return text.mask(text == "")


def parse_users(
    rows: Mapping[str, Sequence] | pd.DataFrame,
    *,
    source: str = "Users.xml",
    on_error: OnError = "raise",
    stats: ReadStats | None = None,
) -> pd.DataFrame:
    """Turn the columns of ``Users.xml`` into a users table.

    Parameters
    ----------
    rows : mapping of str to sequence
        Column lists (``Id``, ``DisplayName``, ``CreationDate``, ``AboutMe``,
        ``WebsiteUrl``, ``Location``, ``Reputation``, ``UpVotes``,
        ``DownVotes``, ``Views``).
    source, on_error, stats
        As in :func:`parse_posts`; counts go to ``<source>/users``.

    Returns
    -------
    DataFrame
        ``user_id``, ``display_name``, ``created_at``, ``about`` (HTML stripped,
        entities unescaped), ``website``, ``location``, ``site_reputation``
        (float, NaN when absent), ``up_votes``, ``down_votes``, ``views`` (when
        present) and ``is_system`` (True for the Community account, ``Id`` -1).

    Examples
    --------
    >>> users = parse_users({"Id": ["-1", "4"], "DisplayName": ["Community", "Ann"],
    ...     "CreationDate": ["2021-01-01T00:00:00.000"] * 2,
    ...     "AboutMe": [None, "<p>Plutus &amp; Haskell</p>"], "Reputation": ["1", "101"]})
    >>> users[["user_id", "about", "site_reputation", "is_system"]]
      user_id             about  site_reputation  is_system
    0      -1              <NA>              1.0       True
    1       4  Plutus & Haskell            101.0      False
    """
    frame = _frame(rows, FIELDS["Users"])
    checks = _Checks(frame, source)
    checks.present("Id")
    created = checks.time("CreationDate", required=False)
    for column in ("Reputation", "UpVotes", "DownVotes", "Views"):
        checks.number(column)
    total = len(frame)
    frame, keep, dropped, first = checks.apply(on_error)
    _note_skipped(stats, source, dropped, first)
    user_id = normalize_ids(frame["Id"])
    users = pd.DataFrame(
        {
            "user_id": user_id,
            "display_name": _strings(frame["DisplayName"]),
            "created_at": created.iloc[keep].reset_index(drop=True),
            "about": _strip_html(frame["AboutMe"]),
            "website": _strings(frame["WebsiteUrl"]),
            "location": _strings(frame["Location"]),
            "site_reputation": _integers(frame["Reputation"]).astype("float64"),
        }
    )
    for column, name in (("UpVotes", "up_votes"), ("DownVotes", "down_votes"), ("Views", "views")):
        if frame[column].notna().any():
            users[name] = _integers(frame[column]).astype("float64")
    users["is_system"] = (user_id == SYSTEM_USER).fillna(False).to_numpy(bool)
    if stats is not None:
        if total and frame["Reputation"].isna().all():
            stats.note(f"{source}: no Reputation attribute; site_reputation is missing")
        if users["is_system"].any():
            stats.note(
                f"{source}: user {SYSTEM_USER} (Community) is a system account; "
                "kept and flagged is_system"
            )
        stats.record(source, "users", read=total, kept=len(users), dropped=dropped)
    return users


def _attach_badges(users: pd.DataFrame, badges: pd.DataFrame) -> pd.DataFrame:
    out = users.copy()
    for column in badges.columns:
        out[column] = (
            badges[column].reindex(out["user_id"].to_numpy()).fillna(0).astype("int64").to_numpy()
        )
    return out


def parse_stackexchange(
    tables: Mapping[str, Mapping[str, Sequence]],
    *,
    sources: Mapping[str, str] | None = None,
    on_error: OnError = "raise",
    stats: ReadStats | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame | None]:
    """Parse the scanned tables of one dump into messages, links and users.

    Parameters
    ----------
    tables : mapping
        ``{"Posts": columns, "Comments": columns, ...}`` as from :func:`scan_rows`;
        only ``"Posts"`` is required.
    sources : mapping, optional
        File name per table, for errors and ``read_stats`` (default ``"<table>.xml"``).
    on_error : {"raise", "skip"}
    stats : ReadStats, optional
        Receives the counts and a note per absent optional file.

    Returns
    -------
    messages, links, users
        ``users`` is ``None`` without ``Users.xml``. Messages carry
        ``sentiment``, ``language`` and ``brand_mention`` when the scanned posts
        and comments have them (scored while scanning, see :func:`read_stackexchange`).

    Examples
    --------
    >>> tables = {"Posts": {"Id": ["1", "2"], "PostTypeId": ["1", "2"],
    ...     "ParentId": [None, "1"], "CreationDate": ["2021-01-01T00:00:00.000"] * 2,
    ...     "OwnerUserId": ["7", "8"], "Tags": ["<ada>", None]}}
    >>> stats = ReadStats()
    >>> messages, links, users = parse_stackexchange(tables, stats=stats)
    >>> len(messages), len(links), users is None
    (2, 0, True)
    >>> stats.notes[0]
    'Comments.xml: absent; no comments and no mentions'
    """
    return _parse_tables(dict(tables), sources=sources, on_error=on_error, stats=stats)


def _parse_tables(
    tables: dict[str, Mapping[str, Sequence]],
    *,
    sources: Mapping[str, str] | None = None,
    on_error: OnError = "raise",
    stats: ReadStats | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame | None]:
    """:func:`parse_stackexchange`, emptying ``tables`` as it goes.

    Each file's columns are popped from ``tables`` when parsed and dropped once
    used, so that :func:`read_stackexchange`, which hands over its own dict,
    frees the scanned posts before the comments are joined to them and the
    scanned comments before the tables are assembled. :func:`parse_stackexchange`
    passes a copy of its argument: the caller's columns stay.

    The posts (with the votes), the users (with the badges), the post history
    and the comments' own rows (checks, times, ``@name`` tokens) are read side
    by side (:func:`~influence._parallel.run_together`); then the comments are
    joined to the posts and users. Each step counts in its own
    :class:`ReadStats`, merged in the order the files are read alone, so the
    counts, the notes and the error raised (the first bad file in that order)
    are those of one thread.
    """
    on_error = check_on_error(on_error)
    sources = {table: f"{table}.xml" for table in FIELDS} | dict(sources or {})
    stats = ReadStats() if stats is None else stats
    for table, consequence in (
        ("Comments", "no comments and no mentions"),
        ("Users", "users are known by id only and mentions cannot be resolved"),
        ("Votes", "no kudos; accepts are timed by the answer"),
        ("Badges", "no badge counts"),
        ("PostHistory", "editors are the posts' last editors"),
    ):
        if table not in tables:
            stats.note(f"{sources[table]}: absent; {consequence}")

    present = set(tables)  # before the steps pop their tables, side by side

    def read_posts(stats: ReadStats) -> tuple:
        options = {"on_error": on_error, "stats": stats}
        votes = None
        if "Votes" in present:
            votes = parse_votes(tables.pop("Votes"), source=sources["Votes"], **options)
        posts_frame = _frame(tables.pop("Posts"), FIELDS["Posts"])
        messages, links = parse_posts(posts_frame, votes=votes, source=sources["Posts"], **options)
        posts = messages if "PostHistory" in present else _with_editors(messages, posts_frame)
        return votes, messages, links, posts, _skipped_posts(posts_frame)

    def read_users(stats: ReadStats) -> pd.DataFrame | None:
        options = {"on_error": on_error, "stats": stats}
        users = None
        if "Users" in present:
            users = parse_users(tables.pop("Users"), source=sources["Users"], **options)
        if "Badges" in present:
            known = pd.Index([], dtype=STRING) if users is None else pd.Index(users["user_id"])
            badges = parse_badges(
                tables.pop("Badges"), known_users=known, source=sources["Badges"], **options
            )
            if users is not None:
                users = _attach_badges(users, badges)
        return users

    def read_history(stats: ReadStats) -> pd.DataFrame | None:
        if "PostHistory" not in present:
            return None
        return parse_post_history(
            tables.pop("PostHistory"), source=sources["PostHistory"], on_error=on_error, stats=stats
        )

    def read_comments(stats: ReadStats) -> dict[str, object] | None:
        if "Comments" not in present:
            return None
        return _read_comments(
            tables.pop("Comments"), source=sources["Comments"], on_error=on_error, stats=stats
        )

    # the files in the order they are read alone, side by side; each step counts in
    # its own stats, added in that order: the same entries, notes and first error
    steps = [read_posts, read_users, read_history, read_comments]
    counts = [ReadStats() for _ in steps]
    done = run_together([partial(step, own) for step, own in zip(steps, counts, strict=True)])
    for own in counts:
        stats.merge(own)
    (votes, messages, links, posts, skipped), users, editors, comments_read = done
    del done

    parts = [messages]
    link_parts = [links]
    if comments_read is not None:
        comments, mentions = _comments_on_posts(
            comments_read,
            posts,
            users=users,
            editors=editors,
            skipped_posts=skipped,
            source=sources["Comments"],
            stats=stats,
        )
        parts.append(comments)
        link_parts.append(mentions)
    if votes is not None:
        link_parts.append(_kudos_links(votes))
    messages = pd.concat(parts, ignore_index=True)
    messages["kind"] = messages["kind"].astype("category")
    messages["platform"] = messages["platform"].astype("category")
    link_parts = [part for part in link_parts if len(part)]
    links = pd.concat(link_parts, ignore_index=True) if link_parts else _empty_links()
    return messages, links, users


def _with_editors(messages: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    """Add ``last_editor_id``/``last_edited_at`` from ``Posts.xml`` to the post messages."""
    ids = normalize_ids(frame["Id"])
    edited = frame["LastEditDate"].notna().to_numpy(bool) & ids.notna().to_numpy(bool)
    when = parse_timestamps(
        frame.loc[edited, "LastEditDate"],
        path="Posts.xml",
        column="LastEditDate",
        on_error="skip",
    )
    # the first row of a repeated id, as the posts keep it
    position = id_positions(messages["message_id"], ids[edited])
    editor = normalize_ids(frame.loc[edited, "LastEditorUserId"])
    edited_at = pd.Series(when.array, dtype=UTC).array.take(position, allow_fill=True)
    return messages.assign(last_editor_id=_take(editor, position), last_edited_at=edited_at)


def _skipped_posts(frame: pd.DataFrame) -> np.ndarray:
    post_type = _integers(frame["PostTypeId"])
    other = post_type.notna() & ~post_type.isin([QUESTION, ANSWER])
    return normalize_ids(frame.loc[other, "Id"]).dropna().to_numpy()
