"""Read mailing-list archives in mbox format (format ``"mbox"``).

An mbox file is a sequence of RFC 5322 messages, each introduced by a line
starting with ``From `` (Mailman/pipermail monthly archives such as
``2024-January.txt.gz``, Google Groups takeouts, ``mbox`` files of mail
clients, public-inbox exports). The file may be compressed (``.gz``, ``.bz2``,
``.xz``, ``.zst``); a folder is read as all the mbox files in it.

The file is streamed: the ``From `` separators are found on the decompressed
byte stream and each message is parsed alone with :mod:`email` (policy
``email.policy.default``), then reduced to a few fields; memory grows with the
output tables only.

What becomes what
-----------------
``messages``
    ``message_id`` the ``Message-ID`` without ``<>`` and white space (a
    message without one gets ``"missing-"`` plus the first 16 hex digits of the
    SHA-256 of its bytes, counted in ``read_stats.notes``); ``parent_id`` the
    ``In-Reply-To`` id, else the last ``References`` id; ``thread_id`` the
    root of the reply chain (a parent absent from the archive names the
    thread of its replies); ``kind`` ``reply`` (with a parent) or ``post``;
    ``created_at`` the ``Date`` header in UTC (a date without a zone is UTC);
    ``topic`` the ``List-Id`` (the part in ``<>``), else the first
    ``[prefix]`` of the ``Subject``; ``text_length`` the length of the
    plain-text body (0 without one); ``score`` missing. A ``Message-ID`` seen
    again (a message in two archives) is dropped as ``duplicate``.
``users``
    people are identified by their lower-cased address, but **addresses never
    appear in any output**: ``user_id`` is :func:`pseudonym` of the address
    (``"u"`` and 12 hex digits of its SHA-256) and ``display_name`` the name
    part of ``From`` (the latest one; the pseudonym when there is none, or
    when the name itself looks like an address). Pass
    ``reveal_addresses=True`` to :func:`read_mbox` to get the addresses as
    ``user_id`` instead. Pipermail's obfuscated ``bob at example.org (Bob)``
    is understood.
``links``
    none: mail has no mentions or likes.

Encoded headers (``=?utf-8?q?...?=``) are decoded. Header bytes that are not
valid UTF-8 and declare no charset (common in old archives) are decoded as
Latin-1 and counted in ``read_stats.notes``. A message without a usable
``Date`` or ``From`` address is an error (``<file>:<line>: Date of message N
must be ...``, the line of its ``From `` separator), or with
``on_error="skip"`` dropped and counted as ``malformed``.
"""

from __future__ import annotations

import email
import email.errors
import email.header
import email.message
import email.policy
import email.utils
import hashlib
import re
import warnings
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC as DATETIME_UTC
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd

from influence.community import Community, ReadStats
from influence.errors import InfluenceDataWarning, SourceError
from influence.schema import STRING, UTC, empty_messages
from influence.sources._common import (
    LINE,
    OnError,
    assemble,
    blank,
    check_on_error,
    got,
    head,
    open_binary,
    score_texts,
    screen,
    thread_roots,
)

__all__ = ["iter_mbox", "parse_mbox", "pseudonym", "read_mbox", "scan_mbox", "sniff"]

PLATFORM = "mbox"
_ID = re.compile(r"<([^<>]*)>")
_HEADER_LINE = re.compile(rb"^[\x21-\x39\x3b-\x7e]+:")
_OBFUSCATED = re.compile(r"^\s*([^\s@<>()]+) at ([^\s@<>()]+\.[^\s@<>()]+)(.*)$")
_PREFIX = re.compile(r"\[([^\[\]]+)\]")
_MIN_YEAR, _MAX_YEAR = 1678, 2261  # the years datetime64[ns] can hold whole
_FIELDS = (
    "message_id",
    "synthetic_id",
    "address",
    "name",
    "date",
    "created_at",
    "parent",
    "topic",
    "text_length",
    "not_utf8",
    "number",
    "text",
)


def pseudonym(address: str) -> str:
    """The stable pseudonym shown instead of an e-mail address.

    ``"u"`` followed by the first 12 hex digits of the SHA-256 of the
    lower-cased, stripped address. This is the one place that turns addresses
    into user ids.

    Examples
    --------
    >>> pseudonym("Ann@Example.org") == pseudonym(" ann@example.org")
    True
    >>> len(pseudonym("ann@example.org")), pseudonym("ann@example.org")[0]
    (13, 'u')
    """
    return "u" + hashlib.sha256(address.strip().lower().encode("utf-8")).hexdigest()[:12]


# --------------------------------------------------------------------------- files


