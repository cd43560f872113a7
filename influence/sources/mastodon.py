"""Read a Mastodon (ActivityPub) export: ``outbox.json`` and ``actor.json`` (``"mastodon"``).

Inputs
------
The archive Mastodon builds under *Preferences > Import and export > Request
your archive*, extracted: ``outbox.json`` (an ``OrderedCollection`` of the
account's activities, streamed item by item) and ``actor.json`` (the
account's profile). Point at the folder or at ``outbox.json``; ``actor.json``
is looked for beside it. ``likes.json`` and ``bookmarks.json`` are not used
(noted in ``read_stats``).

What becomes what
-----------------
``messages``
    * ``Create`` of a ``Note`` (also ``Question``, ``Article``, ``Page``):
      ``message_id`` = the object's id (its URI), ``author_id`` =
      ``attributedTo`` (else the activity's ``actor``), ``parent_id`` =
      ``inReplyTo``, ``thread_id`` = ``conversation`` when present, else the
      root of the reply chain among the notes read (the note replied to when it
      is not in the export), ``kind`` ``reply`` or ``post``, ``topic`` = the
      first ``Hashtag`` tag (lower case, without ``#``), ``text_length`` =
      characters of ``content`` once HTML tags are removed.
    * ``Announce`` (a boost): ``message_id`` = the activity id, ``kind``
      ``share``, ``thread_id`` = the boosted object's id.
    * other activities (``Delete``, ``Follow``, ...) and ``Create`` of other
      objects are counted as ``not_conversation``.
``links``
    ``mention``: each ``tag`` of type ``Mention`` -> its ``href`` (the
    actor URI); ``share``: a boost -> the boosted note's ``attributedTo``
    when the object is embedded; when the object is only a URI the author is
    looked up among the notes read, and when it is not there the share is
    counted as ``link_to_unknown_message`` under ``(derived)/interactions``.
``users``
    user ids are actor URIs. The account itself from ``actor.json``
    (``display_name`` = ``name`` or ``preferredUsername``, ``username`` =
    ``preferredUsername``, ``about`` = ``summary`` without HTML,
    ``created_at`` = ``published``, ``website`` = the first profile field whose
    value is a link, ``profile_url`` = ``url``); mentioned accounts with
    ``display_name`` = the mention's ``name`` (``@bob@example.org``).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
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
    iter_json_array,
    load_json,
    located,
    open_binary,
    parse_timestamps,
    record_messages,
    repeated_ids,
    score_texts,
    thread_roots,
)

__all__ = ["parse_actor", "parse_mastodon", "read_mastodon", "sniff"]

PLATFORM = "mastodon"
NOTE_TYPES = frozenset({"Note", "Question", "Article", "Page"})
_SUFFIXES = ("", ".gz", ".bz2", ".xz", ".zst")
_TAG = re.compile(r"<[^>]*>")
_COLUMNS = (
    "message_id",
    "author_id",
    "created",
    "parent_id",
    "conversation",
    "kind",
    "hashtag",
    "text_length",
    "mentions",
    "boosted",
    "boosted_author",
    "text",
    "_line",
)


# --------------------------------------------------------------------------- files


def _find(folder: Path, stem: str) -> Path | None:
    for suffix in _SUFFIXES:
        candidate = folder / f"{stem}.json{suffix}"
        if candidate.is_file():
            return candidate
    return None


def sniff(path: str | Path) -> bool:
    """Tell whether ``path`` is a Mastodon export: ``outbox.json`` or a folder with one.

    A file with another name counts when its start names an ActivityPub
    ``OrderedCollection`` with ``orderedItems``. Never raises.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "outbox.json").write_text('{"type": "OrderedCollection"}')
    >>> sniff(folder), sniff(folder / "outbox.json"), sniff(folder / "none.json")
    (True, True, False)
    """
    path = Path(path)
    try:
        if path.is_dir():
            return _find(path, "outbox") is not None
        if not path.is_file():
            return False
        if path.name.lower().startswith("outbox.json"):
            return True
        with open_binary(path) as stream:
            head = stream.read(1 << 14)
    except Exception:  # a file we cannot read is simply not ours
        return False
    return (
        b'"OrderedCollection' in head and b'"orderedItems"' in head and b"activitystreams" in head
    )


def read_mastodon(
    path: str | Path,
    *,
    on_error: OnError = "raise",
    brand: Iterable[str] | None = None,
    sentiment: bool = True,
) -> Community:
    """Read a Mastodon export (folder or ``outbox.json``) into a Community.

    Parameters
    ----------
    path : str or Path
        The extracted archive folder, or its ``outbox.json`` (may be compressed).
    on_error : {"raise", "skip"}
        ``"raise"`` stops at the first bad activity (no ``id``, no ``published``,
        no actor, an unparseable time, a repeated id); ``"skip"`` drops it,
        counts it as ``malformed`` or ``duplicate_id`` and warns once. A file
        that is not well-formed JSON always stops the run.
    brand : iterable of str, optional
        Brand or topic keywords for the ``brand_mention`` column.
    sentiment : bool, default True
        ``False`` skips the scoring of the texts (no ``sentiment``, ``language``
        or ``brand_mention`` column, a read note says why): faster on huge dumps.

    Returns
    -------
    Community
        ``platform="mastodon"``; user ids are actor URIs; messages carry
        ``sentiment``, ``language`` and ``brand_mention`` of the post's plain
        text (none for a boost; :func:`~influence.sources._common.score_texts`),
        not the text itself.

    Raises
    ------
    SourceError
        ``<file>:<line>: <what> must be <expectation> (got <value>)``.

    Examples
    --------
    >>> import tempfile, pathlib, json
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> ann, bob = "https://a.example/users/ann", "https://b.example/users/bob"
    >>> _ = (folder / "outbox.json").write_text(json.dumps({"type": "OrderedCollection",
    ...     "orderedItems": [{"id": ann + "/1/activity", "type": "Create", "actor": ann,
    ...         "published": "2024-01-01T10:00:00Z", "object": {"id": ann + "/1",
    ...         "type": "Note", "attributedTo": ann, "content": "<p>hi</p>",
    ...         "tag": [{"type": "Mention", "href": bob, "name": "@bob@b.example"}]}}]}))
    >>> community = read_mastodon(folder)
    >>> community.interactions[["source", "target", "kind"]].to_dict("records")[0]["target"]
    'https://b.example/users/bob'
    """
    on_error = check_on_error(on_error)
    path = Path(path)
    folder = path if path.is_dir() else path.parent
    outbox = _find(path, "outbox") if path.is_dir() else path
    if outbox is None:
        raise SourceError(
            "a Mastodon export folder must contain outbox.json (got "
            f"{sorted(p.name for p in path.iterdir())[:10]})",
            path=str(path),
        )
    stats = ReadStats()
    actor_file = _find(folder, "actor")
    actor = None
    if actor_file is None:
        stats.note("actor.json: absent; the account has no display name or profile")
    else:
        with open_binary(actor_file) as stream:
            data = load_json(stream, path=actor_file.name)
        actor = parse_actor(data, source=actor_file.name)
    for unused in ("likes", "bookmarks"):
        if _find(folder, unused) is not None:
            stats.note(f"{unused}.json: not used")
    source = outbox.name if path.is_dir() else str(outbox)
    with open_binary(outbox) as stream:
        columns = scan_activities(
            iter_json_array(stream, path=source, after=b'"orderedItems"'),
            source=source,
            on_error=on_error,
        )
    messages, links, users = parse_mastodon(
        {source: columns}, actor=actor, on_error=on_error, stats=stats
    )
    del columns  # the texts live on in messages["text"] only until scored
    messages = score_texts(messages, stats=stats, brand=brand, sentiment=sentiment)
    return assemble(
        messages,
        links=links,
        users=users,
        stats=stats,
        platform=PLATFORM,
        name=folder.resolve().name,
        profile_url="{user_id}",
    )


def _strip(text: object) -> str | None:
    if not isinstance(text, str):
        return None
    spaced = re.sub(r"</p>|<br\s*/?>", " ", text, flags=re.IGNORECASE)
    plain = re.sub(r"\s+", " ", html.unescape(_TAG.sub("", spaced))).strip()
    return plain or None


def parse_actor(actor: object, *, source: str = "actor.json") -> dict:
    """The account's profile from ``actor.json`` as one users row (a dict).

    Raises
    ------
    SourceError
        When the document is not an object with an ``id``.

    Examples
    --------
    >>> parse_actor({"id": "https://a.example/users/ann", "preferredUsername": "ann",
    ...     "name": "Ann", "summary": "<p>Rust &amp; Go</p>", "published": "2020-01-01T00:00:00Z",
    ...     "attachment": [{"type": "PropertyValue", "name": "Web",
    ...                     "value": '<a href="https://ann.example">ann.example</a>'}]})["about"]
    'Rust & Go'
    """
    if not isinstance(actor, dict) or not isinstance(actor.get("id"), str):
        raise SourceError("actor must be a JSON object with an id (got none)", path=source, line=1)
    website = None
    for field in actor.get("attachment") or []:
        if isinstance(field, dict) and isinstance(field.get("value"), str):
            link = re.search(r'href="([^"]+)"', field["value"])
            if link:
                website = html.unescape(link.group(1))
                break
    url = actor.get("url")
    return {
        "user_id": actor["id"],
        "display_name": actor.get("name") or actor.get("preferredUsername"),
        "username": actor.get("preferredUsername"),
        "created": actor.get("published"),
        "about": _strip(actor.get("summary")),
        "website": website,
        "profile_url": url if isinstance(url, str) else None,
    }


# --------------------------------------------------------------------------- scanning


class _Bad(Exception):
    """An activity is not usable (message in the house form)."""


def scan_activities(
    records: Iterable[tuple[int | str, object]] | Iterable[object],
    *,
    source: str = "<records>",
    on_error: OnError = "raise",
) -> dict[str, list]:
    """Stream outbox activities into one list per field (the per-record loop, nothing else).

    Returns
    -------
    dict of str to list
        :data:`_COLUMNS` plus ``_malformed``, ``_other`` (activities that are
        not conversation), ``_first`` (one-element lists).

    Examples
    --------
    >>> rows = scan_activities([{"id": "u/1/a", "type": "Announce", "actor": "u",
    ...     "published": "2024-01-01T00:00:00Z", "object": "v/9"}])
    >>> rows["kind"], rows["boosted"], rows["boosted_author"]
    (['share'], ['v/9'], [None])
    """
    columns: dict[str, list] = {name: [] for name in _COLUMNS}
    add = {name: columns[name].append for name in _COLUMNS}
    malformed = other = 0
    first: str | None = None
    for locator, value in located(records):
        try:
            row = _activity(value)
        except _Bad as bad:
            if on_error == "raise":
                raise SourceError(str(bad), path=source, line=locator) from None
            malformed += 1
            first = first or f"{source}:{locator}: {bad}"
            continue
        if row is None:
            other += 1
            continue
        for name, field in zip(_COLUMNS[:-1], row, strict=True):
            add[name](field)
        add["_line"](locator)
    columns["_malformed"] = [malformed]
    columns["_other"] = [other]
    columns["_first"] = [first]
    return columns


def _uri(value: object) -> str | None:
    if isinstance(value, dict):
        value = value.get("id")
    return value.strip() if isinstance(value, str) and value.strip() else None


def _activity(activity: object) -> tuple | None:
    if not isinstance(activity, dict):
        raise _Bad(f"activity must be a JSON object (got a JSON {type(activity).__name__})")
    kind = activity.get("type")
    if kind not in ("Create", "Announce"):
        if not isinstance(kind, str):
            raise _Bad(f"type must be an activity type such as Create (got {kind!r})")
        return None
    actor = _uri(activity.get("actor"))
    obj = activity.get("object")
    if kind == "Create" and not isinstance(obj, dict):
        if isinstance(obj, str):
            raise _Bad(f"object of a Create must be embedded (got only the URI {obj!r})")
        raise _Bad("object must be present (got missing)")
    if kind == "Create" and obj.get("type") not in NOTE_TYPES:
        return None
    if kind == "Create":
        ident = _uri(obj.get("id"))
        author = _uri(obj.get("attributedTo")) or actor
        published = obj.get("published") or activity.get("published")
    else:
        ident = _uri(activity.get("id"))
        author = actor
        published = activity.get("published")
    if ident is None:
        raise _Bad("id must be present (got missing)")
    if author is None:
        raise _Bad(f"actor of {ident} must be present (got missing)")
    if not published:
        raise _Bad(f"published of {ident} must be present (got missing)")
    if kind == "Announce":
        boosted = _uri(obj)
        if boosted is None:
            raise _Bad(f"object of the boost {ident} must be a URI or an object (got missing)")
        boosted_author = _uri(obj.get("attributedTo")) if isinstance(obj, dict) else None
        return (
            ident,
            author,
            published,
            None,
            None,
            "share",
            None,
            0,
            None,
            boosted,
            boosted_author,
            None,  # a boost's words are another's: not scored
        )
    tags = obj.get("tag") or []
    tags = tags if isinstance(tags, list) else [tags]
    mentions = tuple(
        (_uri(tag.get("href")), tag.get("name"))
        for tag in tags
        if isinstance(tag, dict) and tag.get("type") == "Mention" and _uri(tag.get("href"))
    )
    hashtags = [
        tag.get("name") for tag in tags if isinstance(tag, dict) and tag.get("type") == "Hashtag"
    ]
    hashtag = hashtags[0].lstrip("#").lower() if hashtags and isinstance(hashtags[0], str) else None
    parent = _uri(obj.get("inReplyTo"))
    conversation = obj.get("conversation") if isinstance(obj.get("conversation"), str) else None
    text = _strip(obj.get("content")) or ""
    return (
        ident,
        author,
        published,
        parent,
        conversation,
        "reply" if parent else "post",
        hashtag or None,
        len(text),
        mentions or None,
        None,
        None,
        text or None,
    )


# --------------------------------------------------------------------------- parsing


def parse_mastodon(
    scanned: Mapping[str, Mapping[str, list]] | Iterable[object],
    *,
    actor: Mapping | None = None,
    on_error: OnError = "raise",
    stats: ReadStats | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Turn scanned activities into messages, links and users (vectorised).

    Parameters
    ----------
    scanned : mapping or iterable
        ``{source: columns}`` as from :func:`scan_activities`, or an iterable
        of activities scanned as one source ``"<records>"``.
    actor : dict, optional
        The account, as from :func:`parse_actor`.
    on_error : {"raise", "skip"}
        For an unparseable ``published`` and a repeated id.
    stats : ReadStats, optional

    Returns
    -------
    messages, links, users
        ``messages`` holds a ``text`` column (missing for boosts) that
        :func:`read_mastodon` turns into sentiment columns.

    Examples
    --------
    >>> messages, links, users = parse_mastodon([
    ...     {"id": "a/1/act", "type": "Create", "actor": "a", "published": "2024-01-01T10:00:00Z",
    ...      "object": {"id": "a/1", "type": "Note", "attributedTo": "a", "content": "hi",
    ...                 "inReplyTo": "b/7"}},
    ...     {"id": "a/2", "type": "Announce", "actor": "a", "published": "2024-01-01T11:00:00Z",
    ...      "object": "b/7"},
    ...     {"id": "a/3", "type": "Delete", "actor": "a", "object": "a/0"}])
    >>> messages[["message_id", "author_id", "parent_id", "thread_id", "kind"]]
      message_id author_id parent_id thread_id   kind
    0        a/1         a       b/7       b/7  reply
    1        a/2         a      <NA>       b/7  share
    """
    on_error = check_on_error(on_error)
    stats = ReadStats() if stats is None else stats
    if not isinstance(scanned, Mapping):
        scanned = {"<records>": scan_activities(scanned, on_error=on_error)}
    frames = []
    for source, columns in scanned.items():
        frame = pd.DataFrame({name: pd.Series(columns[name], dtype=object) for name in _COLUMNS})
        created = parse_timestamps(
            frame["created"],
            path=source,
            column="published",
            lines=frame["_line"],
            on_error=on_error,
        )
        bad = created.isna().to_numpy(bool)
        frame["created_at"] = created.array
        duplicated = repeated_ids(
            frame["message_id"], bad=bad, on_error=on_error, sources=source, lines=frame["_line"]
        )
        malformed = int(columns["_malformed"][0]) + int(bad.sum())
        first = columns["_first"][0]
        if first is None and (bad | duplicated).any():
            at = int(np.flatnonzero(bad | duplicated)[0])
            what = "published must be an ISO 8601 time" if bad[at] else "id must be unique"
            first = (
                f"{source}:{frame['_line'].iloc[at]}: {what} (got {frame['created'].iloc[at]!r})"
            )
        record_messages(
            stats,
            source,
            kept=int((~bad & ~duplicated).sum()),
            malformed=malformed,
            duplicates=int(duplicated.sum()),
            first=first,
            not_conversation=int(columns["_other"][0]),
        )
        frames.append(frame.loc[~bad & ~duplicated])
    table = pd.concat(frames, ignore_index=True)
    ids = table["message_id"].astype(STRING)
    parent = table["parent_id"].astype(STRING)
    thread = table["conversation"].astype(STRING)
    is_share = (table["kind"] == "share").to_numpy(bool)
    thread = thread.where(~is_share, table["boosted"].astype(STRING))
    missing = thread.isna().to_numpy(bool)
    if missing.any():
        roots, _looping = thread_roots(ids, parent, table["created_at"])
        thread = thread.where(~missing, pd.Series(roots, index=thread.index, dtype=STRING))
    messages = pd.DataFrame(
        {
            "message_id": ids,
            "author_id": table["author_id"].astype(STRING),
            "thread_id": thread.astype(STRING),
            "parent_id": parent,
            "created_at": pd.Series(table["created_at"].array, dtype=UTC),
            "kind": table["kind"].astype("category"),
            "platform": pd.Categorical([PLATFORM] * len(table)),
            "topic": table["hashtag"].astype(STRING),
            "score": np.full(len(table), np.nan),
            "text_length": table["text_length"].astype("int64"),
            "text": table["text"].astype(STRING),
        }
    )
    links, mentioned = _links(table)
    users = _users(actor, mentioned)
    return messages, links, users


