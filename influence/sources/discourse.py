"""Read Discourse forums: API JSON and Data Explorer CSV exports (format ``"discourse"``).

Accepted files (one file, or a folder of them; each may be compressed):

topic JSON (``/t/{id}.json``, add ``?print=true`` or page ``/t/{id}/posts.json``)
    ``{"id", "title", "category_id", "post_stream": {"posts": [...]}}``.
latest posts JSON (``/posts.json``)
    ``{"latest_posts": [...]}``.
    A post has ``id``, ``username``, ``name``, ``user_id``, ``created_at``,
    ``post_number``, ``topic_id``, ``reply_to_post_number``, ``post_type``,
    ``updated_at``, ``raw`` (when requested) or ``cooked`` (HTML),
    ``actions_summary`` (``{"id": 2, "count": n}`` is the like count),
    ``category_id`` (latest posts), ``user_title``.
posts CSV (a Data Explorer query result)
    a header with ``topic_id`` and ``post_number``, and: ``post_id`` or
    ``id``; ``username`` or ``user_id``; ``created_at`` (ISO 8601 or Unix
    epoch); optionally ``name``, ``reply_to_post_number``, ``raw`` or
    ``cooked``, ``like_count``, ``category`` (or ``category_name``) or
    ``category_id``, ``post_type``, ``user_title``, ``updated_at``.
likes CSV (a Data Explorer query on ``post_actions``)
    a header with ``post_id`` and ``username`` or ``user_id`` (the liker), no
    ``post_number``; optionally ``created_at`` and ``post_action_type_id``
    (rows other than 2, a like, are dropped as ``not_like``).

What becomes what
-----------------
``messages``
    ``message_id`` the post id, ``thread_id`` the topic id, ``kind`` ``post``
    for a topic's first post (``post_number`` 1) and ``reply`` otherwise.
    ``parent_id`` is the post ``reply_to_post_number`` of the same topic;
    without one, a reply answers the topic's first post. When that post is
    not in the files, ``parent_id`` is ``"<topic_id>#<post_number>"`` (so the
    reply is counted as ``reply_to_unknown_message``). ``topic`` is the
    category: its name when the record has one (``category``,
    ``category_name``), else its id. ``score`` is the like count when the
    record has one, else the number of likes in a likes CSV (when one was
    read), else missing. ``text_length`` is the length of ``raw``, else of
    ``cooked`` without its HTML. Posts of type 2 and 3 (moderator actions and
    small actions such as "closed this topic") are dropped as
    ``system_message``; posts by the ``system`` and ``discobot`` accounts (or
    any negative ``user_id``) as ``bot``.
``duplicates``
    A post id seen more than once (overlapping API pages, a post in both a
    topic and a latest-posts file) becomes one message, merged field by field
    so that the result does not depend on the order of the files or records.
    The copies are ranked: latest ``updated_at`` first (copies without one
    last), then the largest like count, then the most fields present, then
    their content (a fixed order, so ties are still decided the same way).
    Each field takes the value of the best-ranked copy that has one, except
    the like count, which is the largest of the copies (likes accumulate: a
    later export sees more), and the text with its length and mentions, which
    come together from the best-ranked copy that has a text. The best-ranked
    copy is counted as kept in its file; each other copy as ``duplicate`` in
    its own file.
``links``
    a ``mention`` per distinct person ``@username`` in ``raw`` (only names of
    people seen in the files count: Discourse links a mention only to an
    existing user, and group mentions like ``@staff`` are not people), or per
    ``<a class="mention">@username</a>`` of ``cooked``; a ``kudos`` per like of
    a likes CSV (liker -> author).
``users``
    ``user_id`` is the **username** (as Discourse spells it; mentions and
    likes match it case-insensitively), ``display_name`` the ``name`` (else the
    username), ``title`` the user title, ``discourse_user_id`` the numeric id
    when known. A posts CSV that has ``user_id`` but no ``username`` falls back
    to the numeric id as ``user_id`` (mentions then cannot be resolved).
"""

from __future__ import annotations

import csv
import html
import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from influence.community import Community, ReadStats
from influence.errors import SourceError
from influence.schema import STRING, UTC, empty_messages
from influence.sources._common import (
    LINE,
    JsonStream,
    OnError,
    assemble,
    blank,
    check_on_error,
    empty_links,
    got,
    head,
    normalize_ids,
    open_binary,
    parse_timestamps,
    score_texts,
    screen,
)

__all__ = ["parse_discourse", "read_discourse", "scan_discourse", "sniff"]

