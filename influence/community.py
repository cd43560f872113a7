"""The :class:`Community`: canonical tables plus the statistics of how they were read."""

from __future__ import annotations

import copy
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from urllib.parse import quote, urlsplit

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from influence._lookup import arrow_strings
from influence.errors import InfluenceError
from influence.schema import validate_interactions, validate_messages, validate_users

__all__ = ["Community", "ReadStats", "check_profile_url", "profile_urls"]


@dataclass
class _Entry:
    source: str
    table: str
    read: int = 0
    kept: int = 0
    dropped: dict[str, int] = field(default_factory=dict)


class ReadStats:
    """What was read, kept and dropped, per input file and table, and why.

    The invariant ``read == kept + sum(dropped)`` holds for every entry:
    :meth:`record` refuses counts that break it. Derived tables (for example the
    interactions built from messages) are recorded under a source such as
    ``"(derived)"``.

    Examples
    --------
    >>> stats = ReadStats()
    >>> stats.record("Posts.xml", "messages", read=5, kept=3,
    ...              dropped={"not_conversation": 2})
    >>> stats.total("messages")
    {'read': 5, 'kept': 3, 'dropped': 2}
    >>> stats.record("x", "messages", read=2, kept=2, dropped={"bad": 1})
    Traceback (most recent call last):
    ...
    influence.errors.InfluenceError: read_stats for x/messages must satisfy read = kept + ...
    """

    def __init__(self) -> None:
        self._entries: dict[tuple[str, str], _Entry] = {}
        self.notes: list[str] = []

    def record(
        self,
        source: str,
        table: str,
        *,
        read: int,
        kept: int,
        dropped: Mapping[str, int] | None = None,
    ) -> None:
        """Add counts for one source and table (counts accumulate over calls)."""
        dropped = {reason: int(n) for reason, n in (dropped or {}).items() if int(n)}
        if int(read) != int(kept) + sum(dropped.values()):
            raise InfluenceError(
                f"read_stats for {source}/{table} must satisfy read = kept + dropped "
                f"(got read={read}, kept={kept}, dropped={sum(dropped.values())})"
            )
        entry = self._entries.setdefault((source, table), _Entry(source, table))
        entry.read += int(read)
        entry.kept += int(kept)
        for reason, n in dropped.items():
            entry.dropped[reason] = entry.dropped.get(reason, 0) + n

    def note(self, text: str) -> None:
        """Keep a sentence about the input (for example an optional file that was absent)."""
        if text not in self.notes:
            self.notes.append(text)

    def merge(self, other: ReadStats) -> None:
        """Add every entry and note of ``other`` to this one."""
        for entry in other._entries.values():
            self.record(
                entry.source, entry.table, read=entry.read, kept=entry.kept, dropped=entry.dropped
            )
        for text in other.notes:
            self.note(text)

    def total(self, table: str) -> dict[str, int]:
        """Return ``{'read', 'kept', 'dropped'}`` summed over sources of ``table``."""
        entries = [e for e in self._entries.values() if e.table == table]
        return {
            "read": sum(e.read for e in entries),
            "kept": sum(e.kept for e in entries),
            "dropped": sum(sum(e.dropped.values()) for e in entries),
        }

    def dropped(self, table: str | None = None) -> dict[str, int]:
        """Return the dropped counts by reason, over all sources (of ``table``)."""
        out: dict[str, int] = {}
        for entry in self._entries.values():
            if table is None or entry.table == table:
                for reason, n in entry.dropped.items():
                    out[reason] = out.get(reason, 0) + n
        return out

    def to_frame(self) -> pd.DataFrame:
        """One row per source, table and reason (reason ``""`` for the kept rows).

        Columns: ``source``, ``table``, ``read``, ``kept``, ``reason``, ``dropped``.
        """
        rows = []
        for e in self._entries.values():
            if not e.dropped:
                rows.append((e.source, e.table, e.read, e.kept, "", 0))
            for reason, n in sorted(e.dropped.items()):
                rows.append((e.source, e.table, e.read, e.kept, reason, n))
        return pd.DataFrame(rows, columns=["source", "table", "read", "kept", "reason", "dropped"])

    def to_dict(self) -> dict:
        """A JSON-ready dict: a list of entries and the notes."""
        return {
            "entries": [
                {
                    "source": e.source,
                    "table": e.table,
                    "read": e.read,
                    "kept": e.kept,
                    "dropped": dict(sorted(e.dropped.items())),
                }
                for e in self._entries.values()
            ],
            "notes": list(self.notes),
        }

    def __repr__(self) -> str:
        parts = [f"{e.source}/{e.table}: {e.kept}/{e.read} kept" for e in self._entries.values()]
        return "ReadStats(" + "; ".join(parts) + ")"


