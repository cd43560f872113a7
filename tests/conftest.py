"""Shared test data: the toy community, small enough to check every metric by hand.

The toy community goes through the real derivation
(:func:`influence.sources._common.assemble`), so the interactions the tests see
are the ones a reader would produce.

Users (8): ann, bob, cat, dan, eve, fay, gus, hal.

* ``dan`` is not in the users table: assemble adds him (no profile).
* ``gus`` is isolated: in the users table only, no message, no interaction.
* ``fay`` and ``hal`` are a tie: mirror images of each other in every respect.
* ``r5`` has a deleted author; ``r6`` replies to it (target deleted).
* ``c4`` is ann's self-reply; ``r9`` replies to an unknown message ``ghost``.

Messages (times UTC, 2024; 2024-01-01 is a Monday)::

    id  author  thread parent  time         kind      score
    q1  ann     q1     -       01-01 09:00  question  5
    a1  bob     q1     q1      01-01 09:30  answer    10
    a2  cat     q1     q1      01-01 10:00  answer    3
    c1  ann     q1     a1      01-01 10:15  comment   -
    c2  bob     q1     c1      01-01 10:45  comment   -
    c4  ann     q1     q1      01-01 11:00  comment   -     (self-reply: dropped)
    c3  dan     q1     a1      01-02 12:00  comment   1
    p1  bob     p1     -       01-03 08:00  post      2
    r1  cat     p1     p1      01-03 08:10  reply     -
    r2  dan     p1     r1      01-03 08:40  reply     -
    r3  bob     p1     r2      01-03 09:00  reply     -
    r5  (none)  p1     p1      01-03 09:30  reply     -     (deleted author: dropped)
    r6  cat     p1     r5      01-03 09:45  reply     -     (target deleted: dropped)
    s1  eve     s1     -       01-03 12:00  share     -
    r4  eve     p1     p1      01-04 10:00  reply     -
    r9  dan     ghost  ghost   01-05 10:00  reply     -     (unknown parent: dropped)
    p2  fay     p2     -       01-08 12:00  post      1
    p3  hal     p3     -       01-08 12:00  post      1
    r7  hal     p2     p2      01-08 12:30  reply     -
    r8  fay     p3     p3      01-08 12:30  reply     -
    q2  eve     q2     -       01-09 10:00  question  2
    a3  dan     q2     q2      01-09 10:20  answer    4
    c5  eve     q2     a3      01-09 10:50  comment   -
    a4  cat     q2     q2      01-09 11:00  answer    0
    c8  bob     q2     a4      01-09 11:30  comment   -
    c6  ann     q2     a3      01-09 12:00  comment   -
    c7  dan     q2     c6      01-09 12:30  comment   -

Links (explicit acts)::

    kind     source          target           message  time         weight
    accept   ann             author of a1     a1       01-01 12:00  1
    kudos    eve             author of a2     a2       01-01 13:00  2
    mention  author of r1    dan              r1       01-03 08:10  1
    quote    author of r2    author of r1     r2       01-03 08:40  1
    share    author of s1    author of p1     s1       01-03 12:00  1
    mention  author of r7    fay              r7       01-08 12:30  1
    mention  author of r8    hal              r8       01-08 12:30  1
    accept   eve             author of a3     a3       01-09 13:00  1
    mention  author of c6    cat              c6       01-09 12:00  1
    kudos    bob             author of a3     a3       01-09 14:00  1

Derived interactions kept (27; 4 replies dropped: c4, r5, r6, r9)::

    reply   bob->ann (a1, answer)   cat->ann (a2, answer)   ann->bob (c1)
            bob->ann (c2)           dan->bob (c3)           cat->bob (r1)
            dan->cat (r2)           bob->dan (r3)           eve->bob (r4)
            hal->fay (r7)           fay->hal (r8)           dan->eve (a3, answer)
            eve->dan (c5)           cat->eve (a4, answer)   bob->cat (c8)
            ann->dan (c6)           dan->ann (c7)
    accept  ann->bob                eve->dan
    kudos   eve->cat (weight 2)     bob->dan
    mention cat->dan (r1)  hal->fay (r7)  fay->hal (r8)  ann->cat (c6)
    quote   dan->cat (r2)
    share   eve->bob (s1)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from influence.community import Community, ReadStats
from influence.sources._common import assemble

TOY_USERS = ("ann", "bob", "cat", "dan", "eve", "fay", "gus", "hal")

_MESSAGES = [
    # id, author, thread, parent, time, kind, score
    ("q1", "ann", "q1", None, "2024-01-01 09:00", "question", 5.0),
    ("a1", "bob", "q1", "q1", "2024-01-01 09:30", "answer", 10.0),
    ("a2", "cat", "q1", "q1", "2024-01-01 10:00", "answer", 3.0),
    ("c1", "ann", "q1", "a1", "2024-01-01 10:15", "comment", None),
    ("c2", "bob", "q1", "c1", "2024-01-01 10:45", "comment", None),
    ("c4", "ann", "q1", "q1", "2024-01-01 11:00", "comment", None),
    ("c3", "dan", "q1", "a1", "2024-01-02 12:00", "comment", 1.0),
    ("p1", "bob", "p1", None, "2024-01-03 08:00", "post", 2.0),
    ("r1", "cat", "p1", "p1", "2024-01-03 08:10", "reply", None),
    ("r2", "dan", "p1", "r1", "2024-01-03 08:40", "reply", None),
    ("r3", "bob", "p1", "r2", "2024-01-03 09:00", "reply", None),
    ("r5", None, "p1", "p1", "2024-01-03 09:30", "reply", None),
    ("r6", "cat", "p1", "r5", "2024-01-03 09:45", "reply", None),
    ("s1", "eve", "s1", None, "2024-01-03 12:00", "share", None),
    ("r4", "eve", "p1", "p1", "2024-01-04 10:00", "reply", None),
    ("r9", "dan", "ghost", "ghost", "2024-01-05 10:00", "reply", None),
    ("p2", "fay", "p2", None, "2024-01-08 12:00", "post", 1.0),
    ("p3", "hal", "p3", None, "2024-01-08 12:00", "post", 1.0),
    ("r7", "hal", "p2", "p2", "2024-01-08 12:30", "reply", None),
    ("r8", "fay", "p3", "p3", "2024-01-08 12:30", "reply", None),
    ("q2", "eve", "q2", None, "2024-01-09 10:00", "question", 2.0),
    ("a3", "dan", "q2", "q2", "2024-01-09 10:20", "answer", 4.0),
    ("c5", "eve", "q2", "a3", "2024-01-09 10:50", "comment", None),
    ("a4", "cat", "q2", "q2", "2024-01-09 11:00", "answer", 0.0),
    ("c8", "bob", "q2", "a4", "2024-01-09 11:30", "comment", None),
    ("c6", "ann", "q2", "a3", "2024-01-09 12:00", "comment", None),
    ("c7", "dan", "q2", "c6", "2024-01-09 12:30", "comment", None),
]

_LINKS = [
    # kind, source, source_message_id, target, target_message_id, message_id, time, weight
    ("accept", "ann", None, None, "a1", "a1", "2024-01-01 12:00", 1.0),
    ("kudos", "eve", None, None, "a2", "a2", "2024-01-01 13:00", 2.0),
    ("mention", None, "r1", "dan", None, "r1", "2024-01-03 08:10", 1.0),
    ("quote", None, "r2", None, "r1", "r2", "2024-01-03 08:40", 1.0),
    ("share", None, "s1", None, "p1", "s1", "2024-01-03 12:00", 1.0),
    ("mention", None, "r7", "fay", None, "r7", "2024-01-08 12:30", 1.0),
    ("mention", None, "r8", "hal", None, "r8", "2024-01-08 12:30", 1.0),
    ("accept", "eve", None, None, "a3", "a3", "2024-01-09 13:00", 1.0),
    ("mention", None, "c6", "cat", None, "c6", "2024-01-09 12:00", 1.0),
    ("kudos", "bob", None, None, "a3", "a3", "2024-01-09 14:00", 1.0),
]

_CONSULTANT = ("Consultant. " * 40).strip()  # 479 characters, 40 keyword hits

_PROFILES = [
    # user_id, about, title, website
    (
        "ann",
        "Python developer and maintainer of foo. PhD in physics.",
        "Senior Engineer",
        "https://ann.example",
    ),
    ("bob", "I like cats.", None, None),
    ("cat", "", "  ", None),
    ("eve", None, "Founder", "https://eve.example"),
    ("fay", "Hello!", None, None),
    ("gus", _CONSULTANT, "Professor", "https://gus.example"),
    ("hal", "Hello!", None, None),
]


def toy_messages() -> pd.DataFrame:
    """The hand-written messages of the toy community (see the module docstring)."""
    frame = pd.DataFrame(
        _MESSAGES,
        columns=[
            "message_id",
            "author_id",
            "thread_id",
            "parent_id",
            "created_at",
            "kind",
            "score",
        ],
    )
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True)
    frame["platform"] = "toy"
    frame["topic"] = None
    frame["text_length"] = 10
    return frame


def toy_links() -> pd.DataFrame:
    """The hand-written explicit acts of the toy community."""
    frame = pd.DataFrame(
        _LINKS,
        columns=[
            "kind",
            "source",
            "source_message_id",
            "target",
            "target_message_id",
            "message_id",
            "created_at",
            "weight",
        ],
    )
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True)
    return frame


def toy_users() -> pd.DataFrame:
    """The hand-written users table (dan is missing on purpose)."""
    frame = pd.DataFrame(_PROFILES, columns=["user_id", "about", "title", "website"])
    frame["display_name"] = frame["user_id"].str.title()
    frame["created_at"] = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns, UTC]")
    return frame


def build_toy_community() -> Community:
    """Assemble the toy community from its hand-written tables."""
    return assemble(
        toy_messages(),
        links=toy_links(),
        users=toy_users(),
        stats=ReadStats(),
        platform="toy",
        name="toy",
    )


def relabel(community: Community, mapping: dict[str, str]) -> Community:
    """Return ``community`` with user ids renamed by ``mapping`` (a permutation)."""

    def rename(values: pd.Series) -> pd.Series:
        return values.map(lambda v: mapping.get(v, v) if isinstance(v, str) else v).astype("string")

    messages = community.messages.copy()
    messages["author_id"] = rename(messages["author_id"])
    interactions = community.interactions.copy()
    interactions["source"] = rename(interactions["source"])
    interactions["target"] = rename(interactions["target"])
    users = community.users.copy()
    users["user_id"] = rename(users["user_id"])
    return Community(messages=messages, interactions=interactions, users=users)


@pytest.fixture
def toy_community() -> Community:
    """The toy community of this module's docstring."""
    return build_toy_community()


