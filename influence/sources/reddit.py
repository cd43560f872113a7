"""Read Reddit: Pushshift / Arctic Shift dumps and the JSON of the Reddit API (format ``"reddit"``).

Inputs
------
* Pushshift and Arctic Shift dumps: JSON Lines of comments (``RC_2023-01.zst``,
  ``r_python_comments.jsonl``) and of submissions (``RS_2023-01.zst``), usually
  zstandard-compressed with a long window; ``.gz``, ``.bz2``, ``.xz`` and plain
  files work too. They are streamed line by line: memory grows with the output
  columns, never with the dump.
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
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from influence.community import Community, ReadStats
from influence.errors import SourceError
from influence.schema import STRING, UTC
from influence.sources._common import (
    OnError,
    assemble,
    check_on_error,
    empty_links,
    first_json_value,
    head,
    iter_json_array,
    iter_ndjson,
    load_json,
    located,
    open_binary,
    parse_timestamps,
    score_texts,
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
    return [
        p
        for p in sorted(folder.iterdir())
        if p.is_file() and not p.name.startswith(".") and p.name.lower().endswith(_SUFFIXES)
    ]


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
    path: str | Path, *, on_error: OnError = "raise", brand: Iterable[str] | None = None
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
    stats = ReadStats()
    scanned = {}
    for file in files:
        source = file.name if path.is_dir() else str(file)
        problems: list[SourceError] = []
        columns = scan_things(
            _records(file, source, on_error, problems), source=source, on_error=on_error
        )
        if problems:
            columns["_malformed"][0] += len(problems)
            columns["_first"][0] = columns["_first"][0] or str(problems[0])
        scanned[source] = columns
    messages, links, users = parse_reddit(scanned, on_error=on_error, stats=stats)
    del scanned  # the texts live on in messages["text"] only until scored
    messages = score_texts(messages, stats=stats, brand=brand)
    return assemble(
        messages,
        links=links,
        users=users,
        stats=stats,
        platform=PLATFORM,
        name=path.resolve().name,
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
    columns: dict[str, list] = {name: [] for name in _COLUMNS}
    add = {name: columns[name].append for name in _COLUMNS}
    malformed = more = 0
    first: str | None = None
    for locator, value in located(records):
        for data, wrapped in _things(value):
            if wrapped == "more":
                more += 1
                continue
            try:
                row = _thing(data, wrapped)
            except _Bad as bad:
                if on_error == "raise":
                    raise SourceError(str(bad), path=source, line=locator) from None
                malformed += 1
                if first is None:
                    first = f"{source}:{locator}: {bad}"
                continue
            for name, value_ in zip(_COLUMNS[:-1], row, strict=True):
                add[name](value_)
            add["_line"](locator)
    columns["_malformed"] = [malformed]
    columns["_more"] = [more]
    columns["_first"] = [first]
    return columns


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
        ``{source: columns}`` as from :func:`scan_things`, one entry per file;
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
        ``messages`` holds a ``text`` column (title and body) that
        :func:`read_reddit` turns into sentiment columns.

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
    frames = []
    for source, columns in scanned.items():
        frame = pd.DataFrame({name: pd.Series(columns[name], dtype=object) for name in _COLUMNS})
        frame["_source"] = source
        frames.append((source, columns, frame))
    parts = []
    for source, _columns, frame in frames:
        created = parse_timestamps(
            frame["created_utc"], path=source, column="created_utc", on_error="skip"
        )
        bad_time = created.isna().to_numpy(bool)
        if bad_time.any() and on_error == "raise":
            parse_timestamps(
                frame["created_utc"], path=source, column="created_utc", lines=frame["_line"]
            )
        frame["created_at"] = created.array
        frame["_bad_time"] = bad_time
        parts.append(frame)
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=_COLUMNS)
    duplicated = np.zeros(len(table), dtype=bool)
    if len(table):
        good = ~table["_bad_time"].to_numpy(bool)
        duplicated[good] = table.loc[good, "message_id"].duplicated().to_numpy(bool)
    if duplicated.any() and on_error == "raise":
        at = int(np.flatnonzero(duplicated)[0])
        value = table["message_id"].iloc[at]
        raise SourceError(
            f"id must be unique (got {value} again)",
            path=table["_source"].iloc[at],
            line=table["_line"].iloc[at],
        )
    authors = table["author"].astype(object)
    deleted = authors.isna() | authors.isin(DELETED) | (authors.astype(str).str.strip() == "")
    for source, columns, _frame in frames:
        mine = (table["_source"] == source).to_numpy(bool)
        bad_time = table["_bad_time"].to_numpy(bool) & mine
        dup = duplicated & mine
        malformed = int(columns["_malformed"][0]) + int(bad_time.sum())
        kept = int((mine & ~bad_time & ~dup).sum())
        stats.record(
            source,
            "messages",
            read=kept + malformed + int(dup.sum()) + int(columns["_more"][0]),
            kept=kept,
            dropped={
                "malformed": malformed,
                "duplicate_id": int(dup.sum()),
                "more_comments_stub": int(columns["_more"][0]),
            },
        )
        first = columns["_first"][0]
        if bad_time.any() and first is None:
            at = int(np.flatnonzero(bad_time)[0])
            first = (
                f"{source}:{table['_line'].iloc[at]}: created_utc must be an ISO 8601 time "
                f"or Unix epoch (got {table['created_utc'].iloc[at]!r})"
            )
        if dup.any() and first is None:
            at = int(np.flatnonzero(dup)[0])
            first = (
                f"{source}:{table['_line'].iloc[at]}: id must be unique "
                f"(got {table['message_id'].iloc[at]} again)"
            )
        if first is not None:
            stats.note(
                f"{source}: skipped {malformed + int(dup.sum())} bad record(s); first: {first}"
            )
        live = mine & ~bad_time & ~dup
        stats.record(
            source,
            "authors",
            read=int(live.sum()),
            kept=int((live & ~deleted.to_numpy(bool)).sum()),
            dropped={"deleted_author": int((live & deleted.to_numpy(bool)).sum())},
        )
    keep = ~table["_bad_time"].to_numpy(bool) & ~duplicated if len(table) else np.zeros(0, bool)
    table = table.loc[keep].reset_index(drop=True)
    deleted = deleted.loc[keep].reset_index(drop=True)
    author = table["author"].astype(STRING).mask(deleted.to_numpy(bool))

    messages = pd.DataFrame(
        {
            "message_id": table["message_id"].astype(STRING),
            "author_id": author,
            "thread_id": table["thread_id"].astype(STRING),
            "parent_id": table["parent_id"].astype(STRING),
            "created_at": pd.Series(table["created_at"].array, dtype=UTC),
            "kind": table["kind"].astype("category"),
            "platform": pd.Categorical([PLATFORM] * len(table)),
            "topic": table["topic"].astype(STRING),
            "score": pd.to_numeric(table["score"], errors="coerce").astype("float64"),
            "text_length": table["text_length"].astype("int64"),
            "text": table["text"].astype(STRING),
        }
    )
    users = _users(table, author, stats)
    links = _links(table, messages, users)
    return messages, links, users


def _users(table: pd.DataFrame, author: pd.Series, stats: ReadStats) -> pd.DataFrame:
    present = author.notna().to_numpy(bool)
    frame = pd.DataFrame(
        {
            "user_id": author[present].to_numpy(),
            "created_at": table.loc[present, "created_at"].array,
            "flair": table.loc[present, "flair"].to_numpy(),
            "joined": table.loc[present, "author_created"].to_numpy(),
        }
    )
    frame = frame.sort_values("created_at", kind="stable")
    latest_flair = frame.dropna(subset=["flair"]).drop_duplicates("user_id", keep="last")
    joined = frame.dropna(subset=["joined"]).drop_duplicates("user_id", keep="last")
    ids = pd.Index(frame["user_id"].unique(), dtype=STRING).sort_values()
    users = pd.DataFrame({"user_id": pd.array(ids, dtype=STRING)})
    users["display_name"] = users["user_id"]
    when = parse_timestamps(
        pd.Series(joined["joined"].to_numpy(), dtype=object),
        path="",
        column="author_created_utc",
        on_error="skip",
    )
    users["created_at"] = pd.Series(
        pd.Series(when.array, index=joined["user_id"].to_numpy()).reindex(ids.to_numpy()).array,
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


def _links(table: pd.DataFrame, messages: pd.DataFrame, users: pd.DataFrame) -> pd.DataFrame:
    parts = []
    has = table["mentions"].notna().to_numpy(bool)
    if has.any():
        exploded = table.loc[has, ["message_id", "mentions", "created_at"]].explode("mentions")
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
    crossposts = table["crosspost_of"].notna().to_numpy(bool)
    if crossposts.any():
        rows = table.loc[crossposts]
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
