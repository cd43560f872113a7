"""Read DiscordChatExporter JSON exports (format ``"discord"``).

`DiscordChatExporter <https://github.com/Tyrrrz/DiscordChatExporter>`_ writes
one JSON file per channel (or thread)::

    {"guild": {"id", "name"},
     "channel": {"id", "type", "category", "name", ...},
     "messages": [{"id", "type", "timestamp", "content",
                   "author": {"id", "name", "nickname", "isBot"},
                   "reference": {"messageId", "channelId"},
                   "mentions": [{"id", "name", "nickname", "isBot"}],
                   "reactions": [{"emoji", "count", "users": [{"id", ...}]}]}, ...]}

What becomes what
-----------------
``messages``
    every message of type ``Default`` or ``Reply`` by a person. ``message_id``
    is the Discord snowflake, ``parent_id`` is ``reference.messageId``,
    ``thread_id`` the root of the reply chain (the message itself when it
    replies to nothing; the referenced id when that message is not in the
    export), ``kind`` ``reply`` (with a parent) or ``post``, ``topic`` the
    channel name, extra column ``category`` (the channel's category, or the
    parent channel of a thread), ``score`` the total reaction count,
    ``text_length`` the length of ``content``. Other message types
    (``GuildMemberJoin``, ``ChannelPinnedMessage``, ``ThreadCreated``, ...) are
    dropped as ``system_message``, messages by bots (``author.isBot``) as
    ``bot``; a message id seen again (overlapping exports) as ``duplicate``.
``links``
    a ``mention`` per distinct person in ``mentions``, a ``kudos`` per
    distinct person listed in the ``users`` of the message's reactions
    (reacting three times is one kudos). Bots are dropped (counted as ``bot``
    under the tables ``mentions`` and ``reactions``). When an export does not
    list the reacting users, reactions are only counted in ``score``.
``users``
    every author, mentioned or reacting person: ``user_id`` (the snowflake),
    ``display_name`` (the server nickname, else the user name) and
    ``username``; the last occurrence in the files wins.

Every file is streamed with :class:`~influence.sources._common.JsonStream`
(records are reduced to the fields above as they are read), so memory grows
with the output tables, not with the export.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
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
    thread_roots,
    user_links,
)

__all__ = ["parse_discord", "read_discord", "scan_discord", "sniff"]

PLATFORM = "discord"
#: Message types that are conversation; every other type is a system message.
CONVERSATION_TYPES = ("Default", "Reply")
_JSON_SUFFIXES = (".json", ".json.gz", ".json.bz2", ".json.xz", ".json.zst")


def json_files(folder: Path) -> list[Path]:
    """The ``.json`` files (possibly compressed) of ``folder``, sorted by name."""
    return sorted(
        p for p in folder.iterdir() if p.is_file() and p.name.lower().endswith(_JSON_SUFFIXES)
    )


# --------------------------------------------------------------------------- files

_FIELDS = (
    "id",
    "type",
    "timestamp",
    "text_length",
    "author_id",
    "author_name",
    "author_nickname",
    "author_is_bot",
    "reference",
    "mentions",
    "reactions",
    "reaction_count",
    "text",
)


def sniff(path: Path) -> bool:
    """Tell whether ``path`` is a DiscordChatExporter JSON file, or a folder of them.

    A file qualifies when it is ``.json`` (possibly compressed) and its first
    64 KiB are a JSON object with the keys ``"guild"``, ``"channel"`` and
    ``"messages"`` (DiscordChatExporter writes them in that order); a folder
    when one of its ``.json`` files does. Never raises.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "chat.json").write_text('{"guild": {}, "channel": {}, "messages": []}')
    >>> sniff(folder / "chat.json"), sniff(folder)
    (True, True)
    """
    path = Path(path)
    try:
        if path.is_dir():
            return any(_is_export(child) for child in json_files(path))
        return path.is_file() and path.name.lower().endswith(_JSON_SUFFIXES) and _is_export(path)
    except OSError:
        return False


def _is_export(path: Path) -> bool:
    start = head(path).lstrip()
    return start[:1] == b"{" and all(
        re.search(rb'"%s"\s*:' % key, start) for key in (b"guild", b"channel", b"messages")
    )


def scan_discord(stream: IO[bytes], *, source: str) -> tuple[dict, dict[str, list]]:
    """Stream one DiscordChatExporter file into channel information and column lists.

    Parameters
    ----------
    stream : binary file
        The JSON export.
    source : str
        File name used in errors.

    Returns
    -------
    channel : dict
        ``guild`` and ``channel`` objects as in the file (empty when absent).
    columns : dict of str to list
        One list per field (``id``, ``type``, ``timestamp``, ``text_length``,
        ``author_id``, ``author_name``, ``author_nickname``, ``author_is_bot``,
        ``reference``, ``mentions`` (list of ``(id, name, nickname, isBot)``),
        ``reactions`` (list of the same for the listed users),
        ``reaction_count``, ``text``: ``content`` or None) plus ``_line``, the
        line where each message starts.

    Raises
    ------
    SourceError
        When the file is not UTF-8, not well-formed or truncated (with the
        line), or when it is not an export (no ``messages`` array).

    Examples
    --------
    >>> import io
    >>> text = b'{"channel": {"name": "chat"}, "messages": [\\n{"id": "1", "content": "hi",'
    >>> text += b' "author": {"id": "7", "name": "ann"}}]}'
    >>> info, columns = scan_discord(io.BytesIO(text), source="chat.json")
    >>> info["channel"], columns["id"], columns["text_length"], columns["_line"]
    ({'name': 'chat'}, ['1'], [2], [2])
    """
    columns: dict[str, list] = {name: [] for name in (*_FIELDS, LINE)}
    info: dict = {"guild": {}, "channel": {}}
    document = JsonStream(stream, source)
    if document.peek() != "{":
        raise SourceError(
            "a DiscordChatExporter file must be a JSON object with guild, channel and "
            f"messages (got {document.peek() or 'an empty file'!r} first)",
            path=source,
            line=document.line,
        )
    seen_messages = False
    for key in document.iter_object():
        if key != "messages":
            value = document.value()
            if key in ("guild", "channel") and isinstance(value, dict):
                info[key] = value
            continue
        seen_messages = True
        for line, record in document.iter_array():
            _add_message(columns, record, line)
    document.finish()
    if not seen_messages:
        raise SourceError(
            "a DiscordChatExporter file must have a messages array (got none); "
            "is this a Discord export? force another format with --format NAME",
            path=source,
        )
    return info, columns


def _person(value: Any) -> tuple:
    if not isinstance(value, dict):
        return (None, None, None, False)
    return (
        _text(value.get("id")),
        _text(value.get("name")),
        _text(value.get("nickname")),
        bool(value.get("isBot", False)),
    )


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    return str(value)


def _add_message(columns: dict[str, list], record: Any, line: int) -> None:
    """Reduce one message to the kept fields (a per-record loop in the parser)."""
    if not isinstance(record, dict):
        record = {}
    author = _person(record.get("author"))
    reference = record.get("reference")
    mentions = record.get("mentions")
    reactions = record.get("reactions")
    reacting: list[tuple] = []
    count = 0.0
    for reaction in reactions if isinstance(reactions, list) else ():
        if not isinstance(reaction, dict):
            continue
        users = reaction.get("users")
        listed = [_person(user) for user in users] if isinstance(users, list) else []
        reacting.extend(listed)
        number = reaction.get("count")
        count += float(number) if isinstance(number, (int, float)) else len(listed)
    content = record.get("content")
    columns["id"].append(_text(record.get("id")))
    columns["type"].append(_text(record.get("type")) or "Default")
    columns["timestamp"].append(_text(record.get("timestamp")))
    columns["text_length"].append(len(content) if isinstance(content, str) else 0)
    columns["author_id"].append(author[0])
    columns["author_name"].append(author[1])
    columns["author_nickname"].append(author[2])
    columns["author_is_bot"].append(author[3])
    columns["reference"].append(
        _text(reference.get("messageId")) if isinstance(reference, dict) else None
    )
    columns["mentions"].append([_person(m) for m in mentions] if isinstance(mentions, list) else [])
    columns["reactions"].append(reacting)
    columns["reaction_count"].append(count if isinstance(reactions, list) else np.nan)
    columns["text"].append(content if isinstance(content, str) and content else None)
    columns[LINE].append(line)


def read_discord(
    path: str | Path,
    *,
    on_error: OnError = "raise",
    brand: Iterable[str] | None = None,
    sentiment: bool = True,
) -> Community:
    """Read DiscordChatExporter JSON (a file or a folder of them) into a Community.

    Parameters
    ----------
    path : str or Path
        One export file (``.json``, possibly ``.gz``/``.bz2``/``.xz``/``.zst``)
        or a folder of them (one per channel; other files are ignored and noted).
    on_error : {"raise", "skip"}
        ``"raise"`` stops at the first bad message (missing ``id``,
        ``author.id``, unreadable ``timestamp``); ``"skip"`` drops and counts it
        as ``malformed`` and warns once.
    brand : iterable of str, optional
        Brand or topic keywords for the ``brand_mention`` column.
    sentiment : bool, default True
        ``False`` skips the scoring of the texts (no ``sentiment``, ``language``
        or ``brand_mention`` column, a read note says why): faster on huge dumps.

    Returns
    -------
    Community
        ``platform="discord"``, named after the file or folder; messages carry
        ``sentiment``, ``language`` and ``brand_mention`` of ``content``
        (:func:`~influence.sources._common.score_texts`), not the text itself.

    Raises
    ------
    SourceError
        ``<file>:<line>: <what>`` for a bad message or broken JSON.

    Examples
    --------
    >>> community = read_discord("tests/data/discord/general.json")
    >>> community.messages["kind"].astype(str).tolist()
    ['post', 'reply', 'reply', 'post', 'reply']
    """
    on_error = check_on_error(on_error)
    path = Path(path)
    if path.is_dir():
        files = [p for p in json_files(path) if _is_export(p)]
        stats = ReadStats()
        for other in sorted(set(json_files(path)) - set(files)):
            stats.note(f"{other.name}: not a DiscordChatExporter file; not used")
        if not files:
            raise SourceError(
                "a folder of Discord exports must hold DiscordChatExporter .json files (got none)",
                path=str(path),
            )
    else:
        files, stats = [path], ReadStats()
    scanned = []
    for file in files:
        with open_binary(file) as stream:
            scanned.append((file.name, *scan_discord(stream, source=file.name)))
    messages, links, users = parse_discord(scanned, on_error=on_error, stats=stats)
    del scanned  # the texts live on in messages["text"] only until scored
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


def parse_discord(
    exports: Sequence[tuple[str, dict, dict[str, list]]],
    *,
    on_error: OnError = "raise",
    stats: ReadStats | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Turn scanned Discord exports into messages, links and users (pure).

    Parameters
    ----------
    exports : sequence of (source, info, columns)
        As returned by :func:`scan_discord`, with the file name.
    on_error : {"raise", "skip"}
    stats : ReadStats, optional
        Receives, per file, ``messages`` (dropped: ``malformed``,
        ``system_message``, ``bot``, ``duplicate``), ``mentions`` and
        ``reactions`` (dropped: ``bot``).

    Returns
    -------
    messages, links, users : DataFrame
        ``messages`` holds a ``text`` column (``content``) that
        :func:`read_discord` turns into sentiment columns.

    Examples
    --------
    >>> columns = {"id": ["1", "2"], "type": ["Default", "GuildMemberJoin"],
    ...     "timestamp": ["2024-01-01T10:00:00+01:00"] * 2, "author_id": ["7", "8"],
    ...     "author_name": ["ann", "bob"], "_line": [3, 9]}
    >>> stats = ReadStats()
    >>> messages, links, users = parse_discord([("c.json", {}, columns)], stats=stats)
    >>> messages[["message_id", "created_at"]].to_dict("records")
    [{'message_id': '1', 'created_at': Timestamp('2024-01-01 09:00:00+0000', tz='UTC')}]
    >>> stats.dropped()
    {'system_message': 1}
    """
    on_error = check_on_error(on_error)
    stats = ReadStats() if stats is None else stats
    message_parts, link_parts, user_parts = [], [], []
    seen = pd.Index([], dtype=STRING)
    for source, info, columns in exports:
        messages, links, users = _parse_file(source, info, columns, on_error, stats, seen)
        seen = seen.append(pd.Index(messages["message_id"].array))
        message_parts.append(messages)
        link_parts.append(links)
        user_parts.append(users)
    messages = pd.concat(message_parts, ignore_index=True) if message_parts else None
    if messages is None or messages.empty:
        messages = empty_messages()
    threads, _looping = thread_roots(
        messages["message_id"], messages["parent_id"], messages["created_at"]
    )
    messages["thread_id"] = pd.array(threads, dtype=STRING)
    links = pd.concat(link_parts, ignore_index=True) if link_parts else empty_links()
    users = pd.concat(user_parts, ignore_index=True) if user_parts else None
    if users is not None and len(users):
        users = users.drop_duplicates("user_id", keep="last").reset_index(drop=True)
    return messages, links, users