PLATFORM = "discourse"
#: ``post_type`` values that are not conversation (moderator action, small action).
SYSTEM_POST_TYPES = (2, 3)
BOT_USERNAMES = ("system", "discobot")
LIKE = 2
#: ``@name`` not preceded by a word character, ``@`` or ``/`` (e-mail addresses, URLs).
MENTION_PATTERN = re.compile(r"(?<![\w@/])@([\w][\w.\-]*)")
COOKED_MENTION = re.compile(r"<a\b[^>]*\bclass=[\"']mention[\"'][^>]*>@([^<]+)</a>")
_SUFFIXES = ("", ".gz", ".bz2", ".xz", ".zst")
_FIELDS = (
    "id",
    "topic_id",
    "post_number",
    "reply_to_post_number",
    "username",
    "name",
    "user_id",
    "created_at",
    "updated_at",
    "post_type",
    "text_length",
    "mentions",
    "mentions_linked",
    "like_count",
    "category",
    "user_title",
    "text",
)
_LIKE_FIELDS = ("post_id", "username", "user_id", "created_at", "post_action_type_id")


# --------------------------------------------------------------------------- files


def _kind(path: Path) -> str | None:
    """``"json"``, ``"posts_csv"``, ``"likes_csv"`` or None, from the name and first bytes."""
    name = path.name.lower()
    for suffix in _SUFFIXES:
        if name.endswith(".json" + suffix):
            start = head(path)
            if start.lstrip()[:1] == b"{" and re.search(
                rb'"(post_stream|latest_posts)"\s*:', start
            ):
                return "json"
            return None
        if name.endswith(".csv" + suffix):
            header = _csv_header(head(path, 1 << 14))
            if {"topic_id", "post_number"} <= header:
                return "posts_csv"
            if "post_id" in header and header & {"username", "user_id"}:
                return "likes_csv"
            return None
    return None


def _csv_header(start: bytes) -> set[str]:
    line = start.split(b"\n", 1)[0].decode("utf-8", "replace").strip()
    return {cell.strip().strip('"').lower() for cell in line.split(",")}


def sniff(path: Path) -> bool:
    """Tell whether ``path`` is a Discourse export or a folder of them.

    A ``.json`` file whose first 64 KiB are an object with ``post_stream`` or
    ``latest_posts``; a ``.csv`` whose header has ``topic_id`` and
    ``post_number`` (posts; a likes CSV alone is not enough); a folder with
    one such file. Never raises.

    Examples
    --------
    >>> sniff(Path("tests/data/discourse")), sniff(Path("tests/data/discourse/likes.csv"))
    (True, False)
    """
    try:
        path = Path(path)
        if path.is_dir():
            return any(
                _kind(child) in ("json", "posts_csv") for child in path.iterdir() if child.is_file()
            )
        return path.is_file() and _kind(path) in ("json", "posts_csv")
    except OSError:
        return False


def scan_discourse(stream: IO[bytes], *, source: str) -> dict[str, list]:
    """Stream the posts of one topic or latest-posts JSON into one list per field.

    Returns
    -------
    dict of str to list
        ``id``, ``topic_id``, ``post_number``, ``reply_to_post_number``,
        ``username``, ``name``, ``user_id``, ``created_at``, ``updated_at``,
        ``post_type``, ``text_length``, ``mentions`` (names after ``@`` in ``raw``),
        ``mentions_linked`` (names of ``a.mention`` links in ``cooked``),
        ``like_count``, ``category``, ``user_title``, ``text`` and ``_line``. The
        topic's ``id`` and ``category_id`` fill the posts that lack them.

    Raises
    ------
    SourceError
        Not UTF-8, not well-formed, truncated, or neither ``post_stream`` nor
        ``latest_posts`` (with the line).

    Examples
    --------
    >>> import io
    >>> topic = b'{"post_stream": {"posts": [\\n{"id": 5, "post_number": 1, "username": "ann",'
    >>> topic += b' "raw": "hi @bob", "actions_summary": [{"id": 2, "count": 3}]}]},'
    >>> topic += b' "id": 9, "category_id": 4}'
    >>> columns = scan_discourse(io.BytesIO(topic), source="t.json")
    >>> columns["topic_id"], columns["mentions"], columns["like_count"], columns["category"]
    (['9'], [['bob']], [3.0], ['4'])
    """
    columns: dict[str, list] = {name: [] for name in (*_FIELDS, LINE)}
    document = JsonStream(stream, source)
    topic: dict[str, Any] = {}
    found = False
    if document.peek() != "{":
        raise SourceError(
            f"a Discourse JSON file must be an object (got {document.peek() or 'nothing'!r})",
            path=source,
            line=document.line,
        )
    for key in document.iter_object():
        if key == "post_stream" and document.peek() == "{":
            for inner in document.iter_object():
                if inner == "posts":
                    found = True
                    for line, record in document.iter_array():
                        _add_post(columns, record, line)
                else:
                    document.value()
        elif key == "latest_posts":
            found = True
            for line, record in document.iter_array():
                _add_post(columns, record, line)
        else:
            value = document.value()
            if key in ("id", "category_id"):
                topic[key] = value
    document.finish()
    if not found:
        raise SourceError(
            "a Discourse JSON file must have post_stream.posts or latest_posts (got neither); "
            "force another format with --format NAME",
            path=source,
        )
    for column, key in (("topic_id", "id"), ("category", "category_id")):
        if key in topic and topic[key] is not None:
            columns[column] = [str(topic[key]) if v is None else v for v in columns[column]]
    return columns


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list, bool)):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _strip_html(cooked: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]*>", " ", cooked))).strip()


