"""Topic influence: who is listened to, talkative and influential in each topic.

Wu: credibility is domain-specific. A member can be a true influencer about
wallets and a member elsewhere. :func:`score_topics` scores every topic (tag,
subreddit, channel, category) with the very same model as the whole community
(:func:`influence.run_analysis`), on the part of the community about that topic.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from influence.analysis import run_analysis
from influence.classify import SEGMENTS, ClassifyOptions
from influence.community import Community
from influence.errors import SchemaError

__all__ = ["TOPIC_COLUMNS", "score_topics", "split_by_topic"]

#: Columns of :func:`score_topics`, in order.
TOPIC_COLUMNS = (
    "topic",
    "user_id",
    "display_name",
    "segment",
    "talkative_score",
    "listened_to_score",
    "influence_score",
    "messages",
    "reasons",
    "topic_rank",
    "topic_members",
)


def _topic_of_messages(messages: pd.DataFrame, column: str, separator: str | None) -> pd.DataFrame:
    """(message position, topic) pairs: one per message and topic."""
    if column not in messages.columns:
        raise SchemaError(
            f"messages must have a {column!r} column to score by topic "
            f"(got {list(messages.columns)})"
        )
    values = messages[column].astype("string").str.strip()
    pairs = pd.DataFrame({"position": np.arange(len(messages)), "topic": values.to_numpy()})
    if separator:
        pairs["topic"] = pairs["topic"].str.split(separator, regex=False)
        pairs = pairs.explode("topic")
        pairs["topic"] = pairs["topic"].astype("string").str.strip()
    pairs = pairs.loc[pairs["topic"].notna() & (pairs["topic"] != "")]
    return pairs.drop_duplicates().reset_index(drop=True)


def split_by_topic(
    community: Community, *, column: str = "topic", separator: str | None = None
) -> dict[str, Community]:
    """One community per topic: its messages, the interactions they carry, their users.

    Parameters
    ----------
    community : Community
        Not modified.
    column : str, default "topic"
        The messages column holding the topic (``"tags"`` on Stack Exchange for
        every tag rather than the first).
    separator : str, optional
        Split the column on it (``";"`` for Stack Exchange ``tags``): a message
        then belongs to each of its topics.

    Returns
    -------
    dict
        Topic -> Community, most messages first (then topic name). An
        interaction belongs to the topic of the message that carries it
        (``message_id``); interactions without a message belong to no topic.
        Messages without a topic belong to none.

    Raises
    ------
    SchemaError
        When the messages have no such column.

    Examples
    --------
    >>> from influence.sources.table import parse_table
    >>> msgs = pd.DataFrame({"message_id": list("123"), "author_id": ["ann", "bob", "cy"],
    ...     "parent_id": [None, "1", None], "topic": ["wallet", "wallet", "nft"],
    ...     "created_at": ["2024-01-01 00:00", "2024-01-01 00:30", "2024-01-01 01:00"]})
    >>> parts = split_by_topic(parse_table(msgs))
    >>> {t: (len(c.messages), len(c.interactions)) for t, c in parts.items()}
    {'wallet': (2, 1), 'nft': (1, 0)}
    """
    messages = community.messages
    pairs = _topic_of_messages(messages, column, separator)
    if pairs.empty:
        return {}
    sizes = pairs.groupby("topic").size()
    order = sorted(sizes.index, key=lambda t: (-int(sizes[t]), str(t)))
    ids = messages["message_id"].astype("string").to_numpy()
    by_message = pd.DataFrame({"message_id": ids[pairs["position"].to_numpy()]})
    by_message["topic"] = pairs["topic"].to_numpy()
    interactions = community.interactions
    linked = pd.DataFrame(
        {
            "row": np.arange(len(interactions)),
            "message_id": interactions["message_id"].astype("string").to_numpy(),
        }
    ).merge(by_message, on="message_id", how="inner")
    positions = pairs.groupby("topic")["position"].agg(list)
    rows = linked.groupby("topic")["row"].agg(list)
    users = community.users
    out: dict[str, Community] = {}
    for topic in order:  # one sub-community per topic, each scored as a whole
        part_messages = messages.iloc[positions[topic]]
        part_interactions = interactions.iloc[rows.get(topic, [])]
        people = pd.concat(
            [
                part_messages["author_id"].dropna(),
                part_interactions["source"],
                part_interactions["target"],
            ]
        ).unique()
        out[str(topic)] = Community(
            messages=part_messages,
            interactions=part_interactions,
            users=users.loc[users["user_id"].isin(people).to_numpy(bool)],
            read_stats=community.read_stats,
            platform=community.platform,
            name=f"{community.name}:{topic}",
            profile_url=community.profile_url,
        )
    return out


def score_topics(
    community: Community,
    *,
    column: str = "topic",
    separator: str | None = None,
    min_topic_messages: int = 1,
    since=None,
    until=None,
    horizon: str | pd.Timedelta = "24h",
    options: ClassifyOptions | None = None,
) -> pd.DataFrame:
    """Axes, segment and reasons of every member in every topic.

    Parameters
    ----------
    community : Community
    column, separator
        Where the topic of a message is (see :func:`split_by_topic`).
    min_topic_messages : int, default 1
        Topics with fewer messages (in the window) are left out.
    since, until, horizon, options
        As for :func:`influence.run_analysis`; the thresholds (top share,
        minimum messages) apply within each topic.

    Returns
    -------
    DataFrame
        One row per topic and member who wrote in it, columns
        :data:`TOPIC_COLUMNS`: the scores, ``segment`` (categorical, the
        :data:`~influence.classify.SEGMENTS` categories) and ``reasons`` within
        the topic, ``messages`` in the topic, ``topic_rank`` (1 = most
        influential of the topic) and ``topic_members`` (members who wrote in
        it). Topics with the most messages first, then by rank.

    Raises
    ------
    SchemaError
        When the messages have no ``column``.

    Notes
    -----
    Each topic is scored by :func:`influence.run_analysis` on the sub-community
    of its messages and of the interactions they carry: the same metrics,
    weights and thresholds, so ``true_influencer`` means the same thing in a
    topic as in the whole community, measured among the people of that topic.

    Examples
    --------
    >>> from influence.sources.table import parse_table
    >>> msgs = pd.DataFrame({"message_id": list("1234"), "author_id": ["ann", "bob", "ann", "cy"],
    ...     "parent_id": [None, "1", "2", None], "topic": ["wallet"] * 3 + ["nft"],
    ...     "created_at": ["2024-01-01 00:00", "2024-01-01 00:30", "2024-01-01 01:00",
    ...                    "2024-01-02 00:00"]})
    >>> table = score_topics(parse_table(msgs))
    >>> table[["topic", "user_id", "messages", "topic_rank"]].to_dict("list")
    {'topic': ['wallet', 'wallet', 'nft'], 'user_id': ['ann', 'bob', 'cy'], \
'messages': [2.0, 1.0, 1.0], 'topic_rank': [1, 2, 1]}
    """
    if since is not None or until is not None:
        community = community.window(since, until)
    frames = []
    for topic, part in split_by_topic(community, column=column, separator=separator).items():
        if len(part.messages) < min_topic_messages:
            continue
        users = run_analysis(part, horizon=horizon, options=options).users
        users = users.loc[users["segment"] != "inactive"].reset_index()
        users.insert(0, "topic", topic)
        users["topic_rank"] = np.arange(1, len(users) + 1, dtype=np.int64)
        users["topic_members"] = np.int64(len(users))
        frames.append(users.loc[:, list(TOPIC_COLUMNS)])
    if not frames:
        empty = pd.DataFrame({name: pd.Series(dtype=object) for name in TOPIC_COLUMNS})
        empty["segment"] = pd.Categorical([], categories=list(SEGMENTS))
        return empty
    table = pd.concat(frames, ignore_index=True)
    table["segment"] = pd.Categorical(table["segment"].astype(str), categories=list(SEGMENTS))
    table["user_id"] = table["user_id"].astype("string")
    table["topic"] = table["topic"].astype("string")
    return table
