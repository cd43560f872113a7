"""Read Reddit: Pushshift / Arctic Shift dumps and the JSON of the Reddit API (format ``"reddit"``).

Inputs
------
* Pushshift and Arctic Shift dumps: JSON Lines of comments (``RC_2023-01.zst``,
  ``r_python_comments.jsonl``) and of submissions (``RS_2023-01.zst``), usually
  zstandard-compressed with a long window; ``.gz``, ``.bz2``, ``.xz`` and plain
  files work too. They are streamed line by line, :data:`CHUNK_ROWS` things at
  a time: each chunk becomes numpy and Arrow-backed columns and its texts are
  scored for sentiment and dropped, so memory grows with the compact columns
  (about 0.2 KB a comment), never with the dump or its texts.
* The JSON of the Reddit API: a ``Listing`` (``/r/sub/new.json``,
  ``/r/sub/comments.json``), a single thing (``{"kind": "t1", "data": {...}}``)
  or a post page (``/comments/<id>.json``: ``[submission listing, comments
  listing]``, comments nested in ``replies``). ``more`` stubs (comments the
  page did not load) are counted in ``read_stats`` as ``more_comments_stub``.
* A folder holding any of these (``RC_*``, ``RS_*``, ``*.json``, ``*.jsonl``,
  ``*.ndjson``, each possibly compressed); files are read in name order.

What becomes what
-----------------
``messages``
    ``message_id`` is the **fullname**: ``t3_<id>`` for a submission (kind
    ``post``), ``t1_<id>`` for a comment (kind ``comment``). ``parent_id`` is
    the comment's ``parent_id`` as Reddit writes it (``t1_`` for a reply to a
    comment, ``t3_`` for a top-level comment), so replies resolve exactly;
    ``thread_id`` is ``link_id`` (the submission's own fullname for a
    submission); ``topic`` the subreddit; ``score`` the score; ``text_length``
    the characters of ``body`` (comments) or ``title`` + ``selftext``
    (submissions). ``created_utc`` may be an integer, a float or a string.
``links``
    ``mention``: every distinct ``u/name`` or ``/u/name`` in the body or
    selftext (matched case-insensitively to an author of the dump, whose
    spelling is used; otherwise as written); ``share``: a crosspost
    (``crosspost_parent``) credits the original's author, taken from
    ``crosspost_parent_list`` when present, else from the original submission
    when it is in the dump.
``users``
    every author, with ``display_name`` = the name, ``title`` = the latest
    author flair text, ``created_at`` from ``author_created_utc`` when the dump
    has it, and ``is_bot`` for known bots (:data:`BOTS`).

Deleted authors and bots
------------------------
``[deleted]`` (and a null or empty ``author``) means the account is gone: the
message is kept without an author, and counted in ``read_stats`` under table
``authors`` as ``deleted_author``. Bots such as ``AutoModerator`` are kept as
users (their comments are real conversation turns: people reply to them) and
flagged ``is_bot``; how many messages they wrote is written in
``read_stats.notes``, so an analyst can leave them out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from influence.community import Community, ReadStats
from influence.errors import SourceError
from influence.schema import STRING, UTC
from influence.sources._common import (
    LINE,
    SENTIMENT_COLUMNS,
    TEXT,
    OnError,
    assemble,
    check_on_error,
    empty_links,
    first_json_value,
    head,
    iter_json_array,
    iter_ndjson,
    list_files,
    load_json,
    located,
    open_binary,
    parse_timestamps,
    record_messages,
    repeated_ids,
    score_texts,
    tell_rows,
)

__all__ = ["BOTS", "parse_reddit", "read_reddit", "scan_things", "sniff"]

PLATFORM = "reddit"
#: Authors that are accounts of deleted users.
DELETED = frozenset({"[deleted]", "[removed]"})
#: Well-known bot accounts, flagged ``is_bot`` in ``users`` (compared case-insensitively).
BOTS = frozenset(
    {
        "automoderator",
        "botdefense",
        "repostsleuthbot",
        "remindmebot",
        "sneakpeekbot",
        "wikisummarizerbot",
        "savevideo",
        "savevideobot",
        "totesmessenger",
        "ttumblrbots",
        "vredditdownloader",
        "stabbot",
        "gifreversingbot",
        "reddit-user-notes",
        "b0trank",
        "sub_doesnt_exist_bot",
        "haikusbot",
        "nice-scores",
        "timestamp_bot",
        "converter-bot",
    }
)
#: ``u/name`` or ``/u/name`` not inside a word or a longer path.
MENTION = re.compile(r"(?<![\w/])/?u/([A-Za-z0-9_-]{3,20})(?![\w/-])")
#: Bodies Reddit leaves in place of a removed or deleted text (not scored).
_REMOVED = frozenset({"[removed]", "[deleted]"})
_FULLNAME = re.compile(r"t[13]_[0-9a-z]+")
_DUMP_NAME = re.compile(r"^R[CS]_", re.IGNORECASE)
_SUFFIXES = (".json", ".jsonl", ".ndjson", ".zst", ".gz", ".bz2", ".xz")
#: Things scanned before their values become compact arrays and their texts are scored:
#: bounds the Python objects alive at once (and the sentiment scorer's working memory).
CHUNK_ROWS = 10_000
_KINDS = ("comment", "post")
_COLUMNS = (
    "message_id",
    "kind",
    "author",
    "parent_id",
    "thread_id",
    "created_utc",
    "topic",
    "score",
    "text_length",
    "mentions",
    "crosspost_of",
    "crosspost_author",
    "flair",
    "author_created",
    "text",
    "_line",
)


# --------------------------------------------------------------------------- files


def sniff(path: str | Path) -> bool:
    """Tell whether ``path`` is a Reddit dump, a Reddit API file, or a folder of them.

    True for files named ``RC_*`` / ``RS_*`` (Pushshift's comment and
    submission dumps), and for JSON files whose first record looks like a
    Reddit thing: a ``subreddit`` with a ``link_id`` or a ``selftext``, or an
    API ``Listing`` / ``t1`` / ``t3``. Never raises.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "c.ndjson").write_text('{"id": "a1", "subreddit": "x", "link_id": "t3_b"}')
    >>> _ = (folder / "t.ndjson").write_text('{"id": "a1", "author": "x"}')
    >>> sniff(folder / "c.ndjson"), sniff(folder / "t.ndjson"), sniff(folder)
    (True, False, True)
    """
    path = Path(path)
    try:
        if path.is_dir():
            return any(_DUMP_NAME.match(p.name) or _looks_reddit(p) for p in _files(path)[:5])
        if path.is_file():
            return bool(_DUMP_NAME.match(path.name)) or _looks_reddit(path)
    except OSError:
        return False
    return False


def _files(folder: Path) -> list[Path]:
    return list_files(folder, _SUFFIXES)


def _looks_reddit(path: Path) -> bool:
    first = first_json_value(path)
    if isinstance(first, list):
        first = first[0] if first else None
    if not isinstance(first, dict):
        return False
    if first.get("kind") == "Listing":
        children = (first.get("data") or {}).get("children") or [{}]
        first = children[0] if isinstance(children[0], dict) else {}
    if first.get("kind") in ("t1", "t3") and isinstance(first.get("data"), dict):
        first = first["data"]
    return "subreddit" in first and ("link_id" in first or "selftext" in first)


def read_reddit(
    path: str | Path,
    *,
    on_error: OnError = "raise",
    brand: Iterable[str] | None = None,
    sentiment: bool = True,
) -> Community:
    """Read a Reddit dump file or folder into a :class:`~influence.community.Community`.

    Parameters
    ----------
    path : str or Path
        A Pushshift / Arctic Shift file (``RC_*``, ``RS_*``, JSON Lines,
        possibly ``.zst``), a Reddit API JSON file, or a folder of them.
    on_error : {"raise", "skip"}
        ``"raise"`` stops at the first bad record; ``"skip"`` drops bad records
        (not UTF-8, not JSON, not a Reddit thing, a required field missing,
        repeated fullname), counts them in ``read_stats`` and warns once.
    brand : iterable of str, optional
        Brand or topic keywords for the ``brand_mention`` column.
    sentiment : bool, default True
        ``False`` skips the scoring of the texts (no ``sentiment``, ``language``
        or ``brand_mention`` column, a read note says why): faster on huge dumps.

    Returns
    -------
    Community
        ``platform="reddit"``; users carry ``is_bot`` and ``title``; messages
        carry ``sentiment``, ``language`` and ``brand_mention``
        (:func:`~influence.sources._common.score_texts`), the text itself is not kept.

    Raises
    ------
    SourceError
        ``<file>:<line>: <what> must be <expectation> (got <value>)``; for a
        JSON array or pretty-printed document the locator is ``record N`` (the
        Nth element of the top-level array, from 1).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "RC_2024-01.ndjson"
    >>> _ = path.write_text(
    ...     '{"id": "c1", "author": "ann", "link_id": "t3_p", "parent_id": "t3_p", '
    ...     '"subreddit": "python", "created_utc": 1704067200, "body": "hi u/bob"}\\n'
    ...     '{"id": "c2", "author": "bob", "link_id": "t3_p", "parent_id": "t1_c1", '
    ...     '"subreddit": "python", "created_utc": "1704067260", "body": "hello"}\\n')
    >>> community = read_reddit(path)
    >>> community.interactions[["source", "target", "kind"]]
      source target     kind
    0    ann    bob  mention
    1    bob    ann    reply
    """
    on_error = check_on_error(on_error)
    path = Path(path)
    files = _files(path) if path.is_dir() else [path]
    if not files:
        raise SourceError(
            "a Reddit folder must hold RC_*/RS_* or .json/.jsonl/.ndjson files (got none)",
            path=str(path),
        )
    scoring = ReadStats()  # the note on missing sentiment packages, kept for the end
    scanned = {}
    for file in files:
        source = file.name if path.is_dir() else str(file)
        problems: list[SourceError] = []
        columns = _scan_file(
            _records(file, source, on_error, problems),
            source=source,
            on_error=on_error,
            brand=brand,
            stats=scoring,
            sentiment=sentiment,
        )
        if problems:
            columns["_malformed"][0] += len(problems)
            columns["_first"][0] = columns["_first"][0] or str(problems[0])
        scanned[source] = columns
    return _assemble(scanned, notes=scoring.notes, on_error=on_error, name=path.resolve().name)


def _assemble(
    scanned: Mapping[str, Mapping], *, notes: Iterable[str], on_error: OnError, name: str
) -> Community:
    """The Community of scanned files (:func:`_scan_file`); ``notes`` come after parsing's."""
    stats = ReadStats()
    messages, links, users = parse_reddit(scanned, on_error=on_error, stats=stats)
    for note in notes:
        stats.note(note)
    return assemble(
        messages,
        links=links,
        users=users,
        stats=stats,
        platform=PLATFORM,
        name=name,
        profile_url="https://www.reddit.com/user/{user_id}",
    )


