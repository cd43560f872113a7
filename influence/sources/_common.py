"""The one place readers share: opening files, ids, times, reply resolution.

Every reader turns its platform's records into a ``messages`` table and,
optionally, a ``links`` table of explicit acts (mentions, accepts, kudos,
shares). :func:`build_interactions` then derives the canonical
``interactions`` from both, with one rule for every platform, and
:func:`assemble` returns the validated :class:`~influence.community.Community`.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Literal

import numpy as np
import pandas as pd

from influence.community import Community, ReadStats
from influence.errors import SourceError
from influence.schema import (
    INTERACTION_COLUMNS,
    MESSAGE_COLUMNS,
    STRING,
    UTC,
    empty_users,
)

__all__ = [
    "LINK_COLUMNS",
    "OnError",
    "assemble",
    "build_interactions",
    "check_on_error",
    "normalize_ids",
    "open_binary",
    "parse_timestamps",
]

OnError = Literal["raise", "skip"]

#: Columns of the ``links`` table a reader may hand to :func:`build_interactions`.
#: ``source``/``target`` name users directly; when missing, the author of
#: ``source_message_id``/``target_message_id`` is used instead.
LINK_COLUMNS = (
    "kind",
    "source",
    "source_message_id",
    "target",
    "target_message_id",
    "created_at",
    "message_id",
    "weight",
)

DERIVED = "(derived)"

_COMPRESSED = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open, ".lzma": lzma.open}


def check_on_error(on_error: str) -> OnError:
    """Return ``on_error`` when it is ``"raise"`` or ``"skip"``; raise ValueError otherwise."""
    if on_error not in ("raise", "skip"):
        raise ValueError(f"on_error must be 'raise' or 'skip' (got {on_error!r})")
    return on_error  # type: ignore[return-value]


def open_binary(path: str | Path) -> IO[bytes]:
    """Open a file for binary reading, decompressing ``.gz``, ``.bz2``, ``.xz`` and ``.zst``.

    Raises
    ------
    SourceError
        When the file does not exist or cannot be opened.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    try:
        if suffix in _COMPRESSED:
            return _COMPRESSED[suffix](path, "rb")
        if suffix == ".zst":
            return _open_zstd(path)
        return open(path, "rb")
    except OSError as err:
        raise SourceError(f"file must be readable ({err.strerror or err})", path=str(path)) from err


def _open_zstd(path: Path) -> IO[bytes]:
    try:
        import zstandard
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise SourceError(
            "reading .zst needs the 'zstandard' package (got it not installed); "
            "pip install zstandard",
            path=str(path),
        ) from err
    reader = zstandard.ZstdDecompressor(max_window_size=2**31).stream_reader(open(path, "rb"))
    return io.BufferedReader(reader)


def normalize_ids(values: Iterable | pd.Series) -> pd.Series:
    """Turn ids into stripped strings; blanks become missing; ``17.0`` becomes ``"17"``.

    Examples
    --------
    >>> normalize_ids(pd.Series([" a ", "", None])).tolist()
    ['a', <NA>, <NA>]
    >>> normalize_ids(pd.Series([17.0, None])).tolist()
    ['17', <NA>]
    """
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    if pd.api.types.is_float_dtype(series.dtype):
        whole = series.notna() & (series == np.floor(series))
        as_int = series.where(~whole).astype(object)
        as_int[whole] = series[whole].astype("int64").astype(str)
        series = as_int
    elif pd.api.types.is_integer_dtype(series.dtype):
        series = series.astype(str)
    out = series.astype(STRING).str.strip()
    return out.mask(out == "")


