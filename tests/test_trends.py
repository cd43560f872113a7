"""Influence over time: per-period scores and the trends read from them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from influence.analysis import run_analysis
from influence.errors import EmptyCommunityError
from influence.trends import PERIOD_COLUMNS, TREND_COLUMNS, compute_trends, score_periods

WEEK1, WEEK2 = "2024-01-01/2024-01-07", "2024-01-08/2024-01-14"


def test_weekly_scores_of_the_toy(toy_community):
    table = score_periods(toy_community, every="week")
    assert list(table.columns) == list(PERIOD_COLUMNS)
    assert table.attrs["periods"] == [WEEK1, WEEK2]
    # week 1: ann q1 c1 c4, bob a1 c2 p1 r3, cat a2 r1 r6, dan c3 r2 r9, eve s1 r4
    week1 = table[table["period"] == WEEK1].set_index("user_id")["messages"]
    assert week1.sort_index().to_dict() == {"ann": 3, "bob": 4, "cat": 3, "dan": 3, "eve": 2}
    # each period is the model run on the period's window
    expected = run_analysis(toy_community, since="2024-01-08", until="2024-01-15").users
    expected = expected[expected["segment"] != "inactive"]
    got = table[table["period"] == WEEK2].set_index("user_id")
    assert got.index.tolist() == expected.index.tolist()
    np.testing.assert_allclose(got["influence_score"], expected["influence_score"])
    # influence_top_share: rank among the period's 7 active members / 7
    assert got["influence_top_share"].iloc[0] == pytest.approx(1 / 7)
    assert (table["start"].iloc[0]) == pd.Timestamp("2024-01-01", tz="UTC")


def test_empty_periods_are_listed(toy_community):
    table = score_periods(toy_community, every="day")
    # 9 days from 01-01 to 01-09; 01-06 and 01-07 have no message
    assert len(table.attrs["periods"]) == 9
    assert set(table["period"]) == set(table.attrs["periods"]) - {"2024-01-06", "2024-01-07"}


def test_errors(toy_community):
    with pytest.raises(ValueError, match="every must be day, week"):
        score_periods(toy_community, every="sometimes")
    with pytest.raises(EmptyCommunityError, match="at least one message in the window"):
        score_periods(toy_community, since="2030-01-01")
    periods = score_periods(toy_community, every="week")
    with pytest.raises(ValueError, match=r"recent must be at least 1 \(got 0\)"):
        compute_trends(periods, recent=0)
    with pytest.raises(ValueError, match=r"long_share must be in \(0, 1\] \(got 2\)"):
        compute_trends(periods, long_share=2)


def _periods(rows, names):
    table = pd.DataFrame(
        rows, columns=["period", "user_id", "influence_score", "segment", "influence_top_share"]
    )
    table.attrs["periods"] = names
    return table


def test_trends_by_hand():
    names = [f"2024-{m:02d}" for m in range(1, 9)]  # 8 periods, recent = 3
    ti = "true_influencer"
    rows = []
    # lasting: influential in 5 of 8 periods (>= 4): long_term; steady at 0.8
    rows += [(p, "lasting", 0.8, ti if i < 5 else "member", 0.1) for i, p in enumerate(names)]
    # middle: influential in 2 of 8 (>= 2): average_term; active in periods 1-4
    rows += [(p, "middle", 0.6, ti if i < 2 else "member", 0.2) for i, p in enumerate(names[:4])]
    # once: influential once, long ago: transient, and dormant since
    rows += [(names[0], "once", 0.9, ti, 0.05)]
    # riser: member early, influential in the last period only: burgeoning and rising
    rows += [(p, "riser", s, seg, 0.3) for p, s, seg in
             [(names[2], 0.1, "member"), (names[7], 0.9, ti)]]  # fmt: skip
    # newbie: arrives in the last period, top 5% there: newcomer worth watching
    rows += [(names[7], "newbie", 0.5, "member", 0.05)]
    # late: arrives in period 6, low: newcomer, not worth watching
    rows += [(names[5], "late", 0.1, "member", 0.5)]
    trends = compute_trends(_periods(rows, names)).set_index("user_id")
    assert list(trends.reset_index().columns) == list(TREND_COLUMNS)
    assert trends["typology"].to_dict() == {
        "lasting": "long_term",
        "middle": "average_term",
        "riser": "burgeoning",
        "once": "transient",
        "newbie": "",
        "late": "",
    }  # also the output order: most lasting first
    # recent = periods 6-8, before = periods 3-5
    # riser: recent 0.9 / 3 = 0.3, before 0.1 / 3 -> +0.2667: rising
    assert trends.loc["riser", "influence_change"] == pytest.approx(0.8 / 3)
    assert trends["trend"].to_dict() == {
        "lasting": "steady",
        "middle": "fading",  # before (0.6 + 0.6) / 3 = 0.4, recent 0
        "riser": "rising",
        "once": "dormant",
        "newbie": "newcomer",
        "late": "newcomer",
    }
    assert trends.loc["middle", "influence_before"] == pytest.approx(0.4)
    assert trends["to_watch"].to_dict() == {
        "lasting": False,
        "middle": False,
        "riser": False,
        "once": False,
        "newbie": True,
        "late": False,
    }
    assert trends.loc["lasting", "influential_periods"] == 5
    assert trends.loc["lasting", "mean_influence"] == pytest.approx(0.8)
    assert trends.loc["riser", "first_influential_period"] == "2024-08"
    assert trends.loc["riser", "latest_segment"] == ti
    assert (trends.loc["middle", "first_period"], trends.loc["middle", "last_period"]) == (
        "2024-01",
        "2024-04",
    )


def test_short_histories_shrink_the_recent_window():
    # two periods: recent = 1; nobody is a newcomer in a single period
    rows = [("a", "x", 0.2, "member", 0.5), ("b", "x", 0.9, "true_influencer", 0.1)]
    trends = compute_trends(_periods(rows, ["a", "b"]))
    assert trends.loc[0, "influence_change"] == pytest.approx(0.7)
    assert trends.loc[0, "trend"] == "rising" and trends.loc[0, "typology"] == "burgeoning"
    single = compute_trends(_periods([("a", "x", 0.2, "member", 1.0)], ["a"]))
    assert not single.loc[0, "newcomer"]


def test_cardano_monthly_trends():
    import influence

    community = influence.read("datasets/stackexchange-cardano-2021")
    periods = score_periods(community, every="quarter")
    assert periods.attrs["periods"] == ["2021Q2", "2021Q3", "2021Q4"]
    trends = compute_trends(periods, recent=1)
    assert set(trends["typology"]) <= {"", "long_term", "average_term", "burgeoning", "transient"}
    assert trends["user_id"].is_unique
    active = periods.groupby("user_id").size()
    assert (trends.set_index("user_id")["active_periods"] == active.reindex(
        trends["user_id"])).all()  # fmt: skip


def test_analyze_writes_topics_trends_health_and_exclusions(tmp_path):
    import json

    from click.testing import CliRunner

    from influence.cli import main

    out = tmp_path / "out"
    exclude = tmp_path / "exclude.txt"
    exclude.write_text("113\n", encoding="utf-8")
    args = ["analyze", "datasets/stackexchange-conlang-meta-2020", "--out", str(out)]
    args += ["--by", "topic", "--every", "quarter", "--exclude", str(exclude), "--no-progress"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "excluded.csv",
        "health.json",
        "periods.csv",
        "report.html",
        "summary.json",
        "topics.csv",
        "trends.csv",
        "users.csv",
        "users.parquet",
    ]
    assert "excluded 1 accounts (listed 1)" in result.stderr
    excluded = pd.read_csv(out / "excluded.csv", dtype={"user_id": str})
    assert excluded["user_id"].tolist() == ["113"] and excluded["messages"].iloc[0] > 0
    users = pd.read_csv(out / "users.csv", dtype={"user_id": str})
    assert "113" not in set(users["user_id"])
    summary = json.loads((out / "summary.json").read_text())
    assert summary["parameters"]["excluded_accounts"][0]["user_id"] == "113"
    health = json.loads((out / "health.json").read_text())
    assert health["every"] == "quarter" and health["periods"][0]["period"] == "2018Q1"
    trends = pd.read_csv(out / "trends.csv", keep_default_na=False)
    assert list(trends.columns) == list(TREND_COLUMNS)
    topics = pd.read_csv(out / "topics.csv")
    assert topics["topic_rank"].min() == 1
    bad = CliRunner().invoke(main, [*args[:4], "--every", "sometimes"])
    assert bad.exit_code == 2 and "every must be day, week" in bad.output