def _records(
    file: Path, source: str, on_error: OnError, problems: list[SourceError]
) -> Iterator[tuple[int | str, object]]:
    """``(locator, value)`` of a file: its lines, or its array elements, or one document.

    Lines that are not UTF-8 or not JSON go to ``problems`` with ``on_error="skip"``.
    """
    start = head(file).lstrip()  # a corrupt stream is reported with a line below
    with open_binary(file) as stream:
        if start[:1] == b"[":
            for number, (_line, value) in enumerate(iter_json_array(stream, path=source), 1):
                yield f"record {number}", value
            return
        if start[:1] == b"{" and first_json_value(file) is None:
            # not one object per line: a pretty-printed document (an API page), small
            yield "record 1", load_json(stream, path=source)
            return
        yield from iter_ndjson(stream, path=source, on_error=on_error, problems=problems)


# --------------------------------------------------------------------------- scanning


def _things(value: object) -> Iterator[tuple[dict, str | None]]:
    """Expand one JSON value into ``(data, kind)`` pairs; kind ``None`` when not wrapped."""
    if isinstance(value, list):
        for item in value:
            yield from _things(item)
        return
    if not isinstance(value, dict):
        yield value, "?"  # type: ignore[misc]
        return
    kind = value.get("kind")
    data = value.get("data")
    if kind == "Listing" and isinstance(data, dict):
        yield from _things(data.get("children") or [])
        return
    if isinstance(kind, str) and isinstance(data, dict):
        yield data, kind
        replies = data.get("replies")
        if isinstance(replies, dict):
            yield from _things(replies)
        return
    yield value, None