def parse_timestamps(
    values: pd.Series,
    *,
    path: str,
    column: str,
    lines: pd.Series | np.ndarray | None = None,
    on_error: OnError = "raise",
) -> pd.Series:
    """Parse ISO 8601 strings or Unix epoch seconds/milliseconds into UTC timestamps.

    Naive ISO times are taken as UTC. Numbers above 1e11 are read as
    milliseconds, smaller ones as seconds (1e11 s is the year 5138).

    Parameters
    ----------
    values : Series
        Strings or numbers.
    path, column : str
        Used in the error message.
    lines : array-like, optional
        Line (or record) number of each value, for the error message.
    on_error : {"raise", "skip"}
        With ``"skip"``, unparseable values become ``NaT`` for the caller to drop.

    Raises
    ------
    SourceError
        ``<path>:<line>: <column> must be an ISO 8601 time or Unix epoch (got ...)``.

    Examples
    --------
    >>> stamps = parse_timestamps(pd.Series(["2021-04-27T15:06:44.553", "1619535600",
    ...     "1619535600000", "2021-04-27T17:06:44+02:00"]), path="x", column="t")
    >>> [str(t) for t in stamps]  # doctest: +NORMALIZE_WHITESPACE
    ['2021-04-27 15:06:44.553000+00:00', '2021-04-27 15:00:00+00:00',
     '2021-04-27 15:00:00+00:00', '2021-04-27 15:06:44+00:00']
    """
    series = values.reset_index(drop=True)
    out = pd.Series(pd.NaT, index=series.index, dtype=UTC)
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        out = series.dt.tz_convert("UTC").astype(UTC)
        present = out.notna()
    elif pd.api.types.is_datetime64_dtype(series.dtype):
        out = series.dt.tz_localize("UTC").astype(UTC)
        present = out.notna()
    else:
        as_text = series.astype(STRING).str.strip()
        present = (series.notna() & (as_text != "")).fillna(False).astype(bool)
        looks_numeric = as_text.str.fullmatch(r"[+-]?\d+(?:\.\d*)?").fillna(False).astype(bool)
        is_num = present & looks_numeric
        if is_num.any():
            nums = pd.to_numeric(as_text[is_num]).astype("float64")
            millis = nums.abs() >= 1e11
            ns = np.where(millis, nums * 1e6, nums * 1e9)
            out[is_num] = pd.to_datetime(ns.astype("int64"), utc=True)
        text = present & ~is_num
        if text.any():
            stripped = as_text[text]
            # parse zoned and naive values apart: pandas 2 would give naive values
            # the offset of the first zoned one
            zoned = stripped.str.contains(r"(?:[zZ]|[+-]\d{2}:?\d{2})$", regex=True)
            for part in (zoned, ~zoned):
                if part.any():
                    parsed = pd.to_datetime(
                        stripped[part], utc=True, errors="coerce", format="ISO8601"
                    )
                    out[stripped[part].index] = parsed.astype(UTC)
    bad = present & out.isna()
    missing = ~present
    problem = bad | missing
    if problem.any() and on_error == "raise":
        position = int(np.flatnonzero(problem.to_numpy())[0])
        line = None if lines is None else _item(lines, position)
        got = "missing" if missing.iloc[position] else repr(str(series.iloc[position]))
        raise SourceError(
            f"{column} must be an ISO 8601 time or Unix epoch (got {got})", path=path, line=line
        )
    out.index = values.index
    return out


def _item(values, position: int):
    value = values.iloc[position] if isinstance(values, pd.Series) else values[position]
    return int(value) if isinstance(value, (np.integer, int)) else value


