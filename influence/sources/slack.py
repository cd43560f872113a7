"""Read a Slack workspace export (format ``"slack"``).

Slack's export (Workspace settings, Import/Export data) is a ``.zip``; point
the reader at the extracted folder (or at the zip: the registry extracts
archives). The folder holds::

    users.json        [{"id", "name", "real_name", "deleted", "is_bot",
                        "profile": {"display_name", "real_name", "title"}}, ...]
    channels.json     [{"id", "name", ...}, ...]   public channels
    groups.json, mpims.json, dms.json              private ones, when exported
    general/2017-11-30.json, ...                   one folder per channel, one
                                                   file per day: an array of messages

Messages carry ``ts`` (``"1512085950.000216"``, seconds since the epoch),
``user``, ``text``, ``thread_ts``, ``parent_user_id``, ``reply_count``,
``subtype``, ``bot_id``, ``reactions`` (``[{"name", "users", "count"}]``) and
``files``.

What becomes what
-----------------
``messages``
    ``message_id`` is ``"<channel>:<ts>"`` (``ts`` is only unique within a
    channel; ``<channel>`` is the folder name), ``created_at`` the ``ts`` to
    the microsecond in UTC. A message whose ``thread_ts`` differs from its
    ``ts`` is a ``reply`` to ``"<channel>:<thread_ts>"`` and belongs to that
    thread; every other message is a ``post`` and its own thread. ``topic``
    is the channel name, ``score`` the total reaction count, ``text_length``
    the length of ``text``. Ordinary messages and the subtypes ``me_message``,
    ``thread_broadcast``, ``file_share`` and ``file_comment`` are kept;
    ``bot_message``, messages with a ``bot_id`` and no ``user``, and messages
    of bot users (``is_bot`` in ``users.json``, and Slackbot ``USLACKBOT``)
    are dropped as ``bot``; every other subtype (``channel_join``,
    ``channel_leave``, ``channel_topic``, ``channel_purpose``, ``pinned_item``,
    ``tombstone``, ...) as ``system_message``; a ``ts`` seen again in the same
    channel as ``duplicate``.
``links``
    a ``mention`` per distinct user in ``<@U123>`` or ``<@U123|name>`` of the
    text, a ``kudos`` per distinct user in the ``users`` of the reactions
    (reaction time is not exported: kudos are dated by the message). Mentions
    of and reactions by bots are dropped and counted (``bot``).
``users``
    ``users.json`` without the bots (dropped as ``bot``): ``user_id`` (the
    Slack id), ``display_name`` (``profile.display_name``, else
    ``profile.real_name``, ``real_name``, ``name``), ``title`` (the profile
    title, used for self-proclamation), ``name`` and ``deleted`` (deactivated
    accounts are people and are kept).

Each daily file is streamed record by record and gets its own ``read_stats``
entry (source ``"<channel>/<day>.json"``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from influence.community import Community, ReadStats
from influence.errors import SourceError
from influence.schema import STRING, UTC
from influence.sources._common import (
    LINE,
    JsonStream,
    OnError,
    assemble,
    blank,
    check_on_error,
    empty_links,
    got,
    normalize_ids,
    open_binary,
    score_texts,
    screen,
    user_links,
)

__all__ = ["parse_slack_messages", "parse_slack_users", "read_slack", "scan_slack", "sniff"]

PLATFORM = "slack"
#: Subtypes that are a person's contribution; other subtypes are system messages.
KEPT_SUBTYPES = ("me_message", "thread_broadcast", "file_share", "file_comment")
BOT_SUBTYPES = ("bot_message",)
SLACKBOT = "USLACKBOT"
#: ``<@U123>`` and ``<@U123|name>``.
MENTION_PATTERN = re.compile(r"<@([A-Z0-9]+)(?:\|[^>]*)?>")
#: Slack's ``<@U1|name>``, ``<#C1>`` and ``<https://...|label>`` markup (not words).
_MARKUP = r"<[^>]*>"
_TS = r"\d{1,12}(?:\.\d{1,9})?"
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}\.json", re.IGNORECASE)
_CHANNEL_FILES = ("channels.json", "groups.json", "mpims.json", "dms.json")
_FIELDS = (
    "ts",
    "user",
    "text_length",
    "thread_ts",
    "subtype",
    "bot_id",
    "mentions",
    "reactions",
    "reaction_count",
    "text",
)


# --------------------------------------------------------------------------- files


def sniff(path: Path) -> bool:
    """Tell whether ``path`` is an extracted Slack export folder.

    True for a folder holding ``users.json`` and ``channels.json`` (or whose
    only entry is such a folder, as when a zip wraps the export in a folder).
    Never raises.

    Examples
    --------
    >>> sniff(Path("tests/data/slack")), sniff(Path("tests/data/slack/users.json"))
    (True, False)
    """
    try:
        return _root(Path(path)) is not None
    except OSError:
        return False


def _root(path: Path) -> Path | None:
    if not path.is_dir():
        return None
    if (path / "users.json").is_file() and (path / "channels.json").is_file():
        return path
    entries = [p for p in path.iterdir() if not p.name.startswith((".", "__MACOSX"))]
    if len(entries) == 1 and entries[0].is_dir():
        return _root(entries[0])
    return None


def scan_slack(stream: IO[bytes], *, source: str) -> dict[str, list]:
    """Stream one daily file (an array of messages) into one list per kept field.

    Returns
    -------
    dict of str to list
        ``ts``, ``user``, ``text_length``, ``thread_ts``, ``subtype``,
        ``bot_id``, ``mentions`` (user ids in the text), ``reactions`` (the
        reacting user ids), ``reaction_count`` (NaN without ``reactions``),
        ``text`` (None when empty) and ``_line``, the line where each message starts.

    Raises
    ------
    SourceError
        When the file is not UTF-8, not well-formed, truncated, or not an array.

    Examples
    --------
    >>> import io
    >>> day = b'[\\n {"ts": "1.5", "user": "U1", "text": "hi <@U2|bo>",\\n'
    >>> day += b'  "reactions": [{"name": "+1", "users": ["U2"], "count": 1}]}]'
    >>> columns = scan_slack(io.BytesIO(day), source="general/2024-01-01.json")
    >>> columns["mentions"], columns["reactions"], columns["text_length"], columns["_line"]
    ([['U2']], [['U2']], [11], [2])
    """
    columns: dict[str, list] = {name: [] for name in (*_FIELDS, LINE)}
    document = JsonStream(stream, source)
    for line, record in document.iter_array():
        _add_message(columns, record if isinstance(record, dict) else {}, line)
    document.finish()
    return columns


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list, bool)):
        return None
    return str(value)


def _add_message(columns: dict[str, list], record: dict, line: int) -> None:
    """Reduce one message to the kept fields (a per-record loop in the parser)."""
    text = record.get("text")
    text = text if isinstance(text, str) else ""
    reactions = record.get("reactions")
    users: list[str] = []
    count = 0.0
    for reaction in reactions if isinstance(reactions, list) else ():
        if isinstance(reaction, dict):
            listed = [str(u) for u in reaction.get("users") or () if u is not None]
            users.extend(listed)
            number = reaction.get("count")
            count += float(number) if isinstance(number, (int, float)) else len(listed)
    columns["ts"].append(_text(record.get("ts")))
    columns["user"].append(_text(record.get("user")))
    columns["text_length"].append(len(text))
    columns["thread_ts"].append(_text(record.get("thread_ts")))
    columns["subtype"].append(_text(record.get("subtype")))
    columns["bot_id"].append(_text(record.get("bot_id")))
    columns["mentions"].append(MENTION_PATTERN.findall(text))
    columns["reactions"].append(users)
    columns["reaction_count"].append(count if isinstance(reactions, list) else np.nan)
    columns["text"].append(text or None)
    columns[LINE].append(line)


def _read_array(path: Path, source: str) -> list[tuple[int, Any]]:
    """A small top-level JSON array (users.json, channels.json) with the line of each record."""
    with open_binary(path) as stream:
        document = JsonStream(stream, source)
        records = list(document.iter_array())
        document.finish()
    return records


def read_slack(
    path: str | Path,
    *,
    on_error: OnError = "raise",
    brand: Iterable[str] | None = None,
    sentiment: bool = True,
) -> Community:
    """Read an extracted Slack export folder into a :class:`~influence.community.Community`.

    Parameters
    ----------
    path : str or Path
        The export folder (holding ``users.json``, ``channels.json`` and one
        folder per channel).
    on_error : {"raise", "skip"}
        ``"raise"`` stops at the first bad record (a message without a valid
        ``ts``, or a person's message without ``user``; a user without ``id``);
        ``"skip"`` drops and counts it as ``malformed`` and warns once.
    brand : iterable of str, optional
        Brand or topic keywords for the ``brand_mention`` column.
    sentiment : bool, default True
        ``False`` skips the scoring of the texts (no ``sentiment``, ``language``
        or ``brand_mention`` column, a read note says why): faster on huge dumps.

    Returns
    -------
    Community
        ``platform="slack"``; ``users`` from ``users.json``, completed with the
        authors absent from it (for example guests of a shared channel);
        messages carry ``sentiment``, ``language`` and ``brand_mention`` of
        ``text`` without its ``<...>`` markup
        (:func:`~influence.sources._common.score_texts`), not the text itself.

    Raises
    ------
    SourceError
        ``<file>:<line>: <what>`` for a bad record or broken JSON, or when the
        folder lacks ``users.json`` or ``channels.json``.

    Examples
    --------
    >>> community = read_slack("tests/data/slack")
    >>> community.messages["topic"].value_counts().sort_index().to_dict()
    {'general': 5, 'random': 2}
    """
    on_error = check_on_error(on_error)
    path = Path(path)
    root = _root(path)
    if root is None:
        raise SourceError(
            "a Slack export folder must contain users.json and channels.json (got "
            f"{sorted(p.name for p in path.iterdir())[:10] if path.is_dir() else 'a file'}); "
            "extract the export zip and point at its folder",
            path=str(path),
        )
    stats = ReadStats()
    users, bots = parse_slack_users(
        _read_array(root / "users.json", "users.json"), on_error=on_error, stats=stats
    )
    channels = {}
    for name in _CHANNEL_FILES:
        if (root / name).is_file():
            channels.update(_channels(_read_array(root / name, name), by_id=name == "dms.json"))
    days = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        if folder.name not in channels:
            stats.note(f"{folder.name}/: not listed in the channel files; read as a channel")
        for file in sorted(folder.iterdir()):
            source = f"{folder.name}/{file.name}"
            if not (file.is_file() and _DAY.fullmatch(file.name)):
                stats.note(f"{source}: not a daily message file; not used")
                continue
            with open_binary(file) as stream:
                days.append((source, folder.name, scan_slack(stream, source=source)))
    messages, links = parse_slack_messages(
        days, channels=channels, bots=bots, on_error=on_error, stats=stats
    )
    del days  # the texts live on in messages["text"] only until scored
    messages = score_texts(messages, stats=stats, brand=brand, sentiment=sentiment)
    return assemble(
        messages,
        links=links,
        users=users,
        stats=stats,
        platform=PLATFORM,
        name=root.resolve().name,
    )


def _channels(records: Sequence[tuple[int, Any]], *, by_id: bool) -> dict[str, str]:
    """Folder name -> channel name (direct messages are folders named by id)."""
    out = {}
    for _line, record in records:
        if isinstance(record, dict):
            key = _text(record.get("id") if by_id else record.get("name"))
            if key:
                out[key] = _text(record.get("name")) or key
    return out


# --------------------------------------------------------------------------- parsing


def parse_slack_users(
    records: Sequence[tuple[int, Any]] | Sequence[Any],
    *,
    source: str = "users.json",
    on_error: OnError = "raise",
    stats: ReadStats | None = None,
) -> tuple[pd.DataFrame, pd.Index]:
    """Turn the records of ``users.json`` into a users table and the ids of the bots.

    Parameters
    ----------
    records : sequence
        ``(line, record)`` pairs (as from :meth:`JsonStream.iter_array`) or records.
    source, on_error, stats
        For errors and ``read_stats`` (``<source>/users``, dropped: ``bot``, ``malformed``).

    Returns
    -------
    users : DataFrame
        ``user_id``, ``display_name``, ``created_at`` (missing), ``title``,
        ``name``, ``deleted``.
    bots : Index
        Ids of bot users and Slackbot.

    Examples
    --------
    >>> users, bots = parse_slack_users([{"id": "U1", "name": "ann",
    ...     "profile": {"display_name": "", "real_name": "Ann Lee"}},
    ...     {"id": "B1", "name": "helper", "is_bot": True}])
    >>> users[["user_id", "display_name"]].to_dict("records"), list(bots)
    ([{'user_id': 'U1', 'display_name': 'Ann Lee'}], ['B1', 'USLACKBOT'])
    """
    on_error = check_on_error(on_error)
    pairs = [r if isinstance(r, tuple) else (n, r) for n, r in enumerate(records, start=1)]
    rows = []
    for line, record in pairs:
        record = record if isinstance(record, dict) else {}
        profile = record.get("profile") if isinstance(record.get("profile"), dict) else {}
        rows.append(
            {
                "user_id": _text(record.get("id")),
                "name": _text(record.get("name")),
                "real_name": _text(record.get("real_name")),
                "profile_display": _text(profile.get("display_name")),
                "profile_real": _text(profile.get("real_name")),
                "title": _text(profile.get("title")),
                "is_bot": bool(record.get("is_bot")) or bool(record.get("is_app_user")),
                "deleted": bool(record.get("deleted")),
                LINE: line,
            }
        )
    columns = ["user_id", "name", "real_name", "profile_display", "profile_real", "title"]
    frame = pd.DataFrame(rows, columns=[*columns, "is_bot", "deleted", LINE])
    user_id = normalize_ids(frame["user_id"].astype(object))
    bot = frame["is_bot"].astype(bool).to_numpy() | (user_id == SLACKBOT).fillna(False).to_numpy()
    keep, dropped, first = screen(
        frame,
        [
            ("malformed", blank(user_id), lambda _p: "id must be present (got missing)"),
            ("bot", bot, lambda _p: ""),
            ("duplicate", user_id.duplicated().to_numpy(bool), lambda _p: ""),
        ],
        on_error=on_error,
        sources=source,
    )
    if stats is not None:
        if first is not None:
            stats.note(f"{source}: skipped {dropped['malformed']} bad record(s); first: {first}")
        stats.record(source, "users", read=len(frame), kept=int(keep.sum()), dropped=dropped)
    kept = frame.loc[keep]
    display = _strings(kept["profile_display"])
    for fallback in ("profile_real", "real_name", "name"):
        display = display.fillna(_strings(kept[fallback]))
    users = pd.DataFrame(
        {
            "user_id": user_id[keep].to_numpy(),
            "display_name": display.to_numpy(),
            "created_at": pd.Series(pd.NaT, index=kept.index, dtype=UTC).array,
            "title": _strings(kept["title"]).to_numpy(),
            "name": _strings(kept["name"]).to_numpy(),
            "deleted": kept["deleted"].astype(bool).to_numpy(),
        }
    )
    bots = pd.Index(sorted({*user_id[bot & ~blank(user_id)].dropna(), SLACKBOT}), dtype=STRING)
    return users.reset_index(drop=True), bots


def _strings(values: pd.Series) -> pd.Series:
    out = values.astype(STRING).str.strip()
    return out.mask(out == "")


def parse_slack_ts(values: pd.Series) -> pd.Series:
    """Slack ``ts`` strings (``"1512085950.000216"``) to UTC timestamps, exact to the microsecond.

    Values that are not such strings become ``NaT``.

    Examples
    --------
    >>> parse_slack_ts(pd.Series(["1512085950.000216", "1512085950", "x"])).tolist()
    [Timestamp('2017-11-30 23:52:30.000216+0000', tz='UTC'), Timestamp('2017-11-30 23:52:30+0000', tz='UTC'), NaT]
    """  # noqa: E501
    if not len(values):
        return pd.Series([], index=values.index, dtype=UTC)
    text = values.astype(STRING).str.strip()
    valid = text.str.fullmatch(_TS).fillna(False).to_numpy(bool)
    parts = text.where(valid).str.split(".", n=1, expand=True).reindex(columns=[0, 1])
    seconds = pd.to_numeric(parts[0]).to_numpy("float64", na_value=np.nan)
    fraction = parts[1].fillna("").str.ljust(9, "0").replace("", "0")
    nanos = pd.to_numeric(fraction.where(valid, "0")).to_numpy("float64", na_value=0)
    total = np.where(valid, seconds, 0).astype("int64") * 10**9 + nanos.astype("int64")
    out = pd.Series(pd.to_datetime(total, utc=True), index=values.index).astype(UTC)
    return out.where(valid)


def parse_slack_messages(
    days: Sequence[tuple[str, str, Mapping[str, list]]],
    *,
    channels: Mapping[str, str] | None = None,
    bots: Sequence[str] | pd.Index = (SLACKBOT,),
    on_error: OnError = "raise",
    stats: ReadStats | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Turn scanned daily files into messages and links (pure).

    Parameters
    ----------
    days : sequence of (source, channel folder, columns)
        ``columns`` as from :func:`scan_slack`.
    channels : mapping, optional
        Folder name -> channel name (default: the folder name).
    bots : sequence of str
        User ids whose messages, mentions and reactions are dropped as ``bot``.
    on_error : {"raise", "skip"}
    stats : ReadStats, optional
        Receives, per file, ``messages`` (dropped: ``malformed``,
        ``system_message``, ``bot``, ``duplicate``), ``mentions`` and
        ``reactions`` (dropped: ``bot``, ``repeated``).

    Returns
    -------
    messages, links : DataFrame
        ``messages`` holds a ``text`` column (without the ``<@U1>``, ``<url|label>``
        markup) that :func:`read_slack` turns into sentiment columns.

    Examples
    --------
    >>> day = {"ts": ["1700000000.000100", "1700000060.000200", "1700000070.0"],
    ...     "user": ["U1", "U2", "U3"], "thread_ts": [None, "1700000000.000100", None],
    ...     "subtype": [None, None, "channel_join"], "_line": [2, 3, 4]}
    >>> messages, links = parse_slack_messages([("dev/2023-11-14.json", "dev", day)])
    >>> messages["message_id"].tolist(), messages["kind"].tolist()
    (['dev:1700000000.000100', 'dev:1700000060.000200'], ['post', 'reply'])
    >>> messages["parent_id"].fillna("-").tolist(), messages["thread_id"].nunique()
    (['-', 'dev:1700000000.000100'], 1)
    """
    on_error = check_on_error(on_error)
    stats = ReadStats() if stats is None else stats
    channels = dict(channels or {})
    bot_ids = pd.Index(pd.array(list(bots), dtype=STRING))
    message_parts, link_parts = [], []
    seen = pd.Index([], dtype=STRING)
    for source, folder, columns in days:
        messages, links = _parse_day(
            source, folder, channels.get(folder, folder), columns, bot_ids, seen, on_error, stats
        )
        seen = seen.append(pd.Index(messages["message_id"].array))
        message_parts.append(messages)
        link_parts.append(links)
    from influence.schema import empty_messages

    messages = pd.concat(message_parts, ignore_index=True) if message_parts else empty_messages()
    links = pd.concat([p for p in link_parts if len(p)] or [empty_links()], ignore_index=True)
    return messages, links


def _parse_day(
    source: str,
    folder: str,
    channel: str,
    columns: Mapping[str, list],
    bots: pd.Index,
    seen: pd.Index,
    on_error: OnError,
    stats: ReadStats,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    frame = pd.DataFrame(
        {name: pd.Series(values, dtype=object) for name, values in columns.items()}
    )
    for name in (*_FIELDS, LINE):
        if name not in frame.columns:
            frame[name] = pd.Series([None] * len(frame), dtype=object)
    created = parse_slack_ts(frame["ts"])
    ts = frame["ts"].astype(STRING).str.strip()
    user = normalize_ids(frame["user"])
    subtype = frame["subtype"].astype(STRING).fillna("")
    is_bot_user = user.isin(bots).fillna(False).to_numpy(bool)
    bot = (
        subtype.isin(BOT_SUBTYPES).to_numpy(bool)
        | is_bot_user
        | (blank(user) & ~blank(frame["bot_id"]))
    )
    system = ~(subtype.eq("") | subtype.isin(KEPT_SUBTYPES)).to_numpy(bool)
    message_id = folder + ":" + ts
    repeated = message_id.duplicated().to_numpy(bool) | message_id.isin(seen).to_numpy(bool)
    checks = [
        (
            "malformed",
            created.isna().to_numpy(bool),
            lambda p: (
                "ts must be a Slack timestamp such as '1512085950.000216' "
                f"(got {got(frame['ts'], p)})"
            ),
        ),
        ("system_message", system & ~bot, lambda _p: ""),
        ("bot", bot, lambda _p: ""),
        ("malformed", blank(user), lambda _p: "user must be present (got missing)"),
        ("duplicate", repeated, lambda _p: ""),
    ]
    keep, dropped, first = screen(frame, checks, on_error=on_error, sources=source)
    if first is not None:
        stats.note(f"{source}: skipped {dropped['malformed']} bad record(s); first: {first}")
    stats.record(source, "messages", read=len(frame), kept=int(keep.sum()), dropped=dropped)
    rows = frame.loc[keep].reset_index(drop=True)
    own = message_id[keep].reset_index(drop=True)
    thread_ts = _strings(rows["thread_ts"])
    is_reply = (thread_ts.notna() & (thread_ts != ts[keep].reset_index(drop=True))).fillna(False)
    parent = (folder + ":" + thread_ts).where(is_reply)
    messages = pd.DataFrame(
        {
            "message_id": own,
            "author_id": user[keep].reset_index(drop=True),
            "thread_id": parent.fillna(own),
            "parent_id": parent,
            "created_at": created[keep].reset_index(drop=True),
            "kind": np.where(is_reply.to_numpy(bool), "reply", "post"),
            "platform": PLATFORM,
            "topic": pd.array([channel] * len(rows), dtype=STRING),
            "score": pd.to_numeric(rows["reaction_count"], errors="coerce").astype("float64"),
            "text_length": pd.to_numeric(rows["text_length"]).fillna(0).astype("int64"),
            "text": rows["text"].astype(STRING).str.replace(_MARKUP, " ", regex=True),
        }
    )
    parts = []
    for column, kind, table in (
        ("mentions", "mention", "mentions"),
        ("reactions", "kudos", "reactions"),
    ):
        people = rows[column].map(lambda v: v if isinstance(v, list) else []).explode().dropna()
        other = normalize_ids(people.astype(object))
        links, _kept = user_links(
            messages,
            people.index.to_numpy(),
            other,
            kind=kind,
            is_bot=other.isin(bots).to_numpy(bool),
            stats=stats,
            source=source,
            table=table,
        )
        parts.append(links)
    links = pd.concat([p for p in parts if len(p)] or [empty_links()], ignore_index=True)
    return messages, links