def sniff(path: Path) -> bool:
    """Tell whether ``path`` is an mbox file (possibly compressed) or a folder of them.

    A file qualifies when its first line starts with ``From `` and the next
    line is a mail header. Never raises.

    Examples
    --------
    >>> sniff(Path("tests/data/mbox/list.mbox")), sniff(Path("tests/data/mbox"))
    (True, True)
    """
    try:
        path = Path(path)
        if path.is_dir():
            return any(_is_mbox(child) for child in sorted(path.iterdir()) if child.is_file())
        return path.is_file() and _is_mbox(path)
    except OSError:
        return False


def _is_mbox(path: Path) -> bool:
    lines = head(path, 1 << 12).lstrip(b"\r\n").split(b"\n", 2)
    return len(lines) > 1 and lines[0].startswith(b"From ") and bool(_HEADER_LINE.match(lines[1]))


def iter_mbox(stream: IO[bytes], *, source: str) -> Iterator[tuple[int, bytes]]:
    """Yield ``(line, message bytes)`` for each message of an mbox stream.

    A message starts at a line beginning with ``From `` (the mboxo/mboxrd
    convention that :mod:`mailbox` also follows); ``line`` is the number of
    that separator line. Only one message is held at a time.

    Raises
    ------
    SourceError
        When text precedes the first ``From `` line, or the stream cannot be
        read (a truncated ``.gz``), with the line.

    Examples
    --------
    >>> import io
    >>> data = b"From a Mon Jan  1 00:00:00 2024\\nSubject: x\\n\\nhi\\nFrom b\\nSubject: y\\n\\n"
    >>> [(line, len(message)) for line, message in iter_mbox(io.BytesIO(data), source="m")]
    [(1, 15), (5, 11)]
    """
    start = None
    lines: list[bytes] = []
    number = 0
    try:
        for number, raw in enumerate(stream, start=1):
            if raw.startswith(b"From "):
                if start is not None:
                    yield start, _message(lines)
                start, lines = number, []
            elif start is None:
                if raw.strip():
                    raise SourceError(
                        "an mbox file must start with a 'From ' line (got text before the first "
                        "message); force another format with --format NAME",
                        path=source,
                        line=number,
                    )
            else:
                lines.append(raw)
    except (OSError, EOFError, ValueError) as err:
        if isinstance(err, SourceError):
            raise
        raise SourceError(
            f"file must be readable (got {type(err).__name__}: {err}); the file may be truncated",
            path=source,
            line=number + 1,
        ) from err
    if start is not None:
        yield start, _message(lines)


def _message(lines: list[bytes]) -> bytes:
    """Join a message's lines, without the blank line that separates it from the next."""
    if lines and not lines[-1].strip():
        lines = lines[:-1]
    return b"".join(lines)


def _header(message: email.message.EmailMessage, name: str) -> str | None:
    try:
        value = message.get(name)
    except Exception:  # a header the email package cannot parse: use its raw text
        value = next((v for k, v in message.raw_items() if k.lower() == name.lower()), None)
    return None if value is None else str(value)


def _text_header(message: email.message.EmailMessage, name: str) -> str | None:
    """A header as text without surrogate escapes (undeclared 8-bit bytes repaired)."""
    value = _header(message, name)
    return None if value is None else _repair(value)[0]


def _raw_header(message: email.message.EmailMessage, name: str) -> str:
    """The first raw value of a header, unfolded, encoded words left as they are."""
    for key, value in message.raw_items():
        if key.lower() == name.lower():
            return re.sub(r"\r?\n[ \t]*", " ", str(value)).strip()
    return ""


def _decode_words(text: str) -> str:
    """Decode RFC 2047 encoded words (``=?utf-8?q?...?=``); text without them is unchanged."""
    if "=?" not in text:
        return text
    try:
        return str(email.header.make_header(email.header.decode_header(text)))
    except (ValueError, LookupError, email.errors.HeaderParseError):
        return text


def _repair(text: str) -> tuple[str, bool]:
    """Undo surrogate escapes of undeclared 8-bit header bytes: UTF-8, else Latin-1."""
    if not any("\udc80" <= ch <= "\udcff" for ch in text):
        return text, False
    raw = text.encode("utf-8", "surrogateescape")
    try:
        return raw.decode("utf-8"), False
    except UnicodeDecodeError:
        return raw.decode("latin-1"), True


def _ids(value: str | None) -> list[str]:
    if not value:
        return []
    found = _ID.findall(value)
    if not found and value.strip():
        found = [value.strip()]
    return [re.sub(r"\s+", "", item) for item in found if item.strip()]