def build_interactions(
    messages: pd.DataFrame,
    links: pd.DataFrame | None = None,
    *,
    known_users: pd.Index | None = None,
    stats: ReadStats | None = None,
) -> pd.DataFrame:
    """Derive the canonical interactions: the ONE reply-resolution rule.

    * reply: the author of a message -> the author of its ``parent_id``;
    * every row of ``links``: ``source`` (or the author of ``source_message_id``)
      -> ``target`` (or the author of ``target_message_id``), of the row's kind
      (mention, share, quote, accept, kudos).

    Rows are dropped, and counted in ``stats`` under ``(derived)/interactions``,
    for these reasons: ``reply_to_unknown_message`` (the parent or the linked
    message is not in ``messages``), ``deleted_author`` (an end has no user id),
    ``unknown_user`` (an end is not in ``known_users``, when given) and
    ``self_interaction`` (source equals target).

    Parameters
    ----------
    messages : DataFrame
        Canonical messages.
    links : DataFrame, optional
        Explicit acts with the columns :data:`LINK_COLUMNS` (missing ones are null).
    known_users : Index, optional
        When given, interactions with users outside it are dropped.
    stats : ReadStats, optional
        Receives the counts.

    Returns
    -------
    DataFrame
        Canonical interactions, ordered by ``created_at`` then kind and ends.

    Examples
    --------
    >>> msgs = pd.DataFrame({"message_id": ["1", "2", "3", "4"],
    ...     "author_id": ["ann", "bob", "bob", None],
    ...     "thread_id": ["1"] * 4, "parent_id": [None, "1", "2", "1"],
    ...     "created_at": pd.to_datetime(["2024-01-01"] * 4, utc=True)})
    >>> build_interactions(msgs)[["source", "target", "kind"]].to_dict("records")
    [{'source': 'bob', 'target': 'ann', 'kind': 'reply'}]
    """
    ids = pd.Index(messages["message_id"].astype(STRING).to_numpy())
    authors = messages["author_id"].astype(STRING).array
    threads = messages["thread_id"].astype(STRING).array

    def lookup(keys) -> tuple[np.ndarray, np.ndarray]:
        """Position of each message id in ``messages`` and whether it was found."""
        position = ids.get_indexer(pd.Index(pd.array(keys, dtype=STRING)))
        return np.maximum(position, 0), position >= 0

    replies = messages.loc[messages["parent_id"].notna()]
    parent_pos, parent_known = lookup(replies["parent_id"].array)
    frames = [
        pd.DataFrame(
            {
                "source": replies["author_id"].astype(STRING).array,
                "target": authors.take(parent_pos) if len(ids) else authors[:0],
                "kind": "reply",
                "created_at": replies["created_at"].array,
                "message_id": replies["message_id"].astype(STRING).array,
                "thread_id": replies["thread_id"].astype(STRING).array,
                "weight": 1.0,
                "_known": parent_known,
                "_reply": True,
            }
        )
    ]
    if links is not None and len(links):
        links = links.reindex(columns=list(LINK_COLUMNS))
        ends = {}
        known = np.ones(len(links), dtype=bool)
        for end, via in (("source", "source_message_id"), ("target", "target_message_id")):
            given = links[end].astype(STRING)
            use = given.isna().to_numpy() & links[via].notna().to_numpy()
            position, found = lookup(links[via].astype(STRING).array)
            known &= ~use | found
            resolved = (
                authors.take(position) if len(ids) else pd.array([pd.NA] * len(links), dtype=STRING)
            )
            ends[end] = given.where(~use, pd.Series(resolved, index=given.index))
        message = links["message_id"].astype(STRING)
        position, found = lookup(message.array)
        thread = pd.Series(
            threads.take(position) if len(ids) else message.array, index=message.index
        ).where(found)
        frames.append(
            pd.DataFrame(
                {
                    "source": ends["source"].array,
                    "target": ends["target"].array,
                    "kind": links["kind"].astype(str).to_numpy(),
                    "created_at": pd.to_datetime(links["created_at"], utc=True).array,
                    "message_id": message.array,
                    "thread_id": thread.astype(STRING).array,
                    "weight": links["weight"].astype("float64").fillna(1.0).to_numpy(),
                    "_known": known,
                    "_reply": False,
                }
            )
        )
    frames = [f for f in frames if len(f)] or frames[:1]
    candidates = pd.concat(frames, ignore_index=True)
    for name in ("source", "target", "message_id", "thread_id"):
        candidates[name] = candidates[name].astype(STRING)

    unknown_message = ~candidates["_known"].to_numpy(bool)
    is_reply = candidates["_reply"].to_numpy(bool)
    deleted = ~unknown_message & (
        candidates["source"].isna().to_numpy() | candidates["target"].isna().to_numpy()
    )
    rest = ~unknown_message & ~deleted
    unknown_user = np.zeros(len(candidates), dtype=bool)
    if known_users is not None:
        users_index = pd.Index(pd.array(known_users, dtype=STRING))
        inside = (users_index.get_indexer(pd.Index(candidates["source"].array)) >= 0) & (
            users_index.get_indexer(pd.Index(candidates["target"].array)) >= 0
        )
        unknown_user = rest & ~inside
    rest &= ~unknown_user
    self_loop = rest & (candidates["source"] == candidates["target"]).fillna(False).to_numpy(bool)
    keep = rest & ~self_loop

    if stats is not None:
        stats.record(
            DERIVED,
            "interactions",
            read=len(candidates),
            kept=int(keep.sum()),
            dropped={
                "reply_to_unknown_message": int((unknown_message & is_reply).sum()),
                "link_to_unknown_message": int((unknown_message & ~is_reply).sum()),
                "deleted_author": int(deleted.sum()),
                "unknown_user": int(unknown_user.sum()),
                "self_interaction": int(self_loop.sum()),
            },
        )
    out = candidates.loc[keep, list(INTERACTION_COLUMNS)]
    out["created_at"] = pd.to_datetime(out["created_at"], utc=True).astype(UTC)
    out["kind"] = out["kind"].astype("category")
    out = out.sort_values(["created_at", "kind", "source", "target", "message_id"], kind="stable")
    return out.reset_index(drop=True)