def _add_post(columns: dict[str, list], record: Any, line: int) -> None:
    """Reduce one post to the kept fields (a per-record loop in the parser)."""
    record = record if isinstance(record, dict) else {}
    raw, cooked = record.get("raw"), record.get("cooked")
    likes = record.get("like_count")
    actions = record.get("actions_summary")
    for action in actions if isinstance(actions, list) else ():
        if isinstance(action, dict) and action.get("id") == LIKE:
            likes = action.get("count", likes)
    _add_row(
        columns,
        line,
        id=record.get("id"),
        topic_id=record.get("topic_id"),
        post_number=record.get("post_number"),
        reply_to_post_number=record.get("reply_to_post_number"),
        username=record.get("username"),
        name=record.get("name"),
        user_id=record.get("user_id"),
        created_at=record.get("created_at"),
        updated_at=record.get("updated_at"),
        post_type=record.get("post_type"),
        raw=raw if isinstance(raw, str) else None,
        cooked=cooked if isinstance(cooked, str) else None,
        like_count=likes,
        category=record.get("category") or record.get("category_name") or record.get("category_id"),
        user_title=record.get("user_title"),
    )


def _add_row(columns: dict[str, list], line: int, *, raw, cooked, like_count, **fields) -> None:
    for name, value in fields.items():
        columns[name].append(_text(value))
    if raw is not None:
        columns["text_length"].append(len(raw))
        columns["mentions"].append(MENTION_PATTERN.findall(raw))
        columns["mentions_linked"].append([])
        columns["text"].append(raw or None)
    elif cooked is not None:
        plain = _strip_html(cooked)
        columns["text_length"].append(len(plain))
        columns["mentions"].append([])
        columns["mentions_linked"].append(COOKED_MENTION.findall(cooked))
        columns["text"].append(plain or None)
    else:
        columns["text_length"].append(0)
        columns["mentions"].append([])
        columns["mentions_linked"].append([])
        columns["text"].append(None)
    number = pd.to_numeric(pd.Series([_text(like_count)]), errors="coerce").iloc[0]
    columns["like_count"].append(float(number))
    columns[LINE].append(line)


def _decoded_lines(stream: IO[bytes], source: str) -> Iterator[str]:
    """The lines of a UTF-8 file (a byte-order mark allowed), failing at the first bad one."""
    number = 0
    try:
        for number, raw in enumerate(stream, start=1):
            try:
                yield raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as err:
                byte = raw[err.start : err.start + 1].hex()
                raise SourceError(
                    f"text must be UTF-8 (got byte 0x{byte}: {err.reason}); "
                    "convert the file, e.g. iconv -f latin1 -t utf-8",
                    path=source,
                    line=number,
                ) from err
    except (OSError, EOFError) as err:
        raise SourceError(
            f"file must be readable (got {type(err).__name__}: {err})", path=source, line=number + 1
        ) from err


