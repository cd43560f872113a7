"""Participation: how much, how often and where a user contributes (talkative axis)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from influence.community import Community

__all__ = ["PARTICIPATION_COLUMNS", "compute_participation"]

#: Columns of :func:`compute_participation`, in order.
PARTICIPATION_COLUMNS = (
    "messages",
    "active_days",
    "active_weeks",
    "messages_per_active_week",
    "threads_started",
    "threads_joined",
    "questions",
    "answers",
)

_NS_PER_DAY = 86_400 * 10**9


def compute_participation(community: Community) -> pd.DataFrame:
    """Count each user's contributions, active days and weeks, and threads.

    Parameters
    ----------
    community : Community
        Its ``messages``; messages without an author (deleted accounts) count
        for nobody.

    Returns
    -------
    DataFrame
        Indexed by ``community.user_ids``, float64 columns (0 for users without
        messages):

        ``messages``
            contributions authored (every kind).
        ``active_days``
            distinct UTC calendar dates with at least one message.
        ``active_weeks``
            distinct ISO weeks (Monday to Sunday, UTC) with at least one message.
        ``messages_per_active_week``
            velocity, ``messages / active_weeks``; 0 for users without messages.
        ``threads_started``
            messages that open a thread (``thread_id == message_id``).
        ``threads_joined``
            distinct threads the user contributed to and did not start (threads
            whose opening message is unknown count as joined).
        ``questions``, ``answers``
            messages of kind ``question`` and ``answer``.

    Notes
    -----
    Velocity divides by *active* weeks, not calendar weeks: a member who posts
    ten messages in each of two weeks has velocity 10 whether the dump spans two
    weeks or two years. Joining many threads started by others is the mark of a
    member who engages with the community rather than only with their own topics.

    Examples
    --------
    >>> from influence.sources._common import assemble
    >>> from influence.community import ReadStats
    >>> msgs = pd.DataFrame({"message_id": list("1234"), "author_id": ["ann", "bob", "ann", "bob"],
    ...     "thread_id": ["1", "1", "1", "4"], "parent_id": [None, "1", "2", None],
    ...     "kind": ["question", "answer", "comment", "post"],
    ...     "created_at": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-02",
    ...                                   "2024-01-09"], utc=True), "text_length": 1})
    >>> table = compute_participation(assemble(msgs, stats=ReadStats(), platform="t", name="t"))
    >>> table[["messages", "active_days", "active_weeks", "threads_started", "threads_joined"]]
             messages  active_days  active_weeks  threads_started  threads_joined
    user_id
    ann           2.0          2.0           1.0              1.0             0.0
    bob           2.0          2.0           2.0              1.0             1.0
    """
    users = community.user_ids
    n = len(users)
    messages = community.messages
    author = users.get_indexer(messages["author_id"].to_numpy())
    mine = author >= 0
    author = author[mine]
    authored = messages.loc[mine]
    day = _epoch_ns(authored["created_at"]) // _NS_PER_DAY
    week = (day + 3) // 7  # 1970-01-01 was a Thursday: weeks start on Mondays
    kind = authored["kind"].astype(str).to_numpy()

    thread_id = authored["thread_id"].to_numpy()
    is_root = (authored["thread_id"] == authored["message_id"]).fillna(False).to_numpy(bool)

    all_ids = messages["message_id"]
    root_author = pd.Series(messages["author_id"].to_numpy(), index=all_ids.to_numpy())
    root_author = root_author[(messages["thread_id"] == all_ids).fillna(False).to_numpy(bool)]
    root_author = root_author[~root_author.index.duplicated()]
    starter = root_author.reindex(thread_id).fillna("").to_numpy(str)
    started_by_me = starter == authored["author_id"].astype(str).to_numpy(str)
    joined = authored["thread_id"].notna().to_numpy() & ~started_by_me
    thread_codes = pd.factorize(thread_id)[0]
    joined_pairs = _distinct_pairs(author[joined], thread_codes[joined])

    count = np.bincount(author, minlength=n).astype(np.float64)
    active_weeks = _count_distinct(author, week, n)
    with np.errstate(invalid="ignore", divide="ignore"):
        velocity = np.where(active_weeks > 0, count / active_weeks, 0.0)
    return pd.DataFrame(
        {
            "messages": count,
            "active_days": _count_distinct(author, day, n),
            "active_weeks": active_weeks,
            "messages_per_active_week": velocity,
            "threads_started": np.bincount(author[is_root], minlength=n).astype(np.float64),
            "threads_joined": np.bincount(joined_pairs, minlength=n).astype(np.float64),
            "questions": np.bincount(author[kind == "question"], minlength=n).astype(np.float64),
            "answers": np.bincount(author[kind == "answer"], minlength=n).astype(np.float64),
        },
        index=users,
    )


def _epoch_ns(values: pd.Series) -> np.ndarray:
    """Nanoseconds since the Unix epoch (UTC) of a tz-aware datetime column."""
    naive = values.dt.tz_convert("UTC").dt.tz_localize(None)
    return naive.to_numpy(dtype="datetime64[ns]").view(np.int64)


def _distinct_pairs(owner: np.ndarray, value: np.ndarray) -> np.ndarray:
    """The ``owner`` of each distinct ``(owner, value)`` pair."""
    if not owner.size:
        return owner
    pairs = np.unique(np.stack([owner.astype(np.int64), value.astype(np.int64)]), axis=1)
    return pairs[0]


def _count_distinct(owner: np.ndarray, value: np.ndarray, n: int) -> np.ndarray:
    """Number of distinct ``value`` per ``owner`` in ``range(n)``, as float64."""
    return np.bincount(_distinct_pairs(owner, value), minlength=n).astype(np.float64)