def scan_things(
    records: Iterable[tuple[int | str, object]] | Iterable[object],
    *,
    source: str = "<records>",
    on_error: OnError = "raise",
    stats: ReadStats | None = None,
) -> dict[str, list]:
    """Stream Reddit things into one list per field (the per-record loop, nothing else).

    Parameters
    ----------
    records : iterable
        ``(locator, value)`` pairs as from the file readers, or bare values
        (located as ``record N``). A value is a Pushshift object, an API thing
        (``{"kind": "t1", "data": {...}}``), a ``Listing`` or a list of them.
    source, on_error, stats
        File name for errors; ``"raise"`` or ``"skip"``; counts of skipped
        records go to ``<source>/messages`` through :func:`parse_reddit`.

    Returns
    -------
    dict of str to list
        ``message_id``, ``kind``, ``author``, ``parent_id``, ``thread_id``,
        ``created_utc`` (raw), ``topic``, ``score``, ``text_length``,
        ``mentions`` (tuple of names or None), ``crosspost_of``,
        ``crosspost_author``, ``flair``, ``author_created``, ``text`` (title and
        body; None when removed or deleted), ``_line``, and the
        counts ``_malformed`` / ``_more`` (a one-element list each) and
        ``_first`` (the first problem, or None).

    Raises
    ------
    SourceError
        With ``on_error="raise"``, for the first record that is not a Reddit
        comment or submission or lacks ``id``, ``created_utc``, ``author``,
        ``link_id`` or ``parent_id`` (comments), or has a ``parent_id`` that is
        not a ``t1_``/``t3_`` fullname.

    Examples
    --------
    >>> rows = scan_things([{"id": "p1", "author": "ann", "subreddit": "x",
    ...     "created_utc": 1, "title": "Hi", "selftext": "ask u/bob"}])
    >>> rows["message_id"], rows["kind"], rows["mentions"], rows["text_length"]
    (['t3_p1'], ['post'], [('bob',)], [11])
    """
    tally = _Tally()
    rows = list(_scan(located(records), source=source, on_error=on_error, tally=tally))
    return tally.finish({name: list(values) for name, values in _transpose(rows).items()})