def _scan_csv(stream: IO[bytes], source: str, kind: str) -> dict[str, list]:
    """Stream a posts or likes CSV into column lists (with the physical line of each row)."""
    fields = _FIELDS if kind == "posts_csv" else _LIKE_FIELDS
    columns: dict[str, list] = {name: [] for name in (*fields, LINE)}
    reader = csv.reader(_decoded_lines(stream, source))
    end = 0
    try:
        header = [cell.strip().lower() for cell in next(reader, [])]
        end = reader.line_num
        position = {name: index for index, name in enumerate(header)}
        for row in reader:
            start, end = end + 1, reader.line_num
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if len(row) != len(header):
                raise SourceError(
                    f"CSV row must have {len(header)} fields like the header (got {len(row)})",
                    path=source,
                    line=start,
                )
            cell = {name: row[index] or None for name, index in position.items()}
            if kind == "likes_csv":
                for name in _LIKE_FIELDS:
                    columns[name].append(cell.get(name))
                columns[LINE].append(start)
                continue
            _add_row(
                columns,
                start,
                id=cell.get("post_id") or cell.get("id"),
                topic_id=cell.get("topic_id"),
                post_number=cell.get("post_number"),
                reply_to_post_number=cell.get("reply_to_post_number"),
                username=cell.get("username"),
                name=cell.get("name"),
                user_id=cell.get("user_id"),
                created_at=cell.get("created_at"),
                updated_at=cell.get("updated_at"),
                post_type=cell.get("post_type"),
                raw=cell.get("raw") or ("" if "raw" in cell else None),
                cooked=cell.get("cooked"),
                like_count=cell.get("like_count"),
                category=cell.get("category")
                or cell.get("category_name")
                or cell.get("category_id"),
                user_title=cell.get("user_title"),
            )
    except csv.Error as err:
        raise SourceError(
            f"CSV must be well-formed (got {err})", path=source, line=end + 1
        ) from err
    return columns


def read_discourse(
    path: str | Path,
    *,
    on_error: OnError = "raise",
    brand: Iterable[str] | None = None,
    sentiment: bool = True,
) -> Community:
    """Read Discourse JSON and Data Explorer CSV files into a Community.

    Parameters
    ----------
    path : str or Path
        One file (topic JSON, latest posts JSON, posts CSV) or a folder of
        them, possibly with a likes CSV; each may be ``.gz``, ``.bz2``, ``.xz``,
        ``.zst``. Other files of a folder are ignored and noted.
    on_error : {"raise", "skip"}
        ``"raise"`` stops at the first bad record (missing post ``id``,
        ``topic_id``, ``post_number``, author, unreadable ``created_at``);
        ``"skip"`` drops and counts it as ``malformed`` and warns once.
    brand : iterable of str, optional
        Brand or topic keywords for the ``brand_mention`` column.
    sentiment : bool, default True
        ``False`` skips the scoring of the texts (no ``sentiment``, ``language``
        or ``brand_mention`` column, a read note says why): faster on huge dumps.

    Returns
    -------
    Community
        ``platform="discourse"``; messages carry ``sentiment``, ``language`` and
        ``brand_mention`` of ``raw`` (else ``cooked`` without its HTML;
        :func:`~influence.sources._common.score_texts`), not the text itself.

    Raises
    ------
    SourceError
        ``<file>:<line>: <what>`` for a bad record, broken JSON or CSV.

    Examples
    --------
    >>> community = read_discourse("tests/data/discourse")
    >>> community.messages["kind"].astype(str).value_counts().sort_index().to_dict()
    {'post': 2, 'reply': 4}
    """
    on_error = check_on_error(on_error)
    path = Path(path)
    stats = ReadStats()
    if path.is_dir():
        files = []
        for child in sorted(p for p in path.iterdir() if p.is_file()):
            kind = _kind(child)
            if kind is None:
                stats.note(f"{child.name}: not a Discourse export; not used")
            else:
                files.append((child, kind))
        if not any(kind != "likes_csv" for _, kind in files):
            raise SourceError(
                "a folder of Discourse exports must hold topic or posts JSON, or a posts CSV "
                "(got none)",
                path=str(path),
            )
    else:
        kind = _kind(path)
        if kind is None or kind == "likes_csv":  # forced with format="discourse"
            inner = re.sub(r"\.(gz|bz2|xz|zst)$", "", path.name.lower())
            kind = "posts_csv" if inner.endswith(".csv") else "json"
        files = [(path, kind)]
    posts, likes = [], []
    for file, kind in files:
        with open_binary(file) as stream:
            if kind == "json":
                posts.append((file.name, scan_discourse(stream, source=file.name)))
            elif kind == "posts_csv":
                posts.append((file.name, _scan_csv(stream, file.name, kind)))
            else:
                likes.append((file.name, _scan_csv(stream, file.name, kind)))
    messages, links, users = parse_discourse(posts, likes=likes, on_error=on_error, stats=stats)
    del posts  # the texts live on in messages["text"] only until scored
    messages = score_texts(messages, stats=stats, brand=brand, sentiment=sentiment)
    return assemble(
        messages,
        links=links,
        users=users,
        stats=stats,
        platform=PLATFORM,
        name=path.resolve().name,
    )


# --------------------------------------------------------------------------- parsing


def _frame(columns: dict[str, list], fields: Sequence[str]) -> pd.DataFrame:
    frame = pd.DataFrame(
        {name: pd.Series(values, dtype=object) for name, values in columns.items()}
    )
    for name in (*fields, LINE):
        if name not in frame.columns:
            frame[name] = pd.Series([None] * len(frame), dtype=object)
    return frame


