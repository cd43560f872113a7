"""Community health: every figure worked out by hand on the toy community."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from influence.health import (
    WU_TOP_10_SHARE_MEAN,
    WU_TOP_10_SHARE_SD,
    compute_health,
    health_by_period,
    lorenz_curve,
    participation_inequality,
    period_labels,
)
from influence.sources.table import parse_table


def test_weekly_health_of_the_toy_community(toy_community):
    table = health_by_period(toy_community, every="week")
    assert table.index.tolist() == ["2024-01-01/2024-01-07", "2024-01-08/2024-01-14"]
    week1, week2 = table.iloc[0], table.iloc[1]
    assert week1["weeks"] == week2["weeks"] == 1.0
    # week 1: 16 messages (q1 .. r9); week 2: 11 (p2 .. c7)
    assert (week1["messages"], week2["messages"]) == (16.0, 11.0)
    # authors: ann bob cat dan eve (r5 has none), then + fay hal
    assert (week1["active_members"], week2["active_members"]) == (5.0, 7.0)
    assert (week1["new_members"], week2["new_members"]) == (5.0, 2.0)
    assert week1["active_members_per_week"] == 5.0
    # threads: q1 p1 s1 ghost, then p2 p3 q2
    assert (week1["threads_started"], week2["threads_started"]) == (4.0, 3.0)
    # no topic: one "(none)" topic, so messages per topic per week = messages
    assert week1["active_topics"] == 1.0 and week1["messages_per_topic_per_week"] == 16.0
    # participants per thread weighted by messages with a known author:
    # q1 4 people x 7, p1 4 x 6 (r5 deleted), s1 1 x 1, ghost 1 x 1 -> 54 / 15
    assert week1["participants_per_thread"] == pytest.approx(54 / 15)
    # p2 2 x 2, p3 2 x 2, q2 5 x 7 -> 43 / 11
    assert week2["participants_per_thread"] == pytest.approx(43 / 11)
    # week 2 counts fay 2, hal 2, eve 2, dan 2, cat 1, bob 1, ann 1 (11): top 1 of 7 wrote 2
    assert week2["top_10_percent_share"] == pytest.approx(2 / 11)
    # Gini: sorted 1 1 1 2 2 2 2, sum(i x_i) = 50 -> 2*50/(7*11) - 8/7 = 12/77
    assert week2["gini"] == pytest.approx(12 / 77)
    assert np.isnan(week1["views"])


def test_responsiveness_by_hand():
    msgs = pd.DataFrame(
        {
            "message_id": list("12345"),
            "author_id": ["ann", "bob", "ann", "cy", "cy"],
            "parent_id": [None, "1", "2", None, "4"],
            "created_at": [
                "2024-01-01 00:00",
                "2024-01-01 00:10",
                "2024-01-01 01:10",
                "2024-01-01 02:00",
                "2024-01-01 05:00",
            ],
            "views": [10, 5, None, 1, 0],
        }
    )
    table = health_by_period(parse_table(msgs), every="day")
    row = table.iloc[0]
    # gaps within threads: 10 and 60 min (thread 1), 180 min (cy's self-reply thread)
    assert row["median_gap_minutes"] == 60.0
    # first responses by someone else: message 1 after 10 min, message 2 after 60;
    # 3, 4, 5 get none -> median 35, responded 2 of 5
    assert row["median_first_response_minutes"] == 35.0
    assert row["responded_share"] == pytest.approx(2 / 5)
    assert row["views"] == 16.0


def test_compute_health_is_json_ready_with_wu_benchmark(toy_community):
    health = compute_health(toy_community, every="week")
    # messages per author: ann 4, bob 5, cat 4, dan 5, eve 4, fay 2, hal 2 (26)
    inequality = health["participation_inequality"]
    assert inequality["messages"] == 26 and inequality["top_members"] == 1
    assert inequality["top_content_share"] == round(5 / 26, 6)
    expected_z = (5 / 26 - WU_TOP_10_SHARE_MEAN) / WU_TOP_10_SHARE_SD
    assert inequality["wu_z_score"] == round(expected_z, 6)
    assert inequality["lorenz"]["population_share"][0] == 0.0
    assert inequality["lorenz"]["content_share"][-1] == 1.0
    assert health["overall"]["messages"] == 27.0 and health["overall"]["new_members"] == 7.0
    assert [p["period"] for p in health["periods"]] == [
        "2024-01-01/2024-01-07",
        "2024-01-08/2024-01-14",
    ]
    assert health["periods"][0]["start"] == "2024-01-01T00:00:00Z"
    assert health["benchmark"]["top_10_percent_share_mean"] == 0.5595
    import json

    json.dumps(health, allow_nan=False)  # no NaN anywhere


def test_lorenz_is_thinned_to_the_points_asked_for():
    msgs = pd.DataFrame(
        {
            "message_id": [str(i) for i in range(50)],
            "author_id": [f"u{i}" for i in range(50)],
            "created_at": "2024-01-01 00:00",
        }
    )
    health = compute_health(parse_table(msgs), lorenz_points=11)
    curve = health["participation_inequality"]["lorenz"]
    assert len(curve["population_share"]) == 11
    assert curve["population_share"][5] == 0.5 and curve["content_share"][5] == 0.5


def test_empty_community_gives_empty_periods():
    msgs = pd.DataFrame({"message_id": ["1"], "author_id": ["a"], "created_at": ["2024-01-01"]})
    community = parse_table(msgs)
    empty = community.window(until="2000-01-01")
    assert health_by_period(empty).empty
    health = compute_health(empty)
    assert health["periods"] == [] and health["overall"]["messages"] is None


def test_report_uses_the_health_rules():
    from influence.report import inequality

    assert inequality.participation_inequality is participation_inequality
    assert inequality.lorenz_curve is lorenz_curve


def test_gini_of_one_writer_among_many():
    # n members, one wrote everything: G = 2*n*x/(n*x) - (n+1)/n = (n-1)/n
    stats = participation_inequality(pd.Series([0.0] * 9 + [7.0]))
    assert stats["gini"] == 0.0  # only one active member: perfectly equal among the active
    stats = participation_inequality(pd.Series([1.0, 1.0, 1.0, 97.0]))
    # sorted 1 1 1 97: sum(i x) = 1+2+3+388 = 394 -> 2*394/(4*100) - 5/4 = 0.72
    assert stats["gini"] == pytest.approx(0.72)
    assert stats["top_content_share"] == 0.97
    assert math.isclose(stats["top_1_percent_content_share"], 0.97)


def test_bad_period_is_refused():
    times = pd.Series(pd.to_datetime(["2024-01-01"], utc=True))
    with pytest.raises(ValueError, match=r"every must be day, week, month, quarter, year"):
        period_labels(times, "fortnightly")
    assert period_labels(times, "quarter").astype(str).tolist() == ["2024Q1"]