@dataclass(frozen=True)
class Community:
    """A community read from a dump: the three canonical tables and ``read_stats``.

    Build one with :func:`influence.read` or from your own tables; the tables are
    validated (and copied) on construction, so a Community is always canonical.

    Parameters
    ----------
    messages, interactions, users : DataFrame
        The canonical tables of DESIGN.md section 3.
    read_stats : ReadStats, optional
        How the tables were read.
    platform : str
        Where the data comes from (``"stackexchange"``, ``"table"``, ...).
    name : str
        A label, usually the dump's file or folder name.
    profile_url : str, optional
        A template such as ``"https://site/users/{user_id}"`` for links to profiles.
    """

    messages: pd.DataFrame
    interactions: pd.DataFrame
    users: pd.DataFrame
    read_stats: ReadStats = field(default_factory=ReadStats)
    platform: str = "unknown"
    name: str = ""
    profile_url: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "messages", validate_messages(self.messages))
        object.__setattr__(self, "interactions", validate_interactions(self.interactions))
        object.__setattr__(self, "users", validate_users(self.users))

    @cached_property
    def user_ids(self) -> pd.Index:
        """Every user id the community knows: users table, authors and interaction ends.

        Sorted, as a string Index; this is the row order of every per-user table.
        """
        parts = [
            self.users["user_id"],
            self.messages["author_id"].dropna(),
            self.interactions["source"],
            self.interactions["target"],
        ]
        # drop_duplicates and sort_values in Arrow: the same ids in the same (code point) order
        ids = pc.unique(pa.concat_arrays([arrow_strings(part) for part in parts]))
        ids = ids.take(pc.sort_indices(ids))
        return pd.Index(pd.array(ids, dtype="string"), name="user_id")

    def window(self, since=None, until=None) -> Community:
        """Return the community restricted to ``since <= created_at < until``.

        Users are kept (they become inactive when they have no message left).
        Bounds are timestamps or strings; naive ones are read as UTC.
        """
        lo = _utc_bound(since)
        hi = _utc_bound(until)

        def keep(frame: pd.DataFrame) -> pd.DataFrame:
            mask = pd.Series(True, index=frame.index)
            if lo is not None:
                mask &= frame["created_at"] >= lo
            if hi is not None:
                mask &= frame["created_at"] < hi
            return frame.loc[mask]

        return replace(self, messages=keep(self.messages), interactions=keep(self.interactions))

    def with_profile_url(self, template: str) -> Community:
        """Return the community with profile links made from ``template``.

        For platforms whose dumps carry no profile URL (Stack Exchange, Discourse,
        Slack, mbox, tables), or to point links elsewhere: the template replaces
        the platform's own (the tables are shared, not copied).

        Parameters
        ----------
        template : str
            An http(s) URL with ``{user_id}``, checked by :func:`check_profile_url`.

        Examples
        --------
        >>> import influence
        >>> community = influence.read("datasets/stackexchange-conlang-meta-2020")
        >>> linked = community.with_profile_url("https://conlang.meta.stackexchange.com/users/{user_id}")
        >>> community.profile_url, linked.profile_url.endswith("/users/{user_id}")
        (None, True)
        """
        checked = check_profile_url(template)
        other = copy.copy(self)
        object.__setattr__(other, "profile_url", checked)
        return other

    def to_networkx(self):
        """The weighted directed interaction graph as a networkx DiGraph.

        See :func:`influence.graph.to_networkx`.
        """
        from influence.graph import build_adjacency, to_networkx

        return to_networkx(build_adjacency(self))

    def __repr__(self) -> str:
        return (
            f"Community(platform={self.platform!r}, name={self.name!r}, "
            f"messages={len(self.messages)}, interactions={len(self.interactions)}, "
            f"users={len(self.users)})"
        )

    def _repr_html_(self) -> str:
        """Jupyter view: size, time span, contributions and interactions by kind, drops."""
        import html

        def counts(values: pd.Series) -> str:
            table = values.astype(str).value_counts().sort_index()
            return ", ".join(f"{html.escape(k)} {v:,}" for k, v in table.items()) or "none"

        times = self.messages["created_at"]
        span = f"{times.min():%Y-%m-%d} to {times.max():%Y-%m-%d}" if len(times) else "no message"
        dropped = self.read_stats.dropped()
        drops = (
            ", ".join(f"{html.escape(r)} {n:,}" for r, n in sorted(dropped.items()))
            if dropped
            else "nothing"
        )
        rows = [
            ("messages", f"{len(self.messages):,} ({counts(self.messages['kind'])})"),
            ("interactions", f"{len(self.interactions):,} ({counts(self.interactions['kind'])})"),
            ("users", f"{len(self.users):,} known, {self.messages['author_id'].nunique():,} wrote"),
            ("time span", span + " (UTC)"),
            ("dropped while reading", drops),
        ]
        if self.profile_url:
            rows.append(("profiles", html.escape(self.profile_url)))
        body = "".join(
            f"<tr><th style='text-align:left'>{k}</th><td style='text-align:left'>{v}</td></tr>"
            for k, v in rows
        )
        return (
            f"<div><strong>Community</strong> {html.escape(self.name)} "
            f"({html.escape(self.platform)})<table>{body}</table></div>"
        )