def _body(message: email.message.EmailMessage) -> str:
    try:
        body = message.get_body(preferencelist=("plain",))
        if body is None:
            return ""
        try:
            return body.get_content()
        except (LookupError, ValueError):  # unknown charset: decode what is there
            payload = body.get_payload(decode=True) or b""
            return payload.decode("utf-8", "replace")
    except Exception:  # a broken MIME structure is not worth stopping for
        return ""


def _own_words(body: str) -> str | None:
    """The body without quoted lines (``>``) and the signature (after ``-- ``)."""
    body = body.split("\n-- \n", 1)[0]
    own = [line for line in body.splitlines() if not line.lstrip().startswith(">")]
    text = "\n".join(own).strip()
    return text or None


def _add_message(columns: dict[str, list], number: int, line: int, data: bytes) -> None:
    """Reduce one message to the kept fields (a per-record loop in the parser)."""
    message = email.message_from_bytes(data, policy=email.policy.default)
    sender, not_utf8 = _repair(_raw_header(message, "From"))
    obfuscated = _OBFUSCATED.match(sender) if "@" not in sender else None
    if obfuscated:
        sender = f"{obfuscated.group(1)}@{obfuscated.group(2)}{obfuscated.group(3)}"
    name, address = email.utils.parseaddr(sender)
    name, bad = _repair(_decode_words(name).strip())
    not_utf8 |= bad
    address = address.strip().lower() if "@" in address else ""
    identifier = _ids(_text_header(message, "Message-ID"))
    parent = (
        _ids(_text_header(message, "In-Reply-To"))[:1]
        or _ids(_text_header(message, "References"))[-1:]
    )
    date = _text_header(message, "Date")
    created = None
    if date:
        try:
            created = email.utils.parsedate_to_datetime(date)
        except (TypeError, ValueError, IndexError):
            created = None
    if created is not None:
        created = (
            created.replace(tzinfo=DATETIME_UTC) if created.tzinfo is None else created
        ).astimezone(DATETIME_UTC)
        if not _MIN_YEAR <= created.year <= _MAX_YEAR:  # beyond datetime64[ns]: malformed
            created = None
    list_id, bad = _repair(_header(message, "List-Id") or "")
    not_utf8 |= bad
    subject, bad = _repair(_header(message, "Subject") or "")
    not_utf8 |= bad
    topic = (_ID.findall(list_id) or [list_id.strip()])[0].strip() or None
    if topic is None:
        prefix = _PREFIX.search(subject)
        topic = prefix.group(1).strip() if prefix else None
    columns["message_id"].append(
        identifier[0] if identifier else "missing-" + hashlib.sha256(data).hexdigest()[:16]
    )
    columns["synthetic_id"].append(not identifier)
    columns["address"].append(address or None)
    columns["name"].append(name or None)
    columns["date"].append(date)
    columns["created_at"].append(created)
    columns["parent"].append(parent[0] if parent else None)
    columns["topic"].append(topic)
    body = _body(message)
    columns["text_length"].append(len(body))
    columns["not_utf8"].append(not_utf8)
    columns["number"].append(number)
    columns["text"].append(_own_words(body))
    columns[LINE].append(line)


def scan_mbox(stream: IO[bytes], *, source: str) -> dict[str, list]:
    """Stream an mbox file into one list per kept field.

    Returns
    -------
    dict of str to list
        ``message_id``, ``synthetic_id``, ``address`` (lower-cased),
        ``name``, ``date`` (the header text), ``created_at`` (UTC datetime or
        None), ``parent``, ``topic``, ``text_length``, ``not_utf8``, ``number``
        (1 for the first message), ``text`` (the plain-text body without quoted
        lines and signature, or None) and ``_line`` (its ``From `` line).

    Examples
    --------
    >>> import io
    >>> data = (b"From x Mon Jan  1 00:00:00 2024\\nFrom: =?utf-8?q?Jos=C3=A9?= <J@Ex.org>\\n"
    ...     b"Message-ID: < a@b >\\nDate: Mon, 1 Jan 2024 10:00:00 +0100\\n"
    ...     b"Subject: [dev] hi\\n\\nhello\\n")
    >>> columns = scan_mbox(io.BytesIO(data), source="m.mbox")
    >>> columns["message_id"], columns["address"], columns["name"], columns["topic"]
    (['a@b'], ['j@ex.org'], ['José'], ['dev'])
    >>> columns["created_at"][0].isoformat(), columns["text_length"]
    ('2024-01-01T09:00:00+00:00', [6])
    """
    columns: dict[str, list] = {name: [] for name in (*_FIELDS, LINE)}
    for number, (line, data) in enumerate(iter_mbox(stream, source=source), start=1):
        _add_message(columns, number, line, data)
    return columns