def _parse_file(
    source: str,
    info: dict,
    columns: dict[str, list],
    on_error: OnError,
    stats: ReadStats,
    seen: pd.Index,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    frame = pd.DataFrame(
        {name: pd.Series(values, dtype=object) for name, values in columns.items()}
    )
    for name in (*_FIELDS, LINE):
        if name not in frame.columns:
            frame[name] = pd.Series([None] * len(frame), dtype=object)
    message_id = normalize_ids(frame["id"])
    author_id = normalize_ids(frame["author_id"])
    created = parse_timestamps(frame["timestamp"], path=source, column="timestamp", on_error="skip")
    kind = frame["type"].fillna("Default").astype(str)
    system = ~kind.isin(CONVERSATION_TYPES).to_numpy(bool)
    bot = frame["author_is_bot"].fillna(False).astype(bool).to_numpy()
    repeated = message_id.duplicated().to_numpy(bool) | message_id.isin(seen).to_numpy(bool)
    checks = [
        ("malformed", blank(message_id), lambda _p: "id must be present (got missing)"),
        (
            "malformed",
            created.isna().to_numpy(bool),
            lambda p: f"timestamp must be an ISO 8601 time (got {got(frame['timestamp'], p)})",
        ),
        ("system_message", system, lambda _p: ""),
        ("bot", bot, lambda _p: ""),
        ("malformed", blank(author_id), lambda _p: "author.id must be present (got missing)"),
        ("duplicate", repeated, lambda _p: ""),
    ]
    keep, dropped, first = screen(frame, checks, on_error=on_error, sources=source)
    if first is not None:
        stats.note(f"{source}: skipped {dropped.get('malformed', 0)} bad record(s); first: {first}")
    stats.record(source, "messages", read=len(frame), kept=int(keep.sum()), dropped=dropped)
    rows = frame.loc[keep].reset_index(drop=True)
    channel = info.get("channel") or {}
    parent = normalize_ids(rows["reference"])
    messages = pd.DataFrame(
        {
            "message_id": message_id[keep].reset_index(drop=True),
            "author_id": author_id[keep].reset_index(drop=True),
            "thread_id": pd.array([pd.NA] * len(rows), dtype=STRING),
            "parent_id": parent,
            "created_at": created[keep].reset_index(drop=True),
            "kind": np.where(parent.notna().to_numpy(bool), "reply", "post"),
            "platform": PLATFORM,
            "topic": _text(channel.get("name")),
            "score": pd.to_numeric(rows["reaction_count"], errors="coerce").astype("float64"),
            "text_length": pd.to_numeric(rows["text_length"]).fillna(0).astype("int64"),
            "category": _text(channel.get("category")),
            "text": rows["text"].astype(STRING),
        }
    )
    for name in ("topic", "category"):
        messages[name] = messages[name].astype(STRING)
    links, people = _links(rows, messages, source, stats)
    authors = pd.DataFrame(
        {
            "user_id": messages["author_id"].to_numpy(),
            "name": rows["author_name"].to_numpy(),
            "nickname": rows["author_nickname"].to_numpy(),
        }
    )
    users = _users(pd.concat([people, authors], ignore_index=True))
    return messages, links, users


def _links(
    rows: pd.DataFrame, messages: pd.DataFrame, source: str, stats: ReadStats
) -> tuple[pd.DataFrame, pd.DataFrame]:
    parts = []
    people = []
    for column, kind, table in (
        ("mentions", "mention", "mentions"),
        ("reactions", "kudos", "reactions"),
    ):
        lists = rows[column].map(lambda v: v if isinstance(v, list) else [])
        exploded = lists.explode().dropna()
        frame = pd.DataFrame(
            exploded.tolist(), columns=["user_id", "name", "nickname", "is_bot"], dtype=object
        )
        frame["user_id"] = normalize_ids(frame["user_id"])
        links, kept = user_links(
            messages,
            exploded.index.to_numpy(),
            frame["user_id"],
            kind=kind,
            is_bot=frame["is_bot"].fillna(False).astype(bool).to_numpy(),
            stats=stats,
            source=source,
            table=table,
        )
        people.append(frame.iloc[kept][["user_id", "name", "nickname"]])
        parts.append(links)
    links = pd.concat([p for p in parts if len(p)] or [empty_links()], ignore_index=True)
    return links, pd.concat(people, ignore_index=True)


def _users(people: pd.DataFrame) -> pd.DataFrame:
    people = people.loc[people["user_id"].notna()]
    people = people.drop_duplicates("user_id", keep="last")
    name = people["name"].astype(STRING)
    nickname = people["nickname"].astype(STRING)
    return pd.DataFrame(
        {
            "user_id": people["user_id"].astype(STRING).to_numpy(),
            "display_name": nickname.fillna(name).to_numpy(),
            "created_at": pd.Series(pd.NaT, index=people.index, dtype=UTC).array,
            "username": name.to_numpy(),
        }
    )
