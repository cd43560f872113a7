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

Every file is streamed with :class:`JsonStream` (records are reduced to the
fields above as they are read), so memory grows with the output tables, not
with the export. :class:`JsonStream` and :func:`screen` are also used by the
Slack and Discourse readers.
"""

from __future__ import annotations

import codecs
import json
import re
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from influence.community import Community, ReadStats
from influence.errors import InfluenceDataWarning, SourceError
from influence.schema import STRING, UTC, empty_messages
from influence.sources._common import (
    LINK_COLUMNS,
    OnError,
    assemble,
    check_on_error,
    normalize_ids,
    open_binary,
    parse_timestamps,
)
from influence.sources.table import _thread_roots

__all__ = [
    "JsonStream",
    "parse_discord",
    "read_discord",
    "scan_discord",
    "screen",
    "sniff",
]

PLATFORM = "discord"
CHUNK_CHARS = 1 << 20
LINE = "_line"
#: Message types that are conversation; every other type is a system message.
CONVERSATION_TYPES = ("Default", "Reply")
_JSON_SUFFIXES = (".json", ".json.gz", ".json.bz2", ".json.xz", ".json.zst")
_WHITESPACE = re.compile(r"[ \t\n\r]*")
#: Longest tail of a buffer where a decode error may just mean "read more".
_TAIL = 8


# --------------------------------------------------------------------------- JSON streaming


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
    >>> import io
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

    def __init__(self, stream: IO[bytes], source: str, *, chunk_chars: int = CHUNK_CHARS):
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
        except (OSError, EOFError, ValueError) as err:
            raise SourceError(
                f"file must be readable (got {type(err).__name__}: {err})",
                path=self.source,
                line=self._raw_lines + 1,
            ) from err
        try:
            text = self._decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as err:
            line = self._raw_lines + chunk[: max(err.start, 0)].count(b"\n") + 1
            byte = err.object[err.start : err.start + 1].hex() if err.object else "?"
            raise SourceError(
                f"text must be UTF-8 (got byte 0x{byte}: {err.reason}); "
                "convert the file, e.g. iconv -f latin1 -t utf-8",
                path=self.source,
                line=line,
            ) from err
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
            found = self._peek()
            if found == ",":
                self._advance(self._position + 1)
            elif found == "]":
                self._advance(self._position + 1)
                return
            elif found == "":
                raise self._truncated()
            else:
                raise self._fail(
                    f"JSON must be well-formed (got {found!r} where ',' or ']' was expected)"
                )

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
            found = self._peek()
            if found == ",":
                self._advance(self._position + 1)
            elif found == "}":
                self._advance(self._position + 1)
                return
            elif found == "":
                raise self._truncated()
            else:
                raise self._fail(
                    f"JSON must be well-formed (got {found!r} where ',' or '}}' was expected)"
                )

    def peek(self) -> str:
        """The first character of the next value (``"{"``, ``"["``, ...), ``""`` at the end."""
        return self._peek()

    def finish(self) -> None:
        """Check that nothing but white space follows the document."""
        if self._peek() != "":
            raise self._fail("JSON must hold one document (got more data after it)")


def head(path: Path, size: int = 1 << 16) -> bytes:
    """The first bytes of the decompressed file (``b""`` when unreadable); never raises."""
    try:
        with open_binary(path) as handle:
            return handle.read(size).removeprefix(b"\xef\xbb\xbf")
    except Exception:  # a file we cannot read is simply not ours
        return b""


# --------------------------------------------------------------------------- screening


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
        (``malformed`` for records that break the format).
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
        ``malformed`` check;
        other reasons (``system_message``, ``bot``, ...) are always counted, not raised.

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
        if reason == "malformed":
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
        first = (position, f"{source}:{line}: {describe(position)}")
    return ~failed, dropped, None if first is None else first[1]


def warn_skipped(stats: ReadStats, reasons: Sequence[str] = ("malformed",)) -> None:
    """Warn once when ``stats`` holds records dropped for one of ``reasons``."""
    parts = []
    for entry in stats.to_dict()["entries"]:
        for reason in reasons:
            if entry["dropped"].get(reason):
                parts.append(f"{entry['source']}: {entry['dropped'][reason]} {reason}")
    if parts:
        warnings.warn(
            "bad records were skipped (" + "; ".join(parts) + "); the first of each file is "
            "described in read_stats.notes",
            InfluenceDataWarning,
            stacklevel=3,
        )


def got(values: pd.Series, position: int) -> str:
    """``'missing'`` or the repr of the value at ``position``, for error messages."""
    value = values.iloc[position]
    return "missing" if value is None or value is pd.NA or value != value else repr(value)


def blank(values: pd.Series) -> np.ndarray:
    """True where a value is missing or blank."""
    return (values.isna() | (values.astype(STRING).str.strip() == "")).to_numpy(bool)


def empty_links() -> pd.DataFrame:
    """A links table with no rows."""
    return pd.DataFrame({name: pd.Series([], dtype=object) for name in LINK_COLUMNS})


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
        ``reaction_count``) plus ``_line``, the line where each message starts.

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
    columns[LINE].append(line)


def read_discord(path: str | Path, *, on_error: OnError = "raise") -> Community:
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

    Returns
    -------
    Community
        ``platform="discord"``, named after the file or folder.

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
    warn_skipped(stats)
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
    threads, _looping = _thread_roots(
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
        frame["row"] = exploded.index.to_numpy()
        frame["user_id"] = normalize_ids(frame["user_id"])
        total = len(frame)
        frame = frame.loc[frame["user_id"].notna()]
        missing = total - len(frame)
        is_bot = frame["is_bot"].fillna(False).astype(bool)
        bots = int(is_bot.sum())
        frame = frame.loc[~is_bot.to_numpy()]
        unique = frame.drop_duplicates(["row", "user_id"])
        if total:
            stats.record(
                source,
                table,
                read=total,
                kept=len(unique),
                dropped={"bot": bots, "no_user_id": missing, "repeated": len(frame) - len(unique)},
            )
        people.append(unique[["user_id", "name", "nickname"]])
        row = unique["row"].to_numpy(int)
        message = messages["message_id"].to_numpy()[row]
        author = messages["author_id"].to_numpy()[row]
        actor = unique["user_id"].to_numpy()
        parts.append(
            pd.DataFrame(
                {
                    "kind": kind,
                    "source": author if kind == "mention" else actor,
                    "source_message_id": None,
                    "target": actor if kind == "mention" else author,
                    "target_message_id": None,
                    "created_at": messages["created_at"].array[row],
                    "message_id": message,
                    "weight": 1.0,
                }
            )
        )
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