def read_mbox(
    path: str | Path,
    *,
    on_error: OnError = "raise",
    reveal_addresses: bool = False,
    brand: Iterable[str] | None = None,
    sentiment: bool = True,
) -> Community:
    """Read an mbox archive (a file or a folder of them) into a Community.

    Parameters
    ----------
    path : str or Path
        An mbox file (``.mbox``, ``.txt``, any name; possibly ``.gz``, ``.bz2``,
        ``.xz``, ``.zst``) or a folder of them (other files are ignored and noted).
    on_error : {"raise", "skip"}
        ``"raise"`` stops at the first message without a usable ``Date`` or
        ``From`` address; ``"skip"`` drops and counts it as ``malformed`` and warns once.
    reveal_addresses : bool
        ``False`` (default): user ids are pseudonyms and no address appears in
        any table. ``True``: user ids are the lower-cased addresses. Not
        reachable through :func:`influence.read`, on purpose.
    brand : iterable of str, optional
        Brand or topic keywords for the ``brand_mention`` column.
    sentiment : bool, default True
        ``False`` skips the scoring of the texts (no ``sentiment``, ``language``
        or ``brand_mention`` column, a read note says why): faster on huge dumps.

    Returns
    -------
    Community
        ``platform="mbox"``; messages carry ``sentiment``, ``language`` and
        ``brand_mention`` of the plain-text body without quoted lines and
        signature (:func:`~influence.sources._common.score_texts`), not the text.

    Raises
    ------
    SourceError
        ``<file>:<line>: <what>`` (the line of the message's ``From ``
        separator) for a bad message or an unreadable file.

    Examples
    --------
    >>> community = read_mbox("tests/data/mbox/list.mbox")
    >>> community.messages["kind"].astype(str).tolist()
    ['post', 'reply', 'reply', 'reply', 'post']
    >>> bool(community.users["user_id"].str.contains("@").any())
    False
    """
    on_error = check_on_error(on_error)
    path = Path(path)
    stats = ReadStats()
    if path.is_dir():
        files = []
        for child in sorted(p for p in path.iterdir() if p.is_file()):
            if _is_mbox(child):
                files.append(child)
            else:
                stats.note(f"{child.name}: not an mbox file; not used")
        if not files:
            raise SourceError("a folder of mbox files must hold one (got none)", path=str(path))
    else:
        files = [path]
    archives = []
    for file in files:
        with open_binary(file) as stream:
            archives.append((file.name, scan_mbox(stream, source=file.name)))
    messages, users = parse_mbox(
        archives, on_error=on_error, stats=stats, reveal_addresses=reveal_addresses
    )
    del archives  # the texts live on in messages["text"] only until scored
    messages = score_texts(messages, stats=stats, brand=brand, sentiment=sentiment)
    return assemble(messages, users=users, stats=stats, platform=PLATFORM, name=path.resolve().name)


# --------------------------------------------------------------------------- parsing