def _transpose(rows: Sequence[tuple]) -> dict[str, tuple]:
    """Rows of :data:`_COLUMNS` values -> one tuple per column."""
    columns: dict[str, tuple] = dict.fromkeys(_COLUMNS, ())
    if rows:
        columns.update(zip(_COLUMNS, zip(*rows, strict=True), strict=True))
    return columns


class _Tally:
    """What :func:`_scan` skipped: malformed records, ``more`` stubs, the first problem."""

    def __init__(self) -> None:
        self.malformed = 0
        self.more = 0
        self.first: str | None = None

    def finish(self, columns: dict) -> dict:
        """``columns`` with the counts ``_malformed``, ``_more`` and ``_first`` added."""
        columns["_malformed"] = [self.malformed]
        columns["_more"] = [self.more]
        columns["_first"] = [self.first]
        return columns


def _scan(
    pairs: Iterable[tuple[int | str, object]], *, source: str, on_error: OnError, tally: _Tally
) -> Iterator[tuple]:
    """One tuple of :data:`_COLUMNS` values per Reddit thing of ``(locator, value)`` pairs."""
    for locator, value in pairs:
        if type(value) is dict and "kind" not in value:  # a Pushshift record: the common case
            things: Iterable[tuple[object, str | None]] = ((value, None),)
        else:
            things = _things(value)
        for data, wrapped in things:
            if wrapped == "more":
                tally.more += 1
                continue
            try:
                row = _thing(data, wrapped)
            except _Bad as bad:
                if on_error == "raise":
                    raise SourceError(str(bad), path=source, line=locator) from None
                tally.malformed += 1
                if tally.first is None:
                    tally.first = f"{source}:{locator}: {bad}"
                continue
            yield (*row, locator)


def _scan_file(
    pairs: Iterable[tuple[int | str, object]],
    *,
    source: str,
    on_error: OnError,
    brand: Iterable[str] | None,
    stats: ReadStats,
    sentiment: bool = True,
) -> dict:
    """Scan one file into compact chunks of :data:`CHUNK_ROWS` things, texts scored and dropped.

    The Python values of a chunk (about 1 KB a comment with its text) live only
    until :func:`_compact` turns them into numpy and Arrow arrays (about 150
    bytes a comment), so memory grows with the compact columns, not the dump.
    """
    tally = _Tally()
    chunks = []
    rows: list[tuple] = []
    for row in _scan(pairs, source=source, on_error=on_error, tally=tally):
        rows.append(row)
        if len(rows) == CHUNK_ROWS:
            chunks.append(
                _compact(rows, source=source, brand=brand, stats=stats, sentiment=sentiment)
            )
            tell_rows(source, len(rows))
            rows = []
    if rows or not chunks:
        chunks.append(_compact(rows, source=source, brand=brand, stats=stats, sentiment=sentiment))
        tell_rows(source, len(rows))
    return tally.finish({"_chunks": chunks})


def _strings(values: Iterable) -> pd.api.extensions.ExtensionArray:
    return pd.Series(values, dtype=object).astype(STRING).array


def _lines(values: Sequence) -> np.ndarray:
    """Line numbers as int64; locators such as ``record 3`` (API pages) as objects."""
    if all(type(value) is int for value in values):
        return np.asarray(values, dtype=np.int64).reshape(-1)
    return np.asarray(values, dtype=object).reshape(-1)


