"""Identities: one person behind several accounts, and accounts that are not people.

* :func:`read_aliases` reads an alias file (CSV ``user_id,person_id``) and
  :func:`merge_aliases` merges the accounts of one person (across platforms or
  e-mail addresses) into one user before scoring.
* :func:`detect_accounts` flags bots and staff: known bot names, platform flags
  (``is_bot``, ``is_system``, ``is_staff``, ``is_moderator``, ...), staff titles,
  and templated high-frequency posting.
* :func:`read_exclusions` reads an exclusion list; :func:`exclude_accounts` removes
  accounts (detected or listed) and returns, beside the smaller community, the
  table of what was excluded and why: excluded accounts are reported, never
  silently dropped.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from influence.community import Community, ReadStats
from influence.errors import SourceError

__all__ = [
    "EXCLUDED_COLUMNS",
    "KNOWN_BOTS",
    "apply_identities",
    "detect_accounts",
    "exclude_accounts",
    "merge_aliases",
    "read_aliases",
    "read_exclusions",
]

#: Well-known bot accounts across platforms (compared case-insensitively).
KNOWN_BOTS = frozenset(
    {
        "automoderator",
        "botdefense",
        "remindmebot",
        "repostsleuthbot",
        "sneakpeekbot",
        "wikisummarizerbot",
        "savevideo",
        "totesmessenger",
        "slackbot",
        "uslackbot",
        "discobot",
        "system",
        "dependabot",
        "github-actions",
        "renovate",
        "mee6",
        "dyno",
        "carl-bot",
        "mailer-daemon",
        "postmaster",
        "noreply",
        "no-reply",
        "community",
    }
)

#: Columns of the table :func:`exclude_accounts` returns.
EXCLUDED_COLUMNS = ("user_id", "display_name", "kind", "reason", "messages", "interactions")

#: Boolean user columns that mark a bot or a system account.
_BOT_FLAGS = ("is_bot", "is_system", "bot", "is_app_user")
#: Boolean user columns that mark staff.
_STAFF_FLAGS = ("is_staff", "is_moderator", "is_admin", "is_employee", "staff", "moderator")
#: Names that read as bots: ``name[bot]``, ``name-bot``, ``name_bot``, ``NameBot``.
_BOT_NAME = re.compile(r"(?:\[bot\]$|[-_. ]bot$|^bot[-_. ]|[a-z0-9]Bot$)")
_STAFF_TITLE = re.compile(
    r"\b(?:moderator|administrator|admin|staff|community manager|community team|employee)\b",
    re.IGNORECASE,
)


def _text_of(path: str | Path) -> str:
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise SourceError(f"file must be readable UTF-8 text (got {err})", path=str(path)) from err


def read_aliases(path: str | Path) -> pd.DataFrame:
    """Read an alias file: a CSV with the columns ``user_id`` and ``person_id``.

    Parameters
    ----------
    path : str or Path
        A CSV file with a header row; other columns are ignored. Each
        ``user_id`` (an account, as the dump spells it) is merged into
        ``person_id`` (any id; it may be one of the accounts).

    Returns
    -------
    DataFrame
        ``user_id`` and ``person_id`` (strings), one row per account, in file order.

    Raises
    ------
    SourceError
        Naming the file and line: a missing column, an empty id, or an account
        given two different people.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "aliases.csv")
    >>> _ = open(path, "w").write("user_id,person_id\\nann@work,ann\\nann_home,ann\\n")
    >>> read_aliases(path).to_dict("list")
    {'user_id': ['ann@work', 'ann_home'], 'person_id': ['ann', 'ann']}
    """
    rows = list(csv.reader(io.StringIO(_text_of(path))))
    if not rows:
        raise SourceError("alias file must have a header row user_id,person_id (got an empty file)",
                          path=str(path), line=1)  # fmt: skip
    header = [h.strip() for h in rows[0]]
    missing = [c for c in ("user_id", "person_id") if c not in header]
    if missing:
        raise SourceError(
            f"alias file must have the columns user_id and person_id (missing {missing}; "
            f"got {header})",
            path=str(path),
            line=1,
        )
    at_user, at_person = header.index("user_id"), header.index("person_id")
    seen: dict[str, str] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        user = row[at_user].strip() if at_user < len(row) else ""
        person = row[at_person].strip() if at_person < len(row) else ""
        if not user or not person:
            raise SourceError(
                f"alias must have a user_id and a person_id (got {','.join(row)!r})",
                path=str(path),
                line=line,
            )
        if seen.get(user, person) != person:
            raise SourceError(
                f"account {user!r} must belong to one person (got {seen[user]!r} and {person!r})",
                path=str(path),
                line=line,
            )
        seen[user] = person
    return pd.DataFrame(
        {
            "user_id": pd.array(list(seen), dtype="string"),
            "person_id": pd.array(list(seen.values()), dtype="string"),
        }
    )


def _copy_stats(stats: ReadStats) -> ReadStats:
    copy = ReadStats()
    copy.merge(stats)
    return copy


def merge_aliases(community: Community, aliases: pd.DataFrame) -> Community:
    """Merge the accounts of each person into one user named ``person_id``.

    Parameters
    ----------
    community : Community
        Not modified.
    aliases : DataFrame
        ``user_id`` -> ``person_id`` (as :func:`read_aliases` returns); accounts
        not listed keep their id.

    Returns
    -------
    Community
        Authors, interaction ends and users renamed. Merged users keep the first
        known display name and profile text (in user id order), the earliest
        ``created_at``, and a flag (``is_bot``, ...) when any account had it.
        Interactions that become self-interactions (one account of a person
        answering another) are dropped and counted in a note of ``read_stats``,
        as is the number of accounts merged.

    Examples
    --------
    >>> from influence.sources.table import parse_table
    >>> msgs = pd.DataFrame({"message_id": list("123"), "author_id": ["ann1", "bob", "ann2"],
    ...     "parent_id": [None, "1", "2"],
    ...     "created_at": ["2024-01-01 00:00", "2024-01-01 00:30", "2024-01-01 01:00"]})
    >>> merged = merge_aliases(parse_table(msgs),
    ...     pd.DataFrame({"user_id": ["ann1", "ann2"], "person_id": ["ann", "ann"]}))
    >>> merged.messages["author_id"].tolist(), len(merged.interactions)
    (['ann', 'bob', 'ann'], 2)
    """
    mapping = pd.Series(
        aliases["person_id"].astype("string").to_numpy(),
        index=pd.Index(aliases["user_id"].astype("string")),
    )
    mapping = mapping[~mapping.index.duplicated(keep="first")]

    def rename(values: pd.Series) -> pd.Series:
        values = values.astype("string")
        mapped = values.map(mapping)
        return mapped.where(mapped.notna(), values).astype("string")

    messages = community.messages.assign(author_id=rename(community.messages["author_id"]))
    interactions = community.interactions.assign(
        source=rename(community.interactions["source"]),
        target=rename(community.interactions["target"]),
    )
    loops = (interactions["source"] == interactions["target"]).to_numpy(bool)
    interactions = interactions.loc[~loops]
    users = community.users.assign(person=rename(community.users["user_id"]))
    merged_accounts = int(users["user_id"].isin(mapping.index).sum())
    users = users.sort_values("user_id", kind="stable")
    aggregations = {}
    for column in users.columns:
        if column in ("user_id", "person"):
            continue
        if pd.api.types.is_bool_dtype(users[column].dtype):
            aggregations[column] = "max"
        elif column == "created_at":
            aggregations[column] = "min"
        else:
            aggregations[column] = "first"
    users = users.groupby("person", sort=True, dropna=False).agg(aggregations)
    users = users.rename_axis("user_id").reset_index()
    stats = _copy_stats(community.read_stats)
    people = int(mapping.nunique())
    stats.note(
        f"aliases: {merged_accounts} accounts in the data merged into {people} people; "
        f"{int(loops.sum())} interactions between accounts of the same person dropped"
    )
    return replace(
        community,
        messages=messages,
        interactions=interactions,
        users=users,
        read_stats=stats,
    )


def _flag(frame: pd.DataFrame, columns: Iterable[str]) -> tuple[np.ndarray, list[str]]:
    """OR of the boolean flag columns present, and which flag each row has."""
    hit = np.zeros(len(frame), dtype=bool)
    names = [""] * len(frame)
    for column in columns:
        if column not in frame.columns:
            continue
        values = frame[column]
        if not pd.api.types.is_bool_dtype(values.dtype):
            values = values.astype("string").str.lower().isin(["true", "1", "yes"])
        mask = values.fillna(False).to_numpy(bool)
        for position in np.flatnonzero(mask & ~hit):
            names[position] = column
        hit |= mask
    return hit, names


def detect_accounts(
    community: Community,
    *,
    names: Iterable[str] = KNOWN_BOTS,
    min_messages: int = 20,
    template_share: float = 0.5,
    max_median_gap: str | pd.Timedelta = "10min",
) -> pd.DataFrame:
    """Flag the accounts that are bots or staff, with the reason.

    Parameters
    ----------
    community : Community
    names : iterable of str
        Known bot names (user id or display name, case-insensitive); default
        :data:`KNOWN_BOTS`.
    min_messages : int, default 20
        Templated posting is only looked for in accounts with at least this many
        messages.
    template_share : float, default 0.5
        Templated: the most common text (or, without a ``text`` column, the most
        common text length) covers at least this share of the account's messages.
    max_median_gap : str or Timedelta, default "10min"
        High frequency: the median time between the account's successive
        messages is at most this.

    Returns
    -------
    DataFrame
        One row per flagged account: ``user_id``, ``display_name``, ``kind``
        (``"bot"`` or ``"staff"``), ``reason`` (``known bot name``, ``bot-like
        name``, ``platform flag is_bot``, ``staff title 'Moderator'``,
        ``templated high-frequency posting (...)``) and ``messages``; sorted by
        kind then user id. Nothing is removed: see :func:`exclude_accounts`.

    Notes
    -----
    Staff are often the most active members (community managers): they are
    reported with ``kind="staff"`` so that a program can leave them out, not
    mistaken for bots.

    Examples
    --------
    >>> from influence.sources.table import parse_table
    >>> msgs = pd.DataFrame({"message_id": list("123"),
    ...     "author_id": ["AutoModerator", "ann", "deploy-bot"], "parent_id": [None, "1", "2"],
    ...     "created_at": ["2024-01-01 00:00", "2024-01-01 00:30", "2024-01-01 01:00"]})
    >>> detect_accounts(parse_table(msgs))[["user_id", "kind", "reason"]]
             user_id kind           reason
    0  AutoModerator  bot   known bot name
    1     deploy-bot  bot  bot-like name
    """
    users = community.users.reset_index(drop=True)
    ids = users["user_id"].astype("string")
    shown = users["display_name"].astype("string")
    known = {str(n).lower() for n in names}
    reasons: dict[str, tuple[str, str]] = {}

    def add(mask: np.ndarray, kind: str, texts: Iterable[str]) -> None:
        for uid, text in zip(ids.to_numpy()[mask], texts, strict=True):
            if uid not in reasons or (kind == "bot" and reasons[uid][0] != "bot"):
                reasons[uid] = (kind, text)

    by_name = (ids.str.lower().isin(known) | shown.str.lower().isin(known)).fillna(False)
    by_name = by_name.to_numpy(bool)
    pattern = (
        ids.str.contains(_BOT_NAME, regex=True) | shown.str.contains(_BOT_NAME, regex=True)
    ).fillna(False).to_numpy(bool) & ~by_name
    bot_flag, bot_flag_names = _flag(users, _BOT_FLAGS)
    staff_flag, staff_flag_names = _flag(users, _STAFF_FLAGS)
    if "title" in users.columns:
        titles = users["title"].astype("string")
        staff_title = titles.str.contains(_STAFF_TITLE, regex=True).fillna(False).to_numpy(bool)
    else:
        titles = pd.Series(pd.NA, index=users.index, dtype="string")
        staff_title = np.zeros(len(users), dtype=bool)
    add(
        staff_title & ~staff_flag,
        "staff",
        [f"staff title {t!r}" for t in titles[staff_title & ~staff_flag]],
    )
    add(staff_flag, "staff", [f"platform flag {n}" for n in np.array(staff_flag_names)[staff_flag]])
    add(pattern, "bot", ["bot-like name"] * int(pattern.sum()))
    add(bot_flag, "bot", [f"platform flag {n}" for n in np.array(bot_flag_names)[bot_flag]])
    add(by_name, "bot", ["known bot name"] * int(by_name.sum()))

    templated = _templated(community.messages, min_messages, template_share, max_median_gap)
    for uid, text in templated.items():
        if uid not in reasons or reasons[uid][0] != "bot":
            reasons[uid] = ("bot", text)

    counts = community.messages["author_id"].value_counts()
    names_by_id = pd.Series(shown.to_numpy(), index=ids.to_numpy())
    rows = [
        (uid, names_by_id.get(uid, pd.NA), kind, text, float(counts.get(uid, 0)))
        for uid, (kind, text) in reasons.items()
    ]
    table = pd.DataFrame(rows, columns=["user_id", "display_name", "kind", "reason", "messages"])
    table = table.sort_values(["kind", "user_id"], kind="stable").reset_index(drop=True)
    table["user_id"] = table["user_id"].astype("string")
    table["display_name"] = table["display_name"].astype("string")
    table["messages"] = table["messages"].astype(np.float64)
    return table


def _templated(
    messages: pd.DataFrame, min_messages: int, template_share: float, max_median_gap
) -> dict[str, str]:
    """Accounts posting the same thing, fast: author -> reason."""
    authored = messages.loc[messages["author_id"].notna()]
    counts = authored["author_id"].value_counts()
    busy = counts.index[counts >= min_messages]
    if not len(busy):
        return {}
    frame = authored.loc[authored["author_id"].isin(busy)]
    body = frame["text"].astype("string") if "text" in frame.columns else frame["text_length"]
    what = "text" if "text" in frame.columns else "text length"
    pairs = pd.DataFrame({"author": frame["author_id"].to_numpy(), "body": body.to_numpy()})
    top = pairs.groupby(["author", "body"], dropna=False).size().groupby(level="author").max()
    share = top / counts.reindex(top.index)
    times = frame.sort_values("created_at", kind="stable")
    gap = times.groupby("author_id", sort=False)["created_at"].diff()
    median_gap = gap.groupby(times["author_id"].to_numpy()).median()
    limit = pd.Timedelta(max_median_gap)
    out = {}
    for author in share.index[share >= template_share]:  # a handful of busy accounts
        if median_gap.get(author, pd.NaT) <= limit:
            minutes = median_gap[author].total_seconds() / 60
            out[str(author)] = (
                f"templated high-frequency posting ({share[author]:.0%} same {what}, "
                f"median {minutes:.1f} min apart)"
            )
    return out


def read_exclusions(path: str | Path) -> pd.DataFrame:
    """Read an exclusion list: accounts to leave out of the analysis.

    Parameters
    ----------
    path : str or Path
        Either a CSV with a ``user_id`` column (and optionally ``reason``), or a
        plain list of user ids, one per line (blank lines and lines starting
        with ``#`` are ignored).

    Returns
    -------
    DataFrame
        ``user_id`` and ``reason`` (``"exclusion list"`` when not given), strings.

    Raises
    ------
    SourceError
        When a CSV row has no ``user_id`` (naming the file and line).

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "exclude.txt")
    >>> _ = open(path, "w").write("# staff accounts\\nann\\n\\nbob\\n")
    >>> read_exclusions(path)["user_id"].tolist()
    ['ann', 'bob']
    """
    text = _text_of(path)
    lines = text.splitlines()
    first = next((line for line in lines if line.strip() and not line.startswith("#")), "")
    header = [h.strip() for h in next(csv.reader([first]))] if first else []
    ids, why = [], []
    if "user_id" in header:
        reader = csv.DictReader(io.StringIO(text))
        for line, row in enumerate(reader, start=2):
            user = (row.get("user_id") or "").strip()
            if not user:
                if any((v or "").strip() for v in row.values() if isinstance(v, str)):
                    raise SourceError(
                        f"exclusion must have a user_id (got {row!r})", path=str(path), line=line
                    )
                continue
            ids.append(user)
            why.append((row.get("reason") or "").strip() or "exclusion list")
    else:
        for line in lines:
            if line.strip() and not line.lstrip().startswith("#"):
                ids.append(line.strip())
                why.append("exclusion list")
    table = pd.DataFrame({"user_id": ids, "reason": why}, dtype="string")
    return table.drop_duplicates("user_id").reset_index(drop=True)


def exclude_accounts(
    community: Community, accounts: pd.DataFrame | Iterable[str]
) -> tuple[Community, pd.DataFrame]:
    """Leave accounts out: their messages, their interactions and their user rows.

    Parameters
    ----------
    community : Community
        Not modified.
    accounts : DataFrame or iterable of str
        The accounts: a table with ``user_id`` and optionally ``kind`` and
        ``reason`` (as :func:`detect_accounts` or :func:`read_exclusions`
        return), or plain user ids.

    Returns
    -------
    community : Community
        Without the accounts; a note in ``read_stats`` says how many accounts,
        messages and interactions were left out.
    excluded : DataFrame
        One row per account asked for, columns :data:`EXCLUDED_COLUMNS`: what it
        was (``kind``: ``bot``, ``staff`` or ``listed``), why, and how many
        messages and interactions it had (0 for an id the data does not know).

    Examples
    --------
    >>> from influence.sources.table import parse_table
    >>> msgs = pd.DataFrame({"message_id": list("123"), "author_id": ["bot", "ann", "bob"],
    ...     "parent_id": [None, "1", "2"],
    ...     "created_at": ["2024-01-01 00:00", "2024-01-01 00:30", "2024-01-01 01:00"]})
    >>> kept, excluded = exclude_accounts(parse_table(msgs), ["bot"])
    >>> kept.messages["author_id"].tolist(), len(kept.interactions)
    (['ann', 'bob'], 1)
    >>> excluded[["user_id", "kind", "messages", "interactions"]].to_dict("records")
    [{'user_id': 'bot', 'kind': 'listed', 'messages': 1.0, 'interactions': 1.0}]
    """
    if isinstance(accounts, pd.DataFrame):
        table = accounts.reset_index(drop=True)
    else:
        table = pd.DataFrame({"user_id": [str(a) for a in accounts]})
    table = table.assign(user_id=table["user_id"].astype("string"))
    table = table.drop_duplicates("user_id").reset_index(drop=True)
    if "kind" not in table.columns:
        table["kind"] = "listed"
    if "reason" not in table.columns:
        table["reason"] = "exclusion list"
    ids = pd.Index(table["user_id"])
    authors = community.messages["author_id"]
    gone_messages = authors.isin(ids).fillna(False).to_numpy(bool)
    source = community.interactions["source"].isin(ids).to_numpy(bool)
    target = community.interactions["target"].isin(ids).to_numpy(bool)
    gone_interactions = source | target
    per_message = authors[gone_messages].value_counts()
    ends = pd.concat(
        [
            community.interactions.loc[source, "source"],
            community.interactions.loc[target & ~source, "target"],
        ]
    )
    per_interaction = ends.value_counts()
    names = community.users.set_index("user_id")["display_name"]
    names = names[~names.index.duplicated()]
    excluded = pd.DataFrame(
        {
            "user_id": table["user_id"],
            "display_name": names.reindex(ids).astype("string").to_numpy(),
            "kind": table["kind"].astype("string").to_numpy(),
            "reason": table["reason"].astype("string").to_numpy(),
            "messages": per_message.reindex(ids, fill_value=0).to_numpy(np.float64),
            "interactions": per_interaction.reindex(ids, fill_value=0).to_numpy(np.float64),
        }
    )
    stats = _copy_stats(community.read_stats)
    if len(excluded):
        kinds = ", ".join(
            f"{k} {n}" for k, n in excluded["kind"].value_counts().sort_index().items()
        )
        stats.note(
            f"excluded {len(excluded)} accounts ({kinds}) with their "
            f"{int(gone_messages.sum())} messages and {int(gone_interactions.sum())} "
            "interactions; see excluded.csv"
        )
    kept = replace(
        community,
        messages=community.messages.loc[~gone_messages],
        interactions=community.interactions.loc[~gone_interactions],
        users=community.users.loc[~community.users["user_id"].isin(ids).to_numpy(bool)],
        read_stats=stats,
    )
    return kept, excluded


def apply_identities(
    community: Community,
    *,
    aliases: str | Path | pd.DataFrame | None = None,
    exclude: str | Path | pd.DataFrame | Iterable[str] | None = None,
    exclude_bots: bool = False,
    exclude_staff: bool = False,
) -> tuple[Community, pd.DataFrame]:
    """Merge aliases, then leave out listed and detected accounts: the whole step.

    Parameters
    ----------
    community : Community
        Not modified.
    aliases : path or DataFrame, optional
        An alias file (:func:`read_aliases`) or its table.
    exclude : path, DataFrame or iterable of str, optional
        An exclusion list (:func:`read_exclusions`), its table, or user ids.
    exclude_bots, exclude_staff : bool
        Also leave out the bots (the staff) :func:`detect_accounts` finds.

    Returns
    -------
    community : Community
    excluded : DataFrame
        The accounts left out (:data:`EXCLUDED_COLUMNS`), listed ones first.

    Raises
    ------
    SourceError
        When an alias or exclusion file is malformed.

    Examples
    --------
    >>> from influence.sources.table import parse_table
    >>> msgs = pd.DataFrame({"message_id": list("123"),
    ...     "author_id": ["AutoModerator", "ann", "bob"], "parent_id": [None, "1", "2"],
    ...     "created_at": ["2024-01-01 00:00", "2024-01-01 00:30", "2024-01-01 01:00"]})
    >>> kept, excluded = apply_identities(parse_table(msgs), exclude_bots=True)
    >>> excluded[["user_id", "kind", "reason"]].to_dict("records")
    [{'user_id': 'AutoModerator', 'kind': 'bot', 'reason': 'known bot name'}]
    """
    if aliases is not None:
        table = aliases if isinstance(aliases, pd.DataFrame) else read_aliases(aliases)
        community = merge_aliases(community, table)
    parts = []
    if exclude is not None:
        if isinstance(exclude, pd.DataFrame):
            parts.append(exclude)
        elif isinstance(exclude, (str, Path)):
            parts.append(read_exclusions(exclude))
        else:
            parts.append(pd.DataFrame({"user_id": [str(u) for u in exclude]}))
    if exclude_bots or exclude_staff:
        detected = detect_accounts(community)
        wanted = [k for k, on in (("bot", exclude_bots), ("staff", exclude_staff)) if on]
        parts.append(detected.loc[detected["kind"].isin(wanted)])
    if not parts:
        empty = pd.DataFrame({name: pd.Series(dtype="string") for name in EXCLUDED_COLUMNS})
        empty[["messages", "interactions"]] = empty[["messages", "interactions"]].astype(float)
        return community, empty
    accounts = pd.concat(
        [p.reindex(columns=["user_id", "kind", "reason"]) for p in parts], ignore_index=True
    )
    accounts["kind"] = accounts["kind"].fillna("listed")
    accounts["reason"] = accounts["reason"].fillna("exclusion list")
    return exclude_accounts(community, accounts)