def assemble(
    messages: pd.DataFrame,
    *,
    links: pd.DataFrame | None = None,
    users: pd.DataFrame | None = None,
    stats: ReadStats,
    platform: str,
    name: str,
    users_authoritative: bool = False,
    profile_url: str | None = None,
) -> Community:
    """Build interactions and return the validated :class:`Community`.

    ``users`` is completed with a row for every author or interaction end it
    lacks (display name unknown), so that every active user is known. With
    ``users_authoritative``, interactions with users absent from ``users`` are
    dropped as ``unknown_user`` instead.
    """
    messages = messages.reindex(
        columns=list(MESSAGE_COLUMNS) + [c for c in messages.columns if c not in MESSAGE_COLUMNS]
    )
    messages = messages.sort_values(["created_at", "message_id"], kind="stable")
    messages = messages.reset_index(drop=True)
    users = empty_users() if users is None else users
    known = pd.Index(users["user_id"].astype(STRING)) if users_authoritative else None
    interactions = build_interactions(messages, links, known_users=known, stats=stats)
    seen = pd.concat(
        [messages["author_id"].dropna(), interactions["source"], interactions["target"]],
        ignore_index=True,
    ).astype(STRING)
    extra = pd.Index(seen.unique()).difference(pd.Index(users["user_id"].astype(STRING)))
    if len(extra):
        added = pd.DataFrame({"user_id": pd.array(extra.sort_values(), dtype=STRING)})
        added["display_name"] = pd.array([pd.NA] * len(added), dtype=STRING)
        added["created_at"] = pd.Series(pd.NaT, index=added.index, dtype=UTC)
        flags = [c for c in users.columns if pd.api.types.is_bool_dtype(users[c].dtype)]
        users = pd.concat([users, added], ignore_index=True)
        for name in flags:
            users[name] = users[name].astype("boolean").fillna(False).astype(bool)
    users = users.sort_values("user_id", kind="stable").reset_index(drop=True)
    return Community(
        messages=messages,
        interactions=interactions,
        users=users,
        read_stats=stats,
        platform=platform,
        name=name,
        profile_url=profile_url,
    )


# ---------------------------------------------------------------------------
# Streaming JSON: NDJSON lines and the elements of one top-level array.
# ---------------------------------------------------------------------------

try:  # orjson parses a Reddit comment about 3x faster than the standard library
    from orjson import JSONDecodeError as _JSONError
    from orjson import loads as _loads
