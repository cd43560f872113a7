"""Privacy: keyed pseudonyms for every output, and no e-mail address in any of them.

Two guarantees, applied by the command line to the analysis before anything is
written (``users.csv``/``users.parquet``, ``summary.json``, ``report.html``, the
superfan and graph exports, ``topics.csv``, ``periods.csv``, ``trends.csv``,
``health.json``, ``excluded.csv``):

* :func:`hide_addresses` (always): e-mail addresses never reach an output. A user
  id that is an address becomes the pseudonym the mbox reader uses
  (:func:`influence.sources.mbox.pseudonym`), and address-looking text in display
  names and read notes becomes ``[address]``.
* :func:`pseudonymize_analysis` (``--pseudonymize``): every user id becomes a
  stable keyed hash, ``p`` and 16 hex digits of HMAC-SHA256(key, user id); the
  display name becomes the same pseudonym, profile URLs are dropped. The same
  key and input give the same pseudonyms (so two runs can be compared); without
  the key they cannot be reversed, even by trying every known user name. The key
  comes from ``--pseudonym-key`` or the environment variable
  ``INFLUENCE_PSEUDONYM_KEY`` (:func:`pseudonym_key`) and is never written.

Examples
--------
>>> pseudonymize_ids(pd.Series(["ann", "bob", None], dtype="string"), b"k").tolist()
['p9266175ac0e5692d', 'p73662dcee4acad8d', <NA>]
>>> scrub_addresses(pd.Series(["Ann <ann@example.org>", "Bob"])).tolist()
['Ann <[address]>', 'Bob']
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import os
import re
from dataclasses import replace

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from influence.analysis import Analysis
from influence.community import Community, ReadStats
from influence.errors import InfluenceError

__all__ = [
    "ADDRESS",
    "KEY_VARIABLE",
    "hide_addresses",
    "pseudonym_key",
    "pseudonymize_analysis",
    "pseudonymize_community",
    "pseudonymize_ids",
    "scrub_addresses",
]

#: The environment variable holding the pseudonym key.
KEY_VARIABLE = "INFLUENCE_PSEUDONYM_KEY"
#: What looks like an e-mail address (also the ``name at host.tld`` of list archives).
ADDRESS = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+(?:@|\s+at\s+)[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)
_WHOLE_ADDRESS = re.compile(r"\s*<?[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+>?\s*")
_MIN_KEY_BYTES = 8
_STRING = "string"


def pseudonym_key(key: str | None = None) -> bytes:
    """The pseudonym key: ``key`` if given, else the environment variable.

    Parameters
    ----------
    key : str, optional
        The ``--pseudonym-key`` value.

    Returns
    -------
    bytes
        The key, UTF-8 encoded.

    Raises
    ------
    InfluenceError
        When there is no key, or it is shorter than 8 characters.

    Examples
    --------
    >>> pseudonym_key("correct horse")
    b'correct horse'
    >>> pseudonym_key("abc")
    Traceback (most recent call last):
    ...
    influence.errors.InfluenceError: pseudonym key must be at least 8 characters (got 3)...
    """
    if key is None:
        key = os.environ.get(KEY_VARIABLE)
    if key is None or not key.strip():
        raise InfluenceError(
            "--pseudonymize needs a secret key (got none); set the environment variable "
            f"{KEY_VARIABLE} (for example: export {KEY_VARIABLE}=$(openssl rand -hex 16)) "
            "or give --pseudonym-key; keep the same key to get the same pseudonyms"
        )
    if len(key) < _MIN_KEY_BYTES:
        raise InfluenceError(
            f"pseudonym key must be at least {_MIN_KEY_BYTES} characters (got {len(key)}); "
            "a short key can be guessed"
        )
    return key.encode("utf-8")


def pseudonymize_ids(values: pd.Series, key: bytes) -> pd.Series:
    """Replace each id by ``p`` + 16 hex digits of HMAC-SHA256(key, id); missing stays missing.

    One hash per distinct id (not per row). Returns a new string Series with the
    same index.

    Examples
    --------
    >>> ids = pd.Series(["7", "7", "8"], dtype="string")
    >>> out = pseudonymize_ids(ids, b"secret key")
    >>> out.iloc[0] == out.iloc[1] != out.iloc[2], len(out.iloc[0])
    (True, 17)
    """
    values = pd.Series(values).astype(_STRING)
    distinct = pd.unique(values.dropna().to_numpy(object))
    table = {
        value: "p" + hmac.new(key, str(value).encode("utf-8"), hashlib.sha256).hexdigest()[:16]
        for value in distinct
    }
    return values.map(table).astype(_STRING)


def scrub_addresses(values: pd.Series) -> pd.Series:
    """Replace every address-looking part of each string by ``[address]`` (a string Series).

    Examples
    --------
    >>> scrub_addresses(pd.Series(["x@y.org", "ann at lists.example.org", None])).tolist()
    ['[address]', '[address]', <NA>]
    """
    return pd.Series(values).astype(_STRING).str.replace(ADDRESS, "[address]", regex=True)


def _map_ids(values: pd.Series, table: dict) -> pd.Series:
    text = pd.Series(values).astype(_STRING)
    if not table:
        return text
    return text.map(table).astype(_STRING).fillna(text)


def _rename_users(
    community: Community, table: dict, names: pd.Series | None, *, drop_profiles: bool
) -> Community:
    """A copy of ``community`` with user ids renamed by ``table`` and display names set."""
    messages = community.messages.copy()
    messages["author_id"] = _map_ids(messages["author_id"], table)
    interactions = community.interactions.copy()
    for column in ("source", "target"):
        interactions[column] = _map_ids(interactions[column], table)
    users = community.users.copy()
    users["user_id"] = _map_ids(users["user_id"], table)
    if names is None:
        users["display_name"] = scrub_addresses(users["display_name"])
    else:
        users["display_name"] = users["user_id"].map(names).astype(_STRING)
    for column in users.columns:  # profile text (about, website, ...): never an address
        if column not in ("user_id", "display_name") and users[column].dtype == _STRING:
            users[column] = scrub_addresses(users[column])
    stats = _scrubbed_stats(community.read_stats, community, table, names)
    return replace(
        community,
        messages=messages,
        interactions=interactions,
        users=users.sort_values("user_id", kind="stable").reset_index(drop=True),
        read_stats=stats,
        profile_url=None if drop_profiles else community.profile_url,
    )


def _scrubbed_stats(
    stats: ReadStats, community: Community, table: dict, names: pd.Series | None
) -> ReadStats:
    """The read statistics with addresses, and (when pseudonymizing) names and ids, hidden."""
    out = ReadStats()
    notes = stats.notes
    stats = copy.copy(stats)
    stats.notes = []
    out.merge(stats)
    replacements: list[tuple[str, str]] = []
    if names is not None:
        known = community.users[["user_id", "display_name"]].dropna()
        for uid, name in zip(known["user_id"], known["display_name"], strict=True):
            if len(str(name)) >= 3:
                replacements.append((str(name), table.get(uid, uid)))
    replacements.sort(key=lambda pair: -len(pair[0]))
    for note in notes:
        text = ADDRESS.sub("[address]", note)
        if names is not None:
            text = re.sub(
                r"\b(users?|author|account) (-?[\w.@-]+)",
                lambda m: f"{m.group(1)} {table.get(m.group(2), m.group(2))}",
                text,
            )
            for original, pseudonym in replacements:
                text = text.replace(original, pseudonym)
        out.note(text)
    return out


def _address_table(ids: pd.Index) -> dict:
    from influence.sources.mbox import pseudonym

    # an address holds an "@": only those ids are matched one by one
    ids = ids[_holding(ids, ("@",))]
    return {uid: pseudonym(uid) for uid in ids if _WHOLE_ADDRESS.fullmatch(uid)}


#: Every match of :data:`ADDRESS` holds one of these (``"@"`` or the ``at`` of ``x at y``).
_ADDRESS_MARKS = ("@", "at")


def _holding(texts, marks) -> np.ndarray:
    """Whether each of ``texts`` holds one of the substrings ``marks``, in Arrow (no regex).

    A cheap filter before a Python regex: most names and ids hold none.
    """
    arrow = pa.array(pd.array(texts, dtype=_STRING))
    found = np.zeros(len(arrow), dtype=bool)
    for mark in marks:
        found |= pc.match_substring(arrow, mark).fill_null(False).to_numpy(zero_copy_only=False)
    return found


def _has_address(texts: pd.Series) -> bool:
    """Whether any of ``texts`` holds an address (:data:`ADDRESS`).

    Examples
    --------
    >>> _has_address(pd.Series(["Ann", None, "write to ann at example.org"]))
    True
    >>> _has_address(pd.Series(["Kate", "@kate", "a@b"], dtype="string"))
    False
    """
    candidates = texts[_holding(texts, _ADDRESS_MARKS)]
    return bool(candidates.astype(_STRING).str.contains(ADDRESS, na=False).any())


def _rename_analysis(analysis: Analysis, table: dict, key: bytes | None) -> Analysis:
    """Rename users by ``table``; with a ``key``, pseudonymize names too (else hide addresses)."""
    pseudonymize = key is not None
    names = None
    if pseudonymize:
        names = pd.Series(table, dtype=_STRING)
    community = _rename_users(analysis.community, table, names, drop_profiles=pseudonymize)
    users = analysis.users.copy()
    users.index = pd.Index(_map_ids(users.index.to_series(), table).to_numpy(), name="user_id")
    if pseudonymize:
        users["display_name"] = pd.array(users.index.to_numpy(), dtype=_STRING)
        users = users.drop(columns=["profile_url"], errors="ignore")
    else:
        users["display_name"] = scrub_addresses(users["display_name"])
    parameters = copy.deepcopy(analysis.parameters)
    for record in parameters.get("excluded_accounts") or []:
        uid = record.get("user_id")
        record["user_id"] = table.get(uid, uid)
        if pseudonymize:
            record["display_name"] = record["user_id"]
        elif isinstance(record.get("display_name"), str):
            record["display_name"] = ADDRESS.sub("[address]", record["display_name"])
    customers = parameters.get("customers")
    if isinstance(customers, dict) and customers.get("unmatched_customer_keys"):
        keys = pd.Series([str(k) for k in customers["unmatched_customer_keys"]], dtype=_STRING)
        customers["unmatched_customer_keys"] = (
            pseudonymize_ids(keys, key).tolist()
            if key is not None
            else scrub_addresses(keys).tolist()
        )
    if pseudonymize:
        parameters["pseudonymized"] = True
    return replace(analysis, community=community, users=users, parameters=parameters)


def hide_addresses(analysis: Analysis) -> Analysis:
    """Return ``analysis`` with no e-mail address left in what the outputs show.

    User ids that are addresses become :func:`influence.sources.mbox.pseudonym`
    (``u`` and 12 hex digits); address-looking text in display names, profile
    text, excluded accounts and read notes becomes ``[address]``. Everything
    else is unchanged (scores, segments, ranking).

    Examples
    --------
    >>> import influence
    >>> analysis = influence.run_analysis(influence.read("tests/data/table/posts.csv"))
    >>> hide_addresses(analysis).users.index.equals(analysis.users.index)
    True
    """
    table = _address_table(analysis.community.user_ids)
    texts = [analysis.users["display_name"], analysis.community.users["display_name"]]
    texts += [pd.Series(analysis.community.read_stats.notes, dtype=_STRING)]
    excluded = analysis.parameters.get("excluded_accounts") or []
    texts += [pd.Series([r.get("display_name") for r in excluded], dtype=_STRING)]
    customers = analysis.parameters.get("customers")
    if isinstance(customers, dict):
        keys = customers.get("unmatched_customer_keys") or []
        texts += [pd.Series([str(k) for k in keys], dtype=_STRING)]
    if not table and not any(_has_address(t) for t in texts):
        return analysis  # nothing to hide: no copy
    return _rename_analysis(analysis, table, None)


def pseudonymize_community(community: Community, key: bytes) -> Community:
    """Return ``community`` with every user id and display name a keyed pseudonym.

    Profile URLs are dropped (they would name the user); profile text keeps its
    content with addresses hidden.

    Examples
    --------
    >>> import influence
    >>> community = influence.read("tests/data/table/posts.csv")
    >>> hidden = pseudonymize_community(community, b"secret key")
    >>> sorted(hidden.users["user_id"]) == sorted(pseudonymize_ids(community.users["user_id"],
    ...     b"secret key"))
    True
    >>> bool((hidden.users["display_name"] == hidden.users["user_id"]).all())
    True
    """
    ids = community.user_ids
    table = dict(zip(ids, pseudonymize_ids(pd.Series(ids), key), strict=True))
    names = pd.Series(table, dtype=_STRING)
    return _rename_users(community, table, names, drop_profiles=True)


def pseudonymize_analysis(analysis: Analysis, key: bytes) -> Analysis:
    """Return ``analysis`` with keyed pseudonyms in place of user ids and display names.

    Scores, segments and the ranking are those of the original analysis (ties keep
    their original order, so the output does not depend on the key); only the
    labels change. The key is used, never stored.

    Parameters
    ----------
    analysis : Analysis
    key : bytes
        From :func:`pseudonym_key`.

    Returns
    -------
    Analysis

    Examples
    --------
    >>> import influence
    >>> analysis = influence.run_analysis(influence.read("tests/data/table/posts.csv"))
    >>> hidden = pseudonymize_analysis(analysis, b"secret key")
    >>> hidden.users["segment"].tolist() == analysis.users["segment"].tolist()
    True
    >>> "ann" in set(hidden.users.index) | set(hidden.users["display_name"])
    False
    """
    ids = pd.Index(analysis.community.user_ids).union(pd.Index(analysis.users.index.astype(str)))
    for record in analysis.parameters.get("excluded_accounts") or []:
        ids = ids.union(pd.Index([str(record.get("user_id"))]))
    table = dict(zip(ids, pseudonymize_ids(pd.Series(ids), key), strict=True))
    return _rename_analysis(analysis, table, key)
