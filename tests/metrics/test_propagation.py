"""Propagation: cascades in the reply tree, by hand on small threads and on the toy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import TOY_USERS

from influence.metrics.propagation import (
    PROPAGATION_COLUMNS,
    compute_cascades,
    compute_propagation,
)

NAN = np.nan


def _messages(rows):
    frame = pd.DataFrame(rows, columns=["message_id", "author_id", "parent_id", "created_at"])
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True)
    return frame


def test_three_level_thread_with_horizon_cutting_one_reply():
    # m1 ann 00:00
    #   m2 bob 00:05          (5 min after m1)
    #     m3 cat 00:25        (20 min after m2, 25 after m1)
    #       m4 dan 02:10      (130 min after m1: outside a 2 h horizon from m1)
    #     m5 ann 00:40        (the author's own reply: never a response to m1)
    messages = _messages(
        [
            ("m1", "ann", None, "2024-05-01 00:00"),
            ("m2", "bob", "m1", "2024-05-01 00:05"),
            ("m3", "cat", "m2", "2024-05-01 00:25"),
            ("m4", "dan", "m3", "2024-05-01 02:10"),
            ("m5", "ann", "m2", "2024-05-01 00:40"),
        ]
    )
    before = messages.copy()
    table = compute_cascades(messages, horizon="2h")
    pd.testing.assert_frame_equal(messages, before)
    assert table["message_id"].tolist() == ["m1", "m2", "m3", "m4", "m5"]
    # m1: first bob at 5; within 2 h bob, cat (dan at 130 min is cut off)
    # m2: first cat at 20; within 2 h (until 02:05) cat, ann (dan at 02:10 cut off)
    # m3: first dan at 105 min; reach 1; m4, m5: no descendants
    assert table["first_response_minutes"].tolist()[:3] == [5.0, 20.0, 105.0]
    assert table["first_response_minutes"].isna().tolist() == [False] * 3 + [True] * 2
    assert table["reach"].tolist() == [2.0, 2.0, 1.0, 0.0, 0.0]
    wider = compute_cascades(messages, horizon=pd.Timedelta("3h"))
    assert wider["reach"].tolist() == [3.0, 3.0, 1.0, 0.0, 0.0]


def test_descendant_earlier_than_its_ancestor_is_not_a_response():
    messages = _messages(
        [
            ("m1", "ann", None, "2024-05-01 01:00"),
            ("m2", "bob", "m1", "2024-05-01 00:30"),  # clock skew: before its parent
            ("m3", "cat", "m2", "2024-05-01 01:00"),  # same time as m1: a response
        ]
    )
    table = compute_cascades(messages)
    assert table["first_response_minutes"].tolist()[:2] == [0.0, 30.0]
    assert table["reach"].tolist() == [1.0, 1.0, 0.0]


def test_reply_cycles_terminate():
    # m1 -> m2 -> m3 -> m1 is a cycle; m4 -> m5 -> m3 runs into it; m6 replies to itself
    messages = _messages(
        [
            ("m1", "ann", "m3", "2024-05-01 00:00"),
            ("m2", "bob", "m1", "2024-05-01 00:10"),
            ("m3", "cat", "m2", "2024-05-01 00:20"),
            ("m5", "dan", "m3", "2024-05-01 00:30"),
            ("m4", "eve", "m5", "2024-05-01 00:40"),
            ("m6", "fay", "m6", "2024-05-01 00:50"),
        ]
    )
    table = compute_cascades(messages).set_index("message_id")
    # descendants of m1: m2, m3 (cycle), m5, m4 -> bob, cat, dan, eve all later
    assert table.loc["m1", "reach"] == 4.0
    assert table.loc["m1", "first_response_minutes"] == 10.0
    # m3's descendants: m1 (earlier: not a response), m2 (earlier), m5, m4
    assert table.loc["m3", "reach"] == 2.0
    assert table.loc["m3", "first_response_minutes"] == 10.0
    assert table.loc["m6", "reach"] == 0.0
    capped = compute_cascades(messages, max_depth=1).set_index("message_id")
    assert capped.loc["m1", "reach"] == 1.0  # only the direct reply m2


def test_long_chain_is_handled_level_by_level():
    n = 300
    rows = [
        (
            f"m{i}",
            f"u{i % 3}",
            None if i == 0 else f"m{i - 1}",
            pd.Timestamp("2024-05-01", tz="UTC") + pd.Timedelta(minutes=i),
        )
        for i in range(n)
    ]
    table = compute_cascades(_messages(rows), horizon="10min")
    assert table["first_response_minutes"].iloc[0] == 1.0
    assert table["reach"].iloc[0] == 2.0  # u1 and u2 within 10 minutes
    assert table["reach"].iloc[-1] == 0.0


def test_toy_cascades(toy_community):
    table = compute_cascades(toy_community.messages).set_index("message_id")
    # q1 (ann 09:00): a1 bob 30, a2 cat 60, c1/c4 ann (self), c2 bob, c3 dan 27 h later
    assert table.loc["q1", ["first_response_minutes", "reach"]].tolist() == [30.0, 2.0]
    # a1 (bob 09:30): c1 ann 45 min; c3 dan 26.5 h later: outside 24 h
    assert table.loc["a1", ["first_response_minutes", "reach"]].tolist() == [45.0, 1.0]
    # p1 (bob 08:00): r1 cat 10, r2 dan, r3 bob (self), r5 deleted author (nobody),
    # r6 cat, r4 eve 26 h later
    assert table.loc["p1", ["first_response_minutes", "reach"]].tolist() == [10.0, 2.0]
    # r5, by the deleted author: cat's r6 responds after 15 minutes
    assert table.loc["r5", ["first_response_minutes", "reach"]].tolist() == [15.0, 1.0]
    assert pd.isna(table.loc["r5", "author_id"])
    # q2 (eve 10:00): a3 dan 20, a4 cat, c6 ann, c8 bob, c7 dan; c5 is eve's own
    assert table.loc["q2", ["first_response_minutes", "reach"]].tolist() == [20.0, 4.0]
    # r9 replies to an unknown message: its own tree, no response
    assert np.isnan(table.loc["r9", "first_response_minutes"])


def test_toy_propagation(toy_community):
    # per contribution (first response minutes, reach within 24 h):
    # ann  q1 (30, 2)  c1 (30, 1)  c4 (-, 0)  c6 (30, 1: dan's c7)
    # bob  a1 (45, 1)  c2 (-, 0)   p1 (10, 2) r3 (-, 0)  c8 (-, 0)
    # cat  a2 (-, 0)   r1 (30, 2)  r6 (-, 0)  a4 (30, 1)
    # dan  c3 (-, 0)   r2 (20, 1)  r9 (-, 0)  a3 (30, 2: eve c5, ann c6)  c7 (-, 0)
    # eve  s1 (-, 0)   r4 (-, 0)   q2 (20, 4) c5 (-, 0)
    # fay  p2 (30, 1)  r8 (-, 0);  hal mirrors fay;  gus has no contribution
    # speed = mean reach / 24: ann 4/4/24, bob 3/5/24, cat 3/4/24, dan 3/5/24,
    # eve 4/4/24, fay 1/2/24
    # people reached: ann {bob, cat, dan}; bob {ann, cat, dan}; cat {dan, bob};
    # dan {bob, eve, ann}; eve {dan, cat, ann, bob}; fay {hal}
    expected = pd.DataFrame(
        {
            "propagation_speed": [1 / 24, 3 / 120, 3 / 96, 3 / 120, 1 / 24, 1 / 48, NAN, 1 / 48],
            "people_reached": [3.0, 3.0, 2.0, 3.0, 4.0, 1.0, 0.0, 1.0],
            "first_response_minutes": [30.0, 27.5, 30.0, 25.0, 20.0, 30.0, NAN, 30.0],
            "responded_share": [0.75, 0.4, 0.5, 0.4, 0.25, 0.5, NAN, 0.5],
        },
        index=pd.Index(TOY_USERS, dtype="string", name="user_id"),
    )
    table = compute_propagation(toy_community)
    assert tuple(table.columns) == PROPAGATION_COLUMNS
    pd.testing.assert_frame_equal(table, expected)


def test_horizon_in_hours_scales_speed(toy_community):
    narrow = compute_propagation(toy_community, horizon="30min")
    # within 30 min: ann q1 (bob), c1 (bob), c6 (dan) -> 3 people over 4 posts / 0.5 h
    assert narrow.loc["ann", "propagation_speed"] == pytest.approx(3 / 4 / 0.5)
    assert narrow.loc["ann", "people_reached"] == 2.0  # bob, dan


@pytest.mark.parametrize("horizon", ["0h", "-1h", "soon", None])
def test_bad_horizon(horizon, toy_community):
    with pytest.raises(ValueError, match=r"horizon must be a (positive )?duration"):
        compute_propagation(toy_community, horizon=horizon)


def test_reach_by_horizon_equals_one_call_per_horizon():
    from influence.metrics.propagation import compute_cascades, compute_reach_by_horizon

    rng = np.random.default_rng(11)
    n = 400
    parent = [None] + [
        str(rng.integers(0, i)) if rng.random() < 0.85 else None for i in range(1, n)
    ]
    minutes = np.sort(rng.integers(0, 60 * 24 * 5, size=n))
    messages = pd.DataFrame(
        {
            "message_id": [str(i) for i in range(n)],
            "author_id": [f"u{k}" if k < 30 else None for k in rng.integers(0, 33, size=n)],
            "parent_id": parent,
            "created_at": pd.to_datetime("2024-01-01", utc=True)
            + pd.to_timedelta(minutes, unit="min"),
        }
    )
    horizons = ["15min", "1h", "8h", "24h", "72h"]
    table = compute_reach_by_horizon(messages, horizons)
    for h in horizons:
        expected = compute_cascades(messages, horizon=h)["reach"].to_numpy()
        np.testing.assert_array_equal(table[h].to_numpy(), expected)