def _compact(
    rows: Sequence[tuple] | Mapping[str, Sequence],
    *,
    source: str,
    brand: Iterable[str] | None = None,
    stats: ReadStats | None = None,
    sentiment: bool = True,
) -> dict:
    """Scanned rows (tuples of :data:`_COLUMNS`, or columns) -> numpy and Arrow-backed arrays.

    Times are parsed here (``bad_time`` maps the position of each unparseable
    one to its raw value, for the error :func:`parse_reddit` gives or counts);
    mentions become ``(mention_row, mention_name)`` pairs. With ``stats``, the
    texts are scored (:func:`~influence.sources._common.score_texts`, which
    notes missing packages there) and only the sentiment columns are kept;
    without, the ``text`` column is kept.
    """
    if isinstance(rows, Mapping):
        columns = {name: rows[name] for name in _COLUMNS}
    else:
        columns = _transpose(rows)
    created_raw = pd.Series(columns["created_utc"], dtype=object)
    created = parse_timestamps(created_raw, path=source, column="created_utc", on_error="skip")
    bad = np.flatnonzero(created.isna().to_numpy(bool))
    joined = pd.Series(columns["author_created"], dtype=object)
    mentions = columns["mentions"]
    chunk = {
        "message_id": _strings(columns["message_id"]),
        "kind": pd.Categorical(columns["kind"], categories=_KINDS),
        "author": _strings(columns["author"]),
        "parent_id": _strings(columns["parent_id"]),
        "thread_id": _strings(columns["thread_id"]),
        "created_at": created.array,
        "bad_time": {int(at): created_raw.iloc[at] for at in bad},
        "topic": _strings(columns["topic"]),
        "score": pd.to_numeric(pd.Series(columns["score"], dtype=object), errors="coerce")
        .astype("float64")
        .to_numpy(),
        "text_length": np.asarray(columns["text_length"], dtype=np.int64).reshape(-1),
        "mention_row": np.asarray(
            [row for row, names in enumerate(mentions) if names for _ in names], dtype=np.int64
        ),
        "mention_name": np.asarray(
            [name for names in mentions if names for name in names], dtype=object
        ),
        "crosspost_of": _strings(columns["crosspost_of"]),
        "crosspost_author": _strings(columns["crosspost_author"]),
        "flair": _strings(columns["flair"]),
        "joined_at": parse_timestamps(
            joined, path=source, column="author_created_utc", on_error="skip"
        ).array,
        "has_joined": joined.notna().to_numpy(bool),
        LINE: _lines(columns[LINE]),
    }
    texts = pd.Series(columns[TEXT], dtype=object).astype(STRING)
    if stats is None:
        chunk[TEXT] = texts.array
    else:
        scored = score_texts(
            pd.DataFrame({TEXT: texts}), stats=stats, brand=brand, sentiment=sentiment
        )
        chunk.update((name, scored[name].array) for name in scored.columns)
    return chunk


def _join(parts: Sequence[dict]) -> dict:
    """Concatenate compact chunks (:func:`_compact`), renumbering positions."""
    if len(parts) == 1:
        return dict(parts[0])
    offsets = np.cumsum([0] + [len(part[LINE]) for part in parts])
    joined: dict = {}
    for name, first in parts[0].items():
        values = [part[name] for part in parts]
        if name == "bad_time":
            joined[name] = {
                int(offset) + at: raw
                for part, offset in zip(parts, offsets, strict=False)
                for at, raw in part[name].items()
            }
        elif name == "mention_row":
            joined[name] = np.concatenate(
                [rows + offset for rows, offset in zip(values, offsets, strict=False)]
            )
        elif isinstance(first, np.ndarray):
            joined[name] = np.concatenate(values)
        else:
            joined[name] = pd.concat([pd.Series(v) for v in values], ignore_index=True).array
    return joined


class _Bad(Exception):
    """A record is not a usable Reddit thing (message in the house form)."""


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _json_type(value: object) -> str:
    return {dict: "object", list: "array", bool: "boolean"}.get(type(value), type(value).__name__)


def _is_number(value: object) -> bool:
    """True for JSON numbers and numeric strings ("5"); false for booleans and the rest."""
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    try:
        float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return True


