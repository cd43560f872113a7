"""Participation: how much, how often and where a user contributes (talkative axis)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from influence.community import Community
from influence.graph import community_codes
from influence.metrics._common import distinct_pairs, epoch_ns

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
    codes = community_codes(community)
    everyone = codes.author
    mine = everyone >= 0
    author = everyone[mine]
    day = epoch_ns(messages["created_at"])[mine] // _NS_PER_DAY
    week = (day + 3) // 7  # 1970-01-01 was a Thursday: weeks start on Mondays

    root = codes.thread_root  # position of each message's thread opener (-1: unknown)
    position = np.arange(len(root))
    is_root = (root == position)[mine]
    opener = np.where(root >= 0, root, position)
    starter = np.where(root[opener] == opener, everyone[opener], -1)[mine]
    joined = messages["thread_id"].notna().to_numpy(bool)[mine] & (starter != author)
    # one code per distinct thread id: its opener's position, or after them for unknown ids
    thread_codes = root.copy()
    unknown = np.flatnonzero(root < 0)
    if len(unknown):
        other = pd.factorize(messages["thread_id"].array[unknown])[0]  # -1: no thread id
        thread_codes[unknown] = np.where(other >= 0, len(root) + other, -1)
    thread_codes = thread_codes[mine]
    joined_pairs = distinct_pairs(author[joined], thread_codes[joined])[0]
    kind = messages["kind"]
    questions = np.asarray(kind == "question", dtype=bool)[mine]
    answers = np.asarray(kind == "answer", dtype=bool)[mine]

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
            "questions": np.bincount(author[questions], minlength=n).astype(np.float64),
            "answers": np.bincount(author[answers], minlength=n).astype(np.float64),
        },
        index=users,
    )


def _count_distinct(owner: np.ndarray, value: np.ndarray, n: int) -> np.ndarray:
    """Number of distinct ``value`` per ``owner`` in ``range(n)``, as float64."""
    return np.bincount(distinct_pairs(owner, value)[0], minlength=n).astype(np.float64)