def _links(table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    parts = []
    mentioned = pd.DataFrame({"user_id": [], "name": []}, dtype=object)
    has = table["mentions"].notna().to_numpy(bool)
    if has.any():
        exploded = table.loc[has, ["message_id", "mentions", "created_at"]].explode("mentions")
        target = exploded["mentions"].map(lambda pair: pair[0])
        mentioned = pd.DataFrame(
            {"user_id": target.to_numpy(), "name": exploded["mentions"].map(lambda p: p[1])}
        )
        frame = pd.DataFrame(
            {
                "kind": "mention",
                "source": pd.NA,
                "source_message_id": exploded["message_id"].to_numpy(),
                "target": target.to_numpy(),
                "target_message_id": pd.NA,
                "created_at": exploded["created_at"].array,
                "message_id": exploded["message_id"].to_numpy(),
                "weight": 1.0,
            }
        ).drop_duplicates(["source_message_id", "target"])
        parts.append(frame)
    shares = table.loc[table["kind"] == "share"]
    if len(shares):
        author = shares["boosted_author"].astype(STRING)
        parts.append(
            pd.DataFrame(
                {
                    "kind": "share",
                    "source": pd.NA,
                    "source_message_id": shares["message_id"].to_numpy(),
                    "target": author.to_numpy(),
                    "target_message_id": shares["boosted"].astype(STRING).where(author.isna()),
                    "created_at": shares["created_at"].array,
                    "message_id": shares["message_id"].to_numpy(),
                    "weight": 1.0,
                }
            )
        )
    if not parts:
        links = empty_links()
        return links, mentioned
    links = pd.concat(parts, ignore_index=True)
    for name in ("source", "source_message_id", "target", "target_message_id", "message_id"):
        links[name] = links[name].astype(STRING)
    links["created_at"] = pd.Series(links["created_at"].array, dtype=UTC).array
    return links, mentioned


def _users(actor: Mapping | None, mentioned: pd.DataFrame) -> pd.DataFrame:
    names = mentioned.dropna(subset=["user_id"]).drop_duplicates("user_id", keep="last")
    rows = pd.DataFrame(
        {
            "user_id": names["user_id"].to_numpy(),
            "display_name": names["name"].to_numpy(),
        }
    )
    if actor is not None:
        rows = rows.loc[rows["user_id"] != actor["user_id"]]
        own = pd.DataFrame([{k: v for k, v in actor.items() if k != "created"}])
        rows = pd.concat([own, rows], ignore_index=True)
    users = pd.DataFrame({"user_id": pd.array(rows["user_id"].to_numpy(), dtype=STRING)})
    users["display_name"] = pd.array(rows["display_name"].to_numpy(), dtype=STRING)
    created = pd.Series([actor.get("created") if actor else None] * 0, dtype=object)
    when = pd.Series(pd.NaT, index=users.index, dtype=UTC)
    if actor is not None and actor.get("created"):
        created = pd.Series([actor["created"]], dtype=object)
        stamp = parse_timestamps(created, path="actor.json", column="published", on_error="skip")
        when.iloc[0] = stamp.iloc[0]
    users["created_at"] = when.array
    for name in ("username", "about", "website", "profile_url"):
        values = rows[name].to_numpy() if name in rows.columns else [pd.NA] * len(rows)
        users[name] = pd.array(values, dtype=STRING)
    return users.sort_values("user_id", kind="stable").reset_index(drop=True)