def _thing(data: object, wrapped: str | None) -> tuple:
    """One Reddit comment or submission -> the values of :data:`_COLUMNS` (without ``_line``)."""
    if not isinstance(data, dict):
        raise _Bad(f"record must be a JSON object (got a JSON {type(data).__name__})")
    if wrapped == "t1" or (wrapped is None and ("link_id" in data or "parent_id" in data)):
        kind = "comment"
    elif wrapped == "t3" or (wrapped is None and ("title" in data or "selftext" in data)):
        kind = "post"
    else:
        got = f"kind {wrapped!r}" if wrapped else f"keys {sorted(data)[:8]}"
        raise _Bad(
            "record must be a Reddit comment (link_id, parent_id) or submission "
            f"(title, selftext) (got {got})"
        )
    prefix = "t1_" if kind == "comment" else "t3_"
    name = data.get("name")
    ident = data.get("id")
    for field, value in (("id", ident), ("author", data.get("author"))):
        if isinstance(value, (dict, list, bool)):
            raise _Bad(f"{field} must be a string (got a JSON {_json_type(value)})")
    score = data.get("score")
    if score is not None and not _is_number(score):
        raise _Bad(f"score must be a number (got {score!r:.40})")
    if isinstance(name, str) and name.startswith(prefix):
        message_id = name
    elif ident is not None and str(ident).strip():
        message_id = prefix + str(ident).strip()
    else:
        raise _Bad("id must be present (got missing)")
    created = data.get("created_utc")
    if created is None or created == "":
        raise _Bad("created_utc must be present (got missing)")
    if "author" not in data:
        raise _Bad("author must be present (got missing); [deleted] marks a deleted account")
    author = data["author"]
    if kind == "comment":
        thread = data.get("link_id")
        parent = data.get("parent_id")
        if not thread:
            raise _Bad("link_id must be present (got missing)")
        if not isinstance(parent, str) or not _FULLNAME.fullmatch(parent):
            got = "missing" if parent is None else repr(parent)
            raise _Bad(f"parent_id must be a fullname such as t1_abc or t3_abc (got {got})")
        if not isinstance(thread, str) or not thread.startswith("t3_"):
            thread = "t3_" + str(thread)
        body = _text(data.get("body"))
        length = len(body)
        crosspost = crosspost_author = None
    else:
        thread, parent = message_id, None
        body = _text(data.get("selftext"))
        length = len(_text(data.get("title"))) + len(body)
        crosspost = data.get("crosspost_parent") or None
        crosspost_author = None
        parents = data.get("crosspost_parent_list")
        if crosspost and isinstance(parents, list) and parents and isinstance(parents[0], dict):
            crosspost_author = parents[0].get("author") or "[deleted]"
    mentions = tuple(dict.fromkeys(MENTION.findall(body))) if "u/" in body else None
    flair = data.get("author_flair_text")
    title = _text(data.get("title")) if kind == "post" else ""
    text = "\n".join(part for part in (title, body) if part and part not in _REMOVED) or None
    return (
        message_id,
        kind,
        author,
        parent,
        thread,
        created,
        data.get("subreddit"),
        data.get("score"),
        length,
        mentions or None,
        crosspost,
        crosspost_author,
        flair if isinstance(flair, str) and flair.strip() else None,
        data.get("author_created_utc"),
        text,
    )


# --------------------------------------------------------------------------- parsing


