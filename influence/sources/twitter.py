"""Read X/Twitter: API v2 JSON Lines, API v1.1 tweets, the account archive (``"twitter"``).

Inputs
------
* API v2 JSON Lines (as ``twarc2`` and the v2 search endpoints write them):
  one response per line, ``{"data": [...] or {...}, "includes": {"users": [...],
  "tweets": [...]}}``. A line holding one bare v2 tweet (``id``,
  ``author_id``, ``text``) also works.
* API v1.1 tweets: one tweet object per line, or a JSON array of them
  (``id_str``, ``user``, ``text`` or ``full_text``, ``created_at`` such as
  ``Wed Oct 10 20:19:24 +0000 2018``).
* The account archive: ``data/tweets.js`` (``window.YTD.tweets.part0 = [
  {"tweet": {...}}, ...]``, also ``tweets-part1.js`` ...) with ``account.js``
  beside it (the owner's ``accountId``, ``username`` and display name: archive
  tweets carry no author) and, when present, ``profile.js`` (bio, website,
  location). Point at the archive's ``data`` folder, the archive folder, or
  ``tweets.js``.

JSON Lines are streamed line by line and arrays element by element.

What becomes what
-----------------
``messages``
    one per tweet: ``message_id`` = tweet id, ``author_id`` = user id (a
    string), ``thread_id`` = ``conversation_id`` (v2), else the root of the
    reply chain among the tweets read (the tweet replied to when it is not
    in the dump), ``parent_id`` = the tweet replied to, ``kind`` ``share``
    (retweet), ``reply``, ``quote`` or ``post``, ``topic`` = the first hashtag
    (lower case), ``score`` = likes, ``text_length`` = characters of the text.
    Tweets only present as ``includes.tweets`` or embedded
    ``retweeted_status`` / ``quoted_status`` are not messages (they were not
    collected), but they tell who wrote what was retweeted or quoted.
``links``
    ``share`` (retweet) and ``quote`` -> the original's author;
    ``mention`` -> every mentioned user (``entities.mentions`` in v2,
    ``entities.user_mentions`` in v1.1 and the archive), except in retweets
    (the text is the original's: counted as ``in_retweet``) and except the
    user replied to (Twitter puts that ``@name`` in automatically: counted as
    ``reply_target``), both under table ``mentions`` of ``read_stats``.
``users``
    from ``includes.users`` (v2), ``user`` objects (v1.1, embedded ones
    included) and ``account.js`` / ``profile.js``: ``user_id``,
    ``display_name`` (the name), ``username`` (the handle), ``created_at``,
    ``about``, ``website``, ``location``.

Replies to tweets outside the dump
----------------------------------
A reply keeps ``parent_id`` = the tweet replied to. When that tweet is not in
the dump, the shared rule cannot find its author and counts the reply as
``reply_to_unknown_message``; the reader then adds one ``reply`` link to
``in_reply_to_user_id`` (the author is known even though the tweet is not),
so the interaction is not lost. In ``read_stats`` such a reply is read twice
under ``(derived)/interactions``: once dropped (the parent lookup) and once
kept (the link); ``read_stats.notes`` says how many replies were recovered
this way. A reply is never counted twice among the kept interactions.
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
    list_files,
    located,
    open_binary,
    parse_timestamps,
    record_messages,
    repeated_ids,
    score_texts,
    thread_roots,
)

__all__ = ["parse_twitter", "read_twitter", "scan_tweets", "sniff"]

PLATFORM = "twitter"
V1_TIME = "%a %b %d %H:%M:%S %z %Y"
_V1_PATTERN = r"[A-Z][a-z]{2} [A-Z][a-z]{2} \d{2} \d{2}:\d{2}:\d{2} [+-]\d{4} \d{4}"
_ARCHIVE = re.compile(r"^tweets?(-part\d+)?\.js$", re.IGNORECASE)
_SUFFIXES = (".json", ".jsonl", ".ndjson", ".gz", ".bz2", ".xz", ".zst")
_TWEET_COLUMNS = (
    "message_id",
    "author_id",
    "created",
    "conversation_id",
    "reply_to",
    "reply_to_user",
    "retweet_of",
    "retweet_author",
    "quote_of",
    "quote_author",
    "mentions",
    "likes",
    "hashtag",
    "text_length",
    "text",
    "_line",
    "_source",
)
_USER_FIELDS = ("user_id", "display_name", "username", "created", "about", "website", "location")


# --------------------------------------------------------------------------- files


def sniff(path: str | Path) -> bool:
    """Tell whether ``path`` is a Twitter export.

    True for ``tweets.js`` (and ``tweets-part1.js`` ...), for a folder holding
    one (directly or in ``data/``), and for JSON files whose first record is
    a v2 response (``data``), a v2 tweet (``author_id`` and ``text``), a
    v1.1 tweet (``id_str``, ``user`` and a text) or an archive item
    (``tweet``). Never raises.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "t.jsonl").write_text('{"data": [{"id": "1", "text": "hi"}]}')
    >>> _ = (folder / "x.jsonl").write_text('{"id": "1"}')
    >>> sniff(folder / "t.jsonl"), sniff(folder / "x.jsonl")
    (True, False)
    """
    path = Path(path)
    try:
        if path.is_dir():
            return bool(_archive_files(path)) or any(_looks_twitter(p) for p in _files(path)[:5])
        if path.is_file():
            return bool(_ARCHIVE.match(path.name)) or _looks_twitter(path)
    except OSError:
        return False
    return False


def _files(folder: Path) -> list[Path]:
    return list_files(folder, _SUFFIXES)


def _archive_files(folder: Path) -> list[Path]:
    for place in (folder, folder / "data"):
        if place.is_dir():
            found = [p for p in sorted(place.iterdir()) if _ARCHIVE.match(p.name)]
            if found:
                return found
    return []


def _looks_twitter(path: Path) -> bool:
    first = first_json_value(path)
    if not isinstance(first, dict):
        return False
    if "tweet" in first and isinstance(first["tweet"], dict):
        return True
    data = first.get("data")
    if isinstance(data, (list, dict)) and ("includes" in first or "meta" in first or data):
        sample = data[0] if isinstance(data, list) and data else data
        return isinstance(sample, dict) and "text" in sample and "id" in sample
    if "author_id" in first and "text" in first:
        return True
    return "id_str" in first and "user" in first and ("text" in first or "full_text" in first)


def read_twitter(
    path: str | Path,
    *,
    on_error: OnError = "raise",
    brand: Iterable[str] | None = None,
    sentiment: bool = True,
) -> Community:
    """Read a Twitter export (file or folder) into a :class:`~influence.community.Community`.

    Parameters
    ----------
    path : str or Path
        An API v2 JSON Lines file, a v1.1 tweets file (JSON Lines or array),
        the archive's ``tweets.js``, or a folder of them (the archive folder or
        its ``data`` folder included). Files may be compressed.
    on_error : {"raise", "skip"}
        ``"raise"`` stops at the first bad record; ``"skip"`` drops it (a line
        that is not UTF-8 or JSON, a tweet without ``id``, author or
        ``created_at``, a repeated id), counts it and warns once.
    brand : iterable of str, optional
        Brand or topic keywords for the ``brand_mention`` column.
    sentiment : bool, default True
        ``False`` skips the scoring of the texts (no ``sentiment``, ``language``
        or ``brand_mention`` column, a read note says why): faster on huge dumps.

    Returns
    -------
    Community
        ``platform="twitter"``, ``profile_url`` ``https://x.com/i/user/{user_id}``;
        messages carry ``sentiment``, ``language`` and ``brand_mention`` of the
        tweet's own text (none for a retweet: the words are another's;
        :func:`~influence.sources._common.score_texts`), not the text itself.

    Raises
    ------
    SourceError
        ``<file>:<line>: <what> must be <expectation> (got <value>)``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "search.jsonl"
    >>> _ = path.write_text('{"data": [{"id": "2", "author_id": "20", "text": "@ann yes",'
    ...     ' "created_at": "2024-01-01T10:00:00.000Z", "conversation_id": "1",'
    ...     ' "in_reply_to_user_id": "10",'
    ...     ' "referenced_tweets": [{"type": "replied_to", "id": "1"}]}],'
    ...     ' "includes": {"users": [{"id": "20", "username": "bob", "name": "Bob"}]}}\\n')
    >>> community = read_twitter(path)
    >>> community.interactions[["source", "target", "kind"]]
      source target   kind
    0     20     10  reply
    """
    on_error = check_on_error(on_error)
    path = Path(path)
    stats = ReadStats()
    tweets: dict[str, dict[str, list]] = {}
    users: list[dict] = []
    owner: dict | None = None
    if path.is_dir():
        archive = _archive_files(path)
        files = archive or _files(path)
        if archive:
            owner = _account(archive[0].parent, stats)
    else:
        files = [path]
        if _ARCHIVE.match(path.name):
            owner = _account(path.parent, stats)
    if not files:
        raise SourceError(
            "a Twitter folder must hold tweets.js or .json/.jsonl/.ndjson files (got none)",
            path=str(path),
        )
    for file in files:
        source = file.name if path.is_dir() else str(file)
        problems: list[SourceError] = []
        columns = scan_tweets(
            _records(file, source, on_error, problems),
            source=source,
            on_error=on_error,
            owner=None if owner is None else owner["user_id"],
            users=users,
        )
        if problems:
            columns["_malformed"][0] += len(problems)
            columns["_first"][0] = columns["_first"][0] or str(problems[0])
        tweets[source] = columns
    if owner is not None:
        users.append(owner)
    messages, links, user_table = parse_twitter(tweets, users=users, on_error=on_error, stats=stats)
    del tweets  # the texts live on in messages["text"] only until scored
    messages = score_texts(messages, stats=stats, brand=brand, sentiment=sentiment)
    return assemble(
        messages,
        links=links,
        users=user_table,
        stats=stats,
        platform=PLATFORM,
        name=path.resolve().name,
        profile_url="https://x.com/i/user/{user_id}",
    )


def _records(
    file: Path, source: str, on_error: OnError, problems: list[SourceError]
) -> Iterator[tuple[int, object]]:
    start = head(file).lstrip()  # a corrupt stream is reported with a line below
    with open_binary(file) as stream:
        if start[:1] == b"[" or start.startswith(b"window."):
            yield from iter_json_array(stream, path=source)
        else:
            yield from iter_ndjson(stream, path=source, on_error=on_error, problems=problems)


def _js_items(folder: Path, name: str, key: str) -> list[dict]:
    """The ``key`` objects of an archive ``<name>.js`` file (small files: account, profile)."""
    path = folder / f"{name}.js"
    if not path.is_file():
        return []
    with open_binary(path) as stream:
        return [
            item[key]
            for _line, item in iter_json_array(stream, path=path.name)
            if isinstance(item, dict) and isinstance(item.get(key), dict)
        ]


def _account(folder: Path, stats: ReadStats) -> dict:
    """The archive owner, from ``account.js`` (required) and ``profile.js`` (optional)."""
    accounts = _js_items(folder, "account", "account")
    if not accounts or not accounts[0].get("accountId"):
        raise SourceError(
            "an archive's tweets.js must have account.js beside it, with an accountId "
            "(got none); archive tweets do not name their author",
            path=str(folder / "account.js"),
        )
    account = accounts[0]
    profiles = _js_items(folder, "profile", "profile")
    description = (profiles[0].get("description") or {}) if profiles else {}
    if not profiles:
        stats.note("profile.js: absent; the account owner has no bio, website or location")
    return {
        "user_id": str(account["accountId"]),
        "display_name": account.get("accountDisplayName") or account.get("username"),
        "username": account.get("username"),
        "created": account.get("createdAt"),
        "about": description.get("bio"),
        "website": description.get("website"),
        "location": description.get("location"),
    }


# --------------------------------------------------------------------------- scanning


class _Bad(Exception):
    """A record is not a usable tweet (message in the house form)."""


def _id(value: object) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip()
    return text or None


def _v1_user(user: object, users: list[dict]) -> str | None:
    if not isinstance(user, dict):
        return None
    ident = _id(user.get("id_str") or user.get("id"))
    if ident is not None:
        users.append(
            {
                "user_id": ident,
                "display_name": user.get("name"),
                "username": user.get("screen_name"),
                "created": user.get("created_at"),
                "about": user.get("description"),
                "website": user.get("url"),
                "location": user.get("location"),
            }
        )
    return ident


def _v2_user(user: object, users: list[dict]) -> None:
    if isinstance(user, dict) and _id(user.get("id")) is not None:
        users.append(
            {
                "user_id": _id(user.get("id")),
                "display_name": user.get("name"),
                "username": user.get("username"),
                "created": user.get("created_at"),
                "about": user.get("description"),
                "website": user.get("url"),
                "location": user.get("location"),
            }
        )


def scan_tweets(
    records: Iterable[tuple[int | str, object]] | Iterable[object],
    *,
    source: str = "<records>",
    on_error: OnError = "raise",
    owner: str | None = None,
    users: list[dict] | None = None,
) -> dict[str, list]:
    """Stream tweets into one list per field (the per-record loop, nothing else).

    Parameters
    ----------
    records : iterable
        ``(locator, value)`` pairs, or bare values (located as ``record N``):
        v2 responses, v2 tweets, v1.1 tweets or archive items.
    source, on_error
        File name for errors; ``"raise"`` or ``"skip"``.
    owner : str, optional
        The author of tweets that name none (the archive's account id).
    users : list, optional
        Receives one dict per user object met (v2 ``includes.users``, v1.1 ``user``).

    Returns
    -------
    dict of str to list
        The tweet fields (see the module docstring), ``_line``, ``_source``,
        and ``_malformed``, ``_first`` (a one-element list each), ``_authors``
        (``{tweet id: author id}`` of referenced tweets from ``includes.tweets``
        and embedded tweets).

    Examples
    --------
    >>> rows = scan_tweets([{"id_str": "5", "user": {"id_str": "9", "screen_name": "ann"},
    ...     "created_at": "Wed Oct 10 20:19:24 +0000 2018", "text": "RT @bob: hi",
    ...     "retweeted_status": {"id_str": "4", "user": {"id_str": "8"}}}])
    >>> rows["message_id"], rows["retweet_of"], rows["retweet_author"]
    (['5'], ['4'], ['8'])
    """
    columns: dict[str, list] = {name: [] for name in _TWEET_COLUMNS}
    add = {name: columns[name].append for name in _TWEET_COLUMNS}
    users = [] if users is None else users
    authors: dict[str, str] = {}
    malformed = 0
    first: str | None = None
    for locator, value in located(records):
        try:
            tweets = _tweets_of(value, users, authors)
            rows = [_tweet(tweet, version, users, authors, owner) for tweet, version in tweets]
        except _Bad as bad:
            if on_error == "raise":
                raise SourceError(str(bad), path=source, line=locator) from None
            malformed += 1
            first = first or f"{source}:{locator}: {bad}"
            continue
        for row in rows:
            for name, field in zip(_TWEET_COLUMNS[:-2], row, strict=True):
                add[name](field)
            add["_line"](locator)
            add["_source"](source)
    columns["_malformed"] = [malformed]
    columns["_first"] = [first]
    columns["_authors"] = [authors]
    return columns


def _tweets_of(value: object, users: list[dict], authors: dict[str, str]) -> list[tuple[dict, str]]:
    """The tweets of one record with their version (``"v2"``, ``"v1"``)."""
    if not isinstance(value, dict):
        raise _Bad(f"record must be a JSON object (got a JSON {type(value).__name__})")
    if isinstance(value.get("tweet"), dict):  # archive item
        return [(value["tweet"], "v1")]
    if "data" in value and isinstance(value["data"], (list, dict)):
        includes = value.get("includes") if isinstance(value.get("includes"), dict) else {}
        for user in includes.get("users") or []:
            _v2_user(user, users)
        for tweet in includes.get("tweets") or []:
            if isinstance(tweet, dict) and _id(tweet.get("id")) and _id(tweet.get("author_id")):
                authors[_id(tweet["id"])] = _id(tweet["author_id"])
        data = value["data"]
        return [(tweet, "v2") for tweet in (data if isinstance(data, list) else [data])]
    if "errors" in value and "data" not in value:
        return []  # an error-only response: nothing collected
    if "id_str" in value or "user" in value or "full_text" in value:
        return [(value, "v1")]
    if "author_id" in value or "text" in value:
        return [(value, "v2")]
    raise _Bad(
        "record must be a tweet (API v2 {data, includes}, a v2 or v1.1 tweet, or an archive "
        f"{{tweet}}) (got keys {sorted(value)[:8]})"
    )


def _tweet(
    tweet: object, version: str, users: list[dict], authors: dict[str, str], owner: str | None
) -> tuple:
    if not isinstance(tweet, dict):
        raise _Bad(f"tweet must be a JSON object (got a JSON {type(tweet).__name__})")
    ident = _id(tweet.get("id_str") or tweet.get("id"))
    if ident is None:
        raise _Bad("id must be present (got missing)")
    created = tweet.get("created_at")
    if not created:
        raise _Bad(f"created_at of tweet {ident} must be present (got missing)")
    if version == "v2":
        return _v2_tweet(tweet, ident, created, users, authors)
    return _v1_tweet(tweet, ident, created, users, authors, owner)


def _v2_tweet(tweet, ident, created, users, authors) -> tuple:
    if isinstance(tweet.get("author"), dict):  # twarc's flattened tweets
        _v2_user(tweet["author"], users)
    author = _id(tweet.get("author_id"))
    if author is None:
        raise _Bad(f"author_id of tweet {ident} must be present (got missing)")
    reply_to = retweet_of = quote_of = None
    for reference in tweet.get("referenced_tweets") or []:
        if not isinstance(reference, dict):
            continue
        kind, target = reference.get("type"), _id(reference.get("id"))
        embedded = reference.get("tweet")
        if isinstance(embedded, dict) and _id(embedded.get("author_id")) and target:
            authors[target] = _id(embedded["author_id"])
        if kind == "replied_to":
            reply_to = target
        elif kind == "retweeted":
            retweet_of = target
        elif kind == "quoted":
            quote_of = target
    entities = tweet.get("entities") if isinstance(tweet.get("entities"), dict) else {}
    mentions = tuple(
        (_id(m.get("id")), m.get("username"))
        for m in entities.get("mentions") or []
        if isinstance(m, dict)
    )
    hashtags = [h.get("tag") for h in entities.get("hashtags") or [] if isinstance(h, dict)]
    metrics = tweet.get("public_metrics") if isinstance(tweet.get("public_metrics"), dict) else {}
    text = tweet.get("text") if isinstance(tweet.get("text"), str) else ""
    return (
        ident,
        author,
        created,
        _id(tweet.get("conversation_id")),
        reply_to,
        _id(tweet.get("in_reply_to_user_id")),
        retweet_of,
        None if retweet_of is None else authors.get(retweet_of),
        quote_of,
        None if quote_of is None else authors.get(quote_of),
        mentions or None,
        metrics.get("like_count"),
        hashtags[0] if hashtags and hashtags[0] else None,
        len(text),
        text or None,
    )


def _v1_tweet(tweet, ident, created, users, authors, owner) -> tuple:
    author = _v1_user(tweet.get("user"), users) or owner
    if author is None:
        raise _Bad(f"user of tweet {ident} must be present (got missing)")
    extended = tweet.get("extended_tweet") if isinstance(tweet.get("extended_tweet"), dict) else {}
    text = extended.get("full_text") or tweet.get("full_text") or tweet.get("text") or ""
    entities = extended.get("entities") or tweet.get("entities") or {}
    mentions = tuple(
        (_id(m.get("id_str") or m.get("id")), m.get("screen_name"))
        for m in (entities.get("user_mentions") or [])
        if isinstance(m, dict)
    )
    hashtags = [h.get("text") for h in entities.get("hashtags") or [] if isinstance(h, dict)]
    retweet_of = retweet_author = quote_of = quote_author = None
    original = tweet.get("retweeted_status")
    if isinstance(original, dict):
        retweet_of = _id(original.get("id_str") or original.get("id"))
        retweet_author = _v1_user(original.get("user"), users)
    elif owner is not None and isinstance(text, str) and text.startswith("RT @") and mentions:
        # the archive has no retweeted_status: "RT @name: ..." credits the first mention
        retweet_of, retweet_author = f"rt:{ident}", mentions[0][0]
    quoted = tweet.get("quoted_status")
    quote_of = _id(tweet.get("quoted_status_id_str") or tweet.get("quoted_status_id"))
    if isinstance(quoted, dict):
        quote_of = quote_of or _id(quoted.get("id_str") or quoted.get("id"))
        quote_author = _v1_user(quoted.get("user"), users)
    for embedded, tid, who in (
        (original, retweet_of, retweet_author),
        (quoted, quote_of, quote_author),
    ):
        if isinstance(embedded, dict) and tid and who:
            authors[tid] = who
    likes = tweet.get("favorite_count")
    return (
        ident,
        author,
        created,
        None,
        _id(tweet.get("in_reply_to_status_id_str") or tweet.get("in_reply_to_status_id")),
        _id(tweet.get("in_reply_to_user_id_str") or tweet.get("in_reply_to_user_id")),
        retweet_of,
        retweet_author,
        quote_of,
        quote_author,
        mentions or None,
        likes,
        hashtags[0] if hashtags and hashtags[0] else None,
        len(text) if isinstance(text, str) else 0,
        text if isinstance(text, str) and text else None,
    )


# --------------------------------------------------------------------------- parsing


def _times(values: pd.Series, *, source: str, lines: pd.Series, on_error: OnError) -> pd.Series:
    """v2 ISO 8601 and v1.1 ``Wed Oct 10 20:19:24 +0000 2018`` times, to UTC."""
    text = values.astype(STRING)
    v1 = text.str.fullmatch(_V1_PATTERN).fillna(False).to_numpy(bool)
    out = parse_timestamps(
        values.where(~v1, None).fillna(""), path=source, column="created_at", on_error="skip"
    )
    if v1.any():
        out[v1] = pd.to_datetime(text[v1], format=V1_TIME, utc=True, errors="coerce").astype(UTC)
    bad = out.isna().to_numpy(bool)
    if bad.any() and on_error == "raise":
        at = int(np.flatnonzero(bad)[0])
        raise SourceError(
            f"created_at must be an ISO 8601 time or like 'Wed Oct 10 20:19:24 +0000 2018' "
            f"(got {values.iloc[at]!r})",
            path=source,
            line=lines.iloc[at],
        )
    return out


def parse_twitter(
    scanned: Mapping[str, Mapping[str, list]] | Iterable[object],
    *,
    users: Iterable[Mapping] = (),
    on_error: OnError = "raise",
    stats: ReadStats | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Turn scanned tweets into messages, links and users (vectorised).

    Parameters
    ----------
    scanned : mapping or iterable
        ``{source: columns}`` as from :func:`scan_tweets`, or an iterable of
        tweet records scanned as one source ``"<records>"``.
    users : iterable of dict
        User objects met while scanning (the latest non-empty value of each
        field wins).
    on_error : {"raise", "skip"}
        For an unparseable ``created_at`` and a repeated tweet id.
    stats : ReadStats, optional
        Receives per source ``messages`` and ``mentions`` counts and notes.

    Returns
    -------
    messages, links, users
        ``messages`` holds a ``text`` column (missing for retweets) that
        :func:`read_twitter` turns into sentiment columns.

    Examples
    --------
    >>> messages, links, users = parse_twitter([
    ...     {"id_str": "1", "user": {"id_str": "10", "name": "Ann"},
    ...      "created_at": "Wed Oct 10 20:19:24 +0000 2018", "text": "hello"},
    ...     {"id_str": "2", "user": {"id_str": "20", "name": "Bob"},
    ...      "created_at": "Wed Oct 10 20:29:24 +0000 2018", "text": "@Ann hi",
    ...      "in_reply_to_status_id_str": "1", "in_reply_to_user_id_str": "10"}])
    >>> messages[["message_id", "author_id", "parent_id", "thread_id", "kind"]]
      message_id author_id parent_id thread_id   kind
    0          1        10      <NA>         1   post
    1          2        20         1         1  reply
    """
    on_error = check_on_error(on_error)
    stats = ReadStats() if stats is None else stats
    users = list(users)
    if not isinstance(scanned, Mapping):
        scanned = {"<records>": scan_tweets(scanned, on_error=on_error, users=users)}
    authors: dict[str, str] = {}
    frames = []
    for source, columns in scanned.items():
        authors.update(columns["_authors"][0])
        frame = pd.DataFrame(
            {name: pd.Series(columns[name], dtype=object) for name in _TWEET_COLUMNS}
        )
        frame["created_at"] = _times(
            frame["created"], source=source, lines=frame["_line"], on_error=on_error
        ).array
        frames.append(frame)
    table = pd.concat(frames, ignore_index=True)
    bad_time = table["created_at"].isna().to_numpy(bool)
    duplicated = repeated_ids(
        table["message_id"],
        bad=bad_time,
        on_error=on_error,
        sources=table["_source"].to_numpy(),
        lines=table["_line"],
        what="tweet id",
    )
    for source, columns in scanned.items():
        mine = (table["_source"] == source).to_numpy(bool)
        malformed = int(columns["_malformed"][0]) + int((bad_time & mine).sum())
        dup = int((duplicated & mine).sum())
        kept = int((mine & ~bad_time & ~duplicated).sum())
        first = columns["_first"][0]
        problem = mine & (bad_time | duplicated)
        if first is None and problem.any():
            at = int(np.flatnonzero(problem)[0])
            what = "created_at must be a time" if bad_time[at] else "tweet id must be unique"
            first = (
                f"{source}:{table['_line'].iloc[at]}: {what} (got {table['created'].iloc[at]!r})"
            )
        record_messages(stats, source, kept=kept, malformed=malformed, duplicates=dup, first=first)
    table = table.loc[~bad_time & ~duplicated].reset_index(drop=True)

    ids = table["message_id"].astype(STRING)
    retweet = table["retweet_of"].notna().to_numpy(bool)
    reply = table["reply_to"].notna().to_numpy(bool)
    quote = table["quote_of"].notna().to_numpy(bool)
    kind = np.select([retweet, reply, quote], ["share", "reply", "quote"], "post")
    parent = table["reply_to"].astype(STRING)
    thread = table["conversation_id"].astype(STRING)
    missing = thread.isna().to_numpy(bool)
    if missing.any():
        roots, _looping = thread_roots(ids, parent, table["created_at"])
        thread = thread.where(~missing, pd.Series(roots, index=thread.index, dtype=STRING))
    likes = pd.to_numeric(table["likes"], errors="coerce").astype("float64")
    messages = pd.DataFrame(
        {
            "message_id": ids,
            "author_id": table["author_id"].astype(STRING),
            "thread_id": thread.astype(STRING),
            "parent_id": parent,
            "created_at": pd.Series(table["created_at"].array, dtype=UTC),
            "kind": pd.Categorical(kind),
            "platform": pd.Categorical([PLATFORM] * len(table)),
            "topic": table["hashtag"].astype(STRING).str.lower(),
            "score": likes,
            "text_length": table["text_length"].astype("int64"),
            "text": table["text"].astype(STRING).mask(retweet),
        }
    )
    user_table = _users(users)
    links = _links(table, messages, authors, user_table, stats)
    return messages, links, user_table


def _users(users: list[Mapping]) -> pd.DataFrame:
    frame = pd.DataFrame(list(users), columns=list(_USER_FIELDS))
    frame = frame.dropna(subset=["user_id"])
    for name in _USER_FIELDS:
        frame[name] = frame[name].astype(STRING).str.strip()
        frame[name] = frame[name].mask(frame[name] == "")
    latest = frame.groupby("user_id", sort=True).last()  # last non-null of each field
    out = pd.DataFrame({"user_id": pd.array(latest.index, dtype=STRING)})
    out["display_name"] = latest["display_name"].to_numpy()
    out["display_name"] = out["display_name"].astype(STRING)
    created = latest["created"].astype(object)
    v1 = created.astype(STRING).str.fullmatch(_V1_PATTERN).fillna(False).to_numpy(bool)
    when = parse_timestamps(
        created.where(~v1, None), path="users", column="created_at", on_error="skip"
    )
    if v1.any():
        when[v1] = pd.to_datetime(created[v1], format=V1_TIME, utc=True).astype(UTC).to_numpy()
    out["created_at"] = pd.Series(when.to_numpy(), dtype=UTC).array
    for name in ("username", "about", "website", "location"):
        out[name] = pd.array(latest[name].to_numpy(), dtype=STRING)
    return out


def _links(
    table: pd.DataFrame,
    messages: pd.DataFrame,
    authors: Mapping[str, str],
    users: pd.DataFrame,
    stats: ReadStats,
) -> pd.DataFrame:
    parts = []
    known = pd.Index(messages["message_id"].to_numpy())
    # shares and quotes: the original's author when known, else through the original tweet
    for column, author_column, kind in (
        ("retweet_of", "retweet_author", "share"),
        ("quote_of", "quote_author", "quote"),
    ):
        rows = table.loc[table[column].notna()]
        if not len(rows):
            continue
        target = rows[author_column].astype(object)
        lookup = rows[column].map(lambda tid: authors.get(tid))
        target = target.where(target.notna(), lookup).astype(STRING)
        parts.append(
            _link_frame(
                kind,
                rows,
                target=target.to_numpy(),
                target_message_id=rows[column].astype(STRING).where(target.isna()).to_numpy(),
            )
        )
    # replies to tweets outside the dump: credit in_reply_to_user_id
    outside = (
        table["reply_to"].notna().to_numpy(bool)
        & ~pd.Index(table["reply_to"].astype(STRING)).isin(known)
        & table["reply_to_user"].notna().to_numpy(bool)
    )
    if outside.any():
        rows = table.loc[outside]
        parts.append(_link_frame("reply", rows, target=rows["reply_to_user"].to_numpy()))
        stats.note(
            f"{int(outside.sum())} reply(ies) to tweets outside the dump were credited to "
            "in_reply_to_user_id (their parent lookup is counted as reply_to_unknown_message)"
        )
    # mentions
    has = table["mentions"].notna().to_numpy(bool)
    if has.any():
        rows = table.loc[
            has, ["message_id", "mentions", "created_at", "retweet_of", "reply_to_user"]
        ]
        exploded = rows.explode("mentions").reset_index(drop=True)
        ident = exploded["mentions"].map(lambda pair: pair[0]).astype(STRING)
        handle = exploded["mentions"].map(lambda pair: pair[1]).astype(STRING).str.lower()
        by_handle = pd.Series(
            users["user_id"].to_numpy(), index=users["username"].str.lower().to_numpy()
        )
        by_handle = by_handle[by_handle.index.notna() & ~by_handle.index.duplicated()]
        resolved = pd.Series(by_handle.reindex(handle.to_numpy()).to_numpy(), dtype=STRING)
        target = ident.where(ident.notna(), resolved)
        in_retweet = exploded["retweet_of"].notna().to_numpy(bool)
        unresolved = ~in_retweet & target.isna().to_numpy(bool)
        reply_target = (
            ~in_retweet
            & ~unresolved
            & (target == exploded["reply_to_user"].astype(STRING)).fillna(False).to_numpy(bool)
        )
        usable = ~in_retweet & ~unresolved & ~reply_target
        frame = pd.DataFrame(
            {"message_id": exploded["message_id"].to_numpy(), "target": target.to_numpy()}
        )
        repeated = usable & frame.duplicated().to_numpy(bool)
        usable &= ~repeated
        stats.record(
            "(derived)",
            "mentions",
            read=len(exploded),
            kept=int(usable.sum()),
            dropped={
                "in_retweet": int(in_retweet.sum()),
                "reply_target": int(reply_target.sum()),
                "mention_unresolved": int(unresolved.sum()),
                "mention_repeated": int(repeated.sum()),
            },
        )
        chosen = exploded.loc[usable]
        parts.append(_link_frame("mention", chosen, target=target[usable].to_numpy()))
    if not parts:
        return empty_links()
    links = pd.concat(parts, ignore_index=True)
    for name in ("source", "source_message_id", "target", "target_message_id", "message_id"):
        links[name] = links[name].astype(STRING)
    links["created_at"] = pd.Series(links["created_at"].array, dtype=UTC).array
    return links


def _link_frame(kind: str, rows: pd.DataFrame, *, target, target_message_id=None) -> pd.DataFrame:
    n = len(rows)
    return pd.DataFrame(
        {
            "kind": [kind] * n,
            "source": pd.array([pd.NA] * n, dtype=STRING),
            "source_message_id": rows["message_id"].astype(STRING).to_numpy(),
            "target": pd.array(target, dtype=STRING),
            "target_message_id": pd.array(
                [pd.NA] * n if target_message_id is None else target_message_id, dtype=STRING
            ),
            "created_at": pd.Series(rows["created_at"].array, dtype=UTC).array,
            "message_id": rows["message_id"].astype(STRING).to_numpy(),
            "weight": 1.0,
        }
    )