def parse_mbox(
    archives: Sequence[tuple[str, dict[str, list]]],
    *,
    on_error: OnError = "raise",
    stats: ReadStats | None = None,
    reveal_addresses: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Turn scanned mbox files into messages and users (pure).

    Parameters
    ----------
    archives : sequence of (source, columns)
        As from :func:`scan_mbox`.
    on_error : {"raise", "skip"}
    stats : ReadStats, optional
        Receives, per file, ``messages`` (dropped: ``malformed``, ``duplicate``)
        and notes on synthetic ids and non-UTF-8 headers.
    reveal_addresses : bool
        User ids are addresses instead of pseudonyms.

    Returns
    -------
    messages, users : DataFrame
        ``messages`` holds a ``text`` column (missing when the scan has none)
        that :func:`read_mbox` turns into sentiment columns.

    Examples
    --------
    >>> columns = {"message_id": ["a@x", "b@x"], "address": ["ann@x.org", "bob@x.org"],
    ...     "name": ["Ann", None], "created_at": [pd.Timestamp("2024-01-01", tz="UTC")] * 2,
    ...     "parent": [None, "a@x"], "_line": [1, 9]}
    >>> messages, users = parse_mbox([("m.mbox", columns)])
    >>> messages[["thread_id", "kind"]].to_dict("list")
    {'thread_id': ['a@x', 'a@x'], 'kind': ['post', 'reply']}
    >>> users["display_name"].tolist() == ["Ann", users["user_id"].iloc[1]]
    True
    """
    on_error = check_on_error(on_error)
    stats = ReadStats() if stats is None else stats
    parts = []
    seen = pd.Index([], dtype=STRING)
    for source, columns in archives:
        part = _screen(source, columns, seen, on_error, stats)
        seen = seen.append(pd.Index(part["message_id"].array))
        parts.append(part)
    rows = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    if rows.empty:
        return empty_messages(), None
    address = rows["address"].astype(STRING)
    ids = address if reveal_addresses else address.map(pseudonym).astype(STRING)
    parent = rows["parent"].astype(STRING)
    message_id = rows["message_id"].astype(STRING)
    created = pd.to_datetime(rows["created_at"], utc=True).astype(UTC)
    threads, looping = thread_roots(message_id, parent, created)
    if looping.any():
        text = (
            f"{int(looping.sum())} messages have an In-Reply-To chain that loops; each such "
            "thread is named after its earliest message"
        )
        stats.note(text)
        warnings.warn(text, InfluenceDataWarning, stacklevel=3)
    messages = pd.DataFrame(
        {
            "message_id": message_id,
            "author_id": ids,
            "thread_id": pd.array(threads, dtype=STRING),
            "parent_id": parent,
            "created_at": created,
            "kind": np.where(parent.notna().to_numpy(bool), "reply", "post"),
            "platform": PLATFORM,
            "topic": rows["topic"].astype(STRING),
            "score": np.nan,
            "text_length": pd.to_numeric(rows["text_length"]).fillna(0).astype("int64"),
            "text": rows["text"].astype(STRING),
        }
    )
    name = rows["name"].astype(STRING).str.strip()
    name = name.mask((name == "") | name.str.contains("@", regex=False))
    people = pd.DataFrame({"user_id": ids, "name": name, "created_at": created})
    people = people.sort_values(["created_at"], kind="stable")
    latest = people.dropna(subset=["name"]).drop_duplicates("user_id", keep="last")
    users = pd.DataFrame({"user_id": pd.unique(people["user_id"])})
    users["user_id"] = users["user_id"].astype(STRING)
    named = pd.Series(latest["name"].to_numpy(), index=latest["user_id"].to_numpy())
    users["display_name"] = pd.array(
        named.reindex(users["user_id"].to_numpy()).to_numpy(), dtype=STRING
    )
    users["display_name"] = users["display_name"].fillna(users["user_id"])
    users["created_at"] = pd.Series(pd.NaT, index=users.index, dtype=UTC)
    return messages, users


def _screen(
    source: str,
    columns: dict[str, list],
    seen: pd.Index,
    on_error: OnError,
    stats: ReadStats,
) -> pd.DataFrame:
    frame = pd.DataFrame(
        {name: pd.Series(values, dtype=object) for name, values in columns.items()}
    )
    for name in (*_FIELDS, LINE):
        if name not in frame.columns:
            frame[name] = pd.Series([None] * len(frame), dtype=object)
    if frame["number"].isna().all():
        frame["number"] = np.arange(1, len(frame) + 1)
    message_id = frame["message_id"].astype(STRING)
    created = frame["created_at"]

    def date_problem(position: int) -> str:
        number = frame["number"].iloc[position]
        return (
            f"Date of message {number} must be an RFC 2822 date "
            f"(got {got(frame['date'], position)})"
        )

    def sender_problem(position: int) -> str:
        number = frame["number"].iloc[position]
        return f"From of message {number} must hold an e-mail address (got none)"

    checks = [
        ("malformed", created.isna().to_numpy(bool), date_problem),
        ("malformed", blank(frame["address"]), sender_problem),
        (
            "duplicate",
            message_id.duplicated().to_numpy(bool) | message_id.isin(seen).to_numpy(bool),
            lambda _p: "",
        ),
    ]
    keep, dropped, first = screen(frame, checks, on_error=on_error, sources=source)
    if first is not None:
        stats.note(f"{source}: skipped {dropped['malformed']} bad record(s); first: {first}")
    stats.record(source, "messages", read=len(frame), kept=int(keep.sum()), dropped=dropped)
    rows = frame.loc[keep].reset_index(drop=True)
    synthetic = int(rows["synthetic_id"].fillna(False).astype(bool).sum())
    if synthetic:
        stats.note(
            f"{source}: {synthetic} message(s) without Message-ID got a synthetic id "
            "(missing- and a hash of the message)"
        )
    not_utf8 = int(rows["not_utf8"].fillna(False).astype(bool).sum())
    if not_utf8:
        stats.note(
            f"{source}: {not_utf8} message(s) had header bytes that are not UTF-8 and declare "
            "no charset; decoded as Latin-1"
        )
    return rows