except ImportError:  # pragma: no cover - depends on the environment
    from json import JSONDecodeError as _JSONError
    from json import loads as _loads

JSON_CHUNK_BYTES = 1 << 20


def _stream_errors() -> tuple[type[BaseException], ...]:
    """Exceptions a decompressing stream raises on corrupt input."""
    errors: tuple[type[BaseException], ...] = (OSError, EOFError, ValueError)
    try:
        import zstandard

        errors += (zstandard.ZstdError,)
    except ImportError:  # pragma: no cover - depends on the environment
        pass
    return errors


def _json_problem(raw: bytes, err: Exception, *, path: str, line: int) -> SourceError:
    """Error path only: say whether a line is not UTF-8 or not JSON."""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as bad:
        byte = raw[bad.start : bad.start + 1].hex()
        return SourceError(
            f"text must be UTF-8 (got byte 0x{byte} at column {bad.start + 1})",
            path=path,
            line=line,
        )
    reason = str(err).split(":", 1)[0] if str(err) else type(err).__name__
    return SourceError(f"line must be valid JSON (got {reason})", path=path, line=line)


def iter_ndjson(
    stream: IO[bytes],
    *,
    path: str,
    on_error: OnError = "raise",
    problems: list[SourceError] | None = None,
) -> Iterable[tuple[int, object]]:
    """Stream a JSON Lines file: yield ``(line_number, value)`` for every non-blank line.

    One line is decoded at a time, so memory does not grow with the file. A
    byte-order mark on the first line is allowed.

    Parameters
    ----------
    stream : binary file
        As from :func:`open_binary` (compressed files are decompressed on the fly).
    path : str
        File name used in errors.
    on_error : {"raise", "skip"}
        ``"raise"`` stops at the first line that is not UTF-8 or not JSON;
        ``"skip"`` leaves it out and appends its :class:`SourceError` to ``problems``.
    problems : list, optional
        Receives the errors of skipped lines (count them in ``read_stats``).

    Raises
    ------
    SourceError
        ``<path>:<line>: text must be UTF-8 (got byte 0x..)``, ``line must be
        valid JSON (got ...)``, or ``file must be readable (got ...)`` for a
        corrupt compressed stream.

    Examples
    --------
    >>> list(iter_ndjson(io.BytesIO(b'{"a": 1}\\n\\n[2]\\n'), path="x.ndjson"))
    [(1, {'a': 1}), (3, [2])]
    >>> list(iter_ndjson(io.BytesIO(b'{"a": 1}\\n{"a": \\n'), path="x.ndjson"))
    Traceback (most recent call last):
    ...
    influence.errors.SourceError: x.ndjson:2: line must be valid JSON (got ...)
    >>> skipped = []
    >>> list(iter_ndjson(io.BytesIO(b'\\xff\\n{}\\n'), path="x", on_error="skip",
    ...     problems=skipped)), str(skipped[0])
    ([(2, {})], 'x:1: text must be UTF-8 (got byte 0xff at column 1)')
    """
    number = 0
    try:
        for number, raw in enumerate(stream, start=1):
            if number == 1:
                raw = raw.removeprefix(b"\xef\xbb\xbf")
            try:
                value = _loads(raw)
            except (_JSONError, ValueError) as err:
                if not raw.strip():
                    continue
                problem = _json_problem(raw, err, path=path, line=number)
                if on_error == "raise":
                    raise problem from err
                if problems is not None:
                    problems.append(problem)
                continue
            yield number, value
    except _stream_errors() as err:
        if isinstance(err, SourceError):
            raise
        raise SourceError(
            f"file must be readable (got {type(err).__name__}: {err})", path=path, line=number + 1
        ) from err