def parse_discourse(
    posts: Sequence[tuple[str, dict[str, list]]],
    *,
    likes: Sequence[tuple[str, dict[str, list]]] = (),
    on_error: OnError = "raise",
    stats: ReadStats | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Turn scanned posts (and likes) into messages, links and users (pure).

    Parameters
    ----------
    posts : sequence of (source, columns)
        As from :func:`scan_discourse` (or a posts CSV scanned the same way).
    likes : sequence of (source, columns)
        Likes CSV columns ``post_id``, ``username`` or ``user_id``,
        ``created_at``, ``post_action_type_id``.
    on_error : {"raise", "skip"}
    stats : ReadStats, optional
        Receives, per file, ``messages`` (dropped: ``malformed``,
        ``system_message``, ``bot``, ``duplicate``), ``likes`` (dropped:
        ``malformed``, ``not_like``, ``like_of_unknown_post``, ``bot``) and
        ``mentions`` (dropped: ``mention_unknown_user``, ``repeated``).

    Returns
    -------
    messages, links, users : DataFrame
        ``messages`` holds a ``text`` column (``raw``, else ``cooked`` without
        its HTML) that :func:`read_discourse` turns into sentiment columns.

    Examples
    --------
    >>> columns = {"id": ["5", "6"], "topic_id": ["9", "9"], "post_number": ["1", "2"],
    ...     "username": ["ann", "Bob"], "created_at": ["2024-01-01T10:00:00Z"] * 2,
    ...     "mentions": [[], ["ANN"]], "_line": [2, 3]}
    >>> messages, links, users = parse_discourse([("t.json", columns)])
    >>> messages["parent_id"].fillna("-").tolist(), messages["kind"].tolist()
    (['-', '5'], ['post', 'reply'])
    >>> links[["kind", "source", "target"]].to_dict("records")
    [{'kind': 'mention', 'source': 'Bob', 'target': 'ann'}]
    """
    on_error = check_on_error(on_error)
    stats = ReadStats() if stats is None else stats
    parts, counts = [], []
    for number, (source, columns) in enumerate(posts):
        frame = _frame(columns, _FIELDS)
        part, dropped = _screen_posts(source, frame, on_error, stats)
        parts.append(part.assign(_part=number))
        counts.append((source, len(frame), dropped))
    rows, duplicates = _merge_copies(pd.concat(parts, ignore_index=True)) if parts else (None, {})
    kept = rows["_part"].value_counts().to_dict() if rows is not None else {}
    for number, (source, read, dropped) in enumerate(counts):
        if duplicates.get(number):
            dropped = {**dropped, "duplicate": duplicates[number]}
        stats.record(source, "messages", read=read, kept=kept.get(number, 0), dropped=dropped)
    if rows is None or rows.empty:
        return empty_messages(), empty_links(), None
    # in time order, so that nothing depends on the order of the files: one spelling per
    # username (that of the earliest post), matched case-insensitively; the profile is
    # that of the latest post (see _users)
    rows = rows.sort_values(["created_at", "message_id"], kind="stable").reset_index(drop=True)
    lower = rows["author"].str.lower()
    spelling = pd.Series(rows["author"].to_numpy(), index=lower.to_numpy())
    spelling = spelling[~spelling.index.duplicated()]
    rows["author"] = pd.array(spelling.reindex(lower.to_numpy()).to_numpy(), dtype=STRING)

    key = rows["topic_id"] + "#" + rows["post_number"]
    number = pd.to_numeric(rows["post_number"]).astype("int64")
    reply_to = normalize_ids(rows["reply_to_post_number"])
    target = reply_to.where(reply_to.notna(), "1").where(number != 1)
    parent_key = rows["topic_id"] + "#" + target
    post_of = pd.Series(rows["message_id"].to_numpy(), index=key.to_numpy())
    post_of = post_of[~post_of.index.duplicated()]
    parent = pd.Series(post_of.reindex(parent_key.to_numpy()).to_numpy(), dtype=STRING)
    parent = parent.fillna(parent_key.astype(STRING)).where(parent_key.notna().to_numpy())
    like_count = pd.to_numeric(rows["like_count"], errors="coerce").astype("float64")

    like_links = empty_links()
    if likes:
        like_links, counts = _parse_likes(likes, rows, spelling, on_error, stats)
        like_count = like_count.fillna(
            pd.Series(
                counts.reindex(rows["message_id"].to_numpy()).fillna(0).to_numpy(), dtype="float64"
            )
        )
    messages = pd.DataFrame(
        {
            "message_id": rows["message_id"].to_numpy(),
            "author_id": rows["author"].to_numpy(),
            "thread_id": rows["topic_id"].to_numpy(),
            "parent_id": parent.to_numpy(),
            "created_at": rows["created_at"].array,
            "kind": np.where(number.to_numpy() == 1, "post", "reply"),
            "platform": PLATFORM,
            "topic": rows["category"].astype(STRING).to_numpy(),
            "score": like_count.to_numpy(),
            "text_length": pd.to_numeric(rows["text_length"]).fillna(0).astype("int64").to_numpy(),
            "text": rows["text"].to_numpy(object),
        }
    )
    for name in ("message_id", "author_id", "thread_id", "parent_id", "topic", "text"):
        messages[name] = messages[name].astype(STRING)
    mentions = _mentions(rows, spelling, stats)
    links = pd.concat(
        [part for part in (mentions, like_links) if len(part)] or [empty_links()],
        ignore_index=True,
    )
    users = _users(rows)
    return messages, links, users


def _screen_posts(
    source: str, frame: pd.DataFrame, on_error: OnError, stats: ReadStats
) -> tuple[pd.DataFrame, dict[str, int]]:
    """The posts of one file that pass the checks, and the count dropped per reason."""
    message_id = normalize_ids(frame["id"])
    username = normalize_ids(frame["username"])
    user_id = normalize_ids(frame["user_id"])
    author = username.fillna(user_id)
    created = parse_timestamps(
        frame["created_at"], path=source, column="created_at", on_error="skip"
    )
    number = pd.to_numeric(frame["post_number"], errors="coerce")
    post_type = pd.to_numeric(frame["post_type"], errors="coerce")
    numeric_user = pd.to_numeric(user_id, errors="coerce")
    bot = username.str.lower().isin(BOT_USERNAMES).fillna(False).to_numpy(bool) | (
        numeric_user < 0
    ).fillna(False).to_numpy(bool)
    checks = [
        ("malformed", blank(message_id), lambda _p: "id must be present (got missing)"),
        (
            "malformed",
            blank(frame["topic_id"]),
            lambda _p: "topic_id must be present (got missing)",
        ),
        (
            "malformed",
            (number.isna() | (number < 1) | (number != np.floor(number))).to_numpy(bool),
            lambda p: (
                f"post_number must be a whole number >= 1 (got {got(frame['post_number'], p)})"
            ),
        ),
        (
            "malformed",
            created.isna().to_numpy(bool),
            lambda p: f"created_at must be an ISO 8601 time (got {got(frame['created_at'], p)})",
        ),
        ("system_message", post_type.isin(SYSTEM_POST_TYPES).to_numpy(bool), lambda _p: ""),
        ("bot", bot, lambda _p: ""),
        (
            "malformed",
            blank(author),
            lambda _p: "username (or user_id) must be present (got missing)",
        ),
    ]
    keep, dropped, first = screen(frame, checks, on_error=on_error, sources=source)
    if first is not None:
        stats.note(f"{source}: skipped {dropped['malformed']} bad record(s); first: {first}")
    rows = frame.loc[keep].reset_index(drop=True)
    rows["message_id"] = message_id[keep].reset_index(drop=True)
    rows["author"] = author[keep].reset_index(drop=True)
    rows["numeric_user_id"] = user_id[keep].reset_index(drop=True)
    rows["topic_id"] = normalize_ids(rows["topic_id"])
    rows["post_number"] = number[keep].astype("int64").astype(str).reset_index(drop=True)
    rows["created_at"] = created[keep].reset_index(drop=True)
    rows["_source"] = source
    return rows, dropped


#: The fields that come from one copy together: the text and what was read from it.
_TEXT_FIELDS = ("text", "text_length", "mentions", "mentions_linked")


def _merge_copies(rows: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    """Merge the copies of a post seen more than once into one row, whatever their order.

    The rule is in the module docstring (``duplicates``). Returns the rows
    with one per ``message_id`` (the best-ranked copy, completed from the
    others) and the number of other copies per ``_part`` (the file they came from).

    Examples
    --------
    >>> rows = pd.DataFrame({"message_id": ["5", "5", "6"], "_part": [0, 1, 0],
    ...     "updated_at": [None, "2024-01-02T00:00:00Z", None], "like_count": [4.0, 1.0, 0.0],
    ...     "user_title": ["Founder", None, None], "text": ["old", "new", "x"],
    ...     "text_length": [3, 3, 1], "mentions": [[], [], []], "mentions_linked": [[], [], []],
    ...     "_line": [2, 3, 4]})
    >>> merged, duplicates = _merge_copies(rows)
    >>> merged = merged[["message_id", "_part", "like_count", "user_title", "text"]]
    >>> merged.fillna("-").values.tolist()
    [['6', 0, 0.0, '-', 'x'], ['5', 1, 4.0, 'Founder', 'new']]
    >>> duplicates
    {0: 1}
    """
    repeated = rows["message_id"].duplicated(keep=False).to_numpy(bool)
    if not repeated.any():
        return rows, {}
    copies = rows.loc[repeated]
    updated = parse_timestamps(
        copies["updated_at"], path="", column="updated_at", on_error="skip"
    ).reset_index(drop=True)
    likes = pd.to_numeric(copies["like_count"], errors="coerce").reset_index(drop=True)
    fields = [name for name in _FIELDS if name in copies.columns]
    present = copies[fields].notna().sum(axis=1).reset_index(drop=True)
    # a fixed order for copies that tie on everything else: their content, not their file
    content = pd.Series(
        ["\x1f".join(map(repr, values)) for values in copies[fields].itertuples(index=False)]
    )
    ranking = pd.DataFrame(
        {
            "message_id": copies["message_id"].to_numpy(),
            "no_update": updated.isna().to_numpy(),
            "updated": updated.fillna(pd.Timestamp(0, tz="UTC")).to_numpy(),
            "likes": likes.fillna(-1.0).to_numpy(),
            "present": present.to_numpy(),
            "content": content.to_numpy(),
            "position": np.flatnonzero(repeated),
        }
    )
    ranking = ranking.sort_values(
        ["message_id", "no_update", "updated", "likes", "present", "content"],
        ascending=[True, True, False, False, False, True],
        kind="stable",
    )
    ordered = rows.iloc[ranking["position"].to_numpy()].reset_index(drop=True)
    groups = ordered.groupby("message_id", sort=False)
    best = ordered.loc[~ordered["message_id"].duplicated().to_numpy(bool)].copy()
    other = [name for name in ordered.columns if name not in (*_TEXT_FIELDS, "like_count")]
    first = groups[other].first()  # the first value present, in rank order
    for name in other:
        best[name] = first[name].reindex(best["message_id"].to_numpy()).array
    best["like_count"] = (
        pd.to_numeric(ordered["like_count"], errors="coerce")
        .groupby(ordered["message_id"].to_numpy(), sort=False)
        .max()
        .reindex(best["message_id"].to_numpy())
        .to_numpy()
    )
    texted = ordered.loc[ordered["text"].notna().to_numpy(bool)]
    texted = texted.loc[~texted["message_id"].duplicated().to_numpy(bool)]
    with_text = best["message_id"].isin(texted["message_id"]).to_numpy(bool)
    source = texted.set_index("message_id")[list(_TEXT_FIELDS)]
    for name in _TEXT_FIELDS:
        values = best[name].to_numpy(object).copy()
        values[with_text] = source[name].reindex(best["message_id"][with_text]).to_numpy(object)
        best[name] = values
    others = ordered.loc[ordered["message_id"].duplicated().to_numpy(bool), "_part"]
    merged = pd.concat([rows.loc[~repeated], best], ignore_index=True)
    return merged, {int(k): int(v) for k, v in others.value_counts(sort=False).items()}


def _mentions(rows: pd.DataFrame, spelling: pd.Series, stats: ReadStats) -> pd.DataFrame:
    parts = []
    for column, linked in (("mentions", False), ("mentions_linked", True)):
        names = rows[column].map(lambda v: v if isinstance(v, list) else []).explode().dropna()
        if names.empty:
            continue
        names = names.astype(str).str.rstrip(".-").str.lower()
        known = pd.Series(spelling.reindex(names.to_numpy()).to_numpy(), index=names.index)
        target = known if not linked else known.fillna(pd.Series(names, index=names.index))
        parts.append(
            pd.DataFrame(
                {
                    "row": names.index.to_numpy(),
                    "target": target.to_numpy(dtype=object),
                    "source": rows["_source"].to_numpy()[names.index.to_numpy()],
                }
            )
        )
    if not parts:
        return empty_links()
    pairs = pd.concat(parts, ignore_index=True)
    resolved = pairs["target"].notna().to_numpy(bool)
    unique = ~pairs.duplicated(["row", "target"]).to_numpy(bool)
    for source, group in pairs.groupby("source", sort=True):
        index = group.index.to_numpy()
        stats.record(
            str(source),
            "mentions",
            read=len(group),
            kept=int((resolved & unique)[index].sum()),
            dropped={
                "mention_unknown_user": int((~resolved)[index].sum()),
                "repeated": int((resolved & ~unique)[index].sum()),
            },
        )
    pairs = pairs.loc[resolved & unique]
    row = pairs["row"].to_numpy(int)
    return pd.DataFrame(
        {
            "kind": "mention",
            "source": rows["author"].to_numpy()[row],
            "source_message_id": None,
            "target": pairs["target"].to_numpy(),
            "target_message_id": None,
            "created_at": rows["created_at"].array[row],
            "message_id": rows["message_id"].to_numpy()[row],
            "weight": 1.0,
        }
    )


def _parse_likes(
    likes: Sequence[tuple[str, dict[str, list]]],
    rows: pd.DataFrame,
    spelling: pd.Series,
    on_error: OnError,
    stats: ReadStats,
) -> tuple[pd.DataFrame, pd.Series]:
    posts = pd.Index(rows["message_id"].to_numpy())
    parts = []
    for source, columns in likes:
        frame = _frame(columns, _LIKE_FIELDS)
        post = normalize_ids(frame["post_id"])
        username = normalize_ids(frame["username"])
        liker = username.fillna(normalize_ids(frame["user_id"]))
        when = parse_timestamps(
            frame["created_at"], path=source, column="created_at", on_error="skip"
        )
        action = pd.to_numeric(frame["post_action_type_id"], errors="coerce")
        numeric = pd.to_numeric(normalize_ids(frame["user_id"]), errors="coerce")
        bot = username.str.lower().isin(BOT_USERNAMES).fillna(False).to_numpy(bool) | (
            numeric < 0
        ).fillna(False).to_numpy(bool)
        checks = [
            ("malformed", blank(post), lambda _p: "post_id must be present (got missing)"),
            (
                "malformed",
                blank(liker),
                lambda _p: "username (or user_id) must be present (got missing)",
            ),
            (
                "malformed",
                (frame["created_at"].notna() & when.isna()).to_numpy(bool),
                lambda p, f=frame: (
                    f"created_at must be an ISO 8601 time (got {got(f['created_at'], p)})"
                ),
            ),
            ("not_like", (action.notna() & (action != LIKE)).to_numpy(bool), lambda _p: ""),
            ("bot", bot, lambda _p: ""),
            ("like_of_unknown_post", ~post.isin(posts).to_numpy(bool), lambda _p: ""),
        ]
        keep, dropped, first = screen(frame, checks, on_error=on_error, sources=source)
        if first is not None:
            stats.note(f"{source}: skipped {dropped['malformed']} bad record(s); first: {first}")
        stats.record(source, "likes", read=len(frame), kept=int(keep.sum()), dropped=dropped)
        lower = liker[keep].str.lower()
        known = pd.Series(spelling.reindex(lower.to_numpy()).to_numpy(), dtype=STRING)
        parts.append(
            pd.DataFrame(
                {
                    "post": post[keep].to_numpy(),
                    "liker": known.fillna(
                        pd.Series(liker[keep].to_numpy(), dtype=STRING)
                    ).to_numpy(),
                    "when": when[keep].array,
                }
            )
        )
    found = pd.concat(parts, ignore_index=True)
    counts = found["post"].value_counts().astype("float64")
    position = posts.get_indexer(found["post"])
    fallback = rows["created_at"].array[position]
    when = pd.Series(found["when"].array).fillna(pd.Series(fallback))
    links = pd.DataFrame(
        {
            "kind": "kudos",
            "source": found["liker"].to_numpy(),
            "source_message_id": None,
            "target": None,
            "target_message_id": found["post"].to_numpy(),
            "created_at": when.array,
            "message_id": found["post"].to_numpy(),
            "weight": 1.0,
        }
    )
    return links, counts


def _users(rows: pd.DataFrame) -> pd.DataFrame:
    # rows are in time order: each profile field from the latest post that carries it
    fields = ["name", "numeric_user_id", "user_title"]
    present = rows[["author", *fields]].copy()
    for field in fields:
        text = present[field].astype(STRING).str.strip()
        present[field] = text.mask(text == "")
    latest = present.groupby("author", sort=False, dropna=True).last().reset_index()
    name = latest["name"].astype(STRING).str.strip()
    name = name.mask(name == "")
    numeric = latest["numeric_user_id"].astype(STRING)
    return pd.DataFrame(
        {
            "user_id": latest["author"].astype(STRING).to_numpy(),
            "display_name": name.fillna(latest["author"].astype(STRING)).to_numpy(),
            "created_at": pd.Series(pd.NaT, index=latest.index, dtype=UTC).array,
            "title": latest["user_title"].astype(STRING).to_numpy(),
            "discourse_user_id": numeric.where(
                numeric != latest["author"].astype(STRING)
            ).to_numpy(),
        }
    ).reset_index(drop=True)
