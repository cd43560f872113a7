"""Participation on the toy community, every value worked out by hand."""

from __future__ import annotations

import pandas as pd
from conftest import TOY_USERS

from influence.metrics.participation import PARTICIPATION_COLUMNS, compute_participation

#                  ann  bob  cat  dan  eve  fay  gus  hal
EXPECTED = {
    # ann q1 c1 c4 c6 (the self-reply c4 is still a message); bob a1 c2 p1 r3 c8;
    # cat a2 r1 r6 a4; dan c3 r2 r9 a3 c7; eve s1 r4 q2 c5; fay p2 r8; hal p3 r7;
    # the deleted author's r5 counts for nobody; gus is isolated.
    "messages": [4, 5, 4, 5, 4, 2, 0, 2],
    # ann 01-01, 01-09; bob 01-01, 01-03, 01-09; cat 01-01, 01-03, 01-09;
    # dan 01-02, 01-03, 01-05, 01-09; eve 01-03, 01-04, 01-09; fay/hal 01-08
    "active_days": [2, 3, 3, 4, 3, 1, 0, 1],
    # weeks Mon 01-01..Sun 01-07 and Mon 01-08..: the first five users post in both
    "active_weeks": [2, 2, 2, 2, 2, 1, 0, 1],
    # messages / active_weeks; 0 for gus (no activity)
    "messages_per_active_week": [2.0, 2.5, 2.0, 2.5, 2.0, 2.0, 0.0, 2.0],
    # roots (thread_id == message_id): ann q1; bob p1; eve s1, q2; fay p2; hal p3
    "threads_started": [1, 1, 0, 0, 2, 1, 0, 1],
    # ann q2; bob q1, q2; cat q1, p1, q2; dan q1, p1, ghost (unknown root), q2;
    # eve p1; fay p3; hal p2
    "threads_joined": [1, 2, 3, 4, 1, 1, 0, 1],
    "questions": [1, 0, 0, 0, 1, 0, 0, 0],  # q1, q2
    "answers": [0, 1, 2, 1, 0, 0, 0, 0],  # a1 bob; a2, a4 cat; a3 dan
}


def test_toy_participation(toy_community):
    table = compute_participation(toy_community)
    expected = pd.DataFrame(EXPECTED, index=pd.Index(TOY_USERS, dtype="string", name="user_id"))
    pd.testing.assert_frame_equal(table, expected.astype("float64"))
    assert tuple(table.columns) == PARTICIPATION_COLUMNS


def test_duplicating_a_thread_doubles_counts(toy_community):
    from influence.community import Community

    messages = toy_community.messages
    copy = messages.copy()
    for column in ("message_id", "thread_id", "parent_id"):
        copy[column] = ("x" + copy[column].astype("string")).astype("string")
    doubled = Community(
        messages=pd.concat([messages, copy], ignore_index=True),
        interactions=toy_community.interactions,
        users=toy_community.users,
    )
    once = compute_participation(toy_community)
    twice = compute_participation(doubled)
    for column in ("messages", "threads_started", "threads_joined", "questions", "answers"):
        pd.testing.assert_series_equal(twice[column], 2 * once[column])
    pd.testing.assert_series_equal(twice["active_days"], once["active_days"])