def parse_reddit(
    scanned: Mapping[str, Mapping[str, list]] | Iterable[object],
    *,
    on_error: OnError = "raise",
    stats: ReadStats | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Turn scanned Reddit things into messages, links and users (vectorised).

    Parameters
    ----------
    scanned : mapping or iterable
        ``{source: columns}`` as from :func:`scan_things`, one entry per file
        (or the compact, already scored chunks :func:`read_reddit` scans);
        or an iterable of Reddit records (Pushshift objects or API things),
        scanned as one source ``"<records>"``.
    on_error : {"raise", "skip"}
        For an unparseable ``created_utc`` and for a fullname seen twice
        (the later one is a ``duplicate_id``).
    stats : ReadStats, optional
        Receives, per source, ``messages`` (read, kept, dropped by reason) and
        ``authors`` (``deleted_author``), plus notes on bots and skipped records.

    Returns
    -------
    messages, links, users
        ``messages`` holds a ``text`` column (title and body) when given the
        columns of :func:`scan_things`; the sentiment columns instead when
        given the chunks :func:`read_reddit` scans, which scores texts as it goes.

    Examples
    --------
    >>> messages, links, users = parse_reddit([
    ...     {"id": "p1", "author": "ann", "subreddit": "x", "created_utc": 1, "title": "Hi"},
    ...     {"id": "c1", "author": "AutoModerator", "subreddit": "x", "created_utc": 2,
    ...      "link_id": "t3_p1", "parent_id": "t3_p1", "body": "Rules"},
    ...     {"id": "c2", "author": "[deleted]", "subreddit": "x", "created_utc": 3,
    ...      "link_id": "t3_p1", "parent_id": "t1_c1", "body": "[removed]"}])
    >>> messages[["message_id", "author_id", "parent_id", "kind"]]
      message_id      author_id parent_id     kind
    0      t3_p1            ann      <NA>     post
    1      t1_c1  AutoModerator     t3_p1  comment
    2      t1_c2           <NA>     t1_c1  comment
    >>> users[["user_id", "is_bot"]].to_dict("list")
    {'user_id': ['AutoModerator', 'ann'], 'is_bot': [True, False]}
    """
    on_error = check_on_error(on_error)
    stats = ReadStats() if stats is None else stats
    if not isinstance(scanned, Mapping):
        scanned = {"<records>": scan_things(scanned, on_error=on_error)}
    sources = list(scanned)
    files = [
        columns["_chunks"] if "_chunks" in columns else [_compact(columns, source=source)]
        for source, columns in scanned.items()
    ]
    if on_error == "raise":  # times are checked after every file was scanned, in file order
        for source, parts in zip(sources, files, strict=True):
            for part in parts:
                if part["bad_time"]:
                    at, raw = next(iter(part["bad_time"].items()))
                    parse_timestamps(
                        pd.Series([raw], dtype=object),
                        path=source,
                        column="created_utc",
                        lines=part[LINE][at : at + 1],
                    )
    lengths = [sum(len(part[LINE]) for part in parts) for parts in files]
    owner = np.repeat(np.arange(len(files)), lengths)  # the file of each row
    table = _join([part for parts in files for part in parts])
    del files
    count = len(owner)
    bad_time = np.zeros(count, dtype=bool)
    bad_time[list(table["bad_time"])] = True
    message_id = pd.Series(table["message_id"])
    duplicated = repeated_ids(
        message_id,
        bad=bad_time,
        on_error=on_error,
        sources=pd.Categorical.from_codes(owner, categories=sources),
        lines=table[LINE],
    )
    author = pd.Series(table["author"])
    deleted = (
        (author.isna() | author.isin(list(DELETED)) | (author.str.strip() == ""))
        .fillna(True)
        .to_numpy(bool)
    )
    for number, (source, columns) in enumerate(scanned.items()):
        mine = owner == number
        bad = bad_time & mine
        dup = duplicated & mine
        malformed = int(columns["_malformed"][0]) + int(bad.sum())
        first = columns["_first"][0]
        if bad.any() and first is None:
            at = int(np.flatnonzero(bad)[0])
            first = (
                f"{source}:{_line_at(table, at)}: created_utc must be an ISO 8601 time "
                f"or Unix epoch (got {table['bad_time'][at]!r})"
            )
        if dup.any() and first is None:
            at = int(np.flatnonzero(dup)[0])
            first = (
                f"{source}:{_line_at(table, at)}: id must be unique "
                f"(got {message_id.iloc[at]} again)"
            )
        record_messages(
            stats,
            source,
            kept=int((mine & ~bad & ~dup).sum()),
            malformed=malformed,
            duplicates=int(dup.sum()),
            first=first,
            more_comments_stub=int(columns["_more"][0]),
        )
        live = mine & ~bad & ~dup
        stats.record(
            source,
            "authors",
            read=int(live.sum()),
            kept=int((live & ~deleted).sum()),
            dropped={"deleted_author": int((live & deleted).sum())},
        )
    keep = ~bad_time & ~duplicated
    del message_id, author
    if not keep.all():  # drop the bad rows; their mentions go, the others are renumbered
        position = np.cumsum(keep) - 1
        mentioned = keep[table["mention_row"]]
        table["mention_row"] = position[table["mention_row"][mentioned]]
        table["mention_name"] = table["mention_name"][mentioned]
        rows = np.flatnonzero(keep)
        for name, values in table.items():
            if name not in ("bad_time", "mention_row", "mention_name"):
                table[name] = values[rows] if isinstance(values, np.ndarray) else values.take(rows)
        deleted = deleted[keep]
    author = pd.Series(table["author"], dtype=STRING).mask(deleted)
    kept = len(author)
    messages = pd.DataFrame(
        {
            "message_id": pd.Series(table["message_id"], dtype=STRING),
            "author_id": author,
            "thread_id": pd.Series(table["thread_id"], dtype=STRING),
            "parent_id": pd.Series(table["parent_id"], dtype=STRING),
            "created_at": pd.Series(table["created_at"], dtype=UTC),
            "kind": pd.Series(table["kind"]).astype(object).astype("category"),
            "platform": pd.Categorical([PLATFORM] * kept),
            "topic": pd.Series(table["topic"], dtype=STRING),
            "score": pd.Series(table["score"], dtype="float64"),
            "text_length": pd.Series(table["text_length"], dtype="int64"),
        }
    )
    for name in (TEXT, *SENTIMENT_COLUMNS):
        if name in table:
            messages[name] = table[name]
    users = _users(table, author, stats)
    links = _links(table, messages, users)
    return messages, links, users


def _line_at(table: Mapping, position: int) -> int | str:
    line = table[LINE][position]
    return int(line) if isinstance(line, (int, np.integer)) else line


def _users(table: Mapping, author: pd.Series, stats: ReadStats) -> pd.DataFrame:
    present = author.notna().to_numpy(bool)
    frame = pd.DataFrame(
        {
            "user_id": author[present].to_numpy(),
            "created_at": table["created_at"][present],
            "flair": pd.Series(table["flair"])[present].to_numpy(),
            "joined": table["joined_at"][present],
            "has_joined": table["has_joined"][present],
        }
    )
    frame = frame.sort_values("created_at", kind="stable")
    latest_flair = frame.dropna(subset=["flair"]).drop_duplicates("user_id", keep="last")
    joined = frame.loc[frame["has_joined"]].drop_duplicates("user_id", keep="last")
    ids = pd.Index(frame["user_id"].unique(), dtype=STRING).sort_values()
    users = pd.DataFrame({"user_id": pd.array(ids, dtype=STRING)})
    users["display_name"] = users["user_id"]
    users["created_at"] = pd.Series(
        pd.Series(joined["joined"].array, index=joined["user_id"].to_numpy())
        .reindex(ids.to_numpy())
        .array,
        dtype=UTC,
    ).array
    users["title"] = pd.Series(
        latest_flair.set_index("user_id")["flair"].reindex(ids.to_numpy()).to_numpy(), dtype=STRING
    ).array
    users["is_bot"] = users["user_id"].str.lower().isin(BOTS).to_numpy(bool)
    if users["is_bot"].any():
        bots = users.loc[users["is_bot"], "user_id"]
        count = int(author.isin(bots).sum())
        stats.note(
            f"{count} message(s) by known bot account(s) ({', '.join(bots)}) were kept; "
            "those users are flagged is_bot"
        )
    return users


def _links(table: Mapping, messages: pd.DataFrame, users: pd.DataFrame) -> pd.DataFrame:
    parts = []
    if len(table["mention_row"]):
        rows = table["mention_row"]
        exploded = pd.DataFrame(
            {
                "message_id": messages["message_id"].to_numpy()[rows],
                "mentions": table["mention_name"],
                "created_at": messages["created_at"].array[rows],
            }
        )
        spelled = pd.Series(
            users["user_id"].to_numpy(), index=users["user_id"].str.lower().to_numpy()
        )
        spelled = spelled[~spelled.index.duplicated()]
        named = exploded["mentions"].astype(str)
        canonical = spelled.reindex(named.str.lower().to_numpy()).to_numpy()
        target = np.where(pd.isna(canonical), named.to_numpy(), canonical)
        mention = pd.DataFrame(
            {
                "kind": "mention",
                "source": pd.NA,
                "source_message_id": exploded["message_id"].to_numpy(),
                "target": target,
                "target_message_id": pd.NA,
                "created_at": exploded["created_at"].array,
                "message_id": exploded["message_id"].to_numpy(),
                "weight": 1.0,
            }
        ).drop_duplicates(["source_message_id", "target"])
        parts.append(mention)
    crossposts = pd.Series(table["crosspost_of"]).notna().to_numpy(bool)
    if crossposts.any():
        rows = pd.DataFrame(
            {
                "message_id": messages["message_id"].to_numpy()[crossposts],
                "crosspost_of": pd.Series(table["crosspost_of"])[crossposts].array,
                "crosspost_author": pd.Series(table["crosspost_author"])[crossposts].array,
                "created_at": messages["created_at"].array[crossposts],
            }
        )
        author = rows["crosspost_author"].astype(STRING)
        deleted = author.isin(list(DELETED)).fillna(False).to_numpy(bool)
        parts.append(
            pd.DataFrame(
                {
                    "kind": "share",
                    "source": pd.NA,
                    "source_message_id": rows["message_id"].to_numpy(),
                    "target": author.mask(deleted).to_numpy(),
                    "target_message_id": rows["crosspost_of"]
                    .astype(STRING)
                    .where(author.isna())
                    .to_numpy(),
                    "created_at": rows["created_at"].array,
                    "message_id": rows["message_id"].to_numpy(),
                    "weight": 1.0,
                }
            )
        )
    if not parts:
        return empty_links()
    links = pd.concat(parts, ignore_index=True)
    for name in ("source", "source_message_id", "target", "target_message_id", "message_id"):
        links[name] = links[name].astype(STRING)
    links["created_at"] = pd.Series(links["created_at"].array, dtype=UTC).array
    return links.reset_index(drop=True)