@pytest.fixture
def rng() -> np.random.Generator:
    """A seeded generator: no unseeded randomness in tests."""
    return np.random.default_rng(20240101)


def random_community(
    seed: int, *, n: int = 60, p: float = 0.08, isolated: int = 5, dangling: float = 0.15
) -> Community:
    """A community whose interactions form a seeded random weighted digraph.

    ``nx.gnp_random_graph(n, p, directed=True)`` edges with random kinds and
    weights; some edges repeat with another kind (their weights add up); a share
    ``dangling`` of users never act (no out-edges); ``isolated`` more users are in
    the users table only. Ids are ``u000``, ``u001``, ... so sorted order is
    numeric order. No messages.
    """
    import networkx as nx

    from influence.schema import INTERACTION_KINDS, empty_messages

    rng = np.random.default_rng(seed)
    graph = nx.gnp_random_graph(n, p, seed=seed, directed=True)
    edges = np.array(list(graph.edges()), dtype=np.int64).reshape(-1, 2)
    silent = rng.random(n) < dangling
    edges = edges[~silent[edges[:, 0]]]
    repeat = edges[rng.random(len(edges)) < 0.3]
    edges = np.concatenate([edges, repeat])
    names = np.array([f"u{i:03d}" for i in range(n + isolated)], dtype=object)
    interactions = pd.DataFrame(
        {
            "source": names[edges[:, 0]],
            "target": names[edges[:, 1]],
            "kind": rng.choice(np.array(INTERACTION_KINDS, dtype=object), size=len(edges)),
            "created_at": pd.Timestamp("2024-01-01", tz="UTC"),
            "message_id": None,
            "thread_id": None,
            "weight": np.round(rng.uniform(0.5, 3.0, size=len(edges)), 3),
        }
    )
    users = pd.DataFrame({"user_id": names, "display_name": None, "created_at": pd.NaT})
    return Community(messages=empty_messages(), interactions=interactions, users=users)


def networkx_graph(community: Community, kinds=None):
    """The weighted DiGraph of ``community`` built edge by edge (independently of graph.py)."""
    import networkx as nx

    graph = nx.DiGraph()
    graph.add_nodes_from(str(u) for u in community.user_ids)
    for row in community.interactions.itertuples(index=False):
        if kinds is not None and str(row.kind) not in kinds:
            continue
        u, v = str(row.source), str(row.target)
        previous = graph.get_edge_data(u, v, default={"weight": 0.0})["weight"]
        graph.add_edge(u, v, weight=previous + float(row.weight))
    return graph