def iter_json_array(
    stream: IO[bytes], *, path: str, after: bytes | None = None
) -> Iterable[tuple[int, object]]:
    """Stream the elements of the first top-level JSON array of a file.

    Yields ``(line_number, element)``, the line being where the element
    starts; one element is decoded at a time. Anything before the array is
    skipped, which reads the account archive's ``window.YTD.tweets.part0 = [...]``
    and, with ``after=b'"orderedItems"'``, the array under that key of an
    ActivityPub collection.

    Raises
    ------
    SourceError
        ``<path>:<line>: text must be UTF-8 (...)``, ``JSON must be well-formed
        (got ...)`` (a truncated file included), or ``file must contain a JSON
        array (got none)``. A broken array cannot be resumed, so these always raise.

    Examples
    --------
    >>> data = b'window.YTD.tweets.part0 = [\\n {"a": 1},\\n {"a": 2}\\n]'
    >>> list(iter_json_array(io.BytesIO(data), path="tweets.js"))
    [(2, {'a': 1}), (3, {'a': 2})]
    >>> list(iter_json_array(io.BytesIO(b'[{"a": 1},\\n {"a": '), path="x.json"))
    Traceback (most recent call last):
    ...
    influence.errors.SourceError: x.json:2: JSON must be well-formed (got a truncated value)
    """
    import codecs
    import json
    import re

    decoder = json.JSONDecoder()
    text_decoder = codecs.getincrementaldecoder("utf-8")()
    space = re.compile(r"[\s,]*")
    state = {"buffer": "", "pos": 0, "line": 1, "eof": False, "first": True}

    def more() -> bool:
        """Append the next chunk (dropping what was consumed); False at the end."""
        if state["eof"]:
            return False
        try:
            chunk = stream.read(JSON_CHUNK_BYTES)
        except _stream_errors() as err:
            raise SourceError(
                f"file must be readable (got {type(err).__name__}: {err})",
                path=path,
                line=state["line"],
            ) from err
        if state["first"]:
            chunk = chunk.removeprefix(b"\xef\xbb\xbf")
            state["first"] = False
        state["eof"] = not chunk
        rest = state["buffer"][state["pos"] :]
        try:
            text = text_decoder.decode(chunk, final=state["eof"])
        except UnicodeDecodeError as err:
            at = state["line"] + rest.count("\n") + chunk[: err.start].count(b"\n")
            byte = chunk[err.start : err.start + 1].hex()
            raise SourceError(
                f"text must be UTF-8 (got byte 0x{byte})", path=path, line=at
            ) from err
        state["buffer"], state["pos"] = rest + text, 0
        return True

    def advance(to: int) -> None:
        state["line"] += state["buffer"].count("\n", state["pos"], to)
        state["pos"] = to

    # find the opening bracket (after the marker, when given)
    marker = None if after is None else after.decode("utf-8")
    while True:
        buffer = state["buffer"]
        if marker is not None:
            at = buffer.find(marker, state["pos"])
            if at >= 0:
                advance(at + len(marker))
                marker = None
                continue
            advance(max(len(buffer) - len(marker), state["pos"]))
        else:
            at = buffer.find("[", state["pos"])
            if at >= 0:
                advance(at + 1)
                break
            advance(len(buffer))
        if not more():
            raise SourceError("file must contain a JSON array (got none)", path=path)
    while True:
        buffer = state["buffer"]
        advance(space.match(buffer, state["pos"]).end())
        if state["pos"] >= len(buffer):
            if more():
                continue
            raise SourceError(
                "JSON must be well-formed (got a truncated array: no closing ])",
                path=path,
                line=state["line"],
            )
        if buffer[state["pos"]] == "]":
            return
        try:
            value, end = decoder.raw_decode(buffer, state["pos"])
        except json.JSONDecodeError as err:
            if more():
                continue
            truncated = err.pos >= len(buffer.rstrip()) or err.msg.startswith("Unterminated")
            raise SourceError(
                f"JSON must be well-formed (got {'a truncated value' if truncated else err.msg})",
                path=path,
                line=state["line"]
                + (0 if truncated else buffer.count("\n", state["pos"], err.pos)),
            ) from err
        if end == len(buffer) and more():
            continue  # a number or literal may go on in the next chunk
        yield state["line"], value
        advance(end)