def check_profile_url(template: str) -> str:
    """Return ``template`` when it makes profile links: http(s), a host, ``{user_id}``.

    Raises
    ------
    ValueError
        One line saying what is wrong, for example a template without
        ``{user_id}``, another placeholder, or a scheme other than http and https.

    Examples
    --------
    >>> check_profile_url("https://cardano.stackexchange.com/users/{user_id}")
    'https://cardano.stackexchange.com/users/{user_id}'
    >>> check_profile_url("ftp://site.example/users/{user_id}")
    Traceback (most recent call last):
    ...
    ValueError: profile URL template must be an http:// or https:// URL with a host (got ...)
    """
    if not isinstance(template, str):
        raise ValueError(f"profile URL template must be a string (got {template!r})")
    try:
        fields = [
            parsed[1:] for parsed in string.Formatter().parse(template) if parsed[1] is not None
        ]
    except ValueError as err:
        raise ValueError(
            f"profile URL template must have matching braces (got {template!r}: {err}); "
            "write a literal brace as {{ or }}"
        ) from err
    for name, spec, conversion in fields:
        if name != "user_id" or spec or conversion:
            placeholder = "{" + name + ("!" + conversion if conversion else "")
            placeholder += (":" + spec if spec else "") + "}"
            raise ValueError(
                f"profile URL template may only use {{user_id}} (got {placeholder} in {template!r})"
            )
    if not fields:
        raise ValueError(
            f"profile URL template must contain {{user_id}} (got {template!r}); "
            "e.g. https://site.example/users/{user_id}"
        )
    parts = urlsplit(template.format(user_id="0"))
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise ValueError(
            "profile URL template must be an http:// or https:// URL with a host "
            f"(got {template!r})"
        )
    if any(ch.isspace() or ord(ch) < 32 for ch in template):
        raise ValueError(f"profile URL template must not contain spaces (got {template!r})")
    return template


def profile_urls(template: str, user_ids: Iterable) -> list[str]:
    """The profile URL of each user: ``template`` with the id, percent-encoded, as ``{user_id}``.

    The template ``"{user_id}"`` alone (Mastodon, whose user ids are the profile
    URLs) gives the ids unchanged.

    Examples
    --------
    >>> profile_urls("https://site.example/u/{user_id}", ["42", "a b/c?d"])
    ['https://site.example/u/42', 'https://site.example/u/a%20b%2Fc%3Fd']
    """
    if template == "{user_id}":
        return [str(user_id) for user_id in user_ids]
    return [template.format(user_id=quote(str(user_id), safe="")) for user_id in user_ids]


def _utc_bound(value) -> pd.Timestamp | None:
    if value is None:
        return None
    stamp = pd.Timestamp(value)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
